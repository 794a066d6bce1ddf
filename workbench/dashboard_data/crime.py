"""Recorded-crime aggregates for the assessments, computed in DuckDB on the shared tier.

Every function takes the same leading arguments — ``(source, period_or_comparison,
offences, viewer)`` — and returns a small pandas frame of counts; nothing loads the
``police_crime_offence`` table into pandas (STYLE rule 10: views only view; DESIGN.md).
``offences`` is a list of ``offence_type`` values (empty or ``None`` = all offences).
Aggregates are passed through :func:`workbench.dashboard_data.access.disclose` for viewers, after
the source is narrowed to the viewer's partnerships (:meth:`Source.for_viewer`, guidance
2.2.4): every count is of the rows of partnerships the viewer may see.

Guidance: the minimum police crime dataset (3.2.1) gives offence, date, time and a
location; area rates use LSOA populations and IMD (3.3.1, 3.3.7).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from workbench.dashboard_data.access import Viewer, disclose, require_records
from workbench.products.hotspots import CELL_METRES
from workbench.dashboard_data.periods import Comparison, Period
from workbench.dashboard_data.source import Source

CRIME = "police_crime_offence"
#: answer whole-week questions from the weekly cubes (tests compare both routes)
USE_CUBES = True


def _offence_filter(offences) -> tuple[str, list]:
    offences = [o for o in (offences or []) if o]
    if not offences:
        return "true", []
    return "list_contains(?::varchar[], offence_type)", [offences]


def _in(period: Period) -> tuple[str, list]:
    return "committed_from_date between ? and ?", [period.start, period.end]


def _cube(source: Source):
    """The weekly cubes (:mod:`workbench.dashboard_data.cube`), or None when switched off or absent."""
    if not USE_CUBES:
        return None
    from workbench.dashboard_data.cube import weekly

    return weekly(source)


def latest_date(source: Source) -> date | None:
    """The last date with recorded crime: the "as of" date of the assessments.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> latest_date(source)
    datetime.date(2024, 6, 30)
    """
    value = source.scalar(f"select max(committed_from_date) from {CRIME}")
    return None if value is None else pd.Timestamp(value).date()


def offence_types(source: Source) -> list[str]:
    """Offence types present in the shared tier, most frequent first.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> types = offence_types(source)
    >>> len(types), types[:2]                              # most frequent first
    (39, ['Other theft', 'Assault without injury'])
    """
    return list(source.frame(
        f"select offence_type from {CRIME} where offence_type is not null "
        f"group by 1 order by count(*) desc, 1")["offence_type"])


def counts_by_type(source: Source, comparison: Comparison, offences, viewer: Viewer) -> pd.DataFrame:
    """Per offence type: ``current``, ``baseline`` counts and ``expected`` (baseline scaled).

    ``expected`` = baseline count × current days / baseline days (the count the current
    period would hold at the baseline rate).

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> counts_by_type(source, last4, [], analyst).head(2).round(2).to_dict("records")
    [{'offence_type': 'Assault without injury', 'current': 7, 'baseline': 49, 'expected': 3.77}, {'offence_type': 'Other theft', 'current': 6, 'baseline': 46, 'expected': 3.54}]
    >>> viewer = Viewer("vic", "Council", "viewer")         # counts of 1-4 hidden from viewers
    >>> counts_by_type(source, last4, [], viewer)["current"].head(3).tolist()
    [7.0, 6.0, nan]
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    c, b = comparison.current, comparison.baseline
    cube = _cube(source)
    cw, bw = (cube.weeks(c), cube.weeks(b)) if cube else (None, None)
    if cw and bw:
        frame = source.frame(
            f"""
            select offence_type,
                   coalesce(sum(n) filter (where week between ? and ?), 0)::bigint as current,
                   coalesce(sum(n) filter (where week between ? and ?), 0)::bigint as baseline
            from {cube.table('cube_type', source.partnerships)} where {where} and week between ? and ?
            group by 1 order by current desc, offence_type
            """,
            [cw[0], cw[1], bw[0], bw[1]] + params + [min(cw[0], bw[0]), max(cw[1], bw[1])])
        frame = disclose(frame, ["current", "baseline"], viewer)
        frame["expected"] = frame["baseline"] * comparison.scale
        return frame
    frame = source.frame(
        f"""
        with source as (
            select offence_type, committed_from_date as d from {CRIME}
            where {where} and committed_from_date between ? and ?
        )
        select offence_type,
               count(*) filter (where d between ? and ?) as current,
               count(*) filter (where d between ? and ?) as baseline
        from source group by 1 order by current desc, offence_type
        """,
        params + [b.start, c.end, c.start, c.end, b.start, b.end],
    )
    frame = disclose(frame, ["current", "baseline"], viewer)
    frame["expected"] = frame["baseline"] * comparison.scale
    return frame


