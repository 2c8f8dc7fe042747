"""GPU: the NVIDIA driver and the container toolkit. What other areas may use is exported here.

`host_has_gpu` (the variant choice, the devcontainer check) and gpu-driver share one probe of
nvidia-smi per run; `predict_docker_error` says what `docker run` will print for a
configuration's GPU runArgs on this host, from the same facts gpu-toolkit reads.
"""

from __future__ import annotations

from .detect import host_has_gpu
from .toolkit import explain_docker_error, gpu_flags, predict_docker_error

__all__ = ["explain_docker_error", "gpu_flags", "host_has_gpu", "predict_docker_error"]
