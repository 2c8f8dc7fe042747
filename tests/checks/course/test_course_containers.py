"""Proof in real containers: each broken script fails the way the build runs it, devdoctor's fix
makes it run.

Each course repository is bind-mounted into the tiny test image (busybox as /bin/sh, static
bash at /bin/bash) and its postCreateCommand is run as the devcontainer CLI runs a string
command: `/bin/sh -c '<command>'` in the workspace folder. BusyBox's sh is ash, not Debian's
dash, so the error texts asserted here are ash's and bash-static's; devdoctor's own messages
quote dash and bash 5.2 (what a Debian-based devcontainer prints), which the reference records.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.engine import Engine
from tests.scenario import Scenario

pytestmark = pytest.mark.docker

WORKSPACE = "/workspaces/course"
ARRAY = b"arr=(set up)\necho ready: ${arr[1]}\n"
BASH_BODY = b"set -e\ncd /tmp\necho ready: up\n"

# (name, script bytes, how postCreateCommand runs it, exec bit, devdoctor's code, what fails)
CASES: list[tuple[str, bytes, str, bool, str, str]] = [
    ("crlf", (b"#!/bin/bash\n" + BASH_BODY).replace(b"\n", b"\r\n"), "./{p}", True,
     "crlf", "{p}: not found"),
    ("crlf-run-with-bash", (b"#!/bin/bash\n" + BASH_BODY).replace(b"\n", b"\r\n"), "bash {p}",
     False, "crlf", "cd: $'/tmp\\r': No such file or directory"),
    ("bom", b"\xef\xbb\xbf#!/bin/bash\n" + ARRAY, "./{p}", True,
     "bom", "\ufeff#!/bin/bash: not found"),
    # No `#!`: the kernel says ENOEXEC and /bin/sh runs the file, so the bash in it breaks.
    ("missing-shebang", ARRAY, "./{p}", True, "bashism-under-sh", 'syntax error: unexpected "("'),
    ("leading-whitespace", b"  #!/bin/bash\n" + ARRAY, "./{p}", True,
     "leading-whitespace", 'syntax error: unexpected "("'),
    ("bang-typo", b"!#/bin/bash\n" + ARRAY, "./{p}", True,
     "bang-typo", "!#/bin/bash: not found"),
    ("bashism-under-sh", b"#!/bin/sh\n" + ARRAY, "./{p}", True,
     "bashism-under-sh", 'syntax error: unexpected "("'),
    ("not-executable", b"#!/bin/bash\n" + BASH_BODY, "./{p}", False,
     "not-executable", "{p}: Permission denied"),
    ("env-with-args", b"#!/usr/bin/env bash -e\n" + BASH_BODY, "./{p}", True,
     "env-with-args", "env: can't execute 'bash -e': No such file or directory"),
    ("cd-and-run", b"#!/bin/bash\r\necho ready: up\r\n", "cd .devcontainer && ./{n}", True,
     "crlf", "./{n}: not found"),
]  # fmt: skip


def post_create(engine: Engine, repo: Path) -> tuple[int, str]:
    """Run postCreateCommand as the devcontainer CLI does: a string with /bin/sh -c, an array
    exec'd as it is, in the workspace; ${containerWorkspaceFolder} substituted first."""
    config = json.loads((repo / ".devcontainer" / "devcontainer.json").read_text())
    command = config["postCreateCommand"]
    if isinstance(command, str):
        argv = ["/bin/sh", "-c", command.replace("${containerWorkspaceFolder}", WORKSPACE)]
    else:
        argv = list(command)
    done = engine.docker(
        "run", "--rm", "--network", "none",
        "--mount", f"type=bind,source={repo},target={WORKSPACE}", "-w", WORKSPACE,
        engine.tiny_image, *argv,
        check=False, timeout=60,
    )  # fmt: skip
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("name", "data", "command", "executable", "code", "error"), CASES, ids=[c[0] for c in CASES]
)
def test_broken_script_fails_in_a_container_until_devdoctor_fixes_it(
    docker_engine: Engine,
    tmp_path: Path,
    name: str,
    data: bytes,
    command: str,
    executable: bool,
    code: str,
    error: str,
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    path = f".devcontainer/{name}.sh"
    run = command.format(p=path, n=f"{name}.sh")
    config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": run}
    repo = scene.course(
        {path: data}, executable=(path,) if executable else (), config=config
    )

    rc, output = post_create(docker_engine, repo)
    assert output.strip() != "ready: up"
    assert error.format(p=f"./{path}", n=f"{name}.sh") in output, output
    # Some runs "succeed": bash reads `set -e\r` as a bad option and goes on after the failed
    # `cd`; ash goes on after a bad line 1. The build then continues, silently wrong.
    if name not in ("crlf-run-with-bash", "bom", "bang-typo"):
        assert rc != 0, output

    check = scene.cli("check", "--course", "--json", "--repo", str(repo))
    assert check.returncode == 1, check.stdout + check.stderr
    (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "script-shebangs"]
    assert f"script-shebangs/{code}" in {f["code"] for f in result["findings"]}

    fixed = scene.cli("fix", "script-shebangs", "--course", "--yes", "--repo", str(repo))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr

    rc, output = post_create(docker_engine, repo)
    assert (rc, output.strip()) == (0, "ready: up")
    # What staff commit is what the container ran: the index has the exec bit where needed.
    mode = "100755" if command.startswith("./") or "&& ./" in command else "100644"
    assert scene.git("ls-files", "-s", path, repo=repo).startswith(f"{mode} ")


def test_a_windows_clone_is_fixed_by_line_endings_and_git_stays_clean(
    docker_engine: Engine, tmp_path: Path
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    path = ".devcontainer/setup.sh"
    config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": f"./{path}"}
    src = scene.course(
        {path: b"#!/bin/bash\n" + BASH_BODY}, executable=(path,), config=config,
        name="src",
    )  # fmt: skip
    Path(scene.env["GIT_CONFIG_SYSTEM"]).write_text("[core]\n\tautocrlf = true\n")  # Git for Windows
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(src), str(clone)], env=scene.env, check=True)

    rc, output = post_create(docker_engine, clone)
    assert rc == 127 and f"./{path}: not found" in output, output

    fixed = scene.cli("fix", "line-endings", "--yes", "--repo", str(clone))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert scene.git("status", "--porcelain", repo=clone) == ""

    rc, output = post_create(docker_engine, clone)
    assert (rc, output.strip()) == (0, "ready: up")


