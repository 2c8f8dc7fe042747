"""Where a fix may write, and the file a change really writes once links are followed.

The places are the course repository, a file named on the command line (--wslconfig), and
--root or, without it, the home folder and a Windows profile. Every kind asks these rules
before it writes, and the engine asks them of each path a journal entry names before it
trusts the entry (a tampered entry must not aim undo elsewhere). Apart from changes.py: one
policy, whatever the kind.
"""

from __future__ import annotations

import os
from pathlib import Path, PureWindowsPath

from .changes import ChangeError
from .host import Host


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


def path_problem(host: Host, value: object) -> str | None:
    """Why a path a journal record names cannot be trusted (climbs out, or leaves the areas)."""
    if not isinstance(value, str) or not value or "\x00" in value:
        return "a path that is not a path"
    if ".." in Path(value.replace("\\", "/")).parts:
        return f"{value} climbs out with '..'"
    try:
        resolve_target(host, value)
    except ChangeError as exc:
        return str(exc)
    return None
