"""The undo journal: one folder per applied fix, written before anything changes, and the locks.

Each entry holds what the fix saw and the bytes it would lose, fsynced to disk before the first
change, so that `devdoctor undo` can put the machine back even after a crash mid-fix. The state
directory is private (0700): backups hold the user's files.

Locks are files created with O_EXCL beside what they guard (the target file, or the state
directory for the journal itself), holding the holder's pid, host name and platform. Unlike
flock or msvcrt.locking, such a file is seen by a devdoctor in PowerShell and one in WSL alike
(each has its own state directory, but the same .wslconfig). A lock whose holder is gone is
stale: on the same host and platform that is a dead pid; from the other side of WSL (whose
pids cannot be asked) a lock older than STALE_AFTER seconds.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import read_regular, remove_leftovers, write_atomic

ENTRY_LIMIT = 1024 * 1024
LOCK_SUFFIX = ".devdoctor-lock"
STALE_AFTER = 600.0
"""A lock from another host or platform older than this is abandoned (a fix takes seconds)."""


class LockedError(Exception):
    """Another devdoctor is changing this file (or this journal) right now."""


@dataclass
class Entry:
    """One fix as the journal keeps it."""

    folder: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        """The folder name: time stamp and fix id."""
        return self.folder.name

    @property
    def state(self) -> str:
        """open, applied, restart-pending, verify-failed, rolled-back, undone, ..."""
        return str(self.data.get("state", "open"))

    def save(self) -> None:
        """Write the entry atomically."""
        write_atomic(
            self.folder / "entry.json", json.dumps(self.data, indent=2).encode(), mode=0o600
        )

    def set_state(self, state: str, **extra: Any) -> None:
        """Record what happened, with the time."""
        self.data["state"] = state
        self.data.setdefault("history", []).append({"state": state, "at": _now()})
        self.data.update(extra)
        self.save()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def journal_dir(state_dir: Path) -> Path:
    """Where entries live."""
    return state_dir / "journal"


def private_dir(folder: Path) -> None:
    """Make a folder (and its parents) that only its owner can read: backups are private."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        info = folder.stat()
        if info.st_uid == os.geteuid() and info.st_mode & 0o077:
            folder.chmod(0o700)


