"""The changes a fix makes to files: WriteFile (a file's bytes) and SetMode (its permission bits).

Each remembers what the check saw and is refused, applied or undone, if the file changed since;
a WriteFile saves the old bytes beside the journal entry, hashed, and shows a diff. Apart from
changes.py (the base every kind shares, an area's own included) because only these kinds read,
hash, back up and diff files.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .atomic import FILE_LIMIT, pause_point, read_regular, write_atomic
from .changes import Change, ChangeError
from .host import Host
from .lazy import LazyPattern
from .targets import path_problem, resolve_target, trusted_path


def _sha(data: bytes | None) -> str | None:
    import hashlib  # (its OpenSSL binding costs start-up time; only fixes hash)

    return hashlib.sha256(data).hexdigest() if data is not None else None


_HEX64 = LazyPattern(r"[0-9a-f]{64}")
_BACKUP_NAME = LazyPattern(r"[0-9a-f]{16}\.old")


def _missing_folders(target: Path) -> list[Path]:
    """The folders above `target` that do not exist yet, outermost first."""
    missing = []
    for folder in target.parents:
        if folder.exists():
            break
        missing.append(folder)
    return missing[::-1]


def _read(host: Host, path: str | Path) -> bytes | None:
    """The file's bytes, or None when it is missing; a FIFO, device or huge file is refused."""
    real = path if isinstance(path, Path) else Path(os.path.realpath(host.real(path)))
    try:
        return read_regular(real, FILE_LIMIT)
    except OSError as exc:
        raise ChangeError(f"cannot read {path}: {exc.strerror or exc}") from None


def _backup_bytes(record: dict[str, Any], folder: Path) -> bytes | None:
    """The saved old bytes, checked against the hash the journal recorded."""
    if not record.get("old"):
        return None
    try:
        data = read_regular(folder / record["old"], FILE_LIMIT)
    except OSError as exc:
        raise ChangeError(f"cannot read the backup of {record['path']}: {exc}") from None
    if data is None:
        raise ChangeError(f"the backup of {record['path']} is missing from {folder}")
    if _sha(data) != record.get("old_sha256"):
        raise ChangeError(f"the backup of {record['path']} in {folder} changed since it was saved")
    return data


