"""The interactive fix in a real terminal (tmux): No changes nothing; Yes changes and undo restores."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scenario import DEVDOCTOR, Scenario

pytestmark = pytest.mark.tmux
WSLCONFIG = "/mnt/c/Users/student/.wslconfig"


class Terminal:
    """A tmux session running one command, read with capture-pane, typed into with send-keys."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.name = f"devdoctor-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # The command prints its exit status last, so the test can read it from the screen.
        script = f"env -i {exports} TERM=xterm-256color {command}; echo EXIT=$?; sleep 600"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "50", script],
            check=True,
            timeout=10,
        )

    def screen(self) -> str:
        done = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name, "-S", "-200"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return done.stdout

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def type(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True, timeout=10)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], timeout=10, check=False)


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


def open_fix(fake: Scenario, opened: list[Terminal], *args: str) -> Terminal:
    command = " ".join(shlex.quote(a) for a in (DEVDOCTOR, *args, "--root", str(fake.root)))
    term = Terminal(command, fake.env)
    opened.append(term)
    return term


def test_answering_no_changes_nothing(tmp_path: Path, terminal: list[Terminal]) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    term = open_fix(fake, terminal, "fix", "wsl-memory")
    screen = term.wait_for("Apply")
    assert "+memory=8GB" in screen  # the exact change is shown before the question
    term.type("n")
    screen = term.wait_for("EXIT=")
    assert "EXIT=4" in screen
    assert "declined" in screen
    assert fake.path(WSLCONFIG).read_bytes() == before
    assert not (fake.state / "journal").exists()


def test_answering_yes_changes_the_file_and_undo_brings_it_back(
    tmp_path: Path, terminal: list[Terminal]
) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    term = open_fix(fake, terminal, "fix", "wsl-memory")
    term.wait_for("Apply")
    term.type("y")
    screen = term.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert "takes effect after a restart" in screen
    assert "wsl --shutdown" in screen and "Next:" in screen
    after = fake.path(WSLCONFIG).read_bytes()
    assert after == before.replace(b"memory=4GB", b"memory=8GB") + b"swap=8GB\r\n"
    [backup] = list((fake.state / "journal").glob("*/*.old"))
    assert backup.read_bytes() == before

    undo = open_fix(fake, terminal, "undo")
    screen = undo.wait_for("Put these back?")
    assert "-memory=8GB" in screen
    undo.type("y")
    screen = undo.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert fake.path(WSLCONFIG).read_bytes() == before


def test_the_live_table_on_a_terminal(tmp_path: Path, terminal: list[Terminal]) -> None:
    fake = Scenario(tmp_path).wsl()
    env = {k: v for k, v in fake.env.items() if k != "NO_COLOR"}
    command = " ".join(shlex.quote(a) for a in (DEVDOCTOR, "check", "--root", str(fake.root)))
    term = Terminal(command, env)
    terminal.append(term)
    screen = term.wait_for("EXIT=")
    assert "EXIT=1" in screen
    assert "✖" in screen and "wsl-memory" in screen
    assert "checking:" not in screen.split("EXIT=")[0].splitlines()[-3:]  # progress line is gone


def test_fix_without_an_id_offers_a_checklist_with_nothing_ticked(
    tmp_path: Path, terminal: list[Terminal]
) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    term = open_fix(fake, terminal, "fix")
    screen = term.wait_for("Which fixes")
    assert "wsl-memory" in screen and "●" not in screen  # none ticked at first
    term.type("Enter")  # confirming with nothing ticked changes nothing
    screen = term.wait_for("EXIT=")
    assert "Nothing chosen" in screen and "EXIT=4" in screen
    assert fake.path(WSLCONFIG).read_bytes() == before

    chosen = open_fix(fake, terminal, "fix")
    chosen.wait_for("Which fixes")
    chosen.type("Space")
    chosen.type("Enter")
    screen = chosen.wait_for("Apply")
    assert "+memory=8GB" in screen  # the plan comes before its own question
    chosen.type("y")
    screen = chosen.wait_for("EXIT=")
    assert "EXIT=0" in screen, screen
    assert b"memory=8GB" in fake.path(WSLCONFIG).read_bytes()


@pytest.mark.parametrize("key", ["C-c", "Escape"])
def test_ctrl_c_or_esc_at_any_question_changes_nothing_and_exits_130(
    tmp_path: Path, terminal: list[Terminal], key: str
) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    at_list = open_fix(fake, terminal, "fix")
    at_list.wait_for("Which fixes")
    at_list.type(key)
    assert "EXIT=130" in at_list.wait_for("EXIT=")

    at_confirm = open_fix(fake, terminal, "fix", "wsl-memory")
    at_confirm.wait_for("Apply")
    at_confirm.type(key)
    assert "EXIT=130" in at_confirm.wait_for("EXIT=")
    assert fake.path(WSLCONFIG).read_bytes() == before
    assert not list((fake.state / "journal").glob("*/*.old"))
