"""The one error a subcommand raises for a wrong command line (exit 2), importable cheaply."""

from __future__ import annotations


class UsageError(Exception):
    """A wrong command line (unknown check id, ...): exit 2."""
