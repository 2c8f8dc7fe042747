"""How Docker could hand this host's GPU to a container: the runtime, CDI, the toolkit's files.

There are several ways, and none alone is proof: the `nvidia` runtime the engine lists (Docker
Desktop lists one too), `--gpus` (dockerd registers its NVIDIA device driver at start only if
nvidia-container-runtime-hook is on its PATH), CDI specs (/etc/cdi; /var/run/cdi is emptied at
every boot unless nvidia-cdi-refresh writes it again) and Docker Desktop's own WSL 2 support.
The engine is asked through the docker CLI (`docker info --format '{{json .}}'`), which follows
the user's context like every other docker command they type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devdoctor import Host, Platform

from .detect import host_has_gpu
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

NO_DEVICE_DRIVER = 'could not select device driver "" with capabilities: [[gpu]]'
NO_NVML = (
    "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: "
    "cannot open shared object file: no such file or directory"
)
NO_RUNTIME = "unknown or invalid runtime name: nvidia"
NO_RUNTIME_OLD = "Unknown runtime specified nvidia"
"""What Docker 20.10 says instead (captured from a real engine in the tests)."""
NO_CDI_DEVICE = "unresolvable CDI devices {device}"
NO_CDI = 'could not select device driver "cdi" with capabilities: []'
"""A current docker CLI asking an engine without CDI (captured: CLI 28.2, engine 20.10)."""

_KIND = re.compile(r"^kind:\s*[\"']?(?P<kind>[^\"'\s#]+)", re.MULTILINE)
_QUALIFIED = re.compile(r"^[a-z0-9.-]+/[a-zA-Z0-9_.-]+=[a-zA-Z0-9_.:-]+$")


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


# ---------------------------------------------------------------------------- prediction


def gpu_flags(run_args: Sequence[str]) -> list[tuple[str, str]]:
    """(flag, value) for each docker run argument that involves a GPU."""
    found = []
    for index, arg in enumerate(run_args):
        name, equals, value = arg.partition("=")
        if not equals and index + 1 < len(run_args) and not run_args[index + 1].startswith("-"):
            value = run_args[index + 1]
        cdi = name == "--device" and _QUALIFIED.match(value) and value.startswith("nvidia.com/")
        if name == "--gpus" or (name == "--runtime" and value == "nvidia") or cdi:
            found.append((name, value))
    return found


def predict_docker_error(host: Host, run_args: Sequence[str]) -> str | None:
    """The error `docker run` will print for these GPU flags on this host, or None.

    None means Docker should accept them, or that this host does not tell (an engine that did
    not answer on Docker Desktop). The messages are Docker's and the toolkit's own, as they
    appear after `docker: Error response from daemon:`.
    """
    flags = gpu_flags(run_args)
    if not flags:
        return None
    facts = toolkit(host)
    engine = facts.engine
    macos = host.platform is Platform.MACOS
    desktop_on_windows = engine.desktop and host.platform in (Platform.WSL, Platform.WINDOWS)
    for flag, value in flags:
        if flag == "--runtime":
            runtimes = engine.runtime_names if engine.answered else [
                n for n, _ in facts.daemon_json.runtimes
            ]
            if (engine.answered or not _desktop_possible(host)) and "nvidia" not in runtimes:
                return NO_RUNTIME_OLD if _major(engine.version) in range(1, 21) else NO_RUNTIME
        elif flag == "--device":
            if not engine.answered or desktop_on_windows:
                continue
            if engine.cdi_dirs is None:
                return NO_CDI
            # An empty list is not proof of CDI off: some engines list none and read /etc/cdi.
            if engine.cdi_dirs and value not in facts.cdi_devices:
                return NO_CDI_DEVICE.format(device=value)
        elif flag == "--gpus":
            if macos or (engine.desktop and host.platform is Platform.LINUX):
                return NO_DEVICE_DRIVER
            if desktop_on_windows or (not engine.answered and _desktop_possible(host)):
                continue  # Docker Desktop brings its own hook; the smoke test tells the rest
            if facts.tool("nvidia-container-runtime-hook") is None:
                return NO_DEVICE_DRIVER
            if not host_has_gpu(host):
                return NO_NVML
    return None


def _major(version: str) -> int:
    """20 for "20.10.24+dfsg1", 0 when unknown."""
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() and len(head) < 4 else 0


def _desktop_possible(host: Host) -> bool:
    """Where an engine that did not answer may still be Docker Desktop's."""
    return host.platform in (Platform.WSL, Platform.WINDOWS)


# ---------------------------------------------------------------------------- known errors

KNOWN_ERRORS: tuple[tuple[str, str, str], ...] = (
    (
        'could not select device driver "cdi"',
        "cdi-off",
        "The engine does not support CDI devices (`--device nvidia.com/gpu=...`): it is too "
        "old, or has CDI off. Update Docker Engine (CDI is on by default in current versions) "
        "or ask the course for `--gpus all` instead.",
    ),
    (
        "could not select device driver",
        "no-device-driver",
        "dockerd has no GPU device driver: the NVIDIA Container Toolkit is not installed, or "
        "Docker was not restarted after installing it (dockerd looks for "
        "nvidia-container-runtime-hook only when it starts). Docker installed as a snap shows "
        "the same error. Install the toolkit, then `sudo nvidia-ctk runtime configure "
        "--runtime=docker` and `sudo systemctl restart docker`.",
    ),
    (
        "load library failed: libnvidia-ml.so.1",
        "no-driver-libraries",
        "The toolkit runs but finds no NVIDIA driver libraries: the computer's driver is "
        "missing or broken (see gpu-driver). On Docker Desktop, the Windows NVIDIA driver or "
        "Windows itself is too old for GPU support in WSL 2.",
    ),
    (
        "unknown runtime specified nvidia",
        "no-nvidia-runtime",
        "The engine has no runtime called nvidia, which `--runtime=nvidia` asks for. Run "
        "`sudo nvidia-ctk runtime configure --runtime=docker` and `sudo systemctl restart "
        "docker`, or ask the course to use `--gpus all` instead.",
    ),
    (
        "unknown or invalid runtime name: nvidia",
        "no-nvidia-runtime",
        "The engine has no runtime called nvidia, which `--runtime=nvidia` asks for. Run "
        "`sudo nvidia-ctk runtime configure --runtime=docker` and `sudo systemctl restart "
        "docker`, or ask the course to use `--gpus all` instead.",
    ),
    (
        "unresolvable cdi devices",
        "no-cdi-spec",
        "No CDI spec names the device asked for. Generate one with `sudo nvidia-ctk cdi "
        "generate --output=/etc/cdi/nvidia.yaml` (a spec in /var/run/cdi is lost at every "
        "reboot unless the nvidia-cdi-refresh service writes it again).",
    ),
    (
        "file creation failed",
        "files-exist",
        "The toolkit could not mount the driver's files because files of that name are already "
        "there: a Linux NVIDIA driver installed inside WSL, or driver files baked into the "
        "image (see gpu-driver).",
    ),
    (
        "driver error: failed to process request",
        "desktop-driver-error",
        "Docker Desktop could not hand the GPU over: update NVIDIA's Windows driver, run "
        "`wsl --update` in PowerShell, and restart Docker Desktop.",
    ),
)


def explain_docker_error(text: str) -> tuple[str, str] | None:
    """(slug, explanation) for a known GPU error in docker's output, or None."""
    lowered = text.lower()
    for needle, slug, why in KNOWN_ERRORS:
        if needle in lowered:
            return slug, why
    return None
