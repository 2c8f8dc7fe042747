"""How Docker could hand this host's GPU to a container: the runtime, CDI, the toolkit's files.

There are several ways, and none alone is proof: the `nvidia` runtime the engine lists (Docker
Desktop lists one too), `--gpus` (dockerd registers its NVIDIA device driver at start only if
nvidia-container-runtime-hook is on its PATH), CDI specs (/etc/cdi; /var/run/cdi is emptied at
every boot unless nvidia-cdi-refresh writes it again) and Docker Desktop's own WSL 2 support.
What Docker will say about a configuration's GPU flags, given these facts, is docker_errors.py.
The engine is asked through the docker CLI (`docker info --format '{{json .}}'`), which follows
the user's context like every other docker command they type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devdoctor import Host
from devdoctor.lazy import LazyPattern

from .smi import first_line

DOCKER_INFO_TIMEOUT = 8.0
CDI_DIRS = ("/etc/cdi", "/var/run/cdi")
DAEMON_JSON = "/etc/docker/daemon.json"
TOOLS = (
    "nvidia-container-runtime-hook",
    "nvidia-ctk",
    "nvidia-container-cli",
    "nvidia-container-runtime",
)
TOOL_PLACES = ("/usr/bin", "/usr/local/bin", "/usr/sbin", "/usr/local/nvidia/toolkit")
REFRESH_UNITS = (
    "/etc/systemd/system/nvidia-cdi-refresh.service",
    "/usr/lib/systemd/system/nvidia-cdi-refresh.service",
    "/lib/systemd/system/nvidia-cdi-refresh.service",
)
SPEC_LIMIT = 1024 * 1024
MAX_SPECS = 64

_KIND = LazyPattern(r"^kind:\s*[\"']?(?P<kind>[^\"'\s#]+)", re.MULTILINE)


@dataclass(frozen=True)
class Engine:
    """What the engine said about itself, or why it said nothing."""

    answered: bool
    problem: str = ""
    version: str = ""
    desktop: bool = False
    operating_system: str = ""
    runtimes: tuple[tuple[str, str], ...] = ()
    """(name, path) of each runtime the engine lists."""
    default_runtime: str = ""
    cdi_dirs: tuple[str, ...] | None = None
    """None: the engine does not report CDI (too old, or CDI off)."""
    cdi_devices: tuple[str, ...] = ()

    @property
    def runtime_names(self) -> list[str]:
        return [name for name, _ in self.runtimes]


@dataclass(frozen=True)
class DaemonJson:
    """/etc/docker/daemon.json as far as the GPU goes."""

    path: str
    exists: bool
    runtimes: tuple[tuple[str, str], ...] = ()
    default_runtime: str = ""
    problem: str = ""


@dataclass(frozen=True)
class CdiSpec:
    """One CDI spec file: its kind (`nvidia.com/gpu`) and the devices it names."""

    path: str
    kind: str
    devices: tuple[str, ...]

    @property
    def qualified(self) -> list[str]:
        return [f"{self.kind}={name}" for name in self.devices]


@dataclass(frozen=True)
class Toolkit:
    """Everything gpu-toolkit and the error prediction read, gathered once per run."""

    engine: Engine
    daemon_json: DaemonJson
    specs: tuple[CdiSpec, ...]
    tools: tuple[tuple[str, str], ...]
    """(name, path) of the NVIDIA Container Toolkit's programs found here."""
    refresh_unit: str | None

    def tool(self, name: str) -> str | None:
        return next((path for tool, path in self.tools if tool == name), None)

    @property
    def nvidia_specs(self) -> list[CdiSpec]:
        return [s for s in self.specs if s.kind == "nvidia.com/gpu" and s.devices]

    @property
    def cdi_devices(self) -> list[str]:
        """NVIDIA CDI devices the engine can resolve: those it discovered, else its specs'."""
        found = [d for d in self.engine.cdi_devices if d.startswith("nvidia.com/gpu=")]
        if found or self.engine.cdi_dirs is None:
            return found
        dirs = {d.rstrip("/") for d in self.engine.cdi_dirs} | _aliases(self.engine.cdi_dirs)
        return [
            name
            for spec in self.nvidia_specs
            if spec.path.rsplit("/", 1)[0] in dirs
            for name in spec.qualified
        ]


def _aliases(dirs: Sequence[str]) -> set[str]:
    """/var/run is /run on every current distribution."""
    out = set()
    for d in dirs:
        if d.startswith("/var/run/"):
            out.add(d[len("/var") :].rstrip("/"))
        elif d.startswith("/run/"):
            out.add(f"/var{d}".rstrip("/"))
    return out


def toolkit(host: Host) -> Toolkit:
    """The toolkit facts, once per run."""
    return host.fact("gpu.toolkit", _toolkit)


def _toolkit(host: Host) -> Toolkit:
    engine = engine_info(host)
    dirs = list(CDI_DIRS)
    for extra in engine.cdi_dirs or ():
        if extra not in dirs and extra.startswith("/"):
            dirs.append(extra)
    tools = []
    for name in TOOLS:
        path = host.which(name) or next(
            (f"{d}/{name}" for d in TOOL_PLACES if host.is_file(f"{d}/{name}")), None
        )
        if path:
            tools.append((name, path))
    unit = next((u for u in REFRESH_UNITS if host.is_file(u)), None)
    return Toolkit(engine, read_daemon_json(host), tuple(cdi_specs(host, dirs)), tuple(tools), unit)


