"""The Windows machine under WSL: virtualization, the features WSL needs, which WSL it is.

Everything here comes from answers that need no admin rights: the one powershell.exe round
trip in windows.py (WMI and the registry), and `wsl.exe --version`. Windows localises its
messages, so only exit statuses, error codes (0x8007019e, HCS_E_HYPERV_NOT_INSTALLED) and
version-number patterns are matched, never English words.
"""

from __future__ import annotations

from typing import NamedTuple

from devdoctor import Completed, Host, Platform
from devdoctor.lazy import LazyPattern

from .windows import windows_answers, wsl_env

ENABLED = 1  # Win32_OptionalFeature.InstallState: 1 enabled, 2 disabled, 3 absent
VMP = "VirtualMachinePlatform"
WSL_FEATURE = "Microsoft-Windows-Subsystem-Linux"

_VERSION = LazyPattern(r"^\d+(?:\.\d+){1,3}(?:[-+.][0-9A-Za-z.-]+)?$")
_WINDOWS_VERSION = LazyPattern(r"^10\.0\.(\d{5})(?:\.(\d+))?$")
_CODE = LazyPattern(r"\b0x[0-9a-fA-F]{8}\b|\b(?:HCS|WSL)_E_[A-Z0-9_]+\b")

ENABLE_VMP = (
    "In PowerShell run as administrator: `wsl.exe --install --no-distribution` (or "
    "`dism.exe /online /enable-feature /featurename:VirtualMachinePlatform /all /norestart`), "
    "then restart Windows."
)
ENABLE_WSL = (
    "In PowerShell run as administrator: `dism.exe /online /enable-feature "
    "/featurename:Microsoft-Windows-Subsystem-Linux /all /norestart`, then restart Windows."
)
ENABLE_FIRMWARE = (
    "Virtualization is switched off in the computer's firmware (BIOS/UEFI). Restart into its "
    "setup: in PowerShell run as administrator `shutdown.exe /r /fw /t 0` (UEFI computers; "
    "otherwise press the setup key, often F2, F10 or Del, while it starts), turn on Intel "
    "Virtualization Technology (VT-x) or AMD SVM Mode, save and restart."
)
HYPERVISOR_ON = (
    "Windows' hypervisor is not started although the firmware allows it: the boot setting "
    "`hypervisorlaunchtype` is off (some games' anti-cheat and older VirtualBox set it). In "
    "PowerShell run as administrator: `bcdedit /set hypervisorlaunchtype auto`, then restart "
    "Windows."
)
UPDATE_WSL = (
    "In PowerShell: `wsl --update` (it installs WSL from the Microsoft Store). If that option "
    'is unknown too, install "Windows Subsystem for Linux" from the Microsoft Store '
    "(https://aka.ms/wslstorepage), then run `wsl --shutdown`."
)

# Error codes in wsl.exe's output -> (finding slug, what it means, the fix).
CODE_CAUSES: dict[str, tuple[str, str, str]] = {
    "0x8007019e": ("wsl-feature-off", "the Windows Subsystem for Linux feature is off", ENABLE_WSL),
    "WSL_E_WSL_OPTIONAL_COMPONENT_REQUIRED": (
        "wsl-feature-off",
        "the Windows Subsystem for Linux feature is off",
        ENABLE_WSL,
    ),
    "0x80370102": (
        "virtualization-off",
        "WSL 2 cannot start its VM: virtualization or Virtual Machine Platform is off",
        f"{ENABLE_FIRMWARE} If it is on there: {ENABLE_VMP}",
    ),
    "HCS_E_HYPERV_NOT_INSTALLED": (
        "vmp-off",
        "WSL 2 cannot start its VM: the Virtual Machine Platform feature is off",
        ENABLE_VMP,
    ),
    "0x80070569": (
        "logon-right",
        "a group policy forbids WSL's VM to log on (0x80070569)",
        "Your organisation's policy does not grant `NT VIRTUAL MACHINE\\Virtual Machines` the "
        '"Log on as a service" right. Ask your IT department to grant it; then in PowerShell '
        "run `gpupdate /force` and restart Windows.",
    ),
    "0x8037011e": (
        "hcs-disconnected",
        "the Host Compute Service stopped while WSL started its VM (0x8037011e)",
        "In PowerShell: `wsl --shutdown`; if it happens again, in PowerShell run as "
        "administrator `Restart-Service vmcompute`, or restart Windows.",
    ),
}


class Machine(NamedTuple):
    """What Windows said about itself (None: it did not say) and how devdoctor asked."""

    hypervisor: bool | None
    firmware: bool | None
    features: dict[str, int]
    build: str | None  # "22631.2861"
    release: str | None  # "23H2"
    desktop: str | None  # Docker Desktop's version from its uninstall entry
    how: str

    @property
    def windows(self) -> str | None:
        """`Windows 11 23H2, build 22631.2861` (build 22000 and later is Windows 11)."""
        if not self.build:
            return None
        major = self.build.split(".")[0]
        name = "Windows 11" if major.isdigit() and int(major) >= 22000 else "Windows 10"
        return (
            f"{name} {self.release}, build {self.build}"
            if self.release
            else (f"{name}, build {self.build}")
        )

    def feature(self, name: str) -> bool | None:
        """Whether the optional feature is enabled; None when Windows did not say."""
        state = self.features.get(name)
        return None if state is None else state == ENABLED


