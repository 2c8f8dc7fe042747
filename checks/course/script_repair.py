"""The repair of a script the build runs: LF, no BOM, a #! line that works, nothing else changed.

What script-shebangs' fix writes (and what the course-container tests run). Separate from
shell.py, which only reads scripts: the rewrite has rules of its own (which options `set` can
take, when a #!/bin/sh script written in bash gets bash).
"""

from __future__ import annotations

import re

from devdoctor.lazy import LazyPattern

from .bash_syntax import bashisms
from .shebang import BOM, classify, is_env, locate, parse_shebang, utf8

_SETTABLE = LazyPattern(rb"-[aefhkmnpuvxBCHP]+|-o|pipefail|errexit|nounset|xtrace|noclobber")
_SH_WORDS = (b"sh", b"dash", b"ash")


def repair(data: bytes, *, want_bash: bool | None = None, run_directly: bool = False) -> bytes:
    """LF line endings (heredocs too), no BOM, `#!` at byte 0 with typos fixed, a shebang where
    none is (`#!/bin/bash` if the script uses bash syntax or `want_bash`, else `#!/bin/sh`).

    `#!/usr/bin/env bash -e` becomes `#!/usr/bin/env bash` plus a `set -e` line (BusyBox's env
    has no -S, so `env -S` would break Alpine images), or `env -S` for options `set` cannot
    take. With `run_directly`, a `#!/bin/sh` script written in bash gets bash: the kernel reads
    that line, so dash would run it. Nothing else changes; binary and UTF-16 input comes back
    as is. Give it the whole file, not a HEADER_BYTES prefix."""
    if classify(data) != "text":
        return data
    out = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    while out.startswith(BOM):
        out = out[3:]
    lines = out.split(b"\n")
    where, at, intended, _ = locate(lines[:20])
    if where in ("typo", "leading-whitespace"):
        lines[0] = intended
    elif where == "shebang-not-first-line":
        before = lines[: at - 1]
        lines = [intended, *([] if all(not ln.strip() for ln in before) else before), *lines[at:]]
    word, arg, _ = parse_shebang(lines[0]) if lines[0].startswith(b"#!") else (b"", b"", None)
    uses_bash = want_bash if want_bash is not None else bool(bashisms(utf8(out))[0])
    if not word:
        new = b"#!/bin/bash" if uses_bash else b"#!/bin/sh"
        lines = [new, *lines[1:]] if lines[0].startswith(b"#!") else [new, *lines]
    elif is_env(word) and re.search(rb"[ \t]", arg) and not arg.startswith((b"-S", b"--split-s")):
        program, *options = arg.split()
        if program in (b"bash", *_SH_WORDS) and all(_SETTABLE.fullmatch(o) for o in options):
            lines[0] = lines[0][: lines[0].index(arg, 2 + len(word))] + program
            lines.insert(1, b"set " + b" ".join(options))
        else:
            i = lines[0].index(arg, 2 + len(word))
            lines[0] = lines[0][:i] + b"-S " + lines[0][i:]
    elif run_directly and uses_bash:
        if is_env(word) and arg.split()[:1] in ([w] for w in _SH_WORDS):
            i = lines[0].index(arg, 2 + len(word))
            lines[0] = lines[0][:i] + b"bash" + lines[0][i + len(arg.split()[0]) :]
        elif word.rsplit(b"/", 1)[-1] in _SH_WORDS:
            lines[0] = lines[0].replace(word, b"/bin/bash", 1)
    return b"\n".join(lines)
