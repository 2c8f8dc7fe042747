"""line-endings' fixes: a student's checkout made LF, or the course's .gitattributes extended.

A student's fix sets core.autocrlf=input for the one repository and writes the scripts back
with the repository's LF bytes, so git sees no change; staff add lines to .gitattributes that
keep the scripts LF on every clone. Separate from line_endings.py, which decides which fix a
finding carries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from devdoctor import Fix, Host, RunCommand, Scope, WriteFile

from .git_eol import GitTool, Settings
from .scripts import FIX_LIMIT, Script

HEADER = b"# Scripts run in Linux containers: keep them LF on every checkout (added by devdoctor)"


def student_fix(
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


def gitattributes_fix(
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


def blob_id(data: bytes, like: str) -> str:
    """The id git gives a blob with these bytes (SHA-1, or SHA-256 in such a repository)."""
    header = b"blob %d\0" % len(data)
    algo = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return algo(header + data).hexdigest()
