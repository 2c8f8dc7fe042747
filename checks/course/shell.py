"""Scripts a devcontainer build runs: find them in lifecycle commands, diagnose them, repair them.

Pure functions over strings and bytes (no subprocess, no file access), so the check that uses
them can be tested on captured bytes.  Error texts are dash 0.5.12's and bash 5.2's on Debian 12,
the base of the usual devcontainer images.
"""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace
from enum import Enum
from fnmatch import fnmatchcase
from functools import cached_property

HEADER_BYTES = 64 * 1024
"""Callers read at most this much of a file to classify it."""

_BOM = b"\xef\xbb\xbf"
_SH_LIKE = frozenset({"sh", "dash", "ash"})
SHELLS = _SH_LIKE | {"bash", "ksh", "mksh", "zsh"}


class RunAs(str, Enum):
    """How the build runs the script; decides which problems matter."""

    DIRECT = "direct"  # ./x.sh in a shell: the kernel reads the shebang (needs +x); without
    # one the kernel says ENOEXEC and the calling shell (/bin/sh) runs the file itself
    EXEC = "exec"  # ["./x.sh"]: exec'd with no shell to fall back to: no shebang fails
    SH = "sh"  # sh x.sh: dash runs it whatever the shebang says
    BASH = "bash"  # bash x.sh: shebang and mode do not matter (CRLF and BOM still do)
    SOURCED = "sourced"  # . x.sh / source x.sh in bash: no shebang needed
    SH_SOURCED = "sh-sourced"  # `. x.sh` in a /bin/sh -c command: dash reads it
    UNKNOWN = "unknown"  # tracked under .devcontainer or top level, not seen in a command


@dataclass(frozen=True)
class Invocation:
    """A script a lifecycle command runs; `path` is normalised, relative to the command's cwd."""

    path: str
    run_as: RunAs
    command: str
    made_executable: bool = False  # the command chmods it +x first: git's mode does not matter


@dataclass(frozen=True)
class NamedFile:
    """A file a command reads (`pip install -r x`, `conda env create -f x`, `npm ci`): `path`
    is normalised, relative to the command's cwd (the workspace folder)."""

    path: str
    command: str
    program: str  # "pip install -r", "npm ci"...
    cwd: str  # the folder the command runs in, relative to the workspace folder ("" for it)


@dataclass(frozen=True)
class Problem:
    """One reason the script breaks, with what the student will see and shellcheck's code."""

    code: str
    line: int
    summary: str
    runtime: str
    why: str
    shellcheck: str


@dataclass(frozen=True)
class ScriptReport:
    """What one script is (shebang, interpreter, bash syntax, binary) and what breaks."""

    shebang: str | None
    interpreter: str | None
    bash_syntax: bool | None  # None: not scanned, because nothing needed it yet
    is_binary: bool
    problems: tuple[Problem, ...]
    text: str = field(default="", repr=False, compare=False)

    @cached_property
    def uses_bash_syntax(self) -> bool:
        """Whether the script uses bash syntax. The scan is most of analyze()'s cost, so a
        script whose answer changes nothing (bash runs it, no CR) is scanned only if asked."""
        if self.bash_syntax is not None:
            return self.bash_syntax
        return bool(_bashisms(self.text)[0])


# ------------------------------------------------------------------ invocations in commands

_TOKEN = re.compile(
    r"[ \t\r]+|&&|\|\||;;|[;&|()\n]|(?P<redir>\d*(?:>>|>&|<<-?|<&|<>|>\||[<>]))"
    r"|'[^']*'?|\"(?:\\.|[^\"\\])*\"?|\\.?|[^\s'\"\\;&|()<>]+",
    re.S,
)
_ASSIGN = re.compile(r"[A-Za-z_]\w*\+?=")
_SKIP = frozenset(
    {"exec", "nohup", "time", "command", "builtin", "nice", "{", "}", "!"}
    | {"if", "then", "else", "elif", "do", "while", "until"}
)
_SUDO_ARG = frozenset({"-u", "-g", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "-h"})
_SYSTEM_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/")


@dataclass
class _Ctx:
    command: str
    cwd: str = ""
    chmodded: set[str] = field(default_factory=set)  # fnmatch patterns
    found: list[Invocation] = field(default_factory=list)
    files: list[NamedFile] = field(default_factory=list)
    shell: str = "sh"  # the shell reading the words: /bin/sh -c, or `bash -c`


