"""`devdoctor report`: run the checks and write a redacted report to paste into the forum."""

from __future__ import annotations

import time
from argparse import Namespace
from pathlib import Path

from ..exits import ExitCode
from ..host import Host
from ..repo import policy
from ..reporting import copy_to_clipboard, render
from ..ui import UI
from .common import execute_checks, exit_code, meta


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Run the checks, write the report to a file, optionally copy it."""
    args.json = False
    results = execute_checks(args, host, ui, live=False)
    text = render(host, results, args.format, ui, meta(host, results, report=True))
    suffix = {"json": ".json", "markdown": ".md"}.get(args.format, ".txt")
    if args.output:
        path = Path(args.output)
    else:
        path = (
            host.state_dir
            / "reports"
            / f"devdoctor-report-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
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
