"""The report devdoctor writes: a redacted report a student pastes into the course forum.

Staff read many of these: the first line is a signature (the sorted codes of what failed) they
can search the forum for, then the versions, the course repository's commit, the variant, the
policy, and every result with its findings and fixes. It is always written to a file.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from . import __version__
from .host import Host, Platform
from .install_id import install_id
from .lazy import LazyPattern
from .model import Fix, Run, Status
from .render import ASCII_MARK, plain_table, redact_json, run_json
from .repo import git_state, policy, variant
from .ui import UI

SIGNATURE = "devdoctor-signature:"
REPORT_LINE = "devdoctor-report:"
FORMAT = 1
"""The forum format's version, on the line after the signature (`devdoctor-report: v1 id=…`).
Reports from before it (devdoctor 0.1.0) have no such line and are read as version 0."""


def signature(run: Run) -> str:
    """The sorted codes of what failed (warnings after a `+`), or `ok`."""
    failed = sorted({f.code for r in run.results for f in r.findings if f.status is Status.FAIL})
    errors = sorted(r.id + "/error" for r in run.results if r.status is Status.ERROR)
    warned = sorted({f.code for r in run.results for f in r.findings if f.status is Status.WARN})
    codes = " ".join([*failed, *errors]) or "ok"
    return f"{SIGNATURE} {codes}" + (f" + {' '.join(warned)}" if warned else "")


def report_line(host: Host) -> str:
    """The format's version and this install's random id, for `devdoctor summarize`."""
    return f"{REPORT_LINE} v{FORMAT} id={install_id(host)}"


def header(host: Host, run: Run) -> list[str]:
    """Versions, repository, variant and policy: what staff ask first."""
    import platform  # (only a report has a header: `check` does not pay for it)

    name, why = variant(host)
    course = policy(host)
    return [
        *([f"course: {course.course_name}"] if course.course_name else []),
        f"devdoctor {__version__} on {host.platform.value} ({_os_name(host)}), "
        f"Python {platform.python_version()}",
        *[f"{label}: {value}" for label, value in area_lines(host)],
        f"course repository: {repository_line(host)}",
        f"variant: {name or 'none'} ({why})",
        f"policy: {course.path or 'none (devdoctor defaults)'}"
        + (f" sha256 {course.sha256[:12]}" if course.sha256 else ""),
        f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
    ]


def repository_line(host: Host) -> str:
    """The checkout in plain words: its commit, and whether the student changed anything."""
    if host.repo_root is None:
        return "none found (run devdoctor inside the course folder, or pass --repo)"
    git = git_state(host)
    head, dirty = git.get("head"), git.get("dirty")
    if head is None:
        return "not a git checkout (or git could not read it)"
    if dirty is True:
        changes = "with local changes"
    elif dirty is False:
        changes = "no local changes"
    else:
        changes = "git could not say whether it has local changes"
    return f"commit {head}, {changes}"


def area_lines(host: Host) -> list[tuple[str, str]]:
    """The versions each area adds (Windows, WSL, Docker, VS Code), each under a bound."""
    from .registry import report_facts

    lines: list[tuple[str, str]] = []
    for name in report_facts():
        try:
            lines += host.provided(name)
        except Exception as exc:  # one area's broken probe must not lose the whole report
            lines.append((name.partition(":")[2], f"unknown ({type(exc).__name__})"))
    return lines


def _os_name(host: Host) -> str:
    if host.platform is Platform.WSL:
        return f"WSL distro {host.env.get('WSL_DISTRO_NAME', '?')}, kernel {_kernel(host)}"
    if host.root is not None:
        return f"captured host at --root, kernel {_kernel(host)}"
    import platform

    return f"{platform.system()} {platform.release()}"


def _kernel(host: Host) -> str:
    parts = host.kernel.split()
    return parts[2] if len(parts) > 2 else "unknown"


def body(run: Run, build_log: dict[str, list[str]] | None = None) -> list[str]:
    """Every result, then the findings that matter with their evidence and fixes (plain text)."""
    build_log = build_log or {}
    lines = plain_table(run.results, lambda text: text)  # redacted whole, by the caller
    for result in run.results:
        for finding in result.findings:
            if finding.status in (Status.OK, Status.SKIP):
                continue
            lines += ["", f"{ASCII_MARK[finding.status]} {finding.code}: {finding.summary}"]
            if finding.subject:
                lines.append(f"    about: {finding.subject}")
            lines += [f"    {key}: {value}" for key, value in finding.evidence]
            lines += [f"    in the build log, {shown}" for shown in build_log.get(finding.code, [])]
            if finding.fix:
                lines.append(f"    fix: {_fix_line(finding.fix)}")
        if result.status is Status.ERROR:
            lines += [
                "",
                f"{ASCII_MARK[Status.ERROR]} {result.id}: devdoctor broke: {result.error}",
            ]
    return lines + _unexplained(run, build_log)


def _unexplained(run: Run, build_log: dict[str, list[str]]) -> list[str]:
    """Every failure devdoctor recognised in the build log, by name: staff see them all, also
    those no finding on this computer explains (the log came from elsewhere)."""
    if not build_log.get(""):
        return []
    return ["", "the build log shows:", *[f"    {line}" for line in build_log[""]]]


def markdown_body(
    run: Run, redact: Callable[[str], str], build_log: dict[str, list[str]] | None = None
) -> list[str]:
    """The same for GitHub: a real table, and each finding its own block with a list.

    Text is redacted before it is escaped, so a placeholder is never read as an HTML tag.
    """

    def md(text: str) -> str:
        return md_escape(redact(text))

    lines = ["| | check | result |", "|---|---|---|"]
    mark = {status: md_escape(text) for status, text in ASCII_MARK.items()}
    lines += [f"| {mark[r.status]} | `{r.id}` | {md(r.summary)} |" for r in run.results]
    for result in run.results:
        shown = [f for f in result.findings if f.status not in (Status.OK, Status.SKIP)]
        for finding in shown:
            lines += ["", f"#### {mark[finding.status]} `{finding.code}`", ""]
            lines += [md(finding.summary), ""]
            if finding.subject:
                lines.append(f"- **about:** {md(finding.subject)}")
            lines += [f"- **{md(key)}:** {md(value)}" for key, value in finding.evidence]
            lines += [
                f"- **in the build log:** {md(shown)}"
                for shown in (build_log or {}).get(finding.code, [])
            ]
            if finding.fix:
                lines.append(f"- **fix:** {md(_fix_line(finding.fix))}")
        if result.status is Status.ERROR:
            lines += ["", f"#### {mark[Status.ERROR]} `{result.id}`", ""]
            lines.append(f"devdoctor broke: {md(result.error or '')}")
    return lines


_MD_SPECIAL = LazyPattern(r"[\\*_<>|\[\]#]")


def md_escape(text: str) -> str:
    """Text that GitHub's markdown shows as written: no emphasis, tags or table breaks."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m[0], text)


