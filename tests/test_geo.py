"""workbench.geo: BNG↔WGS84, postcodes, centroids, grids (known values, STYLE 7)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from pyproj import Transformer

from workbench.geo import (
    PostcodeCentroids, bng_to_wgs84, bounding_box, cell_centres, cell_ids, grid_over,
    in_bng_extent, is_valid_postcode, normalise_postcode, normalise_postcode_sql,
    normalise_postcodes, outward, sector, snap, wgs84_to_bng,
)

# ------------------------------------------------------------------ coordinates


def test_codepoint_postcode_matches_pyproj():
    # Code-Point Open 2025-10: "NG1 1AA",10,457804,340087 (Nottingham city centre)
    lon, lat = bng_to_wgs84([457804], [340087])
    ref = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(457804, 340087)
    assert_allclose([lon[0], lat[0]], ref, atol=1e-9)
    # Old Market Square, Nottingham, is at about 52.953 N, 1.150 W; NG1 1AA is just east
    assert_allclose([lon[0], lat[0]], [-1.1410, 52.9551], atol=1e-3)


def test_hand_known_point_caister_water_tower():
    # OS "A guide to coordinate systems in Great Britain", worked example: Caister water tower
    # ETRS89 52°39'28.8282"N 1°42'57.8663"E is E 651409.903 N 313177.270 (OSTN15). Offline
    # pyproj uses the Helmert transform (~2-4 m), so 5 m tolerance.
    lat = 52 + 39 / 60 + 28.8282 / 3600
    lon = 1 + 42 / 60 + 57.8663 / 3600
    e, n = wgs84_to_bng([lon], [lat])
    assert_allclose([e[0], n[0]], [651409.903, 313177.270], atol=5.0)


def test_round_trip_and_missing_values():
    e = np.array([457804.0, np.nan, 651409.9, 0.0])
    n = np.array([340087.0, 1.0, 313177.3, np.nan])
    lon, lat = bng_to_wgs84(e, n)
    assert np.isnan(lon[1]) and np.isnan(lat[3])
    e2, n2 = wgs84_to_bng(lon, lat)
    assert_allclose(e2[[0, 2]], e[[0, 2]], atol=1e-3)
    assert_allclose(n2[[0, 2]], n[[0, 2]], atol=1e-3)


def test_text_and_none_inputs_become_nan():
    lon, lat = bng_to_wgs84(pd.Series(["457804", "", None, "x"]), [340087, 1, 2, 3])
    assert np.isfinite(lon[0]) and np.isnan(lon[1:]).all()


def test_length_mismatch_is_a_teaching_error():
    with pytest.raises(ValueError, match="same length"):
        bng_to_wgs84([1, 2], [3])


@settings(max_examples=50, deadline=None)
@given(st.floats(60_000, 650_000), st.floats(10_000, 1_200_000))
def test_round_trip_property(e, n):
    lon, lat = bng_to_wgs84([e], [n])
    e2, n2 = wgs84_to_bng(lon, lat)
    assert abs(e2[0] - e) < 0.01 and abs(n2[0] - n) < 0.01


def test_bng_extent():
    assert in_bng_extent([457804, -1, 700001, np.nan], [340087, 5, 5, 5]).tolist() == [
        True, False, False, False]

# ------------------------------------------------------------------ postcodes


@pytest.mark.parametrize("raw, normal", [
    ("NG1 5AW", "NG1 5AW"), ("ng15aw", "NG1 5AW"), ("  ng1   5aw ", "NG1 5AW"),
    ("NG101AA", "NG10 1AA"), ("EC1A1BB", "EC1A 1BB"), ("W1A 0AX", "W1A 0AX"),
    ("M1 1AE", "M1 1AE"), ("B33 8TH", "B33 8TH"), ("DN55 1PT", "DN55 1PT"), ("gir0aa", "GIR 0AA"),
    ("NG1 5A", None), ("NG1", None), ("", None), (None, None), (float("nan"), None),
    ("QG1 5AW", None),        # Q never starts a postcode
    ("NG1 5CW", None),        # C never appears in the inward unit letters
    ("NG15AWX", None), ("=HYPERLINK(1)", None),
])
def test_normalise_postcode(raw, normal):
    assert normalise_postcode(raw) == normal
    assert is_valid_postcode(raw) is (normal is not None)


def test_normalise_postcodes_vectorised_matches_scalar():
    raws = ["ng15aw", "x", None, "EC1A 1BB", "NG10 1AA", "NG1 5CW", "", "s80 1aa"]
    assert normalise_postcodes(raws).tolist() == [normalise_postcode(r) for r in raws]


def test_normalise_postcode_sql_matches_python():
    raws = ["ng15aw", "x", None, "EC1A 1BB", "NG10 1AA", "NG1 5CW", "", " s80  1aa "]
    con = duckdb.connect()
    con.execute("create table t(i int, p varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(raws)))
    got = [r[0] for r in con.sql(f"select {normalise_postcode_sql('p')} from t order by i").fetchall()]
    assert got == [normalise_postcode(r) for r in raws]


@pytest.mark.parametrize("raw, out, sec", [
    ("NG1 5AW", "NG1", "NG1 5"), ("ng101aa", "NG10", "NG10 1"), ("NG7", "NG7", None),
    ("ec1a", "EC1A", None), ("nonsense", None, None), (None, None, None),
])
def test_outward_and_sector(raw, out, sec):
    assert outward(raw) == out
    assert sector(raw) == sec

# ------------------------------------------------------------------ centroids and grids


def test_centroid_lookup_normalises_and_misses_give_nan():
    table = PostcodeCentroids(pd.DataFrame({
        "postcode": ["NG1 1AA", "NG1 1AB", "ng7 2rd"], "easting": [457804, 457845, None],
        "northing": [340087, 340031, 339000]}))
    assert len(table) == 2  # the row without an easting is dropped
    e, n = table.lookup(["ng11ab", "NG1 1AA", "NG7 2RD", None])
    assert e[:2].tolist() == [457845.0, 457804.0] and n[:2].tolist() == [340031.0, 340087.0]
    assert np.isnan(e[2:]).all()


def test_centroid_table_needs_its_columns():
    with pytest.raises(ValueError, match="northing"):
        PostcodeCentroids(pd.DataFrame({"postcode": [], "easting": []}))


def test_grid_helpers():
    x, y = snap([457804, 457999.9, np.nan], [340087, 340200, 1], 200)
    assert x[:2].tolist() == [457800, 457800] and y[:2].tolist() == [340000, 340200]
    assert np.isnan(x[2])
    xc, yc = cell_centres([457804], [340087], 100)
    assert (xc[0], yc[0]) == (457850, 340050)
    assert cell_ids([457804, None], [340087, None], 250).tolist() == ["457750_340000", None]
    assert bounding_box([1, 5, np.nan], [2, 9, 3], pad=1) == (0, 1, 6, 10)
    g = grid_over((0, 0, 399, 399), 200)
    assert len(g) == 4 and set(g.cell_id) == {"0_0", "200_0", "0_200", "200_200"}


@pytest.mark.parametrize("bad", [0, -5, "ten", float("nan")])
def test_grid_cell_size_is_checked(bad):
    with pytest.raises(ValueError, match="cell_size"):
        snap([1], [1], bad)


def test_centroids_from_a_hub_like_connection_and_sampling():
    con = duckdb.connect()
    con.execute("create table ref_postcode(postcode varchar, easting double, northing double)")
    con.execute("insert into ref_postcode values ('NG1 1AA', 457804, 340087), ('NG7 2RD', NULL, NULL)")
    table = PostcodeCentroids.from_hub(con)
    assert len(table) == 1
    drawn = table.sample(5, np.random.default_rng(0))
    assert drawn.postcode.tolist() == ["NG1 1AA"] * 5 and drawn.easting.tolist() == [457804.0] * 5