def counts_by_lsoa(source: Source, period: Period, offences, viewer: Viewer | None) -> pd.DataFrame:
    """Crimes per LSOA in ``period`` (via the postcode → LSOA lookup ``ref_postcode``).

    ``viewer=None``: unsuppressed, for statistics only (see :func:`grid_counts`).

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> counts = counts_by_lsoa(source, last4.current, [], analyst)
    >>> counts.columns.tolist(), len(counts), int(counts["count"].sum())
    (['lsoa_code', 'count'], 28, 36)
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    cube = _cube(source)
    weeks = cube.weeks(period) if cube and cube.lsoa else None
    if weeks:
        frame = source.frame(
            f"select lsoa_code, sum(n)::bigint as count from {cube.table('cube_lsoa', source.partnerships)} "
            f"where {where} and week between ? and ? group by 1 order by 1", params + list(weeks))
        return frame if viewer is None else disclose(frame, "count", viewer)
    pwhere, pparams = _in(period)
    frame = source.frame(
        f"""
        with source as (
            select postcode from {CRIME} where {where} and {pwhere}
        ), located as (
            select p.lsoa_code from source s join ref_postcode p using (postcode)
        )
        select lsoa_code, count(*) as count from located
        where lsoa_code is not null group by 1 order by 1
        """,
        params + pparams,
    )
    return frame if viewer is None else disclose(frame, "count", viewer)


def day_hour(source: Source, period: Period, offences, viewer: Viewer) -> pd.DataFrame:
    """Crimes by day of week (``day`` 1 = Monday … 7 = Sunday) and ``hour`` (0–23).

    The fitness gate (guidance 4.2.3) first: when the time of day is known for under 80% of
    the period's records (:func:`workbench.hub.quality.time_known_share`: midnights beyond
    1 in 24 count as unknown, the usual stand-in for "no time"), an hour-by-hour table would
    put them all at midnight, so the frame is empty and ``frame.attrs["unfit"]`` says why
    (no count is named: the sentence is shown to every role).

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> grid = day_hour(source, last4.current, [], analyst)
    >>> grid.columns.tolist(), int(grid["count"].sum())
    (['day', 'hour', 'count'], 36)
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    unfit = _times_unfit(source, period, where, params)
    if unfit:
        empty = pd.DataFrame({"day": pd.Series(dtype="int64"), "hour": pd.Series(dtype="int64"),
                              "count": pd.Series(dtype="int64")})
        empty.attrs["unfit"] = unfit
        return empty
    cube = _cube(source)
    weeks = cube.weeks(period) if cube else None
    if weeks:
        frame = source.frame(
            f"select day, hour, sum(n)::bigint as count from {cube.table('cube_dayhour', source.partnerships)} "
            f"where {where} and week between ? and ? group by 1, 2 order by 1, 2", params + list(weeks))
        return disclose(frame, "count", viewer)
    pwhere, pparams = _in(period)
    frame = source.frame(
        f"""
        select isodow(committed_from_date) as day, hour(committed_from_time) as hour,
               count(*) as count
        from {CRIME} where {where} and {pwhere} and committed_from_time is not null
        group by 1, 2 order by 1, 2
        """,
        params + pparams,
    )
    return disclose(frame, "count", viewer)


def _times_unfit(source: Source, period: Period, where: str, params: list) -> str | None:
    """Why the period's committed times cannot be used, or None when they can."""
    from workbench.hub.quality import KNOWN_SHARE, time_known_share

    pwhere, pparams = _in(period)
    t = "try_cast(cast(committed_from_time as varchar) as time)"
    row = source.frame(f"select count(*) as n, count({t}) as known, count(*) filter (where {t} = time '00:00') "
                       f"as midnight from {CRIME} where {where} and {pwhere}", params + pparams).iloc[0]
    n, known, midnight = (int(row[c]) for c in ("n", "known", "midnight"))
    share = time_known_share(n, known, midnight)
    if not n or share >= KNOWN_SHARE:
        return None
    return (f"The time of day is known for {share:.0%} of the recorded crimes in these weeks"
            + (" (most of the rest are recorded at 00:00, the usual stand-in for 'no time')" if midnight else "")
            + ", so an hour-by-hour picture would put them all at midnight: it is not drawn. "
            "Ask for the supplier's recorded times.")


