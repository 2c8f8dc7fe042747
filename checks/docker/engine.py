"""Reaching the Docker engine the way the docker CLI does, without ever hanging on it.

VS Code's Dev Containers extension drives the docker CLI, so devdoctor must look where the CLI
looks: DOCKER_HOST (which makes the CLI use its "default" context, ignoring DOCKER_CONTEXT, as
docker/cli's `resolveContextName` does), DOCKER_CONTEXT, the current context in
DOCKER_CONFIG/config.json and its contexts/meta/<sha256(name)>/meta.json, then the platform's
own sockets and pipes. The endpoint is probed with a raw socket and a bounded `GET /_ping`
before the docker package is imported, so a missing, stale, forbidden or wedged socket is told
apart in two seconds. Only then is one client built, with an API version the engine accepts and
a short timeout, and `info()` asked once per run; every check shares the answer.

Under --root, context files and the platform's default sockets are looked for under the root;
a socket named by DOCKER_HOST is a live address of this session, used as written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import hashlib
import json
import os
import re
import socket
import stat
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from devdoctor import Host, Platform

PROBE_TIMEOUT = 2.0
"""Seconds a socket may take to accept and answer GET /_ping: Docker answers in milliseconds."""
CLIENT_TIMEOUT = 5.0
"""The docker client's per-request timeout, once the ping has answered."""
API_CAP = "1.45"
"""The newest Engine API devdoctor asks for (docker-py 7's default); older engines get theirs.

Docker 29 refuses clients older than API 1.44, Docker 20.10 knows at most 1.41: no single
pinned version serves both, so the version is the engine's own (from the ping), capped here.
"""
API_FALLBACK = "1.41"
PING_LIMIT = 64 * 1024
CONFIG_LIMIT = 256 * 1024

ON_WINDOWS = sys.platform == "win32"
_VERSION_IN_ERROR = re.compile(r"(?:Maximum|Minimum) supported API version is (\d+\.\d+)")
_UNIX_PATH_MAX = 107


class ProbeState(str, enum.Enum):
    """What a raw look at the endpoint found, before any docker client exists."""

    ANSWERS = "answers"  # GET /_ping answered 200 OK
    MISSING = "missing"  # no socket file, no pipe
    REFUSED = "refused"  # a socket file nobody listens on (stale: Docker stopped or crashed)
    DENIED = "denied"  # the socket exists but this user may not open it
    SILENT = "silent"  # accepted the connection and never answered (starting or wedged)
    BROKEN = "broken"  # answered, but not with the engine's 200 OK
    UNPROBED = "unprobed"  # ssh://, a TLS endpoint, or a Windows pipe seen from elsewhere


@dataclass(frozen=True)
class TlsFiles:
    """Client certificates for a tcp:// endpoint (paths are host paths; they are not secrets)."""

    ca: str | None
    cert: str | None
    key: str | None
    verify: bool


@dataclass(frozen=True)
class Endpoint:
    """Where the engine should be, and why devdoctor looked there."""

    url: str
    why: str
    context: str | None = None
    tls: TlsFiles | None = None
    problem: str | None = None  # the context itself cannot be used (bad-context)
    notes: tuple[str, ...] = ()
    live: bool = False  # a DOCKER_HOST socket: used as written, even under --root
    cli_default: bool = True  # the docker CLI uses this endpoint too (not only a fallback)

    @property
    def scheme(self) -> str:
        """unix, npipe, tcp, ssh, ..."""
        return self.url.partition("://")[0].lower()

    @property
    def address(self) -> str:
        """The socket or pipe path, or host:port."""
        rest = self.url.partition("://")[2]
        if self.scheme == "npipe":
            return rest.replace("/", "\\")
        return rest


@dataclass(frozen=True)
class Probe:
    """The raw probe's answer, with how long it took."""

    state: ProbeState
    detail: str
    seconds: float = 0.0
    path: str = ""
    api_version: str | None = None
    server: str | None = None
    status: int | None = None
    socket_group: int | None = None


