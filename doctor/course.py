"""The course repository this run is about: where it is, its policy, and its git state.

`--repo` (or the current folder, searched up to its git root) is a path on the real file
system, even under `--root`: the repository is the student's checkout, not a captured host.
"""

from __future__ import annotations

import os
from pathlib import Path

from .host import Host, Platform, is_windows_path, windows_to_wsl
from .policy import Policy, load_policy


def repo(host: Host) -> Path | None:
    """The course repository's top folder, or None when there is none here."""
    return host.fact("course.repo", _find_repo)


def policy(host: Host) -> Policy:
    """The course's policy (defaults when there is no repository or no policy file)."""
    return host.fact("course.policy", lambda h: load_policy(repo(h)))


def _find_repo(host: Host) -> Path | None:
    from .devcontainers import find_repo

    given = host.options.get("repo")
    if given:
        text = str(given)
        if host.platform is not Platform.WINDOWS and is_windows_path(text):
            text = windows_to_wsl(text)
        start = Path(text).expanduser()
        if not start.is_dir():
            return None
        found = find_repo(start.resolve())
        return found or start.resolve()
    try:
        cwd = Path(os.getcwd())
    except OSError:
        return None
    return find_repo(cwd)


def git_state(host: Host) -> dict[str, object]:
    """The repository's commit and whether it has local changes, for the report."""
    return host.fact("course.git", _git_state)


def _git_state(host: Host) -> dict[str, object]:
    top = repo(host)
    if top is None:
        return {"head": None, "dirty": None}
    head = host.run(["git", "-C", str(top), "rev-parse", "--short", "HEAD"], timeout=5)
    status = host.run(
        ["git", "-C", str(top), "status", "--porcelain", "--untracked-files=no"], timeout=10
    )
    return {
        "head": head.out.strip() if head.ok else None,
        "dirty": bool(status.out.strip()) if status.ok else None,
    }


def on_windows_drive(host: Host, path: Path) -> bool:
    """A checkout under /mnt/<drive> used from WSL: slow file access, git.exe's settings."""
    parts = path.parts
    return (
        host.platform is Platform.WSL
        and len(parts) > 2
        and parts[1] == "mnt"
        and len(parts[2]) == 1
    )
