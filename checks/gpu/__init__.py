"""GPU: the NVIDIA driver and the container toolkit. What other areas may use is exported here.

`host_has_gpu` (the variant choice, the devcontainer check) and gpu-driver share one probe of
nvidia-smi per run; `predict_docker_error` says what `docker run` will print for a
configuration's GPU runArgs on this host, from the same facts gpu-toolkit reads.

The names are imported when first asked for, so a check that needs none of them (or a run
outside a course repository) does not pay for the modules behind them at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devdoctor.lazy import exports_on_demand

_EXPORTS = {
    "host_has_gpu": "detect",
    "explain_docker_error": "docker_errors",
    "gpu_flags": "docker_errors",
    "predict_docker_error": "docker_errors",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .detect import host_has_gpu as host_has_gpu
    from .docker_errors import explain_docker_error as explain_docker_error
    from .docker_errors import gpu_flags as gpu_flags
    from .docker_errors import predict_docker_error as predict_docker_error

__getattr__ = exports_on_demand(__name__, _EXPORTS)
