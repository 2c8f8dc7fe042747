"""requirements-pins: requirement files that let pip's resolver walk back to releases that
do not install, known-bad releases, and (with --deep) what a real resolver would pick."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from devdoctor import Check, Finding, Fix, Host, Scope, Status, evidence
from devdoctor.repo import policy

from .base_image import BaseImage, read_base, wheel_platforms
from .image_resolve import resolve_in_image
from .local_image import local_image
from .pin_fix import Frozen, freeze, from_resolver, plan
from .requirement_files import ENV_FILE, KnownBad, conda_pip, discover, known_bad
from .requirements import (
    Item,
    Parsed,
    admits,
    parse_files,
    parse_text,
    python_marker_applies,
)
from .resolver import Resolution, candidates, pip_command, resolve
from .sources import Build, base_image, build, read_text

PROBE_LIMIT = 12
UV_WORDS = (
    'uv\'s documentation: without lower bounds the resolver "can (and often will) backtrack '
    'down to the oldest version of a package", and "the old version of the package often '
    'fails to build"'
)


@dataclass(frozen=True)
class _Resolved:
    """What --deep's wheels-only resolve was asked and answered, for the findings and the fix."""

    image: BaseImage
    pip: list[str]
    files: list[str]
    platforms: list[str]
    target: str
    result: Resolution


