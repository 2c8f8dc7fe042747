"""A course's own check package (examples/course-checks), installed for real, runs with devdoctor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.scenario import Scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "course-checks"


def _install(target: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(EXAMPLE)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_example_package_is_listed_and_run_with_its_origin(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install(site)
    scene = Scenario(tmp_path, rooted=False, PYTHONPATH=str(site))
    scene.env.pop("DEVDOCTOR_NO_PLUGINS")
    repo = scene.course({".devcontainer/data.bin": b"x" * 1024}, config={"image": "x"})

    listed = scene.cli("list", "--json")
    rows = {row["id"]: row for row in json.loads(listed.stdout)["checks"]}
    assert rows["build-context-size"]["origin"] == "course-checks 0.1"
    assert rows["build-context-size"]["scope"] == "course"

    scene.env["PATH"] = os.environ["PATH"]
    done = scene.cli("check", "--only", "build-context-size", "--json", "--repo", str(repo))
    (result,) = json.loads(done.stdout)["results"]
    assert result["status"] == "ok", result
    assert result["findings"][0]["code"] == "build-context-size/ok"
