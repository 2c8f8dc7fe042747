"""Whether this computer fits the configuration: hostRequirements, the GPU, the CPU's platform.

The devcontainer check's findings about the machine rather than the repository: CPUs,
memory and storage against hostRequirements (and the course policy's own figures), a GPU
asked for where there is none, an amd64 image on an Apple Silicon Mac, a POSIX
initializeCommand that cmd.exe will run on Windows; with --course, what the configuration asks
of every student's computer instead. Separate from devcontainer.py so the check reads as its
flow; it is the one part that needs the GPU and image areas.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from devdoctor import Check, Finding, Host, Platform, Status, evidence, format_size
from devdoctor.checks.gpu import host_has_gpu, predict_docker_error
from devdoctor.checks.image import build_args, dockerfile_stages
from devdoctor.repo import on_windows_drive, policy
from devdoctor.resources import cpu_count, disk_free, docker_data_place, host_ram, vm_memory
from devdoctor.sizes import live_meets

from .commands import invocations
from .configs import DevcontainerConfig, key_line
from .host_requirements import gpu_run_args

AMD64 = frozenset({"linux/amd64", "amd64", "linux/x86_64", "x86_64", "linux/amd64/v2"})
GPU_DRIVER_ERROR = 'could not select device driver "" with capabilities: [[gpu]]'


def requirement_problems(
    check: Check, host: Host, config: DevcontainerConfig, where: str
) -> Iterator[Finding]:
    """hostRequirements written so that the devcontainer CLI misreads or skips them."""
    for problem in config.host_requirements.problems:
        yield check.finding(
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


def asks_of_students(
    check: Check, host: Host, config: DevcontainerConfig, where: str
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
    yield check.finding(
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


def fits_host(
    check: Check, host: Host, config: DevcontainerConfig, where: str
) -> Iterator[Finding]:
    """hostRequirements and the GPU against this computer's CPUs, memory, storage and GPU."""
    wanted = config.host_requirements
    if wanted.cpus is not None:
        yield from _cpus(check, host, wanted.cpus, where)
    if wanted.memory is not None:
        yield from _memory(check, host, wanted.memory, where)
        yield from _policy_conflict(check, host, wanted.memory, where)
    if wanted.storage is not None:
        yield from _storage(check, host, wanted.storage, where)
    yield from _gpu(check, host, config, where)


def _cpus(check: Check, host: Host, needed: int, where: str) -> Iterator[Finding]:
    cpus = cpu_count(host)
    if cpus.value is not None and cpus.value < needed:
        yield check.finding(
            Status.WARN,
            "too-few-cpus",
            f"the course asks for {needed} CPUs; this computer has {cpus.value}",
            subject=where,
            detail="The devcontainer CLI warns and builds anyway; the build and the "
            "course's programs will be slow.",
            evidence=evidence(needed=needed, found=f"{cpus.value} ({cpus.source})"),
        )


def _memory(check: Check, host: Host, needed: int, where: str) -> Iterator[Finding]:
    """What the engine's Linux system gets: the WSL VM's memory in WSL, else the RAM."""
    in_wsl = host.platform is Platform.WSL
    memory = vm_memory(host) if in_wsl else host_ram(host)
    if memory.value is not None and not live_meets(memory.value, needed):
        yield check.finding(
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


def _storage(check: Check, host: Host, needed: int, where: str) -> Iterator[Finding]:
    place, _what = docker_data_place(host)
    free = disk_free(host, place)
    if free.value is not None and free.value < needed:
        yield check.finding(
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


def _policy_conflict(check: Check, host: Host, memory: int, where: str) -> Iterator[Finding]:
    course = policy(host)
    for key, value in (
        ("docker.memory", course.docker_memory),
        ("wsl.memory", course.wsl_memory),
    ):
        if key in course.explicit and value < memory:
            yield check.finding(
                Status.INFO,
                "policy-conflict",
                f"{course.path} asks for {format_size(value)} ({key}) but "
                f"hostRequirements.memory asks for {format_size(memory)}",
                subject=where,
                detail="Course staff: make the two agree, so students are held to one figure.",
            )


def _gpu(check: Check, host: Host, config: DevcontainerConfig, where: str) -> Iterator[Finding]:
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
        yield check.finding(
            Status.OK, "gpu", f"{where} uses a GPU, and this computer has one", subject=where
        )
        return
    if flags:
        # The same GPU facts as gpu-toolkit: what this engine will really print for them.
        predicted = predict_docker_error(host, config.run_args) or GPU_DRIVER_ERROR
        yield check.finding(
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
        yield check.finding(
            Status.INFO,
            "gpu-optional",
            f"{where} uses a GPU when there is one; here there is none, so it runs on the CPU",
            subject=where,
            evidence=evidence(found=seen),
        )
    else:
        yield check.finding(
            Status.WARN,
            "gpu-required",
            f"{where} requires a GPU (hostRequirements.gpu), and this computer has none",
            subject=where,
            detail="The devcontainer CLI prints `No GPU support found yet a GPU was "
            'required - consider marking it as "optional"` and starts the container '
            "without a GPU; code that needs CUDA then fails inside it.",
            evidence=evidence(found=seen),
        )


def amd64_on_apple_silicon(
    check: Check, host: Host, config: DevcontainerConfig, where: str
) -> Iterator[Finding]:
    if not apple_silicon(host):
        return
    for source, value in amd64_pins(host, config):
        yield check.finding(
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


def initialize_on_windows(
    check: Check, host: Host, repo: Path, config: DevcontainerConfig, where: str
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
        yield check.finding(
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
