"""The statistics behind the assessment dashboards, from :mod:`workbench.analysis`.

Aggregates come from :mod:`workbench.dashboard_data.crime` (DuckDB); the tests and surfaces come
from the analysis library: the e-test of a period against its baseline
(:func:`workbench.analysis.change.exact_rate_test`), the trend test
(:func:`workbench.analysis.temporal.trend_test`) and the tactical hotspots
(:func:`workbench.products.hotspots.tactical_hotspots`, Gi* on 150 m cells): the same
functions the written tactical and strategic assessments call, so screen and paper agree.
Views show the results; they compute nothing.

Every function narrows the source to the viewer's partnerships first (guidance 2.2.4), so
the statistics, like the counts, are of the rows the viewer may see.

Guidance: tactical assessments find emerging issues and hotspots (Delivering Safer
Communities appendix H); strategic assessments look at three-year trends and harm
(appendix H 1.8, appendix K).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

from workbench.products.hotspots import CELL_METRES, TacticalHotspots, tactical_hotspots
from workbench.dashboard_data import context, crime
from workbench.dashboard_data.access import Viewer
from workbench.dashboard_data.periods import Comparison, Period, month_start

ALPHA = 0.05


def emerging_issues(source, comparison: Comparison, offences, viewer: Viewer,
                    alpha: float = ALPHA) -> pd.DataFrame:
    """Offence types whose count in the current period exceeds the baseline rate.

    Columns: ``offence_type, current, expected, percent_change, rate_ratio, p_value,
    emerging``: the tactical product's rule (:func:`workbench.products.emerging.exceedance`:
    one-sided exact rate test significant at ``alpha``, rate ratio at least 1.2, at least 5 events,
    held to a false discovery rate across the types tested: :func:`~workbench.products.emerging.emerging_in_family`),
    most significant first. Suppressed counts are not tested (``p_value`` empty).

    Examples
    --------
    >>> source, analyst, last4 = _example_assault()      # 60 assaults, one every 9 days
    >>> emerging_issues(source, last4, [], analyst).round(3).to_dict("records")
    [{'offence_type': 'Assault', 'current': 4, 'expected': 3.077, 'percent_change': 30.0, 'rate_ratio': 1.3, 'p_value': 0.386, 'emerging': False}]
    >>> viewer = Viewer("vic", "Council", "viewer")      # 4 is a small count: hidden, not tested
    >>> emerging_issues(source, last4, [], viewer)[["current", "p_value", "emerging"]].to_dict("records")
    [{'current': nan, 'p_value': None, 'emerging': False}]
    """
    source = source.for_viewer(viewer)
    from workbench.products.emerging import emerging_table

    frame = crime.counts_by_type(source, comparison, offences, viewer)
    out = emerging_table(frame, "offence_type", comparison.current.days, comparison.baseline.days, alpha)
    return out.sort_values(["emerging", "p_value"], ascending=[False, True],
                           na_position="last").reset_index(drop=True)


@dataclass
class Trends:
    """Monthly counts per offence type and the trend test of each series.

    Examples
    --------
    >>> source, analyst, last4 = _example_assault()      # 60 assaults, one every 9 days
    >>> t = trends(source, last4.current.end, [], analyst, months=12)
    >>> t.monthly.head(2).to_dict("records")
    [{'month': Timestamp('2023-07-01 00:00:00'), 'offence_type': 'Assault', 'count': 3}, {'month': Timestamp('2023-08-01 00:00:00'), 'offence_type': 'Assault', 'count': 4}]
    >>> len(t.markers())                                # no significant series: nothing to label
    0
    """

    monthly: pd.DataFrame
    tests: pd.DataFrame
    period: Period

    def markers(self) -> pd.DataFrame:
        """The last month of each significant series, labelled for the chart."""
        sig = self.tests[self.tests["direction"].isin(["rising", "falling"])]
        last = self.monthly.sort_values("month").groupby("offence_type").tail(1)
        out = last.merge(sig[["offence_type", "direction", "p_value"]], on="offence_type")
        out["label"] = [f"{d} (p={p:.3f})" for d, p in zip(out["direction"], out["p_value"])]
        return out

    def to_dict(self) -> dict:
        return {"period": self.period.to_dict(), "tests": self.tests.to_dict("records")}


def trends(source, as_of, offences, viewer: Viewer, months: int = 36, top: int = 6,
           alpha: float = ALPHA) -> Trends:
    """Three years of monthly counts (whole months up to ``as_of``'s month) and the
    workbench's one trend test (:func:`workbench.analysis.temporal.trend_test`) per offence
    type; the ``top`` most frequent types when none are chosen.

    Examples
    --------
    >>> source, analyst, last4 = _example_assault()      # 60 assaults, one every 9 days
    >>> t = trends(source, last4.current.end, [], analyst, months=12)
    >>> t.to_dict()["period"], t.tests["direction"].tolist()
    ({'start': '2023-07-01', 'end': '2024-06-30', 'days': 366}, ['no significant change'])
    """
    source = source.for_viewer(viewer)
    from workbench.analysis.temporal import trend_tests

    month_ends = (as_of + timedelta(days=1)).month != as_of.month
    stop = as_of if month_ends else month_start(as_of) - timedelta(days=1)
    period = Period(month_start(stop, months - 1), stop)
    monthly = crime.monthly(source, period, offences, viewer)
    if not offences:
        totals = monthly.groupby("offence_type")["count"].sum().sort_values(ascending=False)
        monthly = monthly[monthly["offence_type"].isin(totals.index[:top])]
    tests = trend_tests(monthly, "offence_type", alpha=alpha)
    return Trends(monthly.reset_index(drop=True), tests, period)


@dataclass
class Hotspots:
    """The tactical hotspots (:class:`workbench.products.hotspots.TacticalHotspots`, the very
    object the tactical product prints) and their cells as map rectangles (WGS84).

    Examples
    --------
    >>> source, analyst, last4 = _example_assault()      # 60 assaults, one every 9 days
    >>> spots = hotspots(source, last4, [], analyst)
    >>> spots.to_dict()["cells"], len(spots.hot())      # one located cell: nothing stands out
    (0, 0)
    """

    spots: TacticalHotspots
    surface: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def hot(self) -> pd.DataFrame:
        return self.spots.hot()

    def to_dict(self) -> dict:
        return {**self.spots.to_dict(), "cells": len(self.surface)}


def hotspots(source, comparison: Comparison, offences, viewer: Viewer) -> Hotspots:
    """Gi* hotspots of the current period and their change against the baseline, on the
    tactical product's grid (:func:`workbench.products.hotspots.tactical_hotspots`).

    Counts per cell are unsuppressed (``viewer=None``): the output is a classification of
    cells, never a count, and the map shows only the class. Sessions asking the same
    question (period, offences, scope, tier version) share one result (:meth:`Source.memo
    <workbench.dashboard_data.source.Source.memo>`).

    Examples
    --------
    >>> source, analyst, last4 = _example_assault()      # 60 assaults, one every 9 days
    >>> spots = hotspots(source, last4, ["Assault"], analyst)
    >>> spots.spots.cells[["current", "gi_class", "change"]].to_dict("records")
    [{'current': 4, 'gi_class': 'not significant', 'change': 'persisting'}]
    >>> spots.notes[0].split(" (")[0]
    'Hotspots: Getis–Ord Gi* on 150 m cells inside the study area'
    """
    source = source.for_viewer(viewer)

    def compute() -> Hotspots:
        current = crime.grid_counts(source, comparison.current, offences, None, CELL_METRES)
        baseline = crime.grid_counts(source, comparison.baseline, offences, None, CELL_METRES)
        spots = tactical_hotspots(current, baseline, comparison.current.days / comparison.baseline.days,
                                  area=context.study_area(source))
        return Hotspots(spots, _surface_cells(spots), list(spots.notes))

    # sessions asking the same question share one Gi* (per tier version and scope)
    return source.memo("tactical_hotspots", (str(comparison.current), str(comparison.baseline),
                                             tuple(sorted(offences or ())), CELL_METRES), compute)


def _surface_cells(spots: TacticalHotspots) -> list:
    """Hot and cold cells as ``(west, south, east, north, label, class)`` rectangles (WGS84)."""
    from workbench.geo.crs import bng_to_wgs84

    keep = spots.cells[spots.cells["gi_class"] != "not significant"]
    if keep.empty:
        return []
    half = spots.cell_metres / 2
    west, south = bng_to_wgs84(keep["cell_easting"] - half, keep["cell_northing"] - half)
    east, north = bng_to_wgs84(keep["cell_easting"] + half, keep["cell_northing"] + half)
    return [(float(w), float(s_), float(e), float(n), f"{c} spot ({change}, z = {z:.1f})", c)
            for w, s_, e, n, c, change, z in zip(west, south, east, north, keep["gi_class"],
                                                 keep["change"], keep["z"])]


def _example_assault():
    """``(source, analyst, last4)`` on the tiny tier of 60 assaults
    (:func:`workbench.dashboard_data.partners._example_source`): the examples' fixture."""
    from workbench.dashboard_data import periods
    from workbench.dashboard_data.partners import _example_source

    source = _example_source()
    return (source, Viewer("ana", "Notts Police", "analyst", records=True),
            periods.tactical(crime.latest_date(source), 4))
