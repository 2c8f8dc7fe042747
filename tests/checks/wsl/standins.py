"""Stand-ins that answer by their arguments, replaying the samples in tests/samples/wsl/.

FakeHost.standin prints one answer whatever it is asked; wsl.exe is asked `--version` and
`-l -v` in the same run, so these stand-ins pick the captured answer by the arguments.
"""

from __future__ import annotations

from pathlib import Path

from tests import TESTS
from tests.fakehost import FakeHost

WSL_SAMPLES = TESTS / "samples" / "wsl"


def sample(name: str) -> bytes:
    """A sample's bytes, exactly as stored (UTF-16LE where wsl.exe writes it)."""
    return (WSL_SAMPLES / name).read_bytes()


def answering(fake: FakeHost, name: str, answers: dict[str, tuple[bytes, int]]) -> Path:
    """A program on PATH that prints answers[args] and exits with its status ("*": others)."""
    cases = []
    for index, (args, (out, rc)) in enumerate(answers.items()):
        payload = fake.bin / f".{name}.{index}.out"
        payload.write_bytes(out)
        pattern = "*" if args == "*" else f"'{args}'"
        cases.append(f"  {pattern}) cat '{payload}'; exit {rc} ;;")
    script = fake.bin / name
    log = fake.bin / f".{name}.log"
    body = "\n".join(cases)
    script.write_text(
        f'#!/bin/sh\necho "$*" >> \'{log}\'\ncase "$*" in\n{body}\n  *) exit 1 ;;\nesac\n'
    )
    script.chmod(0o755)
    return script


def calls(fake: FakeHost, name: str) -> list[str]:
    """The argument lists the stand-in was called with, in order."""
    log = fake.bin / f".{name}.log"
    return log.read_text().splitlines() if log.exists() else []


def wsl_exe(
    fake: FakeHost,
    *,
    version: tuple[bytes, int] = (sample("wsl-version.store.utf16le"), 0),
    listing: tuple[bytes, int] = (sample("wsl-l-v.ubuntu.utf16le"), 0),
) -> Path:
    """wsl.exe answering `--version` and `-l -v` from the samples."""
    return answering(fake, "wsl.exe", {"--version": version, "-l -v": listing})


def powershell(fake: FakeHost, sample_name: str) -> Path:
    """powershell.exe answering devdoctor's one round trip with a sample."""
    return fake.standin("powershell.exe", sample(sample_name))
