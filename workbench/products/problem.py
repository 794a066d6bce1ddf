"""Data for the problem profile — the *Interpret* stage of the 3i model (guidance Appendix 2 (1)).

"The interpretation of the criminal environment needs to be more than just a descriptive
presentation; it should be explanatory … the analysis should explain why the problem
persists." :func:`problem_summary` gathers, for the offences, area and periods of a
commission: agreed definitions; the scale and change of the problem; the Problem Analysis
Triangle — victim, offender, location (and time); and what the data cannot tell. Hypotheses
are tested separately by :mod:`workbench.analysis.hypotheses` and judged in
:mod:`workbench.products.judgements` (Influence and Impact).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.analysis.change import exact_rate_test
from workbench.analysis.temporal import trend_test
from workbench.analysis.fitness import Needs
from workbench.analysis.hypotheses.data import DataSource
from workbench.sql import quote_literal
from workbench.analysis.offence_groups import GROUPS, parse_offences
from workbench.analysis.offenders import age_band, prolificness, victim_profile
from workbench.errors import BadInput
from workbench.products.issues import tables

OFFENCES = "police_crime_offence"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class ProblemSummary:
    """The Interpret stage of a problem profile: counts, change, victims, offenders, location, time and limits.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = problem_summary(tier, quiet=True)                # violence by default
    >>> s.current_count, s.baseline_count, round(s.change_p, 3)
    (30, 16, 0.054)
    >>> s.cannot_tell[0]
    'Only 33% of offences have an identified offender: offender findings describe detected offenders, not all offenders.'
    """
    offences_spec: str | None
    codes: tuple[str, ...]
    current: tuple[dt.date, dt.date]
    baseline: tuple[dt.date, dt.date]
    definitions: pd.DataFrame          # offence_code, offence_type, current, baseline
    current_count: int
    baseline_count: int
    change_p: float | None
    monthly: pd.DataFrame              # month, count
    victims: dict = field(default_factory=dict)
    offenders: dict = field(default_factory=dict)
    location: dict = field(default_factory=dict)
    time: dict = field(default_factory=dict)
    datasets: list[str] = field(default_factory=list)
    cannot_tell: list[str] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if not self.baseline_count:
            return None
        return self.current_count / self._days(self.current) / (self.baseline_count / self._days(self.baseline)) - 1

    @staticmethod
    def _days(p) -> int:
        return (p[1] - p[0]).days + 1

    def to_dict(self) -> dict:
        def clean(d):
            return {k: (v.to_dict(orient="records") if isinstance(v, pd.DataFrame) else v) for k, v in d.items()}
        return {"offences": self.offences_spec, "codes": list(self.codes),
                "current": [str(d) for d in self.current], "baseline": [str(d) for d in self.baseline],
                "definitions": self.definitions.to_dict(orient="records"),
                "current_count": self.current_count, "baseline_count": self.baseline_count,
                "change": self.change, "change_p": self.change_p,
                "victims": clean(self.victims), "offenders": clean(self.offenders),
                "location": clean(self.location), "time": clean(self.time),
                "datasets": self.datasets, "cannot_tell": self.cannot_tell}


def default_periods(source, weeks: int = 13) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """Current = the last ``weeks`` weeks of recorded crime; baseline = the same weeks a year earlier.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> [[str(d) for d in p] for p in default_periods(tier)]   # the last 13 weeks' months, a year before
    [['2024-04-01', '2024-06-30'], ['2023-04-03', '2023-07-02']]
    """
    last = source.execute(f"SELECT max(committed_from_date) FROM {OFFENCES}").fetchone()[0]
    if last is None:
        raise BadInput(f"'{OFFENCES}' has no rows: a problem profile needs recorded crime.")
    end = pd.Timestamp(last).date()
    cur = (end - dt.timedelta(days=7 * weeks - 1), end)
    return cur, (cur[0] - dt.timedelta(days=364), cur[1] - dt.timedelta(days=364))


def _codes_sql(codes) -> str:
    return ", ".join(quote_literal(c) for c in codes)


def _in_scope(source, codes, period, extra_cols: str = "") -> pd.DataFrame:
    return source.execute(
        f"SELECT crime_ref, offence_code, offence_type, committed_from_date AS date, "
        f"committed_from_time AS time, location, postcode, easting, northing{extra_cols} "
        f"FROM {OFFENCES} WHERE offence_code IN ({_codes_sql(codes)}) "
        f"AND committed_from_date BETWEEN ? AND ?", list(period)).df()


def problem_summary(source, *, offences: str | None = None, current=None, baseline=None,
                    quiet: bool = False) -> ProblemSummary:
    """Gather the Interpret stage of a problem profile from a depersonalised ``source``.

    Parameters
    ----------
    offences : Home Office codes (``'105A,8N'``) or a group name (``'violence'``); default violence.
    current, baseline : ``(from, to)`` date pairs; default the last 13 weeks and the same weeks
        a year earlier (announced unless ``quiet``).

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = problem_summary(tier, quiet=True)
    >>> [str(d) for d in s.current], s.current_count
    (['2024-04-01', '2024-06-30'], 30)
    """
    present = tables(source)
    if OFFENCES not in present:
        raise BadInput(f"The shared tier has no '{OFFENCES}': a problem profile on offences needs "
                       f"recorded crime. Supply it and run `workbench hub publish`.")
    codes = parse_offences(offences)
    if current is None:
        current, default_base = default_periods(source)
        baseline = baseline or default_base
        if not quiet:
            print(f"Periods set automatically: current {current[0]} to {current[1]}, "
                  f"baseline {baseline[0]} to {baseline[1]}.")
    elif baseline is None:
        baseline = (current[0] - dt.timedelta(days=364), current[1] - dt.timedelta(days=364))
    current = tuple(pd.Timestamp(d).date() for d in current)
    baseline = tuple(pd.Timestamp(d).date() for d in baseline)
    cur = _in_scope(source, codes, current)
    base = _in_scope(source, codes, baseline)
    defs = (pd.concat([cur.assign(period="current"), base.assign(period="baseline")])
            .groupby(["offence_code", "offence_type", "period"]).size().unstack(fill_value=0)
            .reindex(columns=["current", "baseline"], fill_value=0).reset_index())
    n_c, n_b = len(cur), len(base)
    d_c, d_b = ProblemSummary._days(current), ProblemSummary._days(baseline)
    start36 = (pd.Timestamp(current[1]).to_period("M") - 35).to_timestamp().date()
    monthly = source.execute(
        f"SELECT date_trunc('month', committed_from_date) AS month, count(*) AS count FROM {OFFENCES} "
        f"WHERE offence_code IN ({_codes_sql(codes)}) AND committed_from_date BETWEEN ? AND ? "
        "GROUP BY 1 ORDER BY 1", [start36, current[1]]).df()
    # month-to-month over-dispersion of these offences (quasi-Poisson, the one trend test's fit):
    # the change test allows for it, so ordinary variation is not called a change (issue 12)
    series = monthly.set_index(pd.to_datetime(monthly["month"]))["count"].astype(float)
    series = series.reindex(pd.date_range(pd.Timestamp(start36), pd.Timestamp(current[1]), freq="MS"))
    dispersion = trend_test(series.to_numpy()).dispersion
    p = (None if n_c + n_b == 0 else
         exact_rate_test(n_c, n_b, d_c, d_b, "two-sided", dispersion=dispersion).p_value)
    s = ProblemSummary(offences, codes, current, baseline, defs, n_c, n_b, p, monthly,
                       datasets=[OFFENCES])
    _victims(source, present, cur, current, s)
    _offenders(source, present, cur, s)
    _location(source, present, cur, base, s)
    _time(cur, base, s)
    _limits(source, present, cur, s, offences)
    return s


def _victims(source, present, cur, period, s: ProblemSummary) -> None:
    if "police_crime_victim" in present and not cur.empty:
        source.register("_scope", cur[["crime_ref"]])
        v = source.execute("SELECT v.* FROM police_crime_victim v JOIN _scope USING (crime_ref)").df()
        source.unregister("_scope")
        if not v.empty:
            s.victims["profile"] = victim_profile(v).reset_index()
            s.victims["linked"] = len(v)
            s.victims["unknown_age_share"] = float((age_band(v["age"]) == "unknown").mean())
            s.datasets.append("police_crime_victim")
    if "health_ae_assault" in present:
        ae = source.execute("SELECT patient_ref, location_type FROM health_ae_assault "
                            "WHERE incident_date BETWEEN ? AND ?", list(period)).df()
        if not ae.empty:
            s.victims["ae_attendances"] = len(ae)
            s.victims["ae_location_types"] = (ae["location_type"].fillna("unknown").value_counts()
                                              .rename_axis("location_type").reset_index(name="attendances"))
            per = ae["patient_ref"].dropna().value_counts()
            s.victims["ae_repeat_patients"] = int((per >= 2).sum())
            s.datasets.append("health_ae_assault")
    for flag in ("flag_domestic", "flag_alcohol"):
        if not cur.empty:
            share = source.execute(
                f"SELECT avg(CASE WHEN {flag} = 'Y' THEN 1.0 ELSE 0 END) FROM {OFFENCES} "
                f"WHERE crime_ref IN (SELECT unnest(?::VARCHAR[]))", [cur["crime_ref"].tolist()]).fetchone()[0]
            s.victims[f"{flag}_share"] = None if share is None else float(share)


def _offenders(source, present, cur, s: ProblemSummary) -> None:
    if "police_crime_offender" not in present or cur.empty:
        return
    source.register("_scope", cur[["crime_ref"]])
    o = source.execute("SELECT o.* FROM police_crime_offender o JOIN _scope USING (crime_ref)").df()
    source.unregister("_scope")
    if o.empty:
        return
    s.datasets.append("police_crime_offender")
    s.offenders["linked_offences"] = int(o["crime_ref"].nunique())
    s.offenders["identified_share"] = float(o["crime_ref"].nunique() / len(cur))
    pr = prolificness(o["offender_ref"], top=0.1)
    s.offenders["offenders"] = pr.n_offenders
    s.offenders["share_by_top_10pct"] = pr.share_by_top
    s.offenders["profile"] = victim_profile(o).reset_index()


def _location(source, present, cur, base, s: ProblemSummary) -> None:
    pts = cur.dropna(subset=["easting", "northing"])
    if pts.empty:
        return
    cells = (pts["easting"] // 250).astype(int).astype(str) + ":" + (pts["northing"] // 250).astype(int).astype(str)
    per = cells.value_counts()
    k = max(1, int(np.ceil(0.05 * per.size)))
    s.location["cells"] = int(per.size)
    s.location["share_in_top_5pct_cells"] = float(per.iloc[:k].sum() / per.sum())
    s.location["top_locations"] = (cur["location"].fillna("unknown").value_counts().head(8)
                                   .rename_axis("location").reset_index(name="offences"))
    s.location["points"] = pts[["easting", "northing"]].reset_index(drop=True)
    if "ref_licensed_premises" in present:
        lp = source.execute("SELECT premises_name, easting, northing FROM ref_licensed_premises "
                            "WHERE easting IS NOT NULL").df()
        if not lp.empty:
            d = np.sqrt((pts["easting"].to_numpy()[:, None] - lp["easting"].to_numpy()[None, :]) ** 2
                        + (pts["northing"].to_numpy()[:, None] - lp["northing"].to_numpy()[None, :]) ** 2)
            s.location["within_100m_of_premises_share"] = float((d.min(axis=1) <= 100).mean())
            s.location["premises"] = lp
            s.datasets.append("ref_licensed_premises")


#: what the Time section needs (the fitness gate, guidance 4.2.3): dates to the day; times of
#: day when known (else days of the week only, said so)
TIME_NEEDS = Needs(datasets=(OFFENCES,), date="day", time_of_day="preferred")


def _time(cur, base, s: ProblemSummary) -> None:
    """The Time section, behind its fitness gate: month-only dates give no section but the
    measured reason; unknown times (or midnights standing in for them) give days of the week only."""
    if cur.empty:
        return
    fit = TIME_NEEDS.check(DataSource({OFFENCES: cur.rename(columns={"date": "committed_from_date",
                                                                     "time": "committed_from_time"})},
                                      "the offences in scope"))
    measured = fit.measured.get(OFFENCES, {})
    s.time["known_time_share"] = float(measured.get("time_known_share", 0.0))
    if not fit.ok:
        s.time["unfit"] = fit.reason()
        return
    when = pd.to_datetime(cur["date"])
    if not fit.uses.get("time_of_day"):
        s.time["by_day"] = (when.dt.dayofweek.value_counts().reindex(range(7), fill_value=0)
                            .set_axis(list(WEEKDAYS)).rename_axis("day").reset_index(name="offences"))
        s.time["note"] = "; ".join(fit.notes)
        return
    hour = pd.to_datetime(cur["time"].astype(str), format="%H:%M:%S", errors="coerce").dt.hour
    s.time["day_hour"] = pd.crosstab(when.dt.dayofweek, hour).reindex(index=range(7), columns=range(24), fill_value=0)
    night = hour.isin([20, 21, 22, 23]) & when.dt.dayofweek.isin([4, 5]) | \
        hour.isin([0, 1, 2, 3]) & when.dt.dayofweek.isin([5, 6])
    s.time["weekend_night_share"] = float(night.mean())


def _limits(source, present, cur, s: ProblemSummary, offences) -> None:
    wanted = {"police_crime_victim": "victims' characteristics", "police_crime_offender": "who offends",
              "health_ae_assault": "violence not reported to the police (A&E)",
              "ambulance_callout": "ambulance call-outs to the same incidents",
              "ref_licensed_premises": "licensed premises near the offences",
              "police_detection": "detection outcomes"}
    for ds, what in wanted.items():
        if ds not in present:
            s.cannot_tell.append(f"No '{ds}' in the shared tier: the profile cannot describe {what}.")
    if s.offenders.get("identified_share") is not None and s.offenders["identified_share"] < 0.6:
        s.cannot_tell.append(f"Only {s.offenders['identified_share']:.0%} of offences have an identified "
                             "offender: offender findings describe detected offenders, not all offenders.")
    if s.time.get("unfit"):
        s.cannot_tell.append(f"When offences happen: {s.time['unfit'].removeprefix('data not fit for this test: ')}.")
    elif s.time.get("known_time_share", 1.0) < 0.9:
        s.cannot_tell.append(f"{1 - s.time['known_time_share']:.0%} of offences have no recorded time.")
    if cur.empty:
        s.cannot_tell.append("No offences in scope in the current period.")
    s.cannot_tell.append("Recorded data count what is reported and recorded: under-reporting by "
                         "victims (e.g. domestic abuse) is not visible in any supply.")
    s.cannot_tell.append("Depersonalised locations are postcode-centroid or sanitised street level "
                         "(guidance Appendix 1): premises-level attribution is approximate.")
    if offences and str(offences).lower() not in GROUPS:
        s.cannot_tell.append(f"Offences were selected by code ({offences}); related offences "
                             "recorded under other codes are outside the profile.")
