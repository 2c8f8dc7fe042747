""".wslconfig: read it exactly as WSL does, and edit it without disturbing anything else."""

from __future__ import annotations

import re

import pytest
from devdoctor.checks.wsl.wslconfig import (
    Decoded,
    UnreadableConfig,
    WslConfig,
    decode,
    default_memory,
    default_swap,
    effective_memory,
    effective_swap,
    encode,
    parse,
)
from devdoctor.checks.wsl.wslconfig_edit import set_values
from devdoctor.checks.wsl.wslconfig_keys import parse_bool, wsl_bytes
from devdoctor.checks.wsl.wslconfig_lint import whole_units
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import TESTS

SAMPLES = TESTS / "samples" / "wslconfig"
GiB = 1 << 30
MiB = 1 << 20


def kinds(config: WslConfig) -> list[tuple[int, str]]:
    return [(p.line, p.kind) for p in config.problems]


# ---------------------------------------------------------------- real files


def test_austin_lai_sample() -> None:
    decoded = decode((SAMPLES / "wslconfig.austin-lai.wslconfig").read_bytes())
    assert (decoded.encoding, decoded.newline) == ("utf-8", "\n")
    config = parse(decoded.text)
    assert config.problems == ()
    memory = config.get("wsl2", "memory")
    assert memory is not None and (memory.value, memory.line) == ("1GB", 5)
    assert config.size("wsl2", "memory") == 1 * GiB
    assert config.size("WSL2", "SWAP") == 4 * GiB
    # lowercase keys are matched case-insensitively and keep their spelling
    forwarding = config.get("wsl2", "localhostForwarding")
    assert forwarding is not None and forwarding.raw_key == "localhostforwarding"
    swapfile = config.get("wsl2", "swapFile")
    assert swapfile is not None
    assert swapfile.value == "C:\\austin-tools\\wsl-docker-image\\wsl-swap.vhdx"
    # autoProxy under [experimental] is the same setting as [wsl2] autoProxy
    proxy = config.get("wsl2", "autoProxy")
    assert proxy is not None and (proxy.section, proxy.value) == ("experimental", "true")
    reclaim = config.get("experimental", "autoMemoryReclaim")
    assert reclaim is not None and reclaim.value == "dropcache"  # trailing space trimmed
    assert config.get("wsl2", "pageReporting") is None  # commented out
    assert effective_memory(config, 16 * GiB) == (1 * GiB, "memory=1GB in [wsl2], line 5")
    assert effective_swap(config, 1 * GiB) == (4 * GiB, "swap=4GB in [wsl2], line 11")


def test_microsoft_docs_sample() -> None:
    data = (SAMPLES / "wslconfig.microsoft-docs-example.wslconfig").read_bytes()
    config = parse(decode(data).text)
    assert config.problems == ()
    assert config.size("wsl2", "memory") == 4 * GiB
    assert config.size("wsl2", "swap") == 8 * GiB
    values = {(e.section, e.key): e.value for e in config.entries}
    assert values[("wsl2", "kernel")] == "C:\\temp\\myCustomKernel"
    assert values[("wsl2", "kernelcommandline")] == "vsyscall=emulate"
    assert values[("wsl2", "nestedvirtualization")] == "false"
    assert values[("experimental", "sparsevhd")] == "true"
    assert len(config.entries) == 12


# ---------------------------------------------------------------- bytes on disk

MEMORY_8G = "[wsl2]\nmemory=8589934592\nprocessors=4\n"  # as the WSL Settings app writes it


@pytest.mark.parametrize(
    ("data", "encoding", "newline"),
    [
        pytest.param(MEMORY_8G.encode(), "utf-8", "\n", id="utf-8-lf"),
        pytest.param(MEMORY_8G.replace("\n", "\r\n").encode(), "utf-8", "\r\n", id="crlf"),
        pytest.param(b"\xef\xbb\xbf" + MEMORY_8G.encode(), "utf-8-sig", "\n", id="utf-8-bom"),
        pytest.param(
            b"\xff\xfe" + MEMORY_8G.replace("\n", "\r\n").encode("utf-16-le"),
            "utf-16-le",
            "\r\n",
            id="notepad-unicode",
        ),
        pytest.param(MEMORY_8G.rstrip("\n").encode(), "utf-8", "\n", id="no-final-newline"),
    ],
)
def test_encodings_round_trip(data: bytes, encoding: str, newline: str) -> None:
    decoded = decode(data)
    assert (decoded.encoding, decoded.newline) == (encoding, newline)
    assert "\r" not in decoded.text and decoded.text.startswith("[wsl2]")
    assert encode(decoded.text, decoded) == data
    assert parse(decoded.text).size("wsl2", "memory") == 8 * GiB


