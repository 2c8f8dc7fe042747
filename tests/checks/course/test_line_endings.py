"""line-endings on real clones: CRLF made by core.autocrlf, its cause, the student's and staff's fix.

A Windows checkout is reproduced with the real git: core.autocrlf=true in a system config file
under tmp_path (where Git for Windows' installer puts it) and `git clone`. git.exe is a
stand-in on PATH that runs the real git with its own system config, as Git for Windows would.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from devdoctor import Status
from devdoctor.checks.course.eol_fix import extend_gitattributes, gitattributes_lines
from devdoctor.checks.course.git_eol import GitTool, checkout_git, read_settings
from devdoctor.checks.course.line_endings import LineEndings
from devdoctor.checks.course.script_shebangs import ScriptShebangs

from tests.scenario import Scenario, by_code, codes

SETUP = b"#!/bin/bash\nset -e\necho setup\n"
CONFIG = {"image": "debian:12", "postCreateCommand": "bash .devcontainer/setup.sh"}


def windows_clone(
    tmp_path: Path, scene: Scenario, files: dict[str, bytes | str] | None = None
) -> Path:
    """The course repository, cloned with core.autocrlf=true in git's system settings."""
    src = scene.course(
        files or {".devcontainer/setup.sh": SETUP, "run": b"#!/bin/sh\necho hi\n"},
        config={**CONFIG, "postCreateCommand": "bash .devcontainer/setup.sh && ./run"},
        executable=("run",),
        name="src",
    )
    Path(scene.env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = true\n")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(src), str(clone)], env=scene.env, check=True)
    return clone


def test_crlf_from_a_windows_checkout_names_the_setting_and_its_file(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    clone = windows_clone(tmp_path, scene)
    assert (clone / ".devcontainer/setup.sh").read_bytes() == SETUP.replace(b"\n", b"\r\n")
    (finding,) = scene.check(LineEndings(), repo=clone)
    assert (finding.code, finding.status) == ("line-endings/crlf-checkout", Status.FAIL)
    assert finding.summary == (
        "2 script(s) have CRLF line endings in this checkout, but LF in the repository: "
        ".devcontainer/setup.sh, run"
    )
    facts = dict(finding.evidence)
    assert facts["core.autocrlf"] == f"true (system: {scene.env['GIT_CONFIG_SYSTEM']})"
    assert facts["core.eol"] == "not set"
    assert facts[".gitattributes"] == "keeps 0 of the 2 script(s) the build runs LF"
    assert "core.autocrlf=true in its system settings" in finding.detail
    assert finding.fix is not None and finding.fix.scope.value == "host"


def test_student_fix_makes_the_checkout_lf_leaves_git_clean_and_undoes(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    clone = windows_clone(tmp_path, scene)
    before = {p: (clone / p).read_bytes() for p in (".devcontainer/setup.sh", "run")}
    done = scene.cli("fix", "line-endings", "--yes", "--repo", str(clone))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "=> fixed" in done.stdout
    assert (clone / ".devcontainer/setup.sh").read_bytes() == SETUP
    assert scene.git("status", "--porcelain", repo=clone) == ""
    assert scene.git("diff-files", repo=clone) == ""  # the index knows, without a refresh
    assert scene.git("config", "--local", "core.autocrlf", repo=clone) == "input\n"
    after = scene.cli("check", "--only", "line-endings,script-shebangs", "--repo", str(clone))
    assert after.returncode == 0, after.stdout

    undo = scene.cli("undo", "--yes", "--repo", str(clone))
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert {p: (clone / p).read_bytes() for p in before} == before
    unset = subprocess.run(
        ["git", "-C", str(clone), "config", "--local", "core.autocrlf"], env=scene.env, check=False
    )
    assert unset.returncode == 1
    assert scene.git("status", "--porcelain", repo=clone) == ""
    assert scene.git("diff-files", repo=clone) == ""


def test_undo_puts_back_an_earlier_repository_setting(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    clone = windows_clone(tmp_path, scene)
    scene.git("config", "core.autocrlf", "true", repo=clone)
    assert scene.cli("fix", "line-endings", "--yes", "--repo", str(clone)).returncode == 0
    assert scene.git("config", "--local", "core.autocrlf", repo=clone) == "input\n"
    assert scene.cli("undo", "--yes", "--repo", str(clone)).returncode == 0
    assert scene.git("config", "--local", "core.autocrlf", repo=clone) == "true\n"


def test_a_students_own_edits_are_kept(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    clone = windows_clone(tmp_path, scene)
    with (clone / "run").open("ab") as handle:
        handle.write(b"echo mine\r\n")
    (finding,) = scene.check(LineEndings(), repo=clone)
    assert finding.fix is not None
    assert "(1 keep your own edits, which git shows as changes)" in finding.fix.title
    assert scene.cli("fix", "line-endings", "--yes", "--repo", str(clone)).returncode == 0
    assert (clone / "run").read_bytes() == b"#!/bin/sh\necho hi\necho mine\n"
    assert scene.git("status", "--porcelain", repo=clone) == " M run\n"


def test_crlf_stored_in_the_repository_is_the_courses_to_fix(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {".devcontainer/setup.sh": SETUP.replace(b"\n", b"\r\n")}
    repo = scene.course(files, config=CONFIG)
    # Counted once: CRLF the repository stores is the script's encoding, script-shebangs' cause;
    # git converts nothing here, so line-endings has nothing of its own to say.
    assert codes(scene.check(LineEndings(), repo=repo)) == [("line-endings/ok", Status.OK)]
    finding = by_code(scene.check(ScriptShebangs(), repo=repo), "script-shebangs/crlf")
    assert finding.status is Status.FAIL and finding.fix is not None
    assert (finding.path, finding.line) == (".devcontainer/setup.sh", 1)


def test_gitattributes_keep_scripts_lf_even_with_autocrlf(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files: dict[str, bytes | str] = {
        ".devcontainer/setup.sh": SETUP,
        "run": b"#!/bin/sh\necho hi\n",
        ".gitattributes": "*.sh text eol=lf\n/run text eol=lf\n",
    }
    clone = windows_clone(tmp_path, scene, files)
    assert (clone / "run").read_bytes() == b"#!/bin/sh\necho hi\n"
    findings = scene.check(LineEndings(), repo=clone)
    assert codes(findings) == [("line-endings/ok", Status.OK)]
    assert dict(findings[0].evidence)[".gitattributes"] == (
        "keeps 2 of the 2 script(s) the build runs LF"
    )
    staff = scene.check(LineEndings(), repo=clone, course=True)
    assert codes(staff) == [("line-endings/ok", Status.OK)]


def test_a_cr_inside_a_heredoc_is_not_crlf(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    body = b"#!/bin/bash\ncat <<'EOF' > /tmp/w.bat\r\nline\r\nEOF\n".replace(b"/tmp/w.bat\r", b"w")
    repo = scene.course({".devcontainer/setup.sh": body}, config=CONFIG)
    assert codes(scene.check(LineEndings(), repo=repo)) == [("line-endings/ok", Status.OK)]


def test_a_git_that_would_convert_is_a_warning_with_a_config_only_fix(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    repo = scene.course({".devcontainer/setup.sh": SETUP}, config=CONFIG)
    Path(scene.env["GIT_CONFIG_GLOBAL"]).write_text("[core]\n\tautocrlf = true\n")
    (finding,) = scene.check(LineEndings(), repo=repo)
    assert (finding.code, finding.status) == ("line-endings/will-convert", Status.WARN)
    assert finding.fix is not None
    assert [c.describe()["kind"] for c in finding.fix.changes] == ["run-command"]
    done = scene.cli("fix", "line-endings", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout
    assert scene.git("config", "--local", "core.autocrlf", repo=repo) == "input\n"
    assert codes(scene.check(LineEndings(), repo=repo)) == [("line-endings/ok", Status.OK)]


def test_core_eol_crlf_with_the_text_attribute(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files: dict[str, bytes | str] = {".devcontainer/setup.sh": SETUP, ".gitattributes": "* text\n"}
    src = scene.course(files, config=CONFIG, name="src")
    Path(scene.env["GIT_CONFIG_GLOBAL"]).write_text("[core]\n\teol = crlf\n")
    subprocess.run(["git", "clone", "-q", str(src), str(tmp_path / "c")], env=scene.env, check=True)
    (finding,) = scene.check(LineEndings(), repo=tmp_path / "c")
    assert finding.code == "line-endings/crlf-checkout"
    assert "core.eol=crlf" in finding.detail
    assert dict(finding.evidence)["core.eol"].startswith("crlf (global: ")


def test_gitattributes_asking_for_crlf_gets_no_student_fix(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files: dict[str, bytes | str] = {
        ".devcontainer/setup.sh": SETUP,
        ".gitattributes": "*.sh text eol=crlf\n",
    }
    src = scene.course(files, config=CONFIG, name="src")
    subprocess.run(["git", "clone", "-q", str(src), str(tmp_path / "c")], env=scene.env, check=True)
    (finding,) = scene.check(LineEndings(), repo=tmp_path / "c")
    assert finding.code == "line-endings/crlf-checkout" and finding.fix is None
    assert "asks for CRLF (eol=crlf)" in finding.detail


def test_staff_get_gitattributes_written_and_ci_passes(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files: dict[str, bytes | str] = {
        ".devcontainer/setup.sh": SETUP,
        ".devcontainer/post-create": b"#!/usr/bin/env bash\necho hi\n",
        "my tool": b"#!/bin/sh\necho hi\n",
        ".devcontainer/unused": b"#!/bin/sh\necho not run\n",  # nothing runs it: not counted
    }
    run = "bash .devcontainer/setup.sh && .devcontainer/post-create && './my tool'"
    config = {**CONFIG, "postCreateCommand": run}
    executable = (".devcontainer/post-create", "my tool")
    repo = scene.course(files, config=config, executable=executable)
    (finding,) = scene.check(LineEndings(), repo=repo, course=True)
    assert (finding.code, finding.status) == ("line-endings/unprotected", Status.WARN)
    assert finding.summary == (
        ".gitattributes does not keep 3 script(s) LF: a Windows student's clone turns them CRLF"
    )
    done = scene.cli("fix", "line-endings", "--course", "--yes", "--repo", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / ".gitattributes").read_text() == (
        "# Scripts run in Linux containers: keep them LF on every checkout (added by devdoctor)\n"
        '*.sh text eol=lf\n/.devcontainer/post-create text eol=lf\n"/my tool" text eol=lf\n'
    )
    check = scene.cli("check", "--course", "--strict", "--json", "--repo", str(repo))
    assert check.returncode == 0, check.stdout
    (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "line-endings"]
    assert result["status"] == "ok"
    # A Windows student's clone of the result keeps the scripts LF.
    scene.git("add", ".gitattributes", repo=repo)
    scene.git("commit", "-qm", "Keep scripts LF", repo=repo)
    Path(scene.env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = true\n")
    subprocess.run(["git", "clone", "-q", str(repo), str(tmp_path / "s")], env=scene.env, check=True)
    assert (tmp_path / "s/my tool").read_bytes() == b"#!/bin/sh\necho hi\n"
    assert codes(scene.check(LineEndings(), repo=tmp_path / "s")) == [("line-endings/ok", Status.OK)]


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
    scene = Scenario(tmp_path, rooted=False)
    repo = tmp_path / "plain"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer/devcontainer.json").write_text(json.dumps(CONFIG))
    (repo / ".devcontainer/setup.sh").write_bytes(SETUP)
    assert codes(scene.check(LineEndings(), repo=repo)) == [("line-endings/not-git", Status.INFO)]
    (repo / ".devcontainer/setup.sh").write_bytes(SETUP.replace(b"\n", b"\r\n"))
    assert codes(scene.check(LineEndings(), repo=repo)) == [("line-endings/not-git", Status.INFO)]
    assert "script-shebangs/crlf" in {f.code for f in scene.check(ScriptShebangs(), repo=repo)}


# ------------------------------------------------------------------------- git.exe from WSL


def _git_exe(tmp_path: Path, scene: Scenario) -> None:
    """A git.exe stand-in: the real git, reading Git for Windows' own system settings."""
    system = tmp_path / "Program Files/Git/etc/gitconfig"
    system.parent.mkdir(parents=True)
    system.write_text("[core]\n\tautocrlf = true\n")
    scene.script("git.exe", f'GIT_CONFIG_SYSTEM="{system}" exec git "$@"')


def test_a_checkout_on_the_windows_drive_is_read_with_git_exe(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False, DEVDOCTOR_PLATFORM="wsl")
    repo = scene.course({".devcontainer/setup.sh": SETUP}, config=CONFIG)
    scene.git("config", "core.eol", "lf", repo=repo)
    _git_exe(tmp_path, scene)
    host = scene.host()
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
    scene = Scenario(tmp_path, rooted=False, DEVDOCTOR_PLATFORM="wsl")
    Path(scene.env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = false\n")
    repo = scene.course({".devcontainer/setup.sh": SETUP}, config=CONFIG)
    scene.git("config", "core.autocrlf", "input", repo=repo)
    host = scene.host()
    tool = checkout_git(host, Path("/mnt/d/course"))
    assert not tool.complete and "git.exe is not on PATH" in tool.why
    settings = read_settings(host, GitTool(("git", "-C", str(repo)), None, tool.label, "", False))
    assert [(s.scope, s.value) for s in settings.values] == [("local", "input")]
