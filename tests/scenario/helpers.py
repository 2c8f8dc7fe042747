"""Small pure helpers the scenarios and the tests share: samples, answers, reading findings."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devdoctor import Finding, Status

from tests import TESTS

SAMPLES = TESTS / "samples"
VENV_BIN = Path(sys.executable).parent
DEVDOCTOR = str(VENV_BIN / "devdoctor")
"""The installed command line, as a student or a CI job runs it."""
GiB = 1024**3


@dataclass(frozen=True)
class Answer:
    """One recorded run of a program: what it printed and how it exited."""

    stdout: bytes | str = b""
    stderr: bytes | str = b""
    rc: int = 0


def sample(path: str) -> bytes:
    """A sample's bytes, exactly as stored (`area/name` under tests/samples)."""
    return (SAMPLES / path).read_bytes()


def sample_text(path: str) -> str:
    """A sample file's text."""
    return (SAMPLES / path).read_text(encoding="utf-8")


def sample_json(path: str) -> Any:
    """A sample JSON file's value."""
    return json.loads(sample_text(path))


def codes(findings: list[Finding]) -> list[tuple[str, Status]]:
    return [(f.code, f.status) for f in findings]


def by_code(findings: list[Finding], code: str) -> Finding:
    (found,) = [f for f in findings if f.code == code]
    return found


def lifecycle(command: object, **more: object) -> dict[str, object]:
    """A devcontainer configuration running `command` as postCreateCommand."""
    return {
        "image": "mcr.microsoft.com/devcontainers/base:bookworm",
        "postCreateCommand": command,
        **more,
    }


def without_env(*names: str) -> dict[str, str]:
    """This process's environment minus some names (for the real-machine CLI tests)."""
    return {k: v for k, v in os.environ.items() if k not in names}


_SIZE = re.compile(r"^([\d.]+)\s*([KMGT]i?B)$")
_FACTORS = {"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4}


def info_from_text(text: str) -> dict[str, Any]:
    """The fields devdoctor reads from a `docker info` transcript, as info() names them."""
    fields = {
        "Server Version": "ServerVersion",
        "Kernel Version": "KernelVersion",
        "Operating System": "OperatingSystem",
        "OSType": "OSType",
        "Architecture": "Architecture",
        "Name": "Name",
        "Docker Root Dir": "DockerRootDir",
    }
    info: dict[str, Any] = {"Labels": []}
    in_labels = False
    for line in text.splitlines():
        stripped = line.strip()
        if line.startswith(" Labels:"):
            in_labels = True
            continue
        if in_labels and line.startswith("  ") and "=" in stripped:
            info["Labels"].append(stripped)
            continue
        in_labels = False
        key, _, value = stripped.partition(": ")
        if line.startswith(" ") and not line.startswith("  ") and key in fields:
            info[fields[key]] = value
        elif key == "CPUs":
            info["NCPU"] = int(value)
        elif key == "Total Memory":
            match = _SIZE.match(value)
            assert match, value
            info["MemTotal"] = int(float(match.group(1)) * _FACTORS[match.group(2)])
    return info
