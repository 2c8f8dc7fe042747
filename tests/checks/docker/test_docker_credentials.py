"""docker-credentials on fake hosts: the helper missing, failing, found through `.`, fixed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devdoctor.checks.docker.docker_credentials import DockerCredentials
from devdoctor.fixes import Consent, Outcome, apply_fix
from devdoctor.journal import entries
from devdoctor.model import Finding, Status
from devdoctor.undo import undo_entry

from tests import TESTS
from tests.scenario import Answer, Scenario

SAMPLES = TESTS / "samples" / "wsl"
CONFIG = "/home/student/.docker/config.json"
HELPER = "docker-credential-desktop.exe"


def with_config(tmp_path: Path, sample: str = "docker-config.wsl-desktop-exe.json") -> Scenario:
    fake = Scenario(tmp_path).wsl()
    fake.path(CONFIG).parent.mkdir(parents=True)
    fake.path(CONFIG).write_bytes((SAMPLES / sample).read_bytes())
    return fake


def run(fake: Scenario) -> list[Finding]:
    return list(DockerCredentials().run(fake.host()))


def by_slug(fake: Scenario) -> dict[str, Finding]:
    return {f.slug: f for f in run(fake)}


def fix(fake: Scenario, finding: Finding) -> Outcome:
    assert finding.fix is not None
    result = apply_fix(
        finding.fix,
        finding,
        DockerCredentials(),
        fake.host(),
        consent=Consent(yes=True),
        named=True,
        say=lambda s: None,
        ask=lambda q: None,
    )
    return result.outcome


def test_helper_not_on_path_fails_and_the_fix_removes_it_with_undo(tmp_path: Path) -> None:
    fake = with_config(tmp_path)
    before = fake.path(CONFIG).read_bytes()
    missing = by_slug(fake)["not-found"]
    assert missing.status is Status.FAIL
    assert f'exec: "{HELPER}": executable file not found in $PATH' in missing.detail
    assert "plain text" in missing.detail or "base64" in missing.detail
    assert fix(fake, missing) is Outcome.VERIFIED
    after = json.loads(fake.path(CONFIG).read_text())
    assert "credsStore" not in after and after["currentContext"] == "default"
    assert fake.path(CONFIG).read_text().startswith('{\n\t"auths"')  # the CLI's own layout
    assert by_slug(fake)["no-helper"].status is Status.OK
    [entry] = entries(fake.state)
    undone = undo_entry(
        entry, fake.host(), consent=Consent(yes=True), say=lambda s: None, ask=lambda q: None
    )
    assert undone.outcome is Outcome.UNDONE
    assert fake.path(CONFIG).read_bytes() == before


def test_helper_that_exits_255_cannot_run(tmp_path: Path) -> None:
    fake = with_config(tmp_path)
    fake.program(HELPER, Answer(b"", rc=255))
    bad = by_slug(fake)["cannot-run"]
    assert bad.status is Status.FAIL
    assert "error getting credentials - err: exit status 255" in bad.detail
    assert "WSL integration" in bad.detail
    assert bad.fix is not None and "remove the helper desktop.exe" in bad.fix.title


def test_helper_found_through_a_relative_path_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = with_config(tmp_path)
    here = tmp_path / "work"
    here.mkdir()
    helper = here / HELPER
    helper.write_text("#!/bin/sh\necho '{}'\n")
    helper.chmod(0o755)
    monkeypatch.chdir(here)
    fake.env["PATH"] = f".:{fake.env['PATH']}"
    dot = by_slug(fake)["in-current-directory"]
    assert dot.status is Status.FAIL
    assert f"{HELPER} resolves to executable in current directory" in dot.detail


def test_a_helper_that_runs_is_ok(tmp_path: Path) -> None:
    fake = with_config(tmp_path)
    fake.program(HELPER, Answer(b"{}\n"))
    assert by_slug(fake)["runs"].status is Status.OK


def test_cred_helpers_each_checked_and_desktop_corrected_to_the_exe(tmp_path: Path) -> None:
    fake = with_config(tmp_path, "docker-config.cred-helpers.json")
    config = json.loads(fake.path(CONFIG).read_text())
    config["credHelpers"]["ghcr.io"] = "desktop"  # the Linux name, inside WSL
    fake.path(CONFIG).write_text(json.dumps(config, indent="\t"))
    fake.program(HELPER, Answer(b"{}\n"))
    found = run(fake)
    assert {f.slug for f in found} == {"not-found"}
    desktop = next(f for f in found if "docker-credential-desktop " in f.summary)
    assert desktop.fix is not None and "use the credential helper desktop.exe" in desktop.fix.title
    assert "remove the helper ecr-login" in desktop.fix.title
    assert [f.fix is not None for f in found] == [True, False]  # one fix, offered once
    assert fix(fake, desktop) is Outcome.VERIFIED
    helpers = json.loads(fake.path(CONFIG).read_text())["credHelpers"]
    assert helpers == {"ghcr.io": "desktop.exe"}  # ecr-login cannot run here either


def test_no_config_and_broken_json(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    assert by_slug(fake)["no-config"].status is Status.OK
    fake.path(CONFIG).parent.mkdir(parents=True)
    fake.path(CONFIG).write_text('{"credsStore": "desktop.exe",}')
    assert by_slug(fake)["unreadable"].status is Status.WARN


def test_docker_config_env_and_windows(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    folder = fake.root / "mnt/c/Users/student/.docker"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"credsStore": "wincred"}')
    found = by_slug(fake)["not-found"]
    assert "docker-credential-wincred" in found.summary
    assert found.subject == "C:\\Users\\student\\.docker\\config.json"
