"""wsl-memory on fake WSL and Windows hosts built from real .wslconfig files."""

from __future__ import annotations

from pathlib import Path

import pytest
from devdoctor.checks.wsl.memory_plan import memory_cap
from devdoctor.checks.wsl.wsl_memory import WslMemory
from devdoctor.fixes import Consent, Outcome, apply_fix
from devdoctor.journal import entries
from devdoctor.model import Finding, Status
from devdoctor.undo import undo_entry

from tests.scenario import SAMPLES, GiB, Scenario

WSLCONFIG = "/mnt/c/Users/student/.wslconfig"


def findings(fake: Scenario, **options: object) -> dict[str, Finding]:
    return {f.slug: f for f in WslMemory().run(fake.host(**options))}


def fix_it(fake: Scenario, finding: Finding, **consent: bool) -> Outcome:
    assert finding.fix is not None
    said: list[str] = []
    result = apply_fix(
        finding.fix,
        finding,
        WslMemory(),
        fake.host(),
        consent=Consent(**consent),
        named=True,
        say=said.append,
        ask=lambda q: None,
    )
    return result.outcome


def test_too_little_memory_fails_and_says_where_each_figure_comes_from(tmp_path: Path) -> None:
    found = findings(Scenario(tmp_path).wsl())
    bad = found["too-little-memory"]
    assert bad.status is Status.FAIL
    facts = dict(bad.evidence)
    assert facts["configured memory"] == "4 GiB (memory=4GB in [wsl2], line 2)"
    assert facts["configured swap"].startswith("1 GiB (WSL's default")
    assert facts["computer RAM"].startswith("16 GiB (powershell.exe on Windows")
    assert facts["needed memory"] == "8 GiB (devdoctor's default)"
    assert bad.fix is not None and bad.fix.needs_restart
    assert bad.fix.offer == ()  # never `wsl --shutdown` from inside WSL


def test_no_wslconfig_means_wsl_defaults(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=None, vm_memory_kb=8 * 1024 * 1024 - 300_000)
    found = findings(fake)
    assert "too-little-memory" not in found  # 50 % of 16 GiB is 8 GiB
    swap = found["too-little-swap"]
    assert swap.status is Status.WARN
    assert dict(swap.evidence)["configured swap"].startswith("2 GiB (WSL's default: 25 %")


def test_microsoft_docs_sample(tmp_path: Path) -> None:
    sample = (SAMPLES / "wslconfig/wslconfig.microsoft-docs-example.wslconfig").read_bytes()
    found = findings(Scenario(tmp_path).wsl(wslconfig=sample))
    assert found["too-little-memory"].summary.startswith("WSL gives the VM 4 GiB of memory")
    assert "too-little-swap" not in found  # the sample sets swap=8GB


def test_real_user_file_with_lowercase_keys(tmp_path: Path) -> None:
    sample = (SAMPLES / "wslconfig/wslconfig.austin-lai.wslconfig").read_bytes()
    found = findings(Scenario(tmp_path).wsl(wslconfig=sample))
    assert dict(found["too-little-memory"].evidence)["configured memory"].startswith("1 GiB")