@dataclass(frozen=True)
class Installed:
    """Signs of Docker on this machine, for telling "not installed" from "not running"."""

    found: tuple[str, ...] = ()
    desktop: bool = False
    engine: bool = False
    cli: str | None = None

    @property
    def anything(self) -> bool:
        """Whether any sign of Docker was found."""
        return bool(self.found)


@dataclass(frozen=True)
class EngineState:
    """The run's one look at the engine: endpoint, probe, and (when it answers) info()."""

    endpoint: Endpoint
    probe: Probe
    info: dict[str, Any] | None = None
    client: Any = None
    error: str | None = None
    api_version: str | None = None
    others: tuple[tuple[Endpoint, Probe], ...] = field(default=())

    @property
    def answers(self) -> bool:
        """The engine answered info(): checks may ask it things."""
        return self.info is not None and self.client is not None


# -- where the engine is ------------------------------------------------------------------------


def config_dir(host: Host) -> str | None:
    """DOCKER_CONFIG, else ~/.docker (a host path), or None without a home."""
    given = host.env.get("DOCKER_CONFIG", "").strip()
    if given:
        return given
    home = host.home
    if not home:
        return None
    sep = "\\" if host.platform is Platform.WINDOWS else "/"
    return home.rstrip("\\/") + sep + ".docker"


def _join(host: Host, *parts: str) -> str:
    sep = "\\" if host.platform is Platform.WINDOWS else "/"
    return sep.join([parts[0].rstrip("\\/"), *parts[1:]])


def context_id(name: str) -> str:
    """The folder name the docker CLI gives a context: sha256 of its name."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _read_json(host: Host, path: str) -> tuple[Any, str | None]:
    """A JSON file's value, or why it cannot be read ("missing" when absent)."""
    try:
        data, truncated = host.read_bytes(path, limit=CONFIG_LIMIT)
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror or exc}"
    if truncated:
        return None, f"larger than {CONFIG_LIMIT // 1024} KiB"
    try:
        return json.loads(data.decode("utf-8-sig")), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"not valid JSON: {exc}"


def endpoints(host: Host) -> list[Endpoint]:
    """Where to look, in the docker CLI's order; several only for the platform's defaults."""
    return host.fact("docker.endpoints", _resolve)


def _resolve(host: Host) -> list[Endpoint]:
    docker_host = host.env.get("DOCKER_HOST", "").strip()
    named = host.env.get("DOCKER_CONTEXT", "").strip()
    folder = config_dir(host)
    if docker_host:
        notes: tuple[str, ...] = ()
        if named and named != "default":
            notes = (
                f"DOCKER_CONTEXT={named} is ignored: DOCKER_HOST is set, and the docker CLI "
                "then uses DOCKER_HOST (its default context)",
            )
        url = normalise_host(docker_host)
        return [
            Endpoint(
                url=url,
                why="DOCKER_HOST",
                tls=_env_tls(host, folder) if url.startswith("tcp://") else None,
                notes=notes,
                live=True,
            )
        ]
    notes = ()
    name: str | None = named
    why = f"DOCKER_CONTEXT={named}"
    if not named:
        name, why, notes = _current_context(host, folder)
    if name and name != "default":
        return [_from_context(host, folder, name, why, notes)]
    return _defaults(host, notes)


def normalise_host(value: str) -> str:
    """DOCKER_HOST as the CLI reads it: no scheme means tcp://; `unix://` alone is the default."""
    if "://" not in value:
        return f"tcp://{value}"
    scheme, _, rest = value.partition("://")
    scheme = scheme.lower()
    if scheme in ("http", "https"):
        scheme = "tcp"
    if scheme == "unix" and not rest:
        rest = "/var/run/docker.sock"
    return f"{scheme}://{rest}"


