"""home-volume against real volumes and containers of the test session's Docker Engine."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from devdoctor.checks.docker.home_volume import HomeVolume
from devdoctor.checks.docker.volumes import EMPTY_IMAGE, READER_LABEL, ResetVolume
from devdoctor.fixes import Consent, Outcome, apply_fix
from devdoctor.host import Host
from devdoctor.journal import entries
from devdoctor.model import Finding, Status
from devdoctor.undo import undo_entry

from tests.engine import Engine
from tests.scenario import Scenario

pytestmark = pytest.mark.docker

STAMP = ".local/.course-installed"
POLICY_STAMP = f'[volume]\nstamp = "{STAMP}"\n'


class Made:
    """Names of what a test made on the shared engine, removed afterwards."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.volumes: list[str] = []
        self.containers: list[str] = []
        self.images: list[str] = []

    def volume(self, prefix: str = "home") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.volumes.append(name)
        return name

    def cleanup(self) -> None:
        docker = self.engine.docker
        if self.containers:
            docker("rm", "--force", *self.containers, check=False)
        for volume in self.volumes:
            docker("volume", "rm", "--force", volume, check=False)
        for image in self.images:
            docker("rmi", "--force", image, check=False)


@pytest.fixture
def made(docker_engine: Engine) -> Iterator[Made]:
    things = Made(docker_engine)
    yield things
    things.cleanup()


def course(tmp: Path, config: dict[str, object], policy: str = "") -> Path:
    repo = tmp / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text(
        "// the course's container\n" + json.dumps(config, indent=2), encoding="utf-8"
    )
    if policy:
        (repo / ".devdoctor.toml").write_text(policy, encoding="utf-8")
    return repo


def mount(volume: str, target: str = "/home/vscode") -> str:
    return f"source={volume},target={target},type=volume"


def fill(engine: Engine, volume: str, *, python: str = "3.11", stamp: bool = True) -> None:
    """Install like a course's script would: packages into ~/.local, the stamp file last."""
    script = (
        f"mkdir -p ~/.local/lib/python{python}/site-packages && "
        f"echo 'VALUE = 42' > ~/.local/lib/python{python}/site-packages/pkg.py"
        + (f" && touch ~/{STAMP}" if stamp else "")
    )
    engine.docker(
        "run", "--rm", "--network", "none", "--user", "vscode", "--env", "HOME=/home/vscode",
        "-v", f"{volume}:/home/vscode", engine.tiny_image, "sh", "-c", script,
    )  # fmt: skip


def holder(
    engine: Engine, made: Made, volume: str, repo: Path, *, running: bool = False, at: str = ""
) -> str:
    """A container like the ones VS Code makes for the repository, stopped or running."""
    args = [
        "--network", "none", "--label", f"devcontainer.local_folder={repo}",
        "-v", f"{volume}:{at or '/home/vscode'}", engine.tiny_image,
    ]  # fmt: skip
    if running:
        out = engine.docker("run", "-d", *args, "sleep", "300").stdout
    else:
        out = engine.docker("create", *args, "true").stdout
    cid = out.decode().strip()
    made.containers.append(cid)
    return cid


def host_for(engine: Engine, tmp: Path, repo: Path | None) -> Host:
    return Scenario(tmp, system=False).docker(engine).host(repo=repo)


def check(host: Host) -> dict[str, Finding]:
    return {f.slug: f for f in HomeVolume().run(host)}


def volumes(engine: Engine) -> set[str]:
    return set(engine.docker("volume", "ls", "--quiet").stdout.decode().split())


def images(engine: Engine) -> set[str]:
    listed = engine.docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout
    return set(listed.decode().split())


# -- which volume ---------------------------------------------------------------------------------


def test_absent_volume_named_in_a_string_mount(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]})
    found = check(host_for(docker_engine, tmp_path, repo))
    absent = found["absent"]
    assert absent.status is Status.INFO
    assert absent.summary == (
        f"the home volume {name} does not exist yet: the first build installs everything "
        "again (minutes)"
    )
    assert dict(absent.evidence)["named by"] == "devcontainer.json mounts (/home/vscode)"
    assert name not in volumes(docker_engine)  # looking never creates it


