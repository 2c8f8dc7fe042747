"""What a student reads: the subcommand's own usage, `--output -`, undo's unknown ids, diff marks."""

from __future__ import annotations

from pathlib import Path

from devdoctor.file_changes import WriteFile
from devdoctor.fixes import _wrapped

from tests.scenario import Scenario


def test_a_wrong_option_gets_the_subcommands_own_usage(tmp_path: Path) -> None:
    done = Scenario(tmp_path).wsl().cli("check", "--bogus")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: devdoctor check ")
    assert "unrecognized arguments: --bogus" in done.stderr


def test_output_dash_prints_the_report_and_writes_no_file(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    done = fake.cli("report", "--only", "wsl-memory", "--output", "-")
    assert done.stdout.startswith("```\ndevdoctor-signature: wsl-memory/too-little-memory")
    assert not Path("-").exists() and "Report written" not in done.stdout


def test_undo_of_an_unknown_id_is_a_usage_error(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    assert fake.cli("undo", "nosuch").returncode == 2
    assert fake.cli("undo", "wsl-memory").returncode == 0  # a real id with nothing recorded


def test_the_diff_explains_its_marks(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    path = "/mnt/c/Users/student/.wslconfig"
    old = fake.path(path).read_bytes()
    shown = WriteFile(path=path, old=old, new=old.replace(b"4GB", b"8GB")).preview(fake.host())
    assert "⏎" in shown and "(⏎ marks a Windows line ending" in shown


def test_a_step_never_breaks_inside_a_command() -> None:
    step = "Close every WSL terminal and VS Code, then run `wsl --shutdown` in PowerShell."
    for width in range(30, 90):
        lines = _wrapped(step, "  1. ", width)
        assert any("`wsl --shutdown`" in line for line in lines), (width, lines)
        assert " ".join(ln.strip() for ln in lines) == "1. " + step


def test_details_never_break_inside_a_command() -> None:
    from devdoctor.render import wrap

    text = "Install it, then run `code --install-extension ms-vscode-remote.remote-containers`."
    for width in range(20, 100):
        assert any("`code --install-extension ms-vscode-remote.remote-containers`" in line
                   for line in wrap(text, width)), width  # fmt: skip


def test_every_command_that_outputs_data_takes_json(tmp_path: Path) -> None:
    import json

    fake = Scenario(tmp_path).wsl()
    plan = json.loads(fake.cli("fix", "wsl-memory", "--dry-run", "--json").stdout)
    (item,) = plan["plan"]
    assert item["check"] == "wsl-memory" and item["fix"]["needs_restart"] is True
    assert fake.cli("fix", "wsl-memory", "--yes").returncode == 0
    listed = json.loads(fake.cli("undo", "--list", "--json").stdout)
    assert [e["fix"] for e in listed["entries"]] == ["wsl-memory"]
    report = json.loads(fake.cli("report", "--only", "wsl-memory", "--json", "--output", "-").stdout)
    assert report["results"][0]["id"] == "wsl-memory" and report["report"]["format"] == 1
