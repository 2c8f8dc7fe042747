"""Collects who and where this machine is, so the redactor can keep it out of everything shown."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from .host import Host
from .redact import Identity, Redactor


def redactor_for(host: Host) -> Callable[[str], str]:
    """A redactor knowing this host's homes and identities (computed once per run)."""
    return host.fact("privacy.redactor", _build)


CREDENTIAL_VARIABLES = (
    "DOCKER_HOST",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
"""Variables whose URLs may carry user:password@ (devdoctor prints endpoints and proxies)."""


def _build(host: Host) -> Redactor:
    homes: list[str] = []
    identities: list[Identity] = []
    secrets: list[str] = []
    if host.home:
        homes.append(host.home)
        resolved = _resolved_home(host, host.home)
        if resolved:
            homes.append(resolved)  # a symlinked home shows up by its real path too
    for name in CREDENTIAL_VARIABLES:
        user, password = _userinfo(host.env.get(name, ""))
        if user:
            identities.append(Identity(user, "user"))
        if password:
            secrets.append(password)
    for name in ("USER", "LOGNAME", "USERNAME"):
        if host.env.get(name):
            identities.append(Identity(host.env[name], "user"))
    # git's identities are asked beside Windows' (which may take a second): not one after the other
    git_said: list[str] = []
    asking = threading.Thread(target=_git_identities, args=(host, git_said), daemon=True)
    asking.start()
    for value, kind in host.provided("identities"):  # what only the areas know (Windows)
        if kind == "home":
            homes.append(value)
        else:
            identities.append(Identity(value, kind))
    hostname = _hostname(host)
    if hostname:
        identities.append(Identity(hostname, "host"))
    asking.join(5)
    for line in git_said:
        key, _, value = line.partition(" ")
        kind = {"user.name": "git-name", "user.email": "git-email"}.get(key)
        if kind and value.strip():
            identities.append(Identity(value.strip(), kind))
    return Redactor(homes=homes, identities=identities, secrets=secrets)


def _userinfo(url: str) -> tuple[str | None, str | None]:
    """The user name and password in a URL (or in user:password@host without a scheme)."""
    if "@" not in url:
        return None, None
    if "://" not in url:
        url = "tcp://" + url
    try:
        parts = urlsplit(url)
        return unquote(parts.username or "") or None, unquote(parts.password or "") or None
    except ValueError:
        return None, None


def _resolved_home(host: Host, home: str) -> str | None:
    """The home's real path when it is a link (as the host sees it), else None."""
    real = host.real(home)
    try:
        resolved = os.path.realpath(real)
    except (OSError, ValueError):
        return None
    if resolved == os.path.abspath(real):
        return None
    if host.root is not None:
        root = str(host.root)
        if not resolved.startswith(root + os.sep):
            return resolved
        return "/" + resolved[len(root) :].lstrip(os.sep)
    return resolved


def _git_identities(host: Host, said: list[str]) -> None:
    """`user.name` and `user.email` from git, in one call (a hung git costs one deadline)."""
    done = host.run(["git", "config", "--get-regexp", r"^user\.(name|email)$"], timeout=3)
    if done.ok:
        said.extend(done.out.splitlines())


def _hostname(host: Host) -> str | None:
    if host.root is not None:
        try:
            data, _ = host.read_bytes("/etc/hostname", limit=256)
        except OSError:
            return None
        return data.decode("utf-8", errors="replace").strip() or None
    import socket  # (only the real machine has a host name to ask for)

    try:
        return socket.gethostname() or None
    except OSError:
        return None
