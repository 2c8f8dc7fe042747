"""What every built-in check promises the framework, on an empty machine and on a full one.

A check is found by its id (the registry key, its module's name), shown with its title, scope
and docstring (`devdoctor explain`), and returns findings whose codes start with its id. It
never raises on a machine that lacks what it looks for (that is a finding, or a skip) and never
prints: output is the framework's. The README documents every check under its id.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from devdoctor import Host, RunOptions
from devdoctor.checks import CHECKS
from devdoctor.model import CHECK_ID, Check, Finding, Scope, Status
from devdoctor.registry import builtin_checks

from tests import TESTS
from tests.scenario import Scenario

PLATFORMS = ("linux", "wsl", "windows", "macos", "container")
IDS = list(CHECKS)
HANG = 60.0  # seconds: only a guard against a hang, never a measure


def _check(cid: str) -> Check:
    (loaded,) = builtin_checks([cid])
    return loaded.check


def _empty_host(tmp_path: Path, platform: str) -> Host:
    """A captured machine with nothing in it: no files, no programs, no home, no repository."""
    root, path, state = tmp_path / "root", tmp_path / "bin", tmp_path / "state"
    for folder in (root, path, state):
        folder.mkdir()
    env = {"PATH": str(path), "DEVDOCTOR_PLATFORM": platform, "DEVDOCTOR_STATE_DIR": str(state)}
    return Host(root=root, env=env, state_dir=state, options=RunOptions(), repo_root=None)


def _full_host(tmp_path: Path) -> Host:
    """The captured WSL laptop, with a course repository whose scripts and config need work."""
    fake = Scenario(tmp_path / "machine").wsl()
    files = {
        ".devcontainer/Dockerfile": "FROM --platform=linux/amd64 python:3.12\n",
        ".devcontainer/setup.sh": b"#!/bin/bash\r\n[[ -d /tmp ]] && echo ok\r\n",
        ".devcontainer/tool": b"# helper\n#!/usr/bin/env -S bash -e\necho hi\n",
    }
    config = {
        "build": {"dockerfile": "Dockerfile"},
        "hostRequirements": {"memory": "64GB", "cpus": 64, "gpu": True},
        "runArgs": ["--gpus", "all"],
        "mounts": ["source=vscode-home-${devcontainerId},target=/home/vscode,type=volume"],
        "postCreateCommand": "sh .devcontainer/setup.sh && ./.devcontainer/tool",
    }
    fake.course(files, config=config)
    return fake.host()


def _run(check: Check, host: Host) -> list[object]:
    """Everything run() yields, in a thread bounded by HANG; its exception is raised here."""
    out: list[object] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            if (check.platform_reason(host) or check.skip_reason(host)) is None:
                out.extend(check.run(host))
        except BaseException as exc:  # re-raised in the test's thread
            failed.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive(), f"{check.id} still running after {HANG:.0f} s"
    if failed:
        raise failed[0]
    return out


def _keeps_the_finding_contract(check: Check, host: Host, found: list[object]) -> None:
    if (check.platform_reason(host) or check.skip_reason(host)) is None:
        assert found, f"{check.id} applies here and said nothing (not even ok)"
    for item in found:
        assert isinstance(item, Finding), f"{check.id} yielded {item!r}, not a Finding"
        assert isinstance(item.status, Status)
        assert item.code.startswith(f"{check.id}/"), f"{item.code} does not start with the id"
        assert CHECK_ID.match(item.code.partition("/")[2].replace("_", "-")), item.code
        assert item.summary.strip(), f"{item.code} has no summary"


@pytest.mark.parametrize("cid", IDS)
def test_identity(cid: str) -> None:
    check = _check(cid)
    assert CHECK_ID.match(check.id)
    assert check.id == cid
    module = type(check).__module__
    assert module.rpartition(".")[2] == cid.replace("-", "_"), f"{module} is not named by {cid}"
    assert module == "devdoctor.checks." + CHECKS[cid].partition(":")[0]
    assert isinstance(check.title, str) and check.title.strip()
    assert isinstance(check.scope, Scope)
    doc = type(check).__doc__
    assert doc is not None and doc.strip(), "the docstring is what `devdoctor explain` shows"
    assert doc is not Check.__doc__, "the check's own docstring, not the base class's"
    assert check.timeout > 0
    assert all(need in CHECKS for need in check.needs)


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("cid", IDS)
def test_an_empty_machine(
    cid: str, platform: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    check = _check(cid)
    host = _empty_host(tmp_path, platform)
    reason = check.platform_reason(host) or check.skip_reason(host)
    assert reason is None or (isinstance(reason, str) and reason.strip())
    _keeps_the_finding_contract(check, host, _run(check, host))
    assert capfd.readouterr() == ("", ""), f"{cid} printed"


@pytest.mark.parametrize("cid", IDS)
def test_a_full_machine(cid: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    check = _check(cid)
    host = _full_host(tmp_path)
    found = _run(check, host)
    _keeps_the_finding_contract(check, host, found)
    assert capfd.readouterr() == ("", ""), f"{cid} printed"


# ------------------------------------------------------------------------- the README

README = TESTS.parent / "README.md"
SECTION = "## What each check means, and how to fix it by hand"
HEADING = re.compile(r"^### `([a-z0-9-]+)`: \S", re.MULTILINE)


def readme_check_ids(text: str) -> list[str]:
    """The ids of the README's check headings (`### \\`id\\`: what it looks at`), in order,
    from the section that explains each check up to the next `## ` section."""
    start = text.index(SECTION) + len(SECTION)
    end = text.find("\n## ", start)
    return HEADING.findall(text[start : end if end >= 0 else None])


def test_the_readme_explains_exactly_the_registrys_checks() -> None:
    assert readme_check_ids(README.read_text(encoding="utf-8")) == IDS


def test_the_readme_parser_sees_a_missing_or_extra_check() -> None:
    text = f"# x\n{SECTION}\n\n### `a-b`: one\n\ntext\n\n### `c`: two\n\n## Next\n\n### `d`: no\n"
    assert readme_check_ids(text) == ["a-b", "c"]


# ------------------------------------------------------------------------- the tests' own home


def test_tests_run_with_a_home_and_state_of_their_own(tmp_path: Path) -> None:
    """tests/conftest.py's guard: this process's HOME and state directory are temporary."""
    from tests.conftest import REAL_HOME, REAL_STATE, changes, snapshot

    assert Path(os.environ["HOME"]) != REAL_HOME
    state = Host(repo_root=None).state_dir  # from this process's environment
    assert not state.is_relative_to(REAL_STATE) and not state.is_relative_to(REAL_HOME)
    assert Host(env={"HOME": os.environ["HOME"]}, repo_root=None).state_dir != REAL_STATE
    before = snapshot(tmp_path)
    (tmp_path / "journal").mkdir()
    (tmp_path / "journal" / "entry.json").write_text("{}")
    assert changes(before, snapshot(tmp_path)) == [
        f"changed {tmp_path}",
        f"created {tmp_path / 'journal'}",
        f"created {tmp_path / 'journal' / 'entry.json'}",
    ]
