"""host-resources: the computer itself has the RAM, CPUs and free disk a container build needs.

Before blaming WSL or Docker, the machine must be big enough: the image, its layers and the
course's Python packages land on the disk where Docker keeps its data (Docker Desktop's disk
image lives on C:, even when the repository is inside WSL).
"""

from __future__ import annotations

from collections.abc import Iterator

from devdoctor import Check, Finding, Host, Platform, Status, evidence, format_size
from devdoctor.repo import policy
from devdoctor.resources import cpu_count, disk_free, docker_data_place, host_ram


class HostResources(Check):
    """RAM, CPUs and free disk on the computer itself.

    A course container needs memory to build (the policy's WSL or engine memory, 8 GiB by
    default) and room for its image and packages (20 GiB free by default) on the drive where
    Docker keeps its data: C: for Docker Desktop on Windows, /var/lib/docker on Linux. Free
    disk space by emptying the recycle bin, removing unused images (`docker system prune`),
    or moving Docker Desktop's disk image (Settings > Resources > Advanced).
    """

    id = "host-resources"
    title = "Computer: RAM, CPUs, disk"

    def run(self, host: Host) -> Iterator[Finding]:
        course = policy(host)
        need_memory = (
            course.wsl_memory
            if host.platform in (Platform.WSL, Platform.WINDOWS)
            else course.docker_memory
        )
        ram = host_ram(host)
        cpus = cpu_count(host)
        place, what = docker_data_place(host)
        free = disk_free(host, place)
        facts = evidence(
            RAM=f"{format_size(ram.value)} ({ram.source})"
            if ram.value
            else f"unknown ({ram.source})",
            CPUs=f"{cpus.value} ({cpus.source})" if cpus.value else "unknown",
            free_disk=f"{format_size(free.value)} at {place}"
            if free.value is not None
            else free.source,
            needed_disk=f"{format_size(course.docker_disk_free)} "
            f"({course.source('docker.disk_free')})",
        )
        found_problem = False
        if ram.value is not None and ram.value < need_memory // 2:
            found_problem = True
            yield self.finding(
                Status.FAIL,
                "little-ram",
                f"this computer has {format_size(ram.value)} of RAM; the course needs "
                f"{format_size(need_memory)} for its container",
                evidence=facts,
                detail="The build will run out of memory even with swap. Ask the "
                "course staff for another way to work (a lab machine, Codespaces).",
            )
        elif ram.value is not None and ram.value < need_memory:
            found_problem = True
            yield self.finding(
                Status.WARN,
                "little-ram",
                f"this computer has {format_size(ram.value)} of RAM; the course asks for "
                f"{format_size(need_memory)}",
                evidence=facts,
                detail="The build can still finish using swap, slowly. Close "
                "other programs (browsers especially) while it runs.",
            )
        if free.value is not None and free.value < course.docker_disk_free:
            found_problem = True
            yield self.finding(
                Status.FAIL,
                "low-disk",
                f"{format_size(free.value)} free where {what} lives; the course needs "
                f"{format_size(course.docker_disk_free)}",
                subject=place,
                evidence=facts,
                detail="The image and the course's packages are written there; a full disk "
                "fails the build half-way. Free space, or run `docker system prune` to remove "
                "unused images.",
            )
        if cpus.value is not None and cpus.value < 2:
            found_problem = True
            yield self.finding(
                Status.WARN, "one-cpu", "only one CPU: builds will be very slow", evidence=facts
            )
        if not found_problem:
            yield self.finding(
                Status.OK,
                "enough",
                f"{format_size(ram.value) if ram.value else 'unknown'} RAM, "
                f"{cpus.value or 'unknown'} CPUs, "
                f"{format_size(free.value) if free.value is not None else 'unknown'} "
                "free for Docker's data",
                evidence=facts,
            )