def test_edit_keeps_encoding_and_newlines() -> None:
    data = b"\xff\xfe" + "# mine\r\n[wsl2]\r\nmemory=4GB\r\n".encode("utf-16-le")
    decoded = decode(data)
    edited = encode(set_values(decoded.text, {"memory": "8GB"}), decoded)
    assert edited == b"\xff\xfe" + "# mine\r\n[wsl2]\r\nmemory=8GB\r\n".encode("utf-16-le")


def test_newline_is_the_majority_and_crlf_when_there_is_none() -> None:
    assert decode(b"a\r\nb\r\nc\n").newline == "\r\n"
    assert decode(b"a\nb\nc\r\n").newline == "\n"
    assert decode(b"").newline == "\r\n"
    assert decode(b"[wsl2]").newline == "\r\n"
    assert decode(b"") == Decoded("", "utf-8", "\r\n")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param("[wsl2]\r\n".encode("utf-16-le"), "UTF-16 without", id="utf-16-no-bom"),
        pytest.param("[wsl2]\r\n".encode("utf-16-be"), "UTF-16 without", id="utf-16be-no-bom"),
        pytest.param(b"\xfe\xff" + "[wsl2]\n".encode("utf-16-be"), "big-endian", id="utf-16-be"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x01\x02", "NUL", id="binary"),
        pytest.param("memory=1GB # é\n".encode("cp1252"), "not valid UTF-8", id="ansi"),
        pytest.param(b"\xef\xbb\xbfa\x00\x00b", "NUL", id="nul-after-utf-8-bom"),
        pytest.param(b"\xff\xfe[\x00w", "not valid UTF-16", id="odd-utf-16"),
        pytest.param(b"\xff\xfe\x00\x00", "NUL", id="utf-16-nul-character"),
    ],
)
def test_unreadable_files(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableConfig, match=reason):
        decode(data)


@settings(max_examples=200)
@given(
    text=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r")),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16-le"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_decode_encode_is_byte_exact(text: str, encoding: str, newline: str) -> None:
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    data = bom + text.replace("\n", newline).encode(encoding)
    decoded = decode(data)
    assert encode(decoded.text, decoded) == data
    assert decoded.text == text or text.startswith("\ufeff")  # a second BOM stays in the text


# ---------------------------------------------------------------- sizes and booleans


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("8GB", 8 * GiB),
        ("8G", 8 * GiB),
        ("8192MB", 8 * GiB),
        ("512M", 512 * MiB),
        ("1TB", 1 << 40),
        ("1T", 1 << 40),
        ("64KB", 64 << 10),
        ("64K", 64 << 10),
        ("100B", 100),
        ("8589934592", 8 * GiB),  # no unit: bytes, as the WSL Settings app writes it
        ("0", 0),
        ("0GB", 0),
        ("007", 7),
        ("18446744073709551616", (1 << 64) - 1),  # strtoull saturates
        ("16777216TB", 0),  # 2**64 wraps to 0 in WSL's 64-bit multiplication
    ],
)
def test_sizes_wsl_accepts(value: str, size: int) -> None:
    assert wsl_bytes(value) == size


@pytest.mark.parametrize(
    "value",
    ["8gb", "8Gb", "8 GB", "8.5GB", "8GiB", "-1", "", "GB", "00", "00GB", "8BB", "8KBB", " 8GB",
     "8GB ", "+8GB", "0x10", "\u0668GB", "8\u00a0GB", "8PB"],
)  # fmt: skip
def test_sizes_wsl_rejects(value: str) -> None:
    assert wsl_bytes(value) is None


