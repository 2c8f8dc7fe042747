"""The first look at an endpoint: does anything answer GET /_ping, and if not, why not.

A missing, stale, forbidden or wedged socket each needs its own advice, and telling them apart
must never take longer than PROBE_TIMEOUT: the probe is one bounded GET /_ping (api.py), before
any docker client exists.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
import sys
import time
from typing import TYPE_CHECKING, NamedTuple

from devdoctor import Host

from .api import PING_LIMIT, ApiError, DeadlinePassed, Target

if TYPE_CHECKING:
    from .wire import Connection
from .endpoint import Endpoint, connectable, socket_path

PROBE_TIMEOUT = 2.0
"""Seconds a socket may take to accept and answer GET /_ping: Docker answers in milliseconds."""

ON_WINDOWS = sys.platform == "win32"


class ProbeState(str, enum.Enum):
    """What a raw look at the endpoint found, before any docker client exists."""

    ANSWERS = "answers"  # GET /_ping answered 200 OK
    MISSING = "missing"  # no socket file, no pipe
    REFUSED = "refused"  # a socket file nobody listens on (stale: Docker stopped or crashed)
    DENIED = "denied"  # the socket exists but this user may not open it
    SILENT = "silent"  # accepted the connection and never answered (starting or wedged)
    BROKEN = "broken"  # answered, but not with the engine's 200 OK
    UNPROBED = "unprobed"  # ssh://, a TLS endpoint, or a Windows pipe seen from elsewhere


class Probe(NamedTuple):
    """The raw probe's answer, with how long it took."""

    state: ProbeState
    detail: str
    seconds: float = 0.0
    path: str = ""
    api_version: str | None = None
    server: str | None = None
    status: int | None = None
    socket_group: int | None = None


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
    return result._replace(seconds=time.monotonic() - start)


def tcp_target(endpoint: Endpoint) -> Target | str:
    """host and port of a tcp:// endpoint (the CLI's default port), or why there are none."""
    hostname, _, port_text = endpoint.address.rstrip("/").rpartition(":")
    if not hostname:
        hostname, port_text = port_text, ("2376" if endpoint.tls else "2375")
    try:
        port = int(port_text)
    except ValueError:
        return f"{endpoint.url}: {port_text!r} is not a port number"
    return Target(host=hostname.strip("[]"), port=port)


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
    result = _connect_and_ping(Target(unix=connectable(path)), shown, timeout, group)
    return result._replace(path=path)


def _connect_and_ping(target: Target, shown: str, timeout: float, group: int | None) -> Probe:
    try:
        conn = _connect(target, timeout)
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
            ProbeState.DENIED, f"permission denied opening {shown}", path=shown, socket_group=group
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
    return _ping(conn, shown, timeout, group)


def _ping(conn: Connection, shown: str, timeout: float, group: int | None) -> Probe:
    """GET /_ping on an open connection, told apart by how it fails."""
    try:
        from .wire import exchange

        answer = exchange(conn, "GET", "/_ping", PING_LIMIT)
    except DeadlinePassed:
        return Probe(
            ProbeState.SILENT,
            f"{shown} accepted the connection but did not answer GET /_ping within {timeout:g} s",
            path=shown,
            socket_group=group,
        )
    except ApiError as exc:
        return Probe(
            ProbeState.BROKEN, _ping_problem(shown, str(exc)), path=shown, socket_group=group
        )
    except OSError as exc:
        return Probe(
            ProbeState.BROKEN,
            f"{shown} accepted the connection, then failed: {exc.strerror or exc}",
            path=shown,
            socket_group=group,
        )
    api = answer.headers.get("api-version")
    server = answer.headers.get("server")
    if answer.status != 200:
        text = answer.body.decode("utf-8", errors="replace").strip()[:200]
        return Probe(
            ProbeState.BROKEN,
            f"{shown} answered GET /_ping with HTTP {answer.status}"
            + (f": {text}" if text else ""),
            path=shown,
            api_version=api,
            server=server,
            status=answer.status,
            socket_group=group,
        )
    return Probe(
        ProbeState.ANSWERS,
        f"{shown} answered GET /_ping",
        path=shown,
        api_version=api,
        server=server,
        status=answer.status,
        socket_group=group,
    )


def _ping_problem(shown: str, message: str) -> str:
    """api.py's words about GET /_ping, said about the socket."""
    what = message.removeprefix("GET /_ping: ")
    if what.startswith("the engine closed the connection without answering"):
        return f"{shown} accepted the connection and closed it without answering"
    if what.startswith("the answer is not HTTP: "):
        return f"{shown} answered something that is not HTTP: " + what.split(": ", 1)[1]
    return f"{shown} answered GET /_ping, but {what}"


def _probe_tcp(endpoint: Endpoint, timeout: float) -> Probe:
    target = tcp_target(endpoint)
    if isinstance(target, str):
        return Probe(ProbeState.MISSING, target)
    if endpoint.tls is not None:
        # TLS is the docker client's to check: only whether anything accepts is looked at.
        try:
            _connect(target, timeout).close()
        except OSError as exc:
            return _tcp_failed(endpoint, exc, timeout)
        return Probe(
            ProbeState.UNPROBED,
            f"{endpoint.url} accepts connections (TLS: the client checks the rest)",
        )
    try:
        conn = _connect(target, timeout)
    except OSError as exc:
        return _tcp_failed(endpoint, exc, timeout)
    return _ping(conn, endpoint.url, timeout, None)


def _tcp_failed(endpoint: Endpoint, exc: OSError, timeout: float) -> Probe:
    if isinstance(exc, ConnectionRefusedError):
        return Probe(ProbeState.REFUSED, f"{endpoint.url}: connection refused")
    if isinstance(exc, TimeoutError):
        return Probe(ProbeState.SILENT, f"{endpoint.url}: no connection within {timeout:g} s")
    return Probe(ProbeState.MISSING, f"{endpoint.url}: {exc.strerror or exc}")


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


def _connect(target: Target, timeout: float) -> Connection:
    """An open connection; http.client is imported only here, once a socket is there to try."""
    from .wire import connect

    return connect(target, timeout)
