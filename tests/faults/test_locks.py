"""The lock beside a target, with its primitives injected: each platform's logic, stale locks,
and the other side of WSL (a lock file on /mnt/c seen from both Windows and WSL)."""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path
from typing import Any

import pytest
from devdoctor.journal import (
    FileLock,
    LockedError,
    LockPrimitives,
    lock_file_for,
    locked,
    pid_alive,
)


class FakeKernel32:
    """OpenProcess / GetExitCodeProcess / GetLastError / CloseHandle, as Windows answers."""

    def __init__(self, *, handle: int, error: int = 0, code: int = 259, ok: bool = True) -> None:
        self.handle, self.error, self.code, self.ok = handle, error, code, ok
        self.closed: list[int] = []

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int:
        assert access == 0x1000 and inherit is False
        return self.handle

    def GetLastError(self) -> int:
        return self.error

    def GetExitCodeProcess(self, handle: int, code: Any) -> bool:
        ctypes.cast(code, ctypes.POINTER(ctypes.c_ulong)).contents.value = self.code
        return self.ok

    def CloseHandle(self, handle: int) -> None:
        self.closed.append(handle)


@pytest.mark.parametrize(
    ("kernel", "alive"),
    [
        (FakeKernel32(handle=0, error=87), False),  # no such process
        (FakeKernel32(handle=0, error=5), True),  # someone else's: it exists
        (FakeKernel32(handle=7, code=259), True),  # STILL_ACTIVE
        (FakeKernel32(handle=7, code=0), False),  # exited, handle still open somewhere
        (FakeKernel32(handle=7, ok=False), True),  # cannot tell: assume it runs
    ],
)
def test_the_windows_branch_asks_openprocess_never_os_kill(
    kernel: FakeKernel32, alive: bool
) -> None:
    assert pid_alive(4242, platform="win32", kernel32=kernel) is alive
    assert kernel.closed == ([7] if kernel.handle else [])


def test_the_posix_branch() -> None:
    assert pid_alive(os.getpid())
    assert not pid_alive(0)
    assert not pid_alive(2**22 + 12345)  # above pid_max


def _prims(*, platform: str = "wsl", alive: bool = False, now: float = 1000.0) -> LockPrimitives:
    return LockPrimitives(
        info=lambda: {"pid": 111, "host": "laptop", "platform": platform, "started": now},
        alive=lambda pid: alive,
        now=lambda: now,
        stale_after=600.0,
    )


def _plant(path: Path, holder: dict[str, object] | str, mtime: float) -> None:
    path.write_text(holder if isinstance(holder, str) else json.dumps(holder))
    os.utime(path, (mtime, mtime))


WINDOWS_HOLDER = {"pid": 999, "host": "laptop", "platform": "win32", "started": 0}
WSL_HOLDER = {"pid": 999, "host": "laptop", "platform": "wsl", "started": 0}


@pytest.mark.parametrize(
    ("holder", "age", "alive", "broken"),
    [
        (WINDOWS_HOLDER, 10, False, False),  # the other side, recent: its pid cannot be asked
        (WINDOWS_HOLDER, 700, False, True),  # the other side, abandoned long ago
        (WSL_HOLDER, 10, True, False),  # this side, its holder runs
        (WSL_HOLDER, 10, False, True),  # this side, its holder is gone
        ({**WSL_HOLDER, "host": "other-pc"}, 10, False, False),  # another computer's pids
        ("", 1, False, False),  # just created, not yet written
        ("{garbage", 60, False, True),  # a holder killed before it wrote
    ],
)
def test_stale_or_held(
    tmp_path: Path, holder: dict[str, object] | str, age: float, alive: bool, broken: bool
) -> None:
    target = tmp_path / ".wslconfig"
    lock_path = lock_file_for(target)
    _plant(lock_path, holder, 1000.0 - age)
    lock = FileLock(lock_path, str(target), _prims(alive=alive))
    if broken:
        lock.acquire()
        assert json.loads(lock_path.read_text())["pid"] == 111
        lock.release()
        assert not lock_path.exists()
    else:
        with pytest.raises(LockedError, match="another devdoctor"):
            lock.acquire()
        assert lock_path.exists()
    assert [p.name for p in tmp_path.iterdir() if "stale" in p.name] == []


def test_a_fresh_lock_taken_while_breaking_a_stale_one_is_given_back(tmp_path: Path) -> None:
    target = tmp_path / ".wslconfig"
    lock_path = lock_file_for(target)
    _plant(lock_path, WSL_HOLDER, 0)

    def dies_and_is_replaced(pid: int) -> bool:
        # While this devdoctor decides, another breaks the stale lock and takes a fresh one.
        if pid == 999:
            lock_path.unlink()
            _plant(lock_path, {**WSL_HOLDER, "pid": 555}, 1000.0)
            return False
        return True

    prims = _prims()
    prims.alive = dies_and_is_replaced
    with pytest.raises(LockedError):
        FileLock(lock_path, str(target), prims).acquire()
    assert json.loads(lock_path.read_text())["pid"] == 555  # the fresh holder keeps it


def test_held_notices_a_lock_that_is_no_longer_ours(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "x.devdoctor-lock", "x", _prims())
    lock.acquire()
    assert lock.held()
    (tmp_path / "x.devdoctor-lock").write_text('{"pid": 5}')
    assert not lock.held()
    lock.release()  # not ours: left alone
    assert (tmp_path / "x.devdoctor-lock").exists()


def test_the_journal_lock_and_target_locks_hold_together(tmp_path: Path) -> None:
    target = tmp_path / "t.conf"
    with locked(tmp_path / "state", [target]) as held:
        assert [lock.path.name for lock in held] == ["fix.lock", "t.conf.devdoctor-lock"]
        with pytest.raises(LockedError), locked(tmp_path / "other-state", [target]):
            pass
    assert not lock_file_for(target).exists()
    assert not (tmp_path / "state" / "fix.lock").exists()