def _current_context(host: Host, folder: str | None) -> tuple[str | None, str, tuple[str, ...]]:
    if folder is None:
        return None, "", ("no home folder, so no ~/.docker/config.json",)
    path = _join(host, folder, "config.json")
    data, problem = _read_json(host, path)
    if problem == "missing":
        return None, "", ()
    if problem or not isinstance(data, dict):
        why = problem or "not a JSON object"
        return None, "", (f"{path}: {why}; the docker CLI warns and uses its default context",)
    current = data.get("currentContext")
    if isinstance(current, str) and current:
        return current, f"the current context in {path}", ()
    return None, "", ()


def _from_context(
    host: Host, folder: str | None, name: str, why: str, notes: tuple[str, ...]
) -> Endpoint:
    why = f'context "{name}" ({why})'
    if folder is None:
        return Endpoint(url="", why=why, context=name, problem="there is no ~/.docker folder")
    meta = _join(host, folder, "contexts", "meta", context_id(name), "meta.json")
    data, problem = _read_json(host, meta)
    if problem == "missing":
        return Endpoint(
            url="",
            why=why,
            context=name,
            problem=f'there is no context "{name}"',
            notes=(*notes, f"no {meta}"),
        )
    if problem:
        return Endpoint(url="", why=why, context=name, problem=f"{meta}: {problem}", notes=notes)
    docker_ep = data.get("Endpoints", {}).get("docker") if isinstance(data, dict) else None
    url = docker_ep.get("Host") if isinstance(docker_ep, dict) else None
    if not isinstance(url, str) or not url:
        return Endpoint(
            url="",
            why=why,
            context=name,
            problem=f'context "{name}" has no docker endpoint in {meta}',
            notes=notes,
        )
    url = normalise_host(url)
    tls = None
    if url.startswith("tcp://"):
        skip = bool(docker_ep.get("SkipTLSVerify", False)) if isinstance(docker_ep, dict) else False
        tls = _context_tls(host, folder, name, verify=not skip)
    return Endpoint(url=url, why=why, context=name, tls=tls, notes=notes)


def _context_tls(host: Host, folder: str, name: str, *, verify: bool) -> TlsFiles | None:
    tls_dir = _join(host, folder, "contexts", "tls", context_id(name), "docker")
    files: dict[str, str] = {}
    for entry in host.listdir(tls_dir):
        for kind in ("ca", "cert", "key"):
            if entry.startswith(kind):
                files[kind] = _join(host, tls_dir, entry)
    if not files:
        return None
    return TlsFiles(files.get("ca"), files.get("cert"), files.get("key"), verify)


def _env_tls(host: Host, folder: str | None) -> TlsFiles | None:
    verify = host.env.get("DOCKER_TLS_VERIFY", "") not in ("", "0", "false")
    cert_path = host.env.get("DOCKER_CERT_PATH", "") or folder
    if not verify and not host.env.get("DOCKER_CERT_PATH"):
        return None
    if cert_path is None:
        return None
    return TlsFiles(
        _join(host, cert_path, "ca.pem"),
        _join(host, cert_path, "cert.pem"),
        _join(host, cert_path, "key.pem"),
        verify,
    )


def _defaults(host: Host, notes: tuple[str, ...]) -> list[Endpoint]:
    """The platform's sockets and pipes, the docker CLI's own default first."""
    home = (host.home or "").rstrip("\\/")
    why_cli = "no context is chosen: the docker CLI's default"
    why_extra = "no context is chosen: "
    if host.platform is Platform.WINDOWS:
        return [
            Endpoint(
                "npipe:////./pipe/dockerDesktopLinuxEngine",
                why_extra + "Docker Desktop's pipe",
                notes=notes,
                cli_default=False,
            ),
            Endpoint("npipe:////./pipe/docker_engine", why_cli, notes=notes),
        ]
    system = Endpoint("unix:///var/run/docker.sock", why_cli, notes=notes)
    if host.platform is Platform.MACOS:
        return [
            Endpoint(
                f"unix://{home}/.docker/run/docker.sock",
                why_extra + "Docker Desktop's socket",
                notes=notes,
                cli_default=False,
            ),
            system,
        ]
    if host.platform is Platform.LINUX and home:
        return [
            system,
            Endpoint(
                f"unix://{home}/.docker/desktop/docker.sock",
                why_extra + "Docker Desktop for Linux's socket",
                notes=notes,
                cli_default=False,
            ),
        ]
    return [system]