def _unquote(tok: str) -> str:
    if tok[0] in "'\"":
        inner = tok[1:-1] if len(tok) > 1 and tok[-1] == tok[0] else tok[1:]
        return inner if tok[0] == "'" else re.sub(r'\\([\\"$`])|\\\n', r"\1", inner)
    return ("" if tok == "\\\n" else tok[1:]) if tok[0] == "\\" else tok


def _split_commands(text: str) -> list[list[str]]:
    """Simple commands of a `/bin/sh -c` string, quotes removed, redirections dropped."""
    commands: list[list[str]] = [[]]
    word: str | None = None
    skip_next = False
    pos = 0
    while pos <= len(text):
        m = _TOKEN.match(text, pos) if pos < len(text) else None
        tok = m.group() if m else " "
        pos += len(tok) if m else 1
        if m and tok[0] == "#" and word is None:  # a comment
            pos = text.find("\n", pos) % (len(text) + 1)
            continue
        separator = tok in ("&&", "||", ";;", ";", "&", "|", "(", ")", "\n")
        if m and not separator and not tok.isspace() and m.group("redir") is None:
            word = (word or "") + _unquote(tok)
            continue
        if word is not None and not skip_next:
            commands[-1].append(word)
        if word is not None:
            skip_next, word = False, None
        if m and m.group("redir") is not None:
            skip_next = True
        elif separator and commands[-1]:
            commands.append([])
            skip_next = False
    return [c for c in commands if c]


_PWD = re.compile(r"\$(?:PWD\b|\{PWD\})")


def _join(cwd: str, path: str) -> str:
    """`path` relative to the workspace folder; `$PWD/x` is the folder the command runs in."""
    m = _PWD.match(path)
    if m:
        path = "." + path[m.end() :] if path[m.end() : m.end() + 1] in ("/", "") else path
    if path.startswith(("$", "~")):
        return path
    return posixpath.normpath(posixpath.join(cwd, path))


def _chmod(args: list[str], ctx: _Ctx) -> None:
    """Remember what `chmod +x` / `chmod 755` / `chmod -R +x dir` makes executable."""
    recursive = any(a == "--recursive" or re.fullmatch(r"-[a-zA-Z]*R[a-zA-Z]*", a) for a in args)
    rest = [a for a in args if not re.fullmatch(r"-[cfvR]+|--[a-z-]+", a)]
    if len(rest) < 2:
        return
    mode = rest[0]
    if re.fullmatch(r"[0-7]{3,4}", mode):
        grants = int(mode[-3]) & 1 == 1
    else:
        grants = re.search(r"[+=][rwxXst]*[xX]", mode) is not None
    for path in rest[1:] if grants else []:
        ctx.chmodded.add(_join(ctx.cwd, path))
        if recursive:
            ctx.chmodded.add(_join(ctx.cwd, path) + "/*")


def _add(ctx: _Ctx, path: str, run_as: RunAs) -> None:
    norm = _join(ctx.cwd, path)
    direct = run_as in (RunAs.DIRECT, RunAs.EXEC)
    made = direct and any(fnmatchcase(norm, p) for p in ctx.chmodded)
    ctx.found.append(Invocation(norm, run_as, ctx.command, made))


def _file(ctx: _Ctx, path: str, program: str, simple: str) -> None:
    if path and not path.startswith(("-", "http://", "https://", "git+")):
        norm = _join(ctx.cwd, path)
        ctx.files.append(NamedFile(norm, simple, program, ctx.cwd))


_PIP = frozenset({"pip", "pip3", "uv", "micromamba", "mamba", "conda"})
"""Installers whose -r/--requirement (pip) or -f/--file (conda) names a file the build reads."""
_PYTHON = re.compile(r"python(?:\d+(?:\.\d+)?)?")


def _named_files(word: str, args: list[str], ctx: _Ctx) -> None:
    """Files the command reads by name: requirement files, environments, lock files, programs."""
    base, words, simple = posixpath.basename(word), args, shlex.join([word, *args])
    if _PYTHON.fullmatch(base):
        if words[:2] == ["-m", "pip"]:
            base, words = "pip", words[2:]
        elif words and not words[0].startswith("-"):
            _file(ctx, words[0], base, simple)
            return
    if base == "uv" and words[:1] == ["pip"]:
        words = words[1:]
    if base in _PIP:
        conda = base in ("conda", "mamba", "micromamba")
        sub: list[str] = []
        for w in words[: 2 if conda else 1]:
            if w.startswith("-"):
                break
            sub.append(w)
        flags = {"-f", "--file"} if conda else {"-r", "--requirement", "-c", "--constraint"}
        lead = " ".join([base, *sub])
        for k, w in enumerate(words):
            name, eq, value = w.partition("=")
            if eq and name in flags:
                _file(ctx, value, f"{lead} {name}", simple)
            elif w in flags and k + 1 < len(words):
                _file(ctx, words[k + 1], f"{lead} {w}", simple)
            elif w.startswith("-r") and len(w) > 2 and "-r" in flags:
                _file(ctx, w[2:], f"{lead} -r", simple)
    elif base == "npm" and words[:1] == ["ci"]:
        _file(ctx, "package-lock.json", "npm ci", simple)


