"""Data for the serious violence strategic needs assessment (Serious Violence Duty, PCSC Act 2022).

The Police, Crime, Sentencing and Courts Act 2022 (Part 2, Chapter 1) requires the specified
authorities of each area to prepare a **strategic needs assessment** of serious violence and a
strategy. The Home Office's statutory guidance sets out what the assessment covers; this module
gathers each part from the depersonalised ``source`` (the shared tier), with the same fitness gate
(:mod:`workbench.analysis.fitness`) and disclosure control as the other products:

1. **Definition**: the local definition of serious violence used here (:data:`DEFINITION`:
   homicide, violence with injury, robbery, weapon possession; Home Office offence codes).
2. **Violence profile**: the volume and change of serious violence in each source that sees it
   (police recorded crime; A&E assault attendances under ISTV; ambulance call-outs for assault;
   hospital admissions for assault, ICD-10 X85-Y09), last 12 months against the 12 before, with
   the exact test of equal rates and the three-year trend (quasi-Poisson).
3. **Cohorts**: who is hurt (A&E and ambulance attendances by age group and sex, the demographic
   fields ISTV allows) and the young people in the youth justice system (youth offending
   assessments), small counts suppressed.
4. **Places**: the LSOAs with most serious violence, with rates per 1,000 residents and
   deprivation decile.
5. **Times**: serious violence by day of week and hour, only where the data carry times.
6. **Drivers and protective factors**: the deprivation gradient (rate in the most deprived
   fifth of LSOAs against the least), alcohol and drug flags, school exclusions; protective
   factors the hub cannot measure are named as gaps.
7. **Data gaps**: sources the duty expects that are missing or unfit, with the measured reason.
8. **Recommendations**, each with the evidence it rests on.

Pure data: the notebook ``notebooks/07_serious_violence_sna.ipynb`` presents it
(:mod:`workbench.products.layout_sna`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.analysis.change import exact_rate_test
from workbench.analysis.offence_groups import HOMICIDE
from workbench.analysis.temporal import trend_test
from workbench.viz import numbers

#: the local definition of serious violence (Home Office offence codes): homicide, violence
#: with injury (GBH, wounding, ABH), robbery and possession of weapons
DEFINITION: dict[str, tuple[str, ...]] = {
    "homicide": HOMICIDE,
    "attempted murder and wounding (GBH)": ("2", "4.4", "5D", "5E", "8P", "8S"),
    "assault with injury (ABH)": ("8N",),
    "robbery": ("34A", "34B"),
    "possession of weapons": ("10A", "10C", "10D"),
}
SV_CODES = tuple(c for codes in DEFINITION.values() for c in codes)
#: what the duty's guidance expects an assessment to draw on, by dataset
EXPECTED = {
    "police_crime_offence": "police recorded crime",
    "health_ae_assault": "A&E assault attendances (ISTV / ECDS)",
    "ambulance_callout": "ambulance call-outs for assault",
    "health_admission_icd": "hospital admissions for assault (ICD-10 X85-Y09)",
    "yos_assessment": "youth justice (youth offending service assessments)",
    "council_school_exclusion": "education (school exclusions)",
    "ref_imd": "deprivation (Index of Multiple Deprivation)",
    "ref_lsoa": "LSOA boundaries and population",
}
AGE_GROUPS = ((0, 9, "under 10"), (10, 17, "10-17"), (18, 24, "18-24"), (25, 34, "25-34"),
              (35, 49, "35-49"), (50, 64, "50-64"), (65, 200, "65 and over"))
#: counts below this are shown as "<5" (the dashboards' primary suppression)
SMALL = 5


@dataclass
class SourceFacts:
    """One source's serious violence: counts over two years, change, trend and months covered.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> f = sna_summary(tier).profile[1]
    >>> f.label, f.current, f.trend                        # a source dated to the year has no trend
    ('Ambulance call-outs for assault (calendar year 2023)', 5, 'dates published to the year')
    """
    dataset: str
    label: str
    current: int
    previous: int
    change: float | None
    p_value: float | None
    trend: str
    trend_p: float | None
    months: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SnaSummary:
    """Everything the serious violence strategic needs assessment presents.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = sna_summary(tier)
    >>> str(s.as_of), s.precision["police_crime_offence"], s.precision["ambulance_callout"]
    ('2024-06-30', 'day', 'year')
    >>> s.gaps[0]
    'police recorded crime (police_crime_offence) has data for 12 of the last 12 months and 6 of the 12 before: change not assessed'
    """

    as_of: dt.date
    current: tuple[dt.date, dt.date]
    previous: tuple[dt.date, dt.date]
    profile: list[SourceFacts] = field(default_factory=list)
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_definition: pd.DataFrame = field(default_factory=pd.DataFrame)
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)
    youth: dict = field(default_factory=dict)
    places: pd.DataFrame = field(default_factory=pd.DataFrame)
    times: pd.DataFrame | None = None
    times_reason: str | None = None
    drivers: list[dict] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    #: date precision of each source as published (disclosure control may coarsen dates)
    precision: dict = field(default_factory=dict)
    #: serious violence by ward and by each user area set (reporting units; workbench.analysis.units)
    units: dict = field(default_factory=dict)

    def recommendations(self) -> list[dict]:
        """Recommendations, each with the evidence it rests on."""
        out = []
        police = next((f for f in self.profile if f.dataset == "police_crime_offence"), None)
        health = [f for f in self.profile if f.dataset != "police_crime_offence" and f.current]
        if police and health:
            ae = max(health, key=lambda f: f.current)
            if ae.current > police.current * 0.5:
                out.append({"title": "Use health data to see violence the police do not",
                            "evidence": [f"{ae.label}: {ae.current:,} in 12 months against {police.current:,} "
                                         "police-recorded serious violence offences",
                                         "much violence reaching A&E is never reported to the police (ISTV)"]})
        rising = [f for f in self.profile if f.trend == "rising"]
        if rising:
            out.append({"title": "Prioritise the rising sources of harm",
                        "evidence": [f"{f.label}: rising over {f.months} months ({numbers.p_text(f.trend_p)})" for f in rising]})
        if len(self.places):
            top = self.places.head(5)
            share = top["current"].sum() / max(1, self.places["current"].sum())
            out.append({"title": "Focus place-based prevention on the highest-volume neighbourhoods",
                        "evidence": [f"the 5 LSOAs with most serious violence hold {share:.0%} of the located "
                                     "offences: " + ", ".join(f"{r.lsoa_name or r.lsoa_code}" for r in top.itertuples())]})
        grad = next((d for d in self.drivers if d["factor"] == "deprivation"), None)
        if grad and grad.get("rate_ratio") and grad["rate_ratio"] > 1.5:
            out.append({"title": "Target early intervention at the most deprived communities",
                        "evidence": [grad["finding"]]})
        if self.times is not None and not self.times.empty:
            peak = self.times.stack().idxmax()
            out.append({"title": "Align night-time economy and patrol resources with the peak times",
                        "evidence": [f"the busiest hour of the week is {peak[0]} {int(peak[1]):02d}:00"]})
        if self.gaps:
            out.append({"title": "Close the data gaps before the next assessment",
                        "evidence": self.gaps[:6]})
        return out


def _has(source, table: str) -> bool:
    return bool(source.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                               "AND table_catalog = current_database()", [table]).fetchone()[0])


def _latest(source, table: str, col: str) -> dt.date | None:
    got = source.execute(f"SELECT max({col}) FROM {table}").fetchone()[0]
    return pd.Timestamp(got).date() if got is not None else None


#: how each source counts serious violence: (dataset, label, date column, filter)
SOURCES = (
    ("police_crime_offence", "Police recorded serious violence", "committed_from_date",
     "offence_code IN (SELECT unnest(?::VARCHAR[]))"),
    ("health_ae_assault", "A&E assault attendances", "incident_date", "TRUE"),
    ("ambulance_callout", "Ambulance call-outs for assault", "incident_date", "lower(incident_type) LIKE '%assault%'"),
    ("health_admission_icd", "Hospital admissions for assault", "admission_date",
     "regexp_matches(icd10_code, '^(X8[5-9]|X9|Y0)')"),
)


def _args(where: str) -> list:
    return [list(SV_CODES)] if "?" in where else []


def sna_summary(source, as_of=None) -> SnaSummary:
    """Gather the serious violence strategic needs assessment from a depersonalised ``source``.

    Parameters
    ----------
    source : a DuckDB connection on the shared tier (as :func:`workbench.products.context.product_context`
        gives), possibly scoped to a partnership.
    as_of : the last day assessed (default: the latest police record, else today).

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = sna_summary(tier, "2024-06-30")
    >>> [str(d) for d in s.current], [(f.dataset, f.current, f.previous) for f in s.profile][:1]
    (['2023-07-01', '2024-06-30'], [('police_crime_offence', 55, 25)])
    """
    present = [d for d in EXPECTED if _has(source, d)]
    if as_of is None:
        as_of = (_latest(source, "police_crime_offence", "committed_from_date")
                 if "police_crime_offence" in present else None) or dt.date.today()
    as_of = pd.Timestamp(as_of).date()
    month0 = pd.Timestamp(as_of).to_period("M")
    cur = ((month0 - 11).to_timestamp().date(), as_of)             # twelve whole months
    prev = ((month0 - 23).to_timestamp().date(), cur[0] - dt.timedelta(days=1))
    s = SnaSummary(as_of, cur, prev, datasets=present)
    start36 = (month0 - 35).to_timestamp().date()
    monthly = []
    for ds, label, date_col, where in SOURCES:
        if ds not in present:
            continue
        precision = date_precision(source, ds, date_col)
        s.precision[ds] = precision
        if precision == "year":
            _yearly(source, s, ds, label, date_col, where)
            continue
        m = source.execute(
            f"SELECT date_trunc('month', {date_col})::DATE AS month, count(*) AS count FROM {ds} "
            f"WHERE {where} AND {date_col} BETWEEN ? AND ? GROUP BY 1 ORDER BY 1",
            _args(where) + [start36, as_of]).df()
        if m.empty:
            s.gaps.append(f"{EXPECTED[ds]} ({ds}) holds no serious violence in the 36 months to {as_of}")
            continue
        months = m.set_index(pd.to_datetime(m["month"]))["count"]
        n_c = int(months[months.index >= pd.Timestamp(cur[0])].sum())
        n_p = int(months[(months.index >= pd.Timestamp(prev[0])) & (months.index < pd.Timestamp(cur[0]))].sum())
        cov_c = int((months.index >= pd.Timestamp(cur[0])).sum())
        cov_p = int(((months.index >= pd.Timestamp(prev[0])) & (months.index < pd.Timestamp(cur[0]))).sum())
        complete = cov_c == 12 and cov_p == 12
        p = exact_rate_test(n_c, n_p, 365, 365, "two-sided").p_value if complete and n_c + n_p else None
        # months without a supply are missing, not zero (NaN: trend_test leaves them out)
        full = months.reindex(pd.date_range(pd.Timestamp(start36), pd.Timestamp(cur[1]).to_period("M").to_timestamp(),
                                            freq="MS"))
        tr = trend_test(full) if full.notna().sum() >= 12 else None
        s.profile.append(SourceFacts(ds, label, n_c, n_p, (n_c - n_p) / n_p if complete and n_p else None, p,
                                     tr.direction if tr else "too short to tell", tr.p_value if tr else None,
                                     int(full.notna().sum())))
        monthly.append(m.assign(source=label))
        if not complete:
            s.gaps.append(f"{EXPECTED[ds]} ({ds}) has data for {cov_c} of the last 12 months and {cov_p} of the "
                          "12 before: change not assessed")
    s.monthly = pd.concat(monthly, ignore_index=True) if monthly else pd.DataFrame(columns=["month", "count", "source"])
    for ds, why in EXPECTED.items():
        if ds not in present:
            s.gaps.append(f"no {why} in the shared tier ({ds}): the duty's guidance expects it")
    if "police_crime_offence" in present:
        _definition(source, s)
        _places(source, present, s)
        _times(source, s)
    _cohorts(source, present, s)
    _drivers(source, present, s)
    s.gaps.append("protective factors (trusted adults, positive activities, school attendance) are not "
                  "held in the hub: gather them from partners and the community")
    return s


def date_precision(source, ds: str, col: str) -> str:
    """``'day'``, ``'month'`` or ``'year'``: the finest precision the published dates carry.

    Disclosure control (k-anonymity, :mod:`workbench.privacy.quasi`) may publish the dates of a
    person table to the month or year; a month or year cannot be compared as days.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> date_precision(tier, "police_crime_offence", "committed_from_date")
    'day'
    >>> date_precision(tier, "ambulance_callout", "incident_date")   # published to the year (k-anonymity)
    'year'
    """
    days, months, n = source.execute(
        f"SELECT count(*) FILTER (WHERE day({col}) <> 1), count(*) FILTER (WHERE month({col}) <> 1), "
        f"count({col}) FROM {ds}").fetchone()
    if n == 0 or days:
        return "day"
    return "month" if months else "year"


def _year_window(s: SnaSummary) -> int:
    """The last complete calendar year up to ``as_of``."""
    return s.as_of.year if (s.as_of.month, s.as_of.day) == (12, 31) else s.as_of.year - 1


def _yearly(source, s: SnaSummary, ds: str, label: str, date_col: str, where: str) -> None:
    y = _year_window(s)
    n_c, n_p = source.execute(f"SELECT count(*) FILTER (WHERE year({date_col}) = ?), count(*) FILTER "
                              f"(WHERE year({date_col}) = ?) FROM {ds} WHERE {where}",
                              [y, y - 1] + _args(where)).fetchone() if "?" not in where else source.execute(
        f"SELECT count(*) FILTER (WHERE year({date_col}) = ?), count(*) FILTER (WHERE year({date_col}) = ?) "
        f"FROM {ds} WHERE {where}", [y, y - 1] + _args(where)).fetchone()
    p = exact_rate_test(int(n_c), int(n_p), 365, 365, "two-sided").p_value if n_c and n_p else None
    s.profile.append(SourceFacts(ds, f"{label} (calendar year {y})", int(n_c), int(n_p),
                                 (n_c - n_p) / n_p if n_p else None, p, "dates published to the year", None, 0))
    s.gaps.append(f"{EXPECTED[ds]} ({ds}) is published with dates to the year (disclosure control): compared "
                  f"{y} with {y - 1}; no monthly trend, no day or hour")


def _definition(source, s: SnaSummary) -> None:
    rows = []
    for label, codes in DEFINITION.items():
        n = source.execute("SELECT count(*) FILTER (WHERE committed_from_date >= ?), count(*) FILTER (WHERE "
                           "committed_from_date < ?) FROM police_crime_offence WHERE offence_code IN "
                           "(SELECT unnest(?::VARCHAR[])) AND committed_from_date BETWEEN ? AND ?",
                           [s.current[0], s.current[0], list(codes), s.previous[0], s.current[1]]).fetchone()
        rows.append({"type of serious violence": label, "last 12 months": int(n[0]), "previous 12 months": int(n[1])})
    s.by_definition = pd.DataFrame(rows)


def _window_sql(source, s: SnaSummary, ds: str, col: str, *, previous: bool = False) -> str:
    """The SQL condition for the assessed (or previous) window on ``col``, at its precision."""
    if s.precision.setdefault(ds, date_precision(source, ds, col)) == "year":
        return f"year({col}) = {_year_window(s) - int(previous)}"
    a, b = s.previous if previous else s.current
    return f"{col} BETWEEN DATE '{a.isoformat()}' AND DATE '{b.isoformat()}'"


def _age_group(value) -> str:
    try:
        a = int(str(value).strip())
    except (TypeError, ValueError):
        return str(value) if value not in (None, "") else "not known"
    return next(lbl for lo, hi, lbl in AGE_GROUPS if lo <= a <= hi)


def _cohorts(source, present, s: SnaSummary) -> None:
    parts = []
    for ds, label in (("health_ae_assault", "A&E"), ("ambulance_callout", "ambulance")):
        if ds not in present:
            continue
        where = "TRUE" if ds == "health_ae_assault" else "lower(incident_type) LIKE '%assault%'"
        f = source.execute(f"SELECT age, gender FROM {ds} WHERE {where} AND {_window_sql(source, s, ds, 'incident_date')}"
                           ).df()
        if f.empty:
            continue
        f["age group"] = f["age"].map(_age_group)
        f["sex"] = f["gender"].fillna("not known").astype(str)
        parts.append(f.groupby(["age group", "sex"]).size().rename(label))
    if parts:
        tab = pd.concat(parts, axis=1).fillna(0).astype(int).reset_index()
        s.cohorts = tab
    if "yos_assessment" in present:
        y = source.execute("SELECT count(*), count(*) FILTER (WHERE flag_persistent = 'Y') FROM yos_assessment "
                           f"WHERE {_window_sql(source, s, 'yos_assessment', 'assessment_date')}").fetchone()
        s.youth = {"assessments": int(y[0]), "persistent": int(y[1])}


def _places(source, present, s: SnaSummary) -> None:
    if not (_has(source, "ref_postcode")):
        s.gaps.append("no postcode lookup (ref_postcode): serious violence cannot be placed in LSOAs")
        return
    joins, cols = "", "pc.lsoa_code, NULL AS lsoa_name, NULL::BIGINT AS population, NULL::BIGINT AS imd_decile"
    if _has(source, "ref_lsoa"):
        joins += " LEFT JOIN ref_lsoa l ON l.lsoa_code = pc.lsoa_code"
        cols = "pc.lsoa_code, any_value(l.lsoa_name) AS lsoa_name, any_value(l.population) AS population"
        cols += ", NULL::BIGINT AS imd_decile"
    if _has(source, "ref_imd"):
        joins += " LEFT JOIN ref_imd i ON i.lsoa_code = pc.lsoa_code"
        cols = cols.replace("NULL::BIGINT AS imd_decile", "any_value(i.imd_decile) AS imd_decile")
    f = source.execute(
        f"SELECT {cols}, count(*) AS current FROM police_crime_offence o "
        f"JOIN (SELECT postcode, any_value(lsoa_code) AS lsoa_code FROM ref_postcode GROUP BY 1) pc "
        f"ON pc.postcode = o.postcode {joins} WHERE o.offence_code IN (SELECT unnest(?::VARCHAR[])) "
        f"AND o.committed_from_date BETWEEN ? AND ? AND pc.lsoa_code IS NOT NULL GROUP BY pc.lsoa_code "
        f"ORDER BY current DESC", [list(SV_CODES), *s.current]).df()
    if f.empty:
        return
    f["rate per 1,000"] = np.where(f["population"].fillna(0) > 0, 1000 * f["current"] / f["population"], np.nan)
    s.places = f
    _units(source, s)


def _units(source, s: SnaSummary) -> None:
    """Serious violence by ward and by every user area set the hub holds (issue 16 geographies)."""
    from workbench.analysis.units import counts_by_unit

    where = ("offence_code IN (SELECT unnest(?::VARCHAR[])) AND committed_from_date BETWEEN ? AND ?")
    args = [list(SV_CODES), *s.current]
    pc_cols = {r[0] for r in source.execute("DESCRIBE ref_postcode").fetchall()}
    units = ["ward"] if "ward_code" in pc_cols and source.execute(
        "SELECT count(ward_code) FROM ref_postcode").fetchone()[0] else []
    if _has(source, "ref_area"):
        units += [f"area:{r[0]}" for r in source.execute("SELECT DISTINCT area_set FROM ref_area ORDER BY 1").fetchall()]
    for unit in units:
        s.units[unit] = counts_by_unit(source, "police_crime_offence", unit, where=where, args=args)


def _times(source, s: SnaSummary) -> None:
    from workbench.analysis.fitness import Needs
    from workbench.analysis.hypotheses.data import Period

    needs = Needs(datasets=("police_crime_offence",), date="day", time_of_day="required")
    fit = needs.check(source, [Period(*s.current)], label="the shared tier")
    if not fit.ok:
        s.times_reason = "; ".join(fit.failures)
        return
    f = source.execute("SELECT dayofweek(committed_from_date) AS dow, hour(committed_from_time) AS hour, count(*) AS n "
                       "FROM police_crime_offence WHERE offence_code IN (SELECT unnest(?::VARCHAR[])) AND "
                       "committed_from_date BETWEEN ? AND ? AND committed_from_time IS NOT NULL GROUP BY 1, 2",
                       [list(SV_CODES), *s.current]).df()
    days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    f["day"] = f["dow"].map(lambda d: days[int(d)])
    tab = f.pivot_table(index="day", columns="hour", values="n", aggfunc="sum", fill_value=0)
    s.times = tab.reindex(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]).fillna(0).astype(int)


def _drivers(source, present, s: SnaSummary) -> None:
    if len(s.places) and s.places["imd_decile"].notna().any() and s.places["population"].notna().any():
        allp = source.execute("SELECT l.lsoa_code, l.population, i.imd_decile FROM ref_lsoa l JOIN ref_imd i "
                              "USING (lsoa_code)").df() if {"ref_lsoa", "ref_imd"} <= set(present) else pd.DataFrame()
        if len(allp):
            counts = s.places.set_index("lsoa_code")["current"]
            allp["current"] = allp["lsoa_code"].map(counts).fillna(0)
            most = allp[allp["imd_decile"] <= 2]
            least = allp[allp["imd_decile"] >= 9]
            if most["population"].sum() and least["population"].sum() and least["current"].sum():
                r_most = most["current"].sum() / most["population"].sum() * 1000
                r_least = least["current"].sum() / least["population"].sum() * 1000
                s.drivers.append({"factor": "deprivation", "rate_ratio": r_most / r_least,
                                  "finding": f"{r_most:.2f} serious violence offences per 1,000 residents in the most "
                                             f"deprived fifth of LSOAs against {r_least:.2f} in the least deprived "
                                             f"(rate ratio {r_most / r_least:.1f})"})
    if "police_crime_offence" in present:
        f = source.execute("SELECT count(*), count(*) FILTER (WHERE flag_alcohol = 'Y'), count(*) FILTER "
                           "(WHERE flag_drugs = 'Y'), count(*) FILTER (WHERE flag_domestic = 'Y') FROM police_crime_offence "
                           "WHERE offence_code IN (SELECT unnest(?::VARCHAR[])) AND committed_from_date BETWEEN ? AND ?",
                           [list(SV_CODES), *s.current]).fetchone()
        if f[0]:
            for k, name in ((1, "alcohol"), (2, "drugs"), (3, "domestic abuse")):
                s.drivers.append({"factor": name, "share": f[k] / f[0],
                                  "finding": f"{f[k] / f[0]:.0%} of serious violence offences were flagged {name}-related "
                                             "(flags are under-recorded: a floor, not an estimate)"})
    if "council_school_exclusion" in present:
        cur_sql = _window_sql(source, s, "council_school_exclusion", "exclusion_date")
        prev_sql = _window_sql(source, s, "council_school_exclusion", "exclusion_date", previous=True)
        n = source.execute(f"SELECT count(*) FILTER (WHERE {cur_sql}), count(*) FILTER (WHERE {prev_sql}) "
                           "FROM council_school_exclusion").fetchone()
        s.drivers.append({"factor": "school exclusion", "current": int(n[0]), "previous": int(n[1]),
                          "finding": f"{int(n[0]):,} school exclusions in the last 12 months against {int(n[1]):,} "
                                     "the year before (exclusion is a known risk factor for involvement in violence)"})


def shown(n: int) -> str:
    """A count as shown to readers: below :data:`SMALL` it is suppressed ("<5").

    >>> shown(3), shown(12)
    ('<5', '12')
    """
    return f"<{SMALL}" if 0 < n < SMALL else f"{n:,}"
