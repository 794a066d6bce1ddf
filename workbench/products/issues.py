"""The community-safety issues a strategic or tactical assessment counts, and how to count them.

An *issue* is a countable problem drawn from one dataset of the hub: a police.uk crime type,
ASB reported to the council, deliberate fires, alcohol- and drug-related admissions … Each
belongs to one of the four statutory themes the strategic assessment covers — crime,
disorder, anti-social behaviour and substance misuse (regulations appendix H 1.8; guidance
3.1) — and carries a default harm weight and vulnerability score used by the priority matrix
(:mod:`workbench.products.priority`). Weights are relative, configurable defaults (a
Cambridge-Crime-Harm-Index-like ordering of seriousness); a hub's ``ref_harm_weights`` table
overrides them for police.uk crime types.

Counting reads only the depersonalised ``source`` connection (the shared tier): each issue is
one ``SELECT`` of event dates with a filter, so the SQL stays portable (DESIGN "Scale-out").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.analysis.offence_groups import GROUPS

THEMES = ("crime", "disorder", "anti-social behaviour", "substance misuse")


@dataclass(frozen=True)
class Issue:
    """One countable issue: ``dataset`` rows on ``date_sql`` matching ``where_sql``.

    Examples
    --------
    >>> burglary = next(i for i in ISSUES if i.key == "burglary")
    >>> burglary.dataset, burglary.where_sql, burglary.monthly_only
    ('police_uk_street', "crime_type = 'Burglary'", True)
    """

    key: str
    label: str
    theme: str
    dataset: str
    date_sql: str
    where_sql: str = "TRUE"
    harm: float = 1.0           # relative harm per event (configurable default)
    vulnerability: int = 3      # 1 (low) … 5 (victims typically highly vulnerable)
    keywords: tuple[str, ...] = ()   # words linking survey questions to the issue
    monthly_only: bool = False  # police.uk: month precision only
    problem: str | None = None  # the problem (key of PROBLEMS) this issue is one source of
    ranked: bool = True         # False: context only (a total of other issues), never ranked

    @property
    def problem_key(self) -> str:
        """The problem this issue measures: sources of one problem are ranked once."""
        return self.problem or self.key

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "theme": self.theme, "dataset": self.dataset,
                "harm": self.harm, "vulnerability": self.vulnerability, "problem": self.problem_key}


_MONTH = "CAST(strptime(month || '-01', '%Y-%m-%d') AS DATE)"


def _street(key, crime_type, theme, harm, vulnerability, keywords):
    return Issue(key, crime_type, theme, "police_uk_street", _MONTH,
                 f"crime_type = '{crime_type}'", harm, vulnerability, keywords, monthly_only=True,
                 problem=key)


def _codes_sql(codes) -> str:
    exact = [c for c in codes if not c.endswith("*")]
    prefixes = [c[:-1] for c in codes if c.endswith("*")]
    parts = []
    if exact:
        parts.append("offence_code IN (" + ", ".join(f"'{c}'" for c in exact) + ")")
    parts += [f"starts_with(offence_code, '{p}')" for p in prefixes]
    return "(" + " OR ".join(parts) + ")"


def _records(problem, label, theme, harm, vulnerability, codes):
    """Police crime records of one police.uk category (Home Office codes; ``9*`` = prefix):
    the same problem as the police.uk category, from the force's own records."""
    return Issue(f"{problem}_records", f"{label} (police records)", theme, "police_crime_offence",
                 "committed_from_date", _codes_sql(codes), harm, vulnerability, (), problem=problem)


#: Home Office offence codes of each police.uk category (ONS offence hierarchy 2017/18)
_VIOLENCE_CODES = GROUPS["violence"] + GROUPS["harassment"] + (
    "17*", "18", "19*", "20*", "21", "22*", "23", "70", "71", "72", "73", "88*")