# -- the raw probe -------------------------------------------------------------------------------


def socket_path(host: Host, endpoint: Endpoint) -> str:
    """The real file behind a unix:// endpoint."""
    path = endpoint.address
    return path if endpoint.live else str(host.real(path))


def probe(host: Host, endpoint: Endpoint, timeout: float = PROBE_TIMEOUT) -> Probe:
    """Look at the endpoint without the docker package; never longer than `timeout`."""
    start = time.monotonic()
    scheme = endpoint.scheme
    if scheme == "unix":
        result = _probe_unix(socket_path(host, endpoint), endpoint.address, timeout)
    elif scheme == "tcp":
        result = _probe_tcp(endpoint, timeout)
    elif scheme == "npipe":
        result = _probe_pipe(host, endpoint)
    else:
        result = Probe(
            ProbeState.UNPROBED,
            f"devdoctor does not probe {scheme}:// endpoints; `docker info` tells whether it works",
        )
    return dataclasses.replace(result, seconds=time.monotonic() - start)


def _probe_unix(path: str, shown: str, timeout: float) -> Probe:
    """Probe the socket file at `path`; messages name it `shown` (the host path)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return Probe(ProbeState.MISSING, f"{shown} does not exist", path=path)
    except PermissionError:
        return Probe(
            ProbeState.DENIED, f"cannot even look at {shown}: permission denied", path=path
        )
    except OSError as exc:
        return Probe(ProbeState.MISSING, f"{shown}: {exc.strerror}", path=path)
    group = info.st_gid
    if not stat.S_ISSOCK(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a file"
        return Probe(
            ProbeState.REFUSED, f"{shown} is {kind}, not a socket", path=path, socket_group=group
        )
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        result = _connect_and_ping(sock, _connectable(path), shown, timeout, group)
    finally:
        sock.close()
    return dataclasses.replace(result, path=path)


def _connectable(path: str) -> str:
    """A path connect() accepts: long ones (deep --root trees) go through /proc/self/fd."""
    if len(path.encode()) <= _UNIX_PATH_MAX or not os.path.isdir("/proc/self/fd"):
        return path
    folder = os.open(os.path.dirname(path), os.O_RDONLY)
    # The descriptor stays open for the process's life; this happens at most once per run.
    return f"/proc/self/fd/{folder}/{os.path.basename(path)}"


def _connect_and_ping(
    sock: socket.socket, address: Any, shown: str, timeout: float, group: int | None = None
) -> Probe:
    deadline = time.monotonic() + timeout
    try:
        sock.connect(address)
    except FileNotFoundError:
        return Probe(ProbeState.MISSING, f"{shown} does not exist", path=shown)
    except ConnectionRefusedError:
        return Probe(
            ProbeState.REFUSED,
            f"{shown} exists but nothing listens on it (connection refused)",
            path=shown,
            socket_group=group,
        )
    except PermissionError:
        return Probe(
            ProbeState.DENIED,
            f"permission denied opening {shown}",
            path=shown,
            socket_group=group,
        )
    except TimeoutError:
        return Probe(
            ProbeState.SILENT,
            f"{shown} did not accept a connection within {timeout:g} s",
            path=shown,
            socket_group=group,
        )
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            return Probe(ProbeState.DENIED, f"permission denied opening {shown}", path=shown)
        if exc.errno in (errno.ECONNREFUSED, errno.ENOTSOCK):
            return Probe(ProbeState.REFUSED, f"{shown}: {exc.strerror}", path=shown)
        return Probe(ProbeState.REFUSED, f"cannot connect to {shown}: {exc.strerror}", path=shown)
    return _ping(sock, shown, deadline, timeout, group)


def _ping(
    sock: socket.socket, shown: str, deadline: float, timeout: float, group: int | None
) -> Probe:
    request = (
        b"GET /_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: devdoctor\r\nConnection: close\r\n\r\n"
    )
    data = b""
    try:
        sock.sendall(request)
        while len(data) < PING_LIMIT and not _complete(data):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        return Probe(
            ProbeState.SILENT,
            f"{shown} accepted the connection but did not answer GET /_ping within {timeout:g} s",
            path=shown,
            socket_group=group,
        )
    except OSError as exc:
        return Probe(
            ProbeState.BROKEN,
            f"{shown} accepted the connection, then failed: {exc.strerror or exc}",
            path=shown,
            socket_group=group,
        )
    return _parse_ping(data, shown, group)


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    return match is not None and len(body) >= int(match.group(1))


def _parse_ping(data: bytes, shown: str, group: int | None) -> Probe:
    if not data:
        return Probe(
            ProbeState.BROKEN,
            f"{shown} accepted the connection and closed it without answering",
            path=shown,
            socket_group=group,
        )
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return Probe(
            ProbeState.BROKEN,
            f"{shown} answered something that is not HTTP: {lines[0][:60]!r}",
            path=shown,
            socket_group=group,
        )
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(parts[1])
    api = headers.get("api-version")
    server = headers.get("server")
    if status != 200:
        text = body.decode("utf-8", errors="replace").strip()[:200]
        return Probe(
            ProbeState.BROKEN,
            f"{shown} answered GET /_ping with HTTP {status}" + (f": {text}" if text else ""),
            path=shown,
            api_version=api,
            server=server,
            status=status,
            socket_group=group,
        )
    return Probe(
        ProbeState.ANSWERS,
        f"{shown} answered GET /_ping",
        path=shown,
        api_version=api,
        server=server,
        status=status,
        socket_group=group,
    )


def _probe_tcp(endpoint: Endpoint, timeout: float) -> Probe:
    hostname, _, port_text = endpoint.address.rstrip("/").rpartition(":")
    if not hostname:
        hostname, port_text = port_text, ("2376" if endpoint.tls else "2375")
    try:
        port = int(port_text)
    except ValueError:
        return Probe(ProbeState.MISSING, f"{endpoint.url}: {port_text!r} is not a port number")
    hostname = hostname.strip("[]")
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((hostname, port), timeout=timeout)
    except ConnectionRefusedError:
        return Probe(ProbeState.REFUSED, f"{endpoint.url}: connection refused")
    except TimeoutError:
        return Probe(ProbeState.SILENT, f"{endpoint.url}: no connection within {timeout:g} s")
    except OSError as exc:
        return Probe(ProbeState.MISSING, f"{endpoint.url}: {exc.strerror or exc}")
    with sock:
        if endpoint.tls is not None:
            return Probe(
                ProbeState.UNPROBED,
                f"{endpoint.url} accepts connections (TLS: the client checks the rest)",
            )
        return _ping(sock, endpoint.url, deadline, timeout, None)


def _probe_pipe(host: Host, endpoint: Endpoint) -> Probe:
    path = endpoint.address
    if not ON_WINDOWS or host.root is not None:
        return Probe(
            ProbeState.UNPROBED, f"{path} is a Windows pipe; it can be opened only on Windows"
        )
    try:
        handle = open(path, "r+b", buffering=0)  # noqa: SIM115 - closed at once
    except FileNotFoundError:
        return Probe(ProbeState.MISSING, f"{path} does not exist", path=path)
    except PermissionError:
        return Probe(ProbeState.DENIED, f"permission denied opening {path}", path=path)
    except OSError as exc:
        if getattr(exc, "winerror", None) == 231:  # all pipe instances are busy: it exists
            return Probe(ProbeState.ANSWERS, f"{path} exists (busy)", path=path)
        return Probe(ProbeState.REFUSED, f"cannot open {path}: {exc}", path=path)
    handle.close()
    return Probe(ProbeState.ANSWERS, f"{path} can be opened", path=path)


# -- the engine: one probe, one client, one info() per run ---------------------------------------


def engine(host: Host) -> EngineState:
    """The run's shared look at the engine (computed once, whoever asks first)."""
    return host.fact("docker.engine", _connect)