def new_entry(
    state_dir: Path,
    fix_id: str,
    title: str,
    root: Path | None,
    *,
    targets: Sequence[Path] = (),
    repo: Path | None = None,
) -> Entry:
    """A fresh entry folder, named so that entries sort by time."""
    private_dir(state_dir)
    base = journal_dir(state_dir)
    private_dir(base)
    # Microseconds, so that entries made in the same second still sort in the order made.
    now = time.time_ns()
    seconds = time.strftime("%Y%m%d-%H%M%S", time.localtime(now // 10**9))
    stamp = f"{seconds}.{now // 1000 % 10**6:06d}"
    for n in range(1000):
        folder = base / (f"{stamp}-{fix_id}" if n == 0 else f"{stamp}-{n}-{fix_id}")
        try:
            folder.mkdir(mode=0o700)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - a thousand fixes in one second
        raise OSError("cannot make a journal entry")
    entry = Entry(
        folder,
        {
            "fix": fix_id,
            "title": title,
            "created": _now(),
            "repo": str(repo) if repo is not None else None,
            "state": "open",
            "root": str(root) if root else None,
            "owner": holder_info(),
            "targets": [str(t) for t in targets],
            "changes": [],
        },
    )
    entry.save()
    return entry


def entries(state_dir: Path) -> list[Entry]:
    """Every readable entry, oldest first (a file too large or not a file is left out)."""
    base = journal_dir(state_dir)
    found: list[Entry] = []
    if not base.is_dir():
        return found
    for folder in sorted(base.iterdir()):
        try:
            raw = read_regular(folder / "entry.json", ENTRY_LIMIT)
            data = json.loads(raw.decode("utf-8")) if raw is not None else None
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append(Entry(folder, data))
    return found


# -- locks ------------------------------------------------------------------------------------


def platform_tag() -> str:
    """Which pid namespace this process lives in: WSL and Windows share a host name, not pids."""
    name: str = sys.platform
    if name.startswith("linux"):
        try:
            with open("/proc/sys/kernel/osrelease", encoding="utf-8") as handle:
                if "microsoft" in handle.read().lower():
                    return "wsl"
        except OSError:
            pass
        return "linux"
    return name


def holder_info() -> dict[str, object]:
    """What a lock file (and a journal entry) says about who made it."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "platform": platform_tag(),
        "started": time.time(),
    }


def pid_alive(pid: int, *, platform: str = sys.platform, kernel32: Any = None) -> bool:
    """Whether a process with this pid runs (on this host and platform).

    On Windows os.kill(pid, 0) would terminate the process, so the Windows branch asks
    OpenProcess and GetExitCodeProcess (`kernel32` is injectable to test that logic anywhere).
    """
    if pid <= 0:
        return False
    if platform == "win32":
        api = kernel32 if kernel32 is not None else ctypes.windll.kernel32  # type: ignore[attr-defined]
        query_limited, still_active, access_denied = 0x1000, 259, 5
        handle = api.OpenProcess(query_limited, False, pid)
        if not handle:
            return bool(api.GetLastError() == access_denied)  # exists, but not ours to ask
        try:
            code = ctypes.c_ulong()
            if not api.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == still_active
        finally:
            api.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


@dataclass
class LockPrimitives:
    """What a lock needs from the system, injectable so each platform's logic can be tested."""

    info: Callable[[], dict[str, object]] = holder_info
    alive: Callable[[int], bool] = pid_alive
    now: Callable[[], float] = time.time
    stale_after: float = STALE_AFTER


@dataclass
class FileLock:
    """One O_EXCL lock file; `acquire` never waits for another devdoctor."""

    path: Path
    what: str
    primitives: LockPrimitives = field(default_factory=LockPrimitives)
    token: str = ""

    def acquire(self) -> None:
        """Create the lock file, breaking a stale one; LockedError if it is held."""
        info = self.primitives.info()
        data = json.dumps(info).encode()
        for _ in range(3):
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            try:
                fd = os.open(self.path, flags, 0o600)
            except FileExistsError:
                self._break_if_stale(info)
                continue
            except OSError as exc:
                raise LockedError(
                    f"cannot take the lock {self.path}: {exc.strerror or exc}"
                ) from None
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            self.token = data.decode()
            return
        raise LockedError(self._held_message())

    def held(self) -> bool:
        """The lock file is still ours (checked again just before a rename)."""
        try:
            raw = read_regular(self.path, 4096)
        except OSError:
            return False
        return bool(self.token) and raw is not None and raw.decode(errors="replace") == self.token

    def release(self) -> None:
        """Remove the lock file if it is still ours."""
        if self.held():
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self.token = ""

    def _holder(self) -> tuple[dict[str, Any] | None, float | None, bytes | None]:
        """The holder's record, the lock's age in seconds (None: gone) and its raw bytes."""
        try:
            age = self.primitives.now() - os.stat(self.path, follow_symlinks=False).st_mtime
            raw = read_regular(self.path, 4096)
        except FileNotFoundError:
            return None, None, None
        except OSError:
            return None, 0.0, None
        try:
            data = json.loads(raw.decode()) if raw else None
        except ValueError:
            data = None
        return (data if isinstance(data, dict) else None), age, raw

    def is_stale(self, mine: dict[str, object]) -> bool:
        """Whether the present lock file's holder is gone."""
        return self._judge(mine)[0]

    def _judge(self, mine: dict[str, object]) -> tuple[bool, bytes | None]:
        holder, age, raw = self._holder()
        if age is None:
            return True, None  # gone meanwhile: try again
        if holder is None or not isinstance(holder.get("pid"), int):
            return age > 5.0, raw  # a holder killed between creating and writing it
        same_side = (holder.get("host"), holder.get("platform")) == (
            mine.get("host"),
            mine.get("platform"),
        )
        if same_side:
            pid = holder["pid"]
            return pid != mine.get("pid") and not self.primitives.alive(pid), raw
        return age > self.primitives.stale_after, raw

    def _break_if_stale(self, mine: dict[str, object]) -> None:
        """Move a stale lock aside, and make sure it was the stale one that moved."""
        stale, judged = self._judge(mine)
        if not stale:
            raise LockedError(self._held_message())
        if judged is None and not self.path.exists():
            return
        aside = self.path.with_name(f"{self.path.name}.stale-{os.getpid()}-{time.time_ns()}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return  # another devdoctor broke it first
        try:
            moved = read_regular(aside, 4096)
        except OSError:
            moved = None
        if moved != judged:
            # A fresh lock was taken in between: give it back to its holder.
            with contextlib.suppress(OSError):
                os.link(aside, self.path)
        with contextlib.suppress(OSError):
            os.unlink(aside)

    def _held_message(self) -> str:
        holder, _age, _raw = self._holder()
        who = ""
        if holder:
            who = f" (pid {holder.get('pid')} on {holder.get('platform')})"
        return (
            f"another devdoctor{who} is changing {self.what}; try again when it ends "
            f"(if none is running, delete {self.path})"
        )


def lock_file_for(target: Path) -> Path:
    """The lock file beside a target: `.wslconfig.devdoctor-lock`.

    For a file whose folder does not exist yet, beside the outermost folder still to be made.
    """
    while not target.parent.exists() and target.parent != target:
        target = target.parent
    return target.with_name(target.name + LOCK_SUFFIX)


@contextlib.contextmanager
def target_locks(
    targets: Sequence[Path], primitives: LockPrimitives | None = None
) -> Iterator[list[FileLock]]:
    """Hold a lock file beside each target, or raise LockedError at once."""
    prims = primitives or LockPrimitives()
    wanted = [FileLock(lock_file_for(t), str(t), prims) for t in sorted(set(targets))]
    held: list[FileLock] = []
    try:
        for lock, target in zip(wanted, sorted(set(targets)), strict=True):
            lock.acquire()
            held.append(lock)
            remove_leftovers(target)  # a killed writer's temporary file: nobody else writes it
        yield held
    finally:
        for lock in reversed(held):
            lock.release()


@contextlib.contextmanager
def locked(
    state_dir: Path,
    targets: Sequence[Path] = (),
    primitives: LockPrimitives | None = None,
) -> Iterator[list[FileLock]]:
    """Hold the journal's lock and one beside each target, or raise LockedError at once."""
    try:
        private_dir(state_dir)
    except OSError as exc:
        raise LockedError(
            f"cannot take the lock in {state_dir}: {exc.strerror or exc}; "
            "set DEVDOCTOR_STATE_DIR to a folder you can write"
        ) from None
    prims = primitives or LockPrimitives()
    journal = FileLock(state_dir / "fix.lock", "this machine's fixes", prims)
    journal.acquire()
    try:
        with target_locks(targets, prims) as held:
            yield [journal, *held]
    finally:
        journal.release()
