"""The fix engine end to end on real files: plan, confirm, journal, lock, apply, verify, undo.

A tiny check looks at one file under a fake --root and, when it is wrong, plans a Fix that
writes it (plus whatever other changes a test adds). Everything happens on real files in
tmp_path, real commands on PATH, and a real lock held by another process.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from devdoctor.atomic import write_atomic
from devdoctor.changes import Change, ChangeError
from devdoctor.command_change import RunCommand
from devdoctor.file_changes import SetMode, WriteFile
from devdoctor.fixes import (
    COURSE_WARNING,
    Consent,
    FixResult,
    Outcome,
    apply_fix,
)
from devdoctor.host import Host
from devdoctor.journal import Entry, LockedError, entries, locked, new_entry
from devdoctor.model import Check, Finding, Fix, Scope, Status
from devdoctor.undo import undo_entry

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and stand-ins")

TARGET = "/etc/demo.conf"
OTHER = "/etc/other.conf"
SCRIPT = "/opt/course/run.sh"
GOOD = b"good\n"
BAD = b"bad\n"


# -- the test check -------------------------------------------------------------------------------


def _content(host: Host) -> bytes | None:
    try:
        return host.real(TARGET).read_bytes()
    except FileNotFoundError:
        return None


class DemoCheck(Check):
    """Wants TARGET to hold `wanted`; its fix writes `writes` there (and any extra changes)."""

    id: ClassVar[str] = "demo-file"
    title: ClassVar[str] = "The demo file"
    fix_description: ClassVar[str] = "writes the demo file"

    def __init__(
        self,
        *,
        wanted: bytes = GOOD,
        writes: bytes = GOOD,
        extra: tuple[Change, ...] = (),
        before: tuple[Change, ...] = (),
        needs_restart: bool = False,
        destructive: bool = False,
        scope: Scope = Scope.HOST,
        break_on_verify: bool = False,
    ) -> None:
        self.wanted, self.writes = wanted, writes
        self.extra, self.before = extra, before
        self.needs_restart, self.destructive, self.fix_scope = needs_restart, destructive, scope
        self.break_on_verify = break_on_verify
        self.runs = 0

    def run(self, host: Host) -> Iterable[Finding]:
        self.runs += 1
        if self.break_on_verify and self.runs > 1:
            raise RuntimeError("the check broke on its second run")
        # A fact is cached on the Host: verifying on the same Host would see the old bytes.
        data = host.fact("demo.content", _content)
        if data == self.wanted:
            return [self.finding(Status.OK, "ok", "the demo file is right")]
        fix = Fix(
            id=self.id,
            title="Write the demo file",
            changes=(*self.before, WriteFile(TARGET, data, self.writes), *self.extra),
            needs_restart=self.needs_restart,
            destructive=self.destructive,
            scope=self.fix_scope,
            manual_steps=("restart the demo",) if self.needs_restart else (),
        )
        return [self.finding(Status.FAIL, "wrong", "the demo file is wrong", fix=fix)]


# -- a fake machine -----------------------------------------------------------------------------


@dataclass
class Machine:
    root: Path
    state: Path
    bindir: Path
    host: Host

    def path(self, host_path: str) -> Path:
        return self.root / host_path.lstrip("/")

    def write(self, host_path: str, data: bytes, mode: int = 0o644) -> Path:
        path = self.path(host_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
        return path

    def read(self, host_path: str) -> bytes | None:
        try:
            return self.path(host_path).read_bytes()
        except FileNotFoundError:
            return None

    def mode(self, host_path: str) -> int:
        return stat.S_IMODE(self.path(host_path).stat().st_mode)

    def fresh_host(self) -> Host:
        return self.host.fresh()

    def entries(self) -> list[Entry]:
        return entries(self.state)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    root = tmp_path / "root"
    root.mkdir()
    state = tmp_path / "state"
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "commands.log"
    for name, body in {
        "record": f'echo "$*" >> {log}\n',
        "git": f'echo "git $*" >> {log}\n',
        "fail": 'echo "first line" >&2; echo "permission denied: the last line" >&2; exit 1\n',
    }.items():
        (bindir / name).write_text("#!/bin/sh\n" + body)
        (bindir / name).chmod(0o755)
    env = {
        "PATH": f"{bindir}:/usr/bin:/bin",
        "HOME": "/home/student",
        "DEVDOCTOR_PLATFORM": "linux",
        "DEVDOCTOR_STATE_DIR": str(state),
    }
    return Machine(root, state, bindir, Host(root=root, env=env))


def look(check: DemoCheck, host: Host) -> Finding:
    (finding,) = list(check.run(host))
    assert finding.fix is not None, finding
    return finding


def fix(
    check: DemoCheck,
    host: Host,
    *,
    answer: bool | None = None,
    named: bool = True,
    **consent: bool,
) -> tuple[FixResult, list[str], list[str]]:
    """Look, then run the fix through the engine; returns the result, what it said and asked."""
    finding = look(check, host)
    said: list[str] = []
    asked: list[str] = []

    def ask(question: str) -> bool | None:
        asked.append(question)
        return answer

    assert finding.fix is not None
    result = apply_fix(
        finding.fix,
        finding,
        check,
        host,
        consent=Consent(**consent),
        named=named,
        say=said.append,
        ask=ask,
    )
    return result, said, asked


def undo_last(
    machine: Machine, *, answer: bool | None = None, **consent: bool
) -> tuple[FixResult, list[str]]:
    said: list[str] = []
    entry = machine.entries()[-1]
    result = undo_entry(
        entry,
        machine.fresh_host(),
        consent=Consent(**consent),
        say=said.append,
        ask=lambda q: answer,
    )
    return result, said


def journal_files(machine: Machine) -> list[Path]:
    folder = machine.state / "journal"
    return sorted(folder.rglob("*")) if folder.exists() else []


# -- exit codes -----------------------------------------------------------------------------------


def test_outcomes_map_to_design_exit_codes() -> None:
    codes = {outcome: outcome.exit_code for outcome in Outcome}
    assert codes == {
        Outcome.VERIFIED: 0,
        Outcome.RESTART_PENDING: 0,
        Outcome.UNDONE: 0,
        Outcome.DRY_RUN: 0,
        Outcome.DECLINED: 4,
        Outcome.REFUSED: 4,
        Outcome.NOT_APPLIED: 4,
        Outcome.VERIFY_FAILED: 5,
    }


# -- nothing changes unless agreed ------------------------------------------------------------


def test_dry_run_shows_the_plan_and_changes_nothing(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, said, asked = fix(DemoCheck(), machine.host, dry_run=True, yes=True)
    assert result.outcome is Outcome.DRY_RUN and result.outcome.exit_code == 0
    assert machine.read(TARGET) == BAD
    assert journal_files(machine) == []
    assert asked == []
    plan = "\n".join(said)
    assert "Plan: Write the demo file" in plan
    assert "-bad" in plan and "+good" in plan


def test_without_a_terminal_and_without_yes_nothing_changes(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, said, asked = fix(DemoCheck(), machine.host, answer=None)
    assert result.outcome is Outcome.NOT_APPLIED and result.outcome.exit_code == 4
    assert "--yes" in result.message
    assert machine.read(TARGET) == BAD
    assert journal_files(machine) == []
    assert any("+good" in line for line in said)  # the plan was printed all the same
    assert len(asked) == 1


def test_declined_changes_nothing(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, _, asked = fix(DemoCheck(), machine.host, answer=False)
    assert result.outcome is Outcome.DECLINED and result.outcome.exit_code == 4
    assert asked == ['Apply "Write the demo file"?']
    assert machine.read(TARGET) == BAD
    assert journal_files(machine) == []


# -- applying --------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["yes", "answered"])
def test_applied_with_journal_and_backup_then_verified(machine: Machine, how: str) -> None:
    machine.write(TARGET, BAD, mode=0o640)
    check = DemoCheck()
    if how == "yes":
        result, _, asked = fix(check, machine.host, yes=True)
        assert asked == []
    else:
        result, _, asked = fix(check, machine.host, answer=True)
        assert len(asked) == 1
    assert result.outcome is Outcome.VERIFIED and result.outcome.exit_code == 0
    assert check.runs == 2  # looked, then verified (on a fresh host: the fact was re-read)
    assert machine.read(TARGET) == GOOD
    assert machine.mode(TARGET) == 0o640  # the mode is kept
    (entry,) = machine.entries()
    on_disk = json.loads((entry.folder / "entry.json").read_text())
    assert on_disk["state"] == "verified"
    assert [h["state"] for h in on_disk["history"]] == ["applied", "verified"]
    assert on_disk["fix"] == "demo-file" and on_disk["finding"] == "demo-file/wrong"
    (record,) = on_disk["changes"]
    assert record["kind"] == "write-file" and record["path"] == TARGET
    assert (entry.folder / record["old"]).read_bytes() == BAD
    leftovers = [p.name for p in machine.path("/etc").iterdir() if p.name != "demo.conf"]
    assert leftovers == []  # no temporary files left beside the target


def test_the_journal_and_backup_are_on_disk_before_the_first_change(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    seen: list[dict[str, Any]] = []

    @dataclass(frozen=True)
    class Spy(Change):
        kind: ClassVar[str] = "test-spy"

        def describe(self) -> dict[str, object]:
            return {"kind": self.kind}

        def preview(self, host: Host) -> str:
            return "(spy)"

        def changed_since(self, host: Host) -> str | None:
            return None

        def backup(self, host: Host, folder: Path) -> dict[str, Any]:
            return {"kind": self.kind}

        def apply(self, host: Host) -> None:
            (entry,) = entries(host.state_dir)
            data = json.loads((entry.folder / "entry.json").read_text())
            record = data["changes"][1]
            seen.append(
                {
                    "state": data["state"],
                    "backup": (entry.folder / record["old"]).read_bytes(),
                    "target": host.real(TARGET).read_bytes(),
                }
            )

        @classmethod
        def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
            return None

        @classmethod
        def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
            return "(spy)"

    result, _, _ = fix(DemoCheck(before=(Spy(),)), machine.host, yes=True)
    assert result.outcome is Outcome.VERIFIED
    assert seen == [{"state": "open", "backup": BAD, "target": BAD}]


def test_a_missing_file_is_created_and_undo_removes_it(machine: Machine) -> None:
    result, said, _ = fix(DemoCheck(), machine.host, yes=True)
    assert result.outcome is Outcome.VERIFIED
    assert any("/dev/null" in line for line in said)
    assert machine.read(TARGET) == GOOD
    undone, _ = undo_last(machine, yes=True)
    assert undone.outcome is Outcome.UNDONE
    assert machine.read(TARGET) is None


def test_needs_restart_is_restart_pending(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, _, _ = fix(DemoCheck(needs_restart=True), machine.host, yes=True)
    assert result.outcome is Outcome.RESTART_PENDING and result.outcome.exit_code == 0
    assert machine.entries()[-1].state == "restart-pending"
    assert machine.read(TARGET) == GOOD


def test_verify_failed_is_exit_5_and_still_undoable(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, _, _ = fix(DemoCheck(writes=b"still wrong\n"), machine.host, yes=True)
    assert result.outcome is Outcome.VERIFY_FAILED and result.outcome.exit_code == 5
    assert result.message == "the demo file is wrong"
    assert machine.read(TARGET) == b"still wrong\n"
    entry = machine.entries()[-1]
    assert entry.state == "verify-failed"
    assert entry.data["still"] == ["the demo file is wrong"]
    undone, _ = undo_last(machine, yes=True)
    assert undone.outcome is Outcome.UNDONE
    assert machine.read(TARGET) == BAD


def test_a_check_that_breaks_while_verifying_is_verify_failed(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, _, _ = fix(DemoCheck(break_on_verify=True), machine.host, yes=True)
    assert result.outcome is Outcome.VERIFY_FAILED
    assert "broke while verifying" in result.message
    assert machine.read(TARGET) == GOOD


def test_set_mode_and_run_command_changes(machine: Machine, tmp_path: Path) -> None:
    machine.write(TARGET, BAD)
    machine.write(SCRIPT, b"#!/bin/sh\necho hi\n", mode=0o644)
    extra = (
        SetMode(SCRIPT, 0o644, 0o755),
        RunCommand(
            ("git", "config", "core.autocrlf", "input"),
            why="tell the demo",
            undo_argv=("git", "config", "core.autocrlf", "true"),
        ),
    )
    result, said, _ = fix(DemoCheck(extra=extra), machine.host, yes=True)
    assert result.outcome is Outcome.VERIFIED
    assert machine.mode(SCRIPT) == 0o755
    log = tmp_path / "commands.log"
    assert log.read_text() == "git config core.autocrlf input\n"
    assert "chmod 755 /opt/course/run.sh   (now 644)" in said
    assert "$ git config core.autocrlf input\n  # tell the demo" in said
    undone, undo_said = undo_last(machine, yes=True)
    assert undone.outcome is Outcome.UNDONE
    assert machine.mode(SCRIPT) == 0o644
    assert machine.read(TARGET) == BAD
    assert log.read_text() == "git config core.autocrlf input\ngit config core.autocrlf true\n"
    assert undo_said[1:3] == ["$ git config core.autocrlf true", "chmod 644 /opt/course/run.sh"]
    assert "+bad" in undo_said[3]


# -- failing part-way ----------------------------------------------------------------------------


def test_a_change_that_fails_part_way_rolls_back_the_earlier_ones(
    machine: Machine, tmp_path: Path
) -> None:
    old_target = b"[wsl2]\r\nmemory=4GB\r\n"
    machine.write(TARGET, old_target)
    machine.write(SCRIPT, b"#!/bin/sh\n", mode=0o644)
    extra = (
        SetMode(SCRIPT, 0o644, 0o755),
        RunCommand(("record", "applied"), why="log it"),
        RunCommand(("fail",), why="this one breaks"),
        RunCommand(("record", "never"), why="never reached"),
    )
    check = DemoCheck(wanted=GOOD, extra=extra)
    result, _, _ = fix(check, machine.host, yes=True)
    assert result.outcome is Outcome.NOT_APPLIED and result.outcome.exit_code == 4
    assert "permission denied: the last line" in result.message
    assert "changes put back" in result.message
    assert machine.read(TARGET) == old_target
    assert machine.mode(SCRIPT) == 0o644
    assert (tmp_path / "commands.log").read_text() == "applied\n"
    entry = machine.entries()[-1]
    assert entry.state == "rolled-back"
    assert entry.data["rollback_problems"] == []
    undone, _ = undo_last(machine, yes=True)
    assert undone.outcome is Outcome.REFUSED  # nothing left to undo


def test_a_target_that_cannot_be_read_is_refused_before_anything_changes(
    machine: Machine,
) -> None:
    machine.write(TARGET, BAD)
    machine.write("/srv", b"a file where a folder should be")
    extra = (WriteFile("/srv/inside/x.conf", None, b"x"),)
    result, _, _ = fix(DemoCheck(extra=extra), machine.host, yes=True)
    assert result.outcome is Outcome.REFUSED
    assert "/srv/inside" in result.message and "Not a directory" in result.message
    assert machine.read(TARGET) == BAD
    assert machine.entries() == []


def test_an_unexpected_error_in_a_change_still_puts_back_the_earlier_ones(
    machine: Machine,
) -> None:
    machine.write(TARGET, BAD)

    @dataclass(frozen=True)
    class Explodes(Change):
        kind: ClassVar[str] = "test-explodes"

        def describe(self) -> dict[str, object]:
            return {"kind": self.kind}

        def preview(self, host: Host) -> str:
            return "(explodes)"

        def changed_since(self, host: Host) -> str | None:
            return None

        def backup(self, host: Host, folder: Path) -> dict[str, Any]:
            return {"kind": self.kind}

        def apply(self, host: Host) -> None:
            raise ValueError("a bug in a change")

    with pytest.raises(ValueError, match="a bug in a change"):
        fix(DemoCheck(extra=(Explodes(),)), machine.host, yes=True)
    assert machine.read(TARGET) == BAD
    assert machine.entries()[-1].state == "rolled-back"


# -- the machine changed since the check looked ---------------------------------------------------


def test_a_file_changed_between_look_and_fix_is_refused(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    check = DemoCheck()
    finding = look(check, machine.host)
    machine.write(TARGET, b"the student's own edit\n")
    assert finding.fix is not None
    result = apply_fix(
        finding.fix,
        finding,
        check,
        machine.host,
        consent=Consent(yes=True),
        named=True,
        say=lambda s: None,
        ask=lambda q: None,
    )
    assert result.outcome is Outcome.REFUSED and result.outcome.exit_code == 4
    assert "changed after devdoctor looked at it" in result.message
    assert machine.read(TARGET) == b"the student's own edit\n"
    assert machine.entries() == []


@pytest.mark.parametrize("what", ["mode changed", "file removed", "file created"])
def test_other_changes_since_the_look_are_refused(machine: Machine, what: str) -> None:
    machine.write(SCRIPT, b"#!/bin/sh\n", mode=0o644)
    extra: tuple[Change, ...] = (SetMode(SCRIPT, 0o644, 0o755),)
    if what == "file created":
        extra = (WriteFile(OTHER, None, b"new\n"),)
    check = DemoCheck(extra=extra)
    machine.write(TARGET, BAD)
    finding = look(check, machine.host)
    if what == "mode changed":
        machine.path(SCRIPT).chmod(0o600)
    elif what == "file removed":
        machine.path(SCRIPT).unlink()
    else:
        machine.write(OTHER, b"made by someone else\n")
    assert finding.fix is not None
    result = apply_fix(
        finding.fix,
        finding,
        check,
        machine.host,
        consent=Consent(yes=True),
        named=True,
        say=lambda s: None,
        ask=lambda q: None,
    )
    assert result.outcome is Outcome.REFUSED
    assert machine.read(TARGET) == BAD
    assert machine.entries() == []


# -- destructive and course fixes -----------------------------------------------------------------


def test_a_destructive_fix_must_be_named(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, said, _ = fix(DemoCheck(destructive=True), machine.host, yes=True, named=False)
    assert result.outcome is Outcome.REFUSED
    assert "devdoctor fix demo-file" in result.message
    assert said == []
    assert machine.read(TARGET) == BAD


def test_a_destructive_fix_needs_yes_destroy_too(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    result, said, _ = fix(DemoCheck(destructive=True), machine.host, yes=True, answer=None)
    assert result.outcome is Outcome.NOT_APPLIED
    assert "--yes --yes-destroy" in result.message
    assert any("destructive" in line for line in said)
    assert machine.read(TARGET) == BAD
    done, _, _ = fix(DemoCheck(destructive=True), machine.host, yes=True, yes_destroy=True)
    assert done.outcome is Outcome.VERIFIED


def test_a_course_fix_warns_a_student_but_not_staff(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    _, said, asked = fix(DemoCheck(scope=Scope.COURSE), machine.host, answer=False)
    assert f"Note: {COURSE_WARNING}" in said
    assert "git pull" in asked[0]
    _, said, asked = fix(DemoCheck(scope=Scope.COURSE), machine.host, answer=False, course=True)
    assert f"Note: {COURSE_WARNING}" not in said
    assert "git pull" not in asked[0]


# -- undo ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old",
    [
        b"[wsl2]\r\nmemory=4GB\r\nswap=0\r\n",
        b"\xef\xbb\xbf[wsl2]\nmemory=4GB\n",
        "[wsl2]\r\nmemory=4GB # Wörter\r\n".encode("utf-16"),
        "[wsl2]\nmemory=4GB\n".encode("utf-16-le"),
        b"\x00\xff\xfe binary \r\r\n\x1a",
    ],
    ids=["crlf", "utf8-bom", "utf16-bom", "utf16-no-bom", "binary"],
)
def test_undo_restores_the_exact_old_bytes(machine: Machine, old: bytes) -> None:
    machine.write(TARGET, old, mode=0o600)
    result, said, _ = fix(DemoCheck(), machine.host, yes=True)
    assert result.outcome is Outcome.VERIFIED
    if old.startswith(b"\xff\xfe"):
        assert any("-memory=4GB" in line for line in said)  # the UTF-16 diff is readable
    assert machine.read(TARGET) == GOOD
    undone, _ = undo_last(machine, yes=True)
    assert undone.outcome is Outcome.UNDONE and undone.outcome.exit_code == 0
    assert machine.read(TARGET) == old
    assert machine.mode(TARGET) == 0o600
    assert machine.entries()[-1].state == "undone"
    again, _ = undo_last(machine, yes=True)
    assert again.outcome is Outcome.REFUSED
    assert "undone" in again.message


def test_undo_refuses_when_the_file_changed_since(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    fix(DemoCheck(), machine.host, yes=True)
    machine.write(TARGET, b"edited after the fix\n")
    result, _ = undo_last(machine, yes=True)
    assert result.outcome is Outcome.REFUSED and result.outcome.exit_code == 4
    assert "changed since devdoctor wrote it" in result.message
    assert machine.read(TARGET) == b"edited after the fix\n"
    assert machine.entries()[-1].state == "verified"
    machine.write(TARGET, GOOD)  # put back what devdoctor wrote: undo works again
    assert undo_last(machine, yes=True)[0].outcome is Outcome.UNDONE
    assert machine.read(TARGET) == BAD


def test_undo_is_all_or_nothing(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    machine.write(OTHER, b"other old\n")
    check = DemoCheck(extra=(WriteFile(OTHER, b"other old\n", b"other new\n"),))
    assert fix(check, machine.host, yes=True)[0].outcome is Outcome.VERIFIED
    machine.write(TARGET, b"edited after the fix\n")  # the first change's file
    result, _ = undo_last(machine, yes=True)
    assert result.outcome is Outcome.REFUSED
    assert machine.read(OTHER) == b"other new\n", "undo put back part of the fix"
    assert machine.read(TARGET) == b"edited after the fix\n"


def test_undo_refuses_when_the_backup_is_gone(machine: Machine) -> None:
    machine.write(TARGET, BAD)
    fix(DemoCheck(), machine.host, yes=True)
    entry = machine.entries()[-1]
    (entry.folder / entry.data["changes"][0]["old"]).unlink()
    result, _ = undo_last(machine, yes=True)
    assert result.outcome is Outcome.REFUSED
    assert machine.read(TARGET) == GOOD


@pytest.mark.parametrize(
    ("consent", "answer", "outcome"),
    [
        ({"dry_run": True}, None, Outcome.DRY_RUN),
        ({}, None, Outcome.NOT_APPLIED),
        ({}, False, Outcome.DECLINED),
    ],
)
def test_undo_is_confirmed_like_a_fix(
    machine: Machine, consent: dict[str, bool], answer: bool | None, outcome: Outcome
) -> None:
    machine.write(TARGET, BAD)
    fix(DemoCheck(), machine.host, yes=True)
    result, said = undo_last(machine, answer=answer, **consent)
    assert result.outcome is outcome
    assert machine.read(TARGET) == GOOD
    plan = "\n".join(said)
    assert "-good" in plan and "+bad" in plan


# -- the lock ---------------------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """\
    import sys, time
    from pathlib import Path
    from devdoctor.journal import locked
    with locked(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture
def lock_held(machine: Machine) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the fix lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(machine.state)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait(10)


def test_the_lock_refuses_a_second_holder_at_once(
    machine: Machine, lock_held: subprocess.Popen[str]
) -> None:
    machine.write(TARGET, BAD)
    start = time.monotonic()
    result, _, _ = fix(DemoCheck(), machine.host, yes=True)
    assert time.monotonic() - start < 1.0, "waited for the other devdoctor"
    assert result.outcome is Outcome.REFUSED and result.outcome.exit_code == 4
    assert "another devdoctor" in result.message
    assert machine.read(TARGET) == BAD
    assert machine.entries() == []
    with pytest.raises(LockedError), locked(machine.state):
        pass
    lock_held.kill()
    lock_held.wait(10)
    result, _, _ = fix(DemoCheck(), machine.host, yes=True)  # the lock died with its holder
    assert result.outcome is Outcome.VERIFIED


def test_undo_refuses_while_another_devdoctor_holds_the_lock(
    machine: Machine, tmp_path: Path
) -> None:
    machine.write(TARGET, BAD)
    fix(DemoCheck(), machine.host, yes=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(machine.state)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        result, _ = undo_last(machine, yes=True)
        assert result.outcome is Outcome.REFUSED
        assert machine.read(TARGET) == GOOD
    finally:
        proc.kill()
        proc.wait(10)


def test_a_state_directory_that_cannot_be_made_refuses_the_fix(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "demo.conf").write_bytes(BAD)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the state directory should be")
    host = Host(root=root, env={"PATH": "/usr/bin:/bin", "DEVDOCTOR_STATE_DIR": str(blocked)})
    result, _, _ = fix(DemoCheck(), host, yes=True)
    assert result.outcome is Outcome.REFUSED
    assert "DEVDOCTOR_STATE_DIR" in result.message
    assert (root / "etc" / "demo.conf").read_bytes() == BAD


def test_the_lock_is_not_reentrant_within_one_process(tmp_path: Path) -> None:
    with locked(tmp_path / "state"), pytest.raises(LockedError), locked(tmp_path / "state"):
        pass
    with locked(tmp_path / "state"):  # released
        pass


# -- the journal ----------------------------------------------------------------------------------


def test_entries_made_in_the_same_second_keep_their_order(tmp_path: Path) -> None:
    made = [
        new_entry(tmp_path, fix_id, "t", None).folder.name
        for fix_id in ("wsl-memory", "line-endings", "wsl-memory", "a", "wsl-memory")
    ]
    assert [e.id for e in entries(tmp_path)] == made
    assert len(set(made)) == 5


def test_unreadable_entries_are_left_out(tmp_path: Path) -> None:
    good = new_entry(tmp_path, "demo", "t", None)
    broken = new_entry(tmp_path, "demo", "t", None)
    (broken.folder / "entry.json").write_text("{not json")
    (tmp_path / "journal" / "stray-file").write_text("x")
    listed = new_entry(tmp_path, "demo", "t", None)
    (listed.folder / "entry.json").write_text("[1, 2]")
    assert [e.id for e in entries(tmp_path)] == [good.id]
    assert entries(tmp_path / "nowhere") == []


# -- atomic writes --------------------------------------------------------------------------------


def test_write_atomic_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "conf"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["conf"]


def test_write_atomic_gives_a_new_file_the_usual_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "sub" / "new.conf", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "sub" / "new.conf").stat().st_mode) == 0o644


