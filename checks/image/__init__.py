"""What the image build needs: the Dockerfile, and (to come) the requirement files.

What other areas may use is exported here; the modules behind it are this area's own.
"""

from __future__ import annotations

from .dockerfile import (
    DOCKERFILE_LIMIT,
    Stage,
    build_args,
    dockerfile_stages,
    dockerfile_text,
    final_image,
)

__all__ = [
    "DOCKERFILE_LIMIT",
    "Stage",
    "build_args",
    "dockerfile_stages",
    "dockerfile_text",
    "final_image",
]
