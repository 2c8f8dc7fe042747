"""Which devcontainer configuration this run is about, and the facts read from it.

A course may ship several (`.devcontainer/cpu`, `.devcontainer/gpu`): `--config` picks one,
else the policy's `default_variant`, else the one that fits this host (gpu when it has a
usable NVIDIA GPU). Each answer is computed once per run and shared by every check.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from devdoctor import Host
from devdoctor.checks import gpu  # its modules load only when a gpu variant is to be chosen
from devdoctor.lazy import LazyPattern
from devdoctor.repo import git_branch, policy

from .configs import ConfigError, ConfigFile, DevcontainerConfig, find_configs, load
from .variables import substitute


def without_configuration(host: Host) -> str | None:
    """Why checks of the configuration's scripts do not apply here, or None when they do."""
    if host.repo_root is None or not configs(host):
        return "no course repository or devcontainer configuration here (see devcontainer)"
    return None


def configs(host: Host) -> list[ConfigFile]:
    """Every devcontainer configuration in the course repository (spec precedence order)."""
    return host.fact("course.configs", _configs)


def _configs(host: Host) -> list[ConfigFile]:
    top = host.repo_root
    return find_configs(top, host=host) if top is not None else []


def chosen_config(host: Host) -> tuple[ConfigFile | None, str]:
    """The configuration this run is about, and why: --config, the policy, or this host."""
    return host.fact("course.chosen", _choose)


MAINLINE = frozenset({"main", "master", "trunk", "default", "develop"})
"""Branch names that say nothing about a variant: the report leaves them out."""
_VARIANT_BRANCH = LazyPattern(r"^(?:cpu|gpu)(?:[-_]?frozen)?$", re.IGNORECASE)


def variant_fact(host: Host) -> tuple[str | None, str]:
    """The variant's name (or None) and why it was chosen: the framework's `variant` fact.

    A course may ship its variants as git branches (cpu, cpufrozen, gpu, gpufrozen) rather
    than folders, so the checkout's branch is named with it: `default@gpufrozen`. Only a branch
    named like a variant counts: a student's own branch (`my-work`) is not one.
    """
    chosen, why = chosen_config(host)
    if chosen is None:
        return None, why
    branch = git_branch(host)
    if branch and is_variant_branch(branch, {c.variant for c in configs(host)}):
        return f"{chosen.variant}@{branch}", f"{why}; git branch {branch}"
    return chosen.variant, why


def is_variant_branch(branch: str, folders: set[str]) -> bool:
    """`cpu`, `gpu`, `cpufrozen`, `gpu-frozen`..., or the name of one of the course's folders."""
    return branch not in MAINLINE and (
        bool(_VARIANT_BRANCH.match(branch)) or branch in folders - {"default"}
    )


def _choose(host: Host) -> tuple[ConfigFile | None, str]:
    found = configs(host)
    if not found:
        return None, "no devcontainer configuration"
    if len(found) == 1:
        wanted = host.options.config
        if wanted and Path(wanted).name not in (found[0].variant, "devcontainer.json"):
            # Said, not silently ignored: a student asking for gpu gets the course's only one.
            return found[0], f"the only configuration; there is no --config {wanted} here"
        return found[0], "the only configuration"
    by_variant = {c.variant: c for c in found}
    wanted = host.options.config
    if wanted:
        name = Path(wanted).parent.name if wanted.endswith(".json") else wanted
        if name in by_variant:
            return by_variant[name], "--config"
        return None, f"--config {wanted}: no such configuration ({', '.join(by_variant)})"
    default = policy(host).default_variant
    if default and default in by_variant:
        return by_variant[default], "the policy's default_variant"
    if "gpu" in by_variant and gpu.host_has_gpu(host):
        return by_variant["gpu"], "this computer has an NVIDIA GPU"
    for name in ("default", "cpu"):
        if name in by_variant:
            return by_variant[name], "the default configuration"
    return found[0], "the first configuration"


def chosen_devcontainer(host: Host) -> DevcontainerConfig | ConfigError | None:
    """The chosen configuration, parsed (or why it cannot be); None when there is none."""
    return host.fact("course.devcontainer", _load_chosen)


def _load_chosen(host: Host) -> DevcontainerConfig | ConfigError | None:
    chosen, _why = chosen_config(host)
    if chosen is None:
        return None
    try:
        return load(chosen, local_env=host.env, host=host)
    except ConfigError as exc:
        return exc


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
