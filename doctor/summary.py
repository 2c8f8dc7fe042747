"""Reading saved and pasted reports back, and counting what a whole class ran into.

A report is either devdoctor's JSON (`report --format json`) or the forum text a student pasted
(`report`, also markdown), found by its signature line anywhere in a file: a folder of forum
posts exported as text may hold many. Older reports (devdoctor 0.1.0, before the
`devdoctor-report:` line) still parse; they just carry no install id.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .lazy import LazyPattern
from .reporting import REPORT_LINE, SIGNATURE

FILE_LIMIT = 4 * 1024 * 1024
"""A report is a few kilobytes; a forum export of a whole class stays well under this."""
_HEADER = LazyPattern(r"^devdoctor (?P<version>\S+) on (?P<platform>[a-z]+)\b")
_REPORT = LazyPattern(r"^v(?P<format>\d+)\s+id=(?P<id>[0-9a-f]{16})\b")
_VARIANT = LazyPattern(r"^variant: (?P<variant>\S+)")
_DECORATION = LazyPattern(r"^[\s>*`-]*|[*`\s]*$")


@dataclass(frozen=True)
class Report:
    """What one student's report says, as far as a summary needs it."""

    source: str
    version: str = "unknown"
    platform: str = "unknown"
    variant: str = "none"
    install_id: str | None = None
    format: int = 0
    failing: tuple[str, ...] = ()
    warning: tuple[str, ...] = ()


@dataclass
class Reading:
    """Every report found in the paths given, and the files that held none."""

    reports: list[Report] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0


def read_paths(paths: Iterable[str]) -> Reading:
    """Reports from files and folders (each file once), one per install: the last one wins."""
    reading = Reading()
    by_install: dict[str, int] = {}
    for path in _files(paths, reading):
        try:
            with open(path, "rb") as handle:
                data = handle.read(FILE_LIMIT + 1)
        except OSError as exc:
            reading.skipped.append((path, f"cannot be read: {exc.strerror or exc}"))
            continue
        if len(data) > FILE_LIMIT:
            reading.skipped.append((path, "larger than 4 MiB: not a devdoctor report"))
            continue
        found = list(parse(data.decode("utf-8", errors="replace"), path))
        if not found:
            reading.skipped.append((path, "no devdoctor report in it"))
        for report in found:
            if report.install_id and report.install_id in by_install:
                reading.reports[by_install[report.install_id]] = report  # the student's newest
                reading.duplicates += 1
                continue
            if report.install_id:
                by_install[report.install_id] = len(reading.reports)
            reading.reports.append(report)
    return reading


def _files(paths: Iterable[str], reading: Reading) -> Iterator[str]:
    for given in paths:
        if os.path.isdir(given):
            for folder, dirs, files in os.walk(given):
                dirs.sort()
                for name in sorted(files):
                    if not name.startswith("."):
                        yield os.path.join(folder, name)
        elif os.path.exists(given):
            yield given
        else:
            reading.skipped.append((given, "does not exist"))


def parse(text: str, source: str) -> Iterator[Report]:
    """Every report in a text: one JSON report, or forum/markdown reports by their signature."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return
        report = _from_json(data, source)
        if report is not None:
            yield report
        return
    lines = [_DECORATION.sub("", line).replace("\\", "") for line in text.splitlines()]
    starts = [n for n, line in enumerate(lines) if line.startswith(SIGNATURE)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        yield _from_forum(lines[start:end], f"{source}#{index + 1}" if len(starts) > 1 else source)


def _from_forum(lines: list[str], source: str) -> Report:
    codes = lines[0][len(SIGNATURE) :].strip()
    failing_part, _, warning_part = codes.partition(" + ")
    failing = tuple(c for c in failing_part.split() if c != "ok")
    warning = tuple(warning_part.split())
    fields: dict[str, str] = {}
    for line in lines[1:12]:  # the header: the report line, versions, repository, variant
        if line.startswith(REPORT_LINE) and (m := _REPORT.match(line[len(REPORT_LINE) :].strip())):
            fields.update(format=m["format"], id=m["id"])
        elif m := _HEADER.match(line):
            fields.update(version=m["version"], platform=m["platform"])
        elif m := _VARIANT.match(line):
            fields["variant"] = m["variant"]
    return Report(
        source=source,
        version=fields.get("version", "unknown"),
        platform=fields.get("platform", "unknown"),
        variant=fields.get("variant", "none"),
        install_id=fields.get("id"),
        format=int(fields.get("format", "0")),
        failing=failing,
        warning=warning,
    )


def _from_json(data: object, source: str) -> Report | None:
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return None
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    if not isinstance(tool, dict) or tool.get("name") != "devdoctor":
        return None
    host = data.get("host") if isinstance(data.get("host"), dict) else {}
    report = data.get("report") if isinstance(data.get("report"), dict) else {}
    failing: list[str] = []
    warning: list[str] = []
    for result in data["results"]:
        if not isinstance(result, dict):
            continue
        if result.get("status") == "error":
            failing.append(f"{result.get('id')}/error")
        for finding in result.get("findings") or []:
            if not isinstance(finding, dict):
                continue
            if finding.get("status") == "fail":
                failing.append(str(finding.get("code")))
            elif finding.get("status") == "warn":
                warning.append(str(finding.get("code")))
    install = report.get("install_id") if isinstance(report, dict) else None
    return Report(
        source=source,
        version=str(tool.get("version", "unknown")),
        platform=str((host or {}).get("platform") or "unknown"),
        variant=str((host or {}).get("variant") or "none"),
        install_id=install if isinstance(install, str) else None,
        format=int(report.get("format", 0)) if isinstance(report, dict) else 0,
        failing=tuple(sorted(set(failing))),
        warning=tuple(sorted(set(warning))),
    )


@dataclass(frozen=True)
class Summary:
    """The class at a glance: how many reports, each failure's count, and where it happens."""

    total: int
    failing: Counter[str]
    warning: Counter[str]
    by_platform: dict[str, Counter[str]]
    by_variant: dict[str, Counter[str]]
    reports_by_platform: Counter[str]
    reports_by_variant: Counter[str]
    versions: Counter[str]
    clean: int


def summarize(reports: Iterable[Report]) -> Summary:
    """Count each code once per report, overall and split by platform and variant."""
    failing: Counter[str] = Counter()
    warning: Counter[str] = Counter()
    by_platform: dict[str, Counter[str]] = {}
    by_variant: dict[str, Counter[str]] = {}
    platforms: Counter[str] = Counter()
    variants: Counter[str] = Counter()
    versions: Counter[str] = Counter()
    total = clean = 0
    for report in reports:
        total += 1
        codes = set(report.failing)
        failing.update(codes)
        warning.update(set(report.warning))
        by_platform.setdefault(report.platform, Counter()).update(codes)
        by_variant.setdefault(report.variant, Counter()).update(codes)
        platforms[report.platform] += 1
        variants[report.variant] += 1
        versions[report.version] += 1
        clean += not codes
    return Summary(
        total, failing, warning, by_platform, by_variant, platforms, variants, versions, clean
    )


def version_key(version: str) -> tuple[int, ...]:
    """`0.10.1` after `0.9`; anything unreadable first."""
    return tuple(int(p) for p in re.findall(r"\d+", version)[:4]) or (-1,)
