"""Resource figures: RAM, CPUs, free disk. From psutil on a real machine, from files under --root.

Inside WSL the VM's own figures (/proc/meminfo) are not the Windows machine's: the host's RAM
comes from Windows (the wsl area's `windows-ram` fact), which WSL's defaults are computed from.
"""

from __future__ import annotations

import os
import shutil
from typing import NamedTuple

from .host import Host, Platform


class Figure(NamedTuple):
    """A number and where it came from, so every figure devdoctor shows can say how it knows."""

    value: int | None
    source: str


def meminfo(host: Host) -> dict[str, int]:
    """/proc/meminfo as bytes by field name; empty when it cannot be read."""
    try:
        data, _ = host.read_bytes("/proc/meminfo", limit=64 * 1024)
    except OSError:
        return {}
    figures: dict[str, int] = {}
    for line in data.decode("ascii", errors="replace").splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            factor = 1024 if len(parts) > 1 and parts[1].lower() == "kb" else 1
            figures[name.strip()] = int(parts[0]) * factor
    return figures


def host_ram(host: Host) -> Figure:
    """The physical machine's RAM: Windows' own figure from WSL, else this system's."""
    if host.platform is Platform.WSL:
        figure: Figure = host.provided("windows-ram")
        return figure
    if host.root is not None:
        total = meminfo(host).get("MemTotal")
        return Figure(total, "/proc/meminfo under --root")
    import psutil

    return Figure(int(psutil.virtual_memory().total), "psutil")


def vm_memory(host: Host) -> Figure:
    """What this Linux system (the WSL VM, inside WSL) has right now."""
    info = meminfo(host)
    return Figure(info.get("MemTotal"), "/proc/meminfo")


def vm_swap(host: Host) -> Figure:
    """Swap this Linux system has right now."""
    info = meminfo(host)
    return Figure(info.get("SwapTotal"), "/proc/meminfo")


def cpu_count(host: Host) -> Figure:
    """Logical CPUs."""
    if host.root is not None:
        try:
            data, _ = host.read_bytes("/proc/cpuinfo", limit=1024 * 1024)
        except OSError:
            return Figure(None, "no /proc/cpuinfo under --root")
        count = sum(1 for ln in data.splitlines() if ln.startswith(b"processor"))
        return Figure(count or None, "/proc/cpuinfo under --root")
    return Figure(os.cpu_count(), "os.cpu_count()")


def docker_data_place(host: Host) -> tuple[str, str]:
    """Where Docker keeps images and volumes on this platform (a host path), and what it is.

    Docker Desktop keeps them in a disk image: under %LOCALAPPDATA% on Windows (on C:, also
    for a distro in WSL) and under ~/Library/Containers on a Mac; Docker Engine on Linux uses
    /var/lib/docker. Where the engine answers, docker-resources asks it instead.
    """
    home = (host.home or "").rstrip("\\/")
    if host.platform is Platform.WINDOWS:
        local = host.env.get("LOCALAPPDATA") or (f"{home}\\AppData\\Local" if home else "C:\\")
        return local, "Docker Desktop's disk image (under %LOCALAPPDATA%\\Docker)"
    if host.platform is Platform.WSL:
        return "/mnt/c", "Docker Desktop's disk image on C:"
    if host.platform is Platform.MACOS:
        return f"{home}/Library/Containers", "Docker Desktop's disk image"
    return "/var/lib/docker", "Docker's data folder"


def disk_free(host: Host, path: str) -> Figure:
    """Free bytes on the file system holding `path` (its nearest existing parent)."""
    real = host.real(path)
    while not real.exists() and real != real.parent:
        real = real.parent
    try:
        return Figure(shutil.disk_usage(real).free, f"free space at {path}")
    except OSError as exc:
        return Figure(None, f"cannot measure {path}: {exc.strerror}")
