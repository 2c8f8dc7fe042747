"""The image checks against the real test engine: a base image present here tells its Python
and its ID, and `fix requirements-pins --from CONTAINER` reads a running container's freeze
as the container user. The engine's tiny image has no Python, so the container's `pip` is a
shell script printing a freeze (which user ran it decides what it prints); everything else
(docker exec, users, the engine) is real."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from devdoctor import Status
from devdoctor.checks.image.dockerfile_layout import DockerfileLayout
from devdoctor.checks.image.requirements_pins import RequirementsPins

from tests.engine import Engine
from tests.pyindex import Index
from tests.scenario import Scenario, by_code

pytestmark = pytest.mark.docker
FLOATING = "python:3"


def engine_scene(tmp_path: Path, engine: Engine, **extra: str) -> Scenario:
    scene = Scenario(tmp_path, rooted=False, **extra).docker(engine)
    scene.env["PATH"] = f"{Path(engine.docker_cli).parent}:{scene.env['PATH']}"
    return scene


@pytest.fixture(scope="module")
def python3_image(docker_engine: Engine) -> Iterator[str]:
    """`python:3` on the test engine: the tiny image, declaring PYTHON_VERSION as python's do."""
    cid = docker_engine.docker("create", docker_engine.tiny_image, "true").stdout.decode().strip()
    try:
        docker_engine.docker("commit", "--change", "ENV PYTHON_VERSION=3.12.4", cid, FLOATING)
    finally:
        docker_engine.docker("rm", "-f", cid, check=False)
    yield docker_engine.docker("image", "inspect", "--format", "{{.Id}}", FLOATING).stdout.decode().strip()
    docker_engine.docker("image", "rm", FLOATING, check=False)


def test_a_local_base_image_tells_its_python_and_id(docker_engine: Engine, python3_image: str, tmp_path: Path) -> None:
    index = Index(tmp_path / "index")
    index.wheel("goodpkg", "1.0.0")
    with index.serve() as url:
        scene = engine_scene(tmp_path, docker_engine, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=url)
        files = {"requirements.txt": "goodpkg>=1.0\n",
                 ".devcontainer/Dockerfile": f"FROM {FLOATING}\nCOPY requirements.txt /tmp/\n"}
        repo = scene.course(files,
                         config={"build": {"dockerfile": "Dockerfile", "context": ".."}})
        pins = scene.check(RequirementsPins(), repo=repo, deep=True)
        layout = scene.check(DockerfileLayout(), repo=repo, deep=True)
    ok = by_code(pins, "requirements-pins/resolves")
    assert ok.summary == "every requirement installs from wheels for Python 3.12"
    assert "PYTHON_VERSION in the local image python:3" in dict(ok.evidence)["target"]
    floating = by_code(layout, "dockerfile-layout/floating-base")
    assert floating.status is Status.WARN
    assert f"Here it is the image {python3_image[:19]} now" in floating.detail


def test_fix_from_a_running_container_reads_its_freeze_as_the_container_user(docker_engine: Engine, tmp_path: Path) -> None:
    script = (
        "mkdir -p /usr/local/bin && printf '%s\\n' '#!/bin/sh' "
        "'if [ \"$(whoami)\" = vscode ]; then echo nlpkit==2.0.0; echo dep==1.0.0; "
        "else echo nlpkit==9.9.9; fi' > /usr/local/bin/pip && chmod 755 /usr/local/bin/pip "
        "&& exec sleep 300"
    )
    name = f"devdoctor-freeze-{os.getpid()}"
    docker_engine.docker("run", "-d", "--name", name, "--network", "none",
                         docker_engine.tiny_image, "sh", "-c", script)
    try:
        scene = engine_scene(tmp_path, docker_engine)
        config = {"image": "python:3.11-slim-bookworm", "remoteUser": "vscode"}
        repo = scene.course({"requirements.txt": "nlpkit<4  # NLP\n"}, config=config)
        for _ in range(50):  # the script writes pip before it sleeps
            if docker_engine.docker("exec", name, "test", "-x", "/usr/local/bin/pip",
                                    check=False).returncode == 0:
                break
        done = scene.cli("fix", "requirements-pins", "--from", name, "--course", "--yes",
                         "--repo", str(repo))
        assert done.returncode == 0, done.stdout + done.stderr
        text = (repo / "requirements.txt").read_text()
        assert text.startswith("nlpkit==2.0.0  # NLP\n")
        assert f"from the container {name} (pip freeze)" in text and text.endswith("dep==1.0.0\n")
    finally:
        docker_engine.docker("rm", "-f", name, check=False)
