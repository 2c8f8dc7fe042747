"""`devdoctor fix requirements-pins --deep` without --from: the files pinned to the versions
the real pip's wheels-only resolve chose (its --report), served from the local test index,
through the fix engine (diff, backup, verify, undo)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from devdoctor import Status
from devdoctor.checks.image.requirements_pins import RequirementsPins

from tests.pyindex import Index
from tests.scenario import Scenario, by_code

CONFIG = {"image": "python:3.11-slim-bookworm"}
REQUIREMENTS = (
    "# Course requirements\n"
    "nlpkit<4.0  # the NLP lectures\n"
    "helper ; python_version >= '3.8'\n"
    "pinned==0.1\n"
)


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    index = Index(tmp_path_factory.mktemp("index"))
    for version in ("2.0.0", "3.0.0"):
        index.wheel("nlpkit", version, requires=["dep>=1"])
    index.wheel("nlpkit", "4.1.0", requires=["dep>=1"])  # excluded by <4.0
    index.wheel("dep", "1.0.0")
    index.wheel("dep", "1.2.0", requires=["Tiny_Extra"])
    index.wheel("Tiny_Extra", "0.9")
    index.wheel("helper", "1.1")
    index.wheel("pinned", "0.1")
    index.wheel("pinned", "0.2")
    with index.serve() as url:
        yield url


def course(tmp_path: Path, url: str, requirements: str = REQUIREMENTS) -> tuple[Path, Scenario]:
    scene = Scenario(tmp_path, rooted=False, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=url)
    repo = scene.course({"requirements.txt": requirements}, config=CONFIG)
    return repo, scene


PINNED = (
    "# Course requirements\n"
    "nlpkit==3.0.0  # the NLP lectures\n"
    'helper==1.1; python_version >= "3.8"\n'
    "pinned==0.1\n"
    "\n"
    "# Pinned by devdoctor from pip's resolver for Python 3.11, wheels only (the versions it "
    "chose): the packages the requirements above bring in\n"
    "dep==1.2.0\n"
    "Tiny_Extra==0.9\n"
)


def test_check_deep_offers_the_versions_the_resolver_chose(tmp_path: Path, index_url: str) -> None:
    repo, scene = course(tmp_path, index_url)
    findings = scene.check(RequirementsPins(), repo=repo, deep=True)
    assert by_code(findings, "requirements-pins/resolves").status is Status.OK
    open_ = by_code(findings, "requirements-pins/open")
    assert open_.fix is not None
    assert open_.fix.title == "pin requirements.txt from pip's resolver for Python 3.11, wheels only"
    (change,) = open_.fix.changes
    assert change.describe()["path"] == str(repo / "requirements.txt")  # type: ignore[attr-defined]
    assert change.new == PINNED.encode()  # type: ignore[attr-defined]


def test_a_plain_check_runs_no_resolver_and_offers_no_resolver_fix(tmp_path: Path, index_url: str) -> None:
    repo, scene = course(tmp_path, index_url)
    findings = scene.check(RequirementsPins(), repo=repo)
    assert by_code(findings, "requirements-pins/open").fix is None
    assert all("resolve" not in f.code for f in findings)


def test_fix_deep_writes_the_pins_and_undo_puts_the_file_back(tmp_path: Path, index_url: str) -> None:
    repo, scene = course(tmp_path, index_url)
    done = scene.cli("fix", "requirements-pins", "--deep", "--course", "--yes",
                     "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "requirements.txt").read_text() == PINNED
    assert "+nlpkit==3.0.0  # the NLP lectures" in done.stdout  # the diff shown before applying
    check = scene.cli("check", "--course", "--deep", "--repo", str(repo),
                      "--only", "requirements-pins")
    assert check.returncode == 0, check.stdout
    undone = scene.cli("undo", "--yes", "--repo", str(repo))
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert (repo / "requirements.txt").read_text() == REQUIREMENTS
    assert scene.git("status", "--porcelain", repo=repo) == ""


def test_fix_deep_with_constraints_moves_the_rest_to_a_constraints_file(tmp_path: Path, index_url: str) -> None:
    repo, scene = course(tmp_path, index_url, "nlpkit\n")
    done = scene.cli("fix", "requirements-pins", "--deep", "--constraints", "--course",
                     "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "requirements.txt").read_text() == "-c constraints.txt\nnlpkit==4.1.0\n"
    assert (repo / "constraints.txt").read_text().endswith("dep==1.2.0\nTiny_Extra==0.9\n")


def test_a_resolve_that_fails_offers_no_pins(tmp_path: Path, index_url: str) -> None:
    repo, scene = course(tmp_path, index_url, "nlpkit\nnosuchproject\n")
    findings = scene.check(RequirementsPins(), repo=repo, deep=True)
    assert by_code(findings, "requirements-pins/resolve-failed").status is Status.FAIL
    assert by_code(findings, "requirements-pins/open").fix is None
