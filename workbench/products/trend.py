"""Three-year trends with significance: quasi-Poisson log-linear regression on monthly counts.

The strategic assessment reports "changes" and "three-year trends" (regulations appendix H
1.8, appendix K "Strategic Assessment conducted"); a trend is only called rising or falling
when it is statistically significant. Counts are modelled as ``log E[y_t] = a + b t`` (t in
months), fitted by iteratively re-weighted least squares; the standard error of ``b`` is
inflated by the Pearson dispersion when counts are over-dispersed (quasi-Poisson), and the
Wald test gives the p-value. ``annual_change`` is ``exp(12 b) - 1``.

Examples
--------
>>> import numpy as np
>>> r = trend_test(np.round(20 * np.exp(0.02 * np.arange(36))))
>>> r.direction, round(r.annual_change, 2)
('rising', 0.27)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats


@dataclass
class TrendResult:
    months: int
    total: int
    annual_change: float | None   # proportional change per year (0.1 = +10 %)
    p_value: float | None
    dispersion: float | None
    direction: str                # rising | falling | no significant change | too few data

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.annual_change is None:
            return "too few data for a trend"
        return (f"{self.direction} ({self.annual_change:+.0%} a year, p = {self.p_value:.3f})")


def trend_test(counts, *, alpha: float = 0.05) -> TrendResult:
    """Test monthly ``counts`` (oldest first) for a log-linear trend.

    Needs at least 6 months and 10 events; otherwise ``direction`` is ``'too few data'``.
    NaN months (outside a dataset's coverage) are dropped.
    """
    y = np.asarray(counts, dtype=float)
    y = y[~np.isnan(y)]  # months outside a dataset's coverage
    n, total = len(y), int(np.nansum(y))
    if n < 6 or total < 10:
        return TrendResult(n, total, None, None, None, "too few data")
    t = np.arange(n, dtype=float) - (n - 1) / 2
    X = np.column_stack([np.ones(n), t])
    beta = np.array([np.log(max(y.mean(), 1e-9)), 0.0])
    for _ in range(50):
        mu = np.exp(X @ beta)
        z = X @ beta + (y - mu) / mu
        W = mu
        XtW = X.T * W
        new = np.linalg.solve(XtW @ X, XtW @ z)
        if np.max(np.abs(new - beta)) < 1e-10:
            beta = new
            break
        beta = new
    mu = np.exp(X @ beta)
    dispersion = float(max(1.0, np.sum((y - mu) ** 2 / mu) / (n - 2)))
    cov = np.linalg.inv((X.T * mu) @ X) * dispersion
    se = float(np.sqrt(cov[1, 1]))
    zstat = beta[1] / se if se > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(zstat)))
    change = float(np.expm1(12 * beta[1]))
    if p < alpha:
        direction = "rising" if beta[1] > 0 else "falling"
    else:
        direction = "no significant change"
    return TrendResult(n, total, change, p, dispersion, direction)


def rate_ratio_test(current: int, current_days: float, baseline: int, baseline_days: float):
    """Exact conditional test that the current rate exceeds the baseline rate.

    Given ``current + baseline`` events, the current count is binomial with
    ``p = current_days / (current_days + baseline_days)`` under equal rates; the one-sided
    p-value is ``P(X >= current)``. Returns ``(rate_ratio, p_value)``.

    >>> rr, p = rate_ratio_test(30, 28, 100, 364)
    >>> round(rr, 2), p < 0.001
    (3.9, True)
    """
    n = current + baseline
    expected_share = current_days / (current_days + baseline_days)
    if n == 0:
        return None, 1.0
    base_rate = baseline / baseline_days
    rr = (current / current_days) / base_rate if base_rate > 0 else float("inf")
    p = float(stats.binom.sf(current - 1, n, expected_share))
    return rr, p
