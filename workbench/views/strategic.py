"""The strategic assessment's figures for the dashboard, aggregated in DuckDB.

The same issues (:mod:`workbench.products.issues`), trend test
(:func:`workbench.products.trend.trend_test`, quasi-Poisson), MoRiLE-style priority matrix
(:func:`workbench.products.priority.score_priorities`), survey concern
(:func:`workbench.products.community.community_views`) and plan targets
(:func:`workbench.products.strategic.load_targets`) as the written strategic assessment
(:mod:`workbench.products.strategic`), so the dashboard and the product agree; but monthly
counts are one ``GROUP BY`` per issue in SQL rather than event dates in pandas, which keeps
the dashboard fast on millions of records. Regulations appendix H 1.8 and appendix K.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from workbench.views.access import Viewer, disclose
from workbench.views.periods import Period, month_start
from workbench.views.source import Source

_CACHE: dict = {}
_LOCK = threading.Lock()
#: how many partnership scopes' figures are kept for the current version of the tier
CACHE_SCOPES = 16


@dataclass
class StrategicFigures:
    """Monthly counts per issue, the per-issue facts, the priority table and performance."""

    as_of: date
    current: Period
    previous: Period
    window: Period
    monthly: pd.DataFrame        # issue, label, month, count
    facts: pd.DataFrame          # issue, label, theme, current, previous, change, harm, trend…
    priorities: pd.DataFrame     # PriorityTable.to_frame() + likelihood / impact
    performance: pd.DataFrame    # issue, label, target, actual, status

    def to_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "current": self.current.to_dict(),
                "previous": self.previous.to_dict(), "facts": self.facts.to_dict("records"),
                "priorities": self.priorities.to_dict("records"),
                "performance": self.performance.to_dict("records")}


def _available(source: Source):
    from workbench.products import issues as iss

    tables = set(source.tables())
    out = []
    for issue in iss.ISSUES:
        if issue.dataset in tables and source.scalar(
                f"select count(*) > 0 from {issue.dataset} where {issue.where_sql}"):
            out.append(issue)
    return out


def _latest(source: Source, issues) -> date | None:
    best = None
    for issue in issues:
        d = source.scalar(f"select max({issue.date_sql}) from {issue.dataset} where {issue.where_sql}")
        if d is None:
            continue
        d = pd.Timestamp(d).date()
        if issue.monthly_only:
            d = (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).date()
        best = d if best is None or d > best else best
    return best


def _monthly(source: Source, issues, window: Period) -> pd.DataFrame:
    months = pd.date_range(window.start, window.end, freq="MS")
    frames = []
    for issue in issues:
        got = source.frame(
            f"""
            with source as (
                select {issue.date_sql} as d from {issue.dataset} where {issue.where_sql}
            )
            select date_trunc('month', d)::date as month, count(*) as count
            from source where d between ? and ? group by 1
            """, [window.start, window.end])
        present = source.frame(
            f"select distinct date_trunc('month', {issue.date_sql})::date as month from {issue.dataset} "
            f"where {issue.date_sql} between ? and ?", [window.start, window.end])
        counts = got.set_index(pd.to_datetime(got["month"]))["count"].reindex(months, fill_value=0)
        # a month in which the dataset holds no rows at all is a coverage gap: unknown, not zero
        covered = months.isin(pd.to_datetime(present["month"]))
        counts = counts.astype(float).where(covered)
        frames.append(pd.DataFrame({"issue": issue.key, "label": issue.label, "month": months,
                                    "count": counts.to_numpy()}))
    if not frames:
        return pd.DataFrame(columns=["issue", "label", "month", "count"])
    return pd.concat(frames, ignore_index=True)


def figures(source: Source, viewer: Viewer | None = None) -> StrategicFigures | None:
    """The strategic figures of the shared tier (unsuppressed; cached per published version
    and partnership scope).

    Counts only the rows of the partnerships ``source`` is scoped to, narrowed further to
    ``viewer``'s when given (:meth:`Source.for_viewer`; guidance 2.2.4). Pass the result
    through :func:`for_viewer` before showing it. Returns None when the scope holds none of
    the assessment's issues.
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
    from workbench.products.community import community_views
    from workbench.products.priority import PriorityInput, score_priorities
    from workbench.products.strategic import load_targets
    from workbench.products.trend import trend_test

    available = _available(source)
    if not available:
        return None
    as_of = _latest(source, available)
    month_ends = (as_of + timedelta(days=1)).month != as_of.month
    end = as_of if month_ends else month_start(as_of) - timedelta(days=1)
    current = Period(month_start(end, 11), end)
    previous = Period(month_start(end, 23), current.start - timedelta(days=1))
    window = Period(month_start(end, 35), end)
    monthly = _monthly(source, available, window)
    weights = {}
    if source.has("ref_harm_weights"):
        for ct, w in source.frame(
                "select crime_type, weight from ref_harm_weights where crime_type is not null "
                "order by case weight_name when 'cchi' then 0 else 1 end desc").itertuples(index=False):
            weights[ct] = float(w)
    cur = source._cursor()
    try:
        concern = community_views(cur, available).concern_by_issue
    finally:
        cur.close()
    facts, inputs = [], []
    for issue in available:
        m = monthly[monthly["issue"] == issue.key].set_index("month")["count"]
        c = m[m.index >= pd.Timestamp(current.start)].sum(min_count=1)      # NaN: not covered
        p = m[(m.index >= pd.Timestamp(previous.start)) & (m.index < pd.Timestamp(current.start))].sum(min_count=1)
        covered = m.dropna()
        tr = trend_test(covered.to_numpy())          # only the months the dataset covers
        harm = weights.get(issue.label, issue.harm) if issue.dataset == "police_uk_street" else issue.harm
        full = m[m.index >= pd.Timestamp(previous.start)].notna().all()
        facts.append({"issue": issue.key, "label": issue.label, "theme": issue.theme,
                      "current": c, "previous": p,
                      "change": (c - p) / p if p and full and not np.isnan(c) else None,
                      "months_covered": int(covered.size),
                      "harm": harm, "harm_current": c * harm, "harm_previous": p * harm,
                      "trend": tr.direction, "annual_change": tr.annual_change,
                      "trend_p": tr.p_value})
        inputs.append(PriorityInput(issue.key, issue.label, volume=0 if np.isnan(c) else c,
                                    trend=tr.direction, harm=harm,
                                    vulnerability=issue.vulnerability,
                                    public_concern=concern.get(issue.key), theme=issue.theme))
    table = score_priorities(inputs).to_frame()
    scores = {r["issue"]: r for r in table.to_dict("records")}
    table["likelihood"] = [scores[i]["score_volume"] + scores[i]["score_trend"] for i in table["issue"]]
    table["impact"] = [scores[i]["score_harm"] + scores[i]["score_vulnerability"] for i in table["issue"]]
    facts_frame = pd.DataFrame(facts)
    performance = []
    for key, target in load_targets().items():
        row = facts_frame[facts_frame["issue"] == key]
        label = iss.BY_KEY[key].label
        if row.empty or row["change"].isna().all():
            performance.append({"issue": key, "label": label, "target": target, "actual": None,
                                "status": "no data"})
        else:
            actual = float(row["change"].iloc[0])
            performance.append({"issue": key, "label": label, "target": target, "actual": actual,
                                "status": "met" if actual <= target else "not met"})
    return StrategicFigures(as_of, current, previous, window, monthly, facts_frame, table,
                            pd.DataFrame(performance, columns=["issue", "label", "target", "actual",
                                                               "status"]))


def for_viewer(figs: StrategicFigures, viewer: Viewer) -> StrategicFigures:
    """The figures with disclosure control for ``viewer`` (guidance 2.4.1.2).

    The issue × month table goes through :func:`workbench.privacy.disclosure.suppress_table`
    (primary and secondary suppression); an issue's 12-month total is hidden when any month
    inside it is hidden, so no hidden month can be recovered by subtraction. Harm and the
    priority scores are derived from the hidden values only through bands (1–5 scores), which
    are shown; the counts themselves are not.
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
                            table, figs.performance)
