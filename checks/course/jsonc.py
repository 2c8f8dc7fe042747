"""JSON with comments (JSONC), as VS Code and the devcontainer CLI read devcontainer.json.

The standard library's json module rejects comments and trailing commas, which real
devcontainer.json files use freely, and its error positions would point into a rewritten
text.  This small recursive-descent parser accepts both and reports errors at the real
line and column of the offending character, so a student can find them in their editor.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from devdoctor.lazy import LazyPattern

if TYPE_CHECKING:
    from devdoctor import Host

__all__ = ["MAX_DEPTH", "JsonFileError", "JsoncError", "loads", "read_json"]

MAX_DEPTH = 200
"""Deeper nesting is refused: no real config needs it, and it would exhaust the stack."""

_WS_OR_COMMENT = LazyPattern(r"(?:[ \t\n\r]+|//[^\n\r]*|/\*.*?\*/)*", re.DOTALL)
_NUMBER = LazyPattern(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_STRING_CHUNK = LazyPattern(r'[^"\\\n\r]*')
_LINE_BREAK = LazyPattern(r"\r\n|\r|\n")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX4 = LazyPattern(r"[0-9a-fA-F]{4}")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class JsoncError(ValueError):
    """A syntax error, with the 1-based line and column where an editor would show it."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.message = message
        self.line = line
        self.column = column


def _describe(char: str) -> str:
    """Name a character so that invisible ones are still recognisable in a message."""
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


class _Parser:
    """Holds the text and the read position; one instance parses one document."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, pos: int | None = None) -> NoReturn:
        """Raise a JsoncError at pos (default: the current position)."""
        at = self.pos if pos is None else pos
        before = self.text[:at]
        inside_crlf = before.endswith("\r") and self.text.startswith("\n", at)
        if inside_crlf:  # at the "\n" of a "\r\n": still on the line the "\r" ends
            before = before[:-1]
        breaks = list(_LINE_BREAK.finditer(before))
        line_start = breaks[-1].end() if breaks else 0
        raise JsoncError(message, len(breaks) + 1, len(before) - line_start + 1 + inside_crlf)

    def skip(self) -> None:
        """Skip whitespace and comments, which may appear between any two tokens."""
        text = self.text
        match = _WS_OR_COMMENT.match(text, self.pos)
        if match is not None:
            self.pos = match.end()
        if text.startswith("/*", self.pos):
            self.fail("unterminated comment: '/*' without a closing '*/'")
        if text.startswith("/", self.pos):
            self.fail("unexpected '/' (comments start with '//' or '/*')")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def value(self, depth: int) -> Any:
        """Parse one value starting at the current (already skipped) position."""
        char = self.peek()
        if char == "{":
            return self.obj(depth + 1)
        if char == "[":
            return self.array(depth + 1)
        if char == '"':
            return self.string()
        if char == "-" or char.isdigit():
            return self.number()
        for word, result in _LITERALS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return result
        if not char:
            self.fail("unexpected end of file, expected a value")
        self.fail(f"expected a value, found {_describe(char)}")

    def nest(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} levels deep")

    def obj(self, depth: int) -> dict[str, Any]:
        self.nest(depth)
        self.pos += 1
        result: dict[str, Any] = {}
        self.skip()
        while self.peek() != "}":
            if self.peek() != '"':
                if not self.peek():
                    self.fail("unexpected end of file, expected a key or '}'")
                self.fail(
                    f"expected a key in double quotes or '}}', found {_describe(self.peek())}"
                )
            key = self.string()
            self.skip()
            if self.peek() != ":":
                self.expected("':' after a key")
            self.pos += 1
            self.skip()
            result[key] = self.value(depth)
            self.skip()
            if self.peek() == ",":
                self.pos += 1
                self.skip()  # a trailing comma before '}' is tolerated
            elif self.peek() != "}":
                self.expected("',' or '}' after a value")
        self.pos += 1
        return result

    def array(self, depth: int) -> list[Any]:
        self.nest(depth)
        self.pos += 1
        result: list[Any] = []
        self.skip()
        while self.peek() != "]":
            result.append(self.value(depth))
            self.skip()
            if self.peek() == ",":
                self.pos += 1
                self.skip()  # a trailing comma before ']' is tolerated
            elif self.peek() != "]":
                self.expected("',' or ']' after a value")
        self.pos += 1
        return result

    def expected(self, what: str) -> NoReturn:
        if not self.peek():
            self.fail(f"unexpected end of file, expected {what}")
        self.fail(f"expected {what}")

    def string(self) -> str:
        start = self.pos
        self.pos += 1
        parts: list[str] = []
        text = self.text
        while True:
            match = _STRING_CHUNK.match(text, self.pos)
            assert match is not None  # the pattern matches the empty string
            parts.append(match.group())
            self.pos = match.end()
            char = self.peek()
            if char == '"':
                self.pos += 1
                return "".join(parts)
            if char != "\\":  # end of file or a line break
                self.fail("unterminated string (a closing '\"' is missing)", start)
            escape = text[self.pos + 1 : self.pos + 2]
            if escape == "u":
                parts.append(self.unicode_escape())
            elif escape in _ESCAPES:
                parts.append(_ESCAPES[escape])
                self.pos += 2
            elif not escape:
                self.fail("unterminated string (a closing '\"' is missing)", start)
            else:
                self.fail(f"invalid escape '\\{escape}' in a string")

    def unicode_escape(self) -> str:
        """Decode \\uXXXX, joining a surrogate pair like json.loads does."""
        text = self.text
        if not _HEX4.fullmatch(text, self.pos + 2, self.pos + 6):
            self.fail("invalid '\\u' escape: four hex digits must follow")
        code = int(text[self.pos + 2 : self.pos + 6], 16)
        self.pos += 6
        if (
            0xD800 <= code <= 0xDBFF
            and text.startswith("\\u", self.pos)
            and _HEX4.fullmatch(text, self.pos + 2, self.pos + 6)
        ):
            low = int(text[self.pos + 2 : self.pos + 6], 16)
            if 0xDC00 <= low <= 0xDFFF:
                self.pos += 6
                return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
        return chr(code)

    def number(self) -> int | float:
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            self.fail("invalid number")
        self.pos = match.end()
        try:
            if match.group(1) is None and match.group(2) is None:
                return int(match.group())
            return float(match.group())
        except ValueError:  # more digits than Python's int conversion limit
            self.fail("number is too long", match.start())


def loads(text: str) -> Any:
    """Parse JSONC text: comments and trailing commas allowed, duplicate keys last-wins.

    A leading byte-order mark is ignored (Windows editors add one).  Raises only
    JsoncError, whose line and column refer to the text without that mark.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    parser = _Parser(text)
    parser.skip()
    result = parser.value(0)
    parser.skip()
    if parser.pos < len(text):
        parser.fail(f"unexpected {_describe(text[parser.pos])} after the end of the JSON value")
    return result


