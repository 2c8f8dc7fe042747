"""Captured answers from real machines (tests/samples), as argument list -> Answer.

Each set is what a program answered on a machine someone ran it on, byte for byte: nvidia-smi
on an H100 and an H200 host and on WSL, a driver that is not loaded, docker with and without a
daemon, wsl.exe and powershell.exe on Windows. See each folder's SOURCES.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.scenario.helpers import SAMPLES, Answer, sample

GPU = SAMPLES / "gpu"
GPU_COURSE = SAMPLES / "gpu-course"
H100 = GPU / "linux-h100"
DOCKER_INFO = "info --format {{json .}}"
IMAGE_LS = "image ls --format {{.Repository}}:{{.Tag}}"


def h100_answers() -> dict[str, Answer]:
    """nvidia-smi on the real H100 host, from its COMMANDS.tsv (nothing went to stderr)."""
    answers = {}
    for row in (H100 / "COMMANDS.tsv").read_text().splitlines():
        name, rc, command = row.split("\t")
        output = H100 / f"{name}.stdout"
        if command.startswith("nvidia-smi") and output.exists():
            args = command[len("nvidia-smi") :].strip()
            answers[args] = Answer(output.read_bytes(), b"", int(rc.removeprefix("rc=")))
    return answers


def _query() -> str:
    """The argument list of gpu-driver's one nvidia-smi query (as captured on the H100)."""
    return next(a for a in h100_answers() if a.startswith("--query-gpu=index,name,uuid"))


def transcript(path: Path) -> dict[str, Answer]:
    """`$ nvidia-smi ARGS` / output / `rc=N` blocks of a captured session (stdout only)."""
    answers = {}
    blocks = re.split(rb"^\$ nvidia-smi ?", path.read_bytes(), flags=re.MULTILINE)
    for block in blocks[1:]:
        args, _, rest = block.partition(b"\n")
        output, rc_line = rest.rsplit(b"rc=", 1)
        answers[args.decode().strip()] = Answer(output, b"", int(rc_line.strip()))
    return answers


def h200_answers() -> dict[str, Answer]:
    """nvidia-smi on the real H200 host; its answer to gpu-driver's query is derived (SOURCES)."""
    answers = transcript(GPU / "h200/nvidia-smi.h200-native-linux.default.txt")
    answers.update(transcript(GPU / "h200/nvidia-smi.h200-native-linux.queries.txt"))
    answers[_query()] = Answer(sample("gpu/h200/nvidia-smi-query-csv.derived.stdout"))
    return answers


def gpu_wsl_answers() -> dict[str, Answer]:
    """Stand-ins in nvidia-smi's format for WSL's copy (see SOURCES.md)."""
    return {
        "-L": Answer(sample("gpu/wsl/nvidia-smi-L.stdout")),
        _query(): Answer(sample("gpu/wsl/nvidia-smi-query-csv.stdout")),
        "--version": Answer(sample("gpu/wsl/nvidia-smi-version.stdout")),
    }


def failing_answers(rc: int = 9) -> dict[str, Answer]:
    """A driver that is not loaded: every nvidia-smi call says so."""
    said = sample("gpu/failures/no-communication.stdout")
    return {args: Answer(said, b"", rc) for args in ("-L", _query(), "--version", "")}


def docker_answers(
    info: str | None, images: str = "", runs: dict[str, Answer] | None = None
) -> dict[str, Answer]:
    """docker answering `info` with a sample (None: the real no-daemon answer), `image ls`, runs."""
    if info is None:
        answer = Answer(
            sample("gpu/docker/docker-info.no-daemon.stdout"),
            sample("gpu/docker/docker-info.no-daemon.stderr"),
            1,
        )
    else:
        answer = Answer(sample(f"gpu/docker/{info}"))
    return {DOCKER_INFO: answer, IMAGE_LS: Answer(images), **(runs or {})}


def wsl_exe_answers(
    *,
    version: Answer | None = None,
    listing: Answer | None = None,
) -> dict[str, Answer]:
    """wsl.exe answering `--version` and `-l -v` (from the samples unless given); anything
    else exits 1."""
    return {
        "--version": version or Answer(sample("wsl/wsl-version.store.utf16le")),
        "-l -v": listing or Answer(sample("wsl/wsl-l-v.ubuntu.utf16le")),
        "*": Answer(rc=1),
    }
