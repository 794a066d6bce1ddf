"""The analysis library against published values (STYLE.md 7): esda, pointpats, lorenzgini,
Krishnamoorthy & Thomson, Wheeler & Ratcliffe, Ratcliffe's aoristic rules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from workbench.analysis.aoristic import aoristic_weights
from workbench.analysis.change import compare_periods, e_test, poisson_z
from workbench.analysis.concentration import gini, offence_dispersion, pai_pei, top_share
from workbench.analysis.evaluation import weighted_displacement_difference
from workbench.analysis.gistar import gi_star, gi_star_lattice
from workbench.analysis.grid import Grid
from workbench.analysis.knox import knox
from workbench.analysis.triangulation import ratio_of_rate_ratios
from workbench.errors import BadInput

ESDA_POINTS = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
ESDA_Y = [2, 3, 3.2, 5, 8, 7]


def test_gistar_esda_docstring_values():
    r = gi_star(ESDA_POINTS, ESDA_Y, 15, fdr="none")
    assert_allclose(r.z, [-1.39728, -0.28918, 0.65065, -0.28918, 1.23452, 2.02424], atol=1e-5)


@pytest.mark.parametrize("seed,band", [(0, 80.0), (1, 120.0), (2, 200.0)])
def test_gistar_matches_esda_on_random_data(seed, band):
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1000, (400, 2))
    y = rng.poisson(3, 400).astype(float) + rng.uniform(0, 1, 400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.DistanceBand(xy, band, binary=True, silence_warnings=True)
        ref = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    ours = gi_star(xy, y, band, fdr="none")
    assert_allclose(ours.z, ref.Zs, atol=1e-6)
    assert_allclose(ours.G, ref.Gs, atol=1e-9)
    assert_allclose(ours.expected, ref.EGs, atol=1e-9)


def test_gistar_lattice_equals_point_form():
    rng = np.random.default_rng(5)
    counts = rng.poisson(2, (25, 30)).astype(float)
    grid = Grid(450000, 340000, 100, 30, 25)
    for band in (100, 150, 250):
        a = gi_star_lattice(counts, 100, band)
        b = gi_star(grid.centres(), counts.ravel(), band)
        assert_allclose(a.z, b.z, atol=1e-9)


def test_knox_burkitt_pointpats_docstring(tmp_path):
    libpysal = pytest.importorskip("libpysal")
    gpd = pytest.importorskip("geopandas")
    try:
        path = libpysal.examples.get_path("burkitt.shp")
    except Exception as exc:  # pragma: no cover - depends on the installed example data
        pytest.skip(f"libpysal's burkitt example is not installed: {exc}")
    df = gpd.read_file(path)
    r = knox(df[["X", "Y"]].to_numpy(), df["T"].to_numpy(), delta=20, tau=5, permutations=99, seed=1)
    assert r.statistic == 13
    assert_allclose(r.expected, 10.14382, atol=1e-5)
    # same table as pointpats' docstring: observed [[13, 3416], [39, 14110]]
    assert r.n_space_pairs - r.statistic == 3416
    assert r.n_time_pairs - r.statistic == 39
    assert 0 <= r.p_sim <= 1


@pytest.mark.parametrize("counts,biased,unbiased,generalised", [
    ([10, 8, 2] + [0] * 7, 0.78, 0.78 * 10 / 9, 0.78),
    ([5, 2, 1] + [0] * 7, 0.80, 0.80 * 10 / 9, 0.75),
    ([10] + [0] * 9, 0.90, 1.0, 0.90),
])
def test_gini_lorenzgini_values(counts, biased, unbiased, generalised):
    r = gini(counts)
    assert_allclose([r.gini, r.gini_unbiased, r.gini_generalised], [biased, unbiased, generalised], atol=1e-12)


def test_poisson_z_and_e_test():
    assert poisson_z(9, 4) == pytest.approx(2.0)
    assert e_test(6, 2) == pytest.approx(0.1748748, abs=1e-7)
    # one-sided halves the symmetric two-sided value here
    assert e_test(6, 2, alternative="greater") == pytest.approx(0.0874374, abs=1e-7)
    # unequal exposure: 20 in 10 days vs 20 in 20 days is a doubling of the rate
    assert e_test(20, 20, 10, 20, "greater") < 0.05
    assert e_test(0, 0) == pytest.approx(1.0)


def test_compare_periods_scales_unequal_periods():
    r = compare_periods(60, 60, 30, 60)
    assert r.rate_ratio == pytest.approx(2.0)
    assert r.change == pytest.approx(30.0)


@pytest.mark.parametrize("start,end,expected", [
    ("2024-01-01 01:00", "2024-01-01 02:30", {1: 2 / 3, 2: 1 / 3}),
    ("2024-01-01 01:50", "2024-01-01 02:10", {1: 0.5, 2: 0.5}),
    ("2024-01-06 23:30", "2024-01-07 00:30", {5 * 24 + 23: 0.5, 6 * 24: 0.5}),
    ("2024-01-07 23:30", "2024-01-08 00:30", {167: 0.5, 0: 0.5}),  # Sunday night wraps to Monday
    ("2024-01-01 05:20", None, {5: 1.0}),
])
def test_aoristic_rules(start, end, expected):
    w = aoristic_weights([start], [end]).weights[0]
    want = np.zeros(168)
    for k, v in expected.items():
        want[k] = v
    assert_allclose(w, want, atol=1e-12)


def test_aoristic_week_or_longer_is_uniform_and_reversed_counted():
    w = aoristic_weights(["2024-01-01 03:00", "2024-01-05 10:00"], ["2024-01-09 01:00", "2024-01-05 09:00"])
    assert_allclose(w.weights[0], np.full(168, 1 / 168))
    assert w.n_reversed == 1 and w.weights[1].argmax() == 4 * 24 + 10


def test_wdd_oracles():
    r = weighted_displacement_difference((130, 150), (120, 100))
    assert r.wdd == -40 and r.se == pytest.approx(22.36, abs=0.005)
    paper = weighted_displacement_difference((308, 318), (207, 110), (150, 140), (178, 157))
    assert paper.wdd == -118 and paper.se == pytest.approx(np.sqrt(1568))
    assert round(paper.z, 2) == -2.98


def test_ratio_of_rate_ratios_se():
    r = ratio_of_rate_ratios(100, 150, 80, 80)
    assert r.rrr == pytest.approx(1.5)
    assert r.se_log == pytest.approx(np.sqrt(1 / 100 + 1 / 150 + 1 / 80 + 1 / 80))
    assert ratio_of_rate_ratios(0, 5, 5, 5).rrr is None


def test_concentration_helpers():
    assert top_share([10, 8, 2] + [0] * 7, 0.2) == pytest.approx(0.9)
    r = pai_pei([5, 3, 1, 1, 0], [True, False, True, False, False])
    assert (r.pai, r.pai_max, r.pei) == pytest.approx((1.5, 2.0, 0.75))
    odi = offence_dispersion([20, 9, 5, 5], [5, 5, 5, 5])
    assert odi.n_removed == 2 and odi.odi == pytest.approx(0.5)  # 15 removed leaves +4
    with pytest.raises(BadInput, match="no overall increase"):
        offence_dispersion([5, 5], [5, 6])
