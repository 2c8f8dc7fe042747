"""What breaks each script the build runs, merged over every way it is run, and how badly.

script-shebangs reads a script once for each way the lifecycle commands run it (directly,
with sh, sourced...), merges the problems by code, adds what the image lacks (an interpreter
the #! line names), and grades each problem: fail when the run breaks, warn when /bin/sh runs
it anyway. Separate from script_shebangs.py, which words the findings, and from shell.py,
which judges one script for one way of running it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from devdoctor import Host, Status
from devdoctor.checks.image import dockerfile_text, final_image

from .configs import DevcontainerConfig
from .scripts import Script, Use
from .shebang import shebang_program
from .shell import HEADER_BYTES, Problem, RunAs, ScriptReport, analyze
from .variant import chosen_config

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

    def without_reports(self) -> Diagnosis:
        """What the findings need once the fix is planned: each report holds the script's text,
        which thousands of diagnosed scripts would otherwise keep for the whole run."""
        return Diagnosis(self.script, self.problems, self.interpreter)


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
    script: Script,
    image: ImageFacts,
    data: bytes,
    *,
    truncated: bool = False,
    mode: str | None = None,
    checkout: bool = True,
) -> Diagnosis:
    """Every problem of one script, for every way the build runs it (merged by code).

    `data` is the checkout's first bytes (`truncated`: the file has more), or, with
    `checkout=False`, the whole file a repair would write, judged with git's `mode` after it."""
    body = data[:HEADER_BYTES]
    git_mode = script.git_mode if mode is None else mode
    truncated = truncated or len(data) > HEADER_BYTES
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
            if problem.code == "crlf" and script.checkout_made_crlf and checkout:
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
