"""The built-in checks, in the order `devdoctor check` shows them.

To add a check: copy a neighbour (checks/wsl_version.py is a small one), give it a new id,
and add its class here.
"""

from __future__ import annotations

from devdoctor.model import Check

from .devcontainer import Devcontainer
from .docker_daemon import DockerDaemon
from .docker_desktop import DockerDesktop
from .docker_resources import DockerResources
from .home_volume import HomeVolume
from .host_resources import HostResources
from .line_endings import LineEndings
from .script_shebangs import ScriptShebangs
from .wsl_memory import WslMemory
from .wsl_version import WslVersion

BUILTIN: tuple[type[Check], ...] = (
    HostResources,
    WslVersion,
    WslMemory,
    DockerDaemon,
    DockerResources,
    DockerDesktop,
    HomeVolume,
    Devcontainer,
    ScriptShebangs,
    LineEndings,
)