def size_oracle(value: str) -> int | None:
    match = re.fullmatch(r"([0-9]+)(B|K|KB|M|MB|G|GB|T|TB)?", value)
    if match is None or (int(match[1]) == 0 and match[1] != "0"):
        return None
    power = "BKMGT".index(match[2][0]) if match[2] else 0
    return (min(int(match[1]), 2**64 - 1) << (10 * power)) % 2**64


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.from_regex(r"\A[0-9]{1,22}[BKMGTbkmgti ]{0,3}\Z"),
        st.builds(lambda n, u: f"{n}{u}", st.integers(0, 2**70), st.sampled_from(["", "B", "KB"])),
    )
)
def test_parse_size_matches_oracle(value: str) -> None:
    assert wsl_bytes(value) == size_oracle(value)


@pytest.mark.parametrize(
    ("value", "result"),
    [("true", True), ("TRUE", True), ("True", True), ("1", True), ("false", False),
     ("FaLsE", False), ("0", False), ("yes", None), ("on", None), ("", None), ("01", None)],
)  # fmt: skip
def test_booleans(value: str, result: bool | None) -> None:
    assert parse_bool(value) is result


# ---------------------------------------------------------------- the line grammar


def test_semicolon_is_not_a_comment() -> None:
    config = parse("[wsl2]\n; memory=2GB\nmemory=4GB\n")
    assert kinds(config) == [(2, "invalid-line")]
    assert "`;` does not start a comment" in config.problems[0].message
    assert config.problems[0].text == "; memory=2GB"
    assert config.size("wsl2", "memory") == 4 * GiB


def test_first_duplicate_wins_even_when_it_is_invalid() -> None:
    config = parse("[wsl2]\nmemory=4GB\nMEMORY=8GB\n")
    assert config.size("wsl2", "memory") == 4 * GiB
    assert kinds(config) == [(3, "duplicate-key")]
    assert "line 2" in config.problems[0].message
    config = parse("[wsl2]\nmemory=8gb\nmemory=8GB\n")  # WSL keeps the bad first one
    assert config.size("wsl2", "memory") is None
    assert kinds(config) == [(2, "bad-size"), (3, "duplicate-key")]
    assert "WSL ignores this value and uses its default" in config.problems[0].message
    assert effective_memory(config, 16 * GiB)[0] == 8 * GiB


def test_sections_of_the_same_name_merge() -> None:
    config = parse("[wsl2]\nmemory=4GB\n[experimental]\nsparseVhd=true\n[WSL2]\nmemory=8GB\n")
    assert config.size("wsl2", "memory") == 4 * GiB
    assert kinds(config) == [(6, "duplicate-key")]


def test_aliases_are_one_setting() -> None:
    text = "[experimental]\nnetworkingMode=mirrored\n[wsl2]\nnetworkingmode=nat\n"
    config = parse(text)
    mode = config.get("wsl2", "networkingMode")
    assert mode is not None and (mode.section, mode.value) == ("experimental", "mirrored")
    assert config.get("experimental", "NETWORKINGMODE") == mode
    assert kinds(config) == [(4, "duplicate-key")]


def test_key_before_any_section() -> None:
    config = parse("memory=8GB\n[wsl2]\nswap=0\n")
    assert kinds(config) == [(1, "key-outside-section")]
    assert "[wsl2]" in config.problems[0].message
    assert config.get("wsl2", "memory") is None
    assert config.entries[0].section == ""


def test_wrong_section_says_where_the_key_belongs() -> None:
    config = parse("[wsl2]\nautoMemoryReclaim=gradual\n[experimental]\nmemory=8GB\n")
    assert kinds(config) == [(2, "wrong-section"), (4, "wrong-section")]
    assert "[experimental]" in config.problems[0].message
    assert "[wsl2]" in config.problems[1].message
    assert config.get("wsl2", "memory") is None


def test_unknown_keys_and_sections() -> None:
    config = parse("[wsl2]\nmemroy=8GB\npageReporting=false\n[boot]\nsystemd=true\n[foo]\nx=1\n")
    assert kinds(config) == [(2, "unknown-key"), (3, "unknown-key"), (5, "unknown-key"),
                             (7, "unknown-key")]  # fmt: skip
    assert "Did you mean `memory`?" in config.problems[0].message
    assert "/etc/wsl.conf" in config.problems[2].message


