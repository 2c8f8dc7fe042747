"""Read %UserProfile%\\.wslconfig exactly as WSL itself reads it.

WSL's parser (microsoft/WSL src/shared/configfile/configfile.cpp) only looks like INI: `;` is not
a comment, the FIRST duplicate wins, a backslash starts an escape and size units are
case-sensitive. configparser gets each of these wrong, so the grammar is re-implemented here.
What WSL knows of each key is in wslconfig_keys.py, what it says about an entry in
wslconfig_lint.py, and the editing a fix does in wslconfig_edit.py.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from devdoctor.sizes import GiB, MiB, format_size

from .wslconfig_keys import DIGITS, setting_id, wsl_bytes
from .wslconfig_lint import judge

Encoding = Literal["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"]
ProblemKind = Literal[
    "invalid-line", "unknown-key", "duplicate-key", "bad-size", "bad-bool", "bad-escape",
    "key-outside-section", "wrong-section",
]  # fmt: skip


class UnreadableConfig(ValueError):
    """The bytes are not a text file WSL could read; the message says why in plain words."""


class Decoded(NamedTuple):
    """The text with "\\n" newlines, plus what is needed to write it back byte for byte."""

    text: str
    encoding: Encoding
    newline: str  # "\r\n" or "\n": whichever the file mostly uses


_BOMS: tuple[tuple[bytes, Encoding], ...] = (
    (b"\xff\xfe", "utf-16-le"),  # Notepad's "Unicode"
    (b"\xef\xbb\xbf", "utf-8-sig"),  # Notepad's and WSL Settings' UTF-8
    (b"\xfe\xff", "utf-16-be"),
)


def decode(data: bytes) -> Decoded:
    """Decode the way WSL's `_wfopen(..., "rt,ccs=UTF-8")` does: the BOM decides, else UTF-8."""
    encoding: Encoding = "utf-8"
    body = data
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, body = name, data[len(bom) :]
            break
    if encoding == "utf-16-be":
        # The C runtime's ccs=UTF-8 mode knows only the little-endian UTF-16 BOM (MS fopen
        # docs; Wine's msvcrt agrees), so WSL misreads this file and uses its defaults.
        raise UnreadableConfig(
            "it is saved as UTF-16 big-endian, which WSL cannot read; save it as UTF-8"
        )
    if not encoding.startswith("utf-16") and b"\x00" in body:
        # UTF-16 of ASCII text has a NUL in every other byte.
        if encoding == "utf-8" and max(body[::2].count(0), body[1::2].count(0)) > len(body) // 4:
            why = "it looks like UTF-16 without a byte-order mark, which WSL misreads"
            raise UnreadableConfig(f"{why}; save it as UTF-8")
        raise UnreadableConfig("the file contains NUL bytes, so it is binary, not a text file")
    try:
        raw = body.decode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeDecodeError as err:
        offset = err.start + len(data) - len(body)
        kind = "UTF-16" if encoding.startswith("utf-16") else "UTF-8"
        raise UnreadableConfig(
            f"the file is not valid {kind} text (bad bytes at offset {offset}); save it as UTF-8"
        ) from err
    if "\x00" in raw:
        raise UnreadableConfig("the file contains NUL characters, so it is binary, not text")
    crlf = raw.count("\r\n")
    newline = "\n" if raw.count("\n") - crlf > crlf else "\r\n"
    return Decoded(raw.replace("\r\n", "\n"), encoding, newline)


def encode(text: str, like: Decoded) -> bytes:
    """Write `text` ("\\n" newlines) back with the encoding, BOM and newlines `like` came with."""
    if like.newline != "\n":
        text = text.replace("\n", like.newline)
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(like.encoding, b"")
    return bom + text.encode(like.encoding)


class Entry(NamedTuple):
    """A `key = value` line WSL reads (whether or not it then knows the key)."""

    section: str  # lower case; "" before any [section] header
    key: str  # lower case
    raw_key: str  # as written
    value: str  # quotes removed, escapes resolved, blanks trimmed
    line: int  # 1-based


class Problem(NamedTuple):
    """Something WSL warns about, or silently ignores, with what to do about it."""

    line: int
    kind: ProblemKind
    text: str  # the raw line, stripped
    message: str
    says: str = ""  # WSL's own warning, `{file}` standing for the file's name; "" if unknown

    def reported(self, file: str) -> str:
        """The warning as WSL prints it when it starts (in English: WSL localises it), e.g.
        `wsl: Unknown key 'wsl2.locahostForwarding' in C:\\Users\\me\\.wslconfig:7`."""
        return f"wsl: {self.says.replace('{file}', file)}" if self.says else ""