def test_an_absent_volume_is_found_without_the_docker_sdk(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    # Read-only questions go over http.client; only a reader container needs the docker SDK.
    name = made.volume()
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]})
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from devdoctor import RunOptions\n"
        "from devdoctor.host import Host\n"
        "from devdoctor.checks.docker.home_volume import HomeVolume\n"
        f"host = Host(env={Scenario(tmp_path, rooted=False).docker(docker_engine).env!r},\n"
        f"    state_dir=Path({str(tmp_path / 'state')!r}), options=RunOptions(repo={str(repo)!r}))\n"
        "print([f.code for f in HomeVolume().run(host)], 'docker' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "['home-volume/absent'] False", done.stderr


def test_populated_volume_from_an_object_mount(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name)
    object_mount = {"source": name, "target": "/home/vscode", "type": "volume"}
    config = {"image": "python:3.11-slim", "remoteUser": "vscode", "mounts": [object_mount]}
    repo = course(tmp_path, config, POLICY_STAMP)
    before = images(docker_engine)
    found = check(host_for(docker_engine, tmp_path, repo))
    ok = found["populated"]
    assert ok.status is Status.OK
    assert ok.summary == f"volume {name} holds ~/.local for Python 3.11: rebuilds are fast"
    facts = dict(ok.evidence)
    assert facts["stamp"] == f"{STAMP}: present (empty: it records no variant or requirements)"
    assert facts["image's Python"] == "3.11 (the image's tag (python:3.11-slim))"
    assert images(docker_engine) - before <= {EMPTY_IMAGE}  # nothing pulled


def test_empty_volume(docker_engine: Engine, made: Made, tmp_path: Path) -> None:
    name = made.volume()
    docker_engine.docker("volume", "create", name)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]})
    empty = check(host_for(docker_engine, tmp_path, repo))["empty"]
    assert empty.summary.startswith(f"volume {name} has no ~/.local yet")


def test_policy_name_wins(docker_engine: Engine, made: Made, tmp_path: Path) -> None:
    name = made.volume("policy")
    fill(docker_engine, name)
    other = made.volume()
    repo = course(
        tmp_path, {"image": "python:3.11", "mounts": [mount(other)]}, f'[volume]\nname = "{name}"\n'
    )
    found = check(host_for(docker_engine, tmp_path, repo))
    assert found["populated"].subject == name
    assert dict(found["populated"].evidence)["named by"] == ".devdoctor.toml [volume] name"


def test_devcontainer_id_is_matched_through_the_repositorys_container(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    ours, theirs = made.volume("vscode-home"), made.volume("vscode-home")
    fill(docker_engine, ours)
    fill(docker_engine, theirs)
    config = {"image": "python:3.11", "mounts": [mount("vscode-home-${devcontainerId}")]}
    repo = course(tmp_path, config)
    found = check(host_for(docker_engine, tmp_path, repo))
    assert found["ambiguous"].status is Status.WARN  # two match, nothing says which
    assert ours in found["ambiguous"].detail and theirs in found["ambiguous"].detail

    holder(docker_engine, made, ours, repo)
    found = check(host_for(docker_engine, tmp_path / "again", repo))
    assert found["populated"].subject == ours
    assert found["in-use-stopped"].status is Status.INFO


def test_volume_known_only_from_the_container_vs_code_made(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name)
    repo = course(tmp_path, {"image": "python:3.11"})
    holder(docker_engine, made, name, repo)
    found = check(host_for(docker_engine, tmp_path, repo))
    assert found["populated"].subject == name
    facts = dict(found["populated"].evidence)
    assert facts["named by"] == "the container VS Code made for this repository"


def test_no_home_volume_at_all(docker_engine: Engine, tmp_path: Path) -> None:
    repo = course(tmp_path, {"image": "python:3.11"})
    assert check(host_for(docker_engine, tmp_path, repo))["none"].status is Status.INFO


def test_volume_mounted_at_dot_local(docker_engine: Engine, made: Made, tmp_path: Path) -> None:
    name = made.volume()
    docker_engine.docker(
        "run", "--rm", "--network", "none", "-v", f"{name}:/v", docker_engine.tiny_image,
        "sh", "-c", "mkdir -p /v/lib/python3.11/site-packages && touch /v/.course-installed",
    )  # fmt: skip
    config = {"image": "python:3.11", "mounts": [mount(name, "/home/vscode/.local")]}
    repo = course(tmp_path, config, POLICY_STAMP)
    found = check(host_for(docker_engine, tmp_path, repo))
    assert found["populated"].summary.startswith(f"volume {name} holds ~/.local for Python 3.11")
    assert dict(found["populated"].evidence)["stamp"].startswith(f"{STAMP}: present (empty")


# -- which state -----------------------------------------------------------------------------------


def test_half_installed_offers_a_destructive_fix(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name, stamp=False)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]}, POLICY_STAMP)
    cid = holder(docker_engine, made, name, repo)
    found = check(host_for(docker_engine, tmp_path, repo))
    half = found["half-installed"]
    assert half.status is Status.WARN
    assert half.summary == (
        f"volume {name} is half-installed: ~/.local exists but {STAMP} does not"
    )
    assert half.fix is not None and half.fix.destructive
    (change,) = half.fix.changes
    assert isinstance(change, ResetVolume)
    assert change.containers == (cid,)
    assert found["in-use-stopped"].summary.endswith(
        "1 stopped devcontainer container(s): " + (change.names[0])
    )


