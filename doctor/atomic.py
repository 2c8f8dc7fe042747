"""Writing a file so that a crash leaves either the old bytes or the new ones, never half.

Also the bounded, non-blocking read the fix engine uses for targets and backups (a FIFO or a
link to /dev/zero put where a file was must give an answer, not a hang), and the test-only
pause points the kill matrix (tests/faults) uses to stop a fix between two of its steps.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable

FILE_LIMIT = 16 * 1024 * 1024
"""The largest file a fix reads, backs up or puts back (a .wslconfig is a few hundred bytes)."""

PAUSE_ENV = "DEVDOCTOR_TEST_PAUSE"
"""Test only: `STEP@MARKER` makes the engine create MARKER at STEP and wait until it is gone."""


_paused: set[str] = set()
TEMP_MARK = ".devdoctor-"
_HEX = frozenset("0123456789abcdef")


class NotAFileError(OSError):
    """The path is a FIFO, a device, a folder or too large: not a file a fix may read."""


def pause_point(step: str) -> None:
    """Stop here while a test holds the named step (DEVDOCTOR_TEST_PAUSE); else do nothing.

    Read by the engine only, so the kill matrix can send a signal between any two steps of a
    fix or an undo. The wait is bounded: a forgotten marker costs a minute, never a hang.
    """
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    name, _, marker = wanted.partition("@")
    if name != step or not marker or step in _paused:
        return
    _paused.add(step)  # once: a rollback passing the same step again goes straight on
    with open(marker, "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    deadline = time.monotonic() + 60
    while os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.005)


def read_regular(path: str | os.PathLike[str], limit: int = FILE_LIMIT) -> bytes | None:
    """A regular file's bytes (None when it does not exist), without following a final link.

    Opened non-blocking and checked after opening, so a FIFO or a device swapped in is refused
    at once rather than read; more than `limit` bytes is refused, not read into memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.islink(path):
            raise NotAFileError(f"{os.fspath(path)} is a symbolic link") from None
        raise exc from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFileError(f"{os.fspath(path)} is not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise NotAFileError(f"{os.fspath(path)} is larger than {limit // 1024**2} MiB")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise NotAFileError(f"{os.fspath(path)} is larger than {limit // 1024**2} MiB")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes,
    mode: int | None = None,
    *,
    before_rename: Callable[[], None] | None = None,
    make_dirs: bool = True,
) -> None:
    """Write beside the target, fsync, then rename over it (keeping the old mode if any).

    A symbolic link is written through (a dotfile kept in a dotfiles repository stays a link),
    and a new file gets the mode the user's umask gives new files. Missing folders are made
    private (0700: they are devdoctor's state) unless `make_dirs` is False, as for a fix's
    target, whose folders the engine makes and records itself. `before_rename` runs last, just
    before the rename, and may raise to leave the target as it is (the engine compares the old
    bytes again there).
    """
    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target) or "."
    if make_dirs:
        _private_dirs(folder)
    if mode is None:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = None
    fd, temp = _temp_beside(target, 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        if before_rename is not None:
            before_rename()
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(folder)


def _private_dirs(folder: str) -> None:
    """Make `folder` and each missing parent 0700 (os.makedirs gives parents the umask's mode)."""
    missing = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for made in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(made, 0o700)


def _temp_beside(target: str, permissions: int) -> tuple[int, str]:
    """A new temporary file beside `target`, named after it, opened for binary writing."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    folder, name = os.path.split(target)
    for _ in range(100):
        temp = os.path.join(folder or ".", f".{name}{TEMP_MARK}{os.urandom(6).hex()}")
        try:
            return os.open(temp, flags, permissions), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot make a temporary file in {folder}")


def remove_leftovers(target: str | os.PathLike[str]) -> None:
    """Remove the temporary files a killed write left beside `target` (its lock is held)."""
    folder, name = os.path.split(os.fspath(target))
    prefix = f".{name}{TEMP_MARK}"
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return
    for found in names:
        rest = found[len(prefix) :]
        if found.startswith(prefix) and len(rest) == 12 and all(c in _HEX for c in rest):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, found))


def _fsync_dir(folder: str) -> None:
    """Make the rename itself durable where the platform allows it."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
