"""run_command and ProcessTracker with real processes: the deadline kills the whole tree.

The stand-ins are real shell scripts that sleep for an hour and start a child of their own; each
writes the pids it started to a file, so a test can prove the grandchild is gone, not merely that
run_command returned.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from devdoctor.process import Completed, ProcessTracker, decode_output, kill_tree, run_command

from tests.procs import alive, kill_quietly, pids_in, wait_gone, written_pids

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")


# -- helpers ----------------------------------------------------------------------------------


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def env_with(**extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", os.defpath), **extra}


@pytest.fixture
def hanging(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in that prints, starts a child sleeping for an hour, then sleeps for an hour."""
    pidfile = tmp_path / "pids"
    stand_in = script(
        tmp_path,
        "hang",
        f"""\
        echo started
        sleep 3600 &
        echo $$ $! > {pidfile}
        sleep 3600
        """,
    )
    return stand_in, pidfile


# -- the deadline -------------------------------------------------------------------------------


def test_deadline_kills_the_stand_in_and_its_child(hanging: tuple[Path, Path]) -> None:
    stand_in, pidfile = hanging
    start = time.monotonic()
    done = run_command([str(stand_in)], timeout=0.5, env=env_with())
    elapsed = time.monotonic() - start
    pids = pids_in(pidfile)
    try:
        assert done.timed_out
        assert done.rc is None
        assert not done.ok
        assert elapsed < 2.5, f"took {elapsed:.1f} s for a 0.5 s deadline"
        assert done.out == "started\n"  # what it printed before the deadline is kept
        parent, grandchild = pids
        assert wait_gone(parent)
        assert wait_gone(grandchild), "the stand-in's own child outlived the deadline"
        assert "no answer within" in done.describe()
    finally:
        kill_quietly(pids)


def test_deadline_kills_a_child_left_behind_by_a_leader_that_exited(tmp_path: Path) -> None:
    # The stand-in puts a child in the background and exits at once; the child keeps the output
    # pipe open, so the command has not ended, and the child must die at the deadline.
    pidfile = tmp_path / "pid"
    stand_in = script(tmp_path, "detach", f"sleep 3600 &\necho $! > {pidfile}\nexit 0\n")
    start = time.monotonic()
    done = run_command([str(stand_in)], timeout=0.5, env=env_with())
    elapsed = time.monotonic() - start
    (grandchild,) = pids_in(pidfile)
    try:
        assert done.timed_out
        assert wait_gone(grandchild), "the background child outlived the deadline"
        assert elapsed < 2.5
    finally:
        kill_quietly([grandchild])


def test_a_fast_command_keeps_its_output_and_exit_code(tmp_path: Path) -> None:
    tool = script(tmp_path, "tool", 'echo "out $1"; echo err >&2; exit 3\n')
    done = run_command([str(tool), "x"], timeout=10, env=env_with())
    assert (done.rc, done.out, done.err, done.timed_out) == (3, "out x\n", "err\n", False)
    assert done.describe() == "tool: exit 3"
    assert not done.ok


def test_input_reaches_the_command(tmp_path: Path) -> None:
    done = run_command(["cat"], timeout=10, env=env_with(), input=b"hello\r\n")
    assert done.ok
    assert done.out_bytes == b"hello\r\n"
    assert done.out == "hello\n"


def test_environment_is_exactly_the_one_given(tmp_path: Path) -> None:
    tool = script(tmp_path, "show", 'echo "${ONLY_HERE-unset} ${HOME-nohome}"\n')
    done = run_command([str(tool)], timeout=10, env={"ONLY_HERE": "yes", "PATH": "/usr/bin:/bin"})
    assert done.out == "yes nohome\n"


def test_cwd_is_used(tmp_path: Path) -> None:
    done = run_command(["pwd"], timeout=10, env=env_with(), cwd=str(tmp_path))
    assert Path(done.out.strip()).resolve() == tmp_path.resolve()


def test_missing_program_is_reported_not_raised(tmp_path: Path) -> None:
    done = run_command([str(tmp_path / "nope")], timeout=5, env=env_with())
    assert done.missing and done.rc is None and not done.timed_out
    assert done.describe() == "nope: not found on PATH"


def test_a_program_that_cannot_start_is_reported(tmp_path: Path) -> None:
    not_executable = tmp_path / "data.txt"
    not_executable.write_text("just text\n")
    not_executable.chmod(0o644)
    done = run_command([str(not_executable)], timeout=5, env=env_with())
    assert done.rc is None and not done.missing and not done.timed_out
    assert "could not start" in done.describe()


# -- the tracker --------------------------------------------------------------------------------


