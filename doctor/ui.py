"""Talking to the person at the keyboard: redacted output, a live table, and yes/no questions.

Colour only on a terminal and never with NO_COLOR; plain text when piped. Questions default to
No, and with no terminal nothing is asked at all (the caller prints the plan and stops).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from .model import Result
from .render import rich_table

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live

Redact = Callable[[str], str]


class UI:
    """Output and questions for one command."""

    def __init__(self, *, redact: Redact, stream: TextIO | None = None) -> None:
        self.redact = redact
        self.stream = stream or sys.stdout
        self.interactive = _is_tty(sys.stdin) and _is_tty(self.stream)
        self.fancy = _is_tty(self.stream) and os.environ.get("TERM") != "dumb"
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """A rich console, created on first use (rich is not imported for --version)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stream,
                no_color="NO_COLOR" in os.environ,
                highlight=False,
                soft_wrap=False,
            )
        return self._console

    def say(self, text: str = "") -> None:
        """Print one redacted line (or block) of plain text."""
        text = self.redact(text)
        if self.fancy:
            from rich.markup import escape

            self.console.print(escape(text))
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def ask(self, question: str) -> bool | None:
        """Yes or no, default No; None when there is no terminal to ask in.

        Ctrl-C or Esc raises KeyboardInterrupt: the command stops, changing nothing, with 130.
        """
        if not self.interactive:
            return None
        import questionary

        asked = questionary.confirm(self.redact(question), default=False)
        return bool(_escapable(asked).unsafe_ask())

    def choose(self, question: str, choices: Sequence[tuple[str, str]]) -> list[str] | None:
        """Tick any of `choices` (value, label), none ticked at first; None without a terminal.

        Ctrl-C or Esc raises KeyboardInterrupt, as in `ask`.
        """
        if not self.interactive:
            return None
        import questionary

        asked = questionary.checkbox(
            self.redact(question),
            choices=[questionary.Choice(self.redact(label), value=v) for v, label in choices],
            instruction="(space ticks, enter confirms, esc cancels)",
        )
        return list(_escapable(asked).unsafe_ask() or [])

    def live_results(self, checks: Sequence[tuple[str, str]]) -> LiveResults:
        """A table that fills in as results arrive, with a line naming what is still running."""
        return LiveResults(self, checks)


class LiveResults:
    """The terminal view of a running `check`; does nothing visible when not on a terminal."""

    def __init__(self, ui: UI, checks: Sequence[tuple[str, str]]) -> None:
        self.ui = ui
        self.checks = list(checks)
        self.results: dict[str, Result] = {}
        self._live: Live | None = None

    def __enter__(self) -> LiveResults:
        if self.ui.fancy:
            from rich.live import Live

            self._live = Live(
                self._render(), console=self.ui.console, refresh_per_second=8, transient=False
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.update(self._render(final=True))
            self._live.__exit__(*exc)

    def add(self, result: Result) -> None:
        """Show one result as soon as it arrives."""
        self.results[result.id] = result
        if self._live is not None:
            self._live.update(self._render())

    def _render(self, final: bool = False) -> Any:
        from rich.console import Group
        from rich.text import Text

        table = rich_table(self.checks, self.results, self.ui.redact)
        running = [cid for cid, _ in self.checks if cid not in self.results]
        if final or not running:
            return table
        return Group(table, Text(f"checking: {', '.join(running)}", style="dim"))


def _escapable(question: Any) -> Any:
    """The question, with Esc leaving it like Ctrl-C does (prompt_toolkit binds no Esc)."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    keys = KeyBindings()

    @keys.add("escape", eager=True)
    def _cancel(event: Any) -> None:
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, keys])
    return question


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
