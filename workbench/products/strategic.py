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

from workbench import catalogue
from workbench.errors import BadInput
from workbench.period import Period
from workbench.products import issues as iss
from workbench.products.community import CommunityViews, community_views
from workbench.products.pestelo import PesteloFactor, pestelo_scan
from workbench.products.priority import DEFAULT_MATRIX, PriorityInput, PriorityMatrix, PriorityTable, score_priorities
from workbench.analysis.change import exact_rate_test
from workbench.analysis.temporal import TrendResult, trend_test

TARGETS_FILE = Path(__file__).with_name("config") / "plan_targets.yaml"


@dataclass
class IssueFacts:
    """One issue's counts over the last two years, its change and trend, harm and coverage.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> f = strategic_summary(tier).fact("violence")
    >>> f.dataset, f.current, f.months_covered, f.change, f.trend.direction   # police.uk: 3 months only
    ('police_uk_street', 3611, 3, None, 'too few data')
    """
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
    months_previous: int = 12  # months of the 12 before with data
    problem: str = ""          # the problem this issue is a source of (issues.PROBLEMS)

    @property
    def complete(self) -> bool:
        """Both comparison years fully covered by the dataset's supplies."""
        return self.months_covered == 12 and self.months_previous == 12

    def coverage(self) -> str:
        """The coverage in words, e.g. ``'police_uk_street: 3 of 12 months in the last year,
        0 of 12 in the year before'``."""
        return (f"{self.dataset}: {self.months_covered} of 12 months in the last year, "
                f"{self.months_previous} of 12 in the year before")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["trend"] = self.trend.to_dict()
        d["complete"] = self.complete
        return d


@dataclass
class Performance:
    """A partnership-plan target, the change measured against it and whether it was met.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> p = strategic_summary(tier).performance[0]
    >>> p.label, p.target, p.status
    ('Violence and sexual offences', -0.05, 'no data')
    >>> p.reason                                           # why there is no actual change, in words
    'cannot compare: the baseline year (01 Jul 2022 – 30 Jun 2023) has 6 of 12 months of Recorded crime: offences'
    """
    issue: str
    label: str
    target: float
    actual: float | None
    status: str   # met | not met | no data
    reason: str = ""   # why there is no actual change ("no data"), in words

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StrategicSummary:
    """Everything the strategic assessment presents.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = strategic_summary(tier)
    >>> str(s.as_of), [str(d) for d in s.current], [str(d) for d in s.previous]
    ('2024-06-30', ['2023-07-01', '2024-06-30'], ['2022-07-01', '2023-06-30'])
    >>> [r.issue for r in s.priorities.rows][:3]
    ['violence', 'domestic_admissions', 'robbery']
    """

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
    excluded: list[dict] = field(default_factory=list)   # problems not ranked, with the reason

    def fact(self, key: str) -> IssueFacts:
        return next(f for f in self.facts if f.key == key)

    def facts_frame(self) -> pd.DataFrame:
        """One row per issue (source): counts, change, coverage, harm and trend — the table
        the dashboard shows and the document prints. ``primary`` marks the source each ranked
        problem is measured by: summing or charting only those counts each problem once."""
        ranked = {r.issue for r in self.priorities.rows}
        firsts = {self.primary(p).key for p in ranked}
        rows = [{"issue": f.key, "label": f.label, "theme": f.theme, "dataset": f.dataset,
                 "problem": f.problem, "primary": f.key in firsts,
                 "current": f.current, "previous": f.previous,
                 "change": f.change, "change_p": f.change_p, "months_covered": f.months_covered,
                 "months_previous": f.months_previous, "complete": f.complete, "harm": f.harm,
                 "harm_current": f.current * f.harm, "harm_previous": f.previous * f.harm,
                 "trend": f.trend.direction, "annual_change": f.trend.annual_change,
                 "trend_p": f.trend.p_value} for f in self.facts]
        return pd.DataFrame(rows)

    def performance_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.to_dict() for p in self.performance],
                            columns=["issue", "label", "target", "actual", "status", "reason"])

    def primary(self, problem: str) -> IssueFacts:
        """The source a problem's figures are taken from (see :func:`primary_source`)."""
        return primary_source([f for f in self.facts if f.problem == problem])

    def evidence(self, problem: str) -> list[IssueFacts]:
        """Every source of a problem: the primary first, the others triangulating it."""
        first = self.primary(problem)
        return [first] + [f for f in self.facts if f.problem == problem and f is not first]

    def recommended_priorities(self, n: int = 5) -> list[dict]:
        """The top fully covered problems in the high band (or the top ``n`` when none is
        high), with reasons; a provisional problem (incomplete coverage) is never recommended
        with full confidence."""
        rows = self.priorities.priorities("high") or self.priorities.rows[:n]
        out = []
        for r in rows[:n]:
            f = self.primary(r.issue)
            reasons = [f"{f.current:,} in the last 12 months ({f.label})", f"trend {f.trend.describe()}"]
            others = [e for e in self.evidence(r.issue)[1:] if e.trend.direction != "too few data"]
            if others:
                reasons.append("triangulated with " + "; ".join(
                    f"{e.label}: {e.trend.direction}" for e in others))
            if not r.complete:
                reasons.append(f"PROVISIONAL: {r.coverage}")
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
            "missing_themes": self.missing_themes, "excluded": self.excluded,
            "recommended_priorities": self.recommended_priorities(),
        }


