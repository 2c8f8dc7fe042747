"""A script's first bytes as the kernel reads them: its encoding, its #! line, what that runs.

analyze() (shell.py) judges a script and repair() (script_repair.py) rewrites it; both start
from the same reading of its head, which lives here so the two agree. Pure functions over
bytes, like shell.py.
"""

from __future__ import annotations

import posixpath
import re

from devdoctor.lazy import LazyPattern

BOM = b"\xef\xbb\xbf"

TYPOS = (
    (LazyPattern(rb"!#[ \t]*(?=/)"), "SC1084", "`!#` instead of `#!`"),
    (LazyPattern(rb"#[ \t]+![ \t]*(?=/)"), "SC1115", "a space between `#` and `!`"),
    (LazyPattern(rb"#(?=/\S*bin/)"), "SC1113", "`#` without `!`"),
    (LazyPattern(rb"!(?=/)"), "SC1104", "`!` without `#`"),
)


def utf8(b: bytes) -> str:
    """The bytes as text; what is not UTF-8 becomes U+FFFD."""
    return b.decode("utf-8", "replace")


def shown(b: bytes) -> str:
    """File bytes for a one-line message: control characters escaped."""
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", lambda m: f"\\x{ord(m.group()):02x}", utf8(b))


def classify(data: bytes) -> str:
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
    bad = utf8(sample).count("\ufffd")
    return "binary" if ctrl > 0.1 * len(sample) or bad > 0.3 * len(sample) else "text"


def locate(lines: list[bytes]) -> tuple[str, int, bytes, int]:
    """Where the shebang was meant to be: (kind, line, the intended `#!` line, typo index)."""
    first = lines[0]
    if first.startswith(b"#!"):
        return "ok", 1, first, -1
    for k, (rx, _, _) in enumerate(TYPOS):
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


def parse_shebang(line: bytes) -> tuple[bytes, bytes, str | None]:
    """(interpreter, the one argument the kernel passes it, the program: after `env` if env)."""
    parts = re.split(rb"[ \t]+", line[2:].strip(b" \t"), maxsplit=1)
    word, arg = parts[0], parts[1] if len(parts) > 1 else b""
    prog: str | None = posixpath.basename(utf8(word)) or None
    if prog == "env":
        prog, words, k = None, utf8(arg).split(), 0
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
    body = data[3:] if data.startswith(BOM) else data
    lines = [ln.split(b"\r", 1)[0] for ln in body.split(b"\n", 20)[:20]]
    intended = locate(lines)[2]
    return parse_shebang(intended)[2] if intended else None


def is_env(word: bytes) -> bool:
    """Whether the #! line's interpreter is env (`/usr/bin/env`, `env`)."""
    return word == b"env" or word.endswith(b"/env")
