"""JSONC parsing: what VS Code accepts must parse, and errors must point at the right place."""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from devdoctor import Host
from devdoctor.checks.course.jsonc import MAX_DEPTH, JsoncError, JsonFileError, loads, read_json
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- accepted input


def test_plain_json() -> None:
    assert loads('{"a": [1, -2.5e3, true, false, null, "x"]}') == {
        "a": [1, -2500.0, True, False, None, "x"]
    }


def test_comments_and_trailing_commas() -> None:
    text = """// leading comment
    {
        /* block
           comment */ "a": 1, // after a value
        "b": [1, 2, 3,],  // trailing comma in an array
        "c": {"d": "e",},
        "url": "http://example.com/*not a comment*/", // slashes inside strings stay
    }
    /* trailing comment */"""
    assert loads(text) == {
        "a": 1,
        "b": [1, 2, 3],
        "c": {"d": "e"},
        "url": "http://example.com/*not a comment*/",
    }


def test_bom_is_stripped() -> None:
    assert loads('\ufeff{"a": 1}') == {"a": 1}


def test_duplicate_keys_last_wins() -> None:
    assert loads('{"a": 1, "b": 2, "a": 3}') == {"a": 3, "b": 2}


def test_escapes_and_surrogates() -> None:
    assert loads(r'"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"') == '"\\/\b\f\n\r\t\u00e9\U0001f600'
    assert loads(r'"\ud800x"') == "\ud800x"  # a lone surrogate, as json.loads gives


def test_raw_tab_in_string_is_tolerated() -> None:
    # jsonc-parser only records this as an error, and the CLI discards its errors.
    assert loads('"a\tb"') == "a\tb"


def test_empty_containers_and_scalars() -> None:
    assert loads("{}") == {}
    assert loads("[ ]") == []
    assert loads(" 0 ") == 0
    assert loads('""') == ""


def test_depth_limit() -> None:
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(JsoncError) as info:
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert (info.value.line, info.value.column) == (1, MAX_DEPTH + 1)
    assert "200" in info.value.message
    with pytest.raises(JsoncError):
        loads('{"a":' * 100_000)


