"""`devdoctor list`: every check with its scope and fix, built-in and third-party."""

from __future__ import annotations

import json
from argparse import Namespace

from ..exits import ExitCode
from ..registry import described_builtins, load_checks, plugins_on
from ..ui import UI


def run(args: Namespace, ui: UI) -> ExitCode:
    """One line per check (and one per plugin that failed to load); `--json` for scripts."""
    rows: list[dict[str, object]] = [
        {
            "id": d.id,
            "title": d.title,
            "scope": d.scope,
            "needs": list(d.needs),
            "fix": d.fix or None,
            "origin": "builtin",
        }
        for d in described_builtins()
    ]
    plugins, errors = load_checks(plugins=plugins_on(), ids=())
    rows += [
        {
            "id": c.check.id,
            "title": c.check.title,
            "scope": c.check.scope.value,
            "needs": list(c.check.needs),
            "fix": c.check.fix_description or None,
            "origin": c.origin,
        }
        for c in plugins
    ]
    if args.json:
        rows += [{"id": e.id, "error": e.error, "origin": e.origin} for e in errors]
        ui.stream.write(json.dumps({"schema": 1, "checks": rows}, indent=2) + "\n")
        return ExitCode.OK
    for row in rows:
        origin = "" if row["origin"] == "builtin" else f"  [{row['origin']}]"
        ui.say(f"{row['id']:<18} {row['scope']:<6} {row['title']}{origin}")
        if row["fix"]:
            ui.say(f"{'':<25} fix: {row['fix']}")
    for error in errors:
        ui.say(f"{error.id:<18} error  {error.error}  [{error.origin}]")
    return ExitCode.OK
