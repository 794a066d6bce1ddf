"""Weekly count cubes of recorded crime, built once per published shared tier, in memory.

The tactical assessment compares the last 4, 8 or 12 weeks with the 52 before, all ending
on the latest date in the data (:func:`workbench.dashboard_data.periods.tactical`). Counting by
"whole weeks back from that date" therefore answers every tactical question exactly, from
tables far smaller than the records: one scan of ``police_crime_offence`` builds

- ``cube_type``    (week, offence_type, n)
- ``cube_dayhour`` (week, offence_type, day, hour, n)
- ``cube_lsoa``    (week, offence_type, lsoa_code, n)   via ``ref_postcode``
- ``cube_cell``    (week, offence_type, easting, northing, n)   150 m cells, BNG

in DuckDB's in-memory catalog (``memory``), beside the read-only shared tier; nothing is
written to disk. The cubes are built once for the whole tier; when the records carry a
``partnership`` (a hub of several partnerships, guidance 2.2.4) every cube is also broken
down by it, and :meth:`Cube.table` gives each query the cube filtered to its source's
scope (:mod:`workbench.privacy.scope`; a cube without the column shows a scoped source nothing). When the tier is republished the connection, and with it the cubes, is
replaced (:mod:`workbench.dashboard_data.source`). Periods that do not fall on whole weeks back from
the latest date are answered from the records instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, timedelta

from workbench.products.hotspots import CELL_METRES  # one grid with the tactical product
from workbench.dashboard_data.periods import Period

_LOCK = threading.Lock()
_BUILT: dict = {}


@dataclass(frozen=True)
class Cube:
    """The weekly cubes of one shared-tier version, ending on ``as_of``.

    Examples
    --------
    The example tier's assaults are nine days apart up to 30 June 2024; the last four whole
    weeks (weeks 0-3 back) hold four of them.

    >>> from workbench.dashboard_data.partners import _example_source
    >>> from workbench.dashboard_data.periods import tactical
    >>> source = _example_source()
    >>> cube = weekly(source)
    >>> period = tactical(cube.as_of, 4).current
    >>> str(period), cube.weeks(period)
    ('2024-06-03:2024-06-30', (0, 3))
    >>> int(source.scalar(f"select sum(n) from {cube.table('cube_type', None)} where week between 0 and 3"))
    4
    >>> print(cube.table("cube_type", frozenset({"P"})))
    (select * from memory.main.cube_type where "partnership" IN ('P'))
    """

    as_of: date
    lsoa: bool
    partnership: bool = False

    def table(self, name: str, scope) -> str:
        """The ``FROM`` item reading cube ``name`` (e.g. ``cube_type``) for the partnerships
        ``scope`` (:attr:`workbench.dashboard_data.source.Source.partnerships`; ``None`` = every one).

        Filtering by the source's own partnerships rather than its effective scope costs a
        filter on a small table when they cover the tier, and stays right if the tier is
        republished between writing the query and running it."""
        from workbench.privacy.scope import in_scope

        if scope is None:
            return f"memory.main.{name}"
        where = in_scope("partnership", scope) if self.partnership else "false"
        return f"(select * from memory.main.{name} where {where})"

    def weeks(self, period: Period) -> tuple[int, int] | None:
        """``(first, last)`` weeks back covering exactly ``period``, or None if it is not whole weeks."""
        back_end = (self.as_of - period.end).days
        if back_end < 0 or back_end % 7 or period.days % 7:
            return None
        return back_end // 7, back_end // 7 + period.days // 7 - 1


def weekly(source) -> Cube | None:
    """The cubes of ``source``'s tier (built on first use, for every partnership); None when
    there is no recorded crime. Read them through :meth:`Cube.table` with the source's scope.

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> source = _example_source()
    >>> cube = weekly(source)
    >>> cube
    Cube(as_of=datetime.date(2024, 6, 30), lsoa=False, partnership=True)
    >>> weekly(source) is cube                          # built once per version of the tier
    True
    """
    key = (str(source.path), source.version(), source.connection_id())
    with _LOCK:
        if key in _BUILT:
            return _BUILT[key]
        cube = _build(source)
        _BUILT.clear()
        _BUILT[key] = cube
        return cube


def _build(source) -> Cube | None:
    from workbench.dashboard_data.source import Source

    source = Source(source.hub)          # the whole tier: queries filter by scope
    if not source.has("police_crime_offence"):
        return None
    as_of = source.scalar("select max(committed_from_date) from police_crime_offence")
    if as_of is None:
        return None
    lsoa = source.has("ref_postcode") and "lsoa_code" in source.columns("ref_postcode")
    partnership = "partnership" in source.columns("police_crime_offence")
    part = "partnership, " if partnership else ""
    cur = source._raw_cursor()
    try:
        cur.execute(f"""
            create or replace table memory.main.cube_base as
            select (date '{as_of}' - committed_from_date) // 7 as week, {part}offence_type,
                   committed_from_date as d, committed_from_time as t, postcode, easting, northing
            from police_crime_offence where committed_from_date is not null;
            create or replace table memory.main.cube_type as
            select week, {part}offence_type, count(*) as n from memory.main.cube_base group by all order by week;
            create or replace table memory.main.cube_dayhour as
            select week, {part}offence_type, isodow(d) as day, hour(t) as hour, count(*) as n
            from memory.main.cube_base where t is not null group by all order by week;
            create or replace table memory.main.cube_cell as
            select week, {part}offence_type, (floor(easting / {CELL_METRES}) + 0.5) * {CELL_METRES} as easting,
                   (floor(northing / {CELL_METRES}) + 0.5) * {CELL_METRES} as northing, count(*) as n
            from memory.main.cube_base where easting is not null and northing is not null
            group by all order by week;
        """)
        if lsoa:
            cur.execute(f"""
                create or replace table memory.main.cube_lsoa as
                select b.week, {part.replace('partnership', 'b.partnership')}b.offence_type, p.lsoa_code,
                       count(*) as n
                from memory.main.cube_base b join ref_postcode p using (postcode)
                where p.lsoa_code is not null group by all order by b.week;
            """)
        cur.execute("drop table memory.main.cube_base")
    finally:
        cur.close()
    return Cube(as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of)[:10]), bool(lsoa),
                partnership)


def as_period(cube: Cube, first: int, last: int) -> Period:
    """The dates covered by weeks ``first``–``last`` back (inverse of :meth:`Cube.weeks`).

    Examples
    --------
    >>> cube = Cube(date(2024, 6, 30), lsoa=False)
    >>> period = as_period(cube, 0, 3)
    >>> str(period), cube.weeks(period)
    ('2024-06-03:2024-06-30', (0, 3))
    """
    return Period(cube.as_of - timedelta(days=7 * last + 6), cube.as_of - timedelta(days=7 * first))
