"""`devdoctor explain ID`: what a check looks at, and how to fix it by hand."""

from __future__ import annotations

import json
from argparse import Namespace

from ..exits import ExitCode
from ..model import Check
from ..registry import builtin_check, builtin_ids, load_checks, plugins_on
from ..ui import UI
from .errors import UsageError


def run(args: Namespace, ui: UI) -> ExitCode:
    """The check's docstring (or explanation), its needs and its fix; only its module loads."""
    check = _find(args.id)
    paragraphs = [
        " ".join(p.split())
        for p in (check.explanation or (type(check).__doc__ or "")).strip().split("\n\n")
    ]
    if args.json:
        data = {
            "schema": 1,
            "id": check.id,
            "title": check.title,
            "scope": check.scope.value,
            "explanation": paragraphs,
            "needs": list(check.needs),
            "fix": check.fix_description or None,
        }
        ui.stream.write(json.dumps(data, indent=2) + "\n")
        return ExitCode.OK
    ui.say(f"{check.id}: {check.title} ({check.scope.value} check)")
    ui.say("")
    for paragraph in paragraphs:
        ui.say(paragraph)
        ui.say("")
    if check.needs:
        ui.say(f"Needs: {', '.join(check.needs)} (skipped when those fail).")
    ui.say(f"Automatic fix: {check.fix_description or 'none; fix it by hand as above.'}")
    return ExitCode.OK


def _find(given: str) -> Check:
    """A check by id, or by one of its finding codes (`wsl-memory/too-little-memory`)."""
    cid = given.split("/")[0]
    if cid in builtin_ids():
        return builtin_check(cid)
    checks, _ = load_checks(plugins=plugins_on(), ids=())
    found = {c.check.id: c.check for c in checks}.get(cid)
    if found is None:
        raise UsageError(f"unknown check id {given!r}; `devdoctor list` shows them all")
    return found
