"""`devdoctor init`: a commented policy file from what a course repository holds."""

from __future__ import annotations

import json
from pathlib import Path

from devdoctor.policy import load_policy

from tests.scenario import Scenario


def test_init_writes_what_the_repository_says_and_never_overwrites(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    cpu = {
        "build": {"dockerfile": "../Dockerfile"},
        "hostRequirements": {"memory": "16gb"},
        "mounts": ["source=dl101-home,target=/home/vscode/.local,type=volume"],
    }
    gpu = {**cpu, "runArgs": ["--gpus", "all"]}
    repo = scene.course(
        {
            ".devcontainer/cpu/devcontainer.json": json.dumps(cpu),
            ".devcontainer/gpu/devcontainer.json": json.dumps(gpu),
            ".devcontainer/Dockerfile": "FROM python:3.11\n",
            "requirements.txt": "numpy==2.1.0\n",
        },
    )
    done = scene.cli("init", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    text = (repo / ".devdoctor.toml").read_text()
    assert 'default_variant = "cpu"  # the configuration used when several exist; found: ' \
        "variants found: cpu, gpu" in text
    assert 'memory = "16GB"' in text and 'name = "dl101-home"' in text
    assert 'required = "auto"' in text and "the gpu variant asks for a GPU" in text
    assert 'files = ["requirements.txt"]' in text
    assert '# forum_url = "https://edstem.org/..."' in text  # the rest stays a commented reference
    policy = load_policy(repo)
    assert policy.default_variant == "cpu" and policy.wsl_memory == 16 * 1024**3
    assert policy.volume_name == "dl101-home"

    again = scene.cli("init", "--repo", str(repo))
    assert again.returncode == 4 and "already exists" in again.stdout
    assert (repo / ".devdoctor.toml").read_text() == text


def test_init_without_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    done = scene.cli("init", "--repo", str(tmp_path / "none"))
    assert done.returncode == 2
