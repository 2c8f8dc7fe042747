"""`devdoctor check`: run the checks side by side, show them as they arrive, explain each."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from pathlib import Path

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
    results = execute_checks(args, host, ui, live=True)
    if args.json:
        ui.stream.write(
            json.dumps(redact_json(run_json(results, meta(host, results)), ui.redact), indent=2)
            + "\n"
        )
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
    path.write_text(ui.redact("\n".join(lines)) + "\n", encoding="utf-8")  # the verdict too
