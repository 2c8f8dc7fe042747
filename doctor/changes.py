"""The changes a fix can make, as data: each can preview itself, back itself up, apply, and undo.

A change remembers what it saw when the check looked (a file's bytes, a mode). The engine
refuses to apply it if the machine changed since, and undo refuses if the user changed the
result since: devdoctor never overwrites bytes it did not write.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .atomic import write_atomic
from .host import Host


class ChangeError(Exception):
    """A change that could not be made or undone, in plain words."""


KINDS: dict[str, type[Change]] = {}
# Kinds defined outside this module, imported only when a journal entry names them.


def change_kind(kind: str) -> type[Change]:
    """The Change class for a journal record's kind (an area's own kinds load on first use)."""
    if kind not in KINDS:
        from .registry import change_kinds

        spec = change_kinds().get(kind)
        if spec is not None:
            spec()  # importing the area's module registers its kinds
    try:
        return KINDS[kind]
    except KeyError:
        raise ChangeError(f"this devdoctor cannot undo a change of kind {kind!r}") from None


class Change:
    """One step of a fix. Subclasses set `kind` and implement every method."""

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            KINDS[cls.kind] = cls

    def describe(self) -> dict[str, object]:
        """A short JSON description for reports."""
        raise NotImplementedError

    def preview(self, host: Host) -> str:
        """What will change, as a diff or a command line."""
        raise NotImplementedError

    def changed_since(self, host: Host) -> str | None:
        """Why the machine no longer looks as it did when the check ran, or None."""
        raise NotImplementedError

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        """Save what this change would lose into `folder`; return the journal record."""
        raise NotImplementedError

    def apply(self, host: Host) -> None:
        """Make the change; raise ChangeError if it could not."""
        raise NotImplementedError

    @classmethod
    def undo_blocked(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        """Why undo must not touch this change (its result was changed since), or None."""
        return None

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        """Put back what `backup` saved; refuse if the result was changed since."""
        raise NotImplementedError

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        """What undo would do."""
        raise NotImplementedError


def _sha(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def _read(host: Host, path: str) -> bytes | None:
    try:
        return host.real(path).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ChangeError(f"cannot read {path}: {exc.strerror}") from None


def _diff(path: str, old: bytes | None, new: bytes | None) -> str:
    def lines(data: bytes | None) -> list[str]:
        if data is None:
            return []
        # A byte-order mark is invisible once decoded: show it, or removing one looks like nothing.
        mark = "<BOM>" if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) else ""
        for encoding in ("utf-8-sig", "utf-16"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            text = data.decode("latin-1")
        parts = text.split("\n")
        if len(parts) > 1 and parts[-1] == "":
            parts.pop()  # the file's last newline ends a line; it does not start another
        shown = [ln.replace("\r", "⏎") + "\n" for ln in parts]
        shown[0] = mark + shown[0]
        return shown

    a = "/dev/null" if old is None else f"{path} (now)"
    b = "/dev/null" if new is None else f"{path} (after)"
    diff = "".join(difflib.unified_diff(lines(old), lines(new), a, b, n=2))
    return diff or f"{path}: no visible change"


@dataclass(frozen=True)
class WriteFile(Change):
    """Replace a file's bytes (or create it when `old` is None), keeping its mode."""

    kind: ClassVar[str] = "write-file"
    path: str
    old: bytes | None
    new: bytes

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "path": self.path, "creates": self.old is None}

    def preview(self, host: Host) -> str:
        return _diff(self.path, self.old, self.new)

    def changed_since(self, host: Host) -> str | None:
        if _read(host, self.path) != self.old:
            return f"{self.path} changed after devdoctor looked at it"
        return None

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        record: dict[str, Any] = {"kind": self.kind, "path": self.path}
        name = hashlib.sha256(self.path.encode()).hexdigest()[:16]
        if self.old is not None:
            write_atomic(folder / f"{name}.old", self.old)
            record["old"] = f"{name}.old"
        record["old_sha256"] = _sha(self.old)
        record["new_sha256"] = _sha(self.new)
        return record

    def apply(self, host: Host) -> None:
        try:
            write_atomic(host.real(self.path), self.new)
        except OSError as exc:
            raise ChangeError(f"cannot write {self.path}: {exc.strerror}") from None
        if _read(host, self.path) != self.new:
            raise ChangeError(f"{self.path} does not hold what devdoctor wrote")

    @classmethod
    def undo_blocked(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        path = record["path"]
        if _sha(_read(host, path)) != record["new_sha256"]:
            return f"{path} changed since devdoctor wrote it; not touching it"
        if record.get("old") and not (folder / record["old"]).is_file():
            return f"the backup of {path} is missing from {folder}"
        return None

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        path = record["path"]
        reason = cls.undo_blocked(host, record, folder)
        if reason:
            raise ChangeError(reason)
        if record.get("old"):
            write_atomic(host.real(path), (folder / record["old"]).read_bytes())
        else:
            os.unlink(host.real(path))

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        path = record["path"]
        old = (folder / record["old"]).read_bytes() if record.get("old") else None
        return _diff(path, _read(host, path), old)


@dataclass(frozen=True)
class SetMode(Change):
    """Change a file's permission bits (the exec bit a script lost)."""

    kind: ClassVar[str] = "set-mode"
    path: str
    old_mode: int
    new_mode: int

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "path": self.path, "mode": oct(self.new_mode)}

    def preview(self, host: Host) -> str:
        return f"chmod {self.new_mode:o} {self.path}   (now {self.old_mode:o})"

    def _mode(self, host: Host) -> int:
        try:
            return stat.S_IMODE(host.real(self.path).stat().st_mode)
        except OSError as exc:
            raise ChangeError(f"cannot read the mode of {self.path}: {exc.strerror}") from None

    def changed_since(self, host: Host) -> str | None:
        if self._mode(host) != self.old_mode:
            return f"the mode of {self.path} changed after devdoctor looked at it"
        return None

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.path,
            "old_mode": self.old_mode,
            "new_mode": self.new_mode,
        }

    def apply(self, host: Host) -> None:
        try:
            os.chmod(host.real(self.path), self.new_mode)
        except OSError as exc:
            raise ChangeError(f"cannot chmod {self.path}: {exc.strerror}") from None

    @classmethod
    def undo_blocked(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        try:
            mode = stat.S_IMODE(host.real(record["path"]).stat().st_mode)
        except OSError as exc:
            return f"cannot read the mode of {record['path']}: {exc.strerror}"
        if mode != record["new_mode"]:
            return f"the mode of {record['path']} changed since; not touching it"
        return None

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        reason = cls.undo_blocked(host, record, folder)
        if reason:
            raise ChangeError(reason)
        os.chmod(host.real(record["path"]), record["old_mode"])

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        return f"chmod {record['old_mode']:o} {record['path']}"


@dataclass(frozen=True)
class RunCommand(Change):
    """Run a command (git config, git checkout); `undo_argv` puts things back where possible."""

    kind: ClassVar[str] = "run-command"
    argv: tuple[str, ...]
    why: str
    cwd: str | None = None
    undo_argv: tuple[str, ...] | None = None
    timeout: float = 30.0

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "command": " ".join(self.argv), "why": self.why}

    def preview(self, host: Host) -> str:
        where = f"(in {self.cwd}) " if self.cwd else ""
        return f"$ {where}{' '.join(self.argv)}\n  # {self.why}"

    def changed_since(self, host: Host) -> str | None:
        return None

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "argv": list(self.argv),
            "cwd": self.cwd,
            "undo_argv": list(self.undo_argv) if self.undo_argv else None,
        }

    def apply(self, host: Host) -> None:
        _run(host, self.argv, self.cwd, self.timeout)

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        if record.get("undo_argv"):
            _run(host, tuple(record["undo_argv"]), record.get("cwd"), 30.0)

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        if record.get("undo_argv"):
            return "$ " + " ".join(record["undo_argv"])
        return f"(nothing to undo for `{' '.join(record['argv'])}`)"


def _run(host: Host, argv: tuple[str, ...], cwd: str | None, timeout: float) -> None:
    done = host.run(argv, cwd=str(host.real(cwd)) if cwd else None, timeout=timeout)
    if not done.ok:
        detail = done.err.strip().splitlines()[-1:] or [done.describe()]
        raise ChangeError(f"`{' '.join(argv)}` failed: {detail[0]}")
