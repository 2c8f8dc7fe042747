"""Shared test setup: no test may touch the real home directory or the real state directory.

Every test runs with HOME, XDG_STATE_HOME and DEVDOCTOR_STATE_DIR pointing into its own
temporary folder, so a Host built from this process's environment, or a subprocess that
inherits it, backs up, journals and caches there. A test that still writes devdoctor's real
state directory (or the real ~/.wslconfig or ~/.gitconfig that fixes edit) fails, naming what
changed. Subprocess tests that pass an explicit environment are unaffected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

pytest_plugins = ["tests.engine"]

REAL_HOME = Path(os.path.expanduser("~"))
REAL_STATE = Path(platformdirs.user_state_path("devdoctor", appauthor=False))
"""devdoctor's real state directory, computed before any test changes the environment."""
WATCHED_HOME_FILES = (".wslconfig", ".gitconfig")
"""Files in the real home that a fix or a report could write if it read HOME from the process."""


def snapshot(folder: Path, names: tuple[str, ...] = ()) -> dict[str, tuple[int, int, int]]:
    """(mode, size, mtime) of everything under `folder` (or of just `names` in it)."""
    found: dict[str, tuple[int, int, int]] = {}
    paths: list[Path] = [folder / name for name in names]
    if not names:
        paths = [folder]
        for base, dirs, files in os.walk(folder):
            paths += [Path(base, name) for name in dirs + files]
    for path in paths:
        try:
            info = path.lstat()
        except OSError:
            continue
        found[str(path)] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def changes(
    before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]
) -> list[str]:
    """What was created, changed or removed between two snapshots, one line each."""
    lines = [f"created {p}" for p in after if p not in before]
    lines += [f"changed {p}" for p in after if p in before and after[p] != before[p]]
    lines += [f"removed {p}" for p in before if p not in after]
    return sorted(lines)


@pytest.fixture(autouse=True)
def _private_home_and_state(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """A home and state directory of the test's own; fail if the real ones changed anyway."""
    own = tmp_path_factory.mktemp("home-and-state")
    for name, sub in (("HOME", "home"), ("XDG_STATE_HOME", "xdg-state")):
        (own / sub).mkdir()
        monkeypatch.setenv(name, str(own / sub))
    monkeypatch.setenv("DEVDOCTOR_STATE_DIR", str(own / "devdoctor-state"))
    before = {**snapshot(REAL_STATE), **snapshot(REAL_HOME, WATCHED_HOME_FILES)}
    yield
    after = {**snapshot(REAL_STATE), **snapshot(REAL_HOME, WATCHED_HOME_FILES)}
    touched = changes(before, after)
    assert not touched, "the test touched the real home or state directory:\n" + "\n".join(
        touched
    )
