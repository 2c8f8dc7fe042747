"""script-shebangs on real git repositories: each broken script, no false alarms, the fix.

Every repository is made with the real git in tmp_path; git's global and system settings are
files in tmp_path, and HOME is tmp_path, so the machine's own configuration is never read.
The helpers at the top are shared by the other course-check tests.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from devdoctor import Status
from devdoctor.checks.course.line_endings import LineEndings
from devdoctor.checks.course.script_shebangs import ScriptShebangs

from tests import TESTS
from tests.scenario import Scenario, by_code, codes, lifecycle

SAMPLES = TESTS / "samples" / "scripts"


# ------------------------------------------------------------------------- each broken script

BODY = b'echo "setting up"\ncd /tmp || exit 1\necho "ready"\n'
CASES: list[tuple[str, bytes, str, bool, str, Status, str]] = [
    # (name, bytes, command, executable, code, status, text the finding must show)
    ("crlf", (b"#!/bin/bash\n" + BODY).replace(b"\n", b"\r\n"), "./{p}", True,
     "crlf", Status.FAIL, "required file not found"),
    ("crlf-bash", (b"#!/bin/bash\n" + BODY).replace(b"\n", b"\r\n"), "bash {p}", False,
     "crlf", Status.FAIL, "$'"),
    ("crlf-env", (b"#!/usr/bin/env bash\n" + BODY).replace(b"\n", b"\r\n"), "./{p}", True,
     "crlf", Status.FAIL, "'bash\\r': No such file or directory"),
    ("bom", b"\xef\xbb\xbf#!/bin/bash\n" + BODY, "./{p}", True,
     "bom", Status.FAIL, "\\ufeff#!/bin/bash: not found"),
    ("missing-bash", b"arr=(a b)\necho ${arr[1]}\n", "./{p}", True,
     "bashism-under-sh", Status.FAIL, 'Syntax error: "(" unexpected'),
    ("leading", b"  #!/bin/bash\n" + BODY, "./{p}", True,
     "leading-whitespace", Status.WARN, "byte 0"),
    ("not-first", b"# tools\n#!/bin/bash\n" + BODY, "./{p}", True,
     "shebang-not-first-line", Status.WARN, "line 2"),
    ("bang-hash", b"!#/bin/bash\n" + BODY, "./{p}", True,
     "bang-typo", Status.WARN, "!#/bin/bash: not found"),
    ("hash-space", b"# !/bin/bash\n" + BODY, "./{p}", True, "bang-typo", Status.WARN, "#!"),
    ("missing-bang", b"#/bin/bash\n" + BODY, "./{p}", True, "bang-typo", Status.WARN, "#!"),
    ("python-leading", b" #!/usr/bin/env python3\nprint('hi')\n", "./{p}", True,
     "leading-whitespace", Status.FAIL, "byte 0"),
    ("sh-bashism", b"#!/bin/sh\nif [[ -d /tmp ]]; then echo ok; fi\n", "./{p}", True,
     "bashism-under-sh", Status.FAIL, "[[: not found"),
    ("run-with-sh", b"#!/bin/bash\nset -o pipefail\necho ok\n", "sh {p}", False,
     "bashism-under-sh", Status.FAIL, "Illegal option -o pipefail"),
    ("mode", b"#!/bin/bash\n" + BODY, "./{p}", False,
     "not-executable", Status.FAIL, "Permission denied"),
    ("env-args", b"#!/usr/bin/env bash -e\n" + BODY, "./{p}", True,
     "env-with-args", Status.FAIL, "use -[v]S to pass options"),
    ("two-args", b"#!/bin/bash -e -u\n" + BODY, "./{p}", True,
     "shebang-multiple-args", Status.FAIL, "invalid option"),
    ("relative", b"#!bash\n" + BODY, "./{p}", True, "relative-interpreter", Status.FAIL, "PATH"),
    ("too-long", b"#!/opt/" + b"d" * 260 + b"/bash\n" + BODY, "./{p}", True,
     "shebang-too-long", Status.WARN, "255"),
    ("nbsp", b"#!/usr/bin/env\xc2\xa0bash\n" + BODY, "./{p}", True,
     "non-ascii-shebang", Status.FAIL, "U+00A0"),
    ("utf16", "#!/bin/bash\necho hi\n".encode("utf-16"), "./{p}", True,
     "utf16", Status.FAIL, "Exec format error"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "command", "executable", "code", "status", "shown"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_each_broken_script_is_one_finding_with_what_the_student_sees(
    tmp_path: Path,
    name: str,
    data: bytes,
    command: str,
    executable: bool,
    code: str,
    status: Status,
    shown: str,
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    path = f".devcontainer/{name}.sh"
    repo = scene.course(
        {path: data},
        executable=(path,) if executable else (),
        config=lifecycle(command.format(p=path)),
    )
    findings = scene.check(ScriptShebangs(), repo=repo)
    finding = by_code(findings, f"script-shebangs/{code}")
    assert finding.status is status
    assert finding.subject == path
    assert finding.summary.startswith(f"{path}: ")
    assert shown in finding.detail + finding.summary
    facts = dict(finding.evidence)
    assert facts["command"] == f"postCreateCommand: {command.format(p=path)}"
    assert facts["how it is run"].endswith("by postCreateCommand (default)")


def test_interpreter_missing_from_a_known_image(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {
        ".devcontainer/Dockerfile": "FROM alpine:3.20\nRUN apk add --no-cache git\n",
        ".devcontainer/setup.sh": "#!/bin/bash\necho hi\n",
        ".devcontainer/tool": "#!/usr/bin/env python\nprint('x')\n",
    }
    config = {
        "build": {"dockerfile": "Dockerfile"},
        "postCreateCommand": "./.devcontainer/setup.sh",
    }
    repo = scene.course(files, executable=(".devcontainer/setup.sh",), config=config)
    finding = by_code(scene.check(ScriptShebangs(), repo=repo), "script-shebangs/interpreter-missing")
    assert finding.status is Status.WARN
    assert "alpine:3.20" in finding.detail and "`bash`" in finding.summary
    # Debian-based images have python3 but no `python`; alpine's bash is the only miss here.
    assert finding.subject == ".devcontainer/setup.sh"


def test_installing_the_interpreter_silences_interpreter_missing(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {
        ".devcontainer/Dockerfile": "FROM alpine:3.20\nRUN apk add --no-cache bash\n",
        ".devcontainer/setup.sh": "#!/bin/bash\necho hi\n",
    }
    config = {
        "build": {"dockerfile": "Dockerfile"},
        "postCreateCommand": "./.devcontainer/setup.sh",
    }
    repo = scene.course(files, executable=(".devcontainer/setup.sh",), config=config)
    assert codes(scene.check(ScriptShebangs(), repo=repo)) == [("script-shebangs/ok", Status.OK)]


def test_python_missing_from_a_debian_image(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {".devcontainer/tool.py": "#!/usr/bin/python\nprint('x')\n"}
    config = {"image": "debian:12", "postCreateCommand": "./.devcontainer/tool.py"}
    repo = scene.course(files, executable=(".devcontainer/tool.py",), config=config)
    finding = by_code(scene.check(ScriptShebangs(), repo=repo), "script-shebangs/interpreter-missing")
    assert "`python`" in finding.summary and "debian:12" in finding.detail


def test_several_bash_constructs_are_one_finding_listing_every_shellcheck_code(
    tmp_path: Path,
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    data = b"#!/bin/sh\nsource ./env\nif [[ -n x ]]; then echo; fi\narr=(a)\n"
    repo = scene.course(
        {"setup.sh": data}, executable=("setup.sh",), config=lifecycle("./setup.sh")
    )
    finding = by_code(scene.check(ScriptShebangs(), repo=repo), "script-shebangs/bashism-under-sh")
    assert finding.summary.endswith("(and 2 more)")
    assert dict(finding.evidence)["shellcheck"] == (
        "SC3046 (line 2), SC3010 (line 3), SC3030 (line 4)"
    )


# ------------------------------------------------------------------------- finding the scripts


def test_every_lifecycle_form_and_cd_are_followed(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    crlf = b"#!/bin/bash\r\necho hi\r\n"
    files = {
        ".devcontainer/a.sh": crlf,  # cd .devcontainer && ./a.sh
        "scripts/b.sh": crlf,  # array form
        "scripts/c.sh": crlf,  # object form
        "scripts/d.sh": crlf,  # ${containerWorkspaceFolder}
        "scripts/e.sh": crlf,  # absolute container path under workspaceFolder
    }
    config = {
        "image": "debian:12",
        "workspaceFolder": "/work/course",
        "onCreateCommand": "cd .devcontainer && ./a.sh",
        "updateContentCommand": ["./scripts/b.sh", "--quick"],
        "postCreateCommand": {"one": "bash scripts/c.sh", "two": ["sh", "-c", "true"]},
        "postStartCommand": "bash ${containerWorkspaceFolder}/scripts/d.sh",
        "postAttachCommand": "/work/course/scripts/e.sh",
    }
    executable = tuple(files)
    repo = scene.course(files, executable=executable, config=config)
    findings = scene.check(ScriptShebangs(), repo=repo)
    seen = {(f.subject, dict(f.evidence)["command"].split(":")[0]) for f in findings}
    assert seen == {
        (".devcontainer/a.sh", "onCreateCommand"),
        ("scripts/b.sh", "updateContentCommand"),
        ("scripts/c.sh", "postCreateCommand"),
        ("scripts/d.sh", "postStartCommand"),
        ("scripts/e.sh", "postAttachCommand"),
    }
    assert all(f.status is Status.FAIL for f in findings)


def test_tracked_scripts_not_run_by_the_build_are_one_step_milder(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {
        "install.sh": b"#!/bin/bash\r\necho hi\r\n",  # top level, *.sh
        "bootstrap": b"  #!/bin/sh\necho hi\n",  # top level, no extension, names a shell
        "notes/deep.sh": b"#!/bin/bash\r\n",  # neither under .devcontainer nor top level
        "Makefile": b"all:\n\techo hi\r\n",
    }
    repo = scene.course(files, config={"image": "debian:12"})
    found = codes(scene.check(ScriptShebangs(), repo=repo))
    assert found == [
        ("script-shebangs/leading-whitespace", Status.INFO),
        ("script-shebangs/crlf", Status.WARN),
    ]


NO_FALSE_ALARMS: dict[str, bytes] = {
    "heredoc.sh": b"#!/bin/bash\ncat <<'EOF' > /tmp/x.bat\necho hi\r\nEOF\necho done\n",
    "words.sh": b"#!/bin/sh\n# [[ this ]] and arr=(x) are only words here\necho '[[ x ]]'\n",
    "posix.sh": b"#!/bin/sh\nset -eu\nif [ -d /tmp ]; then echo ok; fi\nf() { local x=1; }\n",
    "split.sh": b"#!/usr/bin/env -S bash -e\necho ok\n",
    "options.sh": b"#!/bin/bash -e\necho ok\n",
    "spaced.sh": b"#! /bin/bash\necho ok\n",
    "nonl.sh": b"#!/bin/sh\necho no newline at the end",
}


def test_no_false_alarms(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    big = b"#!/bin/bash\n" + b"# filler line that is long enough to matter\n" * 60_000
    files: dict[str, bytes] = {f".devcontainer/{k}": v for k, v in NO_FALSE_ALARMS.items()}
    files[".devcontainer/big.sh"] = big + b"arr=(only past the header)\r\n"
    files[".devcontainer/tool.sh"] = bytes(range(256)) * 8  # a binary named .sh
    files[".devcontainer/env.sh"] = b"export COURSE=1\n"  # no shebang, only sourced
    files[".devcontainer/mode.sh"] = b"#!/bin/bash\necho ok\n"  # 100644, run with bash
    files[".devcontainer/chmodded.sh"] = b"#!/bin/bash\necho ok\n"  # 100644, chmod +x first
    files[".devcontainer/features/x/install.sh"] = b"#!/bin/bash\necho ok\n"  # 100644, not run
    runs = " && ".join(f"./.devcontainer/{k}" for k in NO_FALSE_ALARMS)
    command = (
        f"{runs} && ./.devcontainer/big.sh && . .devcontainer/env.sh && "
        "bash .devcontainer/mode.sh && chmod +x .devcontainer/chmodded.sh && "
        "./.devcontainer/chmodded.sh && ./.devcontainer/link.sh"
    )
    executable = tuple(f".devcontainer/{k}" for k in (*NO_FALSE_ALARMS, "big.sh"))
    repo = scene.course(files, executable=executable, config=lifecycle(command))
    (repo / ".devcontainer" / "link.sh").symlink_to("posix.sh")
    scene.git("add", "-A", repo=repo)
    scene.git("commit", "-q", "-m", "link", repo=repo)
    findings = scene.check(ScriptShebangs(), repo=repo)
    assert codes(findings) == [("script-shebangs/ok", Status.OK)]
    # link.sh counts once, as posix.sh; tool.sh (binary) and the feature are not run.
    assert findings[0].summary.startswith("13 script(s) checked, 11 run by the build")


def test_a_link_to_a_broken_script_is_reported_once_under_the_name_git_stores(
    tmp_path: Path,
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {"scripts/real.sh": b"#!/bin/bash\r\necho hi\r\n"}
    repo = scene.course(
        files,
        executable=("scripts/real.sh",),
        config=lifecycle("./.devcontainer/run.sh"),
    )
    (repo / ".devcontainer" / "run.sh").symlink_to("../scripts/real.sh")
    scene.git("add", "-A", repo=repo)
    scene.git("commit", "-q", "-m", "link", repo=repo)
    (finding,) = scene.check(ScriptShebangs(), repo=repo)
    assert finding.code == "script-shebangs/crlf" and finding.subject == ".devcontainer/run.sh"
    assert dict(finding.evidence)["git mode"] == "100755"  # the target's mode, not 120000


def test_reads_at_most_the_header_of_each_script(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    huge = b"#!/bin/sh\n" + b"echo filler\n" * 2_000_000 + b"[[ -n late ]]\n"  # 24 MB
    repo = scene.course(
        {"setup.sh": huge}, executable=("setup.sh",), config=lifecycle("./setup.sh")
    )
    findings = scene.check(ScriptShebangs(), repo=repo)
    assert codes(findings) == [("script-shebangs/ok", Status.OK)]  # the bashism is past 64 KiB


def test_not_a_git_repository_still_reads_the_scripts(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = tmp_path / "plain"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer" / "devcontainer.json").write_text(json.dumps(lifecycle("bash x.sh")))
    (repo / "x.sh").write_bytes(b"#!/bin/bash\r\necho\r\n")
    finding = by_code(scene.check(ScriptShebangs(), repo=repo), "script-shebangs/crlf")
    assert "git mode" not in dict(finding.evidence)


# ------------------------------------------------------------------------- advice and the fix


def test_a_student_is_told_the_course_must_fix_it_and_what_to_do_meanwhile(
    tmp_path: Path,
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {"setup.sh": b"\xef\xbb\xbf#!/bin/bash\necho hi\n"}
    repo = scene.course(files, executable=("setup.sh",), config=lifecycle("./setup.sh"))
    (student,) = scene.check(ScriptShebangs(), repo=repo)
    assert "course repository's to fix" in student.detail
    assert "devdoctor fix script-shebangs --yes" in student.detail
    (staff,) = scene.check(ScriptShebangs(), repo=repo, course=True)
    assert "devdoctor fix script-shebangs --course" in staff.detail
    assert staff.fix is not None and staff.fix.scope.value == "course"


def test_crlf_made_by_the_checkout_is_left_to_line_endings_for_a_student(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    src = scene.course(
        {"setup.sh": "#!/bin/bash\necho hi\n"}, executable=("setup.sh",),
        config=lifecycle("./setup.sh"), name="src",
    )  # fmt: skip
    Path(scene.env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = true\n")
    subprocess.run(["git", "clone", "-q", str(src), str(tmp_path / "clone")], env=scene.env, check=True)
    # One cause, one owner: git's conversion made the CRLF, so line-endings reports it.
    (finding,) = scene.check(ScriptShebangs(), repo=tmp_path / "clone")
    assert finding.code == "script-shebangs/ok"
    endings = scene.check(LineEndings(), repo=tmp_path / "clone")
    assert [f.code for f in endings] == ["line-endings/crlf-checkout"]
    assert endings[0].fix is not None


BROKEN = {
    ".devcontainer/crlf.sh": (b"#!/bin/bash\n" + BODY).replace(b"\n", b"\r\n"),
    ".devcontainer/bom.sh": b"\xef\xbb\xbf#!/bin/bash\n" + BODY,
    ".devcontainer/missing.sh": b"arr=(a b)\necho ${arr[1]}\n",
    ".devcontainer/leading.sh": b"\t#!/bin/bash\n" + BODY,
    ".devcontainer/typo.sh": b"!#/bin/bash\n" + BODY,
    ".devcontainer/sh.sh": b"#!/bin/sh\nif [[ -d /tmp ]]; then echo ok; fi\n",
    ".devcontainer/mode.sh": b"#!/bin/bash\n" + BODY,
    ".devcontainer/env.sh": b"#!/usr/bin/env bash -eu\n" + BODY,
}


def _broken_repo(scene: Scenario) -> Path:
    command = " && ".join(f"./{p}" for p in BROKEN)
    executable = tuple(p for p in BROKEN if not p.endswith("mode.sh"))
    return scene.course(BROKEN, executable=executable, config=lifecycle(command))


def test_course_json_lists_every_problem_and_fails_the_ci_job(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = _broken_repo(scene)
    done = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    (result,) = [r for r in report["results"] if r["id"] == "script-shebangs"]
    assert result["status"] == "fail" and result["scope"] == "course"
    found = {(f["subject"], f["code"]) for f in result["findings"]}
    assert found == {
        (".devcontainer/crlf.sh", "script-shebangs/crlf"),
        (".devcontainer/bom.sh", "script-shebangs/bom"),
        (".devcontainer/missing.sh", "script-shebangs/bashism-under-sh"),
        (".devcontainer/leading.sh", "script-shebangs/leading-whitespace"),
        (".devcontainer/typo.sh", "script-shebangs/bang-typo"),
        (".devcontainer/sh.sh", "script-shebangs/bashism-under-sh"),
        (".devcontainer/mode.sh", "script-shebangs/not-executable"),
        (".devcontainer/env.sh", "script-shebangs/env-with-args"),
    }
    fixes = [f["fix"] for f in result["findings"] if f["fix"]]
    assert len(fixes) == 1 and fixes[0]["scope"] == "course"  # one fix, applied once
    assert {r["id"] for r in report["results"]} == {
        "devcontainer",
        "script-shebangs",
        "line-endings",
        "requirements-pins",
        "dockerfile-layout",
    }


def test_course_check_of_a_clean_repository_exits_0(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {".devcontainer/setup.sh": "#!/bin/bash\nset -euo pipefail\necho ok\n"}
    repo = scene.course(
        files, executable=tuple(files), config=lifecycle("./.devcontainer/setup.sh")
    )
    done = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    statuses = {r["id"]: r["status"] for r in json.loads(done.stdout)["results"]}
    assert statuses == {
        "devcontainer": "ok",
        "script-shebangs": "ok",
        "line-endings": "warn",
        "requirements-pins": "ok",
        "dockerfile-layout": "ok",
    }
    strict = scene.cli("check", "--course", "--strict", "--repo", str(repo))
    assert strict.returncode == 1  # the missing .gitattributes is a warning for staff


def test_staff_fix_repairs_every_script_and_git_records_the_exec_bit(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = _broken_repo(scene)
    done = scene.cli("fix", "script-shebangs", "--course", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "=> fixed" in done.stdout
    assert "git pull" not in done.stdout  # staff get no warning about conflicts
    dc = repo / ".devcontainer"
    assert (dc / "crlf.sh").read_bytes() == b"#!/bin/bash\n" + BODY
    assert (dc / "bom.sh").read_bytes() == b"#!/bin/bash\n" + BODY
    assert (dc / "missing.sh").read_bytes().startswith(b"#!/bin/bash\narr=(a b)")
    assert (dc / "leading.sh").read_bytes() == b"#!/bin/bash\n" + BODY
    assert (dc / "typo.sh").read_bytes() == b"#!/bin/bash\n" + BODY
    assert (dc / "sh.sh").read_bytes().startswith(b"#!/bin/bash\n")
    assert (dc / "env.sh").read_bytes() == b"#!/usr/bin/env bash\nset -eu\n" + BODY
    assert os.access(dc / "mode.sh", os.X_OK)
    assert scene.git("ls-files", "-s", ".devcontainer/mode.sh", repo=repo).startswith("100755 ")
    # Only the mode is staged; the repaired contents are left for staff to review and commit.
    assert scene.git("diff", "--cached", "--name-only", repo=repo) == ".devcontainer/mode.sh\n"
    assert "+x" not in scene.git("diff", "--cached", repo=repo) and "new mode 100755" in scene.git("diff", "--cached", repo=repo
    )
    after = scene.cli("check", "--course", "--only", "script-shebangs", "--repo", str(repo))
    assert after.returncode == 0, after.stdout


def test_undo_puts_back_every_byte_and_the_index(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = _broken_repo(scene)
    index_before = scene.git("ls-files", "-s", repo=repo)
    done = scene.cli("fix", "script-shebangs", "--course", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    undo = scene.cli("undo", "--yes", "--repo", str(repo))
    assert undo.returncode == 0, undo.stdout + undo.stderr
    for path, data in BROKEN.items():
        assert (repo / path).read_bytes() == data
    assert not os.access(repo / ".devcontainer/mode.sh", os.X_OK)
    assert scene.git("ls-files", "-s", repo=repo) == index_before
    assert scene.git("status", "--porcelain", repo=repo) == ""


def test_a_student_without_yes_gets_the_plan_and_nothing_changes(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = _broken_repo(scene)
    done = scene.cli("fix", "script-shebangs", "--repo", str(repo))
    assert done.returncode == 4
    assert "`git pull`" in done.stdout and "no terminal to ask in" in done.stdout
    assert scene.git("status", "--porcelain", repo=repo) == ""


def test_a_student_with_yes_is_warned_and_the_copy_is_repaired(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = _broken_repo(scene)
    done = scene.cli("fix", "script-shebangs", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "your next `git pull`" in done.stdout
    assert (repo / ".devcontainer/crlf.sh").read_bytes() == b"#!/bin/bash\n" + BODY


def test_what_the_fix_cannot_repair_stays_and_the_fix_carrier_verifies(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {
        "a.sh": b"#!/bin/bash -e -u\necho\n",  # shebang-multiple-args: by hand
        "b.sh": b"#!/bin/bash\r\necho\r\n",  # crlf: repaired
    }
    repo = scene.course(
        files, executable=tuple(files), config=lifecycle("./a.sh && ./b.sh")
    )
    findings = scene.check(ScriptShebangs(), repo=repo, course=True)
    carrier = [f for f in findings if f.fix]
    assert [f.code for f in carrier] == ["script-shebangs/crlf"]
    multi = by_code(findings, "script-shebangs/shebang-multiple-args")
    assert "set -eu" in multi.detail
    done = scene.cli("fix", "--course", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "a.sh").read_bytes() == files["a.sh"]
    assert (repo / "b.sh").read_bytes() == b"#!/bin/bash\necho\n"


def test_project_samples_run_directly_are_all_flagged_or_clean_as_designed(tmp_path: Path) -> None:
    """Each sample script of the project, run as ./x.sh, through the whole check."""
    scene = Scenario(tmp_path, rooted=False)
    samples = {f"s/{p.name}": p.read_bytes() for p in sorted(SAMPLES.glob("*.sh"))}
    command = " ; ".join(f"./{p}" for p in samples)
    repo = scene.course(samples, executable=tuple(samples), config=lifecycle(command))
    findings = scene.check(ScriptShebangs(), repo=repo)
    flagged = {f.subject.removeprefix("s/") for f in findings}
    clean = {"posix.sh", "env_split.sh", "space_after_bang.sh", "trailing_blanks.sh", "bash_e.sh",
             "second_shebang.sh", "heredoc_cr.sh", "words_in_comments_strings.sh", "binary.sh",
             "bash_arrays.sh", "python_tool.sh",
             # no `#!`, POSIX: /bin/sh -c runs them anyway (ENOEXEC)
             "missing_shebang.sh", "empty.sh", "bang_alone.sh", "sourced_snippet.sh"}  # fmt: skip
    assert flagged == {p.removeprefix("s/") for p in samples} - clean


def test_fix_and_undo_under_root_write_the_real_checkout(tmp_path: Path) -> None:
    """--root replays a captured machine; the course repository stays the real one."""
    scene = Scenario(tmp_path, rooted=False)
    root = tmp_path / "captured"
    (root / "proc").mkdir(parents=True)
    (root / "proc" / "version").write_text("Linux version 6.1.0 (gcc)\n")
    data = b"#!/bin/bash\r\necho hi\r\n"
    repo = scene.course(
        {"run.sh": data}, executable=("run.sh",), config=lifecycle("./run.sh")
    )
    args = ("--root", str(root), "--repo", str(repo))
    done = scene.cli("fix", "script-shebangs", "--course", "--yes", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "run.sh").read_bytes() == b"#!/bin/bash\necho hi\n"
    assert not (root / str(repo).lstrip("/")).exists()
    assert scene.cli("undo", "--yes", *args).returncode == 0
    assert (repo / "run.sh").read_bytes() == data


def test_scripts_without_extension_are_found_by_the_parser_that_judges_them(
    tmp_path: Path,
) -> None:
    """`env -S bash -e` and a shebang below a comment name bash for the check as for the kernel
    (scripts.py once had its own parser, which did not see these two as shell scripts)."""
    scene = Scenario(tmp_path, rooted=False)
    files = {
        ".devcontainer/setup.sh": "#!/bin/bash\necho hi\n",
        ".devcontainer/with-s": b"#!/usr/bin/env -S bash -e\r\necho hi\r\n",
        ".devcontainer/commented": b"# set up the course\n#!/bin/bash\necho hi\n",
        ".devcontainer/notes": b"just some notes\r\n",
    }
    config = lifecycle("bash .devcontainer/setup.sh")
    repo = scene.course(files, config=config)
    found = {(f.subject, f.code) for f in scene.check(ScriptShebangs(), repo=repo)}
    assert (".devcontainer/with-s", "script-shebangs/crlf") in found
    assert (".devcontainer/commented", "script-shebangs/shebang-not-first-line") in found
    assert not any(subject == ".devcontainer/notes" for subject, _ in found)


def test_keys_of_the_wrong_json_type_are_no_error(tmp_path: Path) -> None:
    """`{"features": 3}` is the devcontainer check's to report, never a crash here."""
    scene = Scenario(tmp_path, rooted=False)
    config = {"image": "debian:12", "features": 3, "postCreateCommand": "./setup.sh"}
    repo = scene.course({"setup.sh": "#!/bin/sh\necho ok\n"}, config=config,
                     executable=("setup.sh",))  # fmt: skip
    assert all(f.status is not Status.ERROR for f in scene.check(ScriptShebangs(), repo=repo))
