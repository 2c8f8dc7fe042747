"""build-context-size: the folder Docker sends to the engine before every image build.

An example of a course's own check (see devdoctor's README, "Adding a check"). A dataset or a
virtual environment left in the build context is sent to the engine on every rebuild: slow
on Docker Desktop, and a full disk on small laptops. A `.dockerignore` beside the context
keeps them out.
"""

from __future__ import annotations

from collections.abc import Iterator

from devdoctor import Check, Finding, Host, Scope, Status, evidence, format_size

LIMIT = 500 * 1024**2
SKIPPED_FOLDERS = {".git"}


class BuildContextSize(Check):
    """The build context (the folder of devcontainer.json unless it names another) is small.

    Docker sends the whole build context to the engine before each build. Keep datasets,
    virtual environments and outputs out of it with a `.dockerignore` file, or set
    `build.context` in devcontainer.json to a smaller folder.
    """

    id = "build-context-size"
    title = "Docker build context size"
    scope = Scope.COURSE

    def skip_reason(self, host: Host) -> str | None:
        if host.repo_root is None:
            return "no course repository here"
        return None

    def run(self, host: Host) -> Iterator[Finding]:
        assert host.repo_root is not None
        context = host.repo_root / ".devcontainer"
        if not host.is_dir(context):
            context = host.repo_root
        total = 0
        for folder, dirs, files in host.walk(context):
            dirs[:] = [d for d in dirs if d not in SKIPPED_FOLDERS]
            for name in files:
                try:
                    total += host.stat(f"{folder}/{name}", follow=False).st_size
                except OSError:
                    continue
        ignored = host.exists(f"{context}/.dockerignore")
        facts = evidence(context=str(context), size=format_size(total), dockerignore=ignored)
        if total > LIMIT and not ignored:
            yield self.finding(
                Status.WARN,
                "large",
                f"the build context holds {format_size(total)} and has no .dockerignore",
                evidence=facts,
                detail="Docker sends all of it to the engine before every build. Add a "
                ".dockerignore listing data and environment folders.",
            )
        else:
            summary = f"build context {format_size(total)}"
            yield self.finding(Status.OK, "ok", summary, evidence=facts)
