"""A random id made once per install, so staff can count a student who posts twice once.

It is derived from nothing about the person or the machine (16 random hex digits), kept in
devdoctor's state directory, and printed only in reports.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import TYPE_CHECKING

from .atomic import write_atomic

if TYPE_CHECKING:
    from .host import Host

_ID = re.compile(r"^[0-9a-f]{16}$")
FILE = "install-id"


def install_id(host: Host) -> str:
    """This install's id, made on first use; a fresh one (not kept) if it cannot be written."""
    path = host.state_dir / FILE
    try:
        with path.open("rb") as handle:  # our own small file; still, read a bounded amount
            text = handle.read(64).decode("ascii", errors="replace").strip()
        if _ID.match(text):
            return text
    except OSError:
        pass
    made = os.urandom(8).hex()  # 16 random hex digits, from the OS's generator
    # A read-only state directory: the report still gets an id, just not a kept one.
    with contextlib.suppress(OSError):
        write_atomic(path, (made + "\n").encode("ascii"))
    return made