def test_stale_python_known_from_a_local_image(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    image = f"devdoctor-test/py312:{uuid.uuid4().hex[:8]}"
    made.images.append(image)
    docker_engine.docker(  # a local image with the official python images' ENV
        "import", "--change", "ENV PYTHON_VERSION=3.12.1", "-", image,
        input=_empty_tar(),
    )  # fmt: skip
    name = made.volume()
    fill(docker_engine, name, python="3.11")
    repo = course(tmp_path, {"image": image, "mounts": [mount(name)]}, POLICY_STAMP)
    stale = check(host_for(docker_engine, tmp_path, repo))["stale"]
    assert stale.summary == (
        f"volume {name} holds packages for Python 3.11; the image has Python 3.12"
    )
    assert dict(stale.evidence)["image's Python"] == (
        f"3.12 (PYTHON_VERSION in the local image {image})"
    )
    assert stale.fix is not None


def test_python_of_a_missing_image_is_unknown_and_nothing_is_pulled(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name)
    image = "registry.invalid/course/image:2024"
    repo = course(tmp_path, {"image": image, "mounts": [mount(name)]})
    before = images(docker_engine)
    ok = check(host_for(docker_engine, tmp_path, repo))["populated"]
    assert dict(ok.evidence)["image's Python"] == (
        f"unknown: {image} is not on this computer (devdoctor never pulls)"
    )
    assert image not in images(docker_engine)
    assert images(docker_engine) - before <= {EMPTY_IMAGE}


def test_python_from_the_dockerfile(docker_engine: Engine, made: Made, tmp_path: Path) -> None:
    name = made.volume()
    fill(docker_engine, name, python="3.10")
    repo = course(tmp_path, {"build": {"dockerfile": "Dockerfile"}, "mounts": [mount(name)]})
    (repo / ".devcontainer/Dockerfile").write_text(
        "FROM mcr.microsoft.com/devcontainers/python:1-3.12-bookworm AS base\nUSER vscode\n"
    )
    stale = check(host_for(docker_engine, tmp_path, repo))["stale"]
    assert "the image has Python 3.12" in stale.summary


def test_running_container_blocks_the_fix(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name, stamp=False)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]}, POLICY_STAMP)
    holder(docker_engine, made, name, repo, running=True)
    found = check(host_for(docker_engine, tmp_path, repo))
    assert found["in-use-running"].status is Status.INFO
    half = found["half-installed"]
    assert half.fix is None
    assert "First close the VS Code window attached to" in half.detail


def test_the_reader_is_never_started_and_leaves_nothing(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]})
    since = str(int(time.time()) - 1)
    check(host_for(docker_engine, tmp_path, repo))
    until = str(int(time.time()) + 1)
    events = docker_engine.docker(
        "events", "--since", since, "--until", until,
        "--filter", f"label={READER_LABEL}", "--format", "{{.Action}}",
    ).stdout.decode().split()  # fmt: skip
    assert "create" in events and "destroy" in events
    assert "start" not in events
    left = docker_engine.docker("ps", "-a", "--quiet", "--filter", f"label={READER_LABEL}")
    assert left.stdout.strip() == b""


# -- the fix and its undo ---------------------------------------------------------------------------


def fix(host: Host, finding: Finding, *, named: bool = True) -> tuple[Outcome, str]:
    assert finding.fix is not None
    said: list[str] = []
    result = apply_fix(
        finding.fix,
        finding,
        HomeVolume(),
        host,
        consent=Consent(yes=True, yes_destroy=True),
        named=named,
        say=said.append,
        ask=lambda question: None,
    )
    return result.outcome, result.message + "\n".join(said)


def undo(host: Host) -> tuple[Outcome, str]:
    (entry,) = entries(host.state_dir)
    result = undo_entry(
        entry, host, consent=Consent(yes=True), say=lambda s: None, ask=lambda q: None
    )
    return result.outcome, result.message


