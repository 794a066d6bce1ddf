"""Households from ONS census estimates, and the area-centroid fallback where none are known.

Guidance Appendix 1 needs a household count per postcode; real Code-Point Open has none
(issue 13). Checked here: the ONS adapter on a fixture in the published layout, Code-Point
re-supplies keeping counts, the per-record fallback (sector, then district centroid) with
hand-checkable numbers, the publish report's counts, and the checker rejecting a forged area.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from workbench import catalogue
from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files
from workbench.privacy import checker
from workbench.privacy.depersonalise import (MIN_AREA_POSTCODES, depersonalise_dataset,
                                             geography_from_frame, install_geography,
                                             placement_counts)

FIX = Path(__file__).resolve().parent / "fixtures" / "adapters"


def _rows(hub, sql):
    con = open_hub(hub, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_ons_estimates_complete_codepoint_rows(empty_hub):
    ingest_files(empty_hub, "ref_postcode", [FIX / "Code-Point_Open_Column_Headers.csv",
                                             FIX / "codepoint_ng1.csv"], quiet=True)
    r = ingest_files(empty_hub, "ref_postcode", [FIX / "ons_postcode_estimates_ng1.csv"], quiet=True)
    assert (r.adapter, r.rows) == ("ons_postcode_households", 4)
    got = dict((pc, (e, n, hh, flag)) for pc, e, n, hh, flag in _rows(
        empty_hub, "SELECT postcode, easting, northing, households, households_synthetic FROM ref_postcode"))
    assert got["NG1 1AA"] == (457804.0, 340087.0, 9, "N")       # centroid kept, count added
    assert got["NG1 5AW"] == (456615.0, 340083.0, 15, "N")      # two-space spelling normalised
    assert got["NG1 1AB"][2] == 2
    assert got["NG1 5FS"][2] is None and got["NG1 6HL"][2] is None   # not in the census file
    assert got["NG1 9ZZ"] == (None, None, 6, "N")               # census-day postcode, no centroid
    # a new Code-Point release does not erase the counts
    ingest_files(empty_hub, "ref_postcode", [FIX / "codepoint_ng1.csv"], quiet=True)
    assert _rows(empty_hub, "SELECT households FROM ref_postcode WHERE postcode = 'NG1 1AA'") == [(9,)]


def test_ons_header_without_households_is_refused(empty_hub, tmp_path):
    from workbench.errors import SupplyRejected
    from workbench.hub.adapters import ons_households

    bad = tmp_path / "estimates.csv"
    bad.write_text("Postcode,Total,Males\nNG1 1AA,3,2\n")
    assert not ons_households.detect(bad, "ref_postcode")
    canonical = tmp_path / "ref.csv"
    canonical.write_text("postcode,easting,northing,households\nNG1 1AA,1,2,3\n")
    assert not ons_households.detect(canonical, "ref_postcode")   # the canonical layout is not ONS
    with pytest.raises(SupplyRejected, match="Occupied_Households"):
        ons_households.stage(duckdb.connect(), [bad], catalogue.get("ref_postcode"), "t")


# ------------------------------------------------------------------ the fallback, by hand
def _ref():
    """Sector NG5 1 (12 postcodes, households unknown), sector NG5 2 (3 postcodes, unknown;
    district NG5 then has 15 postcodes), NG7 1AA qualifying (8 households) far away,
    NG7 1AB 2 households (below 4) and NG9 1AA alone with unknown households."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    rows = [(f"NG5 1A{letters[i]}", 1000.0 + 10 * i, 2000.0, None) for i in range(12)]
    rows += [(f"NG5 2A{letters[i]}", 1300.0, 2100.0 + 30 * i, None) for i in range(3)]
    rows += [("NG7 1AA", 9000.0, 9000.0, 8), ("NG7 1AB", 9100.0, 9000.0, 2),
             ("NG9 1AA", 20000.0, 20000.0, None)]
    return pd.DataFrame(rows, columns=["postcode", "easting", "northing", "households"])


