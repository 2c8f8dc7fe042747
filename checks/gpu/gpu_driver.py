"""gpu-driver: an NVIDIA driver this computer can use, as nvidia-smi reports it.

On Linux the driver is a kernel module plus nvidia-smi and its libraries; inside WSL 2 the
driver is Windows' own, reaching Linux through /dev/dxg and /usr/lib/wsl/lib, and a Linux
driver installed inside WSL breaks it. Runs only when the course (or its chosen configuration)
asks for a GPU.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from devdoctor import Check, Finding, Host, Platform, Status, evidence

from .detect import (
    WSL_LIB,
    WSL_SMI,
    Probe,
    details,
    device_nodes,
    kernel_module,
    linux_driver_in_wsl,
    probe,
)
from .need import gpu_need, optional_at_most_info
from .smi import Gpu, Unreadable


class GpuDriver(Check):
    """An NVIDIA driver this computer can use: what nvidia-smi says about each GPU.

    A GPU course's container can only use the GPU if the computer's own driver works first.
    On Linux, `nvidia-smi` must list the GPU; if it says it cannot communicate with the
    driver, the kernel module is not loaded (reinstall the driver for the running kernel, or
    restart after installing it). In WSL 2 the driver is the Windows one: install NVIDIA's
    current Windows driver and never a Linux NVIDIA driver inside WSL, which hides the
    Windows one. Students of a CPU-only course (or configuration) see this check skipped.
    """

    id = "gpu-driver"
    needs_repository = True
    title = "GPU: NVIDIA driver"
    timeout = 30.0

    def skip_reason(self, host: Host) -> str | None:
        return gpu_need(host).skip

    def run(self, host: Host) -> Iterator[Finding]:
        need = gpu_need(host)
        found: Iterable[Finding] = (
            self._wsl(host) if host.platform is Platform.WSL else self._native(host)
        )
        yield from optional_at_most_info(found, need)

    # -- WSL 2: the driver comes from Windows -------------------------------------------------

    def _wsl(self, host: Host) -> Iterator[Finding]:
        packages, files = linux_driver_in_wsl(host)
        if packages or files:
            yield self.finding(
                Status.FAIL,
                "linux-driver-in-wsl",
                "a Linux NVIDIA driver is installed inside WSL, where it hides the Windows driver",
                evidence=evidence(packages=", ".join(packages) or "none", files=", ".join(files)),
                detail="In WSL 2 the GPU driver is the Windows one: WSL puts its libraries and "
                f"nvidia-smi in {WSL_LIB}. A Linux driver installed inside WSL puts its own "
                "libnvidia-ml.so.1 and nvidia-smi first, which cannot reach the GPU, and GPU "
                "containers then fail (`nvidia-container-cli: mount error: file creation "
                "failed: ... libnvidia-ml.so.1: file exists`). Remove the Linux driver "
                "packages listed (`sudo apt remove --purge PACKAGE...`), keep the CUDA "
                "toolkit if you need it, and install only NVIDIA's driver for Windows.",
            )
        has_dxg = host.exists("/dev/dxg")
        wanted = ("libcuda.so.1", "libnvidia-ml.so.1", "nvidia-smi")
        libs = [name for name in wanted if host.exists(f"{WSL_LIB}/{name}")]
        facts = evidence(
            dev_dxg="present" if has_dxg else "missing",
            wsl_lib=", ".join(libs) or "no NVIDIA files",
        )
        if not has_dxg:
            yield self.finding(
                Status.FAIL,
                "no-dxg",
                "WSL gives this distro no GPU: /dev/dxg is missing",
                evidence=facts,
                detail="WSL 2 hands the Windows GPU to Linux through /dev/dxg. It is missing "
                "when the distro runs as WSL 1, when /etc/wsl.conf has `[gpu] enabled=false`, "
                "or when Windows or WSL is too old: run `wsl --update` in PowerShell, then "
                "`wsl --shutdown`, and open the distro again.",
            )
            return
        if not host.exists(WSL_SMI):
            yield self.finding(
                Status.FAIL,
                "no-windows-driver",
                f"{WSL_LIB} has no nvidia-smi: Windows has no NVIDIA driver WSL can use",
                evidence=facts,
                detail="WSL copies the NVIDIA driver's Linux files from Windows. Install "
                "NVIDIA's current driver for Windows (GeForce or RTX/Quadro, from nvidia.com "
                "or the NVIDIA app), then `wsl --shutdown` in PowerShell and open the distro "
                "again. If this computer has no NVIDIA GPU, use the course's CPU configuration.",
            )
            return
        yield from self._answer(host, probe(host), facts)

    # -- Linux, Windows, a container ----------------------------------------------------------

    def _native(self, host: Host) -> Iterator[Finding]:
        found = probe(host)
        module = kernel_module(host) if host.platform is not Platform.WINDOWS else None
        nodes = device_nodes(host)
        facts = evidence(
            kernel_module=module or "not loaded",
            devices=", ".join(n for n in nodes if n != "/dev/dxg") or "no /dev/nvidia*",
        )
        if host.platform is Platform.WINDOWS:
            facts = ()
        if found.smi is None:
            if module:
                yield self.finding(
                    Status.WARN,
                    "no-nvidia-smi",
                    f"the NVIDIA driver {module} is loaded, but nvidia-smi is not installed",
                    evidence=facts,
                    detail="The kernel module runs, but the driver's tools are missing "
                    "(on Ubuntu, the nvidia-utils package of the same version), so devdoctor "
                    "cannot see the GPU and the container toolkit may not find the driver's "
                    "libraries either.",
                )
                return
            yield self.finding(
                Status.FAIL,
                "no-driver",
                "no NVIDIA driver here: nvidia-smi is not installed"
                + ("" if host.platform is Platform.WINDOWS else " and no NVIDIA module is loaded"),
                evidence=facts,
                detail="If this computer has an NVIDIA GPU, install NVIDIA's driver (on Ubuntu: "
                "`sudo ubuntu-drivers install`) and restart. If it has none, use the course's "
                "CPU configuration (VS Code's configuration picker, or `--config cpu`).",
            )
            return
        yield from self._answer(host, found, facts)
        if found.ok and module:
            versions = {g.driver_version for g in _details_gpus(host) if g.driver_version}
            if versions and module not in versions:
                yield self.finding(
                    Status.WARN,
                    "module-mismatch",
                    f"the loaded kernel module is {module}, nvidia-smi's driver is "
                    f"{', '.join(sorted(versions))}",
                    evidence=facts,
                    detail="The driver was updated and the old module is still loaded: "
                    "restart the computer before building GPU containers.",
                )

    # -- what nvidia-smi said -----------------------------------------------------------------

    def _answer(
        self, host: Host, found: Probe, facts: tuple[tuple[str, str], ...]
    ) -> Iterator[Finding]:
        where = evidence(nvidia_smi=found.smi or "not found")
        if not found.ok:
            why = found.failure
            assert why is not None  # a probe without GPUs always says why
            yield self.finding(
                Status.FAIL,
                why.slug,
                why.summary,
                evidence=where + evidence(said=why.said) + facts,
                detail=why.detail,
            )
            return
        more = details(host)
        gpus = list(more.gpus) if not isinstance(more.gpus, Unreadable) else list(found.gpus)
        driver = next((g.driver_version for g in gpus if g.driver_version), None)
        driver = driver or more.versions.get("driver version")
        cuda = more.versions.get("cuda version")
        listed = {
            f"GPU {g.index if g.index is not None else n}": _card(g) for n, g in enumerate(gpus)
        }
        names = sorted({g.name for g in gpus})
        summary = (
            f"{len(gpus)} NVIDIA GPUs ({', '.join(names)})" if len(gpus) > 1 else _card(gpus[0])
        )
        summary += f", driver {driver}" if driver else ""
        summary += f", CUDA {cuda}" if cuda else ""
        yield self.finding(
            Status.OK,
            "gpu",
            summary,
            evidence=tuple(listed.items())
            + evidence(driver=driver or "unknown", CUDA=cuda or "unknown")
            + where
            + facts,
        )
        if isinstance(more.gpus, Unreadable):
            yield self.finding(
                Status.INFO,
                "query-unreadable",
                f"nvidia-smi lists the GPU but its query could not be read: {more.gpus.reason}",
                evidence=where
                + evidence(query=f"--query-gpu={','.join(more.fields)} --format=csv"),
                detail="devdoctor reports what `nvidia-smi -L` says instead (no memory figure).",
            )


def _card(gpu: Gpu) -> str:
    extra = f", compute {gpu.compute_cap}" if gpu.compute_cap else ""
    return f"{gpu.describe()}{extra}"


def _details_gpus(host: Host) -> list[Gpu]:
    gpus = details(host).gpus
    return [] if isinstance(gpus, Unreadable) else list(gpus)
