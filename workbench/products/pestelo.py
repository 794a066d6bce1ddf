"""The PESTELO scan of the strategic assessment: Political, Economic, Social, Technological,
Environmental, Legal and Organisational factors likely to affect the partnership in the
coming year (regulations appendix H 1.8 "issues likely to affect the partnership").

The hub supplies evidence for some factors (deprivation, population, licensed premises,
events, data coverage); the others come from the panel of experts (guidance Box 4), so each
factor carries either evidence from the data or the question the analyst must put to the panel.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from workbench import catalogue
from workbench.products.issues import tables

FACTORS = ("Political", "Economic", "Social", "Technological", "Environmental", "Legal",
           "Organisational")

PANEL_QUESTIONS = {
    "Political": "Which national or local policy changes (funding, police and crime plan, "
                 "elections) will change demand or capacity next year?",
    "Economic": "How will employment, cost of living and the night-time economy shift?",
    "Social": "Which communities are changing (new housing, student population, cohesion tensions)?",
    "Technological": "Which new crime opportunities (online fraud, e-scooters, keyless vehicle theft) "
                     "or new tools for partners are emerging?",
    "Environmental": "Which regeneration schemes, closures or events will change places and footfall?",
    "Legal": "Which new powers or legislation (ASB powers, licensing, data-sharing duties) take effect?",
    "Organisational": "Which partner restructures, contract changes or vacancies affect delivery?",
}


@dataclass
class PesteloFactor:
    """One PESTELO factor: the evidence the hub holds for it and the question for the panel.

    Examples
    --------
    >>> f = PesteloFactor("Economic", ["2 of 3 LSOAs are in the 20 % most deprived"], "What will change?")
    >>> f.to_dict()["factor"], len(f.to_dict()["evidence"])
    ('Economic', 1)
    """

    factor: str
    evidence: list[str]
    panel_question: str

    def to_dict(self) -> dict:
        return asdict(self)


def pestelo_scan(source, as_of=None) -> list[PesteloFactor]:
    """Evidence from the hub for each PESTELO factor, and the question for the panel.

    ``as_of``: the assessment date; events after it are the ones ahead (default today).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE ref_imd AS SELECT * FROM (VALUES ('E1', 1), ('E2', 5), ('E3', 2)) v(lsoa_code, imd_decile)")
    >>> scan = {f.factor: f for f in pestelo_scan(con)}
    >>> scan["Economic"].evidence
    ['2 of 3 neighbourhoods (LSOAs) are in the 20 % most deprived in England (IMD deciles 1–2).']
    >>> scan["Political"].evidence, scan["Political"].panel_question.startswith("Which national or local policy")
    ([], True)
    """
    present = tables(source)
    ev: dict[str, list[str]] = {f: [] for f in FACTORS}
    if "ref_imd" in present:
        n, deprived = source.execute(
            "SELECT count(*), count(*) FILTER (WHERE imd_decile <= 2) FROM ref_imd").fetchone()
        if n:
            ev["Economic"].append(f"{deprived} of {n} neighbourhoods (LSOAs) are in the 20 % most "
                                  f"deprived in England (IMD deciles 1–2).")
    if "ref_lsoa" in present:
        pop = source.execute("SELECT sum(population), count(*) FROM ref_lsoa").fetchone()
        if pop[0]:
            ev["Social"].append(f"Resident population {int(pop[0]):,} across {pop[1]} LSOAs.")
    if "council_school_exclusion" in present:
        n = source.execute("SELECT count(*) FROM council_school_exclusion").fetchone()[0]
        if n:
            ev["Social"].append(f"{n:,} school exclusions on record (regulations J.6).")
    if "ref_licensed_premises" in present:
        n, late = source.execute(
            "SELECT count(*), count(*) FILTER (WHERE latest_closing_time >= TIME '01:00' "
            "OR latest_closing_time < TIME '06:00') FROM ref_licensed_premises").fetchone()
        if n:
            ev["Economic"].append(f"{n:,} licensed premises, {late:,} open past 1 am "
                                  f"(night-time economy).")
    if "ref_events" in present:
        past, ahead = source.execute(
            "SELECT count(*) FILTER (WHERE event_date > d - INTERVAL 1 YEAR AND event_date <= d), "
            "count(*) FILTER (WHERE event_date > d AND event_date <= d + INTERVAL 1 YEAR) "
            "FROM ref_events, (SELECT coalesce(CAST(? AS DATE), current_date) AS d)", [as_of]).fetchone()
        ev["Environmental"].append(f"Events calendar (guidance 3.3.16): {past:,} events in the year to "
                                   f"{as_of or 'today'}, {ahead:,} scheduled in the year ahead.")
    statutory = [d.id for d in catalogue.DATASETS if "statutory" in d.tiers]
    have = [d for d in statutory if d in present or f"{d}_counts" in present]
    missing = [d for d in statutory if d not in have]
    ev["Organisational"].append(f"{len(have)} of {len(statutory)} statutory datasets "
                                f"(regulations appendix J) are in the shared tier.")
    if missing:
        ev["Organisational"].append("Not supplied: " + ", ".join(missing) + ".")
    ev["Legal"].append("Information Sharing Regulations: statutory datasets to be shared at least "
                       "quarterly (regulations appendix J).")
    return [PesteloFactor(f, ev[f], PANEL_QUESTIONS[f]) for f in FACTORS]