class WslConfig(NamedTuple):
    """Every entry in file order, and every problem WSL would have with the file."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]

    def get(self, section: str, key: str) -> Entry | None:
        """The entry WSL applies: the first for that setting, case-insensitive, aliases too.

        For a key WSL does not know in that section, simply the first one written.
        """
        wanted = setting_id(section, key)
        return next((e for e in self.entries if setting_id(e.section, e.key) == wanted), None)

    def size(self, section: str, key: str) -> int | None:
        """The applied entry as bytes; None if absent or not a size WSL accepts."""
        entry = self.get(section, key)
        return None if entry is None else wsl_bytes(entry.value)


class _Item(NamedTuple):
    """One logical line: its kind, the physical lines it covers, where an entry's value is."""

    kind: str  # blank, comment, header, entry or invalid
    first: int  # 0-based physical line
    last: int
    raw: str
    section: str | None = None  # the section a header opens
    entry: Entry | None = None
    span: tuple[int, int] = (0, 0)  # the raw value's offsets in the text, without trailing blanks


_ALPHA = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")  # ASCII only, as WSL
_ALNUM = _ALPHA | frozenset(DIGITS)
_ESCAPES = {"\\": "\\", '"': '"', "b": "\b", "n": "\n", "t": "\t"}
_SEMICOLON = "`;` does not start a comment in .wslconfig; WSL skips this line. Use `#`."
_LONE_CR = (
    "A carriage return (CR) without a line feed is in this line; WSL starts a new line there "
    "and devdoctor does not check what follows it. Re-save the file with normal line endings."
)


class _Reader:
    """Walks the text the way ParseConfigFile does, one logical line at a time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.problems: list[Problem] = []

    def end(self, i: int) -> int:
        """Where line i's content ends: before its "\\n" and a "\\r" paired with it."""
        return self.starts[i] + len(self.lines[i]) - (1 if self.lines[i].endswith("\r") else 0)

    def raw(self, i: int) -> str:
        return self.text[self.starts[i] : self.end(i)].strip()

    def problem(self, i: int, kind: ProblemKind, message: str, says: str = "") -> None:
        where = f" in {{file}}:{i + 1}" if says else ""
        self.problems.append(Problem(i + 1, kind, self.raw(i), message, says + where))

    def invalid(
        self, first: int, last: int, kind: ProblemKind, message: str, says: str = ""
    ) -> _Item:
        self.problem(first, kind, message, says)
        return _Item("invalid", first, last, self.raw(first))

    def item(self, i: int, section: str | None) -> _Item:
        text, end, pos = self.text, self.end(i), self.starts[i]
        while pos < end and text[pos] in " \t\r":
            pos += 1
        if pos == end or text[pos] == "#":
            return _Item("blank" if pos == end else "comment", i, i, self.raw(i))
        if text[pos] == "[":
            return self.header(i, pos + 1, end, section)
        if text[pos] in _ALPHA:
            return self.key(i, pos, end, section)
        why = "A key must start with a letter; WSL skips this line."
        message = _SEMICOLON if text[pos] == ";" else why
        return self.invalid(i, i, "invalid-line", message, "Invalid key name")

    def header(self, i: int, pos: int, end: int, section: str | None) -> _Item:
        text, close = self.text, pos
        while close < end and text[close] in _ALNUM:
            close += 1
        after = close + 1
        while after < end and text[after] in " \t":
            after += 1
        keep = f"; the lines below it still belong to [{section}]" if section else ""
        if pos == end or text[pos] not in _ALPHA or close == end or text[close] != "]":
            why = "A section header is `[`, a letter, then only letters and digits, then `]`"
            says = "" if pos == end or text[pos] not in _ALPHA else "Expected ']'"
            return self.invalid(i, i, "invalid-line", f"{why}. WSL skips this line{keep}.", says)
        if after < end and text[after] not in "#\r":
            why = "Only blanks or a `#` comment may follow a section header's `]`"
            says = "Expected ' ' or '\\n'"
            return self.invalid(i, i, "invalid-line", f"{why}. WSL skips this line{keep}.", says)
        self.lone_cr(i, after, end)
        return _Item("header", i, i, self.raw(i), section=text[pos:close].lower())

    def key(self, i: int, pos: int, end: int, section: str | None) -> _Item:
        text, stop = self.text, pos
        while stop < end and text[stop] in _ALNUM:
            stop += 1
        equals = stop
        while equals < end and text[equals] in " \t":
            equals += 1
        if equals == end or text[equals] != "=":
            why = "Expected `=` after the key name"
            if stop < end and text[stop] in "_-.":
                why = "Key names may contain only letters and digits"
            return self.invalid(
                i, i, "invalid-line", why + "; WSL skips this line.", "Expected '='"
            )
        start = equals + 1
        while start < end and text[start] in " \t":
            start += 1
        return self.value(i, start, section or "", text[pos:stop])

    def value(self, i: int, pos: int, section: str, raw_key: str) -> _Item:
        text, first, end, start = self.text, i, self.end(i), pos
        chars: list[str] = []
        kept, stop, quoted = 0, pos, False  # kept/stop: length and end without trailing blanks
        while pos < end and text[pos] != "\r" and (quoted or text[pos] != "#"):
            char = text[pos]
            if char == "\\" and pos + 1 == end:  # a trailing backslash continues the value
                if i + 1 == len(self.lines):
                    why = "The value ends the file with a `\\`, which WSL reads as a bad escape"
                    return self.invalid(first, i, "bad-escape", why + "; it skips this line.")
                kept, stop, i = len(chars), pos + 1, i + 1
                pos, end = self.starts[i], self.end(i)
                continue
            if char == "\\":
                escaped = text[pos + 1]
                if escaped not in _ESCAPES:
                    why = (
                        f"`\\{escaped}` is not an escape WSL knows, so WSL skips this line. "
                        "Write each backslash twice, e.g. C:\\\\Users\\\\me."
                    )
                    return self.invalid(first, i, "bad-escape", why)
                chars.append(_ESCAPES[escaped])
                pos += 2
            elif char == '"':
                quoted = not quoted
                pos += 1
            else:
                chars.append(char)
                pos += 1
                if char in " \t":
                    continue
            kept, stop = len(chars), pos
        if quoted:
            why = 'A `"` is never closed; WSL skips this line.'
            return self.invalid(first, i, "invalid-line", why)
        self.lone_cr(i, pos, end)
        entry = Entry(section, raw_key.lower(), raw_key, "".join(chars[:kept]), first + 1)
        return _Item("entry", first, i, self.raw(first), entry=entry, span=(start, stop))

    def lone_cr(self, i: int, pos: int, end: int) -> None:
        if pos < end and self.text[pos] == "\r" and self.text[pos:end].strip(" \t\r"):
            self.problem(i, "invalid-line", _LONE_CR)


