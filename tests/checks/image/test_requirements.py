"""The requirement-file parser against pip's format, and the classification of each line.

Every case is a line pip accepts or rejects; where pip's own behaviour is the point (a cycle
of -r files), the real pip is run on the same files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from devdoctor.checks.image.requirements import (
    Parsed,
    admits,
    classify,
    logical_lines,
    parse_files,
    parse_text,
    python_marker_applies,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet


def parse(text: str) -> Parsed:
    parsed, _ = parse_text(text, "requirements.txt")
    return parsed


def kinds(text: str) -> list[tuple[str, str]]:
    return [(i.name, i.kind) for i in parse(text).items]


def test_classification_follows_the_lower_bound() -> None:
    assert classify(SpecifierSet("==3.7.2")) == "pinned"
    assert classify(SpecifierSet("===3.7.2")) == "pinned"
    assert classify(SpecifierSet("~=3.7")) == "compatible"
    assert classify(SpecifierSet(">=3.7,<4")) == "bounded"
    assert classify(SpecifierSet(">3.7")) == "bounded"
    assert classify(SpecifierSet("==3.*")) == "bounded"
    assert classify(SpecifierSet("<4.0")) == "open"  # the incident: an upper bound only
    assert classify(SpecifierSet("!=3.0.6")) == "open"
    assert classify(SpecifierSet("")) == "open"


def test_lines_as_pip_reads_them() -> None:
    text = (
        "# a comment\n"
        "spacy<4.0  # the course's NLP\n"
        "numpy>=1.26 ; python_version >= '3.10'\n"
        "torch==2.3.1 \\\n"
        "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
        "requests[socks]~=2.31\n"
        "mypkg @ https://example.org/mypkg-1.0.tar.gz\n"
        "-e ./local_pkg\n"
        "git+https://github.com/org/repo.git#egg=Repo_Name\n"
        "--index-url https://pypi.org/simple\n"
        "--only-binary=:all:\n"
        "Pillow\n"
    )
    parsed = parse(text)
    assert parsed.problems == []
    assert [(i.name, i.kind, i.line) for i in parsed.items] == [
        ("spacy", "open", 2),
        ("numpy", "bounded", 3),
        ("torch", "pinned", 4),
        ("requests", "compatible", 6),
        ("mypkg", "direct", 7),
        ("", "direct", 8),
        ("repo-name", "direct", 9),
        ("pillow", "open", 12),
    ]
    assert parsed.items[1].marker == 'python_version >= "3.10"'
    assert parsed.options == ["--index-url https://pypi.org/simple", "--only-binary=:all:"]


def test_a_bad_line_is_a_problem_with_its_line_and_the_rest_still_parsed() -> None:
    parsed = parse("spacy<4\nnot a requirement!\n--frobnicate\nnumpy==1.26.4 --user\nrich\n")
    assert [(p.line, p.text) for p in parsed.problems] == [
        (2, "not a requirement!"),
        (3, "--frobnicate"),
        (4, "numpy==1.26.4 --user"),
    ]
    assert [i.name for i in parsed.items] == ["spacy", "rich"]


def test_continuations_join_and_a_comment_line_ends_them() -> None:
    assert list(logical_lines("a\\\n>=1\n# x \\\nb\n")) == [(1, "a>=1"), (4, "b")]
    assert list(logical_lines("c==1 # note \\\nd\n")) == [(1, "c==1")]  # pip drops both


def test_includes_are_followed_relative_to_their_file_once(tmp_path: Path) -> None:
    files = {
        "requirements.txt": "-r sub/base.txt\n-c constraints.txt\nspacy\n",
        "sub/base.txt": "--requirement=../common.txt\nnumpy>=1\n",
        "common.txt": "rich\n",
        "constraints.txt": "spacy==3.7.2\n",
    }
    parsed = parse_files([("requirements.txt", False)], files.get)
    assert parsed.files == ["requirements.txt", "sub/base.txt", "constraints.txt", "common.txt"]
    assert [(i.name, i.constraint) for i in parsed.items] == [
        ("spacy", False),
        ("numpy", False),
        ("spacy", True),
        ("rich", False),
    ]


def test_a_missing_include_names_the_file_and_line() -> None:
    parsed = parse_files([("requirements.txt", False)], {"requirements.txt": "x\n-r gone.txt\n"}.get)
    (problem,) = parsed.problems
    assert (problem.file, problem.line) == ("requirements.txt", 2)
    assert "cannot open gone.txt" in problem.why


def test_a_cycle_is_a_problem_because_real_pip_crashes_on_it(tmp_path: Path) -> None:
    files = {"requirements.txt": "rich\n-r more.txt\n", "more.txt": "-r requirements.txt\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    parsed = parse_files([("requirements.txt", False)], files.get)
    (problem,) = parsed.problems
    assert (problem.file, problem.line) == ("more.txt", 1)
    assert "requirements.txt -> more.txt -> requirements.txt" in problem.why
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}
    env.pop("PIP_FIND_LINKS", None)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "-r", "requirements.txt"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "RecursionError" in done.stderr


def test_markers_decide_for_the_image_python() -> None:
    assert python_marker_applies('python_version < "3.10"', "3.9")
    assert not python_marker_applies('python_version < "3.10"', "3.11")
    assert not python_marker_applies('sys_platform == "win32"', "3.11")
    assert python_marker_applies('python_version < "3.10"', None)  # unknown: it may apply
    assert admits("<4.0", "3.0.6") and not admits(">=3.7", "3.0.6")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_items_or_problems_never_an_exception(text: str) -> None:
    parsed, includes = parse_text(text, "requirements.txt")
    for item in parsed.items:
        assert item.kind in ("pinned", "compatible", "bounded", "open", "direct")
    assert all(p.line >= 1 for p in parsed.problems)
    assert all(i.path for i in includes)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["spacy", "spacy<4", "x==1", "-r a.txt", "-c b.txt", "-e .", "--pre", "# c", "\\", ""]
        ),
        max_size=12,
    ),
    st.lists(st.sampled_from(["a.txt", "b.txt", "requirements.txt"]), max_size=3),
)
def test_any_tree_of_files_terminates(lines: list[str], more: list[str]) -> None:
    text = "\n".join(lines)
    files = {"requirements.txt": text, "a.txt": text, "b.txt": "-r a.txt\n" + text}
    parsed = parse_files([("requirements.txt", False), *((m, False) for m in more)], files.get)
    assert len(parsed.files) <= 3
