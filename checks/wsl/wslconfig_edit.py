"""Edit .wslconfig as a person would: set a key's value and leave every other byte as it was.

The writing side of the reader (wslconfig.py): a fix changes only the value it sets (escaped
as WSL reads it back), keeping the spelling, comments and order the user wrote. Kept apart
because only a fix needs it; checking a file never writes one.
"""

from __future__ import annotations

from collections.abc import Mapping

from devdoctor.lazy import LazyPattern

from .wslconfig import parse, scan
from .wslconfig_keys import KNOWN, home_section, setting_id

_NAME = LazyPattern(r"[A-Za-z][A-Za-z0-9]*")


def _written(value: str) -> str:
    """The value as it must appear in the file for WSL to read back exactly `value`."""
    if "\r" in value:
        raise ValueError("a .wslconfig value cannot contain a carriage return")
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\b", "\\b"), ("\n", "\\n"), ("\t", "\\t")):
        value = value.replace(char, escape)
    return f'"{value}"' if "#" in value or value != value.strip(" ") else value


def set_values(text: str, values: Mapping[str, str], section: str = "wsl2") -> str:
    """Set keys in `section`, changing nothing else in the text ("\\n" newlines).

    Values are given as WSL should read them; backslashes and quotes are escaped here. A key
    that is already in effect keeps its spelling, spacing and comment and only gets the new
    value; otherwise `key=value` goes after the last entry of the first [section], or a new
    [section] is appended. Raises ValueError for names WSL cannot read, or for a key WSL only
    accepts in another section.
    """
    for key, value in values.items():
        if not _NAME.fullmatch(section) or not _NAME.fullmatch(key):
            raise ValueError(f"[{section}] {key}: names must be a letter, then letters and digits")
        home = home_section(key)
        if home and setting_id(section, key) not in KNOWN:
            raise ValueError(f"WSL reads {key} only in [{home}], not in [{section}]")
        text = _set_one(text, section, key, value)
        check = parse(text).get(section, key)
        if check is None or check.value != value:  # a guard: this would be a bug in _set_one
            raise ValueError(f"could not set {key} in [{section}] without changing other lines")
    return text


def _set_one(text: str, section: str, key: str, value: str) -> str:
    written = _written(value)
    items, _ = scan(text)
    wanted = setting_id(section, key)
    for item in items:
        if item.entry is not None and setting_id(item.entry.section, item.entry.key) == wanted:
            start, stop = item.span
            if start == stop and text[stop : stop + 1] == "#":
                written += " "
            return text[:start] + written + text[stop:]
    anchor: int | None = None  # the first [section]'s header, then each entry in that section
    for item in items:
        if item.kind == "header":
            if anchor is not None:
                break
            if item.section == section.lower():
                anchor = item.last
        elif item.kind == "entry" and anchor is not None:
            anchor = item.last
    if anchor is None:
        if text and not text.endswith("\n"):
            text += "\n"
        return text + ("\n" if text else "") + f"[{section}]\n{key}={written}\n"
    lines = text.split("\n")
    lines.insert(anchor + 1, f"{key}={written}")
    return "\n".join(lines)
