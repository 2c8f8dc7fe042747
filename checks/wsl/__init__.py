"""WSL on Windows: its version, its memory, .wslconfig, and the answers only Windows has.

What other areas may use is exported here; the modules behind it are this area's own.
"""

from __future__ import annotations

from .machine import machine
from .windows import parse_wsl_list, windows_profile, wsl_list

__all__ = ["machine", "parse_wsl_list", "windows_profile", "wsl_list"]
