"""Bad input gives a finding or one line with the documented exit code, never exit 3."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.scenario import DEVDOCTOR, Scenario


def _shell(fake: Scenario, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """devdoctor under a shell, for redirections a subprocess argument list cannot make."""
    return subprocess.run(
        ["/bin/sh", "-c", command],
        env={**fake.env, **env, "DD": DEVDOCTOR, "ROOT": str(fake.root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_memory_value_of_5000_digits_is_a_finding(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=" + b"9" * 5000 + b"GB\n")
    done = fake.cli("check", "--json", "--only", "wsl-memory")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    [row] = json.loads(done.stdout)["results"]
    assert row["status"] != "error", row


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("{tmp}/missing/check.log", "does not exist"),
        ("{tmp}", "is a folder"),
        ("/dev/full", "No space left"),
    ],
)
@pytest.mark.parametrize("command", [["check", "--log"], ["report", "--output"]])
def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(
    tmp_path: Path, where: str, says: str, command: list[str]
) -> None:
    fake = Scenario(tmp_path).wsl()
    done = fake.cli(*command, where.format(tmp=tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("devdoctor: ") and says in lines[0]


def test_check_json_log_writes_the_json(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    log = tmp_path / "check.json"
    done = fake.cli("check", "--json", "--log", str(log))
    assert done.returncode == 1, done.stderr
    assert json.loads(log.read_text()) == json.loads(done.stdout)


def test_a_cp1252_stdout_redirected_to_a_file(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    out = tmp_path / "out.txt"
    done = _shell(
        fake, f'"$DD" fix wsl-memory --dry-run --root "$ROOT" > {out}', PYTHONIOENCODING="cp1252"
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "memory=8GB" in out.read_text(encoding="cp1252")


def test_a_closed_stdout(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    done = _shell(fake, '"$DD" check --root "$ROOT" >&-')
    assert done.returncode == 1, done.stderr  # the fake host fails wsl-memory
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_full_stdout_is_one_line_and_exit_2(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    done = _shell(fake, '"$DD" check --root "$ROOT" > /dev/full')
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "devdoctor: cannot write the output: No space left on device"


def test_a_fifo_where_the_wslconfig_should_be_is_refused_at_once(tmp_path: Path) -> None:
    from devdoctor.host import Host

    fake = Scenario(tmp_path).wsl(wslconfig=None)
    fifo = fake.path("/mnt/c/Users/student/.wslconfig")
    os.mkfifo(fifo)
    host = Host(root=fake.root, env=fake.env, state_dir=fake.state)
    with pytest.raises(OSError, match="not a regular file"):
        host.read_bytes("/mnt/c/Users/student/.wslconfig")
    done = fake.cli("check", "--json", "--only", "wsl-memory", timeout=30)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    [row] = json.loads(done.stdout)["results"]
    assert row["status"] != "error", row
