"""dockerfile-layout on real course repositories: each way the Dockerfile or an install script
breaks the build, and the same repository fixed, which passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devdoctor import Finding, Status
from devdoctor.checks.image.dockerfile_layout import DockerfileLayout, build_deps
from devdoctor.checks.image.requirements_pins import RequirementsPins
from devdoctor.checks.image.sources import apt_commands, pip_installs
from devdoctor.host import Host
from devdoctor.options import RunOptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scenario import Scenario, by_code, codes

CONFIG = {
    "build": {"dockerfile": "Dockerfile", "context": ".."},
    "postCreateCommand": "bash .devcontainer/install.sh",
    "remoteUser": "vscode",
}
GOOD_DOCKERFILE = (
    "FROM python:3.11-slim-bookworm\n"
    "RUN apt-get update \\\n"
    "    && apt-get install -y --no-install-recommends libcairo2-dev pkg-config gcc \\\n"
    "    && rm -rf /var/lib/apt/lists/*\n"
    "COPY requirements.txt /tmp/\n"
)
GOOD_SCRIPT = "#!/bin/bash\nset -e\npip install --user -r requirements.txt\n"


def layout(tmp_path: Path, files: dict[str, str], config: object = None) -> list[Finding]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course(files, config=CONFIG if config is None else config)
    return scene.check(DockerfileLayout(), repo=repo)


def course(**changes: str) -> dict[str, str]:
    files = {
        ".devcontainer/Dockerfile": GOOD_DOCKERFILE,
        ".devcontainer/install.sh": GOOD_SCRIPT,
        "requirements.txt": "pycairo>=1.26\n",
    }
    files.update(changes)
    return files


def test_a_well_laid_out_course_passes(tmp_path: Path) -> None:
    assert codes(layout(tmp_path, course())) == [("dockerfile-layout/fine", Status.OK)]


def test_apt_get_in_the_users_install_script_fails(tmp_path: Path) -> None:
    script = GOOD_SCRIPT + "apt-get install -y libcairo2-dev\nsudo apt-get install -y jq\n"
    found = by_code(layout(tmp_path, course(**{".devcontainer/install.sh": script})),
                    "dockerfile-layout/apt-as-user")
    assert found.status is Status.FAIL
    assert found.subject == ".devcontainer/install.sh:4"  # the sudo line is fine
    assert "runs apt-get as vscode" in found.summary


def test_apt_get_install_without_yes_or_update_in_the_same_run(tmp_path: Path) -> None:
    dockerfile = GOOD_DOCKERFILE + "RUN apt-get install jq\nRUN apt-get update && apt-get install -qq curl\n"
    findings = layout(tmp_path, course(**{".devcontainer/Dockerfile": dockerfile}))
    assert [(f.slug, f.subject, f.status) for f in findings] == [
        ("apt-no-yes", ".devcontainer/Dockerfile:6", Status.FAIL),
        ("apt-no-update", ".devcontainer/Dockerfile:6", Status.WARN),  # an earlier RUN updated
    ]
    first = "FROM debian:12\nRUN apt-get install -y --no-install-recommends python3-venv\n"
    findings = layout(tmp_path / "b", course(**{".devcontainer/Dockerfile": first,
                                                "requirements.txt": "rich>=13\n",
                                                ".devcontainer/install.sh": "#!/bin/sh\ntrue\n"}))
    assert codes(findings) == [("dockerfile-layout/apt-no-update", Status.FAIL)]


def test_pycairo_without_its_system_libraries_fails_with_the_line_to_add(tmp_path: Path) -> None:
    dockerfile = "FROM python:3.11-slim-bookworm\nCOPY requirements.txt /tmp/\n"
    found = by_code(layout(tmp_path, course(**{".devcontainer/Dockerfile": dockerfile})),
                    "dockerfile-layout/build-deps")
    assert found.status is Status.FAIL
    assert found.subject == "requirements.txt:1"
    assert (
        "RUN apt-get update && apt-get install -y --no-install-recommends libcairo2-dev "
        "pkg-config gcc && rm -rf /var/lib/apt/lists/*"
    ) in found.detail  # python3-dev left out: the python image has its own headers
    assert "pycairo" in dict(found.evidence)["source"]


def test_pygobject_on_a_distribution_python_names_the_girepository_it_needs(tmp_path: Path) -> None:
    dockerfile = (
        "FROM mcr.microsoft.com/devcontainers/base:bookworm\n"
        "RUN apt-get update && apt-get install -y python3-venv\n"
    )
    script = '#!/bin/bash\npython3 -m venv "$HOME/.venv"\n"$HOME/.venv/bin/pip" install PyGObject<3.51\n'
    findings = layout(tmp_path, course(**{".devcontainer/Dockerfile": dockerfile,
                                          ".devcontainer/install.sh": script,
                                          "requirements.txt": "PyGObject\n"}))
    found = [f for f in findings if f.slug == "build-deps"]
    assert [f.subject for f in found] == ["requirements.txt:1"]
    assert "libgirepository-2.0-dev" in found[0].detail and "python3-dev" in found[0].detail
    assert "pin PyGObject<3.51" in found[0].detail


def test_build_deps_table_has_a_source_for_every_package() -> None:
    table = build_deps()
    assert {d.name for d in table} >= {"pycairo", "pygobject", "psycopg2", "mysqlclient"}
    assert all(d.source and d.apt for d in table)


def test_pip_against_an_externally_managed_python_says_what_works(tmp_path: Path) -> None:
    dockerfile = "FROM mcr.microsoft.com/devcontainers/base:bookworm\n"
    findings = layout(tmp_path, course(**{".devcontainer/Dockerfile": dockerfile,
                                          "requirements.txt": "rich>=13\n"}))
    found = by_code(findings, "dockerfile-layout/externally-managed")
    assert found.status is Status.FAIL
    assert found.subject == ".devcontainer/install.sh:3"
    assert "pip install --user on Debian 12's Python" in found.summary
    assert 'python3 -m venv "$HOME/.venv"' in found.detail
    venv_script = '#!/bin/bash\npython3 -m venv "$HOME/.venv"\n"$HOME/.venv/bin/pip" install -r requirements.txt\n'
    findings = layout(tmp_path / "b", course(**{".devcontainer/Dockerfile": dockerfile,
                                                ".devcontainer/install.sh": venv_script,
                                                "requirements.txt": "rich>=13\n"}))
    assert "dockerfile-layout/externally-managed" not in [c for c, _ in codes(findings)]


def test_a_floating_base_tag_warns(tmp_path: Path) -> None:
    dockerfile = GOOD_DOCKERFILE.replace("python:3.11-slim-bookworm", "python:3")
    found = by_code(layout(tmp_path, course(**{".devcontainer/Dockerfile": dockerfile})),
                    "dockerfile-layout/floating-base")
    assert found.status is Status.WARN
    assert "python:3" in found.summary and "RepoDigests" in found.detail


def test_copy_from_outside_the_build_context_fails(tmp_path: Path) -> None:
    config = {**CONFIG, "build": {"dockerfile": "Dockerfile"}}  # context: .devcontainer
    dockerfile = GOOD_DOCKERFILE.replace("COPY requirements.txt", "COPY ../requirements.txt")
    findings = layout(tmp_path, course(**{".devcontainer/Dockerfile": dockerfile}), config)
    found = by_code(findings, "dockerfile-layout/outside-context")
    assert found.status is Status.FAIL
    assert found.subject == ".devcontainer/Dockerfile:5"
    assert dict(found.evidence)["context"].endswith(".devcontainer")
    # the same COPY with the repository as context is inside it
    assert codes(layout(tmp_path / "b", course())) == [("dockerfile-layout/fine", Status.OK)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["pip install", "-r", "-c", "--user", "apt-get", "install", "-y",
                             "sudo", "&&", "\\", '"', "'", "python3 -m pip", "uv pip", "|", ";"]),
        ),
        max_size=15,
    )
)
def test_any_shell_text_gives_commands_never_an_exception(words: list[str]) -> None:
    text = " ".join(words)
    for pip in pip_installs(text, "x.sh"):
        assert pip.line >= 1
    for number, _, apt in apt_commands(text):
        assert number >= 1 and apt.verb


@pytest.fixture(scope="module")
def scratch_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("scratch") / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text(json.dumps(CONFIG))
    return repo


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(max_size=200),
    st.lists(st.sampled_from(["FROM python:3.11", "FROM ubuntu:24.04", "RUN apt-get install x",
                              "RUN pip install --user pycairo<3", "COPY ../a b", "USER vscode",
                              "ARG X=${Y:-z}", "RUN <<EOF", "EOF", "pygobject>=9"])
             | st.text(max_size=30), max_size=10),
    st.text(max_size=100),
)
def test_any_files_give_findings_never_an_exception(
    scratch_course: Path, requirements: str, dockerfile: list[str], script: str
) -> None:
    (scratch_course / "requirements.txt").write_text(requirements, errors="surrogatepass")
    (scratch_course / ".devcontainer/Dockerfile").write_text("\n".join(dockerfile), errors="surrogatepass")
    (scratch_course / ".devcontainer/install.sh").write_text(script, errors="surrogatepass")
    scene = Scenario(scratch_course.parent, rooted=False)
    for check in (DockerfileLayout(), RequirementsPins()):
        host = Host(env=scene.env, options=RunOptions(repo=str(scratch_course), course=True))
        findings = list(check.run(host))
        assert findings and all(f.code.startswith(check.id + "/") for f in findings)
