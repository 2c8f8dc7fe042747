"""What the subcommands share: the Host from the options, which checks run, the JSON envelope."""

from __future__ import annotations

import contextlib
import os
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..errors import UsageError
from ..exits import ExitCode
from ..host import Host
from ..install_id import install_id
from ..model import Run, Scope, Status
from ..options import FixParams, RunOptions
from ..policy import Policy
from ..registry import (
    NO_REPOSITORY,
    Loaded,
    LoadError,
    builtin_ids,
    deferred_builtins,
    load_checks,
    plugins_on,
)
from ..repo import git_state, policy, variant
from ..runner import run_checks
from ..sizes import parse_size
from ..ui import UI


def run_options(args: Namespace) -> RunOptions:
    """The frozen options of this run, from the parsed command line."""
    sizes: dict[str, int | None] = {}
    for flag in ("memory", "swap"):
        value = getattr(args, flag, None)
        try:
            sizes[flag] = parse_size(value) if value else None
        except ValueError as exc:
            raise UsageError(f"--{flag} {value}: {exc}") from None
    return RunOptions(
        repo=args.repo,
        config=args.config,
        wslconfig=getattr(args, "wslconfig", None),
        deep=getattr(args, "deep", False),
        course=getattr(args, "course", False),
        fix=FixParams(
            **sizes,
            source=getattr(args, "source", None),
            constraints=getattr(args, "constraints", False),
        ),
    )


def make_host(args: Namespace) -> Host:
    """The Host for this command, from --root/DEVDOCTOR_ROOT and the other global options."""
    root = args.root or os.environ.get("DEVDOCTOR_ROOT") or None
    return Host(root=Path(root) if root else None, options=run_options(args))


def select(args: Namespace, host: Host) -> tuple[list[Loaded], list[LoadError], dict[str, str]]:
    """The checks this command runs, and why any are skipped; unknown ids are a usage error."""
    only = _ids(getattr(args, "only", None)) or list(getattr(args, "ids", None) or [])
    skip = _ids(getattr(args, "skip", None))
    builtin = set(builtin_ids())
    wanted = [cid for cid in builtin_ids() if cid in only] if only else builtin_ids()
    # A built-in's module is imported when it runs (the catalogue says the rest), and not at
    # all when it needs a course repository and there is none.
    checks = deferred_builtins(wanted, repository=host.repo_root is not None)
    plugins, errors = load_checks(plugins=plugins_on(), ids=())
    checks += plugins
    known = builtin | {c.check.id for c in checks} | {e.id for e in errors}
    known |= {_bare(e.id) for e in errors}
    for cid in [*only, *skip]:
        if cid not in known:
            raise UsageError(f"unknown check id {cid!r}; `devdoctor list` shows them all")
    if only:
        checks = [c for c in checks if c.check.id in only]
        errors = [e for e in errors if e.id in only or _bare(e.id) in only]
    if getattr(args, "course", False):
        checks = [c for c in checks if c.check.scope is Scope.COURSE]
    skipped = {cid: "skipped with --skip" for cid in skip}
    for loaded in checks:
        if loaded.origin == "builtin" and not loaded.spec:
            skipped.setdefault(loaded.check.id, NO_REPOSITORY)
    for cid in policy(host).skip:
        skipped.setdefault(cid, "skipped by the course's policy file")
    return checks, errors, skipped


def _bare(row_id: str) -> str:
    """A broken plugin's row id without its `plugin:` prefix, so --only can name the plugin."""
    return row_id.removeprefix("plugin:")


def _ids(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def prefetch(host: Host) -> None:
    """Start what every command needs after the checks (the redactor's identities, the git
    state, the variant) beside them, so the slowest probe bounds the run, not the sum."""
    import threading

    from ..privacy import redactor_for
    from ..registry import provider

    # The areas' modules behind these facts are imported here, on this thread: a prefetch
    # thread importing `devdoctor.checks.course.variant` by name while a check's thread imports
    # the course package was once a _DeadlockError (seen in a fresh clone's first run).
    for name in ("identities", "variant") if host.repo_root is not None else ("identities",):
        provider(name)
    for need in (redactor_for, git_state, variant):
        threading.Thread(target=_quietly, args=(need, host), daemon=True).start()


def _quietly(need: Callable[[Host], object], host: Host) -> None:
    with contextlib.suppress(Exception):  # asked again later, where an error is shown
        need(host)


def execute_checks(args: Namespace, host: Host, ui: UI, *, live: bool) -> Run:
    """Run the selected checks, showing them live on a terminal."""
    checks, errors, skipped = select(args, host)
    prefetch(host)
    listed = [(c.check.id, c.check.title) for c in checks] + [(e.id, e.id) for e in errors]
    scale = 3.0 if host.options.deep else 1.0
    if live and not args.json:
        with ui.live_results(listed) as view:
            return run_checks(
                checks,
                host,
                load_errors=errors,
                skipped=skipped,
                on_result=view.add,
                timeout_scale=scale,
            )
    return run_checks(checks, host, load_errors=errors, skipped=skipped, timeout_scale=scale)


def meta(host: Host, run: Run, *, report: bool = False) -> dict[str, object]:
    """Everything in the JSON envelope besides the results (`report`: an install's report)."""
    name, _why = variant(host)
    envelope: dict[str, object] = {
        "schema": 1,
        "tool": {"name": "devdoctor", "version": __version__},
        "host": {"platform": host.platform.value, "variant": name},
        "policy": policy(host).to_json(),
        "repo": git_state(host),
    }
    if report:
        from ..reporting import FORMAT  # (the report's modules only when there is a report)

        envelope["report"] = {"format": FORMAT, "install_id": install_id(host)}
    return envelope


def exit_code(run: Run, strict: bool) -> ExitCode:
    """DESIGN's table: 3 broken, 1 fail (or warn with --strict), else 0."""
    status = run.status
    if status is Status.ERROR:
        return ExitCode.BROKEN
    if status is Status.FAIL or (strict and status is Status.WARN):
        return ExitCode.FAIL
    return ExitCode.OK


def policy_warnings(course: Policy) -> list[str]:
    """The policy's own warnings, and whether this devdoctor is too old for the course."""
    warnings = list(course.warnings)
    if course.min_devdoctor:
        from packaging.version import InvalidVersion, Version

        try:
            if Version(__version__) < Version(course.min_devdoctor):
                warnings.append(
                    f"this course asks for devdoctor {course.min_devdoctor} or newer; this is "
                    f"{__version__}. Upgrade it (`pipx upgrade devcontainer-doctor`)."
                )
        except InvalidVersion:
            warnings.append(f"min_devdoctor {course.min_devdoctor!r} is not a version number")
    return warnings

