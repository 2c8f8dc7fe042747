"""What a CI system reads: GitHub Actions' workflow commands and job summary, and SARIF 2.1.0.

`devdoctor check --course` runs in the course repository's own CI; these put each problem on
the line that causes it (annotations, code scanning) instead of in a log nobody opens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import __version__
from .model import Finding, Result, Run, Status

Redact = Callable[[str], str]
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_GITHUB_LEVEL = {Status.FAIL: "error", Status.WARN: "warning", Status.INFO: "notice"}
_SARIF_LEVEL = {Status.FAIL: "error", Status.WARN: "warning", Status.INFO: "note"}
_SHOWN = (Status.INFO, Status.WARN, Status.FAIL)


def _findings(run: Run) -> Iterable[tuple[Result, Finding]]:
    for result in run.results:
        for finding in result.findings:
            if finding.status in _SHOWN:
                yield result, finding


def _escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are escaped (GitHub's toolkit rules)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """A workflow command's property value: also `:` and `,`."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(run: Run, redact: Redact) -> list[str]:
    """One `::error file=…,line=…,title=…::message` line per finding worth a look."""
    lines = []
    for _result, finding in _findings(run):
        props = []
        if finding.path:
            props.append(f"file={_escape_property(redact(finding.path))}")
            if finding.line:
                props.append(f"line={finding.line}")
        props.append(f"title={_escape_property(redact(finding.code))}")
        message = redact(finding.summary)
        if finding.detail:
            message += "\n" + redact(finding.detail)
        lines.append(
            f"::{_GITHUB_LEVEL[finding.status]} {','.join(props)}::{_escape_data(message)}"
        )
    return lines


def step_summary(run: Run, markdown_body: list[str]) -> str:
    """The job summary: a verdict line, then the markdown report's table and findings."""
    shown = [finding.status for _result, finding in _findings(run)]
    failing, warning = shown.count(Status.FAIL), shown.count(Status.WARN)
    head = (
        f"### devdoctor: {failing} failing, {warning} warning"
        if failing or warning
        else "### devdoctor: no problems found"
    )
    return "\n".join([head, "", *markdown_body, ""]) + "\n"


def sarif(run: Run, redact: Redact, explain: Callable[[str], str]) -> dict[str, Any]:
    """The run as one SARIF 2.1.0 run: a rule per finding code, a result per finding.

    `explain(check_id)` gives the check's explanation for the rule's full description.
    """
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for result, finding in _findings(run):
        if finding.code not in rules:
            rules[finding.code] = {
                "id": finding.code,
                "name": finding.code.replace("/", "-"),
                "shortDescription": {"text": redact(result.title)},
                "fullDescription": {"text": redact(explain(result.id)) or redact(result.title)},
                "defaultConfiguration": {"level": _SARIF_LEVEL[finding.status]},
            }
        item: dict[str, Any] = {
            "ruleId": finding.code,
            "level": _SARIF_LEVEL[finding.status],
            "message": {
                "text": redact(finding.summary)
                + (f". {redact(finding.detail)}" if finding.detail else "")
            },
        }
        if finding.path:
            location: dict[str, Any] = {
                "artifactLocation": {"uri": redact(finding.path), "uriBaseId": "%SRCROOT%"}
            }
            if finding.line:
                location["region"] = {"startLine": finding.line}
            item["locations"] = [{"physicalLocation": location}]
        results.append(item)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "devdoctor",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/devcontainer-doctor/",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }
