"""What the image build is made of, gathered once per run for requirements-pins and
dockerfile-layout: the chosen configuration, its Dockerfile (parsed), the scripts its
lifecycle commands run, and the `pip install` and `apt-get` commands in all of them.

Files are read through the Host, each bounded; nothing here runs a command.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devdoctor import Host
from devdoctor.checks.course import (
    DevcontainerConfig,
    chosen_devcontainer,
    read_compose,
    script_in_repo,
)
from devdoctor.lazy import LazyPattern

from .instructions import Dockerfile, parse
from .requirements import FILE_LIMIT, repo_path

DOCKERFILE_LIMIT = 256 * 1024
SCRIPT_LIMIT = 256 * 1024
_SCRIPT = LazyPattern(r"\.(sh|bash)$")
_PIP = LazyPattern(r"(?:^|[\s;&|(`])((?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?(?:pip3?(?:\.\d+)?|"
                  r"python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip)[\"']?\s+install)\b([^;&|)`]*)")
_APT = LazyPattern(
    r"(?:^|[\s;&|(`])((?:sudo\s+(?:-\S+\s+)*)?(?:apt-get|apt))\s+((?:-\S+\s+)*)(\w[\w-]*)\b"
    r"([^;&|)`]*)"
)
_VALUE_OPTIONS = frozenset(
    {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target",
     "--prefix", "--root", "--trusted-host", "--no-binary", "--only-binary", "--python-version",
     "--platform", "--abi", "--implementation", "--src", "--upgrade-strategy", "--progress-bar",
     "--report", "--log", "--proxy", "--timeout", "--retries", "--cache-dir", "--python"}
)


@dataclass(frozen=True)
class Text:
    """A file of the build: its repository path, its text, and how the build runs it."""

    path: str
    text: str
    why: str
    as_root: bool | None = None  # a lifecycle script: run as root? (None: unknown)


@dataclass(frozen=True)
class PipInstall:
    """One `pip install` command: where, the -r/-c files, the packages, its options."""

    where: str  # "path:line"
    line: int
    command: str
    files: tuple[tuple[str, bool], ...]  # (path as written, is a constraint file)
    packages: tuple[str, ...]
    user: bool
    break_system: bool
    in_venv: bool  # the command's pip is a venv's (…/bin/pip) or `uv pip` / --target


@dataclass(frozen=True)
class AptCommand:
    """One apt-get/apt command in a shell text."""

    line: int
    verb: str
    sudo: bool
    args: tuple[str, ...]


@dataclass(frozen=True)
class Build:
    """The image build of the chosen configuration."""

    repo: Path
    config: DevcontainerConfig | None
    dockerfile: Text | None
    parsed: Dockerfile | None
    context: Path | None
    scripts: tuple[Text, ...]
    commands: tuple[tuple[str, str], ...]  # (lifecycle key, command text)
    user: str | None  # the user lifecycle commands run as, when known
    context_from: str = "build.context in devcontainer.json"  # where to change the context

    def shell_texts(self) -> list[tuple[str, str, int]]:
        """(where, shell text, lines before it) of everything the build runs in a shell: the
        scripts, the Dockerfile's RUN instructions and devcontainer.json's commands."""
        texts = [(s.path, s.text, 0) for s in self.scripts]
        if self.parsed is not None and self.dockerfile is not None:
            path = self.dockerfile.path
            texts += [(path, i.shell, i.line - 1) for i in self.parsed.instructions
                      if i.keyword == "RUN"]  # fmt: skip
        texts += [(f"devcontainer.json {k}", c, 0) for k, c in self.commands]
        return texts


def build(host: Host) -> Build | None:
    """The build this run is about (None without a repository)."""
    return host.fact("image.build", _build)


def read_text(host: Host, path: Path, limit: int = FILE_LIMIT) -> str | None:
    """A file's text (UTF-8, errors replaced), or None when it cannot be read."""
    try:
        data, _ = host.read_bytes(path, limit)
    except OSError:
        return None
    return data.decode("utf-8-sig", errors="replace")


def _commands(config: DevcontainerConfig) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for key, command in config.lifecycle.items():
        values = command.values() if isinstance(command, dict) else [command]
        for value in values:
            found.append((key, value if isinstance(value, str) else shlex.join(value)))
    return found


def _build(host: Host) -> Build | None:
    repo = host.repo_root
    if repo is None:
        return None
    loaded = chosen_devcontainer(host)
    config = loaded if isinstance(loaded, DevcontainerConfig) else None
    dockerfile: Text | None = None
    parsed: Dockerfile | None = None
    context: Path | None = None
    commands: list[tuple[str, str]] = []
    scripts: list[Text] = []
    user: str | None = None
    context_from = "build.context in devcontainer.json"
    if config is not None:
        built = _dockerfile(host, config)
        if built is not None:
            file, context, context_from, why, args = built
            text = read_text(host, file, DOCKERFILE_LIMIT)
            rel = repo_path(repo, file) or str(file)
            if text is not None:
                dockerfile = Text(rel, text, why)
                parsed = parse(text, args)
        commands = _commands(config)
        user = config.remote_user or config.container_user
        if user is None and parsed is not None and parsed.instructions:
            user = parsed.instructions[-1].user
        if user is None and "mcr.microsoft.com/devcontainers/" in (_base(config, parsed) or ""):
            user = "vscode"  # the images' metadata sets remoteUser vscode
        as_root = None if user is None else user in ("root", "0")
        seen: set[str] = set()
        for key, command in commands:
            for word in _command_words(command):
                if not _SCRIPT.search(word):
                    continue
                path = script_in_repo(config, repo, word)
                if path is None or path in seen:
                    continue
                seen.add(path)
                text = read_text(host, repo / path, SCRIPT_LIMIT)
                if text is not None:
                    scripts.append(Text(path, text, f"run by {key}", as_root))
    return Build(repo, config, dockerfile, parsed, context, tuple(scripts), tuple(commands), user,
                 context_from)


