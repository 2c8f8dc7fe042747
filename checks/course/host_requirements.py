"""hostRequirements and GPU runArgs: what a devcontainer.json asks of the computer it runs on.

The devcontainer CLI reads sizes with its own strict rules ("8gb", never "8GB") and silently
ignores what it cannot read; this module recovers what the author meant and says where the CLI
reads something else. Separate from configs.py, the reader of the whole file, because these
rules are a job of their own.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from devdoctor.lazy import LazyPattern

_CLI_BYTES = LazyPattern(r"^(\d+)([tgmk]b)?$")  # the CLI's parseBytes
_LENIENT_BYTES = LazyPattern(r"^\s*(\d+)\s*([tgmk])?(i?b)?\s*$", re.IGNORECASE)
_UNIT_POWER = {"k": 1, "m": 2, "g": 3, "t": 4}
_GPU_KEYS = ("cores", "memory")
_HOST_KEYS = ("cpus", "memory", "storage", "gpu")


class HostRequirements(NamedTuple):
    """hostRequirements as devdoctor understands them; memory and storage are in bytes.

    Values are what the author evidently meant (so "8GB" is 8 GiB); problems says where the
    devcontainer CLI reads something else or ignores it.
    """

    cpus: int | None = None
    memory: int | None = None
    storage: int | None = None
    gpu: bool | str | dict[str, Any] | None = None
    problems: tuple[str, ...] = ()


def _parse_bytes(name: str, value: Any, problems: list[str]) -> int | None:
    """Parse a memory size like the CLI's parseBytes, but recover what was meant."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value  # the CLI's regex test stringifies numbers, so plain bytes work
    if not isinstance(value, str):
        problems.append(f'{name} should be a string like "8gb", not {_json_type(value)}')
        return None
    shown = f'{name} is "{value}"'
    match = _CLI_BYTES.match(value) if len(value) <= 40 else None
    if match:
        number, unit = int(match.group(1)), match.group(2)
        if unit is None and number < 1024 * 1024:
            problems.append(
                f"{shown}, which the devcontainer CLI reads as {number} bytes; "
                f'add a unit like "{number}gb"'
            )
        return number * 1024 ** _UNIT_POWER[unit[0]] if unit else number
    lenient = _LENIENT_BYTES.match(value) if len(value) <= 40 else None
    if lenient is None or (lenient.group(3) and not lenient.group(2)):
        problems.append(
            f'{shown}; it should be a number with a unit like "8gb", and the devcontainer '
            "CLI reads this as 0, so the requirement is silently ignored"
        )
        return None
    number, letter = int(lenient.group(1)), (lenient.group(2) or "").lower()
    suggestion = f"{number}{letter}b" if letter else str(number)
    if value.lower() == suggestion:
        advice = f'only understands lower-case units like "{suggestion}"'
    else:
        advice = f'only understands a number directly followed by a unit, like "{suggestion}",'
    problems.append(
        f"{shown}; the devcontainer CLI {advice} and reads this as 0, "
        "so the requirement is silently ignored"
    )
    return number * 1024 ** _UNIT_POWER[letter] if letter else number


def _show(value: Any) -> str:
    """Show a value as it was written in the JSON."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _json_type(value: Any) -> str:
    """Name a JSON value's type the way the JSON author would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _count(name: str, value: Any, problems: list[str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    problems.append(f"{name} should be a whole number of at least 1, not {_show(value)}")
    return None


def parse_host_requirements(value: Any) -> HostRequirements:
    """hostRequirements as written in devcontainer.json, read as its author meant it."""
    if value is None:
        return HostRequirements()
    if not isinstance(value, dict):
        problem = f"hostRequirements should be an object, not {_json_type(value)}"
        return HostRequirements(problems=(problem,))
    problems: list[str] = [
        f'hostRequirements has an unknown key "{key}" (allowed: {", ".join(_HOST_KEYS)}); '
        "the devcontainer CLI ignores it"
        for key in value
        if key not in _HOST_KEYS
    ]
    cpus = _count("hostRequirements.cpus", value.get("cpus"), problems)
    memory = _parse_bytes("hostRequirements.memory", value.get("memory"), problems)
    storage = _parse_bytes("hostRequirements.storage", value.get("storage"), problems)
    gpu = value.get("gpu")
    if isinstance(gpu, dict):
        for key in gpu:
            if key not in _GPU_KEYS:
                problems.append(
                    f'hostRequirements.gpu has an unknown key "{key}" (allowed: cores, memory); '
                    "the devcontainer CLI ignores it"
                )
        _count("hostRequirements.gpu.cores", gpu.get("cores"), problems)
        _parse_bytes("hostRequirements.gpu.memory", gpu.get("memory"), problems)
    elif gpu == "":
        problems.append(
            'hostRequirements.gpu is ""; it should be true, false or "optional" '
            "(the devcontainer CLI treats an empty string as false)"
        )
    elif isinstance(gpu, str) and gpu != "optional":
        problems.append(
            f'hostRequirements.gpu is "{gpu}"; it should be true, false or "optional", and the '
            "devcontainer CLI treats any other text as true (a GPU is required)"
        )
    elif gpu is not None and not isinstance(gpu, (bool, str)):
        problems.append(
            f'hostRequirements.gpu should be true, false or "optional", not {_show(gpu)}'
        )
        gpu = None
    return HostRequirements(cpus, memory, storage, gpu, tuple(problems))


def gpu_run_args(args: tuple[str, ...]) -> list[str]:
    """The runArgs that make docker run need a GPU (`--gpus all`, `--runtime=nvidia`...).

    docker run fails on a host without a GPU when it is given any of them, so they count as
    a GPU required (wants_gpu) and are named in the devcontainer check's finding.
    """
    found: list[str] = []
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if not equals and index + 1 < len(args):
            value = args[index + 1]
        if name == "--gpus" or (name == "--runtime" and value == "nvidia"):
            found.append(f"{name}={value}" if value else name)
        elif name == "--device" and value.startswith(("nvidia.com/gpu", "/dev/nvidia")):
            found.append(f"{name}={value}")
    return found
