"""The kill matrix: SIGKILL, SIGINT, SIGTERM and SIGHUP at every step of every fix that runs on
a fake host, and of undo. Whatever the step, the file holds its old or its new bytes, and after
`devdoctor undo --yes` (whose start recovers what a crash left open) exactly the old ones.
"""

from __future__ import annotations

import json
import signal
import stat
from pathlib import Path

import pytest
from devdoctor.journal import LOCK_SUFFIX, entries

from tests.faults.trials import FIX_STEPS, UNDO_STEPS, run, stop_at
from tests.scenario import Scenario, lifecycle

WSLCONFIG = "mnt/c/Users/student/.wslconfig"
OLD = b"[wsl2]\r\nmemory=4GB\r\nprocessors=4\r\n"
NEW = b"[wsl2]\r\nmemory=8GB\r\nprocessors=4\r\nswap=8GB\r\n"
SIGNALS = [
    pytest.param(signal.SIGKILL, id="SIGKILL"),
    pytest.param(signal.SIGINT, id="SIGINT"),
    pytest.param(signal.SIGTERM, id="SIGTERM"),
    pytest.param(signal.SIGHUP, id="SIGHUP"),
]
STOPPED = {signal.SIGKILL: -9, signal.SIGINT: 130, signal.SIGTERM: 130, signal.SIGHUP: 130}


def _no_open_entries(state: Path) -> None:
    assert [e.id for e in entries(state) if e.state == "open"] == []


def _no_lock_left(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if LOCK_SUFFIX in p.name] == []


@pytest.mark.parametrize("sig", SIGNALS)
@pytest.mark.parametrize("step", FIX_STEPS)
def test_wsl_memory_fix_stopped_at_each_step(tmp_path: Path, step: str, sig: int) -> None:
    fake = Scenario(tmp_path).wsl()
    root = ["--root", str(fake.root)]
    target = fake.path(WSLCONFIG)
    trial = stop_at(["fix", "wsl-memory", "--yes", *root], fake.env, step, sig, tmp_path / "m")
    assert trial.reached, trial.stderr
    assert trial.rc == STOPPED[sig], trial.stderr
    assert "Traceback" not in trial.stderr
    assert target.read_bytes() in (OLD, NEW)
    undo = run(["undo", "--yes", *root], fake.env)
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert target.read_bytes() == OLD, undo.stdout
    _no_open_entries(fake.state)
    # A lock the killed devdoctor left behind is stale (its pid is gone): the next fix works.
    again = run(["fix", "wsl-memory", "--yes", *root], fake.env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert target.read_bytes() == NEW
    _no_lock_left(target.parent)


@pytest.mark.parametrize("sig", SIGNALS[:2])  # SIGTERM and SIGHUP take SIGINT's path
@pytest.mark.parametrize("step", UNDO_STEPS)
def test_wsl_memory_undo_stopped_at_each_step(tmp_path: Path, step: str, sig: int) -> None:
    fake = Scenario(tmp_path).wsl()
    root = ["--root", str(fake.root)]
    target = fake.path(WSLCONFIG)
    assert run(["fix", "wsl-memory", "--yes", *root], fake.env).returncode == 0
    assert target.read_bytes() == NEW
    trial = stop_at(["undo", "--yes", *root], fake.env, step, sig, tmp_path / "m")
    assert trial.reached, trial.stdout + trial.stderr
    assert trial.rc == STOPPED[sig], trial.stderr
    assert target.read_bytes() in (OLD, NEW)
    undo = run(["undo", "--yes", *root], fake.env)
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert target.read_bytes() == OLD
    _no_open_entries(fake.state)


# -- a course fix: several changes (a file, a mode, git's index) in one entry -------------------

SCRIPTS: dict[str, bytes] = {
    ".devcontainer/crlf.sh": b"#!/bin/bash\r\necho hi\r\n",
    ".devcontainer/mode.sh": b"#!/bin/bash\necho hi\n",
}
COURSE_STEPS = (
    "entry",
    "locked",
    "backup",
    "apply-0",
    "applied-0",
    "apply-1",
    "applied-1",
    "before-rename",
    "after-rename",
    "closed",
)


def _course(tmp_path: Path) -> tuple[Path, Scenario]:
    scene = Scenario(tmp_path, rooted=False)
    command = " && ".join(f"./{p}" for p in SCRIPTS)
    repo = scene.course(
        SCRIPTS, executable=(".devcontainer/crlf.sh",), config=lifecycle(command)
    )
    return repo, scene


def _snapshot(scene: Scenario, repo: Path) -> dict[str, object]:
    state: dict[str, object] = {"index": scene.git("ls-files", "-s", repo=repo)}
    for path in SCRIPTS:
        full = repo / path
        state[path] = (full.read_bytes(), stat.S_IMODE(full.stat().st_mode))
    return state


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
@pytest.mark.parametrize("step", COURSE_STEPS)
def test_script_shebangs_fix_stopped_at_each_step(tmp_path: Path, step: str, sig: int) -> None:
    repo, scene = _course(tmp_path)
    before = _snapshot(scene, repo)
    argv = ["fix", "script-shebangs", "--course", "--yes", "--repo", str(repo)]
    fixed_dir = tmp_path / "fixed"
    fixed_dir.mkdir()
    fixed_repo, fixed = _course(fixed_dir)
    assert run([*argv[:-1], str(fixed_repo)], fixed.env).returncode == 0
    after = _snapshot(fixed, fixed_repo)

    trial = stop_at(argv, scene.env, step, sig, tmp_path / "m")
    assert trial.reached, trial.stdout + trial.stderr
    now = _snapshot(scene, repo)
    for path in SCRIPTS:
        assert now[path] in (before[path], after[path]), path
    for _ in range(5):  # each fix is its own entry: undo them all, newest first
        undo = run(["undo", "--yes", "--repo", str(repo)], scene.env)
        assert undo.returncode == 0, undo.stdout + undo.stderr
        if "Nothing to undo" in undo.stdout:
            break
    assert _snapshot(scene, repo) == before
    _no_open_entries(tmp_path / "state")
    assert json.dumps(scene.git("status", "--porcelain", repo=repo)) == '""'
