"""`devdoctor report`: run the checks and write a redacted report to paste into the forum."""

from __future__ import annotations

import time
from argparse import Namespace
from pathlib import Path

from ..exits import ExitCode
from ..host import Host
from ..journal import private_dir
from ..reporting import copy_to_clipboard, render
from ..ui import UI
from .check import refuse_output, write_output
from .common import UsageError, execute_checks, exit_code, meta


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Run the checks, write the report to a file, optionally copy it."""
    args.json = False
    if args.output:
        refuse_output(Path(args.output), "--output")  # before the run, not after it
    results = execute_checks(args, host, ui, live=False)
    text = render(host, results, args.format, ui, meta(host, results))
    suffix = {"json": ".json", "markdown": ".md"}.get(args.format, ".txt")
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
    if args.copy:
        ui.say(copy_to_clipboard(host, text))
    else:
        ui.say("Paste it into the course forum (add --copy to put it on the clipboard).")
    return exit_code(results, False)
