"""Finds known failures in a build log, streaming, so a 100 MB log costs no more memory than 1 MB.

The framework knows no failure: it reads a catalogue (TOML: each entry's patterns, the finding
codes that explain it, a line for the student, the source) that the domain declares, and reports
which entries the log's lines match. The log is read in chunks and decoded incrementally
(UTF-8, or UTF-16 as Windows PowerShell writes it), colours are removed, and a line is cut at
MAX_LINE characters: only a bounded window is ever held. Each pattern carries a piece of plain
text it cannot match without; the reader looks for those pieces in a whole chunk at once (the
string search runs in C), and runs a pattern only on the lines that contain its piece.
"""

from __future__ import annotations

import bisect
import codecs
import collections
import importlib
import io
import itertools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from .lazy import LazyPattern

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CHUNK = 1 << 20
"""Bytes read at a time."""
MAX_LINE = 4096
"""Characters kept of one line; the rest of a longer line (a progress bar) is skipped."""
KEPT_LINES = 5
"""Matched lines kept per failure (the count says how many there were)."""
KEPT_CHARS = 500
"""Characters kept of a matched line."""
TAIL_LINES = 400
"""The last lines kept, to show the last error-looking ones when nothing known matched."""
MAX_KEYS = 2000
"""Distinct `what` values tracked per counting entry (pip packages), so memory stays bounded."""
MIN_NEEDLE = 3
SNIFF_BYTES = 4096
"""Bytes looked at to tell UTF-16 from UTF-8."""

