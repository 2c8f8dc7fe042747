"""What only Windows knows: the user's profile folder, the machine's RAM, virtualization, the
Windows features WSL needs, and the versions of Windows and Docker Desktop.

Calling Windows from WSL is slow (powershell.exe takes about a second), so one powershell.exe
asks everything at once, beside the profile lookup; a healthy answer is cached in the state
directory for a day. A broken one (virtualization off, a feature missing) is asked again each
run, so the student sees the repair take effect at once.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import NamedTuple

from devdoctor import Completed, Figure, Host, Platform
from devdoctor.lazy import LazyPattern
from devdoctor.repo import is_windows_path, windows_to_wsl

CACHE_SECONDS = 24 * 3600
CACHE_LIMIT = 64 * 1024  # a profile path, numbers and a few versions
CACHE_VERSION = 2  # what the cache holds changed: answers of an older devdoctor are asked again
WSLCONFIG_LIMIT = 256 * 1024  # as wsl-memory reads it
NOT_PROFILES = {"public", "default", "default user", "all users", "desktop.ini", "defaultapppool"}
# One round trip, no admin rights needed: WMI's Win32_ComputerSystem (RAM, HypervisorPresent),
# Win32_Processor (VirtualizationFirmwareEnabled), Win32_OptionalFeature (InstallState 1 is
# enabled), and two registry reads (Windows' build; Docker Desktop's uninstall entry).
WINDOWS_SCRIPT = (
    "$c=Get-CimInstance Win32_ComputerSystem;"
    "$p=@(Get-CimInstance Win32_Processor)[0];"
    "$f=@{};Get-CimInstance Win32_OptionalFeature -Filter 'Name=''VirtualMachinePlatform'' OR "
    "Name=''Microsoft-Windows-Subsystem-Linux'''|%{$f[$_.Name]=[int]$_.InstallState};"
    "$v=Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';"
    "$d=Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
    "Docker Desktop' -ErrorAction SilentlyContinue;"
    "@{ram=$c.TotalPhysicalMemory;hypervisor=$c.HypervisorPresent;"
    "firmware=$p.VirtualizationFirmwareEnabled;features=$f;build=$v.CurrentBuild;ubr=$v.UBR;"
    "release=$v.DisplayVersion;desktop=$d.DisplayVersion}|ConvertTo-Json -Compress"
)
WINDOWS_COMMAND = (
    "powershell.exe",
    "-NoProfile",
    "-NonInteractive",
    "-Command",
    WINDOWS_SCRIPT,
)
REG_WINDOWS = ("reg.exe", "query", "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion")
REG_DESKTOP = (
    "reg.exe",
    "query",
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Docker Desktop",
    "/v",
    "DisplayVersion",
)


# `wsl -l -v`: the header words are constants, not translated (WslClient.cpp).
_WSL_ROW = LazyPattern(
    r"^(?P<default>[* ])\s*(?P<name>\S+)\s+(?P<state>\S+)\s+(?P<version>[12])\s*$"
)


def wsl_list(host: Host) -> Completed:
    """`wsl.exe -l -v` as it answered, asked once per run (wsl-version and docker-desktop both
    read it; wsl.exe can take seconds when WSL is starting)."""
    return host.fact("wsl.list", _ask_wsl_list)


def _ask_wsl_list(host: Host) -> Completed:
    # 8 s: under a check's own 10 s deadline, so a hung WSL gets the check's own words.
    return host.run(["wsl.exe", "-l", "-v"], timeout=8, env=wsl_env(host))


def wsl_env(host: Host) -> dict[str, str]:
    """Ask wsl.exe for UTF-8 (WSL 0.64+); from inside WSL the variable reaches Windows only
    through WSLENV. An inbox wsl.exe ignores it, so its UTF-16 is still decoded."""
    passed = host.env.get("WSLENV", "")
    return {"WSL_UTF8": "1", "WSLENV": f"{passed}:WSL_UTF8" if passed else "WSL_UTF8"}


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


class Profile(NamedTuple):
    """The Windows user's profile folder as a host path, and how devdoctor found it."""

    path: str | None
    how: str


class Answer(NamedTuple):
    """A number Windows gave (or None) and where it came from."""

    value: int | None
    how: str


def wslconfig_path(host: Host) -> tuple[str | None, str]:
    """Where WSL reads .wslconfig on this machine, and how devdoctor knows."""
    given = host.options.wslconfig or host.env.get("DEVDOCTOR_WSLCONFIG")
    if given and given == host.options.wslconfig and host.given_files:
        return str(host.given_files[0]), "--wslconfig"  # a real path, like --repo
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


def read_wslconfig(host: Host, path: str) -> tuple[bytes, bool]:
    """At most WSLCONFIG_LIMIT bytes of .wslconfig and whether there was more. Raises OSError.

    A file named with `--wslconfig` is a real path, which the Host knows (Host.given_files).
    """
    return host.read_bytes(path, limit=WSLCONFIG_LIMIT)


def windows_profile(host: Host) -> Profile:
    """%UserProfile%: from the environment on Windows, asked of Windows from WSL."""
    if host.platform is Platform.WINDOWS:
        value = host.env.get("USERPROFILE")
        return Profile(value, "USERPROFILE") if value else Profile(None, "USERPROFILE is not set")
    if host.platform is not Platform.WSL:
        return Profile(None, "not Windows or WSL")
    answers = windows_answers(host)
    path = answers.get("profile")
    if isinstance(path, str) and path:
        return Profile(path, str(answers.get("profile_how", "")))
    return _profile_from_mnt(host)


def windows_ram(host: Host) -> Answer:
    """The Windows machine's RAM in bytes, as powershell.exe reports it (cached for a day)."""
    answers = windows_answers(host)
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


