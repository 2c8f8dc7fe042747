"""devcontainer: the course's devcontainer.json parses, what it names exists, and this host fits it.

"Reopen in Container" fails late and cryptically when devcontainer.json has a typo, names a
Dockerfile or script that is not in the clone, asks for hardware this computer lacks, or pins
an amd64 image on an Apple Silicon Mac. This check says so before the build starts, names the
configuration it looked at and why that one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from devdoctor import Check, Finding, Host, Scope, Status, evidence
from devdoctor.repo import on_windows_drive, rel

if TYPE_CHECKING:
    from .configs import ConfigError, ConfigFile, DevcontainerConfig


# ------------------------------------------------------------------------- the check


class Devcontainer(Check):
    """The course's devcontainer.json, read as the devcontainer CLI reads it.

    devdoctor finds .devcontainer/devcontainer.json, .devcontainer.json and
    .devcontainer/<variant>/devcontainer.json, picks one (`--config`, the policy's
    default_variant, else the one that fits this computer), and checks that it parses (comments
    and trailing commas are fine), that the Dockerfile, build context and scripts it names are
    in the repository, that hostRequirements are written so the CLI understands them and fit
    this computer, that `--gpus` is only asked for where there is a GPU, and that an
    amd64-only image is not built on an Apple Silicon Mac.

    By hand: open the file named in the finding at the line and column given; make every path
    relative to the devcontainer.json's folder; write sizes in lower case ("8gb").
    """

    id = "devcontainer"
    title = "devcontainer.json"
    scope = Scope.COURSE

    def run(self, host: Host) -> Iterator[Finding]:
        repo = host.repo_root
        if repo is None:
            yield self._not_found(host, None)
            return
        # Imported only now: outside a course repository they would slow every `devdoctor check`.
        from .variant import chosen_config, configs

        if on_windows_drive(host, repo):
            yield self._windows_drive(repo)
        found = configs(host)
        if not found:
            yield self._not_found(host, repo)
            return
        chosen, why = chosen_config(host)
        if chosen is None:
            yield self.finding(
                Status.WARN,
                "no-such-variant",
                f"{why}: course checks use no configuration",
                detail="Pick one of the configurations listed with `--config NAME`.",
                evidence=evidence(configurations=", ".join(c.variant for c in found)),
            )
        elif len(found) > 1:
            others = ", ".join(c.variant for c in found if c != chosen)
            yield self.finding(
                Status.INFO,
                "variant",
                f"using the {chosen.variant} configuration ({why}); also here: {others}",
                subject=rel(repo, chosen.path),
                detail="`devdoctor check --config NAME` checks another one.",
            )
        targets = found if host.options.course else [c for c in found if c == chosen]
        problems = False
        for file in targets:
            for finding in self._one(host, repo, file, is_chosen=file == chosen):
                problems = problems or finding.status in (Status.WARN, Status.FAIL)
                yield finding
        if chosen is not None and not problems:
            yield self.finding(
                Status.OK,
                "ok",
                f"{rel(repo, chosen.path)} parses and names files that exist "
                f"({chosen.variant}: {why})",
                subject=rel(repo, chosen.path),
                evidence=evidence(variant=chosen.variant, chosen_because=why),
            )

    # -- the repository -----------------------------------------------------------------------

    def _not_found(self, host: Host, repo: Path | None) -> Finding:
        given = host.options.repo
        if repo is None:
            start = host.cwd or "the current folder"
            where = f"--repo {given}" if given else f"{start} and its parents"
            summary = "no course repository found: course checks not run"
            detail = (
                f"devdoctor looked for .devcontainer/ or .devcontainer.json in {where}, up to "
                "the git root. Run devdoctor inside your course repository, or name it with "
                "`devdoctor check --repo PATH`."
            )
        else:
            summary = "no devcontainer configuration in the repository: course checks not run"
            detail = (
                f"{repo} has no .devcontainer/devcontainer.json, .devcontainer.json or "
                ".devcontainer/<name>/devcontainer.json. Is this the course repository? Name "
                "the right one with `devdoctor check --repo PATH`."
            )
        return self.finding(Status.WARN, "not-found", summary, detail=detail)

    def _windows_drive(self, repo: Path) -> Finding:
        return self.finding(
            Status.INFO,
            "windows-drive",
            f"the repository is on the Windows drive (/mnt/{repo.parts[2]}): "
            "file access from WSL and containers is slow",
            subject=str(repo),
            detail="Files under /mnt/c go through a network file system between Windows and "
            "WSL: builds, git and the container's bind mount run many times slower, and "
            "git.exe's settings (core.autocrlf) apply to the checkout. Cloning the course "
            "inside WSL (e.g. ~/course) avoids both.",
        )

    # -- one configuration --------------------------------------------------------------------

    def _one(
        self, host: Host, repo: Path, file: ConfigFile, *, is_chosen: bool
    ) -> Iterator[Finding]:
        # Imported here, not at the top, for the reason given in run().
        from . import compose_service, host_fit, repo_files
        from .configs import ConfigError
        from .variant import chosen_devcontainer

        loaded = chosen_devcontainer(host) if is_chosen else _load(host, file)
        where = rel(repo, file.path)
        if loaded is None:
            return
        if isinstance(loaded, ConfigError):
            yield self._broken(where, loaded)
            return
        yield from repo_files.missing(self, host, repo, loaded, where)
        yield from repo_files.missing_arguments(self, host, repo, loaded, where)
        yield from compose_service.compose(self, host, repo, loaded, where)
        yield from host_fit.requirement_problems(self, host, loaded, where)
        if is_chosen and host.options.course:
            yield from host_fit.asks_of_students(self, host, loaded, where)
        elif is_chosen:
            yield from host_fit.fits_host(self, host, loaded, where)
            yield from host_fit.amd64_on_apple_silicon(self, host, loaded, where)
            yield from host_fit.initialize_on_windows(self, host, repo, loaded, where)

    def _broken(self, where: str, error: ConfigError) -> Finding:
        if error.line is not None:
            return self.finding(
                Status.FAIL,
                "invalid-json",
                f"{where} line {error.line}, column {error.column}: {error.message}",
                subject=where,
                detail="VS Code cannot read the configuration as written: the build fails or "
                "runs with part of it. Open the file at that line and column; comments and "
                "trailing commas are allowed, but quotes, commas and brackets must match.",
                evidence=evidence(line=error.line, column=error.column),
                path=where,
                line=error.line,
            )
        return self.finding(
            Status.FAIL,
            "unreadable",
            f"{where}: {error.message}",
            subject=where,
            detail="The devcontainer CLI cannot use this file. Save it as UTF-8 JSON with "
            "one {...} object.",
            path=where,
        )


def _load(host: Host, file: ConfigFile) -> DevcontainerConfig | ConfigError:
    from .configs import ConfigError, load  # with a repository only, as in Devcontainer.run()

    try:
        return load(file, local_env=host.env, host=host)
    except ConfigError as exc:
        return exc


__all__ = ["Devcontainer"]
