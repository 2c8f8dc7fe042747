"""What a run imports: only the checks that run here, and their readers (#7's start-up target).

A check's module is imported once the runner knows it will run: not when its platform is
another, not when a check it needs failed, not when it needs a course repository and there is
none. The results must be the same as when every module is imported (the golden files say
so for whole runs; here, the set of modules a run leaves in sys.modules).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

from devdoctor.lazy import LazyPattern

from tests.scenario import Scenario

_RUN = (
    "import json, sys\n"
    "from devdoctor.cli import main\n"
    "main(['check', '--json', '--root', sys.argv[1]])\n"
    "print(json.dumps(sorted(m for m in sys.modules if m.startswith('devdoctor.checks.'))),"
    " file=sys.stderr)\n"
)


def _run(fake: Scenario, *, platform: str | None = None) -> tuple[dict[str, str], set[str]]:
    """Each check's status, and the check modules the run imported."""
    if platform:
        fake.platform(platform)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(fake.root)],
        env=fake.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    results = {r["id"]: r["status"] for r in json.loads(done.stdout)["results"]}
    return results, set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_checks_whose_needs_failed_or_that_need_a_repository_are_never_imported(
    tmp_path: Path,
) -> None:
    fake = Scenario(tmp_path).wsl()  # no engine here: docker-daemon fails
    results, imported = _run(fake)
    assert results["docker-daemon"] == "fail"
    assert results["home-volume"] == results["docker-resources"] == "skip"
    assert results["script-shebangs"] == results["gpu-driver"] == "skip"
    assert "devdoctor.checks.docker.docker_daemon" in imported  # it ran
    assert "devdoctor.checks.wsl.wsl_memory" in imported
    for never in (
        "devdoctor.checks.docker.home_volume",  # its need (docker-daemon) failed
        "devdoctor.checks.docker.docker_resources",
        "devdoctor.checks.docker.volumes",
        "devdoctor.checks.course.script_shebangs",  # no course repository
        "devdoctor.checks.gpu.gpu_driver",
        "devdoctor.checks.image.requirements_pins",
    ):
        assert never not in imported, never


def test_a_check_for_another_platform_is_skipped_without_importing_it(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    results, imported = _run(fake, platform="linux")
    assert results["wsl-memory"] == results["wsl-version"] == "skip"
    assert "devdoctor.checks.wsl.wsl_memory" not in imported
    assert "devdoctor.checks.wsl.wsl_version" not in imported


def test_a_lazy_pattern_compiles_on_first_use_and_answers_as_re_does() -> None:
    pattern = LazyPattern(r"(?P<size>\d+)\s*(gb|mb)", re.IGNORECASE)
    assert pattern._compiled is None  # importing a module that defines it compiles nothing
    compiled = re.compile(pattern.pattern, pattern.flags)
    text = "memory=8GB swap = 512 mb"
    assert [m.groups() for m in pattern.finditer(text)] == [
        m.groups() for m in compiled.finditer(text)
    ]
    assert pattern._compiled is not None
    found = pattern.search(text)
    assert found is not None and found.group("size") == "8"
    assert pattern.match("8gb") is not None and pattern.fullmatch("8gb x") is None
    assert pattern.sub("<size>", text) == compiled.sub("<size>", text)
    assert pattern.subn(lambda m: m[1], text) == compiled.subn(lambda m: m[1], text)
    assert pattern.findall(text) == compiled.findall(text)
    assert pattern.split(text) == compiled.split(text)
    assert pattern.groups == 2


def _module_level_compiles(text: str) -> list[int]:
    """Lines where a module compiles a pattern while it is imported (outside any function)."""
    found: list[int] = []

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if (
                not inside
                and isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr == "compile"
                and isinstance(child.func.value, ast.Name)
                and child.func.value.id == "re"
            ):
                found.append(child.lineno)
            scoped = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, inside or scoped)

    visit(ast.parse(text), False)
    return found


def test_no_module_compiles_a_pattern_when_it_is_imported() -> None:
    top = Path(__file__).resolve().parents[2]
    offenders = [
        f"{path.relative_to(top)}:{line}"
        for folder in ("doctor", "checks")
        for path in sorted((top / folder).rglob("*.py"))
        for line in _module_level_compiles(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use devdoctor.lazy.LazyPattern (compiled on first use): " + ", ".join(
        offenders
    )


def test_the_guard_sees_a_module_level_compile() -> None:
    text = "import re\nA = re.compile('a')\nclass C:\n    B = re.compile('b')\ndef f():\n    re.compile('c')\n"
    assert _module_level_compiles(text) == [2, 4]
