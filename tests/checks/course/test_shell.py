"""devdoctor.shell_scripts: every problem code on a byte-exact sample, the cases that must not be
flagged, agreement with shellcheck 0.9.0, lifecycle-command parsing, and the repair."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from devdoctor.checks.course.commands import invocations
from devdoctor.checks.course.script_repair import repair
from devdoctor.checks.course.shebang import shebang_program
from devdoctor.checks.course.shell import (
    HEADER_BYTES,
    Invocation,
    Problem,
    RunAs,
    analyze,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import TESTS

SAMPLES = TESTS / "samples" / "scripts"
D, U, SH, BASH, SRC = RunAs.DIRECT, RunAs.UNKNOWN, RunAs.SH, RunAs.BASH, RunAs.SOURCED
E, SH_SRC = RunAs.EXEC, RunAs.SH_SOURCED
CODES = {
    "missing-shebang", "bom", "utf16", "crlf", "leading-whitespace", "shebang-not-first-line",
    "bang-typo", "bashism-under-sh", "env-with-args", "shebang-multiple-args",
    "relative-interpreter", "shebang-too-long", "non-ascii-shebang", "not-executable",
}  # fmt: skip
SHEBANG_CLASS = CODES - {"bom", "utf16", "crlf", "bashism-under-sh", "not-executable"}
REPAIRED = {
    "bom", "crlf", "leading-whitespace", "shebang-not-first-line", "bang-typo",
    "missing-shebang", "env-with-args",
}  # fmt: skip
BODY = b'echo "setting up"\ncd /tmp || exit 1\necho "ready"\n'


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def found(
    data: bytes, *, run_as: RunAs = RunAs.UNKNOWN, git_mode: str | None = None
) -> set[tuple[str, int]]:
    return {(p.code, p.line) for p in analyze(data, run_as=run_as, git_mode=git_mode).problems}


def test_samples_on_disk_match_the_generator() -> None:
    spec = importlib.util.spec_from_file_location("generate", SAMPLES / "generate.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.SAMPLES, "generator lost its samples"
    for name, data in gen.SAMPLES.items():
        assert sample(name) == data, f"{name} differs: run tests/samples/scripts/generate.py"


# ------------------------------------------------------------------ one sample per code

PROBLEM_CASES: list[tuple[str, RunAs, str | None, set[tuple[str, int]]]] = [
    ("missing_shebang.sh", E, None, {("missing-shebang", 1)}),
    ("empty.sh", E, None, {("missing-shebang", 1)}),
    ("bang_alone.sh", E, None, {("missing-shebang", 1)}),
    # Run by `/bin/sh -c ./x.sh`, a file without `#!` runs anyway (ENOEXEC: sh runs it).
    ("missing_shebang.sh", D, None, set()),
    ("empty.sh", D, None, set()),
    ("bom.sh", D, None, {("bom", 1)}),
    ("bom.sh", BASH, None, {("bom", 1)}),
    ("bom_crlf.sh", D, None, {("bom", 1), ("crlf", 1)}),
    ("utf16.sh", D, None, {("utf16", 0)}),
    ("utf16.sh", BASH, None, {("utf16", 0)}),
    ("utf16be_nobom.sh", U, None, {("utf16", 0)}),
    ("crlf.sh", D, None, {("crlf", 1)}),
    ("crlf.sh", BASH, None, {("crlf", 1)}),
    ("crlf_env.sh", D, None, {("crlf", 1)}),
    ("crlf_line1_only.sh", U, None, {("crlf", 1)}),
    ("crlf_line2_only.sh", D, None, {("crlf", 2)}),
    ("cr_only.sh", D, None, {("crlf", 1)}),
    ("no_trailing_newline.sh", SRC, None, {("crlf", 1)}),
    ("leading_space.sh", D, None, {("leading-whitespace", 1)}),
    ("leading_tab.sh", U, None, {("leading-whitespace", 1)}),
    ("blank_then_shebang.sh", D, None, {("shebang-not-first-line", 2)}),
    ("comment_then_shebang.sh", U, None, {("shebang-not-first-line", 2)}),
    ("spaces_line_then_shebang.sh", D, None, {("shebang-not-first-line", 2)}),
    ("bang_hash.sh", D, None, {("bang-typo", 1)}),
    ("hash_space_bang.sh", D, None, {("bang-typo", 1)}),
    ("missing_bang.sh", U, None, {("bang-typo", 1)}),
    ("missing_hash.sh", D, None, {("bang-typo", 1)}),
    ("bashism_sh.sh", D, None, {("bashism-under-sh", 3)}),
    ("bashism_sh.sh", U, None, {("bashism-under-sh", 3)}),
    ("bashism_ash.sh", D, None, {("bashism-under-sh", 2)}),
    ("bash_arrays.sh", SH, None, {("bashism-under-sh", 2), ("bashism-under-sh", 3)}),
    (
        "no_shebang_bashisms.sh",
        D,
        None,
        {("bashism-under-sh", 1), ("bashism-under-sh", 2)},
    ),
    ("env_args.sh", D, None, {("env-with-args", 1)}),
    ("multiple_args.sh", U, None, {("shebang-multiple-args", 1)}),
    ("relative_interpreter.sh", D, None, {("relative-interpreter", 1)}),
    ("too_long.sh", D, None, {("shebang-too-long", 1)}),
    ("nbsp.sh", D, None, {("non-ascii-shebang", 1)}),
    ("space_after_bang.sh", D, "100644", {("not-executable", 0)}),
]


@pytest.mark.parametrize(("name", "run_as", "mode", "expected"), PROBLEM_CASES)
def test_problem_codes(
    name: str, run_as: RunAs, mode: str | None, expected: set[tuple[str, int]]
) -> None:
    assert found(sample(name), run_as=run_as, git_mode=mode) == expected


def test_every_code_has_a_sample() -> None:
    covered = {code for *_, exp in PROBLEM_CASES for code, _ in exp}
    assert covered == CODES


def test_every_construct_dash_rejects_is_named_on_its_line() -> None:
    report = analyze(sample("bashisms_all.sh"), run_as=D)
    got = [(p.line, p.shellcheck) for p in report.problems]
    assert got == [
        (3, "SC3010"), (4, "SC3030"), (5, "SC3054"), (6, "SC2112"), (7, "SC2113"),
        (8, "SC3046"), (9, "SC3014"), (10, "SC3040"), (11, "SC3011"), (12, "SC3020"),
        (13, "SC3003"), (14, "SC3006"), (15, "SC3005"), (16, "SC3057"), (17, "SC3060"),
        (18, "SC3059"), (19, "SC3053"), (20, "SC3044"), (21, "SC3044"), (22, "SC3044"),
        (23, "SC3044"), (24, "SC3039"), (25, "SC3024"),
    ]  # fmt: skip
    assert report.uses_bash_syntax


@pytest.mark.parametrize(("name", "run_as", "mode", "expected"), PROBLEM_CASES)
def test_problem_texts_are_one_plain_line(
    name: str, run_as: RunAs, mode: str | None, expected: set[tuple[str, int]]
) -> None:
    for p in analyze(sample(name), run_as=run_as, git_mode=mode).problems:
        assert p.code in CODES
        for text in (p.summary, p.runtime, p.why):
            assert len(text.splitlines()) == 1
        assert p.shellcheck == "" or all(c.startswith("SC") for c in p.shellcheck.split(", "))


def test_file_bytes_in_messages_stay_on_one_line() -> None:
    data = b"#!/usr/bin/env bash \x0b\xc2\x85\xe2\x80\xa8 -e\n!#/bin/\x0cx\n"
    for p in analyze(data, run_as=D).problems + analyze(data[data.index(b"!#") :]).problems:
        assert all(len(t.splitlines()) == 1 for t in (p.summary, p.runtime, p.why)), p


def problem(name: str, code: str, run_as: RunAs = D, git_mode: str | None = None) -> Problem:
    report = analyze(sample(name), run_as=run_as, git_mode=git_mode, name="./x.sh")
    return next(p for p in report.problems if p.code == code)


def test_runtime_texts_are_the_reference_ones() -> None:
    crlf = problem("crlf.sh", "crlf")
    assert "including the shebang line" in crlf.summary and "on 4 lines" in crlf.summary
    assert "sh: 1: ./x.sh: not found" in crlf.runtime
    assert "bash: line 1: ./x.sh: cannot execute: required file not found" in crlf.runtime
    assert "bad interpreter: /bin/bash^M" in crlf.runtime
    env = problem("crlf_env.sh", "crlf").runtime
    assert "/usr/bin/env: 'bash\\r': No such file or directory" in env
    assert "use -[v]S to pass options in shebang lines" in env
    assert problem("crlf_line2_only.sh", "crlf").summary.endswith("on 1 line, from line 2")
    assert "CR" in problem("cr_only.sh", "crlf").summary
    args = problem("env_args.sh", "env-with-args").runtime
    assert "/usr/bin/env: 'bash -e': No such file or directory" in args
    assert (
        problem("multiple_args.sh", "shebang-multiple-args").runtime
        == "/bin/bash: - : invalid option"
    )
    assert "./x.sh: 1: \\ufeff#!/bin/bash: not found" in problem("bom.sh", "bom").runtime
    assert "\\ufeff#!/bin/bash^M: not found" in problem("bom_crlf.sh", "bom").runtime
    assert "./x.sh: 1: !#/bin/bash: not found" in problem("bang_hash.sh", "bang-typo").runtime
    assert "./x.sh: 1: !/bin/bash: not found" in problem("missing_hash.sh", "bang-typo").runtime
    assert "Exec format error" in problem("utf16.sh", "utf16").runtime
    assert "not found" in problem("relative_interpreter.sh", "relative-interpreter").runtime
    assert "not found" in problem("nbsp.sh", "non-ascii-shebang").runtime
    denied = problem("bom.sh", "not-executable", git_mode="100644").runtime
    assert "./x.sh: Permission denied" in denied and "126" in denied


def test_bashism_summaries_and_dash_errors() -> None:
    report = analyze(sample("bashisms_all.sh"), run_as=D, name="./x.sh")
    by_code = {p.shellcheck: p for p in report.problems}
    assert by_code["SC3010"].summary == "bash syntax `[[` on line 3, but sh (dash) runs this script"
    assert by_code["SC3010"].runtime == "./x.sh: 3: [[: not found"
    assert by_code["SC3030"].runtime == './x.sh: 4: Syntax error: "(" unexpected'
    assert by_code["SC3040"].runtime == "./x.sh: 10: set: Illegal option -o pipefail"
    assert by_code["SC3011"].runtime == "./x.sh: 11: Syntax error: redirection unexpected"
    assert by_code["SC3046"].runtime == "./x.sh: 8: source: not found"
    assert "unexpected operator" in by_code["SC3014"].runtime
    assert by_code["SC3057"].runtime == "./x.sh: 16: Bad substitution"
    sh_run = analyze(sample("bash_arrays.sh"), run_as=SH).problems[0]
    assert "`sh`" in sh_run.why
    no_bang = analyze(sample("no_shebang_bashisms.sh"), run_as=D).problems[-1]
    assert "no usable shebang" in no_bang.why


# ------------------------------------------------------------------ how it is run matters


@pytest.mark.parametrize("run_as", [U, SH, BASH, SRC])
def test_missing_shebang_only_when_run_directly(run_as: RunAs) -> None:
    assert found(sample("missing_shebang.sh"), run_as=run_as) == set()


@pytest.mark.parametrize("run_as", [U, SH, BASH, SRC])
def test_mode_100644_only_matters_when_run_directly(run_as: RunAs) -> None:
    assert found(sample("posix.sh"), run_as=run_as, git_mode="100644") == set()
    assert found(sample("posix.sh"), run_as=D, git_mode="100755") == set()


@pytest.mark.parametrize("run_as", [SH, BASH, SRC])
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.sh")))
def test_shebang_problems_only_when_the_kernel_reads_the_shebang(name: str, run_as: RunAs) -> None:
    assert not {code for code, _ in found(sample(name), run_as=run_as)} & SHEBANG_CLASS


def test_bash_script_is_fine_under_bash_and_broken_under_sh() -> None:
    data = sample("bash_arrays.sh")
    assert found(data, run_as=D) == found(data, run_as=BASH) == set()
    assert {c for c, _ in found(data, run_as=SH)} == {"bashism-under-sh"}


def test_bom_or_typo_makes_dash_run_a_bash_script() -> None:
    data = b"\xef\xbb\xbf#!/bin/bash\n[[ -n x ]] && echo y\n"
    assert found(data, run_as=D) == {("bom", 1), ("bashism-under-sh", 2)}
    assert found(data, run_as=U) == {("bom", 1)}
    assert found(data, run_as=BASH) == {("bom", 1)}


def test_report_fields() -> None:
    r = analyze(sample("env_split.sh"))
    assert (r.shebang, r.interpreter, r.is_binary) == ("#!/usr/bin/env -S bash -e", "bash", False)
    assert analyze(sample("python_tool.sh")).interpreter == "python3"
    assert analyze(sample("python_tool.sh"), run_as=SH).uses_bash_syntax is False
    assert analyze(sample("space_after_bang.sh")).interpreter == "bash"
    assert analyze(sample("bashism_ash.sh")).interpreter == "ash"
    bare = analyze(sample("bang_alone.sh"))
    assert (bare.shebang, bare.interpreter) == ("#!", None)
    assert analyze(sample("leading_space.sh")).shebang is None
    assert analyze(sample("bash_arrays.sh")).uses_bash_syntax is True
    assert analyze(sample("posix.sh")).uses_bash_syntax is False
    assert analyze(sample("crlf.sh")).shebang == "#!/bin/bash"
    assert HEADER_BYTES == 65536


def test_truncated_prefix_says_at_least() -> None:
    data = (b"#!/bin/bash\r\n" + b"echo hi\r\n" * 10000)[:HEADER_BYTES]
    p = analyze(data, run_as=D, truncated=True).problems[0]
    assert p.code == "crlf" and "at least" in p.summary


# ------------------------------------------------------------------ no false alarms

QUIET = [
    "heredoc_cr.sh",  # CR only inside heredoc bodies
    "words_in_comments_strings.sh",  # bash words in comments, strings and heredocs
    "posix.sh",  # POSIX sh, with `local` and `echo -e`, which dash accepts
    "env_split.sh",  # env -S
    "binary.sh",  # a binary named .sh
    "space_after_bang.sh",  # `#! /bin/bash`
    "trailing_blanks.sh",
    "bash_e.sh",  # one option
    "second_shebang.sh",
    "python_tool.sh",  # not a shell script: `x=(1, 2)` is Python
    "bash_arrays.sh",  # bash syntax under bash
]


@pytest.mark.parametrize("run_as", [D, U])
@pytest.mark.parametrize("name", QUIET)
def test_no_false_alarms(name: str, run_as: RunAs) -> None:
    assert found(sample(name), run_as=run_as, git_mode="100755") == set()


def test_sourced_snippet_without_shebang() -> None:
    for run_as in (SRC, U, BASH):
        assert found(sample("sourced_snippet.sh"), run_as=run_as) == set()


def test_binary_is_skipped() -> None:
    r = analyze(sample("binary.sh"), run_as=D, git_mode="100644")
    assert r.is_binary and r.problems == ()


@pytest.mark.parametrize(
    "snippet",
    [
        b"echo $((1 << 2))\n",  # a shift, not a heredoc
        b"local x=1\n",
        b"echo -e 'a\\tb'\n",
        b'x=$(echo "[[ in a string ]]")\n',
        b"x=${y:-default} z=${y:=d} w=${y:+alt} v=${y#pre} u=${y%%suf}\n",
        b'[ "$a" = b ] && echo == equal\n',
        b"case $x in (a) echo a ;; esac\n",
        b"f() { echo f; }\nf\n",
        b"echo a#b ${#x} $#\n",
        b"cat <<'EOF'\nsource x; [[ a ]]; arr=(1)\nEOF\n",
        b'cat <<-"END"\n\t${x:0:1}\n\tEND\necho ok\n',
        b'echo "it\'s ${HOME}/x"\n',
        b"printf '%s\\n' \"$@\" 2>&1 >/dev/null &\n",
        b"trap 'rm -f \"$tmp\"' EXIT\n",
        b"# function f { }\n: # source x\n",
        b'echo "$(printf \'%s\' "[[ x ]]")"\n',
        b"echo $(((1 + 2) * 3))\n",
        b"out=$( (cd /tmp && ls) )\n",
        b"((gzip -cd f\n  echo $?) | cat)\n",  # nested subshells, not arithmetic
    ],
)
def test_posix_constructs_under_sh_are_quiet(snippet: bytes) -> None:
    data = b"#!/bin/sh\n" + snippet
    assert found(data, run_as=SH) == set(), snippet
    assert analyze(data).uses_bash_syntax is False


@pytest.mark.parametrize(
    ("snippet", "code"),
    [
        (b'echo "${x:1}"\n', "SC3057"),
        (b"y=$( [[ -f x ]] && echo 1 )\n", "SC3010"),
        (b"if [[ -f x ]]; then :; fi\n", "SC3010"),
        (b"while [[ -z $x ]]; do x=1; done\n", "SC3010"),
        (b"set -euo pipefail\n", "SC3040"),
        (b'echo "${#arr[@]}"\n', "SC3054"),
        (b"local arr=(a b)\n", "SC3030"),
        (b"ls &>/dev/null\n", "SC3020"),
        (b"cmd && source ./env.sh\n", "SC3046"),
        (b'test "$a" == b && echo same\n', "SC3014"),
        (b"echo a#b; [[ -n x ]]\n", "SC3010"),
    ],
)
def test_bash_constructs_under_sh_are_found(snippet: bytes, code: str) -> None:
    problems = analyze(b"#!/bin/sh\n" + snippet, run_as=D).problems
    assert [(p.code, p.line, p.shellcheck) for p in problems] == [("bashism-under-sh", 2, code)]


# ------------------------------------------------------------------ shellcheck agreement

SC_SHEBANG = {
    "SC2148", "SC1114", "SC1128", "SC1082", "SC1017", "SC1084", "SC1113", "SC1115", "SC1104",
    "SC2096", "SC2239",
}  # fmt: skip
SC_BASHISM = {
    "SC3010", "SC3030", "SC3054", "SC2112", "SC2113", "SC3046", "SC3014", "SC3040", "SC3011",
    "SC3020", "SC3003", "SC3006", "SC3005", "SC3057", "SC3060", "SC3059", "SC3053", "SC3044",
    "SC3039", "SC3024", "SC2039",
}  # fmt: skip
# (sample, how it is run, shellcheck's shell for the bashism comparison when dash runs a file
# that has no usable shebang).  utf16.sh and binary.sh are left out: the reference shows
# shellcheck misleads there (SC2148 on UTF-16, random SC1017 on binary).
COMPARED = [
    ("missing_shebang.sh", E, None), ("missing_shebang.sh", U, None), ("empty.sh", E, None),
    ("bang_alone.sh", E, None), ("missing_shebang.sh", D, None), ("bom.sh", D, None), ("bom.sh", BASH, None),
    ("bom_crlf.sh", D, None), ("crlf.sh", D, None), ("crlf.sh", SH, None),
    ("crlf_env.sh", D, None), ("crlf_line1_only.sh", D, None), ("crlf_line2_only.sh", D, None),
    ("cr_only.sh", D, None), ("no_trailing_newline.sh", D, None), ("leading_space.sh", D, None),
    ("leading_tab.sh", D, None), ("blank_then_shebang.sh", D, None),
    ("comment_then_shebang.sh", D, None), ("spaces_line_then_shebang.sh", U, None),
    ("bang_hash.sh", D, None), ("hash_space_bang.sh", D, None), ("missing_bang.sh", D, None),
    ("missing_hash.sh", D, None), ("env_args.sh", D, None), ("multiple_args.sh", D, None),
    ("relative_interpreter.sh", D, None), ("too_long.sh", D, None), ("nbsp.sh", D, None),
    ("bashism_sh.sh", D, None), ("bashism_ash.sh", D, None), ("bashisms_all.sh", D, None),
    ("bash_arrays.sh", SH, "sh"), ("bash_arrays.sh", D, None),
    ("no_shebang_bashisms.sh", D, "sh"), ("heredoc_cr.sh", D, None),
    ("words_in_comments_strings.sh", D, None), ("posix.sh", D, None), ("env_split.sh", D, None),
    ("space_after_bang.sh", D, None), ("trailing_blanks.sh", D, None), ("bash_e.sh", D, None),
    ("second_shebang.sh", D, None), ("sourced_snippet.sh", SRC, None),
]  # fmt: skip


def shellcheck(path: Path, shell: str | None) -> set[tuple[str, int]]:
    cmd = ["shellcheck", "-f", "json1", *(["-s", shell] if shell else []), str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return {(f"SC{c['code']}", c["line"]) for c in json.loads(proc.stdout)["comments"]}


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
@pytest.mark.parametrize(("name", "run_as", "shell"), COMPARED)
def test_agrees_with_shellcheck(name: str, run_as: RunAs, shell: str | None) -> None:
    path = SAMPLES / name
    plain = shellcheck(path, "sh" if run_as is SH else None)
    as_sh = shellcheck(path, shell) if shell else plain
    theirs = {c for c, _ in plain} & SC_SHEBANG
    if run_as is not E:
        theirs.discard("SC2148")  # only a script exec'd with no shell to fall back needs one
    if run_as not in (D, E, U):
        theirs &= {"SC1082", "SC1017"}  # sh/bash/source ignore the shebang
    theirs |= {c for c, _ in as_sh} & SC_BASHISM
    ours: set[str] = set()
    for p in analyze(path.read_bytes(), run_as=run_as).problems:
        for code in filter(None, p.shellcheck.split(", ")):
            ours.add(code)
            assert (code, p.line) in plain | as_sh, f"{code} not on line {p.line}"
    assert ours == theirs


# ------------------------------------------------------------------ invocations

Command = str | list[str] | dict[str, str | list[str]]
INVOCATIONS: list[tuple[Command, list[tuple[str, RunAs]] | None]] = [
    ("cd .devcontainer && ./install.sh", [(".devcontainer/install.sh", D)]),
    ("bash .devcontainer/setup.sh", [(".devcontainer/setup.sh", BASH)]),
    ("sh .devcontainer/post-create.sh", [(".devcontainer/post-create.sh", SH)]),
    ("/bin/bash scripts/x.sh", [("scripts/x.sh", BASH)]),
    ("/bin/sh x.sh", [("x.sh", SH)]),
    ("bash -e x.sh arg > /tmp/log 2>&1", [("x.sh", BASH)]),
    ("bash -o pipefail -- x.sh", [("x.sh", BASH)]),
    ("sudo bash x.sh", [("x.sh", BASH)]),
    ("sudo -E -u vscode ./x.sh", [("x.sh", D)]),
    (". x.sh", [("x.sh", SH_SRC)]),
    ("bash -c '. x.sh'", [("x.sh", SRC)]),
    (
        "source .devcontainer/env.sh && ./run.sh",
        [(".devcontainer/env.sh", SH_SRC), ("run.sh", D)],
    ),
    ('"$PWD/x.sh"', [("x.sh", D)]),
    ("cd .devcontainer && \"${PWD}\"/x.sh", [(".devcontainer/x.sh", D)]),
    ("./x.sh arg 'a b'", [("x.sh", D)]),
    ("/workspaces/course/x.sh", [("/workspaces/course/x.sh", D)]),
    ("/bin/bash -c './x.sh'", [("x.sh", D)]),
    ('sh -c "bash y.sh"', [("y.sh", BASH)]),
    ("bash -lc 'cd scripts && ./build.sh'", [("scripts/build.sh", D)]),
    ("exec ./x.sh", [("x.sh", D)]),
    ("FOO=1 BAR='a b' ./x.sh", [("x.sh", D)]),
    ("env FOO=1 bash x.sh", [("x.sh", BASH)]),
    ("/usr/bin/env bash x.sh", [("x.sh", BASH)]),
    ("cd a/b && cd .. && ./x.sh", [("a/x.sh", D)]),
    ("cd .devcontainer; ./a.sh || ./b.sh | tee log\n./c.sh", [(f".devcontainer/{n}.sh", D) for n in "abc"]),
    ("if [ -f x.sh ]; then ./x.sh; fi", [("x.sh", D)]),
    ("echo './not.sh' # ./comment.sh", []),
    ("npm install", []),
    ("pip install -r requirements.txt", []),
    ("python3 -m pip install --user -e .", []),
    ("/usr/bin/python3 tools/x.py", []),
    ("curl -fsSL https://example.com/install.sh | bash", []),
    ("bash", []),
    ("", []),
    ("'unterminated && ./x.sh", None),  # odd input: no exception is all we ask
    (["bash", "x.sh"], [("x.sh", BASH)]),
    (["./x.sh", "--flag"], [("x.sh", E)]),
    (["/bin/sh", "-c", "./x.sh && cd a && ./b.sh"], [("x.sh", D), ("a/b.sh", D)]),
    (["sh", ".devcontainer/p.sh"], [(".devcontainer/p.sh", SH)]),
    (["npm", "ci"], []),
    ([], []),
    ({"a": "bash a.sh", "b": ["./b.sh"], "c": "npm ci"}, [("a.sh", BASH), ("b.sh", E)]),
    ({}, []),
]  # fmt: skip


@pytest.mark.parametrize(("command", "expected"), INVOCATIONS)
def test_invocations(command: Command, expected: list[tuple[str, RunAs]] | None) -> None:
    got = invocations(command)
    assert all(isinstance(i, Invocation) for i in got)
    if expected is not None:
        assert [(i.path, i.run_as) for i in got] == expected


def test_invocation_keeps_the_command_and_sees_chmod() -> None:
    cmd = "chmod +x .devcontainer/*.sh && .devcontainer/setup.sh && ./other.sh"
    got = invocations(cmd)
    assert [(i.path, i.made_executable) for i in got] == [
        (".devcontainer/setup.sh", True),
        ("other.sh", False),
    ]
    assert {i.command for i in got} == {cmd}
    got = invocations("cd .devcontainer && chmod 755 a.sh && ./a.sh && chmod -x b.sh && ./b.sh")
    assert [i.made_executable for i in got] == [True, False]
    assert invocations("chmod -R +x scripts; scripts/sub/x.sh")[0].made_executable
    assert invocations({"x": ["bash", "-c", "./y.sh"]})[0].command == "bash -c ./y.sh"


# ------------------------------------------------------------------ repair


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("crlf.sh", b"#!/bin/bash\n" + BODY),
        ("bom.sh", b"#!/bin/bash\n" + BODY),
        ("bom_crlf.sh", b"#!/bin/bash\n" + BODY),
        ("cr_only.sh", b"#!/bin/sh\necho hi\necho there\n"),
        ("leading_space.sh", b"#!/bin/bash\n" + BODY),
        ("leading_tab.sh", b"#!/bin/bash\n" + BODY),
        ("blank_then_shebang.sh", b"#!/bin/bash\n" + BODY),
        ("spaces_line_then_shebang.sh", b"#!/bin/bash\n" + BODY),
        ("comment_then_shebang.sh", b"#!/bin/bash\n# Set up the course tools\n" + BODY),
        ("bang_hash.sh", b"#!/bin/bash\n" + BODY),
        ("hash_space_bang.sh", b"#!/bin/bash\n" + BODY),
        ("missing_bang.sh", b"#!/bin/bash\n" + BODY),
        ("missing_hash.sh", b"#!/bin/bash\n" + BODY),
        ("env_args.sh", b"#!/usr/bin/env bash\nset -e\n" + BODY),  # BusyBox env has no -S
        ("missing_shebang.sh", b"#!/bin/sh\n" + sample("missing_shebang.sh")),
        ("no_shebang_bashisms.sh", b"#!/bin/bash\n" + sample("no_shebang_bashisms.sh")),
        ("bang_alone.sh", b"#!/bin/sh\n" + BODY),
        ("empty.sh", b"#!/bin/sh\n"),
        ("no_trailing_newline.sh", b"#!/bin/bash\necho last"),
        ("heredoc_cr.sh", sample("heredoc_cr.sh").replace(b"\r\n", b"\n")),
    ],
)
def test_repair(name: str, expected: bytes) -> None:
    fixed = repair(sample(name))
    assert fixed == expected
    assert not {c for c, _ in found(fixed, run_as=D)} & REPAIRED


def test_repair_keeps_env_split_for_options_set_cannot_take() -> None:
    assert repair(b"#!/usr/bin/env python3 -u\nprint(1)\n") == (
        b"#!/usr/bin/env -S python3 -u\nprint(1)\n"
    )


def test_repair_gives_bash_to_a_sh_script_in_bash_run_directly() -> None:
    script = b"#!/bin/sh -e\nif [[ -n $x ]]; then echo; fi\n"
    assert repair(script) == script  # run as `bash x.sh`, the shebang does not matter
    assert repair(script, run_directly=True).startswith(b"#!/bin/bash -e\n")
    env = b"#!/usr/bin/env sh\narr=(a b)\n"
    assert repair(env, run_directly=True).startswith(b"#!/usr/bin/env bash\n")


def test_repair_want_bash_and_untouched_files() -> None:
    assert repair(sample("missing_shebang.sh"), want_bash=True).startswith(b"#!/bin/bash\n")
    assert repair(sample("no_shebang_bashisms.sh"), want_bash=False).startswith(b"#!/bin/sh\n")
    assert repair(b"#!/bin/sh\r\necho hi   \r\n\tx \t\r\n") == b"#!/bin/sh\necho hi   \n\tx \t\n"
    for name in [*QUIET, "utf16.sh", "utf16be_nobom.sh", "multiple_args.sh", "nbsp.sh"]:
        if name != "heredoc_cr.sh":
            assert repair(sample(name)) == sample(name), name


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.sh")))
def test_repair_clears_every_repaired_code(name: str) -> None:
    fixed = repair(sample(name))
    for run_as in RunAs:
        assert not {c for c, _ in found(fixed, run_as=run_as)} & REPAIRED
    assert repair(fixed) == fixed


# ------------------------------------------------------------------ never raises

FRAGMENTS = st.sampled_from(
    [
        b"#!", b"!#", b"# !", b"#", b"!", b"/bin/bash", b"/usr/bin/env", b" bash", b" -e", b"-S",
        b" ", b"\t", b"\r", b"\n", b"\r\n", b"\xef\xbb\xbf", b"\xc2\xa0", b"\x00", b"\xff\xfe",
        b"[[", b"]]", b"[ ", b" == ", b"<<EOF", b"<<-'E'", b"EOF", b"<<<", b"'", b'"', b"$'",
        b"$(", b"$((", b"((", b")", b"${x:0:1}", b"${", b"}", b"`", b"\\", b"source ",
        b"function f", b"x=(", b"set -o pipefail", b"&>", b"echo ", b";", b"&&", b"|",
    ]
)  # fmt: skip
SCRIPTS = st.one_of(st.binary(max_size=400), st.lists(FRAGMENTS, max_size=60).map(b"".join))


@settings(max_examples=300, deadline=None)
@given(
    data=SCRIPTS,
    run_as=st.sampled_from(list(RunAs)),
    mode=st.sampled_from([None, "100644", "100755"]),
    truncated=st.booleans(),
)
def test_analyze_never_raises(
    data: bytes, run_as: RunAs, mode: str | None, truncated: bool
) -> None:
    report = analyze(data, run_as=run_as, git_mode=mode, truncated=truncated)
    assert {p.code for p in report.problems} <= CODES
    for p in report.problems:
        assert all(len(t.splitlines()) == 1 for t in (p.summary, p.runtime, p.why))


@settings(max_examples=300, deadline=None)
@given(data=SCRIPTS, want_bash=st.sampled_from([None, True, False]))
def test_repair_is_idempotent_and_clears_encoding_and_shebang_start(
    data: bytes, want_bash: bool | None
) -> None:
    fixed = repair(data, want_bash=want_bash)
    assert repair(fixed, want_bash=want_bash) == fixed
    left = {p.code for p in analyze(fixed, run_as=D).problems}
    assert not left & {"bom", "crlf", "leading-whitespace", "bang-typo"}


TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from(
            ["cd ", "bash ", "sh ", "-c ", "'", '"', "./x.sh", " ", "&&", ";", "|", "\n", "(",
             ")", "sudo ", "env ", "A=1 ", ". ", "source ", "\\", "#", "> f", "chmod +x "]
        ),
        max_size=40,
    ).map("".join),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    command=st.one_of(
        TEXT,
        st.lists(TEXT, max_size=5),
        st.dictionaries(st.text(max_size=5), st.one_of(TEXT, st.lists(TEXT, max_size=4))),
    )
)
def test_invocations_never_raise(command: str | list[str] | dict[str, str | list[str]]) -> None:
    for inv in invocations(command):
        assert isinstance(inv.path, str) and inv.run_as in RunAs


def test_bash_syntax_is_scanned_only_when_it_matters() -> None:
    bash_script = b"#!/bin/bash\narr=(a b)\n"
    report = analyze(bash_script, run_as=RunAs.BASH)
    assert report.bash_syntax is None  # bash runs it and there is no CR: nothing needed the scan
    assert report.uses_bash_syntax is True  # ... yet the answer is there when asked
    assert analyze(bash_script, run_as=RunAs.SH).bash_syntax is True
    assert analyze(b"#!/bin/bash\r\narr=(a b)\r\n", run_as=RunAs.BASH).bash_syntax is True


# ------------------------------------------------------------------ shebang_program


@pytest.mark.parametrize(
    ("data", "program"),
    [
        (b"#!/bin/bash\n", "bash"),
        (b"#!/usr/bin/env bash\n", "bash"),
        (b"#!/usr/bin/env -S bash -e\n", "bash"),  # scripts.py used to say None here
        (b"#!/usr/bin/env -Sbash -e\n", "bash"),
        (b"#!/usr/bin/env -i PATH=/bin sh\n", "sh"),
        (b"#!/usr/bin/env -u HOME python3\n", "python3"),
        (b"\xef\xbb\xbf#!/bin/sh\r\n", "sh"),
        (b"  #!/bin/bash\n", "bash"),
        (b"!#/bin/bash\n", "bash"),
        (b"# !/bin/bash\n", "bash"),
        (b"#/bin/bash\n", "bash"),
        (b"!/bin/zsh\n", "zsh"),
        (b"\n\n#!/bin/bash\n", "bash"),
        (b"# a comment first\n#!/bin/bash\n", "bash"),  # scripts.py used to say None here
        (b"echo hi\n#!/bin/bash\n", None),
        (b"", None),
        (b"#!\n", None),
    ],
)
def test_shebang_program(data: bytes, program: str | None) -> None:
    assert shebang_program(data) == program


@given(
    st.sampled_from(["/bin/", "/usr/bin/", "/usr/bin/env ", "/usr/bin/env -S ", "/usr/bin/env -i "]),
    st.sampled_from(["sh", "bash", "dash", "python3", "node", "zsh"]),
    st.sampled_from(["", " -e", " -eu", " -x"]),
    st.sampled_from(["\n", "\r\n"]),
)
@settings(max_examples=60, deadline=None)
def test_shebang_program_agrees_with_analyze(where: str, name: str, args: str, eol: str) -> None:
    """One parser: what finds the scripts and what judges them name the same interpreter."""
    data = f"#!{where}{name}{args}{eol}echo ok{eol}".encode()
    assert shebang_program(data) == analyze(data, run_as=D).interpreter
