"""`devdoctor diagnose`: real build logs in, known failures and their checks' verdicts out.

The logs are real: captured from the test Docker engine and from real pip (tests/samples/logs,
SOURCES.md says how), produced afresh on the engine in the docker-marked tests, and written by
hand only for Windows, WSL, Docker Desktop and GPU messages (tests/samples/logs/hand-written).
"""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from devdoctor.diagnosis import (
    MAX_LINE,
    CatalogueError,
    Scan,
    needle_of,
    parse_catalogue,
    scan_stream,
    scan_text,
)
from devdoctor.registry import builtin_ids, known_failures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine import Engine
from tests.scenario import Scenario

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "logs"
CATALOGUE = parse_catalogue(known_failures())
# Checks other issues add (9: requirements-pins, dockerfile-layout; 10: gpu-toolkit;
# 11: docker-credentials): their codes may be named before the checks exist.
COMING = {"requirements-pins", "dockerfile-layout", "gpu-toolkit", "docker-credentials"}

EXPECTED: dict[str, set[str]] = {
    "build-crlf-bash.log": {"crlf-carriage-return"},
    "build-crlf-direct.log": {"required-file-not-found"},
    "build-crlf-sh.log": {"script-not-found"},
    "build-bash-under-sh.log": {"bashism-under-sh"},
    "build-not-executable.log": {"script-permission-denied"},
    "build-missing-file.log": {"script-not-found"},
    "build-copy-missing.log": {"copy-not-in-context"},
    "build-false.log": set(),
    "build-memory-limit.log": {"out-of-memory"},
    "build-no-shebang-exec.log": {"exec-format-error"},
    "build-daemon-not-running.log": {"docker-not-running"},
    "run-memory-limit.log": {"out-of-memory"},
    "run-gpus-no-toolkit.log": {"gpu-no-driver-capability"},
    "run-runtime-nvidia.log": {"nvidia-runtime-unknown"},
    "pip-backtracking.log": {
        "pip-walking-back",
        "pip-backtracking",
        "cairo-missing",
        "pip-build-failed",
    },
    "pip-conflict.log": {"pip-backtracking", "pip-resolution-impossible"},
    "pip-externally-managed.log": {"externally-managed"},
    "hand-written/vscode-shell-server-137.log": {"out-of-memory"},
    "hand-written/windows-docker-pipe.log": {"docker-pipe-missing", "docker-version-required"},
    "hand-written/wsl-integration-off.log": {"docker-not-in-wsl"},
    "hand-written/wsl-virtualization-off.log": {"wsl-virtualization-off"},
    "hand-written/docker-credentials-desktop.log": {"docker-credentials"},
    "hand-written/gpu-nvidia-container-cli.log": {"nvidia-container-cli-init"},
}

# One line per failure no sample shows, in the words the sources quote
# (shared/reference/failure-messages.md and shell-scripts.md).
QUOTED: dict[str, str] = {
    "crlf-bad-interpreter": "bash: ./setup.sh: /bin/bash^M: bad interpreter: No such file or directory",
    "bad-interpreter": "bash: ./run.sh: /usr/bin/python: bad interpreter: No such file or directory",
    "script-no-such-file": "bash: .devcontainer/post-create.sh: No such file or directory",
    "bom": "/bin/sh: 1: \ufeff#!/bin/bash: not found",
    "image-platform-mismatch": "WARNING: The requested image's platform (linux/amd64) does not match the detected host platform (linux/arm64/v8) and no specific platform was requested",
    "pip-resolution-too-deep": "pip._vendor.resolvelib.resolvers.ResolutionTooDeep: 200000",
    "gobject-introspection-missing": "../meson.build:31:9: ERROR: Dependency 'gobject-introspection-1.0' is required but not found.",
    "pg-config-missing": "Error: pg_config executable not found.",
    "cdi-unresolvable": 'docker: Error response from daemon: could not select device driver "cdi": unresolvable CDI devices nvidia.com/gpu=all.',
    "docker-socket-permission": "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock",
    "no-space": "failed to register layer: write /usr/lib/x86_64-linux-gnu/libLLVM.so: no space left on device",
    "wsl-feature-off": "WslRegisterDistribution failed with error: 0x8007019e",
    "wsl-kernel-update": "WSL 2 requires an update to its kernel component. For information please visit https://aka.ms/wsl2kernel",
}


