"""The course repository this run is about: where it is, its policy file, and its git state.

`--repo` (or the current folder, searched up to its git root) is a path on the real file
system, even under `--root`: the repository is the student's checkout, not a captured host.
The framework knows this much of a course; what its devcontainer configurations mean is the
course area's (checks/course/).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from .lazy import LazyPattern
from .policy import Policy, load_policy

if TYPE_CHECKING:
    from .host import Host


_WINDOWS_PATH = LazyPattern(r"^[A-Za-z]:[\\/]")


def is_windows_path(path: str) -> bool:
    """`C:\\Users\\x` or `C:/Users/x`."""
    return bool(_WINDOWS_PATH.match(path))


def windows_to_wsl(path: str) -> str:
    """`C:\\Users\\x` as WSL sees it: `/mnt/c/Users/x`."""
    win = PureWindowsPath(path)
    drive = win.drive.rstrip(":").lower()
    return str(PurePosixPath("/mnt", drive, *win.parts[1:]))


def _is(path: Path, test: str) -> bool:
    try:
        return bool(getattr(path, test)())
    except OSError:
        return False


def find_repo(start: Path) -> Path | None:
    """Find the folder holding .devcontainer/ or .devcontainer.json, from start up to the git root.

    Never looks above the git root (a folder with .git, a directory or a submodule's file),
    so a nested repository without a devcontainer is not mistaken for its parent's course.
    """
    here = Path(os.path.abspath(start))
    if _is(here, "is_file"):
        here = here.parent
    for folder in (here, *here.parents):
        if _is(folder / ".devcontainer", "is_dir") or _is(folder / ".devcontainer.json", "is_file"):
            return folder
        if _is(folder / ".git", "exists"):
            return None
    return None


def locate(given: str | None, *, windows: bool) -> Path | None:
    """The repository for `--repo GIVEN` (its top, or the folder itself), else from the cwd up.

    `windows` is whether this process runs on Windows itself; elsewhere a `C:\\` path given on
    the command line is read where WSL mounts it.
    """
    if given:
        text = given
        if not windows and is_windows_path(text):
            text = windows_to_wsl(text)
        start = Path(text).expanduser()
        if not _is(start, "is_dir"):
            return None
        return find_repo(start.resolve()) or start.resolve()
    try:
        cwd = Path(os.getcwd())
    except OSError:
        return None
    return find_repo(cwd)


def policy(host: Host) -> Policy:
    """The course's policy (defaults when there is no repository or no policy file)."""
    return host.fact("repo.policy", lambda h: load_policy(h.repo_root))


def variant(host: Host) -> tuple[str | None, str]:
    """The variant this run is about and why (the course area's `variant` fact)."""
    if host.repo_root is None:  # a variant is a configuration in the course repository
        return None, "no devcontainer configuration"
    try:
        name, why = host.provided("variant")
    except Exception as exc:  # the report must still be written when the course area broke
        return None, f"unknown ({type(exc).__name__})"
    return name, why


def git_state(host: Host) -> dict[str, object]:
    """The repository's commit and whether it has local changes, for the report."""
    status = host.fact("repo.git", _git_status)
    return {"head": status["head"], "dirty": status["dirty"]}


def git_branch(host: Host) -> str | None:
    """The branch the course repository has checked out; None when detached or not git."""
    branch = host.fact("repo.git", _git_status)["branch"]
    return branch if isinstance(branch, str) else None


def _git_status(host: Host) -> dict[str, object]:
    top = host.repo_root
    if top is None:
        return {"head": None, "dirty": None, "branch": None}
    # One call says all three: the commit (`# branch.oid`), the branch (`# branch.head`) and
    # the changed files, one a line.
    done = host.run(
        ["git", "-C", str(top), "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
        timeout=10,
    )
    if not done.ok:
        return {"head": None, "dirty": None, "branch": None}
    lines = done.out.splitlines()
    said = dict(ln[2:].partition(" ")[::2] for ln in lines if ln.startswith("# branch."))
    oid, branch = said.get("branch.oid", ""), said.get("branch.head", "")
    return {
        "head": oid[:7] if oid and oid != "(initial)" else None,
        "dirty": any(not ln.startswith("#") for ln in lines if ln.strip()),
        "branch": branch if branch and branch != "(detached)" else None,
    }


def on_windows_drive(host: Host, path: Path) -> bool:
    """A checkout under /mnt/<drive> used from WSL: slow file access, git.exe's settings."""
    from .host import Platform

    parts = path.parts
    return (
        host.platform is Platform.WSL
        and len(parts) > 2
        and parts[1] == "mnt"
        and len(parts[2]) == 1
    )


def rel(repo: Path, path: Path) -> str:
    """A path as the course repository names it (POSIX), or as given when outside it."""
    try:
        return Path(os.path.normpath(path)).relative_to(repo).as_posix()
    except ValueError:
        return str(path)


def git_ls(host: Host, repo: Path, args: Iterable[str], paths: Iterable[str]) -> bytes | None:
    """`git ls-files ARGS -z -- :(literal)PATHS` in the repository; None when git cannot say."""
    specs = [f":(literal){p}" for p in paths]
    if not specs:
        return b""
    done = host.run(["git", "-C", str(repo), "ls-files", *args, "-z", "--", *specs], timeout=10)
    return done.out_bytes if done.ok else None
