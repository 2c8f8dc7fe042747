"""The exit codes every subcommand uses (DESIGN's table), in one place."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What the process's exit status means to a script or a CI job."""

    OK = 0
    """Done; nothing `fail` (with --strict, nothing `warn` either)."""
    FAIL = 1
    """A check is `fail` (or `diagnose` found a known failure)."""
    USAGE = 2
    """Usage or policy error: unknown id, bad option, bad policy file."""
    BROKEN = 3
    """devdoctor itself broke: an `error` row, or worse."""
    NOT_APPLIED = 4
    """A fix was not applied: declined, refused, or nothing to do without a terminal."""
    VERIFY_FAILED = 5
    """A fix was applied but its verification failed."""
    INTERRUPTED = 130
    """Ctrl-C or a termination signal."""