def _dockerfile(
    host: Host, config: DevcontainerConfig
) -> tuple[Path, Path | None, str, str, dict[str, str]] | None:
    """The Dockerfile the configuration builds, its context, where that context is set, how
    to name the file, and its build args: devcontainer.json's build, else the build of the
    Docker Compose service it opens (paths relative to the first compose file's folder)."""
    if config.dockerfile is not None:
        return (config.dockerfile, config.context, "build.context in devcontainer.json",
                "the Dockerfile", _build_args(config))
    files = config.compose_files
    name = config.data.get("service")
    if not files or not isinstance(name, str):
        return None
    project = read_compose(host, files)
    service = project.services.get(name)
    if service is None or service.build is None or service.file is None:
        return None
    context_text, dockerfile_text = service.build
    context = project.local(context_text)
    if context is None:
        return None  # depends on variables compose fills in
    shown = repo_path(host.repo_root, service.file) if host.repo_root else None
    where = f'build.context of the service "{name}" in {shown or service.file.name}'
    return (Path(posixpath.normpath(context / dockerfile_text)), context, where,
            f'the Dockerfile the compose service "{name}" builds', {})


def _base(config: DevcontainerConfig, parsed: Dockerfile | None) -> str | None:
    if config.image:
        return config.image
    return parsed.final_base() if parsed is not None else None


def base_image(b: Build) -> tuple[str | None, str]:
    """The image the container starts from, and where that is written."""
    if b.config is None:
        return None, ""
    if b.config.image:
        return b.config.image, "image in devcontainer.json"
    if b.parsed is not None and b.dockerfile is not None:
        return b.parsed.final_base(), f"the last FROM in {b.dockerfile.path}"
    return None, ""


def _build_args(config: DevcontainerConfig) -> dict[str, str]:
    build_section = config.data.get("build")
    raw = build_section.get("args") if isinstance(build_section, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, (str, int, float))}


def _command_words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def shell_lines(text: str) -> Iterator[tuple[int, str]]:
    """Shell lines with backslash continuations joined, comments dropped, numbered."""
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r")
        if not buffer:
            start = number
            if line.lstrip().startswith("#"):
                continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        yield start, buffer + line
        buffer = ""
    if buffer:
        yield start, buffer


def _segment(rest: str) -> str:
    """The arguments of one command: up to the next `&&`, `||`, `;`, `|` or `)`."""
    return re.split(r"&&|\|\||;|\||\)|`", rest, maxsplit=1)[0]


def pip_installs(text: str, where: str, offset: int = 0) -> list[PipInstall]:
    """Every `pip install` in a shell text (a script, a RUN, a lifecycle command)."""
    found: list[PipInstall] = []
    for number, line in shell_lines(text):
        for match in _PIP.finditer(line):
            head, args = match.group(1), _command_words(_segment(match.group(2)))
            files: list[tuple[str, bool]] = []
            packages: list[str] = []
            i = 0
            while i < len(args):
                word = args[i]
                flag, eq, value = word.partition("=")
                if flag in ("-r", "--requirement", "-c", "--constraint"):
                    target = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                    i += 0 if eq else 1
                    if target:
                        files.append((target, flag in ("-c", "--constraint")))
                elif word.startswith(("-r", "-c")) and len(word) > 2 and not word.startswith("--"):
                    files.append((word[2:], word.startswith("-c")))
                elif flag in _VALUE_OPTIONS and not eq:
                    i += 1
                elif not word.startswith("-") and not word.startswith("$"):
                    packages.append(word)
                i += 1
            line_no = number + offset
            found.append(
                PipInstall(
                    where=f"{where}:{line_no}",
                    line=line_no,
                    command=(head + " " + _segment(match.group(2))).strip(),
                    files=tuple(files),
                    packages=tuple(packages),
                    user="--user" in args,
                    break_system="--break-system-packages" in args,
                    in_venv="/bin/pip" in head or "/bin/python" in head
                    or head.startswith("uv") or "--target" in args or "-t" in args
                    or any(a.startswith("--prefix") for a in args),
                )
            )
    return found


def apt_commands(text: str) -> Iterator[tuple[int, str, AptCommand]]:
    """Every apt-get/apt command in a shell text, with the whole logical line it is on."""
    for number, line in shell_lines(text):
        for match in _APT.finditer(line):
            head, verb = match.group(1), match.group(3)
            words = tuple(_command_words(match.group(2) + _segment(match.group(4))))
            yield number, line, AptCommand(number, verb, head.startswith("sudo"), words)


def resolve_file(b: Build, written: str, base: str) -> str | None:
    """The repository path of a requirement file a command names, or None.

    `base` is the folder (repository path) the command runs in. Inside the Dockerfile an
    absolute path is matched to what COPY put there, by its file name.
    """
    if b.config is None:
        return None
    if written.startswith("/") and b.parsed is not None and b.context is not None:
        name = posixpath.basename(written)
        for instruction in b.parsed.instructions:
            if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from"):
                continue
            for source in instruction.args[:-1]:
                whole = source.rstrip("/") in (".", "")
                if posixpath.basename(source.rstrip("/")) == name or whole:
                    inside = source if posixpath.basename(source) == name else name
                    candidate = b.context / inside
                    rel = repo_path(b.repo, candidate)
                    if rel is not None:
                        return posixpath.normpath(rel)
        return None
    if written.startswith("/"):
        return script_in_repo(b.config, b.repo, written)
    return posixpath.normpath(posixpath.join(base, written) if base else written)