class RequirementsPins(Check):
    """Looks at the course's requirement files (the policy's list, else requirements*.txt at
    the top and under .devcontainer, every file a `pip install -r/-c` names in the lifecycle
    commands, the install scripts and the Dockerfile, and the pip section of environment.yml)
    the way pip reads them. A requirement without a lower bound (`spacy`, `spacy<4.0`) lets
    pip's resolver walk back to old releases when a new one does not install, down to source
    releases that must be compiled and usually fail. With --deep, pip itself resolves them for
    the image's Python, wheels only, and says which would be built from source; `fix --deep`
    pins the files to the versions it chose.

    By hand: pin every package from an image that works (`pip freeze > requirements.txt`
    inside it), or at least give each a lower bound (`spacy>=3.7,<4`) or a constraints file.
    """

    id = "requirements-pins"
    needs_repository = True
    title = "Requirement files"
    scope = Scope.COURSE
    timeout = 300.0
    fix_description = (
        "pin the requirement files from the pip freeze of a working environment "
        "(`devdoctor fix requirements-pins --from CONTAINER|IMAGE|PYTHON [--constraints]`), "
        "or to the versions pip's wheels-only resolve chose (`--deep` without --from)"
    )

    def skip_reason(self, host: Host) -> str | None:
        if host.repo_root is None:
            return "no course repository here"
        return None

    def run(self, host: Host) -> Iterator[Finding]:
        repo = host.repo_root
        assert repo is not None
        b = build(host)
        roots = discover(host, b)
        conda = [n for n in host.listdir(str(repo)) if ENV_FILE.match(n)]
        if not roots and not conda:
            yield self.finding(Status.OK, "none", "no requirement files found")
            return

        def read(path: str) -> str | None:
            return read_text(host, repo / path)

        parsed = parse_files([(p, c) for p, c, _ in roots], read)
        for name in conda:
            text = read_text(host, repo / name)
            if text is not None:
                extra, _ = parse_text(conda_pip(text), name)
                parsed.items += extra.items
                parsed.problems += extra.problems
                parsed.files.append(f"{name} (pip section)")
        base, where = base_image(b) if b is not None else (None, "")
        image = read_base(base) if base else None
        python = image.python if image else None
        yield from self._problems(parsed)
        yield from self._known_bad(host, parsed, python)
        resolved = self._resolve(host, roots, image, base, where) if host.options.deep else None
        yield from self._open(host, parsed, b, resolved)
        if isinstance(resolved, Finding):
            yield resolved
        elif resolved is not None:
            yield from self._deep(host, parsed, resolved)
        if host.options.deep and base:
            yield from self._in_image(host, parsed, roots, base)

    def _problems(self, parsed: Parsed) -> Iterator[Finding]:
        for p in parsed.problems:
            yield self.finding(
                Status.FAIL,
                "unreadable-line",
                f"{p.file}:{p.line}: pip cannot use this line, so the install stops there",
                subject=f"{p.file}:{p.line}",
                detail=f"{p.text}\n{p.why}",
                evidence=evidence(file=p.file, line=p.line, found=p.text, why=p.why),
            )

    def _known_bad(self, host: Host, parsed: Parsed, python: str | None) -> Iterator[Finding]:
        bad = known_bad(host)
        pinned_by_constraint = {i.name for i in parsed.constraints if i.kind == "pinned"}
        for item in parsed.items:
            if not item.constraint and item.name in pinned_by_constraint:
                continue  # the constraint decides the version; it is judged itself
            for entry in bad:
                if item.name != entry.name or not python_marker_applies(item.marker, python):
                    continue
                if entry.python and python and not admits(entry.python, f"{python}.0"):
                    continue
                reached = _reaches(item, entry)
                if reached is None:
                    continue
                unsure = bool(entry.python) and python is None
                where = (f" on Python {python}" if python else f" on Python {entry.python}"
                         ) if entry.python else ""
                yield self.finding(
                    Status.WARN if unsure else Status.FAIL,
                    "known-bad",
                    f"{item.shown}: {item.text} {reached} a release known to break the build "
                    f"({entry.name}{entry.specifier}{where})",
                    subject=item.shown,
                    detail=f"{entry.name}{entry.specifier}: {entry.reason}\n"
                    + ("The image's Python is unknown, so this may not apply.\n" if unsure else "")
                    + "Pin a release that installs (check with `devdoctor check --deep`).",
                    evidence=evidence(requirement=item.text, known_bad=entry.name + entry.specifier,
                                      python=entry.python or "any", source=entry.source),
                )

    def _open(
        self, host: Host, parsed: Parsed, b: Build | None, resolved: _Resolved | Finding | None
    ) -> Iterator[Finding]:
        covered = {i.name for i in parsed.constraints if i.kind != "open"}
        requirements = [i for i in parsed.requirements if i.name]
        open_ = [i for i in requirements if i.kind == "open" and i.name not in covered]
        kinds: dict[str, int] = {}
        for item in requirements:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
        counted = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        files = ", ".join(parsed.files)
        if open_:
            names = ", ".join(f"{i.text} ({i.shown})" for i in open_[:8])
            more = f" and {len(open_) - 8} more" if len(open_) > 8 else ""
            frozen = policy(host).frozen_image
            how = (f"`devdoctor fix requirements-pins --from {frozen}` (the course's frozen "
                   "image)" if frozen else "`devdoctor fix requirements-pins --from "
                   "CONTAINER|IMAGE|PYTHON`")
            fix, why_not = self._pin_fix(host, parsed, b, open_, resolved)
            if why_not:  # first, so `fix` shows it as the check's summary
                yield self.finding(
                    Status.WARN, "pin-source", f"cannot pin from --from: {why_not}",
                    evidence=evidence(source=host.options.fix.source),
                )
            yield self.finding(
                Status.WARN,
                "open",
                f"{len(open_)} requirement{'s' if len(open_) != 1 else ''} without a lower bound: "
                f"{', '.join(i.text for i in open_[:4])}{'…' if len(open_) > 4 else ''}",
                detail=f"{names}{more}.\nWith no lower bound, when the newest release does not "
                "install for the image's Python, pip's resolver walks back through older "
                "releases, down to source releases it must compile; "
                f"{UV_WORDS}. Pin them from an image that works: {how}, or by hand `pip "
                "freeze` inside it; or to the versions pip's wheels-only resolve chooses: "
                "`devdoctor fix requirements-pins --deep`; or give each a lower bound "
                "(name>=X.Y), or pin them in a "
                "constraints file (-c constraints.txt).",
                evidence=evidence(files=files, requirements=counted,
                                  constraints=len(parsed.constraints)),
                fix=fix,
            )
        elif requirements:
            yield self.finding(
                Status.OK,
                "bounded",
                f"{len(requirements)} requirements, each with a lower bound or a pin",
                evidence=evidence(files=files, requirements=counted),
            )
        else:
            yield self.finding(
                Status.OK,
                "no-packages",
                "the requirement files name no package by name",
                evidence=evidence(files=files or "none readable"),
            )

    def _pin_fix(
        self,
        host: Host,
        parsed: Parsed,
        b: Build | None,
        open_: list[Item],
        resolved: _Resolved | Finding | None,
    ) -> tuple[Fix | None, str]:
        """The fix: from the environment `fix --from` named, else from the versions the
        wheels-only resolve chose (--deep); else (None, "")."""
        source = host.options.fix.source
        repo = host.repo_root
        if repo is None:
            return None, ""
        frozen: Frozen | str
        if source:
            frozen = freeze(host, source, b.user if b is not None else None)
        elif isinstance(resolved, _Resolved) and resolved.result.ok:
            frozen = from_resolver(resolved.result.named, resolved.image.python or "")
        else:
            return None, ""
        if isinstance(frozen, str):
            return None, frozen
        by_file: dict[str, tuple[bytes, list[Item]]] = {}
        for item in parsed.requirements:
            if item.file not in parsed.files or item.file.endswith("(pip section)"):
                continue
            if item.file not in by_file:
                try:
                    data, truncated = host.read_bytes(repo / item.file, 4 * 1024 * 1024)
                except OSError:
                    continue
                if truncated:
                    continue
                by_file[item.file] = (data, [])
            by_file[item.file][1].append(item)
        top_level = {i.name for i in parsed.requirements if i.name}
        fix = plan(host, by_file, top_level, frozen, host.options.fix.constraints, str(repo))
        if fix is None:
            return None, f"None of {', '.join(i.name for i in open_)} is in {frozen.label}."
        return fix, ""

    def _resolve(
        self,
        host: Host,
        roots: list[tuple[str, bool, str]],
        image: BaseImage | None,
        base: str | None,
        where: str,
    ) -> _Resolved | Finding | None:
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
            return self.finding(
                Status.INFO,
                "python-unknown",
                "the image's Python version is unknown, so no resolver was run",
                detail=f"{base or 'The image'}: {why}. Name the version in the base image's tag "
                "(FROM python:3.12-slim-bookworm).",
                evidence=evidence(base_image=base or "unknown", where=where or "unknown"),
            )
        pip = pip_command(host)
        if pip is None:
            return self.finding(Status.INFO, "no-pip",
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
            return self.finding(
                Status.INFO,
                f"resolve-{result.problem}",
                f"could not resolve before building: {words}",
                detail=_tail(result.message),
                evidence=evidence(target=target),
            )
        return _Resolved(image, pip, files, list(platforms), target, result)

    def _deep(self, host: Host, parsed: Parsed, resolved: _Resolved) -> Iterator[Finding]:
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
                yield self.finding(
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
            yield self.finding(
                Status.FAIL,
                "resolve-failed",
                f"pip cannot install these requirements from wheels for Python {image.python}: "
                "the build would compile (or fail)",
                detail="\n".join(sources) + ("\n" if sources else "") + _tail(result.message),
                evidence=evidence(target=target, files=", ".join(files), tag=py),
            )
        elif sources:
            yield self.finding(
                Status.FAIL,
                "builds-from-source",
                f"{len(sources)} requirement{'s' if len(sources) != 1 else ''} would be built "
                f"from source for Python {image.python}",
                detail="\n".join(sources),
                evidence=evidence(target=target, files=", ".join(files), tag=py),
            )
        else:
            chosen = ", ".join(f"{n}=={v}" for n, v in sorted(result.chosen.items())[:20])
            yield self.finding(
                Status.OK,
                "resolves",
                f"every requirement installs from wheels for Python {image.python}",
                detail=f"pip would install: {chosen}",
                evidence=evidence(target=target, packages=len(result.chosen)),
            )


    def _in_image(
        self, host: Host, parsed: Parsed, roots: list[tuple[str, bool, str]], ref: str
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
            yield self.finding(
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
            yield self.finding(
                Status.OK,
                "image-wheels",
                f"{where}, pip installs every requirement from wheels",
                evidence=evidence(image=ref, chosen=len(result.chosen)),
            )
        elif result.problem == "build-failed":
            names = ", ".join(result.archives) or "a source release"
            yield self.finding(
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
            yield self.finding(
                Status.FAIL if result.problem in ("conflict", "no-wheel", "too-deep")
                else Status.INFO,
                "image-resolve-failed" if result.problem in ("conflict", "no-wheel", "too-deep")
                else f"image-resolve-{result.problem}",
                f"{where}: {words}",
                detail=_tail(result.message),
                evidence=evidence(image=ref, problem=result.problem),
            )


def _reaches(item: Item, entry: KnownBad) -> str | None:
    """How a requirement lets a known-bad release in: "pins", "admits", or None."""
    if item.kind == "direct":
        return None
    versions = re.findall(r"===?\s*([^,;\s]+)", entry.specifier)
    if item.kind == "pinned":
        pinned = re.findall(r"===?\s*([^,;\s*]+)", item.specifier)
        if any(admits(entry.specifier, v) for v in pinned):
            return "pins"
        return None
    if versions:
        return "admits" if any(admits(item.specifier, v) for v in versions) else None
    # A range entry (<3.7): reachable unless the requirement's lower bound is above it.
    floor = re.findall(r"(?:>=|~=|>|==)\s*([^,;\s*]+)", item.specifier)
    if not floor:
        return "admits"
    return "admits" if any(admits(entry.specifier, v) for v in floor) else None


def _tail(message: str) -> str:
    lines = [ln for ln in message.strip().splitlines() if ln.strip()]
    return "\n".join(lines[-12:])
