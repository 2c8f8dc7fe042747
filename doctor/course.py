"""The course repository this run is about: where it is, its policy, and its git state.

`--repo` (or the current folder, searched up to its git root) is a path on the real file
system, even under `--root`: the repository is the student's checkout, not a captured host.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .host import Host, Platform, is_windows_path, windows_to_wsl
from .policy import Policy, load_policy

if TYPE_CHECKING:
    from .devcontainers import ConfigError, ConfigFile, DevcontainerConfig


def repo(host: Host) -> Path | None:
    """The course repository's top folder, or None when there is none here."""
    found = host.fact("course.repo", _find_repo)
    host.repo_root = found
    return found


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


def without_configuration(host: Host) -> str | None:
    """Why checks of the configuration's scripts do not apply here, or None when they do."""
    if repo(host) is None or not configs(host):
        return "no course repository or devcontainer configuration here (see devcontainer)"
    return None


def configs(host: Host) -> list[ConfigFile]:
    """Every devcontainer configuration in the course repository (spec precedence order)."""
    return host.fact("course.configs", _configs)


def _configs(host: Host) -> list[ConfigFile]:
    from .devcontainers import find_configs

    top = repo(host)
    return find_configs(top) if top is not None else []


def chosen_config(host: Host) -> tuple[ConfigFile | None, str]:
    """The configuration this run is about, and why: --config, the policy, or this host."""
    return host.fact("course.chosen", _choose)


def _choose(host: Host) -> tuple[ConfigFile | None, str]:
    found = configs(host)
    if not found:
        return None, "no devcontainer configuration"
    if len(found) == 1:
        return found[0], "the only configuration"
    by_variant = {c.variant: c for c in found}
    wanted = host.options.get("config")
    if wanted:
        name = Path(str(wanted)).parent.name if str(wanted).endswith(".json") else str(wanted)
        if name in by_variant:
            return by_variant[name], "--config"
        return None, f"--config {wanted}: no such configuration ({', '.join(by_variant)})"
    default = policy(host).default_variant
    if default and default in by_variant:
        return by_variant[default], "the policy's default_variant"
    if "gpu" in by_variant and host_has_gpu(host):
        return by_variant["gpu"], "this computer has an NVIDIA GPU"
    for name in ("default", "cpu"):
        if name in by_variant:
            return by_variant[name], "the default configuration"
    return found[0], "the first configuration"


def host_has_gpu(host: Host) -> bool:
    """A quick look for a usable NVIDIA GPU: nvidia-smi answers (WSL's own copy too).

    Asked once per run: choosing the variant and the devcontainer check both want it.
    """
    return host.fact("course.gpu", _has_gpu)


def _has_gpu(host: Host) -> bool:
    for program in ("nvidia-smi", "/usr/lib/wsl/lib/nvidia-smi"):
        if program.startswith("/"):
            if not host.exists(program):
                continue
            program = str(host.real(program))  # the file just found, also under --root
        done = host.run([program, "-L"], timeout=5)
        if done.ok and done.out.strip().startswith("GPU"):
            return True
    return False


def devcontainer(host: Host) -> DevcontainerConfig | ConfigError | None:
    """The chosen configuration, parsed (or why it cannot be); None when there is none."""
    return host.fact("course.devcontainer", _load_chosen)


def _load_chosen(host: Host) -> DevcontainerConfig | ConfigError | None:
    from .devcontainers import ConfigError, load

    chosen, _why = chosen_config(host)
    if chosen is None:
        return None
    try:
        return load(chosen, local_env=host.env)
    except ConfigError as exc:
        return exc


def rel(repo: Path, path: Path) -> str:
    """A path as the course repository names it (POSIX), or as given when outside it."""
    try:
        return Path(os.path.normpath(path)).relative_to(repo).as_posix()
    except ValueError:
        return str(path)


def container_workspace(config: DevcontainerConfig) -> str:
    """Where the repository is inside the container: workspaceFolder, else the CLI's default."""
    given = config.data.get("workspaceFolder")
    if isinstance(given, str) and given.startswith("/"):
        return given.rstrip("/") or "/"
    return f"/workspaces/{config.file.workspace_folder.name}"


def script_in_repo(config: DevcontainerConfig, repo: Path, written: str) -> str | None:
    """The repository path of a script a lifecycle command names, or None when it is elsewhere.

    Commands run in the workspace folder, so relative names are relative to it; absolute
    container paths under the container's workspace folder map back to the checkout.
    """
    from .devcontainers import substitute

    local = config.file.workspace_folder
    inside = container_workspace(config)
    text, complete = substitute(
        written,
        local_env={},
        local_workspace_folder=str(local),
        devcontainer_id=None,
        container_workspace_folder=inside,
        resolve_local_env=False,
    )
    if not complete or text.startswith("~") or "$" in text or not text:
        return None
    if text.startswith("/"):
        if text == inside or text.startswith(inside.rstrip("/") + "/"):
            full = local / text[len(inside) :].lstrip("/")
        elif text.startswith(str(local).rstrip("/") + "/"):
            full = Path(text)
        else:
            return None  # a file in the image, not in the checkout
    else:
        full = local / text
    path = Path(os.path.normpath(full))
    try:
        return path.relative_to(repo).as_posix()
    except ValueError:
        return None


def course_mode(host: Host) -> bool:
    """`check --course` / `fix --course`: staff linting their own repository."""
    return bool(host.options.get("course_mode"))


def git_ls(host: Host, repo: Path, args: Iterable[str], paths: Iterable[str]) -> bytes | None:
    """`git ls-files ARGS -z -- :(literal)PATHS` in the repository; None when git cannot say."""
    specs = [f":(literal){p}" for p in paths]
    if not specs:
        return b""
    done = host.run(["git", "-C", str(repo), "ls-files", *args, "-z", "--", *specs], timeout=10)
    return done.out_bytes if done.ok else None
