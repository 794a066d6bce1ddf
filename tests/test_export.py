"""`hub export`: what the user may see, marked, with a sidecar, formula-safe, audited (issue 3 §5)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest

from governance_helpers import Clock, registry_with_people, victim_tables
from hubs import make_hub
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import requests as pr
from workbench.privacy.export import export, neutralise_cell, neutralise_frame

STREET = pd.DataFrame({
    "crime_id": ["a1", "a2", "a3"],
    "month": ["2025-01", "2025-01", "2025-02"],
    "location": ["=HYPERLINK(\"http://evil\",\"x\")", "On or near Market St", "@SUM(A1)"],
    "crime_type": ["+cmd|' /C calc'!A0", "-2+3", "\tTabbed"],
    "easting": [457000.0, 457100.0, None],
    "northing": [340000.0, 340100.0, None],
    "count": [-5, 3, 1],
})
SUMMARY = pd.DataFrame({"area_code": ["E01000001", "E01000002"], "count": [12, 7]})


@pytest.fixture
def setup(tmp_path):
    make_hub(tmp_path, init=False, tables=victim_tables([(1, "Notts Police", "Nottingham", {
        "crime_ref": "C1", "gender": "F", "age": 34, "address": "12 Acacia Avenue",
        "date_of_birth": date(1991, 3, 2), "postcode": "NG1 5AW"})]))
    make_hub(tmp_path, init=False, shared={"police_uk_street": STREET, "health_activity_counts": SUMMARY})
    reg = registry_with_people(tmp_path)
    return reg, tmp_path


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+44 115", "'+44 115"), ("-3", "'-3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Main St", "Main St"), ("", ""), ("a=b", "a=b"),
    (-5, -5), (3.5, 3.5), (None, None),
])
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_neutralise_frame_leaves_numbers(setup):
    out = neutralise_frame(STREET)
    assert out["count"].tolist() == [-5, 3, 1]
    assert out["location"].tolist()[0].startswith("'=")


def test_csv_export_is_marked_neutralised_with_sidecar_and_audited(setup):
    reg, tmp = setup
    out = tmp / "out" / "street.csv"
    result = export(reg, reg.hub, "police_uk_street", "ana", out)
    assert result.tier == "shared" and result.rows == 3 and result.format == "csv"
    out = tmp / "out" / "street_OFFICIAL-SENSITIVE.csv"          # the marking is in the file name
    assert result.path == str(out) and not (tmp / "out" / "street.csv").exists()
    # the first line is the header, so pandas (and Excel's import, QGIS) read the columns as they are
    assert out.read_text().splitlines()[0] == ",".join(STREET.columns)
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns) == list(STREET.columns)
    assert frame["location"].tolist()[0] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert frame["location"].tolist()[2] == "'@SUM(A1)"
    assert frame["crime_type"].tolist() == ["'+cmd|' /C calc'!A0", "'-2+3", "'\tTabbed"]
    assert frame["count"].tolist() == [-5, 3, 1]
    meta = json.loads((tmp / "out" / "street_OFFICIAL-SENSITIVE.csv.meta.json").read_text())
    assert meta["protective_marking"] == "OFFICIAL-SENSITIVE" and meta["rows"] == 3
    assert meta["user"] == "ana" and meta["tier"] == "shared" and meta["header_lines"] == 0
    assert result.sidecar == str(out) + ".meta.json"
    import hashlib
    assert meta["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    entry = reg.audit_entries(action="export")[-1]
    assert entry.actor == "ana" and entry.target == "police_uk_street" and entry.detail["rows"] == 3


def test_per_dataset_marking(setup):
    reg, tmp = setup
    reg.set_marking("police_uk_street", "OFFICIAL", actor="coord")
    result = export(reg, reg.hub, "police_uk_street", "ana", tmp / "s.csv")
    assert result.marking == "OFFICIAL" and result.path == str(tmp / "s_OFFICIAL.csv")
    assert pd.read_csv(result.path).columns[0] == "crime_id"
    # a name that already carries the marking is kept as given
    again = export(reg, reg.hub, "police_uk_street", "ana", tmp / "street-official.csv")
    assert again.path == str(tmp / "street-official.csv")


def test_xlsx_export(setup):
    from openpyxl import load_workbook

    reg, tmp = setup
    out = export(reg, reg.hub, "police_uk_street", "ana", tmp / "street.xlsx").path
    assert out.endswith("street_OFFICIAL-SENSITIVE.xlsx")
    frame = pd.read_excel(out)                        # header intact: row 1 holds the column names
    assert list(frame.columns) == list(STREET.columns) and len(frame) == 3
    wb = load_workbook(out)
    ws = wb.active
    assert [c.value for c in ws[1]] == list(STREET.columns)
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0][2] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert values[0][6] == -5
    assert ws.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    assert ws.oddFooter.center.text == "OFFICIAL-SENSITIVE"
    assert wb.properties.category == "OFFICIAL-SENSITIVE"


def test_parquet_export_carries_marking(setup):
    import pyarrow.parquet as pq

    reg, tmp = setup
    out = export(reg, reg.hub, "police_uk_street", "ana", tmp / "street.parquet").path
    assert pd.read_parquet(out).columns.tolist() == list(STREET.columns)
    table = pq.read_table(out)
    assert table.schema.metadata[b"protective_marking"] == b"OFFICIAL-SENSITIVE"
    assert table.column("location").to_pylist()[0] == STREET["location"][0]   # data kept exact


def test_gpkg_export(setup):
    import geopandas as gpd
    import pyogrio

    reg, tmp = setup
    out = export(reg, reg.hub, "police_uk_street", "ana", tmp / "street.gpkg", fmt="gpkg").path
    assert out.endswith("street_OFFICIAL-SENSITIVE.gpkg")
    gdf = gpd.read_file(out)
    assert [c for c in gdf.columns if c != "geometry"] == list(STREET.columns)
    assert gdf.crs.to_epsg() == 27700 and len(gdf) == 3
    assert gdf.geometry.iloc[0].x == 457000.0 and gdf.geometry.iloc[2] is None
    info = pyogrio.read_info(out)
    assert info["layer_metadata"]["protective_marking"] == "OFFICIAL-SENSITIVE"
    with pytest.raises(BadInput, match="easting/northing"):
        export(reg, reg.hub, "health_activity_counts", "ana", tmp / "h.gpkg")


def test_viewer_gets_aggregates_only_and_denial_is_audited(setup):
    reg, tmp = setup
    assert export(reg, reg.hub, "health_activity_counts", "vic", tmp / "h.csv").rows == 2
    with pytest.raises(AccessDenied) as info:
        export(reg, reg.hub, "police_uk_street", "vic", tmp / "no.csv")
    assert info.value.exit_code == 3 and not list(tmp.glob("no*.csv"))
    assert reg.audit_entries(actor="vic", outcome="denied")[-1].action == "export"


def test_dataset_missing_from_shared_tier(setup):
    reg, tmp = setup
    with pytest.raises(BadInput, match="not in the shared"):
        export(reg, reg.hub, "police_crime_victim", "ana", tmp / "v.csv")


def test_personal_dataset_exports_its_published_counts(tmp_path):
    counts = pd.DataFrame({"quarter_start": ["2025-01-01"], "postcode_district": ["NG1"], "records": [None]})
    make_hub(tmp_path, init=False, tables=victim_tables([]))
    make_hub(tmp_path, init=False, shared={"prison_release_counts": counts})
    reg = registry_with_people(tmp_path)
    result = export(reg, reg.hub, "prison_release", "ana", tmp_path / "pr.csv")
    assert result.rows == 1 and result.columns == ["quarter_start", "postcode_district", "records"]


def test_bad_format(setup):
    reg, tmp = setup
    with pytest.raises(BadInput, match="Did you mean 'csv'"):
        export(reg, reg.hub, "police_uk_street", "ana", tmp / "v.cvs")


def test_personal_export_only_under_request_and_purged(setup):
    reg, tmp = setup
    clock = Clock()
    reg.set_clock(clock)
    with pytest.raises(BadInput):
        export(reg, reg.hub, "police_crime_victim", "ana", tmp / "p.csv", request_id=99)
    req = pr.create(reg, "ana", "service_delivery", ["Who needs support?"],
                    {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
                    "Notts Police", (clock.t + timedelta(days=7)).date(), partnership="Nottingham",
                    subjects={"police_crime_victim": {"crime_ref": ["C1", "C2", "C3", "C4"]}})
    with pytest.raises(AccessDenied, match="not approved"):
        export(reg, reg.hub, "police_crime_victim", "ana", tmp / "p.csv", request_id=req.id)
    pr.decide(reg, req.id, "pol_dlo", True)
    pr.release(reg, req.id, "ana")
    with pytest.raises(AccessDenied):                                   # second group: never
        export(reg, reg.hub, "police_crime_victim", "sec_ana", tmp / "p.csv", request_id=req.id)
    with pytest.raises(BadInput, match="restricted folder"):
        export(reg, reg.hub, "police_crime_victim", "ana", tmp.parent / "elsewhere.csv", request_id=req.id)
    result = export(reg, reg.hub, "police_crime_victim", "ana", tmp / "p.csv", request_id=req.id)
    assert result.tier == "personal" and result.marking == "OFFICIAL-SENSITIVE PERSONAL"
    out = tmp / "p_OFFICIAL-SENSITIVE-PERSONAL.csv"
    assert result.path == str(out)
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["crime_ref", "address"] and frame["address"][0] == "12 Acacia Avenue"
    clock.t += timedelta(days=8)
    from workbench.privacy.retention import purge

    purged = purge(reg)
    assert str(out) in purged.files_deleted and not out.exists()
    assert not out.with_name(out.name + ".meta.json").exists()
