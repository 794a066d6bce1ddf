"""The tactical assessment's sections (regulations appendix H 1.8–1.10)."""

from __future__ import annotations

import pandas as pd

from workbench.products import figures
from workbench.products import present as show
from workbench.products.tactical import TacticalSummary
from workbench.viz import numbers


def emerging(s: TacticalSummary) -> None:
    """Emerging issues: the period compared, the issues significantly above their baseline, the exceedance table.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(emerging, "tactical")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts]
    ['heading', 'para', 'bullets', 'table']
    >>> "ASB reported to the council: 12 against 3.5 expected" in parts[2][1]
    True
    """
    show.heading("Emerging issues", 2)
    show.para(f"The last {s.weeks} weeks ({s.current[0]} to {s.current[1]}) against the 52 weeks before "
              f"({s.baseline[0]} to {s.baseline[1]}); an issue is emerging when its rate is at least 20 % "
              "above the baseline rate and the exact test gives p < 0.05. police.uk data are monthly: "
              "their last complete month is compared with the 12 months before.")
    if s.emerging:
        show.bullets([f"{e.label}: {e.current:,} against {e.expected:,.1f} expected "
                      f"(rate ratio {e.rate_ratio}, {numbers.p_text(e.p_value)})" for e in s.emerging])
    else:
        show.para("No issue is significantly above its baseline.")
    frame = pd.DataFrame([e.to_dict() for e in s.exceedance]).drop(columns=["issue"])
    frame["emerging"] = frame["emerging"].map({True: "yes", False: "no"})
    show.table(frame.rename(columns={"label": "issue", "rate_ratio": "rate ratio", "p_value": "p"}),
               caption="Exceedance by issue")


def hotspots(s: TacticalSummary) -> None:
    """Hotspot cells and their change, how each issue's hotspots were found, and a map of this period's events.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(hotspots, "tactical")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts]
    ['heading', 'para', 'bullets', 'table', 'figure']
    """
    show.heading("Hotspots and change", 2)
    show.para("Hotspots are the 150 m cells that Getis–Ord Gi* calls hot this period (the same "
              "cells as the tactical dashboard's map), with their change against the count "
              "expected from the baseline rate: new, growing, persisting or shrinking. How each "
              "issue's hotspots were found and tested:")
    if s.hotspot_method:
        show.bullets(s.hotspot_method)
    show.table(s.hotspots, caption="Hotspot cells (cell centre in BNG metres)")
    if not s.points.empty:
        show.figure(figures.points_map(s.points, title="Events this period", highlight=s.hotspots,
                                       colour_col="issue"),
                    caption="Events with coordinates this period; circles mark the hotspot cells.")


def repeats(s: TacticalSummary) -> None:
    """Repeat locations and (pseudonymised) repeat victims this period.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(repeats, "tactical")   # the smallest demo (9 s once)
    >>> parts[-1]
    ('para', '<p>No pseudonymised victim references in the shared tier.</p>')
    """
    show.heading("Repeat locations and victims", 2)
    show.table(s.repeat_locations, caption="Locations with repeated incidents this period")
    if s.repeat_victims.empty:
        show.para("No pseudonymised victim references in the shared tier.")
    else:
        show.table(s.repeat_victims, caption="Repeat victims (pseudonymised references; counts only)")


def cohort_and_intelligence(s: TacticalSummary) -> None:
    """PPO/IOM cohort and partner intelligence as counts, and the gaps of what could not be shown.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(cohort_and_intelligence, "tactical")   # the smallest demo (9 s once)
    >>> [kind for kind, _ in parts][:3], "names stay in the personal tier" in parts[1][1]
    (['heading', 'table', 'table'], True)
    """
    show.heading("Offender cohort and partner intelligence", 2)
    if s.cohort is not None:
        by_status = "status" in s.cohort.columns
        show.table(s.cohort, caption="PPO/IOM cohort by status (counts only; names stay in the personal tier)"
                   if by_status else "PPO/IOM cohort records per quarter (the shared tier publishes "
                   "suppressed counts only; status is not published)")
    if s.intelligence is not None:
        by_cat = "category" in s.intelligence.columns
        show.table(s.intelligence, caption="Partner intelligence received this period by category" if by_cat
                   else "Partner intelligence submissions per quarter (category is not published to "
                   "the shared tier)")
    for gap in s.gaps:
        show.note(gap)


def actions(s: TacticalSummary) -> None:
    """Actions carried from the last meeting with owners and status (regulations appendix H 1.10).

    Examples
    --------
    >>> from workbench.demo.build import _example_parts
    >>> parts = _example_parts(actions, "tactical")   # the smallest demo (9 s once)
    >>> parts[-1]
    ('para', '<p>No actions recorded (`workbench action add`).</p>')
    """
    show.heading("Actions carried from the last meeting", 2)
    if not s.actions:
        show.para("No actions recorded (`workbench action add`).")
        return
    show.table(pd.DataFrame([{"meeting": a.raised_at_meeting, "action": a.action, "owner": a.owner,
                              "agency": a.agency, "due": a.due, "status": a.status} for a in s.actions]),
               caption="Actions with owners and status (regulations appendix H 1.10)")
