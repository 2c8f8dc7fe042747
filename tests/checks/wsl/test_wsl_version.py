"""wsl-version, host-resources and Windows-profile discovery on fake hosts."""

from __future__ import annotations

from pathlib import Path

import pytest
from devdoctor.checks.host.host_resources import HostResources
from devdoctor.checks.wsl.windows import windows_profile, wslconfig_path
from devdoctor.checks.wsl.wsl_version import WslVersion, parse_wsl_list
from devdoctor.model import Finding, Status

from tests import TESTS
from tests.scenario import Answer, GiB, Scenario

SAMPLES = TESTS / "samples"
WSL1_KERNEL = "Linux version 4.4.0-18985-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #1-Microsoft Mon Jan 01 00:00:00 PST 2021\n"


def by_slug(check: object, fake: Scenario, **options: object) -> dict[str, Finding]:
    return {f.slug: f for f in check.run(fake.host(**options))}  # type: ignore[attr-defined]


def test_parse_wsl_list_real_outputs() -> None:
    text = (SAMPLES / "hosts/wsl-l-v.observed-outputs.txt").read_text()
    rows = parse_wsl_list(text)
    names = [r["name"] for r in rows]
    assert names == [
        "Ubuntu-22.04",
        "Ubuntu",
        "docker-desktop",
        "docker-desktop",
        "docker-desktop-data",
    ]
    assert rows[1] == {"name": "Ubuntu", "state": "Running", "version": "2", "default": "True"}


def test_wsl2_inside_the_distro(tmp_path: Path) -> None:
    found = by_slug(WslVersion(), Scenario(tmp_path).wsl())
    assert found["wsl2"].status is Status.OK
    assert dict(found["wsl2"].evidence)["kernel"] == "5.15.153.1-microsoft-standard-WSL2"


