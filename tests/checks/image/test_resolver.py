"""Resolve before building, with the real pip against a local index the test builds and
serves on 127.0.0.1 (tests/pyindex.py): never the internet."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from devdoctor import Status
from devdoctor.checks.image.base_image import read_base, wheel_platforms
from devdoctor.checks.image.requirements_pins import RequirementsPins
from devdoctor.checks.image.resolver import classify_failure

from tests.pyindex import incident_index
from tests.scenario import Scenario, by_code

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "image"
CONFIG = {"build": {"dockerfile": "Dockerfile", "context": ".."}}


def dockerfile(base: str) -> str:
    return f"FROM {base}\nCOPY requirements.txt /tmp/\nRUN pip install -r /tmp/requirements.txt\n"


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    index = incident_index(tmp_path_factory.mktemp("index"))
    # newer releases: an sdist (which fails to build) beside a cp39 wheel; an older cp311 wheel
    index.wheel("walkback", "1.5.0", "cp311-cp311-manylinux_2_17_x86_64")
    index.sdist("walkback", "2.1.0", fail=True)
    index.wheel("walkback", "2.1.0", "cp39-cp39-manylinux_2_17_x86_64")
    with index.serve() as url:
        yield url


def scene_for(tmp_path: Path, url: str) -> Scenario:
    # PIP_CONFIG_FILE: this machine's pip.conf must not add indexes or constraints.
    return Scenario(tmp_path, rooted=False, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=url)


def deep(tmp_path: Path, url: str, requirements: str, base: str = "python:3.11-slim-bookworm"):  # type: ignore[no-untyped-def]
    scene = scene_for(tmp_path, url)
    files = {"requirements.txt": requirements, ".devcontainer/Dockerfile": dockerfile(base)}
    repo = scene.course(files, config=CONFIG)
    return scene.check(RequirementsPins(), repo=repo, deep=True)


def test_the_incident_an_open_requirement_walks_back_to_sdists_only(tmp_path: Path, index_url: str) -> None:
    findings = deep(tmp_path, index_url, "spacyish<4.0\ngoodpkg>=1.0\n")
    failed = by_code(findings, "requirements-pins/resolve-failed")
    assert failed.status is Status.FAIL
    assert "Python 3.11" in failed.summary
    assert (
        "spacyish<4.0 (requirements.txt:1): pip would pick 1.1.0, which has no wheel for cp311 "
        "on this platform and is built from source; no release has one"
    ) in failed.detail
    assert "No matching distribution found for spacyish<4.0" in failed.detail
    assert dict(failed.evidence)["tag"] == "cp311"
    assert by_code(findings, "requirements-pins/open").status is Status.WARN


def test_a_resolve_that_succeeds_on_an_old_wheel_still_names_the_source_build(tmp_path: Path, index_url: str) -> None:
    findings = deep(tmp_path, index_url, "walkback\n")
    found = by_code(findings, "requirements-pins/builds-from-source")
    assert found.status is Status.FAIL
    assert "pip would pick 2.1.0" in found.detail
    assert "the newest release with one is 1.5.0" in found.detail


def test_wheels_for_everything_is_ok_and_says_what_pip_chose(tmp_path: Path, index_url: str) -> None:
    findings = deep(tmp_path, index_url, "goodpkg>=1.0\n")
    ok = by_code(findings, "requirements-pins/resolves")
    assert ok.status is Status.OK
    assert "goodpkg==1.2.0" in ok.detail


def test_a_known_bad_release_the_resolver_chooses_fails(tmp_path: Path, index_url: str) -> None:
    policy = '[requirements]\nknown_bad = [{ name = "goodpkg", version = "1.2.0", reason = "breaks lecture 3" }]\n'
    scene = scene_for(tmp_path, index_url)
    files = {"requirements.txt": "goodpkg>=1.0\n", ".devdoctor.toml": policy,
             ".devcontainer/Dockerfile": dockerfile("python:3.11-slim")}
    repo = scene.course(files, config=CONFIG)
    findings = scene.check(RequirementsPins(), repo=repo, deep=True)
    found = by_code(findings, "requirements-pins/known-bad-chosen")
    assert found.status is Status.FAIL
    assert "goodpkg==1.2.0" in found.summary
    assert "breaks lecture 3" in found.detail


def test_the_same_requirements_on_the_python_that_has_wheels_resolve(tmp_path: Path, index_url: str) -> None:
    findings = deep(tmp_path, index_url, "spacyish>=2.0\n", base="python:3.9-slim-bullseye")
    assert by_code(findings, "requirements-pins/resolves").status is Status.OK


def test_an_index_that_does_not_answer_is_said_plainly(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    findings = deep(tmp_path, f"http://127.0.0.1:{port}/simple/", "goodpkg>=1\n")
    found = by_code(findings, "requirements-pins/resolve-network")
    assert found.status is Status.INFO
    assert "could not reach the package index" in found.summary


def test_an_unknown_python_runs_no_resolver(tmp_path: Path, index_url: str) -> None:
    findings = deep(tmp_path, index_url, "goodpkg>=1\n", base="nvidia/cuda:12.2.0-devel-ubuntu22.04")
    found = by_code(findings, "requirements-pins/python-unknown")
    assert found.status is Status.INFO


def test_real_pip_without_only_binary_walks_back_and_fails_to_build(tmp_path: Path, index_url: str) -> None:
    """The incident's shape, with the real pip and this Python: why --only-binary matters."""
    if sys.version_info[:2] in ((3, 8), (3, 9)):
        pytest.skip("the index has wheels for this Python")
    (tmp_path / "requirements.txt").write_text("spacyish<4.0\n")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
         "--index-url", index_url, "-r", "requirements.txt"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode != 0
    assert "spacyish-1.1.0.tar.gz" in done.stdout + done.stderr
    assert "Python.h: No such file or directory" in done.stdout + done.stderr


