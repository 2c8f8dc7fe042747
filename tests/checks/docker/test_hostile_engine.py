"""An engine that answers GET /_ping and then misbehaves must end in a finding, in bounded time
and memory: an endless body, a drip of bytes, garbage, a hang. Real sockets serve each; the
check runs in a separate process, whose peak memory (ru_maxrss) is compared before and after."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devdoctor.checks.docker.api import ANSWER_LIMIT, CLIENT_TIMEOUT, Api, ApiError, Target
from devdoctor.checks.docker.endpoint import Endpoint
from devdoctor.checks.docker.engine import API_CAP, engine
from devdoctor.checks.docker.home_volume import HomeVolume
from devdoctor.checks.docker.probe import PING_LIMIT, PROBE_TIMEOUT, ProbeState, probe

from tests.scenario import Scenario
from tests.scenario.sockets import (
    PING_ANSWER,
    Behaviour,
    answer_with,
    drip,
    endless_body,
    garbage,
    hang,
    scripted_engine,
    short_dir,
)

GUARD = 30.0
"""Seconds after which a run counts as hung (a guard only: the deadlines are far shorter)."""
INFO = "GET /v1.41/info"

RUN_DAEMON = r"""
import json, resource, sys
from pathlib import Path
from devdoctor.host import Host
from devdoctor.checks.docker.docker_daemon import DockerDaemon

root = Path(sys.argv[1])
env = {"PATH": "", "HOME": "/home/student", "DEVDOCTOR_PLATFORM": "linux",
       "DEVDOCTOR_NO_PLUGINS": "1", "DOCKER_HOST": "unix://" + sys.argv[2]}
host = Host(root=root, state_dir=root / "state", env=env, repo_root=None)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
found = list(DockerDaemon().run(host))
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"findings": [[f.code, f.summary, f.detail] for f in found],
                  "grew_kib": grew, "docker": "docker" in sys.modules}))
