"""Hostile files: a tampered journal, a target swapped for a FIFO, /dev/zero or a huge file, a
symlinked target leading out of --root, and the privacy of what devdoctor saves."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from devdoctor.journal import entries

from tests.scenario import Scenario

WSLCONFIG = "mnt/c/Users/student/.wslconfig"
OLD = b"[wsl2]\r\nmemory=4GB\r\nprocessors=4\r\n"
NEW = b"[wsl2]\r\nmemory=8GB\r\nprocessors=4\r\nswap=8GB\r\n"


def _fixed(tmp_path: Path) -> Scenario:
    fake = Scenario(tmp_path).wsl()
    done = fake.cli("fix", "wsl-memory", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert fake.path(WSLCONFIG).read_bytes() == NEW
    return fake


def _tamper(fake: Scenario, change: Callable[[dict[str, Any], Path], None]) -> None:
    [entry] = entries(fake.state)
    data = json.loads((entry.folder / "entry.json").read_text())
    change(data, entry.folder)
    (entry.folder / "entry.json").write_text(json.dumps(data))


def _outside(tmp_path: Path) -> Path:
    victim = tmp_path / "outside.conf"
    victim.write_bytes(b"not devdoctor's\n")
    return victim


def _path_outside(data: dict[str, Any], folder: Path) -> None:
    victim = folder.parents[2] / "outside.conf"
    data["changes"][0]["path"] = "/../../../" + str(victim)
    data["changes"][0]["new_sha256"] = __import__("hashlib").sha256(victim.read_bytes()).hexdigest()


def _absolute_outside(data: dict[str, Any], folder: Path) -> None:
    data["root"] = None
    data["changes"][0]["path"] = str(folder.parents[2] / "outside.conf")


def _backup_elsewhere(data: dict[str, Any], folder: Path) -> None:
    data["changes"][0]["old"] = "../../../../../../etc/hostname"


def _backup_swapped(data: dict[str, Any], folder: Path) -> None:
    backup = folder / data["changes"][0]["old"]
    backup.unlink()
    backup.symlink_to("/etc/hostname")


def _backup_edited(data: dict[str, Any], folder: Path) -> None:
    (folder / data["changes"][0]["old"]).write_bytes(b"[wsl2]\nmemory=1GB\n")


def _run_anything(data: dict[str, Any], folder: Path) -> None:
    marker = folder.parents[2] / "ran"
    data["changes"].append(
        {"kind": "run-command", "argv": ["true"], "cwd": None, "undo_argv": ["touch", str(marker)]}
    )


def _git_with_options(data: dict[str, Any], folder: Path) -> None:
    marker = folder.parents[2] / "ran"
    undo = ["git", "-c", f"core.pager=touch {marker}", "config", "core.autocrlf", "true"]
    data["changes"].append(
        {"kind": "run-command", "argv": ["true"], "cwd": None, "undo_argv": undo}
    )


def _wrong_types(data: dict[str, Any], folder: Path) -> None:
    data["changes"] = [{"kind": "write-file", "path": 3, "old": None, "new_sha256": []}]


def _not_a_list(data: dict[str, Any], folder: Path) -> None:
    data["changes"] = "everything"


def _unknown_kind(data: dict[str, Any], folder: Path) -> None:
    data["changes"][0]["kind"] = "format-disk"


def _mode_bits(data: dict[str, Any], folder: Path) -> None:
    data["changes"].append(
        {"kind": "set-mode", "path": "/" + WSLCONFIG, "old_mode": 0o104777, "new_mode": 0o644}
    )


TAMPERED = [
    _path_outside,
    _absolute_outside,
    _backup_elsewhere,
    _backup_swapped,
    _backup_edited,
    _run_anything,
    _git_with_options,
    _wrong_types,
    _not_a_list,
    _unknown_kind,
    _mode_bits,
]


@pytest.mark.parametrize("tamper", TAMPERED, ids=[t.__name__.strip("_") for t in TAMPERED])
@pytest.mark.parametrize("dry_run", [False, True], ids=["undo", "dry-run"])
def test_a_tampered_entry_is_refused_with_a_message(
    tmp_path: Path, tamper: Callable[[dict[str, Any], Path], None], dry_run: bool
) -> None:
    victim = _outside(tmp_path)
    fake = _fixed(tmp_path)
    _tamper(fake, tamper)
    done = fake.cli("undo", "--yes", *(["--dry-run"] if dry_run else []))
    assert done.returncode == 4, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "refused" in done.stdout
    assert fake.path(WSLCONFIG).read_bytes() == NEW
    assert victim.read_bytes() == b"not devdoctor's\n"
    assert not (tmp_path / "ran").exists()


def test_undo_refuses_under_sudo(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to stand for sudo")
    fake = _fixed(tmp_path)
    fake.env["SUDO_USER"] = "student"
    done = fake.cli("undo", "--yes")
    assert done.returncode == 4
    assert "sudo" in done.stdout
    assert fake.path(WSLCONFIG).read_bytes() == NEW


# -- what undo reads ------------------------------------------------------------------------


def _fifo(target: Path) -> None:
    target.unlink()
    os.mkfifo(target)


def _dev_zero(target: Path) -> None:
    target.unlink()
    target.symlink_to("/dev/zero")


def _huge(target: Path) -> None:
    with target.open("r+b") as handle:
        handle.truncate(1024**3)  # sparse: a gigabyte that takes no disk


@pytest.mark.parametrize("swap", [_fifo, _dev_zero, _huge], ids=["fifo", "dev-zero", "1GB"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["undo", "dry-run"])
def test_undo_of_a_target_swapped_for_something_unreadable(
    tmp_path: Path, swap: Callable[[Path], None], dry_run: bool
) -> None:
    fake = _fixed(tmp_path)
    target = fake.path(WSLCONFIG)
    swap(target)
    start = time.monotonic()
    done = fake.cli("undo", "--yes", *(["--dry-run"] if dry_run else []), timeout=30)
    assert time.monotonic() - start < 30  # a guard against a hang, not a timing
    assert done.returncode == 4, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert "refused" in done.stdout


# -- writes stay under --root ---------------------------------------------------------------


def test_a_symlinked_target_leading_out_of_the_root_is_refused(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    elsewhere = tmp_path / "elsewhere.conf"
    elsewhere.write_bytes(OLD)
    target = fake.path(WSLCONFIG)
    target.unlink()
    target.symlink_to(elsewhere)
    plan = fake.cli("fix", "wsl-memory", "--dry-run")
    assert f"a link to {elsewhere}" in plan.stdout
    done = fake.cli("fix", "wsl-memory", "--yes")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "outside --root" in done.stdout
    assert elsewhere.read_bytes() == OLD
    assert target.is_symlink()


def test_a_dangling_link_makes_no_folder_outside_the_root(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=None)
    target = fake.path(WSLCONFIG)
    target.symlink_to(tmp_path / "made" / "by" / "devdoctor.conf")
    done = fake.cli("fix", "wsl-memory", "--yes")
    assert done.returncode == 4, done.stdout + done.stderr
    assert not (tmp_path / "made").exists()


def test_a_link_inside_the_root_is_written_through(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    real = fake.root / "dotfiles" / "wslconfig"
    real.parent.mkdir()
    target = fake.path(WSLCONFIG)
    real.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(real)
    done = fake.cli("fix", "wsl-memory", "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert target.is_symlink() and real.read_bytes() == NEW
    assert fake.cli("undo", "--yes").returncode == 0
    assert real.read_bytes() == OLD and target.is_symlink()


# -- privacy of what is saved -----------------------------------------------------------------


def test_the_state_directory_is_private_and_a_backup_keeps_the_mode(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    target = fake.path(WSLCONFIG)
    target.chmod(0o600)
    old = os.umask(0o022)
    try:
        assert fake.cli("fix", "wsl-memory", "--yes").returncode == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(fake.state.stat().st_mode) == 0o700
    [entry] = entries(fake.state)
    assert stat.S_IMODE(entry.folder.stat().st_mode) == 0o700
    [backup] = entry.folder.glob("*.old")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert backup.read_bytes() == OLD


@pytest.mark.parametrize("command", [["check"], ["report"]])
def test_the_state_directory_is_private_from_the_first_run(
    tmp_path: Path, command: list[str]
) -> None:
    fake = Scenario(tmp_path).wsl()
    old = os.umask(0o022)
    try:
        done = fake.cli(*command)
    finally:
        os.umask(old)
    assert done.returncode == 1, done.stdout + done.stderr
    assert stat.S_IMODE(fake.state.stat().st_mode) == 0o700  # the Windows answers' cache too
    for folder in [p for p in fake.state.rglob("*") if p.is_dir()]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
