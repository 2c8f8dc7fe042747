"""`devdoctor diagnose [LOG|-]`: read a failed build's log, name the known failures in it, and run
the checks that explain them here, so cause, evidence and fix are shown together.

Without LOG it reads the newest Dev Containers log VS Code wrote on this machine (and says
which). A failure whose check passes here, is skipped here, or does not exist in this devdoctor
is still shown, with a plain word that it cannot be confirmed on this computer.
"""

from __future__ import annotations

import json
import sys
import textwrap
from argparse import Namespace
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..diagnosis import MAX_LINE, Catalogue, Hit, Scan, parse_catalogue, scan_stream
from ..errors import UsageError
from ..exits import ExitCode
from ..host import Host, Platform
from ..model import Finding, Result, Run, Status
from ..registry import builtin_ids, known_failures, load_checks, plugins_on
from ..render import ASCII_MARK, redact_json
from ..repo import is_windows_path, policy, windows_to_wsl
from ..runner import run_checks
from ..ui import UI

SHOWN_CHARS = 200
"""Characters of a matched log line shown to the student."""
EXTENSION_DIR = "ms-vscode-remote.remote-containers"
SESSIONS_LOOKED_AT = 5
"""Newest VS Code sessions searched per logs folder (each start of VS Code makes one)."""
WIDTH = 88


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Scan the log, run the owning checks, show each failure with its verdict here."""
    catalogue = parse_catalogue(known_failures())
    label, scan = _read(args, host, catalogue)
    if not args.json:
        ui.say(f"Read: {label} ({_size(scan)})")
    wanted = list(dict.fromkeys(cid for hit in scan.hits for cid in hit.failure.checks))
    results = _run_owners(host, wanted, quiet=args.json, ui=ui)
    verdicts = [verdict_for(hit, results) for hit in scan.hits]
    if args.json:
        data = as_json(label, scan, verdicts, results)
        ui.stream.write(json.dumps(redact_json(data, ui.redact), indent=2) + "\n")
    else:
        for line in human(scan, verdicts):
            ui.say(line)
    return ExitCode.FAIL if scan.hits else ExitCode.OK


# ------------------------------------------------------------------------------- which log


def _read(args: Namespace, host: Host, catalogue: Catalogue) -> tuple[str, Scan]:
    given = getattr(args, "log", None)
    if given == "-":
        if sys.stdin.isatty():
            print(
                "devdoctor: paste the log, then press Ctrl-D (Ctrl-Z, Enter on Windows)",
                file=sys.stderr,
            )
        return "standard input", scan_stream(sys.stdin.buffer, catalogue)
    if given:
        path = Path(given)  # a path on the real file system, like --repo
        label = str(path)
    else:
        found, looked = newest_log(host)
        if found is None:
            raise UsageError(
                "no LOG given and no Dev Containers log found on this computer (looked in "
                + ", ".join(looked or ["no folder: HOME is not set"])
                + "). Give the log's file name, or `-` and paste it."
            )
        path = host.real(found)
        label = found
    try:
        with path.open("rb") as stream:
            return label, scan_stream(stream, catalogue)
    except OSError as exc:
        raise UsageError(f"cannot read {given or label}: {exc.strerror or exc}") from None


def log_roots(host: Host) -> list[str]:
    """Folders where VS Code keeps its logs, one session folder per start, on this platform.

    VS Code's user data folder is %APPDATA%\\Code (Windows), ~/Library/Application Support/Code
    (macOS), ~/.config/Code (Linux); its logs are in `logs/<session>/window<N>/exthost/<ext>/`
    (older: `logs/<session>/exthost<N>/<ext>/`). In a WSL or SSH window the Dev Containers
    extension runs in the VS Code server, which logs under ~/.vscode-server/data/logs.
    """
    home = host.home
    roots: list[str] = []
    products = ("Code", "Code - Insiders")
    if host.platform is Platform.WINDOWS:
        appdata = host.env.get("APPDATA") or (f"{home}\\AppData\\Roaming" if home else "")
        if appdata:
            roots += [f"{appdata}\\{p}\\logs" for p in products]
        return roots
    if home:
        if host.platform is Platform.MACOS:
            roots += [f"{home}/Library/Application Support/{p}/logs" for p in products]
        else:
            roots += [f"{home}/.config/{p}/logs" for p in products]
        roots += [f"{home}/{d}/data/logs" for d in (".vscode-server", ".vscode-server-insiders")]
    if host.platform is Platform.WSL:
        roots += [
            f"{profile}/AppData/Roaming/{p}/logs"
            for profile in _windows_homes(host)
            for p in products
        ]
    return roots


def _windows_homes(host: Host) -> list[str]:
    """The Windows profile seen from WSL (/mnt/c/Users/NAME), as the wsl area finds it."""
    try:
        pairs = host.provided("identities")
    except Exception:  # Windows not answering must not stop a diagnosis
        return []
    homes = []
    for value, kind in pairs:
        if kind == "home" and isinstance(value, str):
            homes.append(windows_to_wsl(value) if is_windows_path(value) else value)
    return homes


def newest_log(host: Host) -> tuple[str | None, list[str]]:
    """The newest Dev Containers log under the roots, and the roots that were looked in."""
    best: tuple[float, str] | None = None
    for root in log_roots(host):
        for path in _extension_logs(host, root):
            try:
                mtime = host.stat(path).st_mtime
            except OSError:
                continue
            if best is None or mtime > best[0]:
                best = (mtime, path)
    return (best[1] if best else None), log_roots(host)


def _extension_logs(host: Host, root: str) -> Iterator[str]:
    sep = "\\" if host.platform is Platform.WINDOWS else "/"
    sessions = sorted(host.listdir(root), reverse=True)[:SESSIONS_LOOKED_AT]
    for session in sessions:
        stack = [(f"{root}{sep}{session}", 0)]
        while stack:
            folder, depth = stack.pop()
            names = host.listdir(folder)
            if EXTENSION_DIR in names:
                ext = f"{folder}{sep}{EXTENSION_DIR}"
                yield from (f"{ext}{sep}{n}" for n in host.listdir(ext) if n.endswith(".log"))
            if depth < 2:
                stack += [
                    (f"{folder}{sep}{n}", depth + 1)
                    for n in names
                    if n.startswith(("window", "exthost")) and host.is_dir(f"{folder}{sep}{n}")
                ]


# ------------------------------------------------------------------------------- the checks


def _run_owners(host: Host, wanted: list[str], *, quiet: bool, ui: UI) -> Run:
    """Run the checks that own the matched codes (those this devdoctor has), side by side."""
    if not wanted:
        return Run(())
    builtin = set(builtin_ids())
    loaded, _errors = load_checks(
        plugins=plugins_on(), ids=[cid for cid in wanted if cid in builtin]
    )
    loaded = [item for item in loaded if item.check.id in wanted]
    if not quiet and loaded:
        ui.say(f"Checking this computer: {', '.join(item.check.id for item in loaded)} ...")
    skipped = {cid: "skipped by the course's policy file" for cid in policy(host).skip}
    return run_checks(loaded, host, skipped=skipped)


@dataclass(frozen=True)
class CodeVerdict:
    """What one finding code's check says on this computer."""

    code: str
    state: str  # confirmed | other | passes | skipped | broken | missing
    result: Result | None
    findings: tuple[Finding, ...]
    reason: str


