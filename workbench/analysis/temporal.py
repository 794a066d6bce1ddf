"""Time profiles: day × hour matrix, seasonality and a trend test (guidance Appendix 2: *when*).

The day × hour matrix is built from aoristic weights (:mod:`workbench.analysis.aoristic`),
so offences with an uncertain time window are spread rather than piled on midnight.
Seasonality is the month-of-year index (mean count in a calendar month over the overall
monthly mean). The trend test is Mann–Kendall (Kendall's tau of count against time, from
scipy) with the Theil–Sen slope: robust, distribution-free, and honest about short series.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from workbench.analysis import _validate as check
from workbench.analysis.aoristic import aoristic_weights
from workbench.analysis.results import Result


def day_hour_matrix(start, end=None) -> pd.DataFrame:
    """Aoristic 7 × 24 table of offences by day of week (rows Mon…Sun) and hour (0…23).

    Examples
    --------
    >>> m = day_hour_matrix(["2024-01-06 23:30"], ["2024-01-07 00:30"])  # Sat night
    >>> float(m.loc["Sat", 23]), float(m.loc["Sun", 0])
    (0.5, 0.5)
    """
    return aoristic_weights(start, end, keep_weights=False).day_hour()


@dataclasses.dataclass
class Seasonality(Result):
    """Monthly counts and the month-of-year seasonal index (1 = an average month)."""

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


@dataclasses.dataclass
class TrendResult(Result):
    """Mann–Kendall trend test with the Theil–Sen slope (counts per period)."""

    tau: float
    p_value: float
    slope: float
    slope_low: float
    slope_high: float
    n_periods: int
    direction: str


def trend_test(counts, alpha: float = 0.05) -> TrendResult:
    """Is there a monotonic trend in a series of period counts?

    Parameters
    ----------
    counts : array-like
        Counts per consecutive period (e.g. months), oldest first.
    alpha : float
        Level for calling the direction 'increasing'/'decreasing' (else 'no trend').

    Examples
    --------
    >>> r = trend_test([3, 4, 6, 7, 9, 12, 13, 15])
    >>> r.direction, round(r.slope, 2)
    ('increasing', 1.8)

    References
    ----------
    Mann (1945); Kendall (1975); Sen (1968). Guidance Appendix 2 (is the problem persisting?).
    """
    y = check.counts(counts, "counts")
    if y.size < 4:
        raise check.BadInput(f"`counts` needs at least 4 periods for a trend test; received {y.size}.")
    t = np.arange(y.size)
    tau, p = stats.kendalltau(t, y)
    tau = 0.0 if np.isnan(tau) else float(tau)
    p = 1.0 if np.isnan(p) else float(p)
    slope, _, lo, hi = stats.theilslopes(y, t)
    direction = "no trend"
    if p < alpha:
        direction = "increasing" if tau > 0 else "decreasing"
    return TrendResult(tau=tau, p_value=p, slope=float(slope), slope_low=float(lo),
                       slope_high=float(hi), n_periods=int(y.size), direction=direction)
