"""Shared pytest fixtures. Engineers append fixtures here; keep each one small and documented."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"

# Tests never touch the user's real keys or hub.
os.environ.pop("WORKBENCH_HUB_KEY", None)
os.environ.pop("WORKBENCH_SHARED_KEY", None)
os.environ.setdefault("WORKBENCH_USER", "pytest")


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """``../shared/data/real`` (the real open-data pack); skips the test when it is absent."""
    if not REAL.is_dir():
        pytest.skip("../shared/data/real not present (a fresh clone without shared/); CI has it")
    return REAL


@pytest.fixture()
def empty_hub(tmp_path) -> Path:
    """A freshly initialised encrypted hub in a temp dir (key file beside it)."""
    from workbench.hub.schema import init_hub

    return init_hub(tmp_path / "hub.duckdb")