@dataclass(frozen=True)
class Verdict:
    """A hit and what the checks say about it here."""

    hit: Hit
    codes: tuple[CodeVerdict, ...]

    @property
    def confirmed(self) -> bool:
        return any(c.state == "confirmed" for c in self.codes)

    @property
    def state(self) -> str:
        order = ("confirmed", "other", "broken", "passes", "skipped", "missing")
        return min((c.state for c in self.codes), key=order.index, default="missing")


BAD = (Status.WARN, Status.FAIL)


def verdict_for(hit: Hit, run: Run) -> Verdict:
    """Each code of the hit against its check's result: confirmed, something else, or not."""
    by_id = {r.id: r for r in run.results}
    verdicts: list[CodeVerdict] = []
    for code in hit.failure.codes:
        cid = code.partition("/")[0]
        result = by_id.get(cid)
        if result is None:
            verdicts.append(CodeVerdict(code, "missing", None, (), _missing(cid)))
            continue
        if result.status is Status.ERROR:
            reason = f"the `{cid}` check broke inside devdoctor: {result.error or ''}"
            verdicts.append(CodeVerdict(code, "broken", result, (), reason))
            continue
        if result.status is Status.SKIP:
            reason = f"`{cid}` did not run here: {result.skip_reason or 'skipped'}"
            verdicts.append(CodeVerdict(code, "skipped", result, (), reason))
            continue
        exact = tuple(f for f in result.findings if f.code == code and f.status in BAD)
        if exact:
            verdicts.append(CodeVerdict(code, "confirmed", result, exact, "found on this computer"))
            continue
        other = tuple(f for f in result.findings if f.status is Status.FAIL)
        if other:
            reason = f"`{cid}` finds this on this computer (it may be the cause, or part of it):"
            verdicts.append(CodeVerdict(code, "other", result, other, reason))
            continue
        warned = [f.summary for f in result.findings if f.status is Status.WARN]
        said = f"it says: {warned[0]}" if warned else "it finds nothing wrong on this computer"
        reason = (
            f"`{cid}` does not see this cause here ({said}), so devdoctor cannot confirm it on "
            "this computer; if the log came from another computer, run devdoctor there"
        )
        verdicts.append(CodeVerdict(code, "passes", result, (), reason))
    # One check owning several codes of the hit speaks once, by its best code.
    seen: set[str] = set()
    merged: list[CodeVerdict] = []
    order = ("confirmed", "other", "broken", "passes", "skipped", "missing")
    for verdict in sorted(verdicts, key=lambda v: order.index(v.state)):
        cid = verdict.code.partition("/")[0]
        if cid not in seen:
            seen.add(cid)
            merged.append(verdict)
    merged.sort(
        key=lambda v: [c.partition("/")[0] for c in hit.failure.codes].index(
            v.code.partition("/")[0]
        )
    )
    return Verdict(hit, tuple(merged))