def scan(text: str) -> tuple[list[_Item], list[Problem]]:
    """Split the text into logical lines, reporting the ones WSL cannot read."""
    reader = _Reader(text)
    items: list[_Item] = []
    section: str | None = None
    while len(items) == 0 or items[-1].last + 1 < len(reader.lines):
        item = reader.item(items[-1].last + 1 if items else 0, section)
        section = item.section if item.kind == "header" else section
        items.append(item)
    return items, reader.problems


def parse(text: str) -> WslConfig:
    """Every entry and every problem, as WSL would see them; never raises."""
    items, problems = scan(text)
    applied: dict[str, Entry] = {}
    for item in items:
        if item.entry is not None:
            found = judge(item.entry, applied)
            if found is not None:
                kind, message, says = found
                where = f" in {{file}}:{item.first + 1}" if "{file}" not in says else ""
                problems.append(Problem(item.first + 1, kind, item.raw, message, says + where))
    problems.sort(key=lambda p: p.line)
    entries = tuple(item.entry for item in items if item.entry is not None)
    return WslConfig(entries, tuple(problems))


def default_memory(host_ram: int) -> int:
    """WSL's VM memory when none is set (or memory=0): half the host's RAM, no cap."""
    return host_ram // 2


def default_swap(vm_memory: int) -> int:
    """WSL's swap when none is set: a quarter of the VM's memory, rounded up to a whole GiB."""
    return (vm_memory // 4 + GiB - 1) & ~(GiB - 1)


def _where(entry: Entry) -> str:
    return f"{entry.raw_key}={entry.value} in [{entry.section}], line {entry.line}"


def effective_memory(config: WslConfig, host_ram: int) -> tuple[int, str]:
    """The VM memory WSL will use, and where that figure comes from, in words."""
    default = f"WSL's default: 50 % of the host's {format_size(host_ram)}"
    entry = config.get("wsl2", "memory")
    if entry is None:
        return default_memory(host_ram), default
    size = wsl_bytes(entry.value)
    if size is None or size == 0:
        why = "is not a size WSL accepts" if size is None else "means the default"
        return default_memory(host_ram), f"{default} ({_where(entry)} {why})"
    memory = min(max(size, 256 * MiB), host_ram)  # Config::Initialize clamps it like this
    if memory > size:
        return memory, f"{_where(entry)}, raised to WSL's minimum of 256 MiB"
    if memory < size:
        return memory, f"{_where(entry)}, capped at the host's {format_size(host_ram)}"
    return memory, _where(entry)


def effective_swap(config: WslConfig, vm_memory: int) -> tuple[int, str]:
    """The swap WSL will give the VM, and where that figure comes from, in words."""
    default = f"WSL's default: 25 % of the VM's {format_size(vm_memory)}, rounded up to a whole GiB"
    entry = config.get("wsl2", "swap")
    if entry is None:
        return default_swap(vm_memory), default
    size = wsl_bytes(entry.value)
    if size is None:
        return default_swap(vm_memory), f"{default} ({_where(entry)} is not a size WSL accepts)"
    if size == 0:
        where = f"[{entry.section}], line {entry.line}"
        return 0, f"{entry.raw_key}={entry.value}: no swap file ({where})"
    return size, _where(entry)
