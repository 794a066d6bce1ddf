"""The strategic assessment for the dashboard: the written product's own figures, scoped,
cached and suppressed.

Every figure comes from :func:`workbench.products.strategic.strategic_summary`, run on the
source connection narrowed to the viewer's partnerships, so the dashboard and the written
strategic assessment render one object and cannot disagree (issue "one computation").
This module only scopes (:meth:`Source.for_viewer`), caches (per published version and
partnership scope) and applies disclosure control (:func:`for_viewer`). Regulations
appendix H 1.8 and appendix K.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from workbench.errors import BadInput
from workbench.dashboard_data.access import Viewer
from workbench.dashboard_data.periods import Period
from workbench.dashboard_data.source import Source

_CACHE: dict = {}
_LOCK = threading.Lock()
#: how many partnership scopes' figures are kept for the current version of the tier
CACHE_SCOPES = 16


@dataclass
class StrategicFigures:
    """Frames of one :class:`~workbench.products.strategic.StrategicSummary` for the screen.

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> figs = figures(_example_source())
    >>> str(figs.as_of), figs.current.label
    ('2024-06-30', '01 Jul 2023 – 30 Jun 2024')
    >>> list(figs.to_dict())
    ['as_of', 'current', 'previous', 'facts', 'priorities', 'performance', 'excluded']
    """

    as_of: date
    current: Period
    previous: Period
    window: Period
    monthly: pd.DataFrame        # issue, label, month, count (NaN: month not supplied)
    facts: pd.DataFrame          # StrategicSummary.facts_frame()
    priorities: pd.DataFrame     # PriorityTable.to_frame(): one row per problem
    performance: pd.DataFrame    # issue, label, target, actual, status, reason (why "no data")
    excluded: pd.DataFrame       # problem, label, reason
    summary: object = None       # the product's StrategicSummary (unsuppressed; not for display)

    def to_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "current": self.current.to_dict(),
                "previous": self.previous.to_dict(), "facts": self.facts.to_dict("records"),
                "priorities": self.priorities.to_dict("records"),
                "performance": self.performance.to_dict("records"),
                "excluded": self.excluded.to_dict("records")}


def figures(source: Source, viewer: Viewer | None = None) -> StrategicFigures | None:
    """The strategic figures of the shared tier (unsuppressed; cached per published version
    and partnership scope).

    Counts only the rows of the partnerships ``source`` is scoped to, narrowed further to
    ``viewer``'s when given (:meth:`Source.for_viewer`; guidance 2.2.4). Pass the result
    through :func:`for_viewer` before showing it. Returns None when the scope holds none of
    the assessment's issues.

    Examples
    --------
    The example tier's police assaults: 41 in the last twelve months, 19 in the twelve before;
    its eight council ASB reports all fall in the last year. Partnership ``Q`` holds none.

    >>> from workbench.dashboard_data.partners import _example_source
    >>> source = _example_source()
    >>> figures(source).facts[["issue", "current", "previous"]].values.tolist()
    [['violence_records', 41, 19], ['recorded_crime', 41, 19], ['council_asb', 8, 0]]
    >>> figures(source.within({"Q"})) is None
    True
    """
    source = source.for_viewer(viewer)
    scope = source.scope
    key = (str(source.path), source.version(), None if scope is None else tuple(sorted(scope)))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    result = _compute(source)
    with _LOCK:
        for old in [k for k in _CACHE if k[:2] != key[:2]]:
            del _CACHE[old]                      # an earlier version of the tier
        while len(_CACHE) >= CACHE_SCOPES:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[key] = result
    return result


def _compute(source: Source) -> StrategicFigures | None:
    from workbench.products import issues as iss
    from workbench.products.strategic import strategic_summary

    cur = source._cursor()
    try:
        s = strategic_summary(cur)
    except BadInput:
        return None                              # none of the assessment's datasets in scope
    finally:
        cur.close()
    labels = {i.key: i.label for i in iss.ISSUES}
    monthly = s.monthly.assign(label=s.monthly["issue"].map(labels))[["issue", "label", "month", "count"]]
    return StrategicFigures(
        s.as_of, Period(*s.current), Period(*s.previous), Period(*s.trend_window), monthly,
        s.facts_frame(), s.priorities.to_frame(), s.performance_frame(),
        pd.DataFrame(s.excluded, columns=["problem", "label", "reason"]), s)


def for_viewer(figs: StrategicFigures, viewer: Viewer) -> StrategicFigures:
    """The figures with disclosure control for ``viewer`` (guidance 2.4.1.2).

    The issue × month table goes through :func:`workbench.privacy.disclosure.suppress_table`
    (primary and secondary suppression); an issue's 12-month total is hidden when any month
    inside it is hidden, so no hidden month can be recovered by subtraction. Harm and the
    priority scores are derived from the hidden values only through bands (1–5 scores), which
    are shown; the counts themselves are not.

    Examples
    --------
    A viewer (aggregates only) loses every twelve-month total that hides a small month; an
    analyst gets the figures unchanged.

    >>> from workbench.dashboard_data.partners import _example_source
    >>> figs = figures(_example_source())
    >>> shown = for_viewer(figs, Viewer("vic", "Council", "viewer"))
    >>> shown.facts[["issue", "current", "previous"]].values.tolist()
    [['violence_records', nan, nan], ['recorded_crime', nan, nan], ['council_asb', nan, 0.0]]
    >>> for_viewer(figs, Viewer("ann", "Police", "analyst", True)) is figs
    True
    """
    if viewer.sees_records:
        return figs
    from workbench.privacy.disclosure import suppress_table

    wide = figs.monthly.pivot_table(index="issue", columns="month", values="count",
                                    aggfunc="sum", fill_value=0, dropna=False).fillna(0)
    hidden = suppress_table(wide, totals=True).frame().drop(index="Total", columns="Total")
    hidden = hidden.where(figs.monthly.pivot_table(index="issue", columns="month", values="count",
                                                   aggfunc="sum", dropna=False).notna())
    long = hidden.stack(future_stack=True).rename("count").reset_index()
    monthly = figs.monthly.drop(columns="count").merge(long, on=["issue", "month"], how="left")
    facts = figs.facts.copy()
    for col, period in (("current", figs.current), ("previous", figs.previous)):
        inside = [m for m in hidden.columns if period.start <= pd.Timestamp(m).date() <= period.end]
        gone = hidden[inside].isna().any(axis=1)
        facts[col] = [np.nan if gone.get(i, False) else v for i, v in zip(facts["issue"], facts[col])]
    facts["change"] = (facts["current"] - facts["previous"]) / facts["previous"]
    facts["harm_current"] = facts["current"] * facts["harm"]
    facts["harm_previous"] = facts["previous"] * facts["harm"]
    table = figs.priorities.drop(columns=[c for c in ("volume", "harm_weighted_volume")
                                          if c in figs.priorities.columns])
    return StrategicFigures(figs.as_of, figs.current, figs.previous, figs.window, monthly, facts,
                            table, figs.performance, figs.excluded, None)