def _walk(words: list[str], ctx: _Ctx, depth: int, shell: bool) -> None:
    """One simple command: peel wrappers (env, sudo, exec, VAR=1), then see what it runs."""
    i = 0
    while i < len(words):
        w, base = words[i], posixpath.basename(words[i])
        if (shell and _ASSIGN.match(w)) or w in _SKIP or base in _SKIP:
            i += 1
        elif base in ("sudo", "doas", "env"):
            i, shell = i + 1, True
            while i < len(words) and (words[i][:1] == "-" or _ASSIGN.match(words[i])):
                i += 2 if words[i] in _SUDO_ARG else 1
        else:
            break
    w, args = (words[i], words[i + 1 :]) if i < len(words) else ("", [])
    base = posixpath.basename(w)
    if w == "cd":
        target = next((a for a in args if not a.startswith("-")), "~")
        ctx.cwd = _join(ctx.cwd, target)
    elif w == "chmod":
        _chmod(args, ctx)
    elif w in (".", "source") and args:
        by_sh = ctx.shell == "sh" and shell
        _add(ctx, args[0], RunAs.SH_SOURCED if by_sh else RunAs.SOURCED)
    elif base in ("sh", "dash", "ash", "bash"):
        j, run_c = 0, False
        while j < len(args) and args[j][:1] in ("-", "+") and args[j] != "-":
            opt, j = args[j], j + 1
            if opt == "--":
                break
            if opt in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                j += 1
            elif not opt.startswith("--") and "s" in opt[1:]:
                return  # the script comes from stdin
            run_c = run_c or (not opt.startswith("--") and "c" in opt[1:])
        if j < len(args) and run_c and depth < 5:
            inner = "bash" if base == "bash" else "sh"
            sub = _Ctx(ctx.command, ctx.cwd, ctx.chmodded, ctx.found, ctx.files, inner)
            _walk_string(args[j], sub, depth)
        elif j < len(args) and not run_c and args[j] != "-":
            _add(ctx, args[j], RunAs.BASH if base == "bash" else RunAs.SH)
    elif w.endswith((".sh", ".bash")) or ("/" in w and not w.startswith(_SYSTEM_DIRS)):
        _add(ctx, w, RunAs.DIRECT if shell else RunAs.EXEC)
    elif w:
        _named_files(w, args, ctx)


def _walk_string(text: str, ctx: _Ctx, depth: int) -> None:
    for words in _split_commands(text):
        _walk(words, ctx, depth + 1, shell=True)


def _contexts(command: str | list[str] | dict[str, str | list[str]], shell: str) -> list[_Ctx]:
    if isinstance(command, dict):
        return [ctx for value in command.values() for ctx in _contexts(value, shell)]
    if isinstance(command, str):
        ctx = _Ctx(command, shell=shell)
        _walk_string(command, ctx, 0)
        return [ctx]
    if isinstance(command, list | tuple) and command:
        words = [str(w) for w in command]
        ctx = _Ctx(shlex.join(words), shell=shell)
        _walk(words, ctx, 0, shell=False)
        return [ctx]
    return []


def invocations(
    command: str | list[str] | dict[str, str | list[str]], *, shell: str = "sh"
) -> list[Invocation]:
    """Scripts a lifecycle command runs.  A string goes to `/bin/sh -c`, a list is exec'd as is,
    an object runs each value; `shell` is the one reading a string (bash for a script's own
    lines).  Never raises: odd input gives what could be found."""
    return [inv for ctx in _contexts(command, shell) for inv in ctx.found]


def named_files(command: str | list[str] | dict[str, str | list[str]]) -> list[NamedFile]:
    """Files a lifecycle command reads by name (`pip install -r requirements.txt`, `conda env
    create -f environment.yml`, `python setup.py`, `npm ci`'s package-lock.json), relative to
    the workspace folder the command runs in."""
    return [f for ctx in _contexts(command, "sh") for f in ctx.files]


