"""The Python (X.Y) of the course's image, found without pulling or running anything.

home-volume compares it with the ~/.local/lib/pythonX.Y folders in the volume: from a
container's PYTHON_VERSION, the local image's, the image's tag, or the Dockerfile's final
FROM. Kept apart from the check because it reads the course's configuration and images, not
the volume.
"""

from __future__ import annotations

import re
from typing import Any

from devdoctor import Host
from devdoctor.checks.course import DevcontainerConfig, chosen_devcontainer
from devdoctor.checks.image import final_image
from devdoctor.lazy import LazyPattern

from .api import Api

_PYTHON_TAG = LazyPattern(r"python:(?:[\w.]*-)?(\d+\.\d+)", re.IGNORECASE)


def python_of(text: str) -> str | None:
    """X.Y from a version like 3.11.9 (PYTHON_VERSION), or None."""
    match = re.match(r"^(\d+)\.(\d+)", text.strip())
    return f"{match.group(1)}.{match.group(2)}" if match else None


def image_python(host: Host, api: Api, containers: list[dict[str, Any]]) -> tuple[str | None, str]:
    """The image's Python (X.Y) when known without pulling, and how devdoctor knows."""
    for row in containers:
        inspected = api.inspect_container(str(row.get("Id", "")))
        if inspected is None:
            continue
        for item in inspected.get("Config", {}).get("Env") or []:
            if str(item).startswith("PYTHON_VERSION="):
                found = python_of(str(item).partition("=")[2])
                if found:
                    return found, f"PYTHON_VERSION in container {_name(row)}"
    cfg = chosen_devcontainer(host)
    if not isinstance(cfg, DevcontainerConfig):
        return None, "unknown: no devcontainer.json to read the image from"
    if cfg.image:
        image = api.inspect_image(cfg.image)
        env = None if image is None else image.get("Config", {}).get("Env") or []
        for item in env or []:
            if str(item).startswith("PYTHON_VERSION="):
                found = python_of(str(item).partition("=")[2])
                if found:
                    return found, f"PYTHON_VERSION in the local image {cfg.image}"
        tag = _PYTHON_TAG.search(cfg.image)
        if tag:
            return tag.group(1), f"the image's tag ({cfg.image})"
        if env is None:
            return None, f"unknown: {cfg.image} is not on this computer (devdoctor never pulls)"
        return None, f"unknown: {cfg.image} does not say (no PYTHON_VERSION)"
    return _dockerfile_python(cfg)


def _dockerfile_python(cfg: DevcontainerConfig) -> tuple[str | None, str]:
    """The Python of the image the Dockerfile's final stage builds FROM, when its tag says."""
    image, where = final_image(cfg)
    if image is None:
        return None, "unknown: the configuration names no image and no readable Dockerfile"
    tag = _PYTHON_TAG.search(image)
    if tag:
        return tag.group(1), f"FROM {image} ({where})"
    return None, f"unknown: the final stage builds FROM {image}, not a python:X.Y image"


def _name(row: dict[str, Any]) -> str:
    names = row.get("Names") or [str(row.get("Id", ""))[:12]]
    return str(names[0]).lstrip("/")
