"""Whether this run is about a GPU at all, so students without one are not alarmed.

The policy decides (`[gpu] required = true|false`); with `auto`, the default, the chosen
devcontainer configuration does: `--gpus`, `--runtime=nvidia` or an NVIDIA CDI device in
runArgs, or a true (or object) hostRequirements.gpu. `hostRequirements.gpu = "optional"`
makes every GPU finding at most `info`: the container starts without a GPU.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from devdoctor import Finding, Host, Platform, Status
from devdoctor.repo import policy, variant

from .docker_errors import gpu_flags


@dataclass(frozen=True)
class Need:
    """Why the GPU checks run here, or why not (`skip`)."""

    skip: str | None
    why: str = ""
    optional: bool = False
    run_args: tuple[str, ...] = ()
    image: str | None = None
    by_requirement: bool = False
    """Asked for by hostRequirements.gpu alone, which the devcontainer CLI turns into --gpus."""


def gpu_need(host: Host) -> Need:
    """Once per run: whether, and why, this host's GPU matters to the course."""
    return host.fact("gpu.need", _need)


def _need(host: Host) -> Need:
    if host.options.course:
        return Need("--course judges the course repository, not this computer's GPU")
    if host.platform is Platform.MACOS:
        return Need("macOS: Docker Desktop on a Mac gives containers no NVIDIA GPU")
    required = policy(host).gpu_required
    if required == "false":
        return Need("the course's policy says no GPU is needed ([gpu] required = false)")
    from devdoctor.checks.course import ConfigError, chosen_devcontainer

    config = chosen_devcontainer(host)
    name, chosen_why = variant(host)
    label = f"the {name} configuration" if name and name != "default" else "devcontainer.json"
    run_args: tuple[str, ...] = ()
    image: str | None = None
    wants: bool | str = False
    if config is not None and not isinstance(config, ConfigError):
        run_args, image, wants = config.run_args, config.image, config.wants_gpu
    if required == "true":
        why = "the course's policy requires a GPU ([gpu] required = true)"
        return Need(None, why, False, run_args, image)
    if config is None:
        if host.repo_root is None:
            return Need("no course repository found, so nothing asks for a GPU")
        return Need("the course repository has no devcontainer.json, so nothing asks for a GPU")
    if isinstance(config, ConfigError):
        return Need(
            f"{label} cannot be read, so whether it needs a GPU is unknown (see devcontainer)"
        )
    if not wants:
        return Need(f"{label} does not use a GPU (chosen: {chosen_why})")
    if wants == "optional":
        why = f'{label} uses a GPU when there is one (hostRequirements.gpu = "optional")'
        return Need(None, why, True, run_args, image)
    return Need(
        None,
        f"{label} asks for a GPU (chosen: {chosen_why})",
        False,
        run_args,
        image,
        by_requirement=not gpu_flags(run_args),
    )


def optional_at_most_info(findings: Iterable[Finding], need: Need) -> Iterator[Finding]:
    """The findings, with warn and fail lowered to info when the GPU is optional."""
    for found in findings:
        if need.optional and found.status in (Status.WARN, Status.FAIL):
            note = (
                f"(At most info: {need.why}, so the container starts without one; "
                f"it would be {found.status.value} for a course that needs the GPU.)"
            )
            yield replace(found, status=Status.INFO, detail=f"{found.detail} {note}".strip())
        else:
            yield found
