"""The home volume's stamp format: what a course's install script writes, read back."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from devdoctor.checks.docker.stamp import (
    STAMP_LIMIT,
    Stamp,
    StampError,
    format_stamp,
    parse_stamp,
    requirements_hash,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scenario import Scenario

NAMES = st.text(
    alphabet=st.characters(categories=("L", "N"), include_characters="-_.+@"),
    min_size=1,
    max_size=30,
)
DIGESTS = st.binary(max_size=64).map(lambda b: hashlib.sha256(b).hexdigest())


@settings(max_examples=300, deadline=None)
@given(variant=st.none() | NAMES, digest=st.none() | DIGESTS)
def test_what_is_written_is_read_back(variant: str | None, digest: str | None) -> None:
    assert parse_stamp(format_stamp(variant, digest).encode()) == Stamp(variant, digest)


@settings(max_examples=300, deadline=None)
@given(
    variant=NAMES,
    digest=DIGESTS,
    crlf=st.booleans(),
    upper=st.booleans(),
    extra=st.lists(st.sampled_from(["", "# written by install.sh", "python=3.11", "  "])),
    first=st.booleans(),
)
def test_comments_blank_lines_other_keys_and_crlf_change_nothing(
    variant: str, digest: str, crlf: bool, upper: bool, extra: list[str], first: bool
) -> None:
    records = [f"variant={variant}", f"requirements={digest.upper() if upper else digest}"]
    lines = extra + records if first else records + extra
    text = ("\r\n" if crlf else "\n").join(lines)
    assert parse_stamp(text.encode()) == Stamp(variant, digest)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=STAMP_LIMIT + 16))
def test_any_bytes_parse_or_say_why(data: bytes) -> None:
    try:
        found = parse_stamp(data)
    except StampError as exc:
        assert str(exc)
    else:
        assert found.requirements is None or len(found.requirements) == 64
        assert found.variant is None or found.variant.strip() == found.variant != ""


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"gpu\n", "line 1 is not key=value: 'gpu'"),
        (b"variant=gpu\nvariant=cpu\n", "line 2 repeats variant"),
        (b"requirements=3f2a\n", "requirements is not a sha256 (64 hex digits): '3f2a'"),
        (b"variant=gpu frozen\n", "variant is not one word: 'gpu frozen'"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b"#" * (STAMP_LIMIT + 1), f"larger than {STAMP_LIMIT} bytes, not a stamp"),
    ],
)
def test_what_is_not_a_stamp_is_named(data: bytes, why: str) -> None:
    with pytest.raises(StampError) as raised:
        parse_stamp(data)
    assert str(raised.value) == why


def test_empty_and_unset_records_mean_nothing_known() -> None:
    assert parse_stamp(b"").empty
    assert parse_stamp(b"\n").empty
    assert parse_stamp(b"variant=\nrequirements=\n").empty  # COURSE_VARIANT was not set


def test_the_checkouts_hash_is_what_sha256sum_prints(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    repo.mkdir()
    (repo / "requirements.txt").write_bytes(b"numpy==1.26.4\r\ntorch==2.3.1")
    (repo / "dev.txt").write_bytes(b"pytest\n")
    (repo / ".devdoctor.toml").write_text(
        '[requirements]\nfiles = ["requirements.txt", "dev.txt"]\n', encoding="utf-8"
    )
    printed = subprocess.run(
        "cat requirements.txt dev.txt | sha256sum | cut -d' ' -f1",
        shell=True, cwd=repo, capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip
    host = Scenario(tmp_path, system=False).host(repo=repo)
    assert requirements_hash(host) == (printed, "sha256 of requirements.txt + dev.txt")


def test_a_missing_requirement_file_makes_the_hash_unknown(tmp_path: Path) -> None:
    repo = tmp_path / "course"
    repo.mkdir()
    digest, why = requirements_hash(Scenario(tmp_path, system=False).host(repo=repo))
    assert digest is None
    assert why.startswith("unknown: cannot read requirements.txt")