def test_captured_pip_failures_are_told_apart() -> None:
    assert classify_failure((SAMPLES / "pip-23.2.1-connection-refused.txt").read_text()) == "network"
    assert classify_failure((SAMPLES / "pip-23.2.1-proxy-refused.txt").read_text()) == "proxy"
    assert classify_failure("ERROR: No matching distribution found for x") == "no-wheel"


def test_base_images_name_their_python_distribution_and_tag() -> None:
    cases = {
        "python:3.11-slim": ("3.11", None, False, None),
        "mcr.microsoft.com/devcontainers/python:1-3.12-bookworm": ("3.12", "Debian 12", False, None),
        "mcr.microsoft.com/devcontainers/base:bookworm": ("3.11", "Debian 12", True, None),
        "ubuntu:24.04": ("3.12", "Ubuntu 24.04", True, None),
        "ubuntu:22.04": ("3.10", "Ubuntu 22.04", False, None),
        "python:3": (None, None, None, ":3 moves to each new Python 3 release"),
        "python": (None, None, None, "no tag (Docker takes :latest)"),
        "debian:latest": (None, None, None, ":latest moves with every release"),
        "python@sha256:" + "0" * 64: (None, None, None, None),
    }
    for ref, (python, distro, managed, floating) in cases.items():
        image = read_base(ref)
        assert (image.python, image.distro, image.externally_managed, image.floating) == (
            python, distro, managed, floating
        ), ref


def test_wheel_platforms_name_every_manylinux_tag_pip_must_accept() -> None:
    tags = wheel_platforms((2, 36), "x86_64")
    assert tags[0] == "manylinux_2_36_x86_64"
    assert "manylinux_2_17_x86_64" in tags and "manylinux2014_x86_64" in tags
    assert wheel_platforms(None, "arm64")[0] == "manylinux_2_28_aarch64"


def test_check_deep_from_the_command_line(tmp_path: Path, index_url: str) -> None:
    scene = scene_for(tmp_path, index_url)
    files = {"requirements.txt": "spacyish<4.0\n", ".devcontainer/Dockerfile": dockerfile("python:3.11-slim")}
    repo = scene.course(files, config=CONFIG)
    done = scene.cli("check", "--course", "--deep", "--repo", str(repo), "--only", "requirements-pins")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pip cannot install these requirements from wheels for Python 3.11" in done.stdout
