"""The layout's rules, read from the source: who may import whom, and who may touch the machine.

The layout keeps devdoctor explainable (docs/architecture.md): the framework knows nothing of
WSL, Docker or courses; an area offers others only what its package exports; and a check sees
the machine only through the Host, so `--root` replays a captured machine faithfully. These
rules break silently (everything still runs), so they are checked here, on the AST of every
module under doctor/ and checks/. TYPE_CHECKING and function-level imports count too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import TESTS

ROOT = TESTS.parent
PACKAGES = {"doctor": "devdoctor", "checks": "devdoctor.checks"}

FRAMEWORK_ONLY = (
    "devdoctor.cli",
    "devdoctor.commands",
    "devdoctor.runner",
    "devdoctor.registry",
    "devdoctor.ui",
    "devdoctor.render",
)
"""The framework's insides that a check has no business with: it returns findings, and the
framework decides how to run, show and dispatch them."""

REGISTRY = "doctor/registry.py"
"""The one framework module that names the checks, and only through checks/__init__.py's maps."""


@dataclass(frozen=True)
class Source:
    """One module: its path relative to the repository, its dotted name, and its text."""

    path: str
    text: str

    @property
    def module(self) -> str:
        top, *rest = Path(self.path).with_suffix("").parts
        if rest and rest[-1] == "__init__":
            rest = rest[:-1]
        return ".".join([PACKAGES[top], *rest])

    @property
    def is_package(self) -> bool:
        return self.path.endswith("__init__.py")

    @property
    def area(self) -> str | None:
        """`wsl` for checks/wsl/windows.py; None for the framework and checks/__init__.py."""
        parts = Path(self.path).parts
        return parts[1] if parts[0] == "checks" and len(parts) > 2 else None


