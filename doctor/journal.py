"""The undo journal: one folder per applied fix, written before anything changes.

Each entry holds what the fix saw and the bytes it would lose, fsynced to disk before the first
change, so that `devdoctor undo` can put the machine back even after a crash mid-fix. A lock
keeps a second devdoctor from fixing the same machine at the same time.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import write_atomic


class LockedError(Exception):
    """Another devdoctor is fixing this machine right now."""


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
        """open, applied, restart-pending, verify-failed, rolled-back, undone."""
        return str(self.data.get("state", "open"))

    def save(self) -> None:
        """Write the entry atomically."""
        write_atomic(self.folder / "entry.json", json.dumps(self.data, indent=2).encode())

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


def new_entry(state_dir: Path, fix_id: str, title: str, root: Path | None) -> Entry:
    """A fresh entry folder, named so that entries sort by time."""
    base = journal_dir(state_dir)
    # Microseconds, so that entries made in the same second still sort in the order made.
    now = time.time_ns()
    seconds = time.strftime("%Y%m%d-%H%M%S", time.localtime(now // 10**9))
    stamp = f"{seconds}.{now // 1000 % 10**6:06d}"
    for n in range(1000):
        folder = base / (f"{stamp}-{fix_id}" if n == 0 else f"{stamp}-{n}-{fix_id}")
        try:
            folder.mkdir(parents=True)
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
            "state": "open",
            "root": str(root) if root else None,
            "changes": [],
        },
    )
    entry.save()
    return entry


def entries(state_dir: Path) -> list[Entry]:
    """Every readable entry, oldest first."""
    base = journal_dir(state_dir)
    found: list[Entry] = []
    if not base.is_dir():
        return found
    for folder in sorted(base.iterdir()):
        try:
            data = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append(Entry(folder, data))
    return found


@contextlib.contextmanager
def locked(state_dir: Path) -> Iterator[None]:
    """Hold the fix lock, or raise LockedError at once (never wait for another devdoctor)."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        handle = open(state_dir / "fix.lock", "a+b")  # noqa: SIM115 - held for the whole block
    except OSError as exc:
        raise LockedError(
            f"cannot take the lock in {state_dir}: {exc.strerror or exc}; "
            "set DEVDOCTOR_STATE_DIR to a folder you can write"
        ) from None
    try:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise LockedError(
                "another devdoctor is changing this machine; try again when it ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())
        handle.flush()
        yield
    finally:
        handle.close()
