"""Scenario: one temporary machine for a test, built in layers.

A scenario is what a TA would get from a student's machine, made real under the test's own
folder: files under a root (devdoctor's `--root`), stand-in programs that answer with captured
output and record how they were called, an environment, a state directory, and where needed a
course repository and a Docker endpoint. Each layer is a method that returns the scenario (or
the thing it made); `.host()` is a Host over it, `.cli()` runs the installed `devdoctor` on it.

`Scenario(tmp)` is a fake machine under tmp/root; `Scenario(tmp, rooted=False)` is this
machine's real file system (course repositories, CI runs) with a private HOME and git config.
With `system=False` only the stand-ins are on PATH, so no real docker or nvidia-smi answers.
Nothing here reads or writes the real home or state directory.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devdoctor import Finding, Host, RunOptions
from devdoctor.model import Check

from tests.engine import Engine
from tests.scenario import captured
from tests.scenario.helpers import DEVDOCTOR, SAMPLES, VENV_BIN, Answer, GiB

WSL_LAPTOP = SAMPLES / "hosts" / "wsl2-small-wslconfig"
"""A WSL 2 distro (Ubuntu) on a 16 GiB Windows laptop, captured: its files and its stand-ins."""
WSL_LIST = "  NAME            STATE           VERSION\r\n* Ubuntu          Running         2\r\n"
"""What `wsl.exe -l -v` lists on a Windows machine with one WSL 2 distro (before encoding)."""
SYSTEM_PATH = f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin"
STUDENT_HOME = "/home/student"


class Scenario:
    """One temporary machine: root, stand-ins on PATH, environment, state, repository, engine."""

    def __init__(self, tmp: Path, *, rooted: bool = True, system: bool = True, **env: str):
        self.tmp = tmp
        self.root: Path | None = tmp / "root" if rooted else None
        self.bin = tmp / "bin"
        self.state = tmp / "state"
        self.answers = tmp / "answers"
        self.repo: Path | None = None
        self.options: dict[str, Any] = {}
        self._programs = 0
        for folder in (self.bin, self.answers):
            folder.mkdir(parents=True, exist_ok=True)
        path = f"{self.bin}:{SYSTEM_PATH}" if system else str(self.bin)
        self.env: dict[str, str] = {
            "PATH": path,
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            "DEVDOCTOR_PLATFORM": "linux",
            "DEVDOCTOR_NO_PLUGINS": "1",
            "DEVDOCTOR_STATE_DIR": str(self.state),
            "GIT_CONFIG_SYSTEM": str(tmp / "gitconfig-system"),
            "GIT_AUTHOR_NAME": "Course Staff",
            "GIT_AUTHOR_EMAIL": "staff@example.edu",
            "GIT_COMMITTER_NAME": "Course Staff",
            "GIT_COMMITTER_EMAIL": "staff@example.edu",
        }
        (tmp / "gitconfig-system").touch()
        if self.root is not None:
            (self.root / STUDENT_HOME.lstrip("/")).mkdir(parents=True, exist_ok=True)
            self.env.update(
                HOME=STUDENT_HOME, USER="student", GIT_CONFIG_GLOBAL=str(tmp / "gitconfig")
            )
        else:
            home = tmp / "home"
            home.mkdir(exist_ok=True)
            (home / ".gitconfig").touch()
            self.env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"))
        self.env.update(env)

    @classmethod
    def gpu_machine(cls, tmp: Path) -> Scenario:
        """Where the GPU tests start: only stand-ins on PATH (no real docker or nvidia-smi
        answers), every host() reading the captured GPU course (tests/samples/gpu-course)."""
        return cls(tmp, system=False).given(repo=captured.GPU_COURSE)

    # -- the platform ------------------------------------------------------------------------

    def platform(self, name: str | None) -> Scenario:
        """Say which platform devdoctor is on (None: let it tell from the machine's files)."""
        if name is None:
            self.env.pop("DEVDOCTOR_PLATFORM", None)
        else:
            self.env["DEVDOCTOR_PLATFORM"] = name
        return self

    def wsl(
        self,
        *,
        wslconfig: bytes | None = b"[wsl2]\r\nmemory=4GB\r\nprocessors=4\r\n",
        windows_ram: int | None = 16 * GiB,
        vm_memory_kb: int = 4020092,
        delay: float = 0.0,
    ) -> Scenario:
        """The captured WSL 2 laptop (the platform is told by its files, as on a real one)."""
        root = self._root()
        shutil.copytree(WSL_LAPTOP / "root", root, dirs_exist_ok=True)
        shutil.copytree(WSL_LAPTOP / "bin", self.bin, dirs_exist_ok=True)
        profile = root / "mnt/c/Users/student/.wslconfig"
        if wslconfig is None:
            profile.unlink()
        else:
            profile.write_bytes(wslconfig)
        meminfo = root / "proc/meminfo"
        meminfo.write_text(meminfo.read_text().replace("4020092", str(vm_memory_kb), 1))
        self.platform(None)
        self.env.update(
            WSL_DISTRO_NAME="Ubuntu", WSL_INTEROP="/run/WSL/1_interop", STANDIN_DELAY=str(delay)
        )
        windows_answer = Answer(rc=1) if windows_ram is None else Answer(f"{windows_ram}\r\n")
        self.program("powershell.exe", windows_answer, delay=delay)
        return self

    def windows(
        self,
        *,
        wslconfig: bytes | None = None,
        ram_kb: int = 16 * 1024 * 1024,
        wsl_list: str | None = WSL_LIST,
    ) -> Scenario:
        """Windows itself (PowerShell), its C: drive under ROOT/mnt/c as WSL would see it."""
        self.file("/mnt/c/Users/student/AppData/Local/")
        self.file("/proc/meminfo", f"MemTotal:       {ram_kb} kB\nSwapTotal:             0 kB\n")
        if wslconfig is not None:
            self.file("/mnt/c/Users/student/.wslconfig", wslconfig)
        self.platform("windows")
        for name in ("HOME", "USER"):
            self.env.pop(name)
        self.env.update(
            USERPROFILE="C:\\Users\\student",
            USERNAME="student",
            LOCALAPPDATA="C:\\Users\\student\\AppData\\Local",
        )
        if wsl_list is not None:
            # wsl.exe writes UTF-16LE without a BOM unless WSL_UTF8=1 reaches it.
            self.program("wsl.exe", Answer(wsl_list.encode("utf-16-le")))
        return self

    def gpu(self, kind: str) -> Scenario:
        """The NVIDIA driver as captured: "h100" (a Linux host, no toolkit) or "wsl" (the
        Windows driver seen from WSL 2: /dev/dxg and /usr/lib/wsl/lib)."""
        if kind == "h100":
            nvidia = captured.H100
            self.program("nvidia-smi", captured.h100_answers(), at="/usr/local/nvidia/bin")
            self.file("/proc/driver/nvidia/version", (nvidia / "proc-driver.stdout").read_bytes())
            for line in (nvidia / "dev-nvidia.stdout").read_text().splitlines():
                if line.startswith("c") and " /dev/" in line:
                    self.file(line.rsplit(" ", 1)[1])
            self.file("/dev/nvidia-caps/")
        elif kind == "wsl":
            self.platform("wsl")
            self.file("/dev/dxg")
            for name in ("libcuda.so.1", "libnvidia-ml.so.1", "libdxcore.so"):
                self.file(f"/usr/lib/wsl/lib/{name}")
            self.program("nvidia-smi", captured.gpu_wsl_answers(), at="/usr/lib/wsl/lib")
        else:
            raise ValueError(f"no captured GPU machine {kind!r}")
        return self

    # -- files and programs ------------------------------------------------------------------

    def _root(self) -> Path:
        assert self.root is not None, "this scenario is the real file system: it has no root"
        return self.root

    def path(self, path: str) -> Path:
        """The real file behind a host path."""
        return self._root() / path.lstrip("/")

    def file(self, path: str, data: bytes | str = b"") -> Path:
        """Write a file at a host path (a path ending in / is a folder); the real path."""
        real = self.path(path)
        if path.endswith("/"):
            real.mkdir(parents=True, exist_ok=True)
            return real
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_bytes(data.encode() if isinstance(data, str) else data)
        return real

    def program(
        self,
        name: str,
        answers: Answer | Mapping[str, Answer],
        *,
        at: str | None = None,
        delay: float = 0.0,
        record_env: tuple[str, ...] = (),
    ) -> Path:
        """A stand-in program, on PATH or in a host folder `at`: it records its arguments
        (see calls()) and the variables named in `record_env` (see recorded_env()), waits
        `delay` seconds, and replays the answer recorded for them ("$*"; "*" matches any).
        One Answer answers everything. Anything not recorded exits 127 with a line naming it,
        so a test notices when devdoctor asks something nobody captured."""
        if isinstance(answers, Answer):
            answers = {"*": answers}
        store = self.answers / name
        while store.exists():  # a program made again (or by another scenario of this folder)
            self._programs += 1
            store = self.answers / f"{name}.{self._programs}"
        store.mkdir()
        q = shlex.quote
        lines = self._recording(name, record_env)
        if delay:
            lines.append(f"/bin/sleep {delay}")
        lines.append('case "$*" in')
        for number, (args, answer) in enumerate(answers.items()):
            out, err = store / f"{number}.out", store / f"{number}.err"
            for real, data in ((out, answer.stdout), (err, answer.stderr)):
                real.write_bytes(data.encode() if isinstance(data, str) else data)
            lines.append(
                f"  {'*' if args == '*' else q(args)}) /bin/cat {q(str(out))}; "
                f"/bin/cat {q(str(err))} >&2; exit {answer.rc};;"
            )
        if "*" not in answers:
            lines.append(f'  *) echo "no recording for {name} $*" >&2; exit 127;;')
        lines.append("esac")
        return self._standin(name, "\n".join(lines), at)

    def script(
        self, name: str, body: str, *, at: str | None = None, record_env: tuple[str, ...] = ()
    ) -> Path:
        """A stand-in that runs a shell body: for what no captured answer shows (waiting,
        writing its pid, wrapping the real tool), on PATH or in a host folder `at`. Like a
        program it first records its arguments (calls()) and `record_env` (recorded_env())."""
        return self._standin(name, "\n".join([*self._recording(name, record_env), body]), at)

    def _recording(self, name: str, record_env: tuple[str, ...]) -> list[str]:
        """The shell lines a stand-in starts with: log "$*", then each variable's value."""
        q = shlex.quote
        lines = [f'echo "$*" >> {q(str(self.answers / f"{name}.calls"))}']
        for variable in record_env:
            assert variable.isidentifier(), f"not a variable name: {variable!r}"
            log = self.answers / f"{name}.env.{variable}"
            lines.append(f'printf \'%s\\n\' "${variable}" >> {q(str(log))}')
        return lines

    def _standin(self, name: str, body: str, at: str | None) -> Path:
        script = self.bin / name if at is None else self.path(at) / name
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
        return script

    def calls(self, name: str) -> list[str]:
        """The argument lists stand-ins called `name` were called with, in order (a program
        made again under the same name adds to the same list)."""
        log = self.answers / f"{name}.calls"
        return log.read_text().splitlines() if log.exists() else []

    def recorded_env(self, name: str, variable: str) -> list[str]:
        """The values `variable` had in each call of stand-ins called `name` that record it
        (record_env=), in order; an unset variable reads as ""."""
        log = self.answers / f"{name}.env.{variable}"
        return log.read_text().splitlines() if log.exists() else []

    # -- a course repository and a Docker endpoint -------------------------------------------

    def course(
        self,
        files: Mapping[str, bytes | str] | None = None,
        *,
        executable: tuple[str, ...] = (),
        config: Mapping[str, Any] | str | None = None,
        name: str = "course",
        at: Path | None = None,
    ) -> Path:
        """The course repository: a committed git repository of these files (config is
        .devcontainer/devcontainer.json), or one that is already `at` a folder."""
        if at is not None:
            self.repo = at
            return at
        repo = self.tmp / name
        repo.mkdir()
        self.git("init", "-q", "-b", "main", repo=repo)
        files = dict(files or {})
        if config is not None:
            text = config if isinstance(config, str) else json.dumps(config, indent=2)
            files = {".devcontainer/devcontainer.json": text, **files}
        for path, data in files.items():
            target = repo / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.encode() if isinstance(data, str) else data)
            target.chmod(0o755 if path in executable else 0o644)
        self.git("add", "-A", repo=repo)
        self.git("commit", "-q", "-m", "course", repo=repo)
        self.repo = repo
        return repo

    def git(self, *args: str, repo: Path | None = None) -> str:
        """Run git in the repository; fail the test with git's own words."""
        where = repo or self.repo
        assert where is not None, "no course repository yet"
        done = subprocess.run(
            ["git", "-C", str(where), *args], env=self.env, capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout.decode("utf-8", "replace")

    def docker(self, endpoint: Engine | str) -> Scenario:
        """Point devdoctor at a Docker endpoint (the test engine, or a URL such as a fake
        socket's unix://...), with an empty DOCKER_CONFIG of its own."""
        config = self.tmp / "docker-config"
        config.mkdir(exist_ok=True)
        url = endpoint.base_url if isinstance(endpoint, Engine) else endpoint
        self.env.update(DOCKER_HOST=url, DOCKER_CONFIG=str(config))
        return self

    # -- running devdoctor on it -------------------------------------------------------------

    def given(self, **options: Any) -> Scenario:
        """Options every host() and check() of this scenario gets (repo=, config=, ...)."""
        self.options.update(options)
        return self

    def host(self, **options: Any) -> Host:
        """A Host over this machine; the repository is the course's, or none at all (a
        --repo that does not exist, rather than searching up from pytest's folder)."""
        merged = {"repo": self.repo, **self.options, **options}
        if merged["repo"] is None:
            merged["repo"] = self.tmp / "no-repo"
        if isinstance(merged["repo"], Path):
            merged["repo"] = str(merged["repo"])
        return Host(
            root=self.root, env=dict(self.env), state_dir=self.state, options=RunOptions(**merged)
        )

    def check(self, check: Check, **options: Any) -> list[Finding]:
        """One check's findings, run in-process on a Host of this machine."""
        return list(check.run(self.host(**options)))

    def cli(
        self, *args: str, timeout: float = 120, input: str | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """The installed `devdoctor` on this machine (with --root when it has one).

        It starts in the scenario's own folder (unless `cwd` says where), which is in no
        repository: without a course, devdoctor finds no course repository, as host() has
        none, whatever folder pytest runs in. A course is named with --repo, as a student
        outside its folder would (host() uses it without asking)."""
        rooted = ["--root", str(self.root)] if self.root is not None else []
        return subprocess.run(
            [DEVDOCTOR, *args, *rooted],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            cwd=self.tmp if cwd is None else cwd,
            check=False,
        )
