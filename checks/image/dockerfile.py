"""Reading a course's Dockerfile: stages, FROM lines, build args."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from devdoctor import Host
    from devdoctor.checks.course import DevcontainerConfig

DOCKERFILE_LIMIT = 256 * 1024


class Stage(NamedTuple):
    """One FROM line of a Dockerfile."""

    line: int
    image: str
    platform: str | None
    name: str | None


def dockerfile_text(host: Host | None, path: Path) -> str:
    """The Dockerfile's first DOCKERFILE_LIMIT bytes as text ("" when unreadable), read once
    per run and shared by every check that looks into it.

    Without a host (a caller that was given none) it is read from this machine, every time.
    """
    if host is None:
        from devdoctor.checks.course import this_machine

        return _read_dockerfile(this_machine(), path)
    return host.fact(f"image.dockerfile:{path}", lambda h: _read_dockerfile(h, path))


def _read_dockerfile(host: Host, path: Path) -> str:
    try:
        data, _ = host.read_bytes(path, limit=DOCKERFILE_LIMIT)
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")


def dockerfile_stages(
    path: Path, build_args: Mapping[str, str], *, host: Host | None = None
) -> list[Stage]:
    """The FROM lines of a Dockerfile, with ARG defaults and devcontainer build.args applied."""
    text = dockerfile_text(host, path)
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for number, line in _logical_lines(text):
        words = line.split()
        if not words:
            continue
        keyword = words[0].upper()
        if keyword == "ARG" and not stages and len(words) > 1:
            name, _, default = words[1].partition("=")
            args[name] = build_args.get(name, default.strip("\"'"))
        elif keyword == "FROM":
            stages.append(_stage(number, words[1:], {**args, **build_args}))
    return stages


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Dockerfile lines with `\\` continuations joined and comments dropped."""
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not buffer and line.lstrip().startswith("#"):
            continue
        if not buffer:
            start = number
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        yield start, buffer + line
        buffer = ""
    if buffer:
        yield start, buffer


def _expand(text: str, args: Mapping[str, str]) -> str:
    return re.sub(
        r"\$\{?([A-Za-z_]\w*)\}?", lambda m: args.get(m.group(1), m.group(0)), text
    ).strip()


def _stage(number: int, words: list[str], args: Mapping[str, str]) -> Stage:
    plat: str | None = None
    i = 0
    while i < len(words) and words[i].startswith("--"):
        flag, equals, value = words[i].partition("=")
        if flag == "--platform":
            if not equals and i + 1 < len(words):
                i += 1
                value = words[i]
            plat = _expand(value, args)
        i += 1
    image = _expand(words[i], args) if i < len(words) else ""
    name = words[i + 2] if i + 2 < len(words) and words[i + 1].upper() == "AS" else None
    return Stage(number, image, plat, name)


def final_image(config: DevcontainerConfig, host: Host | None = None) -> tuple[str | None, str]:
    """The image the container starts from, and where that is written, when knowable."""
    if config.image:
        return config.image, "image in devcontainer.json"
    if config.dockerfile is None:
        return None, ""
    stages = dockerfile_stages(config.dockerfile, build_args(config), host=host)
    by_name = {s.name: s for s in stages if s.name}
    image = stages[-1].image if stages else None
    seen = 0
    while image in by_name and seen < len(stages):
        image = by_name[image].image
        seen += 1
    return image, f"last FROM in {config.dockerfile.name}"


def build_args(config: DevcontainerConfig) -> dict[str, str]:
    """build.args from devcontainer.json (they override the Dockerfile's ARG defaults)."""
    build = config.data.get("build")
    raw = build.get("args") if isinstance(build, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, (str, int, float))}

