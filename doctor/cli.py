"""The command line: parse, build the Host, dispatch, map every ending to DESIGN's exit codes."""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, NoReturn

from . import __version__
from .exits import ExitCode


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options every subcommand accepts, before or after its name."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--root",
        default=default,
        metavar="DIR",
        help="read and write host files under DIR (a captured machine)",
    )
    parser.add_argument(
        "--repo",
        default=default,
        metavar="PATH",
        help="the course repository (default: search up from here)",
    )
    parser.add_argument(
        "--config",
        default=default,
        metavar="NAME",
        help="which devcontainer configuration (cpu, gpu, ...)",
    )
    parser.add_argument(
        "--wslconfig",
        default=default,
        metavar="PATH",
        help="the .wslconfig to use (default: found from Windows)",
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show tracebacks and more detail",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print data as JSON",
    )


class _Help(argparse.HelpFormatter):
    """argparse's formatter, the terminal's width asked once: argparse makes a formatter for
    every option it adds (to check its metavar), and each one asked the terminal again."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        kwargs.setdefault("width", _columns())
        super().__init__(prog, **kwargs)


@functools.cache
def _columns() -> int:
    import shutil

    return shutil.get_terminal_size().columns - 2  # what argparse itself would use


class Parser(argparse.ArgumentParser):
    """The command line, knowing its subcommands' parsers (so a wrong option gets theirs)."""

    commands: dict[str, argparse.ArgumentParser]


def build_parser() -> Parser:
    """The whole command line."""
    parser = Parser(
        prog="devdoctor",
        formatter_class=_Help,
        description="Finds what will break your devcontainer build, explains it, fixes what "
        "it safely can.",
    )
    parser.add_argument("--version", action="version", version=f"devdoctor {__version__}")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    parser.commands = {}

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, formatter_class=_Help)
        _global_options(p, suppress=True)
        parser.commands[name] = p
        return p

    check = command("check", "look at this machine and the course repository")
    check.add_argument("--only", metavar="IDS", help="only these checks (comma-separated)")
    check.add_argument("--skip", metavar="IDS", help="leave out these checks (comma-separated)")
    check.add_argument("--course", action="store_true", help="only the course checks (for CI)")
    check.add_argument(
        "--deep",
        action="store_true",
        help="slower, thorough probes: a real pip resolve for the image's Python, a GPU "
        "container from a local image, the resolver inside a local image",
    )
    check.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--log", metavar="FILE", help="also write the results to FILE")
    check.add_argument(
        "--sarif", metavar="FILE", help="also write the results as SARIF 2.1.0 (code scanning)"
    )

    fix = command("fix", "repair what can be repaired safely (asks first)")
    fix.add_argument(
        "ids", nargs="*", metavar="ID", help="the fixes to run (default: all safe ones)"
    )
    fix.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    fix.add_argument(
        "--yes-destroy",
        action="store_true",
        help="with --yes, also apply destructive fixes named by id",
    )
    fix.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    fix.add_argument(
        "--course",
        action="store_true",
        help="course staff: apply fixes to the course repository's files",
    )
    fix.add_argument("--memory", metavar="SIZE", help="wsl-memory: memory to give WSL (8GB)")
    fix.add_argument("--swap", metavar="SIZE", help="wsl-memory: swap to give WSL (8GB)")
    fix.add_argument(
        "--from",
        dest="source",
        metavar="CONTAINER|IMAGE|PYTHON",
        help="requirements-pins: pin from the pip freeze of this container, image or Python",
    )
    fix.add_argument(
        "--deep",
        action="store_true",
        help="slower probes; requirements-pins without --from: pin to the versions pip's "
        "wheels-only resolve chooses",
    )
    fix.add_argument(
        "--constraints",
        action="store_true",
        help="requirements-pins: write the other pins to a constraints file",
    )

    undo = command("undo", "put back what a fix changed")
    undo.add_argument(
        "id", nargs="?", metavar="ID", help="a fix id or journal entry (default: the last)"
    )
    undo.add_argument("--list", action="store_true", help="list the fixes devdoctor recorded")
    undo.add_argument("--yes", "-y", action="store_true", help="undo without asking")
    undo.add_argument("--dry-run", action="store_true", help="show what would be put back")

    report = command("report", "write a redacted report to paste into the course forum")
    report.add_argument(
        "--format",
        choices=("forum", "markdown", "text", "json"),
        default="forum",
        help="forum (default: plain text for any forum editor), markdown (GitHub), text, json",
    )
    report.add_argument(
        "--output", metavar="FILE", help="where to write it (- prints it only, writes no file)"
    )
    report.add_argument("--copy", action="store_true", help="also copy it to the clipboard")
    report.add_argument("--only", metavar="IDS", help="only these checks (comma-separated)")
    report.add_argument("--skip", metavar="IDS", help="leave out these checks (comma-separated)")
    report.add_argument(
        "--build-log",
        metavar="LOG",
        help="a failed build's log: its known failures go under the findings they explain",
    )

    summarize = command(
        "summarize", "course staff: saved or pasted reports -> the class at a glance"
    )
    summarize.add_argument(
        "paths", nargs="+", metavar="PATH", help="report files, or folders of them (forum posts)"
    )
    summarize.add_argument(
        "--format",
        choices=("table", "markdown", "json"),
        default="table",
        help="table (terminal), markdown (an announcement to post), json",
    )

    command("init", "course staff: write a commented .devdoctor.toml for this repository")

    diagnose = command("diagnose", "read a failed build's log and explain what broke")
    diagnose.add_argument(
        "log",
        nargs="?",
        metavar="LOG",
        help="the log file, or - to paste it (default: the newest Dev Containers log)",
    )

    command("list", "list every check")
    explain = command("explain", "what a check looks at, and how to fix it by hand")
    explain.add_argument(
        "id", metavar="ID", help="a check id (`devdoctor list`) or a finding code such as "
        "wsl-memory/too-little-memory"
    )
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: handled as Ctrl-C is, through the same rollback and cleanup."""


def _on_signal(signum: int, _frame: Any) -> None:
    raise Terminated(signum)


_HANDLED = ("SIGINT", "SIGTERM", "SIGHUP")


def _handlers() -> dict[int, Any]:
    """The present handlers of the signals devdoctor handles, to put back when main ends."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    sigs = [getattr(signal, name) for name in _HANDLED if hasattr(signal, name)]
    return {sig: signal.getsignal(sig) for sig in sigs}


