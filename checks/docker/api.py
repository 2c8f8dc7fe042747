"""Asking the Docker engine read-only questions over its socket, with the standard library only.

Docker's API is HTTP/1.1 on a Unix socket (or TCP). http.client speaks it; what it lacks is a
bound on a hostile or wedged engine, so every answer here is capped twice: in bytes (the engine
cannot make devdoctor hold more than ANSWER_LIMIT) and in time (one deadline for the whole
exchange, enforced on every read, so an engine that drips a byte a second ends as surely as one
that hangs). Importing the docker SDK costs more than a whole `devdoctor check`; only archives
and containers (checks/docker/client.py) need it.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, NamedTuple

ANSWER_LIMIT = 8 * 1024 * 1024
"""Bytes an answer body may have (docker info is a few KiB; thousands of containers fit)."""
PING_LIMIT = 64 * 1024
CLIENT_TIMEOUT = 5.0
"""Seconds one question may take, connection included, once the ping has answered."""
CHUNK = 64 * 1024


class ApiError(Exception):
    """The engine did not give a usable answer: the message says what happened, in one line."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class DeadlinePassed(ApiError):
    """No complete answer before the deadline."""


class Target(NamedTuple):
    """Where to connect: a Unix socket path (connectable, see endpoint.connectable) or TCP."""

    unix: str | None = None
    host: str = ""
    port: int = 0


class Answer(NamedTuple):
    """A complete answer: status, the headers devdoctor reads (lower-case names), the body."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


class Api:
    """The engine's read-only API at one version, one bounded connection per question.

    A connection per question keeps the checks (which run side by side) from sharing one; on a
    local socket a connection costs microseconds.
    """

    def __init__(self, target: Target, version: str, timeout: float) -> None:
        self.target = target
        self.version = version
        self.timeout = timeout

    def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        """GET /v<version><path>?params; the answer whatever its status."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        url = f"/v{self.version}{path}{query}"
        try:
            from . import wire  # http.client, only once there is an engine to ask

            conn = wire.connect(self.target, self.timeout)
        except TimeoutError:
            raise DeadlinePassed(f"GET {url}: no connection within {self.timeout:g} s") from None
        return wire.exchange(conn, "GET", url)

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON of a 200 answer; ApiError for any other status (its message included)."""
        answer = self.get(path, params)
        if answer.status != 200:
            raise ApiError(
                f"{answer.status} {answer.reason} for GET {path}: {_message(answer.body)}",
                status=answer.status,
            )
        try:
            return json.loads(answer.body)
        except ValueError:
            raise ApiError(f"GET {path}: the answer is not JSON") from None

    def _found(self, path: str) -> dict[str, Any] | None:
        try:
            found = self.get_json(path)
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return found if isinstance(found, dict) else {}

    def info(self) -> dict[str, Any]:
        """GET /info: what `docker info` shows."""
        found = self.get_json("/info")
        if not isinstance(found, dict):
            raise ApiError("GET /info: the answer is not an object")
        return found

    def volumes(self) -> list[dict[str, Any]]:
        """GET /volumes: every volume."""
        found = self.get_json("/volumes")
        rows = found.get("Volumes") if isinstance(found, dict) else None
        return [row for row in rows or [] if isinstance(row, dict)]

    def containers(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """GET /containers/json?all=1: every container, running or not, that matches."""
        params: dict[str, Any] = {"all": "1"}
        if filters:
            params["filters"] = json.dumps(
                {k: v if isinstance(v, list) else [v] for k, v in filters.items()}
            )
        found = self.get_json("/containers/json", params)
        return [row for row in found if isinstance(row, dict)] if isinstance(found, list) else []

    def inspect_volume(self, name: str) -> dict[str, Any] | None:
        """GET /volumes/NAME, or None when there is no such volume."""
        return self._found(f"/volumes/{urllib.parse.quote(name, safe='')}")

    def inspect_container(self, ident: str) -> dict[str, Any] | None:
        """GET /containers/ID/json, or None when it is gone."""
        return self._found(f"/containers/{urllib.parse.quote(ident, safe='')}/json")

    def inspect_image(self, name: str) -> dict[str, Any] | None:
        """GET /images/NAME/json, or None when the image is not on this engine."""
        return self._found(f"/images/{urllib.parse.quote(name, safe=':/@')}/json")


def _message(body: bytes) -> str:
    """The engine's error message ({"message": ...}), else the body's first line."""
    text = body[:2000].decode("utf-8", errors="replace")
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, dict) and isinstance(found.get("message"), str):
        text = found["message"]
    lines = text.strip().splitlines()
    return lines[0][:200] if lines else "(no message)"
