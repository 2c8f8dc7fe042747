"""The change that runs a command (git config, git checkout, git add): RunCommand.

A command saves nothing to put back: its undo is another command, and a journal entry may name
only one of the few git commands devdoctor's own fixes build (`_known_undo`), so a tampered
entry cannot run anything else. Apart from the file kinds because it shares none of their
reading, hashing or backups.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .changes import Change, ChangeError
from .host import Host
from .lazy import LazyPattern
from .targets import path_problem


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
            problem = path_problem(host, cwd)
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
        if len(rest) < 2 or path_problem(host, rest[1]):
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
