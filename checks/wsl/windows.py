"""What only Windows knows, asked from inside WSL: the user's profile folder and the machine's RAM.

Calling Windows from WSL is slow (powershell.exe takes about a second), so the calls run once,
side by side, and their answers are cached in the state directory for a day.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass

from devdoctor import Completed, Figure, Host, Platform
from devdoctor.atomic import write_atomic
from devdoctor.repo import is_windows_path, windows_to_wsl

CACHE_SECONDS = 24 * 3600
CACHE_LIMIT = 64 * 1024  # a profile path and a number
NOT_PROFILES = {"public", "default", "default user", "all users", "desktop.ini", "defaultapppool"}
RAM_COMMAND = (
    "powershell.exe",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    "(Get-CimInstance Win32_ComputerSystem).TotalPhysicalMemory",
)


# `wsl -l -v`: the header words are constants, not translated (WslClient.cpp).
_WSL_ROW = re.compile(
    r"^(?P<default>[* ])\s*(?P<name>\S+)\s+(?P<state>\S+)\s+(?P<version>[12])\s*$"
)


def wsl_list(host: Host) -> Completed:
    """`wsl.exe -l -v` as it answered, asked once per run (wsl-version and docker-desktop both
    read it; wsl.exe can take seconds when WSL is starting)."""
    return host.fact("wsl.list", _ask_wsl_list)


def _ask_wsl_list(host: Host) -> Completed:
    # 8 s: under a check's own 10 s deadline, so a hung WSL gets the check's own words.
    return host.run(["wsl.exe", "-l", "-v"], timeout=8, env={"WSL_UTF8": "1"})


def parse_wsl_list(text: str) -> list[dict[str, str]]:
    """Rows of `wsl -l -v` (already decoded): name, state, version, default ("True"/"False")."""
    rows = []
    for line in text.splitlines():
        match = _WSL_ROW.match(line.rstrip())
        if match and match["name"] != "NAME":
            rows.append(
                {
                    "name": match["name"],
                    "state": match["state"],
                    "version": match["version"],
                    "default": str(match["default"] == "*"),
                }
            )
    return rows


@dataclass(frozen=True)
class Profile:
    """The Windows user's profile folder as a host path, and how devdoctor found it."""

    path: str | None
    how: str


@dataclass(frozen=True)
class Answer:
    """A number Windows gave (or None) and where it came from."""

    value: int | None
    how: str


def wslconfig_path(host: Host) -> tuple[str | None, str]:
    """Where WSL reads .wslconfig on this machine, and how devdoctor knows."""
    given = host.options.wslconfig or host.env.get("DEVDOCTOR_WSLCONFIG")
    if given:
        path = (
            windows_to_wsl(given)
            if host.platform is Platform.WSL and is_windows_path(given)
            else given
        )
        return path, "--wslconfig"
    profile = windows_profile(host)
    if profile.path is None:
        return None, profile.how
    sep = "\\" if host.platform is Platform.WINDOWS else "/"
    return profile.path.rstrip("\\/") + sep + ".wslconfig", profile.how


def windows_profile(host: Host) -> Profile:
    """%UserProfile%: from the environment on Windows, asked of Windows from WSL."""
    if host.platform is Platform.WINDOWS:
        value = host.env.get("USERPROFILE")
        return Profile(value, "USERPROFILE") if value else Profile(None, "USERPROFILE is not set")
    if host.platform is not Platform.WSL:
        return Profile(None, "not Windows or WSL")
    answers = _windows_answers(host)
    path = answers.get("profile")
    if isinstance(path, str) and path:
        return Profile(path, str(answers.get("profile_how", "")))
    return _profile_from_mnt(host)


def windows_ram(host: Host) -> Answer:
    """The Windows machine's RAM in bytes, as powershell.exe reports it (cached for a day)."""
    answers = _windows_answers(host)
    value = answers.get("ram")
    return Answer(value if isinstance(value, int) else None, str(answers.get("ram_how", "")))


def ram_figure(host: Host) -> Figure:
    """The framework's `windows-ram` fact: the machine's RAM as WSL cannot see it itself."""
    answer = windows_ram(host)
    return Figure(answer.value, answer.how)


def identities(host: Host) -> list[tuple[str, str]]:
    """The framework's `identities` fact: the Windows profile (a home) and its user name."""
    if host.platform not in (Platform.WSL, Platform.WINDOWS):
        return []
    profile = windows_profile(host).path
    if not profile:
        return []
    name = profile.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return [(profile, "home"), (name, "windows-user")]


