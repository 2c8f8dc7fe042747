"""`devdoctor fix [ID ...]`: run the checks that have fixes, then each fix through the engine."""

from __future__ import annotations

import json
from argparse import Namespace

from ..errors import UsageError
from ..exits import ExitCode
from ..fixes import Consent, FixResult, fix_flow, offer_follow_up, under_sudo
from ..host import Host
from ..model import Finding, Run, Status
from ..registry import load_checks, plugins_on
from ..render import redact_json
from ..runner import run_checks
from ..ui import UI
from .common import exit_code, select


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Each fix on offer goes through the one fix flow; the worst outcome is the exit code."""
    refusal = under_sudo()
    if refusal:
        ui.say(refusal)
        return ExitCode.NOT_APPLIED
    named = list(args.ids or [])
    checks, _errors, skipped = select(args, host)
    by_id = {c.check.id: c for c in checks}
    for cid in named:
        if cid not in by_id:
            raise UsageError(
                f"{cid} is a host check; `fix --course` applies the course repository's fixes only"
                if args.course
                else f"{cid} is a plugin that did not load; `devdoctor check` says why"
            )
        if not by_id[cid].check.fix_description:
            raise UsageError(
                f"{cid} has no automatic fix; `devdoctor explain {cid}` says how to fix it by hand"
            )
    wanted = [c for c in checks if c.check.fix_description and (not named or c.check.id in named)]
    results = run_checks(wanted, host, skipped=skipped)
    consent = Consent(
        yes=args.yes, yes_destroy=args.yes_destroy, dry_run=args.dry_run, course=args.course
    )
    offers = [
        (result.id, finding)
        for result in results.results
        for finding in result.findings
        if finding.fix is not None and finding.status in (Status.WARN, Status.FAIL)
    ]
    if not offers:
        _nothing_to_fix(results, ui)
        if named:  # one answer everywhere: if the cause is another check's, point to its fix
            _other_fixes(host, named, ui)
        return exit_code(results, False) if results.status is Status.ERROR else ExitCode.OK
    if args.dry_run and args.json:  # the plan as data: what each fix would change
        plan = [
            {"check": cid, "finding": f.to_json(), "fix": f.fix.to_json() if f.fix else None}
            for cid, f in offers
        ]
        ui.stream.write(json.dumps(redact_json({"schema": 1, "plan": plan}, ui.redact), indent=2))
        ui.stream.write("\n")
        return ExitCode.OK
    if not named and not args.yes and not args.dry_run and ui.interactive:
        offers = _checklist(offers, ui)
        if not offers:
            ui.say("Nothing chosen: nothing changed.")
            return ExitCode.NOT_APPLIED
    outcomes: list[FixResult] = []
    for cid, finding in offers:
        ui.say("")
        ui.say(f"{cid}: {finding.summary}")
        outcomes.append(
            fix_flow(
                finding,
                by_id[cid].ready(),  # it ran, so its module is imported: the fix verifies by it
                host,
                consent=consent,
                named=cid in named,
                say=ui.say,
                ask=ui.ask,
                follow_up=len(offers) == 1,
            )
        )
    if len(offers) > 1:  # a restart (wsl --shutdown) is offered once, after every fix
        seen: set[tuple[str, ...]] = set()
        for (_cid, finding), outcome in zip(offers, outcomes, strict=True):
            assert finding.fix is not None
            if finding.fix.offer and finding.fix.offer not in seen:
                seen.add(finding.fix.offer)
                offer_follow_up(finding.fix, outcome, host, ui.say, ui.ask)
    return max(o.outcome.exit_code for o in outcomes)


def _checklist(offers: list[tuple[str, Finding]], ui: UI) -> list[tuple[str, Finding]]:
    """The fixes the student ticks; destructive ones are only named, never ticked here."""
    safe = [(cid, f) for cid, f in offers if f.fix is not None and not f.fix.destructive]
    for cid, finding in offers:
        if finding.fix is not None and finding.fix.destructive:
            ui.say(
                f"{cid}: {finding.summary}. Its fix removes data (saved first): run "
                f"`devdoctor fix {cid}` to choose it by name."
            )
    if not safe:
        return []
    labels = [
        (str(n), f"{cid}: {f.fix.title if f.fix else ''} ({f.summary})")
        for n, (cid, f) in enumerate(safe)
    ]
    picked = ui.choose("Which fixes should devdoctor apply? Each shows its plan first.", labels)
    return [safe[int(n)] for n in picked or []]


def _other_fixes(host: Host, named: list[str], ui: UI) -> None:
    """The fixes other checks offer here, when the one named had nothing to do."""
    every, _ = load_checks(plugins=plugins_on())
    others = [c for c in every if c.check.fix_description and c.check.id not in named]
    for result in run_checks(others, host).results:
        bad = [f for f in result.findings if f.fix and f.status in (Status.WARN, Status.FAIL)]
        if bad:
            ui.say(
                f"{result.id} has a fix on offer here: {bad[0].summary}. Run "
                f"`devdoctor fix {result.id}`."
            )


def _nothing_to_fix(results: Run, ui: UI) -> None:
    problems = [r for r in results.results if r.status in (Status.WARN, Status.FAIL)]
    if not problems:
        skipped = [r for r in results.results if r.status is Status.SKIP]
        looked = [r.id for r in results.results if r.status is not Status.SKIP]
        ui.say(
            "Nothing to fix"
            + (
                f": {', '.join(looked)} found no problem "
                + ("it can fix." if len(looked) == 1 else "they can fix.")
                if looked
                else "."
            )
        )
        for r in skipped:
            ui.say(f"  {r.id} did not run: {r.skip_reason}")
    else:
        for r in problems:
            ui.say(f"{r.id}: {r.summary} (no automatic fix; see `devdoctor explain {r.id}`)")
