"""The changes a fix can make, as data: each can preview itself, back itself up, apply, and undo.

A change remembers what it saw when the check looked (a file's bytes, a mode). The engine
refuses to apply it if the machine changed since, and undo refuses if the user changed the
result since: devdoctor never overwrites bytes it did not write.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any, ClassVar

from .atomic import FILE_LIMIT, pause_point, read_regular, write_atomic
from .host import Host
from .lazy import LazyPattern


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

    def targets(self, host: Host) -> list[Path]:
        """The files this change writes, links resolved: the engine locks each one."""
        return []

    @classmethod
    def validate(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        """Why a journal record cannot be trusted (tampered, or for another machine), or None."""
        return None

    @classmethod
    def record_targets(cls, host: Host, record: dict[str, Any]) -> list[Path]:
        """The files a (validated) journal record's undo writes, to lock them."""
        return []

    @classmethod
    def probe(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        """Where the machine stands for this record: "old", "new", "other" or "unknown".

        After a crash the engine rolls back from this answer: what is "new" (or "unknown") is
        put back, what is "old" was never changed, what is "other" the user changed since.
        """
        return "unknown"

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
    import hashlib  # (its OpenSSL binding costs start-up time; only fixes hash)

    return hashlib.sha256(data).hexdigest() if data is not None else None


_HEX64 = LazyPattern(r"[0-9a-f]{64}")
_BACKUP_NAME = LazyPattern(r"[0-9a-f]{16}\.old")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _areas(host: Host) -> list[Path]:
    """Where a fix may write: under --root (and the course repository), else the user's own.

    Without --root that is the home folder, the course repository and a Windows profile
    (C:\\Users\\NAME, or /mnt/c/Users/NAME from WSL), where .wslconfig lives.
    """
    areas = [Path(os.path.realpath(given)) for given in host.given_files]  # --wslconfig's
    if host.repo_root is not None:
        areas.append(Path(os.path.realpath(host.repo_root)))
    if host.root is not None:
        return [host.root, *areas]
    if host.home:
        areas.append(Path(os.path.realpath(host.real(host.home))))
    return areas


def _profile(path: Path) -> bool:
    """A path inside a Windows user profile, seen from Windows or from WSL."""
    parts = path.parts if not PureWindowsPath(str(path)).drive else PureWindowsPath(path).parts
    lowered = [p.lower() for p in parts]
    if len(lowered) > 4 and lowered[0] == "/" and lowered[1] == "mnt" and lowered[3] == "users":
        return len(lowered[2]) == 1
    return len(lowered) > 3 and lowered[0].endswith(":\\") and lowered[1] == "users"


def _allowed(host: Host, resolved: Path) -> bool:
    if any(_inside(resolved, area) for area in _areas(host)):
        return True
    return host.root is None and _profile(resolved)


def trusted_path(host: Host, value: object) -> bool:
    """A real path (as a journal stores it) inside the places a fix may write."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    return _allowed(host, Path(os.path.realpath(value)))


def _missing_folders(target: Path) -> list[Path]:
    """The folders above `target` that do not exist yet, outermost first."""
    missing = []
    for folder in target.parents:
        if folder.exists():
            break
        missing.append(folder)
    return missing[::-1]


def resolve_target(host: Host, path: str) -> Path:
    """The file a change really writes (links followed), refused when that leaves the areas.

    Under --root a link to a file elsewhere, or a dangling one, would write outside the
    captured machine; without --root a write stays in the user's home, a Windows profile or
    the course repository.
    """
    real = host.real(path)
    resolved = Path(os.path.realpath(real))
    if _allowed(host, resolved):
        return resolved
    where = "--root" if host.root is not None else "your home folder and the course repository"
    if resolved != Path(os.path.abspath(real)):
        raise ChangeError(
            f"{path} is a link to {resolved}, outside {where}; devdoctor does not write there"
        )
    raise ChangeError(f"{path} is outside {where}; devdoctor does not write there")


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


def _check_path(host: Host, value: object) -> str | None:
    if not isinstance(value, str) or not value or "\x00" in value:
        return "a path that is not a path"
    if ".." in Path(value.replace("\\", "/")).parts:
        return f"{value} climbs out with '..'"
    try:
        resolve_target(host, value)
    except ChangeError as exc:
        return str(exc)
    return None


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
        problem = _check_path(host, record.get("path"))
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
        return _check_path(host, record.get("path"))

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
    def validate(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        argv, undo, cwd = record.get("argv"), record.get("undo_argv"), record.get("cwd")
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            return "a command that is not a list of words"
        if cwd is not None:
            problem = _check_path(host, cwd)
            if problem:
                return problem
        if undo is None:
            return None
        if not isinstance(undo, list) or not all(isinstance(a, str) for a in undo):
            return "an undo command that is not a list of words"
        return _known_undo(host, undo)

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        if record.get("undo_argv"):
            _run(host, tuple(record["undo_argv"]), record.get("cwd"), 30.0)

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        if record.get("undo_argv"):
            return "$ " + " ".join(record["undo_argv"])
        return f"(nothing to undo for `{' '.join(record['argv'])}`)"


_GIT_UNDO = (
    LazyPattern(r"config core\.autocrlf (true|false|input)"),
    LazyPattern(r"config --unset core\.autocrlf"),
    LazyPattern(r"update-index --cacheinfo 100(644|755),[0-9a-f]{40}([0-9a-f]{24})?,[^\n]+"),
    LazyPattern(r"add -- [^\n]+"),
)


def _known_undo(host: Host, argv: list[str]) -> str | None:
    """Only an undo command the engine's own fixes build runs from a journal entry.

    Those are a few git commands in the course repository (core.autocrlf back, the index's
    mode back, `git add` of files git already has): a tampered entry cannot run anything else.
    """
    refused = f"the undo command `{' '.join(argv)[:120]}` is not one devdoctor makes"
    if not argv or argv[0] not in ("git", "git.exe"):
        return refused
    rest = argv[1:]
    if rest[:1] == ["-C"]:
        if len(rest) < 2 or _check_path(host, rest[1]):
            return refused
        rest = rest[2:]
    words = rest[2:] if rest[:2] in (["add", "--"], ["update-index", "--cacheinfo"]) else []
    if any(w.startswith("-") or "\n" in w or ".." in w.split("/") for w in words):
        return refused
    if not any(p.fullmatch(" ".join(rest)) for p in _GIT_UNDO):
        return refused
    return None


def _run(host: Host, argv: tuple[str, ...], cwd: str | None, timeout: float) -> None:
    done = host.run(argv, cwd=str(host.real(cwd)) if cwd else None, timeout=timeout)
    if not done.ok:
        detail = done.err.strip().splitlines()[-1:] or [done.describe()]
        raise ChangeError(f"`{' '.join(argv)}` failed: {detail[0]}")
