"""The Host on fake machines made of real folders: platform, paths, reads, commands, facts."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from devdoctor.host import (
    READ_LIMIT,
    Host,
    HostError,
    Platform,
)
from devdoctor.options import RunOptions
from devdoctor.repo import is_windows_path, windows_to_wsl

WSL_KERNEL = b"Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1) #1 SMP\n"
WSL1_KERNEL = b"Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc 5.4.0) #1\n"
LINUX_KERNEL = b"Linux version 6.8.0-45-generic (buildd@lcy02-amd64-075) #45-Ubuntu SMP\n"


def tree(tmp_path: Path, files: dict[str, bytes] | None = None) -> Path:
    """A fake machine: a folder holding the given host files."""
    root = tmp_path / "root"
    root.mkdir(parents=True, exist_ok=True)
    for name, data in (files or {}).items():
        path = root / name.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def host_on(root: Path | None, **env: str) -> Host:
    base = {"PATH": "/usr/bin:/bin", "DEVDOCTOR_STATE_DIR": str(root or Path("/nonexistent"))}
    return Host(root=root, env={**base, **env})


# -- platform -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [p.value for p in Platform])
def test_devdoctor_platform_overrides_everything(tmp_path: Path, name: str) -> None:
    root = tree(tmp_path, {"/proc/version": WSL_KERNEL, "/.dockerenv": b""})
    assert host_on(root, DEVDOCTOR_PLATFORM=f" {name.upper()} ").platform is Platform(name)


def test_an_unknown_devdoctor_platform_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HostError, match=r"DEVDOCTOR_PLATFORM='beos' is not one of linux, wsl"):
        host_on(tree(tmp_path), DEVDOCTOR_PLATFORM="beos")


@pytest.mark.parametrize(
    ("files", "env"),
    [
        ({"/proc/version": WSL_KERNEL}, {"WSL_DISTRO_NAME": "Ubuntu"}),
        ({"/proc/version": WSL_KERNEL}, {"WSL_INTEROP": "/run/WSL/12_interop"}),
        ({"/proc/version": WSL_KERNEL, "/proc/sys/fs/binfmt_misc/WSLInterop": b"enabled\n"}, {}),
        ({"/proc/version": WSL1_KERNEL}, {"WSL_DISTRO_NAME": "Ubuntu-20.04"}),
    ],
)
def test_wsl_needs_the_kernel_string_and_a_marker(
    tmp_path: Path, files: dict[str, bytes], env: dict[str, str]
) -> None:
    assert host_on(tree(tmp_path, files), **env).platform is Platform.WSL


@pytest.mark.parametrize(
    ("files", "env"),
    [
        # Docker Desktop's containers share the WSL kernel string but have no WSL markers.
        ({"/proc/version": WSL_KERNEL}, {}),
        # WSL markers without the kernel string (a variable leaked into a Linux shell).
        ({"/proc/version": LINUX_KERNEL}, {"WSL_DISTRO_NAME": "Ubuntu"}),
        ({}, {"WSL_INTEROP": "/run/WSL/1_interop"}),
        ({"/proc/version": LINUX_KERNEL}, {}),
    ],
)
def test_not_wsl_without_both_kernel_string_and_marker(
    tmp_path: Path, files: dict[str, bytes], env: dict[str, str]
) -> None:
    assert host_on(tree(tmp_path, files), **env).platform is Platform.LINUX


@pytest.mark.parametrize(
    ("files", "env"),
    [
        ({"/.dockerenv": b""}, {}),
        ({}, {"REMOTE_CONTAINERS": "true"}),
        ({}, {"CODESPACES": "true"}),
        # A devcontainer under Docker Desktop: WSL's kernel, and the container markers win.
        ({"/proc/version": WSL_KERNEL, "/.dockerenv": b""}, {}),
        ({"/proc/version": WSL_KERNEL}, {"REMOTE_CONTAINERS": "true", "WSL_INTEROP": "/x"}),
    ],
)
def test_container_markers(tmp_path: Path, files: dict[str, bytes], env: dict[str, str]) -> None:
    assert host_on(tree(tmp_path, files), **env).platform is Platform.CONTAINER


def test_empty_container_variables_do_not_count(tmp_path: Path) -> None:
    root = tree(tmp_path)
    assert host_on(root, REMOTE_CONTAINERS="", CODESPACES="").platform is Platform.LINUX


def test_windows_from_sys_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    host = Host(env={"USERPROFILE": r"C:\Users\ada", "HOME": "/ignored"}, state_dir=Path("/x"))
    assert host.platform is Platform.WINDOWS
    assert host.home == r"C:\Users\ada"


def test_under_root_sys_platform_does_not_decide(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(tmp_path, {"/proc/version": WSL_KERNEL})
    for name in ("win32", "darwin"):
        monkeypatch.setattr(sys, "platform", name)
        assert host_on(root, WSL_DISTRO_NAME="Ubuntu").platform is Platform.WSL
        assert host_on(root).platform is Platform.LINUX


def test_kernel_string(tmp_path: Path) -> None:
    wsl = host_on(tree(tmp_path, {"/proc/version": WSL_KERNEL}))
    assert wsl.kernel == WSL_KERNEL.decode().strip()
    assert host_on(tree(tmp_path / "empty")).kernel == ""


def test_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(HostError, match="is not a folder"):
        Host(root=tmp_path / "missing", env={})
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(HostError):
        Host(root=afile, env={})


# -- paths --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"C:\Users\ada\.wslconfig", "/mnt/c/Users/ada/.wslconfig"),
        ("C:/Users/ada/.wslconfig", "/mnt/c/Users/ada/.wslconfig"),
        (r"d:\data\course", "/mnt/d/data/course"),
        ("C:\\", "/mnt/c"),
    ],
)
def test_windows_to_wsl(text: str, expected: str) -> None:
    assert is_windows_path(text)
    assert windows_to_wsl(text) == expected


@pytest.mark.parametrize("text", ["/mnt/c/Users", "C:", "CC:\\x", "relative\\C:\\x", "\\\\srv\\s"])
def test_not_windows_paths(text: str) -> None:
    assert not is_windows_path(text)


def test_real_without_root_is_the_path_itself(tmp_path: Path) -> None:
    host = Host(env={"PATH": "/usr/bin", "DEVDOCTOR_PLATFORM": "linux"}, state_dir=tmp_path)
    assert host.real("/etc/wsl.conf") == Path("/etc/wsl.conf")


def test_real_under_root(tmp_path: Path) -> None:
    root = tree(tmp_path)
    host = host_on(root)
    assert host.real("/etc/wsl.conf") == root / "etc/wsl.conf"
    assert host.real("/home/ada/.docker/config.json") == root / "home/ada/.docker/config.json"
    assert host.real(r"C:\Users\ada\.wslconfig") == root / "mnt/c/Users/ada/.wslconfig"
    assert host.real("C:/Users/ada/.wslconfig") == root / "mnt/c/Users/ada/.wslconfig"


def test_one_tree_serves_windows_and_wsl(tmp_path: Path) -> None:
    root = tree(tmp_path, {"/mnt/c/Users/ada/.wslconfig": b"[wsl2]\nmemory=4GB\n"})
    windows = host_on(root, DEVDOCTOR_PLATFORM="windows")
    wsl = host_on(root, DEVDOCTOR_PLATFORM="wsl")
    assert windows.read_bytes(r"C:\Users\ada\.wslconfig") == (b"[wsl2]\nmemory=4GB\n", False)
    assert wsl.read_bytes("/mnt/c/Users/ada/.wslconfig") == (b"[wsl2]\nmemory=4GB\n", False)


def test_the_course_repository_is_read_on_the_real_file_system(tmp_path: Path) -> None:
    root = tree(tmp_path)
    repo = tmp_path / "course"
    host = host_on(root)
    host.repo_root = repo
    inside = repo / ".devcontainer" / "devcontainer.json"
    assert host.real(inside) == inside
    assert host.real(repo) == repo
    assert host.real(str(inside)) == inside
    # A sibling whose name merely starts like the repository's is a host path.
    sibling = tmp_path / "course2" / "x"
    assert host.real(sibling) == root / str(sibling).lstrip("/")
    assert host.real("/etc/gitconfig") == root / "etc/gitconfig"
    assert host.fresh().real(inside) == inside


# -- reading files ------------------------------------------------------------------------------


def test_read_bytes_is_bounded(tmp_path: Path) -> None:
    root = tree(tmp_path, {"/small": b"abc", "/exact": b"x" * 100, "/big": b"y" * 101})
    host = host_on(root)
    assert host.read_bytes("/small") == (b"abc", False)
    assert host.read_bytes("/exact", limit=100) == (b"x" * 100, False)
    assert host.read_bytes("/big", limit=100) == (b"y" * 100, True)


def test_an_enormous_file_is_read_only_as_far_as_the_limit(tmp_path: Path) -> None:
    root = tree(tmp_path)
    huge = root / "mnt/c/Users/ada/.wslconfig"
    huge.parent.mkdir(parents=True)
    with huge.open("wb") as handle:
        handle.write(b"[wsl2]\n")
        handle.truncate(8 * 1024**3)  # sparse: 8 GiB that take no room
    data, more = host_on(root).read_bytes(r"C:\Users\ada\.wslconfig")
    assert more
    assert len(data) == READ_LIMIT
    assert data.startswith(b"[wsl2]\n")


def test_read_bytes_raises_oserror_for_what_cannot_be_read(tmp_path: Path) -> None:
    root = tree(tmp_path, {"/etc/wsl.conf": b"x"})
    host = host_on(root)
    with pytest.raises(FileNotFoundError):
        host.read_bytes("/etc/missing")
    with pytest.raises(OSError):
        host.read_bytes("/etc")  # a folder


def test_exists_and_listdir(tmp_path: Path) -> None:
    root = tree(tmp_path, {"/mnt/c/Users/b/x": b"", "/mnt/c/Users/a/x": b""})
    (root / "mnt/c/Users/desktop.ini").write_bytes(b"")
    (root / "dangling").symlink_to(root / "nowhere")
    host = host_on(root)
    assert host.listdir("/mnt/c/Users") == ["a", "b", "desktop.ini"]
    assert host.listdir("/mnt/d") == []
    assert host.exists("/mnt/c/Users/a/x")
    assert not host.exists("/dangling")


# -- home and the state directory ---------------------------------------------------------------


def test_home(tmp_path: Path) -> None:
    root = tree(tmp_path)
    assert host_on(root, HOME="/home/ada").home == "/home/ada"
    assert host_on(root).home is None
    assert host_on(root, HOME="").home is None
    windows = host_on(root, DEVDOCTOR_PLATFORM="windows", USERPROFILE=r"C:\Users\ada")
    assert windows.home == r"C:\Users\ada"


def test_state_dir_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path)
    env = {"PATH": "/usr/bin", "DEVDOCTOR_PLATFORM": "linux"}
    given = tmp_path / "given"
    assert Host(root=root, env=env, state_dir=given).state_dir == given
    from_env = Host(root=root, env={**env, "DEVDOCTOR_STATE_DIR": str(tmp_path / "e")})
    assert from_env.state_dir == tmp_path / "e"
    assert Host(root=root, env=env).state_dir == root / ".devdoctor-state"
    # Without --root: platformdirs' user state directory (kept away from the real home here).
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    plain = Host(env=env).state_dir
    assert plain.is_relative_to(tmp_path)
    assert "devdoctor" in plain.parts


# -- commands -----------------------------------------------------------------------------------


def stand_in(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX stand-ins")
def test_commands_are_found_on_the_hosts_path_stand_ins_first(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    stand_in(bindir, "git", "echo recorded git $@\n")
    host = host_on(tree(tmp_path), PATH=f"{bindir}:/usr/bin:/bin")
    assert host.which("git") == str(bindir / "git")
    done = host.run(["git", "--version"])
    assert (done.rc, done.out) == (0, "recorded git --version\n")


def test_a_missing_command_is_a_result_not_an_exception(tmp_path: Path) -> None:
    host = host_on(tree(tmp_path), PATH=str(tmp_path / "empty"))
    done = host.run(["powershell.exe", "-c", "x"])
    assert done.missing
    assert not done.ok
    assert "not found" in done.describe()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX stand-ins")
def test_git_reads_only_the_captured_configuration_under_root(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "/home/ada/.gitconfig": b"[user]\n\tname = Captured Ada\n",
            "/etc/gitconfig": b"[core]\n\tautocrlf = true\n",
        },
    )
    host = host_on(root, HOME="/home/ada", PATH=os.environ.get("PATH", "/usr/bin:/bin"))
    name = host.run(["git", "config", "--global", "user.name"])
    assert (name.rc, name.out) == (0, "Captured Ada\n")
    crlf = host.run(["git", "config", "--system", "core.autocrlf"])
    assert crlf.out == "true\n"
    overridden = host.run(["sh", "-c", "echo $GIT_CONFIG_GLOBAL"], env={"GIT_CONFIG_GLOBAL": "/x"})
    assert overridden.out == "/x\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX stand-ins")
def test_commands_get_the_hosts_environment_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindir = tmp_path / "bin"
    stand_in(bindir, "show", 'echo "$DOCKER_HOST|${REAL_ONLY-unset}"\n')
    host = host_on(tree(tmp_path), PATH=str(bindir), DOCKER_HOST="unix:///fake.sock")
    monkeypatch.setenv("REAL_ONLY", "leaked")
    assert host.run(["show"]).out == "unix:///fake.sock|unset\n"


# -- shared facts -------------------------------------------------------------------------------


def test_a_fact_is_computed_once_while_many_threads_ask(tmp_path: Path) -> None:
    host = host_on(tree(tmp_path))
    calls: list[int] = []
    barrier = threading.Barrier(16)
    answers: list[object] = []

    def compute(h: Host) -> object:
        calls.append(threading.get_ident())
        time.sleep(0.2)
        return object()

    def ask() -> None:
        barrier.wait()
        answers.append(host.fact("docker.info", compute))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 1
    assert len(answers) == 16
    assert all(a is answers[0] for a in answers)
    assert host.fact("docker.info", compute) is answers[0]
    assert len(calls) == 1
    assert host.fresh().fact("docker.info", compute) is not answers[0]  # fresh: nothing cached


def test_different_facts_are_computed_side_by_side(tmp_path: Path) -> None:
    host = host_on(tree(tmp_path))

    barrier = threading.Barrier(4, timeout=5)  # broken unless all four compute at once
    answers: list[str] = []

    def together(h: Host) -> str:
        barrier.wait()
        return "done"

    def ask(name: str) -> None:
        answers.append(host.fact(name, together))

    threads = [threading.Thread(target=ask, args=(name,)) for name in ("a", "b", "c", "d")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == ["done"] * 4


def test_a_fact_that_raises_is_not_computed_again_by_each_asker(tmp_path: Path) -> None:
    host = host_on(tree(tmp_path))
    calls: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def broken(h: Host) -> str:
        calls.append(1)
        time.sleep(0.2)  # a slow probe that then breaks
        raise RuntimeError("probe broke")

    def ask() -> None:
        barrier.wait()
        try:
            host.fact("windows.ram", broken)
        except RuntimeError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(errors) == 8
    assert all(str(e) == "probe broke" for e in errors)
    assert len(calls) == 1  # the seven others waited for the first answer instead


def test_fresh_keeps_the_machine_and_drops_the_cache(tmp_path: Path) -> None:
    root = tree(tmp_path)
    host = Host(
        root=root,
        env={"PATH": "/bin", "DEVDOCTOR_PLATFORM": "wsl"},
        state_dir=tmp_path / "s",
        options=RunOptions(repo="/x"),
    )
    host.repo_root = tmp_path / "course"
    host.fact("n", lambda h: 1)
    fresh = host.fresh()
    assert (fresh.root, fresh.env, fresh.state_dir, fresh.options, fresh.platform) == (
        host.root,
        host.env,
        host.state_dir,
        host.options,
        Platform.WSL,
    )
    assert fresh.repo_root == host.repo_root
    assert fresh.fact("n", lambda h: 2) == 2
    assert fresh.tracker is not host.tracker