def _connect(host: Host) -> EngineState:
    candidates = endpoints(host)
    first = candidates[0]
    if first.problem:
        others = tuple((ep, probe(host, ep)) for ep in _defaults(host, ()))
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
            (ep, probe(host, ep)) for ep in _defaults(host, ()) if ep.url != chosen[0].url
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


def client_url(host: Host, endpoint: Endpoint) -> str:
    """The base_url for docker.DockerClient: the real socket file under --root."""
    if endpoint.scheme == "unix":
        return f"unix://{_connectable(socket_path(host, endpoint))}"
    return endpoint.url


def make_client(host: Host, endpoint: Endpoint, version: str) -> Any:
    """A docker client for exactly this endpoint (never docker.from_env)."""
    import docker

    tls: Any = None
    if endpoint.tls is not None:
        from docker.tls import TLSConfig

        cert = endpoint.tls
        pair = (
            (str(host.real(cert.cert)), str(host.real(cert.key)))
            if cert.cert and cert.key
            else None
        )
        tls = TLSConfig(
            client_cert=pair,
            ca_cert=str(host.real(cert.ca)) if cert.ca else None,
            verify=cert.verify,
        )
    return docker.DockerClient(
        base_url=client_url(host, endpoint),
        version=version,
        timeout=CLIENT_TIMEOUT,
        tls=tls if tls is not None else False,
    )


