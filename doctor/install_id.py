"""A random id made once per install, so staff can count a student who posts twice once.

It is derived from nothing about the person or the machine (16 random hex digits), kept in
devdoctor's state directory, and printed only in reports.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .lazy import LazyPattern

if TYPE_CHECKING:
    from .host import Host

_ID = LazyPattern(r"^[0-9a-f]{16}$")
FILE = "install-id"


def install_id(host: Host) -> str:
    """This install's id, made on first use; a fresh one (not kept) if it cannot be written."""
    kept = host.read_state(FILE, 64)
    text = kept.decode("ascii", errors="replace").strip() if kept else ""
    if _ID.match(text):
        return text
    made = os.urandom(8).hex()  # 16 random hex digits, from the OS's generator
    host.write_state(FILE, (made + "\n").encode("ascii"))  # read-only: an id, just not kept
    return made
