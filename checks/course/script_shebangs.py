"""script-shebangs: the scripts a devcontainer build runs start and run as their authors meant.

A Windows checkout turns a script into CRLF, an editor adds a BOM, a shebang is mistyped or
missing so /bin/sh (dash) runs bash code, git loses the exec bit: the build then stops with a
message that names none of these. This check reads the first bytes of each script the lifecycle
commands run (and the shell scripts git tracks under .devcontainer and at the top level) and
says, for each problem, what the student will see and why.
"""

from __future__ import annotations

import re
import stat
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from devdoctor import (
    Check,
    Finding,
    Fix,
    Host,
    RunCommand,
    Scope,
    SetMode,
    Status,
    WriteFile,
)
from devdoctor.checks.image import dockerfile_text, final_image
from devdoctor.repo import rel

from .commands import command_bashisms
from .configs import DevcontainerConfig, key_line
from .script_repair import repair
from .scripts import (
    FIX_LIMIT,
    Script,
    Scripts,
    Use,
    course_scripts,
)
from .shebang import shebang_program
from .shell import (
    HEADER_BYTES,
    Problem,
    RunAs,
    ScriptReport,
    analyze,
)
from .variant import chosen_config, without_configuration

POSIX_SHELLS = frozenset({"sh", "dash", "ash", "bash"})

# Problems that always break the run, and those where the script still runs, under /bin/sh.
FAILS = frozenset(
    {
        "crlf",
        "bom",
        "utf16",
        "bashism-under-sh",
        "not-executable",
        "env-with-args",
        "shebang-multiple-args",
        "relative-interpreter",
        "non-ascii-shebang",
    }
)
PLACEMENT = frozenset(
    {
        "missing-shebang",
        "leading-whitespace",
        "shebang-not-first-line",
        "bang-typo",
        "shebang-too-long",
    }
)
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


# ------------------------------------------------------------------------- what the image lacks


@dataclass(frozen=True)
class ImageFacts:
    """What devdoctor can tell about the image without pulling it."""

    image: str | None
    source: str
    text: str  # Dockerfile, features and commands, to see what the course installs

    def lacks(self, program: str) -> bool:
        """Whether the image certainly has no `program` (a short, conservative table)."""
        if not self.image or re.search(rf"(?<![\w-]){re.escape(program)}(?![\w-])", self.text):
            return False
        name = self.image.lower()
        if program == "bash":
            return "alpine" in name and "common-utils" not in self.text
        if program in ("python", "python2"):
            debianish = re.search(
                r"(^|/)(debian|ubuntu|devcontainers/base|vscode/devcontainers/base)[:@]", name
            )
            return bool(debianish) and "python" not in name
        return False


def image_facts(host: Host, configs: tuple[DevcontainerConfig, ...]) -> ImageFacts:
    chosen, _ = chosen_config(host)
    config = next((c for c in configs if c.file == chosen), None)
    if config is None:
        return ImageFacts(None, "", "")
    image, source = final_image(config, host)
    features = config.data.get("features")  # an object by the spec; anything else names none
    parts = [" ".join(str(k) for k in features) if isinstance(features, dict) else ""]
    if config.dockerfile is not None:
        lines = dockerfile_text(host, config.dockerfile).splitlines()
        parts.append("\n".join(ln for ln in lines if not ln.lstrip().upper().startswith("FROM")))
    parts += [str(v) for v in config.lifecycle.values()]
    return ImageFacts(image, source, "\n".join(parts))


# ------------------------------------------------------------------------- diagnosis


@dataclass
class Hit:
    """One problem code in one script: the first occurrence, the others, the uses it breaks."""

    problem: Problem
    uses: list[Use]
    more: list[Problem] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.problem.code

    def shellcheck(self) -> str:
        """Every shellcheck code behind it, with its line when there are several."""
        every = [self.problem, *self.more]
        if len(every) == 1:
            return self.problem.shellcheck
        return ", ".join(f"{p.shellcheck} (line {p.line})" for p in every if p.shellcheck)


@dataclass
class Diagnosis:
    """The problems of one script, merged by code, each with the uses that hit it."""

    script: Script
    problems: list[Hit] = field(default_factory=list)
    interpreter: str | None = None
    reports: list[ScriptReport] = field(default_factory=list)

    @property
    def uses_bash(self) -> bool:
        """Bash syntax anywhere in it: asked only when a repair is planned (it costs a scan)."""
        return any(report.uses_bash_syntax for report in self.reports)


