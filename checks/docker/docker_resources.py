"""docker-resources: the memory, CPUs and free disk the Docker engine has, against the course.

The engine's own figures count, not the computer's: Docker Desktop runs its engine in a VM
that gets only part of the RAM, and keeps its images in a disk image on C: (Windows) or in
~/Library (Mac), not in /var/lib/docker. On the WSL 2 backend the VM's memory is set in
.wslconfig, which wsl-memory checks: this check then only reports the figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from devdoctor import Check, Finding, Host, Platform, Status, format_size, live_meets
from devdoctor.repo import policy
from devdoctor.resources import Figure, disk_free, docker_data_place

from .engine import EngineState, engine, is_docker_desktop, is_wsl2_backend

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def data_place(host: Host, state: EngineState) -> tuple[str | None, str]:
    """Where the engine's images and volumes take disk space on this machine, and what it is."""
    info = state.info or {}
    if is_docker_desktop(info):
        if host.platform is Platform.LINUX:
            home = (host.home or "").rstrip("/")
            return f"{home}/.docker/desktop", "Docker Desktop's disk image"
        return docker_data_place(host)
    endpoint = state.endpoint
    here = endpoint.scheme in ("unix", "npipe") or any(
        endpoint.address.startswith(name) for name in LOCAL_HOSTS
    )
    root = info.get("DockerRootDir")
    if not here:
        return None, f"the engine runs on another machine ({endpoint.url})"
    if not isinstance(root, str) or not root:
        return None, "the engine did not say where it keeps its data"
    return root, "the engine's data folder"


class DockerResources(Check):
    """Memory, CPUs and free disk the Docker engine has, against what the course needs.

    The course's image builds inside the engine: with less memory than the policy asks (8 GiB
    by default; a live figure passes at 90 %), pip and compilers are killed half-way; with less
    free disk (20 GiB by default) where the engine keeps its data, the build stops with "no
    space left on device". On Docker Desktop with the WSL 2 engine, the memory is what WSL
    gives its VM: `wsl-memory` checks and fixes that, so this check only reports it.

    By hand: Docker Desktop > Settings > Resources (Mac, Hyper-V) sets memory and CPUs; on
    WSL 2 set `memory=` in .wslconfig. `docker system prune` frees disk used by old images.
    """

    id = "docker-resources"
    title = "Docker engine: memory, CPUs, disk"
    needs = ("docker-daemon",)

    def skip_reason(self, host: Host) -> str | None:
        if not engine(host).answers:  # docker-daemon already says why: count it once
            return "the Docker engine does not answer (see docker-daemon)"
        return None

    def run(self, host: Host) -> Iterator[Finding]:
        state = engine(host)
        info = state.info or {}
        found = [*self._memory(host, info), *self._cpus(info)]
        free, facts = self._free(host, state)
        found += self._disk(host, state, free, facts)
        yield from found
        if all(f.status in (Status.OK, Status.INFO) for f in found):
            memory, cpus = info.get("MemTotal"), info.get("NCPU", "?")
            yield self.finding(
                Status.OK,
                "enough",
                (f"{format_size(memory)} memory, " if isinstance(memory, int) else "")
                + f"{cpus} CPUs"
                + (f", {format_size(free.value)} free disk" if free.value is not None else ""),
                evidence=(
                    ("engine memory", format_size(memory) if isinstance(memory, int) else "?"),
                    *facts,
                ),
            )

    def _memory(self, host: Host, info: dict[str, Any]) -> Iterator[Finding]:
        course = policy(host)
        need = course.docker_memory
        memory = info.get("MemTotal")
        facts = (
            ("engine memory", format_size(memory) if isinstance(memory, int) else "unknown"),
            ("needed", f"{format_size(need)} ({course.source('docker.memory')})"),
        )
        if not isinstance(memory, int) or memory <= 0:
            yield self.finding(
                Status.WARN,
                "unknown-memory",
                "the engine did not say how much memory it has",
                evidence=facts,
            )
            return
        if is_wsl2_backend(info):
            short = not live_meets(memory, need)
            yield self.finding(
                Status.INFO,
                "memory-from-wsl",
                f"the engine has {format_size(memory)} of memory, set by WSL (.wslconfig)"
                + (f"; this course needs {format_size(need)}: see wsl-memory" if short else ""),
                detail="The engine runs in WSL 2's VM, whose memory .wslconfig sets; the "
                "wsl-memory check compares it with the course and can fix it "
                "(`devdoctor fix wsl-memory`)."
                if short
                else "",
                evidence=facts,
            )
            return
        if live_meets(memory, need):
            return
        if is_docker_desktop(info):
            advice = (
                "Open Docker Desktop > Settings > Resources, set Memory to at least "
                f"{format_size(need)}, and press Apply & restart."
            )
        else:
            advice = (
                "The engine has all this computer's memory, and that is too little: close "
                "other programs while building, add swap, or ask the course staff for a machine "
                "that can build the course's container."
            )
        yield self.finding(
            Status.FAIL,
            "too-little-memory",
            f"the engine has {format_size(memory)} of memory; "
            f"this course needs {format_size(need)}",
            detail="The build runs inside the engine: with too little memory pip and compilers "
            "are killed half-way (exit code 137). " + advice,
            evidence=facts,
        )

    def _cpus(self, info: dict[str, Any]) -> Iterator[Finding]:
        cpus = info.get("NCPU")
        if isinstance(cpus, int) and 0 < cpus < 2:
            yield self.finding(
                Status.WARN,
                "one-cpu",
                "the engine has one CPU: builds will be very slow",
                detail="Docker Desktop > Settings > Resources sets the CPUs it may use.",
                evidence=(("engine CPUs", str(cpus)),),
            )

    def _free(self, host: Host, state: EngineState) -> tuple[Figure, tuple[tuple[str, str], ...]]:
        course = policy(host)
        place, what = data_place(host, state)
        free = disk_free(host, place) if place else Figure(None, what)
        info = state.info or {}
        shown = f"{format_size(free.value)} at {place}" if free.value is not None else free.source
        return free, (
            ("free disk", shown),
            ("needed disk", f"{format_size(course.docker_disk_free)} "
             f"({course.source('docker.disk_free')})"),
            ("engine data", f"{what}; DockerRootDir {info.get('DockerRootDir', '?')}"),
            ("engine CPUs", str(info.get("NCPU", "?"))),
        )  # fmt: skip

    def _disk(
        self, host: Host, state: EngineState, free: Figure, facts: tuple[tuple[str, str], ...]
    ) -> list[Finding]:
        need = policy(host).docker_disk_free
        place, what = data_place(host, state)
        if free.value is None:
            return [
                self.finding(
                    Status.INFO,
                    "disk-unknown",
                    f"cannot measure the free disk where the engine keeps its data: {free.source}",
                    evidence=facts,
                )
            ]
        if free.value < need:
            return [
                self.finding(
                    Status.FAIL,
                    "low-disk",
                    f"{format_size(free.value)} free where {what} lives; "
                    f"this course needs {format_size(need)}",
                    subject=place or "",
                    detail="The image, its layers and the course's packages are written there; "
                    "a full disk stops the build with 'no space left on device'. Free space "
                    "there, or run `docker system prune` to remove images and containers you no "
                    "longer use.",
                    evidence=facts,
                )
            ]
        return []
