"""The settings .wslconfig may hold, as WSL knows them: keys by section, and how values are read.

WSL's own tables (WslCoreConfig.h) and value parsers (ParseMemorySize, ParseBool), shared by the
reader (wslconfig.py), its lint (wslconfig_lint.py) and the writer (wslconfig_edit.py); kept
apart so each of those stays one job and none has to import the others for a table.
"""

from __future__ import annotations

from devdoctor.sizes import GiB, KiB, MiB, TiB

DIGITS = "0123456789"
"""ASCII digits: what WSL's parser counts as one (not str.isdigit's Unicode digits)."""

_UNITS = {"": 1, "B": 1, "K": KiB, "KB": KiB, "M": MiB, "MB": MiB, "G": GiB, "GB": GiB}
_UNITS |= {"T": TiB, "TB": TiB}


def wsl_bytes(value: str) -> int | None:
    """Bytes for a size as WSL's ParseMemorySize reads it, or None where WSL rejects it.

    Digits, then B, K(B), M(B), G(B) or T(B) in upper case (powers of 1024); no unit means
    bytes. So "8gb", "8 GB", "8.5GB" and "8GiB" are rejected, and WSL keeps its default.
    """
    end = 0
    while end < len(value) and value[end] in DIGITS:
        end += 1
    digits, unit = value[:end], value[end:]
    if not digits or unit not in _UNITS:
        return None
    significant = digits.lstrip("0")
    if not significant and digits != "0":  # WSL's zero check wants exactly one "0" digit
        return None
    # strtoull saturates at 2**64 - 1 and the multiplication wraps, as in WSL's uint64_t; more
    # than 20 digits saturates without converting them (Python refuses 4,300 digits).
    number = 2**64 - 1 if len(significant) > 20 else min(int(digits), 2**64 - 1)
    return (number * _UNITS[unit]) % 2**64


def parse_bool(value: str) -> bool | None:
    """WSL's ParseBool: true/false in any case, or 1/0; None for anything else."""
    if value == "1" or value.lower() == "true":
        return True
    if value == "0" or value.lower() == "false":
        return False
    return None


# WslCoreConfig.h `namespace ConfigSetting`: every key WSL's parser accepts, by section.
KEYS: dict[str, tuple[str, ...]] = {
    "wsl2": (
        "kernel", "kernelCommandLine", "kernelModules", "memory", "processors", "debugConsole",
        "earlyBootLogging", "swap", "swapFile", "localhostForwarding", "nestedVirtualization",
        "virtio9p", "virtiofs", "kernelDebugPort", "gpuSupport", "guiApplications",
        "systemDistro", "telemetry", "vmIdleTimeout", "debugConsoleLogFile", "kernelBootTimeout",
        "distributionStartTimeout", "virtio", "hostFileSystemAccess", "mountDeviceTimeout",
        "hardwarePerformanceCounters", "networkingMode", "vmSwitch", "macAddress", "dhcp",
        "dhcpTimeout", "ipv6", "dnsProxy", "safeMode", "defaultVhdSize", "crashDumpFolder",
        "maxCrashDumpCount", "dnsTunneling", "firewall", "autoProxy", "loadKernelModules",
        "loadDefaultKernelModules", "isolateDistroCgroup",
    ),
    "experimental": (
        "networkingMode", "autoMemoryReclaim", "sparseVhd", "dnsTunneling",
        "bestEffortDnsParsing", "dnsTunnelingIpAddress", "firewall", "autoProxy",
        "initialAutoProxyTimeout", "ignoredPorts", "hostAddressLoopback", "setVersionDebug",
        "swiotlb", "virtioFsAggregateShares",
    ),
    "general": ("distributionInstallPath", "instanceIdleTimeout"),
}  # fmt: skip
SPELLING = {key.lower(): key for keys in KEYS.values() for key in keys}
KNOWN = {f"{section}.{key.lower()}" for section, keys in KEYS.items() for key in keys}
# One setting, two names: WSL counts them as one key, so the first of either wins.
_ALIASES = {f"experimental.{k}": f"wsl2.{k}" for k in ("networkingmode", "dnstunneling")}
_ALIASES |= {f"experimental.{k}": f"wsl2.{k}" for k in ("firewall", "autoproxy")}
SIZE_KEYS = {"wsl2.memory", "wsl2.swap", "wsl2.defaultvhdsize", "experimental.swiotlb"}
BOOL_KEYS = {  # the documented booleans
    "wsl2.localhostforwarding", "wsl2.safemode", "wsl2.guiapplications", "wsl2.debugconsole",
    "wsl2.nestedvirtualization", "wsl2.dnsproxy", "wsl2.firewall", "wsl2.dnstunneling",
    "wsl2.autoproxy", "experimental.sparsevhd", "experimental.besteffortdnsparsing",
    "experimental.hostaddressloopback",
}  # fmt: skip
# Sections of /etc/wsl.conf, the per-distro file people mix up with .wslconfig.
WSL_CONF = {"boot", "automount", "interop", "network", "user", "gpu", "time"}


def setting_id(section: str, key: str) -> str:
    """One id per setting WSL keeps, so aliases and case variants compare equal."""
    name = f"{section.lower()}.{key.lower()}"
    return _ALIASES.get(name, name)


def home_section(key: str) -> str | None:
    """The section a known key belongs in ([wsl2] first), or None if WSL knows it nowhere."""
    return next((s for s in KEYS if f"{s}.{key.lower()}" in KNOWN), None)