def test_write_atomic_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "wslconfig"
    real.write_bytes(b"old")
    link = tmp_path / ".wslconfig"
    link.symlink_to(real)
    write_atomic(link, b"new")
    assert link.is_symlink(), "the link was replaced by a copy"
    assert real.read_bytes() == b"new"


def test_write_atomic_failure_leaves_the_old_target_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a-folder"
    target.mkdir()
    (target / "keep").write_bytes(b"k")
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert (target / "keep").read_bytes() == b"k"
    assert [p.name for p in tmp_path.iterdir()] == ["a-folder"]


def test_change_errors_are_plain_words(machine: Machine) -> None:
    with pytest.raises(ChangeError, match="cannot read the mode of /nope"):
        SetMode("/nope", 0o644, 0o755).changed_since(machine.host)


# -- recovery of an entry a crash left open ---------------------------------------------------


def _open_entry(machine: Machine, *, owner_pid: int) -> Entry:
    """The journal as a fix killed right after its rename leaves it."""
    from devdoctor.journal import holder_info

    machine.write(TARGET, BAD)
    change = WriteFile(TARGET, BAD, GOOD)
    target = machine.path(TARGET)
    entry = new_entry(machine.state, "demo-file", "t", machine.host.root, targets=[target])
    entry.data["owner"] = {**holder_info(), "pid": owner_pid}
    entry.data["changes"].append(change.backup(machine.host, entry.folder))
    entry.save()
    machine.write(TARGET, GOOD)
    return entry


