"""Collects who and where this machine is, so the redactor can keep it out of everything shown."""

from __future__ import annotations

import socket
from collections.abc import Callable

from .host import Host
from .redact import Identity, Redactor


def redactor_for(host: Host) -> Callable[[str], str]:
    """A redactor knowing this host's homes and identities (computed once per run)."""
    return host.fact("privacy.redactor", _build)


def _build(host: Host) -> Redactor:
    homes: list[str] = []
    identities: list[Identity] = []
    if host.home:
        homes.append(host.home)
    for name in ("USER", "LOGNAME", "USERNAME"):
        if host.env.get(name):
            identities.append(Identity(host.env[name], "user"))
    for value, kind in host.provided("identities"):  # what only the areas know (Windows)
        if kind == "home":
            homes.append(value)
        else:
            identities.append(Identity(value, kind))
    hostname = _hostname(host)
    if hostname:
        identities.append(Identity(hostname, "host"))
    for key, kind in (("user.name", "git-name"), ("user.email", "git-email")):
        done = host.run(["git", "config", "--get", key], timeout=3)
        if done.ok and done.out.strip():
            identities.append(Identity(done.out.strip(), kind))
    return Redactor(homes=homes, identities=identities)


def _hostname(host: Host) -> str | None:
    if host.root is not None:
        try:
            data, _ = host.read_bytes("/etc/hostname", limit=256)
        except OSError:
            return None
        return data.decode("utf-8", errors="replace").strip() or None
    try:
        return socket.gethostname() or None
    except OSError:
        return None
