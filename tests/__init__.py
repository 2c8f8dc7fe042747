"""devdoctor's tests; TESTS is this folder, where samples/ and golden/ live."""

from pathlib import Path

TESTS = Path(__file__).parent
