"""Geographies as reporting units (issue 16): wards from Code-Point's ward codes with names from an
ONS lookup, user polygons from GeoJSON, counted by workbench.analysis.units and shown in a product."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from hub_helpers import offence_row, write_csv
from workbench.analysis.units import counts_by_unit
from workbench.errors import BadInput
from workbench.hub.ingest import ingest_files


def _codepoint(tmp_path):
    d = tmp_path / "cp"
    d.mkdir()
    (d / "ng.csv").write_text('"NG1 1AA",10,457000,340000,"E92000001","E19000003","E18000004","","E06000018","E05012275"\n'
                              '"NG1 1AB",10,457500,340500,"E92000001","E19000003","E18000004","","E06000018","E05012276"\n')
    return d / "ng.csv"


def _npa_geojson(tmp_path):
    def square(x0, y0, x1, y1):
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
           "features": [{"type": "Feature", "properties": {"NPA_CODE": "C1", "NPA_NAME": "City Centre"},
                         "geometry": square(456900, 339900, 457200, 340200)},
                        {"type": "Feature", "properties": {"NPA_CODE": "S1", "NPA_NAME": "Sneinton"},
                         "geometry": square(457400, 340400, 457700, 340700)}]}
    p = tmp_path / "npa.geojson"
    p.write_text(json.dumps(doc))
    return p


def test_wards_and_user_areas_are_reporting_units(empty_hub, tmp_path):
    from workbench.hub.connect import open_hub

    ingest_files(empty_hub, "ref_postcode", [_codepoint(tmp_path)], quiet=True)
    wards = tmp_path / "wards.csv"
    wards.write_text("WD24CD,WD24NM,LAD24CD\nE05012275,Castle,E06000018\nE05012276,St Ann's,E06000018\n"
                     "E05012276,St Ann's,E06000018\n")
    assert ingest_files(empty_hub, "ref_ward", [wards], quiet=True).adapter == "area_polygons"
    ingest_files(empty_hub, "ref_area", [_npa_geojson(tmp_path)], quiet=True)
    rows = [offence_row(f"C{i}", postcode="NG1 1AA", easting="457000", northing="340000") for i in range(3)]
    rows += [offence_row("C9", postcode="NG1 1AB", easting="457500", northing="340500"),
             offence_row("C10", postcode="", easting="460000", northing="345000")]
    ingest_files(empty_hub, "police_crime_offence", [write_csv(tmp_path / "o.csv", rows)], quiet=True)
    con = open_hub(empty_hub, read_only=True)
    try:
        by_ward = counts_by_unit(con, "police_crime_offence", "ward")
        by_npa = counts_by_unit(con, "police_crime_offence", "area:npa")
        by_district = counts_by_unit(con, "police_crime_offence", "district")
        with pytest.raises(BadInput, match="the hub has: npa"):
            counts_by_unit(con, "police_crime_offence", "area:beats")
    finally:
        con.close()
    assert by_ward.frame.values.tolist() == [["E05012275", "Castle", 3], ["E05012276", "St Ann's", 1]]
    assert by_ward.unplaced == 1 and "could not be placed" in by_ward.notes[0]
    assert by_npa.frame[["unit_code", "unit_name", "count"]].values.tolist() == [["C1", "City Centre", 3],
                                                                                 ["S1", "Sneinton", 1]]
    assert by_npa.unplaced == 1
    assert by_district.frame["count"].sum() == 4


def test_sna_reports_by_ward_and_area():
    from workbench.products.sna import sna_summary

    con = duckdb.connect()
    con.execute("CREATE TABLE police_crime_offence AS SELECT '8N' AS offence_code, DATE '2024-06-01' + CAST(i AS INTEGER) AS "
                "committed_from_date, NULL::TIME AS committed_from_time, 'NG1 1AA' AS postcode, 457000.0 AS easting, "
                "340000.0 AS northing, 'N' AS flag_alcohol, 'N' AS flag_drugs, 'N' AS flag_domestic FROM range(20) t(i)")
    con.execute("CREATE TABLE ref_postcode AS SELECT 'NG1 1AA' AS postcode, 457000.0 AS easting, 340000.0 AS northing, "
                "'E01000001' AS lsoa_code, 'E05012275' AS ward_code")
    con.execute("CREATE TABLE ref_area AS SELECT 'npa' AS area_set, 'C1' AS area_code, 'City Centre' AS area_name, "
                "'POLYGON ((456900 339900, 457200 339900, 457200 340200, 456900 340200, 456900 339900))' AS geometry")
    s = sna_summary(con, pd.Timestamp("2024-12-31").date())
    assert s.units["ward"].frame["count"].tolist() == [20]
    assert s.units["area:npa"].frame["unit_name"].tolist() == ["City Centre"]
