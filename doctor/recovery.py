"""Putting back what a fix changed when it stops part-way: a failure, Ctrl-C, or a crash.

A fix that fails part-way is rolled back at once; one a kill or a crash left open is recovered
by the next devdoctor that runs a fix or an undo, from what the machine shows (each change's
probe), once the journal entry is checked (`validate_entry`). Signals wait while it works.
Apart from fixes.py (the way a fix runs) because this is what happens when that way is cut off.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .changes import Change, ChangeError, change_kind
from .host import Host
from .journal import Entry, LockedError, entries, locked
from .targets import trusted_path


@contextlib.contextmanager
def shielded() -> Iterator[None]:
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


def roll_back(
    host: Host, entry: Entry, done: Sequence[tuple[Change, dict[str, Any]]]
) -> list[str]:
    """Put back what a fix that failed part-way had begun (`done`); what could not be, in words."""
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
            with locked(host.state_dir, targets), shielded():
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

