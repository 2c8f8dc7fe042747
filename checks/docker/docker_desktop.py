"""docker-desktop: Docker Desktop's own settings, read from its file even when its engine is down.

Two settings break WSL users without any error message: the WSL 2 engine switched off, and
integration with this distro switched off (then `docker` inside the distro finds nothing).
Docker Desktop keeps them in settings-store.json (settings.json up to 4.34), with PascalCase
or camelCase keys depending on its version, and leaves out every key still at its default;
keys are therefore compared without regard to case, and absent ones mean the default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from devdoctor import Check, Finding, Host, MiB, Platform, Status, format_size
from devdoctor.checks import wsl  # its modules load only where WSL is asked about
from devdoctor.repo import policy

from .desktop_settings import (
    NAMES,
    Settings,
    UnreadableSettings,
    positive_int,
    read_settings,
    sep,
    setting_text,
    settings_folder,
)
from .install import cli_only_advice, installed

DESKTOP_CLI = "/mnt/wsl/docker-desktop"  # where the integration's docker CLI lives in a distro


def default_distro(host: Host) -> tuple[str | None, str]:
    """WSL's default distro from `wsl.exe -l -v` (the starred row), and how devdoctor knows."""
    done = wsl.wsl_list(host)
    if not done.ok:
        return None, f"`wsl.exe -l -v` did not say ({done.describe()})"
    for row in wsl.parse_wsl_list(done.out):
        if row["default"] == "True":
            return row["name"], "`wsl.exe -l -v`"
    return None, "`wsl.exe -l -v` marks no default distro"