def test_wsl1_kernel_fails(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.path("/proc/version").write_text(WSL1_KERNEL)
    del fake.env["WSL_INTEROP"]  # WSL 1 has no interop socket variable
    assert by_slug(WslVersion(), fake)["wsl1"].status is Status.FAIL


def test_wsl_conf_stops_at_the_first_invalid_line(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.path("/etc/wsl.conf").write_text(
        "[boot]\nsystemd=true\n; a comment\n[interop]\nenabled=false\n"
    )
    found = by_slug(WslVersion(), fake)
    stop = found["stops-early"]
    assert stop.status is Status.WARN
    assert "line 3" in stop.summary
    assert "interop.enabled" in dict(stop.evidence)["ignored"]
    assert "interop-enabled" not in found  # WSL never reads it, so it does not hurt


def test_wsl_conf_real_sample_and_interop_off(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    sample = (SAMPLES / "hosts/wsl.conf.microsoft-docs-example.conf").read_bytes()
    fake.path("/etc/wsl.conf").write_bytes(sample + b"\n[interop]\nenabled = false\n")
    found = by_slug(WslVersion(), fake)
    assert "stops-early" not in found
    assert found["interop-enabled"].status is Status.WARN


def test_windows_lists_distros_from_utf16_output(tmp_path: Path) -> None:
    rows = "  NAME              STATE           VERSION\r\n* Ubuntu            Running         2\r\n  Legacy            Stopped         1\r\n"
    found = by_slug(WslVersion(), Scenario(tmp_path).windows(wsl_list=rows))
    assert found["wsl1"].status is Status.WARN  # not the default distro
    assert "Legacy runs as WSL 1" in found["wsl1"].summary


def test_windows_default_distro_on_wsl1_fails(tmp_path: Path) -> None:
    rows = "  NAME      STATE           VERSION\r\n* Ubuntu    Stopped         1\r\n"
    assert (
        by_slug(WslVersion(), Scenario(tmp_path).windows(wsl_list=rows))["wsl1"].status is Status.FAIL
    )


def test_windows_without_distros(tmp_path: Path) -> None:
    found = by_slug(WslVersion(), Scenario(tmp_path).windows(wsl_list=""))
    assert found["no-distro"].status is Status.WARN


def test_host_resources_low_disk_from_policy(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    repo.mkdir()
    (repo / ".devdoctor.toml").write_text('[docker]\ndisk_free = "100000GB"\n')
    found = by_slug(HostResources(), Scenario(tmp_path).wsl(), repo=str(repo))
    assert found["low-disk"].status is Status.FAIL
    assert "/mnt/c" in found["low-disk"].subject


@pytest.mark.parametrize(("ram", "status"), [(3 * GiB, Status.FAIL), (6 * GiB, Status.WARN)])
def test_host_resources_little_ram(tmp_path: Path, ram: int, status: Status) -> None:
    found = by_slug(HostResources(), Scenario(tmp_path).wsl(windows_ram=ram))
    assert found["little-ram"].status is status


def test_profile_from_cmd_exe_then_cached(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    profile = windows_profile(fake.host())
    assert profile.path == "/mnt/c/Users/student"
    assert profile.how == "cmd.exe /c echo %USERPROFILE%"
    # the answer is cached for a day: a broken cmd.exe on the next run changes nothing
    fake.program("cmd.exe", Answer(b"", rc=1))
    again = windows_profile(fake.host())
    assert again.path == "/mnt/c/Users/student"
    assert again.how.endswith(", cached")


def test_cmd_exe_unc_warning_is_ignored(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    noisy = (
        "'\\\\wsl.localhost\\Ubuntu\\home\\student'\r\n"
        "CMD.EXE was started with the above path as the current directory.\r\n"
        "UNC paths are not supported.  Defaulting to Windows directory.\r\n"
        "C:\\Users\\student\r\n"
    )
    fake.program("cmd.exe", Answer(noisy))
    assert windows_profile(fake.host()).path == "/mnt/c/Users/student"


def test_profile_from_mnt_when_windows_does_not_answer(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.program("cmd.exe", Answer(b"", rc=1))
    (fake.root / "mnt/c/Users/Default").mkdir()
    (fake.root / "mnt/c/Users/desktop.ini").write_text("")
    profile = windows_profile(fake.host())
    assert profile.path == "/mnt/c/Users/student"
    (fake.root / "mnt/c/Users/other").mkdir()
    fake.env["USER"] = "nobody-here"
    assert windows_profile(fake.host()).path is None


def test_wslconfig_option_wins(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    path, how = wslconfig_path(fake.host(wslconfig="C:\\Users\\other\\.wslconfig"))
    assert (path, how) == ("/mnt/c/Users/other/.wslconfig", "--wslconfig")


def test_windows_wsl_exe_that_fails_is_not_working(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows(wsl_list=None)
    said = "The Windows Subsystem for Linux optional component is not enabled. Please enable it and try again.\r\n"
    fake.program("wsl.exe", Answer(said.encode("utf-16-le"), rc=1))
    found = by_slug(WslVersion(), fake)
    assert found["not-working"].status is Status.FAIL
    assert "optional component is not enabled" in dict(found["not-working"].evidence)["wsl"]


def test_windows_wsl_without_a_default_distro_is_no_distro(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows(wsl_list=None)
    said = "Windows Subsystem for Linux has no installed distributions.\r\nError code: Wsl/WSL_E_DEFAULT_DISTRO_NOT_FOUND\r\n"
    fake.program("wsl.exe", Answer(said.encode("utf-16-le"), rc=1))
    assert by_slug(WslVersion(), fake)["no-distro"].status is Status.WARN


def test_wsl_exe_is_asked_once_per_run(tmp_path: Path) -> None:
    """wsl-version and docker-desktop both read `wsl.exe -l -v`; it can take seconds."""
    from devdoctor.checks.wsl import wsl_list

    fake = Scenario(tmp_path).windows()
    host = fake.host()
    first = {f.slug: f for f in WslVersion().run(host)}
    again = wsl_list(host)
    assert first["wsl2"].status is Status.OK
    assert [r["name"] for r in parse_wsl_list(again.out)] == ["Ubuntu"]
    assert fake.calls("wsl.exe").count("-l -v") == 1
    fresh = fake.host()  # the next run asks again
    wsl_list(fresh)
    assert fake.calls("wsl.exe").count("-l -v") == 2


def test_vm_keys_in_wsl_conf_are_reported_as_wsl_does(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.path("/etc/wsl.conf").write_text("[boot]\nsystemd=true\n[wsl2]\nmemory=8GB\n")
    vm = by_slug(WslVersion(), fake)["vm-keys"]
    assert vm.status is Status.WARN
    assert dict(vm.evidence)["wsl says"] == "wsl: Unknown key 'wsl2.memory' in /etc/wsl.conf:4"
    assert vm.line == 4
