"""script-shebangs' fix: the scripts repaired in place, and the exec bit recorded in git.

One fix repairs every script that can be repaired (the engine applies it once), checked by
diagnosing the repaired bytes again: a change that would leave the problem is not offered.
Separate from script_shebangs.py, which decides which finding carries the fix.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devdoctor import Change, ChangeError, Fix, Host, RunCommand, Scope, SetMode, WriteFile

from .script_diagnosis import PLACEMENT, Diagnosis, ImageFacts, diagnose
from .script_repair import repair
from .scripts import FIX_LIMIT, Script, Scripts
from .shell import RunAs


def _how(diag: Diagnosis) -> tuple[bool | None, bool]:
    """repair()'s want_bash and run_directly: a #!/bin/sh script in bash gets bash when its
    #! line is what counts."""
    uses = diag.script.uses
    by_shebang = not uses or any(u.run_as in (RunAs.DIRECT, RunAs.EXEC) for u in uses)
    return diag.uses_bash or None, by_shebang


@dataclass(frozen=True)
class RepairScript(Change):
    """A script's repair that holds no bytes until the fix runs: thousands of repairable
    scripts' bytes, before and after, would otherwise stay in memory from the check to the end
    of the run. The check keeps the SHA-256 of what it read; the fix reads the file again
    through the Host (at most FIX_LIMIT), refuses it if it changed since, and repairs it the
    same way. It then previews, backs up, applies and is undone as that WriteFile (its
    journal record is WriteFile's, so undo needs nothing new)."""

    path: str
    seen: str  # SHA-256 of the bytes the check repaired
    want_bash: bool | None
    run_directly: bool

    def describe(self) -> dict[str, object]:
        return {"kind": WriteFile.kind, "path": self.path, "creates": False}

    def preview(self, host: Host) -> str:
        try:
            return self._write(host).preview(host)
        except ChangeError as exc:
            return str(exc)

    def targets(self, host: Host) -> list[Path]:
        return WriteFile(path=self.path, old=None, new=b"").targets(host)  # bytes not needed

    def changed_since(self, host: Host) -> str | None:
        try:
            return self._write(host).changed_since(host)
        except ChangeError as exc:
            return str(exc)

    def backup(self, host: Host, folder: Path) -> dict[str, Any]:
        return self._write(host).backup(host, folder)

    def apply(self, host: Host) -> None:
        self._write(host).apply(host)

    def _write(self, host: Host) -> WriteFile:
        """The WriteFile the check planned, made again from the file (once: the backup and
        the write must hold the same bytes)."""
        made: WriteFile | None = self.__dict__.get("_made")
        if made is None:
            try:
                old, more = host.read_bytes(self.path, limit=FIX_LIMIT)
            except OSError as exc:
                raise ChangeError(f"cannot read {self.path}: {exc.strerror or exc}") from None
            if more or hashlib.sha256(old).hexdigest() != self.seen:
                raise ChangeError(f"{self.path} changed after devdoctor looked at it")
            new = repair(old, want_bash=self.want_bash, run_directly=self.run_directly)
            made = WriteFile(path=self.path, old=old, new=new)
            object.__setattr__(self, "_made", made)
        return made


RepairScript.kind = WriteFile.kind  # set here, not in the class: a journal's "write-file"
# record must keep loading WriteFile (Change registers a kind named in its class body)


class FixPlan:
    """script-shebangs' one fix, planned a script at a time while the check diagnoses them, so
    no script's bytes outlive its turn (only the changes that the engine backs up and verifies
    keep theirs)."""

    def __init__(self, host: Host, found: Scripts, image: ImageFacts) -> None:
        self.host, self.found, self.image = host, found, image
        self.changes: list[Change] = []
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
) -> tuple[list[Change], set[str]] | None:
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
    want_bash, run_directly = _how(diag)
    new = repair(original, want_bash=want_bash, run_directly=run_directly)
    needs_exec = "not-executable" in codes and bool(script.git_sha)
    after = diagnose(script, image, new, mode="100755" if needs_exec else None, checkout=False)
    remaining = {h.code for h in after.problems}
    if remaining >= codes:
        return None
    changes: list[Change] = []
    if new != original:
        seen = hashlib.sha256(original).hexdigest()
        changes.append(RepairScript(str(full), seen, want_bash, run_directly))
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
