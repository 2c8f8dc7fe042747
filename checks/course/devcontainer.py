"""devcontainer: the course's devcontainer.json parses, what it names exists, and this host fits it.

"Reopen in Container" fails late and cryptically when devcontainer.json has a typo, names a
Dockerfile or script that is not in the clone, asks for hardware this computer lacks, or pins
an amd64 image on an Apple Silicon Mac. This check says so before the build starts, names the
configuration it looked at and why that one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from devdoctor import Check, Finding, Host, Platform, Scope, Status, evidence, format_size
from devdoctor.checks.gpu import host_has_gpu, predict_docker_error
from devdoctor.checks.image import build_args, dockerfile_stages
from devdoctor.repo import git_ls, on_windows_drive, policy, rel
from devdoctor.resources import cpu_count, disk_free, docker_data_place, host_ram, vm_memory
from devdoctor.sizes import live_meets

from .commands import invocations, named_files
from .compose import ComposeProject, Service, Volume, provides, read_compose
from .configs import (
    LIFECYCLE_KEYS,
    ConfigError,
    ConfigFile,
    DevcontainerConfig,
    gpu_run_args,
    key_line,
    load,
    referenced_paths,
)
from .variant import (
    chosen_config,
    chosen_devcontainer,
    configs,
    container_workspace,
    script_in_repo,
)

AMD64 = frozenset({"linux/amd64", "amd64", "linux/x86_64", "x86_64", "linux/amd64/v2"})
GPU_DRIVER_ERROR = 'could not select device driver "" with capabilities: [[gpu]]'
FILES_LIMIT = 20000
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__", ".mypy_cache"})


# ------------------------------------------------------------------------- the check


class Devcontainer(Check):
    """The course's devcontainer.json, read as the devcontainer CLI reads it.

    devdoctor finds .devcontainer/devcontainer.json, .devcontainer.json and
    .devcontainer/<variant>/devcontainer.json, picks one (`--config`, the policy's
    default_variant, else the one that fits this computer), and checks that it parses (comments
    and trailing commas are fine), that the Dockerfile, build context and scripts it names are
    in the repository, that hostRequirements are written so the CLI understands them and fit
    this computer, that `--gpus` is only asked for where there is a GPU, and that an
    amd64-only image is not built on an Apple Silicon Mac.

    By hand: open the file named in the finding at the line and column given; make every path
    relative to the devcontainer.json's folder; write sizes in lower case ("8gb").
    """

    id = "devcontainer"
    title = "devcontainer.json"
    scope = Scope.COURSE

    def run(self, host: Host) -> Iterator[Finding]:
        repo = host.repo_root
        if repo is None:
            yield self._not_found(host, None)
            return
        if on_windows_drive(host, repo):
            yield self._windows_drive(repo)
        found = configs(host)
        if not found:
            yield self._not_found(host, repo)
            return
        chosen, why = chosen_config(host)
        if chosen is None:
            yield self.finding(
                Status.WARN,
                "no-such-variant",
                f"{why}: course checks use no configuration",
                detail="Pick one of the configurations listed with `--config NAME`.",
                evidence=evidence(configurations=", ".join(c.variant for c in found)),
            )
        elif len(found) > 1:
            others = ", ".join(c.variant for c in found if c != chosen)
            yield self.finding(
                Status.INFO,
                "variant",
                f"using the {chosen.variant} configuration ({why}); also here: {others}",
                subject=rel(repo, chosen.path),
                detail="`devdoctor check --config NAME` checks another one.",
            )
        targets = found if host.options.course else [c for c in found if c == chosen]
        problems = False
        for file in targets:
            for finding in self._one(host, repo, file, is_chosen=file == chosen):
                problems = problems or finding.status in (Status.WARN, Status.FAIL)
                yield finding
        if chosen is not None and not problems:
            yield self.finding(
                Status.OK,
                "ok",
                f"{rel(repo, chosen.path)} parses and names files that exist "
                f"({chosen.variant}: {why})",
                subject=rel(repo, chosen.path),
                evidence=evidence(variant=chosen.variant, chosen_because=why),
            )

    # -- the repository -----------------------------------------------------------------------

    def _not_found(self, host: Host, repo: Path | None) -> Finding:
        given = host.options.repo
        if repo is None:
            start = host.cwd or "the current folder"
            where = f"--repo {given}" if given else f"{start} and its parents"
            summary = "no course repository found: course checks not run"
            detail = (
                f"devdoctor looked for .devcontainer/ or .devcontainer.json in {where}, up to "
                "the git root. Run devdoctor inside your course repository, or name it with "
                "`devdoctor check --repo PATH`."
            )
        else:
            summary = "no devcontainer configuration in the repository: course checks not run"
            detail = (
                f"{repo} has no .devcontainer/devcontainer.json, .devcontainer.json or "
                ".devcontainer/<name>/devcontainer.json. Is this the course repository? Name "
                "the right one with `devdoctor check --repo PATH`."
            )
        return self.finding(Status.WARN, "not-found", summary, detail=detail)

    def _windows_drive(self, repo: Path) -> Finding:
        return self.finding(
            Status.INFO,
            "windows-drive",
            f"the repository is on the Windows drive (/mnt/{repo.parts[2]}): "
            "file access from WSL and containers is slow",
            subject=str(repo),
            detail="Files under /mnt/c go through a network file system between Windows and "
            "WSL: builds, git and the container's bind mount run many times slower, and "
            "git.exe's settings (core.autocrlf) apply to the checkout. Cloning the course "
            "inside WSL (e.g. ~/course) avoids both.",
        )

    # -- one configuration --------------------------------------------------------------------

    def _one(
        self, host: Host, repo: Path, file: ConfigFile, *, is_chosen: bool
    ) -> Iterator[Finding]:
        loaded = chosen_devcontainer(host) if is_chosen else _load(host, file)
        where = rel(repo, file.path)
        if loaded is None:
            return
        if isinstance(loaded, ConfigError):
            yield self._broken(where, loaded)
            return
        yield from self._missing(host, repo, loaded, where)
        yield from self._missing_arguments(host, repo, loaded, where)
        yield from self._compose(host, repo, loaded, where)
        yield from self._requirement_problems(host, loaded, where)
        if is_chosen and host.options.course:
            yield from self._asks_of_students(host, loaded, where)
        elif is_chosen:
            yield from self._fits_host(host, loaded, where)
            yield from self._platform(host, loaded, where)
            yield from self._initialize_on_windows(host, repo, loaded, where)

    def _broken(self, where: str, error: ConfigError) -> Finding:
        if error.line is not None:
            return self.finding(
                Status.FAIL,
                "invalid-json",
                f"{where} line {error.line}, column {error.column}: {error.message}",
                subject=where,
                detail="VS Code cannot read the configuration as written: the build fails or "
                "runs with part of it. Open the file at that line and column; comments and "
                "trailing commas are allowed, but quotes, commas and brackets must match.",
                evidence=evidence(line=error.line, column=error.column),
                path=where,
                line=error.line,
            )
        return self.finding(
            Status.FAIL,
            "unreadable",
            f"{where}: {error.message}",
            subject=where,
            detail="The devcontainer CLI cannot use this file. Save it as UTF-8 JSON with "
            "one {...} object.",
            path=where,
        )

    def _missing(
        self, host: Host, repo: Path, config: DevcontainerConfig, where: str
    ) -> Iterator[Finding]:
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
            yield self.finding(
                Status.FAIL,
                "missing-script" if is_script else "missing-file",
                f"{where}: {label} names {shown}, a {what} that is not in the repository"
                + found_at,
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
        yield from self._untracked(host, repo, config, where, present)

    def _untracked(
        self,
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
            yield self.finding(
                Status.WARN,
                "untracked-file",
                f"{where}: {label} names {shown}, which exists here but git does not track it",
                subject=shown,
                path=where,
                line=key_line(host, config.file, *label.split(".")),
                detail="A fresh clone of the course repository will not have it, so the "
                "build works here and fails for everyone else. Commit it (or check .gitignore).",
            )

    def _compose(
        self, host: Host, repo: Path, config: DevcontainerConfig, where: str
    ) -> Iterator[Finding]:
        """The compose service exists, its build is there, and a mount gives workspaceFolder."""
        files = config.compose_files
        if not files or not all(host.is_file(f) for f in files):
            return  # a missing compose file is a missing-file finding already
        project = read_compose(host, files)
        for problem in project.problems:
            shown = rel(repo, problem.path)
            yield self.finding(
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
            yield self.finding(
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
        yield from self._compose_build(host, repo, project.local, service)
        yield from self._compose_workspace(host, repo, config, where, project, service)

    def _compose_build(
        self, host: Host, repo: Path, local: Callable[[str], Path | None], service: Service
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
            yield self.finding(
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
        self,
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
            summary = (
                f'{where}: workspaceFolder {folder} is not mounted by service "{service.name}"'
            )
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
        yield self.finding(
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

    def _missing_arguments(
        self, host: Host, repo: Path, config: DevcontainerConfig, where: str
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
                yield self.finding(
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

    def _requirement_problems(
        self, host: Host, config: DevcontainerConfig, where: str
    ) -> Iterator[Finding]:
        for problem in config.host_requirements.problems:
            yield self.finding(
                Status.WARN,
                "host-requirements",
                f"{where}: {problem}",
                subject=where,
                detail="The devcontainer CLI checks hostRequirements before it builds; one it "
                "cannot read is silently skipped, so nobody is warned that this computer is "
                'too small. Sizes are a number with a lower-case unit: "8gb", "512mb".',
                path=where,
                line=key_line(host, config.file, "hostRequirements"),
            )

    # -- course CI: what the course asks of students, not of this machine -----------------------

    def _asks_of_students(
        self, host: Host, config: DevcontainerConfig, where: str
    ) -> Iterator[Finding]:
        """With --course devdoctor runs in the course's CI, whose machine is not a student's:
        hostRequirements and GPU flags are stated, not compared with it."""
        wanted = config.host_requirements
        asks = []
        if wanted.cpus is not None:
            asks.append(f"{wanted.cpus} CPUs")
        if wanted.memory is not None:
            asks.append(f"{format_size(wanted.memory)} of memory")
        if wanted.storage is not None:
            asks.append(f"{format_size(wanted.storage)} of storage")
        flags = gpu_run_args(config.run_args)
        if flags:
            asks.append(f"an NVIDIA GPU (runArgs {' '.join(flags)}: docker run fails without one)")
        elif config.wants_gpu == "optional":
            asks.append("a GPU when there is one (optional)")
        elif config.wants_gpu:
            asks.append("a GPU (hostRequirements.gpu)")
        if not asks:
            return
        yield self.finding(
            Status.INFO,
            "asks-of-students",
            f"{where} asks each student's computer for " + ", ".join(asks),
            subject=where,
            detail="Course CI judges the repository, not the machine it runs on, so these are "
            "not compared with this one; on a student's computer `devdoctor check` compares "
            "them.",
            path=where,
            line=key_line(host, config.file, "hostRequirements" if not flags else "runArgs"),
        )

    # -- this host ----------------------------------------------------------------------------

    def _fits_host(self, host: Host, config: DevcontainerConfig, where: str) -> Iterator[Finding]:
        wanted = config.host_requirements
        if wanted.cpus is not None:
            yield from self._cpus(host, wanted.cpus, where)
        if wanted.memory is not None:
            yield from self._memory(host, wanted.memory, where)
            yield from self._policy_conflict(host, wanted.memory, where)
        if wanted.storage is not None:
            yield from self._storage(host, wanted.storage, where)
        yield from self._gpu(host, config, where)

    def _cpus(self, host: Host, needed: int, where: str) -> Iterator[Finding]:
        cpus = cpu_count(host)
        if cpus.value is not None and cpus.value < needed:
            yield self.finding(
                Status.WARN,
                "too-few-cpus",
                f"the course asks for {needed} CPUs; this computer has {cpus.value}",
                subject=where,
                detail="The devcontainer CLI warns and builds anyway; the build and the "
                "course's programs will be slow.",
                evidence=evidence(needed=needed, found=f"{cpus.value} ({cpus.source})"),
            )

    def _memory(self, host: Host, needed: int, where: str) -> Iterator[Finding]:
        """What the engine's Linux system gets: the WSL VM's memory in WSL, else the RAM."""
        in_wsl = host.platform is Platform.WSL
        memory = vm_memory(host) if in_wsl else host_ram(host)
        if memory.value is not None and not live_meets(memory.value, needed):
            yield self.finding(
                Status.WARN,
                "too-little-memory",
                f"the course asks for {format_size(needed)} of memory; "
                f"{'WSL' if in_wsl else 'this computer'} has {format_size(memory.value)}",
                subject=where,
                detail="The devcontainer CLI at most warns (not at all when it cannot read the "
                "value) and builds anyway; a build that needs "
                "more memory than there is gets killed part-way (exit code 137)."
                + (
                    " Inside WSL that is the memory WSL gives its VM, which .wslconfig sets: "
                    "see the wsl-memory check (`devdoctor fix wsl-memory`)."
                    if in_wsl
                    else ""
                ),
                evidence=evidence(
                    needed=format_size(needed),
                    found=f"{format_size(memory.value)} ({memory.source})",
                ),
            )

    def _storage(self, host: Host, needed: int, where: str) -> Iterator[Finding]:
        place, _what = docker_data_place(host)
        free = disk_free(host, place)
        if free.value is not None and free.value < needed:
            yield self.finding(
                Status.WARN,
                "too-little-storage",
                f"the course asks for {format_size(needed)} of storage; "
                f"{format_size(free.value)} is free",
                subject=where,
                detail="Images, layers and volumes fill the disk during the build; when it "
                "is full the build fails with `no space left on device`.",
                evidence=evidence(
                    needed=format_size(needed),
                    found=f"{format_size(free.value)} ({free.source})",
                ),
            )

    def _policy_conflict(self, host: Host, memory: int, where: str) -> Iterator[Finding]:
        course = policy(host)
        for key, value in (
            ("docker.memory", course.docker_memory),
            ("wsl.memory", course.wsl_memory),
        ):
            if key in course.explicit and value < memory:
                yield self.finding(
                    Status.INFO,
                    "policy-conflict",
                    f"{course.path} asks for {format_size(value)} ({key}) but "
                    f"hostRequirements.memory asks for {format_size(memory)}",
                    subject=where,
                    detail="Course staff: make the two agree, so students are held to one figure.",
                )

    def _gpu(self, host: Host, config: DevcontainerConfig, where: str) -> Iterator[Finding]:
        wants = config.wants_gpu
        flags = gpu_run_args(config.run_args)
        requirement = config.host_requirements.gpu
        if not wants and not flags:
            return
        has_gpu = host.platform is not Platform.MACOS and host_has_gpu(host)
        seen = "an NVIDIA GPU answers nvidia-smi" if has_gpu else "no NVIDIA GPU answers nvidia-smi"
        if host.platform is Platform.MACOS:
            seen = "Docker Desktop on macOS gives containers no GPU"
        if has_gpu:
            yield self.finding(
                Status.OK, "gpu", f"{where} uses a GPU, and this computer has one", subject=where
            )
            return
        if flags:
            # The same GPU facts as gpu-toolkit: what this engine will really print for them.
            predicted = predict_docker_error(host, config.run_args) or GPU_DRIVER_ERROR
            yield self.finding(
                Status.FAIL,
                "gpus-without-gpu",
                f"{where}: runArgs ask for a GPU ({' '.join(flags)}), and this computer has none",
                subject=where,
                detail="docker run fails before the container starts, with "
                f"`{predicted}`. Use the course's CPU configuration "
                "(`--config cpu` / VS Code's configuration picker) if it has one, or ask the "
                'course to use hostRequirements.gpu = "optional" instead of --gpus.',
                evidence=evidence(run_args=" ".join(config.run_args), found=seen),
            )
        elif requirement == "optional" or wants == "optional":
            yield self.finding(
                Status.INFO,
                "gpu-optional",
                f"{where} uses a GPU when there is one; here there is none, so it runs on the CPU",
                subject=where,
                evidence=evidence(found=seen),
            )
        else:
            yield self.finding(
                Status.WARN,
                "gpu-required",
                f"{where} requires a GPU (hostRequirements.gpu), and this computer has none",
                subject=where,
                detail="The devcontainer CLI prints `No GPU support found yet a GPU was "
                'required - consider marking it as "optional"` and starts the container '
                "without a GPU; code that needs CUDA then fails inside it.",
                evidence=evidence(found=seen),
            )

    def _platform(self, host: Host, config: DevcontainerConfig, where: str) -> Iterator[Finding]:
        if not apple_silicon(host):
            return
        for source, value in amd64_pins(host, config):
            yield self.finding(
                Status.WARN,
                "amd64-image",
                f"{source} pins linux/amd64, and this Mac has an Apple Silicon (arm64) CPU",
                subject=where,
                detail="Docker Desktop then runs every program of the image under emulation: "
                "the build is several times slower and some programs crash (`qemu: uncaught "
                "target signal`, `exec format error`). Ask the course for an arm64 or "
                "multi-platform image; meanwhile enable Rosetta in Docker Desktop (Settings, "
                "General, 'Use Rosetta for x86_64/amd64 emulation on Apple Silicon').",
                evidence=evidence(platform=value, where=source),
            )

    def _initialize_on_windows(
        self, host: Host, repo: Path, config: DevcontainerConfig, where: str
    ) -> Iterator[Finding]:
        command = config.lifecycle.get("initializeCommand")
        on_windows = host.platform is Platform.WINDOWS or on_windows_drive(host, repo)
        if not on_windows or command is None:
            return
        strings = [command] if isinstance(command, str) else []
        if isinstance(command, dict):
            strings = [v for v in command.values() if isinstance(v, str)]
        posix = [s for s in strings if invocations(s) or re.search(r"\$\w|\./|'|\bexport\b", s)]
        if posix:
            yield self.finding(
                Status.WARN,
                "initialize-command-windows",
                f"{where}: initializeCommand is written for a POSIX shell, but on Windows the "
                "devcontainer CLI runs it with cmd.exe",
                subject=where,
                detail="initializeCommand runs on the computer itself, before the container: "
                "as a string, with `cmd.exe /c` on Windows. Shell scripts, $VARIABLES and "
                "'quotes' do not work there. The course can use the array form or a command "
                "both shells understand.",
                evidence=evidence(initializeCommand=posix[0]),
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


def _load(host: Host, file: ConfigFile) -> DevcontainerConfig | ConfigError:
    try:
        return load(file, local_env=host.env, host=host)
    except ConfigError as exc:
        return exc


def apple_silicon(host: Host) -> bool:
    """macOS on an arm64 CPU (also when devdoctor itself runs under Rosetta)."""
    if host.platform is not Platform.MACOS:
        return False
    answer = host.run(["sysctl", "-n", "hw.optional.arm64"], timeout=3)
    if answer.ok:
        return answer.out.strip() == "1"
    answer = host.run(["uname", "-m"], timeout=3)
    if answer.ok:
        return answer.out.strip() == "arm64"
    return host.machine == "arm64"


def amd64_pins(host: Host, config: DevcontainerConfig) -> list[tuple[str, str]]:
    """Where the configuration or its Dockerfile fixes the platform to linux/amd64."""
    pins: list[tuple[str, str]] = []
    build = config.data.get("build")
    options = build.get("options") if isinstance(build, dict) else None
    for label, args in (
        ("runArgs", config.run_args),
        ("build.options", tuple(o for o in options or () if isinstance(o, str))),
    ):
        for index, arg in enumerate(args):
            name, equals, value = arg.partition("=")
            if name == "--platform" and not equals and index + 1 < len(args):
                value = args[index + 1]
            if name == "--platform" and value.lower() in AMD64:
                pins.append((f"{label} in devcontainer.json", value))
    if config.dockerfile is not None:
        for stage in dockerfile_stages(config.dockerfile, build_args(config), host=host):
            if stage.platform and stage.platform.lower() in AMD64:
                where = f"FROM on line {stage.line} of {config.dockerfile.name}"
                pins.append((where, stage.platform))
    return pins


__all__ = [
    "LIFECYCLE_KEYS",
    "Devcontainer",
]