def _profile_from_mnt(host: Host) -> Profile:
    """The one real profile under /mnt/c/Users, preferring the one named like $USER."""
    names = [
        n
        for n in host.listdir("/mnt/c/Users")
        if n.lower() not in NOT_PROFILES and host.is_dir(f"/mnt/c/Users/{n}")
    ]
    user = host.env.get("USER", "").lower()
    matching = [n for n in names if n.lower() == user]
    if matching:
        return Profile(
            f"/mnt/c/Users/{matching[0]}", "the profile under /mnt/c/Users named like $USER"
        )
    if len(names) == 1:
        return Profile(f"/mnt/c/Users/{names[0]}", "the only profile under /mnt/c/Users")
    if names:
        return Profile(None, f"{len(names)} profiles under /mnt/c/Users and Windows did not answer")
    return Profile(None, "Windows did not answer and /mnt/c/Users has no profile")


def _windows_answers(host: Host) -> dict[str, object]:
    return host.fact("windows.answers", _ask_windows)


def _cache_file(host: Host) -> str:
    distro = host.env.get("WSL_DISTRO_NAME", "wsl")
    return os.path.join(host.state_dir, "cache", f"windows-{distro}.json")


def _ask_windows(host: Host) -> dict[str, object]:
    """Ask for the profile and the RAM at the same time; reuse a day-old answer."""
    cache = _cache_file(host)
    cached = _read_cache(cache)
    if cached is not None:
        return cached

    answers: dict[str, object] = {}

    def ask_profile() -> None:
        answers.update(_ask_profile(host))

    def ask_ram() -> None:
        done = host.run(RAM_COMMAND, timeout=8, cwd=_windows_cwd(host))
        text = done.out.strip()
        if done.ok and text.isdigit():
            answers["ram"] = int(text)
            answers["ram_how"] = "powershell.exe on Windows"
        else:
            answers["ram_how"] = f"Windows did not say ({done.describe()})"

    threads = [threading.Thread(target=f, daemon=True) for f in (ask_profile, ask_ram)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 12
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if answers.get("profile") and answers.get("ram"):
        answers["at"] = time.time()
        with contextlib.suppress(OSError):
            write_atomic(cache, json.dumps(answers).encode())
    return dict(answers)  # a snapshot: a straggling thread cannot change it afterwards


def _read_cache(cache: str) -> dict[str, object] | None:
    """A day-old answer from devdoctor's own state directory (not the machine: under --root it
    is outside the captured files, so it is not read through the Host)."""
    try:
        with open(cache, "rb") as handle:
            data = handle.read(CACHE_LIMIT + 1)
        cached = json.loads(data) if len(data) <= CACHE_LIMIT else None
        if isinstance(cached, dict) and time.time() - float(cached.get("at", 0)) < CACHE_SECONDS:
            cached["profile_how"] = f"{cached.get('profile_how')}, cached"
            cached["ram_how"] = f"{cached.get('ram_how')}, cached"
            return cached
    except (OSError, ValueError, TypeError):
        pass
    return None


def _windows_cwd(host: Host) -> str | None:
    """Run Windows programs from C: so cmd.exe does not print its UNC-path warning."""
    return str(host.real("/mnt/c")) if host.is_dir("/mnt/c") else None


def _ask_profile(host: Host) -> dict[str, object]:
    tries: list[tuple[tuple[str, ...], str]] = [
        (("wslvar", "USERPROFILE"), "wslvar USERPROFILE"),
        (("cmd.exe", "/c", "echo %USERPROFILE%"), "cmd.exe /c echo %USERPROFILE%"),
    ]
    for argv, how in tries:
        if host.which(argv[0]) is None:
            continue
        # 4 s each: wslvar, cmd.exe and wslpath together stay inside the 12 s wait below.
        done: Completed = host.run(argv, timeout=4, cwd=_windows_cwd(host))
        lines = [ln.strip() for ln in done.out.splitlines() if is_windows_path(ln.strip())]
        if not done.ok or not lines:
            continue
        converted = host.run(("wslpath", "-u", lines[-1]), timeout=2)
        path = converted.out.strip() if converted.ok else windows_to_wsl(lines[-1])
        if path:
            return {"profile": path, "profile_how": how}
    return {}
