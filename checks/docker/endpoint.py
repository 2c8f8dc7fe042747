"""Where the Docker engine is, found in exactly the docker CLI's order.

VS Code's Dev Containers extension drives the docker CLI, so devdoctor must look where the CLI
looks: DOCKER_HOST (which makes the CLI use its "default" context, ignoring DOCKER_CONTEXT, as
docker/cli's `resolveContextName` does), DOCKER_CONTEXT, the current context in
DOCKER_CONFIG/config.json and its contexts/meta/<sha256(name)>/meta.json, then the platform's
own sockets and pipes.

Under --root, context files and the platform's default sockets are looked for under the root;
a socket named by DOCKER_HOST is a live address of this session, used as written.
"""

from __future__ import annotations

import json
import os
from typing import Any, NamedTuple

from devdoctor import Host, Platform

CONFIG_LIMIT = 256 * 1024
UNIX_PATH_MAX = 107
"""The longest socket path connect() takes (sun_path is 108 bytes with its NUL)."""


class TlsFiles(NamedTuple):
    """Client certificates for a tcp:// endpoint (paths are host paths; they are not secrets)."""

    ca: str | None
    cert: str | None
    key: str | None
    verify: bool


class Endpoint(NamedTuple):
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


# -- where the engine is -------------------------------------------------------------------------


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
    import hashlib  # (only a named context needs it; OpenSSL's binding costs start-up time)

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
    return platform_defaults(host, notes)


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


def platform_defaults(host: Host, notes: tuple[str, ...]) -> list[Endpoint]:
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


def socket_path(host: Host, endpoint: Endpoint) -> str:
    """The real file behind a unix:// endpoint."""
    path = endpoint.address
    return path if endpoint.live else str(host.real(path))


def connectable(path: str) -> str:
    """A path connect() accepts: long ones (deep --root trees) go through /proc/self/fd."""
    if len(path.encode()) <= UNIX_PATH_MAX or not os.path.isdir("/proc/self/fd"):
        return path
    folder = os.open(os.path.dirname(path), os.O_RDONLY)
    # The descriptor stays open for the process's life; this happens at most once per run.
    return f"/proc/self/fd/{folder}/{os.path.basename(path)}"