def test_bad_booleans() -> None:
    config = parse(
        "[wsl2]\nguiApplications=yes\nlocalhostForwarding=TRUE\n[experimental]\nsparseVhd=0\n"
    )
    assert kinds(config) == [(2, "bad-bool")]


def test_section_headers() -> None:
    text = "[wsl2] # the VM\nmemory=4GB\n[wsl-2]\nswap=1GB\n[ wsl2 ]\n[wsl2]x\n[wsl2\n[]\n[2wsl]\n"
    config = parse(text)
    assert kinds(config) == [(n, "invalid-line") for n in (3, 5, 6, 7, 8, 9)]
    # a bad header is skipped: the keys below it stay in the section before it
    assert config.size("wsl2", "swap") == 1 * GiB
    assert "still belong to [wsl2]" in config.problems[0].message
    assert parse("[WSL2]\nmemory=4GB").size("wsl2", "memory") == 4 * GiB


def test_key_names() -> None:
    config = parse("[wsl2]\nkey_with_underscore=1\nmemory 4GB\n  memory\t=\t2GB  \n9lives=1\n")
    assert kinds(config) == [(2, "invalid-line"), (3, "invalid-line"), (5, "invalid-line")]
    assert "only letters and digits" in config.problems[0].message
    assert config.size("wsl2", "memory") == 2 * GiB


def test_quotes_escapes_and_comments() -> None:
    text = (
        "[wsl2]\n"
        'kernelCommandLine = " a # b "   # a comment\n'
        'swapFile="C:\\\\temp\\\\swap.vhdx"\n'
        'kernel=C:\\\\k\\tx\\"y\\\\\n'
        "safeMode=true# no space before the comment\n"
        'debugConsoleLogFile="unclosed\n'
        "crashDumpFolder=C:\\Users\\me\n"
    )
    config = parse(text)
    values = {e.key: e.value for e in config.entries}
    assert values["kernelcommandline"] == " a # b "
    assert values["swapfile"] == "C:\\temp\\swap.vhdx"
    assert values["kernel"] == 'C:\\k\tx"y\\'
    assert values["safemode"] == "true"
    assert "debugconsolelogfile" not in values and "crashdumpfolder" not in values
    assert kinds(config) == [(6, "invalid-line"), (7, "bad-escape")]
    assert "`\\U`" in config.problems[1].message and "twice" in config.problems[1].message


def test_line_continuation() -> None:
    config = parse("[wsl2]\nkernelCommandLine = a \\\n  b\nmemory=4\\\nGB\nswap=1GB\n")
    entry = config.get("wsl2", "kernelCommandLine")
    assert entry is not None and entry.value == "a   b"
    assert config.size("wsl2", "memory") == 4 * GiB
    assert config.size("wsl2", "swap") == 1 * GiB
    assert kinds(config) == []
    ends_in_backslash = parse("[wsl2]\nmemory=4GB\\")  # `\` then end of file: a bad escape
    assert kinds(ends_in_backslash) == [(2, "bad-escape")]


def test_crlf_and_lone_carriage_returns() -> None:
    config = parse("[wsl2]\r\nmemory=4GB\r\nswap=1GB\\\r\n\r\n")
    assert config.size("wsl2", "memory") == 4 * GiB
    assert config.size("wsl2", "swap") == 1 * GiB
    # blanks before a continuation are kept, as in WSL (the `\` counts as a character)
    swap = parse("[wsl2]\nswap=1GB \\\n\n").get("wsl2", "swap")
    assert swap is not None and swap.value == "1GB "
    lone = parse("[wsl2]\nmemory=4GB\rswap=0\n")
    assert lone.size("wsl2", "memory") == 4 * GiB
    assert kinds(lone) == [(2, "invalid-line")]


def test_blank_and_odd_lines_never_break_the_parser() -> None:
    assert parse("") == WslConfig((), ())
    assert parse("\n\n  \t\n# only comments\n").entries == ()
    assert kinds(parse("[wsl2]\n=4GB\n\u00e9t\u00e9=1\n")) == [
        (2, "invalid-line"),
        (3, "invalid-line"),
    ]


