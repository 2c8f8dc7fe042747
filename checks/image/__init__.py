"""What the image build needs: the Dockerfile, and (to come) the requirement files.

What other areas may use is exported here; the modules behind it are this area's own.

The names are imported when first asked for, so a check that needs none of them (or a run
outside a course repository) does not pay for the modules behind them at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devdoctor.lazy import exports_on_demand

_EXPORTS = {
    "DOCKERFILE_LIMIT": "dockerfile",
    "Stage": "dockerfile",
    "build_args": "dockerfile",
    "dockerfile_stages": "dockerfile",
    "dockerfile_text": "dockerfile",
    "final_image": "dockerfile",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .dockerfile import DOCKERFILE_LIMIT as DOCKERFILE_LIMIT
    from .dockerfile import Stage as Stage
    from .dockerfile import build_args as build_args
    from .dockerfile import dockerfile_stages as dockerfile_stages
    from .dockerfile import dockerfile_text as dockerfile_text
    from .dockerfile import final_image as final_image

__getattr__ = exports_on_demand(__name__, _EXPORTS)
