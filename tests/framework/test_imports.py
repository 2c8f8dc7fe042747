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
    """The names each package's __init__ exports (`from .variant import chosen_config` binds a
    function), eagerly or on demand (an area's facade names them under TYPE_CHECKING)."""
    names: dict[str, set[str]] = {}
    for source in sources:
        if source.is_package:
            bound = names.setdefault(source.module, set())
            for node in ast.walk(ast.parse(source.text, source.path)):
                if isinstance(node, ast.ImportFrom) and node.level:
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


def test_no_package_exports_a_name_that_is_also_one_of_its_modules() -> None:
    """Importing `pkg.name` sets the attribute `name` on the package to that module, so an
    export of the same name (served on demand) would turn into the module once anything
    imported it: `from devdoctor.checks.wsl import machine` once gave the module, not the
    function, after wsl-version had imported wsl/machine.py."""
    sources = tree_sources()
    modules = {s.module for s in sources}
    clashes = [
        f"{source.path}: {name}"
        for source in sources
        if source.is_package
        for name in sorted(exported([source]).get(source.module, set()))
        if f"{source.module}.{name}" in modules
    ]
    assert clashes == [], clashes


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
        ("checks/wsl/x.py", "from devdoctor.checks.course import chosen_config\n", None),
        (
            "checks/wsl/x.py",
            "from devdoctor.checks.course import configs\n",
            "checks/wsl imports devdoctor.checks.course.configs",
        ),
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


# ------------------------------------------------------------------------- the machine's door

MACHINE_BUILTINS = frozenset({"open", "print", "input"})
"""A check reads files with host.read_bytes and says what it saw in findings, never on stdout."""

MACHINE_METHODS = frozenset(
    {
        "read_text",
        "read_bytes",
        "write_text",
        "write_bytes",
        "open",
        "stat",
        "lstat",
        "is_file",
        "is_dir",
        "is_symlink",
        "exists",
        "iterdir",
    }
)
"""pathlib's ways to the file system; on the Host (`host.read_bytes(...)`) they are the door."""

MACHINE_FUNCTIONS = frozenset(
    {
        "os.getcwd",
        "os.walk",
        "os.scandir",
        "os.listdir",
        "os.stat",
        "os.lstat",
        "os.getgroups",
        "os.access",
        "os.path.exists",
        "os.path.isfile",
        "os.path.isdir",
        "os.path.getsize",
        "os.path.expanduser",
        "Path.cwd",
        "Path.home",
    }
)
"""What ruff's banned-api cannot ban without banning `os` itself (pyproject.toml bans the
modules: subprocess, platform, os.environ, os.getenv, docker)."""

MACHINE_DEBT = ("checks/docker/",)
"""The docker area's debt, allowed for now: another engineer is rewriting checks/docker/**
(engine.py reads the socket, sockets' modes and the docker CLI's config with os.* and open;
volumes.py uses tarfile.open on an in-memory archive). Remove it from here when that lands."""

MACHINE_ALLOWED = {
}
"""(file, function, call) pairs that may reach past the Host, each with the reason."""


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _is_host(node: ast.expr) -> bool:
    """`host`, `self.host`, `fresh_host`: the door itself."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return name == "host" or name.endswith("_host")


class _MachineCalls(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.function = ""
        self.found: list[tuple[int, str, str]] = []  # (line, function, what: `open()`...)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, self.function or node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            full = f"{node.module}.{alias.name}"
            if full in MACHINE_FUNCTIONS:
                self.found.append((node.lineno, self.function, f"{full}()"))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in MACHINE_BUILTINS:
            self.found.append((node.lineno, self.function, f"{func.id}()"))
        elif isinstance(func, ast.Attribute):
            dotted = _dotted(func)
            if dotted in MACHINE_FUNCTIONS:
                self.found.append((node.lineno, self.function, f"{dotted}()"))
            elif func.attr in MACHINE_METHODS and not _is_host(func.value):
                self.found.append((node.lineno, self.function, f".{func.attr}()"))
        self.generic_visit(node)


def machine_violations(sources: list[Source]) -> tuple[list[str], set[tuple[str, str, str]]]:
    """Calls that reach the machine past the Host, and which allowed exceptions were used."""
    found: list[str] = []
    used: set[tuple[str, str, str]] = set()
    for source in sources:
        if not source.path.startswith("checks/") or source.path.startswith(MACHINE_DEBT):
            continue
        visitor = _MachineCalls(source.path)
        visitor.visit(ast.parse(source.text, source.path))
        for line, function, what in visitor.found:
            key = (source.path, function, what)
            if key in MACHINE_ALLOWED:
                used.add(key)
                continue
            found.append(
                f"{source.path}:{line}: {what} reaches the machine past the Host; use "
                "host.read_bytes / read_lines / exists / is_file / is_dir / stat / walk / "
                "listdir / cwd / run (a check says what it saw in findings, never prints)"
            )
    return found, used


def test_checks_reach_the_machine_only_through_the_host() -> None:
    found, used = machine_violations(tree_sources())
    assert not found, "\n".join(found)
    assert used == set(MACHINE_ALLOWED), "an allowed exception is no longer needed: drop it"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("def f(p):\n    return open(p).read()\n", "open()"),
        ("def f():\n    print('hi')\n", "print()"),
        ("def f(p):\n    return p.read_text()\n", ".read_text()"),
        ("def f(c):\n    return c.dockerfile.open('rb')\n", ".open()"),
        ("def f(s):\n    return s.full.stat().st_size\n", ".stat()"),
        ("import os\ndef f(r):\n    return list(os.walk(r))\n", "os.walk()"),
        ("import os\ndef f():\n    return os.getcwd()\n", "os.getcwd()"),
        ("from os import scandir\n", "os.scandir()"),
        ("from pathlib import Path\nHOME = Path.home()\n", "Path.home()"),
        ("def f(host):\n    return host.real('/mnt/c').is_dir()\n", ".is_dir()"),
        ("def f(host, p):\n    return host.read_bytes(p)\n", None),
        ("def f(self, p):\n    return self.host.stat(p)\n", None),
        ("def f(fresh_host, p):\n    return fresh_host.is_file(p)\n", None),
        ("import os\ndef f(p):\n    return os.path.join(p, 'x')\n", None),
    ],
)
def test_the_machine_rule_catches_what_it_is_for(text: str, says: str | None) -> None:
    found, _ = machine_violations([Source("checks/host/x.py", text)])
    if says is None:
        assert found == []
    else:
        assert len(found) == 1, found
        assert found[0].startswith("checks/host/x.py:")
        assert f" {says} reaches the machine" in found[0]


def test_the_docker_debt_is_still_there() -> None:
    """The allowance for checks/docker/ is removed once its rewrite needs it no more."""
    docker = [s for s in tree_sources() if s.path.startswith(MACHINE_DEBT)]
    as_if_owned = [Source(s.path.replace("checks/docker/", "checks/dockr/"), s.text) for s in docker]
    found, _ = machine_violations(as_if_owned)
    assert found, "checks/docker/ reaches the machine only through the Host: drop MACHINE_DEBT"
