"""Ingest: validated supplies, atomic appends, idempotence, supersession, no row de-duplication."""

from __future__ import annotations

import json

import pytest

from hub_helpers import fingerprint, offence_row, write_csv
from workbench.errors import SupplyRejected
from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files, ingest_frame

POLICE_UK_HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
                    "LSOA code,LSOA name,Crime type,Last outcome category,Context")


def _count(hub, sql):
    con = open_hub(hub, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_canonical_supply_ingests_and_records_the_supply(empty_hub, tmp_path):
    f = write_csv(tmp_path / "crimes.csv", [offence_row("C1"), offence_row("C2", postcode="ng15aw")])
    res = ingest_files(empty_hub, "police_crime_offence", [f], agency="Notts Police", quiet=True)
    assert res.rows == 2 and res.supply_id == 1 and not res.skipped
    rows = _count(empty_hub, "SELECT crime_ref, postcode, committed_from_date, committed_from_time, "
                             "easting FROM police_crime_offence ORDER BY 1")
    assert rows[1][1] == "NG1 5AW"  # normalised
    assert str(rows[0][2]) == "2024-01-05" and str(rows[0][3]) == "22:30:00"
    sup = _count(empty_hub, "SELECT agency, rows, metadata_missing, files FROM supplies")[0]
    assert sup[0] == "Notts Police" and sup[1] == 2
    assert "supplier_name" in json.loads(sup[2])
    assert json.loads(sup[3])[0]["sha256"] == res.sha256 or len(json.loads(sup[3])) == 1


def test_identical_resupply_is_a_noop(empty_hub, tmp_path):
    f = write_csv(tmp_path / "crimes.csv", [offence_row("C1")])
    ingest_files(empty_hub, "police_crime_offence", [f], quiet=True)
    before = fingerprint(empty_hub)
    res = ingest_files(empty_hub, "police_crime_offence", [f], quiet=True)
    assert res.skipped and res.rows == 0
    assert fingerprint(empty_hub)[:2] == before[:2]


def test_correction_supersedes_and_history_is_kept(empty_hub, tmp_path):
    ingest_files(empty_hub, "police_crime_offence",
                 [write_csv(tmp_path / "m1.csv", [offence_row("C1"), offence_row("C2")])], quiet=True)
    res = ingest_files(empty_hub, "police_crime_offence",
                       [write_csv(tmp_path / "m2.csv", [offence_row("C2", offence_code="8N"),
                                                        offence_row("C3")])], quiet=True)
    assert res.rows_superseded == 1
    current = _count(empty_hub, "SELECT crime_ref, offence_code FROM police_crime_offence ORDER BY 1")
    assert current == [("C1", "105A"), ("C2", "8N"), ("C3", "105A")]
    history = _count(empty_hub, "SELECT offence_code, _supply_id, _superseded_by FROM "
                                "archive.police_crime_offence WHERE crime_ref = 'C2' ORDER BY 2")
    assert history == [("105A", 1, 2), ("8N", 2, None)]


def test_identical_police_uk_rows_are_all_kept(empty_hub, tmp_path):
    asb = ",2024-01,Nottinghamshire Police,Nottinghamshire Police,-1.15,52.95,On or near Park Street,E01013814,Nottingham 039A,Anti-social behaviour,,"
    crime = "abc123,2024-01,Nottinghamshire Police,Nottinghamshire Police,-1.15,52.95,On or near Park Street,E01013814,Nottingham 039A,Burglary,Under investigation,"
    f = tmp_path / "2024-01-nottinghamshire-street.csv"
    f.write_text("\r\n".join([POLICE_UK_HEADER, asb, asb, asb, crime, crime]) + "\r\n")
    res = ingest_files(empty_hub, "police_uk_street", [f], quiet=True)
    assert res.rows == 5
    assert _count(empty_hub, "SELECT count(*) FROM police_uk_street WHERE crime_id IS NULL") == [(3,)]
    warn = [w for w in res.warnings if w["code"] == "missing_location"]
    assert not warn
    e, n = _count(empty_hub, "SELECT easting, northing FROM police_uk_street LIMIT 1")[0]
    assert 456000 < e < 458000 and 339000 < n < 341000


def test_police_uk_force_month_resupply_replaces_the_slice(empty_hub, tmp_path):
    row = ",2024-01,Notts,Nottinghamshire Police,-1.15,52.95,Park Street,E01013814,N 039A,Anti-social behaviour,,"
    a = tmp_path / "a.csv"
    a.write_text("\n".join([POLICE_UK_HEADER, row, row]) + "\n")
    b = tmp_path / "b.csv"
    b.write_text("\n".join([POLICE_UK_HEADER, row, row, row]) + "\n")
    ingest_files(empty_hub, "police_uk_street", [a], quiet=True)
    res = ingest_files(empty_hub, "police_uk_street", [b], quiet=True)
    assert res.rows_superseded == 2
    assert _count(empty_hub, "SELECT count(*) FROM police_uk_street") == [(3,)]
    assert _count(empty_hub, "SELECT count(*) FROM archive.police_uk_street") == [(5,)]


def test_repeated_keys_are_kept_and_reported(empty_hub, tmp_path):
    f = write_csv(tmp_path / "d.csv", [offence_row("C1"), offence_row("C1"), offence_row("C2")])
    res = ingest_files(empty_hub, "police_crime_offence", [f], quiet=True)
    assert res.rows == 3
    assert any(w["code"] == "repeated_key" and w["count"] == 2 for w in res.warnings)


def test_metadata_sidecar_is_recorded_and_record_count_checked(empty_hub, tmp_path):
    f = write_csv(tmp_path / "c.csv", [offence_row("C1")])
    meta = tmp_path / "c.yaml"
    meta.write_text("agency: Notts Police\nsupplier_name: A. Analyst\nrecord_count: 2\n")
    before = fingerprint(empty_hub)
    with pytest.raises(SupplyRejected, match="record_count"):
        ingest_files(empty_hub, "police_crime_offence", [f], metadata=meta, quiet=True)
    assert fingerprint(empty_hub) == before
    meta.write_text("agency: Notts Police\nsupplier_name: A. Analyst\nrecord_count: 1\n"
                    "period_start: 2024-01-01\nperiod_end: 2024-01-31\ncaveats: times are estimates\n")
    res = ingest_files(empty_hub, "police_crime_offence", [f], metadata=meta, quiet=True)
    assert "supplier_name" not in res.metadata_missing and "caveats" not in res.metadata_missing
    period = _count(empty_hub, "SELECT period_start, period_end FROM supplies")[0]
    assert str(period[0]) == "2024-01-01"


def test_formula_like_text_is_kept_verbatim_and_flagged(empty_hub, tmp_path):
    f = write_csv(tmp_path / "f.csv", [offence_row("C1", location='=HYPERLINK("http://x","y")')])
    res = ingest_files(empty_hub, "police_crime_offence", [f], quiet=True)
    assert any(w["code"] == "formula_like:location" for w in res.warnings)
    assert _count(empty_hub, "SELECT location FROM police_crime_offence")[0][0].startswith("=HYPERLINK")


def test_missing_coordinates_are_derived_from_the_postcode_centroid(empty_hub, tmp_path):
    ingest_frame(empty_hub, "ref_postcode",
                 __import__("pandas").DataFrame([{"postcode": "NG1 5AW", "easting": 457000,
                                                  "northing": 340100, "households": 12}]),
                 source_name="pc")
    f = write_csv(tmp_path / "g.csv", [offence_row("C9", postcode="NG1 5AW", easting="", northing="")])
    ingest_files(empty_hub, "police_crime_offence", [f], quiet=True)
    assert _count(empty_hub, "SELECT easting, northing FROM police_crime_offence") == [(457000.0, 340100.0)]
    lon = _count(empty_hub, "SELECT longitude, latitude FROM ref_postcode")[0]
    assert -1.2 < lon[0] < -1.1 and 52.9 < lon[1] < 53.0


def test_derived_coordinates_equal_pyproj_and_never_replace_given_ones(empty_hub):
    """Each missing pair is converted once per distinct point (workbench.hub.ingest) and joined
    back: repeated points get the same values, and a row's own values always win."""
    import pandas as pd

    from workbench.geo.crs import bng_to_wgs84, wgs84_to_bng

    rows = [
        {"postcode": "NG1 1AA", "easting": 457000, "northing": 340100},                  # -> lon/lat
        {"postcode": "NG1 1AB", "longitude": -1.15, "latitude": 52.95},                  # -> E/N
        {"postcode": "NG1 1AD", "easting": 400000, "northing": 300000,
         "longitude": -1.15, "latitude": 52.95},                                         # keeps its own
        {"postcode": "NG1 1AE", "longitude": -1.15, "latitude": 52.95},                  # repeated point
    ]
    ingest_frame(empty_hub, "ref_postcode", pd.DataFrame(rows), source_name="pts")
    got = {r[0]: r[1:] for r in _count(
        empty_hub, "SELECT postcode, easting, northing, longitude, latitude FROM ref_postcode")}
    lon, lat = bng_to_wgs84([457000.0], [340100.0])
    e, n = wgs84_to_bng([-1.15], [52.95])
    assert got["NG1 1AA"] == (457000.0, 340100.0, round(float(lon[0]), 6), round(float(lat[0]), 6))
    assert got["NG1 1AB"] == (round(float(e[0]), 1), round(float(n[0]), 1), -1.15, 52.95)
    assert got["NG1 1AE"] == got["NG1 1AB"]
    assert got["NG1 1AD"] == (400000.0, 300000.0, -1.15, 52.95)


def test_ingest_frame_matches_ingest_files(empty_hub):
    import pandas as pd

    df = pd.DataFrame([offence_row("F1"), offence_row("F2")])
    res = ingest_frame(empty_hub, "police_crime_offence", df, source_name="frame")
    assert res.rows == 2
    again = ingest_frame(empty_hub, "police_crime_offence", df, source_name="frame")
    assert again.skipped


def test_a_supply_of_many_files_looks_its_dataset_up_once(empty_hub, tmp_path, monkeypatch):
    """The dataset is looked up when the supply is received and carried on its staging area;
    staging each CSV file does not look it up again (issue 14)."""
    from workbench import catalogue

    calls = []
    real = catalogue.get
    monkeypatch.setattr(catalogue, "get", lambda ds_id: calls.append(ds_id) or real(ds_id))
    files = [write_csv(tmp_path / f"m{i}.csv", [offence_row(f"C{i}")]) for i in range(3)]
    res = ingest_files(empty_hub, "police_crime_offence", files, quiet=True)
    assert res.rows == 3
    assert calls.count("police_crime_offence") == 1, calls
