"""`workbench hub grid` acts as a user (issue 17's grid export, found unscoped after the security
review's fixes): it checks the acting user like a product render, counts only their partnerships'
rows, refuses an --out among the workbench's own files, and audits every run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_scope_fixture as sfx  # noqa: E402
from hubs import make_hub  # noqa: E402
from workbench.cli import main  # noqa: E402


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    frames = sfx.truth()
    parts = sfx.hub_parts(frames)
    street = pd.DataFrame({"crime_type": ["Burglary"] * 5 + ["Drugs"] * 3,
                           "month": ["2026-09"] * 5 + ["2026-10"] * 3,
                           "easting": [450_100.0] * 5 + [460_100.0] * 3,
                           "northing": [350_100.0] * 5 + [360_100.0] * 3,
                           "partnership": [sfx.A] * 5 + [sfx.B] * 3})
    parts["shared"] = {**parts["shared"], "police_uk_street": street}
    return make_hub(tmp_path_factory.mktemp("gridscope"), **parts)


def _grid(capsys, hub, out, *extra):
    code = main(["hub", "grid", "--hub", str(hub), "--out", str(out), "--json", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None


def test_a_partnership_analyst_grids_only_their_partnerships_rows(hub, tmp_path, capsys):
    from workbench.registry import open_registry

    code, doc = _grid(capsys, hub, tmp_path / "a.csv", "--as", "a_ana")
    assert code == 0 and doc["events"] == 5, doc
    assert set(pd.read_csv(tmp_path / "a.csv")["category"]) == {"Burglary"}
    code, doc = _grid(capsys, hub, tmp_path / "all.csv", "--as", "county")
    assert code == 0 and doc["events"] == 8, doc
    with open_registry(hub) as reg:
        runs = [(e.actor, e.detail["events"]) for e in reg.audit_entries() if e.action == "hub.grid"]
    assert runs == [("a_ana", 5), ("county", 8)]


def test_an_unknown_user_is_refused_and_nothing_is_written(hub, tmp_path, capsys):
    code, doc = _grid(capsys, hub, tmp_path / "m.csv", "--as", "mallory")
    assert code == 3 and doc["error"] == "AccessDenied"
    assert not (tmp_path / "m.csv").exists()


def test_the_grid_is_never_written_over_the_workbenchs_own_files(hub, capsys):
    key = hub.with_name("hub.duckdb.key")
    before = key.read_bytes() if key.exists() else None
    code, doc = _grid(capsys, hub, key, "--as", "county")
    assert code == 2 and "own files" in doc["message"]
    assert (key.read_bytes() if key.exists() else None) == before