def ids(text: str) -> set[str]:
    return {hit.failure.id for hit in scan_text(text, CATALOGUE).hits}


def sample(name: str) -> Path:
    return SAMPLES / name


# ------------------------------------------------------------------------------- the data


def test_the_built_in_catalogue_loads_and_names_real_or_announced_checks() -> None:
    assert len(CATALOGUE.failures) >= 30
    known = set(builtin_ids()) | COMING
    for failure in CATALOGUE.failures:
        assert set(failure.checks) <= known, failure.id
        assert failure.explain and failure.advice and failure.source


def test_every_known_failure_is_shown_by_a_sample_or_a_quoted_line() -> None:
    covered = set().union(*EXPECTED.values()) | set(QUOTED)
    assert {f.id for f in CATALOGUE.failures} == covered


@pytest.mark.parametrize("failure", sorted(QUOTED))
def test_each_quoted_message_is_recognised(failure: str) -> None:
    assert failure in ids(QUOTED[failure])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_and_hand_written_logs_give_their_failures(name: str) -> None:
    with sample(name).open("rb") as stream:
        scan = scan_stream(stream, CATALOGUE)
    assert {hit.failure.id for hit in scan.hits} == EXPECTED[name]
    for hit in scan.hits:
        assert hit.lines and hit.count >= len(hit.lines)
        assert all("\x1b" not in line.text for line in hit.lines)  # colours removed