def test_recovery_marks_an_entry_applied_from_the_file_and_undo_then_works(
    machine: Machine,
) -> None:
    from devdoctor.recovery import recover

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(10)
    _open_entry(machine, owner_pid=dead.pid)
    said = recover(machine.host)
    assert "had been applied" in said[0]
    assert machine.entries()[-1].state == "applied"
    undone, _ = undo_last(machine, yes=True)
    assert undone.outcome is Outcome.UNDONE
    assert machine.read(TARGET) == BAD


def test_recovery_leaves_an_entry_whose_process_still_runs(machine: Machine) -> None:
    from devdoctor.recovery import recover

    _open_entry(machine, owner_pid=os.getpid())
    assert recover(machine.host) == []
    assert machine.entries()[-1].state == "open"
    assert machine.read(TARGET) == GOOD


def test_recovery_puts_back_a_fix_cut_off_part_way(machine: Machine) -> None:
    from devdoctor.recovery import recover

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(10)
    entry = _open_entry(machine, owner_pid=dead.pid)
    machine.write(SCRIPT, b"#!/bin/sh\n", mode=0o644)
    entry.data["changes"].append(SetMode(SCRIPT, 0o644, 0o755).backup(machine.host, entry.folder))
    entry.save()  # the file was replaced, the mode never changed: part-way
    said = recover(machine.host)
    assert "put back" in said[0]
    assert machine.read(TARGET) == BAD and machine.mode(SCRIPT) == 0o644
    assert machine.entries()[-1].state == "rolled-back"
