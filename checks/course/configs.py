"""Finding and reading a course repository's devcontainer.json the way the devcontainer CLI does.

Checks need the parts of the configuration that decide whether "Reopen in Container" works:
which files exist, the Dockerfile and build context, mounts, users, lifecycle commands,
hostRequirements and whether a GPU is wanted.  Every property tolerates wrong types (it
returns None or an empty value) so that one odd entry never hides the rest; the raw data
stays available for the checks that report such entries.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from .host_requirements import HostRequirements, gpu_run_args, parse_host_requirements
from .jsonc import JsonFileError, read_json
from .variables import substitute

if TYPE_CHECKING:
    from devdoctor import Host

__all__ = [
    "LIFECYCLE_KEYS",
    "MAX_CONFIG_BYTES",
    "ConfigError",
    "ConfigFile",
    "DevcontainerConfig",
    "Mount",
    "find_configs",
    "key_line",
    "load",
    "referenced_paths",
    "this_machine",
]

MAX_CONFIG_BYTES = 1024 * 1024
"""A devcontainer.json is a few KiB; reading more would only be a way to hang devdoctor."""

LIFECYCLE_KEYS = (
    "initializeCommand",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
)
"""The lifecycle commands in the order the CLI runs them (initializeCommand on the host)."""

LifecycleCommand = str | list[str] | dict[str, str | list[str]]


class ConfigFile(NamedTuple):
    """One devcontainer.json; variant names it in messages ("default", or the sub-folder)."""

    path: Path
    variant: str

    @property
    def workspace_folder(self) -> Path:
        """The folder VS Code opens, i.e. ${localWorkspaceFolder} for this file."""
        parent = self.path.parent
        if self.path.name == ".devcontainer.json":
            return parent
        if parent.name == ".devcontainer":
            return parent.parent
        if parent.parent.name == ".devcontainer":  # .devcontainer/<variant>/devcontainer.json
            return parent.parent.parent
        return parent  # a file picked by hand


def this_machine() -> Host:
    """A Host on this machine, for callers that were given none (the home-volume check's
    Dockerfile lookup, tests): what it reads is what a plain run reads."""
    from devdoctor import Host

    return Host(env={}, repo_root=None)


def find_configs(repo: Path, *, host: Host) -> list[ConfigFile]:
    """List the configurations in the spec's order of precedence; the first is the CLI default."""
    if not repo.is_absolute() and host.cwd is not None:
        repo = Path(host.cwd, repo)
    repo = Path(os.path.normpath(repo))
    found: list[ConfigFile] = []
    for candidate in (repo / ".devcontainer" / "devcontainer.json", repo / ".devcontainer.json"):
        if host.is_file(candidate):
            found.append(ConfigFile(candidate, "default"))
    folders = [repo / ".devcontainer" / name for name in host.listdir(str(repo / ".devcontainer"))]
    for folder in sorted((f for f in folders if host.is_dir(f)), key=lambda f: f.name):
        candidate = folder / "devcontainer.json"
        if host.is_file(candidate):
            found.append(ConfigFile(candidate, folder.name))
    return found


class Mount(NamedTuple):
    """One entry of "mounts"; source and target are "" when absent, raw is the entry as written."""

    source: str
    target: str
    type: str
    raw: str | dict[str, Any]

    @classmethod
    def parse(cls, raw: str | dict[str, Any]) -> Mount:
        """Read Docker --mount syntax or the object form; Docker's default type is "volume"."""
        if isinstance(raw, str):
            fields: dict[str, str] = {}
            for part in raw.split(","):
                key, _, value = part.partition("=")
                key = key.strip().lower()  # Docker ignores the case of keys
                key = {"src": "source", "destination": "target", "dst": "target"}.get(key, key)
                fields[key] = value
        else:
            fields = {key: value for key, value in raw.items() if isinstance(value, str)}
        return cls(
            source=fields.get("source", ""),
            target=fields.get("target", ""),
            type=fields.get("type", "volume") or "volume",
            raw=raw,
        )


