"""The fix engine: plan, show, confirm, journal and back up, apply atomically, verify, undo.

The order never changes, whatever the fix: nothing is touched before the journal entry and the
backup are on disk, a change is refused if the machine changed since the check looked, a
failure part-way puts back what was already changed, and the check runs again to prove it.
"""

from __future__ import annotations

import contextlib
import enum
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import pause_point
from .changes import Change, ChangeError, change_kind
from .exits import ExitCode
from .host import Host
from .journal import Entry, LockedError, entries, locked, new_entry, target_locks
from .model import Check, Finding, Fix, Scope, Status
from .targets import trusted_path

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


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Hold Ctrl-C and termination signals while the engine puts things back or closes an entry.

    A second Ctrl-C must not cut a rollback in half; the signal is delivered right after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    wanted = [signal.SIGINT, signal.SIGTERM] + (
        [signal.SIGHUP] if hasattr(signal, "SIGHUP") else []
    )
    previous = {sig: signal.signal(sig, lambda n, _f: caught.append(n)) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


def _discard(entry: Entry) -> None:
    """Remove an entry that never got past its first line (refused: nothing was saved)."""
    with _shielded():
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
        with _shielded(), contextlib.suppress(OSError):
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
            with _shielded():
                problems = _roll_back(host, entry, done)
                with contextlib.suppress(OSError):
                    entry.set_state("rolled-back", error=str(exc), rollback_problems=problems)
            if not isinstance(exc, (ChangeError, OSError)):
                raise  # a bug in a change, or Ctrl-C: after the machine was put back
            extra = f"; could not put back: {'; '.join(problems)}" if problems else ""
            return FixResult(fix.id, Outcome.NOT_APPLIED, f"{exc}; changes put back{extra}")
    with _shielded():
        entry.set_state("applied")
    pause_point("closed")
    return entry


def _roll_back(
    host: Host, entry: Entry, done: Sequence[tuple[Change, dict[str, Any]]]
) -> list[str]:
    return _put_back(host, entry, [record for _change, record in done])


def _put_back(host: Host, entry: Entry, records: Sequence[dict[str, Any]]) -> list[str]:
    """Undo, newest first, each record the machine shows as changed; what could not be, in words."""
    problems = []
    for record in reversed(records):
        try:
            kind = change_kind(record["kind"])
            where = kind.probe(host, record, entry.folder)
            if where == "old":
                continue
            if where == "other":
                problems.append(
                    f"{record.get('path', record['kind'])} changed since; left as it is "
                    f"(the old bytes are in {entry.folder})"
                )
                continue
            kind.undo(host, record, entry.folder)
        except Exception as exc:  # one change that cannot be put back stops no other
            problems.append(str(exc) or type(exc).__name__)
    return problems


def _same_host_alive(owner: object) -> bool:
    """Whether the process that made an entry is running here now (its fix is in progress)."""
    from .journal import holder_info, pid_alive

    if not isinstance(owner, dict) or not isinstance(owner.get("pid"), int):
        return False
    mine = holder_info()
    if (owner.get("host"), owner.get("platform")) != (mine["host"], mine["platform"]):
        return False
    return owner["pid"] == mine["pid"] or pid_alive(owner["pid"])


def recover(host: Host) -> list[str]:
    """Entries a crash or a kill left open: rolled back, or marked applied from the files.

    An entry whose backup is on disk is always undoable: when every change shows its new
    state the entry becomes `applied` (so `devdoctor undo` puts it back); when only some do,
    those are put back now. An entry whose process still runs, or whose files another
    devdoctor holds, is left alone.
    """
    said: list[str] = []
    for entry in entries(host.state_dir):
        if entry.state != "open" or _same_host_alive(entry.data.get("owner")):
            continue
        problem = validate_entry(entry, host)
        if problem:
            said.append(f"An interrupted fix ({entry.id}) cannot be checked: {problem}")
            continue
        records = list(entry.data["changes"])
        try:
            # The targets it meant to lock: a lock its killed process left is broken here.
            targets = [Path(t) for t in entry.data.get("targets", [])]
            targets += [t for r in records for t in change_kind(r["kind"]).record_targets(host, r)]
            with locked(host.state_dir, targets), _shielded():
                said.append(_recover_one(host, entry, records))
        except (LockedError, ChangeError, OSError) as exc:
            said.append(f"An interrupted fix ({entry.id}) was left as it is: {exc}")
    return said


def _recover_one(host: Host, entry: Entry, records: list[dict[str, Any]]) -> str:
    title = entry.data.get("title", entry.id)
    if not records:
        entry.set_state("not-applied", recovered="interrupted before any change")
        return f"An interrupted fix had changed nothing: {title} ({entry.id})."
    where = [change_kind(r["kind"]).probe(host, r, entry.folder) for r in records]
    if all(w == "new" for w in where):
        entry.set_state("applied", recovered="interrupted after its changes were made")
        return (
            f"An interrupted fix had been applied: {title} ({entry.id}); "
            "`devdoctor undo` puts it back."
        )
    problems = _put_back(host, entry, records)
    entry.set_state("rolled-back", recovered="interrupted part-way", rollback_problems=problems)
    extra = f" Could not put back: {'; '.join(problems)}" if problems else ""
    return f"An interrupted fix was put back: {title} ({entry.id}).{extra}"


ENTRY_STATES = (
    "open",
    "not-applied",
    "rolled-back",
    "applied",
    "restart-pending",
    "verified",
    "verify-failed",
    "undone",
)


def validate_entry(entry: Entry, host: Host) -> str | None:
    """Why a journal entry cannot be trusted (tampered with, or another machine's), or None."""
    data = entry.data
    for key in ("fix", "title"):
        if not isinstance(data.get(key, ""), str):
            return f"its {key} is not text"
    if data.get("state", "open") not in ENTRY_STATES:
        return f"its state {data.get('state')!r} is not one devdoctor writes"
    here = str(host.root) if host.root is not None else None
    if data.get("root") != here:
        return f"it was made for --root {data.get('root')}, not for {here or 'this machine'}"
    targets = data.get("targets", [])
    if not isinstance(targets, list) or not all(trusted_path(host, t) for t in targets):
        repo = data.get("repo")
        if isinstance(repo, str) and all(
            isinstance(t, str) and t.startswith(repo.rstrip("/") + "/") for t in targets
        ):  # the course repository it changed is not this run's: say where to run it
            return (
                f"it changed files in the course repository {repo}: run `devdoctor undo` "
                f"inside it, or with --repo {repo}"
            )
        return "it names files to lock outside the places devdoctor writes"
    records = data.get("changes")
    if not isinstance(records, list):
        return "its changes are not a list"
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
            return "a change that is not a record"
        try:
            problem = change_kind(record["kind"]).validate(host, record, entry.folder)
        except ChangeError as exc:
            problem = str(exc)
        if problem:
            return problem
    return None


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
            with _shielded():
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