def test_samples_folder_has_no_log_without_an_expectation() -> None:
    names = {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.log")}
    assert names == set(EXPECTED)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("[[failure]]\nid='x'\npatterns=['ab']\ncodes=['a/b']\nexplain='e'\nadvice='a'\nsource='s'",
         "no plain text of 3+"),
        ("[[failure]]\nid='x'\npatterns=['(abc|def)']\ncodes=['a/b']\nexplain='e'\nadvice='a'\nsource='s'",
         "no plain text of 3+"),
        ("[[failure]]\nid='x'\npatterns=['abc(']\ncodes=['a/b']\nexplain='e'\nadvice='a'\nsource='s'",
         "not a valid regex"),
        ("[[failure]]\nid='x'\npatterns=['abc']\ncodes=['nocheck']\nexplain='e'\nadvice='a'\nsource='s'",
         "is not '<check id>/<slug>'"),
        ("[[failure]]\nid='x'\npatterns=['abc']\ncodes=['a/b']\nadvice='a'\nsource='s'",
         "`explain` must be"),
        ("[[failure]]\nid='x'\npatterns=['abc']\ncodes=['a/b']\nexplain='e'\nadvice='a'\nsource='s'\nat_least=3",
         "(?P<what>)"),
        ("[[failure]]\nid='X Y'\npatterns=['abc']\ncodes=['a/b']\nexplain='e'\nadvice='a'\nsource='s'",
         "`id` must be"),
        ("[[failure]\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_a_malformed_catalogue_says_which_entry_and_why(data: str, problem: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(data)
    assert problem in str(caught.value)


def test_needles_are_text_every_match_must_contain() -> None:
    assert needle_of(r"(?:^|\s)Killed(?:\s|$)") == "killed"
    assert needle_of(r"(?<!\^M): bad interpreter") == ": bad interpreter"
    assert needle_of(r"sh: (?:\d+: )?[^\s:]*[/.][^\s:]*: not found") == ": not found"
    assert needle_of(r"ab?cde") == "cde"  # `b?` may be absent: "ab" is not guaranteed
    assert needle_of(r"(abc|abd)") == ""


# ------------------------------------------------------------------------------- reading


def test_utf16_from_windows_powershell_is_read() -> None:
    text = "Step 1/1 : RUN ./noexec.sh\r\n/bin/sh: ./noexec.sh: Permission denied\r\n"
    for data in (codecs.BOM_UTF16_LE + text.encode("utf-16-le"), text.encode("utf-16-le")):
        scan = scan_stream(_bytes(data), CATALOGUE)
        assert [h.failure.id for h in scan.hits] == ["script-permission-denied"]
        assert scan.hits[0].lines[0].number == 2
        assert scan.hits[0].lines[0].text == "/bin/sh: ./noexec.sh: Permission denied"


def test_a_huge_line_is_cut_and_the_lines_after_it_still_count() -> None:
    progress = "Downloading torch " + "#" * (3 * MAX_LINE) + "\r" + "=" * (2 * MAX_LINE)
    text = f"start\n{progress}\nKilled\n"
    scan = scan_stream(_bytes(text.encode()), CATALOGUE, chunk=1000)
    assert scan.long_lines == 1 and scan.lines == 3
    (hit,) = scan.hits
    assert hit.lines[0].number == 3 and hit.lines[0].text == "Killed"


def test_pip_walking_back_needs_several_versions_of_one_package() -> None:
    versions = [f"  Downloading spacy-3.{n}.0.tar.gz (1.2 MB)" for n in (7, 6, 5)]
    assert ids("\n".join(versions)) == set()
    versions.append("  Downloading spacy-3.0.6.tar.gz (7.1 MB)")
    scan = scan_text("\n".join(versions), CATALOGUE)
    (hit,) = scan.hits
    assert hit.failure.id == "pip-walking-back" and hit.subjects == ["spacy"]
    # many packages once each is an ordinary install
    assert ids("\n".join(f"  Downloading pkg{n}-1.0-py3-none-any.whl" for n in range(50))) == set()


def _bytes(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


# ------------------------------------------------------------------------------- properties

_FRAGMENTS = st.sampled_from(
    [
        "Killed",
        "/bin/sh: ./x.sh: not found",
        "exit code 137",
        "  Downloading a-1.0.tar.gz",
        "  Downloading a-2.0.tar.gz",
        "  Downloading a-3.0.tar.gz",
        "  Downloading a-4.0.tar.gz",
        "$'\\r': command not found",
        "\x1b[91m",
        "\r",
        "\n",
        "\r\n",
        "ERROR: ",
        "é",
        "\ufeff#!",
    ]
)
_TEXT = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=30)), max_size=40).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_any_text_gives_findings_or_nothing_known_never_an_error(text: str) -> None:
    scan = scan_text(text, CATALOGUE)
    for hit in scan.hits:
        assert hit.lines
        for line in hit.lines:
            assert 1 <= line.number <= scan.lines
            assert any(p.search(line.text) for p in hit.failure.patterns)
    assert all(1 <= ln.number <= scan.lines for ln in scan.last_errors)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_without_error(data: bytes) -> None:
    scan_stream(_bytes(data), CATALOGUE)


@settings(max_examples=150, deadline=None)
@given(_TEXT, st.integers(min_value=1, max_value=64))
def test_chunk_size_never_changes_the_answer(text: str, chunk: int) -> None:
    data = text.encode("utf-8", "surrogatepass")
    whole = scan_stream(_bytes(data), CATALOGUE)
    pieces = scan_stream(_bytes(data), CATALOGUE, chunk=chunk)
    assert _summary(pieces) == _summary(whole)


def _summary(scan: Scan) -> object:
    return (
        scan.lines,
        [(h.failure.id, h.count, [(ln.number, ln.text) for ln in h.lines]) for h in scan.hits],
    )


# ------------------------------------------------------------------------------- 100 MB

