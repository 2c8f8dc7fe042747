"""vscode: VS Code, its `code` command, and the Dev Containers extension a course needs.

"Reopen in Container" is the Dev Containers extension's (ms-vscode-remote.remote-containers).
It lives on the machine VS Code's window runs on: Windows for a student in WSL, so from WSL
it is looked for in the Windows profile. Extensions are read from VS Code's own record of
them (extensions.json, else the folder names), which needs no VS Code process: `code
--list-extensions` starts Electron and, run inside WSL, installs VS Code's server there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import NamedTuple

from devdoctor import Check, Finding, Host, Platform, Status, evidence
from devdoctor.checks import wsl  # its modules load only where WSL is asked about
from devdoctor.lazy import LazyPattern
from devdoctor.repo import policy

DEV_CONTAINERS = "ms-vscode-remote.remote-containers"
REMOTE_WSL = "ms-vscode-remote.remote-wsl"
_FOLDER = LazyPattern(r"^(?P<id>[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*)-(?P<version>\d+(?:\.\d+)*)")
_LIST_LIMIT = 4 * 1024 * 1024


class Install(NamedTuple):
    """One VS Code's extensions folder (stable or Insiders) and what is installed there."""

    folder: str
    edition: str
    extensions: dict[str, str]
    """Extension id (lower case) -> version."""


def extension_folders(host: Host) -> list[tuple[str, str]]:
    """Where VS Code keeps the extensions of the window a student uses, stable first."""
    home = wsl.windows_profile(host).path if host.platform is Platform.WSL else host.home
    if not home:
        return []
    sep = "\\" if host.platform is Platform.WINDOWS else "/"
    base = home.rstrip("\\/")
    return [
        (f"{base}{sep}.vscode{sep}extensions", "VS Code"),
        (f"{base}{sep}.vscode-insiders{sep}extensions", "VS Code Insiders"),
    ]


def read_install(host: Host, folder: str, edition: str) -> Install | None:
    """The extensions VS Code records in `folder`, or None when there is no such folder."""
    if not host.is_dir(folder):
        return None
    found: dict[str, str] = {}
    try:
        data, clipped = host.read_bytes(folder.rstrip("\\/") + "/extensions.json", _LIST_LIMIT)
        records = [] if clipped else json.loads(data.decode("utf-8", errors="replace"))
    except (OSError, ValueError):
        records = []
    for record in records if isinstance(records, list) else []:
        ident = record.get("identifier", {}).get("id") if isinstance(record, dict) else None
        version = record.get("version") if isinstance(record, dict) else None
        if isinstance(ident, str) and isinstance(version, str):
            found[ident.lower()] = _newer(found.get(ident.lower()), version)
    if not found:  # older VS Code: the folder names are all there is
        for name in host.listdir(folder):
            match = _FOLDER.match(name.lower())
            if match:
                found[match["id"]] = _newer(found.get(match["id"]), match["version"])
    return Install(folder, edition, found)


def _newer(old: str | None, new: str) -> str:
    return new if old is None or _key(new) > _key(old) else old


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:4])


def code_command(host: Host) -> str | None:
    """The `code` command a student types, as this shell finds it."""
    return host.which("code") or host.which("code-insiders")


def report_lines(host: Host) -> list[tuple[str, str]]:
    """The report header's VS Code line: the edition and its Dev Containers version."""
    if host.platform is Platform.CONTAINER:
        return []
    for folder, edition in extension_folders(host):
        install = read_install(host, folder, edition)
        if install is not None:
            version = install.extensions.get(DEV_CONTAINERS, "not installed")
            return [("VS Code", f"{edition}, Dev Containers {version}")]
    return [("VS Code", "not found")]


