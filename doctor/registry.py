"""The checks devdoctor knows: its built-ins, then third-party checks from entry points.

A course can ship its own checks as a package declaring the entry-point group
`devdoctor.checks` (`name = "module:Class"`, the name being the check id). A plugin that fails
to load is shown as an `error` row naming its package, never a crash: a broken course plugin
must not hide what the built-in checks found.
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from .model import CHECK_ID, Check, Scope

if TYPE_CHECKING:
    from .catalogue import Described

GROUP = "devdoctor.checks"


class Loaded(NamedTuple):
    """A check ready to run, and where it came from ("builtin" or "package 1.2").

    A built-in may stand for itself by what the catalogue says of it (`spec` names its class):
    `ready()` imports its module once the runner knows it will run, so a check that does not
    apply here, or whose needs failed, costs no start-up time.
    """

    check: Check
    origin: str = "builtin"
    spec: str = ""

    def ready(self) -> Check:
        """The check itself, its module imported now if it was not yet."""
        if not self.spec:
            return self.check
        # One at a time: two threads importing modules that import each other's packages
        # would wait on each other's module locks (a _DeadlockError).
        with _IMPORTING:
            return _target(f"{__package__}.checks.", self.spec)()  # type: ignore[no-any-return]


_IMPORTING = threading.Lock()


class LoadError(NamedTuple):
    """A plugin that could not be used, shown as an error row."""

    id: str
    origin: str
    error: str


def plugins_on() -> bool:
    """Third-party checks load unless DEVDOCTOR_NO_PLUGINS is set (tests, bisecting)."""
    return not os.environ.get("DEVDOCTOR_NO_PLUGINS")


def builtin_ids() -> list[str]:
    """The ids of devdoctor's own checks, in the order they are shown; nothing imported."""
    from .checks import CHECKS  # the one place the framework names the checks

    return list(CHECKS)


def described_builtins(ids: Iterable[str] | None = None) -> list[Described]:
    """What `list` and `explain` show of the built-ins, imported only when they changed."""
    from . import checks
    from .catalogue import describe

    wanted = set(builtin_ids() if ids is None else ids)
    every = describe(builtin_ids(), dict(checks.CHECKS), _checks_folder())  # one cache for all
    return [d for d in every if d.id in wanted]


NO_REPOSITORY = "no course repository here (see devcontainer)"


def deferred_builtins(ids: Iterable[str], *, repository: bool) -> list[Loaded]:
    """The built-ins `ids` as the catalogue describes them, each imported when it runs.

    Without a course repository, those that need one are skipped and never imported.
    """
    from .checks import CHECKS

    loaded = []
    for described in described_builtins(ids):
        idle = described.needs_repository and not repository
        spec = "" if idle else CHECKS[described.id]
        loaded.append(Loaded(stand_in(described, NO_REPOSITORY if idle else None), spec=spec))
    return loaded


def stand_in(described: Described, skip: str | None = None) -> Check:
    """A built-in check as the catalogue describes it, its module not imported: what the
    runner needs before it runs (id, needs, platforms, deadline); `skip` says why it won't."""
    from .host import Platform

    attrs = {
        "id": described.id,
        "title": described.title,
        "scope": Scope(described.scope),
        "needs": described.needs,
        "fix_description": described.fix,
        "explanation": described.explanation,
        "__doc__": described.explanation,
        "platforms": tuple(Platform(p) for p in described.platforms),
        "timeout": described.timeout,
        "needs_repository": described.needs_repository,
    }
    if skip is not None:  # whoever runs it skips it, with or without the caller's list of skips
        attrs["skip_reason"] = lambda self, host: skip
    return type(f"StandIn_{described.id.replace('-', '_')}", (Check,), attrs)()  # type: ignore[no-any-return]


def builtin_check(cid: str) -> Check:
    """One built-in check, importing only its module."""
    from .checks import CHECKS

    return _target(f"{__package__}.checks.", CHECKS[cid])()  # type: ignore[no-any-return]


def builtin_checks(ids: Iterable[str] | None = None) -> list[Loaded]:
    """devdoctor's own checks (those named, else all), in the order they are shown."""
    wanted = set(builtin_ids() if ids is None else ids)
    return [Loaded(builtin_check(cid)) for cid in builtin_ids() if cid in wanted]


def provider(name: str) -> Callable[[Any], Any]:
    """The function an area declares for a fact the framework asks for (checks' FACTS)."""
    from .checks import FACTS

    return _target(f"{__package__}.checks.", FACTS[name])  # type: ignore[no-any-return]


def report_facts() -> list[str]:
    """The names of the facts that add lines to the report's header, in the areas' order."""
    from .checks import FACTS

    return [name for name in FACTS if name.startswith("report:")]


def change_kinds() -> dict[str, Callable[[], Any]]:
    """The kinds of change areas define (checks' CHANGES), each as a loader of its class."""
    from .checks import CHANGES

    prefix = f"{__package__}.checks."
    return {kind: functools.partial(_target, prefix, spec) for kind, spec in CHANGES.items()}


def known_failures() -> str:
    """The text of the known-failures data the checks declare (checks' KNOWN_FAILURES)."""
    from .checks import KNOWN_FAILURES
    from .packaged import read_packaged

    return read_packaged(f"{__package__}.checks", KNOWN_FAILURES).decode("utf-8")


def _target(prefix: str, spec: str) -> Any:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(prefix + module), attr)


def load_checks(
    *, plugins: bool = True, ids: Iterable[str] | None = None
) -> tuple[list[Loaded], list[LoadError]]:
    """Built-ins first (those named, else all), then entry-point checks that do not clash."""
    loaded = builtin_checks(ids)
    errors: list[LoadError] = []
    if plugins:
        extra, errors = load_entry_points(_entry_points(), set(builtin_ids()))
        loaded.extend(extra)
    return loaded, errors


class Point(NamedTuple):
    """An entry point as the cache keeps it: its name, its `module:attr` and its package."""

    name: str
    value: str
    origin: str

    def load(self) -> Any:
        module, _, attr = self.value.partition(":")
        found = importlib.import_module(module.strip())
        for part in attr.strip().split(".") if attr else ():
            found = getattr(found, part)
        return found


def _entry_points() -> Iterable[Any]:
    from .catalogue import entry_points

    return [Point(*spec) for spec in entry_points(GROUP, _checks_folder())]


def _checks_folder() -> str:
    """Where the built-in checks live; their caches are kept beside them, in __pycache__."""
    from . import checks

    return os.path.dirname(os.path.abspath(checks.__file__))


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
    if isinstance(point, Point):
        return point.origin
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