_MEASURE = textwrap.dedent(
    """
    import resource, sys
    from devdoctor.diagnosis import parse_catalogue, scan_stream
    from devdoctor.registry import known_failures
    path, size = sys.argv[1], int(sys.argv[2])
    block = open(sys.argv[3], "rb").read()
    with open(path, "wb") as out:  # written in blocks: the writer holds one block
        written = 0
        while written < size:
            out.write(block)
            written += len(block)
        out.write(b"Downloading torch " + b"#" * 5_000_000 + b"\\n")  # one 5 MB line
        out.write(b"The command '/bin/sh -c ./mem.sh' returned a non-zero code: 137\\n")
    catalogue = parse_catalogue(known_failures())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(path, "rb") as stream:
        scan = scan_stream(stream, catalogue)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hits = sorted(h.failure.id for h in scan.hits)
    print(before, after, scan.bytes, scan.lines, scan.long_lines, ",".join(hits))
    """
)


def test_a_100_mb_log_is_read_in_bounded_memory(tmp_path: Path) -> None:
    block = b"".join(
        sample(name).read_bytes() for name in ("build-crlf-bash.log", "pip-conflict.log")
    )
    block_file = tmp_path / "block"
    block_file.write_bytes(block)
    size = 100 * 1024 * 1024
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(tmp_path / "big.log"), str(size), str(block_file)],
        capture_output=True,
        text=True,
        timeout=300,  # guards against a hang only
    )
    assert done.returncode == 0, done.stderr
    before, after, read, lines, long_lines, hits = done.stdout.split()
    assert int(read) > size and int(lines) > 1_000_000 and int(long_lines) == 1
    assert {"crlf-carriage-return", "out-of-memory", "pip-resolution-impossible"} <= set(
        hits.split(",")
    )
    grown_mib = (int(after) - int(before)) / 1024  # ru_maxrss is in KiB on Linux
    assert grown_mib < 64, f"reading 100 MB grew the peak by {grown_mib:.0f} MiB"


# ------------------------------------------------------------------------------- the command


