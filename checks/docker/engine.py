"""The run's one look at the Docker engine: which endpoint answers, at which API version, and
what it says about itself (GET /info), shared by every check through host.fact.

The endpoint comes from endpoint.py (the docker CLI's order), the first look from probe.py (a
bounded GET /_ping), the questions from api.py (http.client, capped in bytes and time). The
API version is the engine's own from the ping, at most API_CAP: Docker 29 refuses clients older
than API 1.44, Docker 20.10 knows at most 1.41, so no single pinned version serves both.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from devdoctor import Host
from devdoctor.lazy import LazyPattern

from .api import CLIENT_TIMEOUT, Api, ApiError, Target
from .endpoint import Endpoint, connectable, endpoints, platform_defaults, socket_path
from .probe import Probe, ProbeState, probe, tcp_target

API_CAP = "1.45"
"""The newest Engine API devdoctor asks for (docker-py 7's default); older engines get theirs."""
API_FALLBACK = "1.41"
_VERSION_IN_ERROR = LazyPattern(r"(?:Maximum|Minimum) supported API version is (\d+\.\d+)")


class EngineState(NamedTuple):
    """The run's one look at the engine: endpoint, probe, and (when it answers) its info."""

    endpoint: Endpoint
    probe: Probe
    info: dict[str, Any] | None = None
    api: Api | None = None
    error: str | None = None
    api_version: str | None = None
    others: tuple[tuple[Endpoint, Probe], ...] = ()

    @property
    def answers(self) -> bool:
        """The engine answered GET /info: checks may ask it more (through `api`)."""
        return self.info is not None and self.api is not None


# -- the engine: one probe, one info per run ----------------------------------------------------


def engine(host: Host) -> EngineState:
    """The run's shared look at the engine (computed once, whoever asks first)."""
    return host.fact("docker.engine", _connect)


def _connect(host: Host) -> EngineState:
    candidates = endpoints(host)
    first = candidates[0]
    if first.problem:
        others = tuple((ep, probe(host, ep)) for ep in platform_defaults(host, ()))
        return EngineState(first, Probe(ProbeState.UNPROBED, first.problem), others=others)
    probed: list[tuple[Endpoint, Probe]] = []
    for endpoint in candidates:
        result = probe(host, endpoint)
        probed.append((endpoint, result))
        if result.state in (ProbeState.ANSWERS, ProbeState.UNPROBED):
            break
    chosen = _choose(probed)
    others = tuple(pair for pair in probed if pair[0] is not chosen[0])
    if first.context and chosen[1].state is ProbeState.MISSING:
        # A context that points at nothing: does the engine answer where the CLI would default?
        others += tuple(
            (ep, probe(host, ep)) for ep in platform_defaults(host, ()) if ep.url != chosen[0].url
        )
    endpoint, result = chosen
    if result.state not in (ProbeState.ANSWERS, ProbeState.UNPROBED):
        return EngineState(endpoint, result, others=others)
    if endpoint.scheme == "npipe" and result.state is ProbeState.UNPROBED:
        return EngineState(endpoint, result, others=others)
    return _ask_info(host, endpoint, result, others)


def _choose(probed: list[tuple[Endpoint, Probe]]) -> tuple[Endpoint, Probe]:
    """The endpoint that answers; else the first that exists at all; else the CLI's own."""
    for pair in probed:
        if pair[1].state in (ProbeState.ANSWERS, ProbeState.UNPROBED):
            return pair
    for pair in probed:
        if pair[1].state is not ProbeState.MISSING:
            return pair
    for pair in probed:
        if pair[0].cli_default:
            return pair
    return probed[0]


def _version_key(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return (0,)


def api_version_for(ping_version: str | None) -> str:
    """The API version to ask for: the engine's own, at most API_CAP."""
    if not ping_version or _version_key(ping_version) == (0,):
        return API_FALLBACK
    if _version_key(ping_version) > _version_key(API_CAP):
        return API_CAP
    return ping_version


def _asker(host: Host, endpoint: Endpoint, version: str) -> Api:
    """http.client for unix:// and plain tcp://; the docker SDK for TLS, pipes and ssh."""
    if endpoint.scheme == "unix":
        return Api(Target(unix=connectable(socket_path(host, endpoint))), version, CLIENT_TIMEOUT)
    target = tcp_target(endpoint) if endpoint.scheme == "tcp" else None
    if isinstance(target, Target) and endpoint.tls is None:
        return Api(target, version, CLIENT_TIMEOUT)
    from .client import SdkApi, engine_error, is_engine_error, make_client

    try:
        return SdkApi(make_client(host, endpoint, version), version)
    except Exception as exc:
        if not is_engine_error(exc):
            raise
        raise ApiError(engine_error(exc)) from None


def _ask_info(
    host: Host, endpoint: Endpoint, result: Probe, others: tuple[tuple[Endpoint, Probe], ...]
) -> EngineState:
    version = api_version_for(result.api_version)
    error = ""
    for _attempt in range(2):
        try:
            asker = _asker(host, endpoint, version)
            info = asker.info()
        except ApiError as exc:
            error = str(exc)
            match = _VERSION_IN_ERROR.search(error)
            if match and match.group(1) != version:
                version = match.group(1)
                continue
            break
        except OSError as exc:
            error = _one_line(exc)
            break
        return EngineState(
            endpoint, result, info=info, api=asker, api_version=version, others=others
        )
    return EngineState(endpoint, result, error=error, api_version=version, others=others)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


# -- what the answer says -----------------------------------------------------------------------


def is_docker_desktop(info: dict[str, Any]) -> bool:
    """Docker Desktop's engine (on any platform), from its info() signature."""
    labels = info.get("Labels") or []
    return (
        info.get("OperatingSystem") == "Docker Desktop"
        or info.get("Name") == "docker-desktop"
        or any(isinstance(lb, str) and lb.startswith("com.docker.desktop.") for lb in labels)
    )


def is_wsl2_backend(info: dict[str, Any]) -> bool:
    """The engine runs in WSL 2's VM (Docker Desktop's WSL 2 engine, or dockerd in a distro).

    There, memory and swap are what .wslconfig gives the VM, not an engine setting.
    """
    kernel = str(info.get("KernelVersion") or "").lower()
    return "microsoft-standard" in kernel or "wsl2" in kernel


def engine_kind(info: dict[str, Any]) -> str:
    """ "Docker Desktop 29.6.2" or "Docker Engine 20.10.24+dfsg1" and the like."""
    version = str(info.get("ServerVersion") or "?")
    system = str(info.get("OperatingSystem") or "")
    if is_docker_desktop(info):
        return f"Docker Desktop (engine {version})"
    for other in ("OrbStack", "Rancher Desktop", "colima"):
        if other.lower() in (system + " " + str(info.get("Name") or "")).lower():
            return f"{other} (engine {version})"
    return f"Docker Engine {version}"


def report_lines(host: Host) -> list[tuple[str, str]]:
    """The report header's Docker line: the engine's version and kind, or why there is none."""
    state = engine(host)
    if not state.answers or state.info is None:
        return [("Docker Engine", f"not answering ({state.probe.state.value})")]
    version = str(state.info.get("ServerVersion") or "unknown")
    return [("Docker Engine", f"{version}, {engine_kind(state.info)}")]
