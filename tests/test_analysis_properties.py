"""Property tests (hypothesis) for invariants of the analysis library (STYLE.md 7)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.analysis.aoristic import aoristic_weights
from workbench.analysis.change import e_test
from workbench.analysis.concentration import gini, lorenz_curve, top_share
from workbench.analysis.gistar import gi_star
from workbench.analysis.kde import hotspot_kde
from workbench.analysis.triangulation import ratio_of_rate_ratios

small_counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=60, deadline=None)
@given(small_counts, small_counts, st.floats(0.5, 5), st.floats(0.5, 5),
       st.sampled_from(["two-sided", "greater", "less"]))
def test_e_test_is_a_probability(k1, k2, t1, t2, alt):
    p = e_test(k1, k2, t1, t2, alt)
    assert 0.0 <= p <= 1.0


@settings(max_examples=40, deadline=None)
@given(small_counts, small_counts)
def test_e_test_symmetric_two_sided(k1, k2):
    assert abs(e_test(k1, k2) - e_test(k2, k1)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=2, max_size=60).filter(lambda v: sum(v) > 0))
def test_gini_bounds(counts):
    r = gini(counts)
    for g in (r.gini, r.gini_unbiased, r.gini_generalised):
        assert -1e-12 <= g <= 1 + 1e-12
    lc = lorenz_curve(counts)
    assert np.all(np.diff(lc["share_events"]) >= -1e-12)
    assert 0 <= top_share(counts, 0.2) <= 1


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.datetimes(min_value=__import__("datetime").datetime(2020, 1, 1),
                    max_value=__import__("datetime").datetime(2025, 1, 1)),
       st.integers(min_value=0, max_value=20 * 24 * 60))
def test_aoristic_weights_sum_to_one(start, minutes):
    end = start + __import__("datetime").timedelta(minutes=minutes)
    w = aoristic_weights([start], [end]).weights[0]
    assert abs(w.sum() - 1) < 1e-9
    assert np.all(w >= 0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_gistar_p_values_in_unit_interval(seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 500, (60, 2))
    y = rng.poisson(2, 60) + 1
    r = gi_star(xy, y, 100, fdr="by")
    assert np.all((r.p_value >= 0) & (r.p_value <= 1))
    assert np.all((r.p_adjusted >= r.p_value - 1e-12) & (r.p_adjusted <= 1))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 500), st.integers(1, 500), st.integers(1, 500), st.integers(1, 500))
def test_rrr_p_value_and_ci(p1, p2, e1, e2):
    r = ratio_of_rate_ratios(p1, p2, e1, e2)
    assert 0 <= r.p_value <= 1 and r.ci_low <= r.rrr <= r.ci_high


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_kde_preserves_mass_inside_grid(seed):
    rng = np.random.default_rng(seed)
    pts = rng.normal([450000, 340000], 200, (300, 2))
    r = hotspot_kde(pts, cell_size=25, bandwidth=60, quiet=True, area="bbox", edge_correction=False)
    assert abs(r.density.sum() * r.grid.cell_area_km2 - 300) < 3
    assert np.all(r.density >= 0)
    # clipped to the points' hull with the edge correction: no mass is lost at the edge
    c = hotspot_kde(pts, cell_size=25, bandwidth=60, quiet=True)
    inside = np.isfinite(c.density)
    assert np.nansum(c.density) * c.grid.cell_area_km2 >= r.density[inside].sum() * r.grid.cell_area_km2
    assert np.all(c.density[inside] >= 0)
