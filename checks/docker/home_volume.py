"""home-volume: the Docker volume that keeps the container user's home, and its ~/.local.

Courses keep the home (and the Python packages pip installs into ~/.local) in a named volume,
so that a rebuild takes seconds instead of reinstalling everything. The same volume then
outlives its image: an install that was interrupted leaves it half-filled, and an image that
moved to a newer Python leaves ~/.local/lib/python3.X for the old one. Both break imports in
ways that look like the course's fault; resetting the volume (saved first) fixes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from devdoctor import Check, Finding, Fix, Host, Status
from devdoctor.repo import policy

from .api import Api
from .client import engine_error, is_engine_error
from .engine import engine
from .image_python import image_python
from .stamp import STAMP_LIMIT, StampError, parse_stamp, record_facts, stamp_differs
from .volume_choice import Chosen, choose, repo_containers, wanted_volume
from .volume_look import VolumeLook, look
from .volumes import Holder, ResetVolume, volume_names

FIRST_BUILD = "the first build installs everything again (minutes)"


class HomeVolume(Check):
    """The volume that keeps the container user's home, and the Python packages in ~/.local.

    Found from the course's policy ([volume] name), else devcontainer.json's "mounts" (a
    volume mounted at /home/USER or /root; names with ${devcontainerId} are matched against
    the engine's volumes), else the containers VS Code made for this repository. devdoctor
    reads it without running anything: from a container that is created and never started.

    Absent: the first build installs everything (minutes). Half-installed: the policy's stamp
    file, which the install script writes last, is missing while ~/.local exists: the install
    was interrupted. Stale: ~/.local/lib/python3.X does not match the image's Python, so pip's
    packages are invisible to it; or the stamp records another variant (COURSE_VARIANT) or
    other requirements (a sha256 of the requirement files) than this checkout's. All are fixed
    by resetting the volume: by hand, close VS Code's window for the container, then
    `docker rm` the stopped container and `docker volume rm NAME`; `devdoctor fix home-volume`
    saves the volume first.
    """

    id = "home-volume"
    title = "Home volume (~/.local)"
    needs = ("docker-daemon",)
    fix_description = (
        "save the volume's contents in devdoctor's state folder, then remove it and the stopped "
        "devcontainer containers that hold it (destructive; `devdoctor undo` restores it)"
    )
    timeout = 30.0

    def skip_reason(self, host: Host) -> str | None:
        if not engine(host).answers:  # docker-daemon already says why: count it once
            return "the Docker engine does not answer (see docker-daemon)"
        return None

    def run(self, host: Host) -> Iterator[Finding]:
        try:
            yield from self._look(host)
        except Exception as exc:
            if not is_engine_error(exc):
                raise
            # The engine stopped answering part-way: a finding, not "devdoctor broke".
            yield self.finding(
                Status.WARN,
                "unreadable",
                f"the Docker engine stopped answering devdoctor's questions: {engine_error(exc)}",
                detail="Run devdoctor again; if it repeats, restart Docker.",
            )

    def _look(self, host: Host) -> Iterator[Finding]:
        api = engine(host).api
        assert api is not None  # applies_to saw the engine answer
        containers = repo_containers(host, api)
        wanted = wanted_volume(host, containers)
        if wanted is None:
            yield self.finding(
                Status.INFO,
                "none",
                "this course keeps no home volume",
                detail="Neither the policy file ([volume] name) nor devcontainer.json's mounts "
                "name a volume mounted at the container user's home, and VS Code has made no "
                "container for this repository yet.",
            )
            return
        chosen = choose(wanted, volume_names(api), containers)
        if chosen.name is None:
            yield self._not_found(chosen)
            return
        try:
            seen = look(
                host,
                chosen.name,
                prefix=wanted.prefix,
                stamp=policy(host).volume_stamp,
                stamp_limit=STAMP_LIMIT,
            )
        except Exception as exc:  # the engine's errors, in plain words
            yield self.finding(
                Status.WARN,
                "unreadable",
                f"cannot read volume {chosen.name}: {engine_error(exc)}",
                subject=chosen.name,
                detail="devdoctor reads volumes through a container that is never started, from "
                "an empty image it imports itself. Run `docker volume inspect "
                f"{chosen.name}` to see whether the engine can.",
            )
            return
        yield from self._state(host, api, chosen, seen, containers)

    def _not_found(self, chosen: Chosen) -> Finding:
        wanted = chosen.wanted
        if len(chosen.matches) > 1:
            return self.finding(
                Status.WARN,
                "ambiguous",
                f"{len(chosen.matches)} volumes could be the home volume ({wanted.source})",
                detail="devcontainer.json names the volume with a variable, and several volumes "
                "match while no container of this repository says which: "
                + ", ".join(chosen.matches)
                + ". Old ones can be removed with `docker volume rm NAME`.",
                evidence=(("named by", wanted.how), ("name", wanted.source)),
            )
        return self.finding(
            Status.INFO,
            "absent",
            f"the home volume {wanted.source} does not exist yet: {FIRST_BUILD}",
            subject=wanted.source,
            detail="That is expected before the first Reopen in Container, or after a reset.",
            evidence=(("named by", wanted.how),),
        )

    def _state(
        self,
        host: Host,
        api: Api,
        chosen: Chosen,
        seen: VolumeLook,
        containers: list[dict[str, Any]],
    ) -> Iterator[Finding]:
        name = seen.name
        if not seen.exists:  # removed since the engine listed it
            yield self._not_found(Chosen(chosen.wanted, None))
            return
        python, python_how = image_python(host, api, containers)
        stamp = policy(host).volume_stamp
        facts = (
            ("named by", chosen.wanted.how),
            ("~/.local", "present" if seen.local else "absent"),
            ("stamp", _stamp_text(stamp, seen)),
            *record_facts(host, seen.stamp_bytes),
            ("~/.local/lib", ", ".join(f"python{v}" for v in seen.pythons) or "no pythonX.Y"),
            ("image's Python", f"{python} ({python_how})" if python else python_how),
            ("used by", ", ".join(_holder_text(h) for h in seen.holders) or "no container"),
        )
        fix = self._fix(seen)
        blocked = _blocked(seen)
        yield from self._holders(seen)
        if not seen.local:
            yield self.finding(
                Status.INFO,
                "empty",
                f"volume {name} has no ~/.local yet: {FIRST_BUILD}",
                subject=name,
                detail="The volume exists but nothing was installed into it: the course's "
                "install runs on the next Reopen in Container.",
                evidence=facts,
            )
            return
        if stamp and seen.stamp is False:
            yield self.finding(
                Status.WARN,
                "half-installed",
                f"volume {name} is half-installed: ~/.local exists but {stamp} does not",
                subject=name,
                detail="The course's install script writes that file last, so an install was "
                "interrupted (a closed window, a lost network, too little memory). Packages may "
                "be missing or broken. Reset the volume; " + FIRST_BUILD + ". " + blocked,
                evidence=facts,
                fix=fix,
            )
            return
        if python and seen.pythons and python not in seen.pythons:
            yield self.finding(
                Status.WARN,
                "stale",
                f"volume {name} holds packages for Python "
                f"{', '.join(seen.pythons)}; the image has Python {python}",
                subject=name,
                detail=f"The image moved to Python {python}, so it does not see the packages in "
                f"~/.local/lib/python{seen.pythons[-1]}: imports fail or pip reinstalls over "
                "them. Reset the volume; " + FIRST_BUILD + ". " + blocked,
                evidence=facts,
                fix=fix,
            )
            return
        stale = stamp_differs(host, seen.stamp_bytes)
        if stale:
            yield self.finding(
                Status.WARN,
                "stale",
                f"volume {name} was filled by {stale[0]}; this checkout is {stale[1]}",
                subject=name,
                detail="The install script records the variant (COURSE_VARIANT) and a hash of "
                "the requirement files in the stamp. "
                + stale[2]
                + " Reset the volume; "
                + FIRST_BUILD
                + ". "
                + blocked,
                evidence=facts,
                fix=fix,
            )
            return
        if seen.stamp and seen.stamp_bytes is None and seen.stamp_unread:
            yield self.finding(
                Status.INFO,
                "stamp-unreadable",
                f"devdoctor could not read the stamp {stamp}: {seen.stamp_unread}",
                subject=name,
                detail="Its presence still says the install finished; what it filled the volume "
                "for is unknown.",
            )
        elif seen.stamp_bytes is not None:
            try:
                parse_stamp(seen.stamp_bytes)
            except StampError as exc:
                yield self.finding(
                    Status.INFO,
                    "stamp-unparsable",
                    f"the stamp {stamp} in volume {name} is not variant=/requirements= lines: "
                    f"{exc}",
                    subject=name,
                    detail="Its presence still says the install finished; which variant and "
                    "requirements filled the volume is unknown. The README's home-volume "
                    "section gives the line an install script writes.",
                )
        yield self.finding(
            Status.OK,
            "populated",
            f"volume {name} holds ~/.local"
            + (f" for Python {', '.join(seen.pythons)}" if seen.pythons else "")
            + ": rebuilds are fast",
            subject=name,
            evidence=facts,
        )

    def _holders(self, seen: VolumeLook) -> Iterator[Finding]:
        stopped = [h for h in seen.holders if h.devcontainer and not h.running]
        running = [h for h in seen.holders if h.running]
        other = [h for h in seen.holders if not h.devcontainer and not h.running]
        if stopped:
            yield self.finding(
                Status.INFO,
                "in-use-stopped",
                f"volume {seen.name} is held by {len(stopped)} stopped devcontainer "
                f"container(s): {', '.join(h.name for h in stopped)}",
                subject=seen.name,
                detail="VS Code starts them again on Reopen in Container. A reset removes them "
                "first (VS Code makes new ones).",
            )
        if running:
            yield self.finding(
                Status.INFO,
                "in-use-running",
                f"volume {seen.name} is in use by running container(s): "
                f"{', '.join(h.name for h in running)}",
                subject=seen.name,
                detail="That is VS Code's container for it, open now. devdoctor never removes a "
                "volume while a container runs with it.",
            )
        if other:
            yield self.finding(
                Status.INFO,
                "in-use-other",
                f"volume {seen.name} is also mounted by container(s) VS Code did not make: "
                f"{', '.join(h.name for h in other)}",
                subject=seen.name,
                detail="devdoctor resets a volume only when just devcontainer containers hold it.",
            )

    def _fix(self, seen: VolumeLook) -> Fix | None:
        if _blocked(seen):
            return None
        stopped = [h for h in seen.holders if h.devcontainer and not h.running]
        also = f" and {len(stopped)} stopped container(s)" if stopped else ""
        return Fix(
            id=self.id,
            title=f"save volume {seen.name}, then remove it{also}",
            changes=(
                ResetVolume(
                    volume=seen.name,
                    containers=tuple(h.id for h in stopped),
                    names=tuple(h.name for h in stopped),
                ),
            ),
            destructive=True,
            manual_steps=(f"Reopen in Container in VS Code: {FIRST_BUILD}.",),
        )


def _blocked(seen: VolumeLook) -> str:
    """Why devdoctor will not reset the volume now ("" when it may)."""
    running = [h.name for h in seen.holders if h.running]
    if running:
        return (
            f"First close the VS Code window attached to {', '.join(running)} (or `docker stop` "
            "it): devdoctor does not remove a volume in use."
        )
    other = [h.name for h in seen.holders if not h.devcontainer]
    if other:
        return (
            f"Container(s) {', '.join(other)} also use it and VS Code did not make them: remove "
            "them yourself (`docker rm NAME`) if you no longer need them."
        )
    return ""


def _stamp_text(stamp: str | None, seen: VolumeLook) -> str:
    if not stamp:
        return "none set in the policy ([volume] stamp)"
    if seen.stamp is None:
        return f"{stamp}: not in this volume"
    if not seen.stamp:
        return f"{stamp}: missing"
    if seen.stamp_bytes is not None and not seen.stamp_bytes.strip():
        return f"{stamp}: present (empty: it records no variant or requirements)"
    return f"{stamp}: present"


def _holder_text(holder: Holder) -> str:
    what = "running" if holder.running else "stopped"
    kind = "devcontainer" if holder.devcontainer else "other"
    return f"{holder.name} ({what}, {kind})"