# ---------------------------------------------------------------- what WSL will use


def test_defaults() -> None:
    assert default_memory(16 * GiB) == 8 * GiB
    assert default_memory(15 * GiB + 1) == (15 * GiB + 1) // 2
    assert default_swap(8 * GiB) == 2 * GiB
    assert default_swap(6 * GiB) == 2 * GiB  # 1.5 GiB rounds up
    assert default_swap(1 * GiB) == 1 * GiB
    assert default_swap(4 * GiB) == 1 * GiB
    assert default_swap(0) == 0


@pytest.mark.parametrize(
    ("text", "memory", "source"),
    [
        ("", 8 * GiB, "WSL's default: 50 % of the host's 16 GiB"),
        ("[wsl2]\nmemory=0\n", 8 * GiB, "WSL's default: 50 % of the host's 16 GiB (memory=0 in"),
        ("[wsl2]\nmemory=8 GB\n", 8 * GiB, "WSL's default: 50 % of the host's 16 GiB (memory=8 GB"),
        ("[wsl2]\nmemory=8GB\n", 8 * GiB, "memory=8GB in [wsl2], line 2"),
        ("[WSL2]\nMemory = 12GB\n", 12 * GiB, "Memory=12GB in [wsl2], line 2"),
        ("[wsl2]\nmemory=100MB\n", 256 * MiB, "memory=100MB in [wsl2], line 2, raised"),
        ("[wsl2]\nmemory=64GB\n", 16 * GiB, "memory=64GB in [wsl2], line 2, capped at the host's"),
        ("[experimental]\nmemory=4GB\n", 8 * GiB, "WSL's default"),
    ],
)
def test_effective_memory(text: str, memory: int, source: str) -> None:
    got, where = effective_memory(parse(text), 16 * GiB)
    assert got == memory
    assert where.startswith(source)


def test_effective_swap() -> None:
    assert effective_swap(parse(""), 6 * GiB) == (
        2 * GiB,
        "WSL's default: 25 % of the VM's 6 GiB, rounded up to a whole GiB",
    )
    swap, where = effective_swap(parse("[wsl2]\nswap=0\n"), 8 * GiB)
    assert (swap, where) == (0, "swap=0: no swap file ([wsl2], line 2)")
    swap, where = effective_swap(parse("[wsl2]\nswap=4gb\n"), 8 * GiB)
    assert swap == 2 * GiB and "swap=4gb in [wsl2], line 2 is not a size" in where
    assert effective_swap(parse("[wsl2]\nswap=16GB\n"), 8 * GiB)[0] == 16 * GiB


# ---------------------------------------------------------------- editing


def test_replace_keeps_spelling_spacing_and_comment() -> None:
    text = "# top\n[WSL2] # mine\nMemory = 4GB   # was 2GB\nswap=0\n"
    assert set_values(text, {"memory": "8GB"}) == (
        "# top\n[WSL2] # mine\nMemory = 8GB   # was 2GB\nswap=0\n"
    )


def test_replace_only_the_first_duplicate() -> None:
    text = "[wsl2]\nmemory=8gb\n[experimental]\n[wsl2]\nmemory=2GB\n"
    assert set_values(text, {"memory": "8GB"}) == (
        "[wsl2]\nmemory=8GB\n[experimental]\n[wsl2]\nmemory=2GB\n"
    )


def test_replace_quoted_continued_and_empty_values() -> None:
    assert set_values('[wsl2]\nmemory="4GB" # q\n', {"memory": "8GB"}) == "[wsl2]\nmemory=8GB # q\n"
    assert set_values("[wsl2]\nmemory=4\\\nGB\nswap=0", {"memory": "8GB"}) == (
        "[wsl2]\nmemory=8GB\nswap=0"
    )
    assert set_values("[wsl2]\nmemory= # x\n", {"memory": "8GB"}) == "[wsl2]\nmemory= 8GB # x\n"