_ANSI = LazyPattern(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_ID = LazyPattern(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CODE = LazyPattern(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")


class CatalogueError(ValueError):
    """The known-failures data is malformed: names the entry and what is wrong."""


@dataclass(frozen=True)
class KnownFailure:
    """One failure a log can show, and the finding codes that explain it."""

    id: str
    patterns: tuple[re.Pattern[str], ...]
    needles: tuple[str, ...]  # per pattern: lower-case text every match contains
    codes: tuple[str, ...]
    explain: str
    advice: str
    source: str
    at_least: int = 0

    @property
    def checks(self) -> tuple[str, ...]:
        """The ids of the checks that own its codes, in order, once each."""
        return tuple(dict.fromkeys(code.partition("/")[0] for code in self.codes))


@dataclass(frozen=True)
class Catalogue:
    """Every known failure, and what an error-looking line is (for logs with nothing known)."""

    failures: tuple[KnownFailure, ...]
    error_lines: re.Pattern[str]


@dataclass(frozen=True)
class Line:
    """A line of the log: its number (1-based, counting newlines) and its text, trimmed."""

    number: int
    text: str


@dataclass
class Hit:
    """A known failure the log shows: the first lines that showed it and how many there were."""

    failure: KnownFailure
    lines: list[Line] = field(default_factory=list)
    count: int = 0
    subjects: list[str] = field(default_factory=list)  # counting entries: what repeated

    @property
    def first(self) -> int:
        return self.lines[0].number if self.lines else 0


@dataclass
class Scan:
    """What one log showed."""

    hits: list[Hit]
    last_errors: list[Line]
    lines: int
    bytes: int
    long_lines: int
    encoding: str


# ------------------------------------------------------------------------------- the catalogue


def parse_catalogue(text: str) -> Catalogue:
    """The catalogue from its TOML text; any mistake raises CatalogueError naming the entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"not valid TOML: {exc}") from None
    log = data.get("log", {})
    error_lines = _compile(log.get("error_lines", r"(?i)\berror\b"), "[log] error_lines")
    entries = data.get("failure", [])
    if not isinstance(entries, list):
        raise CatalogueError("`failure` must be an array of tables ([[failure]])")
    failures: list[KnownFailure] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, 1):
        failure = _entry(entry, number)
        if failure.id in seen:
            raise CatalogueError(f"failure {failure.id!r} is listed twice")
        seen.add(failure.id)
        failures.append(failure)
    return Catalogue(tuple(failures), error_lines)


def _entry(entry: Any, number: int) -> KnownFailure:
    if not isinstance(entry, dict):
        raise CatalogueError(f"failure #{number} is not a table")
    fid = entry.get("id")
    where = f"failure {fid!r}" if isinstance(fid, str) else f"failure #{number}"
    if not isinstance(fid, str) or not _ID.match(fid):
        raise CatalogueError(f"{where}: `id` must be lower-case words joined by '-'")
    for key in ("explain", "advice", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise CatalogueError(f"{where}: `{key}` must be a non-empty string")
    raw_patterns = entry.get("patterns")
    if not isinstance(raw_patterns, list) or not raw_patterns:
        raise CatalogueError(f"{where}: `patterns` must be a non-empty list of strings")
    codes = entry.get("codes")
    if not isinstance(codes, list) or not codes:
        raise CatalogueError(f"{where}: `codes` must be a non-empty list")
    for code in codes:
        if not isinstance(code, str) or not _CODE.match(code):
            raise CatalogueError(f"{where}: code {code!r} is not '<check id>/<slug>'")
    at_least = entry.get("at_least", 0)
    if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 0:
        raise CatalogueError(f"{where}: `at_least` must be a whole number")
    patterns: list[re.Pattern[str]] = []
    needles: list[str] = []
    for raw in raw_patterns:
        if not isinstance(raw, str):
            raise CatalogueError(f"{where}: pattern {raw!r} is not a string")
        pattern = _compile(raw, where)
        if at_least and not {"what", "variant"} <= set(pattern.groupindex):
            raise CatalogueError(
                f"{where}: with `at_least`, each pattern needs groups (?P<what>) and (?P<variant>)"
            )
        needle = needle_of(raw)
        if len(needle) < MIN_NEEDLE:
            raise CatalogueError(
                f"{where}: pattern {raw!r} has no plain text of {MIN_NEEDLE}+ characters outside "
                "groups; write alternatives as separate patterns"
            )
        patterns.append(pattern)
        needles.append(needle)
    return KnownFailure(
        id=fid,
        patterns=tuple(patterns),
        needles=tuple(needles),
        codes=tuple(codes),
        explain=entry["explain"].strip(),
        advice=entry["advice"].strip(),
        source=entry["source"].strip(),
        at_least=at_least,
    )


def _compile(raw: object, where: str) -> re.Pattern[str]:
    if not isinstance(raw, str):
        raise CatalogueError(f"{where}: {raw!r} is not a string")
    try:
        return re.compile(raw)
    except re.error as exc:
        raise CatalogueError(f"{where}: pattern {raw!r} is not a valid regex: {exc}") from None


def needle_of(pattern: str) -> str:
    """The longest plain text every match of `pattern` contains, lower-cased ("" if none).

    Only top-level literals count (zero-width assertions between them are skipped), so text
    inside a group, a repeat or an alternative never becomes a needle it does not guarantee.
    """
    parser = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
    best: list[str] = []
    run: list[str] = []
    for op, arg in parser.parse(pattern):
        name = str(op)
        if name == "LITERAL":
            run.append(chr(arg))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        else:
            best, run = (run if len(run) > len(best) else best), []
    return "".join(run if len(run) > len(best) else best).lower()


# ------------------------------------------------------------------------------- reading the log


def sniff(head: bytes) -> str:
    """The encoding of a log from its first bytes: a BOM, or NULs that betray UTF-16."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:SNIFF_BYTES]
    if len(sample) >= 4:
        odd = sample[1::2].count(0)
        even = sample[0::2].count(0)
        if odd > len(sample) // 4 and even == 0:
            return "utf-16-le"
        if even > len(sample) // 4 and odd == 0:
            return "utf-16-be"
    return "utf-8"


class LogReader:
    """Batches of clean lines from a byte stream, never holding more than a chunk and a line."""

    def __init__(self, stream: BinaryIO, *, chunk: int = CHUNK, max_line: int = MAX_LINE) -> None:
        self.stream = stream
        self.chunk = chunk
        self.max_line = max_line
        self.bytes = 0
        self.long_lines = 0
        self.encoding = "utf-8"

    def batches(self) -> Iterator[list[str]]:
        """Lists of lines, in order; the last line is given even without a final newline."""
        data = self.stream.read(max(self.chunk, SNIFF_BYTES))  # enough to see a BOM or NULs
        self.encoding = sniff(data)
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        pending = ""
        dropping = False  # inside an over-long line: skip to its end
        while True:
            final = not data
            self.bytes += len(data)
            text = decoder.decode(data, final=final)
            parts = text.split("\n")
            lines: list[str] = []
            for part in parts[:-1]:
                if dropping:
                    line, dropping = pending, False
                else:
                    line = pending + part
                    if len(line) > self.max_line:
                        self.long_lines += 1
                        line = line[: self.max_line]
                pending = ""
                lines.append(line)
            tail = parts[-1]
            if not dropping:
                pending += tail
                if len(pending) > self.max_line:
                    self.long_lines += 1
                    pending, dropping = pending[: self.max_line], True
            if final:
                if pending or dropping:
                    lines.append(pending)
                if lines:
                    yield [_clean(line) for line in lines]
                return
            if lines:
                yield [_clean(line) for line in lines]
            data = self.stream.read(self.chunk)


def _clean(line: str) -> str:
    """Colours out, carriage returns (CRLF, progress bars) as spaces, ends trimmed."""
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    return line.replace("\r", " ").rstrip()


# ------------------------------------------------------------------------------- matching


class Matcher:
    """Feeds batches of lines through the catalogue, keeping bounded state."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.hits: dict[str, Hit] = {}
        self.lines = 0
        self.tail: collections.deque[Line] = collections.deque(maxlen=TAIL_LINES)
        # counting entries: failure id -> what -> (variants seen, lines kept)
        self._counts: dict[str, dict[str, tuple[set[str], list[Line]]]] = {}
        self._needles = [
            (failure, pattern, needle)
            for failure in catalogue.failures
            for pattern, needle in zip(failure.patterns, failure.needles, strict=True)
        ]

    def feed(self, batch: list[str]) -> None:
        """Match one batch of lines (numbered after those fed before)."""
        first = self.lines + 1
        self.lines += len(batch)
        self.tail.extend(Line(first + i, text) for i, text in enumerate(batch[-TAIL_LINES:]))
        low_lines = "\n".join(batch).lower().split("\n")  # lower() never adds a newline
        low = "\n".join(low_lines)
        starts = list(itertools.accumulate((len(x) + 1 for x in low_lines), initial=0))
        found: dict[int, list[tuple[KnownFailure, re.Pattern[str]]]] = collections.defaultdict(list)
        for failure, pattern, needle in self._needles:
            at = low.find(needle)
            last = -1
            while at != -1:
                index = bisect.bisect_right(starts, at) - 1
                if index != last:
                    found[index].append((failure, pattern))
                    last = index
                at = low.find(needle, starts[index + 1] if index + 1 < len(starts) else len(low))
        for index in sorted(found):
            text = batch[index]
            matched: set[str] = set()
            for failure, pattern in found[index]:
                if failure.id in matched:
                    continue
                match = pattern.search(text)
                if match is None:
                    continue
                matched.add(failure.id)
                self._record(failure, match, Line(first + index, text[:KEPT_CHARS]))

    def _record(self, failure: KnownFailure, match: re.Match[str], line: Line) -> None:
        if not failure.at_least:
            hit = self.hits.setdefault(failure.id, Hit(failure))
            hit.count += 1
            if len(hit.lines) < KEPT_LINES:
                hit.lines.append(line)
            return
        counts = self._counts.setdefault(failure.id, {})
        what = (match.group("what") or "").lower().replace("-", "_")
        if what not in counts:
            if len(counts) >= MAX_KEYS:
                return
            counts[what] = (set(), [])
        variants, kept = counts[what]
        variant = match.group("variant") or ""
        if variant in variants or len(variants) >= failure.at_least:
            if failure.id in self.hits and what in self.hits[failure.id].subjects:
                self.hits[failure.id].count += 1
            return
        variants.add(variant)
        if len(kept) < KEPT_LINES:
            kept.append(line)
        if len(variants) == failure.at_least:
            hit = self.hits.setdefault(failure.id, Hit(failure))
            hit.subjects.append(what)
            hit.count += len(kept)
            hit.lines = sorted([*hit.lines, *kept], key=lambda ln: ln.number)[:KEPT_LINES]

    def result(self, reader: LogReader | None = None) -> Scan:
        """The hits in the order the log first showed them, and its last error-looking lines."""
        hits = sorted(self.hits.values(), key=lambda h: h.first)
        errors = [
            Line(line.number, line.text[:KEPT_CHARS])
            for line in self.tail
            if self.catalogue.error_lines.search(line.text)
        ]
        return Scan(
            hits=hits,
            last_errors=errors[-8:],
            lines=self.lines,
            bytes=reader.bytes if reader else 0,
            long_lines=reader.long_lines if reader else 0,
            encoding=reader.encoding if reader else "utf-8",
        )


def scan_stream(stream: BinaryIO, catalogue: Catalogue, *, chunk: int = CHUNK) -> Scan:
    """Read the whole stream once, in chunks, and say which known failures it shows."""
    reader = LogReader(stream, chunk=chunk)
    matcher = Matcher(catalogue)
    for batch in reader.batches():
        matcher.feed(batch)
    return matcher.result(reader)


def scan_text(text: str, catalogue: Catalogue) -> Scan:
    """scan_stream for a log already in memory (tests, short excerpts)."""
    return scan_stream(io.BytesIO(text.encode("utf-8", "surrogatepass")), catalogue)