def tree_sources() -> list[Source]:
    """Every module of the installed packages, as it is in this checkout."""
    return [
        Source(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8"))
        for top in PACKAGES
        for path in sorted((ROOT / top).rglob("*.py"))
    ]


def exported(sources: list[Source]) -> dict[str, set[str]]:
    """The names each package's __init__ binds (`from .variant import configs` binds a
    function `configs`, which then hides the submodule of that name)."""
    names: dict[str, set[str]] = {}
    for source in sources:
        if source.is_package:
            bound = names.setdefault(source.module, set())
            for node in ast.parse(source.text, source.path).body:
                if isinstance(node, ast.ImportFrom):
                    bound.update(alias.asname or alias.name for alias in node.names)
    return names


def _imports(
    source: Source, known: set[str], exports: dict[str, set[str]]
) -> Iterator[tuple[int, str]]:
    """(line, dotted module) of every import in the module, relative imports resolved.

    `from pkg import sub` yields `pkg.sub` when sub is a submodule that the package does not
    shadow with a name of its own: importing a submodule by its package is still importing it.
    """
    package = source.module if source.is_package else source.module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source.text, source.path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                parent = ".".join([*base, *([node.module] if node.module else [])])
            else:
                parent = node.module or ""
            yield node.lineno, parent
            for alias in node.names:
                child = f"{parent}.{alias.name}"
                if child in known and alias.name not in exports.get(parent, set()):
                    yield node.lineno, child


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def import_violations(sources: list[Source], context: list[Source] | None = None) -> list[str]:
    """Every broken import rule in `sources`, as `path:line: what is wrong`.

    `context` is the whole tree the sources live in (default: the sources themselves), to
    tell `from pkg import submodule` from `from pkg import name`.
    """
    everything = sources + (context or [])
    known = {s.module for s in everything}
    exports = exported(everything)
    found: list[str] = []
    for source in sources:
        seen: set[int] = set()  # one message per import statement
        for line, name in _imports(source, known, exports):
            problem = _judge(source, name)
            if problem and line not in seen:
                seen.add(line)
                found.append(f"{source.path}:{line}: {problem}")
    return found


def _judge(source: Source, name: str) -> str | None:
    if source.path.startswith("doctor/"):
        if not _under(name, "devdoctor.checks"):
            return None
        if source.path == REGISTRY and name == "devdoctor.checks":
            return None
        return (
            f"the framework imports {name}; only {REGISTRY} may name the checks, through "
            "checks/__init__.py's CHECKS, FACTS and CHANGES maps"
        )
    for private in FRAMEWORK_ONLY:
        if _under(name, private):
            return (
                f"a check imports {name}, the framework's own; checks use the public API "
                "(devdoctor, devdoctor.host, devdoctor.repo...) and return findings"
            )
    parts = name.split(".")
    if source.area and _under(name, "devdoctor.checks") and len(parts) > 3:
        other = parts[2]
        if other != source.area:
            return (
                f"checks/{source.area} imports {name}; another area is used only through its "
                f"package: `from devdoctor.checks.{other} import ...` (add the name to "
                f"checks/{other}/__init__.py)"
            )
    return None


# ------------------------------------------------------------------------- the tree itself


def test_the_tree_keeps_the_import_rules() -> None:
    sources = tree_sources()
    assert len(sources) > 40, "the walk found the packages"
    problems = import_violations(sources)
    assert not problems, "\n".join(problems)


def test_the_registry_is_the_frameworks_one_door_to_the_checks() -> None:
    """The exception is used, and used as intended (so the rule above is not vacuous)."""
    registry = next(s for s in tree_sources() if s.path == REGISTRY)
    sources = tree_sources()
    known, exports = {s.module for s in sources}, exported(sources)
    named = {n for _, n in _imports(registry, known, exports) if _under(n, "devdoctor.checks")}
    assert named == {"devdoctor.checks"}


# ------------------------------------------------------------------------- the rules catch


def _one(path: str, text: str) -> list[str]:
    return import_violations([Source(path, text)], tree_sources())


@pytest.mark.parametrize(
    ("path", "text", "says"),
    [
        ("doctor/report2.py", "from .checks.wsl import windows_profile\n", "framework imports"),
        ("doctor/report2.py", "import devdoctor.checks\n", "framework imports"),
        (
            "doctor/commands/x.py",
            "def f():\n    from ..checks import CHECKS\n",
            "framework imports devdoctor.checks;",
        ),
        (
            "doctor/registry.py",
            "from .checks.wsl import windows\n",
            "framework imports devdoctor.checks.wsl;",
        ),
        (
            "checks/docker/x.py",
            "from devdoctor.checks.wsl.windows import parse_wsl_list\n",
            "package: `from devdoctor.checks.wsl import",
        ),
        ("checks/docker/x.py", "from devdoctor.checks.wsl import windows\n", "checks/docker"),
        ("checks/docker/x.py", "from ..wsl.windows import parse_wsl_list\n", "checks/docker"),
        ("checks/docker/x.py", "from .. import wsl\n", None),
        (
            "checks/image/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from devdoctor.checks.course.configs import DevcontainerConfig\n",
            "checks/image imports devdoctor.checks.course.configs",
        ),
        ("checks/wsl/x.py", "from devdoctor.runner import run_checks\n", "framework's own"),
        ("checks/wsl/x.py", "from devdoctor import ui\n", "framework's own"),
        ("checks/wsl/x.py", "import devdoctor.commands.check\n", "framework's own"),
        ("checks/wsl/x.py", "from ...render import plain_table\n", "framework's own"),
        ("checks/wsl/x.py", "from .windows import parse_wsl_list\n", None),
        ("checks/wsl/x.py", "from devdoctor.checks.course import configs\n", None),
        ("checks/wsl/x.py", "from devdoctor import Check, Host\n", None),
    ],
)
def test_each_rule_catches_what_it_is_for(path: str, text: str, says: str | None) -> None:
    problems = _one(path, text)
    if says is None:
        assert problems == []
    else:
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"{path}:"), "the message names the file and line"
        assert says in problems[0]


def test_messages_name_the_line() -> None:
    text = "import os\n\n\ndef f():\n    from devdoctor.cli import main\n"
    assert _one("checks/host/x.py", text)[0].startswith("checks/host/x.py:5: ")