@pytest.mark.parametrize(
    ("text", "slug", "why", "says"),
    [
        (
            b"[wsl2]\r\n;memory=16GB\r\nmemory=4GB\r\n",
            "invalid-line",
            "`;`",
            "wsl: Invalid key name in C:\\Users\\student\\.wslconfig:2",
        ),
        (
            b"[wsl2]\nmemory=16gb\n",
            "bad-size",
            "write 16GB",
            "wsl: Invalid memory string '16gb' for .wslconfig entry 'wsl2.memory' in "
            "C:\\Users\\student\\.wslconfig:2",
        ),
        (
            b"[experimental]\nmemory=16GB\n",
            "wrong-section",
            "memory",
            "wsl: Unknown key 'experimental.memory' in C:\\Users\\student\\.wslconfig:2",
        ),
    ],
)
def test_lines_wsl_ignores_are_pointed_out(
    tmp_path: Path, text: bytes, slug: str, why: str, says: str
) -> None:
    found = findings(Scenario(tmp_path).wsl(wslconfig=text))
    ignored = found[slug]
    assert ignored.status is Status.WARN  # it concerns memory, so it matters
    assert why in ignored.detail
    assert ignored.line == 2
    assert dict(ignored.evidence)["wsl says"] == says
    assert "too-little-memory" in found or "too-little-swap" in found


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe"
        + "[wsl2]\r\nmemory=8GB\r\nswap=8GB\r\n".encode("utf-16-le"),  # Notepad "Unicode"
        b"\xef\xbb\xbf[wsl2]\r\nmemory=8589934592\r\nswap=8589934592\r\n",  # the WSL Settings app
        b"[WSL2]\nMemory = 8GB # the course needs it\nSWAP=8G\n",
    ],
)
def test_files_wsl_reads_fine_give_ok(tmp_path: Path, data: bytes) -> None:
    found = findings(Scenario(tmp_path).wsl(wslconfig=data, vm_memory_kb=8 * 1024 * 1024 - 200_000))
    assert found["enough"].status is Status.OK, found


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02binary\x00" * 10, b"[wsl2]\nmemory=" + b"9" * (300 * 1024)],
)
def test_unreadable_or_enormous_file_is_a_finding(tmp_path: Path, data: bytes) -> None:
    found = findings(Scenario(tmp_path).wsl(wslconfig=data))
    assert found["unreadable"].status is Status.WARN


def test_unknown_ram_is_a_warning_not_a_guess(tmp_path: Path) -> None:
    """The VM has 16 GiB now and the file sets nothing: the default depends on the RAM."""
    fake = Scenario(tmp_path).wsl(wslconfig=None, windows_ram=None, vm_memory_kb=16 * 1024 * 1024)
    found = findings(fake)
    assert found["unknown-ram"].status is Status.WARN


