"""The statistics behind the assessment dashboards, from :mod:`workbench.analysis`.

Aggregates come from :mod:`workbench.views.crime` (DuckDB); the tests and surfaces come
from the analysis library: the e-test of a period against its baseline
(:func:`workbench.analysis.change.compare_periods`), the Mann–Kendall trend test
(:func:`workbench.analysis.temporal.trend_test`), Getis–Ord Gi* with FDR control
(:func:`workbench.analysis.gistar.gi_star`) and the kernel density surface
(:func:`workbench.analysis.kde.hotspot_kde`). Views show the results; they compute nothing.

Every function narrows the source to the viewer's partnerships first (guidance 2.2.4), so
the statistics, like the counts, are of the rows the viewer may see.

Guidance: tactical assessments find emerging issues and hotspots (Delivering Safer
Communities appendix H); strategic assessments look at three-year trends and harm
(appendix H 1.8, appendix K).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from workbench.views import context, crime
from workbench.views.access import Viewer
from workbench.views.periods import Comparison, Period, month_start

ALPHA = 0.05
#: above this many events in both periods the e-test's double sum is slow (its support grows
#: with the counts) and the exact conditional binomial test gives the same answer
EXACT_LIMIT = 2000


def _conditional_test(current, baseline, comparison: Comparison):
    """One-sided exact conditional test of equal Poisson rates (Przyborowski & Wilenski
    1940): given ``n = current + baseline`` events, ``current ~ Binomial(n, t1 / (t1 + t2))``
    under H0. Used for large counts, where it agrees with the e-test."""
    from scipy import stats

    c, b = int(current), int(baseline)
    t1, t2 = comparison.current.days, comparison.baseline.days
    p = float(stats.binomtest(c, c + b, t1 / (t1 + t2), alternative="greater").pvalue)
    expected = b * t1 / t2
    pct = 100 * (c - expected) / expected if b else None
    ratio = (c / t1) / (b / t2) if b else None
    return pct, ratio, p


def emerging_issues(source, comparison: Comparison, offences, viewer: Viewer,
                    alpha: float = ALPHA) -> pd.DataFrame:
    """Offence types whose count in the current period exceeds the baseline rate.

    Columns: ``offence_type, current, expected, percent_change, rate_ratio, p_value,
    emerging`` (one-sided e-test, current rate greater than baseline rate, ``p < alpha``),
    most significant first. Suppressed counts are not tested (``p_value`` empty).
    """
    source = source.for_viewer(viewer)
    from workbench.analysis.change import compare_periods

    frame = crime.counts_by_type(source, comparison, offences, viewer)
    rows = []
    for r in frame.itertuples(index=False):
        if _missing(r.current) or _missing(r.baseline):
            rows.append((r.offence_type, r.current, r.expected, None, None, None, False))
            continue
        if r.current + r.baseline <= EXACT_LIMIT:
            res = compare_periods(float(r.current), float(r.baseline), comparison.current.days,
                                  comparison.baseline.days, alternative="greater", alpha=alpha)
            pct, ratio, p = res.percent_change, res.rate_ratio, res.p_value
        else:
            pct, ratio, p = _conditional_test(r.current, r.baseline, comparison)
        rows.append((r.offence_type, r.current, r.expected, pct, ratio, p, bool(p < alpha)))
    out = pd.DataFrame(rows, columns=["offence_type", "current", "expected", "percent_change",
                                      "rate_ratio", "p_value", "emerging"])
    return out.sort_values(["emerging", "p_value"], ascending=[False, True],
                           na_position="last").reset_index(drop=True)


@dataclass
class Trends:
    """Monthly counts per offence type and the trend test of each series."""

    monthly: pd.DataFrame
    tests: pd.DataFrame
    period: Period

    def markers(self) -> pd.DataFrame:
        """The last month of each significant series, labelled for the chart."""
        sig = self.tests[self.tests["direction"] != "no trend"]
        last = self.monthly.sort_values("month").groupby("offence_type").tail(1)
        out = last.merge(sig[["offence_type", "direction", "p_value"]], on="offence_type")
        out["label"] = [f"{d} (p={p:.3f})" for d, p in zip(out["direction"], out["p_value"])]
        return out

    def to_dict(self) -> dict:
        return {"period": self.period.to_dict(), "tests": self.tests.to_dict("records")}


def trends(source, as_of, offences, viewer: Viewer, months: int = 36, top: int = 6,
           alpha: float = ALPHA) -> Trends:
    """Three years of monthly counts (whole months up to ``as_of``'s month) and a
    Mann–Kendall test per offence type; the ``top`` most frequent types when none are chosen."""
    source = source.for_viewer(viewer)
    from workbench.analysis.temporal import trend_test

    month_ends = (as_of + timedelta(days=1)).month != as_of.month
    stop = as_of if month_ends else month_start(as_of) - timedelta(days=1)
    period = Period(month_start(stop, months - 1), stop)
    monthly = crime.monthly(source, period, offences, viewer)
    if not offences:
        totals = monthly.groupby("offence_type")["count"].sum().sort_values(ascending=False)
        monthly = monthly[monthly["offence_type"].isin(totals.index[:top])]
    tests = []
    for name, part in monthly.groupby("offence_type"):
        series = part.set_index("month")["count"]
        if series.isna().any() or len(series) < 4:
            tests.append((name, None, None, "too few data"))
            continue
        res = trend_test(series.to_numpy(dtype=float), alpha=alpha)
        tests.append((name, res.slope, res.p_value, res.direction))
    return Trends(monthly.reset_index(drop=True),
                  pd.DataFrame(tests, columns=["offence_type", "slope_per_month", "p_value", "direction"]),
                  period)


@dataclass
class Hotspots:
    """Gi* class per LSOA and a thresholded kernel density surface (WGS84 cells)."""

    classes: dict
    surface: list = field(default_factory=list)
    distance_band: float | None = None
    bandwidth: float | None = None
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        counts = pd.Series(list(self.classes.values())).value_counts().to_dict()
        return {"classes": counts, "cells": len(self.surface), "distance_band": self.distance_band,
                "bandwidth": self.bandwidth, "notes": self.notes}


def hotspots(source, period: Period, offences, viewer: Viewer, cell_metres: float = 150.0,
             max_cells: int = 300, bandwidth_metres: float = 300.0) -> Hotspots:
    """Gi* over LSOA centroids (counts per LSOA) and a KDE surface of the period's crimes.

    The Gi* distance band is 1.5 × the median distance from an LSOA centroid to its nearest
    neighbour (so each LSOA has its adjacent LSOAs as neighbours), announced in ``notes``.
    Only the densest cells of the surface are kept (at most ``max_cells``, above the 90th
    centile of non-empty cells) so the map stays light. The kernel bandwidth (``bandwidth_metres``,
    default 300 m) is fixed rather than data-driven so maps of different periods compare.
    """
    source = source.for_viewer(viewer)
    from scipy.spatial import cKDTree

    from workbench.analysis.gistar import gi_star
    from workbench.analysis.kde import hotspot_kde

    notes = []
    cents = context.lsoa_centroids(source)
    counts = crime.counts_by_lsoa(source, period, offences, None)
    classes, band = {}, None
    if len(cents) >= 3 and len(counts) and counts["count"].sum() > 0:
        data = cents.merge(counts, on="lsoa_code", how="left").fillna({"count": 0})
        xy = data[["easting", "northing"]].to_numpy(dtype=float)
        nearest = cKDTree(xy).query(xy, k=2)[0][:, 1]
        band = float(1.5 * np.median(nearest))
        gi = gi_star(xy, data["count"].to_numpy(dtype=float), band, fdr="none")
        classes = dict(zip(data["lsoa_code"], (_gi_label(z, p) for z, p in zip(gi.z, gi.p_value))))
        notes.append(f"Gi* distance band {band:,.0f} m (1.5 × median nearest-LSOA distance); "
                     f"90/95/99% confidence bins of the two-sided p-value, as in the usual "
                     f"hot spot map (not corrected for multiple testing: read a lone 90% area "
                     f"with care).")
    cells = crime.grid_counts(source, period, offences, None, cell_metres)
    surface, bandwidth = [], None
    if len(cells) >= 3:
        kde = hotspot_kde(cells[["easting", "northing"]].to_numpy(dtype=float), cell_size=cell_metres,
                          bandwidth=bandwidth_metres, weights=cells["count"].to_numpy(dtype=float),
                          quiet=True)
        bandwidth = kde.bandwidth
        surface = _surface_cells(kde, max_cells)
        notes.append(f"Kernel density: {cell_metres:.0f} m cells, Gaussian bandwidth {bandwidth:,.0f} m "
                     f"(street-to-neighbourhood scale); the densest cells are shown.")
    return Hotspots(classes, surface, band, bandwidth, notes)


def _gi_label(z: float, p: float) -> str:
    if not p < 0.10:
        return "not significant"
    level = "99%" if p < 0.01 else "95%" if p < 0.05 else "90%"
    return f"{'hot' if z > 0 else 'cold'} ({level})"


def _surface_cells(kde, max_cells: int) -> list:
    from workbench.geo.crs import bng_to_wgs84
    from workbench.viz.maps import SEQUENTIAL

    frame = kde.to_frame()
    dens = frame["density_per_km2"].to_numpy()
    positive = dens[dens > 0]
    if positive.size == 0:
        return []
    threshold = np.quantile(positive, 0.9)
    keep = frame[dens >= threshold].nlargest(max_cells, "density_per_km2")
    half = kde.grid.cell_size / 2
    west, south = bng_to_wgs84(keep["x"] - half, keep["y"] - half)
    east, north = bng_to_wgs84(keep["x"] + half, keep["y"] + half)
    top = float(keep["density_per_km2"].max())
    out = []
    for w, s, e, n, d in zip(west, south, east, north, keep["density_per_km2"]):
        shade = SEQUENTIAL[min(len(SEQUENTIAL) - 1, 3 + int(3 * (d - threshold) / max(top - threshold, 1e-9)))]
        out.append((float(w), float(s), float(e), float(n), float(d), shade))
    return out


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)
