"""What --deep adds to requirements-pins: pip's own answers, before and inside the image.

pip's wheels-only resolve for the image's Python (which releases the build would compile, or
that nothing installs), and, where the base image is on this computer, pip inside it as the
build runs it. Only `--deep` runs these (pip, the package index, a container), so they are
kept apart from the check's reading of the files; the findings are still the check's own,
made with its `finding`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from devdoctor import Check, Finding, Host, Status, evidence

from .base_image import BaseImage, wheel_platforms
from .image_resolve import resolve_in_image
from .local_image import local_image
from .requirement_files import known_bad
from .requirements import Parsed, admits, python_marker_applies
from .resolver import Resolution, candidates, pip_command, resolve

PROBE_LIMIT = 12


@dataclass(frozen=True)
class Resolved:
    """What --deep's wheels-only resolve was asked and answered, for the findings and the fix."""

    image: BaseImage
    pip: list[str]
    files: list[str]
    platforms: list[str]
    target: str
    result: Resolution


def resolve_wheels(
    check: Check,
    host: Host,
    roots: list[tuple[str, bool, str]],
    image: BaseImage | None,
    base: str | None,
    where: str,
) -> Resolved | Finding | None:
    """pip's wheels-only resolve for the image's Python; or the finding that says why it
    was not run or could not answer; None when there is no requirement file to resolve."""
    repo = host.repo_root
    assert repo is not None
    if image is not None:
        local = local_image(host, image.ref)
        if local is not None and local.python:
            image = replace(image, python=local.python,
                            python_why=f"PYTHON_VERSION in the local image {image.ref}")
    if image is None or image.python is None:
        why = image.python_why if image is not None else "no base image found"
        return check.finding(
            Status.INFO,
            "python-unknown",
            "the image's Python version is unknown, so no resolver was run",
            detail=f"{base or 'The image'}: {why}. Name the version in the base image's tag "
            "(FROM python:3.12-slim-bookworm).",
            evidence=evidence(base_image=base or "unknown", where=where or "unknown"),
        )
    pip = pip_command(host)
    if pip is None:
        return check.finding(Status.INFO, "no-pip",
                            "no Python with pip here, so no resolver was run",
                            detail="Install python3-pip (or run devdoctor from a virtual "
                            "environment) to resolve before building.")
    files = [p for p, c, _ in roots if not c and host.is_file(repo / p)]
    if not files:
        return None
    platforms = wheel_platforms(image.glibc, host.machine)
    target = f"Python {image.python} ({image.python_why}), {platforms[0]}"
    result = resolve(host, pip, files, image.python, platforms, str(repo))
    if result.problem in ("network", "proxy", "tls", "timeout"):
        words = {
            "network": "pip could not reach the package index (offline?)",
            "proxy": "pip could not get through the proxy",
            "tls": "pip could not verify the package index's certificate (a proxy that "
            "inspects HTTPS?)",
            "timeout": "the resolver did not finish in time",
        }[result.problem]
        return check.finding(
            Status.INFO,
            f"resolve-{result.problem}",
            f"could not resolve before building: {words}",
            detail=_tail(result.message),
            evidence=evidence(target=target),
        )
    return Resolved(image, pip, files, list(platforms), target, result)


