"""What CI reads: GitHub workflow commands, the job summary, and SARIF valid against its schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from devdoctor.ci_output import github_annotations, sarif, step_summary
from devdoctor.model import Finding, Result, Run, Scope, Status

from tests import TESTS
from tests.scenario import Scenario

SCHEMA = json.loads((TESTS / "samples" / "sarif" / "sarif-schema-2.1.0.json").read_text())


def _run() -> Run:
    findings = (
        Finding(
            status=Status.FAIL,
            code="script-shebangs/crlf",
            summary="Windows line endings (CRLF), 100% sure: a, b",
            detail="line one\nline two",
            path=".devcontainer/setup.sh",
            line=1,
        ),
        Finding(status=Status.WARN, code="script-shebangs/bom", summary="a BOM"),
        Finding(status=Status.OK, code="script-shebangs/ok", summary="fine"),
    )
    return Run((Result(id="script-shebangs", title="Scripts", scope=Scope.COURSE, findings=findings),))


def test_annotations_escape_what_github_would_misread() -> None:
    lines = github_annotations(_run(), lambda s: s)
    assert lines == [
        "::error file=.devcontainer/setup.sh,line=1,title=script-shebangs/crlf::"
        "Windows line endings (CRLF), 100%25 sure: a, b%0Aline one%0Aline two",
        "::warning title=script-shebangs/bom::a BOM",
    ]


def test_sarif_is_valid_against_the_2_1_0_schema() -> None:
    data = sarif(_run(), lambda s: s, lambda cid: "What the check looks at.")
    jsonschema.validate(data, SCHEMA)
    (run,) = data["runs"]
    assert [r["ruleId"] for r in run["results"]] == ["script-shebangs/crlf", "script-shebangs/bom"]
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1}
    assert "locations" not in run["results"][1]


def test_step_summary_is_markdown_with_a_verdict() -> None:
    text = step_summary(_run(), ["| | check | result |"])
    assert text.startswith("### devdoctor: 1 failing, 1 warning")


def test_check_course_under_github_actions(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    scene = Scenario(tmp_path, rooted=False, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    repo = scene.course(
        {".devcontainer/setup.sh": b"#!/bin/bash\r\necho hi\r\n"},
        config={"image": "debian:12", "postCreateCommand": "./.devcontainer/setup.sh"},
        executable=(".devcontainer/setup.sh",),
    )
    sarif_file = tmp_path / "out.sarif"
    done = scene.cli("check", "--course", "--repo", str(repo), "--sarif", str(sarif_file))
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [ln for ln in done.stdout.splitlines() if ln.startswith("::error ")]
    assert any("title=script-shebangs/crlf" in ln for ln in errors), done.stdout
    assert summary.read_text().startswith("### devdoctor: ")
    data = json.loads(sarif_file.read_text())
    jsonschema.validate(data, SCHEMA)
    assert any(r["ruleId"] == "script-shebangs/crlf" for r in data["runs"][0]["results"])
