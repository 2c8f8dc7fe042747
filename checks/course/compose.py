"""Docker Compose files a devcontainer.json names: the service, its mounts and its build.

Only what decides whether the container can start and its lifecycle commands can run: the
service named by `service` exists, a mount provides `workspaceFolder` (the CLI runs every
lifecycle command there, and `docker exec` into a folder that does not exist fails), and the
service's `build:` context and Dockerfile exist. Relative paths in every file are relative to
the first file's folder, as with `docker compose -f a.yml -f b.yml`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devdoctor import Host

MAX_COMPOSE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Volume:
    """One entry of a service's `volumes`: a bind (source is a host path) or a named volume."""

    kind: str  # "bind", "volume", "tmpfs"
    source: str  # as written; "" for an anonymous volume
    target: str
    line: int | None


@dataclass
class Service:
    """A service, merged across the compose files (volumes added up, the last build wins)."""

    name: str
    volumes: list[Volume] = field(default_factory=list)
    build: tuple[str, str] | None = None  # (context, dockerfile) as written
    build_line: int | None = None
    file: Path | None = None  # the file that defines its build, or first names it


@dataclass(frozen=True)
class ComposeProblem:
    """A compose file that cannot be read: where, why, and the line when YAML says."""

    path: Path
    message: str
    line: int | None = None


@dataclass(frozen=True)
class ComposeProject:
    """What the compose files say, merged."""

    files: tuple[Path, ...]
    base: Path  # the first file's folder: relative paths in every file start there
    services: dict[str, Service]
    problems: tuple[ComposeProblem, ...]

    def local(self, source: str) -> Path | None:
        """A bind source as a path on this computer; None when it depends on variables."""
        if "$" in source or source.startswith("~"):
            return None
        return Path(os.path.normpath(self.base / source))


def read_compose(host: Host, files: tuple[Path, ...]) -> ComposeProject:
    """Parse and merge the compose files that exist (the missing ones are reported elsewhere)."""
    import yaml

    services: dict[str, Service] = {}
    problems: list[ComposeProblem] = []
    base = files[0].parent if files else Path(".")
    for path in files:
        if not host.is_file(path):
            continue
        try:
            data, truncated = host.read_bytes(path, limit=MAX_COMPOSE_BYTES)
        except OSError as exc:
            problems.append(ComposeProblem(path, f"cannot read it: {exc.strerror or exc}"))
            continue
        if truncated:
            problems.append(ComposeProblem(path, "over 1 MiB: not a compose file"))
            continue
        text = data.decode("utf-8", "replace")
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            reason = str(getattr(exc, "problem", None) or exc).splitlines()[0]
            problems.append(ComposeProblem(path, f"not valid YAML: {reason}", line))
            continue
        if not isinstance(loaded, dict):
            continue
        lines = text.split("\n")
        for name, spec in (loaded.get("services") or {}).items():
            if isinstance(name, str) and isinstance(spec, dict):
                _merge(services.setdefault(name, Service(name)), spec, path, lines)
    return ComposeProject(tuple(files), base, services, tuple(problems))


def _merge(service: Service, spec: dict[str, Any], path: Path, lines: list[str]) -> None:
    start = _line(lines, rf"^\s*{re.escape(service.name)}\s*:", 0) or 1
    service.file = service.file or path
    build = spec.get("build")
    if isinstance(build, str):
        service.build = (build, "Dockerfile")
    elif isinstance(build, dict):
        context = build.get("context", ".")
        dockerfile = build.get("dockerfile", "Dockerfile")
        if isinstance(context, str) and isinstance(dockerfile, str):
            service.build = (context, dockerfile)
    if service.build is not None and build is not None:
        service.file = path
        service.build_line = _line(lines, r"^\s*build\s*:", start - 1)
    volumes = spec.get("volumes")
    at = _line(lines, r"^\s*volumes\s*:", start - 1) or start
    for entry in volumes if isinstance(volumes, list) else []:
        volume = _volume(entry)
        if volume is not None:
            line = _line(lines, re.escape(volume.target), at - 1)
            service.volumes = [v for v in service.volumes if v.target != volume.target]
            service.volumes.append(Volume(volume.kind, volume.source, volume.target, line))


def _volume(entry: Any) -> Volume | None:
    """Compose's short syntax (`SRC:DST[:MODE]`, `DST`) or long syntax (a mapping)."""
    if isinstance(entry, dict):
        target = entry.get("target")
        if not isinstance(target, str):
            return None
        source = entry.get("source", "")
        kind = entry.get("type", "volume")
        return Volume(str(kind), source if isinstance(source, str) else "", target, None)
    if not isinstance(entry, str):
        return None
    parts = entry.split(":")
    if len(parts) == 1:
        return Volume("volume", "", parts[0], None)
    source, target = parts[0], parts[1]
    bind = source.startswith((".", "/", "~", "$"))
    return Volume("bind" if bind else "volume", source, target, None)


def _line(lines: list[str], pattern: str, start: int) -> int | None:
    """The 1-based line of the first match at or after `start` (0-based)."""
    rx = re.compile(pattern)
    for k in range(max(start, 0), len(lines)):
        if rx.search(lines[k]):
            return k + 1
    return None


def provides(project: ComposeProject, volumes: list[Volume], folder: str) -> tuple[str, str]:
    """Which mount makes `folder` exist in the container: ("none", ""), ("other", what) for a
    volume or a source with variables, or ("bind", the local folder it maps to).

    A bind mount of a local folder provides `folder` only when the matching subfolder exists
    there: `..:/workspaces` with workspaceFolder `/workspaces/course` needs `../course`.
    """
    best: Volume | None = None
    for volume in volumes:
        target = volume.target.rstrip("/") or "/"
        inside = folder == target or folder.startswith(target.rstrip("/") + "/")
        if inside and (best is None or len(target) > len(best.target.rstrip("/"))):
            best = volume
    if best is None:
        return "none", ""
    local = project.local(best.source) if best.kind == "bind" else None
    if local is None:
        return "other", f"{best.source or '(anonymous)'}:{best.target}"
    rest = folder[len(best.target.rstrip("/")) :].lstrip("/")
    return "bind", str(local / rest) if rest else str(local)


__all__ = ["ComposeProblem", "ComposeProject", "Service", "Volume", "provides", "read_compose"]
