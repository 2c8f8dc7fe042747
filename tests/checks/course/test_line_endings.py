"""line-endings on real clones: CRLF made by core.autocrlf, its cause, the student's and staff's fix.

A Windows checkout is reproduced with the real git: core.autocrlf=true in a system config file
under tmp_path (where Git for Windows' installer puts it) and `git clone`. git.exe is a
stand-in on PATH that runs the real git with its own system config, as Git for Windows would.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from devdoctor import Host, Status
from devdoctor.checks.course.eol_fix import extend_gitattributes, gitattributes_lines
from devdoctor.checks.course.git_eol import GitTool, checkout_git, read_settings
from devdoctor.checks.course.line_endings import LineEndings
from devdoctor.checks.course.script_shebangs import ScriptShebangs

from tests.courserepo import (
    by_code,
    codes,
    course_env,
    devdoctor,
    git,
    make_repo,
    run_check,
)

SETUP = b"#!/bin/bash\nset -e\necho setup\n"
CONFIG = {"image": "debian:12", "postCreateCommand": "bash .devcontainer/setup.sh"}


def windows_clone(
    tmp_path: Path, env: dict[str, str], files: dict[str, bytes | str] | None = None
) -> Path:
    """The course repository, cloned with core.autocrlf=true in git's system settings."""
    src = make_repo(
        tmp_path,
        env,
        files or {".devcontainer/setup.sh": SETUP, "run": b"#!/bin/sh\necho hi\n"},
        config={**CONFIG, "postCreateCommand": "bash .devcontainer/setup.sh && ./run"},
        executable=("run",),
        name="src",
    )
    Path(env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = true\n")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(src), str(clone)], env=env, check=True)
    return clone


def test_crlf_from_a_windows_checkout_names_the_setting_and_its_file(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    clone = windows_clone(tmp_path, env)
    assert (clone / ".devcontainer/setup.sh").read_bytes() == SETUP.replace(b"\n", b"\r\n")
    (finding,) = run_check(LineEndings(), clone, env)
    assert (finding.code, finding.status) == ("line-endings/crlf-checkout", Status.FAIL)
    assert finding.summary == (
        "2 script(s) have CRLF line endings in this checkout, but LF in the repository: "
        ".devcontainer/setup.sh, run"
    )
    facts = dict(finding.evidence)
    assert facts["core.autocrlf"] == f"true (system: {env['GIT_CONFIG_SYSTEM']})"
    assert facts["core.eol"] == "not set"
    assert facts[".gitattributes"] == "keeps 0 of the 2 script(s) the build runs LF"
    assert "core.autocrlf=true in its system settings" in finding.detail
    assert finding.fix is not None and finding.fix.scope.value == "host"


def test_student_fix_makes_the_checkout_lf_leaves_git_clean_and_undoes(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    clone = windows_clone(tmp_path, env)
    before = {p: (clone / p).read_bytes() for p in (".devcontainer/setup.sh", "run")}
    done = devdoctor(env, "fix", "line-endings", "--yes", "--repo", str(clone))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "=> fixed" in done.stdout
    assert (clone / ".devcontainer/setup.sh").read_bytes() == SETUP
    assert git(clone, env, "status", "--porcelain") == ""
    assert git(clone, env, "diff-files") == ""  # the index knows, without a refresh
    assert git(clone, env, "config", "--local", "core.autocrlf") == "input\n"
    after = devdoctor(env, "check", "--only", "line-endings,script-shebangs", "--repo", str(clone))
    assert after.returncode == 0, after.stdout

    undo = devdoctor(env, "undo", "--yes", "--repo", str(clone))
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert {p: (clone / p).read_bytes() for p in before} == before
    unset = subprocess.run(
        ["git", "-C", str(clone), "config", "--local", "core.autocrlf"], env=env, check=False
    )
    assert unset.returncode == 1
    assert git(clone, env, "status", "--porcelain") == ""
    assert git(clone, env, "diff-files") == ""


def test_undo_puts_back_an_earlier_repository_setting(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    clone = windows_clone(tmp_path, env)
    git(clone, env, "config", "core.autocrlf", "true")
    assert devdoctor(env, "fix", "line-endings", "--yes", "--repo", str(clone)).returncode == 0
    assert git(clone, env, "config", "--local", "core.autocrlf") == "input\n"
    assert devdoctor(env, "undo", "--yes", "--repo", str(clone)).returncode == 0
    assert git(clone, env, "config", "--local", "core.autocrlf") == "true\n"


def test_a_students_own_edits_are_kept(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    clone = windows_clone(tmp_path, env)
    with (clone / "run").open("ab") as handle:
        handle.write(b"echo mine\r\n")
    (finding,) = run_check(LineEndings(), clone, env)
    assert finding.fix is not None
    assert "(1 keep your own edits, which git shows as changes)" in finding.fix.title
    assert devdoctor(env, "fix", "line-endings", "--yes", "--repo", str(clone)).returncode == 0
    assert (clone / "run").read_bytes() == b"#!/bin/sh\necho hi\necho mine\n"
    assert git(clone, env, "status", "--porcelain") == " M run\n"


def test_crlf_stored_in_the_repository_is_the_courses_to_fix(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    files = {".devcontainer/setup.sh": SETUP.replace(b"\n", b"\r\n")}
    repo = make_repo(tmp_path, env, files, config=CONFIG)
    # Counted once: CRLF the repository stores is the script's encoding, script-shebangs' cause;
    # git converts nothing here, so line-endings has nothing of its own to say.
    assert codes(run_check(LineEndings(), repo, env)) == [("line-endings/ok", Status.OK)]
    finding = by_code(run_check(ScriptShebangs(), repo, env), "script-shebangs/crlf")
    assert finding.status is Status.FAIL and finding.fix is not None
    assert (finding.path, finding.line) == (".devcontainer/setup.sh", 1)


def test_gitattributes_keep_scripts_lf_even_with_autocrlf(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    files: dict[str, bytes | str] = {
        ".devcontainer/setup.sh": SETUP,
        "run": b"#!/bin/sh\necho hi\n",
        ".gitattributes": "*.sh text eol=lf\n/run text eol=lf\n",
    }
    clone = windows_clone(tmp_path, env, files)
    assert (clone / "run").read_bytes() == b"#!/bin/sh\necho hi\n"
    findings = run_check(LineEndings(), clone, env)
    assert codes(findings) == [("line-endings/ok", Status.OK)]
    assert dict(findings[0].evidence)[".gitattributes"] == (
        "keeps 2 of the 2 script(s) the build runs LF"
    )
    staff = run_check(LineEndings(), clone, env, course=True)
    assert codes(staff) == [("line-endings/ok", Status.OK)]


def test_a_cr_inside_a_heredoc_is_not_crlf(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    body = b"#!/bin/bash\ncat <<'EOF' > /tmp/w.bat\r\nline\r\nEOF\n".replace(b"/tmp/w.bat\r", b"w")
    repo = make_repo(tmp_path, env, {".devcontainer/setup.sh": body}, config=CONFIG)
    assert codes(run_check(LineEndings(), repo, env)) == [("line-endings/ok", Status.OK)]


def test_a_git_that_would_convert_is_a_warning_with_a_config_only_fix(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    repo = make_repo(tmp_path, env, {".devcontainer/setup.sh": SETUP}, config=CONFIG)
    Path(env["GIT_CONFIG_GLOBAL"]).write_text("[core]\n\tautocrlf = true\n")
    (finding,) = run_check(LineEndings(), repo, env)
    assert (finding.code, finding.status) == ("line-endings/will-convert", Status.WARN)
    assert finding.fix is not None
    assert [c.describe()["kind"] for c in finding.fix.changes] == ["run-command"]
    done = devdoctor(env, "fix", "line-endings", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout
    assert git(repo, env, "config", "--local", "core.autocrlf") == "input\n"
    assert codes(run_check(LineEndings(), repo, env)) == [("line-endings/ok", Status.OK)]


def test_core_eol_crlf_with_the_text_attribute(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    files: dict[str, bytes | str] = {".devcontainer/setup.sh": SETUP, ".gitattributes": "* text\n"}
    src = make_repo(tmp_path, env, files, config=CONFIG, name="src")
    Path(env["GIT_CONFIG_GLOBAL"]).write_text("[core]\n\teol = crlf\n")
    subprocess.run(["git", "clone", "-q", str(src), str(tmp_path / "c")], env=env, check=True)
    (finding,) = run_check(LineEndings(), tmp_path / "c", env)
    assert finding.code == "line-endings/crlf-checkout"
    assert "core.eol=crlf" in finding.detail
    assert dict(finding.evidence)["core.eol"].startswith("crlf (global: ")


def test_gitattributes_asking_for_crlf_gets_no_student_fix(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    files: dict[str, bytes | str] = {
        ".devcontainer/setup.sh": SETUP,
        ".gitattributes": "*.sh text eol=crlf\n",
    }
    src = make_repo(tmp_path, env, files, config=CONFIG, name="src")
    subprocess.run(["git", "clone", "-q", str(src), str(tmp_path / "c")], env=env, check=True)
    (finding,) = run_check(LineEndings(), tmp_path / "c", env)
    assert finding.code == "line-endings/crlf-checkout" and finding.fix is None
    assert "asks for CRLF (eol=crlf)" in finding.detail


def test_staff_get_gitattributes_written_and_ci_passes(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    files: dict[str, bytes | str] = {
        ".devcontainer/setup.sh": SETUP,
        ".devcontainer/post-create": b"#!/usr/bin/env bash\necho hi\n",
        "my tool": b"#!/bin/sh\necho hi\n",
        ".devcontainer/unused": b"#!/bin/sh\necho not run\n",  # nothing runs it: not counted
    }
    run = "bash .devcontainer/setup.sh && .devcontainer/post-create && './my tool'"
    config = {**CONFIG, "postCreateCommand": run}
    executable = (".devcontainer/post-create", "my tool")
    repo = make_repo(tmp_path, env, files, config=config, executable=executable)
    (finding,) = run_check(LineEndings(), repo, env, course=True)
    assert (finding.code, finding.status) == ("line-endings/unprotected", Status.WARN)
    assert finding.summary == (
        ".gitattributes does not keep 3 script(s) LF: a Windows student's clone turns them CRLF"
    )
    done = devdoctor(env, "fix", "line-endings", "--course", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / ".gitattributes").read_text() == (
        "# Scripts run in Linux containers: keep them LF on every checkout (added by devdoctor)\n"
        '*.sh text eol=lf\n/.devcontainer/post-create text eol=lf\n"/my tool" text eol=lf\n'
    )
    check = devdoctor(env, "check", "--course", "--strict", "--json", "--repo", str(repo))
    assert check.returncode == 0, check.stdout
    (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "line-endings"]
    assert result["status"] == "ok"
    # A Windows student's clone of the result keeps the scripts LF.
    git(repo, env, "add", ".gitattributes")
    git(repo, env, "commit", "-qm", "Keep scripts LF")
    Path(env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = true\n")
    subprocess.run(["git", "clone", "-q", str(repo), str(tmp_path / "s")], env=env, check=True)
    assert (tmp_path / "s/my tool").read_bytes() == b"#!/bin/sh\necho hi\n"
    assert codes(run_check(LineEndings(), tmp_path / "s", env)) == [("line-endings/ok", Status.OK)]


def test_an_existing_gitattributes_is_extended_in_its_own_line_endings() -> None:
    old = b"*.png binary\r\n*.bat text eol=crlf"
    new = extend_gitattributes(old, [b"*.sh text eol=lf"])
    assert new.startswith(b"*.png binary\r\n*.bat text eol=crlf\r\n\r\n# Scripts")
    assert new.endswith(b"\r\n*.sh text eol=lf\r\n")
    assert extend_gitattributes(None, [b"x"]).count(b"\n") == 2
    assert gitattributes_lines(["a.sh", "b/c.bash", "d/e f", "g#h", "a[1]", 'q"x']) == [
        b"*.sh text eol=lf",
        b"*.bash text eol=lf",
        b"/a\\[1\\] text eol=lf",
        b'"/d/e f" text eol=lf',
        b"/g#h text eol=lf",
        b'"/q\\"x" text eol=lf',
    ]


def test_not_a_git_repository(tmp_path: Path) -> None:
    env = course_env(tmp_path)
    repo = tmp_path / "plain"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text(json.dumps(CONFIG))
    (repo / ".devcontainer/setup.sh").write_bytes(SETUP)
    assert codes(run_check(LineEndings(), repo, env)) == [("line-endings/not-git", Status.INFO)]
    (repo / ".devcontainer/setup.sh").write_bytes(SETUP.replace(b"\n", b"\r\n"))
    assert codes(run_check(LineEndings(), repo, env)) == [("line-endings/not-git", Status.INFO)]
    assert "script-shebangs/crlf" in {f.code for f in run_check(ScriptShebangs(), repo, env)}


# ------------------------------------------------------------------------- git.exe from WSL


def _git_exe(tmp_path: Path, env: dict[str, str]) -> None:
    """A git.exe stand-in: the real git, reading Git for Windows' own system settings."""
    folder = tmp_path / "windows-bin"
    folder.mkdir()
    system = tmp_path / "Program Files/Git/etc/gitconfig"
    system.parent.mkdir(parents=True)
    system.write_text("[core]\n\tautocrlf = true\n")
    exe = folder / "git.exe"
    exe.write_text(f'#!/bin/sh\nGIT_CONFIG_SYSTEM="{system}" exec git "$@"\n')
    exe.chmod(0o755)
    env["PATH"] = f"{folder}:{env['PATH']}"


def test_a_checkout_on_the_windows_drive_is_read_with_git_exe(tmp_path: Path) -> None:
    env = course_env(tmp_path, DEVDOCTOR_PLATFORM="wsl")
    repo = make_repo(tmp_path, env, {".devcontainer/setup.sh": SETUP}, config=CONFIG)
    git(repo, env, "config", "core.eol", "lf")
    _git_exe(tmp_path, env)
    host = Host(env=env)
    tool = checkout_git(host, Path("/mnt/c/Users/student/course"))
    assert (tool.argv, tool.label, tool.complete) == (
        ("git.exe",),
        "git.exe (Git for Windows)",
        True,
    )
    assert checkout_git(host, repo).argv[0] == "git"  # a checkout inside WSL: WSL's git
    # Ask git.exe about the real repository (a real /mnt/c cannot be made in a test).
    settings = read_settings(host, GitTool(tool.argv, str(repo), tool.label, tool.why, True))
    assert settings.autocrlf == "true"
    assert settings.shown("core.autocrlf").startswith("true (system: ")
    assert "Program Files/Git/etc/gitconfig" in settings.shown("core.autocrlf")
    assert settings.shown("core.eol").startswith("lf (local: ")


def test_without_git_exe_only_the_repository_settings_are_known(tmp_path: Path) -> None:
    env = course_env(tmp_path, DEVDOCTOR_PLATFORM="wsl")
    Path(env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = false\n")
    repo = make_repo(tmp_path, env, {".devcontainer/setup.sh": SETUP}, config=CONFIG)
    git(repo, env, "config", "core.autocrlf", "input")
    host = Host(env=env)
    tool = checkout_git(host, Path("/mnt/d/course"))
    assert not tool.complete and "git.exe is not on PATH" in tool.why
    settings = read_settings(host, GitTool(("git", "-C", str(repo)), None, tool.label, "", False))
    assert [(s.scope, s.value) for s in settings.values] == [("local", "input")]