def test_env_split_is_not_portable_so_repair_moves_options_into_set(
    docker_engine: Engine, tmp_path: Path
) -> None:
    """`#!/usr/bin/env -S bash -e` runs with GNU env but BusyBox's env (Alpine, this image)
    refuses it, so repair() writes `#!/usr/bin/env bash` and `set -e` on line 2 instead."""
    from devdoctor.checks.course.script_repair import repair

    scene = Scenario(tmp_path, rooted=False)
    path = ".devcontainer/split.sh"
    config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": f"./{path}"}
    split = b"#!/usr/bin/env -S bash -e\n" + BASH_BODY
    repo = scene.course({path: split}, executable=(path,), config=config)
    rc, output = post_create(docker_engine, repo)
    assert rc != 0 and "env: invalid option -- 'S'" in output, output

    fixed = repair(b"#!/usr/bin/env bash -e\n" + BASH_BODY)
    assert fixed.startswith(b"#!/usr/bin/env bash\nset -e\n")
    repo = scene.course({path: fixed}, executable=(path,), config=config, name="fixed")
    rc, output = post_create(docker_engine, repo)
    assert rc == 0, output


# ------------------------------------------------------------------------- second pass

POSIX = b"echo ready: up\n"


def test_no_shebang_runs_under_sh_c_and_fails_only_in_the_array_form(
    docker_engine: Engine, tmp_path: Path
) -> None:
    """/bin/sh -c ./x.sh: ENOEXEC, and sh runs the file (no alarm). ["./x.sh"]: exec format
    error, which devdoctor names, and its fix (a #!/bin/sh line) makes run."""
    scene = Scenario(tmp_path, rooted=False)
    path = ".devcontainer/setup.sh"
    config: dict[str, object] = {"image": "devdoctor-test/tiny:1", "postCreateCommand": f"./{path}"}
    repo = scene.course({path: POSIX}, executable=(path,), config=config)
    assert post_create(docker_engine, repo) == (0, "ready: up\n")
    check = scene.cli("check", "--course", "--json", "--repo", str(repo))
    (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "script-shebangs"]
    assert [f["code"] for f in result["findings"]] == ["script-shebangs/ok"]

    config["postCreateCommand"] = [f"./{path}"]
    array = scene.course({path: POSIX}, executable=(path,), config=config, name="a")
    rc, output = post_create(docker_engine, array)
    assert rc != 0 and "exec format error" in output, output
    check = scene.cli("check", "--course", "--json", "--repo", str(array))
    assert check.returncode == 1, check.stdout
    (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "script-shebangs"]
    (finding,) = result["findings"]
    assert (finding["code"], finding["status"]) == ("script-shebangs/missing-shebang", "fail")
    assert finding["location"] == {"path": path, "line": 1}
    assert "exec format error" in finding["detail"]
    fixed = scene.cli("fix", "script-shebangs", "--course", "--yes", "--repo", str(array))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert post_create(docker_engine, array) == (0, "ready: up\n")


