"""The slowest probe bounds a run, not the sum: independent commands run side by side.

Stand-ins for git (the redactor's identities, the repository's state, the course checks) and
powershell.exe (the Windows answers) write when they start and end, then sleep. The assertion
is the longest chain of commands that ran one after another (each started after the previous
ended), not a stopwatch: independent probes overlap, so the chain is at most the two dependent
steps one check takes (list the scripts, then read git's settings for them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenario import Scenario


def _logging_standin(fake: Scenario, name: str, log: Path, seconds: float) -> None:
    fake.script(
        name,
        f'echo "start $(date +%s.%N) {name} $*" >> {log}\n'
        f"sleep {seconds}\n"
        f'echo "end $(date +%s.%N) {name}" >> {log}',
    )


@pytest.mark.parametrize("command", [("check", "--json"), ("report", "--format", "json")])
def test_every_slow_probe_overlaps_the_others(tmp_path: Path, command: tuple[str, ...]) -> None:
    fake = Scenario(tmp_path).wsl()
    log = tmp_path / "probes.log"
    for name in ("git", "powershell.exe"):
        _logging_standin(fake, name, log, 1.5)
    repo = tmp_path / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer" / "devcontainer.json").write_text('{"image": "debian:12"}')
    (repo / ".git").mkdir()
    out = tmp_path / "out.json"
    args = [*command, "--repo", str(repo)]
    if command[0] == "report":
        args += ["--output", str(out)]
    fake.cli(*args, timeout=120)
    runs = _intervals(log.read_text())
    assert len(runs) >= 4, log.read_text()  # identities, git state, powershell, course checks
    assert _longest_chain(runs) <= 2, log.read_text()


def _intervals(text: str) -> list[tuple[float, float]]:
    """(start, end) of each run, paired in order per program."""
    open_: dict[str, list[float]] = {}
    runs = []
    for line in text.splitlines():
        kind, stamp, name, *_ = line.split()
        if kind == "start":
            open_.setdefault(name, []).append(float(stamp))
        else:  # which start it ends does not matter: each pairing gives the same chain bound
            runs.append((open_[name].pop(0), float(stamp)))
    return runs


def _longest_chain(runs: list[tuple[float, float]]) -> int:
    """How many runs followed one another at most (each starting after the previous ended)."""
    best: dict[int, int] = {}
    order = sorted(range(len(runs)), key=lambda i: runs[i][0])
    for i in order:
        before = [best[j] for j in best if runs[j][1] <= runs[i][0]]
        best[i] = 1 + max(before, default=0)
    return max(best.values(), default=0)
