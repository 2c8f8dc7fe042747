"""Resolve before building: ask pip, for the image's Python and platform, whether every
requirement installs from wheels, and which releases the build would compile instead.

pip is the resolver the image build itself runs, so its answer is the one that matters; it
answers without installing (`install --dry-run --ignore-installed --report`) and, with
`--only-binary=:all:`, without building anything. `--python-version`/`--platform` need a
`--target` in pip before 24 (the folder stays empty: nothing is written). When the resolve
fails, or an open requirement would land on a source release, two candidate lists per
requirement tell why: pip's "(from versions: ...)" for an impossible requirement
(`name===devdoctor-probe`), once wheels-only (what has a wheel for cp3X here) and once with
source releases (what the build may pick). The network is the student's: every command has
a deadline, and a refused connection or proxy is said as such.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from devdoctor import Host
from devdoctor.lazy import LazyPattern
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

RESOLVE_TIMEOUT = 120.0
PROBE_TIMEOUT = 45.0
PROBE_WORKERS = 4
_FROM_VERSIONS = LazyPattern(r"\(from versions: ([^)]*)\)")
_NETWORK = (
    "Failed to establish a new connection",
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Max retries exceeded",
    "Read timed out",
    "ConnectTimeoutError",
)
_PROXY = ("ProxyError", "Cannot connect to proxy", "Tunnel connection failed")
_TLS = ("CERTIFICATE_VERIFY_FAILED", "SSLError")


@dataclass(frozen=True)
class Candidates:
    """Releases of one project for the target: with a wheel, and installable at all."""

    name: str
    wheels: tuple[str, ...]
    any_kind: tuple[str, ...]

    def newest(self, specifier: str, wheels: bool) -> str | None:
        pool = self.wheels if wheels else self.any_kind
        try:
            spec = SpecifierSet(specifier)
        except InvalidSpecifier:
            return None
        allowed = []
        for v in pool:
            try:
                if spec.contains(Version(v)):
                    allowed.append(Version(v))
            except InvalidVersion:
                continue
        return str(max(allowed)) if allowed else None


@dataclass(frozen=True)
class Resolution:
    """What pip said: the versions it chose, or why it could not."""

    ok: bool
    chosen: dict[str, str] = field(default_factory=dict)
    named: dict[str, tuple[str, str]] = field(default_factory=dict)
    """canonical name -> (the name as the release's metadata spells it, the version chosen)"""
    problem: str = ""  # "network", "proxy", "tls", "no-pip", "timeout", "conflict", "no-wheel"
    message: str = ""
    argv: tuple[str, ...] = ()


def pip_command(host: Host) -> list[str] | None:
    """A Python with pip: devdoctor's own interpreter when it has pip, else python3's."""
    for python in (sys.executable, "python3", "python"):
        if not python:
            continue
        done = host.run([python, "-m", "pip", "--version"], timeout=20)
        if done.ok:
            return [python, "-m", "pip"]
    return None


def _target_args(python: str, platforms: Sequence[str], scratch: str) -> list[str]:
    args = [
        "install",
        "--dry-run",
        "--ignore-installed",
        "--disable-pip-version-check",
        "--no-input",
        "--retries",
        "1",
        "--timeout",
        "15",
        "--target",
        scratch,
        "--python-version",
        python,
        "--implementation",
        "cp",
    ]
    for platform in platforms:
        args += ["--platform", platform]
    return args


def classify_failure(text: str) -> str:
    """Why pip failed, from its own words."""
    if any(s in text for s in _PROXY):
        return "proxy"
    if any(s in text for s in _TLS):
        return "tls"
    if any(s in text for s in _NETWORK):
        return "network"
    if "ResolutionImpossible" in text or "conflicting dependencies" in text:
        return "conflict"
    if "ResolutionTooDeep" in text or "exceeded maximum depth" in text:
        return "too-deep"
    if "No matching distribution found" in text:
        return "no-wheel"
    return "other"


def resolve(
    host: Host,
    pip: list[str],
    files: Sequence[str],
    python: str,
    platforms: Sequence[str],
    cwd: str,
    timeout: float = RESOLVE_TIMEOUT,
) -> Resolution:
    """Resolve the requirement files wheels-only for this Python and platform."""
    with tempfile.TemporaryDirectory(prefix="devdoctor-resolve-") as scratch:
        argv = [*pip, *_target_args(python, platforms, str(Path(scratch) / "target"))]
        argv += ["--only-binary=:all:", "--quiet", "--report", "-"]
        for name in files:
            argv += ["-r", name]
        done = host.run(argv, timeout=timeout, cwd=cwd)
    output = done.err + "\n" + (done.out if not done.ok else "")
    if done.timed_out:
        return Resolution(False, problem="timeout", message=output[-2000:], argv=tuple(argv))
    if not done.ok:
        return Resolution(False, problem=classify_failure(output), message=output[-4000:],
                          argv=tuple(argv))
    try:
        data = json.loads(done.out)
        named: dict[str, tuple[str, str]] = {
            canonicalize_name(str(item["metadata"]["name"])): (
                str(item["metadata"]["name"]), str(item["metadata"]["version"])
            )
            for item in data.get("install", [])
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Resolution(False, problem="other", message=f"unreadable report: {exc}",
                          argv=tuple(argv))
    chosen = {name.lower(): version for name, version in named.values()}
    return Resolution(True, chosen=chosen, named=named, argv=tuple(argv))


def _versions(host: Host, argv: list[str], cwd: str) -> tuple[str, ...] | None:
    done = host.run(argv, timeout=PROBE_TIMEOUT, cwd=cwd)
    match = _FROM_VERSIONS.search(done.out + done.err)
    if match is None:
        return None
    listed = match.group(1).strip()
    return tuple(v.strip() for v in listed.split(",") if v.strip() and listed != "none")


def candidates(
    host: Host,
    pip: list[str],
    names: Sequence[str],
    python: str,
    platforms: Sequence[str],
    options: Sequence[str],
    cwd: str,
) -> dict[str, Candidates]:
    """For each project: releases with a wheel for the target, and releases pip may pick
    (wheels for the target or source releases). Runs side by side, each bounded."""
    with tempfile.TemporaryDirectory(prefix="devdoctor-probe-") as scratch:
        base = [*pip, *_target_args(python, platforms, str(Path(scratch) / "target")),
                "--no-deps", *options]

        def probe(name: str) -> tuple[str, Candidates | None]:
            wheels = _versions(host, [*base, "--only-binary=:all:", f"{name}===devdoctor-probe"],
                               cwd)
            anything = _versions(host, [*base, f"{name}===devdoctor-probe"], cwd)
            if wheels is None or anything is None:
                return name, None
            return name, Candidates(name, wheels, anything)

        with ThreadPoolExecutor(max_workers=PROBE_WORKERS) as pool:
            results = list(pool.map(probe, names))
    return {name: found for name, found in results if found is not None}
