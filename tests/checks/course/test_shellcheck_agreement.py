"""The whole script-shebangs check agrees with Debian's shellcheck on the project's sample scripts.

tests/test_shell_scripts.py compares the analyzer with shellcheck, sample by sample. This test
goes through the product instead: the samples are committed to a course repository, each run
the way its row of that comparison says (directly, with sh, with bash, sourced, or only tracked),
and `devdoctor check --course --json` must report, for every script, exactly the shellcheck
codes of the shebang / CRLF / BOM class (and the bashism class where sh runs it) that
shellcheck 0.9.0 gives, each on a line where shellcheck gives it. The table of cases and the codes of each class are
that test's, reused here so the two can never disagree about what is compared.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from devdoctor.checks.course.shell import RunAs

from tests.checks.course.test_shell import COMPARED, SAMPLES, SC_BASHISM, SC_SHEBANG, shellcheck
from tests.scenario import Scenario

pytestmark = pytest.mark.skipif(shutil.which("shellcheck") is None, reason="no shellcheck")

RUN = {
    RunAs.DIRECT: "./{p}",
    RunAs.SH: "sh {p}",
    RunAs.BASH: "bash {p}",
    RunAs.SOURCED: ". ./{p}",
}


def _where(name: str, run_as: RunAs) -> str:
    """Each (sample, way of running) gets its own copy; untracked-run ones sit in .devcontainer."""
    if run_as is RunAs.UNKNOWN:
        return f".devcontainer/tracked/{name}"
    return f"cases/{run_as.value}/{name}"


def _theirs(name: str, run_as: RunAs, shell: str | None) -> set[tuple[str, int]]:
    """shellcheck's codes of the compared classes, as tests/test_shell_scripts.py selects them."""
    path = SAMPLES / name
    plain = shellcheck(path, "sh" if run_as is RunAs.SH else None)
    as_sh = shellcheck(path, shell) if shell else plain
    theirs = {(c, ln) for c, ln in plain if c in SC_SHEBANG}
    if run_as is not RunAs.EXEC:  # a string command's /bin/sh runs a file without `#!`
        theirs = {(c, ln) for c, ln in theirs if c != "SC2148"}
    if run_as not in (RunAs.DIRECT, RunAs.EXEC, RunAs.UNKNOWN):
        theirs = {(c, ln) for c, ln in theirs if c in ("SC1082", "SC1017")}
    return theirs | {(c, ln) for c, ln in as_sh if c in SC_BASHISM}


def _ours(findings: list[dict[str, object]]) -> set[tuple[str, int]]:
    """The shellcheck codes devdoctor's findings name, with the lines they name."""
    found: set[tuple[str, int]] = set()
    for finding in findings:
        evidence = finding["evidence"]
        assert isinstance(evidence, dict)
        text = str(evidence.get("shellcheck", ""))
        several = re.findall(r"(SC\d+) \(line (\d+)\)", text)
        if several:
            found |= {(code, int(line)) for code, line in several}
        elif text:
            found |= {(code, int(evidence["line"])) for code in re.findall(r"SC\d+", text)}
    return found


def test_the_check_reports_what_shellcheck_reports(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {_where(n, r): (SAMPLES / n).read_bytes() for n, r, _ in COMPARED}
    commands = [RUN[r].format(p=_where(n, r)) for n, r, _ in COMPARED if r in RUN]
    exec_form = {
        f"exec-{k}": [f"./{_where(n, r)}"] for k, (n, r, _) in enumerate(COMPARED) if r is RunAs.EXEC
    }
    post = {"strings": " ; ".join(commands), **exec_form}
    config = {"image": "debian:12", "postCreateCommand": post}
    repo = scene.course(files, executable=tuple(files), config=config)

    done = scene.cli("check", "--course", "--only", "script-shebangs", "--json", "--repo", str(repo))
    assert done.returncode in (0, 1), done.stderr
    (result,) = json.loads(done.stdout)["results"]
    by_subject: dict[str, list[dict[str, object]]] = defaultdict(list)
    for finding in result["findings"]:
        by_subject[finding["subject"]].append(finding)

    disagreements = {}
    compared = 0
    for name, run_as, shell in COMPARED:
        theirs = _theirs(name, run_as, shell)
        ours = _ours(by_subject.get(_where(name, run_as), []))
        compared += bool(theirs)
        # Same codes; and each line devdoctor names is one shellcheck names (shellcheck repeats
        # SC1017 on every line with a CR, devdoctor names the first).
        if {c for c, _ in ours} != {c for c, _ in theirs} or not ours <= theirs:
            disagreements[f"{name} ({run_as.value})"] = {"shellcheck": theirs, "devdoctor": ours}
    assert disagreements == {}
    assert compared >= 30  # nearly every row has a shellcheck code of the compared classes
