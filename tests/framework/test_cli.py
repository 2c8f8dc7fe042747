"""The installed `devdoctor` command, run in a subprocess against fake hosts."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scenario import DEVDOCTOR, GiB, Scenario

WSLCONFIG = "/mnt/c/Users/student/.wslconfig"


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DEVDOCTOR, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_version_list_and_explain_import_nothing_heavy() -> None:
    code = (
        "import sys, runpy; sys.argv = ['devdoctor', '{arg}'];\n"
        "from devdoctor.cli import main\n"
        "try: main(['{arg}'] + {extra})\n"
        "except SystemExit: pass\n"
        "heavy = [m for m in ('docker', 'questionary', 'psutil', 'requests') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    for arg, extra in (("--version", "[]"), ("list", "[]"), ("explain", "['wsl-memory']")):
        done = subprocess.run(
            [sys.executable, "-c", code.format(arg=arg, extra=extra)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert "HEAVY []" in done.stdout, (arg, done.stdout, done.stderr)


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == "devdoctor 0.1.0"


def test_python_m_devdoctor() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "devdoctor", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "wsl-memory" in done.stdout


def test_list_and_explain() -> None:
    listed = run("list")
    assert listed.returncode == 0
    ids = [
        line.split()[0] for line in listed.stdout.splitlines() if line and not line.startswith(" ")
    ]
    assert ids[:3] == ["host-resources", "wsl-version", "wsl-memory"]
    explained = run("explain", "wsl-memory")
    assert explained.returncode == 0
    assert "wsl --shutdown" in explained.stdout
    assert run("explain", "no-such-check").returncode == 2


def test_check_on_a_fake_wsl_host_fails_with_the_reason(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    done = fake.cli("check")
    assert done.returncode == 1, done.stderr
    assert "[FAIL] wsl-memory" in done.stdout
    assert "WSL gives the VM 4 GiB of memory; this course needs 8 GiB" in done.stdout
    assert "devdoctor fix wsl-memory" in done.stdout
    # redacted: no home, no Windows user name, no host name
    assert "/home/student" not in done.stdout
    assert "Users/student" not in done.stdout
    assert "student-laptop" not in done.stdout
    assert "\x1b[" not in done.stdout  # plain text when piped


def test_check_json_contract(tmp_path: Path) -> None:
    done = Scenario(tmp_path).wsl().cli("check", "--json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["schema"] == 1
    assert data["tool"] == {"name": "devdoctor", "version": "0.1.0"}
    assert data["host"]["platform"] == "wsl"
    by_id = {r["id"]: r for r in data["results"]}
    memory = by_id["wsl-memory"]
    assert memory["status"] == "fail"
    assert memory["scope"] == "host"
    [finding] = [f for f in memory["findings"] if f["status"] == "fail"]
    assert finding["code"] == "wsl-memory/too-little-memory"
    assert finding["fix"]["id"] == "wsl-memory"
    assert finding["fix"]["needs_restart"] is True
    assert finding["evidence"]["needed memory"] == "8 GiB (devdoctor's default)"
    assert data["counts"]["fail"] == sum(r["status"] == "fail" for r in data["results"]) >= 1
    assert set(data) >= {"schema", "tool", "host", "policy", "repo", "results", "counts"}


def test_global_options_before_or_after_the_subcommand(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    before = run("--root", str(fake.root), "--json", "check", "--only", "wsl-memory", env=fake.env)
    after = run("check", "--only", "wsl-memory", "--json", "--root", str(fake.root), env=fake.env)
    assert before.returncode == after.returncode == 1
    assert json.loads(before.stdout)["results"][0]["status"] == "fail"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--only", "wsl-mem"), "unknown check id 'wsl-mem'"),
        (("check", "--root", "/does/not/exist"), "is not a folder"),
        (("fix", "wsl-version"), "has no automatic fix"),
        (("check", "--bogus"), "unrecognized arguments"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    fake = Scenario(tmp_path).wsl()
    done = run(*args, *(() if "--root" in args else ("--root", str(fake.root))), env=fake.env)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_policy_typo_names_the_key_and_the_file(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    repo.mkdir()
    (repo / ".devdoctor.toml").write_text('schema = 1\n[wsl]\nmemroy = "8GB"\n')
    fake = Scenario(tmp_path).wsl()
    done = fake.cli("check", "--repo", str(repo))
    assert done.returncode == 2
    assert ".devdoctor.toml: unknown key `wsl.memroy`" in done.stderr


def test_newer_policy_schema_is_a_warning(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    repo.mkdir()
    (repo / ".devdoctor.toml").write_text('schema = 2\n[wsl]\nmemory = "4GB"\nfuture = 1\n')
    done = Scenario(tmp_path).wsl().cli("check", "--only", "wsl-memory", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Upgrade devdoctor" in done.stdout


def test_no_home_still_gives_an_answer(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    del fake.env["HOME"]
    done = fake.cli("check")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


def test_fix_without_terminal_prints_the_plan_and_changes_nothing(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    done = fake.cli("fix", "wsl-memory")
    assert done.returncode == 4
    assert "+memory=8GB" in done.stdout
    assert "run again with --yes" in done.stdout
    assert fake.path(WSLCONFIG).read_bytes() == before


def test_fix_dry_run_changes_nothing(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    done = fake.cli("fix", "wsl-memory", "--dry-run", "--yes")
    assert done.returncode == 0
    assert "dry run" in done.stdout
    assert fake.path(WSLCONFIG).read_bytes() == before


def test_fix_yes_then_undo_restores_the_bytes(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    done = fake.cli("fix", "wsl-memory", "--yes", "--memory", "10GB", "--swap", "6GB")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "takes effect after a restart" in done.stdout
    assert "wsl --shutdown" in done.stdout
    assert (
        fake.path(WSLCONFIG).read_bytes()
        == b"[wsl2]\r\nmemory=10GB\r\nprocessors=4\r\nswap=6GB\r\n"
    )
    assert "restart-pending" in fake.cli("undo", "--list").stdout
    undone = fake.cli("undo", "--yes")
    assert undone.returncode == 0, undone.stdout
    assert fake.path(WSLCONFIG).read_bytes() == before


def test_undo_refuses_when_the_file_changed_since(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    assert fake.cli("fix", "wsl-memory", "--yes").returncode == 0
    fake.path(WSLCONFIG).write_bytes(b"[wsl2]\nmemory=12GB\n")
    done = fake.cli("undo", "--yes")
    assert done.returncode == 4
    assert "changed since devdoctor wrote it" in done.stdout
    assert fake.path(WSLCONFIG).read_bytes() == b"[wsl2]\nmemory=12GB\n"


def test_fix_refuses_under_sudo(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    if os.geteuid() != 0:
        pytest.skip("the sudo rule applies to root only")
    fake.env["SUDO_USER"] = "student"
    done = fake.cli("fix", "wsl-memory", "--yes")
    assert done.returncode == 4
    assert "refuses to change files under sudo" in done.stdout


def test_bad_size_option_is_a_usage_error(tmp_path: Path) -> None:
    done = Scenario(tmp_path).wsl().cli("fix", "wsl-memory", "--yes", "--memory", "lots")
    assert done.returncode == 2
    assert "--memory" in done.stderr


def test_windows_native_check(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows(
        wslconfig=b"[wsl2]\r\nmemory=8GB\r\nswap=8GB\r\n", ram_kb=16 * 1024 * 1024
    )
    done = fake.cli("check", "--json")
    data = {r["id"]: r for r in json.loads(done.stdout)["results"]}
    assert data["wsl-memory"]["status"] == "ok"
    assert data["wsl-version"]["status"] == "ok"
    assert "Ubuntu (WSL 2)" in json.dumps(data["wsl-version"])


def test_windows_without_wsl(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows(wsl_list=None)
    done = fake.cli("check", "--only", "wsl-version")
    assert done.returncode == 1
    assert "WSL is not installed" in done.stdout


def test_a_stand_in_that_hangs_for_an_hour_does_not_delay_the_exit(tmp_path: Path) -> None:
    # the VM has 16 GiB now: without Windows' RAM, WSL's default cannot be judged
    fake = Scenario(tmp_path).wsl(wslconfig=None, vm_memory_kb=16 * 1024 * 1024)
    marker = f"{3600 + secrets.randbelow(10**6)}"  # its own: other test runs may share the machine
    fake.script("powershell.exe", f"sleep {marker}")
    done = fake.cli("check", "--only", "wsl-memory", timeout=40)
    assert "unknown-ram" in done.stdout or "cannot tell how much RAM" in done.stdout
    left = subprocess.run(
        ["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True, check=False
    )
    assert left.stdout.strip() == "", "the hung stand-in outlived devdoctor"


def test_log_file_is_written_redacted(tmp_path: Path) -> None:
    fake: Scenario = Scenario(tmp_path).wsl(windows_ram=32 * GiB)
    log = tmp_path / "out.log"
    fake.cli("check", "--log", str(log))
    text = log.read_text()
    assert "[FAIL] wsl-memory" in text
    assert "Users/student" not in text


def test_json_stays_json_when_the_policy_warns(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    repo.mkdir()
    (repo / ".devdoctor.toml").write_text('schema = 2\n[wsl]\nmemory = "4GB"\n')
    done = Scenario(tmp_path).wsl().cli(
        "check", "--only", "wsl-memory", "--json", "--repo", str(repo)
    )
    data = json.loads(done.stdout)
    assert "Upgrade devdoctor" in done.stderr
    assert any("schema 2" in w for w in data["policy"]["warnings"])


def test_fixing_a_host_check_with_course_is_a_usage_error(tmp_path: Path) -> None:
    done = Scenario(tmp_path).wsl().cli("fix", "wsl-memory", "--course", "--yes")
    assert done.returncode == 2
    assert "is a host check" in done.stderr


def test_windows_fix_without_a_terminal_still_says_to_run_wsl_shutdown(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows(wslconfig=b"[wsl2]\r\nmemory=2GB\r\n")
    done = fake.cli("fix", "wsl-memory", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Not run. When your work is saved, run `wsl --shutdown` in PowerShell." in done.stdout


INPROCESS = """\
import json, os, signal, sys
import devdoctor.cli as cli
cli._exit_now = lambda code: None  # stay, to look afterwards
sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
before = [signal.getsignal(s) for s in sigs]
codes = [cli.main(["check", "--json", "--only", "wsl-memory", "--root", sys.argv[1]]) for _ in "ab"]
print(json.dumps({"codes": codes, "handlers": before == [signal.getsignal(s) for s in sigs]}),
      file=sys.stderr)
"""


def test_main_twice_in_one_process_leaves_the_signal_handlers_and_runs_commands(
    tmp_path: Path,
) -> None:
    fake = Scenario(tmp_path).wsl()
    done = subprocess.run(
        [sys.executable, "-c", INPROCESS, str(fake.root)],
        env=fake.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    said = json.loads(done.stderr.strip().splitlines()[-1])
    assert said == {"codes": [1, 1], "handlers": True}, done.stderr
    # the second run asked powershell.exe again: its commands were not refused as "exiting"
    assert "devdoctor is exiting" not in done.stdout
    runs = [json.loads(part) for part in done.stdout.replace("}\n{", "}\n\x00{").split("\x00")]
    # the same answers (the second one from the day's cache the first run wrote)
    assert [(r["status"], r["summary"]) for r in runs[0]["results"]] == [
        (r["status"], r["summary"]) for r in runs[1]["results"]
    ]
