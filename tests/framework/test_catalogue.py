"""list and explain read the built-ins' descriptions from a cache beside them while it is fresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from devdoctor import checks
from devdoctor.catalogue import CACHE_NAME, describe
from devdoctor.registry import builtin_check, builtin_ids

FOLDER = Path(checks.__file__).parent
ENV = {**os.environ, "DEVDOCTOR_NO_PLUGINS": "1"}


def _imported_checks(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "devdoctor", *args],
        capture_output=True, text=True, timeout=60, env=ENV, check=True,
    )  # fmt: skip
    return [ln.rsplit("|", 1)[1].strip() for ln in done.stderr.splitlines()
            if "devdoctor.checks." in ln]  # fmt: skip


def test_a_fresh_cache_means_no_check_module_is_imported(tmp_path: Path) -> None:
    described = describe(builtin_ids(), dict(checks.CHECKS), str(FOLDER))
    assert [d.id for d in described] == builtin_ids()
    for d in described:  # the cache says what the classes say
        check = builtin_check(d.id)
        assert (d.title, d.scope, d.fix) == (check.title, check.scope.value, check.fix_description)
    assert _imported_checks("list") == []
    assert _imported_checks("explain", "wsl-memory") == []


def test_a_changed_module_is_described_again(tmp_path: Path) -> None:
    folder = tmp_path / "checks"
    (folder / "host").mkdir(parents=True)
    module = folder / "host" / "host_resources.py"
    module.write_bytes((FOLDER / "host" / "host_resources.py").read_bytes())
    specs = {"host-resources": checks.CHECKS["host-resources"]}
    first = describe(["host-resources"], specs, str(folder))
    cache = folder / "__pycache__" / CACHE_NAME
    written = json.loads(cache.read_text())
    assert written["checks"][0]["title"] == first[0].title
    cache.write_text(cache.read_text().replace(first[0].title, "stale title"))
    assert describe(["host-resources"], specs, str(folder))[0].title == "stale title"  # fresh key
    os.utime(module, ns=(1, 1))  # the module changed: the cache no longer holds
    assert describe(["host-resources"], specs, str(folder))[0].title == first[0].title


def test_a_read_only_folder_still_answers(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    (folder / "host").mkdir(parents=True)
    (folder / "host" / "host_resources.py").write_text("# stand-in\n")
    (folder / "__pycache__").write_text("not a folder")  # the cache cannot be written
    specs = {"host-resources": checks.CHECKS["host-resources"]}
    assert describe(["host-resources"], specs, str(folder))[0].id == "host-resources"


def test_plugins_are_cached_until_a_folder_on_sys_path_changes(
    tmp_path: Path, monkeypatch: object
) -> None:
    from devdoctor.catalogue import entry_points

    site, cache = tmp_path / "site", tmp_path / "cache"
    site.mkdir()
    cache.mkdir()

    def install(name: str) -> None:
        dist = site / f"{name}-1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text(f"[devdoctor.checks]\n{name} = {name}:Check\n")

    monkeypatch.syspath_prepend(str(site))
    install("first-checks")
    assert entry_points("devdoctor.checks", str(cache)) == [
        ("first-checks", "first-checks:Check", "first-checks 1.0")
    ]
    install("second-checks")  # the folder changed: the cache is made again
    names = [name for name, _, _ in entry_points("devdoctor.checks", str(cache))]
    assert names == ["first-checks", "second-checks"]
