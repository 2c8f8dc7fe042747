"""The only door to the machine: files under a root, the environment, commands, cached facts.

Every check reaches the machine through a Host, so a test (or a TA replaying a student's
captured machine) can hand devdoctor a folder of real captured files with `--root`, an
environment, and stand-in commands first on PATH.
"""

from __future__ import annotations

import enum
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, TypeVar

from .process import Completed, ProcessTracker, run_command

T = TypeVar("T")

READ_LIMIT = 1024 * 1024
_WINDOWS_PATH = re.compile(r"^(?P<drive>[A-Za-z]):[\\/]")


class Platform(str, enum.Enum):
    """Where devdoctor runs; each sees what it can and says what it could not see."""

    LINUX = "linux"
    WSL = "wsl"
    MACOS = "macos"
    WINDOWS = "windows"
    CONTAINER = "container"


class HostError(Exception):
    """A problem with how devdoctor was started (bad --root, ...): exit 2 with one line."""


def is_windows_path(path: str) -> bool:
    """`C:\\Users\\x` or `C:/Users/x`."""
    return bool(_WINDOWS_PATH.match(path))


def windows_to_wsl(path: str) -> str:
    """`C:\\Users\\x` as WSL sees it: `/mnt/c/Users/x`."""
    win = PureWindowsPath(path)
    drive = win.drive.rstrip(":").lower()
    return str(PurePosixPath("/mnt", drive, *win.parts[1:]))


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
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.root = root.resolve() if root is not None else None
        if self.root is not None and not self.root.is_dir():
            raise HostError(f"--root {root} is not a folder")
        self.env: dict[str, str] = dict(os.environ if env is None else env)
        self.options: dict[str, Any] = dict(options or {})
        self._state_dir = state_dir
        self.tracker = ProcessTracker()
        # The course repository is the student's real checkout, even under --root.
        self.repo_root: Path | None = None
        self._facts: dict[str, Any] = {}
        self._fact_locks: dict[str, threading.Lock] = {}
        self._facts_lock = threading.Lock()
        self.platform = self._detect_platform()

    # -- where things are -------------------------------------------------------------------

    def real(self, path: str | os.PathLike[str]) -> Path:
        """The real file behind a host path; under --root, `C:\\x` is read at ROOT/mnt/c/x.

        Paths inside the course repository are left alone: `--repo` is on the real file system.
        """
        text = os.fspath(path)
        if self.root is None:
            return Path(text)
        if self.repo_root is not None and _inside(Path(text), self.repo_root):
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

    # -- files --------------------------------------------------------------------------------

    def exists(self, path: str) -> bool:
        """Whether the host path exists (a broken link does not)."""
        return self.real(path).exists()

    def read_bytes(self, path: str, limit: int = READ_LIMIT) -> tuple[bytes, bool]:
        """At most `limit` bytes of a file, and whether there was more. Raises OSError."""
        with self.real(path).open("rb") as handle:
            data = handle.read(limit + 1)
        return data[:limit], len(data) > limit

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

    def _cached(self, name: str) -> Any:
        value = self._facts[name]
        if isinstance(value, _Failed):
            raise value.error
        return value

    def fresh(self) -> Host:
        """A new Host on the same machine with nothing cached, to verify a fix."""
        host = Host(root=self.root, env=self.env, state_dir=self._state_dir, options=self.options)
        host.repo_root = self.repo_root
        return host

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
