"""The scenario builder itself: its stand-ins replay and record, its layers compose."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.scenario import Answer, Scenario
from tests.scenario.captured import h100_answers


def test_a_stand_in_replays_by_arguments_and_records_its_calls(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, system=False)
    scene.program("tool", {"-v": Answer("1.0\n"), "fail": Answer(b"", "no\n", 3)})
    run = [str(scene.bin / "tool")]
    said = subprocess.run([*run, "-v"], capture_output=True, text=True, env=scene.env)
    failed = subprocess.run([*run, "fail"], capture_output=True, text=True, env=scene.env)
    unknown = subprocess.run([*run, "what"], capture_output=True, text=True, env=scene.env)
    assert (said.stdout, said.returncode) == ("1.0\n", 0)
    assert (failed.stderr, failed.returncode) == ("no\n", 3)
    assert (unknown.returncode, unknown.stderr) == (127, "no recording for tool what\n")
    assert scene.calls("tool") == ["-v", "fail", "what"]


def test_one_answer_answers_everything(tmp_path: Path) -> None:
    scene = Scenario(tmp_path)
    scene.program("code", Answer(b"\x00\xff", rc=2))
    done = subprocess.run(["code", "--anything"], capture_output=True, env=scene.env)
    assert (done.stdout, done.returncode) == (b"\x00\xff", 2)


def test_a_script_runs_its_body_and_records_like_a_program(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, system=False)
    scene.script("wrap", 'echo "wrapped $1"; exit 4', record_env=("WSLENV",))
    scene.program("tool", Answer("ok\n"), record_env=("WSLENV", "UNSET"))
    env = {**scene.env, "WSLENV": "WSL_UTF8"}
    done = subprocess.run(["wrap", "a b"], capture_output=True, text=True, env=env)
    subprocess.run(["tool", "x"], capture_output=True, env=scene.env)
    assert (done.stdout, done.returncode) == ("wrapped a b\n", 4)
    assert scene.calls("wrap") == ["a b"]
    assert scene.recorded_env("wrap", "WSLENV") == ["WSL_UTF8"]
    assert scene.recorded_env("tool", "WSLENV") == scene.recorded_env("tool", "UNSET") == [""]


def test_the_captured_h100_answers_byte_for_byte(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, system=False).gpu("h100")
    smi = scene.path("/usr/local/nvidia/bin/nvidia-smi")
    for args, answer in h100_answers().items():
        done = subprocess.run(f"{smi} {args}", shell=True, capture_output=True, env=scene.env)
        assert (done.stdout, done.returncode) == (answer.stdout, answer.rc), args
    assert scene.path("/proc/driver/nvidia/version").read_bytes().startswith(b"NVRM")


def test_a_host_reads_the_fake_root_and_a_state_of_its_own(tmp_path: Path) -> None:
    scene = Scenario(tmp_path).wsl()
    scene.file("/etc/hello", "hi\n")
    host = scene.host()
    assert host.root == scene.root
    assert host.real("/etc/hello").read_text() == "hi\n"
    assert host.state_dir == scene.state


def test_a_course_on_the_real_file_system_runs_the_cli(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"README.md": "hi\n"}, config={"image": "debian:12"})
    assert scene.git("ls-files").split() == [".devcontainer/devcontainer.json", "README.md"]
    done = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert done.returncode == 0, done.stderr
    assert "results" in json.loads(done.stdout)


def test_without_a_course_neither_host_nor_cli_has_a_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when pytest runs inside a course, a scenario without one has no course repository:
    host() names a --repo that does not exist, cli() starts in the scenario's folder."""
    elsewhere = Scenario(tmp_path / "elsewhere", rooted=False)
    monkeypatch.chdir(elsewhere.course(config={"image": "debian:12"}))
    scene = Scenario(tmp_path / "scene")
    assert scene.host().repo_root is None
    done = scene.cli("check", "--json", "--only", "devcontainer")
    [finding] = json.loads(done.stdout)["results"][0]["findings"]
    assert finding["code"] == "devcontainer/not-found", done.stdout
    assert str(scene.tmp) in finding["detail"]  # where it looked: its own folder and up


def test_windows_has_no_home_but_a_profile(tmp_path: Path) -> None:
    scene = Scenario(tmp_path).windows()
    assert "HOME" not in scene.env and scene.env["DEVDOCTOR_PLATFORM"] == "windows"
    listing = subprocess.run(["wsl.exe", "-l", "-v"], capture_output=True, env=scene.env)
    assert "Ubuntu" in listing.stdout.decode("utf-16-le")
