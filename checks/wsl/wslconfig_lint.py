"""What WSL says of each .wslconfig entry: unknown keys, wrong sections, duplicates, bad values.

The lint of the reader (wslconfig.py): for every entry it finds what WSL would warn about or
silently ignore, in WSL's own wording and with what to write instead. Kept apart from the
grammar, which is about where lines begin and end, not what their keys mean.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from devdoctor.lazy import LazyPattern
from devdoctor.sizes import GiB, KiB, MiB, TiB

from .wslconfig_keys import (
    BOOL_KEYS,
    KEYS,
    KNOWN,
    SIZE_KEYS,
    SPELLING,
    WSL_CONF,
    home_section,
    parse_bool,
    setting_id,
    wsl_bytes,
)

if TYPE_CHECKING:  # the reader imports this module to judge each entry it reads
    from .wslconfig import Entry, ProblemKind


def judge(entry: Entry, applied: dict[str, Entry]) -> tuple[ProblemKind, str, str] | None:
    """What WSL does not like about an entry: (kind, message, WSL's own warning); records the
    ones it applies."""
    name, home = f"`{entry.raw_key}`", home_section(entry.key)
    setting = setting_id(entry.section, entry.key)
    full = f"{entry.section}.{entry.raw_key}" if entry.section else entry.raw_key
    unknown = f"Unknown key '{full}'"
    if not entry.section:
        hint = f" Put it under [{home}]." if home else ""
        return (
            "key-outside-section",
            f"{name} is above every [section]; WSL ignores it.{hint}",
            unknown,
        )
    if setting not in KNOWN and home:
        why = f"{name} belongs in [{home}]; WSL ignores it in [{entry.section}]."
        return "wrong-section", why, unknown
    if setting not in KNOWN and entry.section in WSL_CONF:
        where = f"[{entry.section}] settings go in /etc/wsl.conf inside the distro"
        return "unknown-key", f"{where}; WSL ignores {name} in .wslconfig.", unknown
    if setting not in KNOWN:
        known = [key.lower() for key in KEYS.get(entry.section, ())]
        import difflib  # only for a key WSL does not know: not imported on every run

        close = difflib.get_close_matches(entry.key, known, n=1)
        hint = f" Did you mean `{SPELLING[close[0]]}`?" if close else ""
        why = f"WSL does not know {name} in [{entry.section}]; it ignores it.{hint}"
        return "unknown-key", why, unknown
    if setting in applied:
        first = applied[setting]
        first_full = f"{first.section}.{first.raw_key}"
        says = (
            f"Duplicated config key '{full}' in {{file}}:{entry.line} "
            f"(Conflicting key: '{first_full}' in {{file}}:{first.line})"
        )
        why = f"{name} is already set on line {first.line}; WSL ignores this one."
        return "duplicate-key", why, says
    applied[setting] = entry
    value = f"`{entry.value}`"
    if setting in SIZE_KEYS and wsl_bytes(entry.value) is None:
        meant = whole_units(entry.value)
        why = (
            f"WSL wants whole units: write {meant}"
            if meant
            else "write a whole number and an upper-case unit, e.g. 8GB or 512MB"
        )
        says = f"Invalid memory string '{entry.value}' for .wslconfig entry '{full}'"
        return (
            "bad-size",
            f"{value} is not a size: WSL ignores this value and uses its default ({why}).",
            says,
        )
    if setting in BOOL_KEYS and parse_bool(entry.value) is None:
        says = f"Invalid boolean value '{entry.value}' for key '{full}'"
        why = f"{value} is not true or false: WSL ignores it and uses its default."
        return "bad-bool", why, says
    return None


_LOOSE_SIZE = LazyPattern(r"^\s*(\d*(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def whole_units(value: str) -> str | None:
    """What a size WSL rejects was meant to be, in units WSL reads: 0.5GB -> 512MB, 8gb ->
    8GB, 8 GiB -> 8GB; None when it does not look like a size at all."""
    match = _LOOSE_SIZE.match(value)
    if not match or match[1] in ("", "."):
        return None
    unit = {"": 1, "K": KiB, "M": MiB, "G": GiB, "T": TiB}[match[2].upper()]
    size = int(float(match[1]) * unit)
    if size <= 0:
        return None
    if size % GiB == 0:
        return f"{size // GiB}GB"
    return f"{max(size // MiB, 1)}MB"
