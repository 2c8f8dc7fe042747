"""devdoctor: finds what will break a devcontainer build, before "Reopen in Container".

This module is the public API that checks (built-in and third-party) import from. Names are
loaded on first use, so `devdoctor --version` imports nothing but this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import exports_on_demand

__version__ = "0.1.0"

_EXPORTS = {
    "Check": "model",
    "Finding": "model",
    "Fix": "model",
    "Result": "model",
    "Scope": "model",
    "Status": "model",
    "evidence": "model",
    "Change": "changes",
    "ChangeError": "changes",
    "RunCommand": "command_change",
    "SetMode": "file_changes",
    "WriteFile": "file_changes",
    "Host": "host",
    "Platform": "host",
    "Completed": "process",
    "Figure": "resources",
    "GiB": "sizes",
    "MiB": "sizes",
    "format_size": "sizes",
    "live_meets": "sizes",
    "parse_size": "sizes",
    "Policy": "policy",
    "RunOptions": "options",
    "FixParams": "options",
    "ExitCode": "exits",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from .changes import (
        Change as Change,
    )
    from .changes import (
        ChangeError as ChangeError,
    )
    from .command_change import RunCommand as RunCommand
    from .exits import ExitCode as ExitCode
    from .file_changes import (
        SetMode as SetMode,
    )
    from .file_changes import (
        WriteFile as WriteFile,
    )
    from .host import Host as Host
    from .host import Platform as Platform
    from .model import (
        Check as Check,
    )
    from .model import (
        Finding as Finding,
    )
    from .model import (
        Fix as Fix,
    )
    from .model import (
        Result as Result,
    )
    from .model import (
        Scope as Scope,
    )
    from .model import (
        Status as Status,
    )
    from .model import (
        evidence as evidence,
    )
    from .options import FixParams as FixParams
    from .options import RunOptions as RunOptions
    from .policy import Policy as Policy
    from .process import Completed as Completed
    from .resources import Figure as Figure
    from .sizes import (
        GiB as GiB,
    )
    from .sizes import (
        MiB as MiB,
    )
    from .sizes import (
        format_size as format_size,
    )
    from .sizes import (
        live_meets as live_meets,
    )
    from .sizes import (
        parse_size as parse_size,
    )


__getattr__ = exports_on_demand(__name__, _EXPORTS)
