"""Reading nvidia-smi: its CSV queries, `-L`, `--version`, its header, and why it failed.

nvidia-smi's output is the only portable account of the driver (the same program ships on
Linux, inside WSL from Windows, and on Windows). Every parser here takes any text and answers
with what it could read, or says it could not: never an exception, since the text comes from
another program. GPU UUIDs and serial numbers are dropped as they are read, so they cannot
reach a finding or a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from devdoctor import Completed, MiB, format_size
from devdoctor.lazy import LazyPattern

QUERY_FIELDS = (
    "index",
    "name",
    "uuid",
    "driver_version",
    "memory.total",
    "memory.used",
    "compute_cap",
    "pci.bus_id",
)
"""What gpu-driver asks for: the query captured on a real H100 host, so tests replay its answer
byte for byte. uuid and pci.bus_id are read past and never kept."""
BASIC_FIELDS = ("index", "name", "driver_version", "memory.total")
"""The fallback for drivers that reject a field (compute_cap is recent): exit 2."""

# Columns that identify one physical card; read past, never kept.
_SECRET_FIELDS = frozenset({"uuid", "gpu_uuid", "serial", "gpu_serial", "pci.bus_id", "gpu_bus_id"})
_NOT_A_VALUE = frozenset({"[n/a]", "n/a", "[not supported]", "[unknown error]", ""})
_UNIT = LazyPattern(r"^(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\[\]]*)\]$")
_UNIT_BYTES = {"b": 1, "kib": 1024, "mib": MiB, "gib": 1024 * MiB}
_LIST_LINE = LazyPattern(r"^GPU (?P<index>\d+): (?P<name>.*?)(?: \((?:UUID|S/N): [^)]*\))*\s*$")
_VERSION_LINE = LazyPattern(r"^\s*(?P<key>[A-Za-z][A-Za-z -]*?)\s*:\s*(?P<value>\S.*?)\s*$")
_HEADER_DRIVER = LazyPattern(r"Driver Version:\s*(?P<v>[0-9][0-9.]*)")
_HEADER_CUDA = LazyPattern(r"CUDA Version:\s*(?P<v>[0-9][0-9.]*|N/A)")
_CARD_ID = LazyPattern(r"\b(?:GPU|MIG)-[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\b")


@dataclass(frozen=True)
class Gpu:  # a dataclass: its field `index` would hide tuple.index
    """One GPU as nvidia-smi described it; nothing that identifies the physical card."""

    index: int | None
    name: str
    driver_version: str | None = None
    memory_bytes: int | None = None
    compute_cap: str | None = None

    def describe(self) -> str:
        """`NVIDIA H100 80GB HBM3, 79.6 GiB` for evidence and summaries."""
        memory = f", {format_size(self.memory_bytes)}" if self.memory_bytes else ""
        return f"{self.name}{memory}"


class Unreadable(NamedTuple):
    """Text that is not what was asked for, and what was wrong with it."""

    reason: str


def parse_query(text: str, fields: Sequence[str]) -> list[Gpu] | Unreadable:
    """Rows of `nvidia-smi --query-gpu=FIELDS --format=csv[,noheader][,nounits]`.

    The separator is ", "; with a header the units are in brackets (`memory.total [MiB]`) and
    the values carry them (`81559 MiB`) unless `nounits`. The header, when present, must name
    the fields asked for, in order: anything else is an answer to another question.
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return Unreadable("no output")
    wanted = [f.strip().lower() for f in fields]
    units: list[str | None] = [None] * len(wanted)
    first = lines[0].split(", ")
    names = [_UNIT.match(cell.strip()) for cell in first]
    header = [
        m.group("name").lower() if m else cell.strip().lower()
        for m, cell in zip(names, first, strict=True)
    ]
    if header == wanted:
        units = [m.group("unit").strip().lower() if m else None for m in names]
        lines = lines[1:]
        if not lines:
            return Unreadable("a header and no GPU")
    gpus: list[Gpu] = []
    for number, line in enumerate(lines, 1):
        cells = [cell.strip() for cell in line.split(", ")]
        if len(cells) != len(wanted):
            return Unreadable(
                f"line {number} has {len(cells)} fields where {len(wanted)} were asked for"
            )
        row = dict(zip(wanted, cells, strict=True))
        gpu = _gpu(row, dict(zip(wanted, units, strict=True)))
        if isinstance(gpu, Unreadable):
            return Unreadable(f"line {number}: {gpu.reason}")
        gpus.append(gpu)
    return gpus


