"""docker-credentials: the credential helper the docker CLI's config names can run from here.

`credsStore` (and `credHelpers`, per registry) in ~/.docker/config.json name a program
`docker-credential-<name>` that the docker CLI runs for every image it pulls, even a public
one. Docker Desktop writes `credsStore: desktop.exe` into a WSL distro; when that program is
not on PATH, or cannot run (interop off, Docker Desktop's integration off), every build that
pulls an image fails before it starts: `error getting credentials - err: exit status 255`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from devdoctor import Check, Finding, Fix, Host, MiB, Platform, Status, WriteFile, evidence

from .endpoint import config_dir

READ_LIMIT = MiB
TRADE_OFF = (
    "Without a credential helper, `docker login` stores the registry password in "
    "config.json itself, only base64-encoded: anyone who can read the file can read it. Public "
    "images need no login at all; log in only where a course needs a private registry, once "
    "a helper works here."
)


class DockerCredentials(Check):
    """The credential helper in the docker CLI's config can run here.

    The docker CLI reads `credsStore` and `credHelpers` from config.json in DOCKER_CONFIG, or
    ~/.docker, and runs `docker-credential-<name>` (e.g. `docker-credential-desktop.exe`
    inside WSL) before pulling any image. If that program is not on PATH, is found only
    through a relative PATH entry such as `.`, or fails, every dev container build that pulls
    an image stops with `error getting credentials - err: ...`.

    By hand: open ~/.docker/config.json and delete the `"credsStore": "..."` line (and any
    `credHelpers` entry that names a missing helper); keep the JSON valid (no trailing
    comma). Inside WSL with Docker Desktop, turning on Settings > Resources > WSL integration
    for the distro makes `docker-credential-desktop.exe` available again. Without a helper,
    `docker login` keeps passwords in that file in plain text (base64).
    """

    id = "docker-credentials"
    title = "Docker credential helper"
    fix_description = "remove (or correct) the credential helper entry in ~/.docker/config.json"

    def run(self, host: Host) -> Iterator[Finding]:
        folder = config_dir(host)
        if folder is None:
            yield self.finding(
                Status.INFO,
                "no-home",
                "no home folder, so no docker CLI config to look at",
            )
            return
        sep = "\\" if host.platform is Platform.WINDOWS else "/"
        path = folder.rstrip("\\/") + sep + "config.json"
        try:
            data, truncated = host.read_bytes(path, limit=READ_LIMIT)
        except FileNotFoundError:
            yield self.finding(
                Status.OK,
                "no-config",
                "the docker CLI has no config.json, so no credential helper to run",
                subject=path,
            )
            return
        except OSError as exc:
            yield self.finding(
                Status.WARN,
                "unreadable",
                f"cannot read the docker CLI's config: {exc.strerror or exc}",
                subject=path,
            )
            return
        config = _parse(data) if not truncated else None
        if config is None:
            yield self.finding(
                Status.WARN,
                "unreadable",
                "the docker CLI's config.json is not a JSON object devdoctor can read",
                subject=path,
                detail="The docker CLI warns about it too and ignores it. Open it and fix the "
                "JSON, or move it aside: `mv ~/.docker/config.json ~/.docker/config.json.bak`.",
            )
            return
        helpers = _helpers(config)
        if not helpers:
            yield self.finding(
                Status.OK,
                "no-helper",
                "no credential helper is configured",
                subject=path,
            )
            return
        found = [self._helper(host, path, name, where) for name, where in helpers.items()]
        broken = [name for name, f in zip(helpers, found, strict=True) if f.fix is not None]
        fix = self._fix(host, path, data, config, broken) if broken else None
        for finding in found:  # one fix for every broken entry, offered once
            if finding.fix is not None and fix is not None:
                yield replace(finding, fix=fix)
                fix = None
            else:
                yield replace(finding, fix=None)

    def _helper(
        self,
        host: Host,
        path: str,
        name: str,
        where: list[str],
    ) -> Finding:
        """One helper's finding; a placeholder fix marks it as one the fix should repair."""
        program = f"docker-credential-{name}"
        facts = evidence(config=path, set_by=", ".join(where), program=program)
        found = host.which(program)
        if found is None:
            return self.finding(
                Status.FAIL,
                "not-found",
                f"the credential helper {program} is not on PATH",
                subject=path,
                evidence=facts,
                fix=_BROKEN,
                detail="Every build that pulls an image fails with `error getting credentials - "
                f'err: exec: "{program}": executable file not found in $PATH`. '
                + _where_it_comes_from(host, name)
                + " "
                + TRADE_OFF,
            )
        if not os.path.isabs(found):
            return self.finding(
                Status.FAIL,
                "in-current-directory",
                f"{program} is found only through a relative PATH entry ({found})",
                subject=path,
                evidence=(*facts, ("found", found)),
                detail="The docker CLI refuses a program PATH finds relative to the current "
                f"folder: `error getting credentials - err: {program} resolves to executable "
                "in current directory`. Remove `.` (and empty entries, `::`) from PATH where "
                "your shell sets it (~/.bashrc, ~/.profile), open a new terminal, and run "
                "devdoctor again.",
            )
        done = host.run([found, "list"], timeout=5)
        if done.ok:
            return self.finding(
                Status.OK,
                "runs",
                f"the credential helper {program} runs",
                subject=path,
                evidence=(*facts, ("found", found)),
            )
        said = "no answer within 5 s" if done.timed_out else f"exit status {done.rc}"
        return self.finding(
            Status.FAIL,
            "cannot-run",
            f"the credential helper {program} does not run here ({said})",
            subject=path,
            evidence=(*facts, ("found", found), ("ran", done.describe())),
            fix=_BROKEN,
            detail=f"Every build that pulls an image fails with `error getting credentials - "
            f"err: {said}`. " + _where_it_comes_from(host, name) + " " + TRADE_OFF,
        )

    def _fix(
        self, host: Host, path: str, data: bytes, config: dict[str, Any], broken: list[str]
    ) -> Fix:
        """Point each broken entry at a helper that runs here, else remove it."""
        better = {name: _runnable_variant(host, name) for name in broken}
        changed = dict(config)
        store = changed.get("credsStore")
        if isinstance(store, str) and store.strip() in better:
            if better[store.strip()]:
                changed["credsStore"] = better[store.strip()]
            else:
                del changed["credsStore"]
        helpers = changed.get("credHelpers")
        if isinstance(helpers, dict):
            kept = {}
            for registry, name in helpers.items():
                key = name.strip() if isinstance(name, str) else name
                if key not in better:
                    kept[registry] = name
                elif better[key]:
                    kept[registry] = better[key]
            if kept:
                changed["credHelpers"] = kept
            else:
                del changed["credHelpers"]
        text = json.dumps(changed, indent="\t", ensure_ascii=False)
        new = text.encode() + (b"\n" if data.endswith(b"\n") else b"")
        steps = [
            f"use the credential helper {b} instead of {n}" if b else f"remove the helper {n}"
            for n, b in better.items()
        ]
        return Fix(
            id=self.id,
            title=f"{'; '.join(steps)} in {path}",
            changes=(WriteFile(path=path, old=data, new=new),),
            manual_steps=(
                ()
                if all(better.values())
                else (
                    "Public images need no login. If the course uses a private registry, "
                    "run `docker login` again: the password is then kept in config.json "
                    "(base64, not encrypted).",
                )
            ),
        )


