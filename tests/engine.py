"""A real Docker Engine for the integration tests.

The session fixture ``docker_engine`` uses the engine named by ``DEVDOCTOR_TEST_DOCKER_HOST``
(``unix://...``) or starts a private ``dockerd`` (root only) in a fresh directory under /tmp,
without root networking (no bridge, no iptables, vfs storage), and imports two tiny images
without any registry:

- ``devdoctor-test/tiny:1``: Debian's static busybox with its applets in /bin, static bash at
  /bin/bash, /usr/bin/env, /tmp, /home/vscode (owned by uid 1000) and an /etc/passwd that knows
  ``root`` and ``vscode``;
- ``devdoctor-test/empty:1``: nothing at all, for containers that are created but never
  started, whose volumes are then read through the archive API.

When no engine can be had the tests that use it are skipped with the reason, except under
``CI=true``, where the Docker tests must run: there the fixture fails, with the tail of dockerd's
log. Containers have no network but ``none``.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import http.client
import io
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

TINY_IMAGE = "devdoctor-test/tiny:1"
EMPTY_IMAGE = "devdoctor-test/empty:1"
ENGINE_ENV = "DEVDOCTOR_TEST_DOCKER_HOST"
BUSYBOX = Path("/bin/busybox")
BASH_STATIC = Path("/bin/bash-static")
API_VERSION = "1.41"

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0
LOG_TAIL_LINES = 40
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

# Linked to busybox in /bin in any case; whatever else `busybox --list` names is linked too.
APPLETS = (
    "sh", "ls", "cat", "echo", "mkdir", "chmod", "chown", "env", "test", "[", "true", "false",
    "sleep", "rm", "cp", "mv", "ln", "tar", "id", "printf", "grep", "sed", "head", "tail", "tr",
    "wc", "touch", "stat", "find", "readlink", "whoami", "uname",
)  # fmt: skip
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class DockerCommandError(subprocess.CalledProcessError):
    """A docker CLI command failed; the message carries its stderr."""

    def __str__(self) -> str:
        err = self.stderr.decode(errors="replace").strip() if self.stderr else ""
        return f"{super().__str__()}\n{err}" if err else super().__str__()


@dataclass(frozen=True)
class Engine:
    """A running Docker Engine the tests may use freely."""

    base_url: str  # "unix:///tmp/ddk-xxx/docker.sock", for docker.DockerClient(base_url=...)
    socket: Path
    tiny_image: str
    empty_image: str
    docker_cli: str
    docker_config: Path  # an empty DOCKER_CONFIG, so that ~/.docker is never read

    def docker(
        self,
        *args: str,
        input: bytes | None = None,
        timeout: float = 60,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run the docker CLI against this engine; raise with its stderr on failure."""
        result = subprocess.run(
            [self.docker_cli, *args],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            env=_cli_env(self.base_url, self.docker_config),
            check=False,
        )
        if check and result.returncode != 0:
            raise DockerCommandError(result.returncode, result.args, result.stdout, result.stderr)
        return result


