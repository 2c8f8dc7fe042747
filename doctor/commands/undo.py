"""`devdoctor undo`: list the journal, or put back what one fix changed."""

from __future__ import annotations

import json
from argparse import Namespace

from ..errors import UsageError
from ..exits import ExitCode
from ..fixes import Consent, under_sudo
from ..host import Host
from ..journal import entries
from ..recovery import recover
from ..registry import builtin_ids
from ..ui import UI
from ..undo import UNDOABLE, undo_entry


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """The newest undoable entry (or the one named) is put back, all of it or nothing.

    An entry a crash left open is recovered first (rolled back, or marked applied), so that
    what a killed fix changed can always be undone.
    """
    if args.list and args.json:
        rows = [
            {"id": e.id, "fix": e.data.get("fix"), "state": e.state, "title": e.data.get("title")}
            for e in entries(host.state_dir)
        ]
        ui.stream.write(json.dumps({"schema": 1, "entries": rows}, indent=2) + "\n")
        return ExitCode.OK
    if args.list:
        found = entries(host.state_dir)
        if not found:
            ui.say("No fixes recorded yet.")
        for entry in found:
            ui.say(f"{entry.id}  {entry.state:<16} {entry.data.get('title', '')}")
        return ExitCode.OK
    refusal = under_sudo()
    if refusal:
        ui.say(refusal)
        return ExitCode.NOT_APPLIED
    if args.dry_run:
        if any(e.state == "open" for e in entries(host.state_dir)):
            ui.say("An interrupted fix is recorded; `devdoctor undo` recovers it first.")
    else:
        for line in recover(host):
            ui.say(line)
    found = entries(host.state_dir)
    undoable = [e for e in found if e.state in UNDOABLE]
    if args.id:
        known = {e.id for e in found} | {str(e.data.get("fix")) for e in found}
        if args.id not in known and args.id not in builtin_ids():
            raise UsageError(
                f"{args.id!r} is neither a check id nor a journal entry; "
                "`devdoctor undo --list` shows what was recorded"
            )
        undoable = [e for e in undoable if args.id in (e.id, e.data.get("fix"))]
    if not undoable:
        ui.say("Nothing to undo." if not args.id else f"Nothing to undo for {args.id!r}.")
        return ExitCode.OK
    consent = Consent(yes=args.yes, dry_run=args.dry_run)
    outcome = undo_entry(undoable[-1], host, consent=consent, say=ui.say, ask=ui.ask)
    ui.say(f"=> {outcome.outcome.value}" + (f": {outcome.message}" if outcome.message else ""))
    return outcome.outcome.exit_code
