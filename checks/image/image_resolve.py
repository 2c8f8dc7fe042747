"""Resolve inside the course's image when the engine already has it (`--deep`): the image's
own Python and pip, without `--only-binary`, exactly as the build's `pip install` would
choose, so the releases it would build from source are named before anyone waits for them.

The requirement files go in on stdin as a tar (no mount: the engine may not see this
folder), pip runs with `--dry-run --ignore-installed --report`, and its report says what it
chose and from where: a `download_info` whose URL is not a wheel is a source build. Never
pulled (`--pull never`), removed afterwards (`--rm`), bounded by a deadline. The container
shares the host's network (`--network host`) and gets pip's index and proxy variables that
are set here, so it asks the same index the wheels-only resolve asked.
"""

from __future__ import annotations

import io
import json
import posixpath
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field

from devdoctor import Host
from devdoctor.lazy import LazyPattern

from .resolver import classify_failure

IMAGE_RESOLVE_TIMEOUT = 180.0
MARKER = "@@devdoctor-report@@"
FOLDER = "/tmp/devdoctor-requirements"
PASSED_ENV = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_FIND_LINKS",
              "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
# Runs in the image's Python: unpack the files, run pip, then print its report after a marker
# (pip's own messages stay on stdout and stderr, so a failure names the archive it built).
_SCRIPT = (
    "import io, os, runpy, sys, tarfile\n"
    f"d = {FOLDER!r}\n"
    "t = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()))\n"
    "t.extractall(d, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))\n"
    "os.chdir(d)\n"
    "sys.argv = ['pip'] + sys.argv[1:]\n"
    "code = 0\n"
    "try:\n"
    "    runpy.run_module('pip', run_name='__main__', alter_sys=True)\n"
    "except SystemExit as exc:\n"
    "    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)\n"
    "sys.stdout.flush()\n"
    "if os.path.exists('report.json'):\n"
    f"    print({MARKER!r})\n"
    "    print(open('report.json').read())\n"
    "sys.exit(code)\n"
)
_ARCHIVE = LazyPattern(r"([A-Za-z0-9][A-Za-z0-9_.+-]*-\d[^\s/'\"]*\.(?:tar\.gz|tar\.bz2|tgz|zip))")


@dataclass(frozen=True)
class ImageResolution:
    """What pip inside the image said."""

    ok: bool
    chosen: dict[str, str] = field(default_factory=dict)  # name -> version
    from_source: tuple[tuple[str, str, str], ...] = ()  # (name, version, what it builds)
    problem: str = ""  # "no-python", "old-pip", "build-failed", and resolver.classify_failure's
    archives: tuple[str, ...] = ()  # source archives named in a failure's output
    message: str = ""
    python: str = ""  # the command that answered


def _tar(files: Sequence[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.TarFile(fileobj=buffer, mode="w") as archive:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _source_kind(download: dict[str, object]) -> str | None:
    """What a report entry builds from, or None for a wheel."""
    url = str(download.get("url", ""))
    vcs = download.get("vcs_info")
    if isinstance(vcs, dict):
        return f"a {vcs.get('vcs', 'VCS')} checkout"
    if "dir_info" in download:
        return "a local folder"
    name = posixpath.basename(url.split("#", 1)[0].split("?", 1)[0])
    return None if name.endswith(".whl") else name or url


def parse_report(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """pip's installation report: the versions chosen, and those built from source."""
    data = json.loads(text)
    chosen: dict[str, str] = {}
    source: list[tuple[str, str, str]] = []
    for item in data.get("install", []):
        name, version = str(item["metadata"]["name"]), str(item["metadata"]["version"])
        chosen[name] = version
        download = item.get("download_info")
        kind = _source_kind(download) if isinstance(download, dict) else None
        if kind is not None:
            source.append((name, version, kind))
    return chosen, source


def resolve_in_image(
    host: Host,
    ref: str,
    files: Sequence[tuple[str, bytes]],
    roots: Sequence[tuple[str, bool]],
    timeout: float = IMAGE_RESOLVE_TIMEOUT,
) -> ImageResolution:
    """Run pip's resolve in a throw-away container of the local image `ref`."""
    passed = [a for name in PASSED_ENV if host.env.get(name) for a in ("-e", name)]
    args = ["install", "--dry-run", "--ignore-installed", "--disable-pip-version-check",
            "--no-input", "--retries", "1", "--timeout", "15", "--report", "report.json"]
    for path, constraint in roots:
        args += ["-c" if constraint else "-r", path]
    data = _tar(files)
    done = None
    for python in ("python3", "python"):
        done = host.run(
            ["docker", "run", "--rm", "-i", "--pull", "never", "--network", "host", *passed,
             "--entrypoint", python, ref, "-c", _SCRIPT, *args],
            timeout=timeout, input=data,
        )
        if "executable file not found" not in done.err:
            break
    assert done is not None
    out, _, report = done.out.partition(MARKER)
    output = (out + "\n" + done.err).strip()
    if done.timed_out:
        return ImageResolution(False, problem="timeout", message=output[-2000:], python=python)
    if "executable file not found" in done.err:
        return ImageResolution(False, problem="no-python", message=output[-2000:])
    if "No module named pip" in output or "no such option: --report" in output:
        return ImageResolution(False, problem="old-pip", message=output[-2000:], python=python)
    if done.ok and report.strip():
        try:
            chosen, source = parse_report(report)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return ImageResolution(False, problem="other", message=f"unreadable report: {exc}")
        return ImageResolution(True, chosen, tuple(source), python=python)
    problem = classify_failure(output)
    if "metadata-generation-failed" in output or "did not run successfully" in output:
        problem = "build-failed"
    archives = tuple(dict.fromkeys(_ARCHIVE.findall(output)))
    return ImageResolution(False, problem=problem, archives=archives, message=output[-4000:],
                           python=python)