def wheels_findings(
    check: Check, host: Host, parsed: Parsed, resolved: Resolved
) -> Iterator[Finding]:
    """What the wheels-only resolve said, and which releases the build would compile."""
    repo = host.repo_root
    assert repo is not None
    image, pip, files, platforms = (resolved.image, resolved.pip, resolved.files,
                                    resolved.platforms)
    target, result = resolved.target, resolved.result
    assert image.python is not None
    names = [i for i in parsed.requirements if i.name and i.kind != "pinned"
             and python_marker_applies(i.marker, image.python)]
    failing = {f.lower() for f in re.findall(r"requirement ([A-Za-z0-9._-]+)", result.message)}
    # Two pip runs per project: the failing ones, and the open ones (the incident's kind)
    # up to a cap, so --deep stays bounded on a long file.
    opened = [i.name for i in names if i.kind == "open" and i.name not in failing]
    probe = failing | set(opened[:PROBE_LIMIT])
    found = candidates(host, pip, sorted(probe), image.python, platforms, parsed.options,
                       str(repo)) if probe else {}
    sources: list[str] = []
    for item in names:
        c = found.get(item.name)
        if c is None:
            continue
        picked = c.newest(item.specifier, wheels=False)
        wheel = c.newest(item.specifier, wheels=True)
        if picked is not None and picked != wheel:
            has = f"the newest release with one is {wheel}" if wheel else "no release has one"
            sources.append(f"{item.text} ({item.shown}): pip would pick {picked}, which has no "
                           f"wheel for cp{image.python.replace('.', '')} on this platform and "
                           f"is built from source; {has}")
    py = f"cp{image.python.replace('.', '')}"
    for name, version in sorted(result.chosen.items()):
        for entry in known_bad(host):
            if entry.name != name.replace("_", "-") or not admits(entry.specifier, version):
                continue
            if entry.python and not admits(entry.python, f"{image.python}.0"):
                continue
            yield check.finding(
                Status.FAIL,
                "known-bad-chosen",
                f"pip's resolver chooses {name}=={version}, a release known to break the "
                "build",
                detail=f"{entry.name}{entry.specifier}: {entry.reason}\nPin a release "
                "that works, or give the requirement a lower bound above it.",
                evidence=evidence(chosen=f"{name}=={version}", target=target,
                                  source=entry.source),
            )
    if not result.ok:
        yield check.finding(
            Status.FAIL,
            "resolve-failed",
            f"pip cannot install these requirements from wheels for Python {image.python}: "
            "the build would compile (or fail)",
            detail="\n".join(sources) + ("\n" if sources else "") + _tail(result.message),
            evidence=evidence(target=target, files=", ".join(files), tag=py),
        )
    elif sources:
        yield check.finding(
            Status.FAIL,
            "builds-from-source",
            f"{len(sources)} requirement{'s' if len(sources) != 1 else ''} would be built "
            f"from source for Python {image.python}",
            detail="\n".join(sources),
            evidence=evidence(target=target, files=", ".join(files), tag=py),
        )
    else:
        chosen = ", ".join(f"{n}=={v}" for n, v in sorted(result.chosen.items())[:20])
        yield check.finding(
            Status.OK,
            "resolves",
            f"every requirement installs from wheels for Python {image.python}",
            detail=f"pip would install: {chosen}",
            evidence=evidence(target=target, packages=len(result.chosen)),
        )


def in_image_findings(
    check: Check, host: Host, parsed: Parsed, roots: list[tuple[str, bool, str]], ref: str
) -> Iterator[Finding]:
    """Where the base image is local: pip inside it, as the build runs it, names the
    releases it would build from source (or the source build that fails)."""
    repo = host.repo_root
    assert repo is not None
    if local_image(host, ref) is None:
        return
    files: list[tuple[str, bytes]] = []
    for path in dict.fromkeys([*parsed.files, *(p for p, _, _ in roots)]):
        try:
            data, truncated = host.read_bytes(repo / path, 4 * 1024 * 1024)
        except OSError:
            continue
        if not truncated:
            files.append((path, data))
    read = {p for p, _ in files}
    asked = [(p, c) for p, c, _ in roots if p in read]
    if not asked:
        return
    result = resolve_in_image(host, ref, files, asked)
    where = f"in the local image {ref}"
    if result.ok and result.from_source:
        built = [f"{n}=={v} ({kind})" for n, v, kind in result.from_source]
        yield check.finding(
            Status.WARN,
            "image-builds-from-source",
            f"{where}, pip would build {len(built)} release"
            f"{'s' if len(built) != 1 else ''} from source: {', '.join(built[:4])}"
            f"{'…' if len(built) > 4 else ''}",
            detail="\n".join(built) + "\nThe image's pip chose these without a wheel for "
            "its Python: building them needs a compiler and the libraries' headers in the "
            "image, and takes minutes. Pin releases that have wheels (`devdoctor check "
            "--deep` names the newest), or install the build's apt packages in the "
            "Dockerfile.",
            evidence=evidence(image=ref, python=result.python,
                              chosen=len(result.chosen), from_source=len(built)),
        )
    elif result.ok:
        yield check.finding(
            Status.OK,
            "image-wheels",
            f"{where}, pip installs every requirement from wheels",
            evidence=evidence(image=ref, chosen=len(result.chosen)),
        )
    elif result.problem == "build-failed":
        names = ", ".join(result.archives) or "a source release"
        yield check.finding(
            Status.FAIL,
            "image-build-fails",
            f"{where}, pip builds {names} from source and that fails: the image "
            "build would stop there",
            detail=_tail(result.message),
            evidence=evidence(image=ref, archives=names),
        )
    else:
        words = {
            "no-python": "the image has no python3 or python",
            "old-pip": "the image's pip cannot report (pip 22.2 or newer has --report)",
            "timeout": "pip did not finish in time",
            "network": "pip in the container could not reach the package index",
            "proxy": "pip in the container could not get through the proxy",
        }.get(result.problem, "pip stopped")
        yield check.finding(
            Status.FAIL if result.problem in ("conflict", "no-wheel", "too-deep")
            else Status.INFO,
            "image-resolve-failed" if result.problem in ("conflict", "no-wheel", "too-deep")
            else f"image-resolve-{result.problem}",
            f"{where}: {words}",
            detail=_tail(result.message),
            evidence=evidence(image=ref, problem=result.problem),
        )


def _tail(message: str) -> str:
    lines = [ln for ln in message.strip().splitlines() if ln.strip()]
    return "\n".join(lines[-12:])
