"""requirements-pins: requirement files that let pip's resolver walk back to releases that
do not install, known-bad releases, and (with --deep) what a real resolver would pick."""

from __future__ import annotations

import re
from collections.abc import Iterator

from devdoctor import Check, Finding, Fix, Host, Scope, Status, evidence
from devdoctor.repo import policy

from .base_image import read_base
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
from .requirements_deep import Resolved, in_image_findings, resolve_wheels, wheels_findings
from .sources import Build, base_image, build, read_text

UV_WORDS = (
    'uv\'s documentation: without lower bounds the resolver "can (and often will) backtrack '
    'down to the oldest version of a package", and "the old version of the package often '
    'fails to build"'
)


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
        resolved = (
            resolve_wheels(self, host, roots, image, base, where) if host.options.deep else None
        )
        yield from self._open(host, parsed, b, resolved)
        if isinstance(resolved, Finding):
            yield resolved
        elif resolved is not None:
            yield from wheels_findings(self, host, parsed, resolved)
        if host.options.deep and base:
            yield from in_image_findings(self, host, parsed, roots, base)

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
        self, host: Host, parsed: Parsed, b: Build | None, resolved: Resolved | Finding | None
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
        resolved: Resolved | Finding | None,
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
        elif isinstance(resolved, Resolved) and resolved.result.ok:
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
