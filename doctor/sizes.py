"""Sizes as people write them in policy files, and as devdoctor prints them.

Sizes are binary throughout (1 GB = 1 GiB = 1024**3 bytes), because WSL and Docker count that
way; every printed size carries its unit.
"""

from __future__ import annotations

import re

from .lazy import LazyPattern

KiB = 1024
MiB = 1024**2
GiB = 1024**3
TiB = 1024**4

_UNITS = {"": 1, "b": 1, "k": KiB, "m": MiB, "g": GiB, "t": TiB}
_SIZE = LazyPattern(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)

# A live figure (what a VM or engine reports) passes at 90 % of the requirement: a VM given
# 8 GB reports a little less than 8 GiB to its guests.
LIVE_TOLERANCE = 0.9


def parse_size(text: str | int) -> int:
    """Bytes for "8GB", "8 GiB", "512m", "8589934592"; raises ValueError with the reason."""
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a size")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"{text} is negative")
        return text
    match = _SIZE.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f'{text!r} is not a size like "8GB" or "512MB"')
    number, unit = match.groups()
    if len(number.partition(".")[0].lstrip("0")) > 20:
        raise ValueError(f"{text[:40]!r}... is too large to be a size")
    from decimal import Decimal  # exact for "0.1GB"; imported only when a size is read

    return int(Decimal(number) * _UNITS[unit.lower()])


def format_size(size: int) -> str:
    """A short binary size with its unit: "8 GiB", "7.5 GiB", "512 MiB", "300 B"."""
    for unit, factor in (("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if abs(size) >= factor:
            value = size / factor
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
    return f"{size} B"


def wsl_size(size: int) -> str:
    """The size as .wslconfig wants it: whole GB, else whole MB (upper-case units only)."""
    if size % GiB == 0:
        return f"{size // GiB}GB"
    return f"{-(-size // MiB)}MB"


def live_meets(live: int, needed: int) -> bool:
    """Whether a live figure meets a requirement, with the 90 % allowance."""
    return live >= needed * LIVE_TOLERANCE
