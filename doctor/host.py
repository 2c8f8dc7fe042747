"""The only door to the machine: files under a root, the environment, commands, cached facts.

Every check reaches the machine through a Host, so a test (or a TA replaying a student's
captured machine) can hand devdoctor a folder of real captured files with `--root`, an
environment, and stand-in commands first on PATH.
"""

from __future__ import annotations

import enum
import errno
import os
import shutil
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from .errors import HostError as HostError
from .options import RunOptions
from .process import Completed, ProcessTracker, run_command
from .repo import is_windows_path, windows_to_wsl

T = TypeVar("T")

READ_LIMIT = 1024 * 1024


class Platform(str, enum.Enum):
    """Where devdoctor runs; each sees what it can and says what it could not see."""

    LINUX = "linux"
    WSL = "wsl"
    MACOS = "macos"
    WINDOWS = "windows"
    CONTAINER = "container"




def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class _Failed:
    """A fact whose computation raised."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class Host:
    """One machine as devdoctor sees it, for the length of one run."""

    def __init__(
        self,
        *,
        root: Path | None = None,
        env: Mapping[str, str] | None = None,
        state_dir: Path | None = None,
        options: RunOptions | None = None,
        repo_root: Path | Literal["find"] | None = "find",
    ) -> None:
        self.root = root.resolve() if root is not None else None
        if self.root is not None and not self.root.is_dir():
            raise HostError(f"--root {root} is not a folder")
        self.env: dict[str, str] = dict(os.environ if env is None else env)
        self.options = options or RunOptions()
        self._state_dir = state_dir
        self.tracker = ProcessTracker()
        self._facts: dict[str, Any] = {}
        self._fact_locks: dict[str, threading.Lock] = {}
        self._facts_lock = threading.Lock()
        self.repo_root: Path | None = None  # set below; platform detection reads host files
        self.given_files: tuple[Path, ...] = ()
        self.platform = self._detect_platform()
        # The course repository is the student's real checkout, even under --root; found once.
        if repo_root == "find":
            from .repo import locate

            repo_root = locate(self.options.repo, windows=self.platform is Platform.WINDOWS)
        self.repo_root = repo_root
        # Files named on the command line are on the real file system, like --repo (a `C:\`
        # path names the captured machine's drive): `--wslconfig PATH`.
        given = self.options.wslconfig
        self.given_files = (
            (Path(os.path.normpath(os.path.join(self.cwd or "/", given))),)
            if given and self.root is not None and not is_windows_path(given)
            else ()
        )

    # -- where things are -------------------------------------------------------------------

    def real(self, path: str | os.PathLike[str]) -> Path:
        """The real file behind a host path; under --root, `C:\\x` is read at ROOT/mnt/c/x.

        Paths inside the course repository, and files named on the command line, are left
        alone: `--repo` and `--wslconfig` are on the real file system.
        """
        if self.root is None:  # a Path as it is: parsing it again costs more than the open
            return path if isinstance(path, Path) else Path(os.fspath(path))
        text = os.fspath(path)
        if self.repo_root is not None and _inside(Path(text), self.repo_root):
            return Path(text)
        if Path(text) in self.given_files:
            return Path(text)
        if is_windows_path(text):
            text = windows_to_wsl(text)
        return self.root / text.lstrip("/")

    @property
    def home(self) -> str | None:
        """The user's home as a host path (HOME; USERPROFILE on Windows), or None if unset."""
        if self.platform is Platform.WINDOWS:
            return self.env.get("USERPROFILE") or self.env.get("HOME") or None
        return self.env.get("HOME") or None

    @property
    def state_dir(self) -> Path:
        """Where devdoctor keeps backups, the undo journal, reports and caches."""
        if self._state_dir is not None:
            return self._state_dir
        if self.env.get("DEVDOCTOR_STATE_DIR"):
            return Path(self.env["DEVDOCTOR_STATE_DIR"])
        if self.root is not None:
            return self.root / ".devdoctor-state"
        import platformdirs

        return Path(platformdirs.user_state_path("devdoctor", appauthor=False))

    # -- devdoctor's own state (caches, the install id): never the machine under --root -----------

    def read_state(self, name: str, limit: int) -> bytes | None:
        """At most `limit` bytes of a file in the state directory; None when it is missing,
        unreadable or larger than that."""
        try:
            with open(self.state_dir / name, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError:
            return None
        return data if len(data) <= limit else None

    def write_state(self, name: str, data: bytes) -> bool:
        """Keep a file in the state directory, atomically; False when it cannot be written
        (a read-only state directory: the caller goes on without its cache)."""
        from .atomic import write_atomic

        try:
            write_atomic(self.state_dir / name, data)
        except OSError:
            return False
        return True

    # -- files --------------------------------------------------------------------------------

    def exists(self, path: str | os.PathLike[str]) -> bool:
        """Whether the host path exists (a broken link does not)."""
        return self.real(path).exists()

    def read_bytes(
        self, path: str | os.PathLike[str], limit: int = READ_LIMIT
    ) -> tuple[bytes, bool]:
        """At most `limit` bytes of a file, and whether there was more. Raises OSError.

        Opened without blocking: a FIFO (or a socket) where a file should be is refused at
        once instead of waiting for a writer that never comes.
        """
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(self.real(path), flags)
        try:
            info = os.fstat(fd)
            mode = info.st_mode
            if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISDIR(mode):
                raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
            # The first read asks for what fstat says is there: a buffer of `limit` bytes for a
            # small file is shrunk after the read, and thousands of such reads fragment the heap.
            known = info.st_size
            chunks: list[bytes] = []
            size = 0
            while size <= limit:
                ask = known + 1 if not chunks and 0 < known < limit else limit + 1 - size
                chunk = os.read(fd, min(ask, 1024 * 1024))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if len(chunks) == 1 and size == known and stat.S_ISREG(mode):
                    break  # all that fstat said a regular file holds: no read to see its end
        finally:
            os.close(fd)
        data = b"".join(chunks)
        return data[:limit], len(data) > limit

    def is_file(self, path: str | os.PathLike[str]) -> bool:
        """A regular file (following links); False when it cannot be looked at."""
        try:
            return self.real(path).is_file()
        except OSError:
            return False

    def is_dir(self, path: str | os.PathLike[str]) -> bool:
        """A folder (following links); False when it cannot be looked at."""
        try:
            return self.real(path).is_dir()
        except OSError:
            return False

    def stat(self, path: str | os.PathLike[str], *, follow: bool = True) -> os.stat_result:
        """The file's metadata. Raises OSError."""
        return os.stat(self.real(path), follow_symlinks=follow)

    def readlink(self, path: str | os.PathLike[str]) -> str | None:
        """Where a symbolic link points (as written in it), or None when it is not a link."""
        try:
            return os.readlink(self.real(path))
        except OSError:
            return None

    def walk(self, path: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
        """os.walk under the host path, not following links (a caller may prune the folders)."""
        yield from os.walk(self.real(path))

    def read_lines(self, path: str | os.PathLike[str], limit: int = READ_LIMIT) -> list[str]:
        """The file as text lines (UTF-8, errors replaced), at most `limit` bytes of it."""
        data, _ = self.read_bytes(os.fspath(path), limit)
        return data.decode("utf-8", errors="replace").splitlines()

    @property
    def machine(self) -> str:
        """The processor architecture (`x86_64`, `arm64`), or "" for a captured host."""
        if self.root is not None:
            return ""
        import platform  # (only the real machine is asked)

        return platform.machine()

    @property
    def cwd(self) -> str | None:
        """The folder devdoctor was started in, or None when it is gone."""
        try:
            return os.getcwd()
        except OSError:
            return None

    def listdir(self, path: str) -> list[str]:
        """Names in a folder, sorted; empty when it is missing or unreadable."""
        try:
            return sorted(os.listdir(self.real(path)))
        except OSError:
            return []

    # -- commands -----------------------------------------------------------------------------

    def which(self, name: str) -> str | None:
        """The program on this host's PATH (so recorded stand-ins placed first are found)."""
        return shutil.which(name, path=self.env.get("PATH", os.defpath))

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float = 5.0,
        cwd: str | None = None,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        """Run a program found on PATH, killed with its whole tree at the deadline."""
        program = self.which(argv[0]) if not os.path.isabs(argv[0]) else argv[0]
        if program is None:
            return Completed(tuple(argv), None, missing=True, reason="not found on PATH")
        full_env = dict(self.env)
        if self.root is not None:
            # git must not read the real machine's configuration when replaying a captured one.
            full_env.setdefault("GIT_CONFIG_SYSTEM", str(self.real("/etc/gitconfig")))
            if self.home:
                full_env.setdefault("GIT_CONFIG_GLOBAL", str(self.real(self.home) / ".gitconfig"))
        if env:
            full_env.update(env)
        return run_command(
            [program, *argv[1:]],
            timeout=timeout,
            env=full_env,
            cwd=cwd,
            input=input,
            tracker=self.tracker,
        )

    # -- facts shared by several checks -------------------------------------------------------

    def fact(self, name: str, compute: Callable[[Host], T]) -> T:
        """Compute a shared fact once per run; concurrent askers wait for the first answer.

        A fact whose computation raised raises the same error for every asker: a slow probe
        that breaks is not run again by each check that needs it.
        """
        with self._facts_lock:
            if name in self._facts:
                return self._cached(name)  # type: ignore[no-any-return]
            lock = self._fact_locks.setdefault(name, threading.Lock())
        with lock:
            with self._facts_lock:
                if name in self._facts:
                    return self._cached(name)  # type: ignore[no-any-return]
            try:
                value = compute(self)
            except Exception as exc:
                with self._facts_lock:
                    self._facts[name] = _Failed(exc)
                raise
            with self._facts_lock:
                self._facts[name] = value
            return value

    def provided(self, name: str) -> Any:
        """A fact an area of checks declares for the framework (checks/__init__.py's FACTS).

        The framework knows nothing of WSL, Docker, GPUs or courses; what it needs from them
        (identities to redact, the variant, versions for the report) it asks for by name.
        """
        from .registry import provider

        return self.fact(f"provided.{name}", provider(name))

    def _cached(self, name: str) -> Any:
        value = self._facts[name]
        if isinstance(value, _Failed):
            raise value.error
        return value

    def fresh(self) -> Host:
        """A new Host on the same machine with nothing cached, to verify a fix."""
        return Host(
            root=self.root,
            env=self.env,
            state_dir=self._state_dir,
            options=self.options,
            repo_root=self.repo_root,
        )

    # -- platform -----------------------------------------------------------------------------

    def _detect_platform(self) -> Platform:
        forced = self.env.get("DEVDOCTOR_PLATFORM", "").strip().lower()
        if forced:
            try:
                return Platform(forced)
            except ValueError:
                names = ", ".join(p.value for p in Platform)
                raise HostError(f"DEVDOCTOR_PLATFORM={forced!r} is not one of {names}") from None
        if sys.platform == "win32" and self.root is None:
            return Platform.WINDOWS
        if (
            self.exists("/.dockerenv")
            or self.env.get("REMOTE_CONTAINERS")
            or self.env.get("CODESPACES")
        ):
            return Platform.CONTAINER
        if self._kernel_says_microsoft() and (
            self.env.get("WSL_DISTRO_NAME")
            or self.env.get("WSL_INTEROP")
            or self.exists("/proc/sys/fs/binfmt_misc/WSLInterop")
        ):
            # A container under Docker Desktop has the same kernel string, hence the markers.
            return Platform.WSL
        if sys.platform == "darwin" and self.root is None:
            return Platform.MACOS
        return Platform.LINUX

    def _kernel_says_microsoft(self) -> bool:
        try:
            data, _ = self.read_bytes("/proc/version", limit=4096)
        except OSError:
            return False
        return b"microsoft" in data.lower()

    @property
    def kernel(self) -> str:
        """The kernel version string, or "" where there is no /proc/version."""
        try:
            data, _ = self.read_bytes("/proc/version", limit=4096)
        except OSError:
            return ""
        return data.decode("utf-8", errors="replace").strip()

    # -- the process's own identity -----------------------------------------------------------

    def process_groups(self) -> frozenset[int]:
        """The group ids this process has now (a new login is needed to gain one); empty where
        the platform has none (Windows)."""
        if not hasattr(os, "getgroups"):
            return frozenset()
        return frozenset({os.getegid(), *os.getgroups()})

    def login_name(self) -> str | None:
        """This process's user name from the password database, or None where there is none."""
        try:
            import pwd

            return pwd.getpwuid(os.getuid()).pw_name
        except (ImportError, KeyError, OSError):
            return None
