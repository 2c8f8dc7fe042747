"""The privacy matrix: planted identities and secrets × every output devdoctor writes.

A user name, a host name, an e-mail address, a token and DOCKER_HOST credentials are planted
on a fake WSL host; none may show in check (human, --verbose, --json, --log), report (each
format), fix --dry-run or undo --list. Hypothesis varies the credentials in DOCKER_HOST.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from devdoctor.host import Host
from devdoctor.privacy import redactor_for
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scenario import Scenario

USER = "qzandrik"
HOSTNAME = "qz-laptop-7731"
EMAIL = "qzandrik.secret@example.org"
TOKEN = "ghp_" + "Q7x" * 12
DOCKER_USER = "dockuser"
DOCKER_PASSWORD = "dockpass-5555"
PLANTED = (USER, HOSTNAME, EMAIL, TOKEN, DOCKER_USER, DOCKER_PASSWORD, "10.20.30.40")


def _planted(tmp_path: Path) -> Scenario:
    config = f"[wsl2]\r\nmemory=4GB\r\n# {TOKEN} {EMAIL}\r\n".encode()
    fake = Scenario(tmp_path).wsl(wslconfig=config)
    (fake.root / "etc" / "hostname").write_text(HOSTNAME + "\n")
    home = fake.root / "home" / USER
    home.mkdir(parents=True, exist_ok=True)
    (tmp_path / "gitconfig").write_text(f"[user]\n\tname = Qz Andrik\n\temail = {EMAIL}\n")
    fake.env.update(
        USER=USER,
        HOME=f"/home/{USER}",
        DOCKER_HOST=f"tcp://{DOCKER_USER}:{DOCKER_PASSWORD}@10.20.30.40:2376",
    )
    return fake


OUTPUTS = {
    "check": ["check"],
    "check --verbose": ["check", "--verbose"],
    "check --json": ["check", "--json"],
    "check --log": ["check", "--log", "{out}"],
    "check --json --log": ["check", "--json", "--log", "{out}"],
    "report forum": ["report", "--output", "{out}"],
    "report markdown": ["report", "--format", "markdown", "--output", "{out}"],
    "report text": ["report", "--format", "text", "--output", "{out}"],
    "report json": ["report", "--format", "json", "--output", "{out}"],
    "fix --dry-run": ["fix", "--dry-run"],
    "undo --list": ["undo", "--list"],
}


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_nothing_planted_shows_in_any_output(tmp_path: Path, output: str) -> None:
    fake = _planted(tmp_path)
    out = tmp_path / "written.txt"
    if output == "undo --list":  # an entry whose title names the file
        assert fake.cli("fix", "wsl-memory", "--yes").returncode == 0
    argv = [a.replace("{out}", str(out)) for a in OUTPUTS[output]]
    done = fake.cli(*argv)
    assert done.returncode in (0, 1, 4), done.stdout + done.stderr
    shown = done.stdout + done.stderr + (out.read_text() if out.exists() else "")
    assert shown.strip()
    for planted in PLANTED:
        assert planted.lower() not in shown.lower(), (planted, output)
    if output.startswith(("check --verbose", "check --json", "report json")):
        assert "<token>@<ip>:2376" in shown  # the endpoint is shown, its credentials are not


def test_a_symlinked_home_does_not_leak_its_real_path(tmp_path: Path) -> None:
    fake = _planted(tmp_path)
    real = fake.root / "data" / "people" / USER
    real.mkdir(parents=True)
    home = fake.root / "home" / USER
    home.rmdir()
    home.symlink_to(real)
    host = Host(root=fake.root, env=fake.env, state_dir=fake.state)
    redact = redactor_for(host)
    assert redact(f"/data/people/{USER}/.ssh/config") == "~/.ssh/config"
    assert redact(f"/home/{USER}/x") == "~/x"


_NAME = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=20)
_PASSWORD = st.text(
    string.ascii_letters + string.digits + "._~!$&()*+,;=-", min_size=1, max_size=30
)


@settings(max_examples=200, deadline=None)
@given(user=_NAME, password=_PASSWORD, scheme=st.sampled_from(["tcp", "ssh", "http", "unix"]))
def test_docker_host_credentials_never_show(user: str, password: str, scheme: str) -> None:
    env = {
        "PATH": "/nonexistent",
        "HOME": "/home/x",
        "DOCKER_HOST": f"{scheme}://{user}:{password}@10.20.30.40:2376",
        "DEVDOCTOR_PLATFORM": "linux",
    }
    redact = redactor_for(Host(env=env, repo_root=None))
    for text in (
        f"endpoint {scheme}://{user}:{password}@10.20.30.40:2376",
        f"nothing is at {user}:{password}@10.20.30.40:2376, where",
        f'"endpoint": "{user}:{password}@docker.example:2376"',
    ):
        shown = redact(text)
        if len(password) >= 4:
            assert password not in shown
        assert f"{user}:{password}@" not in shown
        assert redact(shown) == shown
