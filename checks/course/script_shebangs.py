"""script-shebangs: the scripts a devcontainer build runs start and run as their authors meant.

A Windows checkout turns a script into CRLF, an editor adds a BOM, a shebang is mistyped or
missing so /bin/sh (dash) runs bash code, git loses the exec bit: the build then stops with a
message that names none of these. This check reads the first bytes of each script the lifecycle
commands run (and the shell scripts git tracks under .devcontainer and at the top level) and
says, for each problem, what the student will see and why.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from devdoctor import Check, Finding, Fix, Host, Scope, Status
from devdoctor.repo import rel

from .commands import command_bashisms
from .configs import key_line
from .script_diagnosis import Diagnosis, Hit, diagnose, image_facts, status_of
from .script_fix import FixPlan
from .scripts import Scripts, course_scripts
from .shell import Problem, RunAs
from .variant import without_configuration

HOW = {
    RunAs.DIRECT: "run directly (the kernel reads its #! line)",
    RunAs.EXEC: "exec'd by an array-form command (no shell to fall back to)",
    RunAs.SH: "run with `sh`",
    RunAs.BASH: "run with `bash`",
    RunAs.SOURCED: "sourced",
    RunAs.SH_SOURCED: "sourced with `.` by /bin/sh",
    RunAs.UNKNOWN: "tracked by git, not named by a lifecycle command",
}
BY_HAND = {
    "bashism-under-sh": "make the command run it with `bash` (not `sh x.sh`), or give it a "
    "`#!/bin/bash` line, or write it in POSIX sh.",
    "shebang-multiple-args": "keep one option on the #! line (`#!/bin/bash -e`) and put the "
    "others in the script (`set -eu`).",
    "relative-interpreter": "name the interpreter by its full path: `#!/bin/bash` or "
    "`#!/usr/bin/env bash`.",
    "non-ascii-shebang": "retype the #! line with plain spaces.",
    "shebang-too-long": "shorten the #! line to under 255 bytes (`#!/usr/bin/env NAME`).",
    "utf16": "save it as UTF-8 (VS Code: click the encoding in the status bar, then "
    "'Save with Encoding', UTF-8).",
    "interpreter-missing": "install the interpreter in the Dockerfile, or name one the image "
    "has (python3, not python).",
}


# ------------------------------------------------------------------------- the check


class ScriptShebangs(Check):
    """The scripts the devcontainer build runs, read the way the kernel and /bin/sh read them.

    devdoctor finds the scripts in every lifecycle command of the configuration (a string runs
    in /bin/sh, an array runs directly, an object runs several), plus the shell scripts git
    tracks under .devcontainer and at the top level, and reads the first 64 KiB of each:
    line endings (CRLF), a byte-order mark, the #! line (missing, misplaced, mistyped, too
    long, env with arguments), bash syntax in a script that sh runs, and git's exec bit for
    a script run as ./x.sh.

    By hand: save the script as UTF-8 with LF line endings (VS Code: the CRLF/LF and encoding
    items in the status bar), make `#!/bin/bash` its very first bytes, and
    `git update-index --chmod=+x path/to/script.sh`. These are the course's files: staff fix
    them once for everyone (`devdoctor fix script-shebangs --course`).
    """

    id = "script-shebangs"
    needs_repository = True
    title = "scripts the build runs"
    scope = Scope.COURSE
    timeout = 30.0  # thousands of scripts on /mnt/c (a network file system from WSL)
    fix_description = (
        "LF line endings, no BOM, a working #! line, and the exec bit in git, for the course's "
        "scripts (staff: --course; a student's copy: --yes)"
    )

    def skip_reason(self, host: Host) -> str | None:
        return without_configuration(host)

    def run(self, host: Host) -> Iterator[Finding]:
        found = course_scripts(host)
        if found is None:
            return
        for path, why in found.unreadable:
            yield self.finding(
                Status.WARN, "unreadable", f"{path}: cannot read it: {why}", subject=path
            )
        image = image_facts(host, found.configs)
        commands = list(self._commands(host, found))
        yield from commands
        links = list(self._links(found))
        yield from links
        plan = FixPlan(host, found, image)
        diags = []
        for script in found.scripts:  # read, judged and repaired one at a time, then dropped
            head = found.head(host, script)
            if head is None:
                continue  # gone since it was found
            diag = diagnose(script, image, head[0], truncated=head[1])
            if diag.problems:
                plan.add(diag, head)
                diags.append(diag.without_reports())
        fix, fixed, carrier = plan.finish(self.id, diags)
        for diag in diags:
            for hit in diag.problems:
                key = (diag.script.path, hit.code)
                yield self._finding(
                    host,
                    diag,
                    hit,
                    fixed=key in fixed,
                    fix=fix if key == carrier else None,
                )
        if not diags and not commands and not links:
            run = sum(1 for s in found.scripts if s.run_by_build)
            yield self.finding(
                Status.OK,
                "ok",
                f"{len(found.scripts)} script(s) checked, {run} run by the build: "
                "line endings, #! lines and exec bits are fine",
            )

    def _finding(
        self, host: Host, diag: Diagnosis, hit: Hit, *, fixed: bool, fix: Fix | None
    ) -> Finding:
        script, problem = diag.script, hit.problem
        how = "; ".join(f"{HOW[u.run_as]} by {u.key} ({u.variant})" for u in hit.uses)
        when = "When the build runs it" if script.run_by_build else "If something runs it"
        detail = [
            f"{when}: {problem.runtime}",
            problem.why,
            _advice(host, diag, problem, fixed=fixed),
        ]
        summary = problem.summary
        if hit.more:
            summary += f" (and {len(hit.more)} more)"
        facts: dict[str, object] = {}
        if problem.line:
            facts["line"] = problem.line
        facts["how it is run"] = how or HOW[RunAs.UNKNOWN]
        if hit.uses:
            facts["command"] = f"{hit.uses[0].key}: {hit.uses[0].command}"
        if hit.shellcheck():
            facts["shellcheck"] = hit.shellcheck()
        if script.git_mode:
            facts["git mode"] = script.git_mode
        if script.eol and problem.code == "crlf":
            facts["git eol"] = script.eol
        return self.finding(
            status_of(problem, diag, hit.uses),
            problem.code,
            f"{script.path}: {summary}",
            subject=script.path,
            detail="\n".join(detail),
            evidence=tuple((k, str(v)) for k, v in facts.items()),
            fix=fix,
            path=script.path,
            line=problem.line or None,
        )

    def _commands(self, host: Host, found: Scripts) -> Iterator[Finding]:
        """Bash syntax in the lifecycle command strings themselves: /bin/sh -c reads them."""
        seen: set[tuple[str, str, str]] = set()
        for config in found.configs:
            where = rel(found.repo, config.file.path)
            for key, command in config.lifecycle.items():
                if key == "initializeCommand":
                    continue  # runs on the host, whose /bin/sh varies
                named = command.items() if isinstance(command, dict) else [("", command)]
                for name, value in named:
                    if not isinstance(value, str):
                        continue  # the array form runs without a shell
                    for line, label, code, runtime in command_bashisms(value):
                        if (where, key, label) in seen:
                            continue
                        seen.add((where, key, label))
                        label_key = f"{key}.{name}" if name else key
                        error = runtime.replace("{n}", "/bin/sh").replace("{l}", str(line))
                        yield self.finding(
                            Status.FAIL,
                            "command-bashism",
                            f"{where}: {label_key} uses bash syntax `{label}`, but /bin/sh "
                            "(dash) runs it",
                            subject=where,
                            detail=f"The devcontainer CLI runs a string command as `/bin/sh -c "
                            f"'…'`; on Debian and Ubuntu images /bin/sh is dash, which stops "
                            f"with `{error}`. Write it in POSIX sh (`.` instead of `source`, "
                            "`[ ]` instead of `[[ ]]`), or run it with bash: "
                            "`bash -c '…'` or a script with `#!/bin/bash`.",
                            evidence=(("command", f"{label_key}: {value}"), ("shellcheck", code)),
                            path=where,
                            line=key_line(host, config.file, *([key, name] if name else [key])),
                        )

    def _links(self, found: Scripts) -> Iterator[Finding]:
        """Script links that point at nothing, or out of the repository."""
        for path, points, uses in found.links:
            inside = points.startswith(found.repo.resolve().as_posix() + "/")
            what = "a file that does not exist" if inside else "a file outside the repository"
            shown = rel(found.repo.resolve(), Path(points)) if inside else points
            run = bool(uses)
            yield self.finding(
                Status.FAIL if run else Status.WARN,
                "dangling-link" if inside else "link-outside",
                f"{path}: a symbolic link to {what} ({shown})",
                subject=path,
                detail="The container mounts only the repository, and a clone has only what "
                "git tracks: "
                + (
                    "the link's target is missing, so running it fails with `not found`."
                    if inside
                    else "a target outside the repository is not there, so running the link "
                    "fails with `not found`."
                )
                + " Commit the script itself in its place, or point the link inside the "
                "repository.",
                evidence=tuple(("command", f"{u.key}: {u.command}") for u in uses[:1]),
                path=path,
            )


def _advice(host: Host, diag: Diagnosis, problem: Problem, *, fixed: bool) -> str:
    """What to do: staff fix it in the repository; a student is told how to get by meanwhile."""
    script = diag.script
    by_hand = BY_HAND.get(problem.code)
    if host.options.course:
        if fixed:
            return "Course staff: `devdoctor fix script-shebangs --course` repairs it; then commit."
        return f"Course staff: {by_hand or 'fix it by hand'}"
    lead = "This is the course repository's to fix, once for everyone (the report flags it). "
    if problem.code == "crlf" and script.checkout_made_crlf:
        return lead + (
            "The repository has LF; your git wrote CRLF when it checked the file out. "
            "Meanwhile: `devdoctor fix line-endings` makes your checkout LF and leaves git clean."
        )
    if fixed:
        return lead + (
            "Meanwhile: `devdoctor fix script-shebangs --yes` repairs your copy (it edits a "
            "tracked file: run `git stash` before your next `git pull`)."
        )
    return lead + f"By hand: {by_hand or 'see `devdoctor explain script-shebangs`'}"


__all__ = ["ScriptShebangs"]