def _fix_line(fix: Fix) -> str:
    scope = " (course repository: for staff)" if fix.scope.value == "course" else ""
    return f"devdoctor fix {fix.id}: {fix.title}{scope}"


def render(
    host: Host,
    run: Run,
    fmt: str,
    ui: UI,
    envelope: dict[str, object],
    build_log: dict[str, list[str]] | None = None,
) -> str:
    """The whole report in one of the formats, redacted (`envelope`: the JSON's meta).

    `build_log` maps finding codes to the lines of a failed build's log that show them; lines
    whose code no finding here has are listed at the end ("" key: every matched line).
    """
    build_log = build_log or {}
    if fmt == "json":
        data = redact_json(run_json(run, envelope), ui.redact)
        if build_log:
            data["build_log"] = redact_json(
                {k: v for k, v in build_log.items() if k}, ui.redact
            )
        return json.dumps(data, indent=2) + "\n"
    first = signature(run)
    lines = [report_line(host), *header(host, run)]
    if fmt == "markdown":
        head = [f"- {md_escape(ui.redact(ln))}" for ln in lines]
        shown = markdown_body(run, ui.redact, build_log)
        text = "\n".join([f"**{first}**", "", *head, "", *shown])
    else:
        text = "\n".join([first, *lines, "", *body(run, build_log)])
        if fmt == "forum":
            text = f"```\n{text}\n```"
    return ui.redact(text) + "\n"


def copy_to_clipboard(host: Host, text: str) -> str:
    """Put the text on the clipboard with the platform's own tool; say what happened."""
    if host.platform in (Platform.WINDOWS, Platform.WSL):
        # clip.exe reads UTF-16LE with a BOM; anything else garbles non-ASCII text.
        argv, data = ["clip.exe"], b"\xff\xfe" + text.encode("utf-16-le")
    elif host.platform is Platform.MACOS or sys.platform == "darwin":
        argv, data = ["pbcopy"], text.encode()
    elif host.which("wl-copy"):
        argv, data = ["wl-copy"], text.encode()
    else:
        argv, data = ["xclip", "-selection", "clipboard"], text.encode()
    done = host.run(argv, input=data, timeout=5)
    if done.ok:
        return "Copied to the clipboard."
    return f"Could not copy ({done.describe()}): open the file and copy it by hand."