def test_explicit_memory_below_the_need_fails_whatever_the_ram(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=4GB\n", windows_ram=None, vm_memory_kb=16 * 1024**2)
    short = findings(fake)["too-little-memory"]
    assert short.status is Status.FAIL
    assert dict(short.evidence)["computer RAM"].startswith("unknown")
    assert short.fix is not None and b"memory=8GB" in short.fix.changes[0].new  # type: ignore[attr-defined]


def test_inside_wsl_the_live_vm_is_the_default_when_windows_is_silent(tmp_path: Path) -> None:
    found = findings(Scenario(tmp_path).wsl(wslconfig=None, windows_ram=None))
    short = found["too-little-memory"]
    assert short.status is Status.FAIL
    assert "/proc/meminfo" in dict(short.evidence)["configured memory"]
    assert "unknown-ram" not in found


def test_half_a_gigabyte_is_written_in_whole_units(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=0.5GB\nswap=1.5GB\n")
    bad = {f.line: f.detail for f in WslMemory().run(fake.host()) if f.slug == "bad-size"}
    assert "write 512MB" in bad[2] and "write 1536MB" in bad[3]  # one finding per line


def test_auto_memory_reclaim_explained_when_memory_is_tight(tmp_path: Path) -> None:
    """An 8 GiB laptop: WSL has all it can spare, swap makes up the rest."""
    text = b"[wsl2]\nmemory=6GB\nswap=10GB\n[experimental]\nautoMemoryReclaim=disabled\n"
    found = findings(Scenario(tmp_path).wsl(wslconfig=text, windows_ram=8 * GiB))
    assert found["small-computer"].status is Status.WARN
    reclaim = found["auto-memory-reclaim"]
    assert reclaim.status is Status.INFO
    assert "autoMemoryReclaim=gradual" in reclaim.detail
    assert reclaim.line == 5
    gradual = text.replace(b"disabled", b"gradual")
    again = findings(Scenario(tmp_path / "2").wsl(wslconfig=gradual, windows_ram=8 * GiB))
    assert "auto-memory-reclaim" not in again
    roomy = findings(Scenario(tmp_path / "3").wsl(wslconfig=b"[wsl2]\nmemory=4GB\n"))
    assert "auto-memory-reclaim" not in roomy  # 16 GiB: raising memory= is the answer


def test_wslconfig_option_is_a_real_path_and_missing_is_said(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=16GB\nswap=8GB\n")
    own = tmp_path / "elsewhere" / "my.wslconfig"
    own.parent.mkdir()
    own.write_bytes(b"[wsl2]\nmemory=2GB\n")
    short = findings(fake, wslconfig=str(own))["too-little-memory"]
    assert short.subject == str(own)  # read from the real file system, not under --root
    missing = findings(fake, wslconfig=str(tmp_path / "nope.wslconfig"))
    assert missing["missing"].status is Status.WARN
    assert "too-little-memory" not in missing and "enough" not in missing


def test_restart_pending_when_the_file_asks_for_more_than_the_vm_has(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=8GB\nswap=8GB\n", vm_memory_kb=4020092)
    found = findings(fake)
    assert found["restart-pending"].status is Status.WARN
    assert "too-little-memory" not in found


def test_policy_raises_the_requirement(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    repo.mkdir()
    (repo / ".devdoctor.toml").write_text('schema = 1\n[wsl]\nmemory = "12GB"\n')
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=8GB\nswap=8GB\n")
    found = findings(fake, repo=str(repo))
    assert dict(found["too-little-memory"].evidence)["needed memory"] == (
        "12 GiB (.devdoctor.toml [wsl] memory)"
    )


def test_fix_edits_only_the_value_and_keeps_bom_crlf_and_comments(tmp_path: Path) -> None:
    before = (
        b"\xef\xbb\xbf# mine\r\n[wsl2]\r\nmemory=4GB  # old\r\nswap=8GB\r\n"
        b"\r\n[experimental]\r\nsparseVhd=true\r\n"
    )
    fake = Scenario(tmp_path).wsl(wslconfig=before)
    outcome = fix_it(fake, findings(fake)["too-little-memory"], yes=True)
    assert outcome is Outcome.RESTART_PENDING
    after = fake.path(WSLCONFIG).read_bytes()
    assert after == before.replace(b"memory=4GB", b"memory=8GB")
    # the journal holds the old bytes, and undo puts them back exactly
    [entry] = entries(fake.state)
    said: list[str] = []
    undone = undo_entry(
        entry, fake.host(), consent=Consent(yes=True), say=said.append, ask=lambda q: None
    )
    assert undone.outcome is Outcome.UNDONE
    assert fake.path(WSLCONFIG).read_bytes() == before


def test_fix_creates_the_file_when_there_is_none(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=None, windows_ram=12 * GiB)
    outcome = fix_it(fake, findings(fake)["too-little-memory"], yes=True)
    assert outcome is Outcome.RESTART_PENDING
    text = fake.path(WSLCONFIG).read_text()
    assert "[wsl2]" in text and "memory=8GB" in text and "swap=8GB" in text


def test_small_laptop_gets_swap_instead_of_all_its_memory(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=4GB\n", windows_ram=8 * GiB)
    assert memory_cap(8 * GiB) == 6 * GiB
    bad = findings(fake)["too-little-memory"]
    assert bad.fix is not None and "swap grows by 2 GiB" in bad.fix.title
    assert fix_it(fake, bad, yes=True) is Outcome.RESTART_PENDING
    assert fake.path(WSLCONFIG).read_text() == "[wsl2]\nmemory=6GB\nswap=10GB\n"
    after = findings(fake)
    assert "too-little-memory" not in after
    assert after["small-computer"].status is Status.WARN


def test_no_terminal_and_no_yes_changes_nothing(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    before = fake.path(WSLCONFIG).read_bytes()
    assert fix_it(fake, findings(fake)["too-little-memory"]) is Outcome.NOT_APPLIED
    assert fake.path(WSLCONFIG).read_bytes() == before
    assert entries(fake.state) == []


def test_windows_native_reads_the_profile_on_c_and_offers_shutdown(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).windows(wslconfig=b"[wsl2]\r\nmemory=2GB\r\n")
    bad = findings(fake)["too-little-memory"]
    assert bad.subject == "C:\\Users\\student\\.wslconfig"
    assert bad.fix is not None and bad.fix.offer == ("wsl", "--shutdown")
    assert fix_it(fake, bad, yes=True) is Outcome.RESTART_PENDING
    assert b"memory=8GB\r\n" in fake.path(WSLCONFIG).read_bytes()


def test_does_not_apply_on_linux(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl()
    fake.env["DEVDOCTOR_PLATFORM"] = "linux"
    reason = WslMemory().platform_reason(fake.host())
    assert reason == "applies only on Windows or inside WSL; this is Linux"


def test_the_fix_is_planned_from_the_bytes_the_check_read(tmp_path: Path) -> None:
    """One read: an edit made after it is refused by the engine, never overwritten."""
    fake = Scenario(tmp_path).wsl()
    host = fake.host()
    reads: list[str] = []
    original = host.read_bytes

    def counting(path: str, limit: int = 1024 * 1024) -> tuple[bytes, bool]:
        reads.append(path)
        return original(path, limit)

    host.read_bytes = counting  # type: ignore[method-assign]
    bad = {f.slug: f for f in WslMemory().run(host)}["too-little-memory"]
    assert reads.count(WSLCONFIG) == 1
    assert bad.fix is not None
    (change,) = bad.fix.changes
    assert change.old == fake.path(WSLCONFIG).read_bytes()  # type: ignore[attr-defined]
    fake.path(WSLCONFIG).write_bytes(b"[wsl2]\r\nmemory=12GB\r\n")  # the user edits it now
    assert fix_it(fake, bad, yes=True) is Outcome.REFUSED
    assert fake.path(WSLCONFIG).read_bytes() == b"[wsl2]\r\nmemory=12GB\r\n"


def test_wsl1_has_no_vm_so_no_restart_is_pending(tmp_path: Path) -> None:
    fake = Scenario(tmp_path).wsl(wslconfig=b"[wsl2]\nmemory=8GB\nswap=8GB\n")
    fake.path("/proc/version").write_text(
        "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0) "
        "#1237-Microsoft Sat Sep 11 14:32:00 PST 2021\n"
    )
    found = findings(fake)
    assert "restart-pending" not in found  # /proc/meminfo there is Windows' own memory
    assert found["enough"].status is Status.OK


def test_a_wslconfig_named_on_the_command_line_is_read_and_fixed_where_it_really_is(
    tmp_path: Path,
) -> None:
    """`--wslconfig PATH` is a real path, like --repo, also under --root: the Host knows it."""
    fake = Scenario(tmp_path).wsl()
    real = tmp_path / "elsewhere" / ".wslconfig"
    real.parent.mkdir()
    real.write_bytes(b"[wsl2]\nmemory=2GB\n")
    shown = fake.cli("check", "--only", "wsl-memory", "--wslconfig", str(real))
    assert "2 GiB" in shown.stdout, shown.stdout
    done = fake.cli("fix", "wsl-memory", "--yes", "--wslconfig", str(real))
    assert done.returncode == 0, done.stdout + done.stderr
    assert b"memory=8GB" in real.read_bytes()
    assert not fake.path(str(real)).exists()  # nothing written inside the captured machine
    assert fake.cli("undo", "--yes", "--wslconfig", str(real)).returncode == 0
    assert real.read_bytes() == b"[wsl2]\nmemory=2GB\n"
