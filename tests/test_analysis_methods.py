"""Methods on planted data: the signal we put in must come out; bad input must teach."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.stats import gaussian_kde

from workbench.analysis import harm, offenders
from workbench.analysis.change import seasonal_exceedance
from workbench.analysis.gistar import hotspot_gistar
from workbench.analysis.grid import grid_counts, make_grid
from workbench.analysis.hotspot_change import hotspot_change
from workbench.analysis.kde import hotspot_kde
from workbench.analysis.knox import near_repeat
from workbench.analysis.offence_groups import parse_offences
from workbench.analysis.rates import lsoa_rates, rates_by_imd_decile
from workbench.analysis.repeats import repeat_rates
from workbench.analysis.temporal import day_hour_matrix, seasonality, trend_test
from workbench.errors import BadInput


def test_kde_agrees_with_exact_gaussian_sum():
    rng = np.random.default_rng(2)
    pts = rng.normal([450000, 340000], [400, 250], (1500, 2))
    ours = hotspot_kde(pts, cell_size=20, bandwidth=100, quiet=True, area="bbox", edge_correction=False)
    centres = ours.grid.centres()[::7]
    want = np.zeros(len(centres))
    for k in range(0, len(pts), 300):  # exact isotropic Gaussian KDE, events per km²
        d2 = ((centres[:, None, :] - pts[None, k:k + 300, :]) ** 2).sum(-1)
        want += np.exp(-0.5 * d2 / 100.0**2).sum(1) / (2 * np.pi * 100.0**2) * 1e6
    got = ours.density.ravel()[::7]
    assert np.corrcoef(got, want)[0, 1] > 0.999
    assert_allclose(got.max(), want.max(), rtol=0.03)


def test_kde_matches_scipy_gaussian_kde_shape():
    rng = np.random.default_rng(3)
    pts = rng.normal([450000, 340000], 300, (800, 2))
    ours = hotspot_kde(pts, cell_size=25, bandwidth=80, quiet=True, area="bbox", edge_correction=False)
    ref = gaussian_kde(pts.T, bw_method=80 / pts.std(axis=0, ddof=1).mean())
    want = ref(ours.grid.centres().T)
    assert np.corrcoef(ours.density.ravel(), want)[0, 1] > 0.99


def test_kde_announces_defaults(capsys):
    rng = np.random.default_rng(0)
    hotspot_kde(rng.normal([450000, 340000], 300, (500, 2)))
    err = capsys.readouterr().err
    assert "Cell size set to" in err and "Bandwidth set to" in err
    hotspot_kde(rng.normal([450000, 340000], 300, (500, 2)), quiet=True)
    assert capsys.readouterr().err == ""


def test_hotspot_gistar_finds_planted_cluster():
    rng = np.random.default_rng(4)
    bg = rng.uniform([450000, 340000], [453000, 343000], (900, 2))
    cluster = rng.normal([451500, 341500], 40, (150, 2))
    r = hotspot_gistar(np.vstack([bg, cluster]), cell_size=100, quiet=True)
    f = r.to_frame()
    hot = f[f["hotspot"] == "hot"]
    assert len(hot) >= 1
    assert np.hypot(hot["x"] - 451500, hot["y"] - 341500).max() < 300
    assert set(f.columns) >= {"cell_id", "x", "y", "count", "G", "z", "p_value", "p_adjusted", "hotspot"}


def test_hotspot_gistar_null_has_no_hotspots_under_by():
    rng = np.random.default_rng(11)
    r = hotspot_gistar(rng.uniform(450000, 452000, (2000, 2)), cell_size=100, quiet=True)
    assert (r.gi.hotspot == "hot").sum() == 0


def test_hotspot_change_classes():
    rng = np.random.default_rng(0)
    bg = lambda n: rng.uniform(450000, 452000, (n, 2))  # noqa: E731
    before = np.vstack([bg(400), rng.normal(450500, 30, (150, 2)), rng.normal(451000, 30, (120, 2))])
    after = np.vstack([bg(400), rng.normal(451500, 30, (150, 2)), rng.normal(451000, 30, (120, 2))])
    r = hotspot_change(before, after, cell_size=100, quiet=True)
    cells = r.cells.set_index("cell_id")
    def cls_at(x, y):
        g = r.grid
        return cells.loc[int((y - g.y0) // g.cell_size * g.nx + (x - g.x0) // g.cell_size), "class"]
    assert cls_at(451500, 451500) == "emerging"
    assert cls_at(450500, 450500) == "diminishing"
    assert cls_at(451000, 451000) == "persistent"


def test_grid_counts_and_outside():
    g = make_grid([[450000, 340000], [450999, 340999]], cell_size=100)
    r = grid_counts([[450050, 340050], [460000, 340000]], grid=g)
    assert r.counts.sum() == 1 and r.n_outside == 1
    assert list(r.to_frame().columns) == ["cell_id", "x", "y", "count"]


def test_near_repeat_detects_planted_pairs():
    rng = np.random.default_rng(7)
    xy = rng.uniform(450000, 455000, (600, 2))
    t = rng.uniform(0, 365, 600)
    # 150 near repeats: within 50 m and 3 days of a random earlier event
    src = rng.integers(0, 600, 150)
    xy2 = xy[src] + rng.normal(0, 25, (150, 2))
    t2 = t[src] + rng.uniform(0, 3, 150)
    tab = near_repeat(np.vstack([xy, xy2]), np.concatenate([t, t2]), distance_edges=(0, 100, 200),
                      time_edges=(0, 7, 14), permutations=199, seed=1).table
    first = tab.iloc[0]
    assert first["distance_band"] == "0-100 m" and first["time_band"] == "0-7 days"
    assert first["knox_ratio"] > 2 and first["p_value"] <= 0.01
    assert len(tab) == 3 * 3 and tab["observed"].sum() == 750 * 749 // 2  # every pair in one cell


def test_near_repeat_bands_must_start_at_zero():
    with pytest.raises(BadInput, match="starting at 0"):
        near_repeat([[450000, 340000], [450001, 340001]], [0, 1], distance_edges=(50, 100))


def test_repeat_rates_with_window():
    r = repeat_rates(["a", "a", "a", "b"], ["2024-01-01", "2024-01-05", "2024-06-01", "2024-01-01"],
                     window_days=30)
    assert r.n_repeat_events == 1 and r.n_repeat_targets == 1
    plain = repeat_rates(["a", "a", "a", "b"])
    assert plain.repeat_rate == 0.5 and plain.targets.iloc[0]["events"] == 3


def test_trend_and_seasonality_and_exceedance():
    assert trend_test([10, 10, 11, 9, 10, 10, 11, 10, 9, 10, 11, 10]).direction == "no significant change"
    assert trend_test([10, 10, 11, 9, 10, 10, 11, 10]).direction == "too few data"  # under a year (issue 12)
    s = seasonality(pd.date_range("2021-01-01", "2023-12-31", freq="D").append(
        pd.date_range("2021-07-01", "2021-07-31", freq="D")))
    idx = s.index.set_index("month_of_year")["seasonal_index"]
    assert idx[7] > idx[6]
    d = ["2022-06-10"] * 5 + ["2023-06-10"] * 5 + ["2024-06-10"] * 15
    r = seasonal_exceedance(d, "2024-06-01", "2024-06-30", years=2)
    assert r.exceeds and r.p_value < 0.05


def test_day_hour_matrix_shape():
    m = day_hour_matrix(["2024-01-05 22:00", "2024-01-06 23:00"])
    assert m.shape == (7, 24) and m.loc["Fri", 22] == 1 and m.loc["Sat", 23] == 1


def test_harm_weights_reference_table_has_provenance():
    t = harm.reference_table()
    assert set(t.columns) == {"offence_code", "crime_type", "weight_name", "weight", "source"}
    assert t["source"].str.len().min() > 20
    w = harm.load_weights("cchi")
    for code in ("105A", "105B", "8N", "5D", "1"):
        assert code in w.index
    assert w["1"] > w["5D"] > w["8N"] > w["105A"]
    r = harm.harm_totals(["8N", "XX"])
    assert r.unweighted_codes == ["XX"]
    custom = pd.DataFrame({"offence_code": ["8N"], "weight_name": ["cchi"], "weight": [2.0]})
    assert harm.harm_totals(["8N"], table=custom).total_harm == 2.0


def test_offence_groups():
    assert "105A" in parse_offences("violence") and "5D" in parse_offences(None)
    with pytest.raises(BadInput, match="Did you mean 'homicide'"):
        parse_offences("homicde")


def test_lsoa_rates_and_imd():
    pop = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3"], "population": [1000, 2000, 1000]})
    imd = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3"], "imd_decile": [1, 1, 10]})
    r = lsoa_rates(["E1"] * 4 + ["E2"] * 2 + ["E9"], pop, imd)
    assert r.n_unmatched_events == 1
    by = rates_by_imd_decile(r).set_index("imd_decile")
    assert by.loc[1, "rate"] == pytest.approx(2.0) and by.loc[10, "rate"] == 0


def test_offender_and_victim_profiles():
    off = pd.DataFrame({"crime_ref": ["C1", "C2", "C3"], "offence_code": ["8N", "8N", "105A"]})
    ofd = pd.DataFrame({"crime_ref": ["C1", "C2"], "offender_ref": ["P1", "P1"]})
    vic = pd.DataFrame({"crime_ref": ["C1", "C3"], "age": [19, 70], "gender": ["F", "M"]})
    linked = offenders.link_by_crime_ref(off, ofd, vic)
    assert linked.offences_with_offender == 2 and linked.offences_with_victim == 2
    assert "victim_age" in linked.frame and "offender_offender_ref" not in linked.frame
    prof = offenders.victim_profile(vic)
    assert prof.loc["total", "total"] == 2
    assert offenders.prolificness(ofd["offender_ref"]).share_by_top == 1.0
    yos = pd.DataFrame({"client_ref": ["a", "b", "c"], "risk_1": [3, 0, 2], "risk_2": [3, 4, 0]})
    needs = offenders.need_profile(yos, prefix="risk_", threshold=2)
    assert needs.co_occurrence.loc["1", "2"] == pytest.approx(1 / 3)


def test_bad_inputs_teach():
    with pytest.raises(BadInput, match="zero rows"):
        hotspot_kde(np.zeros((0, 2)))
    with pytest.raises(BadInput, match="longitude/latitude"):
        hotspot_kde([[-1.15, 52.95], [-1.16, 52.96]])
    with pytest.raises(BadInput, match="must be one of"):
        hotspot_gistar([[450000, 340000], [450100, 340100]], cell_size=50, fdr="bonferoni", quiet=True)
