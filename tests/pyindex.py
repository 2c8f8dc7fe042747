"""A local Python package index for tests: tiny real wheels and sdists, served on 127.0.0.1.

Resolver tests must never touch the internet, yet they must run the real pip and uv. This
builds a PEP 503 "simple" index in a folder (one page per project, links with sha256) and
serves it with the standard library's HTTP server on a free local port, as PyPI would.
Wheels are written by hand (a wheel is a zip with METADATA, WHEEL and RECORD); sdists carry
an in-tree PEP 517 backend, so building one needs nothing from any index: a good sdist
builds a wheel, a bad one fails the way a missing compiler does.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
import tarfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def normalize(name: str) -> str:
    """PEP 503's normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _metadata(name: str, version: str, requires: Sequence[str], python: str | None) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    if python:
        lines.append(f"Requires-Python: {python}")
    return "\n".join(lines) + "\n"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def wheel_bytes(
    name: str, version: str, tag: str, requires: Sequence[str] = (), python: str | None = None
) -> bytes:
    """A minimal valid wheel: one empty module and its dist-info."""
    module = normalize(name).replace("-", "_")
    info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": b"",
        f"{info}/METADATA": _metadata(name, version, requires, python).encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: tests.pyindex\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
    }
    record = [_record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return buffer.getvalue()


_BACKEND = '''\
"""An in-tree PEP 517 backend: builds a pure wheel, or fails like a C build without headers."""
import base64, hashlib, os, zipfile

NAME, VERSION, FAIL, REQUIRES = {name!r}, {version!r}, {fail!r}, {requires!r}
MODULE = NAME.replace("-", "_").lower()
INFO = MODULE + "-" + VERSION + ".dist-info"


def _fail():
    raise SystemExit(
        "src/module.c:1:10: fatal error: Python.h: No such file or directory\\n"
        "error: command '/usr/bin/gcc' failed with exit code 1"
    )


def get_requires_for_build_wheel(config_settings=None):
    return []


def _meta():
    lines = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + VERSION]
    lines += ["Requires-Dist: " + r for r in REQUIRES]
    return "\\n".join(lines) + "\\n"


def prepare_metadata_for_build_wheel(directory, config_settings=None):
    if FAIL:
        _fail()
    os.makedirs(os.path.join(directory, INFO))
    with open(os.path.join(directory, INFO, "METADATA"), "w") as handle:
        handle.write(_meta())
    return INFO


def build_wheel(directory, config_settings=None, metadata_directory=None):
    if FAIL:
        _fail()
    name = MODULE + "-" + VERSION + "-py3-none-any.whl"
    files = {{MODULE + "/__init__.py": b"", INFO + "/METADATA": _meta().encode(),
             INFO + "/WHEEL": b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}}
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(path + ",sha256=" + digest.decode() + "," + str(len(data)))
    files[INFO + "/RECORD"] = ("\\n".join(record + [INFO + "/RECORD,,"]) + "\\n").encode()
    with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return name
'''


def sdist_bytes(name: str, version: str, requires: Sequence[str] = (), fail: bool = False) -> bytes:
    """A source distribution whose in-tree backend builds (or, with `fail`, cannot build)."""
    top = f"{normalize(name).replace('-', '_')}-{version}"
    files = {
        f"{top}/PKG-INFO": _metadata(name, version, requires, None).encode(),
        f"{top}/pyproject.toml": (
            b'[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        ),
        f"{top}/backend.py": _BACKEND.format(
            name=name, version=version, fail=fail, requires=list(requires)
        ).encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            member = tarfile.TarInfo(path)
            member.size = len(data)
            member.mtime = 1_700_000_000
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


@dataclass
class Index:
    """A folder holding a simple index; add releases, then `serve()` it."""

    root: Path
    files: dict[str, list[str]] = field(default_factory=dict)

    def _add(self, project: str, filename: str, data: bytes) -> None:
        folder = self.root / "files"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_bytes(data)
        self.files.setdefault(normalize(project), []).append(filename)
        self._write_pages()

    def wheel(
        self,
        name: str,
        version: str,
        tag: str = "py3-none-any",
        requires: Sequence[str] = (),
        python: str | None = None,
    ) -> None:
        """Add a wheel; `tag` like "cp39-cp39-manylinux_2_17_x86_64" or "py3-none-any"."""
        module = normalize(name).replace("-", "_")
        data = wheel_bytes(name, version, tag, requires, python)
        self._add(name, f"{module}-{version}-{tag}.whl", data)

    def sdist(
        self, name: str, version: str, requires: Sequence[str] = (), fail: bool = False
    ) -> None:
        """Add a source distribution (one that cannot build, with `fail`)."""
        module = normalize(name).replace("-", "_")
        self._add(name, f"{module}-{version}.tar.gz", sdist_bytes(name, version, requires, fail))

    def _write_pages(self) -> None:
        simple = self.root / "simple"
        simple.mkdir(parents=True, exist_ok=True)
        links = "".join(f'<a href="{p}/">{p}</a>\n' for p in sorted(self.files))
        (simple / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>")
        for project, names in self.files.items():
            page = simple / project
            page.mkdir(exist_ok=True)
            anchors = []
            for filename in names:
                digest = hashlib.sha256((self.root / "files" / filename).read_bytes()).hexdigest()
                href = html.escape(f"../../files/{filename}#sha256={digest}")
                anchors.append(f'<a href="{href}">{html.escape(filename)}</a><br/>\n')
            body = "".join(anchors)
            (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{body}</body></html>")

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the index on 127.0.0.1; yields its simple URL (…/simple/)."""

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(self.root)))
        server.timeout = 5
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


def incident_index(root: Path) -> Index:
    """The incident's shape: `spacyish` releases newer than 2.0 have wheels only for cp38 and
    cp39; the older 1.x releases are sdists that fail to build. With an open requirement and
    Python 3.11, the resolver walks back past every wheel to an old sdist."""
    index = Index(root)
    for version in ("2.0.0", "2.1.0"):
        for py in ("cp38", "cp39"):
            index.wheel("spacyish", version, f"{py}-{py}-manylinux_2_17_x86_64")
    index.sdist("spacyish", "1.0.0", fail=True)
    index.sdist("spacyish", "1.1.0", fail=True)
    index.wheel("goodpkg", "1.0.0")
    index.wheel("goodpkg", "1.2.0")
    index.sdist("goodpkg", "1.2.0")
    index.sdist("brokensdist", "0.1.0", fail=True)
    index.sdist("buildable", "0.3.0")
    return index
