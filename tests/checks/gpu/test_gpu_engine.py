"""gpu-toolkit against a real Docker Engine without the NVIDIA toolkit: Docker's own errors.

The private engine of the test session has no nvidia-container-runtime-hook and no nvidia
runtime, like a student's engine before the toolkit is installed; what it prints for GPU
flags is what devdoctor must predict and explain.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from devdoctor import Status
from devdoctor.checks.gpu import explain_docker_error, predict_docker_error
from devdoctor.checks.gpu.gpu_toolkit import GpuToolkit

from tests.engine import Engine
from tests.scenario import Scenario

pytestmark = pytest.mark.docker



def engine_host(tmp: Path, engine: Engine, run_args: list[str]) -> tuple[Scenario, Path]:
    fake = Scenario.gpu_machine(tmp).docker(engine)
    os.symlink(engine.docker_cli, fake.bin / "docker")
    repo = tmp / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    config = {"image": engine.tiny_image, "runArgs": run_args}
    (repo / ".devcontainer/devcontainer.json").write_text(json.dumps(config))
    return fake, repo


@pytest.mark.parametrize(
    "run_args",
    [["--gpus", "all"], ["--runtime=nvidia"], ["--device", "nvidia.com/gpu=all"]],
)
def test_the_prediction_is_what_docker_prints(
    docker_engine: Engine, tmp_path: Path, run_args: list[str]
) -> None:
    fake, repo = engine_host(tmp_path, docker_engine, run_args)
    predicted = predict_docker_error(fake.host(repo=repo), run_args)
    done = docker_engine.docker(
        "run", "--rm", "--pull=never", *run_args, docker_engine.tiny_image, "true", check=False
    )
    said = done.stderr.decode()
    assert done.returncode != 0, said
    assert predicted is not None and predicted in said, said
    assert explain_docker_error(said) is not None


def test_engine_without_the_toolkit_and_the_deep_run(docker_engine: Engine, tmp_path: Path) -> None:
    fake, repo = engine_host(tmp_path, docker_engine, ["--gpus", "all"])
    found = {f.slug: f for f in GpuToolkit().run(fake.host(repo=repo, deep=True))}
    assert found["no-toolkit"].status is Status.FAIL
    engine = dict(found["no-toolkit"].evidence)["engine"]
    assert not engine.startswith("did not answer"), engine
    smoke = found["smoke-no-device-driver"]
    assert smoke.status is Status.FAIL
    assert 'could not select device driver "" with capabilities: [[gpu]]' in smoke.summary
    assert docker_engine.tiny_image in dict(smoke.evidence)["ran"]
