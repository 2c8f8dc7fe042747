"""The Dockerfile parser (instructions.py): BuildKit's reading of continuations, heredocs,
the JSON form, variables, stages and USER; any text gives instructions, never an exception."""

from __future__ import annotations

from devdoctor.checks.image.instructions import parse, substitute
from hypothesis import given, settings
from hypothesis import strategies as st

DOCKERFILE = """\
# syntax=docker/dockerfile:1
# escape=`
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE} AS build
ARG BASE
ENV APP=/opt/app `
    TOOLS="gcc make"
RUN apt-get update && `
    # a comment inside a continuation is skipped

    apt-get install -y $TOOLS
COPY --chown=vscode:vscode requirements.txt ${APP:-/srv}/
RUN <<EOF
pip install -r /opt/app/requirements.txt
EOF
RUN ["pip", "install", "--user", "rich"]
USER vscode
FROM build AS final
RUN echo "as ${APP}"
"""


def test_a_dockerfile_as_buildkit_reads_it() -> None:
    parsed = parse(DOCKERFILE)
    assert parsed.escape == "`"
    assert [(s.image, s.name) for s in parsed.stages] == [
        ("python:3.11-slim-bookworm", "build"),
        ("build", "final"),
    ]
    assert parsed.final_base() == "python:3.11-slim-bookworm"
    shown = [(i.line, i.keyword, i.stage, i.user) for i in parsed.instructions]
    assert shown == [
        (3, "ARG", -1, None),
        (4, "FROM", 0, None),
        (5, "ARG", 0, None),
        (6, "ENV", 0, None),
        (8, "RUN", 0, None),
        (12, "COPY", 0, None),
        (13, "RUN", 0, None),
        (16, "RUN", 0, None),
        (17, "USER", 0, "vscode"),
        (18, "FROM", 1, "vscode"),
        (19, "RUN", 1, "vscode"),
    ]
    run = parsed.instructions[4]
    assert run.text == "apt-get update &&     apt-get install -y $TOOLS"
    copy = parsed.instructions[5]
    assert copy.flag("chown") == "vscode:vscode"
    assert copy.args == ("requirements.txt", "/opt/app/")
    heredoc = parsed.instructions[6]
    assert heredoc.heredocs == (("EOF", "pip install -r /opt/app/requirements.txt"),)
    assert "pip install -r /opt/app/requirements.txt" in heredoc.shell
    exec_form = parsed.instructions[7]
    assert exec_form.json_form and exec_form.args == ("pip", "install", "--user", "rich")


def test_build_args_override_arg_defaults_and_stages_see_only_redeclared_globals() -> None:
    text = "ARG V=3.11\nARG UNSEEN=x\nFROM python:${V}-slim\nARG V\nCOPY a /${V}/${UNSEEN}\n"
    parsed = parse(text, {"V": "3.12"})
    assert parsed.stages[0].image == "python:3.12-slim"
    assert parsed.instructions[-1].args == ("a", "/3.12/")


def test_variable_forms() -> None:
    env = {"SET": "v", "EMPTY": ""}
    assert substitute("${SET:-d} ${EMPTY:-d} ${GONE:-d}", env) == "v d d"
    assert substitute("${SET-d} ${EMPTY-d} ${GONE-d}", env) == "v  d"
    assert substitute("${SET:+a} ${EMPTY:+a} ${GONE+a} ${EMPTY+a}", env) == "a   a"
    assert substitute("$SET/${SET}x $GONE.", env) == "v/vx ."


def test_heredoc_with_dash_strips_tabs_and_quoted_delimiters() -> None:
    text = 'FROM debian:12\nRUN <<-"END" bash\n\tapt-get update\n\tEND\nRUN true\n'
    parsed = parse(text)
    assert parsed.instructions[1].heredocs == (("END", "apt-get update"),)
    assert parsed.instructions[2].line == 5


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                ["FROM x AS y", "RUN <<EOF", "EOF", "ARG A=${B:-c}", "ENV A B", "USER u",
                 "COPY --from=y a b", '["a"', "RUN \\", "# escape=`", "`", "RUN [1]"]
            ),
        ),
        max_size=20,
    ),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
def test_any_text_parses_without_an_exception(lines: list[str], args: dict[str, str]) -> None:
    parsed = parse("\n".join(lines), args)
    assert all(i.line >= 1 and i.end >= i.line for i in parsed.instructions)
    parsed.final_base()
