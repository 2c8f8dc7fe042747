"""dockerfile-layout: how the image is built, where a build breaks for reasons that are not
the student's machine: apt in the wrong place, system libraries missing for packages pip
compiles, pip against a PEP 668 Python, a base tag that moves, COPY from outside the context."""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from devdoctor import Check, Finding, Host, Scope, Status, evidence
from devdoctor.lazy import LazyPattern
from devdoctor.packaged import read_packaged
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .base_image import BaseImage, read_base
from .local_image import local_image
from .requirement_files import discover
from .requirements import Item, parse_files, parse_text
from .sources import Build, apt_commands, base_image, build, pip_installs, read_text

_YES = LazyPattern(r"^-(?:[a-z]*y[a-z]*|-yes|-assume-yes|qq|q=2|-quiet=2)$")


@dataclass(frozen=True)
class BuildDeps:
    """A package pip compiles on Linux and the apt packages it needs."""

    name: str
    specifier: str
    apt: tuple[str, ...]
    note: str
    source: str


def build_deps() -> list[BuildDeps]:
    """The table in build_deps.toml."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    raw = read_packaged("devdoctor.checks.image", "build_deps.toml")
    return [
        BuildDeps(str(e["name"]), str(e.get("specifier", "")), tuple(e["apt"]),
                  str(e.get("note", "")), str(e["source"]))
        for e in tomllib.loads(raw.decode()).get("package", [])
    ]


def _installed_apt(b: Build) -> set[str]:
    """Packages any `apt-get install` in the Dockerfile names."""
    names: set[str] = set()
    if b.parsed is None:
        return names
    for ins in b.parsed.instructions:
        if ins.keyword != "RUN":
            continue
        for _, _, apt in apt_commands(ins.shell):
            if apt.verb == "install":
                names |= {a.split("=")[0] for a in apt.args if not a.startswith("-")}
    return names


def _python_items(host: Host, b: Build) -> list[Item]:
    """The requirements the build installs: requirement files and inline pip installs."""
    repo = b.repo
    roots = discover(host, b)
    parsed = parse_files([(p, c) for p, c, _ in roots],
                         lambda path: read_text(host, repo / path))
    items = list(parsed.requirements)
    for where, text, offset in b.shell_texts():
        for pip in pip_installs(text, where, offset):
            for package in pip.packages:
                found, _ = parse_text(package, pip.where)
                items += found.requirements
    return items


class DockerfileLayout(Check):
    """Reads the Dockerfile as BuildKit does (continuations, heredocs, ARG/ENV, stages, USER)
    and the install scripts the lifecycle commands run. It fails where the build will: apt-get
    in a script that runs as the container user (it needs root: put it in the Dockerfile);
    `apt-get install` without -y, or without `apt-get update` in the same RUN; a package pip
    must compile (pycairo, PyGObject, psycopg2, mysqlclient, ...) without the system libraries
    it needs (the exact apt-get line is given); pip outside a virtual environment on a Python
    that is externally managed (PEP 668: Debian 12, Ubuntu 24.04); COPY/ADD sources outside
    the build context. It warns on a base image tag that moves (`python:3`, `:latest`).

    By hand: system packages in the Dockerfile (`RUN apt-get update && apt-get install -y
    ...`), Python packages as the user into a virtual environment in the home folder.
    """

    id = "dockerfile-layout"
    needs_repository = True
    title = "Dockerfile and install scripts"
    scope = Scope.COURSE
    timeout = 30.0

    def skip_reason(self, host: Host) -> str | None:
        b = build(host)
        if b is None or b.config is None:
            return "no devcontainer configuration here (see devcontainer)"
        return None

    def run(self, host: Host) -> Iterator[Finding]:
        b = build(host)
        assert b is not None
        ref, where = base_image(b)
        image = read_base(ref) if ref else None
        count = 0
        for finding in (
            *self._user_apt(b),
            *self._apt_runs(b),
            *self._build_deps(host, b, image),
            *self._pep668(b, image),
            *self._floating(host, image, where),
            *self._outside_context(b),
        ):
            count += 1
            yield finding
        if count == 0:
            shown = b.dockerfile.path if b.dockerfile else "the configuration"
            yield self.finding(Status.OK, "fine", f"nothing in {shown} or the install scripts "
                               "that breaks the build", evidence=evidence(base_image=ref or "?"))

    def _user_apt(self, b: Build) -> Iterator[Finding]:
        for script in b.scripts:
            if script.as_root is not False:
                continue
            found = [
                (number, line.strip())
                for number, line, apt in apt_commands(script.text)
                if not apt.sudo and apt.verb in ("install", "update", "upgrade", "remove")
            ]
            if not found:
                continue
            first = found[0][0]
            lines = "\n".join(f"{script.path}:{n}: {text}" for n, text in found)
            yield self.finding(
                Status.FAIL,
                "apt-as-user",
                f"{script.path}:{first} runs apt-get as {b.user}, who cannot: move it to "
                "the Dockerfile",
                subject=f"{script.path}:{first}",
                detail=f"{lines}\nThe script is {script.why} as {b.user}; apt-get needs root "
                "and stops with 'Permission denied' on its lock file. Install system packages "
                "in the Dockerfile (RUN runs as root there), in one RUN: apt-get update && "
                "apt-get install -y ...",
                evidence=evidence(script=script.path, lines=", ".join(str(n) for n, _ in found),
                                  user=b.user),
            )

    def _apt_runs(self, b: Build) -> Iterator[Finding]:
        if b.parsed is None or b.dockerfile is None:
            return
        updated: set[int] = set()
        for ins in b.parsed.instructions:
            if ins.keyword != "RUN":
                continue
            commands = [apt for _, _, apt in apt_commands(ins.shell)]
            if any(c.verb == "update" for c in commands):
                updated.add(ins.stage)
            where = f"{b.dockerfile.path}:{ins.line}"
            for apt in commands:
                if apt.verb != "install":
                    continue
                if not any(_YES.match(a) for a in apt.args):
                    yield self.finding(
                        Status.FAIL, "apt-no-yes",
                        f"{where}: apt-get install without -y stops at its question",
                        subject=where,
                        detail="A build has no terminal: apt-get asks 'Do you want to "
                        "continue? [Y/n]', reads nothing and aborts. Add -y.",
                        evidence=evidence(instruction=f"RUN {ins.text[:200]}"),
                    )
                if not any(c.verb == "update" for c in commands):
                    earlier = ins.stage in updated
                    yield self.finding(
                        Status.WARN if earlier else Status.FAIL, "apt-no-update",
                        f"{where}: apt-get install without apt-get update in the same RUN",
                        subject=where,
                        detail=(
                            "The package lists come from an earlier layer, which Docker's "
                            "cache keeps for weeks: the versions they name disappear from the "
                            "mirrors and the install fails with 404."
                            if earlier
                            else "Base images ship without package lists: apt-get says "
                            "'Unable to locate package'."
                        ) + " Write `apt-get update && apt-get install -y ...` in one RUN.",
                        evidence=evidence(instruction=f"RUN {ins.text[:200]}"),
                    )

    def _build_deps(self, host: Host, b: Build, image: BaseImage | None) -> Iterator[Finding]:
        items = _python_items(host, b)
        installed = _installed_apt(b)
        official_python = image is not None and image.python is not None and not (
            image.python_is_system
        )
        reported: set[str] = set()
        for item in items:
            for deps in build_deps():
                if item.name != deps.name or item.name in reported:
                    continue
                if deps.specifier and not _may_pick(item.specifier, deps.specifier):
                    continue
                needed = [a for a in deps.apt if not (official_python and a == "python3-dev")]
                missing = [a for a in needed if not set(a.split("|")) & installed]
                if not missing:
                    continue
                reported.add(item.name)
                names = " ".join(a.split("|")[0] for a in missing)
                line = (f"RUN apt-get update && apt-get install -y --no-install-recommends "
                        f"{names} && rm -rf /var/lib/apt/lists/*")
                yield self.finding(
                    Status.FAIL,
                    "build-deps",
                    f"{item.text} ({item.shown}) is compiled by pip, and the Dockerfile does not "
                    f"install {', '.join(a.split('|')[0] for a in missing)}",
                    subject=item.shown,
                    detail=f"PyPI has no Linux wheel for {deps.name}, so pip builds it and "
                    f"needs these system packages. Add to the Dockerfile (before the pip "
                    f"install):\n{line}" + (f"\n{deps.note}" if deps.note else ""),
                    evidence=evidence(requirement=item.text, missing=", ".join(missing),
                                      source=deps.source),
                )

    def _pep668(self, b: Build, image: BaseImage | None) -> Iterator[Finding]:
        if image is None or not image.externally_managed:
            return
        if b.parsed is not None and any(
            i.keyword == "ENV" and ("PIP_BREAK_SYSTEM_PACKAGES" in i.text or "VIRTUAL_ENV" in
                                    i.text)
            for i in b.parsed.instructions
        ):
            return
        for where, text, offset in b.shell_texts():
            if "activate" in text or "-m venv" in text or "virtualenv" in text:
                continue
            for pip in pip_installs(text, where, offset):
                if pip.in_venv or pip.break_system:
                    continue
                how = "pip install --user" if pip.user else "pip install outside a virtual env"
                yield self.finding(
                    Status.FAIL,
                    "externally-managed",
                    f"{pip.where}: {how} on {image.distro}'s Python, which refuses it "
                    "(externally-managed-environment)",
                    subject=pip.where,
                    detail=f"{pip.command}\n{image.distro} marks its python3 externally "
                    "managed (PEP 668): pip refuses to install into it, --user included. To "
                    "keep packages installed as the user in the persistent home, make a "
                    "virtual environment there in the install script and use its pip:\n"
                    "  python3 -m venv \"$HOME/.venv\"\n"
                    "  \"$HOME/.venv/bin/pip\" install -r requirements.txt\n"
                    "and put $HOME/.venv/bin first on PATH (remoteEnv in devcontainer.json). "
                    "The Dockerfile then needs python3-venv.",
                    evidence=evidence(base_image=image.ref, distribution=image.distro),
                )

    def _floating(
        self, host: Host, image: BaseImage | None, where: str
    ) -> Iterator[Finding]:
        if image is None or image.floating is None:
            return
        local = local_image(host, image.ref) if host.options.deep else None
        if local is not None:
            now = (f"Here it is {local.digest} now." if local.digest
                   else f"Here it is the image {local.id[:19]} now (built or loaded here: "
                   "no registry digest).")
        else:
            now = ("`docker image inspect --format '{{index .RepoDigests 0}}' "
                   f"{image.ref}` gives the one this machine has.")
        yield self.finding(
            Status.WARN,
            "floating-base",
            f"the base image {image.ref} can change overnight: {image.floating}",
            subject=where,
            detail="A tag that moves brings a new Python or distribution without a line of "
            "the course changing, as unpinned requirements do. Name a fixed tag "
            f"(python:3.11-slim-bookworm) or a digest. {now}",
            evidence=evidence(base_image=image.ref, written=where,
                              here=(local.digest or local.id) if local else "not asked"),
        )

    def _outside_context(self, b: Build) -> Iterator[Finding]:
        if b.parsed is None or b.dockerfile is None or b.context is None:
            return
        context = b.context
        for ins in b.parsed.instructions:
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") or ins.heredocs:
                continue
            for source in ins.args[:-1]:
                if re.match(r"^[a-z]+://|^git@", source):
                    continue
                norm = posixpath.normpath(posixpath.join("/", source)) if source.startswith(
                    "/") else posixpath.normpath(source)
                if norm == ".." or norm.startswith("../"):
                    where = f"{b.dockerfile.path}:{ins.line}"
                    yield self.finding(
                        Status.FAIL,
                        "outside-context",
                        f"{where}: {ins.keyword} {source} reaches outside the build context",
                        subject=where,
                        detail=f"The build context is {context}; Docker sends only that folder "
                        f"to the builder, so the build stops with 'not found'. Set "
                        f"{b.context_from} to a folder that holds the file (\"..\" for the "
                        "repository) and write the path from there.",
                        evidence=evidence(source=source, context=str(context)),
                    )


def _may_pick(requirement: str, specifier: str) -> bool:
    """Whether pip may pick, for this requirement, a release in the table entry's range."""
    try:
        wanted = SpecifierSet(specifier)
        given = SpecifierSet(requirement)
    except InvalidSpecifier:
        return True
    pins = [s.version for s in given if s.operator in ("==", "===") and "*" not in s.version]
    if pins:
        return any(wanted.contains(v, prereleases=True) for v in pins)
    for edge in wanted:
        if edge.operator in (">", ">=") and any(
            s.operator in ("<", "<=") and not wanted.contains(s.version, prereleases=True)
            and _below(s.version, edge.version) for s in given
        ):
            return False
        if edge.operator in ("<", "<=") and any(
            s.operator in (">", ">=", "~=") and not wanted.contains(s.version, prereleases=True)
            for s in given
        ):
            return False
    return True


def _below(a: str, b: str) -> bool:
    """Version a <= version b; False when either is not a version."""
    try:
        return Version(a) <= Version(b)
    except InvalidVersion:
        return False
