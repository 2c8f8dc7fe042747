"""A second writer: the user's editor between plan and rename, and a second devdoctor with its
own state directory (PowerShell's and WSL's differ) fixing the same .wslconfig."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from devdoctor.journal import LOCK_SUFFIX, entries

from tests.faults.trials import finish, run, start, stop_at, wait_for
from tests.scenario import Scenario

WSLCONFIG = "mnt/c/Users/student/.wslconfig"
OLD = b"[wsl2]\r\nmemory=4GB\r\nprocessors=4\r\n"
NEW = b"[wsl2]\r\nmemory=8GB\r\nprocessors=4\r\nswap=8GB\r\n"
EDIT = b"[wsl2]\r\nmemory=6GB\r\nprocessors=2\r\n"


@pytest.mark.parametrize("step", ["locked", "backup", "apply-0", "before-rename"])
def test_an_edit_made_during_the_fix_is_kept(tmp_path: Path, step: str) -> None:
    fake = Scenario(tmp_path).wsl()
    target = fake.path(WSLCONFIG)
    marker = tmp_path / "m"
    proc = start(
        ["fix", "wsl-memory", "--yes", "--root", str(fake.root)], fake.env, step=step, marker=marker
    )
    assert wait_for(marker, proc)
    target.write_bytes(EDIT)  # the user saves in their editor, now
    marker.unlink()
    trial = finish(proc, step, True)
    assert trial.rc == 4, trial.stdout + trial.stderr
    assert "changed" in trial.stdout
    assert target.read_bytes() == EDIT
    assert [e.state for e in entries(fake.state)] in ([], ["rolled-back"])
    assert [p.name for p in target.parent.iterdir() if "devdoctor" in p.name] == []


def _two_sides(tmp_path: Path) -> tuple[dict[str, str], dict[str, str], list[str], Path]:
    fake = Scenario(tmp_path).wsl()
    one = {**fake.env, "DEVDOCTOR_STATE_DIR": str(tmp_path / "state-wsl")}
    two = {**fake.env, "DEVDOCTOR_STATE_DIR": str(tmp_path / "state-powershell")}
    return one, two, ["fix", "wsl-memory", "--yes", "--root", str(fake.root)], fake.path(WSLCONFIG)


def test_a_second_devdoctor_with_its_own_state_directory_is_refused(tmp_path: Path) -> None:
    one, two, argv, target = _two_sides(tmp_path)
    marker = tmp_path / "m"
    first = start(argv, one, step="locked", marker=marker)
    assert wait_for(marker, first)
    lock = target.with_name(target.name + LOCK_SUFFIX)
    assert lock.exists() and '"pid"' in lock.read_text()
    second = run(argv, two)
    assert second.returncode == 4, second.stdout + second.stderr
    assert "another devdoctor" in second.stdout
    assert target.read_bytes() == OLD
    marker.unlink()
    done = finish(first, "locked", True)
    assert done.rc == 0, done.stdout + done.stderr
    assert target.read_bytes() == NEW
    assert not lock.exists()


def test_two_devdoctors_racing_exactly_one_applies(tmp_path: Path) -> None:
    applied = 0
    for n in range(8):
        folder = tmp_path / str(n)
        folder.mkdir()
        one, two, argv, target = _two_sides(folder)
        procs = [
            subprocess.Popen(
                ["devdoctor", *argv],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for env in (one, two)
        ]
        outs = [p.communicate(timeout=60)[0] for p in procs]
        said = [o.count("=> applied") for o in outs]
        assert sum(said) == 1, outs
        applied += sum(said)
        assert target.read_bytes() == NEW
        # Whichever applied, its own undo gives back exactly the old bytes.
        winner = (one, two)[said.index(1)]
        undo = run(["undo", "--yes", "--root", argv[-1]], winner)
        assert undo.returncode == 0, undo.stdout
        assert target.read_bytes() == OLD
    assert applied == 8


def test_a_stale_lock_from_a_killed_devdoctor_is_broken(tmp_path: Path) -> None:
    one, two, argv, target = _two_sides(tmp_path)
    trial = stop_at(argv, one, "locked", signal.SIGKILL, tmp_path / "m")
    assert trial.reached and trial.rc == -9
    assert target.with_name(target.name + LOCK_SUFFIX).exists()  # left behind
    again = run(argv, two)  # the other side: same host and platform here, so the pid tells
    assert again.returncode == 0, again.stdout + again.stderr
    assert target.read_bytes() == NEW


def test_powershell_and_wsl_racing_on_one_wslconfig_never_lose_a_write(tmp_path: Path) -> None:
    """The two sides of one laptop: devdoctor in PowerShell sees C:\\Users\\student\\.wslconfig,
    the one in WSL /mnt/c/Users/student/.wslconfig; each has its own state directory and plans
    its own change (the PowerShell side sees less RAM here and plans swap). The lock file beside
    the target is what both see: either one applies and the other is refused, or the second
    looked after the first and applied over exactly the bytes the first wrote. Undoing newest
    first gives back exactly the old bytes."""
    for n in range(6):
        wsl = Scenario(tmp_path / f"wsl{n}").wsl()
        windows = Scenario(tmp_path / f"win{n}").windows(wslconfig=b"unused")
        sides = {
            "wsl": wsl.env,
            "powershell": {**windows.env, "DEVDOCTOR_STATE_DIR": str(tmp_path / f"ps{n}")},
        }
        argv = ["fix", "wsl-memory", "--yes", "--root", str(wsl.root)]
        procs = {
            side: subprocess.Popen(
                ["devdoctor", *argv],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for side, env in sides.items()
        }
        outs = {side: p.communicate(timeout=60)[0] for side, p in procs.items()}
        applied = [
            (entry.id, side, entry.data["changes"][0])
            for side, env in sides.items()
            for entry in entries(Path(env["DEVDOCTOR_STATE_DIR"]))
            if entry.state not in ("rolled-back", "not-applied")
        ]
        assert 1 <= len(applied) <= 2, outs
        assert len(applied) == sum("=> applied" in out for out in outs.values()), outs
        applied.sort()
        if len(applied) == 2:  # a chain: the second changed exactly what the first wrote
            assert applied[0][2]["new_sha256"] == applied[1][2]["old_sha256"]
        target = wsl.path(WSLCONFIG)
        for _id, side, _record in reversed(applied):
            undo = run(["undo", "--yes", "--root", str(wsl.root)], sides[side])
            assert undo.returncode == 0, undo.stdout + undo.stderr
        assert target.read_bytes() == OLD
