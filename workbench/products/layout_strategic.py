"""The strategic assessment's sections (regulations appendix H 1.8; appendix K business cycle)."""

from __future__ import annotations

import pandas as pd

from workbench.products import figures
from workbench.products import present as show
from workbench.products.strategic import StrategicSummary


def levels(s: StrategicSummary) -> None:
    """Levels and patterns: each statutory theme and issue over the last 12 months against the 12 before.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(levels, "strategic")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:6]
    ['heading', 'para', 'figure', 'table', 'note', 'note']
    """
    show.heading("Levels and patterns", 2)
    show.para(f"Crime, disorder, anti-social behaviour and substance misuse in the 12 months to "
              f"{s.current[1]} against the 12 months before. Sources overlap (police.uk, police and "
              f"partner records count some of the same events), so compare within a row, not across rows.")
    show.figure(figures.theme_bars(s.themes, title="Events by theme"),
                caption="Events by statutory theme, last 12 months against the previous 12.")
    rows = [{"issue": f.label, "theme": f.theme, "last 12 months": f.current, "previous 12 months": f.previous,
             "change": show.pct(f.change), "p (change)": f.change_p,
             "months of data": f.months_covered} for f in s.facts]
    show.table(pd.DataFrame(rows), caption="Levels and change by issue (exact test of equal rates)")
    partial = [f.label for f in s.facts if f.change is None and f.previous + f.current > 0]
    if partial:
        show.note("Not comparable year on year (the supply does not cover both years): "
                  + ", ".join(partial) + ". Their priority volume is annualised from the months supplied.")
    if s.missing_themes:
        show.note("No data for: " + ", ".join(s.missing_themes) + ". These themes cannot be assessed "
                  "until partners supply the statutory datasets (regulations appendix J).")


def trends(s: StrategicSummary) -> None:
    """Three-year trends with their significance, and the monthly chart.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(trends, "strategic")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:6]
    ['heading', 'para', 'table', 'figure']
    """
    show.heading("Three-year trends", 2)
    show.para("A trend is called rising or falling only when the log-linear (quasi-Poisson) trend over "
              f"the 36 months {s.trend_window[0]} to {s.trend_window[1]} is significant at 5 %.")
    rows = [{"issue": f.label, "trend": f.trend.direction, "change a year": show.pct(f.trend.annual_change),
             "p": f.trend.p_value, "months": f.trend.months} for f in s.facts]
    show.table(pd.DataFrame(rows), caption="Three-year trends with significance")
    labels = {f.key: f.label for f in s.facts}
    show.figure(figures.monthly_trend(s.monthly.assign(label=s.monthly["issue"].map(labels)),
                                      title="Monthly counts, largest issues", label_col="label"),
                caption="Monthly counts of the six largest issues over three years.")


def priorities(s: StrategicSummary) -> None:
    """The priority matrix: each issue scored on volume, trend, harm, vulnerability and concern.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(priorities, "strategic")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:6]
    ['heading', 'para', 'figure', 'table', 'table']
    """
    show.heading("Priority assessment", 2)
    w = s.priorities.matrix.weights
    show.para("Each issue is scored 1–5 on volume, trend, harm, vulnerability and public concern "
              f"(weights {', '.join(f'{k} {v:g}' for k, v in w.items())}), scaled to 0–100 and "
              "adjusted for the partnership's capacity to respond (MoRiLE-style matrix; "
              "configurable). Confidence (1–5) shows how far each score rests on enough data. "
              "Each problem is counted once, from its best-covered source; its other sources "
              "(police.uk and police records; A&E, ambulance and hospital data) are evidence. A "
              "problem whose data do not cover both comparison years is provisional: it ranks "
              "after every fully covered problem, at confidence 1 or 2, with its coverage shown.")
    frame = s.priorities.to_frame()
    show.figure(figures.priority_bars(frame), caption="Priority scores by issue; red = high band.",
                safe="priority scores (banded ratings), not counts")
    cols = ["rank", "label", "band", "score", "score_volume", "score_trend", "score_harm",
            "score_vulnerability", "score_public_concern", "capacity_modifier", "confidence"]
    # banded 1-5 ratings, not counts: shown as they are in the disclosure-controlled edition
    ratings = ["score", "volume", "trend", "harm", "vulnerability", "public_concern", "capacity_modifier",
               "confidence"]
    show.table(frame[cols].rename(columns=lambda c: c.replace("score_", "")),
               caption="Priority matrix", keys=ratings)
    show.table(frame[["rank", "label", "coverage", "sources"]],
               caption="Coverage and sources of each problem (first source = the one measured)")
    if s.excluded:
        show.note("Not ranked: " + "; ".join(f"{e['label']} ({e['reason']})" for e in s.excluded))


def pestelo(s: StrategicSummary) -> None:
    """The PESTELO scan of factors likely to affect crime and disorder.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(pestelo, "strategic")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:6]
    ['heading', 'para', 'table']
    """
    show.heading("PESTELO scan", 2)
    show.para("Political, economic, social, technological, environmental, legal and organisational "
              "factors likely to affect the partnership next year: evidence from the hub, and the "
              "question for the panel of experts where the hub has none.")
    show.table(pd.DataFrame([{"factor": p.factor, "evidence from the hub": " ".join(p.evidence) or "none",
                              "question for the panel": p.panel_question} for p in s.pestelo]),
               caption="PESTELO")


def performance(s: StrategicSummary) -> None:
    """Performance against the partnership plan's targets.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(performance, "strategic")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:6]
    ['heading', 'table']
    """
    show.heading("Performance against the partnership plan", 2)
    show.table(pd.DataFrame([{"issue": p.label, "target": show.pct(p.target), "actual": show.pct(p.actual),
                              "status": p.status, "why no data": p.reason} for p in s.performance]),
               caption="Change over the last 12 months against the plan's targets")


def community(s: StrategicSummary) -> None:
    """Community views: what survey respondents say concerns them most.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(community, "strategic")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:6]
    ['heading', 'para', 'table']
    """
    show.heading("Community views", 2)
    c = s.community
    if not c.responses:
        show.note("No survey responses in the hub: community consultation (regulations appendix K) "
                  "is a knowledge gap; public concern scored neutral in the matrix.")
        return
    show.para(f"{c.responses:,} responses to {', '.join(c.surveys)} surveys ({', '.join(c.periods)}).")
    show.table(c.top_concerns, caption="What respondents say concerns them most",
               formats={"share": lambda x: f"{x:.0%}"})


def recommendations(s: StrategicSummary) -> None:
    """Recommended priorities for the strategy group, each with its evidence.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(recommendations, "strategic")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:6]
    ['heading', 'para', 'heading', 'bullets', 'heading', 'bullets']
    """
    show.heading("Recommended priorities", 2)
    show.para("For the strategy group to agree (regulations appendix H 1.8–1.9).")
    for i, r in enumerate(s.recommended_priorities(), 1):
        show.heading(f"{i}. {r['label']} (score {r['score']:.0f}, {r['band']})", 3)
        show.bullets(r["reasons"])
