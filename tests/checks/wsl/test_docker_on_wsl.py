"""Docker seen from a WSL distro: Docker Desktop's version, its WSL integration, and the one
piece of advice docker-daemon and docker-desktop give when only the docker CLI is here."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from devdoctor.checks.docker.docker_daemon import DockerDaemon, cli_only_advice
from devdoctor.checks.docker.docker_desktop import DockerDesktop
from devdoctor.model import Finding, Status

from tests.scenario import Answer, Scenario, sample
from tests.scenario.captured import wsl_exe_answers

SETTINGS = "/mnt/c/Users/student/AppData/Roaming/Docker/settings-store.json"
DESKTOP_EXE = "/mnt/c/Program Files/Docker/Docker/Docker Desktop.exe"
OFF = {
    "SettingsVersion": 43,
    "IntegratedWslDistros": [],
    "EnableIntegrationWithDefaultWslDistro": False,
}


def distro(tmp_path: Path, *, settings: dict[str, object] | None, desktop: bool = True) -> Scenario:
    """Ubuntu in WSL whose PATH holds only its stand-ins (not this machine's docker)."""
    fake = Scenario(tmp_path).wsl()
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("sleep", "cat", "sed"):
        os.symlink(shutil.which(tool) or f"/bin/{tool}", tools / tool)
    fake.env["PATH"] = f"{fake.bin}:{tools}"
    fake.env["DOCKER_HOST"] = f"unix://{tmp_path}/docker.sock"  # nobody listens there
    fake.program("powershell.exe", Answer(sample("wsl/powershell.healthy.json")))
    if desktop:
        fake.path(DESKTOP_EXE).parent.mkdir(parents=True)
        fake.path(DESKTOP_EXE).write_bytes(b"MZ")
    if settings is not None:
        fake.path(SETTINGS).parent.mkdir(parents=True, exist_ok=True)
        fake.path(SETTINGS).write_text(json.dumps(settings))
    return fake


def slugs(check: object, fake: Scenario) -> dict[str, Finding]:
    return {f.slug: f for f in check.run(fake.host())}  # type: ignore[attr-defined]


def test_version_from_the_install_with_integration_on(tmp_path: Path) -> None:
    fake = distro(tmp_path, settings={"IntegratedWslDistros": ["Ubuntu"]})
    found = slugs(DockerDesktop(), fake)
    assert found["integration-on"].status is Status.OK
    assert found["settings"].summary.endswith("(Docker Desktop 4.37.1)")
    assert dict(found["settings"].evidence)["version"] == "4.37.1"


def test_integration_off_with_the_distros_own_cli(tmp_path: Path) -> None:
    fake = distro(tmp_path, settings=OFF)
    fake.program("docker", Answer(b"", rc=1))  # the distro's own docker CLI package
    desktop = slugs(DockerDesktop(), fake)["cli-without-integration"]
    assert desktop.status is Status.FAIL
    assert 'WSL integration: turn on "Ubuntu"' in desktop.detail
    assert dict(desktop.evidence)["Docker Desktop"] == "4.37.1"
    daemon = slugs(DockerDaemon(), fake)["not-running"]
    assert "WSL integration" in daemon.detail and '"Ubuntu"' in daemon.detail  # one advice


def test_integration_off_leaves_docker_desktops_dead_link(tmp_path: Path) -> None:
    fake = distro(tmp_path, settings=OFF)
    target = fake.path("/mnt/wsl/docker-desktop/cli-tools/usr/bin/docker")  # gone
    os.symlink(target, fake.bin / "docker")
    off = slugs(DockerDesktop(), fake)["integration-off"]
    assert off.status is Status.FAIL
    assert "The command 'docker' could not be found in this WSL 2 distro" in off.detail


def test_only_the_cli_gets_one_piece_of_advice_from_both_checks(tmp_path: Path) -> None:
    fake = distro(tmp_path, settings=None, desktop=False)
    fake.program("docker", Answer(b"", rc=1))
    advice = cli_only_advice(fake.host())
    desktop = slugs(DockerDesktop(), fake)["not-installed"]
    assert desktop.status is Status.INFO
    assert advice in desktop.detail
    assert "fine" not in desktop.summary
    daemon = slugs(DockerDaemon(), fake)["cli-only"]
    assert daemon.status is Status.FAIL
    assert daemon.detail == advice


def test_from_powershell_the_default_distro_without_integration_is_a_warning(
    tmp_path: Path,
) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program("wsl.exe", wsl_exe_answers())
    fake.program("powershell.exe", Answer(sample("wsl/powershell.healthy.json")))
    fake.path(SETTINGS).parent.mkdir(parents=True)
    fake.path(SETTINGS).write_text(json.dumps(OFF))
    off = slugs(DockerDesktop(), fake)["integration-off"]
    assert off.status is Status.WARN
    assert 'turn on "Ubuntu"' in off.detail
    fake.path(SETTINGS).write_text(json.dumps({**OFF, "IntegratedWslDistros": ["Ubuntu"]}))
    assert "integration-off" not in slugs(DockerDesktop(), fake)
