"""WSL on Windows: its version, its memory, .wslconfig, and the answers only Windows has.

What other areas may use is exported here; the modules behind it are this area's own.

The names are imported when first asked for, so a check that needs none of them (or a run
outside a course repository) does not pay for the modules behind them at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devdoctor.lazy import exports_on_demand

_EXPORTS = {
    "windows_machine": "machine",
    "parse_wsl_list": "windows",
    "windows_profile": "windows",
    "wsl_list": "windows",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .machine import windows_machine as windows_machine
    from .windows import parse_wsl_list as parse_wsl_list
    from .windows import windows_profile as windows_profile
    from .windows import wsl_list as wsl_list

__getattr__ = exports_on_demand(__name__, _EXPORTS)