def load_targets(path: Path | str | None = None) -> dict[str, float]:
    """Partnership plan targets (issue key -> wanted proportional change).

    Examples
    --------
    >>> load_targets()["violence"]                          # the shipped partnership plan
    -0.05
    >>> from pathlib import Path
    >>> _ = Path("targets.yaml").write_text("shoplifting_typo: -0.1")
    >>> load_targets("targets.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    workbench.errors.BadInput: Targets name unknown issue(s) ['shoplifting_typo']; known issues: [...].
    """
    data = yaml.safe_load(Path(path or TARGETS_FILE).read_text()) or {}
    unknown = [k for k in data if k not in iss.BY_KEY]
    if unknown:
        raise BadInput(f"Targets name unknown issue(s) {unknown}; known issues: {sorted(iss.BY_KEY)}.")
    return {k: float(v) for k, v in data.items()}


def _change_p(current: int, previous: int, dispersion: float | None = None) -> float | None:
    """Two-sided exact rate test of this year against last, allowing for the monthly series'
    over-dispersion (real crime counts vary more than Poisson; issue 12)."""
    if current + previous == 0:
        return None
    return exact_rate_test(current, previous, 1.0, 1.0, "two-sided", dispersion=dispersion).p_value


def _no_change_reason(f: IssueFacts | None, cur: tuple, prev: tuple) -> str:
    """Why a target has no actual change: no source, a comparison year not fully covered, or
    nothing in the baseline year to compare with."""
    if f is None:
        return "none of this issue's datasets is in the shared tier"
    title = catalogue.get(f.dataset).title if f.dataset in catalogue.ids() else f.dataset
    gaps = [f"{name} ({Period.of(start, end, name).label}) has {months} of 12 months of {title}"
            for name, (start, end), months in (("the last 12 months", cur, f.months_covered),
                                                ("the baseline year", prev, f.months_previous)) if months < 12]
    if gaps:
        return "cannot compare: " + "; ".join(gaps)
    return "no events in the baseline year, so no proportional change"


def primary_source(facts: list[IssueFacts]) -> IssueFacts:
    """The source a problem is measured by: the best covered over both comparison years, then
    the more precise (dates to the day before police.uk's months), then the larger volume.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = strategic_summary(tier)
    >>> sources = [f for f in s.facts if f.problem == "violence"]
    >>> [(f.dataset, f.months_covered) for f in sources]
    [('police_uk_street', 3), ('police_crime_offence', 12), ('health_ae_assault', 0), ('ambulance_callout', 0), ('health_admission_icd', 12)]
    >>> primary_source(sources).dataset                    # best covered, then most precise, then largest
    'police_crime_offence'
    """
    prec = {k.key: 0 if k.monthly_only else 1 for k in iss.ISSUES}
    return max(facts, key=lambda f: (f.months_covered + f.months_previous, prec.get(f.key, 0),
                                     f.current, f.key))


