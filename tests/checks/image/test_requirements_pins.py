"""requirements-pins on real course repositories (committed with git): which files it finds,
what it says of open requirements, known-bad releases and lines pip cannot read."""

from __future__ import annotations

import json
from pathlib import Path

from devdoctor import Status
from devdoctor.checks.image.requirement_files import discover, known_bad
from devdoctor.checks.image.requirements_pins import RequirementsPins
from devdoctor.checks.image.sources import build
from devdoctor.host import Host
from devdoctor.options import RunOptions

from tests.scenario import Scenario, by_code, codes

DOCKERFILE = (
    "FROM python:3.11-slim-bookworm\n"
    "COPY requirements.txt /tmp/pip/requirements.txt\n"
    "RUN pip install --no-cache-dir -r /tmp/pip/requirements.txt\n"
)
CONFIG = {
    "build": {"dockerfile": "Dockerfile", "context": ".."},
    "postCreateCommand": "bash .devcontainer/install.sh",
    "remoteUser": "vscode",
}


def course(tmp_path: Path, files: dict[str, str], config: object = None) -> tuple[Path, Scenario]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course(files, config=CONFIG if config is None else config)
    return repo, scene


def check(scene: Scenario, repo: Path, **options: object):  # type: ignore[no-untyped-def]
    return scene.check(RequirementsPins(), repo=repo, **options)


def test_discovery_finds_every_file_the_build_names(tmp_path: Path) -> None:
    repo, scene = course(
        tmp_path,
        {
            "requirements.txt": "rich>=13\n",
            ".devcontainer/Dockerfile": DOCKERFILE,
            ".devcontainer/requirements.txt": "numpy>=1.26\n",
            ".devcontainer/install.sh": "#!/bin/bash\npython3 -m venv ~/.venv\n"
            '"$HOME/.venv/bin/pip" install -r courses/nlp.txt -c pins.txt && echo done\n',
            "courses/nlp.txt": "spacy>=3.7\n",
            "pins.txt": "spacy==3.7.5\n",
            "notes.txt": "not a requirement file\n",
        },
    )
    host = Host(env=scene.env, options=RunOptions(repo=str(repo)))
    found = {path: (constraint, why) for path, constraint, why in discover(host, build(host))}
    assert found == {
        "requirements.txt": (False, "at the top of the repository"),
        ".devcontainer/requirements.txt": (False, "under .devcontainer"),
        "courses/nlp.txt": (False, "pip install in .devcontainer/install.sh:3"),
        "pins.txt": (True, "pip install in .devcontainer/install.sh:3"),
    }


def test_the_dockerfiles_copy_maps_an_image_path_back_to_the_repository(tmp_path: Path) -> None:
    config = {"build": {"dockerfile": "Dockerfile", "context": ".."}}
    repo, scene = course(
        tmp_path,
        {
            ".devcontainer/Dockerfile": "FROM python:3.12\nCOPY deps/req-course.txt /opt/\n"
            "RUN pip install -r /opt/req-course.txt\n",
            "deps/req-course.txt": "spacy<4.0\n",
        },
        config,
    )
    findings = check(scene, repo)
    warn = by_code(findings, "requirements-pins/open")
    assert warn.status is Status.WARN
    assert "spacy<4.0 (deps/req-course.txt:1)" in warn.detail


def test_an_open_requirement_warns_with_what_the_resolver_may_do(tmp_path: Path) -> None:
    repo, scene = course(
        tmp_path, {"requirements.txt": "spacy<4.0\nnumpy>=1.26\ntorch==2.3.1\nrich\n"}
    )
    warn = by_code(check(scene, repo), "requirements-pins/open")
    assert warn.status is Status.WARN
    assert warn.summary == "2 requirements without a lower bound: spacy<4.0, rich"
    assert "backtrack down to the oldest version of a package" in warn.detail
    assert dict(warn.evidence)["requirements"] == "1 bounded, 2 open, 1 pinned"


def test_a_constraints_file_that_pins_them_is_enough(tmp_path: Path) -> None:
    repo, scene = course(
        tmp_path,
        {
            "requirements.txt": "-c constraints.txt\nspacy<4.0\nrich\n",
            "constraints.txt": "spacy==3.7.5\nrich==13.7.1\n",
        },
    )
    findings = check(scene, repo)
    assert codes(findings) == [("requirements-pins/bounded", Status.OK)]


