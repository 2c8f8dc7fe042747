"""The built-in checks by id, in the order `devdoctor check` shows them, and the facts the
areas declare for the framework.

Only this module names them, as `area.module:Class` strings: a check's module is imported
when the check is listed or run, never before, so a run of one check imports only what it
uses. To add a check: copy a neighbour in its area (checks/wsl/wsl_version.py is a small one),
name the module after the new id, and add one line here. docs/architecture.md walks through it.
"""

from __future__ import annotations

CHECKS: dict[str, str] = {
    "host-resources": "host.host_resources:HostResources",
    "wsl-version": "wsl.wsl_version:WslVersion",
    "wsl-memory": "wsl.wsl_memory:WslMemory",
    "docker-daemon": "docker.docker_daemon:DockerDaemon",
    "docker-resources": "docker.docker_resources:DockerResources",
    "docker-desktop": "docker.docker_desktop:DockerDesktop",
    "gpu-driver": "gpu.gpu_driver:GpuDriver",
    "gpu-toolkit": "gpu.gpu_toolkit:GpuToolkit",
    "docker-credentials": "docker.docker_credentials:DockerCredentials",
    "vscode": "host.vscode:Vscode",
    "home-volume": "docker.home_volume:HomeVolume",
    "devcontainer": "course.devcontainer:Devcontainer",
    "script-shebangs": "course.script_shebangs:ScriptShebangs",
    "line-endings": "course.line_endings:LineEndings",
    "requirements-pins": "image.requirements_pins:RequirementsPins",
    "dockerfile-layout": "image.dockerfile_layout:DockerfileLayout",
}

CHANGES: dict[str, str] = {
    "reset-volume": "docker.volumes:ResetVolume",
}
"""Kinds of change an area defines beyond the framework's own (write-file, set-mode,
run-command), so `undo` can load them from a journal record by name."""

FACTS: dict[str, str] = {
    "identities": "wsl.windows:identities",
    "windows-ram": "wsl.windows:ram_figure",
    "variant": "course.variant:variant_fact",
    "report:windows": "wsl.machine:report_lines",
    "report:docker": "docker.engine:report_lines",
    "report:vscode": "host.vscode:report_lines",
    "policy-draft": "course.policy_draft:draft",
}
"""Facts the framework asks the areas for by name (Host.provided), never by import:
`identities` (names and homes the redactor must hide beyond the environment's), `windows-ram`
(the machine's RAM seen from WSL, a Figure), `variant` (the configuration this run is about
and why, as (name or None, reason)). Each `report:<area>` fact gives the lines that area adds
to the report's header, as (label, value) pairs: the versions staff always ask for.
`policy-draft` is what the repository already says about its needs, for `devdoctor init`."""

KNOWN_FAILURES = "known_failures.toml"
"""The failures `devdoctor diagnose` recognises in a build log, as data beside this module: each
entry's patterns, the finding codes (owned as docs/architecture.md says) that explain it, a line
for the student and the source."""
