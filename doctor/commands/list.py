"""`devdoctor list`: every check with its scope and fix, built-in and third-party."""

from __future__ import annotations

import json
from argparse import Namespace

from ..exits import ExitCode
from ..registry import load_checks, plugins_on
from ..ui import UI


def run(args: Namespace, ui: UI) -> ExitCode:
    """One line per check (and one per plugin that failed to load); `--json` for scripts."""
    checks, errors = load_checks(plugins=plugins_on())
    if args.json:
        rows: list[dict[str, object]] = [
            {
                "id": c.check.id,
                "title": c.check.title,
                "scope": c.check.scope.value,
                "needs": list(c.check.needs),
                "fix": c.check.fix_description or None,
                "origin": c.origin,
            }
            for c in checks
        ]
        rows += [{"id": e.id, "error": e.error, "origin": e.origin} for e in errors]
        ui.stream.write(json.dumps({"schema": 1, "checks": rows}, indent=2) + "\n")
        return ExitCode.OK
    for loaded in checks:
        check = loaded.check
        origin = "" if loaded.origin == "builtin" else f"  [{loaded.origin}]"
        ui.say(f"{check.id:<18} {check.scope.value:<6} {check.title}{origin}")
        if check.fix_description:
            ui.say(f"{'':<25} fix: {check.fix_description}")
    for error in errors:
        ui.say(f"{error.id:<18} error  {error.error}  [{error.origin}]")
    return ExitCode.OK