def _ask_info(
    host: Host, endpoint: Endpoint, result: Probe, others: tuple[tuple[Endpoint, Probe], ...]
) -> EngineState:
    from docker.errors import APIError, DockerException

    version = api_version_for(result.api_version)
    error = ""
    for _attempt in range(2):
        try:
            client = make_client(host, endpoint, version)
        except DockerException as exc:
            return EngineState(endpoint, result, error=_one_line(exc), others=others)
        try:
            info = client.info()
        except APIError as exc:
            client.close()
            error = _one_line(exc)
            match = _VERSION_IN_ERROR.search(str(exc))
            if match and match.group(1) != version:
                version = match.group(1)
                continue
            break
        except (DockerException, OSError) as exc:  # requests' errors are OSErrors too
            client.close()
            error = _one_line(exc)
            break
        if not isinstance(info, dict):
            client.close()
            error = "info() did not return an object"
            break
        return EngineState(
            endpoint, result, info=info, client=client, api_version=version, others=others
        )
    return EngineState(endpoint, result, error=error, api_version=version, others=others)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def client(host: Host) -> Any:
    """The shared docker client, or None when the engine does not answer."""
    state = engine(host)
    return state.client if state.answers else None


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


# -- is Docker there at all? ---------------------------------------------------------------------


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


# -- who may open the socket ---------------------------------------------------------------------


def group_name(host: Host, gid: int) -> str | None:
    """The name of a group id, from the host's /etc/group."""
    for name, number, _members in _groups(host):
        if number == gid:
            return name
    return None


def listed_in_group(host: Host, gid: int, user: str) -> bool:
    """Whether /etc/group lists the user in the group (a new login then gives it to them)."""
    return any(number == gid and user in members for _name, number, members in _groups(host))


def _groups(host: Host) -> list[tuple[str, int, tuple[str, ...]]]:
    try:
        data, _ = host.read_bytes("/etc/group", limit=1024 * 1024)
    except OSError:
        return []
    rows = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2].isdigit():
            rows.append((fields[0], int(fields[2]), tuple(m for m in fields[3].split(",") if m)))
    return rows


def current_user(host: Host) -> str:
    """The user devdoctor runs as: USER or LOGNAME, else the password database's name."""
    name = host.env.get("USER") or host.env.get("LOGNAME")
    if name:
        return name
    with contextlib.suppress(ImportError, KeyError, OSError):
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    return "you"


def process_groups() -> set[int]:
    """The groups this process has now (what a new login would change)."""
    if not hasattr(os, "getgroups"):
        return set()
    return {os.getegid(), *os.getgroups()}