def test_a_cause_the_course_has_is_confirmed_with_its_fix(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    script = b"#!/bin/bash\r\nset -e\r\n\r\necho ready\r\n"
    config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": "bash ./crlf.sh"}
    repo = scene.course({"crlf.sh": script}, config=config)
    log = str(sample("build-crlf-bash.log"))

    shown = scene.cli("diagnose", log, "--repo", str(repo))
    assert shown.returncode == 1, shown.stdout + shown.stderr
    assert f"Read: {log}" in shown.stdout
    assert "line 18: ./crlf.sh: line 3: $'\\r': command not found" in shown.stdout
    assert "[FAIL] script-shebangs/crlf: crlf.sh:" in shown.stdout
    assert "fix: `devdoctor fix script-shebangs`" in shown.stdout
    assert "1 confirmed on this computer" in shown.stdout

    data = json.loads(scene.cli("diagnose", log, "--repo", str(repo), "--json").stdout)
    (match,) = data["matches"]
    assert (match["id"], match["confirmed"], match["state"]) == (
        "crlf-carriage-return",
        True,
        "confirmed",
    )
    assert match["checks"][0]["findings"][0]["code"] == "script-shebangs/crlf"
    assert match["lines"] == [{"line": 18, "text": "./crlf.sh: line 3: $'\\r': command not found"}]


def test_a_cause_the_course_does_not_have_is_not_confirmed_here(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    config = {"image": "devdoctor-test/tiny:1", "postCreateCommand": "bash ./ok.sh"}
    repo = scene.course({"ok.sh": b"#!/bin/bash\necho ready\n"}, config=config)
    shown = scene.cli("diagnose", str(sample("build-crlf-bash.log")), "--repo", str(repo))
    assert shown.returncode == 1
    assert "`script-shebangs` does not see this cause here" in shown.stdout
    assert "if the log came from another computer, run devdoctor there" in shown.stdout
    assert "0 confirmed on this computer" in shown.stdout


def test_a_check_this_devdoctor_lacks_is_said_plainly() -> None:
    """A code whose check is not in this devdoctor (a newer catalogue, a plugin's) is named."""
    import re as _re

    from devdoctor.commands.diagnose import verdict_for
    from devdoctor.diagnosis import Hit, KnownFailure
    from devdoctor.model import Run

    failure = KnownFailure(
        id="from-a-newer-devdoctor",
        patterns=(_re.compile("x"),),
        needles=("x",),
        codes=("not-a-check-here/broken-thing",),
        explain="what it means",
        advice="what to do",
        source="a test",
    )
    verdict = verdict_for(Hit(failure), Run(()))
    assert verdict.state == "missing"
    (code,) = verdict.codes
    assert "this devdoctor has no `not-a-check-here` check yet" in code.reason


def test_nothing_known_shows_the_last_errors_and_points_to_report(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    shown = scene.cli("diagnose", str(sample("build-false.log")))
    assert shown.returncode == 0, shown.stderr
    assert "devdoctor found none of the failures it knows in this log." in shown.stdout
    assert "line 16: The command '/bin/sh -c false' returned a non-zero code: 1" in shown.stdout
    assert "`devdoctor report`" in shown.stdout
    data = json.loads(scene.cli("diagnose", str(sample("build-false.log")), "--json").stdout)
    assert data["found"] is False and data["matches"] == []
    assert data["last_errors"][-1]["line"] == 16


def test_standard_input_and_redaction(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    home = scene.env["HOME"]
    log = f"Step 3/3 : RUN {home}/course/setup.sh\n/bin/sh: {home}/course/setup.sh: Permission denied\n"
    done = scene.cli("diagnose", "-", input=log)
    assert done.returncode == 1, done.stderr
    assert "Read: standard input (2 lines)" in done.stdout
    assert "line 2: /bin/sh: ~/course/setup.sh: Permission denied" in done.stdout
    assert home not in done.stdout


def test_without_a_log_the_newest_dev_containers_log_is_read_and_named(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    home = Path(scene.env["HOME"])
    ext = "ms-vscode-remote.remote-containers"
    old = (
        home / ".config/Code/logs/20261201T090000/window1/exthost" / ext / "remoteContainers-1.log"
    )
    new = (
        home / ".vscode-server/data/logs/20261205T101010/exthost1" / ext / "remoteContainers-2.log"
    )
    for path, body in ((old, "Killed\n"), (new, "/bin/sh: ./noexec.sh: Permission denied\n")):
        path.parent.mkdir(parents=True)
        path.write_text(body)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_800_000_000, 1_800_000_000))
    shown = scene.cli("diagnose")
    assert shown.returncode == 1, shown.stderr
    assert "Read: ~/.vscode-server/data/logs/20261205T101010/exthost1/" in shown.stdout
    assert "Permission denied" in shown.stdout and "Killed" not in shown.stdout


def test_no_log_anywhere_or_an_unreadable_one_is_a_usage_error(tmp_path: Path) -> None:
    scene = Scenario(tmp_path, rooted=False)
    shown = scene.cli("diagnose")
    assert shown.returncode == 2
    assert "no Dev Containers log found" in shown.stderr and ".config/Code/logs" in shown.stderr
    missing = scene.cli("diagnose", str(tmp_path / "nope.log"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


# ------------------------------------------------------------------------------- real builds

SETUP = ".devcontainer/setup.sh"
ARRAY = b"#!/bin/sh\narr=(set up)\necho ready: ${arr[1]}\n"
CRLF = b"#!/bin/bash\r\nset -e\r\n\r\necho ready\r\n"

# (name, script or None, exec bit, the Dockerfile's RUN, postCreateCommand, failure, code)
BUILDS: list[tuple[str, bytes | None, bool, str, str, str, str | None]] = [
    ("crlf", CRLF, True, "RUN bash /w/setup.sh", "bash .devcontainer/setup.sh",
     "crlf-carriage-return", "script-shebangs/crlf"),
    ("bash-under-sh", ARRAY, True, "RUN sh /w/setup.sh", "sh .devcontainer/setup.sh",
     "bashism-under-sh", "script-shebangs/bashism-under-sh"),
    ("not-executable", b"#!/bin/bash\necho ready\n", False, "RUN /w/setup.sh",
     "./.devcontainer/setup.sh", "script-permission-denied", "script-shebangs/not-executable"),
    ("missing-file", None, False, "RUN /w/install.sh", "./.devcontainer/install.sh",
     "script-not-found", "devcontainer/missing-script"),
    ("false", b"#!/bin/bash\necho ready\n", True, "RUN false", "./.devcontainer/setup.sh",
     "", None),
]  # fmt: skip


def _build(engine: Engine, context: Path, dockerfile: str, tmp_path: Path, *extra: str) -> str:
    (tmp_path / "Dockerfile").write_text(f"FROM {engine.tiny_image}\nCOPY . /w/\n{dockerfile}\n")
    done = engine.docker(
        "build", "--network", "none", "--no-cache", *extra,
        "-f", str(tmp_path / "Dockerfile"), str(context),
        check=False, timeout=120,
    )  # fmt: skip
    # No assertion on the exit status: with CRLF, bash reads `set -e\r` as a bad option, goes
    # on, and the build "succeeds" silently wrong; diagnose must still name it from the log.
    return (done.stdout + done.stderr).decode("utf-8", "replace")


@pytest.mark.docker
@pytest.mark.parametrize(
    ("name", "script", "executable", "run", "command", "failure", "code"),
    BUILDS,
    ids=[b[0] for b in BUILDS],
)
def test_a_real_failed_build_is_diagnosed_and_confirmed_in_its_course(
    docker_engine: Engine,
    tmp_path: Path,
    name: str,
    script: bytes | None,
    executable: bool,
    run: str,
    command: str,
    failure: str,
    code: str | None,
) -> None:
    scene = Scenario(tmp_path, rooted=False)
    files = {SETUP: script} if script is not None else {".devcontainer/README": b"course\n"}
    config = {"image": docker_engine.tiny_image, "postCreateCommand": command}
    repo = scene.course(files, executable=(SETUP,) if executable else (), config=config)
    log = tmp_path / f"{name}.log"
    log.write_text(_build(docker_engine, repo / ".devcontainer", run, tmp_path))

    shown = scene.cli("diagnose", str(log), "--repo", str(repo), "--json")
    data = json.loads(shown.stdout)
    if not failure:
        assert shown.returncode == 0 and data["matches"] == []
        assert "returned a non-zero code: 1" in data["last_errors"][-1]["text"]
        return
    assert shown.returncode == 1, shown.stderr
    match = next(m for m in data["matches"] if m["id"] == failure)
    assert match["confirmed"], match
    confirmed = {f["code"] for c in match["checks"] for f in c["findings"]}
    assert code in confirmed


@pytest.mark.docker
def test_a_build_killed_by_its_memory_limit_is_named(docker_engine: Engine, tmp_path: Path) -> None:
    info = docker_engine.docker("info", "--format", "{{.MemoryLimit}}", timeout=30)
    if info.stdout.decode().strip() != "true":
        pytest.skip("this engine has no memory limit support (cgroup memory controller off)")
    context = tmp_path / "context"
    context.mkdir()
    hog = context / "hog.sh"
    hog.write_bytes(b"#!/bin/bash\na=$(printf %0300000000d 0)\necho ${#a}\n")
    hog.chmod(0o755)
    text = _build(
        docker_engine, context, "RUN /w/hog.sh", tmp_path, "--memory", "32m", "--memory-swap", "32m"
    )
    assert "137" in text, text
    log = tmp_path / "memory.log"
    log.write_text(text)
    scene = Scenario(tmp_path, rooted=False)
    shown = scene.cli("diagnose", str(log), "--json")
    assert shown.returncode == 1, shown.stderr
    (match,) = json.loads(shown.stdout)["matches"]
    assert match["id"] == "out-of-memory"
    assert {c["check"] for c in match["checks"]} == {"wsl-memory", "docker-resources"}
