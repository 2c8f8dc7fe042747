"""The course repository: devcontainer.json, the scripts the build runs, line endings.

What other areas may use is exported here; the modules behind it are this area's own.

The names are imported when first asked for, so a check that needs none of them (or a run
outside a course repository) does not pay for the modules behind them at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devdoctor.lazy import exports_on_demand

_EXPORTS = {
    "read_compose": "compose",
    "ConfigError": "configs",
    "ConfigFile": "configs",
    "DevcontainerConfig": "configs",
    "this_machine": "configs",
    "variable_pattern": "variables",
    "chosen_config": "variant",
    "chosen_devcontainer": "variant",
    "script_in_repo": "variant",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from .compose import read_compose as read_compose
    from .configs import ConfigError as ConfigError
    from .configs import ConfigFile as ConfigFile
    from .configs import DevcontainerConfig as DevcontainerConfig
    from .configs import this_machine as this_machine
    from .variables import variable_pattern as variable_pattern
    from .variant import chosen_config as chosen_config
    from .variant import chosen_devcontainer as chosen_devcontainer
    from .variant import script_in_repo as script_in_repo

__getattr__ = exports_on_demand(__name__, _EXPORTS)
