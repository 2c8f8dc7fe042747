"""Reading requirement files as pip does, and judging how much room each line leaves pip.

pip's format (pypa/pip src/pip/_internal/req/req_file.py): a `\\` at a line's end joins the
next line; `#` after whitespace starts a comment; option lines (-r, -c, -e, --index-url, ...)
mix with requirement lines (PEP 508, parsed by `packaging`, as pip does), which may carry
per-requirement options (--hash). -r and -c name further files relative to the one naming
them. The parsing here is pure (text in, data out) and never raises; reading files goes
through the Host, each followed once (so a cycle ends).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devdoctor.lazy import LazyPattern
from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

FILE_LIMIT = 512 * 1024
MAX_FILES = 64

# Options pip accepts in a requirement file (req_file.py SUPPORTED_OPTIONS), with whether
# they take a value. Per-requirement options (--hash, --config-settings, ...) follow a
# requirement on its line.
_FILE_OPTIONS: dict[str, bool] = {
    "-i": True,
    "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "-f": True,
    "--find-links": True,
    "--no-binary": True,
    "--only-binary": True,
    "--prefer-binary": False,
    "--require-hashes": False,
    "--pre": False,
    "--trusted-host": True,
    "--use-feature": True,
}
_PER_REQUIREMENT = ("--hash", "--config-settings", "--global-option", "--install-option")
_COMMENT = LazyPattern(r"(^|\s+)#.*$")
_URL = LazyPattern(r"^(?:[a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+|file:)", re.IGNORECASE)
_EGG = LazyPattern(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Item:
    """One requirement as written: where, what, and how much room it leaves the resolver."""

    file: str
    line: int
    text: str
    name: str  # canonical name; "" for a URL or path without a name
    specifier: str
    marker: str
    kind: str  # pinned, compatible, bounded, open, direct (a URL, a path, an editable)
    constraint: bool  # from a -c file: limits versions, installs nothing

    @property
    def shown(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """A line pip cannot use, or a file it cannot open: pip stops the install there."""

    file: str
    line: int
    text: str
    why: str


@dataclass(frozen=True)
class Include:
    """A file named by -r (requirements) or -c (constraints) in another."""

    path: str
    constraint: bool
    line: int


@dataclass
class Parsed:
    """What the files say together: requirements, constraints, options, and problems."""

    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)

    @property
    def requirements(self) -> list[Item]:
        return [i for i in self.items if not i.constraint]

    @property
    def constraints(self) -> list[Item]:
        return [i for i in self.items if i.constraint]


def classify(specifier: SpecifierSet) -> str:
    """pinned (== or ===), compatible (~=), bounded (a lower bound), open (none).

    `spacy<4.0` is open: an upper bound lets the resolver walk down to the oldest release.
    A `==` with a wildcard (`==3.*`) is a range, bounded below by its prefix.
    """
    ops = {(s.operator, s.version.endswith(".*")) for s in specifier}
    if any(op in ("==", "===") and not wild for op, wild in ops):
        return "pinned"
    if any(op == "~=" for op, _ in ops):
        return "compatible"
    if any(op in (">=", ">") or (op == "==" and wild) for op, wild in ops):
        return "bounded"
    return "open"


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines joined and stripped of comments as pip's join_lines and ignore_comments do them,
    numbered by their first line: a comment line ends a continuation."""
    joined: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.endswith("\\") or _COMMENT.match(line):
            if _COMMENT.match(line):
                line = " " + line  # so the comment is removed below
            if joined:
                joined.append(line)
                yield from _clean(start, "".join(joined))
                joined = []
            else:
                yield from _clean(number, line)
        else:
            if not joined:
                start = number
            joined.append(line.strip("\\"))
    if joined:
        yield from _clean(start, "".join(joined))


def _clean(number: int, line: str) -> Iterator[tuple[int, str]]:
    line = _COMMENT.sub("", line).strip()
    if line:
        yield number, line


def _words(line: str) -> list[str] | None:
    try:
        return shlex.split(line, comments=False, posix=True)
    except ValueError:
        return None


def parse_text(text: str, file: str, *, constraint: bool = False) -> tuple[Parsed, list[Include]]:
    """Parse one requirement file's text; never raises (a bad line becomes a Problem)."""
    parsed = Parsed(files=[file])
    includes: list[Include] = []
    for number, line in logical_lines(text):
        if line.startswith("-"):
            _option_line(line, file, number, constraint, parsed, includes)
        else:
            _requirement_line(line, file, number, constraint, parsed)
    return parsed, includes