def _gpu(row: dict[str, str], units: dict[str, str | None]) -> Gpu | Unreadable:
    for key in _SECRET_FIELDS:
        row.pop(key, None)
    name = row.get("name", "")
    if _absent(name) or len(name) > 200 or not name.isprintable():
        return Unreadable("no GPU name")
    index: int | None = None
    raw_index = row.get("index")
    if raw_index is not None and not _absent(raw_index):
        if not raw_index.isdigit() or len(raw_index) > 4:
            return Unreadable(f"index {raw_index[:20]!r} is not a number")
        index = int(raw_index)
    memory: int | None = None
    raw_memory = row.get("memory.total")
    if raw_memory is not None and not _absent(raw_memory):
        memory = _bytes(raw_memory, units.get("memory.total"))
        if memory is None:
            return Unreadable(f"memory {raw_memory[:30]!r} is not a size")
    driver = row.get("driver_version")
    cap = row.get("compute_cap")
    return Gpu(
        index=index,
        name=name,
        driver_version=None if driver is None or _absent(driver) else driver[:40],
        memory_bytes=memory,
        compute_cap=None if cap is None or _absent(cap) else cap[:10],
    )


def _absent(value: str) -> bool:
    return value.strip().lower() in _NOT_A_VALUE


def _bytes(value: str, header_unit: str | None) -> int | None:
    """`81559 MiB` (units in the value), or `81559` with the header's unit or nvidia-smi's MiB."""
    number, _, unit = value.strip().partition(" ")
    if not number.isdigit() or len(number) > 12:
        return None
    factor = _UNIT_BYTES.get((unit or header_unit or "mib").strip().lower())
    return None if factor is None else int(number) * factor


def parse_list(text: str) -> list[Gpu]:
    """`nvidia-smi -L`: `GPU 0: NVIDIA H200 (UUID: GPU-...)`, a line per GPU (MIG lines skipped)."""
    gpus = []
    for line in text.splitlines():
        match = _LIST_LINE.match(line.rstrip("\r"))
        if match and match.group("name").strip() and len(match.group("index")) <= 4:
            gpus.append(Gpu(index=int(match.group("index")), name=match.group("name").strip()))
    return gpus


def parse_version(text: str) -> dict[str, str]:
    """`nvidia-smi --version`: `DRIVER version : 580.159.04`, `CUDA Version : 13.0`, ..."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _VERSION_LINE.match(line)
        if match:
            key = match.group("key").strip().lower()
            if key in ("nvidia-smi version", "nvml version", "driver version", "cuda version"):
                found[key] = match.group("value")[:40]
    return found


def parse_header(text: str) -> dict[str, str]:
    """Plain `nvidia-smi`: the driver and CUDA versions from the table's first line."""
    found: dict[str, str] = {}
    driver = _HEADER_DRIVER.search(text)
    cuda = _HEADER_CUDA.search(text)
    if driver:
        found["driver version"] = driver.group("v")
    if cuda and cuda.group("v") != "N/A":
        found["cuda version"] = cuda.group("v")
    return found


class Failure(NamedTuple):
    """Why nvidia-smi did not answer, in a student's words, with what to do."""

    slug: str
    summary: str
    detail: str
    said: str


