"""line-endings: CRLF in the course's scripts, and the git setting that put it there.

Git for Windows' installer sets core.autocrlf=true, so a clone made on C: (by git.exe, also
when the student later works in WSL) has CRLF scripts that no Linux container can run. The
evidence is the bytes in the checkout; the cause is read from the git that made it: its
core.autocrlf and core.eol at each level, and whether the course's .gitattributes keeps the
scripts LF. A student can make the checkout LF without any change git would see; staff make
it impossible for everyone with .gitattributes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from devdoctor import Check, Finding, Fix, Host, RunCommand, Scope, Status, WriteFile
from devdoctor.repo import on_windows_drive

from .scripts import FIX_LIMIT, Script, Scripts, course_scripts
from .shell import analyze
from .variant import without_configuration

TRUE = frozenset({"true", "yes", "on", "1"})
HEADER = b"# Scripts run in Linux containers: keep them LF on every checkout (added by devdoctor)"


@dataclass(frozen=True)
class GitTool:
    """The git that made (and updates) the checkout, and how to run it there."""

    argv: tuple[str, ...]
    cwd: str | None
    label: str
    why: str
    complete: bool  # False: its system and global settings cannot be read from here


@dataclass(frozen=True)
class Setting:
    """One core.autocrlf / core.eol line of `git config --show-scope --show-origin`."""

    scope: str
    origin: str
    key: str
    value: str

    def __str__(self) -> str:
        return f"{self.value} ({self.scope}: {self.origin.removeprefix('file:')})"


@dataclass(frozen=True)
class Settings:
    """What the checkout's git reads, lowest level first (the last one wins)."""

    values: tuple[Setting, ...]
    problem: str | None = None

    def all(self, key: str) -> list[Setting]:
        return [s for s in self.values if s.key == key]

    def effective(self, key: str) -> str | None:
        found = self.all(key)
        return found[-1].value.lower() if found else None

    @property
    def autocrlf(self) -> str:
        """ "true", "input" or "false", as git reads the last value."""
        value = self.effective("core.autocrlf")
        if value is None:
            return "false"
        return "true" if value in TRUE else "input" if value == "input" else "false"

    def local(self, key: str) -> str | None:
        found = [s for s in self.all(key) if s.scope == "local"]
        return found[-1].value if found else None

    def shown(self, key: str) -> str:
        found = self.all(key)
        return "; ".join(str(s) for s in found) if found else "not set"


def checkout_git(host: Host, repo: Path) -> GitTool:
    """git.exe for a checkout on the Windows drive seen from WSL, else this computer's git."""
    local = GitTool(("git", "-C", str(repo)), None, "git", "the git on this computer", True)
    if not on_windows_drive(host, repo):
        return local
    if host.which("git.exe"):
        return GitTool(
            ("git.exe",),
            str(repo),
            "git.exe (Git for Windows)",
            "the checkout is on the Windows drive, where Git for Windows makes and updates it",
            True,
        )
    return GitTool(
        local.argv,
        None,
        "git in WSL (git.exe is not on PATH)",
        "the checkout is on the Windows drive, so Git for Windows probably made it, but "
        "git.exe is not on PATH here (WSL interop off?), so its own settings are unknown",
        False,
    )


def read_settings(host: Host, tool: GitTool) -> Settings:
    """core.autocrlf and core.eol at every level, with the file each comes from."""
    done = host.run(
        [
            *tool.argv,
            "config",
            "--show-scope",
            "--show-origin",
            "--get-regexp",
            r"^core\.(autocrlf|eol)$",
        ],
        cwd=tool.cwd,
        timeout=10,
    )
    if done.rc == 1 and not done.out.strip():
        return Settings(())  # nothing set anywhere
    if not done.ok:
        lines = done.err.strip().splitlines()
        return Settings((), lines[-1] if lines else done.describe())
    values = []
    for line in done.out.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        key, _, value = parts[2].partition(" ")
        setting = Setting(parts[0], parts[1], key.lower(), value.strip())
        if tool.complete or setting.scope in ("local", "worktree"):
            values.append(setting)
    return Settings(tuple(values))


