"""Interrupting devdoctor kills every process tree it started, and hostile output is capped.

Stand-ins for powershell.exe, cmd.exe and wslvar that hang (each with a child of its own),
then SIGINT, SIGTERM or SIGHUP to devdoctor: it exits 130 and no stand-in lives on. A stand-in
that prints /dev/zero gives a finding, and devdoctor's peak memory (its own accounting, through
resource.getrusage of a wrapper whose only child it is) stays small.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scenario import DEVDOCTOR, Scenario

HANGS = ("powershell.exe", "cmd.exe", "wslvar")


def _hanging(fake: Scenario, pids: Path) -> None:
    for name in HANGS:
        fake.script(name, f'echo $$ >> "{pids}"\nsleep 300 &\necho $! >> "{pids}"\nwait')


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except (OSError, IndexError):
        return False


def _wait_for_pids(pids: Path, count: int, proc: subprocess.Popen[str]) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = pids.read_text().split() if pids.exists() else []
        if len(found) >= count:
            return [int(p) for p in found]
        assert proc.poll() is None, "devdoctor ended before its stand-ins started"
        time.sleep(0.01)
    raise AssertionError("the stand-ins never started")


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"]
)
@pytest.mark.parametrize("command", [["check"], ["check", "--json"], ["report"]])
def test_a_signal_kills_every_stand_in_tree(tmp_path: Path, sig: int, command: list[str]) -> None:
    fake = Scenario(tmp_path).wsl()
    pids = tmp_path / "pids"
    _hanging(fake, pids)
    proc = subprocess.Popen(
        [DEVDOCTOR, *command, "--root", str(fake.root)],
        env=fake.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = _wait_for_pids(pids, 2, proc)  # at least one stand-in and its child
    os.kill(proc.pid, sig)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    time.sleep(0.2)  # a killed process takes a moment to be reaped
    everything = [int(p) for p in pids.read_text().split()]
    assert set(started) <= set(everything)
    assert [p for p in everything if _alive(p)] == []


WRAPPER = """\
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(f"{done.returncode} {peak}\\n")
sys.stderr.write(done.stdout.decode(errors="replace")[-3000:] + done.stderr.decode(errors="replace"))
"""


def _peak(argv: list[str], env: dict[str, str]) -> tuple[int, int, str]:
    """devdoctor's exit code, its peak resident memory in KiB, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], env=env, capture_output=True, text=True, timeout=180
    )
    rc, peak = done.stdout.split()
    return int(rc), int(peak), done.stderr


@pytest.mark.parametrize("name", ["powershell.exe", "cmd.exe"])
def test_a_stand_in_printing_dev_zero_is_a_finding_not_a_memory_error(
    tmp_path: Path, name: str
) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.script(name, "exec cat /dev/zero")
    rc, peak_kib, said = _peak([DEVDOCTOR, "check", "--json", "--root", str(fake.root)], fake.env)
    assert rc in (0, 1), said
    assert "MemoryError" not in said and "Traceback" not in said
    assert peak_kib < 200 * 1024, f"{peak_kib} KiB"


def test_output_past_the_limit_stops_the_command(tmp_path: Path) -> None:
    from devdoctor.process import run_command

    done = run_command(
        ["/bin/sh", "-c", "cat /dev/zero"], timeout=20, env=dict(os.environ), limit=1 << 20
    )
    assert done.overflow and not done.ok and not done.timed_out
    assert len(done.out_bytes) == 1 << 20
    assert "printed more than" in done.describe()


def test_a_dev_zero_stand_in_shows_in_the_json_as_an_answer(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.script("powershell.exe", "exec cat /dev/zero")
    done = fake.cli("check", "--json", "--only", "wsl-memory")
    report = json.loads(done.stdout)
    assert report["results"][0]["status"] in ("ok", "warn", "fail", "info", "skip")