Problem = Literal["missing", "unreadable", "too-large", "utf16", "not-utf8", "syntax"]


class JsonFileError(ValueError):
    """Why a JSON file gave no value: `problem` for the caller's wording, `reason` in plain words.

    `line` and `column` (1-based) are set for syntax errors; str() puts them before the reason.
    """

    def __init__(
        self, problem: Problem, reason: str, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(f"line {line}, column {column}: {reason}" if line else reason)
        self.problem = problem
        self.reason = reason
        self.line = line
        self.column = column


def read_json(
    host: Host, path: str | os.PathLike[str], *, limit: int, comments: bool = True
) -> Any:
    """The value of a JSON file on the host, read through it and never more than `limit` bytes.

    comments=True reads JSONC as VS Code and the devcontainer CLI do (invalid UTF-8 replaced,
    as the CLI's buffer.toString() does); comments=False reads strict UTF-8 JSON, as Docker and
    Docker Desktop do. A byte-order mark is allowed either way. Raises JsonFileError only.
    """
    try:
        data, truncated = host.read_bytes(path, limit=limit)
    except (FileNotFoundError, NotADirectoryError):
        raise JsonFileError("missing", "no such file") from None
    except OSError as exc:
        raise JsonFileError("unreadable", exc.strerror or str(exc)) from exc
    if truncated:
        shown = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
        raise JsonFileError("too-large", f"larger than {shown}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise JsonFileError("utf16", "saved as UTF-16, not UTF-8")
    if comments:
        try:
            return loads(data.decode("utf-8", errors="replace"))
        except JsoncError as exc:
            raise JsonFileError("syntax", exc.message, exc.line, exc.column) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonFileError("not-utf8", "not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFileError("syntax", exc.msg, exc.lineno, exc.colno) from exc
    except RecursionError:  # json.loads has no depth limit of its own
        raise JsonFileError("syntax", "nested too deeply") from None
