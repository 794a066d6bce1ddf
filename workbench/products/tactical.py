"""Data for the tactical assessment (regulations appendix H 1.8–1.10).

The tactical assessment "drives the business of the partnership tasking and co-ordination
group", informing it "of the current problems that link to the priority areas". For the last
``weeks`` weeks against the 52 weeks before them, :func:`tactical_summary` gathers: emerging
issues (exceedance: the current rate against the baseline rate, exact conditional test),
hotspots and their change (Gi* on 150 m cells, :mod:`workbench.products.hotspots`, the
same object the tactical dashboard draws), repeat locations and repeat victims
(pseudonymised references only), PPO/IOM cohort status counts (counts only — names stay in
the personal tier), partner intelligence received by category, and the actions carried from
the last meeting with their owners and status (passed in from the actions log).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import pandas as pd

import dataclasses

from workbench.analysis.fitness import Needs
from workbench.analysis.hypotheses.data import DataSource
from workbench.errors import BadInput
from workbench.products import issues as iss
from workbench.products import validate as v
from workbench.products.emerging import emerging_in_family, exceedance
from workbench.products.hotspots import CELL_METRES, COLUMNS, tactical_hotspots


@dataclass
class Exceedance:
    """One issue's count this period against the count expected at its baseline rate, and whether it is emerging.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> e = tactical_summary(tier).exceedance[0]           # the most significant issue first
    >>> e.label, e.current, e.expected, e.rate_ratio, e.emerging, e.precision
    ('ASB reported to the council', 12, 3.5, 3.47, True, 'weeks')
    """
    issue: str
    label: str
    current: int
    expected: float
    rate_ratio: float | None
    p_value: float
    emerging: bool
    precision: str   # 'weeks' or 'month' (police.uk data are monthly)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TacticalSummary:
    """The tactical assessment's figures: exceedance by issue, hotspots, repeats, cohort and intelligence, gaps.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = tactical_summary(tier)
    >>> str(s.as_of), s.weeks, [str(d) for d in s.current], [e.label for e in s.emerging]
    ('2024-06-30', 4, ['2024-06-03', '2024-06-30'], ['ASB reported to the council'])
    >>> sorted(s.to_dict())[:5]
    ['actions', 'as_of', 'baseline', 'cohort', 'current']
    """
    as_of: dt.date
    weeks: int
    current: tuple[dt.date, dt.date]
    baseline: tuple[dt.date, dt.date]
    exceedance: list[Exceedance]
    hotspots: pd.DataFrame
    points: pd.DataFrame            # current-period events with coordinates (for the map)
    repeat_locations: pd.DataFrame
    repeat_victims: pd.DataFrame
    cohort: pd.DataFrame | None
    intelligence: pd.DataFrame | None
    actions: list = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    #: per issue, how its hotspots were found (study area, Gi* band, permutation p-values, FDR)
    hotspot_method: list[str] = field(default_factory=list)

    @property
    def emerging(self) -> list[Exceedance]:
        return [e for e in self.exceedance if e.emerging]

    def to_dict(self) -> dict:
        frame = lambda f: None if f is None else f.to_dict(orient="records")  # noqa: E731
        return {"as_of": str(self.as_of), "weeks": self.weeks,
                "current": [str(d) for d in self.current], "baseline": [str(d) for d in self.baseline],
                "exceedance": [e.to_dict() for e in self.exceedance],
                "emerging": [e.issue for e in self.emerging],
                "hotspots": frame(self.hotspots), "repeat_locations": frame(self.repeat_locations),
                "repeat_victims": frame(self.repeat_victims), "cohort": frame(self.cohort),
                "intelligence": frame(self.intelligence),
                "actions": [a.to_dict() for a in self.actions], "datasets": self.datasets,
                "gaps": self.gaps, "hotspot_method": self.hotspot_method}


#: what weekly exceedance, hotspot change and the events map need of an issue's dataset (the
#: fitness gate, guidance 4.2.3): dates recorded to the day
WEEKLY_NEEDS = Needs(date="day")


def _measured_precision(source, issues) -> tuple[list, list[str]]:
    """Issues whose dataset measures month-only (e.g. police.uk supplied as police records,
    every date the 1st) are treated as month-precision, with the measured reason as a gap."""
    out, gaps, fits = [], [], {}
    for i in issues:
        if i.monthly_only:
            out.append(i)
            continue
        if i.dataset not in fits:
            fit = dataclasses.replace(WEEKLY_NEEDS, datasets=(i.dataset,)).check(DataSource(source, "the shared tier"))
            fits[i.dataset] = fit
            if not fit.ok and fit.measured.get(i.dataset, {}).get("rows"):
                gaps.append(f"{i.dataset}: compared month by month, not by weeks, and left off the hotspot "
                            "map — " + fit.reason().removeprefix("data not fit for this test: ") + ".")
        fit = fits[i.dataset]
        unfit = not fit.ok and fit.measured.get(i.dataset, {}).get("rows")
        out.append(dataclasses.replace(i, monthly_only=True) if unfit else i)
    return out, gaps


def _exceedance(source, issue, cur, base, alpha) -> Exceedance:
    if issue.monthly_only:
        # police.uk: compare the last complete month with the 12 months before it
        last = pd.Timestamp(cur[1]).to_period("M")
        if pd.Timestamp(cur[1]) != last.to_timestamp(how="end").normalize():
            last = last - 1
        covered = set(iss.covered_months(source, issue))
        c_start, c_end = last.to_timestamp().date(), last.to_timestamp(how="end").date()
        base_months = [m for m in (last - k for k in range(1, 13)) if m.to_timestamp() in covered]
        c = iss.count_events(source, issue, c_start, c_end) if last.to_timestamp() in covered else 0
        b = sum(iss.count_events(source, issue, m.to_timestamp().date(), m.to_timestamp(how="end").date())
                for m in base_months)
        c_days = (c_end - c_start).days + 1
        b_days = sum(m.days_in_month for m in base_months)
        precision = f"month {last} vs {len(base_months)} supplied month(s)"
        if last.to_timestamp() not in covered or not base_months:
            return Exceedance(issue.key, issue.label, c, 0.0, None, 1.0, False,
                              f"month {last}: not comparable (no supply for the month or its baseline)")
    else:
        (c_start, c_end), (b_start, b_end), precision = cur, base, "weeks"
        c = iss.count_events(source, issue, c_start, c_end)
        b = iss.count_events(source, issue, b_start, b_end)
        c_days, b_days = (c_end - c_start).days + 1, (b_end - b_start).days + 1
    e = exceedance(c, b, c_days, b_days, alpha)      # the dashboard's rule too
    return Exceedance(issue.key, issue.label, c, e.expected,
                      None if e.rate_ratio is None else round(e.rate_ratio, 2), e.p_value,
                      e.emerging, precision)


def cell_counts(source, issue, period) -> pd.DataFrame:
    """Events of ``issue`` in ``period`` per :data:`CELL_METRES` BNG cell (``easting``,
    ``northing`` of the cell centre, ``count``), aggregated in SQL so a year of baseline never
    leaves the database as rows.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> from workbench.products.issues import ISSUES
    >>> asb = next(i for i in ISSUES if i.dataset == "council_asb")
    >>> counts = cell_counts(tier, asb, tactical_summary(tier).current)
    >>> counts.columns.tolist(), int(counts["count"].sum()), bool((counts["easting"] % 150 == 75).all())
    (['easting', 'northing', 'count'], 12, True)
    """
    cols = {r[0] for r in source.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_catalog = current_database()", [issue.dataset]).fetchall()}
    if not {"easting", "northing"} <= cols:
        return pd.DataFrame(columns=["easting", "northing", "count"])
    return source.execute(
        f"WITH source AS (SELECT {issue.date_sql} AS date, easting, northing FROM {issue.dataset} "
        f"WHERE {issue.where_sql}) SELECT (floor(easting / {CELL_METRES}) + 0.5) * {CELL_METRES} AS easting, "
        f"(floor(northing / {CELL_METRES}) + 0.5) * {CELL_METRES} AS northing, count(*) AS count "
        "FROM source WHERE date BETWEEN ? AND ? AND easting IS NOT NULL AND northing IS NOT NULL "
        "GROUP BY 1, 2", list(period)).df()


def issue_hotspots(source, issue, cur, base, alpha: float = 0.05):
    """:func:`workbench.products.hotspots.tactical_hotspots` of one issue's located events.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> from workbench.products.issues import ISSUES
    >>> asb = next(i for i in ISSUES if i.dataset == "council_asb")
    >>> s = tactical_summary(tier)
    >>> spots = issue_hotspots(tier, asb, s.current, s.baseline)
    >>> len(spots.cells), len(spots.hot())                 # 12 events in 12 cells: no hotspot
    (12, 0)
    """
    ratio = ((cur[1] - cur[0]).days + 1) / ((base[1] - base[0]).days + 1)
    return tactical_hotspots(cell_counts(source, issue, cur), cell_counts(source, issue, base),
                             ratio, alpha=alpha, area=study_area(source))


def study_area(source):
    """The union of the hub's LSOA polygons (None when it holds none): the hotspot grid's
    study area, the same one the tactical dashboard uses.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> area = study_area(tier)
    >>> area.source, round(area.geometry.area / 1e6)       # km²
    ('union of 679 LSOA polygons', 2159)
    >>> import duckdb
    >>> study_area(duckdb.connect()) is None
    True
    """
    from workbench.geo.boundaries import lsoa_union

    has = source.execute("SELECT count(*) FROM information_schema.tables "
                         "WHERE table_name = 'ref_lsoa'").fetchone()[0]
    if not has:
        return None
    rows = source.execute("SELECT geometry FROM ref_lsoa WHERE geometry IS NOT NULL "
                          "ORDER BY lsoa_code").fetchall()
    return lsoa_union([r[0] for r in rows])


def _repeat_locations(source, present, cur, minimum: int) -> pd.DataFrame:
    frames = []
    for issue in iss.ISSUES:
        if issue.monthly_only or issue.dataset not in present:
            continue
        e = iss.events(source, issue, *cur)
        e = e[e["location"].notna() & (e["location"].astype(str).str.strip() != "")]
        if e.empty:
            continue
        g = e.groupby("location").size().rename("incidents").reset_index()
        g = g[g["incidents"] >= minimum]
        frames.append(g.assign(issue=issue.label))
    if not frames:
        return pd.DataFrame(columns=["issue", "location", "incidents"])
    return (pd.concat(frames)[["issue", "location", "incidents"]]
            .sort_values("incidents", ascending=False).reset_index(drop=True).head(20))


def _repeat_victims(source, present, cur, as_of) -> pd.DataFrame:
    rows = []
    year = (as_of - dt.timedelta(days=364), as_of)
    for ds, date_col, label in (("health_ae_assault", "incident_date", "A&E assault attendances"),
                                ("ambulance_callout", "incident_date", "Ambulance call-outs")):
        if ds not in present:
            continue
        f = source.execute(f"SELECT patient_ref, {date_col} AS d FROM {ds} WHERE patient_ref IS NOT NULL "
                           f"AND {date_col} BETWEEN ? AND ?", list(year)).df()
        if f.empty:
            continue
        per = f.groupby("patient_ref")["d"].agg(["count", "max"])
        repeat = per[per["count"] >= 2]
        recent = repeat[pd.to_datetime(repeat["max"]) >= pd.Timestamp(cur[0])]
        rows.append({"source": label, "people_in_12_months": int(len(per)),
                     "repeat_victims_12_months": int(len(repeat)),
                     "repeat_victims_seen_this_period": int(len(recent)),
                     "share_of_attendances_by_repeats": round(float(repeat["count"].sum() / per["count"].sum()), 3)})
    return pd.DataFrame(rows)


def _quarterly_counts(source, table: str, label: str) -> pd.DataFrame:
    """Records per quarter from a published ``<id>_counts`` table (suppressed cells marked)."""
    return source.execute(
        f"SELECT coalesce(CAST(quarter_start AS VARCHAR), 'undated') AS quarter, "
        f"CAST(sum(coalesce(records, 0)) AS BIGINT) AS {label}, "
        f"count(*) FILTER (WHERE suppressed) AS districts_suppressed FROM {table} "
        "GROUP BY 1 ORDER BY 1 DESC LIMIT 4").df()


def _category_counts(source, table: str) -> pd.DataFrame:
    """Submissions per category in the latest published quarter of ``table`` (suppressed
    cells counted, not added); per quarter when the table has no ``category``."""
    cols = {r[0] for r in source.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
    if "category" not in cols:
        return _quarterly_counts(source, table, "submissions")
    return source.execute(
        f"SELECT coalesce(category, 'not recorded') AS category, "
        f"CAST(max(quarter_start) AS VARCHAR) AS quarter, "
        f"CAST(sum(coalesce(records, 0)) AS BIGINT) AS received, "
        f"count(*) FILTER (WHERE suppressed) AS cells_suppressed FROM {table} "
        f"WHERE quarter_start IS NOT DISTINCT FROM (SELECT max(quarter_start) FROM {table}) "
        "GROUP BY 1 ORDER BY 3 DESC, 1").df()


def _cohort(source, present) -> pd.DataFrame | None:
    for table in ("police_ppo", "police_ppo_counts"):
        if table not in present:
            continue
        cols = {r[0] for r in source.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
        if "current_status" not in cols:
            if {"quarter_start", "records"} <= cols:
                return _quarterly_counts(source, table, "cohort_records")
            continue
        if table.endswith("_counts") and {"records", "suppressed"} <= cols:
            # published counts: 1-4 are suppressed, so a status total adds up the shown cells
            # and says how many cells were hidden (privacy/counts.py)
            return source.execute(
                f"SELECT coalesce(current_status, 'not recorded') AS status, "
                f"CAST(sum(coalesce(records, 0)) AS BIGINT) AS offenders, "
                f"count(*) FILTER (WHERE suppressed) AS cells_suppressed FROM {table} "
                "GROUP BY 1 ORDER BY 2 DESC, 1").df()
        return source.execute(f"SELECT current_status AS status, count(*) AS offenders FROM {table} "
                              "GROUP BY 1 ORDER BY 2 DESC").df()
    return None


def _intelligence(source, present, cur, base) -> pd.DataFrame | None:
    if "partner_intelligence" not in present:
        if "partner_intelligence_counts" in present:
            return _category_counts(source, "partner_intelligence_counts")
        return None
    f = source.execute("SELECT category, CAST(submitted_at AS DATE) AS d FROM partner_intelligence").df()
    if f.empty:
        return None
    d = pd.to_datetime(f["d"])
    in_cur = (d >= pd.Timestamp(cur[0])) & (d <= pd.Timestamp(cur[1]))
    in_base = (d >= pd.Timestamp(base[0])) & (d <= pd.Timestamp(base[1]))
    ratio = ((cur[1] - cur[0]).days + 1) / ((base[1] - base[0]).days + 1)
    out = pd.DataFrame({"received": f[in_cur].groupby("category").size(),
                        "baseline": f[in_base].groupby("category").size()}).fillna(0)
    out["expected"] = (out["baseline"] * ratio).round(1)
    return (out.drop(columns="baseline").reset_index(names="category")
            .astype({"received": int}).sort_values("received", ascending=False).reset_index(drop=True))


def tactical_summary(source, as_of: dt.date | str | None = None, *, weeks: int = 4,
                     actions: list | None = None, alpha: float = 0.05, repeat_minimum: int = 3,
                     top_hotspots: int = 15, include_sensitive: bool = True) -> TacticalSummary:
    """Gather the tactical assessment from a depersonalised ``source`` connection.

    Parameters
    ----------
    as_of : last day of the current period; default the latest event date in the data.
    weeks : length of the current period (default 4 weeks, a tasking cycle).
    actions : :class:`workbench.products.actions.Action` records carried from the last meeting.
    include_sensitive : include sections derived from sensitive personal datasets (PPO cohort
        counts, partner intelligence); False for users who may not read SP data.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> s = tactical_summary(tier, weeks=4)
    >>> [str(d) for d in s.baseline]                      # the 52 weeks before the current 4
    ['2023-06-05', '2024-06-02']
    >>> s.gaps[0].split(" — ")[0]                          # what the data could not carry, said
    'health_ae_assault: compared month by month, not by weeks, and left off the hotspot map'
    >>> import duckdb
    >>> tactical_summary(duckdb.connect())
    Traceback (most recent call last):
    workbench.errors.BadInput: The source holds no data for any tactical-assessment issue. Has the shared tier been published?
    """
    weeks = v.positive_int("weeks", weeks, maximum=26)
    available = iss.available_issues(source)
    if not available:
        raise BadInput("The source holds no data for any tactical-assessment issue. "
                       "Has the shared tier been published?")
    available, precision_gaps = _measured_precision(source, available)
    daily = [i for i in available if not i.monthly_only]
    as_of = pd.Timestamp(as_of or iss.latest_date(source, daily or available)).date()
    cur = (as_of - dt.timedelta(days=7 * weeks - 1), as_of)
    base = (cur[0] - dt.timedelta(days=364), cur[0] - dt.timedelta(days=1))
    exceed = [_exceedance(source, i, cur, base, alpha) for i in available]
    # police issues and partner issues are two families, as the dashboard's two tables are
    police = [i.dataset in ("police_crime_offence", "police_uk_street") for i in available]
    for side in (True, False):
        idx = [k for k, p in enumerate(police) if p == side]
        family = emerging_in_family([exceed[k].p_value for k in idx], [exceed[k].emerging for k in idx], alpha)
        for k, f in zip(idx, family):
            exceed[k] = dataclasses.replace(exceed[k], emerging=f)
    exceed.sort(key=lambda e: (not e.emerging, e.p_value))
    cur_pts, spots, method = [], [], []
    for i in daily:
        e = iss.events(source, i, *cur).dropna(subset=["easting", "northing"])
        if not e.empty:
            cur_pts.append(e.assign(issue=i.label))
        found = issue_hotspots(source, i, cur, base, alpha)
        if found.distance_band is not None:
            method.append(f"{i.label}: " + " ".join(found.notes))
        hot = found.hot()
        if not hot.empty:
            spots.append(hot.head(top_hotspots).assign(issue=i.label))
    cur_df = pd.concat(cur_pts, ignore_index=True) if cur_pts else pd.DataFrame(columns=["easting", "northing", "issue"])
    hotspots = (pd.concat(spots, ignore_index=True) if spots else pd.DataFrame(columns=COLUMNS + ["issue"]))
    hotspots = hotspots[["issue"] + COLUMNS]
    present = iss.tables(source)
    cohort = _cohort(source, present) if include_sensitive else None
    intel = _intelligence(source, present, cur, base) if include_sensitive else None
    gaps = [] if include_sensitive else [
        "PPO/IOM cohort and partner intelligence are not shown: they derive from sensitive "
        "personal data your role may not see (guidance 2.1 C)."]
    gaps += precision_gaps
    if not daily:
        gaps.append("Only month-precision data (police.uk, or supplies measured month-only) are available: "
                    "weekly exceedance and "
                    "hotspot change need partner supplies with dates and coordinates.")
    if cohort is None and include_sensitive:
        gaps.append("PPO/IOM cohort status is not in the shared tier: ask the IOM coordinator for "
                    "counts by status (names stay in the personal tier).")
    if intel is None and include_sensitive:
        gaps.append("No partner intelligence in the shared tier for this period.")
    datasets = sorted({i.dataset for i in available}
                      | ({"police_ppo"} if cohort is not None else set())
                      | ({"partner_intelligence"} if intel is not None else set()))
    return TacticalSummary(as_of, weeks, cur, base, exceed, hotspots,
                           cur_df[["issue", "easting", "northing"]],
                           _repeat_locations(source, present, cur, repeat_minimum),
                           _repeat_victims(source, present, cur, as_of), cohort, intel,
                           list(actions or []), datasets, gaps, method)