# (text nvidia-smi prints, slug, summary, what to do) — matched in order, case-insensitively.
_KNOWN: tuple[tuple[str, str, str, str], ...] = (
    (
        "driver/library version mismatch",
        "version-mismatch",
        "the NVIDIA driver was updated but the old one is still loaded",
        "The driver's files on disk are newer than the kernel module still running. Restart the "
        "computer; nvidia-smi and containers work again once the new module is loaded.",
    ),
    (
        "couldn't communicate with the nvidia driver",
        "no-communication",
        "nvidia-smi cannot talk to the NVIDIA driver: the driver is not loaded",
        "The NVIDIA kernel module is not running. Usual causes: the driver is not installed "
        "for the running kernel (after a kernel update, reinstall or rebuild it, e.g. with "
        "DKMS), Secure Boot refused an unsigned module, or the computer was not restarted "
        "after installing the driver.",
    ),
    (
        "gpu access blocked by the operating system",
        "blocked",
        "Windows does not let WSL use the GPU",
        "Install the current NVIDIA driver for Windows (it includes WSL support), run "
        "`wsl --update` in PowerShell, then `wsl --shutdown` and open the distro again.",
    ),
    (
        "no devices were found",
        "no-devices",
        "the NVIDIA driver is loaded but sees no GPU",
        "nvidia-smi runs, but no NVIDIA GPU is visible: the GPU may be disabled in the firmware, "
        "taken by another driver, or (in a virtual machine) not passed through.",
    ),
    (
        "has fallen off the bus",
        "lost",
        "the GPU has fallen off the bus",
        "The driver lost contact with the GPU (power, heat or hardware trouble). Restart the "
        "computer; if it happens again, the GPU needs attention.",
    ),
    (
        "insufficient permissions",
        "permissions",
        "nvidia-smi is not allowed to open the GPU",
        "The device files /dev/nvidia* are not readable by this user.",
    ),
    (
        "nvml shared library not found",
        "no-nvml",
        "the NVIDIA management library (libnvidia-ml.so.1) is missing",
        "nvidia-smi is here but the driver's libraries are not: the driver is partly "
        "installed. Reinstall it.",
    ),
)

# nvidia-smi's documented return codes, for answers whose text is not one of the above.
_CODES = {
    2: ("bad-argument", "nvidia-smi rejected devdoctor's query (exit 2)"),
    3: ("not-available", "the operation is not available on this GPU (exit 3)"),
    4: ("permissions", "nvidia-smi is not allowed to open the GPU (exit 4)"),
    6: ("no-devices", "nvidia-smi found no GPU (exit 6)"),
    9: ("no-communication", "the NVIDIA driver is not loaded (exit 9)"),
    12: ("no-nvml", "the NVIDIA management library could not be loaded (exit 12)"),
    15: ("lost", "the GPU has fallen off the bus (exit 15)"),
}


def failure(done: Completed) -> Failure:
    """What a failed nvidia-smi run means (it exited non-zero, or did not finish)."""
    said = first_line(done.err) or first_line(done.out)
    if done.timed_out:
        return Failure(
            "timeout",
            f"nvidia-smi did not answer within {done.seconds:.0f} s",
            "A hung nvidia-smi usually means a driver in trouble; restart the computer.",
            said or done.describe(),
        )
    if done.rc is None:
        return Failure("not-run", f"nvidia-smi could not start: {done.reason}", "", done.describe())
    text = f"{done.out}\n{done.err}".lower()
    for needle, slug, summary, detail in _KNOWN:
        if needle in text:
            return Failure(slug, summary, detail, said or done.describe())
    slug, summary = _CODES.get(done.rc, ("failed", f"nvidia-smi failed (exit {done.rc})"))
    return Failure(slug, summary, "", said or done.describe())


def first_line(text: str, limit: int = 200) -> str:
    """The first non-empty line, shortened: enough to recognise, never a whole dump."""
    for line in text.splitlines():
        if line.strip():
            return _CARD_ID.sub("GPU-<uuid>", line.strip())[:limit]
    return ""
