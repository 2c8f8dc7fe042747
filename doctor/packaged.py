"""devdoctor's own data files (tables shipped beside the code), read the same way everywhere.

They are part of the install, not of the machine being looked at, so they are read here rather
than through the Host (which would look for them under `--root`).
"""

from __future__ import annotations

from importlib import resources

LIMIT = 4 * 1024 * 1024


def read_packaged(package: str, name: str, limit: int = LIMIT) -> bytes:
    """The bytes of `name` in `package` (a data file shipped with devdoctor), at most `limit`."""
    with resources.files(package).joinpath(name).open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{package}/{name} is larger than {limit} bytes")
    return data