_BROKEN = Fix(id="docker-credentials", title="(planned once every helper is looked at)")


def _parse(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _helpers(config: dict[str, Any]) -> dict[str, list[str]]:
    """Each helper name, with the settings that name it (credsStore, credHelpers.<registry>)."""
    found: dict[str, list[str]] = {}
    store = config.get("credsStore")
    if isinstance(store, str) and store.strip():
        found.setdefault(store.strip(), []).append("credsStore")
    helpers = config.get("credHelpers")
    if isinstance(helpers, dict):
        for registry, name in helpers.items():
            if isinstance(name, str) and name.strip():
                found.setdefault(name.strip(), []).append(f"credHelpers.{registry}")
    return found


def _runnable_variant(host: Host, name: str) -> str | None:
    """Inside WSL, `desktop` is `desktop.exe` (the Windows helper) and the other way round."""
    if host.platform is not Platform.WSL:
        return None
    other = name[:-4] if name.endswith(".exe") else f"{name}.exe"
    found = host.which(f"docker-credential-{other}")
    if found is None or not os.path.isabs(found):
        return None
    return other if host.run([found, "list"], timeout=5).ok else None


def _where_it_comes_from(host: Host, name: str) -> str:
    if host.platform is Platform.WSL and name.startswith("desktop"):
        return (
            "Docker Desktop wrote this entry; its helper reaches this distro only through the "
            "WSL integration (Docker Desktop > Settings > Resources > WSL integration: turn on "
            f'"{host.env.get("WSL_DISTRO_NAME") or "your distro"}") and Windows interop. '
            "Turn those on, or run `devdoctor fix docker-credentials` to remove the entry."
        )
    return (
        f"Install the helper docker-credential-{name}, or run "
        "`devdoctor fix docker-credentials` to remove the entry."
    )
