"""The fix engine: plan, show, confirm, journal and back up, apply atomically, verify.

The order never changes, whatever the fix: nothing is touched before the journal entry and the
backup are on disk, a change is refused if the machine changed since the check looked, a
failure part-way puts back what was already changed, and the check runs again to prove it.
`fix_flow` is the one way every command runs a fix. Putting things back is recovery.py's (a
fix cut off part-way) and undo.py's (when the user asks).
"""

from __future__ import annotations

import contextlib
import enum
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .atomic import pause_point
from .changes import Change, ChangeError
from .exits import ExitCode
from .host import Host
from .journal import Entry, LockedError, locked, new_entry, target_locks
from .model import Check, Finding, Fix, Scope, Status
from .recovery import recover, roll_back, shielded

COURSE_WARNING = (
    "This fix edits files that the course repository tracks. Problems in the course repository "
    "are the course's to fix once for everyone: if you change them here, your next `git pull` "
    "may conflict. The report flags this for the course staff."
)


class Outcome(str, enum.Enum):
    """How a fix (or an undo) ended, and the exit code it stands for."""

    VERIFIED = "fixed"
    RESTART_PENDING = "applied; takes effect after a restart"
    UNDONE = "undone"
    DRY_RUN = "dry run: nothing changed"
    DECLINED = "declined: nothing changed"
    REFUSED = "refused: nothing changed"
    NOT_APPLIED = "not applied: nothing changed"
    VERIFY_FAILED = "applied, but the check still fails"

    @property
    def exit_code(self) -> ExitCode:
        """0 done, 4 not applied, 5 applied but verification failed (DESIGN's table)."""
        if self in (Outcome.VERIFIED, Outcome.RESTART_PENDING, Outcome.UNDONE, Outcome.DRY_RUN):
            return ExitCode.OK
        if self is Outcome.VERIFY_FAILED:
            return ExitCode.VERIFY_FAILED
        return ExitCode.NOT_APPLIED


@dataclass(frozen=True)
class FixResult:
    """What happened to one fix, in words for the user."""

    fix_id: str
    outcome: Outcome
    message: str = ""


Say = Callable[[str], None]
Ask = Callable[[str], "bool | None"]


@dataclass(frozen=True)
class Consent:
    """What the user already agreed to on the command line."""

    yes: bool = False
    yes_destroy: bool = False
    dry_run: bool = False
    course: bool = False


def show_plan(fix: Fix, host: Host, say: Say, *, course_mode: bool) -> None:
    """Print what the fix would change, before anything is asked."""
    say(f"Plan: {fix.title}")
    if fix.scope is Scope.COURSE and not course_mode:
        say(f"Note: {COURSE_WARNING}")
    if fix.destructive:
        say(
            "This fix is destructive: what it removes is saved first, and `devdoctor undo` "
            "puts it back."
        )
    for change in fix.changes:
        say(change.preview(host))


def apply_fix(
    fix: Fix,
    finding: Finding,
    check: Check,
    host: Host,
    *,
    consent: Consent,
    named: bool,
    say: Say,
    ask: Ask,
) -> FixResult:
    """Run one fix through the engine; never raises for anything the user could cause."""
    if fix.destructive and not named:
        return FixResult(
            fix.id,
            Outcome.REFUSED,
            f"destructive: run `devdoctor fix {fix.id}` to name it yourself",
        )
    show_plan(fix, host, say, course_mode=consent.course)
    if consent.dry_run:
        return FixResult(fix.id, Outcome.DRY_RUN)
    agreed = _agree(fix, consent, ask)
    if agreed is not None:
        return agreed
    for line in recover(host):
        say(line)
    try:
        targets = [target for change in fix.changes for target in change.targets(host)]
    except ChangeError as exc:
        return FixResult(fix.id, Outcome.REFUSED, str(exc))
    try:
        with locked(host.state_dir):
            try:
                entry = new_entry(
                    host.state_dir, fix.id, fix.title, host.root, targets=targets,
                    repo=host.repo_root,
                )
            except OSError as exc:
                return FixResult(
                    fix.id, Outcome.NOT_APPLIED, f"cannot write the undo journal: {exc}"
                )
            pause_point("entry")
            try:
                # The lock is on each target (beside it), not only on this state directory: a
                # devdoctor in PowerShell and one in WSL have different state directories.
                with target_locks(targets):
                    pause_point("locked")
                    applied = _apply(fix, finding, host, entry)
            except LockedError:
                _discard(entry)
                raise
    except LockedError as exc:
        return FixResult(fix.id, Outcome.REFUSED, str(exc))
    if isinstance(applied, FixResult):
        return applied
    verified = _verify(fix, finding, check, host, applied)
    pause_point("verified")
    return verified


def _agree(fix: Fix, consent: Consent, ask: Ask) -> FixResult | None:
    """None when the user agreed; else why nothing happens."""
    if consent.yes and (not fix.destructive or consent.yes_destroy):
        return None
    question = f'Apply "{fix.title}"?'
    if fix.scope is Scope.COURSE and not consent.course:
        question = f"{question} (the course's files; `git pull` may conflict)"
    answer = ask(question)
    if answer is None:
        hint = "--yes --yes-destroy" if fix.destructive else "--yes"
        return FixResult(
            fix.id,
            Outcome.NOT_APPLIED,
            f"no terminal to ask in: run again with {hint} to apply this plan",
        )
    if not answer:
        return FixResult(fix.id, Outcome.DECLINED)
    return None


def _discard(entry: Entry) -> None:
    """Remove an entry that never got past its first line (refused: nothing was saved)."""
    with shielded():
        shutil.rmtree(entry.folder, ignore_errors=True)


