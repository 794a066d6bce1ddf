"""Time profiles: day × hour matrix, seasonality and a trend test (guidance Appendix 2: *when*).

The day × hour matrix is built from aoristic weights (:mod:`workbench.analysis.aoristic`),
so offences with an uncertain time window are spread rather than piled on midnight.
Seasonality is the month-of-year index (mean count in a calendar month over the overall
monthly mean). The trend test is a quasi-Poisson log-linear regression on monthly counts,
the one trend test of the workbench (products and dashboards call this function, so a trend
has one method and one vocabulary: rising, falling, no significant change, too few data).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from workbench.analysis import _validate as check
from workbench.analysis.aoristic import aoristic_weights
from workbench.analysis.fitness import Needs, require_day_precision, require_time_of_day
from workbench.analysis.results import Result


#: what the day × hour table needs (the fitness gate, guidance 4.2.3)
DAY_HOUR_NEEDS = Needs(date="day", time_of_day="required")


def day_hour_matrix(start, end=None) -> pd.DataFrame:
    """Aoristic 7 × 24 table of offences by day of week (rows Mon…Sun) and hour (0…23).

    Behind the fitness gate (guidance 4.2.3; :data:`DAY_HOUR_NEEDS`): starts whose time of day
    is unknown — midnights beyond the 1 in 24 real times put there — are refused
    (:func:`workbench.analysis.fitness.require_time_of_day`), as are month-only dates.

    Examples
    --------
    >>> m = day_hour_matrix(["2024-01-06 23:30"], ["2024-01-07 00:30"])  # Sat night
    >>> float(m.loc["Sat", 23]), float(m.loc["Sun", 0])
    (0.5, 0.5)
    """
    require_day_precision(start, "day_hour_matrix", days=1)
    require_time_of_day(start, "day_hour_matrix")
    return aoristic_weights(start, end, keep_weights=False).day_hour()


@dataclasses.dataclass
class Seasonality(Result):
    """Monthly counts and the month-of-year seasonal index (1 = an average month).

    Examples
    --------
    >>> s = seasonality(["2023-01-05", "2023-01-09", "2023-02-01"])
    >>> [round(v, 3) for v in s.to_frame()["seasonal_index"]]   # January twice the February count
    [1.333, 0.667]
    """

    monthly: pd.DataFrame
    index: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.index


def seasonality(dates) -> Seasonality:
    """Counts per calendar month and the seasonal index of each month of the year.

    The index for month *m* is the mean count in month *m* (over the years present) divided
    by the mean monthly count; empty months inside the span count as zero.

    Examples
    --------
    >>> s = seasonality(["2023-01-05", "2023-01-09", "2023-02-01"])
    >>> s.monthly["count"].tolist()
    [2, 1]
    """
    ts = pd.to_datetime(pd.Series(dates), errors="coerce").dropna()
    if ts.empty:
        raise check.BadInput("`dates` contains no valid dates. Are they YYYY-MM-DD?")
    months = ts.dt.to_period("M")
    span = pd.period_range(months.min(), months.max(), freq="M")
    monthly = months.value_counts().reindex(span, fill_value=0).rename_axis("month").rename("count")
    monthly = monthly.reset_index()
    monthly["month_of_year"] = monthly["month"].dt.month
    mean = monthly["count"].mean()
    idx = monthly.groupby("month_of_year")["count"].agg(["mean", "size"]).reset_index()
    idx = idx.rename(columns={"mean": "mean_count", "size": "n_years"})
    idx["seasonal_index"] = idx["mean_count"] / mean if mean > 0 else np.nan
    monthly["month"] = monthly["month"].astype(str)
    return Seasonality(monthly=monthly, index=idx)


#: the words a trend is described in, everywhere (dashboards, products, analysis)
TREND_DIRECTIONS = ("rising", "falling", "no significant change", "too few data")
#: fewest months and events for a trend test; fewer gives 'too few data'. Twelve months: a
#: shorter window reads the seasonal cycle (or a passing run of high months) as a trend and
#: extrapolates it to a year — on the real City of London police.uk series with no trend over
#: 24 months, 6-month windows called a trend in up to 5 of 19 windows (tests/test_trend_real.py)
TREND_MIN_MONTHS = 12
TREND_MIN_EVENTS = 10


@dataclasses.dataclass
class TrendResult(Result):
    """A log-linear trend in monthly counts: direction, annual change and its significance.

    ``direction`` is one of :data:`TREND_DIRECTIONS`; ``annual_change`` is the proportional
    change per year (0.1 = +10 %); ``months`` counts the months tested (months outside a
    dataset's coverage are dropped, never read as zero).

    Examples
    --------
    >>> r = trend_test(np.round(20 * np.exp(0.02 * np.arange(36))))   # +2% a month
    >>> r.months, r.describe()
    (36, 'rising (+27% a year, p = 0.000)')
    >>> trend_test([3, 2]).describe()
    'too few data for a trend'
    """

    months: int
    total: int
    annual_change: float | None
    p_value: float | None
    dispersion: float | None
    direction: str

    def describe(self) -> str:
        """The trend in words, e.g. ``'rising (+27% a year, p = 0.000)'``."""
        if self.annual_change is None:
            return "too few data for a trend"
        return f"{self.direction} ({self.annual_change:+.0%} a year, p = {self.p_value:.3f})"


def trend_test(counts, alpha: float = 0.05) -> TrendResult:
    """Is there a trend in monthly ``counts`` (oldest first)? Quasi-Poisson log-linear test.

    The one trend test of the workbench: the strategic and tactical products, their dashboards
    and the analysis library all call it, so a trend reads the same everywhere. Counts are
    modelled as ``log E[y_t] = a + b t`` (t in months), fitted by iteratively re-weighted least
    squares; the standard error of ``b`` is inflated by the Pearson dispersion when counts are
    over-dispersed (quasi-Poisson) and ``b / SE`` is referred to Student's t with ``n − 2``
    degrees of freedom (the dispersion is estimated) for the two-sided p-value.
    ``annual_change`` is ``exp(12 b) - 1``. NaN months (outside a dataset's coverage) are
    left out but keep their place in time (a gap is not read as consecutive months). Fewer
    than :data:`TREND_MIN_MONTHS` months (a whole seasonal cycle: a shorter window reads the
    season as a trend) or :data:`TREND_MIN_EVENTS` events give ``'too few data'``.

    Parameters
    ----------
    counts : array-like
        Counts per consecutive month, oldest first (NaN = not covered).
    alpha : float
        Level for calling the direction 'rising'/'falling' (else 'no significant change').

    Examples
    --------
    >>> import numpy as np
    >>> r = trend_test(np.round(20 * np.exp(0.02 * np.arange(36))))
    >>> r.direction, round(r.annual_change, 2)
    ('rising', 0.27)
    >>> trend_test([3, 2]).direction
    'too few data'

    References
    ----------
    McCullagh, P. and Nelder, J. A. (1989) *Generalized Linear Models*, 2nd ed., ch. 6
    (Poisson log-linear models, quasi-likelihood dispersion). Guidance Appendix 2 (is the
    problem persisting?); regulations appendix H 1.8 (three-year trends).
    """
    y = np.asarray(counts, dtype=float).ravel()
    at = np.flatnonzero(~np.isnan(y)).astype(float)  # each month keeps its place: a gap is not skipped time
    y = y[~np.isnan(y)]
    if (y < 0).any():
        raise check.BadInput(f"`counts` must be counts (>= 0); found {float(y.min())}.")
    n, total = len(y), int(np.sum(y))
    if n < TREND_MIN_MONTHS or total < TREND_MIN_EVENTS:
        return TrendResult(n, total, None, None, None, "too few data")
    t = at - at.mean()
    X = np.column_stack([np.ones(n), t])
    beta = np.array([np.log(max(y.mean(), 1e-9)), 0.0])
    for _ in range(50):
        mu = np.exp(X @ beta)
        z = X @ beta + (y - mu) / mu
        XtW = X.T * mu
        new = np.linalg.solve(XtW @ X, XtW @ z)
        done = np.max(np.abs(new - beta)) < 1e-10
        beta = new
        if done:
            break
    mu = np.exp(X @ beta)
    dispersion = float(max(1.0, np.sum((y - mu) ** 2 / mu) / (n - 2)))
    cov = np.linalg.inv((X.T * mu) @ X) * dispersion
    se = float(np.sqrt(cov[1, 1]))
    zstat = beta[1] / se if se > 0 else 0.0
    # the dispersion is estimated from n - 2 residual degrees of freedom: quasi-likelihood
    # inference refers the statistic to Student's t (McCullagh & Nelder 1989, §9.2; R's
    # summary.glm for quasi families), not the normal, which overcalls trends in short series
    p = float(2 * stats.t.sf(abs(zstat), n - 2))
    direction = ("rising" if beta[1] > 0 else "falling") if p < alpha else "no significant change"
    return TrendResult(n, total, float(np.expm1(12 * beta[1])), p, dispersion, direction)


def trend_tests(monthly: pd.DataFrame, by: str, *, value: str = "count", time: str = "month",
                alpha: float = 0.05) -> pd.DataFrame:
    """:func:`trend_test` on each series of a long table of monthly counts, in one call.

    ``monthly`` has one row per ``by`` group and ``time`` (oldest first within a group after
    sorting). A series with a missing count (a month hidden by disclosure control) cannot be
    tested: ``'too few data'``, as when a series is too short. Returns one row per group:
    ``by``, ``annual_change``, ``p_value``, ``direction``.

    Examples
    --------
    >>> months = pd.date_range("2022-01-01", periods=24, freq="MS")
    >>> frame = pd.concat([pd.DataFrame({"month": months, "type": "rising", "count": (20 * 1.05 ** np.arange(24)).round()}),
    ...                    pd.DataFrame({"month": months, "type": "hidden", "count": [5.0] * 23 + [np.nan]})])
    >>> trend_tests(frame, "type")[["type", "direction"]].to_dict("records")
    [{'type': 'hidden', 'direction': 'too few data'}, {'type': 'rising', 'direction': 'rising'}]
    """
    rows = []
    for name, part in monthly.sort_values(time).groupby(by, sort=True):
        series = part[value]
        if series.isna().any():
            rows.append((name, None, None, "too few data"))
            continue
        res = trend_test(series.to_numpy(dtype=float), alpha=alpha)
        rows.append((name, res.annual_change, res.p_value, res.direction))
    return pd.DataFrame(rows, columns=[by, "annual_change", "p_value", "direction"])
