"""The devcontainer CLI's ${...} variables: substituted as the CLI does, or matched as a pattern.

Paths and names in devcontainer.json may hold ${localEnv:VAR}, ${localWorkspaceFolder},
${devcontainerId}...; which of them are known depends on who asks (the host before the
container exists, the engine's list of volumes). Separate from configs.py, the reader of the
whole file, because the variable rules are a job of their own that others use alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from devdoctor.lazy import LazyPattern

_VARIABLE = LazyPattern(r"\$\{(.*?)\}")  # the CLI's VARIABLE_REGEXP: non-greedy, any text


def substitute(
    value: str,
    *,
    local_env: Mapping[str, str],
    local_workspace_folder: str | None,
    devcontainer_id: str | None,
    container_workspace_folder: str | None = None,
    resolve_local_env: bool = True,
) -> tuple[str, bool]:
    """Resolve ${...} variables like the CLI; return the text and whether all were resolved.

    As in the CLI, an unset ${localEnv:VAR} becomes its default or "" (resolved); unknown
    variables and unknown values stay as written.  resolve_local_env=False leaves
    ${localEnv:...} in place, for callers that do not know the user's environment.
    """
    complete = True

    def replace(match: re.Match[str]) -> str:
        nonlocal complete
        name, *args = match.group(1).split(":")
        known: str | None = None
        if name in ("localEnv", "env") and args and resolve_local_env:
            known = local_env.get(args[0], args[1] if len(args) > 1 else "")
        elif name == "localWorkspaceFolder":
            known = local_workspace_folder
        elif name == "localWorkspaceFolderBasename" and local_workspace_folder is not None:
            known = re.split(r"[\\/]", local_workspace_folder.rstrip("\\/"))[-1]
        elif name == "containerWorkspaceFolder":
            known = container_workspace_folder
        elif name == "containerWorkspaceFolderBasename" and container_workspace_folder:
            known = container_workspace_folder.rstrip("/").rsplit("/", 1)[-1]
        elif name == "devcontainerId":
            known = devcontainer_id or None
        if known is None:
            complete = False
            return match.group(0)
        return known

    return _VARIABLE.sub(replace, value), complete


def variable_pattern(value: str) -> re.Pattern[str]:
    """A full-match pattern for the names value could become, each ${...} a wildcard.

    Used to recognise, e.g., the volume "vscode-home-${devcontainerId}" in the engine's list.
    """
    parts = _VARIABLE.split(value)
    # re.split with one group alternates literal text and variable bodies.
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else ".*" for index, part in enumerate(parts)
    )
    return re.compile(rf"\A{pattern}\Z", re.DOTALL)