def test_insert_after_the_last_key_of_the_first_section() -> None:
    text = (
        "[wsl2]\nprocessors=4\n; junk\n\n# about swap\n[experimental]\nsparseVhd=true\n"
        "[wsl2]\nswap=0\n"
    )
    assert set_values(text, {"memory": "8GB", "guiApplications": "false"}) == (
        "[wsl2]\nprocessors=4\nmemory=8GB\nguiApplications=false\n; junk\n\n# about swap\n"
        "[experimental]\nsparseVhd=true\n[wsl2]\nswap=0\n"
    )
    assert set_values("[wsl2] # c", {"memory": "8GB"}) == "[wsl2] # c\nmemory=8GB"


def test_insert_after_a_bad_header_that_does_not_end_the_section() -> None:
    text = "[wsl2]\n[wsl-2]\nswap=0\n[experimental]\n[wsl_2]\nmemory=4GB\n"
    edited = set_values(text, {"memory": "8GB"})
    assert edited == "[wsl2]\n[wsl-2]\nswap=0\nmemory=8GB\n[experimental]\n[wsl_2]\nmemory=4GB\n"


def test_append_a_section() -> None:
    assert set_values("", {"memory": "8GB"}) == "[wsl2]\nmemory=8GB\n"
    assert set_values("# mine", {"memory": "8GB"}) == "# mine\n\n[wsl2]\nmemory=8GB\n"
    assert set_values("[experimental]\nsparseVhd=true\n", {"swap": "0"}) == (
        "[experimental]\nsparseVhd=true\n\n[wsl2]\nswap=0\n"
    )
    assert set_values("memory=2GB\n", {"memory": "8GB"}) == ("memory=2GB\n\n[wsl2]\nmemory=8GB\n")


def test_values_are_escaped_for_wsl() -> None:
    edited = set_values("", {"kernel": "C:\\temp\\my kernel", "kernelCommandLine": " a#b"})
    assert edited == '[wsl2]\nkernel=C:\\\\temp\\\\my kernel\nkernelCommandLine=" a#b"\n'
    config = parse(edited)
    assert [e.value for e in config.entries] == ["C:\\temp\\my kernel", " a#b"]


def test_edit_an_alias_where_it_is_in_effect() -> None:
    text = "[wsl2]\nmemory=4GB\n[experimental]\nautoProxy=true\n"
    edited = set_values(text, {"autoProxy": "false"})
    assert edited == "[wsl2]\nmemory=4GB\n[experimental]\nautoProxy=false\n"


def test_set_values_refuses_what_wsl_could_not_read() -> None:
    with pytest.raises(ValueError, match="only in \\[experimental\\]"):
        set_values("", {"autoMemoryReclaim": "gradual"})
    with pytest.raises(ValueError, match="letters and digits"):
        set_values("", {"swap_file": "x"})
    with pytest.raises(ValueError, match="letters and digits"):
        set_values("", {"memory": "8GB"}, section="wsl-2")
    with pytest.raises(ValueError, match="carriage return"):
        set_values("", {"kernelCommandLine": "a\rb"})
    assert set_values("", {"autoMemoryReclaim": "gradual"}, section="experimental") == (
        "[experimental]\nautoMemoryReclaim=gradual\n"
    )


# ---------------------------------------------------------------- properties

FRAGMENTS = [
    "[wsl2]", "[WSL2] # c", "[experimental]", "[general]", "[wsl-2]", "[wsl2", "memory=4GB",
    "Memory = 8gb # c", "memory=\\", "memory=2\\", "swap=0", "; memory=1GB", "# c", "", "  ",
    "kernel=C:\\Users", 'memory="4GB', 'memory=" 4GB "', "x \\", "autoProxy=true",
    "networkingMode=nat", "memory=1GB\r", "\r", "memory=3GB\rswap=1", "[wsl2]\r[x]",
]  # fmt: skip
ODD = st.text(st.sampled_from(list('[]=#;"\\ \t\r\nwsl2memoryGB08_-.\u00e9')), max_size=12)
CONFIG_TEXT = st.builds(
    lambda lines, end: "\n".join(lines) + end,
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), ODD), max_size=12),
    st.sampled_from(["", "\n", "\\", "\r"]),
)