def test_fallback_per_postcode_by_hand():
    assert MIN_AREA_POSTCODES == 10
    m = geography_from_frame(_ref()).pc_map.set_index("postcode")
    # sector NG5 1: mean easting 1000 + 10 * 5.5 = 1055, northing 2000
    assert m.loc["NG5 1AB", ["out_postcode", "out_easting", "out_northing", "out_method"]].tolist() == [
        "NG5 1", 1055.0, 2000.0, "sector_centroid"]
    # sector NG5 2 has 3 postcodes: district NG5 (15 postcodes): easting (12*1055 + 3*1300)/15 = 1104,
    # northing (12*2000 + 2100 + 2130 + 2160)/15 = 2026 exactly
    assert m.loc["NG5 2AA", ["out_postcode", "out_easting", "out_northing", "out_method"]].tolist() == [
        "NG5", 1104.0, 2026.0, "district_centroid"]
    assert m.loc["NG7 1AA", ["out_postcode", "out_method"]].tolist() == ["NG7 1AA", "postcode"]
    assert m.loc["NG7 1AB", ["out_postcode", "out_method"]].tolist() == ["NG7 1AA", "nearest_postcode"]
    # unknown households and no area of 10: the nearest qualifying postcode (deny guessing)
    assert m.loc["NG9 1AA", ["out_postcode", "out_method"]].tolist() == ["NG7 1AA", "nearest_postcode"]


def test_codepoint_alone_publishes_at_area_centroids_and_the_checker_agrees():
    ref = _ref().assign(households=None)   # real Code-Point Open: no counts at all
    ref = ref[ref.postcode.str.startswith("NG5")]
    frame = pd.DataFrame({c.name: [None] * 4 for c in catalogue.get("fire_incident").columns})
    frame["incident_ref"] = ["F1", "F2", "F3", "F4"]
    frame["postcode"] = ["NG5 1AD", "NG5 2AB", None, None]
    frame["easting"] = [1020.0, 1300.0, 1031.0, None]     # F3: coordinates only, near NG5 1AD
    frame["northing"] = [2000.0, 2130.0, 2001.0, None]
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS hub")
    con.execute("ATTACH ':memory:' AS shared")
    con.register("ref_df", ref)
    con.execute("CREATE TABLE hub.main.ref_postcode AS SELECT * FROM ref_df")
    con.register("src_df", frame)
    con.execute("CREATE TABLE hub.main.fire_incident AS SELECT * FROM src_df")
    geo = geography_from_frame(ref)
    install_geography(con, geo)
    ds = catalogue.get("fire_incident")
    depersonalise_dataset(con, ds, "hub.main.fire_incident", "shared.main.fire_incident", geo, b"k" * 32)
    out = con.execute("SELECT incident_ref, postcode, easting, northing FROM shared.main.fire_incident "
                      "ORDER BY 1").fetchall()
    assert out == [("F1", "NG5 1", 1055.0, 2000.0), ("F2", "NG5", 1104.0, 2026.0),
                   ("F3", "NG5 1", 1055.0, 2000.0), ("F4", None, None, None)]
    assert placement_counts(con, ds, "hub.main.fire_incident", geo) == {
        "district_centroid": 1, "none": 1, "sector_centroid": 2}
    assert checker.check_tier(con, "shared", "hub").ok
    # a forged record: the sector's name at a postcode's own (supplied) point
    con.execute("UPDATE shared.main.fire_incident SET easting = 1020, northing = 2000 WHERE incident_ref = 'F1'")
    rules = {f.rule for f in checker.check_tier(con, "shared", "hub").findings}
    assert {"coordinates", "area-centroid"} <= rules
    # an area too small to stand in for anyone
    con.execute("UPDATE shared.main.fire_incident SET postcode = 'NG5 2', easting = 1300, northing = 2130 "
                "WHERE incident_ref = 'F1'")
    rules = {f.rule for f in checker.check_tier(con, "shared", "hub").findings}
    assert "postcode-households" in rules


def test_publish_report_announces_the_fallback(tmp_path):
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish

    hub = init_hub(tmp_path / "hub.duckdb")
    ingest_frame(hub, "ref_postcode", _ref(), source_name="ref_postcode")
    frame = pd.DataFrame({"incident_ref": ["F1", "F2", "F3"], "incident_date": ["2024-01-02"] * 3,
                          "postcode": ["NG5 1AD", "NG7 1AB", "NG7 1AA"],
                          "easting": [1020.0, 9100.0, 9000.0], "northing": [2000.0, 9000.0, 9000.0]})
    ingest_frame(hub, "fire_incident", frame, source_name="fire")
    res = publish(hub)
    table = next(t for t in res.tables if t["table"] == "fire_incident")
    assert table["placement"] == {"sector_centroid": 1, "nearest_postcode": 1, "postcode": 1}
    assert res.geography["postcodes_without_households"] == 16
    text = res.to_text()
    assert "Households unknown for 16 of 18 postcode(s)" in text
    assert "nearest_postcode 1, postcode 1, sector_centroid 1" in text
