"""Influence and Impact for the problem profile (guidance Appendix 2 (1) and Box 4).

"All documents produced by analysts aim to present key findings or judgments, make sound and
evidence-based recommendations, and identify knowledge gaps" (Box 4). From the Interpret
stage (:class:`~workbench.products.problem.ProblemSummary`) and the tested hypotheses (the
``workbench hypothesis`` JSON contract: hypothesis, verdict, p_value, statistic, effect,
evidence, datasets, caveats), :func:`influence_and_impact` derives

- **key judgements**, each with its confidence and the evidence it rests on;
- **recommendations**, each tied to a judgement;
- **knowledge gaps**: commission questions the data could not answer, inconclusive tests and
  missing data — these drive further collection;
- **tactical options** across partners, under prevention, enforcement and reassurance
  (regulations appendix H 1.10 pillars);
- an **evaluation plan**: baseline, measures, displacement check and review date
  (regulations appendix H 1.11, appendix K "ensuring crime is not simply being displaced").

The rules are explicit and short so an analyst can see why each line is there and edit it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from workbench.products.problem import ProblemSummary
from workbench.viz import numbers

#: per hypothesis name: (judgement when supported, recommendation, options by pillar)
RULES = {
    "concentration": (
        "The increase is concentrated in a few places, days and times, so the problem is "
        "focused enough to target.",
        "Target resources at the hot places and hot times identified, rather than area-wide.",
        {"prevention": "Place-based design: lighting, CCTV coverage and taxi marshalling at the hotspot cells.",
         "enforcement": "Directed patrols in the hot hours of the hot days, reviewed each tasking cycle.",
         "reassurance": "Visible presence and street pastors at the hotspot at peak times."}),
    "seriousness": (
        "The increase is in less-serious violence rather than serious violence.",
        "Prioritise early intervention and de-escalation over serious-violence enforcement tactics.",
        {"prevention": "Door-staff de-escalation training and safe-space provision.",
         "enforcement": "Swift low-level disposals to prevent escalation.",
         "reassurance": "Communicate that serious violence has not risen."}),
    "premises": (
        "The increase is tied to a small number of licensed premises.",
        "Refer the premises identified to the licensing authority for review and agree action plans.",
        {"prevention": "Premises action plans: polycarbonate glasses, dispersal policy, staggered closing.",
         "enforcement": "Joint licensing and police visits; licence review where conditions are breached.",
         "reassurance": "Pubwatch engagement and feedback to residents near the premises."}),
    "reporting": (
        "Part of the increase reflects reporting or recording practice rather than more violence.",
        "Confirm recording practice with the police crime registrar before committing resources.",
        {"prevention": "Share A&E data routinely so unreported violence is visible (guidance 3.2.12).",
         "enforcement": "No enforcement response to a recording change alone.",
         "reassurance": "Explain the recording change to the public and scrutiny committee."}),
}

QUESTION_TOPICS = {
    "where": ("location", "concentration", "premises"), "place": ("location",), "premises": ("premises",),
    "when": ("time", "concentration"), "time": ("time",), "night": ("time",), "day": ("time",),
    "who": ("victims", "offenders"), "victim": ("victims",), "offender": ("offenders",),
    "serious": ("seriousness",), "report": ("reporting",), "why": ("hypotheses",),
    "increase": ("scale",), "rise": ("scale",), "change": ("scale",), "how many": ("scale",),
}


@dataclass
class Judgement:
    """One analytical judgement: the statement, its confidence (high, medium or low) and what it rests on.

    Examples
    --------
    >>> j = Judgement("Offences rose by 48%.", "high", "exact rate test, p = 0.001")
    >>> j.to_dict()["confidence"]
    'high'
    """

    statement: str
    confidence: str     # high | medium | low
    basis: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class EvaluationPlan:
    """How the response will be evaluated: the baseline, the measures, the displacement check, when to review and the method.

    Examples
    --------
    >>> plan = influence_and_impact(_example_summary(), [], [], as_of=dt.date(2024, 4, 10)).evaluation
    >>> plan.review_date, plan.baseline
    ('2024-07-10', '150 offences in scope, 2024-01-01 to 2024-03-31 (11.5 a week).')
    """

    baseline: str
    measures: list[str]
    displacement_check: str
    review_date: str
    method: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class InfluenceImpact:
    """What a problem profile concludes: judgements, recommendations, knowledge gaps, options and the evaluation plan, and how each commissioned question is addressed.

    Examples
    --------
    >>> r = influence_and_impact(_example_summary(), [], ["Why has burglary risen?"], as_of=dt.date(2024, 4, 10))
    >>> list(r.options), r.to_dict()["questions"]
    (['prevention', 'enforcement', 'reassurance'], [{'question': 'Why has burglary risen?', 'addressed_by': ['hypotheses', 'scale']}])
    """

    judgements: list[Judgement]
    recommendations: list[str]
    knowledge_gaps: list[str]
    options: dict[str, list[str]]
    evaluation: EvaluationPlan
    questions: list[dict] = field(default_factory=list)   # question, addressed_by

    def to_dict(self) -> dict:
        return {"judgements": [j.to_dict() for j in self.judgements],
                "recommendations": self.recommendations, "knowledge_gaps": self.knowledge_gaps,
                "options": self.options, "evaluation": self.evaluation.to_dict(),
                "questions": self.questions}


def confidence(verdict: str, p_value: float | None) -> str:
    """High when supported at p < 0.01, medium at p < 0.05 or when refuted, low when inconclusive.

    >>> confidence("supported", 0.001), confidence("inconclusive", 0.2)
    ('high', 'low')
    """
    if verdict == "inconclusive" or p_value is None:
        return "low"
    if verdict == "supported":
        return "high" if p_value < 0.01 else "medium"
    return "medium"


def _name(h: dict) -> str:
    return str(h.get("hypothesis", "")).lower()


def influence_and_impact(summary: ProblemSummary, hypotheses: list[dict], questions: list[str],
                         *, as_of: dt.date | None = None, review_weeks: int = 13) -> InfluenceImpact:
    """Derive judgements, recommendations, gaps, options and an evaluation plan.

    Examples
    --------
    >>> r = influence_and_impact(_example_summary(), [], [], as_of=dt.date(2024, 4, 10))
    >>> [(j.statement, j.confidence) for j in r.judgements]       # 150 in 91 days against 100 in 90 days
    [('Offences in scope rose by 48% (rate per day) between the baseline and current periods.', 'high')]
    >>> r.recommendations[0].startswith("No single explanation is supported")   # no hypothesis was tested
    True
    """
    judgements: list[Judgement] = []
    recs: list[str] = []
    gaps: list[str] = []
    options = {"prevention": [], "enforcement": [], "reassurance": []}
    change = summary.change
    if change is not None:
        sig = summary.change_p is not None and summary.change_p < 0.05
        judgements.append(Judgement(
            f"Offences in scope {'rose' if change > 0 else 'fell'} by {abs(change):.0%} (rate per day) "
            f"between the baseline and current periods"
            + ("" if sig else "; the change is within normal variation") + ".",
            "high" if sig and summary.change_p < 0.01 else ("medium" if sig else "low"),
            f"{summary.current_count:,} offences against {summary.baseline_count:,}; "
            f"exact rate test allowing for month-to-month variation, {numbers.p_text(summary.change_p)}."))
    for h in hypotheses:
        name, verdict = _name(h), h.get("verdict", "inconclusive")
        rule = RULES.get(name)
        conf = confidence(verdict, h.get("p_value"))
        evidence = h.get("reason") or "see the hypothesis table"
        if h.get("p_value") is not None:
            evidence += f" ({numbers.p_text(h['p_value'])})"
        if verdict == "supported":
            statement = rule[0] if rule else f"Hypothesis '{name}' is supported."
            judgements.append(Judgement(statement, conf, evidence))
            if rule:
                recs.append(rule[1])
                for pillar, text in rule[2].items():
                    options[pillar].append(text)
        elif verdict == "not_supported":
            judgements.append(Judgement(f"The data do not support the '{name}' explanation.", conf, evidence))
        else:
            state = "was not tested" if verdict == "not run" else "is inconclusive"
            gaps.append(f"Hypothesis '{name}' {state}: "
                        + ("; ".join(h.get("caveats") or []) or "more data or a longer period are needed") + ".")
    loc, tm, vic = summary.location, summary.time, summary.victims
    if loc.get("within_100m_of_premises_share") is not None and loc["within_100m_of_premises_share"] >= 0.5:
        judgements.append(Judgement(
            f"{loc['within_100m_of_premises_share']:.0%} of offences are within 100 m of a licensed premises: "
            "the night-time economy is the likely setting.", "medium",
            "distance from each offence to the nearest licensed premises (depersonalised locations)."))
    if tm.get("weekend_night_share") is not None and tm["weekend_night_share"] >= 0.3:
        judgements.append(Judgement(
            f"{tm['weekend_night_share']:.0%} of offences happen on Friday and Saturday nights "
            "(20:00–04:00).", "medium", "day-of-week by hour of the recorded start time."))
    if vic.get("flag_alcohol_share") is not None and vic["flag_alcohol_share"] >= 0.5:
        recs.append("Work with the licensing authority and health partners on alcohol-related harm; "
                    f"{vic['flag_alcohol_share']:.0%} of offences are flagged alcohol-related.")
        options["prevention"].append("Alcohol harm reduction: drink-aware campaigns and A&E brief interventions.")
    if not options["enforcement"]:
        options["enforcement"].append("Offender management of the most prolific identified offenders "
                                      "(IOM/PPO) where they drive the problem.")
    if not options["reassurance"]:
        options["reassurance"].append("Tell residents what the partnership is doing and report back "
                                      "at the review (regulations appendix K).")
    if not options["prevention"]:
        options["prevention"].append("Situational prevention at the top locations identified.")
    asked = []
    covered = {"scale", "location", "time", "victims", "offenders", "hypotheses"} | \
        {_name(h) for h in hypotheses if h.get("verdict") != "inconclusive"}
    for q in questions:
        topics = {t for word, ts in QUESTION_TOPICS.items() if re.search(rf"\b{word}", q, re.I) for t in ts}
        hit = sorted(topics & covered)
        asked.append({"question": q, "addressed_by": hit})
        if not hit:
            gaps.append(f"Commission question not answerable from the hub's data: \"{q}\" — "
                        "put it to the panel of experts or commission new collection (guidance Box 4).")
    gaps += [c for c in summary.cannot_tell if c.startswith("No '")]
    if not recs:
        recs.append("No single explanation is supported: hold a problem-solving session with the "
                    "panel of experts before committing resources.")
    as_of = as_of or summary.current[1]
    review = as_of + dt.timedelta(weeks=review_weeks)
    plan = EvaluationPlan(
        baseline=f"{summary.current_count:,} offences in scope, {summary.current[0]} to {summary.current[1]} "
                 f"({summary.current_count / ProblemSummary._days(summary.current) * 7:.1f} a week).",
        measures=["Offences in scope per week (police recorded crime)",
                  "Assault attendances at A&E (independent of police recording)",
                  "Share of offences in the hotspot cells and hot hours",
                  "Harm-weighted count of offences in scope"],
        displacement_check="Count the same offences in a 500 m buffer around the target area and in "
                           "a matched control area; compute the weighted displacement difference "
                           "(workbench.analysis.evaluation).",
        review_date=str(review),
        method="Compare the review period with the baseline by the exact rate test; report the "
               "WDD for displacement or diffusion of benefit (regulations appendix H 1.11).")
    return InfluenceImpact(judgements, list(dict.fromkeys(recs)), list(dict.fromkeys(gaps)),
                           {k: list(dict.fromkeys(v)) for k, v in options.items()}, plan, asked)


def _example_summary() -> ProblemSummary:
    """A burglary problem: 150 offences in the first quarter of 2024 against 100 a year before
    (exact test p = 0.001): the examples' summary."""
    import pandas as pd

    return ProblemSummary("burglary", ("28E",), (dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
                          (dt.date(2023, 1, 1), dt.date(2023, 3, 31)), pd.DataFrame(), 150, 100, 0.001,
                          pd.DataFrame({"month": [], "count": []}))