def windows_machine(host: Host) -> Machine:
    """Windows' answers, from the cached round trip (asked once per run at most)."""
    if host.platform not in (Platform.WSL, Platform.WINDOWS):
        return Machine(None, None, {}, None, None, None, "not Windows or WSL")
    said = windows_answers(host)
    hypervisor, firmware = said.get("hypervisor"), said.get("firmware")
    features = said.get("features")
    build, ubr = said.get("build"), said.get("ubr")
    full = f"{build}.{ubr}" if isinstance(build, str) and isinstance(ubr, int) else build
    release, desktop = said.get("release"), said.get("desktop")
    return Machine(
        hypervisor if isinstance(hypervisor, bool) else None,
        firmware if isinstance(firmware, bool) else None,
        dict(features) if isinstance(features, dict) else {},
        full if isinstance(full, str) else None,
        release if isinstance(release, str) and release else None,
        desktop if isinstance(desktop, str) and desktop else None,
        str(said.get("machine_how", "")),
    )


class WslRelease(NamedTuple):
    """Which WSL answered `wsl --version`: `store` (the Microsoft Store package, which knows
    --version), `inbox` (Windows' built-in one, which rejects it), `missing`, `error` (an
    error code instead), or `unknown` (it did not answer, or not in a form devdoctor knows)."""

    kind: str
    version: str | None = None
    kernel: str | None = None
    windows: str | None = None
    codes: tuple[str, ...] = ()
    said: str = ""


def wsl_release(host: Host) -> WslRelease:
    """`wsl.exe --version`, asked once per run: it answers without starting WSL's VM."""
    return host.fact("wsl.version", _ask_wsl_version)


def _ask_wsl_version(host: Host) -> WslRelease:
    done = host.run(["wsl.exe", "--version"], timeout=8, env=wsl_env(host))
    return parse_wsl_version(done)


def parse_wsl_version(done: Completed) -> WslRelease:
    """Read `wsl --version` by its shape: lines `<label>: <version>` in a fixed order (WSL,
    kernel, WSLg, MSRDC, Direct3D, DXCore, Windows); the labels are localised, so unread."""
    if done.missing:
        return WslRelease("missing", said=done.describe())
    if done.timed_out or done.rc is None:
        return WslRelease("unknown", said=done.describe())
    text = f"{done.out}\n{done.err}"
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), done.describe())
    codes = error_codes(text)
    values = []
    for line in done.out.splitlines():
        label, sep, value = line.replace("\uff1a", ":").rpartition(":")
        if sep and label.strip() and _VERSION.match(value.strip()):
            values.append(value.strip())
    windows = next((v for v in values if _WINDOWS_VERSION.match(v)), None)
    if done.ok and len(values) >= 2:
        return WslRelease("store", values[0], values[1], windows, codes, first[:200])
    if codes:
        return WslRelease("error", codes=codes, said=first[:200])
    if not done.ok:
        return WslRelease("inbox", said=first[:200])
    return WslRelease("unknown", said=first[:200])


def error_codes(text: str) -> tuple[str, ...]:
    """The error codes in wsl.exe's output, each once, in order (0x… in lower case)."""
    found: list[str] = []
    for match in _CODE.finditer(text):
        code = match[0].lower() if match[0].lower().startswith("0x") else match[0]
        if code not in found:
            found.append(code)
    return tuple(found)


def report_lines(host: Host) -> list[tuple[str, str]]:
    """The `report:windows` fact: Windows and WSL versions for the report's header, from the
    answers the WSL checks gather anyway (the cached round trip, `wsl --version`)."""
    if host.platform not in (Platform.WSL, Platform.WINDOWS):
        return []
    lines: list[tuple[str, str]] = []
    found = windows_machine(host)
    release = wsl_release(host)
    windows = found.windows
    if windows is None and release.windows:
        match = _WINDOWS_VERSION.match(release.windows)
        if match:
            windows = f"build {match[1]}" + (f".{match[2]}" if match[2] else "")
    lines.append(("Windows", windows or "unknown (Windows did not say)"))
    kernel = release.kernel
    if host.platform is Platform.WSL:
        parts = host.kernel.split()
        kernel = parts[2] if len(parts) > 2 else kernel
    if release.kind == "store":
        # "v": a bare four-part version reads as an IPv4 address to the report's redactor
        lines.append(("WSL", f"v{release.version} (Microsoft Store)"))
    elif release.kind == "inbox":
        lines.append(("WSL", "the inbox WSL of Windows (no `wsl --version`)"))
    else:
        lines.append(("WSL", f"unknown ({release.said or release.kind})"))
    if kernel:
        lines.append(("WSL kernel", kernel))
    if found.desktop:
        lines.append(("Docker Desktop", found.desktop))
    return lines
