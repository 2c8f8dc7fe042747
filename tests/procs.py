"""Watching processes from tests: the pids stand-ins wrote, whether they live, killing leftovers."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether pid is a running (not zombie) process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pid: int, within: float = 3.0) -> bool:
    """True once pid is gone (or a zombie) within the time allowed."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return not alive(pid)


def pids_in(path: Path, within: float = 30.0) -> list[int]:
    """The pids a stand-in writes to `path`, once it has written them: the bound only guards
    against a hang (on a machine shared with other test runs, a shell script once took over
    5 s to start)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text().strip():
            time.sleep(0.02)  # let the writer finish the line
            return [int(p) for p in path.read_text().split()]
        time.sleep(0.01)
    raise AssertionError(f"{path} was never written")


def written_pids(*files: Path) -> list[int]:
    """The pids in whichever of these files exist, at once (for cleaning up after a failure)."""
    found: list[int] = []
    for path in files:
        with contextlib.suppress(OSError, ValueError):
            found += [int(p) for p in path.read_text().split()]
    return found


def kill_quietly(pids: Iterable[int]) -> None:
    """Kill what a failed test left running: each pid, and the group it leads (stand-ins are
    session leaders, so their children go with them even when the leader itself is gone)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, 9)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, 9)
