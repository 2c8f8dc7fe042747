"""What a home volume holds, seen without reading its files: ~/.local, the stamp, pythonX.Y.

home-volume's question to the engine, asked through the never-started reader in volumes.py
(HEAD requests, and the stamp's few bytes): kept apart from volumes.py, which is the docker
SDK's side (the reader, and the reset a fix makes), so that each stays one job.
"""

from __future__ import annotations

from typing import NamedTuple

from devdoctor import Host

from .volumes import MOUNT, Holder, engine_api, holders, read_small, reader, sdk_api, stat_path

PYTHONS = ("2.7", *(f"3.{minor}" for minor in range(6, 16)))
"""The ~/.local/lib/pythonX.Y folders looked for (one HEAD request each)."""


class VolumeLook(NamedTuple):
    """What matters in a home volume, seen without reading its files."""

    name: str
    exists: bool
    local: bool = False
    stamp: bool | None = None  # None: no stamp to look for
    stamp_bytes: bytes | None = None  # its content when present and small enough to read
    stamp_unread: str = ""  # why the content was not read
    pythons: tuple[str, ...] = ()
    holders: tuple[Holder, ...] = ()
    created: str | None = None


def look(
    host: Host,
    volume: str,
    *,
    prefix: str = "",
    stamp: str | None = None,
    stamp_limit: int = 4096,
) -> VolumeLook:
    """Look into a volume: ~/.local, the stamp file and its content, ~/.local/lib/pythonX.Y.

    `prefix` is where the volume is mounted, relative to the home: "" for the home itself,
    ".local" for a volume mounted at ~/.local. Paths are given relative to the home. Only
    the reader (a container) needs the docker SDK; the rest are read-only questions.
    """
    api = engine_api(host)
    inspected = api.inspect_volume(volume)
    if inspected is None:
        return VolumeLook(volume, exists=False)
    users = holders(api, volume)
    sdk = sdk_api(host)
    with reader(sdk, volume) as container:

        def there(relative: str) -> bool:
            path = inside(prefix, relative)
            return path is not None and stat_path(sdk, container, path) is not None

        local = there(".local")
        stamp_path = inside(prefix, stamp) if stamp else None
        found_stamp = None if stamp_path is None else there(str(stamp))
        content, unread = (
            read_small(sdk, container, stamp_path, stamp_limit)
            if found_stamp and stamp_path is not None
            else (None, "")
        )
        pythons = tuple(v for v in PYTHONS if there(f".local/lib/python{v}")) if local else ()
    return VolumeLook(
        volume,
        exists=True,
        local=local,
        stamp=found_stamp,
        stamp_bytes=content,
        stamp_unread=unread,
        pythons=pythons,
        holders=users,
        created=inspected.get("CreatedAt"),
    )


def inside(prefix: str, relative: str) -> str | None:
    """The reader's path for a path relative to the home, or None when it is not in the volume."""
    relative = relative.strip("/")
    prefix = prefix.strip("/")
    if prefix:
        if relative != prefix and not relative.startswith(prefix + "/"):
            return None
        relative = relative[len(prefix) :].strip("/")
    return f"{MOUNT}/{relative}" if relative else MOUNT
