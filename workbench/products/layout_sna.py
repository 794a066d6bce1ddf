"""The serious violence strategic needs assessment's sections (PCSC Act 2022; Home Office
Serious Violence Duty guidance: profile, cohorts, places, times, drivers, gaps, recommendations)."""

from __future__ import annotations

import pandas as pd

from workbench.products import figures
from workbench.products import present as show
from workbench.products.sna import DEFINITION, SnaSummary, shown


def definition(s: SnaSummary) -> None:
    """The partnership's local definition of serious violence and its counts by type.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(definition, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'para', 'table']
    """
    show.heading("Definition of serious violence", 2)
    show.para("The partnership's local definition, as the Serious Violence Duty asks each area to "
              "agree one: " + "; ".join(f"{k} (Home Office codes {', '.join(v)})" for k, v in DEFINITION.items())
              + ". Health sources count every assault they see, whatever its recorded offence.")
    if len(s.by_definition):
        show.table(s.by_definition.assign(**{c: s.by_definition[c].map(shown) for c in
                                             ("last 12 months", "previous 12 months")}),
                   caption=f"Police recorded serious violence by type, 12 months to {s.as_of}")


def profile(s: SnaSummary) -> None:
    """The violence profile: each source's counts, change and trend.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(profile, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'para', 'table', 'figure']
    """
    show.heading("Violence profile", 2)
    show.para(f"Each source that sees serious violence, the 12 months to {s.as_of} against the 12 before "
              "(exact test of equal rates), and its trend over up to 36 months (quasi-Poisson). Sources "
              "overlap: one assault can be a police record, an ambulance call-out and an A&E attendance.")
    rows = [{"source": f.label, "last 12 months": shown(f.current), "previous 12 months": shown(f.previous),
             "change": show.pct(f.change), "p (change)": f.p_value, "trend": f.trend, "months": f.months}
            for f in s.profile]
    show.table(pd.DataFrame(rows), caption="Serious violence by source")
    if len(s.monthly):
        show.figure(figures.monthly_trend(s.monthly, title="Serious violence by month and source",
                                          label_col="source"),
                    caption="Monthly counts by source; a gap is a month without data, not a month without violence.")


def cohorts(s: SnaSummary) -> None:
    """Cohorts: who is affected, by age group and sex, and youth justice.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(cohorts, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'table', 'para']
    """
    show.heading("Cohorts: who is affected", 2)
    if len(s.cohorts):
        tab = s.cohorts.copy()
        for c in tab.columns[2:]:
            tab[c] = tab[c].map(shown)
        show.table(tab, caption="Assault attendances by age group and sex (A&E under ISTV, ambulance); "
                                "counts below 5 are shown as <5")
    else:
        show.note("No A&E or ambulance assault records with age and sex: cohorts cannot be described "
                  "from health data (a data gap).")
    if s.youth:
        show.para(f"Youth justice: {shown(s.youth['assessments'])} youth offending service assessments in the "
                  f"last 12 months, {shown(s.youth['persistent'])} of young people flagged as persistent.")


def places(s: SnaSummary) -> None:
    """Places: the LSOAs and wards with most serious violence.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(places, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'table', 'table', 'table']
    """
    show.heading("Places", 2)
    if s.places.empty:
        show.note("Serious violence could not be placed in LSOAs (no postcode lookup or no located records).")
        return
    top = s.places.head(15).rename(columns={"lsoa_code": "LSOA", "lsoa_name": "name", "current": "offences",
                                            "imd_decile": "deprivation decile (1 = most deprived)"})
    top["offences"] = top["offences"].map(shown)
    show.table(top.drop(columns=["population"]), caption=f"The LSOAs with most serious violence, 12 months to {s.as_of}")
    for unit, counts in s.units.items():
        label = "ward" if unit == "ward" else f"area ({unit.split(':', 1)[1]})"
        tab = counts.frame.rename(columns={"unit_code": label, "unit_name": "name", "count": "offences"}).head(15)
        tab["offences"] = tab["offences"].map(shown)
        show.table(tab, caption=f"Serious violence by {label}, 12 months to {s.as_of}"
                                + (f"; {counts.unplaced:,} offence(s) could not be placed" if counts.unplaced else ""))


def times(s: SnaSummary) -> None:
    """Times: serious violence by day of week and hour, when the data carry times.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(times, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'figure']
    """
    show.heading("Times", 2)
    if s.times is None:
        show.note("Day and hour cannot be assessed: " + (s.times_reason or "no police records with times."))
        return
    show.figure(figures.day_hour(s.times, title="Serious violence by day and hour"),
                caption="Police recorded serious violence by day of week and hour of the day.")


def drivers(s: SnaSummary) -> None:
    """Drivers and protective factors found in the data.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(drivers, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'bullets']
    """
    show.heading("Drivers and protective factors", 2)
    if s.drivers:
        show.bullets([d["finding"] for d in s.drivers])
    else:
        show.note("No driver could be measured from the hub's data.")


def gaps(s: SnaSummary) -> None:
    """Data gaps: what the sources could not show, and why.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(gaps, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'bullets']
    """
    show.heading("Data gaps", 2)
    show.bullets(s.gaps)


def recommendations(s: SnaSummary) -> None:
    """Recommendations for the serious violence strategy, each with its evidence.

    Examples
    --------
    >>> from workbench.demo.build import _example_parts, _example_summary
    >>> s = _example_summary("sna")                  # the smallest demo (9 s once)
    >>> parts = _example_parts(recommendations, s)
    >>> [kind for kind, _ in parts][:4]
    ['heading', 'para', 'heading', 'bullets']
    """
    show.heading("Recommendations", 2)
    show.para("For the partnership's serious violence strategy (Serious Violence Duty), each with the evidence it rests on.")
    for i, r in enumerate(s.recommendations(), 1):
        show.heading(f"{i}. {r['title']}", 3)
        show.bullets(r["evidence"])
