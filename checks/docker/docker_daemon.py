"""docker-daemon: the Docker engine answers where the docker CLI (and so VS Code) will look.

Most failed "Reopen in Container" attempts start here: Docker is not installed, not running,
starting and hung, or this user may not open its socket. Each has its own code and its own
advice for this platform; the probe is bounded, so a wedged Docker Desktop is reported within
seconds instead of hanging the run.
"""

from __future__ import annotations

from collections.abc import Iterator

from devdoctor import Check, Finding, Host, Platform, Status

from .endpoint import Endpoint
from .engine import EngineState, engine, engine_kind, is_docker_desktop
from .groups import current_user, group_name, listed_in_group, process_groups
from .install import cli_only_advice, distro_name, installed
from .probe import Probe, ProbeState


def _evidence(state: EngineState, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    endpoint = state.endpoint
    pairs = [
        ("endpoint", endpoint.url or "(none)"),
        ("chosen because", endpoint.why),
        ("probe", f"{state.probe.detail} ({state.probe.seconds * 1000:.0f} ms)"),
    ]
    pairs += [("also tried", f"{ep.url}: {pr.state.value}") for ep, pr in state.others]
    pairs += [("note", note) for note in endpoint.notes]
    return (*pairs, *extra)


def _shell_url(host: Host, url: str) -> str:
    """The URL as a shell command wants it: the home folder as $HOME (it is shown as ~)."""
    home = (host.home or "").rstrip("/")
    prefix = f"unix://{home}/"
    return f"unix://$HOME/{url[len(prefix) :]}" if home and url.startswith(prefix) else url


def _distro(host: Host) -> str:
    return distro_name(host)


def start_advice(host: Host, state: EngineState) -> str:
    """How to start Docker on this platform, given what is installed."""
    found = installed(host)
    if host.platform is Platform.WINDOWS:
        return (
            "Start Docker Desktop from the Start menu and wait until it says "
            '"Engine running" (a minute or two after Windows starts).'
        )
    if host.platform is Platform.WSL:
        own = (
            " If you run Docker Engine inside this distro instead of Docker Desktop: "
            "`sudo service docker start`."
            if found.engine
            else ""
        )
        return (
            'Start Docker Desktop on Windows and wait until it says "Engine running". If it is '
            "running, open its Settings > Resources > WSL integration, turn on "
            f'"{_distro(host)}", and press Apply & restart.' + own
        )
    if host.platform is Platform.MACOS:
        return (
            "Open Docker Desktop (Applications > Docker, or `open -a Docker`) and wait until "
            "the whale icon in the menu bar stops moving."
        )
    if found.desktop and not found.engine:
        return (
            "Start Docker Desktop: `systemctl --user start docker-desktop`, or from your "
            "applications menu."
        )
    return (
        "Start the engine: `sudo systemctl start docker` (and `sudo systemctl enable docker` "
        "to start it at every boot). `sudo journalctl -u docker` says why it stopped."
    )


def install_advice(host: Host) -> str:
    """How to get Docker on this platform."""
    if host.platform is Platform.WINDOWS:
        return (
            "Install Docker Desktop for Windows (https://docs.docker.com/desktop/setup/install/"
            "windows-install/), keep the WSL 2 backend, then start it."
        )
    if host.platform is Platform.WSL:
        return (
            "Install Docker Desktop on Windows (https://docs.docker.com/desktop/setup/install/"
            "windows-install/) with the WSL 2 backend, start it, and turn on "
            f'Settings > Resources > WSL integration for "{_distro(host)}".'
        )
    if host.platform is Platform.MACOS:
        return (
            "Install Docker Desktop for Mac (https://docs.docker.com/desktop/setup/install/"
            "mac-install/), choosing Apple silicon or Intel to match this Mac, then open it."
        )
    return (
        "Install Docker Engine: on Debian or Ubuntu `sudo apt install docker.io` (or Docker's "
        "own packages, https://docs.docker.com/engine/install/), then "
        "`sudo usermod -aG docker $USER` and log out and in again."
    )


class DockerDaemon(Check):
    """The Docker engine answers where the docker CLI (and so VS Code) will look.

    devdoctor looks where the docker CLI does: DOCKER_HOST; else DOCKER_CONTEXT; else the
    current context in ~/.docker/config.json (DOCKER_CONFIG); else the platform's own socket
    or pipe (Docker Desktop's, then the system's). It opens the socket and sends GET /_ping
    with a two-second limit, so it can tell: Docker not installed; installed but not running
    (no socket, or a socket nobody listens on); your user may not open the socket (the
    `docker` group, which needs a new login); Docker Desktop starting or stuck (it accepts
    but does not answer); a context that points nowhere.

    By hand: `docker info` shows the same. Start Docker Desktop (Windows, Mac, or Windows
    for WSL, with Settings > Resources > WSL integration on for your distro), or
    `sudo systemctl start docker` on Linux; `sudo usermod -aG docker $USER` then log out and
    in for the permission problem; `docker context use default` for a context that points
    nowhere.
    """

    id = "docker-daemon"
    title = "Docker engine"
    timeout = 20.0

    def run(self, host: Host) -> Iterator[Finding]:
        state = engine(host)
        endpoint, probe = state.endpoint, state.probe
        if endpoint.problem:
            yield self._bad_context(host, state, endpoint.problem)
            return
        answering = [ep for ep, pr in state.others if pr.state is ProbeState.ANSWERS]
        if endpoint.context and probe.state is ProbeState.MISSING and answering:
            yield self._bad_context(
                host, state, f"its endpoint {endpoint.url} does not exist", answering[0]
            )
            return
        if probe.state is ProbeState.MISSING:
            yield self._missing(host, state)
        elif probe.state is ProbeState.REFUSED:
            yield self._refused(host, state)
        elif probe.state is ProbeState.DENIED:
            yield self._denied(host, state, probe)
        elif probe.state in (ProbeState.SILENT, ProbeState.BROKEN):
            yield self._not_answering(host, state)
        elif state.answers:
            yield from self._running(host, state)
        elif probe.state is ProbeState.UNPROBED:
            failed = f" The docker client said: {state.error}." if state.error else ""
            yield self.finding(
                Status.WARN,
                "unprobed",
                f"cannot look at {endpoint.url} from here",
                subject=endpoint.url,
                detail=f"{probe.detail}.{failed} Run `docker info` where VS Code runs to see "
                "whether the engine answers.",
                evidence=_evidence(state),
            )
        else:
            yield self._api_error(state)

    # -- the states ---------------------------------------------------------------------------

    def _bad_context(
        self, host: Host, state: EngineState, problem: str, works: Endpoint | None = None
    ) -> Finding:
        endpoint = state.endpoint
        if works is None:
            answering = [ep for ep, pr in state.others if pr.state is ProbeState.ANSWERS]
            works = answering[0] if answering else None
        name = endpoint.context or "?"
        advice = (
            f" Docker does answer at {works.url}: `docker context use default` makes the docker "
            "CLI (and VS Code) use it."
            if works
            else " Run `docker context ls` to see the contexts there are, and "
            "`docker context use NAME` (or `docker context use default`) to pick one."
        )
        if "DOCKER_CONTEXT" in endpoint.why:
            advice += " DOCKER_CONTEXT is set in your environment: unset it, or fix its value."
        return self.finding(
            Status.FAIL,
            "bad-context",
            f'the docker context "{name}" points nowhere: {problem}',
            subject=endpoint.context or "",
            detail=f"The docker CLI, and VS Code through it, use {endpoint.why}, so every "
            "docker command fails." + advice,
            evidence=_evidence(state),
        )

    def _missing(self, host: Host, state: EngineState) -> Finding:
        found = installed(host)
        endpoint = state.endpoint
        if not found.anything:
            return self.finding(
                Status.FAIL,
                "not-installed",
                "Docker is not installed here",
                subject=endpoint.url,
                detail=f"There is no docker socket ({endpoint.address}), no docker command on "
                "PATH, no dockerd and no Docker Desktop. Dev containers need Docker. "
                + install_advice(host),
                evidence=_evidence(state, ("found", "no docker CLI, dockerd or Docker Desktop")),
            )
        if host.platform is Platform.WSL and not found.desktop and not found.engine:
            return self.finding(
                Status.FAIL,
                "cli-only",
                "only the docker CLI is installed here: there is no engine for it to talk to",
                subject=endpoint.url,
                detail=cli_only_advice(host),
                evidence=_evidence(state, ("found", "; ".join(found.found))),
            )
        return self.finding(
            Status.FAIL,
            "not-running",
            "Docker is installed but not running",
            subject=endpoint.url,
            detail=f"Docker is installed, but nothing is at {endpoint.address}, where the "
            "docker CLI will look. " + start_advice(host, state),
            evidence=_evidence(state, ("found", "; ".join(found.found))),
        )

    def _refused(self, host: Host, state: EngineState) -> Finding:
        found = installed(host)
        return self.finding(
            Status.FAIL,
            "not-running",
            "Docker is not running (its socket is left over, nobody answers on it)",
            subject=state.endpoint.url,
            detail=f"{state.probe.detail}: Docker was stopped or crashed and left its socket "
            "behind. " + start_advice(host, state),
            evidence=_evidence(state, ("found", "; ".join(found.found) or "nothing else")),
        )

    def _denied(self, host: Host, state: EngineState, probe: Probe) -> Finding:
        user = current_user(host)
        gid = probe.socket_group
        group = (group_name(host, gid) or str(gid)) if gid is not None else "docker"
        extra: list[tuple[str, str]] = [("user", user)]
        summary = f"permission denied on Docker's socket: you are not in the {group} group"
        if host.platform is Platform.WINDOWS:
            summary = "permission denied on Docker Desktop's pipe"
            detail = (
                "Docker Desktop's pipe refused your Windows user. Add yourself to the "
                '"docker-users" group (Computer Management > Local Users and Groups > Groups > '
                "docker-users), then sign out of Windows and in again."
            )
        elif (
            gid is not None and listed_in_group(host, gid, user) and gid not in process_groups(host)
        ):
            detail = (
                f'You are in the "{group}" group (/etc/group says so), but this login started '
                "before you were added, so it does not have the group yet. Log out and back in "
                + (
                    f"(in WSL: close every terminal of {_distro(host)}, run "
                    f"`wsl --terminate {_distro(host)}` in PowerShell, and open it again)"
                    if host.platform is Platform.WSL
                    else "(or restart)"
                )
                + f"; meanwhile `newgrp {group}` gives the group to one terminal."
            )
            extra.append(("in the group", f"yes in /etc/group; not in this login ({group})"))
            summary = (
                f"permission denied on Docker's socket: you were added to the {group} group, "
                "but this login started before that"
            )
        else:
            detail = (
                f'Only root and the members of the "{group}" group may open Docker\'s socket. '
                f"Add yourself: `sudo usermod -aG {group} $USER`, then log out and back in: the "
                "group applies only to new logins. Do not run VS Code or devcontainers with sudo."
            )
            extra.append(("in the group", f"no ({group})"))
        return self.finding(
            Status.FAIL,
            "permission-denied",
            summary,
            subject=state.endpoint.url,
            detail=detail,
            evidence=_evidence(state, *extra),
        )

    def _not_answering(self, host: Host, state: EngineState) -> Finding:
        probe = state.probe
        starting = probe.state is ProbeState.SILENT
        if host.platform in (Platform.WINDOWS, Platform.WSL, Platform.MACOS) or (
            installed(host).desktop
        ):
            detail = (
                "Docker Desktop accepts connections, but its engine does not answer: it is "
                "starting (wait a minute, then run devdoctor again) or stuck. If it stays like "
                "this, quit Docker Desktop (whale icon > Quit Docker Desktop) and start it again"
                + (
                    "; if that does not help, run `wsl --shutdown` in PowerShell first."
                    if host.platform in (Platform.WINDOWS, Platform.WSL)
                    else "."
                )
            )
        else:
            detail = (
                "dockerd accepts connections but does not answer: it is starting or hung. "
                "`sudo systemctl restart docker` restarts it; `sudo journalctl -u docker` "
                "says what it is doing."
            )
        summary = (
            "Docker accepts connections but does not answer (starting, or stuck)"
            if starting
            else "Docker answers, but not with a working engine"
        )
        return self.finding(
            Status.FAIL,
            "not-answering",
            summary,
            subject=state.endpoint.url,
            detail=f"{probe.detail}. {detail}",
            evidence=_evidence(state),
        )

    def _api_error(self, state: EngineState) -> Finding:
        return self.finding(
            Status.FAIL,
            "api-error",
            f"Docker answers, but refused devdoctor's questions: {state.error}",
            subject=state.endpoint.url,
            detail="The engine is there but `info` failed. Run `docker info`: if it fails the "
            "same way, restart Docker; if it works, tell the course staff (this may be a "
            "devdoctor bug).",
            evidence=_evidence(state, ("API version asked", state.api_version or "?")),
        )

    def _running(self, host: Host, state: EngineState) -> Iterator[Finding]:
        info = state.info or {}
        endpoint = state.endpoint
        kind = engine_kind(info)
        facts = _evidence(
            state,
            ("engine", kind),
            ("API version", f"{state.api_version} (the engine offers {state.probe.api_version})"),
            ("system", f"{info.get('OperatingSystem', '?')} ({info.get('Architecture', '?')})"),
            ("kernel", str(info.get("KernelVersion", "?"))),
        )
        yield self.finding(
            Status.OK,
            "running",
            f"{kind} answers at {endpoint.url}",
            subject=endpoint.url,
            evidence=facts,
        )
        if not endpoint.cli_default:
            others = [ep.url for ep, _ in state.others if ep.cli_default]
            where = others[0] if others else "the default socket"
            yield self.finding(
                Status.WARN,
                "cli-cannot-find",
                f"Docker answers at {endpoint.url}, but the docker CLI looks at {where}",
                subject=endpoint.url,
                detail="No docker context is chosen, so the docker CLI, and VS Code through it, "
                f"use {where}, where nothing answers. "
                + (
                    "Run `docker context use desktop-linux` (Docker Desktop makes that context)."
                    if is_docker_desktop(info)
                    else f"Point the CLI at it: `docker context create here --docker "
                    f"host={_shell_url(host, endpoint.url)}` then `docker context use here`."
                ),
                evidence=facts,
            )
