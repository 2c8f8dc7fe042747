"""script-shebangs' fix: the scripts repaired in place, and the exec bit recorded in git.

One fix repairs every script that can be repaired (the engine applies it once), checked by
diagnosing the repaired bytes again: a change that would leave the problem is not offered.
Separate from script_shebangs.py, which decides which finding carries the fix.
"""

from __future__ import annotations

import stat
from pathlib import Path

from devdoctor import Fix, Host, RunCommand, Scope, SetMode, WriteFile

from .script_diagnosis import PLACEMENT, Diagnosis, ImageFacts, diagnose
from .script_repair import repair
from .scripts import FIX_LIMIT, Script, Scripts
from .shell import RunAs


def repaired(original: bytes, diag: Diagnosis) -> bytes:
    """repair()'s bytes; a #!/bin/sh script in bash gets bash when its #! line is what counts."""
    uses = diag.script.uses
    by_shebang = not uses or any(u.run_as in (RunAs.DIRECT, RunAs.EXEC) for u in uses)
    return repair(original, want_bash=diag.uses_bash or None, run_directly=by_shebang)


class FixPlan:
    """script-shebangs' one fix, planned a script at a time while the check diagnoses them, so
    no script's bytes outlive its turn (only the changes that the engine backs up and verifies
    keep theirs)."""

    def __init__(self, host: Host, found: Scripts, image: ImageFacts) -> None:
        self.host, self.found, self.image = host, found, image
        self.changes: list[WriteFile | SetMode | RunCommand] = []
        self.fixed: set[tuple[str, str]] = set()
        self.left: set[str] = set()
        self.kinds: set[str] = set()

    def add(self, diag: Diagnosis, head: tuple[bytes, bool]) -> None:
        """Plan the repair of one diagnosed script; `head` is what the diagnosis read of it."""
        codes = {h.code for h in diag.problems}
        script = diag.script
        if not self.host.options.course and codes == {"crlf"} and script.checkout_made_crlf:
            self.left |= codes  # line-endings' fix makes the checkout LF and keeps git clean
            return
        planned = _plan_one(self.host, self.found.repo, diag, self.image, head)
        if planned is None:
            self.left |= codes
            return
        script_changes, remaining = planned
        self.changes += script_changes
        self.left |= remaining
        for code in codes - remaining:
            self.fixed.add((script.path, code))
            self.kinds.add(code)

    def finish(
        self, check_id: str, diags: list[Diagnosis]
    ) -> tuple[Fix | None, set[tuple[str, str]], tuple[str, str] | None]:
        """One fix for every script (the engine applies it once), and which finding carries it."""
        fixed, left = self.fixed, self.left
        if not self.changes:
            return None, fixed, None
        order = [(d.script.path, h.code) for d in diags for h in d.problems]
        clean = [k for k in order if k in fixed and k[1] not in left]
        carrier = clean[0] if clean else next(k for k in order if k in fixed)
        paths = sorted({path for path, _ in fixed})
        fix = Fix(
            id=check_id,
            title=f"repair {len(paths)} script(s): {_kinds(self.kinds)}",
            changes=tuple(self.changes),
            scope=Scope.COURSE,
            manual_steps=(
                (f"Commit the repaired scripts: git add -- {' '.join(paths)} && git commit",)
                if self.host.options.course
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
    host: Host, repo: Path, diag: Diagnosis, image: ImageFacts, head: tuple[bytes, bool]
) -> tuple[list[WriteFile | SetMode | RunCommand], set[str]] | None:
    """The changes for one script and the problem codes they leave; None when it cannot be
    fixed. A script the diagnosis read whole is not read again."""
    script = diag.script
    if script.target is None:
        return None  # a link out of the repository: not the course's file to edit
    full = script.full
    try:
        original, truncated = head if not head[1] else host.read_bytes(full, limit=FIX_LIMIT)
        mode = stat.S_IMODE(host.stat(full).st_mode)
    except OSError:
        return None
    if truncated:
        return None
    codes = {h.code for h in diag.problems}
    new = repaired(original, diag)
    needs_exec = "not-executable" in codes and bool(script.git_sha)
    after = diagnose(script, image, new, mode="100755" if needs_exec else None, checkout=False)
    remaining = {h.code for h in after.problems}
    if remaining >= codes:
        return None
    changes: list[WriteFile | SetMode | RunCommand] = []
    if new != original:
        changes.append(WriteFile(path=str(full), old=original, new=new))
    if needs_exec:
        if not mode & 0o100:
            changes.append(
                SetMode(path=str(full), old_mode=mode, new_mode=mode | (mode & 0o444) >> 2)
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
