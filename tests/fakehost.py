"""Fake hosts for tests: a folder of real captured files under --root, stand-in commands on PATH.

A fake host is what a TA would get from a student's machine: the files devdoctor reads, and
small stand-ins that print what the real tools printed (as slowly as them, where speed is
measured). Nothing here touches the real home directory or the real state directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from devdoctor import RunOptions
from devdoctor.host import Host

from tests import TESTS

SAMPLES = TESTS / "samples"
WSL_HOST = SAMPLES / "hosts" / "wsl2-small-wslconfig"
VENV_BIN = Path(sys.executable).parent
DEVDOCTOR = str(VENV_BIN / "devdoctor")
GiB = 1024**3


@dataclass
class FakeHost:
    """One fake machine: its root folder, its environment, and where its stand-ins live."""

    root: Path
    bin: Path
    env: dict[str, str]
    state: Path
    options: dict[str, object] = field(default_factory=dict)

    def host(self, **options: object) -> Host:
        """A Host reading this fake machine."""
        return Host(
            root=self.root, env=self.env, state_dir=self.state, options=RunOptions(**{**self.options, **options})  # type: ignore[arg-type]
        )

    def file(self, path: str) -> Path:
        """The real file behind a host path."""
        return self.root / path.lstrip("/")

    def standin(
        self, name: str, stdout: bytes | str = b"", *, rc: int = 0, delay: float = 0.0
    ) -> Path:
        """A program on PATH that waits `delay` seconds, prints `stdout` and exits `rc`."""
        data = stdout.encode() if isinstance(stdout, str) else stdout
        payload = self.bin / f".{name}.out"
        payload.write_bytes(data)
        script = self.bin / name
        script.write_text(f"#!/bin/sh\nsleep {delay}\ncat '{payload}'\nexit {rc}\n")
        script.chmod(0o755)
        return script

    def cli(
        self, *args: str, timeout: float = 60, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the installed `devdoctor` against this fake machine."""
        return subprocess.run(
            [DEVDOCTOR, *args, "--root", str(self.root)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            check=False,
        )


def _base_env(tmp: Path, bin_dir: Path) -> dict[str, str]:
    return {
        "PATH": f"{bin_dir}:{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "DEVDOCTOR_NO_PLUGINS": "1",
        "DEVDOCTOR_STATE_DIR": str(tmp / "state"),
        "GIT_CONFIG_GLOBAL": str(tmp / "gitconfig"),
        "GIT_CONFIG_SYSTEM": str(tmp / "gitconfig-system"),
    }


def wsl_host(
    tmp: Path,
    *,
    wslconfig: bytes | None = b"[wsl2]\r\nmemory=4GB\r\nprocessors=4\r\n",
    windows_ram: int | None = 16 * GiB,
    vm_memory_kb: int = 4020092,
    delay: float = 0.0,
) -> FakeHost:
    """A WSL2 distro (Ubuntu) on a Windows laptop, from the captured sample host."""
    root = tmp / "root"
    shutil.copytree(WSL_HOST / "root", root)
    bin_dir = tmp / "bin"
    shutil.copytree(WSL_HOST / "bin", bin_dir)
    profile = root / "mnt/c/Users/student/.wslconfig"
    if wslconfig is None:
        profile.unlink()
    else:
        profile.write_bytes(wslconfig)
    meminfo = root / "proc/meminfo"
    meminfo.write_text(meminfo.read_text().replace("4020092", str(vm_memory_kb), 1))
    env = {
        **_base_env(tmp, bin_dir),
        "HOME": "/home/student",
        "USER": "student",
        "WSL_DISTRO_NAME": "Ubuntu",
        "WSL_INTEROP": "/run/WSL/1_interop",
        "STANDIN_DELAY": str(delay),
    }
    fake = FakeHost(root, bin_dir, env, tmp / "state")
    if windows_ram is None:
        fake.standin("powershell.exe", b"", rc=1, delay=delay)
    else:
        fake.standin("powershell.exe", f"{windows_ram}\r\n", delay=delay)
    return fake


def windows_host(
    tmp: Path,
    *,
    wslconfig: bytes | None = None,
    ram_kb: int = 16 * 1024 * 1024,
    wsl_list: str
    | None = "  NAME            STATE           VERSION\r\n* Ubuntu          Running         2\r\n",
) -> FakeHost:
    """Windows itself (PowerShell), its C: drive under ROOT/mnt/c as WSL would see it."""
    root = tmp / "root"
    (root / "mnt/c/Users/student/AppData/Local").mkdir(parents=True)
    (root / "proc").mkdir()
    (root / "proc/meminfo").write_text(
        f"MemTotal:       {ram_kb} kB\nSwapTotal:             0 kB\n"
    )
    if wslconfig is not None:
        (root / "mnt/c/Users/student/.wslconfig").write_bytes(wslconfig)
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    env = {
        **_base_env(tmp, bin_dir),
        "DEVDOCTOR_PLATFORM": "windows",
        "USERPROFILE": "C:\\Users\\student",
        "USERNAME": "student",
        "LOCALAPPDATA": "C:\\Users\\student\\AppData\\Local",
    }
    fake = FakeHost(root, bin_dir, env, tmp / "state")
    if wsl_list is not None:
        # wsl.exe writes UTF-16LE without a BOM unless WSL_UTF8=1 reaches it.
        fake.standin("wsl.exe", wsl_list.encode("utf-16-le"))
    return fake


def without_env(*names: str) -> dict[str, str]:
    """This process's environment minus some names (for the real-machine CLI tests)."""
    return {k: v for k, v in os.environ.items() if k not in names}
