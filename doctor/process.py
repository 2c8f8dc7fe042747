"""Running other programs with a hard deadline, killing the whole process tree when it passes.

A stand-in or a real tool that hangs (powershell.exe waiting on a wedged VM, a docker CLI
stuck on a socket) must never hang devdoctor: every command has a timeout, and every child
process is tracked so the run can kill stragglers before it exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Completed:
    """What a command did. `rc` is None when it was killed at its deadline or never started."""

    argv: tuple[str, ...]
    rc: int | None
    out_bytes: bytes = b""
    err_bytes: bytes = b""
    timed_out: bool = False
    missing: bool = False
    seconds: float = 0.0
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Ran to the end and exited 0."""
        return self.rc == 0

    @property
    def out(self) -> str:
        """Standard output as text (UTF-16 from wsl.exe is recognised)."""
        return decode_output(self.out_bytes)

    @property
    def err(self) -> str:
        """Standard error as text."""
        return decode_output(self.err_bytes)

    def describe(self) -> str:
        """One line on how it ended, for evidence."""
        name = os.path.basename(self.argv[0]) if self.argv else "?"
        if self.missing:
            return f"{name}: not found on PATH"
        if self.timed_out:
            return f"{name}: no answer within {self.seconds:.0f} s (killed)"
        if self.rc is None:
            return f"{name}: could not start ({self.reason})"
        return f"{name}: exit {self.rc}"


def decode_output(data: bytes) -> str:
    """Text from a program's output: wsl.exe writes UTF-16LE without a BOM unless WSL_UTF8=1."""
    if data.startswith(b"\xff\xfe"):
        data = data[2:]
        text = data.decode("utf-16-le", errors="replace")
    elif len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        text = data.decode("utf-16-le", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    return text.replace("\x00", "").replace("\r\r\n", "\n").replace("\r\n", "\n")


class ProcessTracker:
    """Every child process still running, by the thread that started it, so it can be killed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_thread: dict[int, set[subprocess.Popen[bytes]]] = {}
        self._doomed: set[int] = set()  # threads whose check ran out of time

    def add(self, proc: subprocess.Popen[bytes]) -> None:
        """Track a started process; one started by a timed-out thread is killed at once."""
        ident = threading.get_ident()
        with self._lock:
            doomed = ident in self._doomed
            if not doomed:
                self._by_thread.setdefault(ident, set()).add(proc)
        if doomed:
            kill_tree(proc)

    def discard(self, proc: subprocess.Popen[bytes]) -> None:
        """Forget a process that has ended."""
        with self._lock:
            for procs in self._by_thread.values():
                procs.discard(proc)

    def kill_thread(self, ident: int) -> None:
        """Kill what one (timed-out) check started, and whatever it starts from now on."""
        with self._lock:
            procs = list(self._by_thread.pop(ident, ()))
            self._doomed.add(ident)
        for proc in procs:
            kill_tree(proc)

    def forget_thread(self, ident: int) -> None:
        """A thread has ended: its ident may be reused by a new thread."""
        with self._lock:
            self._doomed.discard(ident)
            if not self._by_thread.get(ident, True):
                del self._by_thread[ident]

    def kill_all(self) -> None:
        """Kill everything still running: the run is over."""
        with self._lock:
            procs = [p for group in self._by_thread.values() for p in group]
            self._by_thread.clear()
        for proc in procs:
            kill_tree(proc)


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process and everything it started (its own session/process group)."""
    if sys.platform == "win32":
        if proc.poll() is not None:
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["taskkill", "/F", "/T", "/PID", str(proc.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=5,
                check=False,
            )
    else:
        # Even when the leader has exited: a child it left in the background lives on in its
        # group (and holds the output pipe open).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str],
    cwd: str | None = None,
    input: bytes | None = None,
    tracker: ProcessTracker | None = None,
) -> Completed:
    """Run argv with a deadline; never raises for a missing program or a hang."""
    start = time.monotonic()
    argv = tuple(argv)
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(env),
            **kwargs,  # type: ignore[call-overload]
        )
    except FileNotFoundError:
        return Completed(argv, None, missing=True, reason="not found")
    except OSError as exc:
        return Completed(argv, None, reason=exc.strerror or str(exc))
    if tracker:
        tracker.add(proc)
    try:
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            try:
                out, err = proc.communicate(timeout=1)
            except (subprocess.TimeoutExpired, ValueError):
                out, err = b"", b""
            return Completed(argv, None, out, err, timed_out=True, seconds=timeout)
        except ValueError:  # pipes closed under us: the run is being torn down
            kill_tree(proc)
            return Completed(argv, None, reason="stopped", seconds=time.monotonic() - start)
    finally:
        if tracker:
            tracker.discard(proc)
    return Completed(argv, proc.returncode, out, err, seconds=time.monotonic() - start)