class DockerDesktop(Check):
    """Docker Desktop's settings: the WSL 2 engine, integration with this distro, the limits.

    Read from Docker Desktop's settings file (settings-store.json, or settings.json before
    Docker Desktop 4.35): %APPDATA%\\Docker on Windows (found from WSL through the Windows
    profile), ~/Library/Group Containers/group.com.docker on a Mac, ~/.docker/desktop on Linux.
    It is read even when the engine is down, because these settings are often why it is.

    In WSL, `docker` works only when Docker Desktop uses the WSL 2 based engine and integrates
    with this distro: Docker Desktop > Settings > General > "Use the WSL 2 based engine", and
    Settings > Resources > WSL integration > turn on your distro, then Apply & restart. With
    the Hyper-V backend (Windows) or on a Mac, Settings > Resources sets the engine's memory.
    """

    id = "docker-desktop"
    title = "Docker Desktop settings"

    def skip_reason(self, host: Host) -> str | None:
        if host.platform is Platform.LINUX:
            folder, _ = settings_folder(host)
            if not (folder and host.exists(folder)) and not host.exists("/opt/docker-desktop"):
                return "Docker Desktop is not installed here (no ~/.docker/desktop)"
        return None

    def run(self, host: Host) -> Iterator[Finding]:
        folder, how = settings_folder(host)
        if folder is None:
            yield self.finding(
                Status.WARN,
                "no-profile",
                "cannot find your Windows profile folder, so not Docker Desktop's settings",
                detail=f"devdoctor asked Windows and looked under /mnt/c/Users: {how}.",
            )
            return
        try:
            settings = read_settings(host, folder)
        except UnreadableSettings as exc:
            yield self._unreadable(exc.path, exc.why)
            return
        if settings is None:
            yield self._absent(host, folder)
            return
        found = [
            *self._containers(settings),
            *self._engine(host, settings),
            *self._limits(host, settings),
        ]
        yield from found
        if all(f.status in (Status.OK, Status.INFO) for f in found):
            yield self.finding(
                Status.OK,
                "settings",
                "Docker Desktop's settings suit dev containers"
                + (f" (Docker Desktop {version})" if (version := _version(host)) else ""),
                subject=settings.path,
                evidence=(*self._summary(settings), ("version", version or "unknown")),
            )

    # -- reading ------------------------------------------------------------------------------

    def _unreadable(self, path: str, why: str) -> Finding:
        return self.finding(
            Status.WARN,
            "unreadable",
            f"Docker Desktop's settings file is unreadable: {why}",
            subject=path,
            detail="Docker Desktop cannot read it either and may start with its defaults or not "
            "at all. Quit Docker Desktop, move the file aside (rename it), and start Docker "
            "Desktop again: it writes a fresh one. Then set your choices again in its Settings.",
        )

    def _absent(self, host: Host, folder: str) -> Finding:
        found = installed(host)
        places = " or ".join(f"{folder}{sep(host)}{name}" for name in NAMES)
        if found.desktop:
            return self.finding(
                Status.WARN,
                "no-settings",
                "Docker Desktop is installed but has no settings file yet",
                subject=folder,
                detail=f"There is no {places}: Docker Desktop writes it the first time it starts. "
                "Start Docker Desktop once and accept its terms, then run devdoctor again.",
            )
        if host.platform is Platform.WSL and found.cli and not found.engine:
            return self.finding(
                Status.INFO,
                "not-installed",
                "Docker Desktop is not installed, and this distro has only the docker CLI",
                subject=folder,
                detail=f"There is no {places}. {cli_only_advice(host)}",
            )
        where = (
            " (fine: Docker Engine is installed in this distro)"
            if host.platform is Platform.WSL and found.engine
            else ""
        )
        return self.finding(
            Status.INFO,
            "not-installed",
            f"Docker Desktop is not installed{where}",
            subject=folder,
            detail=f"There is no {places}.",
        )

    # -- the settings that matter -------------------------------------------------------------

    def _containers(self, settings: Settings) -> Iterator[Finding]:
        if settings.flag("useWindowsContainers", False):
            yield self.finding(
                Status.FAIL,
                "windows-containers",
                "Docker Desktop is switched to Windows containers",
                subject=settings.path,
                detail="Dev containers are Linux containers. Right-click the whale icon in the "
                'taskbar and choose "Switch to Linux containers...".',
                evidence=(("useWindowsContainers", "true"),),
            )

    def _engine(self, host: Host, settings: Settings) -> Iterator[Finding]:
        if host.platform not in (Platform.WSL, Platform.WINDOWS):
            return
        wsl_engine = settings.flag("wslEngineEnabled", True)
        shown = setting_text(settings, "wslEngineEnabled", "on by default")
        if not wsl_engine:
            if host.platform is Platform.WSL:
                yield self.finding(
                    Status.FAIL,
                    "wsl-engine-off",
                    "Docker Desktop does not use the WSL 2 engine, so this distro cannot reach it",
                    subject=settings.path,
                    detail="Docker Desktop > Settings > General: turn on "
                    '"Use the WSL 2 based engine", press Apply & restart, then turn on this '
                    "distro under Settings > Resources > WSL integration.",
                    evidence=(("wslEngineEnabled", shown),),
                )
            else:
                yield self.finding(
                    Status.INFO,
                    "hyper-v",
                    "Docker Desktop uses the Hyper-V backend, not WSL 2",
                    subject=settings.path,
                    detail="That works for a course repository on C:. The engine's memory is "
                    "then set in Docker Desktop > Settings > Resources.",
                    evidence=(("wslEngineEnabled", shown),),
                )
            return
        if host.platform is Platform.WSL:
            yield from self._integration(host, settings)
        else:
            yield from self._integration_seen_from_windows(host, settings)

    def _integration_seen_from_windows(self, host: Host, settings: Settings) -> Iterator[Finding]:
        """From PowerShell: whether the default WSL distro (where a course is usually cloned)
        gets Docker; a warning only, as a repository on C: needs no integration."""
        listed = settings.get("integratedWslDistros")
        shown = [n for n in listed if isinstance(n, str)] if isinstance(listed, list) else []
        names = [n.lower() for n in shown]
        if settings.flag("enableIntegrationWithDefaultWslDistro", True):
            return
        default, how = default_distro(host)
        if default is None or default.lower() in names:
            return
        yield self.finding(
            Status.WARN,
            "integration-off",
            f"Docker Desktop's WSL integration is off for {default}, your default WSL distro",
            subject=settings.path,
            detail=f"A course cloned inside {default} cannot reach Docker from there: its `docker` "
            "finds no engine. Docker Desktop > Settings > Resources > WSL integration: turn on "
            f'"{default}" and press Apply & restart. (A course repository on C:, opened from '
            "Windows, does not need it.)",
            evidence=(
                ("integratedWslDistros", ", ".join(shown) or "none"),
                ("enableIntegrationWithDefaultWslDistro", "false"),
                ("default distro", f"{default} ({how})"),
            ),
        )

    def _integration(self, host: Host, settings: Settings) -> Iterator[Finding]:
        distro = host.env.get("WSL_DISTRO_NAME", "")
        listed = settings.get("integratedWslDistros")
        names = [n for n in listed if isinstance(n, str)] if isinstance(listed, list) else []
        with_default = settings.flag("enableIntegrationWithDefaultWslDistro", True)
        facts: tuple[tuple[str, str], ...] = (
            ("this distro", distro or "unknown (WSL_DISTRO_NAME is not set)"),
            ("integratedWslDistros", ", ".join(names) or "none"),
            (
                "enableIntegrationWithDefaultWslDistro",
                setting_text(settings, "enableIntegrationWithDefaultWslDistro", "on by default"),
            ),
        )
        how_to = (
            "Docker Desktop > Settings > Resources > WSL integration: turn on "
            f'"{distro or "your distro"}" and press Apply & restart.'
        )
        if not distro:
            yield self.finding(
                Status.WARN,
                "integration-unknown",
                "cannot tell this distro's name, so not whether Docker Desktop integrates with it",
                detail="WSL_DISTRO_NAME is not set (sudo and some services drop it). " + how_to,
                evidence=facts,
            )
            return
        if distro.lower() in (n.lower() for n in names):
            yield self.finding(
                Status.OK,
                "integration-on",
                f"Docker Desktop integrates with {distro}",
                subject=settings.path,
                evidence=facts,
            )
            return
        if not with_default:
            yield self._integration_off(host, settings, distro, how_to, facts)
            return
        default, how = default_distro(host)
        facts = (*facts, ("default distro", f"{default or 'unknown'} ({how})"))
        if default is not None and default.lower() == distro.lower():
            yield self.finding(
                Status.OK,
                "integration-on",
                f"Docker Desktop integrates with {distro}, your default WSL distro",
                subject=settings.path,
                evidence=facts,
            )
        elif default is not None:
            yield self._integration_off(host, settings, distro, how_to, facts)
        else:
            yield self.finding(
                Status.WARN,
                "integration-unknown",
                f"Docker Desktop integrates with {distro} only if it is your default WSL distro",
                subject=settings.path,
                detail="devdoctor could not ask WSL which distro is the default. " + how_to,
                evidence=facts,
            )

    def _integration_off(
        self,
        host: Host,
        settings: Settings,
        distro: str,
        how_to: str,
        facts: tuple[tuple[str, str], ...],
    ) -> Finding:
        version = _version(host)
        facts = (*facts, ("Docker Desktop", version or "version unknown"))
        cli = host.which("docker") or _dead_desktop_link(host)
        if cli is not None:
            target = os.path.realpath(cli)  # PATH, and so `cli`, is real even under --root
            desktops = os.path.realpath(host.real(DESKTOP_CLI))
            facts = (*facts, ("docker CLI", cli))
            if target.startswith(desktops + os.sep):  # its link, dead while integration is off
                return self.finding(
                    Status.FAIL,
                    "integration-off",
                    f"Docker Desktop's WSL integration is off for {distro}",
                    subject=settings.path,
                    detail=f"`docker` in {distro} is the link Docker Desktop's integration left "
                    f"({cli}); with the integration off it says \"The command 'docker' could "
                    f'not be found in this WSL 2 distro". ' + how_to,
                    evidence=facts,
                )
            if not installed(host).engine:
                return self.finding(
                    Status.FAIL,
                    "cli-without-integration",
                    f"the docker CLI is installed in {distro}, but Docker Desktop's WSL "
                    "integration is off: it has no engine to talk to",
                    subject=settings.path,
                    detail=f"{cli} is {distro}'s own docker CLI; it looks for an engine at "
                    "/var/run/docker.sock, which only Docker Desktop's integration (or an "
                    "engine installed in the distro) provides. "
                    + how_to
                    + " Docker recommends removing a distro's own docker packages when using "
                    "Docker Desktop (`sudo apt remove docker-ce-cli docker.io`), so that "
                    "Docker Desktop's CLI is the one found.",
                    evidence=facts,
                )
        return self.finding(
            Status.FAIL,
            "integration-off",
            f"Docker Desktop's WSL integration is off for {distro}",
            subject=settings.path,
            detail=f"`docker` in {distro} finds no engine, and VS Code cannot build the "
            "container from here. " + how_to,
            evidence=facts,
        )

    def _limits(self, host: Host, settings: Settings) -> Iterator[Finding]:
        """Memory and CPUs Docker Desktop gives its own VM (not on the WSL 2 engine)."""
        if host.platform in (Platform.WSL, Platform.WINDOWS) and settings.flag(
            "wslEngineEnabled", True
        ):
            return
        if host.platform is Platform.WSL:
            return
        course = policy(host)
        memory = settings.get("memoryMiB")
        cpus = settings.get("cpus")
        facts = (
            ("memoryMiB", setting_text(settings, "memoryMiB", "Docker Desktop's default")),
            ("cpus", setting_text(settings, "cpus", "Docker Desktop's default")),
            ("needed", f"{format_size(course.docker_memory)} ({course.source('docker.memory')})"),
        )
        if positive_int(memory) and int(memory) * MiB < course.docker_memory:
            yield self.finding(
                Status.FAIL,
                "too-little-memory",
                f"Docker Desktop gives its engine {format_size(int(memory) * MiB)} of memory; "
                f"this course needs {format_size(course.docker_memory)}",
                subject=settings.path,
                detail="Docker Desktop > Settings > Resources: set Memory to at least "
                f"{format_size(course.docker_memory)}, then Apply & restart.",
                evidence=facts,
            )
        if positive_int(cpus) and int(cpus) < 2:
            yield self.finding(
                Status.WARN,
                "one-cpu",
                "Docker Desktop gives its engine one CPU: builds will be very slow",
                subject=settings.path,
                detail="Docker Desktop > Settings > Resources: give it more CPUs.",
                evidence=facts,
            )

    def _summary(self, settings: Settings) -> tuple[tuple[str, str], ...]:
        keys = ("wslEngineEnabled", "integratedWslDistros", "memoryMiB", "cpus", "settingsVersion")
        return tuple((key, setting_text(settings, key, "the default")) for key in keys)


def _version(host: Host) -> str | None:
    """Docker Desktop's version from its install (Windows' uninstall entry, read in the WSL
    area's one round trip); the settings file holds only its own schema's version."""
    if host.platform not in (Platform.WSL, Platform.WINDOWS):
        return None
    return wsl.windows_machine(host).desktop


def _dead_desktop_link(host: Host) -> str | None:
    """A `docker` on PATH that is a link into Docker Desktop's integration folder, which is
    gone while the integration is off (which() skips such a dead link)."""
    desktops = os.path.realpath(host.real(DESKTOP_CLI))
    for folder in host.env.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, "docker") if folder else ""
        if candidate and os.path.realpath(candidate).startswith(desktops + os.sep):
            return candidate
    return None
