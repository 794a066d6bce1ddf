"""Area rates: counts per LSOA per 1,000 residents, with exact Poisson intervals and IMD.

Guidance 3.3 (population and deprivation context layers: ``ref_lsoa`` population and
``ref_imd``). Intervals are the exact (Garwood) Poisson limits from the chi-squared
distribution. :func:`rates_by_imd_decile` pools LSOAs by IMD decile (1 = most deprived), the
usual equity view. Without boundaries, use :func:`workbench.analysis.grid.grid_counts` and
rates per km² instead (everything works from coordinates alone).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from workbench.analysis import _validate as check
from workbench.analysis.results import Result


def poisson_interval(count, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson confidence limits for counts.

    Examples
    --------
    >>> lo, hi = poisson_interval([10])
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (4.795, 18.39)
    """
    k = check.counts(count, "count", allow_empty=True)
    a = 1 - level
    lo = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * k) / 2, 0.0)
    hi = stats.chi2.ppf(1 - a / 2, 2 * (k + 1)) / 2
    return lo, hi


@dataclasses.dataclass
class AreaRates(Result):
    """Events per ``per`` residents of each area, with 95% Poisson limits, and the events whose area was not in the population table.

    Examples
    --------
    >>> pop = pd.DataFrame({"lsoa_code": ["E1", "E2"], "population": [1000, 2000]})
    >>> r = lsoa_rates(["E1", "E1", "E2", "E9"], pop)
    >>> r.to_frame()[["lsoa_code", "count", "rate"]].values.tolist(), r.n_unmatched_events
    ([['E1', 2, 2.0], ['E2', 1, 0.5]], 1)
    """

    table: pd.DataFrame
    per: int
    n_unmatched_events: int

    def to_frame(self) -> pd.DataFrame:
        return self.table


def lsoa_rates(lsoa_codes, population: pd.DataFrame, imd: pd.DataFrame | None = None,
               per: int = 1000) -> AreaRates:
    """Events per ``per`` residents for each LSOA, with 95% limits and IMD columns.

    Parameters
    ----------
    lsoa_codes : array-like
        The LSOA of each event.
    population : DataFrame
        ``lsoa_code, population`` (``ref_lsoa``).
    imd : DataFrame, optional
        ``lsoa_code, imd_score, imd_rank, imd_decile`` (``ref_imd``).

    Examples
    --------
    >>> pop = pd.DataFrame({"lsoa_code": ["E1", "E2"], "population": [1000, 2000]})
    >>> lsoa_rates(["E1", "E1", "E2"], pop).table["rate"].tolist()
    [2.0, 0.5]
    """
    check.columns(population, ["lsoa_code", "population"], "population")
    codes = pd.Series(lsoa_codes, dtype="string")
    counts = codes.value_counts()
    t = population[["lsoa_code", "population"]].copy()
    t["population"] = pd.to_numeric(t["population"], errors="coerce")
    t["count"] = t["lsoa_code"].map(counts).fillna(0).astype(int)
    lo, hi = poisson_interval(t["count"].to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = per / t["population"].to_numpy(dtype=float)
    t["rate"] = t["count"] * scale
    t["rate_low"] = lo * scale
    t["rate_high"] = hi * scale
    if imd is not None:
        check.columns(imd, ["lsoa_code"], "imd")
        t = t.merge(imd, on="lsoa_code", how="left")
    unmatched = int(codes.notna().sum() - t["count"].sum())
    return AreaRates(table=t, per=per, n_unmatched_events=unmatched)


def rates_by_imd_decile(rates: AreaRates) -> pd.DataFrame:
    """Pool LSOA counts and populations by IMD decile (1 = most deprived).

    Examples
    --------
    >>> pop = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3"], "population": [1000, 2000, 1000]})
    >>> imd = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3"], "imd_decile": [1, 1, 10]})
    >>> d = rates_by_imd_decile(lsoa_rates(["E1", "E1", "E2", "E3"], pop, imd))
    >>> d[["imd_decile", "count", "population", "rate"]].values.tolist()   # decile 1: 3 events in 3,000 people
    [[1.0, 3.0, 3000.0, 1.0], [10.0, 1.0, 1000.0, 1.0]]
    """
    t = rates.table
    check.columns(t, ["imd_decile", "count", "population"], "rates.table")
    g = t.groupby("imd_decile")[["count", "population"]].sum().reset_index()
    lo, hi = poisson_interval(g["count"].to_numpy())
    scale = rates.per / g["population"].to_numpy(dtype=float)
    g["rate"] = g["count"] * scale
    g["rate_low"], g["rate_high"] = lo * scale, hi * scale
    return g