def _cli_env(host: str, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env.update(DOCKER_HOST=host, DOCKER_CONFIG=str(config), DOCKER_CLI_HINTS="false")
    return env


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[Engine]:
    """The session's Docker Engine, with the two test images imported."""
    with contextlib.ExitStack() as stack:
        yield _provide(stack)


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(reason: str, log: Path | None = None) -> NoReturn:
    if not _under_ci():
        pytest.skip(f"no Docker Engine: {reason}")
    message = f"no Docker Engine under CI=true: {reason}"
    if log is not None:
        message += f"\n--- last {LOG_TAIL_LINES} lines of dockerd's log ---\n{_tail(log)}"
    pytest.fail(message, pytrace=False)


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"(unreadable: {exc})"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(empty)"


def _provide(stack: contextlib.ExitStack) -> Engine:
    cli = shutil.which("docker")
    if cli is None:
        _unavailable("the docker CLI is not on PATH (Debian package docker.io)")
    for path, package in ((BUSYBOX, "busybox-static"), (BASH_STATIC, "bash-static")):
        if not path.is_file():
            _unavailable(f"{path} is missing (Debian package {package})")

    workdir = Path(tempfile.mkdtemp(prefix="ddk-", dir="/tmp"))
    stack.callback(_remove_tree, workdir)
    config = workdir / "config"
    config.mkdir()

    external = os.environ.get(ENGINE_ENV, "").strip()
    if external:
        if not external.startswith("unix://"):
            _unavailable(f"{ENGINE_ENV}={external!r}: only unix:// sockets are supported")
        sock = Path(external.removeprefix("unix://"))
        if not _ping(sock, timeout=5):
            _unavailable(f"{ENGINE_ENV}={external!r} does not answer GET /_ping")
        log = None
    else:
        sock, log = _start_dockerd(stack, workdir)

    engine = Engine(
        base_url=f"unix://{sock}",
        socket=sock,
        tiny_image=TINY_IMAGE,
        empty_image=EMPTY_IMAGE,
        docker_cli=cli,
        docker_config=config,
    )
    if log is not None:  # private: kill what still runs, so that dockerd stops at once
        stack.callback(_kill_containers, engine)
    try:
        tiny = _tiny_rootfs()
        engine.docker("import", *_image_changes(), "-", TINY_IMAGE, input=tiny, timeout=120)
        engine.docker("import", "-", EMPTY_IMAGE, input=_empty_rootfs(), timeout=60)
    except (subprocess.SubprocessError, OSError) as exc:
        # The engine runs, so this is a bug to see, not a reason to skip.
        message = f"importing the test images into {engine.base_url} failed: {exc}"
        if log is not None:
            message += f"\n--- last {LOG_TAIL_LINES} lines of dockerd's log ---\n{_tail(log)}"
        pytest.fail(message, pytrace=False)
    return engine


def _kill_containers(engine: Engine) -> None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        running = engine.docker("ps", "--quiet", timeout=10).stdout.decode().split()
        if running:
            engine.docker("kill", *running, timeout=30, check=False)


def _start_dockerd(stack: contextlib.ExitStack, workdir: Path) -> tuple[Path, Path]:
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        _unavailable(f"dockerd is not on PATH (Debian package docker.io); or set {ENGINE_ENV}")
    if os.geteuid() != 0:
        _unavailable(f"a private dockerd needs root (uid is {os.geteuid()}); or set {ENGINE_ENV}")

    sock = workdir / "docker.sock"
    log = workdir / "dockerd.log"
    daemon_json = workdir / "daemon.json"
    daemon_json.write_text("{}\n")  # never the machine's /etc/docker/daemon.json
    namespace = f"devdoctor-test-{uuid.uuid4().hex[:12]}"
    command = [
        dockerd,
        "--config-file", str(daemon_json),
        "--data-root", str(workdir / "data"),
        "--exec-root", str(workdir / "exec"),
        "-H", f"unix://{sock}",
        "--pidfile", str(workdir / "docker.pid"),
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        "--storage-driver=vfs",
        # Where the machine runs its own containerd, dockerd uses it: keep out of its way.
        "--containerd-namespace", namespace,
        "--containerd-plugins-namespace", f"{namespace}-plugins",
    ]  # fmt: skip
    with log.open("wb") as out:
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            _unavailable(f"cannot run {dockerd}: {exc}", log)
    stack.callback(_stop_dockerd, proc, workdir)

    deadline = time.monotonic() + START_TIMEOUT_S
    while not _ping(sock, timeout=2):
        code = proc.poll()
        if code is not None:
            _unavailable(f"dockerd exited with status {code} while starting", log)
        if time.monotonic() > deadline:
            _unavailable(f"dockerd did not answer GET /_ping within {START_TIMEOUT_S:.0f} s", log)
        time.sleep(0.1)
    return sock, log


def _die_with_parent() -> None:
    """In the child: SIGTERM dockerd if the test process dies without tearing down."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self._path))
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _ping(sock: Path, timeout: float) -> bool:
    conn = _UnixHTTPConnection(sock, timeout)
    try:
        conn.request("GET", "/_ping")
        response = conn.getresponse()
        return response.status == 200 and response.read().strip() == b"OK"
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _stop_dockerd(proc: subprocess.Popen[bytes], workdir: Path) -> None:
    """SIGTERM, a bounded wait, then SIGKILL; then whatever it left behind under workdir."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    _kill_leftovers(workdir)
    _unmount_under(workdir)


def _kill_leftovers(workdir: Path) -> None:
    """Kill what this session's dockerd started and left running (containerd, shims)."""
    needle = f"{workdir}/".encode()
    pids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
        time.sleep(0.05)


def _unmount_under(workdir: Path) -> None:
    prefix = f"{workdir}/"
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return
    points = []
    for line in lines:
        fields = line.split()
        if len(fields) > 4:
            point = _unescape_mount(fields[4])
            if point.startswith(prefix):
                points.append(point)
    for point in sorted(set(points), key=len, reverse=True):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["umount", "--lazy", point], capture_output=True, timeout=10, check=False
            )