class Vscode(Check):
    """VS Code, its `code` command, and the Dev Containers extension.

    "Reopen in Container" comes from the Dev Containers extension
    (ms-vscode-remote.remote-containers). Install it in VS Code's Extensions view, or run
    `code --install-extension ms-vscode-remote.remote-containers`. A course may ask for a
    least version: update it in the Extensions view. From WSL, VS Code also needs the WSL
    extension (ms-vscode-remote.remote-wsl) to open the course folder, and both live on the
    Windows side. If `code` is not found in a terminal: on macOS run "Shell Command: Install
    'code' command in PATH" from VS Code's command palette; on Windows reinstall VS Code with
    "Add to PATH" ticked; inside WSL keep `appendWindowsPath` on in /etc/wsl.conf.
    """

    id = "vscode"
    title = "VS Code and the Dev Containers extension"

    def run(self, host: Host) -> Iterator[Finding]:
        installs = [
            found
            for folder, edition in extension_folders(host)
            if (found := read_install(host, folder, edition)) is not None
        ]
        command = code_command(host)
        if not installs:
            yield self._missing(host, command)
            return
        install = next((i for i in installs if DEV_CONTAINERS in i.extensions), installs[0])
        yield from self._extensions(host, install)
        if command is None:
            yield self.finding(
                Status.INFO,
                "no-code-command",
                "the `code` command is not found in this terminal",
                evidence=evidence(extensions=install.folder),
                detail=_HOW_TO_PATH.get(host.platform, _HOW_TO_PATH[Platform.LINUX]),
            )

    def _missing(self, host: Host, command: str | None) -> Finding:
        where = ", ".join(folder for folder, _ in extension_folders(host)) or "no home folder"
        return self.finding(
            Status.WARN,
            "not-installed",
            "VS Code was not found" + (f" (but `code` is at {command})" if command else ""),
            evidence=evidence(looked_in=where),
            detail="The course opens in VS Code. Install it from https://code.visualstudio.com/"
            + (" on Windows (not inside WSL)" if host.platform is Platform.WSL else "")
            + ", then the Dev Containers extension: "
            f"`code --install-extension {DEV_CONTAINERS}`.",
        )

    def _extensions(self, host: Host, install: Install) -> Iterator[Finding]:
        version = install.extensions.get(DEV_CONTAINERS)
        least = policy(host).min_extension
        facts = evidence(
            Dev_Containers=version or "not installed",
            needed=f"{least} or newer ({policy(host).source('vscode.min_extension')})"
            if least
            else "any version",
            extensions=install.folder,
        )
        if version is None:
            yield self.finding(
                Status.FAIL,
                "no-extension",
                f"{install.edition} has no Dev Containers extension",
                evidence=facts,
                detail="Without it there is no \"Reopen in Container\". In VS Code's Extensions "
                f"view install \"Dev Containers\", or run `code --install-extension "
                f"{DEV_CONTAINERS}`.",
            )
        elif least and _key(version) < _key(least):
            yield self.finding(
                Status.FAIL,
                "old-extension",
                f"the Dev Containers extension is {version}; this course needs {least} or newer",
                evidence=facts,
                detail="Update it in VS Code's Extensions view (or run `code --install-extension "
                f"{DEV_CONTAINERS} --force`), then reload the window.",
            )
        else:
            yield self.finding(
                Status.OK,
                "ok",
                f"{install.edition} with Dev Containers {version}",
                evidence=facts,
            )
        if host.platform is Platform.WSL and REMOTE_WSL not in install.extensions:
            yield self.finding(
                Status.WARN,
                "no-wsl-extension",
                f"{install.edition} has no WSL extension, needed to open a folder in WSL",
                evidence=facts,
                detail=f"Install \"WSL\" in VS Code's Extensions view, or run `code "
                f"--install-extension {REMOTE_WSL}` in PowerShell.",
            )


_HOW_TO_PATH = {
    Platform.MACOS: "In VS Code press Cmd+Shift+P and run \"Shell Command: Install 'code' "
    "command in PATH\", then open a new terminal.",
    Platform.WINDOWS: "Reinstall VS Code with \"Add to PATH\" ticked, then open a new "
    "PowerShell window.",
    Platform.WSL: "Windows' PATH is not reaching this distro: keep `appendWindowsPath = true` "
    "under [interop] in /etc/wsl.conf, then run `wsl --shutdown` in PowerShell and reopen.",
    Platform.LINUX: "Install VS Code from https://code.visualstudio.com/ (its package adds "
    "`code` to PATH), then open a new terminal.",
}
