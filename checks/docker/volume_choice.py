"""Which Docker volume is this course's home volume: named by the policy, the mounts, or VS Code.

home-volume's first question, answered from the course's files and the engine's list of
containers and volumes before anything is read from a volume; kept apart from the check,
which judges what the chosen volume holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from devdoctor import Host
from devdoctor.checks.course import DevcontainerConfig, chosen_devcontainer, variable_pattern
from devdoctor.lazy import LazyPattern
from devdoctor.repo import is_windows_path, policy, windows_to_wsl

from .api import Api
from .volumes import LOCAL_FOLDER_LABEL

_HOME = LazyPattern(r"^/(?:root|home/[^/]+)$")


class Wanted(NamedTuple):
    """The volume devdoctor should look at: a name, or a pattern for one with ${...} in it."""

    source: str  # as written, with what is known substituted
    how: str
    prefix: str = ""  # where it is mounted, relative to the home ("" or ".local")
    exact: bool = True


class Chosen(NamedTuple):
    """The volume found for what was wanted, or why none is."""

    wanted: Wanted
    name: str | None
    matches: tuple[str, ...] = ()


def _home_prefix(target: str) -> str | None:
    """The mount's place relative to the home: "" (the home), ".local" (~/.local), or None."""
    target = target.rstrip("/")
    if _HOME.match(target):
        return ""
    if target.endswith("/.local") and _HOME.match(target[: -len("/.local")]):
        return ".local"
    return None


def wanted_volume(host: Host, containers: list[dict[str, Any]]) -> Wanted | None:
    """The home volume: the policy's name, else devcontainer.json's mounts, else the containers."""
    course = policy(host)
    if course.volume_name:
        return Wanted(course.volume_name, f"{course.source('volume.name')}")
    cfg = chosen_devcontainer(host)
    if isinstance(cfg, DevcontainerConfig):
        for mount in cfg.mounts:
            target, _ = cfg.resolve(mount.target)
            prefix = _home_prefix(target)
            if mount.type != "volume" or prefix is None or not mount.source:
                continue
            source, complete = cfg.resolve(mount.source)
            return Wanted(source, f"devcontainer.json mounts ({target})", prefix, complete)
    for container in containers:
        for mount in container.get("Mounts") or []:
            prefix = _home_prefix(str(mount.get("Destination", "")))
            if mount.get("Type") == "volume" and prefix is not None and mount.get("Name"):
                name = str(mount["Name"])
                return Wanted(name, "the container VS Code made for this repository", prefix)
    return None


def _same_folder(label: str, folder: Path) -> bool:
    """Whether a devcontainer.local_folder label names this repository (c:\\x is /mnt/c/x)."""

    def norm(text: str) -> str:
        if is_windows_path(text):
            return windows_to_wsl(text).rstrip("/").lower()
        return text.rstrip("/")

    mine, theirs = norm(str(folder)), norm(label)
    return theirs == mine or (is_windows_path(label) and theirs == mine.lower())


def repo_containers(host: Host, api: Api) -> list[dict[str, Any]]:
    """The containers the Dev Containers extension made for this course repository."""
    folder = host.repo_root
    if folder is None:
        return []
    rows = api.containers(filters={"label": LOCAL_FOLDER_LABEL})
    return [
        row
        for row in rows
        if _same_folder(str((row.get("Labels") or {}).get(LOCAL_FOLDER_LABEL, "")), folder)
    ]


def choose(wanted: Wanted, names: list[str], containers: list[dict[str, Any]]) -> Chosen:
    """Match what was wanted against the engine's volumes (patterns for ${devcontainerId})."""
    if wanted.exact:
        return Chosen(wanted, wanted.source if wanted.source in names else None)
    pattern = variable_pattern(wanted.source)
    matches = tuple(n for n in names if pattern.match(n))
    mounted = {
        str(m.get("Name")) for row in containers for m in row.get("Mounts") or [] if m.get("Name")
    }
    ours = tuple(n for n in matches if n in mounted)
    if len(ours) == 1:
        return Chosen(wanted, ours[0], matches)
    if len(matches) == 1:
        return Chosen(wanted, matches[0], matches)
    return Chosen(wanted, None, matches)
