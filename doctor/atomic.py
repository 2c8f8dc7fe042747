"""Writing a file so that a crash leaves either the old bytes or the new ones, never half."""

from __future__ import annotations

import contextlib
import os
import secrets


def write_atomic(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write beside the target, fsync, then rename over it (keeping the old mode if any).

    A symbolic link is written through (a dotfile kept in a dotfiles repository stays a link),
    and a new file gets the mode the user's umask gives new files.
    """
    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target) or "."
    os.makedirs(folder, exist_ok=True)
    if mode is None:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except FileNotFoundError:
            mode = None
    fd, temp = _temp_beside(folder, 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(folder)


def _temp_beside(folder: str, permissions: int) -> tuple[int, str]:
    """A new temporary file in `folder`, opened for binary writing (umask applies)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = os.path.join(folder, f".devdoctor-{secrets.token_hex(6)}")
        try:
            return os.open(temp, flags, permissions), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot make a temporary file in {folder}")


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
