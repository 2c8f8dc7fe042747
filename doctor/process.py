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
import weakref
from collections.abc import Mapping, Sequence
from typing import IO, NamedTuple

OUTPUT_LIMIT = 16 * 1024 * 1024
"""The most a command may print on each stream; past it, it is stopped (a stand-in printing
/dev/zero is an answer, not a MemoryError)."""

_trackers: weakref.WeakSet[ProcessTracker] = weakref.WeakSet()
_closing = threading.Event()
_spawning = threading.Condition()
_in_flight = 0  # Popen calls started and not yet tracked


class Completed(NamedTuple):
    """What a command did. `rc` is None when it was killed at its deadline or never started."""

    argv: tuple[str, ...]
    rc: int | None
    out_bytes: bytes = b""
    err_bytes: bytes = b""
    timed_out: bool = False
    missing: bool = False
    seconds: float = 0.0
    reason: str = ""
    overflow: bool = False

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
        if self.overflow:
            return f"{name}: printed more than {OUTPUT_LIMIT // 1024**2} MiB (stopped)"
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
        _trackers.add(self)

    def add(self, proc: subprocess.Popen[bytes]) -> None:
        """Track a started process; one started by a timed-out thread (or after devdoctor
        began to exit) is killed at once."""
        ident = threading.get_ident()
        with self._lock:
            doomed = ident in self._doomed or _closing.is_set()
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


def reopen() -> None:
    """A new run in this process (main() called again, as a test does) may start commands."""
    _closing.clear()


def shutdown() -> None:
    """devdoctor is exiting (normally, on an error or on a signal): kill every process tree it
    started, and any a straggling thread starts from now on."""
    _closing.set()
    for tracker in list(_trackers):
        tracker.kill_all()
    with _spawning:  # a thread between fork and tracking: wait for it (bounded), then again
        _spawning.wait_for(lambda: _in_flight == 0, timeout=2.0)
    for tracker in list(_trackers):
        tracker.kill_all()


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
    limit: int = OUTPUT_LIMIT,
) -> Completed:
    """Run argv with a deadline and at most `limit` bytes kept of each stream; never raises
    for a missing program, a hang or endless output."""
    start = time.monotonic()
    argv = tuple(argv)
    tracker = tracker or _default_tracker()
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    global _in_flight
    proc: subprocess.Popen[bytes] | None = None
    with _spawning:
        if _closing.is_set():
            return Completed(argv, None, reason="devdoctor is exiting")
        _in_flight += 1
    try:
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
        finally:
            if proc is not None:
                tracker.add(proc)
            with _spawning:
                _in_flight -= 1
                _spawning.notify_all()
        try:
            return _wait(proc, argv, input, start, timeout, limit)
        finally:
            tracker.discard(proc)
    except BaseException:
        # Ctrl-C or a termination signal while it ran: its tree goes with devdoctor.
        if proc is not None:
            kill_tree(proc)
        raise


def _default_tracker() -> ProcessTracker:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ProcessTracker()
    return _DEFAULT


_DEFAULT: ProcessTracker | None = None


class _Reader(threading.Thread):
    """Reads one stream to its end, keeping at most `limit` bytes."""

    def __init__(self, stream: IO[bytes], limit: int, over: threading.Event) -> None:
        super().__init__(daemon=True)
        self.stream, self.limit, self.over = stream, limit, over
        self.chunks: list[bytes] = []

    def run(self) -> None:
        size = 0
        fd = self.stream.fileno()
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return
                if size + len(chunk) > self.limit:
                    self.chunks.append(chunk[: self.limit - size])
                    self.over.set()
                    return
                size += len(chunk)
                self.chunks.append(chunk)
        except (OSError, ValueError):
            return

    def data(self) -> bytes:
        return b"".join(self.chunks)


def _feed(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError, ValueError):
        stream.write(data)
    with contextlib.suppress(OSError, ValueError):
        stream.close()


def _wait(
    proc: subprocess.Popen[bytes],
    argv: tuple[str, ...],
    input: bytes | None,
    start: float,
    timeout: float,
    limit: int,
) -> Completed:
    assert proc.stdout is not None and proc.stderr is not None
    over = threading.Event()
    readers = [_Reader(proc.stdout, limit, over), _Reader(proc.stderr, limit, over)]
    for reader in readers:
        reader.start()
    if input is not None and proc.stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, input), daemon=True).start()
    deadline = start + timeout
    timed_out = False
    # Until it ends, prints too much, or the deadline passes; then until its output ends (a
    # child it left in the background may still hold the pipes).
    while not over.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            proc.wait(timeout=min(left, 0.1))
        except subprocess.TimeoutExpired:
            continue
        for reader in readers:  # a reader stops by itself at the limit
            reader.join(max(0.0, deadline - time.monotonic()))
        break
    if over.is_set() or proc.poll() is None or any(r.is_alive() for r in readers):
        timed_out = not over.is_set()
        kill_tree(proc)
    for reader in readers:
        reader.join(1.0)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(1.0)
    if not any(r.is_alive() for r in readers):
        for stream in (proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()
    out, err = readers[0].data(), readers[1].data()
    seconds = time.monotonic() - start
    if over.is_set():
        return Completed(argv, None, out, err, overflow=True, seconds=seconds, reason="too much")
    if timed_out:
        return Completed(argv, None, out, err, timed_out=True, seconds=timeout)
    return Completed(argv, proc.returncode, out, err, seconds=seconds)
