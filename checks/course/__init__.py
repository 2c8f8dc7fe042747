"""The course repository: devcontainer.json, the scripts the build runs, line endings.

What other areas may use is exported here; the modules behind it are this area's own.
"""

from __future__ import annotations

from .compose import read_compose
from .configs import ConfigError, ConfigFile, DevcontainerConfig, this_machine, variable_pattern
from .variant import chosen_config, chosen_devcontainer, configs, script_in_repo

__all__ = [
    "ConfigError",
    "ConfigFile",
    "DevcontainerConfig",
    "chosen_config",
    "chosen_devcontainer",
    "configs",
    "read_compose",
    "script_in_repo",
    "this_machine",
    "variable_pattern",
]
