"""The runner with small real checks: concurrency, deadlines, needs, errors, containers.

Every check here is a real Check subclass run on daemon threads by run_checks; the hanging
stand-ins are real shell scripts whose whole process tree must be gone when the run ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from devdoctor.host import Host
from devdoctor.model import Check, Finding, Result, Run, Scope, Status
from devdoctor.registry import Loaded, LoadError
from devdoctor.runner import run_checks

from tests.procs import kill_quietly, pids_in, wait_gone, written_pids

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX stand-ins")

REPO = Path(__file__).resolve().parents[2]


# -- helpers ----------------------------------------------------------------------------------


def hanging_stand_in(folder: Path, name: str = "hang") -> tuple[Path, Path]:
    """A stand-in on PATH that starts a child sleeping for an hour and sleeps an hour itself."""
    bindir = folder / "bin"
    bindir.mkdir(exist_ok=True)
    pidfile = folder / f"{name}.pids"
    path = bindir / name
    path.write_text(f"#!/bin/sh\nsleep 3600 &\necho $$ $! > {pidfile}\nsleep 3600\n")
    path.chmod(0o755)
    return bindir, pidfile


def make_host(tmp_path: Path, platform: str = "linux", path: str = "") -> Host:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    env = {
        "PATH": os.pathsep.join(p for p in (path, "/usr/bin", "/bin") if p),
        "HOME": "/home/student",
        "DEVDOCTOR_PLATFORM": platform,
        "DEVDOCTOR_STATE_DIR": str(tmp_path / "state"),
    }
    return Host(root=root, env=env)


def make_check(
    cid: str,
    run: Callable[[Check, Host], Iterable[Finding]] | None = None,
    *,
    status: Status = Status.OK,
    scope: Scope = Scope.HOST,
    needs: tuple[str, ...] = (),
    timeout: float = 10.0,
    applies: Callable[[Host], str | None] | None = None,
) -> Loaded:
    """A real Check subclass with the given behaviour."""

    def default_run(self: Check, host: Host) -> Iterable[Finding]:
        return [self.finding(status, "seen", f"{cid} is {status.value}")]

    attrs: dict[str, Any] = {
        "id": cid,
        "title": f"Check {cid}",
        "scope": scope,
        "needs": needs,
        "timeout": timeout,
        "run": run or default_run,
    }
    if applies is not None:
        attrs["skip_reason"] = lambda self, host: applies(host)
    cls = type(f"Check_{cid.replace('-', '_')}", (Check,), attrs)
    return Loaded(cls())


def by_id(run: Run) -> dict[str, Result]:
    return {r.id: r for r in run.results}


# -- running side by side -----------------------------------------------------------------------


def test_checks_run_concurrently_and_results_keep_the_listed_order(tmp_path: Path) -> None:
    # Four checks that can only finish once all four are running at the same time: a run that
    # took them one after another would break the barrier instead.
    barrier = threading.Barrier(4, timeout=5)

    def together(self: Check, host: Host) -> list[Finding]:
        barrier.wait()
        return [self.finding(Status.OK, "together", "ran beside the others")]

    checks = [make_check(f"slow-{n}", together) for n in ("c", "a", "b", "d")]
    run = run_checks(checks, make_host(tmp_path))
    assert [r.id for r in run.results] == ["slow-c", "slow-a", "slow-b", "slow-d"]
    assert all(r.status is Status.OK for r in run.results), [r.summary for r in run.results]


def test_each_result_is_reported_once_as_it_arrives(tmp_path: Path) -> None:
    seen: list[str] = []
    thread_of_callback: set[int] = set()

    def on_result(result: Result) -> None:
        seen.append(result.id)
        thread_of_callback.add(threading.get_ident())

    def wait(seconds: float) -> Callable[[Check, Host], list[Finding]]:
        def run(self: Check, host: Host) -> list[Finding]:
            time.sleep(seconds)
            return []

        return run

    checks = [make_check("late", wait(0.4)), make_check("early", wait(0.0))]
    run_checks(checks, make_host(tmp_path), on_result=on_result)
    assert seen == ["early", "late"]
    assert thread_of_callback == {threading.get_ident()}  # shown from the caller's thread


def test_a_check_without_findings_is_ok(tmp_path: Path) -> None:
    run = run_checks([make_check("quiet", lambda self, host: [])], make_host(tmp_path))
    (result,) = run.results
    assert result.status is Status.OK
    assert [f.code for f in result.findings] == ["quiet/ok"]


def test_status_is_the_worst_finding_and_counts_add_up(tmp_path: Path) -> None:
    def mixed(self: Check, host: Host) -> list[Finding]:
        return [
            self.finding(Status.OK, "a", "fine"),
            self.finding(Status.WARN, "b", "hmm"),
            self.finding(Status.INFO, "c", "fyi"),
        ]

    run = run_checks(
        [make_check("mixed", mixed), make_check("bad", status=Status.FAIL)], make_host(tmp_path)
    )
    assert by_id(run)["mixed"].status is Status.WARN
    assert by_id(run)["mixed"].summary == "hmm"
    assert run.status is Status.FAIL
    assert run.counts() == {"ok": 0, "info": 0, "warn": 1, "fail": 1, "skip": 0, "error": 0}


# -- deadlines ----------------------------------------------------------------------------------


def test_a_hung_check_is_warn_timeout_and_does_not_hold_the_run(tmp_path: Path) -> None:
    release = threading.Event()

    def hang(self: Check, host: Host) -> list[Finding]:
        release.wait(3600)
        return [self.finding(Status.OK, "late", "answered too late")]

    checks = [make_check("stuck", hang, timeout=0.4), make_check("fine")]
    start = time.monotonic()
    run = run_checks(checks, make_host(tmp_path))
    elapsed = time.monotonic() - start
    release.set()
    stuck = by_id(run)["stuck"]
    assert stuck.status is Status.WARN
    assert [f.code for f in stuck.findings] == ["stuck/timeout"]
    assert by_id(run)["fine"].status is Status.OK
    assert elapsed < 1.5
    time.sleep(0.1)
    assert by_id(run)["stuck"].findings[0].code == "stuck/timeout"  # a late answer is ignored


def test_timeout_scale_stretches_the_deadline(tmp_path: Path) -> None:
    def nap(self: Check, host: Host) -> list[Finding]:
        time.sleep(0.5)
        return []

    host = make_host(tmp_path)
    assert by_id(run_checks([make_check("nap", nap, timeout=0.3)], host))["nap"].status is (
        Status.WARN
    )
    scaled = run_checks([make_check("nap", nap, timeout=0.3)], host, timeout_scale=4.0)
    assert by_id(scaled)["nap"].status is Status.OK


def test_a_check_running_a_hung_stand_in_ends_within_its_deadline(tmp_path: Path) -> None:
    bindir, pidfile = hanging_stand_in(tmp_path)
    outcome: list[object] = []

    def call(self: Check, host: Host) -> list[Finding]:
        done = host.run(["hang"], timeout=3600)  # the check trusts the tool; the runner does not
        outcome.append(done)
        return [self.finding(Status.OK, "answered", "it answered")]

    host = make_host(tmp_path, path=str(bindir))
    start = time.monotonic()
    run = run_checks([make_check("slow-tool", call, timeout=1.0)], host)
    elapsed = time.monotonic() - start
    pids = pids_in(pidfile)
    try:
        assert elapsed < 2.0, f"a 1 s deadline took {elapsed:.2f} s"
        assert [f.code for f in run.results[0].findings] == ["slow-tool/timeout"]
        assert all(wait_gone(pid) for pid in pids), "the stand-in or its child outlived the run"
    finally:
        kill_quietly(pids)


def test_a_timed_out_check_that_starts_another_command_gets_it_killed(tmp_path: Path) -> None:
    bindir, first = hanging_stand_in(tmp_path, "first")
    _, second = hanging_stand_in(tmp_path, "second")
    finished = threading.Event()

    def two_calls(self: Check, host: Host) -> list[Finding]:
        host.run(["first"], timeout=3600)
        host.run(["second"], timeout=3600)  # started after the deadline killed the first
        finished.set()
        return []

    host = make_host(tmp_path, path=str(bindir))
    run = run_checks([make_check("two-calls", two_calls, timeout=0.5)], host)
    pids = pids_in(first)
    try:
        assert run.results[0].findings[0].code == "two-calls/timeout"
        assert finished.wait(5), "the second command was left running after the run ended"
        if second.is_file() and second.read_text().strip():
            pids += pids_in(second)
        assert all(wait_gone(pid) for pid in pids)
    finally:
        kill_quietly(pids + written_pids(second))


# -- needs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", [Status.FAIL, Status.ERROR])
def test_a_check_whose_need_failed_is_skipped_naming_it(tmp_path: Path, failure: Status) -> None:
    ran: list[str] = []

    def base(self: Check, host: Host) -> list[Finding]:
        time.sleep(0.2)  # the dependent must wait for it
        if failure is Status.ERROR:
            raise RuntimeError("engine probe broke")
        return [self.finding(Status.FAIL, "down", "the engine is down")]

    def dependent(self: Check, host: Host) -> list[Finding]:
        ran.append(self.id)
        return []

    checks = [
        make_check("docker-ish", needs=("engine",), run=dependent),
        make_check("engine", base),
    ]
    run = run_checks(checks, make_host(tmp_path))
    result = by_id(run)["docker-ish"]
    assert result.status is Status.SKIP
    assert result.skip_reason == "needs engine, which failed"
    assert "engine" in result.summary
    assert ran == []
    assert by_id(run)["engine"].status is failure


@pytest.mark.parametrize("status", [Status.OK, Status.WARN, Status.INFO])
def test_a_check_whose_need_did_not_fail_runs(tmp_path: Path, status: Status) -> None:
    checks = [make_check("base", status=status), make_check("after", needs=("base",))]
    run = run_checks(checks, make_host(tmp_path))
    assert by_id(run)["after"].status is Status.OK


def test_a_need_that_is_not_selected_or_skipped_does_not_block(tmp_path: Path) -> None:
    checks = [
        make_check("after", needs=("not-selected", "skipped-one")),
        make_check("skipped-one", status=Status.FAIL),
    ]
    run = run_checks(checks, make_host(tmp_path), skipped={"skipped-one": "skipped with --skip"})
    assert by_id(run)["skipped-one"].skip_reason == "skipped with --skip"
    assert by_id(run)["after"].status is Status.OK


def test_a_need_that_timed_out_does_not_skip_its_dependent(tmp_path: Path) -> None:
    def hang(self: Check, host: Host) -> list[Finding]:
        time.sleep(3600)
        return []

    checks = [make_check("slow", hang, timeout=0.3), make_check("after", needs=("slow",))]
    start = time.monotonic()
    run = run_checks(checks, make_host(tmp_path))
    assert time.monotonic() - start < 1.5
    assert by_id(run)["slow"].status is Status.WARN
    assert by_id(run)["after"].status is Status.OK


def test_needs_that_form_a_cycle_are_an_error_not_a_hang(tmp_path: Path) -> None:
    checks = [
        make_check("aa", needs=("bb",)),
        make_check("bb", needs=("aa",)),
        make_check("self-loop", needs=("self-loop",)),
        make_check("downstream", needs=("aa",)),
        make_check("free"),
    ]
    done: list[Run] = []
    worker = threading.Thread(
        target=lambda: done.append(run_checks(checks, make_host(tmp_path))), daemon=True
    )
    worker.start()
    worker.join(5)
    assert done, "run_checks hung on needs that wait for each other"
    results = by_id(done[0])
    assert results["aa"].status is Status.ERROR
    assert results["aa"].error == "its needs form a cycle: aa → bb → aa"
    assert results["bb"].status is Status.ERROR
    assert results["self-loop"].error == "its needs form a cycle: self-loop → self-loop"
    assert results["downstream"].skip_reason == "needs aa, which failed"
    assert results["free"].status is Status.OK


# -- a check that breaks ------------------------------------------------------------------------


def test_a_raising_check_is_an_error_row_with_one_line_and_its_traceback(tmp_path: Path) -> None:
    def broken(self: Check, host: Host) -> list[Finding]:
        raise KeyError("line one\nline two")

    run = run_checks([make_check("broken", broken), make_check("fine")], make_host(tmp_path))
    result = by_id(run)["broken"]
    assert result.status is Status.ERROR
    assert result.error is not None
    assert result.error.startswith("KeyError: ")
    assert "\n" not in result.error
    assert result.traceback is not None
    assert "in broken" in result.traceback and "KeyError" in result.traceback
    assert result.summary.startswith("devdoctor broke in this check: KeyError")
    assert result.to_json()["reason"] == result.error
    assert by_id(run)["fine"].status is Status.OK
    assert run.status is Status.ERROR


def test_a_check_calling_sys_exit_is_an_error_row_at_once(tmp_path: Path) -> None:
    def exits(self: Check, host: Host) -> list[Finding]:
        sys.exit(2)

    start = time.monotonic()
    run = run_checks([make_check("exits", exits, timeout=5)], make_host(tmp_path))
    assert time.monotonic() - start < 2
    assert run.results[0].status is Status.ERROR
    assert run.results[0].error == "SystemExit: 2"


def test_skip_reason_is_a_skip_and_a_raising_skip_reason_is_an_error(tmp_path: Path) -> None:
    def boom(host: Host) -> str | None:
        raise ValueError("bad")

    checks = [
        make_check("not-here", applies=lambda host: "only on Windows"),
        make_check("boom", applies=boom),
    ]
    run = run_checks(checks, make_host(tmp_path))
    assert by_id(run)["not-here"].status is Status.SKIP
    assert by_id(run)["not-here"].skip_reason == "only on Windows"
    assert by_id(run)["boom"].error == "ValueError: bad"


def test_load_errors_become_error_rows_naming_the_package(tmp_path: Path) -> None:
    errors = [LoadError("course-extra", "course-checks 1.2", "cannot load x: ImportError()")]
    shown: list[str] = []
    run = run_checks(
        [make_check("fine")],
        make_host(tmp_path),
        load_errors=errors,
        on_result=lambda result: shown.append(result.id),
    )
    assert sorted(shown) == ["course-extra", "fine"]  # a live view sees the error row too
    assert [r.id for r in run.results] == ["fine", "course-extra"]
    row = by_id(run)["course-extra"]
    assert row.status is Status.ERROR
    assert row.origin == "course-checks 1.2"
    assert "cannot load x" in row.summary
    assert run.status is Status.ERROR


# -- where checks apply -------------------------------------------------------------------------


def test_inside_a_container_host_checks_skip_and_course_checks_run(tmp_path: Path) -> None:
    ran: list[str] = []

    def record(self: Check, host: Host) -> list[Finding]:
        ran.append(self.id)
        return []

    host = make_host(tmp_path, platform="container")
    checks = [
        make_check("host-thing", record, scope=Scope.HOST),
        make_check("course-thing", record, scope=Scope.COURSE),
    ]
    run = run_checks(checks, host)
    assert ran == ["course-thing"]
    skipped = by_id(run)["host-thing"]
    assert skipped.status is Status.SKIP
    assert skipped.skip_reason is not None
    assert "on the computer itself" in skipped.skip_reason
    assert by_id(run)["course-thing"].status is Status.OK


def test_dockerenv_under_root_makes_host_checks_skip(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / ".dockerenv").touch()
    host = Host(root=root, env={"PATH": "/usr/bin:/bin", "DEVDOCTOR_STATE_DIR": str(tmp_path)})
    run = run_checks([make_check("host-thing")], host)
    assert run.results[0].status is Status.SKIP


# -- the whole command --------------------------------------------------------------------------


def test_devdoctor_check_with_a_hung_plugin_exits_within_its_deadline(tmp_path: Path) -> None:
    """`devdoctor check` in a subprocess: a plugin check runs a stand-in that sleeps an hour."""
    bindir, pidfile = hanging_stand_in(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "hung_plugin.py").write_text(
        textwrap.dedent(
            """\
            from devdoctor import Check, Status

            class Hung(Check):
                id = "hung-tool"
                title = "Runs a tool that never answers"
                timeout = 1.0

                def run(self, host):
                    host.run(["hang"], timeout=3600)
                    return [self.finding(Status.OK, "answered", "it answered")]
            """
        )
    )
    dist = site / "hung_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hung-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[devdoctor.checks]\nhung-tool = hung_plugin:Hung\n")
    root = tmp_path / "root"
    root.mkdir()
    env = {
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
        "PYTHONPATH": str(site),
        "HOME": str(tmp_path / "home"),
        "DEVDOCTOR_PLATFORM": "linux",
        "DEVDOCTOR_STATE_DIR": str(tmp_path / "state"),
        "NO_COLOR": "1",
    }
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "devdoctor", "check", "--only", "hung-tool", "--json"],
        cwd=tmp_path,
        env={**env, "DEVDOCTOR_ROOT": str(root)},
        capture_output=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - start
    pids = pids_in(pidfile)
    try:
        assert b'"hung-tool/timeout"' in done.stdout, done.stderr.decode()
        assert done.returncode == 0, done.stderr.decode()
        # Python start-up and imports take a moment; the hour-long stand-in must not.
        assert elapsed < 8, f"devdoctor took {elapsed:.1f} s with a 1 s deadline"
        assert all(wait_gone(pid) for pid in pids), "a stand-in outlived devdoctor"
    finally:
        kill_quietly(pids)
