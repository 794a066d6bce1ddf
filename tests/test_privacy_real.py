"""Publish on real open data only: Code-Point Open (no households) + a real police.uk year.

Issue 13: with real Code-Point Open the hub has no household counts, and publish used to stop
(exit 2). Now every postcode of unknown households goes to its sector or district centroid.
A synthetic fire-incident supply placed at real postcodes and at real police.uk points stands
in for partner data (the pack has none in Nottinghamshire): every record must reach the shared
tier, none at a coordinate it was supplied with or at any unit postcode's own centroid.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.hub.connect import new_connection, open_hub, read_key, shared_path
from workbench.hub.ingest import ingest_files, ingest_frame

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_hub(real_data_dir, tmp_path_factory):
    from workbench.hub.schema import init_hub

    hub = init_hub(tmp_path_factory.mktemp("realhub") / "hub.duckdb")
    cp = real_data_dir / "postcodes" / "codepoint_open_2025-10"
    ingest_files(hub, "ref_postcode", [cp / "Code-Point_Open_Column_Headers.csv", cp / "ng.csv",
                                       cp / "dl_de_dn_s_rows_in_cleveland_nottinghamshire_districts.csv"],
                 quiet=True)
    # a real police.uk year would do; the 2018-19 months are the pack's Nottinghamshire run
    ingest_files(hub, "police_uk_street",
                 [real_data_dir / "police_uk" / "nottinghamshire_2018-10_to_2019-02"], quiet=True)
    con = open_hub(hub, read_only=True)
    pcs = con.execute("SELECT postcode, easting, northing FROM ref_postcode WHERE easting IS NOT NULL "
                      "ORDER BY hash(postcode) LIMIT 600").df()
    pts = con.execute("SELECT easting, northing FROM police_uk_street WHERE easting IS NOT NULL "
                      "AND northing BETWEEN 320000 AND 370000 ORDER BY hash(crime_id, easting, northing) LIMIT 400").df()
    con.close()
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({
        "incident_ref": [f"F{i:05d}" for i in range(1000)],
        "incident_date": "2024-02-03",
        "postcode": list(pcs.postcode) + [None] * 400,
        "easting": list(pcs.easting + rng.integers(-20, 20, 600)) + list(pts.easting),
        "northing": list(pcs.northing + rng.integers(-20, 20, 600)) + list(pts.northing)})
    frame.loc[:99, ["easting", "northing"]] = pcs.loc[:99, ["easting", "northing"]].to_numpy()  # at the centroid
    ingest_frame(hub, "fire_incident", frame, source_name="fire_synthetic")
    return hub, frame


@pytest.mark.real
@pytest.mark.slow
def test_real_codepoint_and_police_uk_publish_every_record(real_hub):
    hub, frame = real_hub
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "workbench", "hub", "publish", "--hub", str(hub), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["check"]["ok"]
    fire = next(t for t in doc["tables"] if t["table"] == "fire_incident")
    assert fire["rows"] == 1000
    assert set(fire["placement"]) <= {"sector_centroid", "district_centroid"}
    assert sum(fire["placement"].values()) == 1000
    street = next(t for t in doc["tables"] if t["table"] == "police_uk_street")
    assert street["rows"] == 56_032
    con = new_connection()
    con.execute(f"ATTACH '{hub}' AS hub (ENCRYPTION_KEY '{read_key(hub)}', READ_ONLY)")
    s = shared_path(hub)
    con.execute(f"ATTACH '{s}' AS shared (ENCRYPTION_KEY '{read_key(s)}', READ_ONLY)")
    out = con.execute("SELECT incident_ref, postcode, easting, northing FROM shared.main.fire_incident").df()
    assert set(out.incident_ref) == set(frame.incident_ref)
    assert out.easting.notna().all()
    # no record at a supplied coordinate nor at any unit postcode's own centroid
    supplied = set(zip(frame.easting, frame.northing))
    assert not supplied & set(zip(out.easting, out.northing))
    unit = con.execute("SELECT count(*) FROM shared.main.fire_incident f JOIN hub.main.ref_postcode r "
                       "ON f.easting = r.easting AND f.northing = r.northing").fetchone()[0]
    assert unit == 0
    # published postcodes are sectors or districts, never a full postcode
    assert out.postcode.str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?( \d)?").all()
    con.close()
