"""Data for the strategic assessment (regulations appendix H 1.8; appendix K business cycle).

:func:`strategic_summary` gathers, from the depersonalised ``source``, the levels and patterns
of crime, disorder, ASB and substance misuse; changes since the last assessment (the last 12
months against the 12 before); three-year trends with significance; harm-weighted priority
scores in the MoRiLE-style matrix (:mod:`workbench.products.priority`); community views; a
PESTELO scan; performance against the partnership plan's targets; and the recommended
priorities. Pure data: notebooks and dashboards present it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from scipy import stats

from workbench.errors import BadInput
from workbench.products import issues as iss
from workbench.products.community import CommunityViews, community_views
from workbench.products.pestelo import PesteloFactor, pestelo_scan
from workbench.products.priority import DEFAULT_MATRIX, PriorityInput, PriorityMatrix, PriorityTable, score_priorities
from workbench.products.trend import TrendResult, trend_test

TARGETS_FILE = Path(__file__).with_name("config") / "plan_targets.yaml"


@dataclass
class IssueFacts:
    key: str
    label: str
    theme: str
    dataset: str
    current: int            # last 12 months
    previous: int           # the 12 months before
    change: float | None    # proportional change
    change_p: float | None  # exact two-sided test of equal rates
    trend: TrendResult
    harm: float
    public_concern: float | None
    months_covered: int = 12   # months of the last 12 with data (a late-starting supply has fewer)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["trend"] = self.trend.to_dict()
        return d


@dataclass
class Performance:
    issue: str
    label: str
    target: float
    actual: float | None
    status: str   # met | not met | no data

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StrategicSummary:
    """Everything the strategic assessment presents."""

    as_of: dt.date
    current: tuple[dt.date, dt.date]
    previous: tuple[dt.date, dt.date]
    trend_window: tuple[dt.date, dt.date]
    facts: list[IssueFacts]
    monthly: pd.DataFrame
    themes: pd.DataFrame
    priorities: PriorityTable
    community: CommunityViews
    pestelo: list[PesteloFactor]
    performance: list[Performance]
    datasets: list[str]
    missing_themes: list[str] = field(default_factory=list)

    def fact(self, key: str) -> IssueFacts:
        return next(f for f in self.facts if f.key == key)

    def recommended_priorities(self, n: int = 5) -> list[dict]:
        """The top issues in the high band (or the top ``n`` when none is high), with reasons."""
        rows = self.priorities.priorities("high") or self.priorities.rows[:n]
        out = []
        for r in rows[:n]:
            f = self.fact(r.issue)
            reasons = [f"{f.current:,} in the last 12 months", f"trend {f.trend.describe()}"]
            if r.scores["harm"] >= 4:
                reasons.append("high harm per event")
            if r.scores["vulnerability"] >= 4:
                reasons.append("victims often vulnerable")
            if f.public_concern is not None and r.scores["public_concern"] >= 4:
                reasons.append(f"{f.public_concern:.0%} of survey respondents concerned")
            if r.confidence <= 2:
                reasons.append("LOW CONFIDENCE: fill the knowledge gap before committing resources")
            out.append({"issue": r.issue, "label": r.label, "score": r.score, "band": r.band,
                        "reasons": reasons})
        return out

    def to_dict(self) -> dict:
        return {
            "as_of": str(self.as_of), "current": [str(d) for d in self.current],
            "previous": [str(d) for d in self.previous],
            "trend_window": [str(d) for d in self.trend_window],
            "facts": [f.to_dict() for f in self.facts], "themes": self.themes.to_dict(orient="records"),
            "priorities": self.priorities.to_dict(), "community": self.community.to_dict(),
            "pestelo": [p.to_dict() for p in self.pestelo],
            "performance": [p.to_dict() for p in self.performance], "datasets": self.datasets,
            "missing_themes": self.missing_themes,
            "recommended_priorities": self.recommended_priorities(),
        }


def load_targets(path: Path | str | None = None) -> dict[str, float]:
    """Partnership plan targets (issue key -> wanted proportional change)."""
    data = yaml.safe_load(Path(path or TARGETS_FILE).read_text()) or {}
    unknown = [k for k in data if k not in iss.BY_KEY]
    if unknown:
        raise BadInput(f"Targets name unknown issue(s) {unknown}; known issues: {sorted(iss.BY_KEY)}.")
    return {k: float(v) for k, v in data.items()}


def _change_p(current: int, previous: int) -> float | None:
    n = current + previous
    return None if n == 0 else float(stats.binomtest(current, n, 0.5).pvalue)


def _confidence(issue: iss.Issue, trend: TrendResult, concern: float | None, months: int = 12) -> int:
    """1–5: how far the judgement rests on enough data from more than one angle."""
    score = 3 if months >= 12 else 2
    if trend.direction == "too few data":
        score -= 1
    if trend.months >= 30:
        score += 1
    if concern is None:
        score -= 1
    return max(1, min(5, score))


def strategic_summary(source, as_of: dt.date | str | None = None, *,
                      matrix: PriorityMatrix = DEFAULT_MATRIX, targets: dict | None = None,
                      capacity: dict[str, int] | None = None) -> StrategicSummary:
    """Gather the strategic assessment from a depersonalised ``source`` connection.

    Parameters
    ----------
    source : DuckDB connection on the shared tier (tables named by dataset id).
    as_of : the assessment date; default the latest event date in the data.
    matrix : the priority matrix configuration.
    targets : issue -> target change; default :data:`TARGETS_FILE`.
    capacity : issue -> organisational capacity gap 1–5 (default 3), from the strategy group.
    """
    available = iss.available_issues(source)
    if not available:
        raise BadInput("The source holds no data for any strategic-assessment issue "
                       f"(datasets: {sorted({i.dataset for i in iss.ISSUES})}). "
                       "Has the shared tier been published?")
    if as_of is None:
        as_of = iss.latest_date(source, available)
    as_of = pd.Timestamp(as_of).date()
    end = (pd.Timestamp(as_of) + pd.offsets.MonthEnd(0)).date() \
        if pd.Timestamp(as_of).is_month_end else (pd.Timestamp(as_of).to_period("M").to_timestamp() - pd.Timedelta(days=1)).date()
    cur = ((pd.Timestamp(end) - pd.DateOffset(months=12) + pd.Timedelta(days=1)).date(), end)
    prev = ((pd.Timestamp(cur[0]) - pd.DateOffset(months=12)).date(),
            (pd.Timestamp(cur[0]) - pd.Timedelta(days=1)).date())
    window = ((pd.Timestamp(end) - pd.DateOffset(months=36) + pd.Timedelta(days=1)).date(), end)
    monthly = iss.monthly_counts(source, available, window[0], window[1])
    weights = iss.harm_weights(source)
    community = community_views(source, available)
    targets = load_targets() if targets is None else targets
    capacity = capacity or {}
    facts, inputs = [], []
    for issue in available:
        m = monthly[monthly["issue"] == issue.key].set_index("month")["count"]
        in_cur = m[(m.index >= pd.Timestamp(cur[0])) & (m.index <= pd.Timestamp(cur[1]))]
        in_prev = m[(m.index >= pd.Timestamp(prev[0])) & (m.index <= pd.Timestamp(prev[1]))]
        c, p = int(in_cur.sum()), int(in_prev.sum())
        months = int(in_cur.notna().sum())
        comparable = in_cur.notna().all() and in_prev.notna().all()
        tr = trend_test(m.to_numpy())
        harm = weights.get(issue.label, issue.harm) if issue.dataset == "police_uk_street" else issue.harm
        concern = community.concern_by_issue.get(issue.key)
        facts.append(IssueFacts(issue.key, issue.label, issue.theme, issue.dataset, c, p,
                                (c - p) / p if p and comparable else None,
                                _change_p(c, p) if comparable else None, tr, harm, concern, months))
        volume = c * 12 / months if months else 0  # annualised when the supply covers part of the year
        inputs.append(PriorityInput(issue.key, issue.label, volume=volume, trend=tr.direction, harm=harm,
                                    vulnerability=issue.vulnerability, public_concern=concern,
                                    capacity=int(capacity.get(issue.key, 3)),
                                    confidence=_confidence(issue, tr, concern, months),
                                    annual_change=tr.annual_change, theme=issue.theme))
    themes = (pd.DataFrame([{"theme": f.theme, "current": f.current, "previous": f.previous}
                            for f in facts if f.change is not None or f.previous == 0 and f.months_covered == 12])
              .reindex(columns=["theme", "current", "previous"]).groupby("theme", as_index=False).sum())
    performance = []
    for key, target in targets.items():
        f = next((x for x in facts if x.key == key), None)
        if f is None or f.change is None:
            performance.append(Performance(key, iss.BY_KEY[key].label, target, None, "no data"))
        else:
            performance.append(Performance(key, f.label, target, f.change,
                                           "met" if f.change <= target else "not met"))
    datasets = sorted({i.dataset for i in available}
                      | ({"survey_response"} if community.responses else set())
                      | ({"ref_harm_weights"} if weights else set()))
    missing = [t for t in iss.THEMES if t not in set(themes["theme"])]
    return StrategicSummary(as_of, cur, prev, window, facts, monthly, themes,
                            score_priorities(inputs, matrix), community, pestelo_scan(source, as_of),
                            performance, datasets, missing)
