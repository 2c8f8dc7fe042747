"""Lifecycle commands and scripts as Debian's dash reads them, proven in the real dash.

The test image's /bin/sh is BusyBox ash (tests/engine.py), not dash, so these cases run this
machine's /usr/bin/dash (Debian's dash 0.5.12) the way the devcontainer CLI runs a string
command: `/bin/sh -c '<command>'` in the workspace folder (here: the checkout itself). Each
case captures dash's real failure, checks devdoctor's finding names it (with path and line),
and, where a fix exists, that the fixed command succeeds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from devdoctor.checks.course.devcontainer import Devcontainer
from devdoctor.checks.course.script_shebangs import ScriptShebangs
from devdoctor.checks.course.shell import RunAs, analyze

from tests.scenario import Scenario, by_code

DASH = "/usr/bin/dash"
pytestmark = pytest.mark.skipif(not Path(DASH).is_file(), reason="no Debian dash here")


def dash(command: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`/bin/sh -c command` with dash as /bin/sh, in the workspace folder."""
    done = subprocess.run(
        [DASH, "-c", command],
        cwd=cwd,
        env=env or {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd)},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout + done.stderr


# ------------------------------------------------------------------------- the bash-syntax table

# (construct, a line dash rejects, dash's own words, shellcheck code devdoctor names)
REJECTED = [
    ("<(…)", "cat <(echo a)", 'Syntax error: "(" unexpected', "SC3001"),
    (">(…)", "echo a > >(cat)", "Syntax error: redirection unexpected", "SC3001"),
    ("$((i++))", "i=1; echo $((i++))", 'arithmetic expression: expecting primary: "i++"', "SC3018"),
    ("f-name()", "set-up() { echo a; }; set-up", "Syntax error: Bad function name", "SC3033"),
    ("read -s/-a", "read -s secret </dev/null", "read: Illegal option -s", "SC3045"),
    ("read -s/-a", "read -r -a parts </dev/null", "read: Illegal option -a", "SC3045"),
    ("printf %q", "printf '%q\\n' 'a b'", "printf: %q: invalid directive", "SC3050"),
    ("trap … ERR", "trap 'echo failed' ERR", "trap: ERR: bad trap", "SC3047"),
    ("${!x}", "name=HOME; echo ${!name}", "Bad substitution", "SC3053"),
    ("${x^^}", "x=a; echo ${x,,}", "Bad substitution", "SC3059"),
    ("${x^^}", "x=a; echo ${x^^}", "Bad substitution", "SC3059"),
    ("function f {", "function f { echo a; }; f", 'Syntax error: "}" unexpected', "SC2113"),
    ("arr=(…)", "arr=(a b)", 'Syntax error: "(" unexpected', "SC3030"),
    ("[[", "[[ -d /tmp ]] && echo dir", "[[: not found", "SC3010"),
    ("source", "source /dev/null", "source: not found", "SC3046"),
]
# `&>` is no error in dash: `cmd &` runs in the background and `> file` truncates the file.
AMPERSAND = ("&>", "echo shown &> /dev/null; wait", "shown", "SC3020")
# Constructs dash runs: no alarm.
ACCEPTED = [
    "f() { local x=1; echo $x; }; f",
    'echo -e "a"',
    "i=1; i=$((i+1)); echo $i",
    "read -r line </dev/null || true",
    "printf '%s\\n' a",
    "trap 'echo bye' EXIT",
    "x=a; echo ${x:-b} ${#x} ${x%a}",
    "setup() { echo a; }; setup",
    "[ -d /tmp ] && echo dir",
    ". /dev/null",
    "echo a >/dev/null 2>&1",
]


@pytest.mark.parametrize(("label", "line", "error", "code"), [*REJECTED, AMPERSAND])
def test_each_construct_dash_rejects_is_named(
    tmp_path: Path, label: str, line: str, error: str, code: str
) -> None:
    script = tmp_path / "x.sh"
    script.write_text(f"#!/bin/sh\n{line}\n")
    rc, output = dash(f"{DASH} ./x.sh", tmp_path)
    assert error in output, output
    if label != "&>":
        assert rc != 0, output
    report = analyze(script.read_bytes(), run_as=RunAs.SH, name="./x.sh")
    (problem,) = report.problems
    assert (problem.code, problem.line, problem.shellcheck) == ("bashism-under-sh", 2, code)
    assert f"`{label}`" in problem.summary


