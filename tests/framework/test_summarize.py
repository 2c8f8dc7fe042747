"""`devdoctor summarize`: a class's reports, real ones made on fake hosts, counted right."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from pathlib import Path

import pytest
from devdoctor.summary import parse, read_paths, summarize

from tests.scenario import DEVDOCTOR, Scenario

ID = re.compile(r"id=[0-9a-f]{16}")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One real report per kind of student machine, as devdoctor writes them."""
    out: dict[str, str] = {}
    tmp = tmp_path_factory.mktemp("wsl")
    fake = Scenario(tmp).wsl()
    fake.cli("report", "--only", "wsl-memory,wsl-version", "--output", str(tmp / "r.txt"))
    out["wsl-forum"] = (tmp / "r.txt").read_text()
    tmp = tmp_path_factory.mktemp("win")
    fake = Scenario(tmp).windows(wsl_list=None)
    fake.cli("report", "--only", "wsl-version", "--format", "json", "--output", str(tmp / "r.json"))
    out["windows-json"] = (tmp / "r.json").read_text()
    tmp = tmp_path_factory.mktemp("course")
    scene = Scenario(tmp, rooted=False, DEVDOCTOR_PLATFORM="container")
    repo = scene.course(
        {".devcontainer/setup.sh": b"#!/bin/bash\r\necho hi\r\n"},
        config={"image": "debian:12", "postCreateCommand": "./.devcontainer/setup.sh"},
        executable=(".devcontainer/setup.sh",),
    )
    scene.cli("report", "--format", "markdown", "--repo", str(repo), "--output", str(tmp / "r.md"))
    out["container-markdown"] = (tmp / "r.md").read_text()
    return out


def _with_new_id(text: str) -> tuple[str, str]:
    new = secrets.token_hex(8)
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        data["report"]["install_id"] = new
        return json.dumps(data), new
    return ID.sub(f"id={new}", text), new


def test_each_template_says_what_its_machine_has(templates: dict[str, str]) -> None:
    (wsl,) = parse(templates["wsl-forum"], "a")
    assert "wsl-memory/too-little-memory" in wsl.failing and wsl.platform == "wsl"
    (win,) = parse(templates["windows-json"], "b")
    assert "wsl-version/not-installed" in win.failing and win.platform == "windows"
    (box,) = parse(templates["container-markdown"], "c")
    assert "script-shebangs/crlf" in box.failing and box.platform == "container"
    assert wsl.install_id and win.install_id and box.install_id and wsl.format == 1


def test_a_class_of_300_is_counted_right(templates: dict[str, str], tmp_path: Path) -> None:
    mix = {"wsl-forum": 150, "windows-json": 90, "container-markdown": 60}
    folder = tmp_path / "posts"
    folder.mkdir()
    ids: list[tuple[str, str]] = []
    for kind, count in mix.items():
        for n in range(count):
            text, new = _with_new_id(templates[kind])
            (folder / f"{kind}-{n:03}.txt").write_text(text)
            ids.append((kind, new))
    for kind, same in ids[:10]:  # ten students post twice: counted once
        (folder / f"zz-again-{same}.txt").write_text(ID.sub(f"id={same}", templates[kind]))
    (folder / "notes.txt").write_text("not a report\n")
    reading = read_paths([str(folder)])
    summary = summarize(reading.reports)
    assert summary.total == 300 and reading.duplicates == 10
    assert summary.failing["wsl-memory/too-little-memory"] == 150
    assert summary.failing["wsl-version/not-installed"] == 90
    assert summary.failing["script-shebangs/crlf"] == 60
    assert summary.reports_by_platform == {"wsl": 150, "windows": 90, "container": 60}
    assert [p for p, _ in reading.skipped] == [str(folder / "notes.txt")]

    done = subprocess.run([DEVDOCTOR, "summarize", str(folder)], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "300 report(s)" in done.stdout and "10 repeated post(s) counted once" in done.stdout
    assert re.search(r"wsl-memory/too-little-memory\s+150\s+50%", done.stdout)
    assert "### `wsl-memory/too-little-memory`: 150 of 300 (50%)" in done.stdout
    as_json = subprocess.run([DEVDOCTOR, "summarize", "--json", str(folder)],
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert json.loads(as_json.stdout)["failing"]["script-shebangs/crlf"] == 60


def test_a_pasted_forum_post_round_trips(templates: dict[str, str], tmp_path: Path) -> None:
    post = tmp_path / "post.txt"
    post.write_text("Hi, my container won't build, here is the report:\n\n"
                    + templates["wsl-forum"] + "\nThanks!\n")  # fmt: skip
    (report,) = read_paths([str(post)]).reports
    (original,) = parse(templates["wsl-forum"], "x")
    assert (report.failing, report.warning, report.install_id) == (
        original.failing, original.warning, original.install_id
    )


def test_reports_from_0_1_0_without_the_report_line_still_parse() -> None:
    old = "```\ndevdoctor-signature: wsl-memory/too-little-memory + devcontainer/not-found\n" \
          "devdoctor 0.1.0 on wsl (WSL distro Ubuntu, kernel 5.15)\nvariant: none (x)\n```\n"
    (report,) = parse(old, "old")
    assert report.failing == ("wsl-memory/too-little-memory",)
    assert report.warning == ("devcontainer/not-found",)
    assert (report.format, report.install_id, report.version) == (0, None, "0.1.0")


def test_nothing_readable_exits_2(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("hello")
    done = subprocess.run([DEVDOCTOR, "summarize", str(tmp_path / "x.txt"), str(tmp_path / "no")],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert "no devdoctor report in it" in done.stdout and "does not exist" in done.stdout