def _missing(cid: str) -> str:
    return (
        f"this devdoctor has no `{cid}` check yet, so it cannot confirm this cause on this "
        "computer; what it means and what to do still apply"
    )


# ------------------------------------------------------------------------------- showing it


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent=indent, subsequent_indent=indent) or [
        indent.rstrip()
    ]


def _size(scan: Scan) -> str:
    size = f"{scan.lines:,} lines"
    if scan.long_lines:
        size += f"; {scan.long_lines:,} very long lines were cut at {MAX_LINE} characters"
    return size


def human(scan: Scan, verdicts: list[Verdict]) -> list[str]:
    """What a student reads: each failure, its lines, what it means, what this computer says."""
    lines = [""]
    if not verdicts:
        return lines + _nothing_known(scan)
    lines.append(f"Found {len(verdicts)} known failure(s) in the log:")
    for number, verdict in enumerate(verdicts, 1):
        hit = verdict.hit
        lines.append("")
        lines += textwrap.wrap(
            hit.failure.explain, width=WIDTH, initial_indent=f"{number}. ", subsequent_indent="   "
        )
        more = hit.count - len(hit.lines)
        head = "   In the log" + (f" ({more} more like these)" if more > 0 else "") + ":"
        lines.append(head)
        lines += [f"     line {ln.number}: {_trim(ln.text)}" for ln in hit.lines]
        if hit.subjects:
            lines.append(f"     (many versions of: {', '.join(hit.subjects[:5])})")
        lines.append("   On this computer:")
        for code in verdict.codes:
            lines += _code_lines(code)
        lines += _wrap(f"What to do: {hit.failure.advice}", "   ")
        lines += _wrap(f"(source: {hit.failure.source})", "   ")
    confirmed = sum(1 for v in verdicts if v.confirmed)
    fixes = sorted(
        {f.fix.id for v in verdicts for c in v.codes for f in c.findings if f.fix is not None}
    )
    lines.append("")
    summary = (
        f"{len(verdicts)} known failure(s) in the log, {confirmed} confirmed on this computer."
    )
    if fixes:
        summary += f" To fix: devdoctor fix {' '.join(fixes)}"
    lines.append(summary)
    lines.append(
        "If you ask for help, paste `devdoctor report` and the lines above into the course forum."
    )
    return lines


