"""Scripts a devcontainer build runs: what each one is, and what will break it.

Pure functions over strings and bytes (no subprocess, no file access), so the check that uses
them can be tested on captured bytes.  Error texts are dash 0.5.12's and bash 5.2's on Debian 12,
the base of the usual devcontainer images. Reading the #! line is shebang.py's; rewriting a
script is script_repair.py's.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property

from .bash_syntax import POLYGLOT, bashisms
from .shebang import BOM, TYPOS, classify, is_env, locate, parse_shebang, shown, utf8

HEADER_BYTES = 64 * 1024
"""Callers read at most this much of a file to classify it."""

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
        return bool(bashisms(self.text)[0])


# ------------------------------------------------------------------ analysis

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
    if len(lines) >= 2 and POLYGLOT.match(lines[1]):
        return "\n".join(lines[:2])
    return text


def _bom(raw: bytes, run_as: RunAs, name: str) -> Problem:
    first = raw.split(b"\r", 1)[0]
    w = shown(first.split()[0]) if first.split() else ""
    w += "^M" if raw.endswith(b"\r") and run_as is not RunAs.BASH and w == shown(first) else ""
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
        w, a, prog = shown(word), shown(arg), posixpath.basename(utf8(word))
        why = f"The kernel reads the `#!` line up to the newline, so {w} gets `{a}\\r`"
        if is_env(word):
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
        _, code, what = TYPOS[typo]
        rt = f"{name}: 1: {shown(first.split()[0])}: not found; the rest runs under /bin/sh (dash)"
        why = f"Only `#!` at byte 0 makes a shebang; this line has {what}. " + _VIA_DASH
        summary = f"shebang typo `{shown(first[:40])}`: a shebang starts with `#!`"
        rt = _NO_SHEBANG if first[:1] == b"#" else rt
        return [Problem("bang-typo", 1, summary, rt, why, code)]
    if not word:
        summary = "no shebang (`#!…`) on line 1, but an array-form command execs the script"
        return [Problem("missing-shebang", 1, summary, _NO_SHEBANG, _VIA_DASH, "SC2148")] * direct
    out: list[Problem] = []
    w, a = shown(word), shown(arg)
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
    if not re.search(rb"[ \t]", arg) or (is_env(word) and arg.startswith((b"-S", b"--split-s"))):
        return out
    if is_env(word):
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
    kind = classify(data)
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
    bom = data.startswith(BOM)
    body = data[3:] if bom else data
    lines = [ln.split(b"\r", 1)[0] for ln in body.split(b"\n", 20)[:20]]
    where, at, intended, typo = locate(lines)
    word, arg, prog = parse_shebang(intended) if intended else (b"", b"", None)
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
    text = _shell_part(utf8(body)) if is_shell else ""
    found, bodies = bashisms(text) if scan else ([], set())
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
        reason = f"its shebang `{shown(intended)}` makes {prog} run it"
    else:
        found, reason = [], ""
    shell = "ash" if prog == "ash" and run_as is not RunAs.SH and usable else "sh (dash)"
    for line, label, code, runtime in found:
        summary = f"bash syntax `{label}` on line {line}, but {shell} runs this script"
        why = f"Here {reason}; {shell} is a POSIX shell and does not know `{label}`."
        rt = runtime.replace("{n}", name).replace("{l}", str(line))
        problems.append(Problem("bashism-under-sh", line, summary, rt, why, code))
    interp, shebang = (prog, utf8(lines[0])) if where == "ok" else (None, None)
    return ScriptReport(shebang, interp, uses, False, tuple(problems), text)