@pytest.mark.parametrize("line", ACCEPTED)
def test_what_dash_runs_is_no_alarm(tmp_path: Path, line: str) -> None:
    script = tmp_path / "x.sh"
    script.write_text(f"#!/bin/sh\n{line}\n")
    rc, output = dash(f"{DASH} ./x.sh", tmp_path)
    assert rc == 0, output
    assert analyze(script.read_bytes(), run_as=RunAs.SH).problems == ()


def test_a_polyglot_is_shell_only_up_to_its_exec_line(tmp_path: Path) -> None:
    """Line 2 execs python: dash never reads the python below it, and neither does devdoctor."""
    script = tmp_path / "tool.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'"exec" "{sys.executable}" "$0" "$@"\n'
        "items = [[1, 2], [3]]  # [[ and (( are python here\n"
        "print(sum(len(i) for i in items))\n"
    )
    rc, output = dash(f"{DASH} ./tool.sh", tmp_path)
    assert (rc, output.strip()) == (0, "3")
    assert analyze(script.read_bytes(), run_as=RunAs.SH).problems == ()
    # Without the exec line dash reads the python and fails on it; so does devdoctor's table.
    script.write_text("#!/bin/sh\nitems = [[1, 2], [3]]\nf() { arr=(1); }\n")
    rc, output = dash(f"{DASH} ./tool.sh", tmp_path)
    assert rc != 0
    assert {p.code for p in analyze(script.read_bytes(), run_as=RunAs.SH).problems} == {
        "bashism-under-sh"
    }


# ------------------------------------------------------------------------- command strings

ENV_SH = b"#!/bin/sh\nexport COURSE_READY=yes\n"


