"""What Docker will say about GPU flags on this host, and what its GPU errors mean.

From the facts toolkit.py gathers, `predict_docker_error` says which error `docker run` will
print for a configuration's GPU runArgs (the devcontainer check shows it before a build
fails), and `explain_docker_error` maps Docker's and the toolkit's messages, from a smoke
run or a build log, to a cause and its fix. Kept apart from toolkit.py, which gathers what is
installed here; this is Docker's behaviour and wording.
"""

from __future__ import annotations

from collections.abc import Sequence

from devdoctor import Host, Platform
from devdoctor.lazy import LazyPattern

from .detect import host_has_gpu
from .toolkit import toolkit

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

_QUALIFIED = LazyPattern(r"^[a-z0-9.-]+/[a-zA-Z0-9_.-]+=[a-zA-Z0-9_.:-]+$")


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