"""
"""docker-daemon in a fresh process; prints its findings and how much its peak memory grew."""


@pytest.fixture
def folder() -> Iterator[Path]:
    """A short folder for the socket (sun_path is 108 bytes), removed afterwards."""
    made = short_dir()
    yield made
    shutil.rmtree(made)


def run_daemon(tmp: Path, sock: Path) -> dict[str, Any]:
    """docker-daemon's findings against the socket, from a separate process."""
    (tmp / "root").mkdir(exist_ok=True)
    # Through sh, which forks Python: a child execed straight from this (large) process would
    # start with this process's peak as its own ru_maxrss, and hide any growth below it.
    done = subprocess.run(
        [
            "/bin/sh",
            "-c",
            '"$@"; exit $?',
            "sh",
            sys.executable,
            "-c",
            RUN_DAEMON,
            str(tmp / "root"),
            str(sock),
        ],
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def peak_bound_kib(limit: int) -> int:
    """Room for one capped answer, read once and copied once, and 8 MiB for everything else."""
    return (2 * limit + 8 * 1024 * 1024) // 1024


@pytest.mark.parametrize(
    ("behaviour", "says"),
    [
        (endless_body, f"{INFO}: the answer goes on past the 8 MiB devdoctor reads"),
        (drip, f"{INFO}: no complete answer within {CLIENT_TIMEOUT:g} s"),
        (garbage, f"{INFO}: the answer is not HTTP: "),
        (hang, f"{INFO}: no complete answer within {CLIENT_TIMEOUT:g} s"),
    ],
    ids=["endless-body", "drip", "garbage", "hang"],
)
def test_engine_misbehaving_after_the_ping_is_an_api_error(
    tmp_path: Path, folder: Path, behaviour: Behaviour, says: str
) -> None:
    sock = folder / "docker.sock"
    with scripted_engine(sock, behaviour):
        ran = run_daemon(tmp_path, sock)
    ((code, summary, detail),) = ran["findings"]
    assert code == "docker-daemon/api-error"
    assert summary.startswith(f"Docker answers, but refused devdoctor's questions: {says}")
    assert "Run `docker info`" in detail
    assert ran["grew_kib"] < peak_bound_kib(ANSWER_LIMIT), ran["grew_kib"]
    if behaviour is endless_body:  # the measurement does see the capped read itself
        assert ran["grew_kib"] >= ANSWER_LIMIT // 1024 // 2, ran["grew_kib"]
    assert not ran["docker"]  # the docker SDK is never needed to find this out


@pytest.mark.parametrize(
    ("behaviour", "says"),
    [
        (
            endless_body,
            "answered GET /_ping, but the answer goes on past the 64 KiB devdoctor reads",
        ),
        (drip, f"did not answer GET /_ping within {PROBE_TIMEOUT:g} s"),
        (garbage, "answered something that is not HTTP: "),
        (hang, f"did not answer GET /_ping within {PROBE_TIMEOUT:g} s"),
    ],
    ids=["endless-body", "drip", "garbage", "hang"],
)
def test_engine_misbehaving_on_the_ping_is_not_answering(
    tmp_path: Path, folder: Path, behaviour: Behaviour, says: str
) -> None:
    sock = folder / "docker.sock"
    with scripted_engine(sock, hang, ping=behaviour):
        ran = run_daemon(tmp_path, sock)
    ((code, _summary, detail),) = ran["findings"]
    assert code == "docker-daemon/not-answering"
    assert says in detail
    assert ran["grew_kib"] < peak_bound_kib(PING_LIMIT), ran["grew_kib"]


def test_a_declared_length_over_the_cap_is_refused_before_reading(folder: Path) -> None:
    sock = folder / "docker.sock"
    huge = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n{"
    with scripted_engine(sock, answer_with(huge)), pytest.raises(ApiError) as raised:
        Api(Target(unix=str(sock)), "1.41", CLIENT_TIMEOUT).info()
    assert str(raised.value) == (
        f"{INFO}: the answer is 99999999999 bytes, more than the 8 MiB devdoctor reads"
    )


def test_too_many_headers_on_the_ping_is_broken(tmp_path: Path, folder: Path) -> None:
    sock = folder / "docker.sock"
    flood = b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"Content-Length: 2\r\n\r\nOK"
    with scripted_engine(sock, hang, ping=answer_with(flood)):
        found = probe(Scenario(tmp_path, system=False).host(), Endpoint(f"unix://{sock}", "test", live=True))
    assert found.state is ProbeState.BROKEN
    assert "not valid HTTP (got more than 100 headers)" in found.detail


def test_info_that_is_not_json_is_an_error(tmp_path: Path, folder: Path) -> None:
    sock = folder / "docker.sock"
    text = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!"
    with scripted_engine(sock, answer_with(text)):
        state = engine(Scenario(tmp_path, system=False, DOCKER_HOST=f"unix://{sock}").host())
    assert not state.answers
    assert state.error == "GET /info: the answer is not JSON"


def test_an_engine_that_refuses_the_capped_version_is_asked_at_its_own(
    tmp_path: Path, folder: Path
) -> None:
    # Docker 20.10 behind a proxy that claims a newer API: the error names the version to use.
    asked: list[str] = []

    def versioned(conn: socket.socket, line: str, stop: threading.Event) -> None:
        asked.append(line)
        if f"/v{API_CAP}/" in line:
            message = (
                b'{"message":"client version 1.45 is too new. '
                b'Maximum supported API version is 1.41"}'
            )
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n" % len(message))
            conn.sendall(message)
        else:
            body = b'{"ServerVersion": "20.10.24", "OperatingSystem": "Debian"}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    newer = PING_ANSWER.replace(b"Api-Version: 1.41", b"Api-Version: 1.52")
    with scripted_engine(folder / "docker.sock", versioned, ping=answer_with(newer)):
        host = Scenario(tmp_path, system=False, DOCKER_HOST=f"unix://{folder}/docker.sock").host()
        state = engine(host)
    assert state.answers, state.error
    assert state.api_version == "1.41"
    assert [line.split()[1] for line in asked] == [f"/v{API_CAP}/info", "/v1.41/info"]


def test_the_scripted_engine_reads_whole_requests(folder: Path) -> None:
    # The helper the tests above stand on: a request head is read before answering.
    sock = folder / "docker.sock"
    seen: list[str] = []

    def note(conn: socket.socket, line: str, stop: threading.Event) -> None:
        seen.append(line)
        conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")

    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with scripted_engine(sock, note), client:
        client.settimeout(GUARD)
        client.connect(str(sock))
        client.sendall(b"GET /v1.41/volumes HTTP/1.1\r\nHost: docker\r\n\r\n")
        assert client.recv(100).startswith(b"HTTP/1.1 204")
    assert seen == ["GET /v1.41/volumes HTTP/1.1"]


def test_home_volume_questions_are_bounded_too(tmp_path: Path, folder: Path) -> None:
    # /info answers; the list of containers then never ends: a finding, not a stuck check.
    info = b'{"ServerVersion": "20.10.24", "OperatingSystem": "Debian"}'

    def containers_endless(conn: socket.socket, line: str, stop: threading.Event) -> None:
        if "/info " in line:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(info), info))
        else:
            endless_body(conn, line, stop)

    repo = tmp_path / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text('{"image": "python:3.11"}')
    with scripted_engine(folder / "docker.sock", containers_endless):
        env = {"DOCKER_HOST": f"unix://{folder}/docker.sock"}
        found = list(HomeVolume().run(Scenario(tmp_path, system=False, **env).host(repo=repo)))
    (finding,) = found
    assert finding.code == "home-volume/unreadable"
    assert finding.summary.startswith(
        "the Docker engine stopped answering devdoctor's questions: GET /v1.41/containers/json"
    )
    assert finding.summary.endswith("the answer goes on past the 8 MiB devdoctor reads")
