"""What `list`, `explain` and the runner know of the built-in checks, without importing them.

Importing every check module (and the readers each one uses) is most of what `devdoctor list`
would cost, and `devdoctor check` need only import the checks that run here. Like Python's
own __pycache__, the description of the built-ins is kept beside them, keyed by devdoctor's
version and each module's size and modification time, and made again from the modules
themselves whenever one of them changed. Where the folder cannot be written (a read-only
install) the modules are imported every time: slower, never wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from . import __version__

if TYPE_CHECKING:
    from .model import Check

CACHE_NAME = "devdoctor-catalogue.json"
FORMAT = 2
"""The shape of a cached description: a cache of another shape is made again."""
PLUGINS_NAME = "devdoctor-plugins.json"
READ_LIMIT = 1024 * 1024


class Described(NamedTuple):
    """A check as `list` and `explain` show it."""

    id: str
    title: str
    scope: str
    needs: tuple[str, ...]
    fix: str
    explanation: str
    needs_repository: bool = False
    platforms: tuple[str, ...] = ()
    timeout: float = 10.0

    @classmethod
    def of(cls, check: Check) -> Described:
        """What a loaded check says of itself (a built-in's or a plugin's)."""
        return cls(
            id=check.id,
            title=check.title,
            scope=check.scope.value,
            needs=tuple(check.needs),
            fix=check.fix_description,
            explanation=(check.explanation or type(check).__doc__ or "").strip(),
            needs_repository=check.needs_repository,
            platforms=tuple(p.value for p in check.platforms),
            timeout=check.timeout,
        )


def describe(ids: list[str], specs: dict[str, str], folder: str) -> list[Described]:
    """The built-in checks `ids`, from the cache when it is fresh, else from their modules."""
    key = _key(ids, specs, folder)
    cache = os.path.join(folder, "__pycache__", CACHE_NAME)
    cached = _read(cache, key)
    with contextlib.suppress(TypeError, KeyError, AttributeError):  # a cache of another shape
        if cached is not None:
            return [
                Described(
                    **{
                        **item,
                        "needs": tuple(item["needs"]),
                        "platforms": tuple(item["platforms"]),
                    }
                )
                for item in cached["checks"]
            ]
    from .registry import builtin_check

    described = [Described.of(builtin_check(cid)) for cid in ids]
    _write(cache, {"key": key, "checks": [d._asdict() for d in described]})
    return described


def _write(path: str, data: dict[str, object]) -> None:
    """Keep a cache file; a read-only install keeps none and gives the same answers."""
    from .atomic import write_atomic  # (secrets and hashlib: only when there is a cache to write)

    with contextlib.suppress(OSError):
        write_atomic(path, json.dumps(data).encode("utf-8"))


def entry_points(group: str, folder: str) -> list[tuple[str, str, str]]:
    """(name, target, origin) of the entry points in `group`, cached beside the checks.

    Scanning every installed package's metadata (importlib.metadata) costs more than the rest
    of `devdoctor list`; an install or removal changes its folder on sys.path, which is the key.
    """
    key: list[object] = [__version__, group]
    for entry in sys.path:
        with contextlib.suppress(OSError):
            key.append([entry, os.stat(entry or ".").st_mtime_ns])
    cache = os.path.join(folder, "__pycache__", PLUGINS_NAME)
    cached = _read(cache, key)
    with contextlib.suppress(TypeError, KeyError, ValueError):  # a cache of another shape
        if cached is not None:
            return [(str(n), str(v), str(o)) for n, v, o in cached["points"]]
    from importlib.metadata import entry_points as installed

    points = []
    for point in installed(group=group):
        try:
            dist = point.dist
            origin = f"{dist.name} {dist.version}" if dist is not None and dist.name else ""
        except Exception:  # broken metadata must not hide the plugin's own error
            origin = ""
        points.append((point.name, point.value, origin or point.value))
    _write(cache, {"key": key, "points": points})
    return points


def _key(ids: list[str], specs: dict[str, str], folder: str) -> list[object]:
    """What the cache is valid for: this version, these ids, each module file as it is now."""
    key: list[object] = [__version__, FORMAT, ids]
    for cid in ids:
        module = specs[cid].partition(":")[0].replace(".", os.sep)
        path = os.path.join(folder, module + ".py")
        try:
            info = os.stat(path)
        except OSError:
            return [None]  # a module that is not a plain file: never cached
        key.append([module, info.st_size, info.st_mtime_ns])
    return key


def _read(path: str, key: list[object]) -> dict[str, Any] | None:
    """A cache file's data when it was made for `key` (the same JSON), else None."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(READ_LIMIT + 1))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != json.loads(json.dumps(key)):
        return None
    return data
