"""What the command line asked for, built once by the CLI and read by checks as typed fields.

Frozen, so no check can change what another sees; a typo in a field name is a type error
(mypy) instead of a silent `None` from a dictionary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class FixParams:
    """Values a user gives a fix on the command line (`fix wsl-memory --memory 8GB`), in bytes."""

    memory: int | None = None
    swap: int | None = None
    source: str | None = None
    """`fix requirements-pins --from`: a container, an image or a Python to pin from."""
    constraints: bool = False
    """`fix requirements-pins --constraints`: the other pins go to a constraints file."""


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """The options of one run: which repository and configuration, how deep, for whom."""

    repo: str | None = None
    """`--repo`: the course repository, a path on the real file system (None: search up)."""
    config: str | None = None
    """`--config`: a variant's name or its folder."""
    wslconfig: str | None = None
    """`--wslconfig`: the .wslconfig to use, a path on the real file system."""
    deep: bool = False
    """`--deep`: slower, more thorough probes (resolver runs, smoke containers)."""
    course: bool = False
    """`--course`: course staff judging the repository, not the machine running devdoctor."""
    fix: FixParams = FixParams()
