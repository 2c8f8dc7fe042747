"""`devdoctor fix [ID ...]`: run the checks that have fixes, then each fix through the engine."""

from __future__ import annotations

from argparse import Namespace

from ..exits import ExitCode
from ..fixes import Consent, FixResult, fix_flow, under_sudo
from ..host import Host
from ..model import Run, Status
from ..runner import run_checks
from ..ui import UI
from .common import exit_code, select
from .errors import UsageError


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Each fix on offer goes through the one fix flow; the worst outcome is the exit code."""
    refusal = under_sudo()
    if refusal:
        ui.say(refusal)
        return ExitCode.NOT_APPLIED
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
    results = run_checks(wanted, host)
    consent = Consent(
        yes=args.yes, yes_destroy=args.yes_destroy, dry_run=args.dry_run, course=args.course
    )
    outcomes: list[FixResult] = []
    for result in results.results:
        for finding in result.findings:
            if finding.fix is None or finding.status not in (Status.WARN, Status.FAIL):
                continue
            ui.say("")
            ui.say(f"{result.id}: {finding.summary}")
            outcomes.append(
                fix_flow(
                    finding,
                    by_id[result.id],
                    host,
                    consent=consent,
                    named=result.id in named,
                    say=ui.say,
                    ask=ui.ask,
                )
            )
    if not outcomes:
        _nothing_to_fix(results, ui)
        return exit_code(results, False) if results.status is Status.ERROR else ExitCode.OK
    return max(o.outcome.exit_code for o in outcomes)


def _nothing_to_fix(results: Run, ui: UI) -> None:
    problems = [r for r in results.results if r.status in (Status.WARN, Status.FAIL)]
    if not problems:
        ui.say(
            "Nothing to fix: "
            + (
                ", ".join(f"{r.id} is {r.status.value}" for r in results.results)
                or "no check with a fix applies here"
            )
            + "."
        )
    else:
        for r in problems:
            ui.say(f"{r.id}: {r.summary} (no automatic fix; see `devdoctor explain {r.id}`)")
