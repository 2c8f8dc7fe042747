"""wsl-memory: how much memory and swap WSL2 gives the VM that runs the containers.

Docker Desktop's engine runs inside WSL2's VM, so a course build that needs 8 GiB fails with
an out-of-memory crash when WSL gives the VM less. The figures come from %UserProfile%\\.wslconfig
read exactly as WSL reads it, or from WSL's defaults where a key is absent.
"""

from __future__ import annotations

from collections.abc import Iterator

from devdoctor import (
    Check,
    Finding,
    Fix,
    Host,
    Platform,
    Policy,
    Status,
    evidence,
    format_size,
    live_meets,
)
from devdoctor.repo import policy
from devdoctor.resources import host_ram, vm_memory

from .memory_plan import SHUTDOWN_STEPS, how_to, memory_cap, plan_fix, spare_for_windows
from .windows import WSLCONFIG_LIMIT, read_wslconfig, wslconfig_path
from .wslconfig import (
    Decoded,
    UnreadableConfig,
    WslConfig,
    decode,
    effective_memory,
    effective_swap,
    parse,
)
from .wslconfig_keys import wsl_bytes

READ_LIMIT = WSLCONFIG_LIMIT
MIN_MEMORY = 256 * 1024 * 1024  # WSL raises a smaller memory= to this
RECLAIM = (
    "WSL keeps Linux's file cache in the VM's memory, so the VM holds on to memory Windows "
    "needs. Under `[experimental]` in .wslconfig, `autoMemoryReclaim=gradual` gives it back "
    "to Windows as the cache ages (`dropCache`: all at once when WSL is idle; recent WSL "
    "does that by default, WSL 1.3.10 and later know the key). It does not give the build "
    "more memory; it keeps Windows usable while WSL holds most of it."
)


