"""What `list` and `explain` show of the built-in checks, without importing them each time.

Importing every check module (and the readers each one uses) is most of what `devdoctor list`
would cost. Like Python's own __pycache__, the description of the built-ins is kept beside
them, keyed by devdoctor's version and each module's size and modification time, and made
again from the modules themselves whenever one of them changed. Where the folder cannot be
written (a read-only install) the modules are imported every time: slower, never wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from . import __version__
from .atomic import write_atomic

if TYPE_CHECKING:
    from .model import Check

CACHE_NAME = "devdoctor-catalogue.json"
READ_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Described:
    """A check as `list` and `explain` show it."""

    id: str
    title: str
    scope: str
    needs: tuple[str, ...]
    fix: str
    explanation: str

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
        )


def describe(ids: list[str], specs: dict[str, str], folder: str) -> list[Described]:
    """The built-in checks `ids`, from the cache when it is fresh, else from their modules."""
    key = _key(ids, specs, folder)
    cache = os.path.join(folder, "__pycache__", CACHE_NAME)
    cached = _read(cache, key)
    if cached is not None:
        return cached
    from .registry import builtin_check

    described = [Described.of(builtin_check(cid)) for cid in ids]
    with contextlib.suppress(OSError):  # a read-only install: no cache, same answer
        data = {"key": key, "checks": [asdict(d) for d in described]}
        write_atomic(cache, json.dumps(data).encode("utf-8"))
    return described


def _key(ids: list[str], specs: dict[str, str], folder: str) -> list[object]:
    """What the cache is valid for: this version, these ids, each module file as it is now."""
    key: list[object] = [__version__, ids]
    for cid in ids:
        module = specs[cid].partition(":")[0].replace(".", os.sep)
        path = os.path.join(folder, module + ".py")
        try:
            info = os.stat(path)
        except OSError:
            return [None]  # a module that is not a plain file: never cached
        key.append([module, info.st_size, info.st_mtime_ns])
    return key


def _read(path: str, key: list[object]) -> list[Described] | None:
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(READ_LIMIT + 1))
        if data.get("key") != json.loads(json.dumps(key)):
            return None
        return [
            Described(**{**item, "needs": tuple(item["needs"])}) for item in data["checks"]
        ]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