ISSUES: tuple[Issue, ...] = (
    _street("violence", "Violence and sexual offences", "crime", 30.0, 5,
            ("violence", "violent", "assault", "sexual", "attack")),
    _street("asb_police", "Anti-social behaviour", "anti-social behaviour", 1.0, 3,
            ("anti-social", "asb", "nuisance", "rowdy")),
    _street("burglary", "Burglary", "crime", 20.0, 4, ("burglary", "break-in", "burgled")),
    _street("robbery", "Robbery", "crime", 40.0, 4, ("robbery", "mugging", "mugged")),
    _street("vehicle", "Vehicle crime", "crime", 5.0, 2, ("vehicle", "car crime", "car theft")),
    _street("criminal_damage", "Criminal damage and arson", "disorder", 6.0, 2,
            ("vandalism", "graffiti", "damage", "arson")),
    _street("drugs", "Drugs", "substance misuse", 8.0, 3, ("drug", "dealing", "drugs")),
    _street("public_order", "Public order", "disorder", 4.0, 2, ("disorder", "public order")),
    _street("shoplifting", "Shoplifting", "crime", 2.0, 1, ("shoplifting", "shop theft")),
    _street("theft_person", "Theft from the person", "crime", 8.0, 3, ("pickpocket", "theft from")),
    _street("other_theft", "Other theft", "crime", 3.0, 2, ("theft",)),
    _street("bicycle", "Bicycle theft", "crime", 2.0, 1, ("bicycle", "bike")),
    _street("weapons", "Possession of weapons", "crime", 25.0, 4, ("knife", "weapon", "gun")),
    _records("violence", "Violence and sexual offences", "crime", 30.0, 5, _VIOLENCE_CODES),
    _records("burglary", "Burglary", "crime", 20.0, 4, ("28*", "29", "30*", "31")),
    _records("robbery", "Robbery", "crime", 40.0, 4, ("34*",)),
    _records("vehicle", "Vehicle crime", "crime", 5.0, 2, ("37.2", "45", "48", "126", "130")),
    _records("criminal_damage", "Criminal damage and arson", "disorder", 6.0, 2, ("56*", "58*", "59", "149")),
    _records("drugs", "Drugs", "substance misuse", 8.0, 3, ("92*",)),
    _records("public_order", "Public order", "disorder", 4.0, 2, ("9A", "9B", "62*", "64", "65", "66")),
    _records("shoplifting", "Shoplifting", "crime", 2.0, 1, ("46",)),
    _records("theft_person", "Theft from the person", "crime", 8.0, 3, ("39",)),
    _records("bicycle", "Bicycle theft", "crime", 2.0, 1, ("44",)),
    _records("weapons", "Possession of weapons", "crime", 25.0, 4, ("10A", "10B", "10C", "10D", "10E", "81", "8B")),
    Issue("recorded_crime", "Recorded crime (police crime records)", "crime", "police_crime_offence",
          "committed_from_date", "TRUE", 10.0, 3, (), ranked=False),
    Issue("police_incidents", "Incidents recorded by the police (NICL)", "anti-social behaviour",
          "police_incident", "incident_date", "TRUE", 1.0, 3, ("anti-social", "asb", "nuisance"),
          problem="asb_police"),
    Issue("council_asb", "ASB reported to the council", "anti-social behaviour", "council_asb",
          "incident_date", "TRUE", 1.0, 3, ("anti-social", "asb", "nuisance", "fly-tipping", "litter"),
          problem="asb_police"),
    Issue("deliberate_fires", "Deliberate fires", "disorder", "fire_incident", "incident_date",
          "incident_type IN ('deliberate primary', 'deliberate secondary', 'deliberate vehicle')",
          10.0, 3, ("fire", "arson"), problem="criminal_damage"),
    Issue("racial_incidents", "Racial incidents (council)", "disorder", "council_racial_incident",
          "incident_date", "TRUE", 15.0, 5, ("racial", "race", "hate")),
    Issue("ae_assaults", "Assault attendances at A&E", "crime", "health_ae_assault", "incident_date",
          "TRUE", 25.0, 4, ("violence", "assault"), problem="violence"),
    Issue("ambulance", "Ambulance call-outs to crime and disorder", "crime", "ambulance_callout",
          "incident_date", "TRUE", 15.0, 4, ("violence", "assault"), problem="violence"),
    Issue("substance_admissions", "Alcohol- and drug-related hospital admissions",
          "substance misuse", "health_admission_icd", "admission_date",
          "(icd10_code LIKE 'F1%' OR icd10_code LIKE 'T51%' OR icd10_code LIKE 'Y90%'"
          " OR icd10_code LIKE 'Y91%')", 8.0, 4, ("alcohol", "drunk", "drinking", "drug")),
    Issue("assault_admissions", "Assault hospital admissions (X85–Y09)", "crime",
          "health_admission_icd", "admission_date",
          "(icd10_code >= 'X85' AND icd10_code < 'Y1')", 40.0, 5, ("violence", "assault"),
          problem="violence"),
    Issue("domestic_admissions", "Domestic abuse hospital admissions", "crime",
          "health_admission_domestic_abuse", "admission_date", "TRUE", 40.0, 5,
          ("domestic",)),
    Issue("drug_treatment", "Adults starting drug treatment", "substance misuse",
          "drug_treatment_adult", "treatment_start_date", "TRUE", 2.0, 4, ("drug", "drugs"),
          problem="drugs"),
)
BY_KEY = {i.key: i for i in ISSUES}