def _name(path: str) -> str:
    return path if path.startswith(("/", "./", "../")) else f"./{path}"


def _runs(script: Script) -> list[tuple[RunAs, bool, list[Use]]]:
    """Distinct (how, chmodded first) runs, with the uses behind each."""
    if not script.uses:
        return [(RunAs.UNKNOWN, False, [])]
    runs: dict[tuple[RunAs, bool], list[Use]] = defaultdict(list)
    for use in script.uses:
        runs[(use.run_as, use.made_executable)].append(use)
    return [(k[0], k[1], v) for k, v in runs.items()]


def diagnose(
    script: Script, image: ImageFacts, *, data: bytes | None = None, mode: str | None = None
) -> Diagnosis:
    """Every problem of one script, for every way the build runs it (merged by code)."""
    body = script.data if data is None else data[:HEADER_BYTES]
    git_mode = script.git_mode if mode is None else mode
    truncated = script.truncated if data is None else len(data) > HEADER_BYTES
    diag = Diagnosis(script)
    by_code: dict[str, Hit] = {}
    for run_as, chmodded, uses in _runs(script):
        report = analyze(
            body,
            run_as=run_as,
            git_mode=None if chmodded else git_mode,
            truncated=truncated,
            name=_name(script.path),
        )
        diag.reports.append(report)
        diag.interpreter = diag.interpreter or report.interpreter or shebang_program(body)
        problems = list(report.problems)
        if run_as in (RunAs.DIRECT, RunAs.EXEC, RunAs.UNKNOWN) and report.interpreter:
            problems += _interpreter_missing(report.interpreter, image, script)
        for problem in problems:
            if problem.code == "crlf" and script.checkout_made_crlf and data is None:
                continue  # git's conversion made it: line-endings owns that cause
            hit = by_code.get(problem.code)
            if hit is None:
                by_code[problem.code] = Hit(problem, list(uses))
                continue
            hit.uses.extend(u for u in uses if u not in hit.uses)
            seen = [(p.line, p.shellcheck) for p in (hit.problem, *hit.more)]
            if (problem.line, problem.shellcheck) not in seen:
                hit.more.append(problem)
    diag.problems = list(by_code.values())
    return diag


def _interpreter_missing(program: str, image: ImageFacts, script: Script) -> list[Problem]:
    if not image.lacks(program):
        return []
    runtime = (
        f"`{_name(script.path)}: cannot execute: required file not found` (bash 5.2), "
        f"`/usr/bin/env: '{program}': No such file or directory` with env (exit 127)"
    )
    why = (
        f"The image ({image.image}, {image.source}) has no `{program}`, and nothing the "
        "course installs adds it."
    )
    summary = f"its #! line asks for `{program}`, which the image does not have"
    return [Problem("interpreter-missing", 1, summary, runtime, why, "")]


def status_of(problem: Problem, diag: Diagnosis, uses: list[Use] | None = None) -> Status:
    """Fail when the run breaks; warn when /bin/sh runs it anyway; one step less if not run."""
    exec_form = any(u.run_as is RunAs.EXEC for u in uses or ())
    if problem.code in FAILS or (exec_form and problem.code in PLACEMENT):
        status = Status.FAIL
    elif problem.code in PLACEMENT and diag.interpreter not in POSIX_SHELLS | {None}:
        status = Status.FAIL  # python or node code read by /bin/sh
    else:
        status = Status.WARN
    if not diag.script.run_by_build:
        status = Status.WARN if status is Status.FAIL else Status.INFO
    return status


# ------------------------------------------------------------------------- repair


