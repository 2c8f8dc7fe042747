"""What wsl-memory asks of WSL on this computer: the most it may take, and the fix that sets it.

The check (wsl_memory.py) compares what WSL gives the VM with what the course needs; this is
the other half, what to give instead: the share Windows keeps, the cap that leaves, the edit
of .wslconfig with its restart steps, and the same advice in words for doing it by hand.
"""

from __future__ import annotations

from devdoctor import Fix, GiB, Host, Platform, WriteFile, format_size
from devdoctor.repo import policy
from devdoctor.sizes import wsl_size

from .wslconfig import Decoded, encode
from .wslconfig_edit import set_values

SHUTDOWN_STEPS = (
    "Close VS Code and every WSL terminal, then run `wsl --shutdown` in PowerShell.",
    "Wait about 8 seconds, open your WSL terminal again, and run `devdoctor check`.",
)
AFTER_SHUTDOWN_ON_WINDOWS = (
    "Wait about 8 seconds after `wsl --shutdown`, then run `devdoctor check` again."
)
SHUTDOWN_INSIDE_WSL = (
    "Close VS Code and every WSL terminal, then run `wsl --shutdown` in PowerShell. Not here: "
    "inside WSL it would end this very session, VS Code's server and Docker Desktop's engine."
)


def spare_for_windows(ram: int) -> int:
    """What Windows keeps for itself: max(2 GiB, 25 % of the RAM)."""
    return max(2 * GiB, ram // 4)


def memory_cap(ram: int) -> int:
    """The most memory devdoctor will give WSL on this machine, in whole GiB."""
    return max((ram - spare_for_windows(ram)) // GiB * GiB, GiB)


def plan_fix(
    host: Host,
    check_id: str,
    path: str,
    old: bytes | None,
    decoded: Decoded,
    ram: int | None,
    memory: int,
    swap: int,
) -> Fix:
    """The edit; with the RAM unknown, what the course needs (WSL caps it at the RAM)."""
    course = policy(host)
    want_memory = host.options.fix.memory or course.wsl_memory
    want_swap = host.options.fix.swap or course.wsl_swap
    cap = memory_cap(ram) if ram is not None else want_memory
    note = ""
    if ram is not None and want_memory > cap:
        shortfall = want_memory - max(cap, memory)
        note = (
            f"This computer has {format_size(ram)} of RAM, so WSL gets at most "
            f"{format_size(max(cap, memory))}; swap grows by {format_size(shortfall)} instead."
        )
        want_memory = max(cap, memory)
        want_swap = want_swap + shortfall
    values = {}
    if memory < want_memory:
        values["memory"] = wsl_size(want_memory)
    if swap < want_swap:
        values["swap"] = wsl_size(want_swap)
    if old is None:
        new_text = "# Written by devdoctor: what WSL2 gives the VM that runs Docker's containers.\n"
        new_text += set_values("", values)
    else:
        new_text = set_values(decoded.text, values)
    inside = host.platform is Platform.WSL
    title = "set " + " and ".join(f"{k}={v}" for k, v in values.items()) + " in .wslconfig"
    return Fix(
        id=check_id,
        title=title + (f"; {note[0].lower()}{note[1:]}" if note else ""),
        changes=(WriteFile(path=path, old=old, new=encode(new_text, decoded)),),
        needs_restart=True,
        manual_steps=(
            (SHUTDOWN_INSIDE_WSL, SHUTDOWN_STEPS[1]) if inside else (AFTER_SHUTDOWN_ON_WINDOWS,)
        ),
        offer=() if inside else ("wsl", "--shutdown"),
        offer_question="Run `wsl --shutdown` now? It stops every WSL distro and Docker "
        "Desktop's engine: save your work in them first.",
    )


def how_to(host: Host, memory: int, swap: int) -> str:
    where = (
        "%UserProfile%\\.wslconfig"
        if host.platform is Platform.WINDOWS
        else "your Windows profile's .wslconfig"
    )
    return (
        f"Run `devdoctor fix wsl-memory`, or by hand: in {where} put `memory={wsl_size(memory)}` "
        f"and `swap={wsl_size(swap)}` under `[wsl2]`, then run `wsl --shutdown` in PowerShell."
    )
