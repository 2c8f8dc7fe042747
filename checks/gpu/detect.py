"""A quick look for a usable NVIDIA GPU, shared by the variant choice and the devcontainer check."""

from __future__ import annotations

from devdoctor import Host


def host_has_gpu(host: Host) -> bool:
    """nvidia-smi answers with a GPU (WSL's own copy too). Asked once per run."""
    return host.fact("gpu.present", _has_gpu)


def _has_gpu(host: Host) -> bool:
    for program in ("nvidia-smi", "/usr/lib/wsl/lib/nvidia-smi"):
        if program.startswith("/"):
            if not host.exists(program):
                continue
            program = str(host.real(program))  # the file just found, also under --root
        done = host.run([program, "-L"], timeout=5)
        if done.ok and done.out.strip().startswith("GPU"):
            return True
    return False
