"""Year-on-year change tests allow for the month-to-month over-dispersion of crime counts (issue 12).

The Poisson exact rate test assumes the events of a period are independent; recorded crime
varies more than that from month to month (Pearson dispersion 1.2–6.5 on the real City of
London police.uk series), so a Poisson test calls ordinary variation a change. The strategic
year-on-year change and the problem profile now pass the series' dispersion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.change import exact_rate_test
from workbench.analysis.temporal import trend_test

FOLDER = "city-of-london_2024-01_to_2025-12"


def _calls(rng, runs, dispersion_known):
    mu, phi = 60.0, 4.0
    k = mu / (phi - 1)
    calls = 0
    for _ in range(runs):
        y = rng.negative_binomial(k, k / (k + mu), 24).astype(float)  # 24 months, no change
        d = trend_test(y).dispersion if dispersion_known else None
        calls += exact_rate_test(int(y[12:].sum()), int(y[:12].sum()), alternative="two-sided",
                                 dispersion=d).p_value < 0.05
    return calls / runs


def test_no_change_on_over_dispersed_months_is_called_at_most_at_the_nominal_rate():
    runs = 1500
    assert _calls(np.random.default_rng(1), runs, True) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs)
    assert _calls(np.random.default_rng(1), runs, False) > 0.2  # the Poisson test alone


def test_a_real_change_is_still_found():
    y = np.r_[np.full(12, 60.0), np.full(12, 90.0)] + np.tile([3, -3], 12)
    r = exact_rate_test(int(y[12:].sum()), int(y[:12].sum()), alternative="two-sided",
                        dispersion=trend_test(y).dispersion)
    assert r.p_value < 0.001 and r.rate_ratio == pytest.approx(1.5)


def test_real_police_uk_year_on_year_changes_allow_for_dispersion(real_data_dir):
    folder = real_data_dir / "police_uk" / FOLDER
    f = pd.concat([pd.read_csv(p, usecols=["Month", "Crime type"]) for p in sorted(folder.glob("*-street.csv"))])
    m = f.groupby(["Crime type", "Month"]).size().unstack(0).fillna(0).sort_index()
    poisson, allowed = 0, 0
    for crime_type in m.columns:
        y = m[crime_type].to_numpy(float)
        tr = trend_test(y)
        assert tr.dispersion >= 1
        plain = exact_rate_test(int(y[12:].sum()), int(y[:12].sum()), alternative="two-sided").p_value
        quasi = exact_rate_test(int(y[12:].sum()), int(y[:12].sum()), alternative="two-sided",
                                dispersion=tr.dispersion).p_value
        assert quasi >= plain - 1e-12
        poisson += plain < 0.05
        allowed += quasi < 0.05
    assert allowed < poisson