class ConfigError(ValueError):
    """A devcontainer.json that cannot be used at all; line and column for syntax errors."""

    def __init__(
        self, path: Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        where = f"{path}:{line}:{column}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = path
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class DevcontainerConfig:
    """A parsed devcontainer.json.  local_env, when given, resolves ${localEnv:...} in paths."""

    file: ConfigFile
    data: dict[str, Any]
    local_env: Mapping[str, str] | None = field(default=None, compare=False)

    def _path(self, value: Any) -> Path | None:
        """Resolve a path property relative to the devcontainer.json's folder, like the CLI."""
        if not isinstance(value, str) or not value:
            return None
        text, _ = self.resolve(value)
        return Path(os.path.normpath(self.file.path.parent / text))

    def resolve(self, value: str) -> tuple[str, bool]:
        """Substitute the variables known on the host before the container exists."""
        return substitute(
            value,
            local_env=self.local_env if self.local_env is not None else {},
            local_workspace_folder=str(self.file.workspace_folder),
            devcontainer_id=None,
            resolve_local_env=self.local_env is not None,
        )

    def _build_entries(self) -> list[tuple[str, Any]]:
        """(label, raw value) for the Dockerfile, its context and the compose files.

        The legacy top-level dockerFile/context win over build.*, as in the CLI.
        """
        if "dockerFile" in self.data:
            entries = [
                ("dockerFile", self.data["dockerFile"]),
                ("context", self.data.get("context")),
            ]
        else:
            build = self.data.get("build")
            build = build if isinstance(build, dict) else {}
            entries = [
                ("build.dockerfile", build.get("dockerfile")),
                ("build.context", build.get("context")),
            ]
        compose = self.data.get("dockerComposeFile")
        files = (
            [compose] if isinstance(compose, str) else compose if isinstance(compose, list) else []
        )
        return entries + [("dockerComposeFile", entry) for entry in files]

    @property
    def dockerfile(self) -> Path | None:
        """build.dockerfile, or the legacy top-level dockerFile, which the CLI prefers."""
        return self._path(self._build_entries()[0][1])

    @property
    def context(self) -> Path | None:
        """The build context; the CLI defaults it to the Dockerfile's folder, not ".".

        None for configs without a Dockerfile, where a context means nothing.
        """
        dockerfile = self.dockerfile
        if dockerfile is None:
            return None
        return self._path(self._build_entries()[1][1]) or dockerfile.parent

    @property
    def compose_files(self) -> tuple[Path, ...]:
        """dockerComposeFile entries, relative to the devcontainer.json's folder."""
        entries = self._build_entries()[2:]
        return tuple(path for _, raw in entries if (path := self._path(raw)) is not None)

    @property
    def image(self) -> str | None:
        value = self.data.get("image")
        return value if isinstance(value, str) else None

    @property
    def mounts(self) -> tuple[Mount, ...]:
        raw = self.data.get("mounts")
        if not isinstance(raw, list):
            return ()
        return tuple(Mount.parse(entry) for entry in raw if isinstance(entry, (str, dict)))

    @property
    def run_args(self) -> tuple[str, ...]:
        raw = self.data.get("runArgs")
        if not isinstance(raw, list):
            return ()
        return tuple(arg for arg in raw if isinstance(arg, str))

    @property
    def remote_user(self) -> str | None:
        value = self.data.get("remoteUser")
        return value if isinstance(value, str) else None

    @property
    def container_user(self) -> str | None:
        value = self.data.get("containerUser")
        return value if isinstance(value, str) else None

    @property
    def lifecycle(self) -> dict[str, LifecycleCommand]:
        """The lifecycle commands present and well-formed, in the order they run."""
        result: dict[str, LifecycleCommand] = {}
        for key in LIFECYCLE_KEYS:
            value: Any = self.data.get(key)
            if isinstance(value, dict):
                if all(_is_command(item) for item in value.values()):
                    result[key] = value
            elif _is_command(value):
                result[key] = value
        return result

    @property
    def host_requirements(self) -> HostRequirements:
        return parse_host_requirements(self.data.get("hostRequirements"))

    @property
    def wants_gpu(self) -> bool | Literal["optional"]:
        """True if the container needs a GPU, "optional" if it uses one when there is one.

        GPU flags in runArgs make docker run fail without a GPU, so they count as required.
        The CLI treats any truthy hostRequirements.gpu (even {}) as a request.
        """
        if gpu_run_args(self.run_args):
            return True
        host = self.data.get("hostRequirements")
        value = host.get("gpu") if isinstance(host, dict) else None
        if value == "optional":
            return "optional"
        return isinstance(value, dict) or bool(value)


def _is_command(value: Any) -> bool:
    """A string (run by /bin/sh) or a list of strings (run directly)."""
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str)


def load(
    file: ConfigFile, *, local_env: Mapping[str, str] | None = None, host: Host | None = None
) -> DevcontainerConfig:
    """Read and parse one devcontainer.json; raise ConfigError if it cannot be used at all."""
    try:
        data = read_json(host or this_machine(), file.path, limit=MAX_CONFIG_BYTES)
    except JsonFileError as error:
        if error.problem == "syntax":
            raise ConfigError(file.path, error.reason, error.line, error.column) from error
        message = {
            "too-large": "too large (over 1 MiB); this is not a devcontainer.json",
            "utf16": "saved as UTF-16; the devcontainer CLI needs UTF-8",
        }.get(error.problem, f"cannot read: {error.reason}")
        raise ConfigError(file.path, message) from error
    if not isinstance(data, dict):
        raise ConfigError(file.path, "not a JSON object (the file must be one {...})")
    return DevcontainerConfig(file, data, local_env)



def referenced_paths(cfg: DevcontainerConfig) -> list[tuple[str, Path]]:
    """Files and folders the build needs, labelled with the property that names them.

    Paths that still contain unresolved variables are left out: whether they exist depends
    on the user's environment, and a false "missing" would mislead.
    """
    entries = cfg._build_entries()
    if cfg.dockerfile is None:
        del entries[1]  # a build context means nothing without a Dockerfile
    result: list[tuple[str, Path]] = []
    for label, raw in entries:
        path = cfg._path(raw)
        if path is not None and cfg.resolve(raw)[1]:
            result.append((label, path))
    return result


def key_line(host: Host, file: ConfigFile, *keys: str) -> int | None:
    """The 1-based line where the key path (`"customizations", "vscode", "settings"`) is written
    in the file, for annotations; None when it cannot be found. Each key is looked for after
    the line of the one before it: a reading of the text, not a second parser."""
    lines: list[str] = host.fact(f"course.config-lines:{file.path}", lambda h: _lines(h, file))
    at = 0
    for key in keys:
        pattern = re.compile(rf'"{re.escape(key)}"\s*:')
        hit = next((k for k in range(at, len(lines)) if pattern.search(lines[k])), None)
        if hit is None:
            return None
        at = hit
    return at + 1 if keys else None


def _lines(host: Host, file: ConfigFile) -> list[str]:
    try:
        data, _ = host.read_bytes(file.path, limit=MAX_CONFIG_BYTES)
    except OSError:
        return []
    return data.decode("utf-8", "replace").split("\n")
