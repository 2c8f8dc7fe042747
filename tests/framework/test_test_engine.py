"""Smoke tests of the private Docker Engine the test session starts (tests/engine.py)."""

from __future__ import annotations

import io
import tarfile
import uuid

import pytest

from tests.engine import Engine

pytestmark = pytest.mark.docker


def test_tiny_image_runs_busybox_sh_and_bash(docker_engine: Engine) -> None:
    result = docker_engine.docker(
        "run", "--rm", "--network", "none", docker_engine.tiny_image,
        "sh", "-c", 'echo hi; bash -c "[[ 1 == 1 ]] && echo bash-ok"',
    )  # fmt: skip
    assert result.stdout.decode().splitlines() == ["hi", "bash-ok"]


def test_tiny_image_knows_vscode_user(docker_engine: Engine) -> None:
    result = docker_engine.docker(
        "run", "--rm", "--network", "none", "--user", "vscode", docker_engine.tiny_image,
        "/usr/bin/env", "sh", "-c", 'id -un; echo "$HOME"; touch "$HOME/ok" && ls "$HOME"',
    )  # fmt: skip
    assert result.stdout.decode().splitlines() == ["vscode", "/home/vscode", "ok"]


def test_volume_is_read_through_a_never_started_container(docker_engine: Engine) -> None:
    import docker

    volume = f"ddk-smoke-{uuid.uuid4().hex[:12]}"
    docker_engine.docker("volume", "create", volume)
    client = docker.DockerClient(base_url=docker_engine.base_url, version="1.41", timeout=10)
    try:
        docker_engine.docker(
            "run", "--rm", "--network", "none", "-v", f"{volume}:/home/vscode",
            "--env", "HOME=/home/vscode", docker_engine.tiny_image,
            "sh", "-c", "mkdir -p ~/.local && echo 'from a volume' > ~/.local/note",
        )  # fmt: skip
        container = client.containers.create(
            docker_engine.empty_image,
            command=["/never-started"],
            volumes={volume: {"bind": "/home/vscode", "mode": "ro"}},
            network_mode="none",
        )
        try:
            stream, stat = container.get_archive("/home/vscode")
            archive = b"".join(stream)
            container.reload()
            assert container.status == "created"
        finally:
            container.remove(force=True)
    finally:
        client.close()
        docker_engine.docker("volume", "rm", "--force", volume, check=False)

    assert stat["name"] == "vscode"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert {"vscode", "vscode/.local", "vscode/.local/note"} <= set(tar.getnames())
        note = tar.extractfile("vscode/.local/note")
        assert note is not None
        assert note.read() == b"from a volume\n"
    listed = docker_engine.docker("volume", "ls", "--quiet").stdout.decode().split()
    assert volume not in listed
