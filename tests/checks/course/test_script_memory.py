"""The course checks stream a repository's scripts: memory does not grow with their bytes.

script-shebangs and line-endings once kept the first 64 KiB of every script, and each
repairable script's bytes before and after its repair, for the whole run (170 MB on the
50,000-script bench). Each script is now read, judged and dropped; the fix reads it again.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from devdoctor import ChangeError
from devdoctor.checks.course.script_shebangs import ScriptShebangs

from tests.scenario import DEVDOCTOR, Scenario, lifecycle

LINE = b"echo 'installing the course tools, one step at a time'  # and a comment to pad it\n"
SCRIPT = b"#!/bin/bash\nset -eu\n" + LINE * 400  # 32 KiB
MiB = 1024 * 1024


def _course(tmp_path: Path, scripts: int) -> Scenario:
    """A committed course repository of `scripts` 32 KiB scripts, one in a hundred CRLF (so
    repairable), under .devcontainer/scripts."""
    s = Scenario(tmp_path, rooted=False)
    files: dict[str, bytes] = {}
    for n in range(scripts):
        files[f".devcontainer/scripts/s{n:04d}.sh"] = (
            SCRIPT.replace(b"\n", b"\r\n") if n % 100 == 0 else SCRIPT
        )
    s.course(files, executable=tuple(files), config=lifecycle("./.devcontainer/scripts/s0000.sh"))
    return s


def _peak_rss(s: Scenario) -> int:
    """The peak resident memory, in bytes, of `check --course` on the scenario's repository
    (wait4's accounting of that one child, not the largest child this process ever had)."""
    argv = [DEVDOCTOR, "check", "--course", "--only", "script-shebangs,line-endings"]
    proc = subprocess.Popen(
        [*argv, "--repo", str(s.repo)],
        env=s.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 1  # s0000.sh, which the build runs, is CRLF: it ran to the end
    return usage.ru_maxrss * (1 if os.uname().sysname == "Darwin" else 1024)


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs wait4's rusage")
def test_peak_memory_does_not_grow_with_the_scripts_bytes(tmp_path: Path) -> None:
    # 2,000 scripts hold 64 MB; the old code kept all of it, and 13 MB more for the repairs.
    small = _peak_rss(_course(tmp_path / "small", 5))
    large = _peak_rss(_course(tmp_path / "large", 2000))
    assert large - small < 20 * MiB, f"{small / MiB:.0f} MB for 5 scripts, {large / MiB:.0f} MB"


def test_the_repair_reads_the_script_again_and_refuses_one_changed_since(tmp_path: Path) -> None:
    s = Scenario(tmp_path, rooted=False)
    crlf = b"#!/bin/bash\r\necho hi\r\n"
    repo = s.course({"a.sh": crlf, "b.sh": crlf}, executable=("a.sh", "b.sh"),
                    config=lifecycle("./a.sh && ./b.sh"))  # fmt: skip
    host = s.host(course=True)
    fix = next(f.fix for f in ScriptShebangs().run(host) if f.fix)
    a, b = fix.changes
    assert a.describe() == {"kind": "write-file", "path": str(repo / "a.sh"), "creates": False}
    (repo / "b.sh").write_bytes(crlf + b"echo edited\r\n")
    assert b.changed_since(host) == f"{repo / 'b.sh'} changed after devdoctor looked at it"
    with pytest.raises(ChangeError):
        b.apply(host)
    assert a.changed_since(host) is None
    record = a.backup(host, s.state)
    assert record["kind"] == "write-file"  # undone as a WriteFile
    assert (s.state / record["old"]).read_bytes() == crlf
    a.apply(host)
    assert (repo / "a.sh").read_bytes() == b"#!/bin/bash\necho hi\n"