def _install_signals() -> None:
    """A terminal closed (SIGHUP) or a `kill` (SIGTERM) ends devdoctor as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, _on_signal)


def _restore(handlers: dict[int, Any]) -> None:
    for sig, handler in handlers.items():
        with contextlib.suppress(OSError, ValueError, TypeError):
            signal.signal(sig, handler)


def _quiet_signals() -> None:
    """From here on devdoctor is leaving anyway: further signals are ignored."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in _HANDLED:
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(sig, signal.SIG_IGN)


def _usable_streams() -> None:
    """A closed stdout is a sink, and a stream whose encoding lacks a character gets `?`."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
        elif isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `devdoctor` console script."""
    _usable_streams()
    before = _handlers()
    _install_signals()
    # The process module is imported by the first command a run starts (`--version` starts
    # none); when main() runs again in one process (tests), it may start commands again.
    process = sys.modules.get(f"{__package__}.process")
    if process is not None:
        process.reopen()
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:  # said by the subcommand's own parser, with its own usage line
            parser.commands.get(args.command or "", parser).error(
                f"unrecognized arguments: {' '.join(extra)}"
            )
        if args.command is None:
            parser.print_help()
            return int(ExitCode.USAGE)
        code = int(_dispatch(args))
    except KeyboardInterrupt:  # before or after the command ran
        code = int(ExitCode.INTERRUPTED)
    finally:
        _quiet_signals()  # a second Ctrl-C must not cut the cleanup short
        process = sys.modules.get(f"{__package__}.process")
        if process is not None:  # every process tree devdoctor started dies with it
            process.shutdown()
        _restore(before)  # main() called in-process (tests) leaves the handlers as it found them
    code = _flush_output(code)
    _exit_now(code)
    return code


def _flush_output(code: int) -> int:
    """Output that cannot be written (a full disk, a closed pipe) is one line, not a traceback."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _to_devnull()
    except OSError as exc:
        _to_devnull()
        with contextlib.suppress(OSError, ValueError):
            print(f"devdoctor: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return int(ExitCode.USAGE) if code == 0 else code
    return code


def _stdout_writable() -> bool:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return False
    return True


def _to_devnull() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _dispatch(args: argparse.Namespace) -> ExitCode:
    import importlib

    from .errors import UsageError
    from .ui import UI

    ui = UI(redact=lambda s: s)
    command = importlib.import_module(f".commands.{args.command}", __package__)
    try:
        if args.command in ("list", "explain", "summarize"):
            return ExitCode(command.run(args, ui))
        from .commands.common import make_host

        host = make_host(args)
        from .privacy import redactor_for

        ui = UI(redact=lambda text: redactor_for(host)(text))
        return ExitCode(command.run(args, host, ui))
    except UsageError as exc:  # HostError and PolicyError too
        print(f"devdoctor: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except BrokenPipeError:  # `devdoctor list | head`: the reader left, which is fine
        _to_devnull()
        return ExitCode.OK
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, ValueError, KeyboardInterrupt):
            print("\ndevdoctor: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # the last line of defence: a bug is exit 3, never a raw traceback
        if isinstance(exc, OSError) and not _stdout_writable():
            _to_devnull()
            print(f"devdoctor: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
            return ExitCode.USAGE
        if getattr(args, "verbose", False):
            import traceback

            traceback.print_exc()
        print(
            f"devdoctor: internal error: {type(exc).__name__}: {exc} (a bug; --verbose shows "
            "the traceback)",
            file=sys.stderr,
        )
        return ExitCode.BROKEN


def console() -> NoReturn:
    """The `devdoctor` console script and `python -m devdoctor`: main(), then leave at once.

    A finished run has nothing left to clean up (its files are written and closed, its child
    processes killed, its output flushed), and tearing the interpreter down (every module's
    objects freed one by one) costs a check-sized slice of start-up time for nothing.
    """
    code = main()
    _flush_both()
    os._exit(code)


def _exit_now(code: int) -> None:
    """Leave without waiting for a straggling check thread (all child processes are killed)."""
    if any(t.is_alive() and t.daemon for t in threading.enumerate()):
        _flush_both()
        os._exit(code)


def _flush_both() -> None:
    """Flush both streams before a hard exit."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