def check_attr(host: Host, tool: GitTool, paths: Sequence[str]) -> dict[str, dict[str, str]]:
    """The text and eol attributes of each path (from .gitattributes and the git's own files)."""
    if not paths:
        return {}
    done = host.run(
        [*tool.argv, "check-attr", "-z", "--stdin", "text", "eol"],
        cwd=tool.cwd,
        input="\0".join(paths).encode() + b"\0",
        timeout=10,
    )
    attrs: dict[str, dict[str, str]] = {p: {} for p in paths}
    if not done.ok:
        return attrs
    fields = done.out_bytes.split(b"\0")
    for i in range(0, len(fields) - 2, 3):
        path, name, value = (f.decode("utf-8", "surrogateescape") for f in fields[i : i + 3])
        attrs.setdefault(path, {})[name] = value
    return attrs


def protected(attr: dict[str, str]) -> bool:
    """Whether .gitattributes makes git keep the repository's bytes, or LF, on checkout."""
    text, eol = attr.get("text", "unspecified"), attr.get("eol", "unspecified")
    return text == "unset" or (eol == "lf" and text != "unset")


def converts(attr: dict[str, str], settings: Settings) -> bool:
    """Whether this git writes the file with CRLF when it checks it out."""
    text, eol = attr.get("text", "unspecified"), attr.get("eol", "unspecified")
    if text == "unset" or eol == "lf":
        return False
    if eol == "crlf" or settings.autocrlf == "true":
        return True
    core_eol = settings.effective("core.eol")
    return settings.autocrlf == "false" and core_eol == "crlf" and text in ("set", "auto")


def has_crlf(script: Script) -> bool:
    """CR line endings as the analyzer counts them (not a CR inside a heredoc's text)."""
    if b"\r" not in script.data:
        return False
    report = analyze(script.data, truncated=script.truncated)
    return any(p.code == "crlf" for p in report.problems)


def committed_crlf(script: Script) -> bool:
    """The repository itself stores the script with CR (`git ls-files --eol` says i/crlf)."""
    return any(part in ("i/crlf", "i/mixed") for part in script.eol.split())


def blob_id(data: bytes, like: str) -> str:
    """The id git gives a blob with these bytes (SHA-1, or SHA-256 in such a repository)."""
    header = b"blob %d\0" % len(data)
    algo = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return algo(header + data).hexdigest()


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
        attrs = check_attr(host, tool, [s.target or s.path for s in tracked])
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
        look = _Look(host.options.course, tool, settings, attrs, tracked)
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
                fix=_gitattributes_fix(host, self.id, found.repo, look.unprotected),
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
                fix=_student_fix(host, self.id, tool, settings, [], attrs),
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
            fix = _student_fix(host, self.id, look.tool, look.settings, scripts, look.attrs)
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