def repaired(original: bytes, diag: Diagnosis) -> bytes:
    """repair()'s bytes; a #!/bin/sh script in bash gets bash when its #! line is what counts."""
    uses = diag.script.uses
    by_shebang = not uses or any(u.run_as in (RunAs.DIRECT, RunAs.EXEC) for u in uses)
    return repair(original, want_bash=diag.uses_bash or None, run_directly=by_shebang)


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
        diags = [d for d in (diagnose(s, image) for s in found.scripts) if d.problems]
        fix, fixed, carrier = self._plan(host, found, diags, image)
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

    # -- the fix --------------------------------------------------------------------------------

    def _plan(
        self, host: Host, found: Scripts, diags: list[Diagnosis], image: ImageFacts
    ) -> tuple[Fix | None, set[tuple[str, str]], tuple[str, str] | None]:
        """One fix for every script (the engine applies it once), and which finding carries it."""
        staff = host.options.course
        changes: list[WriteFile | SetMode | RunCommand] = []
        fixed: set[tuple[str, str]] = set()
        left: set[str] = set()
        kinds: set[str] = set()
        for diag in diags:
            codes = {h.code for h in diag.problems}
            script = diag.script
            if not staff and codes == {"crlf"} and script.checkout_made_crlf:
                left |= codes  # line-endings' fix makes the checkout LF and keeps git clean
                continue
            planned = _plan_one(host, found.repo, diag, image)
            if planned is None:
                left |= codes
                continue
            script_changes, remaining = planned
            changes += script_changes
            left |= remaining
            for code in codes - remaining:
                fixed.add((script.path, code))
                kinds.add(code)
        if not changes:
            return None, fixed, None
        order = [(d.script.path, h.code) for d in diags for h in d.problems]
        clean = [k for k in order if k in fixed and k[1] not in left]
        carrier = clean[0] if clean else next(k for k in order if k in fixed)
        paths = sorted({path for path, _ in fixed})
        fix = Fix(
            id=self.id,
            title=f"repair {len(paths)} script(s): {_kinds(kinds)}",
            changes=tuple(changes),
            scope=Scope.COURSE,
            manual_steps=(
                (f"Commit the repaired scripts: git add -- {' '.join(paths)} && git commit",)
                if staff
                else (
                    "These are the course's files: before your next `git pull`, run "
                    f"`git stash` (or `git checkout -- {' '.join(paths)}`) so it does not "
                    "conflict.",
                )
            ),
        )
        return fix, fixed, carrier


def _kinds(codes: set[str]) -> str:
    words = []
    if "crlf" in codes:
        words.append("LF line endings")
    if "bom" in codes:
        words.append("no BOM")
    if codes & (PLACEMENT | {"env-with-args", "bashism-under-sh"}):
        words.append("a working #! line")
    if "not-executable" in codes:
        words.append("the exec bit in git")
    return ", ".join(words) or "normalised"


def _plan_one(
    host: Host, repo: Path, diag: Diagnosis, image: ImageFacts
) -> tuple[list[WriteFile | SetMode | RunCommand], set[str]] | None:
    """The changes for one script and the problem codes they leave; None when it cannot be fixed."""
    script = diag.script
    if script.target is None:
        return None  # a link out of the repository: not the course's file to edit
    try:
        original, truncated = host.read_bytes(script.full, limit=FIX_LIMIT)
        mode = stat.S_IMODE(host.stat(script.full).st_mode)
    except OSError:
        return None
    if truncated:
        return None
    codes = {h.code for h in diag.problems}
    new = repaired(original, diag)
    needs_exec = "not-executable" in codes and bool(script.git_sha)
    after = diagnose(script, image, data=new, mode="100755" if needs_exec else None)
    remaining = {h.code for h in after.problems}
    if remaining >= codes:
        return None
    changes: list[WriteFile | SetMode | RunCommand] = []
    if new != original:
        changes.append(WriteFile(path=str(script.full), old=original, new=new))
    if needs_exec:
        if not mode & 0o100:
            changes.append(
                SetMode(path=str(script.full), old_mode=mode, new_mode=mode | (mode & 0o444) >> 2)
            )
        changes.append(_exec_bit(repo, script))
    return changes, remaining


def _exec_bit(repo: Path, script: Script) -> RunCommand:
    """Set the mode in git's index only: `--cacheinfo` keeps the staged blob as it is, where
    `update-index --chmod=+x PATH` would also stage the file's current content."""
    git = ("git", "-C", str(repo), "update-index", "--cacheinfo")
    blob, path = script.git_sha, script.target
    return RunCommand(
        argv=(*git, f"100755,{blob},{path}"),
        why=f"record the exec bit in git (git update-index --chmod=+x {path}), so every clone "
        "gets it",
        undo_argv=(*git, f"{script.git_mode},{blob},{path}"),
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


__all__ = [
    "Diagnosis",
    "ImageFacts",
    "ScriptShebangs",
    "diagnose",
    "repaired",
]
