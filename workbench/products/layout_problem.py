"""The problem profile's sections, 3i order (guidance Appendix 2 (1)): Interpret, Influence, Impact.

Each function presents one section of :class:`~workbench.products.problem.ProblemSummary`,
the hypothesis results and :class:`~workbench.products.judgements.InfluenceImpact` through
:mod:`workbench.products.present`; the notebook calls them in order, with the analyst's own
narrative cells in between.
"""

from __future__ import annotations

import pandas as pd

from workbench.products import figures
from workbench.products import present as show
from workbench.products.hypotheses import evidence_items
from workbench.products.judgements import InfluenceImpact
from workbench.products.problem import ProblemSummary
from workbench.viz import numbers


def _area_text(commission, area) -> str:
    if area is not None:            # the commissioned area: every figure keeps to it
        return area.note()
    if commission and commission.area:
        return (f"{commission.area} — named in words only, so the counts and tests below cover the "
                "whole partnership area; commission the area with --area-lsoas, --area-wards, "
                "--area-districts or --area-polygon to restrict every figure to it")
    return "the whole partnership area"


def definitions(s: ProblemSummary, commission=None, area=None) -> None:
    """Interpret: the definitions agreed for this profile, the counts and the monthly series.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("problem")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(definitions, s)
    >>> [kind for kind, _ in parts]
    ['heading', 'para', 'heading', 'labelled', 'table', 'para', 'figure']
    """
    show.heading("Interpret", 2)
    show.para("Interpret: understand the criminal environment and explain why the problem persists "
              "(guidance Appendix 2, the 3i model).")
    show.heading("Definitions agreed for this profile", 3)
    show.labelled([
        ("Offences in scope", f"{s.offences_spec or 'violence (default group)'}: Home Office codes "
                              + ", ".join(s.codes[:20]) + ("…" if len(s.codes) > 20 else "")),
        ("Area", _area_text(commission, area)),
        ("Current period", f"{s.current[0]} to {s.current[1]}"),
        ("Baseline period", f"{s.baseline[0]} to {s.baseline[1]}"),
    ])
    show.table(s.definitions.rename(columns={"offence_code": "code", "offence_type": "offence"}),
               caption="Offences recorded in each period, by Home Office code")
    change = s.change
    show.para(f"{s.current_count:,} offences in the current period against {s.baseline_count:,} in the "
              f"baseline: a change of {show.pct(change)} in the daily rate "
              f"(exact rate test allowing for month-to-month variation, {numbers.p_text(s.change_p)})." if s.change_p is not None else
              "No offences in scope in either period.")
    if not s.monthly.empty:
        show.figure(figures.monthly_trend(s.monthly, title="Offences in scope per month"),
                    caption="Offences in scope per month, three years to the end of the current period.")


def triangle(s: ProblemSummary) -> None:
    """The problem analysis triangle: victim, offender and location, each with its evidence.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("problem")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(triangle, s)
    >>> [kind for kind, _ in parts][:5]
    ['heading', 'para', 'heading', 'bullets', 'table']
    """
    show.heading("Problem Analysis Triangle", 3)
    show.para("Every problem needs a victim (or target), an offender and a location that come together; "
              "a response that removes one side can break the problem.")
    v, o, loc, tm = s.victims, s.offenders, s.location, s.time
    show.heading("Victim", 4)
    lines = []
    if v.get("linked"):
        lines.append(f"{v['linked']:,} victim records linked to offences in scope.")
    for flag, label in (("flag_domestic_share", "domestic"), ("flag_alcohol_share", "alcohol-related")):
        if v.get(flag) is not None:
            lines.append(f"{v[flag]:.0%} of offences flagged {label}.")
    if v.get("ae_attendances"):
        lines.append(f"{v['ae_attendances']:,} assault attendances at A&E in the current period; "
                     f"{v.get('ae_repeat_patients', 0):,} patients attended more than once.")
    show.bullets(lines or ["No victim data in the shared tier."])
    if isinstance(v.get("profile"), pd.DataFrame):
        show.table(v["profile"], caption="Victims by age band and sex")
    if isinstance(v.get("ae_location_types"), pd.DataFrame):
        show.table(v["ae_location_types"], caption="Where A&E assault patients say they were assaulted")
    show.heading("Offender", 4)
    if o:
        show.bullets([f"{o['offenders']:,} identified offenders for {o['linked_offences']:,} offences "
                      f"({o['identified_share']:.0%} of offences in scope).",
                      f"The most prolific 10 % of offenders account for {o['share_by_top_10pct']:.0%} of "
                      "their offences."])
        show.table(o["profile"], caption="Identified offenders by age band and sex")
    else:
        show.bullets(["No offender data in the shared tier."])
    show.heading("Location", 4)
    if loc:
        lines = [f"{loc['share_in_top_5pct_cells']:.0%} of offences fall in the top 5 % of the "
                 f"{loc['cells']:,} 250 m cells with any offence."]
        if loc.get("within_100m_of_premises_share") is not None:
            lines.append(f"{loc['within_100m_of_premises_share']:.0%} of offences are within 100 m of a "
                         "licensed premises.")
        show.bullets(lines)
        show.table(loc["top_locations"], caption="Most frequent (depersonalised) locations")
        show.figure(figures.points_map(loc["points"], title="Offences in scope, current period",
                                       premises=loc.get("premises")),
                    caption="Offences in the current period (BNG metres; depersonalised locations) "
                            "and licensed premises.")
    if tm.get("unfit"):
        show.heading("Time", 4)
        show.para(f"Not shown: {tm['unfit']}.")
    elif tm.get("by_day") is not None:
        show.heading("Time", 4)
        show.para(f"Offences by day of the week only ({tm['note']}).")
        show.table(tm["by_day"], caption="Offences by day of the week (current period)")
    if tm.get("day_hour") is not None:
        show.heading("Time", 4)
        show.para(f"{tm['weekend_night_share']:.0%} of offences start on Friday or Saturday night "
                  f"(20:00–04:00); {tm['known_time_share']:.0%} have a recorded time.")
        show.figure(figures.day_hour(tm["day_hour"], title="Offences by day and hour (current period)"),
                    caption="Day of week by hour of the recorded start time.")


