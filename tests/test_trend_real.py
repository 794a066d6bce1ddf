"""The one trend test does not call a trend the data cannot carry (issue 12).

* Short windows: fewer than twelve months read the seasonal cycle, or a passing run of high
  months, as a trend and extrapolate it to a year. On the real City of London police.uk
  months (``../shared/data/real``), crime types with no trend over 24 months were called
  rising or falling in several six-month windows by the old six-month minimum.
* Estimated dispersion: the quasi-Poisson statistic is referred to Student's t with n − 2
  degrees of freedom; the normal overcalled trends on over-dispersed pattern-free series.
* Gaps: months outside a dataset's coverage are left out but keep their place in time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.temporal import TREND_MIN_MONTHS, trend_test

FOLDER = "city-of-london_2024-01_to_2025-12"


@pytest.fixture(scope="module")
def city_months(real_data_dir):
    folder = real_data_dir / "police_uk" / FOLDER
    f = pd.concat([pd.read_csv(p, usecols=["Month", "Crime type"]) for p in sorted(folder.glob("*-street.csv"))])
    return f.groupby(["Crime type", "Month"]).size().unstack(0).fillna(0).sort_index()


def test_six_months_of_real_police_uk_data_are_too_few_for_a_trend(city_months):
    assert TREND_MIN_MONTHS == 12
    assert len(city_months) == 24
    called = 0
    for crime_type in ("Other theft", "Shoplifting", "Public order"):
        y = city_months[crime_type].to_numpy()
        assert trend_test(y).direction == "no significant change"  # no trend over the 24 months
        for start in range(0, 19):
            window = trend_test(y[start:start + 6])
            assert window.direction == "too few data" and window.annual_change is None
            # what the old six-month rule (normal p on the same fit) would have said
            called += _old_rule_calls_a_trend(y[start:start + 6])
    assert called >= 5  # the real series did fool the old rule


def _old_rule_calls_a_trend(y) -> bool:
    from scipy import stats

    n = len(y)
    t = np.arange(n) - (n - 1) / 2
    X = np.column_stack([np.ones(n), t])
    beta = np.array([np.log(y.mean()), 0.0])
    for _ in range(50):
        mu = np.exp(X @ beta)
        beta = np.linalg.solve((X.T * mu) @ X, (X.T * mu) @ (X @ beta + (y - mu) / mu))
    mu = np.exp(X @ beta)
    dispersion = max(1.0, float(np.sum((y - mu) ** 2 / mu) / (n - 2)))
    se = np.sqrt(np.linalg.inv((X.T * mu) @ X)[1, 1] * dispersion)
    return bool(2 * stats.norm.sf(abs(beta[1] / se)) < 0.05)


@pytest.mark.parametrize("months,dispersion", [(12, 3.0), (12, 8.0), (24, 3.0)])
def test_pattern_free_over_dispersed_series_call_a_trend_at_most_at_the_nominal_rate(months, dispersion):
    rng = np.random.default_rng(months * 10 + int(dispersion))
    mu, k, runs = 40.0, 40.0 / (dispersion - 1), 3000
    calls = sum(trend_test(rng.negative_binomial(k, k / (k + mu), months)).direction != "no significant change"
                for _ in range(runs))
    assert calls / runs <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / runs)  # the normal gave 0.077 at 12 months


def test_a_gap_in_coverage_keeps_the_months_in_their_place():
    t = np.arange(36)
    y = np.round(100 * np.exp(0.01 * t)).astype(float)
    y[12:24] = np.nan  # a year without the supply
    r = trend_test(y)
    assert r.months == 24
    assert r.annual_change == pytest.approx(np.expm1(0.12), abs=0.01)  # read as consecutive: about 0.27


def test_a_real_trend_is_still_found():
    y = np.round(30 * np.exp(0.03 * np.arange(24)))
    assert trend_test(y).direction == "rising"
