"""GPU: the NVIDIA driver and the container toolkit. What other areas may use is exported here."""

from __future__ import annotations

from .detect import host_has_gpu

__all__ = ["host_has_gpu"]
