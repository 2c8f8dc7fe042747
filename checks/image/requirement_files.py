"""Which requirement files a course's build uses, and the releases known to break it.

Discovery follows DESIGN.md: the policy's `[requirements] files` replaces it; else
requirements*.txt at the top and under .devcontainer, every file a `pip install -r/-c` names
in the lifecycle commands, the install scripts and the Dockerfile (an image path mapped back
through COPY), and the pip section of a conda environment.yml.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from devdoctor import Host
from devdoctor.lazy import LazyPattern
from devdoctor.packaged import read_packaged
from devdoctor.repo import policy

from .sources import Build, pip_installs, resolve_file

REQ_FILE = LazyPattern(r"^requirements.*\.txt$", re.IGNORECASE)
ENV_FILE = LazyPattern(r"^environment\.ya?ml$", re.IGNORECASE)


@dataclass(frozen=True)
class KnownBad:
    """A release that breaks the build: which, where (Python, platform), why, and who says."""

    name: str
    specifier: str
    python: str
    platform: str
    reason: str
    source: str


def known_bad(host: Host) -> list[KnownBad]:
    """The built-in list (known_bad.toml) and the course's own ([requirements] known_bad)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    raw = read_packaged("devdoctor.checks.image", "known_bad.toml")
    entries = [dict(e) for e in tomllib.loads(raw.decode()).get("known_bad", [])]
    course = policy(host)
    entries += [{**e, "source": e.get("source", course.source("requirements.known_bad"))}
                for e in course.known_bad]
    found = []
    for entry in entries:
        name = str(entry.get("name", "")).lower().replace("_", "-")
        spec = str(entry.get("specifier") or (f"=={entry['version']}" if entry.get("version")
                                              else ""))
        if name and spec:
            found.append(KnownBad(name, spec, str(entry.get("python", "")),
                                  str(entry.get("platform", "")), str(entry.get("reason", "")),
                                  str(entry.get("source", ""))))
    return found


def discover(host: Host, b: Build | None) -> list[tuple[str, bool, str]]:
    """(repository path, is a constraints file, why) for every requirement file the build uses."""
    repo = host.repo_root
    if repo is None:
        return []
    course = policy(host)
    if "requirements.files" in course.explicit:
        return [(p, False, "the policy's [requirements] files") for p in course.requirement_files]
    found: dict[str, tuple[bool, str]] = {}
    for name in host.listdir(str(repo)):
        if REQ_FILE.match(name) and host.is_file(repo / name):
            found.setdefault(name, (False, "at the top of the repository"))
    for top, dirs, files in host.walk(repo / ".devcontainer"):
        dirs[:] = [d for d in dirs if not d.startswith(".")][:50]
        rel = posixpath.relpath(top, str(host.real(repo))) if top else ".devcontainer"
        for name in files:
            if REQ_FILE.match(name):
                found.setdefault(posixpath.join(rel, name), (False, "under .devcontainer"))
    if b is not None and b.config is not None:
        workspace = posixpath.relpath(str(b.config.file.workspace_folder), str(repo))
        workspace = "" if workspace == "." else workspace
        for key, command in b.commands:
            for pip in pip_installs(command, f"devcontainer.json {key}"):
                for written, constraint in pip.files:
                    path = _under(b, written, workspace)
                    if path:
                        found.setdefault(path, (constraint, f"pip install in {key}"))
        for script in b.scripts:
            for pip in pip_installs(script.text, script.path):
                for written, constraint in pip.files:
                    path = _under(b, written, workspace)
                    if path and not host.is_file(repo / path):
                        path = _under(b, written, posixpath.dirname(script.path)) or path
                    if path:
                        found.setdefault(path, (constraint, f"pip install in {pip.where}"))
        for written, constraint, where in _dockerfile_files(b):
            path = _under(b, written, "")
            if path:
                found.setdefault(path, (constraint, f"pip install in {where}"))
    # A file a command names but the repository lacks is devcontainer's (or dockerfile-layout's)
    # finding, counted once there: requirements-pins reads the files that exist.
    return [(p, c, why) for p, (c, why) in found.items() if host.is_file(repo / p)]


def _under(b: Build, written: str, base: str) -> str | None:
    if "$" in written:
        return None
    return resolve_file(b, written, base)


def _dockerfile_files(b: Build) -> Iterator[tuple[str, bool, str]]:
    if b.parsed is None or b.dockerfile is None:
        return
    for ins in b.parsed.instructions:
        if ins.keyword != "RUN":
            continue
        for pip in pip_installs(ins.shell, b.dockerfile.path, ins.line - 1):
            for written, constraint in pip.files:
                if written.startswith("/") or "/" not in written:
                    yield ("/" + written.lstrip("/")), constraint, pip.where


def conda_pip(text: str) -> str:
    """The pip section of a conda environment.yml, as requirement-file lines."""
    lines: list[str] = []
    indent: int | None = None
    for raw in text.splitlines():
        stripped = raw.strip()
        if indent is None:
            if re.match(r"^-\s*pip\s*:\s*$", stripped):
                indent = len(raw) - len(raw.lstrip())
            lines.append("")
            continue
        depth = len(raw) - len(raw.lstrip())
        if stripped and depth <= indent:
            indent = None
            lines.append("")
            continue
        lines.append(stripped[1:].strip().strip("'\"") if stripped.startswith("-") else "")
    return "\n".join(lines)
