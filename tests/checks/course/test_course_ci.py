"""`check --course` in the course's own CI judges the repository, not the machine running it;
and the variant a report names includes the branch, for courses that ship variants as branches."""

from __future__ import annotations

import json
from pathlib import Path

from devdoctor import Host, RunOptions
from devdoctor.checks.course.variant import variant_fact

from tests.scenario import Scenario

GPU_COURSE = {
    "image": "mcr.microsoft.com/devcontainers/python:3.12",
    "runArgs": ["--gpus", "all"],
    "hostRequirements": {"cpus": 64, "memory": "512gb", "storage": "64tb", "gpu": True},
}


def test_a_gpu_course_passes_its_own_ci_on_a_machine_without_a_gpu(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"README.md": "course\n"}, config=GPU_COURSE)
    done = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    (result,) = [r for r in json.loads(done.stdout)["results"] if r["id"] == "devcontainer"]
    statuses = {f["code"]: f["status"] for f in result["findings"]}
    assert statuses == {"devcontainer/asks-of-students": "info", "devcontainer/ok": "ok"}
    (asks,) = [f for f in result["findings"] if f["code"] == "devcontainer/asks-of-students"]
    assert "64 CPUs, 512 GiB of memory, 64 TiB of storage" in asks["summary"]
    assert "an NVIDIA GPU (runArgs --gpus=all" in asks["summary"]
    assert asks["location"]["path"] == ".devcontainer/devcontainer.json"

    # The same repository on a student's computer without a GPU is compared with it.
    student = scene.cli("check", "--json", "--only", "devcontainer", "--repo", str(repo))
    (result,) = json.loads(student.stdout)["results"]
    assert "devcontainer/gpus-without-gpu" in {f["code"] for f in result["findings"]}


def test_the_variant_names_the_branch(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"README.md": "course\n"}, config={"image": "debian:12"})
    host = Host(env=scene.env, options=RunOptions(repo=str(repo)))
    assert variant_fact(host) == ("default", "the only configuration")  # on main
    scene.git("checkout", "-q", "-b", "gpufrozen", repo=repo)
    host = Host(env=scene.env, options=RunOptions(repo=str(repo)))
    assert variant_fact(host) == (
        "default@gpufrozen",
        "the only configuration; git branch gpufrozen",
    )
    report = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert json.loads(report.stdout)["host"]["variant"] == "default@gpufrozen"
    scene.git("checkout", "-q", "-b", "my-work", repo=repo)  # a student's own branch is no variant
    host = Host(env=scene.env, options=RunOptions(repo=str(repo)))
    assert variant_fact(host) == ("default", "the only configuration")