@settings(max_examples=300)
@given(st.one_of(st.text(), CONFIG_TEXT))
def test_parse_never_raises(text: str) -> None:
    config = parse(text)
    lines = text.split("\n")
    for problem in config.problems:
        assert 1 <= problem.line <= len(lines) and problem.message
    for entry in config.entries:
        assert 1 <= entry.line <= len(lines)
        assert entry.raw_key.lower() == entry.key and entry.section == entry.section.lower()


def common_ends(old: list[str], new: list[str]) -> tuple[int, int]:
    """Lengths of the common prefix and (non-overlapping) common suffix of two line lists."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix, suffix


@settings(max_examples=400)
@given(CONFIG_TEXT)
def test_set_values_takes_effect_and_changes_nothing_else(text: str) -> None:
    before = parse(text)
    edited = set_values(text, {"memory": "8GB"})
    after = parse(edited)
    memory = after.get("wsl2", "memory")
    assert memory is not None and memory.value == "8GB"
    assert after.size("wsl2", "memory") == 8 * GiB

    old, new = text.split("\n"), edited.split("\n")
    prefix, suffix = common_ends(old, new)
    old_middle, new_middle = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
    replaced = before.get("wsl2", "memory")
    if replaced is None:  # inserted: every old line is still there, in order
        assert old_middle == [] and 1 <= len(new_middle) <= 4
    else:  # the value changed in place: only the lines of that one entry differ
        assert prefix >= replaced.line - 1 and len(new_middle) <= 1
        assert new[replaced.line - 1].startswith(old[replaced.line - 1][: len(replaced.raw_key)])

    # every other setting still reads the same (unless the file ended in a dangling `\`,
    # which a newline turns into a line continuation: unavoidable when appending)
    if not text.endswith("\\"):
        others = {(e.section, e.key) for e in before.entries if e.key != "memory"}
        for section, key in others:
            old_entry, new_entry = before.get(section, key), after.get(section, key)
            assert old_entry is not None and new_entry is not None
            assert old_entry.value == new_entry.value


@settings(max_examples=200)
@given(CONFIG_TEXT, st.text(st.characters(exclude_characters="\r")))
def test_set_values_writes_any_value_so_wsl_reads_it_back(text: str, value: str) -> None:
    edited = set_values(text, {"kernelCommandLine": value})
    entry = parse(edited).get("wsl2", "kernelCommandLine")
    assert entry is not None and entry.value == value


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[wsl2\n", "wsl: Expected ']' in F:1"),
        ("[wsl2]\nmemory 8GB\n", "wsl: Expected '=' in F:2"),
        ("[wsl2]\nswap_file=C:\\\\x\n", "wsl: Expected '=' in F:2"),
        ("[wsl2]\n;memory=8GB\n", "wsl: Invalid key name in F:2"),
        ("memory=8GB\n[wsl2]\n", "wsl: Unknown key 'memory' in F:1"),
        ("[wsl2]\nlocahostForwarding=true\n", "wsl: Unknown key 'wsl2.locahostForwarding' in F:2"),
        (
            "[wsl2]\nmemory=0.5GB\n",
            "wsl: Invalid memory string '0.5GB' for .wslconfig entry 'wsl2.memory' in F:2",
        ),
        (
            "[wsl2]\nguiApplications=yes\n",
            "wsl: Invalid boolean value 'yes' for key 'wsl2.guiApplications' in F:2",
        ),
        (
            "[wsl2]\nmemory=8GB\nMemory=4GB\n",
            "wsl: Duplicated config key 'wsl2.Memory' in F:3 (Conflicting key: 'wsl2.memory' in F:2)",
        ),
    ],
)
def test_problems_as_wsl_reports_them(text: str, says: str) -> None:
    problems = parse(text).problems
    assert [p.reported("F") for p in problems] == [says]


@pytest.mark.parametrize(
    ("value", "meant"),
    [("0.5GB", "512MB"), ("8gb", "8GB"), ("8 GiB", "8GB"), ("1.5G", "1536MB"), ("lots", None)],
)
def test_whole_units(value: str, meant: str | None) -> None:
    assert whole_units(value) == meant
