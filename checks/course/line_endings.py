"""line-endings: CRLF in the course's scripts, and the git setting that put it there.

Git for Windows' installer sets core.autocrlf=true, so a clone made on C: (by git.exe, also
when the student later works in WSL) has CRLF scripts that no Linux container can run. The
evidence is the bytes in the checkout; the cause is read from the git that made it: its
core.autocrlf and core.eol at each level, and whether the course's .gitattributes keeps the
scripts LF. A student can make the checkout LF without any change git would see; staff make
it impossible for everyone with .gitattributes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial

from devdoctor import Check, Finding, Host, Scope, Status

from .eol_fix import gitattributes_fix, student_fix
from .git_eol import GitTool, Settings, check_attr, checkout_git, converts, protected, read_settings
from .scripts import Script, Scripts, course_scripts
from .shell import analyze
from .variant import without_configuration


def has_crlf(host: Host, found: Scripts, script: Script) -> bool:
    """CR line endings as the analyzer counts them (not a CR inside a heredoc's text); only a
    script with a CR is read again."""
    head = found.head(host, script) if script.has_cr else None
    if head is None:
        return False
    report = analyze(head[0], truncated=head[1])
    return any(p.code == "crlf" for p in report.problems)


def committed_crlf(script: Script) -> bool:
    """The repository itself stores the script with CR (`git ls-files --eol` says i/crlf)."""
    return any(part in ("i/crlf", "i/mixed") for part in script.eol.split())


class LineEndings(Check):
    """Windows line endings (CRLF) in the scripts the build runs, and where they come from.

    A script with CRLF fails in a Linux container (`/bin/bash^M: bad interpreter`,
    `$'\\r': command not found`). They nearly always come from git: Git for Windows' installer
    sets core.autocrlf=true, which writes CRLF into every text file it checks out. devdoctor
    reads the bytes of each tracked script, then the core.autocrlf and core.eol of the git
    that made the checkout (git.exe for a checkout on C:), and the course's .gitattributes.

    By hand, as a student: `git config core.autocrlf input`, then check the scripts out
    again: `rm -- FILES && git checkout -- FILES` (this drops your own edits to them; `devdoctor
    fix line-endings` keeps them, and a backup). As staff: add `*.sh text eol=lf` to
    .gitattributes, then `git add --renormalize .` and commit.
    """

    id = "line-endings"
    needs_repository = True
    title = "line endings of the scripts"
    scope = Scope.COURSE
    timeout = 20.0
    fix_description = (
        "core.autocrlf=input for this checkout and the scripts rewritten LF, as the repository "
        "has them (git stays clean); staff, with --course: .gitattributes keeping scripts LF"
    )

    def skip_reason(self, host: Host) -> str | None:
        return without_configuration(host)

    def run(self, host: Host) -> Iterator[Finding]:
        found = course_scripts(host)
        if found is None:
            return
        tracked = [s for s in found.scripts if s.git_mode and s.target]
        if not found.in_git:
            yield self._not_git()
            return
        tool = checkout_git(host, found.repo)
        settings = read_settings(host, tool)
        # Only the scripts the build runs are judged: asking git about every tracked script
        # would hold thousands of answers nobody reads.
        attrs = check_attr(host, tool, [s.target or s.path for s in tracked if s.run_by_build])
        if not tool.complete or settings.problem:
            yield self._unknown(tool, settings)
        yield from self._judge(host, found, tool, settings, attrs, tracked)

    def _not_git(self) -> Finding:
        """CRLF bytes themselves are script-shebangs' to report; without git nothing converts."""
        return self.finding(
            Status.INFO,
            "not-git",
            "not a git repository: git's line-ending settings do not apply",
        )

    def _unknown(self, tool: GitTool, settings: Settings) -> Finding:
        return self.finding(
            Status.INFO,
            "git-unknown",
            f"cannot read every line-ending setting of {tool.label}",
            detail=f"{tool.why}." + (f" git said: {settings.problem}" if settings.problem else ""),
        )

    def _judge(
        self,
        host: Host,
        found: Scripts,
        tool: GitTool,
        settings: Settings,
        attrs: dict[str, dict[str, str]],
        tracked: list[Script],
    ) -> Iterator[Finding]:
        crlf = partial(has_crlf, host, found)
        look = _Look(host.options.course, tool, settings, attrs, tracked, crlf)
        if look.checkout:
            yield self._crlf_checkout(host, look)
        if look.staff and look.unprotected:
            yield self.finding(
                Status.WARN,
                "unprotected",
                f".gitattributes does not keep {len(look.unprotected)} script(s) LF: a Windows "
                "student's clone turns them CRLF",
                subject=_names(look.unprotected),
                detail="Git for Windows' installer sets core.autocrlf=true, which writes CRLF "
                "into every text file a clone checks out, unless .gitattributes says "
                "`eol=lf`. `devdoctor fix line-endings --course` adds `*.sh text eol=lf` (and "
                "the scripts without an extension).",
                evidence=look.facts,
                fix=gitattributes_fix(host, self.id, found.repo, look.unprotected),
            )
        elif not look.staff and not look.checkout and look.at_risk:
            yield self.finding(
                Status.WARN,
                "will-convert",
                f"{tool.label} here writes CRLF when it checks scripts out "
                f"(core.autocrlf={settings.autocrlf}): the next `git pull` that changes one "
                "breaks it",
                subject=_names(look.at_risk),
                detail=_cause(look.at_risk, settings, attrs, tool)
                + "\n`devdoctor fix line-endings` sets core.autocrlf=input for this repository "
                "only.",
                evidence=look.facts,
                fix=student_fix(host, self.id, tool, settings, [], attrs),
            )
        elif not look.checkout:
            yield self.finding(
                Status.OK,
                "ok",
                f"git checks the {len(tracked)} tracked script(s) out as the repository has them "
                "(no CRLF conversion)",
                evidence=look.facts,
            )

    def _crlf_checkout(self, host: Host, look: _Look) -> Finding:
        scripts = look.checkout
        fix = None
        if not look.staff:
            fix = student_fix(host, self.id, look.tool, look.settings, scripts, look.attrs)
        return self.finding(
            Status.FAIL,
            "crlf-checkout",
            f"{len(scripts)} script(s) have CRLF line endings in this checkout, but LF in "
            f"the repository: {_names(scripts)}",
            subject=_names(scripts),
            detail=_cause(scripts, look.settings, look.attrs, look.tool)
            + "\n"
            + _checkout_advice(look.staff),
            evidence=look.facts,
            fix=fix,
        )

class _Look:
    """The tracked scripts sorted by what git does with them here."""

    def __init__(
        self,
        staff: bool,
        tool: GitTool,
        settings: Settings,
        attrs: dict[str, dict[str, str]],
        tracked: list[Script],
        has_crlf: Callable[[Script], bool],
    ) -> None:
        self.staff = staff
        self.tool = tool
        self.settings = settings
        self.attrs = attrs
        run = [s for s in tracked if s.run_by_build]  # a script nothing runs breaks nothing
        crlf = [s for s in run if has_crlf(s)]
        # CRLF the repository itself stores is the script's encoding: script-shebangs' cause.
        self.checkout = [s for s in crlf if not committed_crlf(s)]
        attr = [attrs.get(s.target or "", {}) for s in run]
        self.unprotected = [s for s, a in zip(run, attr, strict=True) if not protected(a)]
        self.at_risk = [s for s, a in zip(run, attr, strict=True) if converts(a, settings)]
        self.facts = _facts(tool, settings, run, self.unprotected)


def _names(scripts: Sequence[Script], most: int = 5) -> str:
    names = [s.path for s in scripts]
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _facts(
    tool: GitTool, settings: Settings, tracked: list[Script], unprotected: list[Script]
) -> tuple[tuple[str, str], ...]:
    kept = len(tracked) - len(unprotected)
    return (
        ("git", f"{tool.label} ({tool.why})"),
        ("core.autocrlf", settings.shown("core.autocrlf")),
        ("core.eol", settings.shown("core.eol")),
        (".gitattributes", f"keeps {kept} of the {len(tracked)} script(s) the build runs LF"),
    )


def _cause(
    scripts: list[Script], settings: Settings, attrs: dict[str, dict[str, str]], tool: GitTool
) -> str:
    """Why git writes CRLF here, in words."""
    asked = [s.path for s in scripts if attrs.get(s.target or "", {}).get("eol") == "crlf"]
    if asked:
        return (
            f"The course's .gitattributes asks for CRLF (eol=crlf) for {', '.join(asked)}: "
            "every clone gets CRLF. This is the course's to fix."
        )
    if settings.autocrlf == "true":
        origin = settings.all("core.autocrlf")[-1]
        place = origin.origin.removeprefix("file:")
        by_installer = origin.scope == "system" and tool.argv[0] == "git.exe"
        windows = ", where Git for Windows' installer puts it" if by_installer else ""
        return (
            f"{tool.label} has core.autocrlf=true in its {origin.scope} settings ({place}"
            f"{windows}): it converts "
            "LF to CRLF in every text file it checks out, and the course's .gitattributes "
            "does not stop it for these scripts."
        )
    if settings.effective("core.eol") == "crlf":
        return "core.eol=crlf makes git write CRLF into the files .gitattributes marks as text."
    return (
        f"{tool.label}'s settings do not convert line endings now, so something else wrote "
        "CRLF: a checkout made before a setting changed, git.exe on the Windows side, GitHub "
        "Desktop, or an editor that saved them with CRLF."
    )


def _checkout_advice(staff: bool) -> str:
    if staff:
        return (
            "Course staff: `devdoctor fix line-endings --course` adds .gitattributes so every "
            "clone keeps them LF; `devdoctor fix script-shebangs --course` rewrites your copies."
        )
    return (
        "`devdoctor fix line-endings` sets core.autocrlf=input for this repository and rewrites "
        "the scripts with the repository's LF bytes: git sees no change, and `devdoctor undo` "
        "puts the old bytes back. The course can stop this for everyone with .gitattributes "
        "(the report flags it)."
    )


__all__ = ["LineEndings"]
