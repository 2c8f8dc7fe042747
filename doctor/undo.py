"""Undo: put back what one journal entry changed, all of it or nothing, newest change first.

Every change is checked before any is put back (the user may have changed a result since),
under the same locks a fix takes. Apart from fixes.py because it runs on its own, from a
journal entry, long after the fix (`devdoctor undo`, commands/undo.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .atomic import pause_point
from .changes import ChangeError, change_kind
from .fixes import Ask, Consent, FixResult, Outcome, Say
from .host import Host
from .journal import Entry, LockedError, locked
from .recovery import shielded, validate_entry

UNDOABLE = ("applied", "restart-pending", "verified", "verify-failed")


def undo_entry(entry: Entry, host: Host, *, consent: Consent, say: Say, ask: Ask) -> FixResult:
    """Put back what one journal entry changed, newest change first."""
    fix_id = str(entry.data.get("fix", entry.id))
    if entry.state not in UNDOABLE:
        return FixResult(fix_id, Outcome.REFUSED, f"{entry.id} is {entry.state}: nothing to undo")
    problem = validate_entry(entry, host)
    if problem:
        return FixResult(
            fix_id, Outcome.REFUSED, f"journal entry {entry.id} is not valid ({problem}); not used"
        )
    records: list[dict[str, Any]] = list(entry.data["changes"])
    say(f"Undo: {entry.data.get('title', fix_id)} ({entry.id})")
    try:
        for record in reversed(records):
            say(change_kind(record["kind"]).undo_preview(host, record, entry.folder))
        targets: list[Path] = [
            t for r in records for t in change_kind(r["kind"]).record_targets(host, r)
        ]
    except (ChangeError, OSError, KeyError) as exc:
        return FixResult(fix_id, Outcome.REFUSED, f"cannot read {entry.id}: {exc}")
    if consent.dry_run:
        return FixResult(fix_id, Outcome.DRY_RUN)
    if not consent.yes:
        answer = ask("Put these back?")
        if answer is None:
            return FixResult(fix_id, Outcome.NOT_APPLIED, "no terminal to ask in: add --yes")
        if not answer:
            return FixResult(fix_id, Outcome.DECLINED)
    undone = 0
    try:
        with locked(host.state_dir, targets):
            pause_point("undo-locked")
            # Every change is checked before any is put back: all of them, or none.
            # One already back as it was (an undo cut off part-way) is left as it is.
            left = [r for r in records if _where(host, r, entry.folder) != "old"]
            for record in left:
                reason = change_kind(record["kind"]).undo_blocked(host, record, entry.folder)
                if reason:
                    return FixResult(fix_id, Outcome.REFUSED, reason)
            for record in reversed(left):
                pause_point(f"undo-{undone}")
                change_kind(record["kind"]).undo(host, record, entry.folder)
                undone += 1
            with shielded():
                entry.set_state("undone")
            pause_point("undo-closed")
    except LockedError as exc:
        return FixResult(fix_id, Outcome.REFUSED, str(exc))
    except (ChangeError, OSError, KeyError) as exc:
        partly = f" ({undone} of {len(records)} changes were put back)" if undone else ""
        return FixResult(fix_id, Outcome.REFUSED, f"{exc}{partly}")
    return FixResult(fix_id, Outcome.UNDONE)


def _where(host: Host, record: dict[str, Any], folder: Path) -> str:
    return change_kind(record["kind"]).probe(host, record, folder)
