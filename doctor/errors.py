"""The errors that end a command with exit 2 and one line, importable without the rest.

Each says what the person typed or wrote wrong; cli.py prints it as `devdoctor: <message>`.
"""

from __future__ import annotations


class UsageError(Exception):
    """A wrong command line (unknown check id, ...)."""


class HostError(UsageError):
    """A problem with how devdoctor was started (bad --root, DEVDOCTOR_PLATFORM, ...)."""


class PolicyError(UsageError):
    """A policy file devdoctor cannot use, with the file and the key named."""
