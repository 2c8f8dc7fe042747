"""Turning results into what people read: a table with a mark per check, details, a verdict.

Plain text when piped or asked for (ASCII marks that read the same in any forum editor), a
rich table on a terminal. Everything passes through the redactor before it is shown.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .model import Result, Run, Status

if TYPE_CHECKING:
    from rich.table import Table

ASCII_MARK = {
    Status.OK: "[ OK ]",
    Status.INFO: "[INFO]",
    Status.WARN: "[WARN]",
    Status.FAIL: "[FAIL]",
    Status.SKIP: "[SKIP]",
    Status.ERROR: "[ERR!]",
}
RICH_MARK = {
    Status.OK: "[green]✔[/]",
    Status.INFO: "[blue]i[/]",
    Status.WARN: "[yellow]![/]",
    Status.FAIL: "[bold red]✖[/]",
    Status.SKIP: "[dim]-[/]",
    Status.ERROR: "[bold magenta]☠[/]",
}
TERMINAL_MARK = {  # the table's marks, as plain text for the details under it
    Status.OK: "✔",
    Status.INFO: "i",
    Status.WARN: "!",
    Status.FAIL: "✖",
    Status.SKIP: "-",
    Status.ERROR: "☠",
}
SHOWN_IN_DETAIL = (Status.INFO, Status.WARN, Status.FAIL, Status.ERROR)
Redact = Callable[[str], str]


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Lines of at most `width` columns, broken at spaces but never inside a `command` (a line
    break in `wsl --shutdown` reads as two commands) nor inside a path or a word."""
    glued = re.sub(r"`[^`\n]*`", lambda m: m[0].replace(" ", "\u00a0"), text)
    lines = textwrap.wrap(
        glued,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace("\u00a0", " ") for line in lines]


def plain_table(results: Sequence[Result], redact: Redact) -> list[str]:
    """One line per check: mark, id, summary."""
    width = max((len(r.id) for r in results), default=10)
    return [f"{ASCII_MARK[r.status]} {r.id:<{width}}  {redact(r.summary)}" for r in results]


def rich_table(
    checks: Sequence[tuple[str, str]], results: dict[str, Result], redact: Redact
) -> Table:
    """The table a terminal shows, rows filled in as results arrive."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("", width=1)
    table.add_column("check", no_wrap=True)
    table.add_column("result")
    for check_id, _title in checks:
        result = results.get(check_id)
        if result is None:
            table.add_row("[dim]…[/]", check_id, "[dim]checking…[/]")
        else:
            summary = escape(redact(result.summary))
            if result.status is Status.SKIP:
                summary = f"[dim]{summary}[/]"
            table.add_row(RICH_MARK[result.status], check_id, summary)
    return table


def details(
    run: Run,
    redact: Redact,
    *,
    verbose: bool = False,
    width: int = 88,
    marks: dict[Status, str] | None = None,
    help_urls: dict[str, str] | None = None,
) -> list[str]:
    """What each problem means and what to do, for every check that is not plainly ok.

    Each text is redacted whole before it is wrapped, so nothing that spans lines (a private
    key pasted into an error message) slips through line by line. Words are never broken, so a
    path stays whole on its line. `marks` are the table's own (✔ ✖ on a terminal);
    `help_urls` are the course's pages for a check (the policy's [help]).
    """
    mark = marks or ASCII_MARK
    lines: list[str] = []
    for result in run.results:
        shown = [f for f in result.findings if f.status in SHOWN_IN_DETAIL]
        if result.status is Status.ERROR:
            lines += ["", f"{mark[Status.ERROR]} {result.title} ({result.id})"]
            lines.append(f"  devdoctor itself broke here: {redact(result.error or '')}")
            if result.origin != "builtin":
                lines.append(f"  (from {result.origin}: tell its authors)")
            elif verbose and result.traceback:
                lines += ["  " + ln for ln in redact(result.traceback).rstrip().splitlines()]
            else:
                lines.append("  This is a bug in devdoctor; `--verbose` shows the traceback.")
            continue
        if not shown:
            continue
        lines += ["", f"{result.title} ({result.id})"]
        for finding in shown:
            lines.append(f"  {mark[finding.status]:<6} {redact(finding.summary)}")
            if finding.subject:
                lines.append(f"         about: {redact(finding.subject)}")
            for paragraph in redact(finding.detail).split("\n"):
                wrapped = wrap(paragraph, width - 9)
                lines += [f"         {ln}".rstrip() for ln in wrapped or [""]]
            for key, value in finding.evidence:
                lines.append(f"         {key}: {redact(value)}")
            if finding.fix:
                title = redact(finding.fix.title)
                lines.append(f"         fix: `devdoctor fix {finding.fix.id}` ({title})")
        if help_urls and result.id in help_urls:
            lines.append(f"         the course's help: {help_urls[result.id]}")
    return lines


def verdict(run: Run) -> str:
    """The last line: how many root causes, and the next command to type."""
    counts = run.counts()
    failing = [r.id for r in run.results if r.status is Status.FAIL]
    warning = [r.id for r in run.results if r.status is Status.WARN]
    fixable = sorted(
        {
            f.fix.id
            for r in run.results
            for f in r.findings
            if f.fix and f.status in (Status.WARN, Status.FAIL) and not f.fix.destructive
        }
    )
    parts = []
    if counts["error"]:
        parts.append(f"{counts['error']} check(s) broke inside devdoctor")
    if failing:
        parts.append(f"{len(failing)} problem(s) will break the build: {', '.join(failing)}")
    if warning:
        parts.append(f"{len(warning)} warning(s): {', '.join(warning)}")
    looked = [r for r in run.results if r.status is not Status.SKIP]
    if not looked and run.results:
        reasons = sorted({r.skip_reason or "" for r in run.results})
        return (
            "Nothing was checked: "
            + "; ".join(f"{_ids_with(run, reason)} ({reason})" for reason in reasons)
            + ". Run `devdoctor check` without --only/--skip, where those checks apply."
        )
    text = "No problems found." if not parts else "; ".join(parts) + "."
    if counts["skip"]:
        text += f" {counts['skip']} check(s) did not apply here."
    if fixable:
        text += f" To fix: devdoctor fix {' '.join(fixable)}"
    return text


def _ids_with(run: Run, reason: str) -> str:
    return ", ".join(r.id for r in run.results if (r.skip_reason or "") == reason)


def run_json(run: Run, meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON contract (schema 1)."""
    return {
        **meta,
        "results": [r.to_json() for r in run.results],
        "counts": run.counts(),
    }


def redact_json(value: Any, redact: Redact) -> Any:
    """Apply the redactor to every string inside a JSON value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_json(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, redact) for v in value]
    return value
