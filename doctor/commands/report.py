"""`devdoctor report`: run the checks and write a redacted report to paste into the forum."""

from __future__ import annotations

import time
from argparse import Namespace
from pathlib import Path

from ..errors import UsageError
from ..exits import ExitCode
from ..host import Host
from ..journal import private_dir
from ..repo import policy
from ..reporting import copy_to_clipboard, render
from ..ui import UI
from .check import refuse_output, write_output
from .common import execute_checks, exit_code, meta


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Run the checks, write the report to a file, optionally copy it."""
    if args.json:  # `report --json` is `report --format json`
        args.format = "json"
    args.json = False
    to_stdout = args.output == "-"  # `--output -`: print it, write no file named "-"
    if args.output and not to_stdout:
        refuse_output(Path(args.output), "--output")  # before the run, not after it
    results = execute_checks(args, host, ui, live=False)
    evidence = build_log_lines(args.build_log) if getattr(args, "build_log", None) else {}
    text = render(host, results, args.format, ui, meta(host, results, report=True), evidence)
    suffix = {"json": ".json", "markdown": ".md"}.get(args.format, ".txt")
    if to_stdout:
        ui.stream.write(text)
        return exit_code(results, False)
    if args.output:
        path = Path(args.output)
    else:
        path = (
            host.state_dir
            / "reports"
            / f"devdoctor-report-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"
        )
        try:
            private_dir(host.state_dir)  # reports sit beside the journal's backups: private
            private_dir(path.parent)
        except OSError as exc:
            raise UsageError(
                f"cannot make {path.parent}: {exc.strerror or exc}; use --output FILE"
            ) from None
    write_output(path, text, "--output")
    ui.say(text.rstrip("\n") if args.format != "json" else f"({args.format} report)")
    ui.say("")
    ui.say(f"Report written to {path}")
    forum = policy(host).forum_url
    where = f"the course forum: {forum}" if forum else "the course forum"
    if args.copy:
        ui.say(copy_to_clipboard(host, text))
        ui.say(f"Paste it into {where}")
    else:
        ui.say(f"Paste it into {where} (add --copy to put it on the clipboard).")
    return exit_code(results, False)


def build_log_lines(given: str) -> dict[str, list[str]]:
    """Finding code -> the build log's lines (numbered, trimmed) that show its failure."""
    from ..diagnosis import parse_catalogue, scan_stream
    from ..registry import known_failures

    catalogue = parse_catalogue(known_failures())
    try:
        with open(given, "rb") as stream:  # a path on the real file system, like --repo
            scan = scan_stream(stream, catalogue)
    except OSError as exc:
        raise UsageError(f"--build-log {given}: {exc.strerror or exc}") from None
    shown: dict[str, list[str]] = {}
    for hit in scan.hits:
        lines = [f"line {line.number}: {line.text[:160]}" for line in hit.lines[:3]]
        for code in hit.failure.codes:
            shown.setdefault(code, []).extend(lines)
        shown.setdefault("", []).extend(f"{hit.failure.id}: {ln}" for ln in lines)
    return shown
