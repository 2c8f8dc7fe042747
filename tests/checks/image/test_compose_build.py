"""The Dockerfile a Docker Compose configuration builds: dockerfile-layout and requirements-pins
read it, and judge its COPY/ADD sources against the service's build context (relative to the
compose file's folder), on real committed course repositories."""

from __future__ import annotations

from pathlib import Path

from devdoctor import Finding, Status
from devdoctor.checks.image.dockerfile_layout import DockerfileLayout
from devdoctor.checks.image.requirements_pins import RequirementsPins

from tests.scenario import Scenario, by_code, codes

CONFIG = {
    "dockerComposeFile": "docker-compose.yml",
    "service": "app",
    "workspaceFolder": "/workspaces/course",
}
COMPOSE = (
    "services:\n"
    "  db:\n"
    "    image: postgres:16\n"
    "  app:\n"
    "    build:\n"
    "      context: ..\n"
    "      dockerfile: .devcontainer/Dockerfile\n"
    "    volumes:\n"
    "      - ..:/workspaces/course:cached\n"
)
DOCKERFILE = (
    "FROM python:3.11-slim-bookworm\n"
    "COPY deps/python.txt /tmp/python.txt\n"
    "RUN pip install -r /tmp/python.txt\n"
)


def check(tmp_path: Path, cls: type[DockerfileLayout] | type[RequirementsPins],
          files: dict[str, str]) -> list[Finding]:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course(files, config=CONFIG)
    return scene.check(cls(), repo=repo)


def course(**changes: str) -> dict[str, str]:
    files = {
        ".devcontainer/docker-compose.yml": COMPOSE,
        ".devcontainer/Dockerfile": DOCKERFILE,
        "deps/python.txt": "spacyish<4.0  # NLP\n",
    }
    files.update(changes)
    return files


def test_a_copy_from_outside_the_compose_build_context_fails_and_names_the_compose_file(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE + "COPY ../secrets/token.txt /etc/course/\n"
    found = by_code(check(tmp_path, DockerfileLayout, course(**{".devcontainer/Dockerfile": dockerfile})),
                    "dockerfile-layout/outside-context")
    assert found.status is Status.FAIL
    assert found.summary == (
        ".devcontainer/Dockerfile:4: COPY ../secrets/token.txt reaches outside the build context"
    )
    assert str(tmp_path / "course") in found.detail  # the context: the compose file's ".."
    assert ('Set build.context of the service "app" in .devcontainer/docker-compose.yml'
            in found.detail)


def test_the_compose_dockerfile_is_read_for_every_layout_finding(tmp_path: Path) -> None:
    dockerfile = "FROM python:3\nRUN apt-get install libcairo2-dev\n"
    found = codes(check(tmp_path, DockerfileLayout, course(**{".devcontainer/Dockerfile": dockerfile})))
    assert found == [
        ("dockerfile-layout/apt-no-yes", Status.FAIL),
        ("dockerfile-layout/apt-no-update", Status.FAIL),
        ("dockerfile-layout/floating-base", Status.WARN),
    ]


def test_a_good_compose_build_passes(tmp_path: Path) -> None:
    found = check(tmp_path, DockerfileLayout, course())
    assert codes(found) == [("dockerfile-layout/fine", Status.OK)]
    assert ".devcontainer/Dockerfile" in found[0].summary


def test_requirements_pins_follows_the_compose_dockerfiles_copy_to_the_requirement_file(tmp_path: Path) -> None:
    found = by_code(check(tmp_path, RequirementsPins, course()), "requirements-pins/open")
    assert found.status is Status.WARN
    assert "spacyish<4.0" in found.summary
    assert dict(found.evidence)["files"] == "deps/python.txt"


def test_a_context_beside_the_compose_file_maps_copies_there(tmp_path: Path) -> None:
    compose = COMPOSE.replace("context: ..", "context: .").replace(
        "dockerfile: .devcontainer/Dockerfile", "dockerfile: Dockerfile")
    dockerfile = "FROM python:3.11-slim-bookworm\nCOPY reqs.txt /tmp/\nRUN pip install -r /tmp/reqs.txt\n"
    files = course(**{".devcontainer/docker-compose.yml": compose,
                      ".devcontainer/Dockerfile": dockerfile,
                      ".devcontainer/reqs.txt": "helper\n"})
    found = by_code(check(tmp_path, RequirementsPins, files), "requirements-pins/open")
    assert dict(found.evidence)["files"] == ".devcontainer/reqs.txt"


def test_a_service_without_a_build_has_no_dockerfile_to_judge(tmp_path: Path) -> None:
    compose = "services:\n  app:\n    image: python:3.11-slim-bookworm\n"
    found = check(tmp_path, DockerfileLayout,
                  course(**{".devcontainer/docker-compose.yml": compose}))
    assert codes(found) == [("dockerfile-layout/fine", Status.OK)]
    assert "the configuration" in found[0].summary
