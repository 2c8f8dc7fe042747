"""wsl-version's view of the Windows machine: Store vs inbox WSL, virtualization, features,
error codes; the one round trip and its cache; the report header's Windows lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devdoctor.checks.wsl.machine import error_codes, parse_wsl_version, report_lines
from devdoctor.checks.wsl.windows import parse_powershell, parse_reg_query
from devdoctor.checks.wsl.wsl_version import WslVersion
from devdoctor.model import Finding, Status
from devdoctor.process import Completed

from tests.scenario import Answer, Scenario, sample
from tests.scenario.captured import wsl_exe_answers

WSL1_KERNEL = (
    "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) "
    "#1237-Microsoft Sat Sep 11 14:32:00 PST 2021\n"
)


def by_slug(fake: Scenario) -> dict[str, Finding]:
    return {f.slug: f for f in WslVersion().run(fake.host())}


def done(name: str, rc: int) -> Completed:
    return Completed(("wsl.exe", "--version"), rc, out_bytes=sample(f"wsl/{name}"))


def test_store_wsl_version_read_by_shape_in_any_language() -> None:
    english = parse_wsl_version(done("wsl-version.store.utf16le", 0))
    assert (english.kind, english.version, english.kernel) == ("store", "2.0.14.0", "5.15.133.1-1")
    assert english.windows == "10.0.22631.2861"
    german = parse_wsl_version(done("wsl-version.store-de.utf16le", 0))
    assert (german.kind, german.version, german.windows) == ("store", "2.3.26.0", "10.0.19045.5131")


def test_inbox_wsl_rejects_version_and_utf8_is_read_too() -> None:
    inbox = parse_wsl_version(done("wsl-version.inbox.utf16le", 4294967295 & 0xFF))
    assert inbox.kind == "inbox"
    assert inbox.said.endswith("--version")
    utf8 = sample("wsl/wsl-version.store.utf16le").decode("utf-16-le").encode()
    store = parse_wsl_version(Completed(("wsl.exe",), 0, out_bytes=utf8))  # WSL_UTF8=1 honoured
    assert store.version == "2.0.14.0"


def test_error_codes_not_words() -> None:
    text = sample("wsl/wsl-l-v.hcs-not-installed.utf16le").decode("utf-16-le")
    assert error_codes(text) == ("HCS_E_HYPERV_NOT_INSTALLED",)
    text = sample("wsl/wsl-set-version.virtualization-off.utf16le").decode("utf-16-le")
    assert error_codes(text) == ("0x80370102",)
    assert error_codes("WslRegisterDistribution failed with error: 0x8007019E") == ("0x8007019e",)


def test_powershell_answer_and_reg_fallback_parse() -> None:
    said = parse_powershell(sample("wsl/powershell.vmp-off.json").decode())
    assert said["hypervisor"] is False and said["firmware"] is True
    assert said["features"] == {"VirtualMachinePlatform": 2, "Microsoft-Windows-Subsystem-Linux": 1}
    assert "desktop" not in said  # null: Docker Desktop is not installed
    assert parse_powershell("17179869184\r\n") == {"ram": 17179869184}
    assert parse_powershell("Get-CimInstance : Access denied") == {}
    values = parse_reg_query(sample("wsl/reg-query.windows-nt-currentversion.txt").decode())
    assert (values["CurrentBuild"], values["UBR"], values["DisplayVersion"]) == (
        "22631",
        "0xb2d",
        "23H2",
    )


def test_powershell_healthy_store_wsl(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program("wsl.exe", wsl_exe_answers())
    fake.program("powershell.exe", Answer(sample("wsl/powershell.healthy.json")))
    found = by_slug(fake)
    assert found["virtualization"].status is Status.OK
    assert found["store-wsl"].summary == "WSL v2.0.14.0 from the Microsoft Store"
    assert found["wsl2"].status is Status.OK
    assert not [f for f in found.values() if f.status is Status.FAIL]


def test_virtualization_off_in_firmware(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program(
        "wsl.exe", wsl_exe_answers(listing=Answer(sample("wsl/wsl-l-v.ubuntu-wsl1.utf16le")))
    )
    fake.program("powershell.exe", Answer(sample("wsl/powershell.virtualization-off.json")))
    found = by_slug(fake)
    off = found["virtualization-off"]
    assert off.status is Status.FAIL
    assert "shutdown.exe /r /fw /t 0" in off.detail
    assert dict(off.evidence)["HypervisorPresent"] == "False"
    assert "virtualization" not in found
    assert found["wsl1"].status is Status.FAIL  # the default distro cannot be converted yet


def test_virtual_machine_platform_off(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program(
        "wsl.exe",
        wsl_exe_answers(listing=Answer(sample("wsl/wsl-l-v.hcs-not-installed.utf16le"), rc=1)),
    )
    fake.program("powershell.exe", Answer(sample("wsl/powershell.vmp-off.json")))
    found = by_slug(fake)
    assert found["vmp-off"].status is Status.FAIL
    assert "wsl.exe --install --no-distribution" in found["vmp-off"].detail
    assert "not-working" not in found  # the cause is named, once


def test_hypervisor_launch_type_off(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program("wsl.exe", wsl_exe_answers())
    fake.program("powershell.exe", Answer(sample("wsl/powershell.hypervisor-off.json")))
    found = by_slug(fake)
    assert "bcdedit /set hypervisorlaunchtype auto" in found["hypervisor-off"].detail


def test_wsl_feature_missing_by_error_code_only(tmp_path: Path) -> None:
    """No PowerShell answer: the code in wsl.exe's output still names the cause."""
    fake = Scenario(tmp_path).windows()
    off = Answer(sample("wsl/wsl-l-v.feature-off.utf16le"), rc=1)
    fake.program("wsl.exe", wsl_exe_answers(version=off, listing=off))
    found = by_slug(fake)
    feature = found["wsl-feature-off"]
    assert feature.status is Status.FAIL
    assert "Microsoft-Windows-Subsystem-Linux" in feature.detail
    assert "inbox-wsl" not in found  # it fails alike whatever it is asked
    assert "not-working" not in found  # the code named the cause


