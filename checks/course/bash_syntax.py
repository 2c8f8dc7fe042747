"""Bash syntax that dash (Debian's and Ubuntu's /bin/sh) rejects or misreads, found in a script.

A small scanner masks quoted strings, comments and here-documents, then looks for each
construct of the table; every entry names shellcheck's code and what dash 0.5.12 really does
with it (checked against a real dash in the tests). Pure functions over text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from devdoctor.lazy import LazyPattern

_PLAIN = {
    "code": LazyPattern(r"[^\\'\"#$()<\n]+"),
    "dq": LazyPattern(r"[^\\\"$\n]+"),
    "brace": LazyPattern(r"[^\\\"${}\n]+"),
    "arith": LazyPattern(r"[^()\n]+"),
}
# opener, frame kind, starting depth, frames it may open in
_OPEN = (
    ("$((", "arith", 2, "code sub dq brace"),
    ("$(", "sub", 1, "code sub dq brace"),
    ("${", "brace", 1, "dq brace"),
    ('"', "dq", 0, "code sub brace"),
)
_NEST = {"sub": "()", "arith": "()", "brace": "{}"}
_HEREDOC = LazyPattern(r"<<(-?)[ \t]*((?:'[^'\n]*'|\"[^\"\n]*\"|\\.|[^\s;&|()<>'\"\\])+)")
_CMD = r"(?:^|[;&|(){}!`]|\b(?:then|do|else|elif|if|while|until|time|exec)\s)\s*"
_VAR = r"\$\{(?:[A-Za-z_]\w*|\d+|[@*])"
_SUBST = "{n}: {l}: Bad substitution"
_PAREN = '{n}: {l}: Syntax error: "(" unexpected'
_REDIR = "{n}: {l}: Syntax error: redirection unexpected"
_NOT_FOUND = "{n}: {l}: %s: not found"
_OPERATOR = "{n}: {l}: [: …: unexpected operator"
_BACKGROUND = "no error: dash runs `cmd &` in the background, then `> file`"
_FUNC = _CMD + r"function\s+[^\s(){}]+\s*"
# construct, shellcheck code, pattern on masked code, what dash 0.5.12 does with it; compiled on
# first use (`_bashisms_table`), so listing or skipping the course checks compiles none of them
_BASHISM_SOURCES = (
    ("[[", "SC3010", _CMD + r"\[\[(?=\s)", _NOT_FOUND % "[["),
    ("arr=(…)", "SC3030", r"(?:^|[\s;&|(])[A-Za-z_]\w*\+?=\(", _PAREN),
    ("${arr[…]}", "SC3054", r"\$\{[#!]?[A-Za-z_]\w*\[", _SUBST),
    ("function f()", "SC2112", _FUNC + r"\(", _PAREN),
    ("function f {", "SC2113", _FUNC + r"(?:\{|$)", '{n}: …: Syntax error: "}" unexpected'),
    ("source", "SC3046", _CMD + r"source\s+\S", _NOT_FOUND % "source"),
    ("==", "SC3014", r"\s==\s", _OPERATOR),  # only inside `[ ]` / test: see bashisms
    (
        "set -o pipefail",
        "SC3040",
        _CMD + r"set\s+(?:[-+]\w+\s+)*-\w*o\s*pipefail\b",
        "{n}: {l}: set: Illegal option -o pipefail",
    ),
    ("<<<", "SC3011", r"<<<", "{n}: {l}: Syntax error: redirection unexpected"),
    ("<(…)", "SC3001", r"(?:^|[\s;&|(])<\(", _PAREN),
    (">(…)", "SC3001", r"(?:^|[\s;&|(])>\(", _REDIR),
    (
        "f-name()",
        "SC3033",
        _CMD + r"[A-Za-z_][\w]*-[\w-]*\s*\(\s*\)",
        "{n}: {l}: Syntax error: Bad function name",
    ),
    (
        "read -s/-a",
        "SC3045",
        _CMD + r"read(?:\s+-[pr]+)*\s+-[pr]*[adeinstuN]",
        "{n}: {l}: read: Illegal option -…",
    ),
    ("trap … ERR", "SC3047", _CMD + r"trap\s.*\bERR\b", "trap: ERR: bad trap"),
    ("&>", "SC3020", r"(?<![<>&])&>", _BACKGROUND),
    ("((…))", "SC3006", _CMD + r"\(\(", _NOT_FOUND % "…"),
    ("for ((…))", "SC3005", r"\bfor\s*\(\(", "{n}: {l}: Syntax error: Bad for loop variable"),
    ("${x:0:1}", "SC3057", _VAR + r":(?![-=+?])", _SUBST),
    ("${x//a/b}", "SC3060", _VAR + r"/", _SUBST),
    ("${x^^}", "SC3059", r"\$\{[A-Za-z_]\w*[\^,]", _SUBST),
    ("${!x}", "SC3053", r"\$\{![A-Za-z_]", _SUBST),
    ("declare", "SC3044", _CMD + r"declare\b", _NOT_FOUND % "declare"),
    ("typeset", "SC3044", _CMD + r"typeset\b", _NOT_FOUND % "typeset"),
    ("pushd", "SC3044", _CMD + r"pushd\b", _NOT_FOUND % "pushd"),
    ("popd", "SC3044", _CMD + r"popd\b", _NOT_FOUND % "popd"),
    ("let", "SC3039", _CMD + r"let\s+\S", _NOT_FOUND % "let"),
    ("+=", "SC3024", _CMD + r"[A-Za-z_]\w*\+=(?!\()", _NOT_FOUND % "x+=…"),
)


@functools.cache
def _bashisms_table() -> tuple[tuple[str, str, re.Pattern[str], str], ...]:
    return tuple(
        (label, code, re.compile(rx), runtime) for label, code, rx, runtime in _BASHISM_SOURCES
    )
_ANSI_C = ("$'…'", "SC3003", "no error: dash does not decode `$'…'`, so the string is wrong")
_INCDEC = ("$((i++))", "SC3018", '{n}: {l}: arithmetic expression: expecting primary: "…"')
_PRINTF_Q = (
    "printf %q",
    "SC3050",
    LazyPattern(_CMD + r"printf\b"),
    LazyPattern(r"%[-+ #0-9.]*q"),
    "{n}: {l}: printf: %q: invalid directive",
)
POLYGLOT = LazyPattern(
    r"""^[\s'"`:]*exec['"]?\s+['"]?(?:/usr/bin/env\s+)?(?:\S*/)?"""
    r"(?:python[\d.]*|node|nodejs|perl|ruby|Rscript|julia|php|tclsh|wish|lua)\b"
)


@dataclass
class _Frame:
    kind: str
    depth: int
    dollar: bool = False  # `$((`: an arithmetic expansion, where dash has no ++/--


def _heredoc_bodies(
    text: str, i: int, line: int, pending: list[tuple[str, bool]], out: list[str], bodies: set[int]
) -> tuple[int, int]:
    """Mask the heredoc bodies starting at `i`; a terminator with a stray CR still ends one."""
    for delim, strip_tabs in pending:
        while i < len(text):
            nl = text.find("\n", i)
            end = len(text) if nl < 0 else nl
            out.append("\n" * (nl >= 0))
            done = (text[i:end].lstrip("\t") if strip_tabs else text[i:end]).rstrip("\r") == delim
            if not done:
                bodies.add(line)
            i, line = end + 1, line + 1
            if done:
                break
    return i, line


def _scan(text: str) -> tuple[list[str], set[int], list[int], list[int]]:
    """Lines of code with comments, quoted text and heredoc bodies masked; the heredoc body
    lines; the lines with `$'…'`; the lines with `++`/`--` in arithmetic."""
    out: list[str] = []
    bodies: set[int] = set()
    ansi: list[int] = []
    incdec: list[int] = []
    stack = [_Frame("code", 0)]
    pending: list[tuple[str, bool]] = []
    i, n, line = 0, len(text), 1
    close = eol = -2  # cached: next `))`, next newline
    while i < n:
        f = stack[-1]
        code, masked = f.kind in ("code", "sub"), f.kind in ("dq", "arith")
        m = _PLAIN["code" if code else f.kind].match(text, i)
        if m:
            if f.dollar and ("++" in m.group() or "--" in m.group()):
                incdec.append(line)
            out.append("_" * (m.end() - i) if masked else m.group())
            i = m.end()
            continue
        c = text[i]
        openers = _OPEN if c in '$("' and f.kind != "arith" else ()
        opener = next((o for o in openers if f.kind in o[3] and text.startswith(o[0], i)), None)
        if c == "\n":
            out.append("\n")
            i, line = i + 1, line + 1
            if code and pending:
                i, line = _heredoc_bodies(text, i, line, pending, out, bodies)
                pending = []
        elif c == "\\":
            nxt = text[i + 1 : i + 2]
            out.append("_" + (nxt if nxt == "\n" else "_" * len(nxt)))
            i, line = i + 2, line + (nxt == "\n")
        elif opener:
            stack.append(_Frame(opener[1], opener[2], opener[0] == "$(("))
            out.append(opener[0])
            i += len(opener[0])
        elif code and text.startswith("((", i):  # arithmetic if `))` ends it on this line
            close = text.find("))", i + 2) if close != -1 and close < i + 2 else close
            eol = text.find("\n", i) if eol != -1 and eol < i else eol
            if close >= 0 and (eol < 0 or close < eol):
                stack.append(_Frame("arith", 2))
                out.append("((")
                i += 2
            else:  # nested subshells, `( (`
                f.depth += f.kind == "sub"
                out.append("( ")
                i += 1
        elif (f.kind == "dq" and c == '"') or c in _NEST.get(f.kind, ""):
            f.depth += 1 if c in "({" else -1
            if f.depth <= 0:
                stack.pop()
            out.append(c if f.kind != "arith" or f.depth <= 0 else "_")  # hide nested parens
            i += 1
        elif code and c == "'":
            ansi_c = out[-1:] == ["$"]
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if ansi_c and text[j] == "\\" else 1
            seg = text[i + 1 : j]
            out.append("'" + re.sub(r"[^\n]", "_", seg) + "'")
            ansi += [line] * ansi_c
            i, line = j + 1, line + seg.count("\n")
        elif code and c == "#" and (i == 0 or text[i - 1] in " \t\r\n;&|()"):
            j = text.find("\n", i) % (n + 1)
            out.append(" " * (j - i))
            i = j
        elif code and text.startswith("<<", i):
            hd = None if text.startswith("<<<", i) else _HEREDOC.match(text, i)
            tok = hd.group() if hd else ("<<<" if text.startswith("<<<", i) else "<<")
            if hd:
                pending.append((re.sub(r"['\"\\]", "", hd.group(2)), hd.group(1) == "-"))
            out.append(tok)
            i += len(tok)
        else:
            out.append("_" if masked else c)
            i += 1
    return "".join(out).split("\n"), bodies, ansi, incdec


def bashisms(text: str) -> tuple[list[tuple[int, str, str, str]], set[int]]:
    """(line, construct, shellcheck code, dash's error) per construct, first use only; and the
    heredoc body lines."""
    masked, bodies, ansi, incdec = _scan(text)
    found: dict[str, tuple[int, str, str, str]] = {}
    if ansi:
        found[_ANSI_C[0]] = (ansi[0], *_ANSI_C)
    if incdec:
        found[_INCDEC[0]] = (incdec[0], *_INCDEC)
    raw = text.split("\n")
    for no, ln in enumerate(masked, 1):
        label, code, cmd, directive, runtime = _PRINTF_Q
        if label not in found and cmd.search(ln) and directive.search(raw[no - 1]):
            found[label] = (no, label, code, runtime)
        for label, code, rx, runtime in _bashisms_table():
            m = None if label in found else rx.search(ln)
            if m and label == "==":  # linear time: is a single `[` or `test` still open here?
                tail = ln[ln.rfind("]", 0, m.start()) + 1 : m.start()]
                m = re.search(r"(?:^|[^\[])\[\s|\btest\s", tail)
            if m:
                found[label] = (no, label, code, runtime)
    return sorted(found.values()), bodies