def _unescape_mount(field: str) -> str:
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _remove_tree(path: Path) -> None:
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        warnings.warn(f"could not remove {path}: {exc}", stacklevel=1)


def _image_changes() -> list[str]:
    return ["--change", f"ENV {PATH_ENV}", "--change", 'CMD ["/bin/sh"]']


def _tar_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755, owner: int = 0) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    info.mtime = int(time.time())
    info.uid = info.gid = owner
    tar.addfile(info)


def _tar_file(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _tar_link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    info.mode = 0o777
    tar.addfile(info)


def _busybox_applets() -> list[str]:
    try:
        listed = subprocess.run(
            [str(BUSYBOX), "--list"], capture_output=True, timeout=10, check=True
        ).stdout.decode()
    except (OSError, subprocess.SubprocessError):
        listed = ""
    names = set(APPLETS) | {name for name in listed.split() if name and "/" not in name}
    return sorted(names - {"busybox", "bash"})


def _tiny_rootfs() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in ("bin", "etc", "home", "root", "usr", "usr/bin", "var"):
            _tar_dir(tar, name)
        _tar_dir(tar, "tmp", mode=0o1777)
        _tar_dir(tar, "home/vscode", owner=1000)
        _tar_file(tar, "bin/busybox", BUSYBOX.read_bytes(), mode=0o755)
        _tar_file(tar, "bin/bash", BASH_STATIC.read_bytes(), mode=0o755)
        for applet in _busybox_applets():
            _tar_link(tar, f"bin/{applet}", "busybox")
        _tar_link(tar, "usr/bin/env", "/bin/busybox")
        _tar_file(
            tar,
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\nvscode:x:1000:1000:vscode:/home/vscode:/bin/bash\n",
        )
        _tar_file(tar, "etc/group", b"root:x:0:\nvscode:x:1000:\n")
    return buffer.getvalue()


def _empty_rootfs() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        _tar_dir(tar, ".")
    return buffer.getvalue()


# The Python image: Debian's python3 and pip from this machine, for pip freeze and resolver
# tests inside a container (DESIGN.md, Tests). Built once per session, tagged by its content.
PYTHON_BIN = Path("/usr/bin/python3.11")
PYTHON_STDLIB = Path("/usr/lib/python3.11")
PYTHON_DIST = Path("/usr/lib/python3/dist-packages")
PYTHON_IMAGE_REPO = "devdoctor-test/python"
_STDLIB_LEFT_OUT = frozenset({
    "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data",
    "config-3.11-x86_64-linux-gnu", "curses", "dbm", "sqlite3", "__phello__",
})  # fmt: skip
_DYNLOAD_LEFT_OUT = ("_test", "xx", "_ctypes_test", "_curses", "_dbm", "_gdbm", "readline",
                     "_sqlite3", "_tkinter", "nis", "ossaudiodev", "audioop")
_PIP_MODULES = (
    "import sys, json, pip._internal.cli.main, pip._internal.commands.install, "
    "pip._internal.commands.freeze, pip._internal.resolution.resolvelib.resolver, "
    "pip._internal.network.session, pip._internal.operations.prepare, "
    "pip._internal.models.installation_report\n"
    "print('\\n'.join(m.__cached__ for m in list(sys.modules.values()) "
    "if getattr(m, '__cached__', None)))"
)


@dataclass(frozen=True)
class PythonImage:
    """The Python image on the test engine: its tag, Python version and pip version."""

    ref: str
    python: str  # "3.11"
    pip: str  # "23.0.1"


@pytest.fixture(scope="session")
def python_image(docker_engine: Engine) -> PythonImage:
    """Debian's python3 (this machine's /usr/bin/python3.11, its standard library less tests,
    GUI and build files), Debian's pip, the shared libraries `ldd` names and busybox for a
    shell, imported once; an engine that already holds the same content is not asked again."""
    pip_dir = PYTHON_DIST / "pip"
    if not PYTHON_BIN.is_file() or not pip_dir.is_dir():
        _unavailable_python("Debian's python3.11 and python3-pip are not installed here")
    version = subprocess.run(
        [str(PYTHON_BIN), "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True, timeout=30, check=True,
    ).stdout.strip()
    rootfs = _python_rootfs()
    digest = hashlib.sha256(rootfs).hexdigest()[:16]
    ref = f"{PYTHON_IMAGE_REPO}:{digest}"
    have = docker_engine.docker("image", "inspect", "--format", "{{.Id}}", ref, check=False)
    if have.returncode != 0:
        docker_engine.docker(
            "import", "--change", f"ENV {PATH_ENV}", "--change", 'CMD ["python3"]',
            "--change", f"ENV PYTHON_VERSION={version}",
            "-", ref, input=rootfs, timeout=180,
        )
    dist = next(pip_dir.parent.glob("pip-*.dist-info")).name
    pip = dist.removeprefix("pip-").removesuffix(".dist-info")
    return PythonImage(ref, version.rpartition(".")[0], pip)


def _unavailable_python(reason: str) -> NoReturn:
    if not _under_ci():
        pytest.skip(f"no Python image: {reason}")
    pytest.fail(f"no Python image under CI=true: {reason}", pytrace=False)


def _python_files() -> dict[str, Path]:
    """Image path -> file on this machine (symbolic links followed), sources and the .pyc
    files pip's import of its install and freeze commands needs, nothing else compiled."""
    files: dict[str, Path] = {}
    for folder, left_out in ((PYTHON_STDLIB, _STDLIB_LEFT_OUT), (PYTHON_DIST, frozenset())):
        roots = [folder] if folder == PYTHON_STDLIB else [
            folder / "pip", *folder.glob("pip-*.dist-info")
        ]
        for root in roots:
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(folder).parts
                if rel[0] in left_out or {"__pycache__", "test", "tests", "idle_test"} & set(rel):
                    continue
                if "lib-dynload" in rel and path.name.startswith(_DYNLOAD_LEFT_OUT):
                    continue
                if path.is_file():
                    files[str(path).lstrip("/")] = path.resolve()
    compiled = subprocess.run(
        [str(PYTHON_BIN), "-c", _PIP_MODULES], capture_output=True, text=True, timeout=60,
        check=True, env={"PATH": "/usr/bin:/bin"},
    ).stdout.split()
    for cached in compiled:
        path = Path(cached)
        if path.is_file() and str(path).lstrip("/") not in files:
            files[str(path).lstrip("/")] = path
    files["usr/bin/python3.11"] = PYTHON_BIN
    files["bin/busybox"] = BUSYBOX
    libraries = [p for p in files.values() if p.suffix == ".so" or p == PYTHON_BIN]
    for library in libraries:
        listed = subprocess.run(["ldd", str(library)], capture_output=True, text=True,
                                timeout=30, check=False).stdout
        for line in listed.splitlines():
            words = line.split()
            named = words[2] if len(words) >= 3 and words[1] == "=>" else words[0]
            if named.startswith("/") and Path(named).is_file():
                files[named.lstrip("/")] = Path(named).resolve()
    return files


def _python_rootfs() -> bytes:
    buffer = io.BytesIO()
    files = _python_files()
    folders = {"tmp", "root", "home", "home/vscode", "etc", "bin"}
    for name in files:
        parts = name.split("/")[:-1]
        folders.update("/".join(parts[: k + 1]) for k in range(len(parts)))
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name in sorted(folders):
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if name == "tmp" else 0o755
            info.uid = info.gid = 1000 if name == "home/vscode" else 0
            tar.addfile(info)
        for name, path in sorted(files.items()):
            stat = path.stat()  # the source's mtime, so the .pyc files stay valid
            info = tarfile.TarInfo(name)
            info.size = stat.st_size
            info.mode = stat.st_mode & 0o7777
            info.mtime = int(stat.st_mtime)
            with path.open("rb") as handle:
                tar.addfile(info, handle)
        for name, target in (("usr/bin/python3", "python3.11"), ("usr/bin/python", "python3.11"),
                             ("bin/sh", "busybox"), ("usr/bin/env", "/bin/busybox")):
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            info.mode = 0o777
            tar.addfile(info)
        for name, data in (
            ("etc/passwd",
             b"root:x:0:0:root:/root:/bin/sh\nvscode:x:1000:1000:vscode:/home/vscode:/bin/sh\n"),
            ("etc/group", b"root:x:0:\nvscode:x:1000:\n"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