def hypotheses(tests: list[dict]) -> None:
    """The hypotheses tested, their verdicts and evidence.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("problem")                  # the smallest demo (9 s once)
    >>> from workbench.products.hypotheses import run_hypotheses
    >>> from workbench.demo.build import _example_tier
    >>> parts = _example_parts(hypotheses, run_hypotheses(_example_tier(), s.current, s.baseline))
    >>> [kind for kind, _ in parts][:5]
    ['heading', 'para', 'table', 'heading', 'note']
    """
    show.heading("Hypotheses tested", 3)
    show.para("Each hypothesis was posed before looking at the answer and tested with the analysis "
              "library (workbench.analysis.hypotheses); the verdict and the evidence are reported "
              "whichever way they fell.")
    rows = [{"hypothesis": t["hypothesis"], "question": t.get("question", ""),
             "verdict": t["verdict"].replace("_", " "), "p-value": t.get("p_value"),
             "reason": t.get("reason", "")} for t in tests]
    show.table(pd.DataFrame(rows), caption="Hypotheses, verdicts and evidence")
    for t in tests:
        sentences, tables = evidence_items(t)
        show.heading(f"{t['hypothesis'].capitalize()}: {t['verdict'].replace('_', ' ')}", 4)
        if sentences:
            show.bullets(sentences)
        for title, rows in tables[:2]:
            show.table(pd.DataFrame(rows).head(8), caption=title)
        if t.get("caveats"):
            show.note("Caveats: " + "; ".join(map(str, t["caveats"])))


def cannot_tell(s: ProblemSummary) -> None:
    """What the data cannot tell us: the limits of this profile's evidence.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("problem")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(cannot_tell, s)
    >>> [kind for kind, _ in parts][:5]
    ['heading', 'bullets']
    """
    show.heading("What the data cannot tell us", 3)
    show.bullets(s.cannot_tell)


def influence(ii: InfluenceImpact) -> None:
    """Influence: key judgements, recommendations and knowledge gaps.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("problem")                  # the smallest demo (9 s once)
    >>> from workbench.products.judgements import influence_and_impact
    >>> parts = _example_parts(influence, influence_and_impact(s, [], []))
    >>> [kind for kind, _ in parts][:5]
    ['heading', 'para', 'heading', 'table', 'heading']
    """
    show.heading("Influence", 2)
    show.para("Influence: the key judgements, the evidence-based recommendations and the knowledge "
              "gaps for the decision-makers (guidance Box 4).")
    show.heading("Key judgements", 3)
    show.table(pd.DataFrame([j.to_dict() for j in ii.judgements]) if ii.judgements
               else pd.DataFrame(columns=["statement", "confidence", "basis"]),
               caption="Key judgements and the confidence in each")
    show.heading("Recommendations", 3)
    show.bullets(ii.recommendations)
    show.heading("Knowledge gaps", 3)
    show.bullets(ii.knowledge_gaps or ["None identified."])
    show.heading("The commission's questions", 3)
    show.table(pd.DataFrame([{"question": q["question"],
                              "answered by": ", ".join(q["addressed_by"]) or "knowledge gap"}
                             for q in ii.questions]), caption="Where each question is answered")


def impact(ii: InfluenceImpact) -> None:
    """Impact: tactical options across partners and how the partnership will know whether they worked.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("problem")                  # the smallest demo (9 s once)
    >>> from workbench.products.judgements import influence_and_impact
    >>> parts = _example_parts(impact, influence_and_impact(s, [], []))
    >>> [kind for kind, _ in parts][:5]
    ['heading', 'para', 'heading', 'heading', 'bullets']
    """
    show.heading("Impact", 2)
    show.para("Impact: the tactical options across partners and how the partnership will know "
              "whether they worked (regulations appendix H 1.10–1.11).")
    show.heading("Tactical options", 3)
    for pillar in ("prevention", "enforcement", "reassurance"):
        show.heading(pillar.capitalize(), 4)
        show.bullets(ii.options[pillar])
    show.heading("Evaluation plan", 3)
    e = ii.evaluation
    show.labelled([("Baseline", e.baseline), ("Measures", "; ".join(e.measures)),
                   ("Displacement check", e.displacement_check), ("Review date", e.review_date),
                   ("Method", e.method)])
