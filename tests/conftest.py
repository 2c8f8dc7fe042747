"""Shared test setup: no test may touch the real home directory or the real state directory."""

from __future__ import annotations

pytest_plugins = ["tests.engine"]