def _check_mode(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0o7777


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
    import difflib  # (only a preview shows a diff)

    diff = "".join(difflib.unified_diff(lines(old), lines(new), a, b, n=2))
    if not diff:
        return f"{path}: no visible change"
    legend = [
        text
        for sign, text in (
            ("⏎", "⏎ marks a Windows line ending (CRLF: an invisible \\r before the newline)"),
            ("<BOM>", "<BOM> marks a byte-order mark (invisible bytes at the start of the file)"),
        )
        if sign in diff
    ]
    return diff + "".join(f"({text})\n" for text in legend)


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
        diff = _diff(self.path, self.old, self.new)
        real = host.real(self.path)
        if os.path.islink(real):
            # Shown as what it really is: the file the link points to is the one that changes.
            return f"{self.path} is a link to {os.path.realpath(real)}: that file changes\n{diff}"
        return diff

    def targets(self, host: Host) -> list[Path]:
        return [resolve_target(host, self.path)]

    def changed_since(self, host: Host) -> str | None:
        if _read(host, resolve_target(host, self.path)) != self.old:
            return f"{self.path} changed after devdoctor looked at it"
        return None

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        record: dict[str, Any] = {"kind": self.kind, "path": self.path}
        import hashlib

        name = hashlib.sha256(self.path.encode()).hexdigest()[:16]
        if self.old is not None:
            # The backup is as private as the original (and the journal folder is 0700).
            try:
                mode = stat.S_IMODE(resolve_target(host, self.path).stat().st_mode)
            except OSError:
                mode = 0o600
            write_atomic(folder / f"{name}.old", self.old, mode=mode & 0o666)
            record["old"] = f"{name}.old"
        else:
            made = _missing_folders(resolve_target(host, self.path))
            if made:
                record["made_dirs"] = [str(folder) for folder in made]
        record["old_sha256"] = _sha(self.old)
        record["new_sha256"] = _sha(self.new)
        return record

    def apply(self, host: Host) -> None:
        target = resolve_target(host, self.path)
        for folder in _missing_folders(target):  # inside the areas, as the target is
            try:
                folder.mkdir()
            except OSError as exc:
                raise ChangeError(f"cannot make {folder}: {exc.strerror or exc}") from None

        def still_old() -> None:
            pause_point("before-rename")
            # Compared again at the last moment: a save made since the check is never lost.
            if _read(host, target) != self.old:
                raise ChangeError(f"{self.path} changed while devdoctor was writing it; kept it")

        try:
            write_atomic(target, self.new, before_rename=still_old, make_dirs=False)
        except OSError as exc:
            raise ChangeError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        pause_point("after-rename")
        if _read(host, target) != self.new:
            raise ChangeError(f"{self.path} does not hold what devdoctor wrote")

    @classmethod
    def validate(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        problem = path_problem(host, record.get("path"))
        if problem:
            return problem
        old, old_sha, new_sha = (
            record.get("old"),
            record.get("old_sha256"),
            record.get("new_sha256"),
        )
        if not isinstance(new_sha, str) or not _HEX64.fullmatch(new_sha):
            return "new_sha256 is not a SHA-256"
        made = record.get("made_dirs", [])
        if not isinstance(made, list) or not all(trusted_path(host, m) for m in made):
            return "folders to remove outside the places devdoctor writes"
        if old is None and old_sha is None:
            return None
        if not isinstance(old, str) or not _BACKUP_NAME.fullmatch(old):
            return f"backup name {old!r} is not one devdoctor makes"
        if not isinstance(old_sha, str) or not _HEX64.fullmatch(old_sha):
            return "old_sha256 is not a SHA-256"
        return None

    @classmethod
    def record_targets(cls, host: Host, record: dict[str, Any]) -> list[Path]:
        return [resolve_target(host, record["path"])]

    @classmethod
    def probe(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        try:
            now = _sha(_read(host, resolve_target(host, record["path"])))
        except ChangeError:
            return "other"
        if now == record["new_sha256"]:
            return "new"
        return "old" if now == record.get("old_sha256") else "other"

    @classmethod
    def undo_blocked(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        path = record["path"]
        try:
            if _sha(_read(host, resolve_target(host, path))) != record["new_sha256"]:
                return f"{path} changed since devdoctor wrote it; not touching it"
            _backup_bytes(record, folder)
        except ChangeError as exc:
            return str(exc)
        return None

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        path = record["path"]
        reason = cls.undo_blocked(host, record, folder)
        if reason:
            raise ChangeError(reason)
        target = resolve_target(host, path)
        old = _backup_bytes(record, folder)

        def still_new() -> None:
            pause_point("before-rename")
            if _sha(_read(host, target)) != record["new_sha256"]:
                raise ChangeError(f"{path} changed while devdoctor was putting it back; kept it")

        if old is not None:
            write_atomic(target, old, before_rename=still_new, make_dirs=False)
            pause_point("after-rename")
            return
        still_new()
        os.unlink(target)
        for made in reversed(record.get("made_dirs", [])):
            try:
                os.rmdir(made)  # only while empty: what the user put there since stays
            except OSError:
                break

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        path = record["path"]
        return _diff(path, _read(host, resolve_target(host, path)), _backup_bytes(record, folder))


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

    def targets(self, host: Host) -> list[Path]:
        return [resolve_target(host, self.path)]

    def _mode(self, host: Host) -> int:
        return _mode_of(host, self.path)

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
            os.chmod(resolve_target(host, self.path), self.new_mode)
        except OSError as exc:
            raise ChangeError(f"cannot chmod {self.path}: {exc.strerror}") from None

    @classmethod
    def validate(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        if not (_check_mode(record.get("old_mode")) and _check_mode(record.get("new_mode"))):
            return "a mode that is not a permission mode"
        return path_problem(host, record.get("path"))

    @classmethod
    def record_targets(cls, host: Host, record: dict[str, Any]) -> list[Path]:
        return [resolve_target(host, record["path"])]

    @classmethod
    def probe(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        try:
            mode = _mode_of(host, record["path"])
        except ChangeError:
            return "other"
        if mode == record["new_mode"]:
            return "new"
        return "old" if mode == record["old_mode"] else "other"

    @classmethod
    def undo_blocked(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        try:
            mode = _mode_of(host, record["path"])
        except ChangeError as exc:
            return str(exc)
        if mode != record["new_mode"]:
            return f"the mode of {record['path']} changed since; not touching it"
        return None

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        reason = cls.undo_blocked(host, record, folder)
        if reason:
            raise ChangeError(reason)
        os.chmod(resolve_target(host, record["path"]), record["old_mode"])

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        return f"chmod {record['old_mode']:o} {record['path']}"


def _mode_of(host: Host, path: str) -> int:
    try:
        return stat.S_IMODE(resolve_target(host, path).stat().st_mode)
    except OSError as exc:
        raise ChangeError(f"cannot read the mode of {path}: {exc.strerror}") from None