def monthly(source: Source, period: Period, offences, viewer: Viewer) -> pd.DataFrame:
    """Crimes per calendar ``month`` (first day) and ``offence_type`` in ``period``.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> from workbench.dashboard_data.periods import Period, month_start
    >>> year = Period(month_start(latest_date(source), 11), latest_date(source))
    >>> m = monthly(source, year, [], analyst)
    >>> m.columns.tolist(), str(m["month"].min().date()), str(m["month"].max().date())
    (['month', 'offence_type', 'count'], '2023-07-01', '2024-06-01')
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    pwhere, pparams = _in(period)
    frame = source.frame(
        f"""
        select date_trunc('month', committed_from_date)::date as month, offence_type,
               count(*) as count
        from {CRIME} where {where} and {pwhere} group by 1, 2 order by 1, 2
        """,
        params + pparams,
    )
    return disclose(frame, "count", viewer)


def grid_counts(source: Source, period: Period, offences, viewer: Viewer | None,
                cell_metres: float = 100.0) -> pd.DataFrame:
    """Crimes per ``cell_metres`` square (BNG), as cell-centre ``easting``/``northing`` and ``count``.

    The input of the kernel density surface; binning in SQL keeps points in DuckDB.
    ``viewer=None`` returns unsuppressed counts for statistics whose output is a smoothed
    surface or a classification, never a count (:mod:`workbench.dashboard_data.assess`); such
    counts must not be shown.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> cells = grid_counts(source, last4.current, [], analyst, 150)
    >>> cells.columns.tolist(), int(cells["count"].sum())
    (['easting', 'northing', 'count'], 36)
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    cube = _cube(source)
    weeks = cube.weeks(period) if cube and cell_metres == CELL_METRES else None
    if weeks:
        frame = source.frame(
            f"select easting, northing, sum(n)::bigint as count from {cube.table('cube_cell', source.partnerships)} "
            f"where {where} and week between ? and ? group by 1, 2", params + list(weeks))
        return frame if viewer is None else disclose(frame, "count", viewer)
    pwhere, pparams = _in(period)
    frame = source.frame(
        f"""
        select (floor(easting / ?) + 0.5) * ? as easting, (floor(northing / ?) + 0.5) * ? as northing,
               count(*) as count
        from {CRIME} where {where} and {pwhere} and easting is not null and northing is not null
        group by 1, 2
        """,
        [cell_metres, cell_metres, cell_metres, cell_metres] + params + pparams,
    )
    return frame if viewer is None else disclose(frame, "count", viewer)


def repeat_locations(source: Source, period: Period, offences, viewer: Viewer,
                     minimum: int = 3, limit: int = 25) -> pd.DataFrame:
    """Locations with at least ``minimum`` crimes in ``period``, most first.

    Analysts see depersonalised locations (postcode centroids, Appendix 1); other roles see
    postcode **sectors** (e.g. ``NG1 1``) with suppressed counts, never a single location.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> repeat_locations(source, last4.current, [], analyst, minimum=2).empty   # no place twice in 4 weeks
    True
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    pwhere, pparams = _in(period)
    if viewer.sees_records:
        key = "postcode"
    else:
        key = "regexp_extract(postcode, '^(\\S+ \\d)', 1)"
    frame = source.frame(
        f"""
        with source as (
            select {key} as place, offence_type from {CRIME}
            where {where} and {pwhere} and postcode is not null
        )
        select place, count(*) as count, count(distinct offence_type) as offence_types
        from source where place <> '' group by 1 having count(*) >= ?
        order by count desc, place limit ?
        """,
        params + pparams + [minimum, limit],
    )
    frame = frame.rename(columns={"place": "postcode" if viewer.sees_records else "postcode_sector"})
    return disclose(frame, "count", viewer)


def records(source: Source, period: Period, offences, viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """Depersonalised crime records (analysts and administrators only; audited by the caller).

    Times are text ``hh:mm`` (a TIME column would reach the browser as milliseconds since
    midnight, e.g. 84480000 for 23:28); an unknown time stays empty, never 00:00.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> records(source, last4.current, [], analyst, limit=3).columns.tolist()[:4]
    ['crime_ref', 'offence_code', 'offence_type', 'committed_from_date']
    >>> records(source, last4.current, [], Viewer("vic", "Council", "viewer"))
    Traceback (most recent call last):
    workbench.errors.AccessDenied: A list of crimes is record-level data; role 'viewer' sees aggregates only (workbench.privacy.access grants depersonalised records to analysts, DLOs and administrators).
    """
    source = source.for_viewer(viewer)
    require_records(viewer, "A list of crimes")
    where, params = _offence_filter(offences)
    pwhere, pparams = _in(period)
    return source.frame(
        f"""
        select crime_ref, offence_code, offence_type, committed_from_date,
               strftime(committed_from_date + committed_from_time, '%H:%M') as committed_from_time,
               postcode, easting, northing
        from {CRIME} where {where} and {pwhere}
        order by committed_from_date desc, committed_from_time desc nulls last limit ?
        """,
        params + pparams + [limit],
    )