def _code_lines(verdict: CodeVerdict) -> list[str]:
    if verdict.state in ("confirmed", "other"):
        out: list[str] = []
        if verdict.state == "other":
            out += _wrap(f"- {verdict.reason}", "     ")
        for finding in verdict.findings:
            out.append(f"     {ASCII_MARK[finding.status]} {finding.code}: {finding.summary}")
            for paragraph in finding.detail.split("\n") if finding.detail else []:
                out += _wrap(paragraph, "            ")
            if finding.fix is not None:
                out.append(
                    f"            fix: `devdoctor fix {finding.fix.id}` ({finding.fix.title})"
                )
        return out
    mark = {"passes": "[ OK ]", "skipped": "[SKIP]", "broken": "[ERR!]"}.get(
        verdict.state, "[ ?? ]"
    )
    return _wrap(f"{mark} {verdict.code}: {verdict.reason}", "     ")


def _nothing_known(scan: Scan) -> list[str]:
    lines = ["devdoctor found none of the failures it knows in this log."]
    if scan.last_errors:
        lines.append("Its last lines that look like errors:")
        lines += [f"  line {ln.number}: {_trim(ln.text)}" for ln in scan.last_errors]
    else:
        lines.append("Its last lines have nothing that looks like an error.")
    lines.append("")
    lines += [
        "The cause is usually just above the last error.",
        "If you ask for help, paste `devdoctor report` and these lines into the course forum.",
    ]
    return lines


def as_json(label: str, scan: Scan, verdicts: list[Verdict], run: Run) -> dict[str, object]:
    """The matches as JSON: each failure, its lines, and each code's verdict here."""
    return {
        "schema": 1,
        "tool": {"name": "devdoctor", "version": __version__},
        "log": {
            "source": label,
            "lines": scan.lines,
            "bytes": scan.bytes,
            "long_lines": scan.long_lines,
            "encoding": scan.encoding,
        },
        "matches": [
            {
                "id": v.hit.failure.id,
                "explain": v.hit.failure.explain,
                "advice": v.hit.failure.advice,
                "source": v.hit.failure.source,
                "codes": list(v.hit.failure.codes),
                "count": v.hit.count,
                "subjects": list(v.hit.subjects),
                "lines": [{"line": ln.number, "text": _trim(ln.text)} for ln in v.hit.lines],
                "confirmed": v.confirmed,
                "state": v.state,
                "checks": [
                    {
                        "code": c.code,
                        "check": c.code.partition("/")[0],
                        "state": c.state,
                        "reason": c.reason,
                        "findings": [f.to_json() for f in c.findings],
                    }
                    for c in v.codes
                ],
            }
            for v in verdicts
        ],
        "last_errors": (
            []
            if verdicts
            else [{"line": ln.number, "text": _trim(ln.text)} for ln in scan.last_errors]
        ),
        "results": [r.to_json() for r in run.results],
        "found": bool(verdicts),
    }