def _option_line(
    line: str, file: str, number: int, constraint: bool, parsed: Parsed, includes: list[Include]
) -> None:
    words = _words(line)
    if not words:
        parsed.problems.append(Problem(file, number, line, "unbalanced quotes"))
        return
    flag, _, value = words[0].partition("=")
    rest = [value] if value else words[1:2]
    short = {"-r": "--requirement", "-c": "--constraint", "-e": "--editable"}
    if words[0][:2] in short and len(words[0]) > 2 and not value:  # -rfile.txt
        flag, rest = words[0][:2], [words[0][2:]]
    flag = short.get(flag, flag)
    if flag in ("--requirement", "--constraint"):
        if not rest:
            parsed.problems.append(Problem(file, number, line, f"{flag} needs a file name"))
            return
        includes.append(Include(rest[0], flag == "--constraint" or constraint, number))
    elif flag == "--editable":
        if not rest:
            parsed.problems.append(Problem(file, number, line, "-e needs a path or URL"))
            return
        name = _url_name(rest[0])
        parsed.items.append(
            Item(file, number, line, name, "", "", "direct", constraint)
        )
    elif flag in _FILE_OPTIONS:
        if _FILE_OPTIONS[flag] and not rest:
            parsed.problems.append(Problem(file, number, line, f"{flag} needs a value"))
            return
        parsed.options.append(line)
    else:
        parsed.problems.append(
            Problem(file, number, line, f"pip does not accept the option {words[0]} in a file")
        )


def _url_name(text: str) -> str:
    egg = _EGG.search(text)
    return canonicalize_name(egg.group(1)) if egg else ""


def _requirement_line(
    line: str, file: str, number: int, constraint: bool, parsed: Parsed
) -> None:
    text = line
    # Per-requirement options start at the first ` --`; pip splits them off the same way.
    cut = re.search(r"\s--?[A-Za-z]", text)
    if cut:
        options = text[cut.start() :].split()
        text = text[: cut.start()].strip()
        bad = [o for o in options if o.startswith("-") and not o.startswith(_PER_REQUIREMENT)]
        if bad:
            why = f"pip does not accept {bad[0]} after a requirement"
            parsed.problems.append(Problem(file, number, line, why))
            return
    named = re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@", text)
    if not named and (
        _URL.match(text) or text.startswith((".", "/")) or text.endswith((".whl", ".tar.gz"))
    ):
        name = _url_name(text)
        parsed.items.append(Item(file, number, line, name, "", "", "direct", constraint))
        return
    try:
        requirement = Requirement(text)
    except (InvalidRequirement, InvalidSpecifier, InvalidMarker, InvalidVersion) as exc:
        why = str(exc).splitlines()[0] if str(exc) else "not a valid requirement"
        parsed.problems.append(Problem(file, number, line, why))
        return
    except Exception as exc:  # packaging's parser on strange input: a finding, never a crash
        parsed.problems.append(Problem(file, number, line, f"not a valid requirement ({exc})"))
        return
    kind = "direct" if requirement.url else classify(requirement.specifier)
    parsed.items.append(
        Item(
            file,
            number,
            line,
            canonicalize_name(requirement.name),
            str(requirement.specifier),
            str(requirement.marker) if requirement.marker else "",
            kind,
            constraint,
        )
    )


Reader = Callable[[str], "str | None"]
"""Reads a file by its repository path: its text, or None when it cannot be opened."""


def parse_files(roots: list[tuple[str, bool]], read: Reader) -> Parsed:
    """Parse files and everything they include, each once; -r and -c paths are relative to
    the file naming them (pip joins them so). A file that cannot be read is a Problem."""
    result = Parsed()
    seen: set[str] = set()
    queue: list[tuple[str, bool, str, int, tuple[str, ...]]] = [
        (p, c, "", 0, ()) for p, c in roots
    ]
    while queue and len(seen) < MAX_FILES:
        path, constraint, named_by, line, chain = queue.pop(0)
        path = posixpath.normpath(path)
        if path in chain:
            why = "includes itself through " + " -> ".join((*chain, path)) + (
                "; pip follows it until Python's recursion limit and crashes"
            )
            result.problems.append(Problem(named_by, line, path, why))
            continue
        if path in seen:
            continue
        seen.add(path)
        text = read(path)
        if text is None:
            where = named_by or path
            why = f"cannot open {path}" + (f" (named on line {line})" if named_by else "")
            result.problems.append(Problem(where, line, path, why))
            continue
        parsed, includes = parse_text(text, path, constraint=constraint)
        result.items += parsed.items
        result.problems += parsed.problems
        result.options += parsed.options
        result.files.append(path)
        for include in includes:
            if _URL.match(include.path):
                continue  # a remote file: pip fetches it; nothing here to read
            target = posixpath.join(posixpath.dirname(path), include.path)
            queue.append((target, include.constraint, path, include.line, (*chain, path)))
    return result


def python_marker_applies(marker: str, python: str | None, platform: str = "linux") -> bool:
    """Whether a requirement's marker holds for this Python (major.minor) on Linux.

    Unknown Python: the requirement counts (it may apply). A marker packaging cannot
    evaluate counts too: better a question than a silent pass.
    """
    if not marker:
        return True
    if python is None and "python" in marker:
        return True
    env = {"sys_platform": platform, "platform_system": "Linux", "os_name": "posix"}
    if python:
        env.update(python_version=python, python_full_version=f"{python}.0")
    try:
        return bool(Marker(marker).evaluate(env))
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return True


def admits(specifier: str, version: str) -> bool:
    """Whether a specifier lets this release in (pre-releases included when named)."""
    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def repo_path(repo: Path, path: Path) -> str | None:
    """A path as the repository names it (POSIX), or None when outside it."""
    try:
        return Path(posixpath.normpath(path.as_posix())).relative_to(repo).as_posix()
    except ValueError:
        return None