# ---------------------------------------------------------------- errors and their positions


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{"a": 1 "b": 2}', 1, 9, "expected ',' or '}' after a value"),
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}' after a value"),
        ("[1 2]", 1, 4, "expected ',' or ']' after a value"),
        ('{"a" 1}', 1, 6, "expected ':' after a key"),
        ('{\n\t"name": "x",\n\t"image": "abc\n}', 3, 11, "unterminated string"),
        ('{"a": "abc', 1, 7, "unterminated string"),
        ('{"a": 1,', 1, 9, "unexpected end of file"),
        ("", 1, 1, "unexpected end of file"),
        ("// only a comment\n", 2, 1, "unexpected end of file"),
        ('{"a": 1 /* never closed', 1, 9, "unterminated comment"),
        ("{'a': 1}", 1, 2, "expected a key in double quotes"),
        ("{a: 1}", 1, 2, "expected a key in double quotes"),
        ('{"a": [1,,2]}', 1, 10, "expected a value, found ','"),
        ("[,]", 1, 2, "expected a value, found ','"),
        ('{"a": tru}', 1, 7, "expected a value, found 't'"),
        ('{"a": NaN}', 1, 7, "expected a value, found 'N'"),
        ('{"a": 01}', 1, 8, "expected ',' or '}' after a value"),
        ('{"a": -}', 1, 7, "invalid number"),
        ('{"a": "\\x"}', 1, 8, "invalid escape '\\x'"),
        ('{"a": "\\u12"}', 1, 8, "invalid '\\u' escape"),
        ('{"a": 1} x', 1, 10, "unexpected 'x' after the end"),
        ('{"a": 1}}', 1, 9, "unexpected '}' after the end"),
        ('{"a": 1 / 2}', 1, 9, "unexpected '/'"),
        ('{"a":\u00a01}', 1, 6, "found U+00A0"),
        # CRLF and lone CR line breaks count as one line each, like in an editor.
        ('{\r\n"a": 1\r\n"b": 2}', 3, 1, "expected ',' or '}'"),
        ('{\r"a": 1\r"b": 2}', 3, 1, "expected ',' or '}'"),
        # A BOM is not counted as a column.
        ('\ufeff{"a" 1}', 1, 6, "expected ':' after a key"),
        # Multi-line comments move the line on.
        ('/* one\ntwo\nthree */ {"a": }', 3, 16, "expected a value"),
    ],
)
def test_error_positions(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(JsoncError) as info:
        loads(text)
    error = info.value
    assert (error.line, error.column) == (line, column), error
    assert message in error.message
    assert str(error) == f"line {line}, column {column}: {error.message}"
    assert isinstance(error, ValueError)


def test_huge_integer_is_a_jsonc_error() -> None:
    with pytest.raises(JsoncError, match="too long"):
        loads("1" * 10_000)


# ---------------------------------------------------------------- properties

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def _same(a: Any, b: Any) -> bool:
    """Equality that also compares -0.0 and 0.0 and float/int kinds exactly."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(deadline=None)
@given(json_values, st.booleans(), st.sampled_from([None, 0, 2, "\t"]))
def test_json_dumps_round_trips(value: Any, ensure_ascii: bool, indent: int | str | None) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    assert _same(loads(text), json.loads(text))


@settings(max_examples=300)
@given(st.text())
def test_arbitrary_text_raises_only_jsonc_error(text: str) -> None:
    try:
        loads(text)
    except JsoncError as error:
        assert error.line >= 1
        assert error.column >= 1


@given(st.text(alphabet='{}[]",:/*\n\r 0123456789-.eE+truefalsn\\u\ufeff\t'))
def test_json_alphabet_agrees_with_json_module(text: str) -> None:
    """Where json.loads (strict) accepts text, the JSONC parser gives the same value."""
    try:
        expected = json.loads(text.removeprefix("\ufeff"))
    except ValueError:
        with contextlib.suppress(JsoncError):
            loads(text)
        return
    assert _same(loads(text), expected)


@settings(deadline=None)
@given(json_values.map(json.dumps))
def test_truncated_json_fails_with_jsonc_error(text: str) -> None:
    for end in range(0, len(text), max(1, len(text) // 40)):
        with contextlib.suppress(JsoncError):
            loads(text[:end])


_GAPS = ["", " ", "\n", "\r\n", "\t", "// line comment\n", "/* block */", "/* multi\nline */"]


def _decorate(value: Any, data: st.DataObject) -> str:
    """Dump value as JSON with random comments, whitespace and trailing commas."""

    def gap() -> str:
        return "".join(data.draw(st.lists(st.sampled_from(_GAPS), max_size=2)))

    if isinstance(value, dict):
        items = [
            f"{gap()}{json.dumps(k)}{gap()}:{gap()}{_decorate(v, data)}{gap()}"
            for k, v in value.items()
        ]
        trailing = "," + gap() if data.draw(st.booleans()) and items else ""
        return "{" + gap() + ",".join(items) + trailing + "}"
    if isinstance(value, list):
        items = [gap() + _decorate(v, data) + gap() for v in value]
        trailing = "," + gap() if data.draw(st.booleans()) and items else ""
        return "[" + gap() + ",".join(items) + trailing + "]"
    return json.dumps(value)


@settings(deadline=None)
@given(st.data())
def test_comments_and_trailing_commas_do_not_change_the_value(data: st.DataObject) -> None:
    value = data.draw(json_values)
    text = data.draw(st.sampled_from(_GAPS)) + _decorate(value, data) + "\n// end"
    assert _same(loads(text), value)


# ---------------------------------------------------------------- read_json: a file on the host


def _read(path: Path, *, limit: int = 1024, comments: bool = True) -> Any:
    return read_json(Host(env={}, repo_root=None), path, limit=limit, comments=comments)


def _problem(path: Path, **kwargs: Any) -> JsonFileError:
    with pytest.raises(JsonFileError) as info:
        _read(path, **kwargs)
    return info.value


def test_read_json_both_dialects(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": [1, 2]}')
    assert _read(path) == _read(path, comments=False) == {"a": [1, 2]}
    path.write_text('{"a": 1, // why\n}')
    assert _read(path) == {"a": 1}
    error = _problem(path, comments=False)
    assert (error.problem, error.line, error.column) == ("syntax", 1, 10)
    assert str(error).startswith("line 1, column 10: ")


def test_read_json_syntax_error_position(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{\n  "a": 1\n  "b": 2\n}')
    error = _problem(path)
    assert (error.problem, error.line, error.column) == ("syntax", 3, 3)
    assert error.reason == "expected ',' or '}' after a value"


def test_read_json_what_cannot_be_read(tmp_path: Path) -> None:
    assert _problem(tmp_path / "missing.json").problem == "missing"
    (tmp_path / "folder.json").mkdir()
    assert _problem(tmp_path / "folder.json").problem == "unreadable"
    big = tmp_path / "big.json"
    big.write_text("[" + " " * 2000 + "]")
    error = _problem(big)
    assert (error.problem, error.reason) == ("too-large", "larger than 1 KiB")
    assert _read(big, limit=2002) == []  # exactly the limit is read
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes('{"a": 1}'.encode("utf-16"))
    assert _problem(utf16).problem == "utf16"
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "caf\xe9"}')
    assert _problem(latin, comments=False).problem == "not-utf8"
    assert _read(latin) == {"a": "caf\ufffd"}  # as the devcontainer CLI decodes it


def test_read_json_refuses_deep_nesting_in_both_dialects(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    for comments in (True, False):
        assert _problem(path, limit=1 << 20, comments=comments).problem == "syntax"
