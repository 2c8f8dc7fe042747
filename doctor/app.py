"""What each subcommand does, given parsed options: check, fix, undo, report, list, explain."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from argparse import Namespace
from collections.abc import Sequence
from pathlib import Path

from . import __version__, course
from .fixes import UNDOABLE, Consent, FixResult, Outcome, apply_fix, undo_entry
from .host import Host
from .journal import entries
from .model import Run, Scope, Status
from .policy import Policy
from .registry import Loaded, LoadError, load_checks
from .render import details, plain_table, redact_json, run_json, verdict
from .runner import run_checks
from .sizes import parse_size
from .ui import UI


class UsageError(Exception):
    """A wrong command line (unknown check id, ...): exit 2."""


EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_BROKEN = 0, 1, 2, 3


def make_host(args: Namespace) -> Host:
    """The Host for this command, from --root/DEVDOCTOR_ROOT and the other global options."""
    root = args.root or os.environ.get("DEVDOCTOR_ROOT") or None
    for flag in ("memory", "swap"):
        value = getattr(args, flag, None)
        if value:
            try:
                parse_size(value)
            except ValueError as exc:
                raise UsageError(f"--{flag} {value}: {exc}") from None
    options = {
        "repo": args.repo,
        "config": args.config,
        "wslconfig": getattr(args, "wslconfig", None),
        "deep": getattr(args, "deep", False),
        "fix_memory": getattr(args, "memory", None),
        "fix_swap": getattr(args, "swap", None),
        "course_mode": getattr(args, "course", False),
    }
    return Host(root=Path(root) if root else None, options=options)


def select(args: Namespace, host: Host) -> tuple[list[Loaded], list[LoadError], dict[str, str]]:
    """The checks this command runs, and why any are skipped; unknown ids are a usage error."""
    checks, errors = load_checks(plugins=not os.environ.get("DEVDOCTOR_NO_PLUGINS"))
    known = {c.check.id for c in checks} | {e.id for e in errors} | {_bare(e.id) for e in errors}
    only = _ids(getattr(args, "only", None)) or list(getattr(args, "ids", None) or [])
    skip = _ids(getattr(args, "skip", None))
    for cid in [*only, *skip]:
        if cid not in known:
            raise UsageError(f"unknown check id {cid!r}; `devdoctor list` shows them all")
    if only:
        checks = [c for c in checks if c.check.id in only]
        errors = [e for e in errors if e.id in only or _bare(e.id) in only]
    if getattr(args, "course", False):
        checks = [c for c in checks if c.check.scope is Scope.COURSE]
    skipped = {cid: "skipped with --skip" for cid in skip}
    for cid in course.policy(host).skip:
        skipped.setdefault(cid, "skipped by the course's policy file")
    return checks, errors, skipped


def _bare(row_id: str) -> str:
    """A broken plugin's row id without its `plugin:` prefix, so --only can name the plugin."""
    return row_id.removeprefix("plugin:")


