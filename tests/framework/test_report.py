"""`devdoctor report`: the forum report, its signature, redaction, formats and the clipboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.scenario import Scenario


@pytest.fixture
def fake(tmp_path: Path) -> Scenario:
    fake = Scenario(tmp_path).wsl()
    # identities the redactor must keep out of the report
    (tmp_path / "gitconfig").write_text(
        "[user]\n\tname = Alice Example\n\temail = alice@uni.example.edu\n"
    )
    fake.path("/mnt/c/Users/student/.wslconfig").write_bytes(
        b"[wsl2]\r\nmemory=4GB\r\nswapFile=C:\\\\Users\\\\student\\\\swap.vhdx\r\n"
    )
    return fake


def test_forum_report_is_fenced_signed_and_redacted(fake: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    done = fake.cli("report", "--only", "wsl-memory,wsl-version", "--output", str(out))
    assert done.returncode == 1
    text = out.read_text()
    lines = text.splitlines()
    assert lines[0] == "```" and lines[-1] == "```"
    assert lines[1] == "devdoctor-signature: wsl-memory/too-little-memory"
    assert lines[2].startswith("devdoctor-report: v1 id=")
    assert lines[3].startswith("devdoctor 0.1.0 on wsl")
    assert "[FAIL] wsl-memory" in text
    assert "fix: devdoctor fix wsl-memory" in text
    for secret in ("student", "alice", "Alice Example", "uni.example.edu", "student-laptop"):
        assert secret not in text, secret
    assert "/mnt/c/Users/<user>/.wslconfig" in text
    assert f"Report written to {out}" in done.stdout


def test_markdown_and_json_formats(fake: Scenario, tmp_path: Path) -> None:
    md = tmp_path / "r.md"
    fake.cli("report", "--only", "wsl-memory", "--format", "markdown", "--output", str(md))
    text = md.read_text()
    assert text.startswith("**devdoctor-signature: wsl-memory/too-little-memory**")
    assert "| \\[FAIL\\] | `wsl-memory` |" in text
    js = tmp_path / "r.json"
    fake.cli("report", "--only", "wsl-memory", "--format", "json", "--output", str(js))
    data = json.loads(js.read_text())
    assert data["results"][0]["findings"][0]["code"] == "wsl-memory/too-little-memory"


def test_report_default_file_goes_to_the_state_dir(fake: Scenario) -> None:
    done = fake.cli("report", "--only", "wsl-memory")
    [written] = list((fake.state / "reports").glob("devdoctor-report-*.txt"))
    assert str(written) in done.stdout


def test_copy_hands_clip_exe_utf16_with_a_bom(fake: Scenario, tmp_path: Path) -> None:
    got = tmp_path / "clipboard.bin"
    fake.script("clip.exe", f"cat > '{got}'")
    done = fake.cli("report", "--only", "wsl-memory", "--copy", "--output", str(tmp_path / "r.txt"))
    assert "Copied to the clipboard" in done.stdout
    data = got.read_bytes()
    assert data.startswith(b"\xff\xfe")
    assert data[2:].decode("utf-16-le") == (tmp_path / "r.txt").read_text()


def test_markdown_renders_as_intended_on_github(fake: Scenario, tmp_path: Path) -> None:
    """Parsed with a CommonMark parser: a real table, a block per finding, nothing dropped."""
    from markdown_it import MarkdownIt

    md = tmp_path / "r.md"
    fake.cli(
        "report", "--only", "wsl-memory,wsl-version", "--format", "markdown", "--output", str(md)
    )
    html = MarkdownIt("commonmark").enable("table").render(md.read_text())
    assert "<table>" in html and "<td><code>wsl-memory</code></td>" in html
    assert "<h4>[FAIL] <code>wsl-memory/too-little-memory</code></h4>" in html
    # evidence is a list under its finding, not one merged paragraph
    assert html.count("<li><strong>") >= 3
    # a redaction placeholder survives as text instead of vanishing as an HTML tag
    assert "/mnt/c/Users/&lt;user&gt;/.wslconfig" in html or "[user]" in html


def test_build_log_lines_go_under_the_finding_they_explain(
    fake: Scenario, tmp_path: Path
) -> None:
    log = tmp_path / "build.log"
    log.write_text(
        "Step 5/7 : RUN ./install.sh\n"
        " ---> Running in 1234\n"
        "Killed\n"
        "The command '/bin/sh -c ./install.sh' returned a non-zero code: 137\n"
    )
    out = tmp_path / "r.txt"
    fake.cli("report", "--only", "wsl-memory", "--build-log", str(log), "--output", str(out))
    text = out.read_text()
    under = text.split("[FAIL] wsl-memory/too-little-memory")[1]
    assert "in the build log, line 3: Killed" in under.split("\n\n")[0]
    assert "the build log shows:" in text and "out-of-memory: line 3: Killed" in text
    missing = fake.cli("report", "--build-log", str(tmp_path / "nope.log"))
    assert missing.returncode == 2 and "--build-log" in missing.stderr
