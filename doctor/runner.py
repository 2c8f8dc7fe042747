"""Runs the checks side by side, each under its own deadline, so the slowest probe bounds the run.

Threads are daemons and every child process is tracked by the Host: when the run is over, what
is still running is killed and nothing waits for stragglers. A check whose needs failed says
`skip` (naming them) instead of failing again, so the verdict counts root causes.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence

from .host import Host, Platform
from .model import Finding, Result, Run, Scope, Status
from .registry import Loaded, LoadError

SETTLE = 0.05


class _Slot:
    """One check's place in the run: filled in by its thread, read by the main loop."""

    __slots__ = ("done", "loaded", "result", "started", "thread_ident")

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.done = threading.Event()
        self.started: float | None = None
        self.thread_ident: int | None = None
        self.result: Result | None = None


def run_checks(
    checks: Sequence[Loaded],
    host: Host,
    *,
    load_errors: Sequence[LoadError] = (),
    skipped: dict[str, str] | None = None,
    on_result: Callable[[Result], None] | None = None,
    timeout_scale: float = 1.0,
) -> Run:
    """Run every check concurrently and return their results in the listed order."""
    skipped = skipped or {}
    slots = {loaded.check.id: _Slot(loaded) for loaded in checks}
    finished: queue.Queue[str] = queue.Queue()
    lock = threading.Lock()

    def deliver(slot: _Slot, result: Result, *, kill: bool = False) -> None:
        # The first result wins: a check that answers as its deadline passes is not overwritten.
        with lock:
            if slot.result is not None:
                return
            if kill and slot.thread_ident is not None:
                host.tracker.kill_thread(slot.thread_ident)
            slot.result = result
        slot.done.set()
        finished.put(result.id)

    # Plugins that failed to load are known at once: shown first, listed last.
    broken = [
        Result(id=e.id, title=f"plugin {e.id}", scope=Scope.HOST, error=e.error, origin=e.origin)
        for e in load_errors
    ]
    for result in broken:
        if on_result:
            on_result(result)

    cycles = _cycles(slots)
    for slot in slots.values():
        check = slot.loaded.check
        reason = skipped.get(check.id) or _not_here(check.scope, host)
        if reason:
            deliver(slot, _result(slot.loaded, skip_reason=reason))
            continue
        if check.id in cycles:
            deliver(slot, _result(slot.loaded, error=f"its needs form a cycle: {cycles[check.id]}"))
            continue
        thread = threading.Thread(
            target=_work, args=(slot, slots, host, deliver), daemon=True, name=check.id
        )
        thread.start()

    pending = {cid for cid, slot in slots.items() if slot.result is None}
    reported: set[str] = set()
    while True:
        for cid, slot in slots.items():
            if slot.result is not None and cid not in reported:
                reported.add(cid)
                if on_result:
                    on_result(slot.result)
        pending = {cid for cid in pending if slots[cid].result is None}
        if not pending:
            break
        now = time.monotonic()
        for cid in sorted(pending):
            slot = slots[cid]
            limit = slot.loaded.check.timeout * timeout_scale
            if slot.started is not None and now - slot.started > limit:
                deliver(slot, _timed_out(slot.loaded, limit), kill=True)
        with contextlib.suppress(queue.Empty):
            finished.get(timeout=SETTLE)

    for cid, slot in slots.items():  # those that arrived after the last look
        if slot.result is not None and cid not in reported and on_result:
            on_result(slot.result)
    host.tracker.kill_all()
    results = [slot.result for slot in slots.values() if slot.result is not None]
    return Run(tuple(results + broken))


def _cycles(slots: dict[str, _Slot]) -> dict[str, str]:
    """Checks whose needs lead back to themselves (they would wait for each other forever)."""
    found: dict[str, str] = {}
    for cid in slots:
        paths = [[cid]]
        seen: set[str] = set()
        while paths and cid not in found:
            path = paths.pop()
            for need in slots[path[-1]].loaded.check.needs:
                if need == cid:
                    found[cid] = " → ".join([*path, cid])
                    break
                if need in slots and need not in seen:
                    seen.add(need)
                    paths.append([*path, need])
    return found


def _not_here(scope: Scope, host: Host) -> str | None:
    if scope is Scope.HOST and host.platform is Platform.CONTAINER:
        return "inside a container: run devdoctor on the computer itself for host checks"
    return None


def _work(
    slot: _Slot,
    slots: dict[str, _Slot],
    host: Host,
    deliver: Callable[[_Slot, Result], None],
) -> None:
    try:
        _work_on(slot, slots, host, deliver)
    finally:
        host.tracker.forget_thread(threading.get_ident())


def _work_on(
    slot: _Slot,
    slots: dict[str, _Slot],
    host: Host,
    deliver: Callable[[_Slot, Result], None],
) -> None:
    check = slot.loaded.check
    for need in check.needs:
        other = slots.get(need)
        if other is None:
            continue
        other.done.wait()
        assert other.result is not None
        if other.result.status in (Status.FAIL, Status.ERROR):
            deliver(slot, _result(slot.loaded, skip_reason=f"needs {need}, which failed"))
            return
    slot.thread_ident = threading.get_ident()
    slot.started = time.monotonic()
    try:
        reason = check.platform_reason(host)
        if not reason:  # it runs here: a built-in's module is imported only now
            check = slot.loaded.ready()
            reason = check.skip_reason(host)
        if reason:
            deliver(slot, _result(slot.loaded, skip_reason=reason))
            return
        findings = tuple(check.run(host))
        if not findings:
            findings = (
                Finding(status=Status.OK, code=f"{check.id}/ok", summary="nothing to report"),
            )
        deliver(slot, _result(slot.loaded, findings=findings, started=slot.started))
    except BaseException as exc:  # a check's bug (even sys.exit) is an error row, not a crash
        import traceback

        line = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        deliver(
            slot,
            _result(slot.loaded, error=line, tb=traceback.format_exc(), started=slot.started),
        )


def _result(
    loaded: Loaded,
    *,
    findings: tuple[Finding, ...] = (),
    skip_reason: str | None = None,
    error: str | None = None,
    tb: str | None = None,
    started: float | None = None,
) -> Result:
    check = loaded.check
    return Result(
        id=check.id,
        title=check.title,
        scope=check.scope,
        findings=findings,
        skip_reason=skip_reason,
        error=error,
        traceback=tb,
        duration_ms=(time.monotonic() - started) * 1000 if started is not None else 0.0,
        origin=loaded.origin,
    )


def _timed_out(loaded: Loaded, limit: float) -> Result:
    check = loaded.check
    finding = Finding(
        status=Status.WARN,
        code=f"{check.id}/timeout",
        summary=f"no answer within {limit:.0f} s; what it waits for may be hung",
        detail=(
            "devdoctor stopped waiting for this check and killed what it had started. "
            "Something it asks (a program, Docker, Windows) did not answer in time: run "
            "`devdoctor check --verbose` again, and if it still times out, restart that part."
        ),
    )
    return Result(
        id=check.id,
        title=check.title,
        scope=check.scope,
        findings=(finding,),
        duration_ms=limit * 1000,
        origin=loaded.origin,
    )