def test_tracker_kill_all_ends_what_threads_left_running(hanging: tuple[Path, Path]) -> None:
    stand_in, pidfile = hanging
    tracker = ProcessTracker()
    results: list[Completed] = []
    worker = threading.Thread(
        target=lambda: results.append(
            run_command([str(stand_in)], timeout=3600, env=env_with(), tracker=tracker)
        ),
        daemon=True,
    )
    worker.start()
    pids = pids_in(pidfile)
    try:
        start = time.monotonic()
        tracker.kill_all()
        worker.join(5)
        assert not worker.is_alive(), "run_command did not return once its tree was killed"
        assert time.monotonic() - start < 5
        assert all(wait_gone(pid) for pid in pids)
        assert results[0].rc is not None and results[0].rc < 0  # killed by a signal
    finally:
        kill_quietly(pids)


def test_tracker_kill_thread_kills_only_that_threads_processes(tmp_path: Path) -> None:
    tracker = ProcessTracker()
    files = {name: tmp_path / f"{name}.pid" for name in ("doomed", "spared")}
    idents: dict[str, int] = {}

    def start(name: str) -> None:
        idents[name] = threading.get_ident()
        stand_in = script(tmp_path, name, f"echo $$ > {files[name]}\nexec sleep 3600\n")
        run_command([str(stand_in)], timeout=3600, env=env_with(), tracker=tracker)

    threads = {n: threading.Thread(target=start, args=(n,), daemon=True) for n in files}
    for thread in threads.values():
        thread.start()
    pids = {name: pids_in(path)[0] for name, path in files.items()}
    try:
        tracker.kill_thread(idents["doomed"])
        assert wait_gone(pids["doomed"])
        threads["doomed"].join(5)
        assert not threads["doomed"].is_alive()
        time.sleep(0.2)
        assert alive(pids["spared"])
        tracker.kill_all()
        assert wait_gone(pids["spared"])
    finally:
        kill_quietly(list(pids.values()))


def test_a_timed_out_thread_cannot_start_new_processes_that_outlive_it(tmp_path: Path) -> None:
    """After kill_thread, whatever that thread starts next is killed at once."""
    tracker = ProcessTracker()
    first, second = tmp_path / "first.pid", tmp_path / "second.pid"
    ident: list[int] = []
    results: list[Completed] = []
    go_on = threading.Event()

    def work() -> None:
        ident.append(threading.get_ident())
        one = script(tmp_path, "one", f"echo $$ > {first}\nexec sleep 3600\n")
        results.append(run_command([str(one)], timeout=3600, env=env_with(), tracker=tracker))
        go_on.wait(5)
        two = script(tmp_path, "two", f"echo $$ > {second}\nexec sleep 3600\n")
        results.append(run_command([str(two)], timeout=3600, env=env_with(), tracker=tracker))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    pids = pids_in(first)
    try:
        tracker.kill_thread(ident[0])
        tracker.kill_all()  # the run is over
        go_on.set()
        thread.join(5)
        assert not thread.is_alive(), "the second command outlived the run"
        assert [r.rc is not None and r.rc < 0 for r in results] == [True, True]
        if second.is_file() and second.read_text().strip():
            pids.append(int(second.read_text()))
        assert all(wait_gone(pid) for pid in pids)
    finally:
        kill_quietly(pids + written_pids(second))


def test_a_new_thread_with_a_reused_ident_is_not_doomed(tmp_path: Path) -> None:
    tracker = ProcessTracker()
    me = threading.get_ident()
    tracker.kill_thread(me)  # as if a check on this thread had timed out, then ended
    tracker.forget_thread(me)
    done = run_command(["sh", "-c", "echo fine"], timeout=10, env=env_with(), tracker=tracker)
    assert (done.rc, done.out) == (0, "fine\n")


def test_kill_tree_on_an_ended_process_is_harmless(tmp_path: Path) -> None:
    proc = subprocess.Popen(["true"], start_new_session=True)
    proc.wait()
    kill_tree(proc)  # must not raise
    assert proc.returncode == 0


# -- output decoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"Ubuntu\r\n", "Ubuntu\n"),
        ("  NAME      STATE\r\n* Ubuntu    Running\r\n".encode("utf-16-le"), None),
        (b"\xff\xfe" + "VERSION 2\r\n".encode("utf-16-le"), "VERSION 2\n"),
        (b"caf\xc3\xa9", "café"),
        (b"\xff\x00bad", None),
    ],
)
def test_decode_output(data: bytes, text: str | None) -> None:
    decoded = decode_output(data)
    assert "\x00" not in decoded
    assert "\r\n" not in decoded
    if text is not None:
        assert decoded == text
    elif data.startswith(b" "):
        assert decoded == "  NAME      STATE\n* Ubuntu    Running\n"