def test_fix_saves_then_removes_and_undo_restores(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name, stamp=False)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]}, POLICY_STAMP)
    cid = holder(docker_engine, made, name, repo)
    host = host_for(docker_engine, tmp_path, repo)
    outcome, said = fix(host, check(host)["half-installed"])
    assert outcome is Outcome.VERIFIED, said
    assert f"$ docker volume rm {name}" in said
    assert name not in volumes(docker_engine)
    assert docker_engine.docker("ps", "-a", "--quiet", "--no-trunc").stdout.decode().find(cid) < 0

    (entry,) = entries(host.state_dir)
    with tarfile.open(entry.folder / "volume.tar") as tar:
        names = set(tar.getnames())
        pkg = tar.extractfile("devdoctor-volume/.local/lib/python3.11/site-packages/pkg.py")
        assert pkg is not None and pkg.read() == b"VALUE = 42\n"
    assert "devdoctor-volume/.local" in names

    outcome, message = undo(host.fresh())
    assert outcome is Outcome.UNDONE, message
    shown = docker_engine.docker(
        "run", "--rm", "--network", "none", "-v", f"{name}:/home/vscode", docker_engine.tiny_image,
        "sh", "-c", "stat -c %u /home/vscode /home/vscode/.local/lib/python3.11/site-packages/pkg.py"
        " && cat /home/vscode/.local/lib/python3.11/site-packages/pkg.py",
    ).stdout.decode().split("\n")  # fmt: skip
    assert shown[:3] == ["1000", "1000", "VALUE = 42"]  # owners and bytes as they were


def test_destructive_fix_needs_its_name(docker_engine: Engine, made: Made, tmp_path: Path) -> None:
    name = made.volume()
    fill(docker_engine, name, stamp=False)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]}, POLICY_STAMP)
    host = host_for(docker_engine, tmp_path, repo)
    outcome, message = fix(host, check(host)["half-installed"], named=False)
    assert outcome is Outcome.REFUSED
    assert "devdoctor fix home-volume" in message
    assert name in volumes(docker_engine)


def test_fix_refuses_when_a_container_started_since_the_look(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name, stamp=False)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]}, POLICY_STAMP)
    host = host_for(docker_engine, tmp_path, repo)
    finding = check(host)["half-installed"]
    holder(docker_engine, made, name, repo, running=True)
    outcome, message = fix(host, finding)
    assert outcome is Outcome.REFUSED
    assert "is running and uses volume" in message
    assert name in volumes(docker_engine)
    assert entries(host.state_dir) == []  # refused before any backup


def test_undo_refuses_when_a_rebuild_made_the_volume_again(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    name = made.volume()
    fill(docker_engine, name, stamp=False)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]}, POLICY_STAMP)
    host = host_for(docker_engine, tmp_path, repo)
    outcome, said = fix(host, check(host)["half-installed"])
    assert outcome is Outcome.VERIFIED, said
    fill(docker_engine, name)  # Reopen in Container made a new volume
    outcome, message = undo(host.fresh())
    assert outcome is Outcome.REFUSED
    assert f"volume {name} exists again" in message


