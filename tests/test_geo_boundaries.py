"""workbench.geo.boundaries: GeoJSON → BNG WKT and the partnership-area test."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose

from workbench.geo import PartnershipArea, read_lsoa_geojson, wgs84_to_bng

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
LSOA_DIR = REAL / "lsoa" / "boundaries_lsoa2011_gen_clipped"


def _square(lon0, lat0, d):
    return [[[lon0, lat0], [lon0 + d, lat0], [lon0 + d, lat0 + d], [lon0, lat0 + d], [lon0, lat0]]]


@pytest.fixture
def two_squares(tmp_path):
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
           "features": [
               {"type": "Feature", "properties": {"LSOA11CD": "E01000001", "LSOA11NM": "A 001A"},
                "geometry": {"type": "Polygon", "coordinates": _square(-1.16, 52.94, 0.01)}},
               {"type": "Feature", "properties": {"LSOA11CD": "E01000002", "LSOA11NM": "A 001B"},
                "geometry": {"type": "MultiPolygon", "coordinates": [_square(-1.15, 52.94, 0.01)]}},
           ]}
    p = tmp_path / "squares.geojson"
    p.write_text(json.dumps(doc))
    return p


def test_geojson_to_bng_wkt(two_squares):
    frame = read_lsoa_geojson(two_squares)
    assert frame.columns.tolist() == ["lsoa_code", "lsoa_name", "geometry"]
    assert frame.lsoa_code.tolist() == ["E01000001", "E01000002"]
    assert frame.lsoa_name.tolist() == ["A 001A", "A 001B"]
    g = shapely.from_wkt(frame.geometry[0])
    e, n = wgs84_to_bng([-1.16], [52.94])
    first = shapely.get_coordinates(g)[0]
    assert_allclose(first, [e[0], n[0]], atol=0.1)  # first vertex, converted to BNG metres
    assert 600_000 < g.area < 800_000  # 0.01° × 0.01° at 53° N ≈ 670 m × 1110 m


def test_area_is_union_of_polygons(two_squares):
    frame = read_lsoa_geojson(two_squares)
    area = PartnershipArea.from_wkt(frame.geometry)
    inside = wgs84_to_bng([-1.155, -1.145, -1.13, np.nan], [52.945, 52.945, 52.945, 52.945])
    assert area.contains(*inside).tolist() == [True, True, False, False]
    corner = shapely.get_coordinates(shapely.from_wkt(frame.geometry[0]))[0]
    assert area.contains([corner[0]], [corner[1]]).tolist() == [True]  # a vertex counts as inside


def test_bbox_area_and_bad_bbox():
    area = PartnershipArea.from_bbox((0, 0, 10, 10))
    assert area.contains([0, 10, 11, None], [0, 10, 5, 5]).tolist() == [True, True, False, False]
    assert area.to_dict()["area_km2"] == 0.0
    with pytest.raises(ValueError, match="min < max"):
        PartnershipArea.from_bbox((10, 0, 0, 10))
    with pytest.raises(ValueError, match="geometry"):
        PartnershipArea()


def test_from_hub_like_connection_prefers_polygons_then_bbox(two_squares):
    con = duckdb.connect()
    con.execute("create table ref_lsoa(lsoa_code varchar, geometry varchar)")
    con.execute("create table ref_postcode(postcode varchar, easting double, northing double)")
    con.execute("insert into ref_postcode values ('NG1 1AA', 457804, 340087), ('NG7 2RD', 455000, 338000)")
    box = PartnershipArea.from_hub(con)
    assert box.geometry is None and box.bbox == (455000, 338000, 457804, 340087)
    frame = read_lsoa_geojson(two_squares)
    con.executemany("insert into ref_lsoa values (?, ?)", frame[["lsoa_code", "geometry"]].values.tolist())
    only_a = PartnershipArea.from_hub(con, ["E01000001"])
    both = PartnershipArea.from_hub(con)
    p = wgs84_to_bng([-1.145], [52.945])
    assert only_a.contains(*p).tolist() == [False] and both.contains(*p).tolist() == [True]


def test_missing_code_property_is_explained(tmp_path):
    p = tmp_path / "x.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"foo": 1},
         "geometry": {"type": "Polygon", "coordinates": _square(0, 52, 0.1)}}]}))
    with pytest.raises(ValueError, match="no LSOA code property"):
        read_lsoa_geojson(p)
    p.write_text("{\"type\": \"Feature\"}")
    with pytest.raises(ValueError, match="FeatureCollection"):
        read_lsoa_geojson(p)


@pytest.mark.real
def test_real_nottingham_lsoas():
    path = LSOA_DIR / "Nottingham.geojson"
    if not path.exists():
        pytest.skip("../shared/data/real not present")
    frame = read_lsoa_geojson(path)
    assert len(frame) == 182 and frame.lsoa_code.str.startswith("E01").all()
    area = PartnershipArea.from_wkt(frame.geometry)
    # Nottingham unitary authority: 74.6 km² (ONS Standard Area Measurements)
    assert area.to_dict()["area_km2"] == pytest.approx(74.6, abs=1.0)
    # NG1 1AA (Code-Point 457804 340087) is in the city; NG18 1AA-ish Mansfield point is not
    assert area.contains([457804, 453600], [340087, 360900]).tolist() == [True, False]
