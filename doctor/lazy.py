"""A package's names, imported on first use (PEP 562), so importing the package costs nothing.

devdoctor's own API and each area's facade name many modules; a run that needs one of them
(`--version`, a check outside a course repository) must not pay for the others at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def exports_on_demand(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """The module `__getattr__` of `package`: `exports` maps each name to its submodule."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value  # asked once: later lookups are plain attribute reads
        return value

    return __getattr__