class WslMemory(Check):
    """Memory and swap WSL2 gives the VM, against what the course needs.

    WSL2 gives its VM half of the computer's RAM unless %UserProfile%\\.wslconfig says
    otherwise (`memory=` and `swap=` under `[wsl2]`), and swap of a quarter of that. Docker
    Desktop's engine lives in that VM, so a course image that needs 8 GB to build crashes when
    WSL gives less.

    By hand: open %UserProfile%\\.wslconfig in Notepad (create it if needed), put `memory=8GB`
    and `swap=8GB` under a `[wsl2]` line (units in capitals: 8GB, not 8gb; comments start with
    `#`, not `;`), save, run `wsl --shutdown` in PowerShell and wait 8 seconds.
    """

    id = "wsl-memory"
    title = "WSL memory and swap"
    platforms = (Platform.WINDOWS, Platform.WSL)
    fix_description = "set memory= and swap= under [wsl2] in .wslconfig, then `wsl --shutdown`"

    def run(self, host: Host) -> Iterator[Finding]:
        path, how = wslconfig_path(host)
        if path is None:
            yield self.finding(
                Status.WARN,
                "no-profile",
                "cannot find your Windows profile folder, so not .wslconfig either",
                detail=f"devdoctor asked Windows and looked under /mnt/c/Users: {how}. Run "
                "`devdoctor check --wslconfig C:\\Users\\YOU\\.wslconfig` to name the file.",
            )
            return
        read = self._read(host, path, how)
        if isinstance(read, Finding):
            yield read
            return
        data, decoded = read
        text = decoded.text
        config = parse(text)
        yield from self._ignored(host, config, path)

        course = policy(host)
        ram = host_ram(host)
        if ram.value is None:
            yield from self._without_ram(host, path, data, decoded, config, ram.source)
            return
        memory, memory_from = effective_memory(config, ram.value)
        swap, swap_from = effective_swap(config, memory)
        need_memory, need_swap = course.wsl_memory, course.wsl_swap
        cap = memory_cap(ram.value)
        ram_said = f"{format_size(ram.value)} ({ram.source})"
        facts = _facts(course, memory, memory_from, swap, swap_from, ram_said)
        fix = plan_fix(host, self.id, path, data, decoded, ram.value, memory, swap)
        short_memory = memory < need_memory
        capped = (
            short_memory
            and memory >= min(cap, need_memory)
            and swap >= need_swap + (need_memory - memory)
        )
        if short_memory and not capped:
            yield self._too_little(
                path,
                memory,
                need_memory,
                facts,
                fix,
                "Docker Desktop's engine runs inside WSL's VM: with less memory the container "
                "build runs out of memory and WSL crashes or the build is killed. "
                + how_to(host, need_memory, need_swap),
            )
        elif capped:
            yield self.finding(
                Status.WARN,
                "small-computer",
                f"WSL has {format_size(memory)} (all this computer can spare) and "
                f"{format_size(swap)} of swap to make up the rest",
                subject=path,
                evidence=facts,
                detail=f"This computer has {format_size(ram.value)} of RAM; Windows needs "
                f"{format_size(spare_for_windows(ram.value))} of it. The build should finish, "
                "using swap, but slowly. Close other programs while it runs.",
            )
        if capped:  # the computer itself is short of memory
            yield from self._reclaim(config, path)
        if swap < need_swap and not short_memory:
            yield self.finding(
                Status.WARN,
                "too-little-swap",
                f"WSL gives the VM {format_size(swap)} of swap; "
                f"this course asks for {format_size(need_swap)}",
                subject=path,
                evidence=facts,
                fix=fix,
                detail="Swap lets a build that briefly needs more memory finish instead of being "
                "killed. " + how_to(host, need_memory, need_swap),
            )
        if host.platform is Platform.WSL:
            yield from self._live(host, path, memory, need_memory)
        if memory >= need_memory and swap >= need_swap:
            yield self.finding(
                Status.OK,
                "enough",
                f"WSL gives the VM {format_size(memory)} of memory and {format_size(swap)} of swap",
                subject=path,
                evidence=facts,
            )

    def _read(self, host: Host, path: str, how: str) -> tuple[bytes | None, Decoded] | Finding:
        """The file's bytes (None when absent) and its text as WSL decodes it, or why not.

        The fix is planned from these very bytes, so a file edited after this read is refused
        by the fix engine rather than overwritten.
        """
        try:
            data, truncated = read_wslconfig(host, path)
        except FileNotFoundError:
            if how == "--wslconfig":
                return self.finding(
                    Status.WARN,
                    "missing",
                    f"the .wslconfig named with --wslconfig does not exist: {path}",
                    subject=path,
                    detail="devdoctor does not read a file you named but that is not there as "
                    '"no .wslconfig, WSL\'s defaults": check the path (WSL itself reads only '
                    "%UserProfile%\\.wslconfig), or leave --wslconfig out to let devdoctor "
                    "find it.",
                )
            return None, Decoded("", "utf-8", "\r\n")
        except OSError as exc:
            return self._unreadable(
                path,
                f"cannot read .wslconfig: {exc.strerror}",
                "devdoctor cannot tell what WSL will use. Check the file's permissions, or open "
                "it in Notepad and save it again.",
            )
        if truncated:
            return self._unreadable(
                path,
                f".wslconfig is larger than {READ_LIMIT // 1024} KiB",
                "A .wslconfig is a few lines long. This one is not a settings file any more: "
                "rename it and let devdoctor write a fresh one.",
            )
        try:
            return data, decode(data)
        except UnreadableConfig as exc:
            return self._unreadable(
                path,
                f".wslconfig cannot be read as text: {exc}",
                "WSL cannot read it either, so it uses its defaults. Open it in Notepad and save "
                "it as UTF-8.",
            )

    def _unreadable(self, path: str, summary: str, detail: str) -> Finding:
        return self.finding(Status.WARN, "unreadable", summary, subject=path, detail=detail)

    def _ignored(self, host: Host, config: WslConfig, path: str) -> Iterator[Finding]:
        """Lines WSL skips, each as WSL itself reports it when it starts, with its line: the
        user thinks they set something, WSL disagrees."""
        shown = _windows_path(path) if host.platform is Platform.WSL else path
        for problem in config.problems:
            matters = any(k in problem.text.lower() for k in ("memory", "swap"))
            said = problem.reported(shown)
            yield self.finding(
                Status.WARN if matters else Status.INFO,
                problem.kind,
                f"WSL ignores line {problem.line} of .wslconfig: {problem.text[:60]}",
                subject=path,
                path=path,
                line=problem.line,
                detail=problem.message,
                evidence=evidence(line=problem.line, wsl_says=said or "(skips it silently)"),
            )

    def _reclaim(self, config: WslConfig, path: str) -> Iterator[Finding]:
        """The computer is short of memory: say what autoMemoryReclaim does for Windows."""
        entry = config.get("experimental", "autoMemoryReclaim")
        value = entry.value.strip().lower() if entry is not None else ""
        if value in ("gradual", "dropcache"):
            return
        setting = f"autoMemoryReclaim={entry.value}" if entry is not None else "not set"
        yield self.finding(
            Status.INFO,
            "auto-memory-reclaim",
            "memory is tight on this computer: WSL can give unused memory back to Windows",
            subject=path,
            line=entry.line if entry is not None else None,
            detail=RECLAIM,
            evidence=evidence(experimental=setting),
        )

    def _without_ram(
        self,
        host: Host,
        path: str,
        data: bytes | None,
        decoded: Decoded,
        config: WslConfig,
        why: str,
    ) -> Iterator[Finding]:
        """Windows did not say how much RAM it has: give the verdicts that do not depend on it.

        WSL clamps `memory=` to the RAM, so an explicit size below the need is too little
        whatever the RAM; inside WSL, /proc/meminfo is the VM's memory right now.
        """
        course = policy(host)
        need_memory, need_swap = course.wsl_memory, course.wsl_swap
        entry = config.get("wsl2", "memory")
        size = wsl_bytes(entry.value) if entry is not None else None
        live = vm_memory(host) if host.platform is Platform.WSL else None
        memory: int | None = None
        found, meets = "", True
        if entry is not None and size:  # 0 and bad sizes mean WSL's default: that needs the RAM
            memory = max(size, MIN_MEMORY)
            found = f"{entry.raw_key}={entry.value}, line {entry.line}"
            meets = memory >= need_memory
        elif live is not None and live.value is not None and entry is None:
            memory = live.value
            found = f"the VM has it now ({live.source}); WSL's default"
            meets = live_meets(memory, need_memory)
        if memory is None or meets:
            yield self.finding(
                Status.WARN,
                "unknown-ram",
                "cannot tell how much RAM this computer has, so not WSL's defaults either",
                detail=f"Windows did not answer ({why}). Set memory= and swap= explicitly "
                "in .wslconfig so they do not depend on it.",
                subject=path,
            )
            return
        swap, swap_from = effective_swap(config, memory)
        yield self._too_little(
            path,
            memory,
            need_memory,
            _facts(course, memory, found, swap, swap_from, f"unknown ({why})"),
            plan_fix(host, self.id, path, data, decoded, None, memory, swap),
            "This does not depend on the computer's RAM, which Windows did not say: "
            "WSL never gives the VM more than this. " + how_to(host, need_memory, need_swap),
        )

    def _too_little(
        self,
        path: str,
        memory: int,
        need_memory: int,
        facts: tuple[tuple[str, str], ...],
        fix: Fix,
        detail: str,
    ) -> Finding:
        return self.finding(
            Status.FAIL,
            "too-little-memory",
            f"WSL gives the VM {format_size(memory)} of memory; "
            f"this course needs {format_size(need_memory)}",
            subject=path,
            evidence=facts,
            fix=fix,
            detail=detail,
        )

    def _live(self, host: Host, path: str, memory: int, need_memory: int) -> Iterator[Finding]:
        """Inside WSL: the file may already ask for more than the VM has, until a restart."""
        if "Microsoft@Microsoft.com" in host.kernel:
            return  # WSL 1 has no VM: /proc/meminfo is Windows' own memory (wsl-version says)
        live = vm_memory(host)
        if live.value is None:
            return
        if not live_meets(live.value, memory) and live_meets(memory, need_memory):
            yield self.finding(
                Status.WARN,
                "restart-pending",
                f".wslconfig gives WSL {format_size(memory)}, but the VM has "
                f"{format_size(live.value)} now: WSL has not restarted since",
                subject=path,
                evidence=evidence(
                    configured=format_size(memory),
                    live=f"{format_size(live.value)} ({live.source})",
                ),
                detail="WSL reads .wslconfig only when its VM starts. " + " ".join(SHUTDOWN_STEPS),
            )


def _windows_path(path: str) -> str:
    """/mnt/c/Users/me/.wslconfig as Windows (and WSL's warnings) write it."""
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "mnt" and len(parts[2]) == 1:
        return f"{parts[2].upper()}:\\" + "\\".join(parts[3:])
    return path


def _facts(
    course: Policy, memory: int, memory_from: str, swap: int, swap_from: str, ram: str
) -> tuple[tuple[str, str], ...]:
    """What wsl-memory's findings show: the figures WSL uses, the course's, the computer's."""
    return evidence(
        configured_memory=f"{format_size(memory)} ({memory_from})",
        configured_swap=f"{format_size(swap)} ({swap_from})",
        needed_memory=f"{format_size(course.wsl_memory)} ({course.source('wsl.memory')})",
        needed_swap=f"{format_size(course.wsl_swap)} ({course.source('wsl.swap')})",
        computer_RAM=ram,
    )