def windows_answers(host: Host) -> dict[str, object]:
    return host.fact("windows.answers", _ask_windows)


def _cache_file(host: Host) -> str:
    """The cache's name in devdoctor's state directory (one per WSL distro)."""
    if host.platform is Platform.WINDOWS:
        return "cache/windows-host.json"
    return f"cache/windows-{host.env.get('WSL_DISTRO_NAME', 'wsl')}.json"


MACHINE_KEYS = ("hypervisor", "firmware", "features", "build", "ubr", "release", "desktop")


def _ask_windows(host: Host) -> dict[str, object]:
    """Ask for the profile and everything powershell.exe knows at the same time.

    The profile and the RAM do not change: a day-old answer is reused. Virtualization and the
    features do, when the student repairs them: they are reused only when they were healthy.
    """
    cache = _cache_file(host)
    cached = _read_cache(host.read_state(cache, CACHE_LIMIT)) or {}
    if cached.get("hypervisor") is True:
        return cached

    answers: dict[str, object] = {
        k: v for k, v in cached.items() if k in ("profile", "profile_how")
    }

    def ask_profile() -> None:
        answers.update(_ask_profile(host))

    def ask_machine() -> None:
        answers.update(_ask_powershell(host))

    jobs = [ask_machine]
    if host.platform is Platform.WSL and not answers.get("profile"):
        jobs.append(ask_profile)
    threads = [threading.Thread(target=f, daemon=True) for f in jobs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 12
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    snapshot = dict(answers)  # a straggling thread cannot change it afterwards
    if snapshot.get("ram") and (host.platform is Platform.WINDOWS or snapshot.get("profile")):
        stored = {**snapshot, "at": time.time(), "v": CACHE_VERSION}
        if snapshot.get("hypervisor") is not True:
            stored = {k: v for k, v in stored.items() if k not in MACHINE_KEYS}
        for key in ("profile_how", "ram_how", "machine_how"):
            if isinstance(stored.get(key), str):
                stored[key] = str(stored[key]).removesuffix(", cached")
        host.write_state(cache, json.dumps(stored).encode())
    return snapshot


def _ask_powershell(host: Host) -> dict[str, object]:
    """One powershell.exe for RAM, virtualization, features and versions; reg.exe for the
    versions when PowerShell does not answer (missing, blocked by policy, or too slow)."""
    done = host.run(WINDOWS_COMMAND, timeout=8, cwd=_windows_cwd(host))
    said = parse_powershell(done.out) if done.ok else {}
    if said:
        said["ram_how"] = "powershell.exe on Windows"
        said["machine_how"] = "powershell.exe (Get-CimInstance, registry)"
        return said
    why = f"Windows did not say ({done.describe()})"
    answers: dict[str, object] = {"ram_how": why, "machine_how": why}
    if host.which("reg.exe") is None:
        return answers
    values = parse_reg_query(host.run(REG_WINDOWS, timeout=3, cwd=_windows_cwd(host)).out)
    if values.get("CurrentBuild", "").isdigit():
        answers["build"] = values["CurrentBuild"]
        answers["ubr"] = _reg_number(values.get("UBR", ""))
        answers["release"] = values.get("DisplayVersion")
        answers["machine_how"] = f"{why}; versions from reg.exe"
    desktop = parse_reg_query(host.run(REG_DESKTOP, timeout=3, cwd=_windows_cwd(host)).out)
    if desktop.get("DisplayVersion"):
        answers["desktop"] = desktop["DisplayVersion"]
    return answers


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_powershell(text: str) -> dict[str, object]:
    """The script's compressed JSON object; a bare number is the RAM alone (the answer to
    `(Get-CimInstance Win32_ComputerSystem).TotalPhysicalMemory`, which older stand-ins hold)."""
    try:
        value = json.loads(text.strip() or "null")
    except ValueError:
        return {}
    if _count(value) and value > 0:
        return {"ram": value}
    if not isinstance(value, dict):
        return {}
    said: dict[str, object] = {}
    if _count(value.get("ram")) and value["ram"] > 0:
        said["ram"] = value["ram"]
    for key in ("hypervisor", "firmware"):
        if isinstance(value.get(key), bool):
            said[key] = value[key]
    features = value.get("features")
    if isinstance(features, dict):
        said["features"] = {str(k): v for k, v in features.items() if _count(v)}
    for key in ("build", "release", "desktop"):
        if isinstance(value.get(key), (str, int)) and not isinstance(value.get(key), bool):
            said[key] = str(value[key])
    if _count(value.get("ubr")):
        said["ubr"] = value["ubr"]
    return said


def parse_reg_query(text: str) -> dict[str, str]:
    """`reg query KEY [/v NAME]`: the lines `    Name    REG_TYPE    Value` as name -> value."""
    values = {}
    for line in text.splitlines():
        parts = re.split(r" {2,}|\t", line.strip(), maxsplit=2)
        if len(parts) >= 2 and parts[1].startswith("REG_"):
            values[parts[0]] = parts[2].strip() if len(parts) == 3 else ""
    return values


def _reg_number(value: str) -> int | None:
    """A REG_DWORD as reg.exe prints it (0x...)."""
    try:
        return int(value, 0)
    except ValueError:
        return None


def _read_cache(data: bytes | None) -> dict[str, object] | None:
    """A day-old answer kept in devdoctor's state directory, when it is one."""
    try:
        cached = json.loads(data) if data is not None else None
        if not isinstance(cached, dict) or cached.get("v") != CACHE_VERSION:
            return None
        if time.time() - float(cached.get("at", 0)) < CACHE_SECONDS:
            for key in ("profile_how", "ram_how", "machine_how"):
                cached[key] = f"{cached.get(key)}, cached"
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
