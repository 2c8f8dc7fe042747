"""`devdoctor check`: run the checks side by side, show them as they arrive, explain each."""

from __future__ import annotations

import json
import os
import sys
from argparse import Namespace
from pathlib import Path

from ..errors import UsageError
from ..exits import ExitCode
from ..host import Host
from ..model import Run
from ..render import TERMINAL_MARK, details, plain_table, redact_json, run_json, verdict
from ..repo import policy
from ..ui import UI
from .common import execute_checks, exit_code, meta, policy_warnings


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Run, show, explain; `--log` also writes the results to a file."""
    for warning in policy_warnings(policy(host)):
        # stdout must stay pure JSON with --json: the warnings are inside it as well
        print(f"warning: {ui.redact(warning)}", file=sys.stderr if args.json else ui.stream)
    for flag, given in (("--log", args.log), ("--sarif", getattr(args, "sarif", None))):
        if given:
            refuse_output(Path(given), flag)  # before the run, not after it
    results = execute_checks(args, host, ui, live=True)
    _for_ci(args, host, results, ui)
    if args.json:
        data = redact_json(run_json(results, meta(host, results)), ui.redact)
        dumped = json.dumps(data, indent=2) + "\n"
        ui.stream.write(dumped)
        if args.log:
            write_output(Path(args.log), dumped, "--log")
        return exit_code(results, args.strict)
    text = human(results, ui, verbose=args.verbose, help_urls=dict(policy(host).help))
    if not ui.fancy:
        for line in plain_table(results.results, ui.redact):
            ui.say(line)
    for line in text:
        ui.say(line)
    if args.log:
        _write_log(Path(args.log), results, ui, verbose=args.verbose)
    return exit_code(results, args.strict)


def human(
    results: Run, ui: UI, *, verbose: bool, help_urls: dict[str, str] | None = None
) -> list[str]:
    """The details of every finding that matters, then the verdict."""
    marks = TERMINAL_MARK if ui.fancy else None  # the table's own marks above the details
    shown = details(results, ui.redact, verbose=verbose, marks=marks, help_urls=help_urls)
    return [*shown, "", verdict(results)]


def _write_log(path: Path, results: Run, ui: UI, *, verbose: bool) -> None:
    lines = plain_table(results.results, ui.redact) + human(results, ui, verbose=verbose)
    write_output(path, ui.redact("\n".join(lines)) + "\n", "--log")  # the verdict too


def _for_ci(args: Namespace, host: Host, results: Run, ui: UI) -> None:
    """SARIF to a file (--sarif); under GitHub Actions, annotations and the job summary."""
    on_github = host.env.get("GITHUB_ACTIONS") == "true"
    if not getattr(args, "sarif", None) and not on_github:
        return
    from ..ci_output import github_annotations, sarif, step_summary  # (only CI asks for them)

    if getattr(args, "sarif", None):
        data = sarif(results, ui.redact, _explanation)
        write_output(Path(args.sarif), json.dumps(data, indent=2) + "\n", "--sarif")
    if not on_github:
        return
    # Workflow commands are read from the job's output: stderr under --json keeps stdout JSON.
    stream = sys.stderr if args.json else ui.stream
    for line in github_annotations(results, ui.redact):
        print(line, file=stream)
    summary = host.env.get("GITHUB_STEP_SUMMARY")
    if summary:
        from ..reporting import markdown_body

        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(step_summary(results, markdown_body(results, ui.redact)))


def _explanation(cid: str) -> str:
    """A built-in check's explanation in one paragraph, for SARIF's rule descriptions."""
    from ..registry import builtin_ids, described_builtins

    if cid not in builtin_ids():
        return ""
    (described,) = described_builtins([cid])
    return " ".join(described.explanation.split())


def refuse_output(path: Path, flag: str) -> None:
    """A file devdoctor cannot write is a usage error (exit 2), said before the run."""
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; name a file in it")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"{flag} {path}: the folder {folder} does not exist")
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise UsageError(f"{flag} {path}: permission denied")


def write_output(path: Path, text: str, flag: str) -> None:
    """Write a log or a report; a full disk or a bad path is one line and exit 2."""
    refuse_output(path, flag)
    try:
        with open(path, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {flag} {path}: {exc.strerror or exc}") from None
