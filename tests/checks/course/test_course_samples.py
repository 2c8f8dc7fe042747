"""The two sample course repositories under tests/samples/courses, through the command line as a
course's CI runs it: `good` passes, `broken` fails with each planted problem at its file and line.

They are plain folders tracked by this repository (no nested .git): git answers for them from
this repository, and tests/samples/courses/.gitattributes keeps broken/'s CRLF bytes as committed.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests import TESTS
from tests.scenario import Scenario

COURSES = TESTS / "samples" / "courses"


def check(tmp_path: Path, name: str) -> tuple[int, dict[str, list[dict[str, object]]]]:
    scene = Scenario(tmp_path, rooted=False)
    done = scene.cli("check", "--course", "--json", "--repo", str(COURSES / name))
    report = json.loads(done.stdout)
    return done.returncode, {r["id"]: r["findings"] for r in report["results"]}


def test_the_good_course_passes(tmp_path: Path) -> None:
    rc, results = check(tmp_path, "good")
    assert rc == 0, results
    statuses = {f["code"]: f["status"] for found in results.values() for f in found}
    assert statuses == {
        "devcontainer/ok": "ok",
        "script-shebangs/ok": "ok",
        "line-endings/ok": "ok",
        "requirements-pins/bounded": "ok",
        "dockerfile-layout/fine": "ok",
    }


def test_the_broken_course_fails_with_each_problem_at_its_place(tmp_path: Path) -> None:
    assert b"\r\n" in (COURSES / "broken/.devcontainer/setup.sh").read_bytes()
    rc, results = check(tmp_path, "broken")
    assert rc == 1
    found = {
        (
            f["code"],
            f["status"],
            (f["location"] or {}).get("path"),
            (f["location"] or {}).get("line"),
        )
        for found in results.values()
        for f in found
    }
    config = ".devcontainer/devcontainer.json"
    assert ("devcontainer/missing-file", "fail", config, 6) in found
    assert ("script-shebangs/crlf", "fail", ".devcontainer/setup.sh", 1) in found
    assert ("script-shebangs/bashism-under-sh", "fail", ".devcontainer/tools.sh", 2) in found
    # One CRLF script is one problem: line-endings has nothing of its own to add here.
    assert not any(code.startswith("line-endings/crlf") for code, *_ in found)
    missing = next(f for f in results["devcontainer"] if f["code"] == "devcontainer/missing-file")
    assert "the repository has it at .devcontainer/requirements.txt" in str(missing["summary"])
