"""docker-daemon, docker-resources and docker-desktop: every state, from real sockets and samples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from devdoctor.checks.docker.api import Api, Target
from devdoctor.checks.docker.docker_daemon import DockerDaemon
from devdoctor.checks.docker.docker_desktop import DockerDesktop
from devdoctor.checks.docker.docker_resources import DockerResources
from devdoctor.checks.docker.endpoint import Endpoint, context_id
from devdoctor.checks.docker.engine import EngineState, is_docker_desktop, is_wsl2_backend
from devdoctor.checks.docker.groups import current_user, process_groups
from devdoctor.checks.docker.home_volume import HomeVolume
from devdoctor.checks.docker.probe import Probe, ProbeState
from devdoctor.host import Host
from devdoctor.model import Finding, Status
from devdoctor.registry import Loaded
from devdoctor.runner import run_checks

from tests.engine import Engine
from tests.scenario import Answer, GiB, Scenario, info_from_text, sample_json, sample_text
from tests.scenario.sockets import as_nobody, short_dir, stale_socket, wedged_socket

DESKTOP_EXE = "/mnt/c/Program Files/Docker/Docker/Docker Desktop.exe"
APPDATA = "/mnt/c/Users/student/AppData/Roaming/Docker"


def codes(findings: list[Finding]) -> dict[str, Finding]:
    return {f.slug: f for f in findings}


def daemon(host: Host) -> dict[str, Finding]:
    return codes(list(DockerDaemon().run(host)))


def touch(host: Host, path: str, data: bytes = b"") -> Path:
    real = host.real(path)
    real.parent.mkdir(parents=True, exist_ok=True)
    real.write_bytes(data)
    return real


# -- docker-daemon ---------------------------------------------------------------------------------


def test_not_installed_linux(tmp_path: Path) -> None:
    found = daemon(Scenario(tmp_path, system=False).host())
    bad = found["not-installed"]
    assert bad.status is Status.FAIL
    assert "sudo apt install docker.io" in bad.detail
    assert dict(bad.evidence)["endpoint"] == "unix:///var/run/docker.sock"


def test_not_installed_wsl_says_docker_desktop_and_integration(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, WSL_DISTRO_NAME="Ubuntu-22.04").platform("wsl").host()
    bad = daemon(host)["not-installed"]
    assert "Install Docker Desktop on Windows" in bad.detail
    assert 'WSL integration for "Ubuntu-22.04"' in bad.detail


def test_installed_but_no_socket_linux_engine(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    touch(host, "/usr/bin/dockerd")
    touch(host, "/lib/systemd/system/docker.service")
    bad = daemon(host)["not-running"]
    assert bad.summary == "Docker is installed but not running"
    assert "sudo systemctl start docker" in bad.detail
    assert "dockerd at /usr/bin/dockerd" in dict(bad.evidence)["found"]


def test_installed_but_no_socket_wsl_with_docker_desktop(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, WSL_DISTRO_NAME="Ubuntu").platform("wsl").host()
    touch(host, DESKTOP_EXE)
    bad = daemon(host)["not-running"]
    assert "Start Docker Desktop on Windows" in bad.detail
    assert 'turn on "Ubuntu"' in bad.detail
    assert "sudo service docker start" not in bad.detail  # no engine inside this distro


def test_docker_desktop_for_linux_not_started(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    touch(host, "/home/student/.docker/desktop/settings-store.json", b"{}")
    bad = daemon(host)["not-running"]
    assert "systemctl --user start docker-desktop" in bad.detail
    tried = dict(bad.evidence)
    assert tried["endpoint"] == "unix:///var/run/docker.sock"  # where the CLI will look
    assert tried["also tried"] == "unix:///home/student/.docker/desktop/docker.sock: missing"


def test_socket_left_behind_is_not_running(tmp_path: Path) -> None:
    folder = short_dir()
    try:
        stale_socket(folder / "docker.sock")
        host = Scenario(tmp_path, system=False, DOCKER_HOST=f"unix://{folder}/docker.sock").host()
        touch(host, "/usr/bin/dockerd")
        bad = daemon(host)["not-running"]
    finally:
        shutil.rmtree(folder)
    assert bad.summary == "Docker is not running (its socket is left over, nobody answers on it)"
    assert "connection refused" in bad.detail


def _forbidden(folder: Path, gid: int) -> Path:
    import socket

    path = folder / "docker.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    if os.geteuid() == 0:
        os.chown(path, 0, gid)
        path.chmod(0o660)
    else:
        path.chmod(0o000)
    return path


@pytest.mark.parametrize("listed", [False, True])
def test_permission_denied_says_docker_group_and_new_login(tmp_path: Path, listed: bool) -> None:
    folder = short_dir()
    try:
        sock = _forbidden(folder, 4242)
        members = "nobody" if listed else ""
        # the root folder must be readable by nobody: short_dir() is 0755
        host = Scenario(folder, system=False, DOCKER_HOST=f"unix://{sock}", USER="nobody").host()
        touch(host, "/etc/group", f"root:x:0:\ndockerx:x:4242:{members}\n".encode())
        for part in (folder / "root", folder / "root/etc", folder / "root/etc/group"):
            part.chmod(0o755)
        found = as_nobody(lambda: daemon(host))
    finally:
        shutil.rmtree(folder)
    bad = found["permission-denied"]
    assert bad.status is Status.FAIL
    if os.geteuid() != 0:
        return  # as a normal user the socket is mode 000: no group to talk about
    if listed:
        assert "you were added to the dockerx group, but this login started before" in bad.summary
        assert "newgrp dockerx" in bad.detail
    else:
        assert bad.summary.endswith("you are not in the dockerx group")
        assert "sudo usermod -aG dockerx $USER" in bad.detail
        assert "log out and back in" in bad.detail


def test_wedged_socket_fails_within_the_deadline_and_skips_what_needs_it(tmp_path: Path) -> None:
    folder = short_dir()
    try:
        with wedged_socket(folder / "docker.sock"):
            endpoint = f"unix://{folder}/docker.sock"
            host = Scenario(tmp_path, system=False, DOCKER_HOST=endpoint).host()
            touch(
                host,
                "/home/student/.docker/desktop/settings-store.json",
                sample_text("docker/docker-desktop-settings-store.oliversantos573.json").encode(),
            )
            checks = [DockerDaemon(), DockerResources(), DockerDesktop(), HomeVolume()]
            start = time.monotonic()
            run = run_checks([Loaded(c) for c in checks], host)
            took = time.monotonic() - start
    finally:
        shutil.rmtree(folder)
    by_id = {r.id: r for r in run.results}
    assert took < 4.0
    daemon_result = by_id["docker-daemon"]
    assert daemon_result.status is Status.FAIL
    assert daemon_result.findings[0].code == "docker-daemon/not-answering"
    assert "starting" in daemon_result.summary
    for cid in ("docker-resources", "home-volume"):
        assert by_id[cid].skip_reason == "needs docker-daemon, which failed"
    assert by_id["docker-desktop"].status is Status.OK  # read its file, did not wait
    assert by_id["docker-desktop"].duration_ms < 1000


def test_context_that_does_not_exist(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_CONTEXT="old-laptop").host()
    bad = daemon(host)["bad-context"]
    assert bad.status is Status.FAIL
    assert bad.summary.startswith('the docker context "old-laptop" points nowhere')
    assert "docker context ls" in bad.detail
    assert "DOCKER_CONTEXT is set in your environment" in bad.detail


@pytest.mark.docker
def test_context_left_by_docker_desktop_while_the_system_engine_answers(
    docker_engine: Engine, tmp_path: Path
) -> None:
    host = Scenario(tmp_path, system=False).host()
    config = host.real("/home/student/.docker")
    meta = config / "contexts/meta" / context_id("desktop-linux") / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(
        json.dumps(
            {
                "Name": "desktop-linux",
                "Endpoints": {
                    "docker": {"Host": "unix:///home/student/.docker/desktop/docker.sock"}
                },
            }
        )
    )
    (config / "config.json").write_text('{"currentContext": "desktop-linux"}')
    host.real("/var/run").mkdir(parents=True)
    host.real("/var/run/docker.sock").symlink_to(docker_engine.socket)
    bad = daemon(host)["bad-context"]
    assert "its endpoint unix:///home/student/.docker/desktop/docker.sock does not exist" in (
        bad.summary
    )
    assert "`docker context use default`" in bad.detail
    assert "Docker does answer at unix:///var/run/docker.sock" in bad.detail


@pytest.mark.docker
def test_running_engine(docker_engine: Engine, tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).docker(docker_engine).host()
    found = daemon(host)
    assert list(found) == ["running"]
    ok = found["running"]
    assert ok.summary.endswith(f"answers at {docker_engine.base_url}")
    facts = dict(ok.evidence)
    assert facts["chosen because"] == "DOCKER_HOST"
    assert facts["engine"].startswith(("Docker Engine", "Docker Desktop"))


@pytest.mark.docker
def test_engine_only_at_docker_desktops_socket_warns_the_cli_will_not_find_it(
    docker_engine: Engine, tmp_path: Path
) -> None:
    host = Scenario(tmp_path, system=False).host()
    desktop = host.real("/home/student/.docker/desktop")
    desktop.mkdir(parents=True)
    (desktop / "docker.sock").symlink_to(docker_engine.socket)
    found = daemon(host)
    assert found["running"].status is Status.OK
    warn = found["cli-cannot-find"]
    assert warn.status is Status.WARN
    assert "looks at unix:///var/run/docker.sock" in warn.summary


def test_ssh_endpoint_is_not_claimed_to_answer(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_HOST="ssh://student@build-box").host()
    found = daemon(host)
    assert list(found) == ["unprobed"]
    assert found["unprobed"].status is Status.WARN


def test_an_engine_that_cannot_be_reached_is_counted_once(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_HOST="ssh://student@build-box").host()
    checks = [Loaded(DockerDaemon()), Loaded(DockerResources()), Loaded(HomeVolume())]
    run = run_checks(checks, host)
    status = {r.id: (r.status, r.summary) for r in run.results}
    assert status["docker-daemon"][0] is Status.WARN
    for dependent in ("docker-resources", "home-volume"):
        assert status[dependent] == (
            Status.SKIP,
            "the Docker engine does not answer (see docker-daemon)",
        )


# -- the command line -------------------------------------------------------------------------------


def cli(tmp_path: Path, *args: str, DOCKER_HOST: str) -> subprocess.CompletedProcess[str]:
    """`devdoctor check` on this machine, asking the Docker endpoint at DOCKER_HOST."""
    scene = Scenario(tmp_path, rooted=False).docker(DOCKER_HOST)
    return scene.cli("check", *args, timeout=60)


@pytest.mark.docker
def test_cli_json_against_the_real_engine(docker_engine: Engine, tmp_path: Path) -> None:
    done = cli(tmp_path, "--only", "docker-daemon", "--json", DOCKER_HOST=docker_engine.base_url)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    (result,) = data["results"]
    assert result["id"] == "docker-daemon"
    assert result["status"] == "ok"
    assert result["findings"][0]["code"] == "docker-daemon/running"
    assert result["findings"][0]["evidence"]["chosen because"] == "DOCKER_HOST"


def test_cli_wedged_socket_exits_1_in_seconds(tmp_path: Path) -> None:
    folder = short_dir()
    try:
        with wedged_socket(folder / "docker.sock"):
            start = time.monotonic()
            done = cli(
                tmp_path,
                "--only",
                "docker-daemon,docker-resources",
                "--json",
                DOCKER_HOST=f"unix://{folder}/docker.sock",
            )
            took = time.monotonic() - start
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 1, done.stderr
    results = {r["id"]: r for r in json.loads(done.stdout)["results"]}
    assert results["docker-daemon"]["findings"][0]["code"] == "docker-daemon/not-answering"
    assert results["docker-resources"]["status"] == "skip"
    assert took < 8.0


# -- docker-resources, from the real engine and from real `docker info` samples ----------------------


def seeded(host: Host, info: dict[str, Any], url: str = "unix:///var/run/docker.sock") -> Host:
    """A host whose engine fact is an answer taken from a sample (nothing more is asked)."""
    asker = Api(Target(unix="/nonexistent/docker.sock"), "1.41", 1.0)
    state = EngineState(
        Endpoint(url, "test"), Probe(ProbeState.ANSWERS, "test"), info=info, api=asker
    )
    host.fact("docker.engine", lambda h: state)
    return host


def resources(host: Host) -> dict[str, Finding]:
    return codes(list(DockerResources().run(host)))


def policy_repo(tmp_path: Path, text: str) -> Path:
    repo = tmp_path / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text('{"image": "python:3.11"}')
    (repo / ".devdoctor.toml").write_text(text)
    return repo


def test_samples_say_which_engine_they_are() -> None:
    desktop = info_from_text(sample_text("docker/docker-info.docker-desktop-wsl2-windows.txt"))
    native = info_from_text(sample_text("docker/docker-info.native-ubuntu-with-nvidia-runtime.txt"))
    engine_20 = sample_json("docker/api-info.linux-engine-20.10.json")
    assert desktop["MemTotal"] == int(7.527 * GiB)
    assert is_docker_desktop(desktop) and is_wsl2_backend(desktop)
    assert not is_docker_desktop(native) and not is_wsl2_backend(native)
    assert not is_docker_desktop(engine_20) and not is_wsl2_backend(engine_20)


def test_wsl2_backend_defers_memory_to_wsl_memory(tmp_path: Path) -> None:
    info = info_from_text(sample_text("docker/docker-info.docker-desktop-wsl2-windows.txt"))
    host = Scenario(tmp_path, system=False, WSL_DISTRO_NAME="Ubuntu").platform("wsl").host()
    host.real("/mnt/c").mkdir(parents=True)
    found = resources(seeded(host, info))
    note = found["memory-from-wsl"]
    assert note.status is Status.INFO
    assert note.summary == "the engine has 7.5 GiB of memory, set by WSL (.wslconfig)"
    assert "/mnt/c" in dict(found["enough"].evidence)["free disk"]

    repo = policy_repo(tmp_path, '[docker]\nmemory = "16GB"\n')
    scene = Scenario(tmp_path, system=False, WSL_DISTRO_NAME="Ubuntu").platform("wsl")
    host = scene.host(repo=repo)
    found = resources(seeded(host, info))
    note = found["memory-from-wsl"]
    assert note.status is Status.INFO  # not a second fail: wsl-memory owns it
    assert note.summary == (
        "the engine has 7.5 GiB of memory, set by WSL (.wslconfig); "
        "this course needs 16 GiB: see wsl-memory"
    )
    assert "devdoctor fix wsl-memory" in note.detail
    assert "too-little-memory" not in found


def test_small_native_engine_fails_memory(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    info = info_from_text(sample_text("docker/docker-info.native-ubuntu-with-nvidia-runtime.txt"))
    bad = resources(seeded(host, info))["too-little-memory"]
    assert bad.status is Status.FAIL
    assert bad.summary == "the engine has 1.9 GiB of memory; this course needs 8 GiB"
    assert "all this computer's memory" in bad.detail


def test_cli_testdata_json_fields(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    found = resources(seeded(host, sample_json("docker/docker-info.docker-cli-testdata-no-swarm.json")))
    assert found["too-little-memory"].summary.startswith("the engine has 2 GiB of memory")
    assert "one-cpu" not in found  # NCPU is 2


def test_remote_engine_disk_is_unknown(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    info = sample_json("docker/api-info.linux-engine-20.10.json")
    found = resources(seeded(host, info, "tcp://build-box:2376"))
    assert found["disk-unknown"].status is Status.INFO
    assert "another machine" in found["disk-unknown"].summary
    assert "enough" in found


def test_desktop_on_a_mac_is_told_to_use_settings(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).platform("macos").host()
    info = dict(info_from_text(sample_text("docker/docker-info.docker-desktop-wsl2-windows.txt")))
    info["KernelVersion"] = "6.10.14-linuxkit"
    info["MemTotal"] = 4 * GiB  # Docker Desktop for Mac's VM, given 4 GiB in its settings
    bad = resources(seeded(host, info))["too-little-memory"]
    assert "Docker Desktop > Settings > Resources" in bad.detail


@pytest.mark.docker
def test_real_engine_against_the_policy(docker_engine: Engine, tmp_path: Path) -> None:
    repo = policy_repo(tmp_path, '[docker]\nmemory = "4096GB"\ndisk_free = "100000GB"\n')
    host = Scenario(tmp_path, system=False).docker(docker_engine).host(repo=repo)
    found = resources(host)
    assert found["too-little-memory"].status is Status.FAIL
    facts = dict(found["too-little-memory"].evidence)
    assert facts["needed"] == "4 TiB (.devdoctor.toml [docker] memory)"
    assert found["low-disk"].status is Status.FAIL
    assert "enough" not in found


@pytest.mark.docker
def test_real_engine_enough(docker_engine: Engine, tmp_path: Path) -> None:
    repo = policy_repo(tmp_path, '[docker]\nmemory = "1GB"\ndisk_free = "1GB"\n')
    host = Scenario(tmp_path, system=False).docker(docker_engine).host(repo=repo)
    found = resources(host)
    assert list(found) == ["enough"]
    assert "DockerRootDir" in dict(found["enough"].evidence)["engine data"]


# -- docker-desktop, from real settings files --------------------------------------------------------


def wsl_listing(default: str) -> str:
    """The real `wsl -l -v` output (from the samples) whose starred distro is `default`."""
    for block in sample_text("docker/wsl-l-v.observed-outputs.txt").split("# --- ")[1:]:
        lines = [ln for ln in block.splitlines()[1:] if ln.strip()]
        if any(ln.startswith("* ") and ln.split()[1] == default for ln in lines):
            return "\r\n".join(lines) + "\r\n"
    raise AssertionError(f"no sample has {default} as the default distro")


def wsl_desktop(
    tmp_path: Path, settings: bytes | None, distro: str = "Ubuntu-22.04", default: str | None = None
) -> Host:
    """WSL with Docker Desktop on Windows; `default` makes a wsl.exe stand-in (UTF-16LE)."""
    scene = Scenario(tmp_path, system=False, WSL_DISTRO_NAME=distro).platform("wsl")
    if default is not None:  # UTF-16LE, as wsl.exe writes to a pipe
        scene.program("wsl.exe", Answer(wsl_listing(default).encode("utf-16-le")))
    host = scene.host()
    touch(host, DESKTOP_EXE)
    host.real("/mnt/c/Users/student").mkdir(parents=True, exist_ok=True)
    if settings is not None:
        touch(host, f"{APPDATA}/settings-store.json", settings)
    return host


def desktop(host: Host) -> dict[str, Finding]:
    return codes(list(DockerDesktop().run(host)))


def test_real_windows_settings_integrate_this_distro(tmp_path: Path) -> None:
    data = sample_text("docker/docker-desktop-settings-store.win.bitbot.json").encode()
    found = desktop(wsl_desktop(tmp_path, data, distro="Ubuntu-22.04"))
    assert found["integration-on"].summary == "Docker Desktop integrates with Ubuntu-22.04"
    assert found["settings"].status is Status.OK
    assert dict(found["settings"].evidence)["wslEngineEnabled"] == "not set (the default)"


def test_real_windows_settings_leave_another_distro_out(tmp_path: Path) -> None:
    data = sample_text("docker/docker-desktop-settings-store.win.bitbot.json").encode()
    found = desktop(wsl_desktop(tmp_path, data, distro="Debian", default="Ubuntu-22.04"))
    bad = found["integration-off"]
    assert bad.status is Status.FAIL
    assert 'WSL integration: turn on "Debian"' in bad.detail
    assert dict(bad.evidence)["default distro"] == "Ubuntu-22.04 (`wsl.exe -l -v`)"


def test_default_distro_is_integrated_by_default(tmp_path: Path) -> None:
    data = sample_text("docker/docker-desktop-settings-store.oliversantos573.json").encode()
    found = desktop(wsl_desktop(tmp_path, data, distro="Ubuntu", default="Ubuntu"))
    assert found["integration-on"].summary.endswith("your default WSL distro")


def test_unknown_default_distro_is_a_warning(tmp_path: Path) -> None:
    data = sample_text("docker/docker-desktop-settings-store.oliversantos573.json").encode()
    found = desktop(wsl_desktop(tmp_path, data, distro="Ubuntu"))  # no wsl.exe on PATH
    assert found["integration-unknown"].status is Status.WARN


def test_keys_are_compared_without_regard_to_case(tmp_path: Path) -> None:
    data = json.dumps(
        {"wslEngineEnabled": True, "integratedWslDistros": ["ubuntu"]}
    ).encode()  # the old camelCase file, a lower-case distro name
    found = desktop(wsl_desktop(tmp_path, data, distro="Ubuntu"))
    assert "integration-on" in found


def test_wsl_engine_off_cuts_wsl_off(tmp_path: Path) -> None:
    data = json.dumps({"WslEngineEnabled": False}).encode()
    bad = desktop(wsl_desktop(tmp_path, data))["wsl-engine-off"]
    assert bad.status is Status.FAIL
    assert "Use the WSL 2 based engine" in bad.detail


def test_windows_containers(tmp_path: Path) -> None:
    data = json.dumps({"useWindowsContainers": True}).encode()
    bad = desktop(wsl_desktop(tmp_path, data))["windows-containers"]
    assert "Switch to Linux containers" in bad.detail


def test_mac_template_is_not_json_until_filled(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).platform("macos").host()
    folder = "/home/student/Library/Group Containers/group.com.docker"
    template = sample_text("docker/docker-desktop-settings.mac-template-v15.json")
    touch(host, f"{folder}/settings.json", template.encode())
    bad = desktop(host)["unreadable"]
    assert bad.status is Status.WARN
    assert "not valid JSON (line 8, column 12" in bad.summary


def test_mac_settings_with_too_little_memory(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).platform("macos").host()
    text = sample_text("docker/docker-desktop-settings.mac-template-v15.json")
    text = text.replace("{{.Cpu}}", "1").replace("{{.DiskSizeInMb}}", "65536")
    text = text.replace("{{.MemoryInMb}}", "2048").replace("{{.HomeDir}}", "/Users/student")
    folder = "/home/student/Library/Group Containers/group.com.docker"
    touch(host, f"{folder}/settings.json", text.encode())
    found = desktop(host)
    assert found["too-little-memory"].summary == (
        "Docker Desktop gives its engine 2 GiB of memory; this course needs 8 GiB"
    )
    assert found["one-cpu"].status is Status.WARN
    assert "wsl-engine-off" not in found  # wslEngineEnabled means nothing on a Mac


def test_hyper_v_backend_on_windows_uses_desktop_limits(tmp_path: Path) -> None:
    host = (
        Scenario(
            tmp_path,
            system=False,
            USERPROFILE="C:\\Users\\student",
            APPDATA="C:\\Users\\student\\AppData\\Roaming",
        )
        .platform("windows")
        .host()
    )
    data = json.dumps({"wslEngineEnabled": False, "memoryMiB": 16384, "cpus": 4}).encode()
    touch(host, "C:\\Users\\student\\AppData\\Roaming\\Docker\\settings-store.json", data)
    found = desktop(host)
    assert found["hyper-v"].status is Status.INFO
    assert "too-little-memory" not in found
    assert found["settings"].status is Status.OK


def test_settings_store_wins_over_the_old_file(tmp_path: Path) -> None:
    host = wsl_desktop(tmp_path, json.dumps({"wslEngineEnabled": True}).encode())
    touch(host, f"{APPDATA}/settings.json", json.dumps({"wslEngineEnabled": False}).encode())
    assert "wsl-engine-off" not in desktop(host)


def test_unreadable_settings_file(tmp_path: Path) -> None:
    host = wsl_desktop(tmp_path, None)
    host.real(f"{APPDATA}/settings-store.json").mkdir(parents=True)  # not a file at all
    bad = desktop(host)["unreadable"]
    assert bad.summary.startswith("Docker Desktop's settings file is unreadable: cannot read it")


def test_no_settings_file_yet(tmp_path: Path) -> None:
    found = desktop(wsl_desktop(tmp_path, None))
    assert found["no-settings"].status is Status.WARN


def test_no_docker_desktop_on_wsl_is_fine_with_an_engine_inside(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, WSL_DISTRO_NAME="Ubuntu").platform("wsl").host()
    host.real("/mnt/c/Users/student").mkdir(parents=True)
    found = desktop(host)
    assert found["not-installed"].status is Status.INFO


def test_linux_without_docker_desktop_is_skipped(tmp_path: Path) -> None:
    assert DockerDesktop().skip_reason(Scenario(tmp_path, system=False).host()) == (
        "Docker Desktop is not installed here (no ~/.docker/desktop)"
    )


def test_the_user_and_their_groups_come_from_the_process_when_the_environment_is_silent(
    tmp_path: Path,
) -> None:
    import pwd

    host = Scenario(tmp_path, system=False, USER="", LOGNAME="").host()
    assert current_user(host) == pwd.getpwuid(os.getuid()).pw_name
    assert process_groups(host) == {os.getegid(), *os.getgroups()}
    assert current_user(Scenario(tmp_path, system=False, USER="student").host()) == "student"
