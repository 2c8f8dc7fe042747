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

from .model import CHECK_ID, Check, Scope

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
        origin = _origin(point)
        try:
            obj = point.load()
            check = obj() if isinstance(obj, type) else obj
            problem = _validate(check, point.name, taken)
        except (Exception, SystemExit) as exc:  # a plugin may raise anything while importing
            errors.append(
                LoadError(_row_id(point.name), origin, f"cannot load {point.value}: {exc!r}")
            )
            continue
        if problem:
            errors.append(LoadError(_row_id(point.name), origin, problem))
            continue
        taken.add(check.id)
        loaded.append(Loaded(check, origin))
    return loaded, errors


def _origin(point: Any) -> str:
    """The plugin's package and version ("course-checks 1.2"), else the entry point's target."""
    try:
        dist = getattr(point, "dist", None)
        if dist is not None and dist.name:
            return f"{dist.name} {dist.version}"
    except Exception:  # broken metadata must not hide the plugin's own error
        pass
    return str(point.value)


def _validate(check: Any, name: str, taken: set[str]) -> str | None:
    if not isinstance(check, Check):
        return f"{type(check).__name__} is not a devdoctor Check"
    cid = getattr(check, "id", None)
    if not isinstance(cid, str) or not CHECK_ID.match(cid):
        return f"id {cid!r} is not lower-case words joined by '-'"
    if cid != name:
        return f"entry point {name!r} does not match the check's id {cid!r}"
    if cid in taken:
        return f"id {cid!r} is already taken by another check"
    title = getattr(check, "title", "")
    if not isinstance(title, str) or not title:
        return "the check has no title"
    # A plugin's class attributes are whatever its author wrote; the runner relies on these.
    scope: Any = getattr(check, "scope", None)
    needs: Any = getattr(check, "needs", None)
    timeout: Any = getattr(check, "timeout", None)
    if not isinstance(scope, Scope):
        return f"scope {scope!r} is not Scope.HOST or Scope.COURSE"
    if not isinstance(needs, tuple) or not all(isinstance(n, str) for n in needs):
        return f"needs {needs!r} is not a tuple of check ids"
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        return f"timeout {timeout!r} is not a number of seconds"
    return None


def _row_id(name: object) -> str:
    """The id of a broken plugin's error row: `plugin:<name>`, never a real check's id."""
    return f"plugin:{name}"
