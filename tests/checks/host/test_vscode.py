"""vscode on fake hosts: the extensions VS Code records, from WSL, Windows and Linux."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from devdoctor import Status
from devdoctor.checks.host.vscode import Vscode, read_install

from tests import TESTS
from tests.scenario import Answer, Scenario

SAMPLE = TESTS / "samples" / "vscode" / "extensions.json"
PROFILE = "mnt/c/Users/student"


def _extensions(fake: Scenario, home: str = PROFILE) -> Path:
    folder = fake.root / home / ".vscode" / "extensions"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _codes(fake: Scenario, **options: object) -> dict[str, Status]:
    return {f.code: f.status for f in Vscode().run(fake.host(**options))}


def _course(tmp: Path, policy: str) -> Path:
    repo = tmp / "course"
    (repo / ".devcontainer").mkdir(parents=True)
    (repo / ".devcontainer" / "devcontainer.json").write_text('{"image": "debian:12"}')
    (repo / ".devdoctor.toml").write_text(policy)
    return repo


def test_wsl_reads_the_windows_profile_and_holds_the_course_to_its_least_version(
    tmp_path: Path,
) -> None:
    fake = Scenario(tmp_path).wsl()
    shutil.copy(SAMPLE, _extensions(fake))
    repo = _course(tmp_path, 'schema = 1\n[vscode]\nmin_extension = "0.400.0"\n')
    findings = list(Vscode().run(fake.host(repo=str(repo))))
    (old,) = [f for f in findings if f.code == "vscode/old-extension"]
    assert old.status is Status.FAIL
    assert "0.388.0" in old.summary and "0.400.0" in old.summary
    assert "--force" in old.detail
    assert dict(old.evidence)["needed"].startswith("0.400.0 or newer (.devdoctor.toml [vscode]")


def test_without_a_least_version_any_dev_containers_is_ok(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    shutil.copy(SAMPLE, _extensions(fake))
    codes = _codes(fake, repo=str(tmp_path / "no-repo"))
    assert codes["vscode/ok"] is Status.OK
    assert "vscode/no-wsl-extension" not in codes


def test_missing_extensions_each_say_how_to_install_them(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    records = [r for r in json.loads(SAMPLE.read_text()) if "remote" not in r["identifier"]["id"]]
    (_extensions(fake) / "extensions.json").write_text(json.dumps(records))
    findings = {f.code: f for f in Vscode().run(fake.host(repo=str(tmp_path / "no-repo")))}
    assert findings["vscode/no-extension"].status is Status.FAIL
    assert "code --install-extension ms-vscode-remote.remote-containers" in (
        findings["vscode/no-extension"].detail
    )
    assert findings["vscode/no-wsl-extension"].status is Status.WARN


def test_older_vs_code_without_extensions_json_is_read_from_folder_names(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    folder = _extensions(fake)
    for name in (
        "ms-vscode-remote.remote-containers-0.300.0",
        "ms-vscode-remote.remote-containers-0.401.1",
        "ms-vscode-remote.remote-wsl-0.81.0",
        ".obsolete",
    ):
        (folder / name).mkdir()
    install = read_install(fake.host(), f"/{PROFILE}/.vscode/extensions", "VS Code")
    assert install is not None
    assert install.extensions["ms-vscode-remote.remote-containers"] == "0.401.1"


def test_no_vs_code_at_all_is_a_warning_with_the_install_step(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    (finding,) = Vscode().run(fake.host(repo=str(tmp_path / "no-repo")))
    assert finding.code == "vscode/not-installed" and finding.status is Status.WARN
    assert "on Windows (not inside WSL)" in finding.detail


def test_windows_reads_userprofile_and_says_when_code_is_not_on_path(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    shutil.copy(SAMPLE, _extensions(fake))
    codes = _codes(fake, repo=str(tmp_path / "no-repo"))
    assert codes == {"vscode/ok": Status.OK, "vscode/no-code-command": Status.INFO}
    fake.program("code", Answer("1.95.3\n"))
    assert "vscode/no-code-command" not in _codes(fake, repo=str(tmp_path / "no-repo"))


def test_broken_extensions_json_falls_back_to_the_folders(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    folder = _extensions(fake)
    (folder / "extensions.json").write_bytes(b"[{not json")
    (folder / "ms-vscode-remote.remote-containers-0.402.0").mkdir()
    install = read_install(fake.host(), f"/{PROFILE}/.vscode/extensions", "VS Code")
    assert install is not None and install.extensions == {
        "ms-vscode-remote.remote-containers": "0.402.0"
    }


def test_inside_a_container_it_does_not_apply(tmp_path: Path) -> None:
    """A host check: inside the devcontainer itself VS Code runs on the computer outside."""
    from devdoctor.registry import Loaded
    from devdoctor.runner import run_checks

    fake = Scenario(tmp_path).wsl()
    fake.env["DEVDOCTOR_PLATFORM"] = "container"
    (result,) = run_checks([Loaded(Vscode())], fake.host()).results
    assert result.status is Status.SKIP and "computer itself" in (result.skip_reason or "")
