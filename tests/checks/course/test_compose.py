"""Docker Compose configurations: the service, its build, and the mount that gives the
container its workspace folder (where every lifecycle command runs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from devdoctor import Finding, Status
from devdoctor.checks.course.devcontainer import Devcontainer

from tests.engine import Engine
from tests.scenario import Scenario

COMPOSE_CONFIG: dict[str, Any] = {
    "name": "compose course",
    "dockerComposeFile": "docker-compose.yml",
    "service": "app",
    "workspaceFolder": "/workspaces/course",
}
GOOD_COMPOSE = """\
services:
  app:
    build:
      context: ..
      dockerfile: .devcontainer/Dockerfile
    volumes:
      - ../..:/workspaces:cached
    command: sleep infinity
"""
DOCKERFILE = "FROM python:3.12-slim\n"


def course(
    tmp_path: Path, compose: str, config: dict[str, Any] | None = None, **more: str
) -> tuple[Scenario, Path]:
    scene = Scenario(tmp_path, rooted=False)
    files: dict[str, bytes | str] = {
        ".devcontainer/docker-compose.yml": compose,
        ".devcontainer/Dockerfile": DOCKERFILE,
        **more,
    }
    return scene, scene.course(files, config=config or COMPOSE_CONFIG)


def compose_findings(tmp_path: Path, compose: str, **kw: Any) -> list[Finding]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    scene, repo = course(tmp_path, compose, **kw)
    found = scene.check(Devcontainer(), repo=repo, course=True)
    return [f for f in found if f.code != "devcontainer/ok"]


def test_a_good_compose_configuration_passes(tmp_path: Path) -> None:
    assert compose_findings(tmp_path, GOOD_COMPOSE) == []


def test_the_service_must_be_in_the_compose_file(tmp_path: Path) -> None:
    config = {**COMPOSE_CONFIG, "service": "web"}
    (finding,) = compose_findings(tmp_path, GOOD_COMPOSE, config=config)
    assert (finding.code, finding.status) == ("devcontainer/compose-service", Status.FAIL)
    assert 'service "web" is not in the compose file(s) (services: app)' in finding.summary
    assert (finding.path, finding.line) == (".devcontainer/devcontainer.json", 4)


@pytest.mark.parametrize(
    ("replace", "missing"),
    [
        ("dockerfile: .devcontainer/Dockerfile", ".devcontainer/Dockerfile.gpu"),
        ("context: ..", "docker"),
    ],
)
def test_the_build_context_and_dockerfile_exist(
    tmp_path: Path, replace: str, missing: str
) -> None:
    key, _ = replace.split(": ")
    value = ".devcontainer/Dockerfile.gpu" if key == "dockerfile" else "../docker"
    compose = GOOD_COMPOSE.replace(replace, f"{key}: {value}")
    (finding,) = compose_findings(tmp_path, compose)
    assert (finding.code, finding.status) == ("devcontainer/compose-build", Status.FAIL)
    assert finding.subject == missing
    assert (finding.path, finding.line) == (".devcontainer/docker-compose.yml", 3)


def test_a_yaml_error_is_named_at_its_line(tmp_path: Path) -> None:
    broken = GOOD_COMPOSE.replace("    volumes:\n", "    volumes:\n   - :\n  bad: [\n")
    (finding,) = compose_findings(tmp_path, broken)
    assert finding.code == "devcontainer/compose-unreadable"
    assert finding.path == ".devcontainer/docker-compose.yml" and finding.line is not None


def test_workspace_folder_that_no_mount_provides(tmp_path: Path) -> None:
    compose = GOOD_COMPOSE.replace("../..:/workspaces:cached", "..:/workspaces:cached")
    (finding,) = compose_findings(tmp_path, compose)
    assert (finding.code, finding.status) == ("devcontainer/workspace-not-mounted", Status.FAIL)
    assert "workspaceFolder /workspaces/course is course on this computer" in finding.summary
    assert (finding.path, finding.line) == (".devcontainer/devcontainer.json", 5)

    compose = GOOD_COMPOSE.replace("      - ../..:/workspaces:cached\n", "      - data:/data\n")
    (finding,) = compose_findings(tmp_path / "b", compose)
    assert 'is not mounted by service "app"' in finding.summary


def test_several_compose_files_are_merged(tmp_path: Path) -> None:
    """The second file adds the mount: together they provide the workspace folder."""
    base = GOOD_COMPOSE.replace("    volumes:\n      - ../..:/workspaces:cached\n", "")
    extra = "services:\n  app:\n    volumes:\n      - ../..:/workspaces:cached\n"
    config = {**COMPOSE_CONFIG, "dockerComposeFile": ["docker-compose.yml", "extra.yml"]}
    more = {".devcontainer/extra.yml": extra}
    assert compose_findings(tmp_path, base, config=config, **more) == []
    (finding,) = compose_findings(tmp_path / "one", base)
    assert finding.code == "devcontainer/workspace-not-mounted"


@pytest.mark.docker
def test_lifecycle_commands_cannot_start_outside_a_mount(
    docker_engine: Engine, tmp_path: Path
) -> None:
    """The devcontainer CLI execs each lifecycle command in workspaceFolder: with `..` mounted
    at /workspaces, /workspaces/course does not exist in the container and exec fails."""
    compose = GOOD_COMPOSE.replace("../..:/workspaces:cached", "..:/workspaces:cached")
    scene, repo = course(tmp_path, compose)
    config = json.loads((repo / ".devcontainer/devcontainer.json").read_text())
    folder = config["workspaceFolder"]

    def exec_in_workspace(source: Path) -> tuple[int, str]:
        started = docker_engine.docker(
            "run", "-d", "--rm", "--network", "none",
            "--mount", f"type=bind,source={source},target=/workspaces",
            docker_engine.tiny_image, "sleep", "120", timeout=60,
        )  # fmt: skip
        container = started.stdout.decode().strip()
        try:
            done = docker_engine.docker(
                "exec", "-w", folder, container, "/bin/sh", "-c", "echo ready",
                check=False, timeout=60,
            )  # fmt: skip
        finally:
            docker_engine.docker("kill", container, check=False, timeout=60)
        return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")

    rc, output = exec_in_workspace(repo)  # `..` from .devcontainer/ is the repository
    assert rc != 0 and "no such file or directory" in output.lower(), output
    found = scene.check(Devcontainer(), repo=repo, course=True)
    assert "devcontainer/workspace-not-mounted" in {f.code for f in found}

    rc, output = exec_in_workspace(repo.parent)  # the fix: `../..:/workspaces`
    assert (rc, output.strip()) == (0, "ready")
    (repo / ".devcontainer/docker-compose.yml").write_text(GOOD_COMPOSE)
    found = scene.check(Devcontainer(), repo=repo, course=True)
    assert "devcontainer/workspace-not-mounted" not in {f.code for f in found}
