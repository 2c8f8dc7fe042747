"""The data every part of devdoctor shares: statuses, findings, fixes and the Check shape.

Checks return this data and never print, so one run can be shown as a table, as JSON or as a
forum report, and a fix can be previewed before anything changes.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from .lazy import LazyPattern

if TYPE_CHECKING:
    from .changes import Change
    from .host import Host, Platform


class Status(str, enum.Enum):
    """How bad a finding is. `error` means devdoctor itself broke, never the user's machine."""

    OK = "ok"
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Order for "the worst of": skip < ok < info < warn < fail < error."""
        return _RANK[self]


_RANK = {
    Status.SKIP: 0,
    Status.OK: 1,
    Status.INFO: 2,
    Status.WARN: 3,
    Status.FAIL: 4,
    Status.ERROR: 5,
}


class Scope(str, enum.Enum):
    """Whose problem it is: the student's machine, or the course repository (fixed by staff)."""

    HOST = "host"
    COURSE = "course"


def worst(statuses: Iterable[Status]) -> Status:
    """The worst status, or ok when there is none."""
    return max(statuses, key=lambda s: s.rank, default=Status.OK)


@dataclass(frozen=True, kw_only=True)
class Fix:
    """A repair planned by a check while it looked, so the plan and the finding never disagree.

    `changes` are applied in order by the fix engine, each backed up first. `manual_steps` are
    what the user must still do afterwards (or instead, by hand). `offer` is a command offered
    once the fix is applied, with its own question (`wsl --shutdown` on Windows).
    """

    id: str
    title: str
    changes: tuple[Change, ...] = ()
    destructive: bool = False
    needs_restart: bool = False
    scope: Scope = Scope.HOST
    manual_steps: tuple[str, ...] = ()
    offer: tuple[str, ...] = ()
    offer_question: str = ""

    def to_json(self) -> dict[str, object]:
        """The fix as the JSON contract shows it."""
        return {
            "id": self.id,
            "title": self.title,
            "destructive": self.destructive,
            "needs_restart": self.needs_restart,
            "scope": self.scope.value,
            "changes": [change.describe() for change in self.changes],
            "manual_steps": list(self.manual_steps),
        }


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One thing a check saw, with the evidence that says how we know."""

    status: Status
    code: str
    summary: str
    subject: str = ""
    detail: str = ""
    evidence: tuple[tuple[str, str], ...] = ()
    fix: Fix | None = None
    path: str = ""
    """Where the cause is, when it is a file (relative to the course repository if inside it),
    for CI annotations and editors; `line` is its 1-based line when known."""
    line: int | None = None

    @property
    def slug(self) -> str:
        """The part of the code after the check id."""
        return self.code.partition("/")[2]

    def to_json(self) -> dict[str, object]:
        """The finding as the JSON contract shows it."""
        return {
            "status": self.status.value,
            "code": self.code,
            "summary": self.summary,
            "subject": self.subject,
            "detail": self.detail,
            "evidence": dict(self.evidence),
            "fix": self.fix.to_json() if self.fix else None,
            "location": {"path": self.path, "line": self.line} if self.path else None,
        }


def evidence(**pairs: object) -> tuple[tuple[str, str], ...]:
    """Evidence pairs in the order given, with `found_x` written as "found x"."""
    return tuple((key.replace("_", " "), str(value)) for key, value in pairs.items())


_WHERE = {
    "linux": "on Linux",
    "wsl": "inside WSL",
    "macos": "on macOS",
    "windows": "on Windows",
    "container": "inside a container",
}
_NAME = {
    "linux": "Linux",
    "wsl": "WSL",
    "macos": "macOS",
    "windows": "Windows",
    "container": "a container",
}

CHECK_ID = LazyPattern(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class Check:
    """Base of every check: a stable id, a title, where it applies, and `run` that returns findings.

    Subclasses set the class attributes and implement `run`; `skip_reason` returns a reason
    string when the check does not apply here (shown as `skip`), else None.
    """

    id: ClassVar[str]
    title: ClassVar[str]
    scope: ClassVar[Scope] = Scope.HOST
    needs: ClassVar[tuple[str, ...]] = ()
    fix_description: ClassVar[str] = ""
    explanation: ClassVar[str] = ""
    timeout: ClassVar[float] = 10.0
    platforms: ClassVar[tuple[Platform, ...]] = ()
    """The platforms it runs on; empty: every platform its scope allows."""
    needs_repository: ClassVar[bool] = False
    """It has nothing to look at without a course repository: skipped, and not even imported
    (its readers cost start-up time), when there is none."""

    def skip_reason(self, host: Host) -> str | None:
        """Why the check does not apply here (shown as `skip`), or None when it does.

        Where it runs at all is declared in `platforms`; this says what else must be there
        (a course repository, an engine that answers, a GPU the course asks for).
        """
        return None

    def platform_reason(self, host: Host) -> str | None:
        """Why this platform is not one the check runs on (its declared `platforms`), or None."""
        if not self.platforms or host.platform in self.platforms:
            return None
        where = " or ".join(_WHERE[p.value] for p in self.platforms)
        return f"applies only {where}; this is {_NAME[host.platform.value]}"

    def run(self, host: Host) -> Iterable[Finding]:
        """Look, and say what was found."""
        raise NotImplementedError

    def finding(
        self,
        status: Status,
        slug: str,
        summary: str,
        *,
        subject: str = "",
        detail: str = "",
        evidence: tuple[tuple[str, str], ...] = (),
        fix: Fix | None = None,
        path: str = "",
        line: int | None = None,
    ) -> Finding:
        """A finding whose code is `<check id>/<slug>`; a misspelt field is a type error."""
        return Finding(
            status=status,
            code=f"{self.id}/{slug}",
            summary=summary,
            subject=subject,
            detail=detail,
            evidence=evidence,
            fix=fix,
            path=path,
            line=line,
        )


@dataclass(frozen=True, kw_only=True)
class Result:
    """What one check came to: its findings, or why it was skipped, and how long it took."""

    id: str
    title: str
    scope: Scope
    findings: tuple[Finding, ...] = ()
    skip_reason: str | None = None
    error: str | None = None
    traceback: str | None = None
    duration_ms: float = 0.0
    origin: str = "builtin"

    @property
    def status(self) -> Status:
        """The worst of the findings; skip and error stand alone."""
        if self.error is not None:
            return Status.ERROR
        if self.skip_reason is not None:
            return Status.SKIP
        return worst(f.status for f in self.findings)

    @property
    def summary(self) -> str:
        """The line shown beside the check: the worst finding's summary."""
        if self.error is not None:
            return f"devdoctor broke in this check: {self.error}"
        if self.skip_reason is not None:
            return self.skip_reason
        worst_findings = [f for f in self.findings if f.status == self.status]
        return worst_findings[0].summary if worst_findings else "nothing to report"

    def to_json(self) -> dict[str, object]:
        """The result as the JSON contract shows it."""
        return {
            "id": self.id,
            "title": self.title,
            "scope": self.scope.value,
            "status": self.status.value,
            "summary": self.summary,
            "reason": self.skip_reason or self.error,
            "findings": [f.to_json() for f in self.findings],
            "duration_ms": round(self.duration_ms, 1),
        }


@dataclass(frozen=True)
class Run:
    """Every result of one `devdoctor check`, in the order the checks are listed."""

    results: tuple[Result, ...]
    facts: Mapping[str, object] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many results have each status."""
        counts = {status.value: 0 for status in Status}
        for result in self.results:
            counts[result.status.value] += 1
        return counts

    @property
    def status(self) -> Status:
        """The worst result."""
        return worst(r.status for r in self.results)
