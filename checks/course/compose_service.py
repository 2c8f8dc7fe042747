"""The devcontainer check's Compose side: the service, its build, the mount of workspaceFolder.

A configuration with dockerComposeFile fails in its own ways: the service it opens is not in
the compose files, the service builds from a folder that is not there, or no volume of the
service provides the workspace folder. Separate from devcontainer.py, which reads as the
check's flow; compose.py is the reader these findings use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from devdoctor import Check, Finding, Host, Status, evidence
from devdoctor.repo import rel

from .compose import ComposeProject, Service, Volume, provides, read_compose
from .configs import DevcontainerConfig, key_line


def compose(
    check: Check, host: Host, repo: Path, config: DevcontainerConfig, where: str
) -> Iterator[Finding]:
    """The compose service exists, its build is there, and a mount gives workspaceFolder."""
    files = config.compose_files
    if not files or not all(host.is_file(f) for f in files):
        return  # a missing compose file is a missing-file finding already
    project = read_compose(host, files)
    for problem in project.problems:
        shown = rel(repo, problem.path)
        yield check.finding(
            Status.FAIL,
            "compose-unreadable",
            f"{shown}: {problem.message}",
            subject=shown,
            detail="docker compose cannot read the file, so the container is never created.",
            path=shown,
            line=problem.line,
        )
    if project.problems:
        return
    name = config.data.get("service")
    names = ", ".join(sorted(project.services)) or "none"
    if not isinstance(name, str) or name not in project.services:
        summary = (
            f'{where}: service "{name}" is not in the compose file(s) (services: {names})'
            if isinstance(name, str)
            else f'{where}: dockerComposeFile without a "service" to open (services: {names})'
        )
        yield check.finding(
            Status.FAIL,
            "compose-service",
            summary,
            subject=where,
            detail="The devcontainer CLI opens the service devcontainer.json names; without "
            "it there is no container to attach to. Name one of the compose file's services.",
            path=where,
            line=key_line(
                host, config.file, "service" if isinstance(name, str) else "dockerComposeFile"
            ),
        )
        return
    service = project.services[name]
    yield from _compose_build(check, host, repo, project.local, service)
    yield from _compose_workspace(check, host, repo, config, where, project, service)


def _compose_build(
    check: Check, host: Host, repo: Path, local: Callable[[str], Path | None], service: Service
) -> Iterator[Finding]:
    if service.build is None or service.file is None:
        return
    context_text, dockerfile_text = service.build
    context = local(context_text)
    if context is None:
        return  # depends on variables
    dockerfile = Path(os.path.normpath(context / dockerfile_text))
    shown_file = rel(repo, service.file)
    for what, path, ok in (
        ("build context", context, host.is_dir(context)),
        ("Dockerfile", dockerfile, host.is_dir(context) and host.is_file(dockerfile)),
    ):
        if ok:
            continue
        shown = rel(repo, path)
        yield check.finding(
            Status.FAIL,
            "compose-build",
            f'{shown_file}: service "{service.name}" builds from {shown}, a {what} that '
            "is not there",
            subject=shown,
            detail="docker compose stops before the build with `unable to prepare context` "
            "or `failed to read dockerfile`. Paths in a compose file are relative to the "
            "first compose file's folder; the Dockerfile is relative to the context.",
            evidence=evidence(context=context_text, dockerfile=dockerfile_text),
            path=shown_file,
            line=service.build_line,
        )
        return


def _compose_workspace(
    check: Check,
    host: Host,
    repo: Path,
    config: DevcontainerConfig,
    where: str,
    project: ComposeProject,
    service: Service,
) -> Iterator[Finding]:
    raw = config.data.get("workspaceFolder")
    if not isinstance(raw, str):
        return
    folder, complete = config.resolve(raw)
    if not complete or not folder.startswith("/"):
        return
    folder = folder.rstrip("/") or "/"
    mounts = list(service.volumes) + [
        Volume(m.type, config.resolve(m.source)[0], m.target, None) for m in config.mounts
    ]
    kind, found = provides(project, mounts, folder)
    if kind == "other" or (kind == "bind" and host.is_dir(Path(found))):
        return
    listed = ", ".join(f"{v.source}:{v.target}" for v in service.volumes) or "none"
    if kind == "none":
        summary = f'{where}: workspaceFolder {folder} is not mounted by service "{service.name}"'
        why = f"No volume of the service has {folder} or a folder above it as its target."
    else:
        summary = (
            f"{where}: workspaceFolder {folder} is {rel(repo, Path(found))} on this "
            f'computer through service "{service.name}"\'s mounts, and that folder does '
            "not exist"
        )
        why = (
            f"The mount that covers {folder} maps it to {found}, which is not a folder "
            "here, so the container has no such folder."
        )
    yield check.finding(
        Status.FAIL,
        "workspace-not-mounted",
        summary,
        subject=where,
        detail=f"{why} The devcontainer CLI runs every lifecycle command there, so `docker "
        "exec` fails (`chdir to cwd … no such file or directory`) and none of them starts. "
        "Mount the repository's parent (`../..:/workspaces:cached` from .devcontainer/) "
        "or make workspaceFolder the mount's target.",
        evidence=evidence(workspaceFolder=folder, volumes=listed),
        path=where,
        line=key_line(host, config.file, "workspaceFolder"),
    )
