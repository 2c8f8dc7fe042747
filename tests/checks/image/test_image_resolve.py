"""`check --deep` where the course's base image is local: the real pip of a real image (Debian's
python3 and pip, tests/engine.py's `python_image`) resolves the requirements against the local
test index, without --only-binary, and its report names what it would build from source."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from devdoctor import Finding, Status
from devdoctor.checks.image.image_resolve import parse_report
from devdoctor.checks.image.requirements_pins import RequirementsPins

from tests.engine import Engine, PythonImage
from tests.pyindex import Index, incident_index
from tests.scenario import Scenario, by_code

CONFIG = {"build": {"dockerfile": "Dockerfile", "context": ".."}}


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with incident_index(tmp_path_factory.mktemp("index")).serve() as url:
        yield url


def course(tmp_path: Path, engine: Engine, url: str, base: str, requirements: str):  # type: ignore[no-untyped-def]
    scene = Scenario(tmp_path, rooted=False, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=url).docker(engine)
    scene.env["PATH"] = f"{Path(engine.docker_cli).parent}:{scene.env['PATH']}"
    files = {"requirements.txt": requirements,
             ".devcontainer/Dockerfile": f"FROM {base}\nCOPY requirements.txt /tmp/\n"
             "RUN pip install -r /tmp/requirements.txt\n"}
    return scene.course(files, config=CONFIG), scene


def image_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.slug.startswith("image-")]


@pytest.mark.docker
def test_the_incident_in_the_image_names_the_old_sdist_whose_build_fails(
    tmp_path: Path, docker_engine: Engine, python_image: PythonImage, index_url: str
) -> None:
    repo, scene = course(tmp_path, docker_engine, index_url, python_image.ref, "spacyish<4.0\n")
    found = by_code(scene.check(RequirementsPins(), repo=repo, deep=True),
                    "requirements-pins/image-build-fails")
    assert found.status is Status.FAIL
    assert found.summary == (
        f"in the local image {python_image.ref}, pip builds spacyish-1.1.0.tar.gz from source "
        "and that fails: the image build would stop there"
    )
    assert "Python.h: No such file or directory" in found.detail


@pytest.mark.docker
def test_a_release_without_a_wheel_is_named_as_a_source_build(
    tmp_path: Path, docker_engine: Engine, python_image: PythonImage, index_url: str
) -> None:
    repo, scene = course(tmp_path, docker_engine, index_url, python_image.ref,
                       "buildable>=0.1\ngoodpkg>=1.0\n")
    findings = scene.check(RequirementsPins(), repo=repo, deep=True)
    found = by_code(findings, "requirements-pins/image-builds-from-source")
    assert found.status is Status.WARN
    assert found.summary == (
        f"in the local image {python_image.ref}, pip would build 1 release from source: "
        "buildable==0.3.0 (buildable-0.3.0.tar.gz)"
    )
    assert dict(found.evidence)["chosen"] == "2"  # goodpkg 1.2.0 comes as its wheel


@pytest.mark.docker
def test_wheels_for_everything_in_the_image_is_ok(
    tmp_path: Path, docker_engine: Engine, python_image: PythonImage, index_url: str
) -> None:
    repo, scene = course(tmp_path, docker_engine, index_url, python_image.ref, "goodpkg>=1.0\n")
    findings = scene.check(RequirementsPins(), repo=repo, deep=True)
    assert [(f.code, f.status) for f in image_findings(findings)] == [
        ("requirements-pins/image-wheels", Status.OK)
    ]
    assert by_code(findings, "requirements-pins/resolves").status is Status.OK


@pytest.mark.docker
def test_an_image_the_engine_does_not_have_is_never_pulled_nor_resolved_in(
    tmp_path: Path, docker_engine: Engine, index_url: str
) -> None:
    repo, scene = course(tmp_path, docker_engine, index_url, "python:3.11-slim-bookworm",
                       "goodpkg>=1.0\n")
    assert image_findings(scene.check(RequirementsPins(), repo=repo, deep=True)) == []
    listed = docker_engine.docker("image", "ls", "--format", "{{.Repository}}").stdout.decode()
    assert "python" not in listed.replace("devdoctor-test/python", "")


@pytest.mark.docker
def test_check_deep_from_the_command_line_in_the_image(
    tmp_path: Path, docker_engine: Engine, python_image: PythonImage, index_url: str
) -> None:
    repo, scene = course(tmp_path, docker_engine, index_url, python_image.ref, "spacyish<4.0\n")
    done = scene.cli("check", "--course", "--deep", "--repo", str(repo),
                     "--only", "requirements-pins")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pip builds spacyish-1.1.0.tar.gz from source and that fails" in done.stdout


def test_reports_tell_wheels_from_source_archives_checkouts_and_folders() -> None:
    report = """{"version": "1", "install": [
      {"metadata": {"name": "a", "version": "1"},
       "download_info": {"url": "https://x/a-1-py3-none-any.whl", "archive_info": {}}},
      {"metadata": {"name": "b", "version": "2"},
       "download_info": {"url": "https://x/b-2.tar.gz#sha256=00", "archive_info": {}}},
      {"metadata": {"name": "c", "version": "3"},
       "download_info": {"url": "https://g/c.git", "vcs_info": {"vcs": "git"}}},
      {"metadata": {"name": "d", "version": "4"},
       "download_info": {"url": "file:///src/d", "dir_info": {}}}]}"""
    chosen, source = parse_report(report)
    assert chosen == {"a": "1", "b": "2", "c": "3", "d": "4"}
    assert source == [("b", "2", "b-2.tar.gz"), ("c", "3", "a git checkout"),
                      ("d", "4", "a local folder")]


@pytest.mark.docker
def test_fix_from_a_local_image_pins_from_its_real_pip_freeze(
    tmp_path: Path, docker_engine: Engine, python_image: PythonImage
) -> None:
    """The course's frozen image: the Python image with nlpkit 2.0.0 installed by its own pip
    from the local index, committed; `fix --from IMAGE` reads its freeze in a throw-away
    container."""
    index = Index(tmp_path / "index")
    index.wheel("nlpkit", "2.0.0", requires=["dep>=1"])
    index.wheel("nlpkit", "3.0.0", requires=["dep>=1"])
    index.wheel("dep", "1.0.0")
    frozen = "devdoctor-test/frozen:1"
    name = f"ddk-freeze-{tmp_path.name[-12:]}"
    with index.serve() as url:
        docker_engine.docker(
            "run", "--name", name, "--network", "host", "--entrypoint", "python3",
            python_image.ref, "-m", "pip", "install", "-q", "--break-system-packages",
            "--disable-pip-version-check", "--index-url", url, "nlpkit==2.0.0", timeout=180,
        )
    try:
        docker_engine.docker("commit", name, frozen)
    finally:
        docker_engine.docker("rm", "-f", name, check=False)
    repo, scene = course(tmp_path, docker_engine, "http://127.0.0.1:9/simple/", python_image.ref,
                       "nlpkit<4  # NLP\n")
    done = scene.cli("fix", "requirements-pins", "--from", frozen, "--course", "--yes",
                     "--repo", str(repo))
    docker_engine.docker("image", "rm", frozen, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "requirements.txt").read_text() == (
        "nlpkit==2.0.0  # NLP\n\n# Pinned by devdoctor from a throw-away container of the image "
        f"{frozen} (pip freeze): the packages the requirements above bring in\ndep==1.0.0\n"
    )
