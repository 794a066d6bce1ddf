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
    from hubs import make_hub

    return make_hub(tmp_path)


#: the small demo built once per test session (docs/demo.md "Small demo for tests")
DEMO_TEST_PARAMS = {"seed": 7, "start": "2023-01-01", "end": "2024-06-30", "scale": 0.15}


@pytest.fixture(scope="session")
def demo_hub(tmp_path_factory) -> Path:
    """Path of a small demo hub (18 months, scale 0.15, published, demo users), built once per
    session and shared by every pytest-xdist worker (a file lock serialises the first build;
    the others reuse it). Treat it as read-only."""
    import fcntl

    from workbench.demo import build_demo

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by all workers of this run
    folder = root / "demo_hub"
    folder.mkdir(exist_ok=True)
    done = folder / "built"
    with open(root / "demo_hub.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():  # later workers must not reopen it for writing while others read
                build_demo(folder / "hub.duckdb", quiet=True, **DEMO_TEST_PARAMS)
                done.write_text("ok")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder / "hub.duckdb"