def _confidence(primary: IssueFacts, evidence: list[IssueFacts], concern: float | None) -> int:
    """1–5: how far the judgement rests on enough data from more than one angle.

    Coverage first: a problem whose best source does not cover the last year is confidence 1,
    one that cannot compare with the year before at most 2. Then a long trend and survey
    evidence count, and a second source whose trend agrees (triangulation) adds one.
    """
    if primary.months_covered < 12:
        return 1
    score = 3
    if primary.trend.direction == "too few data":
        score -= 1
    if primary.trend.months >= 30:
        score += 1
    if concern is None:
        score -= 1
    agree = [e for e in evidence if e is not primary and e.trend.direction == primary.trend.direction
             and e.trend.direction != "too few data"]
    if agree:
        score += 1
    if primary.months_previous < 12:
        score = min(score, 2)
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

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = strategic_summary(tier, "2024-06-30")
    >>> [str(d) for d in s.trend_window]                   # three years for the trends
    ['2021-07-01', '2024-06-30']
    >>> s.facts_frame().columns.tolist()[:5]
    ['issue', 'label', 'theme', 'dataset', 'problem']
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
    facts = []
    for issue in available:
        m = monthly[monthly["issue"] == issue.key].set_index("month")["count"]
        in_cur = m[(m.index >= pd.Timestamp(cur[0])) & (m.index <= pd.Timestamp(cur[1]))]
        in_prev = m[(m.index >= pd.Timestamp(prev[0])) & (m.index <= pd.Timestamp(prev[1]))]
        c, p = int(in_cur.sum()), int(in_prev.sum())
        months = int(in_cur.notna().sum())
        months_prev = int(in_prev.notna().sum())
        comparable = in_cur.notna().all() and in_prev.notna().all()
        tr = trend_test(m.to_numpy())
        harm = weights.get(issue.label, issue.harm) if issue.dataset == "police_uk_street" else issue.harm
        concern = community.concern_by_issue.get(issue.key)
        facts.append(IssueFacts(issue.key, issue.label, issue.theme, issue.dataset, c, p,
                                (c - p) / p if p and comparable else None,
                                _change_p(c, p, tr.dispersion) if comparable else None, tr, harm, concern, months,
                                months_prev, issue.problem_key if issue.ranked else ""))
    inputs, excluded, primaries = [], [], []
    for problem, label in iss.PROBLEMS.items():
        evidence = [f for f in facts if f.problem == problem]
        if not evidence:
            continue
        first = primary_source(evidence)
        if first.months_covered == 0:
            excluded.append({"problem": problem, "label": label,
                             "reason": "no data in the last 12 months: " + "; ".join(
                                 e.coverage() for e in evidence)})
            continue
        primaries.append(first)
        issue = iss.BY_KEY[first.key]
        concerns = [e.public_concern for e in evidence if e.public_concern is not None]
        concern = max(concerns) if concerns else None
        volume = first.current * 12 / first.months_covered  # annualised for a part-year supply
        inputs.append(PriorityInput(
            problem, label, volume=volume, trend=first.trend.direction, harm=first.harm,
            vulnerability=max(iss.BY_KEY[e.key].vulnerability for e in evidence),
            public_concern=concern, capacity=int(capacity.get(problem, 3)),
            confidence=_confidence(first, evidence, concern),
            annual_change=first.trend.annual_change, theme=issue.theme, complete=first.complete,
            coverage=first.coverage(),
            sources=(first.label, *(e.label for e in evidence if e is not first))))
    # each problem once, from its primary source: no event is added to a theme twice
    themes = (pd.DataFrame([{"theme": f.theme, "current": f.current, "previous": f.previous}
                            for f in primaries if f.change is not None or f.previous == 0 and f.complete])
              .reindex(columns=["theme", "current", "previous"]).groupby("theme", as_index=False).sum())
    performance = []
    for key, target in targets.items():
        # a target on a problem is measured by the problem's primary source (the best covered)
        sources = [x for x in facts if x.problem == key]
        f = primary_source(sources) if sources else next((x for x in facts if x.key == key), None)
        if f is None or f.change is None:
            performance.append(Performance(key, iss.BY_KEY[key].label, target, None, "no data",
                                           _no_change_reason(f, cur, prev)))
        else:
            performance.append(Performance(key, f.label, target, f.change,
                                           "met" if f.change <= target else "not met"))
    datasets = sorted({i.dataset for i in available}
                      | ({"survey_response"} if community.responses else set())
                      | ({"ref_harm_weights"} if weights else set()))
    missing = [t for t in iss.THEMES if t not in set(themes["theme"])]
    return StrategicSummary(as_of, cur, prev, window, facts, monthly, themes,
                            score_priorities(inputs, matrix), community, pestelo_scan(source, as_of),
                            performance, datasets, missing, excluded)
