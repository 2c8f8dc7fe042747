"""Course repositories for tests: a committed git repository in a private environment, the
installed command line, and short ways to read findings. Nothing reads the real home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devdoctor import Finding, Host, RunOptions, Status
from devdoctor.model import Check

DEVDOCTOR = str(Path(sys.executable).with_name("devdoctor"))

def course_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment where git and devdoctor read only files under tmp_path."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").touch()
    system = tmp_path / "gitconfig-system"
    system.touch()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_SYSTEM": str(system),
        "GIT_AUTHOR_NAME": "Course Staff",
        "GIT_AUTHOR_EMAIL": "staff@example.edu",
        "GIT_COMMITTER_NAME": "Course Staff",
        "GIT_COMMITTER_EMAIL": "staff@example.edu",
        "DEVDOCTOR_STATE_DIR": str(tmp_path / "state"),
        "DEVDOCTOR_PLATFORM": "linux",
        "DEVDOCTOR_NO_PLUGINS": "1",
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


def git(repo: Path, env: Mapping[str, str], *args: str) -> str:
    """Run git in the repository; fail the test with git's own words."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=dict(env), capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8", "replace")


def make_repo(
    root: Path,
    env: Mapping[str, str],
    files: Mapping[str, bytes | str],
    *,
    executable: tuple[str, ...] = (),
    config: Mapping[str, Any] | str | None = None,
    name: str = "course",
) -> Path:
    """A committed git repository with these files (and .devcontainer/devcontainer.json)."""
    repo = root / name
    repo.mkdir()
    git(repo, env, "init", "-q", "-b", "main")
    if config is not None:
        text = config if isinstance(config, str) else json.dumps(config, indent=2)
        files = {".devcontainer/devcontainer.json": text, **files}
    for path, data in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
        target.chmod(0o755 if path in executable else 0o644)
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", "course")
    return repo


def run_check(
    check: Check, repo: Path, env: Mapping[str, str], *, course: bool = False, **options: Any
) -> list[Finding]:
    """The check's findings, run in-process on a Host of this environment."""
    host = Host(env=dict(env), options=RunOptions(repo=str(repo), course=course, **options))
    return list(check.run(host))


def devdoctor(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command line, as a student or a CI job runs it."""
    return subprocess.run(
        [DEVDOCTOR, *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def codes(findings: list[Finding]) -> list[tuple[str, Status]]:
    return [(f.code, f.status) for f in findings]


def by_code(findings: list[Finding], code: str) -> Finding:
    (found,) = [f for f in findings if f.code == code]
    return found


def lifecycle(command: object, **more: object) -> dict[str, object]:
    return {
        "image": "mcr.microsoft.com/devcontainers/base:bookworm",
        "postCreateCommand": command,
        **more,
    }