def command_bashisms(command: str) -> list[tuple[int, str, str, str]]:
    """Bash syntax in a string command, which /bin/sh (dash) reads: (line, construct,
    shellcheck code, dash's error with {n} for `sh`)."""
    return _bashisms(command)[0]


# ------------------------------------------------------------------ bash syntax scanner

_PLAIN = {
    "code": re.compile(r"[^\\'\"#$()<\n]+"),
    "dq": re.compile(r"[^\\\"$\n]+"),
    "brace": re.compile(r"[^\\\"${}\n]+"),
    "arith": re.compile(r"[^()\n]+"),
}
# opener, frame kind, starting depth, frames it may open in
_OPEN = (
    ("$((", "arith", 2, "code sub dq brace"),
    ("$(", "sub", 1, "code sub dq brace"),
    ("${", "brace", 1, "dq brace"),
    ('"', "dq", 0, "code sub brace"),
)
_NEST = {"sub": "()", "arith": "()", "brace": "{}"}
_HEREDOC = re.compile(r"<<(-?)[ \t]*((?:'[^'\n]*'|\"[^\"\n]*\"|\\.|[^\s;&|()<>'\"\\])+)")
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
    ("==", "SC3014", r"\s==\s", _OPERATOR),  # only inside `[ ]` / test: see _bashisms
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
    re.compile(_CMD + r"printf\b"),
    re.compile(r"%[-+ #0-9.]*q"),
    "{n}: {l}: printf: %q: invalid directive",
)
_POLYGLOT = re.compile(
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


def _bashisms(text: str) -> tuple[list[tuple[int, str, str, str]], set[int]]:
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


# ------------------------------------------------------------------ analysis

_TYPOS = (
    (re.compile(rb"!#[ \t]*(?=/)"), "SC1084", "`!#` instead of `#!`"),
    (re.compile(rb"#[ \t]+![ \t]*(?=/)"), "SC1115", "a space between `#` and `!`"),
    (re.compile(rb"#(?=/\S*bin/)"), "SC1113", "`#` without `!`"),
    (re.compile(rb"!(?=/)"), "SC1104", "`!` without `#`"),
)
_NO_SHEBANG = (
    "no error of its own: /bin/sh (dash) runs the file, so bash syntax then fails"
    " (e.g. `[[: not found`)"
)
_VIA_DASH = (
    "Without `#!` at byte 0 the kernel cannot run the file (ENOEXEC), so the calling shell"
    " runs it: for the devcontainer CLI that is /bin/sh (dash), not bash."
)
_USE_S = "use -[v]S to pass options in shebang lines"
_ONE_ARG = "Linux passes everything after the interpreter as one single argument"


def _shell_part(text: str) -> str:
    """The part a shell reads: a polyglot whose line 2 `exec`s python (or node...) is shell
    only up to that line; the rest is the other language's."""
    lines = text.split("\n", 2)
    if len(lines) >= 2 and _POLYGLOT.match(lines[1]):
        return "\n".join(lines[:2])
    return text


def _dec(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _show(b: bytes) -> str:
    """File bytes for a one-line message: control characters escaped."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", lambda m: f"\\x{ord(m.group()):02x}", _dec(b))


def _classify(data: bytes) -> str:
    """'utf16', 'binary' or 'text', judged on the first 8 KiB."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    sample = data[:8192]
    if b"\0" in sample:
        half = len(sample) // 2
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        utf16 = half >= 2 and max(even, odd) >= 0.6 * half and min(even, odd) <= 0.05 * half
        return "utf16" if utf16 else "binary"
    ctrl = sum(1 for b in sample if (b < 32 and b not in b"\t\n\r\f\v\b\x1b") or b == 127)
    bad = _dec(sample).count("\ufffd")
    return "binary" if ctrl > 0.1 * len(sample) or bad > 0.3 * len(sample) else "text"


def _locate(lines: list[bytes]) -> tuple[str, int, bytes, int]:
    """Where the shebang was meant to be: (kind, line, the intended `#!` line, typo index)."""
    first = lines[0]
    if first.startswith(b"#!"):
        return "ok", 1, first, -1
    for k, (rx, _, _) in enumerate(_TYPOS):
        m = rx.match(first)
        if m:
            return "typo", 1, b"#!" + first[m.end() :], k
    if re.match(rb"[ \t]+#!", first):
        return "leading-whitespace", 1, first.lstrip(b" \t"), -1
    for k, raw in enumerate(lines):
        t = raw.strip(b" \t")
        if t.startswith(b"#!"):
            return "shebang-not-first-line", k + 1, t, -1
        if t and not t.startswith(b"#"):
            break
    return "missing", 1, b"", -1


def _parse_shebang(line: bytes) -> tuple[bytes, bytes, str | None]:
    """(interpreter, the one argument the kernel passes it, the program: after `env` if env)."""
    parts = re.split(rb"[ \t]+", line[2:].strip(b" \t"), maxsplit=1)
    word, arg = parts[0], parts[1] if len(parts) > 1 else b""
    prog: str | None = posixpath.basename(_dec(word)) or None
    if prog == "env":
        prog, words, k = None, _dec(arg).split(), 0
        while k < len(words) and prog is None:
            w = words[k]
            if w.startswith("-S") and len(w) > 2:
                prog = posixpath.basename(w[2:])
            elif w.startswith("-") or "=" in w:
                k += 2 if w in ("-u", "-C", "--unset", "--chdir") else 1
            else:
                prog = posixpath.basename(w)
    return word, arg, prog


def shebang_program(data: bytes) -> str | None:
    """The program a script's #! line names, where its author meant it (mistyped, indented, below
    comments), as the kernel and env would pick it: `bash` for `#!/usr/bin/env -S bash -e`."""
    body = data[3:] if data.startswith(_BOM) else data
    lines = [ln.split(b"\r", 1)[0] for ln in body.split(b"\n", 20)[:20]]
    intended = _locate(lines)[2]
    return _parse_shebang(intended)[2] if intended else None


def _is_env(word: bytes) -> bool:
    return word == b"env" or word.endswith(b"/env")


def _bom(raw: bytes, run_as: RunAs, name: str) -> Problem:
    first = raw.split(b"\r", 1)[0]
    w = _show(first.split()[0]) if first.split() else ""
    w += "^M" if raw.endswith(b"\r") and run_as is not RunAs.BASH and w == _show(first) else ""
    rt = f"{name}: 1: \\ufeff{w}: not found"
    if run_as in (RunAs.BASH, RunAs.SOURCED):
        error = "No such file or directory" if "/" in w else "command not found"
        rt = f"{name}: line 1: \\ufeff{w}: {error}"
    elif run_as in (RunAs.DIRECT, RunAs.UNKNOWN):
        rt += "; the rest of the file then runs under /bin/sh (dash)"
    why = (
        "Three invisible bytes (EF BB BF, written by some Windows editors) come before line 1,"
        " so `#!` is no longer at byte 0 and line 1 is run as a command."
    )
    return Problem("bom", 1, "UTF-8 byte-order mark (BOM) before line 1", rt, why, "SC1082")


def _crlf(
    body: bytes, bodies: set[int], truncated: bool, bang: tuple[bytes, bytes], bash: bool, name: str
) -> list[Problem]:
    """CRs outside heredoc bodies; `bang` is the kernel-read (interpreter, argument) or empty."""
    lines = body.split(b"\n")
    crs = [(no, ln.count(b"\r")) for no, ln in enumerate(lines, 1) if b"\r" in ln]
    crs = [(no, k) for no, k in crs if no not in bodies]
    if not crs:
        return []
    count, at = sum(k for _, k in crs), crs[0][0]
    bare = re.search(rb"\r(?!\n)", body[:-1] if truncated else body) is not None
    label = "carriage-return (CR) line endings" if bare else "Windows line endings (CRLF)"
    many = f"{'at least ' if truncated else ''}{count} line{'s' * (count != 1)}"
    word, arg = bang
    if at == 1 and word:
        w, a, prog = _show(word), _show(arg), posixpath.basename(_dec(word))
        why = f"The kernel reads the `#!` line up to the newline, so {w} gets `{a}\\r`"
        if _is_env(word):
            rt = f"{w}: '{a}\\r': No such file or directory, then `{w}: {_USE_S}` (exit 127)"
        elif arg and prog == "bash":
            rt = f"{w}: -^M: invalid option" if a.startswith("-") else f"{w}: {a}^M: …"
        elif arg and prog in _SH_LIKE:
            rt = f"{w}: 0: Illegal option -^M" if a.startswith("-") else f"{w}: 0: {a}^M: …"
        elif arg:
            rt = f"{w} fails on the argument `{a}\\r`"
        else:
            why = f"The kernel reads the `#!` line up to the newline, so it looks for `{w}\\r`"
            rt = (
                f"sh: 1: {name}: not found (exit 127); from bash 5.2: `bash: line 1: {name}:"
                f" cannot execute: required file not found`; older bash: `bad interpreter: {w}^M`"
            )
        why += " (with a carriage return), and fails."
        summary = f"{label} on {many}, including the shebang line"
        return [Problem("crlf", 1, summary, rt, why, "SC1017")]
    why = (
        "The shell reads the carriage return as part of each line, so commands and file names"
        " get an invisible `\\r` at the end."
    )
    blank = not lines[at - 1].strip()
    if bash:
        rt = f"{name}: line {at}: $'\\r': command not found"
        rt = rt if blank else f"errors such as `{rt}` or `cd: $'dir\\r': No such file or directory`"
    else:
        rt = f"{name}: {at}: ^M: not found"
        rt = rt if blank else f"errors like `{name}: {at}: …^M: not found`, `cd: can't cd to x^M`"
    return [Problem("crlf", at, f"{label} on {many}, from line {at}", rt, why, "SC1017")]


def _no_fallback(problem: Problem, name: str) -> Problem:
    """The same problem when no shell runs what the kernel refuses (array-form commands)."""
    runtime = f"exec {name}: exec format error (the command fails; no shell runs the file)"
    why = (
        "The array form runs the file directly, with no shell to fall back to: without `#!` "
        "at byte 0 the kernel refuses it (ENOEXEC)."
    )
    return replace(problem, runtime=runtime, why=why)


def _shebang(
    first: bytes, where: str, at: int, typo: int, word: bytes, arg: bytes, run_as: RunAs, name: str
) -> list[Problem]:
    """Problems of the `#!` line itself, for scripts the kernel starts. Without any `#!` a
    string command still works (ENOEXEC: /bin/sh runs the file), so a missing one counts only
    where the file is exec'd with nothing to fall back to (the array form)."""
    direct = run_as is RunAs.EXEC
    if where == "leading-whitespace":
        why = "The kernel honours `#!` only at byte 0; here line 1 is a comment. " + _VIA_DASH
        summary = "spaces or tabs before `#!` on line 1"
        return [Problem(where, 1, summary, _NO_SHEBANG, why, "SC1114")]
    if where == "shebang-not-first-line":
        why = "The kernel honours `#!` only at byte 0 of the file. " + _VIA_DASH
        summary = f"the shebang is on line {at}, after blank or comment lines"
        return [Problem(where, at, summary, _NO_SHEBANG, why, "SC1128")]
    if where == "typo":
        _, code, what = _TYPOS[typo]
        rt = f"{name}: 1: {_show(first.split()[0])}: not found; the rest runs under /bin/sh (dash)"
        why = f"Only `#!` at byte 0 makes a shebang; this line has {what}. " + _VIA_DASH
        summary = f"shebang typo `{_show(first[:40])}`: a shebang starts with `#!`"
        rt = _NO_SHEBANG if first[:1] == b"#" else rt
        return [Problem("bang-typo", 1, summary, rt, why, code)]
    if not word:
        summary = "no shebang (`#!…`) on line 1, but an array-form command execs the script"
        return [Problem("missing-shebang", 1, summary, _NO_SHEBANG, _VIA_DASH, "SC2148")] * direct
    out: list[Problem] = []
    w, a = _show(word), _show(arg)
    not_found = f"sh: 1: {name}: not found (exit 127)"
    if len(first) > 255:
        rt = "no error of its own: the kernel refuses the `#!` line (ENOEXEC); /bin/sh runs it"
        why = "Linux reads at most 255 bytes of a `#!` line (BINPRM_BUF_SIZE is 256)."
        summary = f"the shebang line is {len(first)} bytes; Linux reads at most 255"
        out.append(Problem("shebang-too-long", 1, summary, rt, why, ""))
    if max(first) >= 0x80:
        what = "a no-break space (U+00A0)" if b"\xc2\xa0" in first else "a non-ASCII character"
        why = (
            "The kernel splits the `#!` line only on ASCII spaces and tabs, so the invisible"
            " character becomes part of the interpreter's name."
        )
        summary = f"the shebang line contains {what}"
        out.append(Problem("non-ascii-shebang", 1, summary, not_found, why, ""))
    if not word.startswith(b"/"):
        why = "The kernel does not search PATH for a `#!` interpreter; it needs an absolute path."
        summary = f"the shebang names `{w}` without an absolute path (e.g. /bin/bash)"
        out.append(Problem("relative-interpreter", 1, summary, not_found, why, "SC2239"))
    if not re.search(rb"[ \t]", arg) or (_is_env(word) and arg.startswith((b"-S", b"--split-s"))):
        return out
    if _is_env(word):
        rt = f"{w}: '{a}': No such file or directory, then `{w}: {_USE_S}` (exit 127)"
        why = f"{_ONE_ARG}, so env looks for a program named `{a}`; `env -S` splits it."
        summary = f"`#!{w} {a}` passes `{a}` to env as a single word"
        return [*out, Problem("env-with-args", 1, summary, rt, why, "SC2096")]
    opt, prog = a.split()[0], posixpath.basename(w)
    rt = f"{w} gets `{a}` as one argument and fails"
    if prog == "bash" and opt.startswith("--"):
        rt = f"{w}: {a}: invalid option"
    elif prog == "bash" and opt.startswith("-") and "o" not in opt:
        rt = f"{w}: - : invalid option"
    elif prog in _SH_LIKE and opt.startswith("-"):
        rt = f"{w}: 0: Illegal option - "
    why = f"{_ONE_ARG}; keep one option on the `#!` line and set the others in the script."
    summary = f"the shebang passes `{a}` to {w} as one argument"
    return [*out, Problem("shebang-multiple-args", 1, summary, rt, why, "SC2096")]


def analyze(
    data: bytes,
    *,
    run_as: RunAs = RunAs.UNKNOWN,
    git_mode: str | None = None,
    truncated: bool = False,
    name: str = "./script.sh",
) -> ScriptReport:
    """What breaks when the build runs this script as `run_as`.  `data` is at most HEADER_BYTES
    of the file (`truncated` says it was cut); `name` is how the command names the script, for
    the error texts."""
    kind = _classify(data)
    if kind == "binary":
        return ScriptReport(None, None, False, True, ())
    if kind == "utf16":
        rt = {
            RunAs.BASH: f"{name}: {name}: cannot execute binary file (exit 126)",
            RunAs.SH: f"{name}: 1: ��#!…: not found, and more errors on the NUL bytes",
        }.get(run_as, f"sh: 1: {name}: Exec format error (exit 126)")
        why = "Shells and the kernel read UTF-8/ASCII; UTF-16 puts a NUL byte in every character."
        summary = "saved as UTF-16 (an editor's 'Unicode'), not UTF-8"
        return ScriptReport(None, None, False, False, (Problem("utf16", 0, summary, rt, why, ""),))
    bom = data.startswith(_BOM)
    body = data[3:] if bom else data
    lines = [ln.split(b"\r", 1)[0] for ln in body.split(b"\n", 20)[:20]]
    where, at, intended, typo = _locate(lines)
    word, arg, prog = _parse_shebang(intended) if intended else (b"", b"", None)
    usable = where == "ok" and bool(word) and not bom and len(lines[0]) <= 255
    direct = run_as in (RunAs.DIRECT, RunAs.EXEC, RunAs.UNKNOWN)
    is_shell = prog is None or prog in SHELLS
    sh_runs_it = (
        run_as in (RunAs.SH, RunAs.SH_SOURCED)
        or (run_as is RunAs.DIRECT and not usable)
        or (direct and prog in _SH_LIKE)
    )
    # Bash syntax matters when sh runs the script; heredoc bodies matter when there are CRs.
    scan = is_shell and (sh_runs_it or b"\r" in body)
    text = _shell_part(_dec(body)) if is_shell else ""
    found, bodies = _bashisms(text) if scan else ([], set())
    uses = bool(found) if scan else (None if is_shell else False)
    problems = [_bom(body.split(b"\n", 1)[0], run_as, name)] if bom else []
    bang = (word, arg) if direct and where == "ok" and not bom else (b"", b"")
    bash = run_as in (RunAs.BASH, RunAs.SOURCED) or (direct and usable and prog == "bash")
    problems += _crlf(body, bodies, truncated, bang, bash, name)
    if direct:
        shebang_problems = _shebang(lines[0], where, at, typo, word, arg, run_as, name)
        if run_as is RunAs.EXEC and where != "ok":
            shebang_problems = [_no_fallback(p, name) for p in shebang_problems]
        problems += shebang_problems
    if git_mode == "100644" and run_as in (RunAs.DIRECT, RunAs.EXEC):
        rt = f"sh: 1: {name}: Permission denied (exit 126)"
        why = (
            "Git records the script as not executable (mode 100644), so the checkout has no +x"
            " bit and the kernel refuses to run it."
        )
        summary = "not executable in git (mode 100644), but the command runs it directly"
        problems.append(Problem("not-executable", 0, summary, rt, why, ""))
    if run_as is RunAs.SH:
        reason = "the command runs it with `sh`, so dash runs it whatever the shebang says"
    elif run_as is RunAs.SH_SOURCED:
        reason = "the command sources it with `.` in /bin/sh (dash)"
    elif run_as is RunAs.DIRECT and not usable:
        reason = "with no usable shebang, /bin/sh (dash) runs it"
    elif direct and prog in _SH_LIKE:
        reason = f"its shebang `{_show(intended)}` makes {prog} run it"
    else:
        found, reason = [], ""
    shell = "ash" if prog == "ash" and run_as is not RunAs.SH and usable else "sh (dash)"
    for line, label, code, runtime in found:
        summary = f"bash syntax `{label}` on line {line}, but {shell} runs this script"
        why = f"Here {reason}; {shell} is a POSIX shell and does not know `{label}`."
        rt = runtime.replace("{n}", name).replace("{l}", str(line))
        problems.append(Problem("bashism-under-sh", line, summary, rt, why, code))
    interp, shebang = (prog, _dec(lines[0])) if where == "ok" else (None, None)
    return ScriptReport(shebang, interp, uses, False, tuple(problems), text)


# ------------------------------------------------------------------ repair


_SETTABLE = re.compile(rb"-[aefhkmnpuvxBCHP]+|-o|pipefail|errexit|nounset|xtrace|noclobber")
_SH_WORDS = (b"sh", b"dash", b"ash")


def repair(data: bytes, *, want_bash: bool | None = None, run_directly: bool = False) -> bytes:
    """LF line endings (heredocs too), no BOM, `#!` at byte 0 with typos fixed, a shebang where
    none is (`#!/bin/bash` if the script uses bash syntax or `want_bash`, else `#!/bin/sh`).

    `#!/usr/bin/env bash -e` becomes `#!/usr/bin/env bash` plus a `set -e` line (BusyBox's env
    has no -S, so `env -S` would break Alpine images), or `env -S` for options `set` cannot
    take. With `run_directly`, a `#!/bin/sh` script written in bash gets bash: the kernel reads
    that line, so dash would run it. Nothing else changes; binary and UTF-16 input comes back
    as is. Give it the whole file, not a HEADER_BYTES prefix."""
    if _classify(data) != "text":
        return data
    out = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    while out.startswith(_BOM):
        out = out[3:]
    lines = out.split(b"\n")
    where, at, intended, _ = _locate(lines[:20])
    if where in ("typo", "leading-whitespace"):
        lines[0] = intended
    elif where == "shebang-not-first-line":
        before = lines[: at - 1]
        lines = [intended, *([] if all(not ln.strip() for ln in before) else before), *lines[at:]]
    word, arg, _ = _parse_shebang(lines[0]) if lines[0].startswith(b"#!") else (b"", b"", None)
    uses_bash = want_bash if want_bash is not None else bool(_bashisms(_dec(out))[0])
    if not word:
        new = b"#!/bin/bash" if uses_bash else b"#!/bin/sh"
        lines = [new, *lines[1:]] if lines[0].startswith(b"#!") else [new, *lines]
    elif _is_env(word) and re.search(rb"[ \t]", arg) and not arg.startswith((b"-S", b"--split-s")):
        program, *options = arg.split()
        if program in (b"bash", *_SH_WORDS) and all(_SETTABLE.fullmatch(o) for o in options):
            lines[0] = lines[0][: lines[0].index(arg, 2 + len(word))] + program
            lines.insert(1, b"set " + b" ".join(options))
        else:
            i = lines[0].index(arg, 2 + len(word))
            lines[0] = lines[0][:i] + b"-S " + lines[0][i:]
    elif run_directly and uses_bash:
        if _is_env(word) and arg.split()[:1] in ([w] for w in _SH_WORDS):
            i = lines[0].index(arg, 2 + len(word))
            lines[0] = lines[0][:i] + b"bash" + lines[0][i + len(arg.split()[0]) :]
        elif word.rsplit(b"/", 1)[-1] in _SH_WORDS:
            lines[0] = lines[0].replace(word, b"/bin/bash", 1)
    return b"\n".join(lines)