#: the problems a strategic assessment ranks: each is counted once, its sources (issues)
#: triangulated as evidence (police.uk and police records of one category; A&E attendances,
#: ambulance call-outs and hospital admissions for assault with police violence)
PROBLEMS: dict[str, str] = {
    "violence": "Violence and sexual offences", "asb_police": "Anti-social behaviour",
    "criminal_damage": "Criminal damage and arson", "drugs": "Drugs",
    **{i.key: i.label for i in ISSUES if i.problem is None and i.ranked},
    **{i.key: i.label for i in ISSUES if i.dataset == "police_uk_street" and i.key not in
       ("violence", "asb_police", "criminal_damage", "drugs")},
}


def tables(source) -> set[str]:
    """Names of the tables and views the source connection can read (its default schema).

    Examples
    --------
    >>> sorted(tables(_example_source()))
    ['police_uk_street', 'ref_harm_weights']
    """
    rows = source.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_catalog = current_database()").fetchall()
    return {r[0] for r in rows}


def events(source, issue: Issue, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Event dates (column ``date``) of ``issue`` between ``start`` and ``end`` inclusive.

    Also returns ``easting``/``northing`` when the dataset has them (else NaN).

    Examples
    --------
    >>> burglary = next(i for i in ISSUES if i.key == "burglary")
    >>> e = events(_example_source(), burglary, dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    >>> e[["easting", "northing"]].values.tolist()
    [[457000.0, 339000.0], [457100.0, 339000.0]]
    """
    cols = {r[0] for r in source.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = current_schema() AND table_catalog = current_database()",
        [issue.dataset]).fetchall()}
    xy = "easting, northing" if {"easting", "northing"} <= cols else "NULL::DOUBLE AS easting, NULL::DOUBLE AS northing"
    loc = "location" if "location" in cols else "NULL::VARCHAR AS location"
    sql = (f"WITH source AS (SELECT {issue.date_sql} AS date, {xy}, {loc} FROM {issue.dataset} "
           f"WHERE {issue.where_sql}) SELECT * FROM source WHERE date BETWEEN ? AND ?")
    return source.execute(sql, [start, end]).df()


def count_events(source, issue: Issue, start: dt.date, end: dt.date) -> int:
    """Number of events of ``issue`` between ``start`` and ``end`` inclusive (counted in SQL).

    Examples
    --------
    >>> burglary = next(i for i in ISSUES if i.key == "burglary")
    >>> count_events(_example_source(), burglary, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    3
    """
    return source.execute(
        f"WITH source AS (SELECT {issue.date_sql} AS date FROM {issue.dataset} WHERE {issue.where_sql}) "
        "SELECT count(*) FROM source WHERE date BETWEEN ? AND ?", [start, end]).fetchone()[0]


def available_issues(source) -> list[Issue]:
    """Issues whose dataset is present in the source with at least one row.

    Examples
    --------
    >>> [i.key for i in available_issues(_example_source())]
    ['burglary', 'robbery']
    """
    present = tables(source)
    out = []
    for issue in ISSUES:
        if issue.dataset in present:
            if source.execute(f"SELECT 1 FROM {issue.dataset} WHERE {issue.where_sql} LIMIT 1").fetchone():
                out.append(issue)
    return out


def monthly_counts(source, issues: list[Issue], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Counts per issue and calendar month (``issue``, ``month`` (first day), ``count``).

    Months inside the dataset's coverage (its first to last recorded month) with no events are
    0, so trend tests see quiet months; months outside the coverage are NaN — a supply that
    starts late must not read as a rise from zero.

    Examples
    --------
    >>> burglary = next(i for i in ISSUES if i.key == "burglary")
    >>> m = monthly_counts(_example_source(), [burglary], dt.date(2024, 1, 1), dt.date(2024, 4, 30))
    >>> m["count"].tolist()          # February supplied without a burglary: 0; April not supplied: NaN
    [2.0, 0.0, 1.0, nan]
    """
    months = pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(),
                           pd.Timestamp(end).to_period("M").to_timestamp(), freq="MS")
    frames = []
    for issue in issues:
        rows = source.execute(
            f"WITH source AS (SELECT {issue.date_sql} AS date FROM {issue.dataset} WHERE {issue.where_sql}) "
            "SELECT date_trunc('month', date) AS month, count(*) FROM source "
            "WHERE date BETWEEN ? AND ? GROUP BY 1", [start, end]).fetchall()
        counts = pd.Series({pd.Timestamp(m): n for m, n in rows}, dtype=float).reindex(months, fill_value=0.0)
        counts[~months.isin(covered_months(source, issue))] = np.nan
        frames.append(pd.DataFrame({"issue": issue.key, "month": months, "count": counts.to_numpy()}))
    if not frames:
        return pd.DataFrame({"issue": pd.Series(dtype=str), "month": pd.Series(dtype="datetime64[ns]"),
                             "count": pd.Series(dtype=int)})
    return pd.concat(frames, ignore_index=True)


def covered_months(source, issue: Issue) -> pd.DatetimeIndex:
    """Months in which the issue's dataset has any row at all: the months it was supplied for.

    A month with no row of any kind in a dataset (police.uk files are monthly; partner
    supplies cover periods) means no supply, not zero events.

    Examples
    --------
    >>> burglary = next(i for i in ISSUES if i.key == "burglary")
    >>> covered_months(_example_source(), burglary).strftime("%Y-%m").tolist()
    ['2024-01', '2024-02', '2024-03']
    """
    rows = source.execute(f"SELECT DISTINCT date_trunc('month', {issue.date_sql}) FROM {issue.dataset} "
                          "WHERE " + issue.date_sql + " IS NOT NULL").fetchall()
    return pd.DatetimeIndex(sorted(pd.Timestamp(r[0]) for r in rows))


def latest_date(source, issues: list[Issue]) -> dt.date | None:
    """The latest event date across the issues (the natural 'as of' date for a product).

    Examples
    --------
    >>> burglary = next(i for i in ISSUES if i.key == "burglary")
    >>> latest_date(_example_source(), [burglary])          # police.uk's March stands for 31 March
    datetime.date(2024, 3, 31)
    """
    best = None
    for issue in issues:
        d = source.execute(f"SELECT max({issue.date_sql}) FROM {issue.dataset} WHERE {issue.where_sql}").fetchone()[0]
        if d is not None:
            d = pd.Timestamp(d).date()
            if issue.monthly_only:  # a month stands for its last day
                d = (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).date()
            best = d if best is None or d > best else best
    return best


def harm_weights(source) -> dict[str, float]:
    """Harm weight per police.uk crime type from ``ref_harm_weights`` (``cchi`` first), if present.

    Examples
    --------
    >>> harm_weights(_example_source())                    # the CCHI weight wins over ONS CSS
    {'Burglary': 365.0}
    """
    if "ref_harm_weights" not in tables(source):
        return {}
    rows = source.execute(
        "SELECT crime_type, weight FROM ref_harm_weights WHERE crime_type IS NOT NULL "
        "ORDER BY CASE weight_name WHEN 'cchi' THEN 0 ELSE 1 END DESC").fetchall()
    return {ct: float(w) for ct, w in rows}  # later rows (cchi) overwrite ons_css


def _example_source():
    """An in-memory source with a few police.uk rows (Jan–Mar 2024) and CCHI/ONS CSS harm weights:
    the examples' data."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE police_uk_street AS SELECT * FROM (VALUES "
                "('2024-01', 'Burglary', 457000.0, 339000.0), ('2024-01', 'Burglary', 457100.0, 339000.0), "
                "('2024-02', 'Robbery', NULL, NULL), ('2024-03', 'Burglary', NULL, NULL)) "
                "v(month, crime_type, easting, northing)")
    con.execute("CREATE TABLE ref_harm_weights AS SELECT * FROM (VALUES ('Burglary', 'cchi', 365.0), "
                "('Burglary', 'ons_css', 100.0)) v(crime_type, weight_name, weight)")
    return con
