"""The GPU facts of this host, computed once per run and shared by every check that asks.

One implementation answers "is there a usable NVIDIA GPU?" for the variant choice, the
devcontainer check and gpu-driver alike: nvidia-smi -L from where the driver puts it (WSL's
copy from Windows first inside WSL), then, for gpu-driver only, its CSV query and version.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from devdoctor import Completed, Host, Platform
from devdoctor.lazy import LazyPattern

from .smi import (
    BASIC_FIELDS,
    QUERY_FIELDS,
    Failure,
    Gpu,
    Unreadable,
    failure,
    first_line,
    parse_header,
    parse_list,
    parse_query,
    parse_version,
)

WSL_LIB = "/usr/lib/wsl/lib"
WSL_SMI = f"{WSL_LIB}/nvidia-smi"
LINUX_SMI_PLACES = ("/usr/bin/nvidia-smi", "/usr/local/nvidia/bin/nvidia-smi")
SMI_TIMEOUT = 6.0

# dpkg's record of a Linux NVIDIA driver (/var/lib/dpkg/info/NAME[:ARCH].list).
_DRIVER_PACKAGE = LazyPattern(
    r"^((?:nvidia-(?:driver|utils|dkms|kernel-common)|libnvidia-compute|xserver-xorg-video-nvidia)"
    r"-\d+(?:-[a-z]+)*|cuda-drivers(?:-\d+)?)(?::[a-z0-9]+)?\.list$"
)
# Files a Linux driver puts where WSL's own come from /usr/lib/wsl/lib instead.
_LINUX_DRIVER_FILES = (
    "/usr/bin/nvidia-smi",
    "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
    "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
    "/usr/lib/aarch64-linux-gnu/libnvidia-ml.so.1",
    "/usr/lib64/libnvidia-ml.so.1",
    "/proc/driver/nvidia/version",
)


class Probe(NamedTuple):
    """nvidia-smi -L on this host: the GPUs it listed, or why it could not."""

    smi: str | None
    """The nvidia-smi that answered (or the first one tried), as a path on this host."""
    gpus: tuple[Gpu, ...] = ()
    failure: Failure | None = None
    tried: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.gpus)


@dataclass(frozen=True)
class Details:
    """What gpu-driver adds: the CSV query (memory, driver) and the CUDA version."""

    gpus: tuple[Gpu, ...] | Unreadable
    versions: dict[str, str] = field(default_factory=dict)
    query_failure: Failure | None = None
    fields: tuple[str, ...] = QUERY_FIELDS


def host_has_gpu(host: Host) -> bool:
    """nvidia-smi lists a GPU (WSL's own copy too). Asked once per run."""
    return probe(host).ok


def probe(host: Host) -> Probe:
    """nvidia-smi -L, once per run, from the first place that answers."""
    return host.fact("gpu.probe", _probe)


def candidates(host: Host) -> list[tuple[str, str]]:
    """(as shown, as run) for each nvidia-smi worth trying here, in order, without repeats."""
    if host.platform is Platform.MACOS:
        return []
    found: list[tuple[str, str]] = []
    if host.platform is Platform.WSL and host.is_file(WSL_SMI):
        found.append((WSL_SMI, str(host.real(WSL_SMI))))  # Windows' driver, whatever PATH says
    on_path = host.which("nvidia-smi")
    if on_path:
        found.append((on_path, on_path))
    if host.platform is not Platform.WINDOWS:
        found.extend((p, str(host.real(p))) for p in LINUX_SMI_PLACES if host.is_file(p))
    unique: list[tuple[str, str]] = []
    seen: set[str] = set()
    for shown, real in found:
        key = os.path.realpath(real)
        if key not in seen:
            seen.add(key)
            unique.append((shown, real))
    return unique


def _probe(host: Host) -> Probe:
    tried: list[str] = []
    first: Probe | None = None
    for shown, program in candidates(host):
        tried.append(shown)
        done = host.run([program, "-L"], timeout=SMI_TIMEOUT)
        gpus = parse_list(done.out) if done.ok else []
        if gpus:
            return Probe(shown, tuple(gpus), None, tuple(tried))
        if first is None:
            why = failure(done) if not done.ok else _listed_nothing(done)
            first = Probe(shown, (), why)
    if first is None:
        return Probe(None)
    return Probe(first.smi, (), first.failure, tuple(tried))


def _listed_nothing(done: Completed) -> Failure:
    return Failure(
        "no-devices",
        "nvidia-smi runs but lists no GPU",
        "The driver answers, but `nvidia-smi -L` names no GPU.",
        first_line(done.out) or first_line(done.err) or "(no output)",
    )


def details(host: Host) -> Details:
    """The CSV query and the versions, once per run (only after the probe found a GPU)."""
    return host.fact("gpu.details", _details)


def _details(host: Host) -> Details:
    found = probe(host)
    program = next((real for shown, real in candidates(host) if shown == found.smi), None)
    if program is None or not found.ok:
        return Details(Unreadable("no nvidia-smi answered"))
    fields: tuple[str, ...] = QUERY_FIELDS
    done = _query(host, program, fields)
    if done.rc == 2 and "not a valid field" in (done.out + done.err):
        fields = BASIC_FIELDS  # an older driver without compute_cap
        done = _query(host, program, fields)
    gpus: tuple[Gpu, ...] | Unreadable
    query_failure = None
    if done.ok:
        parsed = parse_query(done.out, fields)
        gpus = parsed if isinstance(parsed, Unreadable) else tuple(parsed)
    else:
        query_failure = failure(done)
        gpus = Unreadable(query_failure.summary)
    versions: dict[str, str] = {}
    answer = host.run([program, "--version"], timeout=SMI_TIMEOUT)
    if answer.ok:
        versions = parse_version(answer.out)
    if "cuda version" not in versions:
        table = host.run([program], timeout=SMI_TIMEOUT)
        if table.ok:
            versions = {**parse_header(table.out), **versions}
    return Details(gpus, versions, query_failure, fields)


def _query(host: Host, program: str, fields: tuple[str, ...]) -> Completed:
    return host.run(
        [program, f"--query-gpu={','.join(fields)}", "--format=csv"], timeout=SMI_TIMEOUT
    )


def kernel_module(host: Host) -> str | None:
    """The loaded NVIDIA kernel module's version from /proc/driver/nvidia/version, if any."""
    try:
        lines = host.read_lines("/proc/driver/nvidia/version", limit=4096)
    except OSError:
        return None
    match = re.search(r"Kernel Module(?: for \S+)?\s+([0-9][0-9.]+)", " ".join(lines[:1]))
    return match.group(1) if match else (lines[0][:120] if lines else None)


def device_nodes(host: Host) -> list[str]:
    """/dev/nvidia* (Linux's driver) and /dev/dxg (WSL's GPU from Windows) that exist."""
    names = [n for n in host.listdir("/dev") if n.startswith("nvidia") or n == "dxg"]
    return [f"/dev/{n}" for n in names]


def linux_driver_in_wsl(host: Host) -> tuple[list[str], list[str]]:
    """(packages, files) of a Linux NVIDIA driver installed inside WSL, where it does harm."""
    packages = sorted(
        {m.group(1) for n in host.listdir("/var/lib/dpkg/info") if (m := _DRIVER_PACKAGE.match(n))}
    )
    files = []
    for path in _LINUX_DRIVER_FILES:
        target = host.readlink(path)
        if target is not None and "/wsl/" in target:
            continue  # a link to Windows' own copy is how it should be
        if host.exists(path):
            files.append(path)
    return packages, files
