"""The docker SDK, for what only it does here: archives and containers (the home volume's reader
and its reset), and the endpoints api.py does not speak (TLS, Windows pipes, ssh).

`import docker` (with requests and urllib3) costs about 60 ms, half a whole `devdoctor check`,
so this module imports it only inside the functions that need it: a plain check never does.
"""

from __future__ import annotations

import sys
from typing import Any

from devdoctor import Host

from .api import CLIENT_TIMEOUT, Api, ApiError, Target
from .endpoint import Endpoint, connectable, socket_path


def client_url(host: Host, endpoint: Endpoint) -> str:
    """The base_url for docker.DockerClient: the real socket file under --root."""
    if endpoint.scheme == "unix":
        return f"unix://{connectable(socket_path(host, endpoint))}"
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


def client(host: Host) -> Any:
    """The run's one docker client, or None when the engine does not answer (imports docker)."""
    return host.fact("docker.client", _client)


def _client(host: Host) -> Any:
    from .engine import engine

    state = engine(host)
    if not state.answers or state.api_version is None:
        return None
    if isinstance(state.api, SdkApi):
        return state.api.sdk
    return make_client(host, state.endpoint, state.api_version)


class SdkApi(Api):
    """api.Api's questions asked through a docker client, for endpoints http.client cannot reach.

    The client's own timeout bounds each question; its answers are not capped in bytes.
    """

    def __init__(self, sdk: Any, version: str) -> None:
        super().__init__(Target(), version, CLIENT_TIMEOUT)
        self.sdk = sdk

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        api = self.sdk.api
        try:
            response = api._get(api._url(path.replace("{", "{{").replace("}", "}}")), params=params)
            return api._result(response, json=True)
        except Exception as exc:
            if not is_engine_error(exc):
                raise
            raise ApiError(engine_error(exc), status=_status(exc)) from None

    def close(self) -> None:
        """Close the client's connections."""
        self.sdk.close()


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def is_engine_error(exc: BaseException) -> bool:
    """An error of the docker SDK or of requests under it: the engine's, not devdoctor's.

    Without the SDK imported no such error can have been raised, so this never imports it.
    """
    if isinstance(exc, (ApiError, OSError)):
        return True
    errors = sys.modules.get("docker.errors")
    if errors is not None and isinstance(exc, errors.DockerException):
        return True
    requests = sys.modules.get("requests.exceptions")
    return requests is not None and isinstance(exc, requests.RequestException)


def engine_error(exc: BaseException) -> str:
    """An error from the engine (docker, requests) in one line: its explanation when it has one."""
    explanation = getattr(exc, "explanation", None)
    text = str(explanation or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