def test_cli_fix_and_undo(docker_engine: Engine, made: Made, tmp_path: Path) -> None:
    name = made.volume()
    fill(docker_engine, name, stamp=False)
    repo = course(tmp_path, {"image": "python:3.11", "mounts": [mount(name)]}, POLICY_STAMP)
    scene = Scenario(tmp_path, rooted=False).docker(docker_engine)

    def devdoctor(*args: str) -> subprocess.CompletedProcess[str]:
        return scene.cli(*args, "--repo", str(repo))

    listed = devdoctor("check", "--only", "home-volume", "--json")
    result = json.loads(listed.stdout)["results"][0]
    assert result["findings"][0]["code"] == "home-volume/half-installed"
    assert result["findings"][0]["fix"]["destructive"] is True
    plan = devdoctor("fix", "home-volume")
    assert plan.returncode == 4 and name in volumes(docker_engine)  # no terminal, no --yes
    done = devdoctor("fix", "home-volume", "--yes", "--yes-destroy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "=> fixed" in done.stdout
    assert name not in volumes(docker_engine)
    back = devdoctor("undo", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    assert name in volumes(docker_engine)


def _empty_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("etc")
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    return buffer.getvalue()


def test_image_python_comes_from_the_dockerfiles_final_stage(tmp_path: Path) -> None:
    from devdoctor.checks.course.configs import ConfigFile, load
    from devdoctor.checks.docker.image_python import _dockerfile_python

    folder = tmp_path / ".devcontainer"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        "ARG PY=3.12\nFROM python:3.10 AS tools\nRUN true\nFROM python:${PY}-slim AS final\n"
    )
    (folder / "devcontainer.json").write_text('{"build": {"dockerfile": "Dockerfile"}}')
    config = load(ConfigFile(folder / "devcontainer.json", "default"))
    assert _dockerfile_python(config) == ("3.12", "FROM python:3.12-slim (last FROM in Dockerfile)")


# -- the stamp's variant and requirements -----------------------------------------------------------

INSTALL_LAST_STEP = (
    "printf 'variant=%s\\nrequirements=%s\\n' \"$COURSE_VARIANT\" "
    "\"$(cat requirements.txt | sha256sum | cut -d' ' -f1)\" > ~/.local/.course-installed"
)
"""The line the README gives course staff, run verbatim by the tests' install."""
REQUIREMENTS = b"numpy==1.26.4\ntorch==2.3.1\n"


def variant_course(
    tmp: Path, variant: str | None = "gpu", requirements: bytes = REQUIREMENTS
) -> tuple[Path, str]:
    """A course whose configuration names its variant in containerEnv, and its home volume."""
    name = f"home-{uuid.uuid4().hex[:10]}"
    config: dict[str, object] = {"image": "python:3.11", "mounts": [mount(name)]}
    if variant is not None:
        config["containerEnv"] = {"COURSE_VARIANT": variant}
    repo = course(tmp, config, POLICY_STAMP)
    (repo / "requirements.txt").write_bytes(requirements)
    return repo, name


def install(engine: Engine, volume: str, variant: str, requirements: bytes) -> None:
    """A course's install in the container: packages, then the README's stamp line, last.

    The requirement file is copied into the container's working folder as the checkout is
    mounted there; the stamp line runs verbatim in the image's sh.
    """
    script = (
        "mkdir -p ~/.local/lib/python3.11/site-packages /tmp/workspace && cd /tmp/workspace && "
        "cat > requirements.txt && " + INSTALL_LAST_STEP
    )
    engine.docker(
        "run", "--rm", "-i", "--network", "none", "--user", "vscode",
        "--env", "HOME=/home/vscode", "--env", f"COURSE_VARIANT={variant}",
        "-v", f"{volume}:/home/vscode", engine.tiny_image, "sh", "-c", script,
        input=requirements,
    )  # fmt: skip


def write_stamp(engine: Engine, volume: str, content: bytes) -> None:
    """A volume whose install finished and whose stamp holds exactly `content`."""
    engine.docker(
        "run", "--rm", "-i", "--network", "none", "-v", f"{volume}:/v", engine.tiny_image,
        "sh", "-c", f"mkdir -p /v/.local/lib/python3.11 && cat > /v/{STAMP}",
        input=content,
    )  # fmt: skip


def sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_the_readme_gives_the_stamp_line_the_tests_run() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    assert INSTALL_LAST_STEP in readme
    assert '"containerEnv": {"COURSE_VARIANT": "gpu"}' in readme


def test_a_stamp_of_this_variant_and_requirements_is_ok(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    repo, name = variant_course(tmp_path)
    made.volumes.append(name)
    install(docker_engine, name, "gpu", REQUIREMENTS)
    found = check(host_for(docker_engine, tmp_path, repo))
    ok = found["populated"]
    assert ok.status is Status.OK and set(found) == {"populated"}
    facts = dict(ok.evidence)
    assert facts["stamp"] == f"{STAMP}: present"
    assert facts["filled by"] == f"variant gpu with requirements {sha(REQUIREMENTS)[:12]}…"
    assert (
        facts["this checkout's variant"] == "gpu (containerEnv COURSE_VARIANT in devcontainer.json)"
    )
    assert facts["this checkout's requirements"] == (
        f"{sha(REQUIREMENTS)[:12]}… (sha256 of requirements.txt)"
    )


def test_a_stamp_of_another_variant_is_stale(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    repo, name = variant_course(tmp_path, "gpu")
    made.volumes.append(name)
    install(docker_engine, name, "gpufrozen", REQUIREMENTS)
    cid = holder(docker_engine, made, name, repo)
    stale = check(host_for(docker_engine, tmp_path, repo))["stale"]
    digest = sha(REQUIREMENTS)[:12]
    assert stale.status is Status.WARN
    assert stale.summary == (
        f"volume {name} was filled by variant gpufrozen with requirements {digest}…; "
        f"this checkout is gpu with requirements {digest}…"
    )
    assert "filled for variant gpufrozen" in stale.detail
    assert "requirement files changed" not in stale.detail
    assert stale.fix is not None and stale.fix.destructive
    (change,) = stale.fix.changes
    assert isinstance(change, ResetVolume) and change.containers == (cid,)


def test_a_stamp_of_other_requirements_is_stale(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    repo, name = variant_course(tmp_path, "cpu")
    made.volumes.append(name)
    install(docker_engine, name, "cpu", REQUIREMENTS)
    changed = REQUIREMENTS + b"scipy==1.13.1\n"
    (repo / "requirements.txt").write_bytes(changed)  # a pull brought a new package
    stale = check(host_for(docker_engine, tmp_path, repo))["stale"]
    assert stale.summary == (
        f"volume {name} was filled by variant cpu with requirements {sha(REQUIREMENTS)[:12]}…; "
        f"this checkout is cpu with requirements {sha(changed)[:12]}…"
    )
    assert "requirement files changed" in stale.detail
    assert "filled for variant" not in stale.detail


def test_requirements_are_hashed_in_the_policys_order(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    repo, name = variant_course(tmp_path, "cpu")
    made.volumes.append(name)
    (repo / "dev.txt").write_bytes(b"pytest==8.2.0\n")
    policy = POLICY_STAMP + '[requirements]\nfiles = ["requirements.txt", "dev.txt"]\n'
    (repo / ".devdoctor.toml").write_text(policy, encoding="utf-8")
    install(docker_engine, name, "cpu", REQUIREMENTS + b"pytest==8.2.0\n")  # cat a b | sha256sum
    found = check(host_for(docker_engine, tmp_path, repo))
    assert set(found) == {"populated"}
    assert dict(found["populated"].evidence)["this checkout's requirements"].endswith(
        "(sha256 of requirements.txt + dev.txt)"
    )


def test_the_variant_is_the_branch_when_no_containerenv_names_it(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    repo, name = variant_course(tmp_path, None)
    made.volumes.append(name)
    subprocess.run(["git", "init", "-q", "-b", "gpufrozen", str(repo)], check=True, timeout=30)
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    install(docker_engine, name, "gpu", REQUIREMENTS)
    scene = Scenario(tmp_path, system=False, PATH=str(tools)).docker(docker_engine)
    stale = check(scene.host(repo=repo))["stale"]
    assert "; this checkout is gpufrozen with requirements" in stale.summary
    assert dict(stale.evidence)["this checkout's variant"] == "gpufrozen (git branch gpufrozen)"


def test_an_empty_stamp_only_says_the_install_finished(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    repo, name = variant_course(tmp_path)
    made.volumes.append(name)
    fill(docker_engine, name)  # `touch` of the stamp, as courses did before the format
    found = check(host_for(docker_engine, tmp_path, repo))
    assert set(found) == {"populated"}
    facts = dict(found["populated"].evidence)
    assert facts["stamp"] == f"{STAMP}: present (empty: it records no variant or requirements)"
    assert "filled by" not in facts


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b"installed on tuesday\n", "line 1 is not key=value: 'installed on tuesday'"),
        (b"variant=gpu\nrequirements=latest\n", "requirements is not a sha256"),
    ],
)
def test_a_garbage_stamp_is_said_and_compares_nothing(
    docker_engine: Engine, made: Made, tmp_path: Path, content: bytes, why: str
) -> None:
    repo, name = variant_course(tmp_path)
    made.volumes.append(name)
    write_stamp(docker_engine, name, content)
    found = check(host_for(docker_engine, tmp_path, repo))
    assert set(found) == {"stamp-unparsable", "populated"}
    said = found["stamp-unparsable"]
    assert said.status is Status.INFO
    assert said.summary.startswith(
        f"the stamp {STAMP} in volume {name} is not variant=/requirements= lines: {why}"
    )


def test_a_stamp_too_large_to_be_one_is_not_downloaded(
    docker_engine: Engine, made: Made, tmp_path: Path
) -> None:
    repo, name = variant_course(tmp_path)
    made.volumes.append(name)
    write_stamp(docker_engine, name, b"variant=gpu\n" + b"#" * 200_000 + b"\n")
    found = check(host_for(docker_engine, tmp_path, repo))
    assert found["stamp-unreadable"].summary == (
        f"devdoctor could not read the stamp {STAMP}: 200013 bytes, more than a stamp's 4096"
    )
    assert found["populated"].status is Status.OK
