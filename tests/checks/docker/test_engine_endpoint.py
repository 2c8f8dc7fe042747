"""Finding the Docker endpoint in the docker CLI's order, and probing it with a real socket."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from devdoctor.checks.docker.api import ApiError
from devdoctor.checks.docker.client import SdkApi, client, make_client
from devdoctor.checks.docker.endpoint import Endpoint, context_id, endpoints, normalise_host
from devdoctor.checks.docker.engine import API_CAP, api_version_for, engine
from devdoctor.checks.docker.probe import PROBE_TIMEOUT, ProbeState, probe

from tests import TESTS
from tests.engine import Engine
from tests.scenario import Scenario
from tests.scenario.sockets import (
    answer_with,
    answering_socket,
    as_nobody,
    scripted_engine,
    short_dir,
    stale_socket,
    tcp_proxy,
    wedged_socket,
)

CONFIG = "/home/student/.docker"


def write_context(root: Path, name: str, host_url: str, *, skip_tls: bool = False) -> Path:
    """A context as `docker context create` stores it."""
    meta = root / CONFIG.lstrip("/") / "contexts/meta" / context_id(name) / "meta.json"
    meta.parent.mkdir(parents=True)
    endpoint = {"Host": host_url, "SkipTLSVerify": skip_tls}
    meta.write_text(
        json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}}),
        encoding="utf-8",
    )
    return meta


def write_config(root: Path, data: object) -> None:
    path = root / CONFIG.lstrip("/") / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")


# -- the order ------------------------------------------------------------------------------------


def test_context_folder_name_is_the_sha256_the_docker_sdk_uses() -> None:
    from docker.context.config import get_context_id

    assert context_id("desktop-linux") == get_context_id("desktop-linux")


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("unix:///var/run/docker.sock", "unix:///var/run/docker.sock"),
        ("unix://", "unix:///var/run/docker.sock"),
        ("tcp://10.0.0.5:2376", "tcp://10.0.0.5:2376"),
        ("10.0.0.5:2375", "tcp://10.0.0.5:2375"),
        ("http://localhost:2375", "tcp://localhost:2375"),
        ("npipe:////./pipe/docker_engine", "npipe:////./pipe/docker_engine"),
        ("ssh://me@build-box", "ssh://me@build-box"),
    ],
)
def test_docker_host_is_read_as_the_cli_reads_it(given: str, url: str) -> None:
    assert normalise_host(given) == url


def test_docker_host_wins_over_docker_context_as_in_the_cli(tmp_path: Path) -> None:
    # docker/cli resolveContextName: a non-empty DOCKER_HOST selects the default context.
    host = Scenario(tmp_path, system=False, DOCKER_HOST="unix:///run/x.sock", DOCKER_CONTEXT="remote").host()
    (found,) = endpoints(host)
    assert found.url == "unix:///run/x.sock"
    assert found.why == "DOCKER_HOST"
    assert found.live
    assert any("DOCKER_CONTEXT=remote is ignored" in note for note in found.notes)


def test_docker_context_names_the_context(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_CONTEXT="course").host()
    write_context(host.root or tmp_path, "course", "unix:///run/course.sock")
    write_config(host.root or tmp_path, {"currentContext": "other"})
    (found,) = endpoints(host)
    assert found.url == "unix:///run/course.sock"
    assert found.context == "course"
    assert "DOCKER_CONTEXT=course" in found.why


def test_current_context_from_config_json(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    root = host.root or tmp_path
    write_context(root, "desktop-linux", "unix:///home/student/.docker/desktop/docker.sock")
    write_config(root, {"auths": {}, "currentContext": "desktop-linux"})
    (found,) = endpoints(host)
    assert found.url == "unix:///home/student/.docker/desktop/docker.sock"
    assert found.why == (
        'context "desktop-linux" (the current context in /home/student/.docker/config.json)'
    )


def test_docker_config_moves_the_whole_folder(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_CONFIG="/etc/dockercfg").host()
    root = host.root or tmp_path
    meta = root / "etc/dockercfg/contexts/meta" / context_id("lab") / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(
        json.dumps({"Name": "lab", "Endpoints": {"docker": {"Host": "tcp://lab:2375"}}})
    )
    (root / "etc/dockercfg/config.json").write_text('{"currentContext": "lab"}')
    (found,) = endpoints(host)
    assert found.url == "tcp://lab:2375"


def test_missing_context_is_a_problem_not_a_silent_fallback(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_CONTEXT="gone").host()
    (found,) = endpoints(host)
    assert found.problem == 'there is no context "gone"'
    assert found.notes == (f"no {CONFIG}/contexts/meta/{context_id('gone')}/meta.json",)


def test_context_without_a_docker_endpoint_is_a_problem(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_CONTEXT="k8s").host()
    meta = (host.root or tmp_path) / CONFIG.lstrip("/") / "contexts/meta" / context_id("k8s")
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text('{"Name": "k8s", "Endpoints": {}}')
    (found,) = endpoints(host)
    assert found.problem == (
        f'context "k8s" has no docker endpoint in {CONFIG}/contexts/meta/{context_id("k8s")}'
        "/meta.json"
    )


def test_broken_config_json_falls_back_to_the_defaults_with_a_note(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    write_config(host.root or tmp_path, '{"currentContext": ')
    found = endpoints(host)
    assert found[0].url == "unix:///var/run/docker.sock"
    assert "not valid JSON" in found[0].notes[0]


def test_default_context_name_means_the_platform_defaults(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_CONTEXT="default").host()
    assert endpoints(host)[0].url == "unix:///var/run/docker.sock"


@pytest.mark.parametrize(
    ("platform", "urls"),
    [
        (
            "linux",
            ["unix:///var/run/docker.sock", "unix:///home/student/.docker/desktop/docker.sock"],
        ),
        (
            "macos",
            ["unix:///home/student/.docker/run/docker.sock", "unix:///var/run/docker.sock"],
        ),
        (
            "windows",
            ["npipe:////./pipe/dockerDesktopLinuxEngine", "npipe:////./pipe/docker_engine"],
        ),
        ("wsl", ["unix:///var/run/docker.sock"]),
    ],
)
def test_platform_defaults_in_order(tmp_path: Path, platform: str, urls: list[str]) -> None:
    env = {"USERPROFILE": "C:\\Users\\student"} if platform == "windows" else {}
    host = Scenario(tmp_path, system=False, **env).platform(platform).host()
    found = endpoints(host)
    assert [ep.url for ep in found] == urls
    cli = [ep.url for ep in found if ep.cli_default]
    assert cli in (["unix:///var/run/docker.sock"], ["npipe:////./pipe/docker_engine"])


def test_the_cli_names_the_same_default_socket() -> None:
    stderr = (TESTS / "samples/docker/no-daemon.stderr").read_text()
    assert "unix:///var/run/docker.sock" in stderr
    assert Endpoint("unix:///var/run/docker.sock", "").address == "/var/run/docker.sock"


def test_context_tls_files_are_found(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False, DOCKER_CONTEXT="secure").host()
    root = host.root or tmp_path
    write_context(root, "secure", "tcp://build:2376")
    tls = root / CONFIG.lstrip("/") / "contexts/tls" / context_id("secure") / "docker"
    tls.mkdir(parents=True)
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tls / name).write_text("-----BEGIN-----\n")
    (found,) = endpoints(host)
    assert found.tls is not None
    assert found.tls.verify
    assert found.tls.key is not None and found.tls.key.endswith("/docker/key.pem")


@pytest.mark.parametrize(
    ("offered", "asked"), [("1.52", API_CAP), ("1.41", "1.41"), (None, "1.41"), ("x", "1.41")]
)
def test_api_version_is_the_engines_own_capped(offered: str | None, asked: str) -> None:
    # Docker 29 refuses API < 1.44, Docker 20.10 knows only up to 1.41: no single pin fits both.
    assert api_version_for(offered) == asked


# -- the probe, with real sockets -----------------------------------------------------------------


def unix(path: Path) -> Endpoint:
    return Endpoint(f"unix://{path}", "test", live=True)


def test_no_socket_file(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    result = probe(host, unix(tmp_path / "none.sock"))
    assert result.state is ProbeState.MISSING


def test_socket_left_behind_refuses(tmp_path: Path) -> None:
    path = short_dir() / "docker.sock"
    try:
        stale_socket(path)
        result = probe(Scenario(tmp_path, system=False).host(), unix(path))
    finally:
        shutil.rmtree(path.parent)
    assert result.state is ProbeState.REFUSED
    assert "nothing listens" in result.detail


def test_a_folder_where_the_socket_should_be(tmp_path: Path) -> None:
    (tmp_path / "docker.sock").mkdir()
    result = probe(Scenario(tmp_path, system=False).host(), unix(tmp_path / "docker.sock"))
    assert result.state is ProbeState.REFUSED
    assert "is a folder, not a socket" in result.detail


def test_wedged_socket_is_reported_within_the_deadline(tmp_path: Path) -> None:
    path = short_dir() / "docker.sock"
    try:
        with wedged_socket(path) as held:
            start = time.monotonic()
            result = probe(Scenario(tmp_path, system=False).host(), unix(path))
            took = time.monotonic() - start
            assert held  # the server really accepted the connection
    finally:
        shutil.rmtree(path.parent)
    assert result.state is ProbeState.SILENT
    assert PROBE_TIMEOUT - 0.1 <= took < PROBE_TIMEOUT + 1.0
    assert "did not answer GET /_ping within 2 s" in result.detail


def test_socket_that_answers_an_error(tmp_path: Path) -> None:
    path = short_dir() / "docker.sock"
    answer = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 19\r\n\r\nengine is starting\n"
    try:
        with answering_socket(path, answer):
            result = probe(Scenario(tmp_path, system=False).host(), unix(path))
    finally:
        shutil.rmtree(path.parent)
    assert result.state is ProbeState.BROKEN
    assert result.status == 500
    assert "engine is starting" in result.detail


def test_socket_that_closes_without_a_word(tmp_path: Path) -> None:
    path = short_dir() / "docker.sock"
    try:
        with answering_socket(path, b""):
            result = probe(Scenario(tmp_path, system=False).host(), unix(path))
    finally:
        shutil.rmtree(path.parent)
    assert result.state is ProbeState.BROKEN
    assert "closed it without answering" in result.detail


def _forbidden_socket(folder: Path) -> tuple[Path, socket.socket]:
    path = folder / "docker.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    path.chmod(0o660 if sys.platform != "win32" else 0o600)
    return path, server


def test_socket_this_user_may_not_open(tmp_path: Path) -> None:
    folder = short_dir()
    path, server = _forbidden_socket(folder)
    host = Scenario(folder, system=False).host()
    try:
        result = as_nobody(lambda: probe(host, unix(path)))
    finally:
        server.close()
        shutil.rmtree(folder)
    assert result.state is ProbeState.DENIED
    assert result.socket_group == 0


def test_tcp_port_nobody_listens_on(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        result = probe(Scenario(tmp_path, system=False).host(), Endpoint(f"tcp://127.0.0.1:{port}", "test"))
    assert result.state is ProbeState.REFUSED


def test_ssh_endpoints_are_not_probed(tmp_path: Path) -> None:
    result = probe(Scenario(tmp_path, system=False).host(), Endpoint("ssh://me@box", "test"))
    assert result.state is ProbeState.UNPROBED


def test_windows_pipe_is_not_probed_from_elsewhere(tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).platform("windows").host()
    result = probe(host, Endpoint("npipe:////./pipe/docker_engine", "test"))
    assert result.state is ProbeState.UNPROBED
    assert "\\\\.\\pipe\\docker_engine" in result.detail


def test_docker_is_not_imported_when_nothing_answers(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from devdoctor.host import Host\n"
        "from devdoctor.checks.docker.docker_daemon import DockerDaemon\n"
        f"host = Host(root=Path({str(tmp_path)!r}), state_dir=Path({str(tmp_path)!r}) / 's',\n"
        "    env={'PATH': '', 'HOME': '/h', 'DEVDOCTOR_PLATFORM': 'linux'})\n"
        "print([f.code for f in DockerDaemon().run(host)], 'docker' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "['docker-daemon/not-installed'] False", done.stderr


# -- the real engine -------------------------------------------------------------------------------


@pytest.mark.docker
def test_real_engine_answers_the_ping_with_its_api_version(
    docker_engine: Engine, tmp_path: Path
) -> None:
    result = probe(Scenario(tmp_path, system=False).host(), unix(docker_engine.socket))
    assert result.state is ProbeState.ANSWERS
    assert result.api_version is not None and result.api_version.count(".") == 1
    assert result.seconds < 1.0


@pytest.mark.docker
def test_one_probe_one_client_one_info_per_run(docker_engine: Engine, tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).docker(docker_engine).host()
    first = engine(host)
    assert first.answers
    assert engine(host) is first  # shared: a second asker gets the same answer
    assert first.info is not None and first.info["ServerVersion"]
    assert first.api_version == api_version_for(first.probe.api_version)
    assert first.api is not None and first.api.version == first.api_version
    sdk = client(host)  # the docker SDK's client, for archives and containers, at that version
    assert sdk is client(host)
    assert sdk.api.api_version == first.api_version


@pytest.mark.docker
def test_docker_host_socket_is_live_even_under_root(docker_engine: Engine, tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).docker(docker_engine).host()
    assert host.root is not None
    assert engine(host).probe.path == str(docker_engine.socket)


@pytest.mark.docker
def test_context_socket_is_looked_for_under_root(docker_engine: Engine, tmp_path: Path) -> None:
    host = Scenario(tmp_path, system=False).host()
    root = host.root or tmp_path
    write_context(root, "course", "unix:///run/course/docker.sock")
    write_config(root, {"currentContext": "course"})
    (root / "run/course").mkdir(parents=True)
    (root / "run/course/docker.sock").symlink_to(docker_engine.socket)
    state = engine(host)
    assert state.answers
    assert state.endpoint.context == "course"


@pytest.mark.docker
def test_real_engine_over_tcp(docker_engine: Engine, tmp_path: Path) -> None:
    with tcp_proxy(docker_engine.socket) as port:
        host = Scenario(tmp_path, system=False, DOCKER_HOST=f"tcp://127.0.0.1:{port}").host()
        state = engine(host)
        assert state.probe.state is ProbeState.ANSWERS
        assert state.answers, state.error
        assert state.info is not None and state.info["ServerVersion"]


@pytest.mark.docker
def test_the_sdk_asks_the_same_questions_where_http_client_cannot(
    docker_engine: Engine, tmp_path: Path
) -> None:
    # TLS endpoints and Windows pipes are asked through the docker SDK: same answers, same errors.
    host = Scenario(tmp_path, system=False).docker(docker_engine).host()
    state = engine(host)
    assert state.api is not None and state.api_version is not None
    sdk = SdkApi(make_client(host, state.endpoint, state.api_version), state.api_version)
    try:
        assert sdk.info()["ID"] == state.api.info()["ID"]
        assert sdk.volumes() == state.api.volumes()
        label = {"label": "devcontainer.local_folder"}
        assert sdk.containers(label) == state.api.containers(label)
        assert sdk.inspect_volume("devdoctor-no-such-volume") is None
        assert state.api.inspect_volume("devdoctor-no-such-volume") is None
        tiny = state.api.inspect_image(docker_engine.tiny_image)
        assert tiny is not None and sdk.inspect_image(docker_engine.tiny_image) == tiny
        with pytest.raises(ApiError) as raised:
            sdk.get_json("/no-such-endpoint")
        assert raised.value.status == 404
    finally:
        sdk.close()


def test_a_socket_path_longer_than_connect_takes_is_reached_through_proc(tmp_path: Path) -> None:
    # A deep --root tree: sun_path holds 107 bytes, so the folder is opened and named by fd.
    folder = short_dir()
    info = b'{"ServerVersion": "20.10.24", "OperatingSystem": "Debian"}'
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(info), info)
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    (deep / "docker.sock").symlink_to(folder / "docker.sock")
    assert len(str(deep / "docker.sock").encode()) > 107
    try:
        with scripted_engine(folder / "docker.sock", answer_with(answer)):
            host = Scenario(tmp_path, system=False, DOCKER_HOST=f"unix://{deep}/docker.sock").host()
            state = engine(host)
    finally:
        shutil.rmtree(folder)
    assert state.probe.state is ProbeState.ANSWERS
    assert state.info == {"ServerVersion": "20.10.24", "OperatingSystem": "Debian"}
