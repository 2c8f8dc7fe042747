"""`devdoctor fix requirements-pins --from`: pins written from a real `pip freeze` of a real
virtual environment (packages installed from the local test index), then undone."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from devdoctor.checks.image.pin_fix import parse_freeze, pin_file
from devdoctor.checks.image.requirements import parse_text

from tests.pyindex import Index
from tests.scenario import Answer, Scenario

CONFIG = {"image": "python:3.11-slim-bookworm"}
REQUIREMENTS = (
    "# Course requirements\n"
    "nlpkit[extra]<4.0  # the NLP lectures\n"
    "helper ; python_version >= '3.8'\n"
    "pinned==0.1\n"
)


def test_pinning_keeps_order_extras_markers_and_comments() -> None:
    parsed, _ = parse_text(REQUIREMENTS, "requirements.txt")
    frozen = parse_freeze(
        "nlpkit==2.0.0\nhelper==1.1\npinned==0.1\ndep==1.0.0\n-e git+https://x/y.git#egg=y\n",
        "env",
    )
    assert frozen.skipped == ("-e git+https://x/y.git#egg=y",)
    text, missing = pin_file(REQUIREMENTS, parsed.items, frozen)
    assert missing == []
    assert text == (
        "# Course requirements\n"
        "nlpkit[extra]==2.0.0  # the NLP lectures\n"
        'helper==1.1; python_version >= "3.8"\n'
        "pinned==0.1\n"
    )


@pytest.fixture(scope="module")
def frozen_python(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real virtual environment with nlpkit 2.0.0 (and its dependency) from the local index."""
    folder = tmp_path_factory.mktemp("venv")
    index = Index(folder / "index")
    index.wheel("nlpkit", "2.0.0", requires=["dep>=1"])
    index.wheel("nlpkit", "3.0.0", requires=["dep>=1"])
    index.wheel("dep", "1.0.0")
    index.wheel("helper", "1.1")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "env")], check=True, timeout=180)
    python = str(folder / "env" / "bin" / "python")
    env = {"PATH": os.environ["PATH"], "HOME": str(folder), "PIP_CONFIG_FILE": os.devnull}
    with index.serve() as url:
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--index-url", url, "nlpkit==2.0.0", "helper"],
            check=True, env=env, timeout=180,
        )
    yield python


def course(tmp_path: Path, requirements: str = REQUIREMENTS) -> tuple[Path, Scenario]:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({"requirements.txt": requirements}, config=CONFIG)
    return repo, scene


def test_fix_from_a_python_pins_the_file_and_undo_puts_it_back(tmp_path: Path, frozen_python: str) -> None:
    repo, scene = course(tmp_path)
    done = scene.cli("fix", "requirements-pins", "--from", frozen_python, "--course", "--yes",
                     "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "requirements.txt").read_text() == (
        "# Course requirements\n"
        "nlpkit[extra]==2.0.0  # the NLP lectures\n"
        'helper==1.1; python_version >= "3.8"\n'
        "pinned==0.1\n"
        "\n"
        "# Pinned by devdoctor from the Python environment env (pip freeze): the packages the "
        "requirements above bring in\n"
        "dep==1.0.0\n"
    )
    check = scene.cli("check", "--course", "--repo", str(repo), "--only", "requirements-pins")
    assert check.returncode == 0, check.stdout
    elsewhere = scene.cli("undo", "--yes")  # not in the course repository: says where
    assert elsewhere.returncode == 4 and f"--repo {repo}" in elsewhere.stdout
    undone = scene.cli("undo", "--yes", "--repo", str(repo))
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert (repo / "requirements.txt").read_text() == REQUIREMENTS
    assert scene.git("status", "--porcelain", repo=repo) == ""


def test_fix_with_constraints_writes_a_constraints_file_the_requirements_refer_to(tmp_path: Path, frozen_python: str) -> None:
    repo, scene = course(tmp_path, "nlpkit\n")
    done = scene.cli("fix", "requirements-pins", "--from", frozen_python, "--constraints",
                     "--course", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "requirements.txt").read_text() == "-c constraints.txt\nnlpkit==2.0.0\n"
    constraints = (repo / "constraints.txt").read_text()
    assert constraints.endswith("dep==1.0.0\nhelper==1.1\n")


def test_a_source_that_is_nothing_known_offers_no_fix_and_says_why(tmp_path: Path) -> None:
    repo, scene = course(tmp_path, "nlpkit\n")
    scene.program("docker", Answer(stderr="Error: No such object\n", rc=1))
    done = scene.cli("fix", "requirements-pins", "--from", "course/dl101:cpufrozen",
                     "--course", "--yes", "--repo", str(repo))
    assert (repo / "requirements.txt").read_text() == "nlpkit\n"
    assert "cannot pin from --from: course/dl101:cpufrozen is not a Python here" in done.stdout
    assert "does not pull images without asking" in done.stdout


def test_fix_from_a_local_image_runs_a_throwaway_container_never_pulling(tmp_path: Path) -> None:
    """The docker CLI is a stand-in here (the test engine has no image with Python); what it
    is asked is recorded, and its answer is a real freeze captured from the venv test."""
    repo, scene = course(tmp_path, "nlpkit<4  # NLP\n")
    scene.script(
        "docker",
        'case "$1 $2" in\n'
        '  "container inspect") echo "Error: No such container" >&2; exit 1;;\n'
        '  "image inspect") echo sha256:0123; exit 0;;\n'
        '  "run --rm") printf "dep==1.0.0\\nnlpkit==2.0.0\\n"; exit 0;;\n'
        "esac\nexit 2",
    )
    done = scene.cli("fix", "requirements-pins", "--from", "course/dl101:cpufrozen",
                     "--course", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "requirements.txt").read_text().startswith("nlpkit==2.0.0  # NLP\n")
    calls = scene.calls("docker")
    run = next(c for c in calls if c.startswith("run "))
    assert "--pull never" in run and "course/dl101:cpufrozen" in run
