"""`devdoctor explain ID`: what a check looks at, and how to fix it by hand."""

from __future__ import annotations

import json
from argparse import Namespace

from ..catalogue import Described
from ..errors import UsageError
from ..exits import ExitCode
from ..registry import builtin_ids, described_builtins, load_checks, plugins_on
from ..ui import UI


def run(args: Namespace, ui: UI) -> ExitCode:
    """The check's docstring (or explanation), its needs and its fix (no check is imported
    while the catalogue of built-ins is fresh)."""
    check = _find(args.id)
    paragraphs = [" ".join(p.split()) for p in check.explanation.split("\n\n")]
    if args.json:
        data = {
            "schema": 1,
            "id": check.id,
            "title": check.title,
            "scope": check.scope,
            "explanation": paragraphs,
            "needs": list(check.needs),
            "fix": check.fix or None,
        }
        ui.stream.write(json.dumps(data, indent=2) + "\n")
        return ExitCode.OK
    ui.say(f"{check.id}: {check.title} ({check.scope} check)")
    ui.say("")
    for paragraph in paragraphs:
        ui.say(paragraph)
        ui.say("")
    if check.needs:
        ui.say(f"Needs: {', '.join(check.needs)} (skipped when those fail).")
    ui.say(f"Automatic fix: {check.fix or 'none; fix it by hand as above.'}")
    return ExitCode.OK


def _find(given: str) -> Described:
    """A check by id, or by one of its finding codes (`wsl-memory/too-little-memory`)."""
    cid = given.split("/")[0]
    if cid in builtin_ids():
        (found,) = described_builtins([cid])
        return found
    checks, _ = load_checks(plugins=plugins_on(), ids=())
    plugin = {c.check.id: c.check for c in checks}.get(cid)
    if plugin is None:
        raise UsageError(f"unknown check id {given!r}; `devdoctor list` shows them all")
    return Described.of(plugin)
