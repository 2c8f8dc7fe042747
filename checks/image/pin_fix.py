"""`devdoctor fix requirements-pins --from CONTAINER|IMAGE|PYTHON [--constraints]`: pin the
requirement files from an environment known to work, as the course that hit the incident did
(`pip freeze` of its frozen image). Without --from (`fix --deep`), the versions pip's
wheels-only resolve chose are written the same way.

The freeze comes from a Python (`PYTHON -m pip freeze`), a running container (`docker exec`)
or a throw-away container of a local image (`docker run --rm --pull never`: never pulled
without asking), each as the container user when known, so packages installed with --user
into the home count. The top-level requirements keep their order, extras, markers and
comments, now pinned; the rest of the freeze follows them as pins, or with --constraints goes
to a constraints file the requirement file refers to (`-c constraints.txt`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from devdoctor import Fix, Host, Scope, WriteFile
from devdoctor.lazy import LazyPattern
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .requirements import Item

FREEZE_TIMEOUT = 120.0
_FREEZE_SHELL = (
    "python3 -m pip freeze 2>/dev/null || python -m pip freeze 2>/dev/null || pip freeze"
)
_COMMENT = LazyPattern(r"(\s+#.*)$")


@dataclass(frozen=True)
class Frozen:
    """What an environment has installed: canonical name -> (name as pip wrote it, version)."""

    label: str
    pins: dict[str, tuple[str, str]]
    skipped: tuple[str, ...]  # editables and direct references: not pinnable by version
    how: str = "pip freeze"  # where the versions come from, said in the pinned file


def from_resolver(named: Mapping[str, tuple[str, str]], python: str) -> Frozen:
    """The versions pip's resolver chose (its --report), as pins to write like a freeze's."""
    return Frozen(f"pip's resolver for Python {python}, wheels only", dict(named), (),
                  how="the versions it chose")


def parse_freeze(text: str, label: str) -> Frozen:
    """`pip freeze` output as pins; -e lines and `name @ url` lines are set aside."""
    pins: dict[str, tuple[str, str]] = {}
    skipped: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:
            skipped.append(line)
            continue
        versions = [s.version for s in req.specifier if s.operator in ("==", "===")]
        if req.url or not versions:
            skipped.append(line)
            continue
        pins[canonicalize_name(req.name)] = (req.name, versions[0])
    return Frozen(label, pins, tuple(skipped))


def freeze(host: Host, source: str, user: str | None) -> Frozen | str:
    """The freeze of a Python, a container or a local image; or why it could not be had."""
    if ("/" in source and host.is_file(source)) or posixpath.basename(source).startswith("python"):
        done = host.run([source, "-m", "pip", "freeze"], timeout=FREEZE_TIMEOUT)
        if done.ok:  # the file is committed: the environment's folder name, not its path
            venv = posixpath.basename(posixpath.dirname(posixpath.dirname(source))) or source
            return parse_freeze(done.out, f"the Python environment {venv}")
        return f"{source} -m pip freeze did not work: {done.describe()}"
    as_user = ["-u", user] if user else []
    running = host.run(["docker", "container", "inspect", "--format", "{{.State.Running}}",
                        source], timeout=20)
    if running.ok and running.out.strip() == "true":
        done = host.run(["docker", "exec", *as_user, source, "sh", "-c", _FREEZE_SHELL],
                        timeout=FREEZE_TIMEOUT)
        if done.ok:
            return parse_freeze(done.out, f"the container {source}")
        return f"pip freeze in the container {source} did not work: {done.describe()}"
    image = host.run(["docker", "image", "inspect", "--format", "{{.Id}}", source], timeout=20)
    if image.ok:
        done = host.run(["docker", "run", "--rm", "--pull", "never", *as_user, "--entrypoint",
                         "sh", source, "-c", _FREEZE_SHELL], timeout=FREEZE_TIMEOUT)
        if done.ok:
            return parse_freeze(done.out, f"a throw-away container of the image {source}")
        return f"pip freeze in a container of {source} did not work: {done.describe()}"
    return (f"{source} is not a Python here, a running container or a local image (devdoctor "
            "does not pull images without asking: `docker pull` it first)")


def _pinned_line(line: str, version: str) -> str:
    """One requirement line pinned: name, extras and marker kept, the comment kept."""
    comment = _COMMENT.search(line)
    tail = comment.group(1) if comment else ""
    body = line[: comment.start()] if comment else line
    indent = body[: len(body) - len(body.lstrip())]
    req = Requirement(body.strip())
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    marker = f"; {req.marker}" if req.marker else ""
    return f"{indent}{req.name}{extras}=={version}{marker}{tail}"


def pin_file(text: str, items: Sequence[Item], frozen: Frozen) -> tuple[str, list[str]]:
    """The file with its requirements pinned from the freeze; and the names the freeze lacks."""
    lines = text.split("\n")
    missing: list[str] = []
    for item in items:
        if item.kind in ("pinned", "direct") or item.constraint or not item.name:
            continue
        found = frozen.pins.get(item.name)
        index = item.line - 1
        if found is None:
            missing.append(item.text)
            continue
        if index >= len(lines) or lines[index].rstrip().endswith("\\"):
            missing.append(item.text)  # a requirement continued over lines: left as written
            continue
        try:
            lines[index] = _pinned_line(lines[index].rstrip("\r"), found[1]) + (
                "\r" if lines[index].endswith("\r") else ""
            )
        except InvalidRequirement:
            missing.append(item.text)
    return "\n".join(lines), missing


def plan(
    host: Host,
    repo_files: Mapping[str, tuple[bytes, list[Item]]],
    top_level: set[str],
    frozen: Frozen,
    constraints: bool,
    repo: str,
) -> Fix | None:
    """The WriteFile changes: each file pinned, the other pins after the first or in a
    constraints file beside it."""
    changes: list[WriteFile] = []
    missing: list[str] = []
    primary: str | None = None
    new_texts: dict[str, str] = {}
    for path, (old, items) in repo_files.items():
        text = old.decode("utf-8", errors="surrogateescape")
        new, lacking = pin_file(text, items, frozen)
        missing += lacking
        if new != text:
            primary = primary or path
            new_texts[path] = new
    if primary is None:
        return None
    rest = [pin for _, pin in sorted(  # by canonical name, as pip freeze lists them
        (key, pin) for key, pin in frozen.pins.items() if key not in top_level)]
    header = (f"# Pinned by devdoctor from {frozen.label} ({frozen.how}): the packages the "
              "requirements above bring in")
    pins = "\n".join(f"{name}=={version}" for name, version in rest)
    full = posixpath.join(repo, primary)
    if rest and constraints:
        name = posixpath.join(posixpath.dirname(primary), "constraints.txt")
        target = posixpath.join(repo, name)
        try:
            old_c: bytes | None = host.read_bytes(target, 4 * 1024 * 1024)[0]
        except OSError:
            old_c = None
        new_c = (header + "\n" + pins + "\n").encode()
        changes.append(WriteFile(path=target, old=old_c, new=new_c))
        text = new_texts[primary]
        if "-c constraints.txt" not in text:
            new_texts[primary] = "-c constraints.txt\n" + text
    elif rest:
        text = new_texts[primary]
        new_texts[primary] = text.rstrip("\n") + "\n\n" + header + "\n" + pins + "\n"
    for path, text in new_texts.items():
        old = repo_files[path][0]
        changes.insert(0, WriteFile(path=posixpath.join(repo, path), old=old,
                                    new=text.encode("utf-8", errors="surrogateescape")))
    steps = ["Rebuild the container and commit the pinned files so every student gets them."]
    if missing:
        steps.insert(0, f"Not in {frozen.label}, left as written: " + ", ".join(missing))
    if frozen.skipped:
        steps.insert(0, "Not pinnable by version (editable or from a URL): "
                     + ", ".join(frozen.skipped))
    return Fix(
        id="requirements-pins",
        title=f"pin {full.rsplit('/', 1)[-1]} from {frozen.label}",
        changes=tuple(changes),
        scope=Scope.COURSE,
        manual_steps=tuple(steps),
    )
