"""`devdoctor explain ID`: what a check looks at, and how to fix it by hand."""

from __future__ import annotations

from argparse import Namespace

from ..exits import ExitCode
from ..registry import builtin_check, builtin_ids, load_checks, plugins_on
from ..ui import UI
from .errors import UsageError


def run(args: Namespace, ui: UI) -> ExitCode:
    """The check's docstring (or explanation), its needs and its fix; only its module loads."""
    cid = args.id.split("/")[0]
    if cid in builtin_ids():
        check = builtin_check(cid)
    else:
        checks, _ = load_checks(plugins=plugins_on(), ids=())
        found = {c.check.id: c.check for c in checks}.get(cid)
        if found is None:
            raise UsageError(f"unknown check id {args.id!r}; `devdoctor list` shows them all")
        check = found
    ui.say(f"{check.id}: {check.title} ({check.scope.value} check)")
    ui.say("")
    for paragraph in (check.explanation or (type(check).__doc__ or "")).strip().split("\n\n"):
        ui.say(" ".join(paragraph.split()))
        ui.say("")
    if check.needs:
        ui.say(f"Needs: {', '.join(check.needs)} (skipped when those fail).")
    ui.say(f"Automatic fix: {check.fix_description or 'none; fix it by hand as above.'}")
    return ExitCode.OK
