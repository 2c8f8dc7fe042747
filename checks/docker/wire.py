"""HTTP/1.1 over a socket with one deadline and a byte cap: http.client, bounded.

Kept apart from api.py so that a check whose engine is not even there (no socket) never pays
for importing http.client (and the email and ssl modules it brings).
"""

from __future__ import annotations

import http.client
import socket
import time
from typing import Any

from .api import ANSWER_LIMIT, CHUNK, Answer, ApiError, DeadlinePassed, Target


class _DeadlineSocket(socket.socket):
    """A socket whose every read and write gives up at one deadline, however slow the peer."""

    deadline = float("inf")

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return left

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self.settimeout(self._remaining())
        return super().recv_into(buffer, nbytes, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.settimeout(self._remaining())
        super().sendall(data, flags)


class Connection(http.client.HTTPConnection):
    """http.client on a Unix socket or TCP, its socket bound to the exchange's deadline."""

    def __init__(self, target: Target, seconds: float) -> None:
        super().__init__(target.host or "localhost", target.port or None)
        self.target = target
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def connect(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        if self.target.unix is not None:
            sock = _DeadlineSocket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(left)
                sock.connect(self.target.unix)
            except BaseException:
                sock.close()
                raise
        else:
            plain = socket.create_connection((self.target.host, self.target.port), timeout=left)
            sock = _DeadlineSocket(plain.family, plain.type, plain.proto, plain.detach())
        sock.deadline = self.deadline
        self.sock = sock


def connect(target: Target, timeout: float) -> Connection:
    """An open connection (raises OSError: FileNotFoundError, ConnectionRefusedError, ...)."""
    conn = Connection(target, timeout)
    conn.connect()
    return conn


def exchange(conn: Connection, method: str, path: str, limit: int = ANSWER_LIMIT) -> Answer:
    """Send one request on an open connection and read the whole answer, within its deadline.

    Raises DeadlinePassed, ApiError (too large, not HTTP, cut short) or OSError.
    """
    try:
        conn.request(method, path, headers={"Host": "docker", "User-Agent": "devdoctor"})
        response = conn.getresponse()
        body = _read_capped(response, method, path, limit)
    except TimeoutError:
        raise DeadlinePassed(
            f"{method} {path}: no complete answer within {conn.seconds:g} s"
        ) from None
    except http.client.RemoteDisconnected:
        raise ApiError(
            f"{method} {path}: the engine closed the connection without answering"
        ) from None
    except http.client.BadStatusLine as exc:
        line = str(exc.args[0] if exc.args else "").strip()[:60]
        raise ApiError(f"{method} {path}: the answer is not HTTP: {line!r}") from None
    except http.client.LineTooLong:
        raise ApiError(f"{method} {path}: the answer has a line longer than 64 KiB") from None
    except http.client.IncompleteRead:
        raise ApiError(f"{method} {path}: the answer was cut short") from None
    except http.client.HTTPException as exc:
        text = str(exc) or type(exc).__name__
        raise ApiError(f"{method} {path}: the answer is not valid HTTP ({text[:100]})") from None
    finally:
        conn.close()
    headers = {name.lower(): value for name, value in response.getheaders()}
    return Answer(response.status, response.reason, headers, body)


def _read_capped(response: http.client.HTTPResponse, method: str, path: str, limit: int) -> bytes:
    """The body, or ApiError as soon as it is known to be larger than `limit`."""
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise ApiError(
            f"{method} {path}: the answer is {int(declared)} bytes, more than the {size} "
            "devdoctor reads"
        )
    body = bytearray()
    while True:
        chunk = response.read(min(CHUNK, limit + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            raise ApiError(f"{method} {path}: the answer goes on past the {size} devdoctor reads")
