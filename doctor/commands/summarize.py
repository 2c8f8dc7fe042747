"""`devdoctor summarize PATH...`: saved or pasted reports -> the class at a glance, for staff.

The problems that hit some students show as a pattern here instead of as many forum posts, and
the top root causes come with the explanation and fix to post once as an announcement.
"""

from __future__ import annotations

import json
from argparse import Namespace
from collections import Counter

from ..exits import ExitCode
from ..summary import Reading, Summary, read_paths, summarize, version_key
from ..ui import UI

TOP = 5
OLD_SHARE = 0.2
"""Warn about old devdoctors when at least this share of reports comes from one."""


def run(args: Namespace, ui: UI) -> ExitCode:
    """Read every report given, count, and print the summary in the format asked for."""
    reading = read_paths(args.paths)
    if not reading.reports:
        for path, why in reading.skipped:
            ui.say(f"skipped {path}: {why}")
        ui.say("No devdoctor report found in what was given.")
        return ExitCode.USAGE
    summary = summarize(reading.reports)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        ui.stream.write(json.dumps(as_json(summary, reading), indent=2) + "\n")
    elif fmt == "markdown":
        ui.stream.write("\n".join(announcement(summary)) + "\n")
    else:
        for line in table(summary, reading, bar="█" if ui.fancy else "#"):
            ui.say(line)
    return ExitCode.OK


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.0f}%" if total else "-"


def _old(summary: Summary) -> tuple[str, int] | None:
    """The newest version seen, and how many reports come from older ones (when many do)."""
    known = [v for v in summary.versions if v != "unknown"]
    if not known:
        return None
    newest = max(known, key=version_key)
    older = sum(n for v, n in summary.versions.items() if version_key(v) < version_key(newest))
    return (newest, older) if older >= OLD_SHARE * summary.total else None


def table(summary: Summary, reading: Reading, *, bar: str = "#") -> list[str]:
    """The terminal view: failures with counts, shares and bars; splits; versions; skipped."""
    total = summary.total
    lines = [
        f"{total} report(s) from {total} install(s)"
        + (f" ({reading.duplicates} repeated post(s) counted once)" if reading.duplicates else "")
        + f"; {summary.clean} with nothing failing.",
        "",
    ]
    if summary.failing:
        width = max(len(code) for code in summary.failing)
        lines.append(f"{'failing':<{width}}  reports  share")
        for code, count in summary.failing.most_common():
            shown = bar * max(1, round(20 * count / total))
            lines.append(f"{code:<{width}}  {count:>7}  {_share(count, total):>5}  {shown}")
        lines.append("")
    for title, split, sizes in (
        ("platform", summary.by_platform, summary.reports_by_platform),
        ("variant", summary.by_variant, summary.reports_by_variant),
    ):
        lines.append(f"by {title}:")
        for name, size in sizes.most_common():
            top = ", ".join(f"{c} {n}" for c, n in split[name].most_common(3)) or "nothing failing"
            lines.append(f"  {name}: {size} report(s); {top}")
        lines.append("")
    versions = ", ".join(f"{v} ({n})" for v, n in sorted(summary.versions.items(),
                                                          key=lambda item: version_key(item[0])))
    lines.append(f"devdoctor versions: {versions}")
    old = _old(summary)
    if old:
        lines.append(
            f"warning: {old[1]} report(s) come from a devdoctor older than {old[0]}: ask "
            "students to upgrade (`pipx upgrade devcontainer-doctor`)."
        )
    for path, why in reading.skipped:
        lines.append(f"skipped {path}: {why}")
    lines += ["", *announcement(summary)]
    return lines


def announcement(summary: Summary) -> list[str]:
    """The top root causes, each with what it means and its fix: post it once for everyone."""
    lines = [f"## What {summary.total} devdoctor reports show", ""]
    top = summary.failing.most_common(TOP)
    if not top:
        return [*lines, "Nothing failing in any report."]
    for code, count in top:
        meaning, fix = _explain(code)
        lines += [
            f"### `{code}`: {count} of {summary.total} ({_share(count, summary.total)})",
            "",
            meaning,
            "",
            f"Fix: {fix}",
            "",
        ]
    return lines


def _explain(code: str) -> tuple[str, str]:
    """The check's explanation (its first paragraph) and its fix, from this devdoctor."""
    from ..registry import builtin_ids, described_builtins

    cid = code.partition("/")[0]
    if cid not in builtin_ids():
        return (f"`{cid}` is not a check this devdoctor knows (a course plugin?).", "see its docs")
    (check,) = described_builtins([cid])  # from the catalogue: no check module is imported
    text = (check.explanation or check.title).split("\n\n")
    meaning = " ".join(text[0].split())
    how = " ".join(" ".join(text[1:]).split()) if len(text) > 1 else ""
    fix = f"`devdoctor fix {cid}` ({check.fix})" if check.fix else ""
    return meaning, " ".join(part for part in (fix, how) if part) or f"`devdoctor explain {cid}`"


def as_json(summary: Summary, reading: Reading) -> dict[str, object]:
    """The summary as data, for a spreadsheet or a dashboard."""

    def counts(counter: Counter[str]) -> dict[str, int]:
        return dict(counter.most_common())

    return {
        "schema": 1,
        "reports": summary.total,
        "duplicates": reading.duplicates,
        "clean": summary.clean,
        "failing": counts(summary.failing),
        "warning": counts(summary.warning),
        "by_platform": {k: counts(v) for k, v in summary.by_platform.items()},
        "by_variant": {k: counts(v) for k, v in summary.by_variant.items()},
        "reports_by_platform": counts(summary.reports_by_platform),
        "reports_by_variant": counts(summary.reports_by_variant),
        "versions": counts(summary.versions),
        "skipped": [{"path": p, "why": w} for p, w in reading.skipped],
    }