def _student_fix(
    host: Host,
    check_id: str,
    tool: GitTool,
    settings: Settings,
    scripts: list[Script],
    attrs: dict[str, dict[str, str]],
) -> Fix | None:
    """core.autocrlf=input for this repository, then the scripts' LF bytes back in the tree."""
    if any(attrs.get(s.target or "", {}).get("eol") == "crlf" for s in scripts):
        return None  # .gitattributes would put CRLF back: the course must change it
    changes: list[RunCommand | WriteFile] = []
    old = settings.local("core.autocrlf")
    if old != "input":
        undo = ("config", "core.autocrlf", old) if old else ("config", "--unset", "core.autocrlf")
        changes.append(
            RunCommand(
                argv=(*tool.argv, "config", "core.autocrlf", "input"),
                why="this repository only: check files out as the repository has them (LF)",
                cwd=tool.cwd,
                undo_argv=(*tool.argv, *undo),
            )
        )
    rewrites: list[WriteFile] = []
    same: list[str] = []  # LF equals the repository's blob: git can check them out again
    for script in scripts:
        try:
            data, truncated = host.read_bytes(script.full, limit=FIX_LIMIT)
        except OSError:
            continue
        if truncated:
            continue
        new = data.replace(b"\r\n", b"\n")
        rewrites.append(WriteFile(path=str(script.full), old=data, new=new))
        if script.git_sha and blob_id(new, script.git_sha) == script.git_sha:
            same.append(script.target or script.path)
    if same:
        # Undo runs backwards: once the CRLF bytes are back, `git add` (the same blob, as
        # core.autocrlf=input still holds then) refreshes the index, so git stays clean.
        changes.append(
            RunCommand(
                argv=(*tool.argv, "update-index", "-q", "--refresh"),
                why="note what git knows about the files before they change",
                cwd=tool.cwd,
                undo_argv=(*tool.argv, "add", "--", *same),
            )
        )
    changes += rewrites
    if same:
        changes.append(
            RunCommand(
                argv=(*tool.argv, "checkout-index", "-u", "-f", "--", *same),
                why="check them out again, so that git's index knows they match the repository",
                cwd=tool.cwd,
            )
        )
    if not changes:
        return None
    rewritten, edited = len(rewrites), len(rewrites) - len(same)
    title = "set core.autocrlf=input for this repository"
    if rewritten:
        title += f" and rewrite {rewritten} script(s) with LF, as the repository has them"
    if edited:
        title += f" ({edited} keep your own edits, which git shows as changes)"
    return Fix(id=check_id, title=title, changes=tuple(changes), scope=Scope.HOST)


def _gitattributes_fix(
    host: Host, check_id: str, repo: Path, unprotected: list[Script]
) -> Fix | None:
    """Staff: .gitattributes lines that keep the scripts LF on every clone.

    CRLF already in the staff's own copies is script-shebangs' to rewrite: two fixes writing
    the same file would refuse each other."""
    path = repo / ".gitattributes"
    old: bytes | None
    try:
        old, truncated = host.read_bytes(path)
    except FileNotFoundError:
        old, truncated = None, False
    except OSError:
        return None
    if truncated:
        return None  # over 1 MiB: not a .gitattributes to rewrite
    lines = gitattributes_lines([s.target or s.path for s in unprotected])
    if not lines:
        return None
    new = extend_gitattributes(old, lines)
    return Fix(
        id=check_id,
        title="keep the scripts LF in .gitattributes: " + ", ".join(ln.decode() for ln in lines),
        changes=(WriteFile(path=str(path), old=old, new=new),),
        scope=Scope.COURSE,
        manual_steps=(
            "Commit it: git add .gitattributes && git add --renormalize . && "
            "git commit -m 'Keep scripts LF'",
        ),
    )


def gitattributes_lines(paths: Sequence[str]) -> list[bytes]:
    """`*.sh text eol=lf` for each script extension, an anchored line for the others."""
    lines: list[bytes] = []
    for suffix in (".sh", ".bash"):
        if any(p.endswith(suffix) for p in paths):
            lines.append(f"*{suffix} text eol=lf".encode())
    for p in sorted(paths):
        if not p.endswith((".sh", ".bash")):
            lines.append(f"{_pattern(p)} text eol=lf".encode())
    return lines


def _pattern(path: str) -> str:
    """An anchored pattern for exactly `path`: glob characters escaped, and C-style quotes
    around it when it has blanks or quotes (git splits each line on blanks)."""
    escaped = "/" + "".join("\\" + c if c in "*?[]\\" else c for c in path)
    if not any(c in path for c in ' \t"'):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def extend_gitattributes(old: bytes | None, lines: list[bytes]) -> bytes:
    """Append after what is there, in the file's own line endings (later lines win in git)."""
    newline = b"\r\n" if old and b"\r\n" in old else b"\n"
    head = b""
    if old:
        head = old if old.endswith(b"\n") else old + newline
        head += newline
    return head + newline.join([HEADER, *lines]) + newline


__all__ = [
    "GitTool",
    "LineEndings",
    "Setting",
    "Settings",
    "blob_id",
    "check_attr",
    "checkout_git",
    "converts",
    "extend_gitattributes",
    "gitattributes_lines",
    "protected",
    "read_settings",
]