@pytest.mark.parametrize(
    "command",
    [
        '"$PWD/.devcontainer/setup.sh"',
        "/workspaces/course/.devcontainer/setup.sh",
        "${containerWorkspaceFolder}/.devcontainer/setup.sh",
        "cd .devcontainer && ./setup.sh",
        "bash ./.devcontainer/setup.sh",
    ],
)
def test_script_path_forms_courses_write(
    docker_engine: Engine, tmp_path: Path, command: str
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    path = ".devcontainer/setup.sh"
    crlf = (b"#!/bin/bash\n" + BASH_BODY).replace(b"\n", b"\r\n")
    config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": command}
    repo = scene.course({path: crlf}, executable=(path,), config=config)
    _, output = post_create(docker_engine, repo)
    assert output.strip() != "ready: up", output
    check = scene.cli("check", "--course", "--json", "--repo", str(repo))
    (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "script-shebangs"]
    found = {(f["code"], f["location"]["path"]) for f in result["findings"]}
    assert ("script-shebangs/crlf", path) in found
    fixed = scene.cli("fix", "script-shebangs", "--course", "--yes", "--repo", str(repo))
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert post_create(docker_engine, repo) == (0, "ready: up\n")


def test_script_links_dangling_or_outside_the_repository(
    docker_engine: Engine, tmp_path: Path
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    outside = tmp_path / "staff-home" / "setup.sh"
    outside.parent.mkdir()
    outside.write_bytes(b"#!/bin/sh\n" + POSIX)
    outside.chmod(0o755)
    for name, target, code in (
        ("dangling", "gone.sh", "dangling-link"),
        ("outside", str(outside), "link-outside"),
    ):
        config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": "./.devcontainer/setup.sh"}
        repo = scene.course({"README.md": "course\n"}, config=config, name=name)
        (repo / ".devcontainer/setup.sh").symlink_to(target)
        scene.git("add", "-A", repo=repo)
        scene.git("commit", "-qm", "link", repo=repo)
        rc, output = post_create(docker_engine, repo)
        assert rc == 127 and "not found" in output, output
        check = scene.cli("check", "--course", "--json", "--repo", str(repo))
        (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "script-shebangs"]
        codes = {(f["code"], f["status"]) for f in result["findings"]}
        assert (f"script-shebangs/{code}", "fail") in codes, result
    # A link inside the repository is followed: its target is what is checked, and it runs.
    config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": "./.devcontainer/setup.sh"}
    files = {"scripts/setup.sh": b"#!/bin/sh\n" + POSIX}
    repo = scene.course(files, executable=("scripts/setup.sh",), config=config,
                     name="inside")  # fmt: skip
    (repo / ".devcontainer/setup.sh").symlink_to("../scripts/setup.sh")
    scene.git("add", "-A", repo=repo)
    scene.git("commit", "-qm", "link", repo=repo)
    assert post_create(docker_engine, repo) == (0, "ready: up\n")
    check = scene.cli("check", "--course", "--json", "--repo", str(repo))
    (result,) = [r for r in json.loads(check.stdout)["results"] if r["id"] == "script-shebangs"]
    assert [f["code"] for f in result["findings"]] == ["script-shebangs/ok"]