def engine_info(host: Host) -> Engine:
    """`docker info --format '{{json .}}'`, once per run, bounded."""
    return host.fact("gpu.engine", _engine_info)


def _engine_info(host: Host) -> Engine:
    done = host.run(["docker", "info", "--format", "{{json .}}"], timeout=DOCKER_INFO_TIMEOUT)
    if done.missing:
        return Engine(False, "docker: not found on PATH")
    if done.timed_out:
        return Engine(False, f"docker info: no answer within {DOCKER_INFO_TIMEOUT:.0f} s")
    return parse_engine_info(done.out, first_line(done.err) or done.describe())


def parse_engine_info(text: str, otherwise: str = "no answer") -> Engine:
    """The engine from the CLI's JSON; a CLI without a daemon prints empty server fields."""
    try:
        data = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        return Engine(False, otherwise)
    errors = data.get("ServerErrors")
    version = data.get("ServerVersion")
    if not isinstance(version, str) or not version:
        said = errors[0] if isinstance(errors, list) and errors else ""
        said = said if isinstance(said, str) else ""
        return Engine(False, first_line(said) or otherwise)
    operating = _text(data.get("OperatingSystem"))
    runtimes = data.get("Runtimes")
    listed = []
    if isinstance(runtimes, dict):
        for name, spec in runtimes.items():
            path = spec.get("path") if isinstance(spec, dict) else None
            listed.append((str(name)[:60], _text(path)))
    dirs = data.get("CDISpecDirs")
    devices = data.get("DiscoveredDevices")
    return Engine(
        answered=True,
        version=version[:40],
        desktop="docker desktop" in operating.lower() or data.get("Name") == "docker-desktop",
        operating_system=operating,
        runtimes=tuple(listed),
        default_runtime=_text(data.get("DefaultRuntime")),
        cdi_dirs=tuple(d for d in dirs if isinstance(d, str)) if isinstance(dirs, list) else None,
        cdi_devices=tuple(
            d["ID"]
            for d in (devices if isinstance(devices, list) else [])
            if isinstance(d, dict) and isinstance(d.get("ID"), str) and d.get("Source") == "cdi"
        ),
    )


def _text(value: Any, limit: int = 120) -> str:
    return value[:limit] if isinstance(value, str) else ""


def read_daemon_json(host: Host) -> DaemonJson:
    """The runtimes /etc/docker/daemon.json registers (what `nvidia-ctk runtime configure` adds)."""
    try:
        data, more = host.read_bytes(DAEMON_JSON, limit=256 * 1024)
    except FileNotFoundError:
        return DaemonJson(DAEMON_JSON, False)
    except OSError as exc:
        return DaemonJson(DAEMON_JSON, True, problem=f"cannot read it: {exc.strerror}")
    try:
        parsed = json.loads(data.decode("utf-8-sig")) if not more else None
    except (ValueError, RecursionError) as exc:
        return DaemonJson(DAEMON_JSON, True, problem=f"not valid JSON: {str(exc)[:120]}")
    if not isinstance(parsed, dict):
        return DaemonJson(DAEMON_JSON, True, problem="not a JSON object")
    runtimes = parsed.get("runtimes")
    listed = tuple(
        (str(name)[:60], _text(spec.get("path")) if isinstance(spec, dict) else "")
        for name, spec in (runtimes.items() if isinstance(runtimes, dict) else [])
    )
    return DaemonJson(DAEMON_JSON, True, listed, _text(parsed.get("default-runtime")))


def cdi_specs(host: Host, dirs: Sequence[str]) -> list[CdiSpec]:
    """The CDI spec files in these folders (.yaml, .yml, .json), read up to 1 MiB each."""
    specs: list[CdiSpec] = []
    for folder in dirs:
        for name in host.listdir(folder):
            if not name.endswith((".yaml", ".yml", ".json")) or len(specs) >= MAX_SPECS:
                continue
            path = f"{folder.rstrip('/')}/{name}"
            try:
                data, _ = host.read_bytes(path, limit=SPEC_LIMIT)
            except OSError:
                continue
            spec = parse_cdi_spec(data.decode("utf-8", errors="replace"), path)
            if spec is not None:
                specs.append(spec)
    return specs


def parse_cdi_spec(text: str, path: str) -> CdiSpec | None:
    """Kind and device names of a CDI spec, JSON or the YAML nvidia-ctk writes; None if neither."""
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            return None
        devices = data.get("devices")
        names = [
            d["name"]
            for d in (devices if isinstance(devices, list) else [])
            if isinstance(d, dict) and isinstance(d.get("name"), str)
        ]
        return CdiSpec(path, data["kind"][:80], tuple(n[:80] for n in names))
    kind = _KIND.search(text)
    if kind is None:
        return None
    return CdiSpec(path, kind.group("kind")[:80], tuple(_yaml_device_names(text)))


def _yaml_device_names(text: str) -> list[str]:
    """Names of the items under the top-level `devices:` list, at the items' own key column."""
    names: list[str] = []
    inside = False
    key_column: int | None = None
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0 and not line.startswith("-"):
            inside = line.startswith("devices:")
            key_column = None
            continue
        if not inside:
            continue
        stripped = line.lstrip(" ")
        if stripped.startswith("- ") and (key_column is None or indent + 2 <= key_column):
            rest = stripped[1:].lstrip(" ")
            key_column = indent + (len(stripped) - len(rest))
            stripped, indent = rest, key_column
        if indent == key_column and stripped.startswith("name:"):
            value = stripped[len("name:") :].strip().strip("\"'")
            if value:
                names.append(value[:80])
    return names
