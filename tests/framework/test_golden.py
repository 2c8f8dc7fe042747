"""Golden answers: the JSON `devdoctor check` gives on fixed fake hosts stays the same.

Recorded before the layout moved (issue 7), so a move that changes an answer shows up here.
Set DEVDOCTOR_REGOLD=1 to write the files anew, then review the diff like any other change.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import TESTS
from tests.scenario import Scenario

GOLDEN = TESTS / "golden"
FREE_DISK = re.compile(r"\d+(?:\.\d+)? [KMGT]iB( free| at )")
MACHINE = re.compile(r"(\()\d+ ms\)|(the docker CLI at )/\S+")
FIXED_DATE = "2026-01-01T00:00:00+00:00"


def _normal(data: Any, tmp: str) -> Any:
    """Drop what differs between runs: durations, the temporary folder, free disk."""
    if isinstance(data, dict):
        return {k: _normal(v, tmp) for k, v in data.items() if k != "duration_ms"}
    if isinstance(data, list):
        return [_normal(v, tmp) for v in data]
    if isinstance(data, str):  # free disk, timings and the docker CLI are this machine's
        text = FREE_DISK.sub(r"<size>\1", data.replace(tmp, "<tmp>"))
        return MACHINE.sub(lambda m: (m[1] or m[2]) + "<machine>", text)
    return data


def _fake_cli(fake: Scenario, *args: str) -> subprocess.CompletedProcess[str]:
    return fake.cli("check", "--json", *args)


def _wsl_small(tmp: Path) -> subprocess.CompletedProcess[str]:
    fake = Scenario(tmp).wsl()
    fake.env["DOCKER_HOST"] = f"unix://{tmp}/no-docker.sock"
    return _fake_cli(fake, "--repo", str(tmp / "no-repo"))


def _wsl_no_wslconfig(tmp: Path) -> subprocess.CompletedProcess[str]:
    fake = Scenario(tmp).wsl(wslconfig=None, windows_ram=None)
    fake.env["DOCKER_HOST"] = f"unix://{tmp}/no-docker.sock"
    return _fake_cli(fake, "--repo", str(tmp / "no-repo"))


def _windows(tmp: Path) -> subprocess.CompletedProcess[str]:
    fake = Scenario(tmp).windows(wslconfig=b"[wsl2]\nmemory=16GB\nswap=8GB\n")
    fake.env["DOCKER_HOST"] = f"unix://{tmp}/no-docker.sock"
    return _fake_cli(fake, "--repo", str(tmp / "no-repo"))


def _broken_course(tmp: Path) -> subprocess.CompletedProcess[str]:
    scene = Scenario(
        tmp,
        rooted=False,
        DEVDOCTOR_PLATFORM="container",
        GIT_AUTHOR_DATE=FIXED_DATE,
        GIT_COMMITTER_DATE=FIXED_DATE,
    )
    config = {
        "build": {"dockerfile": "Dockerfile"},
        "postCreateCommand": "./.devcontainer/setup.sh && sh .devcontainer/bashy.sh",
        "onCreateCommand": ["./.devcontainer/noshebang.sh"],
        "runArgs": ["--gpus", "all"],
        "hostRequirements": {"memory": "8GB", "cpus": 4},
        "mounts": ["source=course-home,target=/home/vscode/.local,type=volume"],
    }
    files: dict[str, bytes | str] = {
        ".devcontainer/Dockerfile": "FROM python:3.11-slim\nUSER vscode\n",
        ".devcontainer/setup.sh": b"#!/bin/bash\r\necho hi\r\n",
        ".devcontainer/bashy.sh": "#!/bin/sh\nif [[ -n x ]]; then echo y; fi\n",
        ".devcontainer/noshebang.sh": "echo plain\n",
    }
    repo = scene.course(files, config=config, executable=(".devcontainer/setup.sh",))
    return scene.cli("check", "--json", "--repo", str(repo))


SCENARIOS: dict[str, Callable[[Path], subprocess.CompletedProcess[str]]] = {
    "wsl-small-wslconfig": _wsl_small,
    "wsl-no-wslconfig-no-windows": _wsl_no_wslconfig,
    "windows-16gb": _windows,
    "container-broken-course": _broken_course,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_check_json_matches_the_golden_file(name: str, tmp_path: Path) -> None:
    done = SCENARIOS[name](tmp_path)
    assert done.stdout.startswith("{"), done.stderr
    got = {"exit": done.returncode, "json": _normal(json.loads(done.stdout), str(tmp_path))}
    path = GOLDEN / f"{name}.json"
    if os.environ.get("DEVDOCTOR_REGOLD"):
        path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert got == expected
