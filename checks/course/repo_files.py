"""What devcontainer.json and its lifecycle commands name, and whether the repository has it.

The devcontainer check's findings about files: a Dockerfile, context or script that is missing
(and where a file of that name is instead), one that exists here but git does not track, a
file a command reads by name (`pip install -r`) that is not where the command runs. Separate
from devcontainer.py so the check reads as its flow, and from the host's fit, which reads this
computer rather than the repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from devdoctor import Check, Finding, Host, Status, evidence
from devdoctor.repo import git_ls, rel

from .commands import invocations, named_files
from .configs import DevcontainerConfig, key_line, referenced_paths
from .variant import container_workspace, script_in_repo

FILES_LIMIT = 20000
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__", ".mypy_cache"})


def missing(
    check: Check, host: Host, repo: Path, config: DevcontainerConfig, where: str
) -> Iterator[Finding]:
    """The Dockerfile, context, compose files and scripts named that are not in the
    repository; then those that are here but that git does not track."""
    named: dict[tuple[str, str], tuple[Path, bool]] = {}  # (label, path): (full, is script)
    for label, path in referenced_paths(config):
        named[(label, rel(repo, path))] = (path, False)
    for key, command in config.lifecycle.items():
        for inv in invocations(command):
            path_in_repo = script_in_repo(config, repo, inv.path)
            if path_in_repo is not None:
                named[(key, path_in_repo)] = (repo / path_in_repo, True)
    present = []
    for (label, shown), (full, is_script) in named.items():
        want_dir = label.endswith("context")
        ok = host.is_dir(full) if want_dir else host.is_file(full)
        if ok:
            if not want_dir:
                present.append((label, shown))
            continue
        what = "folder" if want_dir else "script" if is_script else "file"
        others = [] if want_dir else elsewhere(host, repo, full.name)
        found_at = f"; it is at {', '.join(others[:3])}" if others else ""
        yield check.finding(
            Status.FAIL,
            "missing-script" if is_script else "missing-file",
            f"{where}: {label} names {shown}, a {what} that is not in the repository" + found_at,
            subject=shown,
            detail=(
                f"The build needs {shown} and stops when it is missing. Paths in "
                "build.dockerfile and build.context are relative to the folder of "
                "devcontainer.json; scripts in lifecycle commands are run from the "
                "workspace folder (the repository). Check the spelling and its case, "
                "and that it was committed."
            ),
            evidence=evidence(named_by=label, looked_for=str(full)),
            path=where,
            line=key_line(host, config.file, *label.split(".")),
        )
    yield from _untracked(check, host, repo, config, where, present)


def _untracked(
    check: Check,
    host: Host,
    repo: Path,
    config: DevcontainerConfig,
    where: str,
    present: list[tuple[str, str]],
) -> Iterator[Finding]:
    """Files that exist here but that git does not track: a fresh clone lacks them."""
    paths = sorted({shown for _, shown in present if not shown.startswith("/")})
    listed = git_ls(host, repo, [], [rel(repo, config.file.path), *paths])
    if not listed:
        return  # not a git repository, or the configuration itself is not tracked
    tracked = [p for p in listed.decode("utf-8", "replace").split("\0") if p]
    if rel(repo, config.file.path) not in tracked:
        return
    for label, shown in present:
        if shown.startswith("/") or shown in tracked:
            continue
        yield check.finding(
            Status.WARN,
            "untracked-file",
            f"{where}: {label} names {shown}, which exists here but git does not track it",
            subject=shown,
            path=where,
            line=key_line(host, config.file, *label.split(".")),
            detail="A fresh clone of the course repository will not have it, so the "
            "build works here and fails for everyone else. Commit it (or check .gitignore).",
        )


def missing_arguments(
    check: Check, host: Host, repo: Path, config: DevcontainerConfig, where: str
) -> Iterator[Finding]:
    """Files lifecycle commands read by name (`pip install -r`, `conda env create -f`,
    `python x.py`, `npm ci`), looked up in the folder each command runs in."""
    inside = container_workspace(config)
    seen: set[tuple[str, str]] = set()
    for key, command in config.lifecycle.items():
        if key == "initializeCommand":
            continue  # runs on the host, in the folder VS Code opened: not this lookup
        for named in named_files(command):
            path = script_in_repo(config, repo, named.path)
            if path is None or (key, path) in seen or host.exists(repo / path):
                continue
            seen.add((key, path))
            name = Path(path).name
            folder = f"{inside}/{named.cwd}".rstrip("/") if named.cwd else inside
            local = rel(repo, Path(repo / path).parent) if "/" in path else "the top folder"
            others = [p for p in elsewhere(host, repo, name) if p != path]
            found_at = (
                f"; the repository has it at {', '.join(others[:3])}"
                if others
                else "; the repository has no file of that name"
            )
            yield check.finding(
                Status.FAIL,
                "missing-file",
                f"{where}: {key} runs `{named.command}` in {folder}, which has no {name}"
                + found_at,
                subject=path,
                detail=f"Lifecycle commands run in the workspace folder ({inside}, the "
                "repository), not in .devcontainer/, so `"
                + named.program
                + f"` looks for {named.path} there ({local} of the repository) and the "
                "command stops with a file-not-found error. "
                + (
                    f"Name it by its path from the repository's top folder "
                    f"({others[0]}), or move it."
                    if others
                    else "Commit the file, or correct the name."
                ),
                evidence=evidence(command=named.command, runs_in=folder, looked_for=path),
                path=where,
                line=key_line(host, config.file, key),
            )


def elsewhere(host: Host, repo: Path, name: str) -> list[str]:
    """Where files named `name` are in the repository (POSIX, relative), to say where a missing
    file actually is."""
    return sorted(p for p in repository_files(host, repo) if p.rsplit("/", 1)[-1] == name)


def repository_files(host: Host, repo: Path) -> list[str]:
    """The repository's files (bounded; .git, node_modules and virtual environments skipped)."""

    def walk(h: Host) -> list[str]:
        found: list[str] = []
        for folder, dirs, files in h.walk(repo):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            base = Path(folder).relative_to(repo)
            found += [(base / f).as_posix() for f in files]
            if len(found) > FILES_LIMIT:
                break
        return found

    return host.fact(f"course.files:{repo}", walk)
