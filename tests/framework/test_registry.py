"""Third-party checks from real entry points: a `*.dist-info` folder read by importlib.metadata.

As flake8 tests its plugins, each test writes a real distribution (METADATA and
entry_points.txt) and real plugin modules into a folder, and loads them through
importlib.metadata.PathDistribution, or through the ordinary discovery on sys.path.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import PathDistribution
from pathlib import Path

import pytest
from devdoctor.host import Host
from devdoctor.model import Check, Scope, Status
from devdoctor.registry import GROUP, builtin_checks, load_checks, load_entry_points
from devdoctor.runner import run_checks

PLUGIN_CODE = {
    "course_plugin_good": """\
        from devdoctor import Check, Scope, Status

        class CourseExtra(Check):
            id = "course-extra"
            title = "The course's own check"
            scope = Scope.COURSE

            def run(self, host):
                return [self.finding(Status.INFO, "hello", "the course plugin ran")]

        class Second(Check):
            id = "course-second"
            title = "Another"

            def run(self, host):
                return []

        INSTANCE = Second()
        """,
    "course_plugin_broken": """\
        raise RuntimeError("the plugin's import blew up")
        """,
    "course_plugin_exits": """\
        import sys
        sys.exit("plugin called sys.exit")
        """,
    "course_plugin_misc": """\
        from devdoctor import Check, Status

        class NotACheck:
            id = "not-a-check"
            title = "Looks like a check"

        def a_function():
            return None

        class WrongId(Check):
            id = "Wrong_ID"
            title = "Bad id"

        class OtherId(Check):
            id = "something-else"
            title = "Id differs from the entry point name"

        class Clash(Check):
            id = "wsl-memory"
            title = "Pretends to be a built-in"

        class NumericId(Check):
            id = 5
            title = "A number"

        class NoTitle(Check):
            id = "no-title"
            title = ""

        class TextTimeout(Check):
            id = "text-timeout"
            title = "Timeout as text"
            timeout = "10"

        class TextScope(Check):
            id = "text-scope"
            title = "Scope as text"
            scope = "host"

        class NeedsText(Check):
            id = "needs-text"
            title = "needs is a string"
            needs = "docker-daemon"

        class RaisesInInit(Check):
            id = "raises-in-init"
            title = "Constructor breaks"

            def __init__(self):
                raise OSError("no config")

        class IdProperty(Check):
            title = "id raises"

            @property
            def id(self):
                raise LookupError("computed id broke")
        """,
}

ENTRY_POINTS = {
    "course-extra": "course_plugin_good:CourseExtra",
    "course-second": "course_plugin_good:INSTANCE",
    "broken-import": "course_plugin_broken:Anything",
    "exits-on-import": "course_plugin_exits:Anything",
    "not-a-check": "course_plugin_misc:NotACheck",
    "a-function": "course_plugin_misc:a_function",
    "wrong-id": "course_plugin_misc:WrongId",
    "mismatch": "course_plugin_misc:OtherId",
    "wsl-memory": "course_plugin_misc:Clash",
    "numeric-id": "course_plugin_misc:NumericId",
    "no-title": "course_plugin_misc:NoTitle",
    "text-timeout": "course_plugin_misc:TextTimeout",
    "text-scope": "course_plugin_misc:TextScope",
    "needs-text": "course_plugin_misc:NeedsText",
    "raises-in-init": "course_plugin_misc:RaisesInInit",
    "id-property": "course_plugin_misc:IdProperty",
    "ghost": "course_plugin_not_there:Ghost",
    "no-attribute": "course_plugin_good:Missing",
}


def write_site(site: Path, entry_points: dict[str, str], name: str = "course-checks") -> Path:
    """Plugin modules and a real dist-info folder for them; returns the dist-info folder."""
    site.mkdir(parents=True, exist_ok=True)
    for module, code in PLUGIN_CODE.items():
        (site / f"{module}.py").write_text(textwrap.dedent(code))
    dist = site / f"{name.replace('-', '_')}-1.2.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2\n")
    lines = [f"[{GROUP}]", *(f"{k} = {v}" for k, v in entry_points.items())]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    (dist / "RECORD").write_text("")
    return dist


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path holding the plugin distribution; its modules are forgotten after."""
    folder = tmp_path / "site"
    write_site(folder, ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(folder))
    importlib.invalidate_caches()
    yield folder
    for module in PLUGIN_CODE:
        sys.modules.pop(module, None)
    importlib.invalidate_caches()


BUILTIN_IDS = {loaded.check.id for loaded in builtin_checks()}


def load_from(dist: Path) -> tuple[dict[str, Check], dict[str, tuple[str, str]]]:
    points = PathDistribution(dist).entry_points.select(group=GROUP)
    loaded, errors = load_entry_points(points, set(BUILTIN_IDS))
    return (
        {item.check.id: item.check for item in loaded},
        {error.id.removeprefix("plugin:"): (error.origin, error.error) for error in errors},
    )


def test_builtin_ids_are_valid_and_unique() -> None:
    ids = [loaded.check.id for loaded in builtin_checks()]
    assert len(ids) == len(set(ids))
    assert "wsl-memory" in ids
    assert all(loaded.origin == "builtin" for loaded in builtin_checks())


