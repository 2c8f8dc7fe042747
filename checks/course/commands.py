"""Lifecycle commands as sh reads them: which scripts they run (and how), which files they name.

devcontainer.json's commands run under `/bin/sh -c` (a string) or are exec'd directly (an
array); both forms are walked word by word (`cd`, `sudo`, `bash x.sh`, `. file`, `pip install
-r`...). Pure functions over the command text.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from devdoctor.lazy import LazyPattern

from .bash_syntax import bashisms
from .shell import Invocation, NamedFile, RunAs

_TOKEN = LazyPattern(
    r"[ \t\r]+|&&|\|\||;;|[;&|()\n]|(?P<redir>\d*(?:>>|>&|<<-?|<&|<>|>\||[<>]))"
    r"|'[^']*'?|\"(?:\\.|[^\"\\])*\"?|\\.?|[^\s'\"\\;&|()<>]+",
    re.S,
)
_ASSIGN = LazyPattern(r"[A-Za-z_]\w*\+?=")
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


_PWD = LazyPattern(r"\$(?:PWD\b|\{PWD\})")


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
_PYTHON = LazyPattern(r"python(?:\d+(?:\.\d+)?)?")


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
    return bashisms(command)[0]