def _apply(fix: Fix, finding: Finding, host: Host, entry: Entry) -> FixResult | Entry:
    """Under the locks: compare, back up, apply; the entry to verify, or why not."""
    for change in fix.changes:
        try:
            reason = change.changed_since(host)
        except (ChangeError, OSError) as exc:  # gone or unreadable since the check looked
            reason = str(exc)
        if reason:
            _discard(entry)
            return FixResult(fix.id, Outcome.REFUSED, f"{reason}; run devdoctor again")
    entry.data["finding"] = finding.code
    try:
        for change in fix.changes:
            entry.data["changes"].append(change.backup(host, entry.folder))
        entry.save()
    except BaseException as exc:
        with shielded(), contextlib.suppress(OSError):
            entry.set_state("not-applied", error=str(exc))
        if not isinstance(exc, (ChangeError, OSError)):
            raise
        return FixResult(fix.id, Outcome.NOT_APPLIED, f"cannot save the backup: {exc}")
    pause_point("backup")

    done: list[tuple[Change, dict[str, Any]]] = []
    for number, (change, record) in enumerate(
        zip(fix.changes, entry.data["changes"], strict=False)
    ):
        # Counted before it starts: a change cut off part-way (Ctrl-C right after the rename)
        # is put back from what the machine holds, not from whether apply() returned.
        done.append((change, record))
        try:
            pause_point(f"apply-{number}")
            change.apply(host)
            pause_point(f"applied-{number}")
        except BaseException as exc:  # whatever broke, put back what was already changed
            with shielded():
                problems = roll_back(host, entry, done)
                with contextlib.suppress(OSError):
                    entry.set_state("rolled-back", error=str(exc), rollback_problems=problems)
            if not isinstance(exc, (ChangeError, OSError)):
                raise  # a bug in a change, or Ctrl-C: after the machine was put back
            extra = f"; could not put back: {'; '.join(problems)}" if problems else ""
            return FixResult(fix.id, Outcome.NOT_APPLIED, f"{exc}; changes put back{extra}")
    with shielded():
        entry.set_state("applied")
    pause_point("closed")
    return entry


def _verify(fix: Fix, finding: Finding, check: Check, host: Host, entry: Entry) -> FixResult:
    """Run the check again on a fresh host: repaired, pending a restart, or still broken."""
    try:
        after = list(check.run(host.fresh()))
    except Exception as exc:  # a check bug while verifying must not hide that the fix applied
        entry.set_state("verify-failed", error=repr(exc))
        return FixResult(fix.id, Outcome.VERIFY_FAILED, f"the check broke while verifying: {exc!r}")
    still = [f for f in after if f.code == finding.code and f.status in (Status.WARN, Status.FAIL)]
    if still:
        entry.set_state("verify-failed", still=[f.summary for f in still])
        return FixResult(fix.id, Outcome.VERIFY_FAILED, still[0].summary)
    if fix.needs_restart:
        entry.set_state("restart-pending")
        return FixResult(fix.id, Outcome.RESTART_PENDING)
    entry.set_state("verified")
    return FixResult(fix.id, Outcome.VERIFIED)


def under_sudo() -> str | None:
    """Why a fix or an undo must not run here (sudo would change root's files), or None."""
    if os.name == "posix" and os.geteuid() == 0 and os.environ.get("SUDO_USER"):
        return (
            "devdoctor refuses to change files under sudo: it would change root's files, not "
            "yours. Run it again without sudo."
        )
    return None


def fix_flow(
    finding: Finding,
    check: Check,
    host: Host,
    *,
    consent: Consent,
    named: bool,
    say: Say,
    ask: Ask,
    follow_up: bool = True,
) -> FixResult:
    """The one way a fix runs, for every command: plan, confirm, apply, verify, what follows.

    After the engine: the follow-up command the fix offers (`wsl --shutdown`, with its own
    question, never by default), then the steps left to the user. With several fixes in one
    go, `follow_up=False` leaves the follow-up to `offer_follow_up` once at the end.
    """
    fix = finding.fix
    assert fix is not None
    outcome = apply_fix(fix, finding, check, host, consent=consent, named=named, say=say, ask=ask)
    say(f"=> {outcome.outcome.value}" + (f": {outcome.message}" if outcome.message else ""))
    if follow_up:
        offer_follow_up(fix, outcome, host, say, ask)
    _next_steps(fix.manual_steps, outcome.outcome, say)
    return outcome


def offer_follow_up(fix: Fix, outcome: FixResult, host: Host, say: Say, ask: Ask) -> None:
    """Offer a follow-up command (wsl --shutdown) with its own question, never by default."""
    if not fix.offer or outcome.outcome not in (Outcome.RESTART_PENDING, Outcome.VERIFIED):
        return
    command = " ".join(fix.offer)
    if ask(fix.offer_question or f"Run `{command}` now?"):
        done = host.run(list(fix.offer), timeout=120)
        say(f"$ {command}: {'done' if done.ok else done.describe()}")
    else:
        say(f"Not run. When your work is saved, run `{command}` in PowerShell.")


def _next_steps(steps: Sequence[str], outcome: Outcome, say: Say) -> None:
    """What the user still has to do: after applying, or once they apply it."""
    if not steps:
        return
    if outcome in (Outcome.RESTART_PENDING, Outcome.VERIFIED):
        say("Next:")
    elif outcome in (Outcome.DRY_RUN, Outcome.NOT_APPLIED):
        say("After applying it:")
    else:
        return
    for number, step in enumerate(steps, 1):
        for line in _wrapped(step, f"  {number}. "):
            say(line)


def _wrapped(text: str, first: str, width: int = 96) -> list[str]:
    """A step wrapped at spaces, never inside a `command` (render.wrap)."""
    from .render import wrap

    return wrap(text, width, first, " " * len(first)) or [first.rstrip()]
