"""What the git that made the checkout does with line endings: its settings and attributes.

line-endings reads the cause of CRLF in a checkout from git itself: which git made it (git.exe
for a clone on the Windows drive), its core.autocrlf and core.eol at every level, and the
course's .gitattributes for each script. Separate from line_endings.py, which turns these
answers into findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devdoctor import Host
from devdoctor.repo import on_windows_drive

TRUE = frozenset({"true", "yes", "on", "1"})


@dataclass(frozen=True)
class GitTool:
    """The git that made (and updates) the checkout, and how to run it there."""

    argv: tuple[str, ...]
    cwd: str | None
    label: str
    why: str
    complete: bool  # False: its system and global settings cannot be read from here


@dataclass(frozen=True)
class Setting:
    """One core.autocrlf / core.eol line of `git config --show-scope --show-origin`."""

    scope: str
    origin: str
    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.value} ({self.scope}: {self.origin.removeprefix('file:')})"


@dataclass(frozen=True)
class Settings:
    """What the checkout's git reads, lowest level first (the last one wins)."""

    values: tuple[Setting, ...]
    problem: str | None = None

    def all(self, key: str) -> list[Setting]:
        return [s for s in self.values if s.key == key]

    def effective(self, key: str) -> str | None:
        found = self.all(key)
        return found[-1].value.lower() if found else None

    @property
    def autocrlf(self) -> str:
        """ "true", "input" or "false", as git reads the last value."""
        value = self.effective("core.autocrlf")
        if value is None:
            return "false"
        return "true" if value in TRUE else "input" if value == "input" else "false"

    def local(self, key: str) -> str | None:
        found = [s for s in self.all(key) if s.scope == "local"]
        return found[-1].value if found else None

    def shown(self, key: str) -> str:
        found = self.all(key)
        return "; ".join(str(s) for s in found) if found else "not set"


def checkout_git(host: Host, repo: Path) -> GitTool:
    """git.exe for a checkout on the Windows drive seen from WSL, else this computer's git."""
    local = GitTool(("git", "-C", str(repo)), None, "git", "the git on this computer", True)
    if not on_windows_drive(host, repo):
        return local
    if host.which("git.exe"):
        return GitTool(
            ("git.exe",),
            str(repo),
            "git.exe (Git for Windows)",
            "the checkout is on the Windows drive, where Git for Windows makes and updates it",
            True,
        )
    return GitTool(
        local.argv,
        None,
        "git in WSL (git.exe is not on PATH)",
        "the checkout is on the Windows drive, so Git for Windows probably made it, but "
        "git.exe is not on PATH here (WSL interop off?), so its own settings are unknown",
        False,
    )


def read_settings(host: Host, tool: GitTool) -> Settings:
    """core.autocrlf and core.eol at every level, with the file each comes from."""
    done = host.run(
        [
            *tool.argv,
            "config",
            "--show-scope",
            "--show-origin",
            "--get-regexp",
            r"^core\.(autocrlf|eol)$",
        ],
        cwd=tool.cwd,
        timeout=10,
    )
    if done.rc == 1 and not done.out.strip():
        return Settings(())  # nothing set anywhere
    if not done.ok:
        lines = done.err.strip().splitlines()
        return Settings((), lines[-1] if lines else done.describe())
    values = []
    for line in done.out.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        key, _, value = parts[2].partition(" ")
        setting = Setting(parts[0], parts[1], key.lower(), value.strip())
        if tool.complete or setting.scope in ("local", "worktree"):
            values.append(setting)
    return Settings(tuple(values))


def check_attr(host: Host, tool: GitTool, paths: Sequence[str]) -> dict[str, dict[str, str]]:
    """The text and eol attributes of each path (from .gitattributes and the git's own files)."""
    if not paths:
        return {}
    done = host.run(
        [*tool.argv, "check-attr", "-z", "--stdin", "text", "eol"],
        cwd=tool.cwd,
        input="\0".join(paths).encode() + b"\0",
        timeout=10,
    )
    attrs: dict[str, dict[str, str]] = {p: {} for p in paths}
    if not done.ok:
        return attrs
    fields = done.out_bytes.split(b"\0")
    for i in range(0, len(fields) - 2, 3):
        path, name, value = (f.decode("utf-8", "surrogateescape") for f in fields[i : i + 3])
        attrs.setdefault(path, {})[name] = value
    return attrs


def protected(attr: dict[str, str]) -> bool:
    """Whether .gitattributes makes git keep the repository's bytes, or LF, on checkout."""
    text, eol = attr.get("text", "unspecified"), attr.get("eol", "unspecified")
    return text == "unset" or (eol == "lf" and text != "unset")


def converts(attr: dict[str, str], settings: Settings) -> bool:
    """Whether this git writes the file with CRLF when it checks it out."""
    text, eol = attr.get("text", "unspecified"), attr.get("eol", "unspecified")
    if text == "unset" or eol == "lf":
        return False
    if eol == "crlf" or settings.autocrlf == "true":
        return True
    core_eol = settings.effective("core.eol")
    return settings.autocrlf == "false" and core_eol == "crlf" and text in ("set", "auto")