def _ids(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def execute_checks(args: Namespace, host: Host, ui: UI, *, live: bool) -> Run:
    """Run the selected checks, showing them live on a terminal."""
    checks, errors, skipped = select(args, host)
    listed = [(c.check.id, c.check.title) for c in checks] + [(e.id, e.id) for e in errors]
    scale = 3.0 if getattr(args, "deep", False) else 1.0
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


def meta(host: Host, run: Run) -> dict[str, object]:
    """Everything in the JSON envelope besides the results."""
    policy = course.policy(host)
    chosen, _why = course.chosen_config(host)
    variant = chosen.variant if chosen else None
    return {
        "schema": 1,
        "tool": {"name": "devdoctor", "version": __version__},
        "host": {"platform": host.platform.value, "variant": variant},
        "policy": policy.to_json(),
        "repo": course.git_state(host),
    }


def exit_code(run: Run, strict: bool) -> int:
    """DESIGN's table: 3 broken, 1 fail (or warn with --strict), else 0."""
    status = run.status
    if status is Status.ERROR:
        return EXIT_BROKEN
    if status is Status.FAIL or (strict and status is Status.WARN):
        return EXIT_FAIL
    return EXIT_OK


def policy_warnings(policy: Policy) -> list[str]:
    """The policy's own warnings, and whether this devdoctor is too old for the course."""
    warnings = list(policy.warnings)
    if policy.min_devdoctor:
        from packaging.version import InvalidVersion, Version

        try:
            if Version(__version__) < Version(policy.min_devdoctor):
                warnings.append(
                    f"this course asks for devdoctor {policy.min_devdoctor} or newer; this is "
                    f"{__version__}. Upgrade it (`pipx upgrade devcontainer-doctor`)."
                )
        except InvalidVersion:
            warnings.append(f"min_devdoctor {policy.min_devdoctor!r} is not a version number")
    return warnings


def cmd_check(args: Namespace, host: Host, ui: UI) -> int:
    """`devdoctor check`: run, show, explain."""
    for warning in policy_warnings(course.policy(host)):
        # stdout must stay pure JSON with --json: the warnings are inside it as well
        print(f"warning: {ui.redact(warning)}", file=sys.stderr if args.json else ui.stream)
    run = execute_checks(args, host, ui, live=True)
    if args.json:
        ui.stream.write(
            json.dumps(redact_json(run_json(run, meta(host, run)), ui.redact), indent=2) + "\n"
        )
        return exit_code(run, args.strict)
    text = _human(run, ui, verbose=args.verbose)
    if not ui.fancy:
        for line in plain_table(run.results, ui.redact):
            ui.say(line)
    for line in text:
        ui.say(line)
    if args.log:
        _write_log(Path(args.log), run, ui, verbose=args.verbose)
    return exit_code(run, args.strict)


def _human(run: Run, ui: UI, *, verbose: bool) -> list[str]:
    return [*details(run, ui.redact, verbose=verbose), "", verdict(run)]


def _write_log(path: Path, run: Run, ui: UI, *, verbose: bool) -> None:
    lines = plain_table(run.results, ui.redact) + _human(run, ui, verbose=verbose)
    path.write_text(ui.redact("\n".join(lines)) + "\n", encoding="utf-8")  # the verdict too


def cmd_fix(args: Namespace, host: Host, ui: UI) -> int:
    """`devdoctor fix [ID ...]`: run the checks, then each fix through the engine."""
    if os.name == "posix" and os.geteuid() == 0 and os.environ.get("SUDO_USER"):
        ui.say(
            "devdoctor fix refuses to run under sudo: it would change root's files, not "
            "yours. Run it again without sudo."
        )
        return 4
    named = list(args.ids or [])
    checks, _errors, _skipped = select(args, host)
    by_id = {c.check.id: c.check for c in checks}
    for cid in named:
        if cid not in by_id:
            raise UsageError(
                f"{cid} is a host check; `fix --course` applies the course repository's fixes only"
                if args.course
                else f"{cid} is a plugin that did not load; `devdoctor check` says why"
            )
        if not by_id[cid].fix_description:
            raise UsageError(
                f"{cid} has no automatic fix; `devdoctor explain {cid}` says how to fix it by hand"
            )
    wanted = [c for c in checks if c.check.fix_description and (not named or c.check.id in named)]
    run = run_checks(wanted, host)
    consent = Consent(
        yes=args.yes, yes_destroy=args.yes_destroy, dry_run=args.dry_run, course=args.course
    )
    outcomes: list[FixResult] = []
    for result in run.results:
        for finding in result.findings:
            if finding.fix is None or finding.status not in (Status.WARN, Status.FAIL):
                continue
            ui.say("")
            ui.say(f"{result.id}: {finding.summary}")
            outcome = apply_fix(
                finding.fix,
                finding,
                by_id[result.id],
                host,
                consent=consent,
                named=result.id in named,
                say=ui.say,
                ask=ui.ask,
            )
            ui.say(
                f"=> {outcome.outcome.value}" + (f": {outcome.message}" if outcome.message else "")
            )
            _after_fix(finding.fix.offer, finding.fix.offer_question, outcome, host, ui)
            _next_steps(finding.fix.manual_steps, outcome.outcome, ui)
            outcomes.append(outcome)
    if not outcomes:
        _nothing_to_fix(run, ui)
        return exit_code(run, False) if run.status is Status.ERROR else 0
    return max(o.outcome.exit_code for o in outcomes)


def _after_fix(offer: Sequence[str], question: str, outcome: FixResult, host: Host, ui: UI) -> None:
    """Offer a follow-up command (wsl --shutdown) with its own question, never by default."""
    if not offer or outcome.outcome not in (Outcome.RESTART_PENDING, Outcome.VERIFIED):
        return
    command = " ".join(offer)
    if ui.ask(question or f"Run `{command}` now?"):
        done = host.run(list(offer), timeout=120)
        ui.say(f"$ {command}: {'done' if done.ok else done.describe()}")
    else:
        ui.say(f"Not run. When your work is saved, run `{command}` in PowerShell.")


def _next_steps(steps: Sequence[str], outcome: Outcome, ui: UI) -> None:
    """What the user still has to do: after applying, or once they apply it."""
    if not steps:
        return
    if outcome in (Outcome.RESTART_PENDING, Outcome.VERIFIED):
        ui.say("Next:")
    elif outcome in (Outcome.DRY_RUN, Outcome.NOT_APPLIED):
        ui.say("After applying it:")
    else:
        return
    for number, step in enumerate(steps, 1):
        ui.say(f"  {number}. {step}")


def _nothing_to_fix(run: Run, ui: UI) -> None:
    problems = [r for r in run.results if r.status in (Status.WARN, Status.FAIL)]
    if not problems:
        ui.say(
            "Nothing to fix: "
            + (
                ", ".join(f"{r.id} is {r.status.value}" for r in run.results)
                or "no check with a fix applies here"
            )
            + "."
        )
    else:
        for r in problems:
            ui.say(f"{r.id}: {r.summary} (no automatic fix; see `devdoctor explain {r.id}`)")


def cmd_undo(args: Namespace, host: Host, ui: UI) -> int:
    """`devdoctor undo`: list the journal, or put back one fix's changes."""
    course.repo(host)  # journal paths inside the course repository are real paths
    found = entries(host.state_dir)
    if args.list:
        if not found:
            ui.say("No fixes recorded yet.")
        for entry in found:
            ui.say(f"{entry.id}  {entry.state:<16} {entry.data.get('title', '')}")
        return 0
    undoable = [e for e in found if e.state in UNDOABLE]
    if args.id:
        undoable = [e for e in undoable if args.id in (e.id, e.data.get("fix"))]
    if not undoable:
        ui.say("Nothing to undo." if not args.id else f"Nothing to undo for {args.id!r}.")
        return 0
    consent = Consent(yes=args.yes, dry_run=args.dry_run)
    outcome = undo_entry(undoable[-1], host, consent=consent, say=ui.say, ask=ui.ask)
    ui.say(f"=> {outcome.outcome.value}" + (f": {outcome.message}" if outcome.message else ""))
    return outcome.outcome.exit_code


def cmd_list(args: Namespace, host: Host | None, ui: UI) -> int:
    """`devdoctor list`: every check with its scope and fix."""
    checks, errors = load_checks(plugins=not os.environ.get("DEVDOCTOR_NO_PLUGINS"))
    for loaded in checks:
        check = loaded.check
        origin = "" if loaded.origin == "builtin" else f"  [{loaded.origin}]"
        ui.say(f"{check.id:<18} {check.scope.value:<6} {check.title}{origin}")
        if check.fix_description:
            ui.say(f"{'':<25} fix: {check.fix_description}")
    for error in errors:
        ui.say(f"{error.id:<18} error  {error.error}  [{error.origin}]")
    return 0


def cmd_explain(args: Namespace, host: Host | None, ui: UI) -> int:
    """`devdoctor explain ID`: what a check looks at and how to fix it by hand."""
    checks, _ = load_checks(plugins=not os.environ.get("DEVDOCTOR_NO_PLUGINS"))
    by_id = {c.check.id: c.check for c in checks}
    check = by_id.get(args.id.split("/")[0])
    if check is None:
        raise UsageError(f"unknown check id {args.id!r}; `devdoctor list` shows them all")
    ui.say(f"{check.id}: {check.title} ({check.scope.value} check)")
    ui.say("")
    for paragraph in (check.explanation or (type(check).__doc__ or "")).strip().split("\n\n"):
        ui.say(" ".join(paragraph.split()))
        ui.say("")
    if check.needs:
        ui.say(f"Needs: {', '.join(check.needs)} (skipped when those fail).")
    ui.say(f"Automatic fix: {check.fix_description or 'none; fix it by hand as above.'}")
    return 0


def flush() -> None:
    """Flush both streams before a hard exit."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
