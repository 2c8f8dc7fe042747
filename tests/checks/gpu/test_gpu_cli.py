"""`devdoctor check --only gpu-driver,gpu-toolkit` as a student runs it, and scripts/gpu-smoke."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import TESTS
from tests.scenario import Scenario
from tests.scenario.captured import GPU_COURSE, docker_answers, h100_answers

SMOKE = TESTS.parent / "scripts" / "gpu-smoke"
UUID = "GPU-00000000-1111-2222-3333-444444444444"



def check(fake: Scenario, *args: str) -> subprocess.CompletedProcess[str]:
    return fake.cli(
        "check", "--only", "gpu-driver,gpu-toolkit", "--repo", str(GPU_COURSE), *args, timeout=60
    )


def test_h100_host_as_printed(tmp_path: Path) -> None:
    done = check(Scenario.gpu_machine(tmp_path).gpu("h100"))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "[ OK ] gpu-driver   NVIDIA H100 80GB HBM3, 79.6 GiB, compute 9.0, driver 580.159.04, CUDA 13.0",
        "[FAIL] gpu-toolkit  no NVIDIA Container Toolkit and no Docker engine here: containers cannot get the GPU",
    ]


def test_json_names_the_variant_and_leaks_no_uuid(tmp_path: Path) -> None:
    done = check(Scenario.gpu_machine(tmp_path).gpu("h100"), "--json")
    data = json.loads(done.stdout)
    assert data["host"]["variant"] == "gpu"
    statuses = {r["id"]: r["status"] for r in data["results"]}
    assert statuses == {"gpu-driver": "ok", "gpu-toolkit": "fail"}
    assert UUID not in done.stdout


def test_wsl_with_docker_desktop(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("wsl")
    fake.program("docker", docker_answers("docker-info.desktop-wsl2.derived.json"))
    done = check(fake)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[ OK ] gpu-toolkit  Docker Desktop's WSL 2 engine brings its own GPU support" in done.stdout


def test_no_gpu_student_is_not_alarmed(tmp_path: Path) -> None:
    done = check(Scenario.gpu_machine(tmp_path))
    assert done.returncode == 0
    assert "[SKIP] gpu-driver   the cpu configuration does not use a GPU" in done.stdout


def test_no_driver_is_one_cause(tmp_path: Path) -> None:
    done = check(Scenario.gpu_machine(tmp_path), "--config", "gpu")
    assert done.returncode == 1
    assert "[SKIP] gpu-toolkit  needs gpu-driver, which failed" in done.stdout


def test_report_keeps_gpu_uuids_out(tmp_path: Path) -> None:
    fake = Scenario.gpu_machine(tmp_path).gpu("h100")
    out = tmp_path / "report.txt"
    done = fake.cli(
        "report", "--only", "gpu-driver,gpu-toolkit", "--repo", str(GPU_COURSE),
        "--output", str(out), timeout=60,
    )  # fmt: skip
    text = out.read_text()
    assert "devdoctor-signature: gpu-toolkit/no-toolkit" in text, done.stderr
    assert "variant: gpu" in text
    assert UUID not in text


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project and its dependencies as wheels, built the way the script's README says."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", str(TESTS.parent), "-w", str(folder)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"no package index to build a wheelhouse from: {done.stderr.strip()[-300:]}")
    return folder


def test_gpu_smoke_installs_offline_and_prints_both(tmp_path: Path, wheelhouse: Path) -> None:
    stand_ins = Scenario(tmp_path, rooted=False)
    stand_ins.program("nvidia-smi", h100_answers())
    env = {
        "PATH": f"{stand_ins.bin}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "TMPDIR": str(tmp_path),
        "PIP_CONFIG_FILE": os.devnull,  # no index, no find-links but the wheelhouse
        "DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock",
    }
    done = subprocess.run(
        [str(SMOKE), str(wheelhouse)], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr  # gpu-toolkit fails: no toolkit here
    start = out.index("{\n")
    data, _ = json.JSONDecoder().raw_decode(out[start:])
    driver = next(r for r in data["results"] if r["id"] == "gpu-driver")
    assert driver["status"] == "ok"
    assert driver["summary"].startswith("NVIDIA H100 80GB HBM3")
    assert data["host"]["variant"] == "gpu"
    assert "devdoctor-signature: gpu-toolkit/no-toolkit" in out
    assert "GPU 0: NVIDIA H100 80GB HBM3\n" in out and UUID not in out
    assert not list(tmp_path.glob("gpu-smoke.*"))  # the temporary venv is gone


def test_gpu_smoke_usage(tmp_path: Path) -> None:
    done = subprocess.run([str(SMOKE), str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and "usage" in done.stderr