def test_good_plugins_load_by_class_and_by_instance(site: Path) -> None:
    checks, _ = load_from(next(site.glob("*.dist-info")))
    assert set(checks) == {"course-extra", "course-second"}
    assert checks["course-extra"].scope is Scope.COURSE


def test_every_broken_plugin_is_a_load_error_naming_its_package(site: Path) -> None:
    _, errors = load_from(next(site.glob("*.dist-info")))
    expected_broken = set(ENTRY_POINTS) - {"course-extra", "course-second"}
    assert set(errors) == expected_broken
    assert all(origin == "course-checks 1.2" for origin, _ in errors.values())
    messages = {cid: message for cid, (_, message) in errors.items()}
    assert "the plugin's import blew up" in messages["broken-import"]
    assert "course_plugin_broken:Anything" in messages["broken-import"]
    assert "plugin called sys.exit" in messages["exits-on-import"]
    assert "NotACheck is not a devdoctor Check" in messages["not-a-check"]
    assert "is not a devdoctor Check" in messages["a-function"]
    assert "'Wrong_ID' is not lower-case words" in messages["wrong-id"]
    assert "does not match the check's id 'something-else'" in messages["mismatch"]
    assert "'wsl-memory' is already taken" in messages["wsl-memory"]
    assert "5 is not lower-case" in messages["numeric-id"]
    assert "no title" in messages["no-title"]
    assert "timeout '10'" in messages["text-timeout"]
    assert "scope 'host'" in messages["text-scope"]
    assert "needs 'docker-daemon'" in messages["needs-text"]
    assert "no config" in messages["raises-in-init"]
    assert "computed id broke" in messages["id-property"]
    assert "course_plugin_not_there" in messages["ghost"]
    assert "Missing" in messages["no-attribute"]
    assert all("\n" not in message for message in messages.values())


def test_two_plugins_with_one_id_keep_the_first(tmp_path: Path, site: Path) -> None:
    other = write_site(
        tmp_path / "other", {"course-extra": "course_plugin_good:CourseExtra"}, "other-checks"
    )
    points = [
        *PathDistribution(next(site.glob("*.dist-info"))).entry_points.select(name="course-extra"),
        *PathDistribution(other).entry_points.select(group=GROUP),
    ]
    loaded, errors = load_entry_points(points, set(BUILTIN_IDS))
    assert [item.check.id for item in loaded] == ["course-extra"]
    assert [e.id for e in errors] == ["plugin:course-extra"]  # never a second "course-extra" row
    assert "already taken" in errors[0].error


def test_load_checks_finds_plugins_on_sys_path_after_the_builtins(site: Path) -> None:
    loaded, errors = load_checks()
    ids = [item.check.id for item in loaded]
    assert ids[: len(BUILTIN_IDS)] == [item.check.id for item in builtin_checks()]
    assert ids[len(BUILTIN_IDS) :] == ["course-extra", "course-second"]
    by_id = {item.check.id: item for item in loaded}
    assert by_id["course-extra"].origin == "course-checks 1.2"
    assert by_id["wsl-memory"].origin == "builtin"  # the clash did not replace the built-in
    assert {e.id for e in errors} >= {
        "plugin:broken-import",
        "plugin:wsl-memory",
        "plugin:not-a-check",
    }
    without, none = load_checks(plugins=False)
    assert [item.check.id for item in without] == ids[: len(BUILTIN_IDS)]
    assert none == []


def test_plugin_load_errors_are_error_rows_and_good_plugins_still_run(
    tmp_path: Path, site: Path
) -> None:
    loaded, errors = load_checks()
    plugins = [item for item in loaded if item.origin != "builtin"]
    root = tmp_path / "root"
    root.mkdir()
    host = Host(root=root, env={"PATH": "/usr/bin:/bin", "DEVDOCTOR_PLATFORM": "linux"})
    run = run_checks(plugins, host, load_errors=errors)
    rows = {r.id: r for r in run.results if r.origin != "builtin"}
    assert rows["course-extra"].status is Status.INFO
    broken = [r for r in run.results if r.error is not None]
    assert {r.id for r in broken} == {e.id for e in errors}
    assert all(r.status is Status.ERROR and r.origin == "course-checks 1.2" for r in broken)
    assert run.status is Status.ERROR


def test_devdoctor_list_and_check_survive_a_broken_plugin(tmp_path: Path, site: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DEVDOCTOR_")},
        "PYTHONPATH": str(site),
        "HOME": str(tmp_path / "home"),
        "DEVDOCTOR_ROOT": str(root),
        "DEVDOCTOR_PLATFORM": "linux",
        "DEVDOCTOR_STATE_DIR": str(tmp_path / "state"),
        "NO_COLOR": "1",
    }
    listed = subprocess.run(
        [sys.executable, "-m", "devdoctor", "list"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert "course-extra" in listed.stdout
    assert "broken-import" in listed.stdout and "course-checks 1.2" in listed.stdout
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "devdoctor",
            "check",
            "--only",
            "course-extra,broken-import",
            "--json",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 3, checked.stderr  # an error row: devdoctor (a plugin) broke
    statuses = {r["id"]: r["status"] for r in json.loads(checked.stdout)["results"]}
    assert statuses == {"course-extra": "info", "plugin:broken-import": "error"}
    assert "Traceback" not in checked.stderr
