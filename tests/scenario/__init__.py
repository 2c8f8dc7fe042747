"""One way to build the machine a test runs devdoctor on: `Scenario(tmp_path)` and its layers.

machine.py is the builder; captured.py holds the captured answers of real programs; sockets.py
the misbehaving Docker endpoints; helpers.py small pure helpers (samples, reading findings).
"""

from tests.scenario.helpers import (
    DEVDOCTOR,
    SAMPLES,
    Answer,
    GiB,
    by_code,
    codes,
    info_from_text,
    lifecycle,
    sample,
    sample_json,
    sample_text,
    without_env,
)
from tests.scenario.machine import Scenario

__all__ = [
    "DEVDOCTOR",
    "SAMPLES",
    "Answer",
    "GiB",
    "Scenario",
    "by_code",
    "codes",
    "info_from_text",
    "lifecycle",
    "sample",
    "sample_json",
    "sample_text",
    "without_env",
]
