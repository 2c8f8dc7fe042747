"""The changes a fix can make, as data: each can preview itself, back itself up, apply, and undo.

A change remembers what it saw when the check looked (a file's bytes, a mode). The engine
refuses to apply it if the machine changed since, and undo refuses if the user changed the
result since: devdoctor never overwrites bytes it did not write.

This module is the base every kind shares and the registry that finds a kind by its name; the
framework's kinds are in file_changes.py (WriteFile, SetMode) and command_change.py
(RunCommand), an area's own in the module `CHANGES` names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from .host import Host


class ChangeError(Exception):
    """A change that could not be made or undone, in plain words."""


KINDS: dict[str, type[Change]] = {}
# Every kind registers here when its module is imported (Change.__init_subclass__): none is
# defined in this module, so a journal entry's kind is looked for in the modules that define it.


def change_kind(kind: str) -> type[Change]:
    """The Change class for a journal record's kind (an area's own kinds load on first use)."""
    if kind not in KINDS:
        # The framework's kinds, in modules that import this one for the base (so imported
        # here, not at the top): found whatever the caller imported before.
        from . import command_change, file_changes  # noqa: F401
    if kind not in KINDS:
        from .registry import change_kinds

        spec = change_kinds().get(kind)
        if spec is not None:
            spec()  # importing the area's module registers its kinds
    try:
        return KINDS[kind]
    except KeyError:
        raise ChangeError(f"this devdoctor cannot undo a change of kind {kind!r}") from None


class Change:
    """One step of a fix. Subclasses set `kind` and implement every method."""

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            KINDS[cls.kind] = cls

    def describe(self) -> dict[str, object]:
        """A short JSON description for reports."""
        raise NotImplementedError

    def preview(self, host: Host) -> str:
        """What will change, as a diff or a command line."""
        raise NotImplementedError

    def changed_since(self, host: Host) -> str | None:
        """Why the machine no longer looks as it did when the check ran, or None."""
        raise NotImplementedError

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        """Save what this change would lose into `folder`; return the journal record."""
        raise NotImplementedError

    def apply(self, host: Host) -> None:
        """Make the change; raise ChangeError if it could not."""
        raise NotImplementedError

    def targets(self, host: Host) -> list[Path]:
        """The files this change writes, links resolved: the engine locks each one."""
        return []

    @classmethod
    def validate(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        """Why a journal record cannot be trusted (tampered, or for another machine), or None."""
        return None

    @classmethod
    def record_targets(cls, host: Host, record: dict[str, Any]) -> list[Path]:
        """The files a (validated) journal record's undo writes, to lock them."""
        return []

    @classmethod
    def probe(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        """Where the machine stands for this record: "old", "new", "other" or "unknown".

        After a crash the engine rolls back from this answer: what is "new" (or "unknown") is
        put back, what is "old" was never changed, what is "other" the user changed since.
        """
        return "unknown"

    @classmethod
    def undo_blocked(cls, host: Host, record: dict[str, Any], folder: Path) -> str | None:
        """Why undo must not touch this change (its result was changed since), or None."""
        return None

    @classmethod
    def undo(cls, host: Host, record: dict[str, Any], folder: Path) -> None:
        """Put back what `backup` saved; refuse if the result was changed since."""
        raise NotImplementedError

    @classmethod
    def undo_preview(cls, host: Host, record: dict[str, Any], folder: Path) -> str:
        """What undo would do."""
        raise NotImplementedError