def test_bash_syntax_in_the_command_string_itself(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    command = "source .devcontainer/env.sh && [[ $COURSE_READY == yes ]] && echo ready"
    config = {"image": "debian:12", "postCreateCommand": command}
    repo = scene.course({".devcontainer/env.sh": ENV_SH}, config=config)

    rc, output = dash(command, repo)
    assert rc == 127 and "source: not found" in output, output

    findings = scene.check(ScriptShebangs(), repo=repo, course=True)
    found = {f.summary.split("`")[1]: f for f in findings if f.code.endswith("command-bashism")}
    assert set(found) == {"source", "[["}
    for finding in found.values():
        assert finding.status.value == "fail"
        assert (finding.path, finding.line) == (".devcontainer/devcontainer.json", 3)
    assert "source: not found" in found["source"].detail

    fixed = ". .devcontainer/env.sh && [ \"$COURSE_READY\" = yes ] && echo ready"
    rc, output = dash(fixed, repo)
    assert (rc, output.strip()) == (0, "ready")
    config["postCreateCommand"] = fixed
    (repo / ".devcontainer/devcontainer.json").write_text(json.dumps(config, indent=2))
    assert [f.code for f in scene.check(ScriptShebangs(), repo=repo, course=True)] == [
        "script-shebangs/ok"
    ]


def test_a_file_sourced_with_dot_is_read_by_dash(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    command = ". .devcontainer/env.sh && echo ready"
    sourced = b"# sourced, no shebang needed\nexport COURSE_READY=yes\nif [[ -n $HOME ]]; then :; fi\n"
    config = {"image": "debian:12", "postCreateCommand": command}
    repo = scene.course({".devcontainer/env.sh": sourced}, config=config)

    rc, output = dash(command, repo)
    # dash reads `if [[ …` as a command that is not found, and goes on: silently wrong.
    assert rc == 0 and "[[: not found" in output and "ready" in output, output

    finding = by_code(scene.check(ScriptShebangs(), repo=repo), "script-shebangs/bashism-under-sh")
    assert (finding.path, finding.line) == (".devcontainer/env.sh", 3)
    assert "sourced with `.` by /bin/sh" in dict(finding.evidence)["how it is run"]


def test_a_script_called_by_a_script_is_followed_one_level(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {
        ".devcontainer/setup.sh": b'#!/bin/bash\nset -e\nsh "$(dirname "$0")/helper.sh"\n',
        ".devcontainer/helper.sh": b"#!/bin/bash\nset -o pipefail\necho helped\n",
    }
    config = {"image": "debian:12", "postCreateCommand": "bash .devcontainer/setup.sh"}
    repo = scene.course(files, config=config)

    rc, output = dash(f"PATH=/usr/bin:/bin; {config['postCreateCommand']}", repo)
    # `sh` is dash here (Debian's /bin/sh): pipefail is dash 0.5.12's error.
    if os.path.realpath(shutil.which("sh") or "") == DASH:
        assert rc != 0 and "Illegal option -o pipefail" in output, output

    finding = by_code(scene.check(ScriptShebangs(), repo=repo), "script-shebangs/bashism-under-sh")
    assert (finding.path, finding.line) == (".devcontainer/helper.sh", 2)
    how = dict(finding.evidence)["how it is run"]
    assert "postCreateCommand via .devcontainer/setup.sh" in how


# ------------------------------------------------------------------------- files named as arguments


def pip_env(tmp_path: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "PIP_NO_INDEX": "1"}


def test_a_requirements_file_is_looked_for_where_the_command_runs(tmp_path: Path) -> None:
    """`pip install -r requirements.txt` runs in the workspace folder, but the file is in
    .devcontainer/: pip stops, devdoctor says where the file actually is."""
    scene = Scenario(tmp_path, rooted=False)
    command = "python -m pip install --dry-run --no-index -r requirements.txt"
    config = {"image": "debian:12", "postCreateCommand": command}
    files = {".devcontainer/requirements.txt": "# nothing to install\n"}
    repo = scene.course(files, config=config)

    rc, output = dash(command, repo, pip_env(tmp_path))
    assert rc != 0 and "No such file or directory: 'requirements.txt'" in output, output

    finding = by_code(scene.check(Devcontainer(), repo=repo, course=True), "devcontainer/missing-file")
    assert finding.status.value == "fail"
    assert f"`{command}` in /workspaces/course" in finding.summary
    assert "it at .devcontainer/requirements.txt" in finding.summary
    assert (finding.path, finding.line) == (".devcontainer/devcontainer.json", 3)

    fixed = command.replace("-r requirements.txt", "-r .devcontainer/requirements.txt")
    rc, output = dash(fixed, repo, pip_env(tmp_path))
    assert rc == 0, output
    config["postCreateCommand"] = fixed
    (repo / ".devcontainer/devcontainer.json").write_text(json.dumps(config, indent=2))
    codes = {f.code for f in scene.check(Devcontainer(), repo=repo, course=True)}
    assert "devcontainer/missing-file" not in codes


@pytest.mark.parametrize(
    ("command", "missing", "program"),
    [
        ("conda env create -f environment.yml", "environment.yml", "conda env create -f"),
        ("cd docs && pip install -r requirements.txt", "docs/requirements.txt", "pip install -r"),
        ("python setup.py develop", "setup.py", "python"),
        ("npm ci", "package-lock.json", "npm ci"),
        ("mamba env update --file=env.yml", "env.yml", "mamba env update --file"),
    ],
)
def test_files_named_as_arguments(tmp_path: Path, command: str, missing: str, program: str) -> None:
    scene = Scenario(tmp_path, rooted=False)
    config = {"image": "debian:12", "postCreateCommand": command}
    repo = scene.course({"docs/index.md": "# docs\n"}, config=config)
    finding = by_code(scene.check(Devcontainer(), repo=repo), "devcontainer/missing-file")
    assert finding.subject == missing
    assert program in finding.detail
    (repo / missing).parent.mkdir(parents=True, exist_ok=True)
    (repo / missing).write_text("{}\n")
    assert "devcontainer/missing-file" not in {
        f.code for f in scene.check(Devcontainer(), repo=repo)
    }
