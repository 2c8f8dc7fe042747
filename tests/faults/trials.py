"""Kill and interrupt trials: run the installed devdoctor, stop it at a named step, judge the file.

The engine's test-only pause points (DEVDOCTOR_TEST_PAUSE=STEP@MARKER) make it create MARKER
at STEP and wait; the trial then sends a signal (or edits the file, or starts a second
devdoctor) and lets it go on by removing the marker. Every trial ends the same way: the target
holds the old bytes or the new ones, and after `devdoctor undo --yes` (whose start recovers an
entry a crash left open) exactly the old bytes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.scenario import DEVDOCTOR

FIX_STEPS = (
    "entry",
    "locked",
    "backup",
    "apply-0",
    "before-rename",
    "after-rename",
    "applied-0",
    "closed",
    "verified",
)
"""Every pause point of a one-file fix, in the order the engine reaches them."""

UNDO_STEPS = ("undo-locked", "undo-0", "before-rename", "after-rename", "undo-closed")


@dataclass(frozen=True)
class Trial:
    """What happened when a devdoctor was stopped at one step."""

    step: str
    reached: bool
    rc: int | None
    stdout: str
    stderr: str


def start(
    argv: Sequence[str], env: Mapping[str, str], *, step: str | None, marker: Path
) -> subprocess.Popen[str]:
    """Start devdoctor, pausing at `step` (None: no pause)."""
    full = dict(env)
    if step:
        full["DEVDOCTOR_TEST_PAUSE"] = f"{step}@{marker}"
    return subprocess.Popen(
        [DEVDOCTOR, *argv],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def wait_for(marker: Path, proc: subprocess.Popen[str], limit: float = 30.0) -> bool:
    """True once the marker exists; False if devdoctor ended first (the step never came)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if marker.exists() and marker.stat().st_size:
            return True
        if proc.poll() is not None:
            return marker.exists()
        time.sleep(0.005)
    raise AssertionError(f"devdoctor neither reached the pause nor ended in {limit} s")


def finish(proc: subprocess.Popen[str], step: str, reached: bool) -> Trial:
    """Wait (bounded) for devdoctor to end."""
    out, err = proc.communicate(timeout=60)
    return Trial(step, reached, proc.returncode, out, err)


def stop_at(
    argv: Sequence[str], env: Mapping[str, str], step: str, sig: int, marker: Path
) -> Trial:
    """Run devdoctor until `step`, then send `sig` and let it go on from there."""
    proc = start(argv, env, step=step, marker=marker)
    reached = wait_for(marker, proc)
    if reached:
        os.kill(proc.pid, sig)
        if sig != signal.SIGKILL:
            marker.unlink()  # the pause ends; the signal is handled where it landed
    trial = finish(proc, step, reached)
    if marker.exists():
        marker.unlink()
    return trial


def run(argv: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """devdoctor to the end, without pauses."""
    clean = {k: v for k, v in env.items() if k != "DEVDOCTOR_TEST_PAUSE"}
    return subprocess.run(
        [DEVDOCTOR, *argv],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
