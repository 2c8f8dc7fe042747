"""The checks devdoctor knows: its built-ins, then third-party checks from entry points.

A course can ship its own checks as a package declaring the entry-point group
`devdoctor.checks` (`name = "module:Class"`, the name being the check id). A plugin that fails
to load is shown as an `error` row naming its package, never a crash: a broken course plugin
must not hide what the built-in checks found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import CHECK_ID, Check

GROUP = "devdoctor.checks"


@dataclass(frozen=True)
class Loaded:
    """A check ready to run, and where it came from ("builtin" or "package 1.2")."""

    check: Check
    origin: str = "builtin"


@dataclass(frozen=True)
class LoadError:
    """A plugin that could not be used, shown as an error row."""

    id: str
    origin: str
    error: str


def builtin_checks() -> list[Loaded]:
    """devdoctor's own checks, in the order they are shown."""
    from .checks import BUILTIN  # the one place the core assembles the checks

    return [Loaded(cls()) for cls in BUILTIN]


def load_checks(*, plugins: bool = True) -> tuple[list[Loaded], list[LoadError]]:
    """Built-ins first, then entry-point checks whose ids do not clash with them."""
    loaded = builtin_checks()
    errors: list[LoadError] = []
    if plugins:
        extra, errors = load_entry_points(_entry_points(), {c.check.id for c in loaded})
        loaded.extend(extra)
    return loaded, errors


def _entry_points() -> Iterable[Any]:
    from importlib.metadata import entry_points

    return entry_points(group=GROUP)


def load_entry_points(
    points: Iterable[Any], taken: set[str]
) -> tuple[list[Loaded], list[LoadError]]:
    """Import each entry point; every failure becomes a LoadError naming the package."""
    loaded: list[Loaded] = []
    errors: list[LoadError] = []
    for point in sorted(points, key=lambda p: p.name):
        dist = getattr(point, "dist", None)
        origin = f"{dist.name} {dist.version}" if dist is not None else point.value
        try:
            obj = point.load()
            check = obj() if isinstance(obj, type) else obj
        except Exception as exc:  # a plugin may raise anything while importing
            errors.append(LoadError(point.name, origin, f"cannot load {point.value}: {exc!r}"))
            continue
        problem = _validate(check, point.name, taken)
        if problem:
            errors.append(LoadError(point.name, origin, problem))
            continue
        taken.add(check.id)
        loaded.append(Loaded(check, origin))
    return loaded, errors


def _validate(check: Any, name: str, taken: set[str]) -> str | None:
    if not isinstance(check, Check):
        return f"{type(check).__name__} is not a devdoctor Check"
    if not CHECK_ID.match(getattr(check, "id", "")):
        return f"id {getattr(check, 'id', None)!r} is not lower-case words joined by '-'"
    if check.id != name:
        return f"entry point {name!r} does not match the check's id {check.id!r}"
    if check.id in taken:
        return f"id {check.id!r} is already taken by another check"
    if not getattr(check, "title", ""):
        return "the check has no title"
    return None
