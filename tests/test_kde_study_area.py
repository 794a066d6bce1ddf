"""KDE inside the study area (issue 12, item 9): clipped to the boundary, edge-corrected by
default (Diggle 1985), default bandwidth matching the cited source (sfhotspot)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from workbench.analysis.kde import QUARTIC_SD, default_bandwidth, hotspot_kde
from workbench.geo.boundaries import PartnershipArea

SQUARE = shapely.box(450000, 450000, 452000, 452000)


@pytest.fixture(scope="module")
def uniform():
    """20,000 points uniform on a 2 × 2 km square: true intensity 5,000 per km² everywhere."""
    return np.random.default_rng(0).uniform(450000, 452000, (20000, 2))


def _edges(r):
    d = r.density
    rows = np.flatnonzero(np.isfinite(d).any(axis=1))
    cols = np.flatnonzero(np.isfinite(d).any(axis=0))
    mid_r, mid_c = (rows[0] + rows[-1]) // 2, (cols[0] + cols[-1]) // 2
    return {"edge": d[rows[0], mid_c], "corner": d[rows[0], cols[0]], "middle": d[mid_r, mid_c]}


def test_edge_correction_keeps_the_edge_at_the_true_intensity(uniform):
    corrected = _edges(hotspot_kde(uniform, cell_size=50, bandwidth=150, area=SQUARE, quiet=True))
    plain = _edges(hotspot_kde(uniform, cell_size=50, bandwidth=150, area=SQUARE,
                               edge_correction=False, quiet=True))
    for where in ("edge", "corner", "middle"):
        assert corrected[where] == pytest.approx(5000, rel=0.15)
    # without the correction the boundary sags: about half at an edge, a quarter at a corner
    assert plain["edge"] < 0.65 * 5000 and plain["corner"] < 0.4 * 5000


def test_outside_the_area_is_not_estimated_and_points_there_are_left_out(uniform):
    west = PartnershipArea.from_wkt([shapely.to_wkt(shapely.box(450000, 450000, 451000, 452000))])
    r = hotspot_kde(uniform, cell_size=50, bandwidth=150, area=west, quiet=True)
    f = r.to_frame()
    assert f["x"].max() < 451000 and np.isfinite(f["density_per_km2"]).all()
    assert np.isnan(r.density).any()
    assert r.n_points == int((uniform[:, 0] <= 451000).sum())
    assert r.n_outside_area == 20000 - r.n_points
    d = r.to_dict()
    assert d["edge_correction"] is True and d["study_area"]["area_km2"] == 2.0
    # the estimate near the cut edge is not lowered by the missing eastern half
    east_edge = f[f["x"] > 450900]["density_per_km2"].median()
    assert east_edge == pytest.approx(5000, rel=0.15)


def test_default_study_area_is_the_hull_and_bbox_restores_the_whole_grid(uniform, capsys):
    r = hotspot_kde(uniform[:2000], cell_size=50, bandwidth=150)
    assert "convex hull" in capsys.readouterr().err
    assert np.isnan(r.density).any()          # the 2h margin beyond the points is outside
    b = hotspot_kde(uniform[:2000], cell_size=50, bandwidth=150, area="bbox", quiet=True)
    assert np.isfinite(b.density).all()


def test_default_bandwidth_matches_sfhotspot_rule_as_gaussian_sd():
    rng = np.random.default_rng(5)
    pts = rng.normal([450000, 340000], [1200, 800], (5000, 2))
    spread = [min(np.std(pts[:, k], ddof=1), np.subtract(*np.percentile(pts[:, k], [75, 25])) / 1.34)
              for k in (0, 1)]
    nrd = 4 * 1.06 * np.mean(spread) * 5000 ** (-0.2)      # MASS::bandwidth.nrd, sfhotspot
    sigma = nrd * QUARTIC_SD                                # sd of the quartic kernel of radius nrd
    got = default_bandwidth(pts, 10, quiet=True)
    assert got == pytest.approx(sigma, rel=0.25)           # nice-number rounding only
    assert got > 1.1 * 1.06 * np.mean(spread) * 5000 ** (-0.2)  # wider than the old nrd/4
    # the quartic kernel's per-axis sd really is radius/sqrt(8)
    r = np.linspace(0, 1, 200001)
    w = (1 - r**2) ** 2 * r
    assert np.sqrt((w * r**2).sum() / w.sum() / 2) == pytest.approx(QUARTIC_SD, rel=1e-3)


def test_area_that_misses_the_points_is_refused(uniform):
    from workbench.errors import BadInput

    with pytest.raises(BadInput, match="study area"):
        hotspot_kde(uniform, cell_size=50, bandwidth=150, area=shapely.box(0, 0, 10, 10), quiet=True)


def test_concentration_uses_the_cells_of_the_study_area_only():
    """A coastal town: events only on the land half of the bounding box. Counting the sea
    cells as places without crime inflates the Gini; the study area leaves them out."""
    from workbench.analysis.concentration import gini
    from workbench.analysis.grid import grid_counts

    rng = np.random.default_rng(3)
    land = shapely.box(450000, 450000, 451000, 452000)
    pts = np.vstack([rng.uniform([450000, 450000], [451000, 452000], (3000, 2)),
                     [[451990, 451990]]])  # one stray record (a geocoding error) out at sea
    whole = grid_counts(pts, cell_size=100, quiet=True)
    clipped = grid_counts(pts, cell_size=100, area=land, quiet=True)
    assert clipped.counts_in_area().size == 200 and whole.counts.size == 400
    assert clipped.n_outside == 1 and clipped.to_dict()["n_cells"] == 200
    assert gini(clipped.counts_in_area()).gini < 0.15 < gini(whole.counts).gini
    assert len(clipped.to_frame()) == 200


def test_real_force_year_clipped_to_the_county_lsoa_union(real_data_dir):
    """Real police.uk (Nottinghamshire, 5 months) on the union of the county's 679 real LSOA
    polygons: records placed outside the county (police.uk includes some in other forces'
    areas, even Wales) are left out and counted; no cell outside the county is tested; the
    hottest cell is Nottingham city centre."""
    import pandas as pd
    from pyproj import Transformer

    from workbench.analysis.gistar import OUTSIDE, hotspot_gistar
    from workbench.geo.boundaries import lsoa_union, read_lsoa_geojson

    folder = real_data_dir / "police_uk" / "nottinghamshire_2018-10_to_2019-02"
    f = pd.concat([pd.read_csv(p) for p in sorted(folder.glob("*-street.csv"))], ignore_index=True)
    f = f[f["Longitude"].notna() & (f["Crime type"] == "Violence and sexual offences")]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(
        f["Longitude"].to_numpy(), f["Latitude"].to_numpy())
    xy = np.column_stack([x, y])
    lsoas = pd.concat([read_lsoa_geojson(p) for p in
                       sorted((real_data_dir / "lsoa" / "boundaries_lsoa2011_gen_clipped").glob("*.geojson"))])
    county = lsoa_union(lsoas["geometry"])
    assert county.to_dict()["area_km2"] == pytest.approx(2159, rel=0.01)
    g = hotspot_gistar(xy, cell_size=500, area=county, quiet=True)
    outside_county = ~county.contains(xy[:, 0], xy[:, 1])
    assert g.n_outside_area == int(outside_county.sum()) > 0
    frame = g.to_frame()
    tested = frame[frame["hotspot"] != OUTSIDE]
    assert county.contains(tested["x"], tested["y"]).all()
    assert (frame["hotspot"] == OUTSIDE).sum() > 0.3 * len(frame)   # the bounding box is mostly not county
    top = tested.sort_values("z", ascending=False).iloc[0]
    assert top["hotspot"] == "hot" and np.hypot(top["x"] - 457220, top["y"] - 339850) < 2000
    k = hotspot_kde(xy, cell_size=500, bandwidth=750, area=county, quiet=True)
    assert k.n_outside_area == g.n_outside_area and np.isnan(k.density).sum() > 0
