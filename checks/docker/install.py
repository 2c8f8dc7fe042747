"""Is Docker installed here, and where: for telling "not installed" from "not running".

Only files and PATH are looked at (the CLI, dockerd, its service files, Docker Desktop's
program and settings), so the answer is the same under --root for a captured machine.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from devdoctor import Host, Platform


class Installed(NamedTuple):
    """Signs of Docker on this machine, for telling "not installed" from "not running"."""

    found: tuple[str, ...] = ()
    desktop: bool = False
    engine: bool = False
    cli: str | None = None

    @property
    def anything(self) -> bool:
        """Whether any sign of Docker was found."""
        return bool(self.found)


def installed(host: Host) -> Installed:
    """Signs of Docker here: the CLI, dockerd and its service, Docker Desktop's files."""
    return host.fact("docker.installed", _installed)


def _installed(host: Host) -> Installed:
    found: list[str] = []
    desktop = engine_found = False
    cli = host.which("docker")
    if cli:
        found.append(f"the docker CLI at {cli}")
    dockerd = host.which("dockerd")
    if dockerd:
        found.append(f"dockerd at {dockerd}")
        engine_found = True
    home = (host.home or "").rstrip("\\/")
    # /sbin is /usr/sbin on merged-/usr systems: name each file once.
    seen = {os.path.realpath(p) for p in (cli, dockerd) if p}
    for path, what, is_desktop in _install_markers(host, home):
        real = os.path.realpath(host.real(path))
        if host.exists(path) and real not in seen:
            seen.add(real)
            found.append(f"{what} at {path}")
            desktop = desktop or is_desktop
            engine_found = engine_found or not is_desktop
    return Installed(tuple(found), desktop, engine_found, cli)


def _install_markers(host: Host, home: str) -> list[tuple[str, str, bool]]:
    if host.platform is Platform.WINDOWS:
        programs = (
            host.env.get("ProgramFiles") or host.env.get("PROGRAMFILES") or "C:\\Program Files"
        )
        return [(f"{programs}\\Docker\\Docker\\Docker Desktop.exe", "Docker Desktop", True)]
    if host.platform is Platform.MACOS:
        return [
            ("/Applications/Docker.app", "Docker Desktop", True),
            (f"{home}/Applications/Docker.app", "Docker Desktop", True),
        ]
    markers = [
        ("/usr/bin/dockerd", "dockerd", False),
        ("/usr/sbin/dockerd", "dockerd", False),
        ("/lib/systemd/system/docker.service", "the docker service", False),
        ("/usr/lib/systemd/system/docker.service", "the docker service", False),
        ("/etc/init.d/docker", "the docker service", False),
    ]
    if host.platform is Platform.WSL:
        markers += [
            (
                "/mnt/c/Program Files/Docker/Docker/Docker Desktop.exe",
                "Docker Desktop (Windows)",
                True,
            ),
            ("/mnt/wsl/docker-desktop", "Docker Desktop's WSL integration", True),
        ]
    else:
        markers += [
            ("/opt/docker-desktop", "Docker Desktop for Linux", True),
            (f"{home}/.docker/desktop", "Docker Desktop for Linux's settings", True),
        ]
    return markers


def distro_name(host: Host) -> str:
    """This WSL distro's name, for advice that names it."""
    return host.env.get("WSL_DISTRO_NAME") or "this distro"


def cli_only_advice(host: Host) -> str:
    """WSL with only the docker CLI: the one piece of advice docker-daemon and docker-desktop
    both give (install an engine; nothing here to start)."""
    return (
        "This distro has the docker CLI but no engine, and Docker Desktop is not installed on "
        "Windows. Install Docker Desktop on Windows (https://docs.docker.com/desktop/setup/"
        "install/windows-install/) with the WSL 2 backend and turn on Settings > Resources > "
        f'WSL integration for "{distro_name(host)}" (what the course expects); or install Docker '
        "Engine in this distro (https://docs.docker.com/engine/install/ubuntu/), not both."
    )