def test_a_known_bad_pin_fails_only_on_the_pythons_it_breaks(tmp_path: Path) -> None:
    files = {"requirements.txt": "spacy==3.0.6\n", ".devcontainer/Dockerfile": DOCKERFILE}
    repo, scene = course(tmp_path, files)
    bad = by_code(check(scene, repo), "requirements-pins/known-bad")
    assert bad.status is Status.FAIL
    assert "spacy==3.0.6 pins a release known to break the build" in bad.summary
    assert "issue 9" in dict(bad.evidence)["source"]
    old = DOCKERFILE.replace("3.11-slim-bookworm", "3.9-slim-bullseye")
    repo2, scene2 = course(tmp_path / "old", {**files, ".devcontainer/Dockerfile": old})
    assert "requirements-pins/known-bad" not in [c for c, _ in codes(check(scene2, repo2))]


def test_an_open_range_that_admits_a_known_bad_release_fails(tmp_path: Path) -> None:
    files = {
        "requirements.txt": "spacy<4.0\n",
        ".devcontainer/Dockerfile": DOCKERFILE.replace("3.11-slim-bookworm", "3.12-slim"),
    }
    repo, scene = course(tmp_path, files)
    found = [f for f in check(scene, repo) if f.slug == "known-bad"]
    assert {f.status for f in found} == {Status.FAIL}
    assert any("admits" in f.summary and "spacy<3.7" in f.summary for f in found)
    bounded = {**files, "requirements.txt": "spacy>=3.7.2,<4.0\n"}
    repo2, scene2 = course(tmp_path / "b", bounded)
    assert [f.slug for f in check(scene2, repo2)] == ["bounded"]


def test_the_policy_adds_known_bad_entries_and_replaces_discovery(tmp_path: Path) -> None:
    policy = (
        '[requirements]\nfiles = ["deps/all.txt"]\nfrozen_image = "course/dl101:cpufrozen"\n'
        'known_bad = [{ name = "Rich", version = "13.0.0", reason = "breaks the notebooks" }]\n'
    )
    repo, scene = course(
        tmp_path,
        {".devdoctor.toml": policy, "deps/all.txt": "rich==13.0.0\n", "requirements.txt": "x\n"},
    )
    findings = check(scene, repo)
    assert codes(findings) == [
        ("requirements-pins/known-bad", Status.FAIL),
        ("requirements-pins/bounded", Status.OK),
    ]
    host = Host(env=scene.env, options=RunOptions(repo=str(repo)))
    entry = next(e for e in known_bad(host) if e.name == "rich")
    assert entry.source == ".devdoctor.toml [requirements] known_bad"


def test_every_built_in_known_bad_entry_has_a_reason_and_a_source(tmp_path: Path) -> None:
    repo, scene = course(tmp_path, {"requirements.txt": "rich\n"})
    entries = known_bad(Host(env=scene.env, options=RunOptions(repo=str(repo))))
    assert entries
    for entry in entries:
        assert entry.reason and entry.source and entry.specifier


def test_unreadable_lines_and_missing_files_fail_with_file_and_line(tmp_path: Path) -> None:
    repo, scene = course(
        tmp_path, {"requirements.txt": "rich>=13\nspacy (<4\n-r missing.txt\n"}
    )
    problems = [f for f in check(scene, repo) if f.slug == "unreadable-line"]
    assert [(f.subject, f.status) for f in problems] == [
        ("requirements.txt:2", Status.FAIL),
        ("requirements.txt:3", Status.FAIL),
    ]
    assert "cannot open missing.txt" in problems[1].detail


def test_conda_environment_pip_section_is_read(tmp_path: Path) -> None:
    env_yml = (
        "name: course\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip\n"
        "  - pip:\n    - spacy<4.0\n    - rich>=13\n  - numpy\n"
    )
    repo, scene = course(tmp_path, {"environment.yml": env_yml})
    warn = by_code(check(scene, repo), "requirements-pins/open")
    assert warn.summary == "1 requirement without a lower bound: spacy<4.0"


def test_no_files_is_ok_and_the_cli_lists_the_check(tmp_path: Path) -> None:
    repo, scene = course(tmp_path, {"README.md": "hi\n"})
    assert codes(check(scene, repo)) == [("requirements-pins/none", Status.OK)]
    done = scene.cli("check", "--course", "--repo", str(repo), "--json")
    data = json.loads(done.stdout)
    ids = [r["id"] for r in data["results"]]
    assert "requirements-pins" in ids and "dockerfile-layout" in ids
