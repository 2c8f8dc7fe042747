"""GPU hosts for tests: captured nvidia-smi and docker answers replayed by stand-in programs.

A replayed program answers each recorded argument list with the recorded standard output,
standard error and exit code, byte for byte, and any other argument list with exit 127 and a
line naming it, so a test notices when devdoctor asks something nobody captured.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from devdoctor import Host, RunOptions

from tests import TESTS

SAMPLES = TESTS / "samples" / "gpu"
COURSE = TESTS / "samples" / "gpu-course"
H100 = SAMPLES / "linux-h100"
DOCKER_INFO = "info --format {{json .}}"
IMAGE_LS = "image ls --format {{.Repository}}:{{.Tag}}"


@dataclass(frozen=True)
class Answer:
    """One recorded run: what the program printed and how it exited."""

    stdout: bytes = b""
    stderr: bytes = b""
    rc: int = 0


def replay(path: Path, answers: dict[str, Answer]) -> Path:
    """Write an executable at `path` that replays `answers` by its arguments ("$*")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store = path.parent / f".{path.name}.answers"
    store.mkdir(exist_ok=True)
    lines = ["#!/bin/sh", 'case "$*" in']
    for number, (args, answer) in enumerate(answers.items()):
        out, err = store / f"{number}.out", store / f"{number}.err"
        out.write_bytes(answer.stdout)
        err.write_bytes(answer.stderr)
        lines.append(
            f"  {shlex.quote(args)}) /bin/cat {shlex.quote(str(out))}; "
            f"/bin/cat {shlex.quote(str(err))} >&2; exit {answer.rc};;"
        )
    lines += [
        f'  *) echo "no recording for {path.name} $*" >&2; exit 127;;',
        "esac",
        "",
    ]
    path.write_text("\n".join(lines))
    path.chmod(0o755)
    return path


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
    answers = transcript(SAMPLES / "h200/nvidia-smi.h200-native-linux.default.txt")
    answers.update(transcript(SAMPLES / "h200/nvidia-smi.h200-native-linux.queries.txt"))
    query = next(a for a in h100_answers() if a.startswith("--query-gpu=index,name,uuid"))
    derived = (SAMPLES / "h200/nvidia-smi-query-csv.derived.stdout").read_bytes()
    answers[query] = Answer(derived)
    return answers


def wsl_answers() -> dict[str, Answer]:
    """Stand-ins in nvidia-smi's format for WSL's copy (see SOURCES.md)."""
    query = next(a for a in h100_answers() if a.startswith("--query-gpu=index,name,uuid"))
    folder = SAMPLES / "wsl"
    return {
        "-L": Answer((folder / "nvidia-smi-L.stdout").read_bytes()),
        query: Answer((folder / "nvidia-smi-query-csv.stdout").read_bytes()),
        "--version": Answer((folder / "nvidia-smi-version.stdout").read_bytes()),
    }


def failing_answers(rc: int = 9) -> dict[str, Answer]:
    """A driver that is not loaded: every nvidia-smi call says so."""
    said = (SAMPLES / "failures/no-communication.stdout").read_bytes()
    query = next(a for a in h100_answers() if a.startswith("--query-gpu=index,name,uuid"))
    return {args: Answer(said, b"", rc) for args in ("-L", query, "--version", "")}


def docker_answers(info: str | None, images: str = "", runs: dict[str, Answer] | None = None) -> dict[str, Answer]:
    """docker answering `info` with a sample (None: the real no-daemon answer), `image ls`, runs."""
    folder = SAMPLES / "docker"
    if info is None:
        answer = Answer(
            (folder / "docker-info.no-daemon.stdout").read_bytes(),
            (folder / "docker-info.no-daemon.stderr").read_bytes(),
            1,
        )
    else:
        answer = Answer((folder / info).read_bytes())
    return {DOCKER_INFO: answer, IMAGE_LS: Answer(images.encode()), **(runs or {})}


@dataclass
class GpuHost:
    """A captured machine under tmp/root with stand-ins in tmp/bin (the whole PATH)."""

    tmp: Path
    platform: str = "linux"
    options: dict[str, object] = field(default_factory=dict)
    more_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = self.tmp / "root"
        self.bin = self.tmp / "bin"
        for folder in (self.root / "dev", self.root / "proc", self.bin):
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict[str, str]:
        return {
            "PATH": str(self.bin),
            "HOME": "/home/student",
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            "DEVDOCTOR_PLATFORM": self.platform,
            "DEVDOCTOR_NO_PLUGINS": "1",
            "DEVDOCTOR_STATE_DIR": str(self.tmp / "state"),
            **self.more_env,
        }

    def file(self, path: str, data: bytes | str = b"") -> Path:
        real = self.root / path.lstrip("/")
        real.parent.mkdir(parents=True, exist_ok=True)
        real.write_bytes(data.encode() if isinstance(data, str) else data)
        return real

    def program(self, name: str, answers: dict[str, Answer], where: str | None = None) -> Path:
        """A replaying program on PATH, or at a host path under the root."""
        return replay(self.bin / name if where is None else self.root / where.lstrip("/"), answers)

    def host(self, repo: Path | None = COURSE, **options: object) -> Host:
        merged = {**self.options, **options}
        return Host(
            root=self.root,
            env=self.env,
            state_dir=self.tmp / "state",
            options=RunOptions(repo=str(repo or self.tmp / "no-repo"), **merged),  # type: ignore[arg-type]
        )


def h100_host(tmp: Path) -> GpuHost:
    """The captured H100 machine: nvidia-smi in /usr/local/nvidia/bin, no toolkit, no docker."""
    fake = GpuHost(tmp)
    fake.program("nvidia-smi", h100_answers(), where="/usr/local/nvidia/bin/nvidia-smi")
    fake.file("/proc/driver/nvidia/version", (H100 / "proc-driver.stdout").read_bytes())
    for line in (H100 / "dev-nvidia.stdout").read_text().splitlines():
        if line.startswith("c") and " /dev/" in line:
            fake.file(line.rsplit(" ", 1)[1])
    (fake.root / "dev/nvidia-caps").mkdir(exist_ok=True)
    return fake


def wsl_host(tmp: Path) -> GpuHost:
    """A WSL 2 distro with the Windows driver: /dev/dxg and /usr/lib/wsl/lib."""
    fake = GpuHost(tmp, platform="wsl")
    fake.file("/dev/dxg")
    for name in ("libcuda.so.1", "libnvidia-ml.so.1", "libdxcore.so"):
        fake.file(f"/usr/lib/wsl/lib/{name}")
    fake.program("nvidia-smi", wsl_answers(), where="/usr/lib/wsl/lib/nvidia-smi")
    return fake
