"""`devdoctor fix ID` gives one consistent answer when the cause is another check's."""

from __future__ import annotations

from pathlib import Path

from tests.scenario import Scenario


def test_a_fix_named_for_a_cause_another_check_owns_points_to_that_fix(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False, DEVDOCTOR_PLATFORM="container")
    repo = scene.course(
        {".devcontainer/setup.sh": b"#!/bin/bash\r\necho hi\r\n"},
        config={"image": "debian:12", "postCreateCommand": "./.devcontainer/setup.sh"},
        executable=(".devcontainer/setup.sh",),
    )
    done = scene.cli("fix", "line-endings", "--dry-run", "--repo", str(repo))
    assert done.returncode == 0, done.stderr
    assert "Nothing to fix: line-endings found no problem it can fix." in done.stdout
    assert "script-shebangs has a fix on offer here" in done.stdout
    assert "`devdoctor fix script-shebangs`" in done.stdout


def test_fix_without_a_course_repository_skips_the_course_fixes(tmp_path: Path) -> None:
    """Checks that need a repository stand in from the catalogue; fix must skip them, too."""
    scene = Scenario(tmp_path, rooted=False, DEVDOCTOR_PLATFORM="linux")
    done = scene.cli("fix", "--dry-run", "--repo", str(tmp_path / "no-repo"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broke" not in done.stdout
