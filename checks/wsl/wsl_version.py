"""wsl-version: WSL is installed, the distro runs as WSL 2, /etc/wsl.conf keeps what matters on.

Docker Desktop's engine needs WSL 2; a distro still on WSL 1 cannot reach it. /etc/wsl.conf is
parsed like .wslconfig, except that WSL stops reading it at the first invalid line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from devdoctor import Check, Completed, Finding, Host, Platform, Status, evidence
from devdoctor.lazy import LazyPattern

from .machine import (
    CODE_CAUSES,
    ENABLE_FIRMWARE,
    ENABLE_VMP,
    ENABLE_WSL,
    HYPERVISOR_ON,
    UPDATE_WSL,
    VMP,
    WSL_FEATURE,
    WslRelease,
    error_codes,
    windows_machine,
    wsl_release,
)
from .windows import parse_wsl_list, wsl_list
from .wslconfig import UnreadableConfig, decode, parse

_WSL1_KERNEL = LazyPattern(r"-Microsoft\b.*Microsoft@Microsoft\.com", re.DOTALL)

# (section.key, value that hurts, status, why)
_WSL_CONF_RULES = (
    (
        "interop.enabled",
        "false",
        Status.WARN,
        "Windows programs cannot be started from this distro: `code .` and Docker Desktop's "
        "credential helper stop working, and devdoctor cannot ask Windows anything.",
    ),
    (
        "interop.appendwindowspath",
        "false",
        Status.INFO,
        "Windows' PATH is not added here, so `code` is not found unless VS Code's folder is "
        "added by hand.",
    ),
    (
        "automount.enabled",
        "false",
        Status.INFO,
        "Windows drives are not mounted under /mnt, so a course repository on C: cannot be opened.",
    ),
    (
        "gpu.enabled",
        "false",
        Status.INFO,
        "the GPU is hidden from this distro, so GPU courses cannot use it.",
    ),
)


class WslVersion(Check):
    """WSL is installed, the distro runs as WSL 2, and /etc/wsl.conf keeps what matters on.

    Docker Desktop's engine runs in WSL 2's virtual machine. A distro on WSL 1 cannot run it:
    in PowerShell, `wsl --set-version <distro> 2` converts it (`wsl -l -v` lists them). If WSL
    is missing, `wsl --install` in an administrator PowerShell installs it; restart afterwards.
    In /etc/wsl.conf, WSL stops reading at the first line it cannot parse (a `;` comment, a
    key with `_`), so settings after it are silently ignored.
    """

    id = "wsl-version"
    title = "WSL version and settings"
    platforms = (Platform.WINDOWS, Platform.WSL)

    def run(self, host: Host) -> Iterator[Finding]:
        if host.platform is Platform.WINDOWS:
            yield from self._from_windows(host)
        else:
            yield from self._inside(host)
            yield from self._wsl_conf(host)

    def _from_windows(self, host: Host) -> Iterator[Finding]:
        release = wsl_release(host)
        done = wsl_list(host)
        if done.missing:
            yield self.finding(
                Status.FAIL,
                "not-installed",
                "WSL is not installed",
                detail="Docker Desktop needs WSL 2. In PowerShell run as administrator: "
                "`wsl --install`, then restart Windows.",
            )
            return
        found = {f.code: f for f in self._machine(host, release)}
        codes = error_codes(f"{done.out}\n{done.err}") + release.codes
        for finding in self._codes(codes, done):
            found.setdefault(finding.code, finding)
        yield from found.values()
        said = (done.out + done.err).strip().splitlines()[:1]
        if not (release.kind == "inbox" and not done.ok and said == [release.said]):
            yield from self._release(release)  # else wsl.exe fails alike whatever it is asked
        if done.timed_out:
            yield self.finding(
                Status.WARN,
                "timeout",
                "wsl.exe did not answer within 8 s",
                detail="WSL may be hung: run `wsl --shutdown` in PowerShell.",
            )
            return
        rows = parse_wsl_list(done.out)
        if not rows and not done.ok and "DEFAULT_DISTRO_NOT_FOUND" not in done.out + done.err:
            if any(f.status is Status.FAIL for f in found.values()):
                return  # the causes above say why, each with its fix
            said = (done.out + done.err).strip().splitlines()[:1] or [done.describe()]
            yield self.finding(
                Status.FAIL,
                "not-working",
                "`wsl -l -v` failed: WSL is not installed or not working",
                evidence=evidence(wsl=said[0][:200], exit=done.describe()),
                detail="Docker Desktop needs WSL 2. In PowerShell run as administrator: "
                "`wsl --install` (or `wsl --update`), then restart Windows.",
            )
            return
        if not rows:
            yield self.finding(
                Status.WARN,
                "no-distro",
                "WSL has no Linux distribution installed",
                evidence=evidence(wsl=done.describe()),
                detail="Install one with `wsl --install -d Ubuntu` in PowerShell; Docker Desktop "
                "adds its own, but the course is best cloned inside a distro.",
            )
            return
        old = [
            r for r in rows if r["version"] == "1" and not r["name"].startswith("docker-desktop")
        ]
        listed = ", ".join(f"{r['name']} (WSL {r['version']})" for r in rows)
        for row in old:
            yield self.finding(
                Status.WARN if row["default"] == "False" else Status.FAIL,
                "wsl1",
                f"{row['name']} runs as WSL 1; Docker Desktop needs WSL 2",
                evidence=evidence(distros=listed),
                detail=f"In PowerShell: `wsl --set-version {row['name']} 2`.",
            )
        if not old:
            yield self.finding(
                Status.OK, "wsl2", "every distro runs as WSL 2", evidence=evidence(distros=listed)
            )

    # -- the Windows machine ------------------------------------------------------------------

    def _machine(self, host: Host, release: WslRelease) -> Iterator[Finding]:
        """Virtualization, the hypervisor and the two features, as Windows answered."""
        found = windows_machine(host)
        shown = evidence(
            HypervisorPresent=_said(found.hypervisor),
            VirtualizationFirmwareEnabled=_said(found.firmware),
            VirtualMachinePlatform=_state(found.feature(VMP)),
            Microsoft_Windows_Subsystem_Linux=_state(found.feature(WSL_FEATURE)),
            asked=found.how,
        )
        if found.hypervisor is None and found.firmware is None and not found.features:
            return  # Windows did not say: wsl.exe's error codes, if any, still name the cause
        vmp = found.feature(VMP)
        if found.hypervisor is False and found.firmware is False:
            yield self.finding(
                Status.FAIL,
                "virtualization-off",
                "virtualization is off in the computer's firmware: WSL 2 cannot run",
                detail=ENABLE_FIRMWARE + " (Docker Desktop's diagnosis: DD0002, DD0018.)",
                evidence=shown,
            )
        elif found.hypervisor is False and found.firmware is True and vmp is True:
            yield self.finding(
                Status.FAIL,
                "hypervisor-off",
                "Windows' hypervisor does not start (hypervisorlaunchtype is off)",
                detail=HYPERVISOR_ON,
                evidence=shown,
            )
        if vmp is False:
            yield self.finding(
                Status.FAIL,
                "vmp-off",
                "the Virtual Machine Platform feature is off: WSL 2 cannot run",
                detail=ENABLE_VMP + " (Docker Desktop's diagnosis: DD0022.)",
                evidence=shown,
            )
        if found.feature(WSL_FEATURE) is False:
            store = release.kind == "store"
            yield self.finding(
                Status.WARN if store else Status.FAIL,
                "wsl-feature-off",
                "the Windows Subsystem for Linux feature is off",
                detail=ENABLE_WSL
                + (
                    " The Microsoft Store WSL runs WSL 2 without it, but WSL 1 needs it and "
                    "Docker Desktop's own diagnosis fails on it (DD0021)."
                    if store
                    else ""
                ),
                evidence=shown,
            )
        if found.hypervisor is True and vmp is not False:
            yield self.finding(
                Status.OK,
                "virtualization",
                "virtualization is on and Windows' hypervisor runs",
                evidence=shown,
            )

    def _codes(self, codes: tuple[str, ...], done: Completed) -> Iterator[Finding]:
        """What the error codes in wsl.exe's answers mean (the words are localised; not these)."""
        for code in codes:
            cause = CODE_CAUSES.get(code)
            if cause is None:
                continue
            slug, summary, fix = cause
            yield self.finding(
                Status.FAIL,
                slug,
                f"{summary} (wsl.exe: {code})",
                detail=fix,
                evidence=evidence(code=code, wsl=done.describe()),
            )

    def _release(self, release: WslRelease) -> Iterator[Finding]:
        """The Store WSL (kept up to date by the Store) or the old inbox one."""
        if release.kind == "store":
            yield self.finding(
                Status.OK,
                "store-wsl",
                f"WSL v{release.version} from the Microsoft Store",  # v: not read as an IP
                evidence=evidence(
                    WSL=f"v{release.version}", kernel=release.kernel, Windows=release.windows or "?"
                ),
            )
        elif release.kind == "inbox":
            yield self.finding(
                Status.WARN,
                "inbox-wsl",
                "this is Windows' old inbox WSL (it does not know `wsl --version`)",
                detail="The inbox WSL gets no fixes; Docker Desktop and VS Code expect the "
                "Microsoft Store WSL. " + UPDATE_WSL,
                evidence=evidence(wsl_version=release.said),
            )

    def _inside(self, host: Host) -> Iterator[Finding]:
        kernel = host.kernel
        distro = host.env.get("WSL_DISTRO_NAME", "this distro")
        if _WSL1_KERNEL.search(kernel) and not host.env.get("WSL_INTEROP"):
            yield self.finding(
                Status.FAIL,
                "wsl1",
                f"{distro} runs as WSL 1; Docker Desktop's engine needs WSL 2",
                evidence=evidence(kernel=kernel[:120]),
                detail=f"In PowerShell: `wsl --set-version {distro} 2`, then open it again. "
                "(The kernel name of WSL 1 is `...-Microsoft`; "
                "WSL 2's is `...-microsoft-standard-WSL2`.) If Windows cannot run WSL 2 yet, "
                "that command fails with 0x80370102: the findings below say what to turn on "
                "first.",
            )
            # WSL 1 runs without virtualization: whatever keeps WSL 2 from starting is here.
            yield from (
                f for f in self._machine(host, wsl_release(host)) if f.status is not Status.OK
            )
        else:
            version = kernel.split()[2] if len(kernel.split()) > 2 else kernel
            yield self.finding(
                Status.OK, "wsl2", f"{distro} runs as WSL 2", evidence=evidence(kernel=version)
            )
        release = wsl_release(host)
        if release.kind in ("store", "inbox"):  # missing or silent: interop is off, say nothing
            yield from self._release(release)

    def _wsl_conf(self, host: Host) -> Iterator[Finding]:
        try:
            data, _ = host.read_bytes("/etc/wsl.conf", limit=64 * 1024)
        except FileNotFoundError:
            return
        except OSError as exc:
            yield self.finding(
                Status.WARN,
                "unreadable",
                f"cannot read /etc/wsl.conf: {exc.strerror}",
                subject="/etc/wsl.conf",
            )
            return
        try:
            config = parse(decode(data).text)
        except UnreadableConfig as exc:
            yield self.finding(
                Status.WARN,
                "unreadable",
                f"/etc/wsl.conf is not text WSL can read: {exc}",
                subject="/etc/wsl.conf",
            )
            return
        stop = next((p for p in config.problems if p.kind in ("invalid-line", "bad-escape")), None)
        if stop is not None:
            ignored = [e for e in config.entries if e.line > stop.line]
            yield self.finding(
                Status.WARN,
                "stops-early",
                f"WSL stops reading /etc/wsl.conf at line {stop.line}",
                subject="/etc/wsl.conf",
                evidence=evidence(
                    line=f"{stop.line}: {stop.text}",
                    ignored=", ".join(f"{e.section}.{e.raw_key}" for e in ignored) or "nothing",
                ),
                detail=f"{stop.message} Unlike .wslconfig, /etc/wsl.conf is read only up to the "
                "first line WSL cannot parse: every setting after it is ignored.",
            )
        entries = [e for e in config.entries if stop is None or e.line < stop.line]
        vm = [e for e in entries if e.section in ("wsl2", "experimental", "general")]
        if vm:
            yield self.finding(
                Status.WARN,
                "vm-keys",
                "/etc/wsl.conf sets the VM's settings, which WSL reads only from .wslconfig",
                subject="/etc/wsl.conf",
                line=vm[0].line,
                evidence=evidence(
                    wsl_says="; ".join(
                        f"wsl: Unknown key '{e.section}.{e.raw_key}' in /etc/wsl.conf:{e.line}"
                        for e in vm[:3]
                    )
                ),
                detail="[wsl2], [experimental] and [general] (memory, swap, processors...) are "
                "for the whole VM: WSL reads them from %UserProfile%\\.wslconfig on Windows "
                "and ignores them here. Move those lines there (`devdoctor fix wsl-memory` "
                "writes memory and swap), then run `wsl --shutdown` in PowerShell.",
            )
        for key, bad, status, why in _WSL_CONF_RULES:
            section, _, name = key.partition(".")
            entry = next((e for e in entries if e.section == section and e.key == name), None)
            if entry is not None and entry.value.strip().lower() in (
                bad,
                "0" if bad == "false" else bad,
            ):
                yield self.finding(
                    status,
                    f"{section}-{name}".lower(),
                    f"/etc/wsl.conf sets {section}.{entry.raw_key}={entry.value}",
                    subject="/etc/wsl.conf",
                    evidence=evidence(line=entry.line),
                    detail=why,
                )


def _said(value: bool | None) -> str:
    return "not said" if value is None else str(value)


def _state(enabled: bool | None) -> str:
    return "not said" if enabled is None else ("enabled" if enabled else "disabled")