def test_inbox_wsl_warns_with_the_update_command(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program(
        "wsl.exe", wsl_exe_answers(version=Answer(sample("wsl/wsl-version.inbox.utf16le"), rc=255))
    )
    fake.program("powershell.exe", Answer(sample("wsl/powershell.healthy.json")))
    found = by_slug(fake)
    assert found["inbox-wsl"].status is Status.WARN
    assert "wsl --update" in found["inbox-wsl"].detail


def test_inside_wsl1_says_why_wsl2_cannot_start(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.path("/proc/version").write_text(WSL1_KERNEL)
    del fake.env["WSL_INTEROP"]
    fake.program("powershell.exe", Answer(sample("wsl/powershell.virtualization-off.json")))
    fake.program("wsl.exe", wsl_exe_answers())
    found = by_slug(fake)
    assert found["wsl1"].status is Status.FAIL
    assert found["virtualization-off"].status is Status.FAIL
    assert found["store-wsl"].status is Status.OK


def test_inside_wsl2_asks_wsl_exe_with_utf8_passed_through(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.program(
        "wsl.exe",
        {"--version": Answer(sample("wsl/wsl-version.store.utf16le")), "*": Answer(rc=1)},
        record_env=("WSLENV",),
    )
    found = by_slug(fake)
    assert found["store-wsl"].status is Status.OK
    assert "virtualization-off" not in found  # WSL 2 runs: its VM is the proof
    seen = fake.recorded_env("wsl.exe", "WSLENV")
    assert seen and all("WSL_UTF8" in value for value in seen), seen


def test_one_round_trip_cached_only_when_healthy(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program("wsl.exe", wsl_exe_answers())
    fake.program("powershell.exe", Answer(sample("wsl/powershell.virtualization-off.json")))
    by_slug(fake)
    by_slug(fake)
    assert len(fake.calls("powershell.exe")) == 2  # broken: asked again, to see the repair
    fake.program("powershell.exe", Answer(sample("wsl/powershell.healthy.json")))
    by_slug(fake)
    found = by_slug(fake)
    assert len(fake.calls("powershell.exe")) == 3  # healthy: the day-old answer is reused
    assert dict(found["virtualization"].evidence)["asked"].endswith(", cached")
    cache = json.loads((fake.state / "cache/windows-host.json").read_text())
    assert cache["hypervisor"] is True


def test_reg_exe_gives_the_versions_when_powershell_is_missing(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows()
    fake.program("wsl.exe", wsl_exe_answers())
    fake.program(
        "reg.exe",
        {
            "query HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion": Answer(
                sample("wsl/reg-query.windows-nt-currentversion.txt")
            ),
            "*": Answer(sample("wsl/reg-query.docker-desktop-displayversion.txt")),
        },
    )
    lines = dict(report_lines(fake.host()))
    assert lines["Windows"] == "Windows 11 23H2, build 22631.2861"
    assert lines["WSL"] == "v2.0.14.0 (Microsoft Store)"
    assert lines["WSL kernel"] == "5.15.133.1-1"
    assert lines["Docker Desktop"] == "4.37.1"


def test_report_header_inside_wsl_uses_the_running_kernel(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.program("powershell.exe", Answer(sample("wsl/powershell.virtualization-off.json")))
    lines = dict(report_lines(fake.host()))
    assert lines["Windows"] == "Windows 10 22H2, build 19045.3803"
    assert lines["WSL kernel"] == "5.15.153.1-microsoft-standard-WSL2"
    assert lines["WSL"].startswith("unknown")  # no wsl.exe on this fake host's PATH


def test_report_header_survives_redaction(tmp_path: Path) -> None:
    """A four-part version like 2.0.14.0 would read as an IP address: it is written v2.0.14.0."""
    fake = Scenario(tmp_path).windows()
    fake.program("wsl.exe", wsl_exe_answers())
    fake.program("powershell.exe", Answer(sample("wsl/powershell.healthy.json")))
    done = fake.cli("report", "--format", "text", "--repo", str(tmp_path / "no-repo"))
    assert "Windows: Windows 11 23H2, build 22631.2861" in done.stdout
    assert "WSL: v2.0.14.0 (Microsoft Store)" in done.stdout
    assert "Docker Desktop: 4.37.1" in done.stdout


@pytest.mark.parametrize(
    ("code", "slug", "fix"),
    [
        ("0x8007019e", "wsl-feature-off", "Microsoft-Windows-Subsystem-Linux"),
        ("0x80370102", "virtualization-off", "shutdown.exe /r /fw /t 0"),
        ("HCS_E_HYPERV_NOT_INSTALLED", "vmp-off", "wsl.exe --install --no-distribution"),
        ("0x80070569", "logon-right", "gpupdate /force"),
        ("0x8037011E", "hcs-disconnected", "Restart-Service vmcompute"),
    ],
)
def test_each_error_code_names_its_cause_in_any_language(
    tmp_path: Path, code: str, slug: str, fix: str
) -> None:
    """The words around the code are localised (here: French); only the code is read."""
    said = f"Le sous-système Windows pour Linux a échoué.\r\nCode d'erreur : Wsl/Service/{code}\r\n"
    fake = Scenario(tmp_path).windows()
    fake.program("wsl.exe", wsl_exe_answers(listing=Answer(said.encode("utf-16-le"), rc=1)))
    found = by_slug(fake)[slug]
    assert found.status is Status.FAIL
    assert fix in found.detail
