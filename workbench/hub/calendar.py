"""The supply calendar: which statutory supplies are due, which are late, and since when.

Partners supply the statutory datasets on a fixed cadence (regulations appendix J: the twelve
information-sharing datasets quarterly; the core datasets of guidance 3.1 monthly, Table 1).
For every dataset the catalogue marks ``statutory`` (and every other dataset that has been
supplied), the calendar finds each supplying agency's latest period and says when the next
period is due:

- **monthly**: month *M* is due by the end of month *M + 1*;
- **quarterly**: a quarter is due by the end of the month after it ends;
- **yearly**: a year is due by the end of the first quarter after it.

A dataset no agency has ever supplied is listed as *never supplied*. ``status`` is ``ok``,
``due`` (the next period has ended but is not yet late) or ``late`` (past its due date:
``late_since`` and ``periods_behind`` say by how much). The products that read a late dataset
are named by :func:`workbench.products.needs.products_needing` (``workbench hub calendar``).

Examples
--------
>>> import datetime as dt
>>> due_after(dt.date(2024, 3, 31), "monthly")
(datetime.date(2024, 4, 30), datetime.date(2024, 5, 31))
>>> due_after(dt.date(2024, 3, 31), "quarterly")
(datetime.date(2024, 6, 30), datetime.date(2024, 7, 31))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from workbench import catalogue

MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
#: months after a period ends before its supply is late
GRACE = {"monthly": 1, "quarterly": 1, "yearly": 3}


def _month_end(year: int, month: int) -> dt.date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def add_months(end: dt.date, months: int) -> dt.date:
    """The last day of the month ``months`` after the month of ``end``.

    Examples
    --------
    >>> add_months(dt.date(2024, 1, 31), 1), add_months(dt.date(2024, 11, 30), 3)
    (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28))
    """
    return _month_end(end.year, end.month + months)


def due_after(last_end: dt.date, cadence: str) -> tuple[dt.date, dt.date]:
    """``(next period end, its due date)`` after a supply whose period ended ``last_end``.

    Examples
    --------
    >>> due_after(dt.date(2024, 12, 31), "yearly")               # 2025 is due by the end of March 2026
    (datetime.date(2025, 12, 31), datetime.date(2026, 3, 31))
    """
    nxt = add_months(last_end, MONTHS[cadence])
    return nxt, add_months(nxt, GRACE[cadence])


@dataclass
class CalendarRow:
    """One dataset (and supplying agency) in the supply calendar: its latest period, the next one and when it is due, and ``status`` (``ok``, ``due``, ``late`` or ``never supplied``).

    Examples
    --------
    >>> row = CalendarRow("police_crime_offence", "Recorded crime: offences", "monthly", True, "Notts Police",
    ...                   "Nottingham", dt.date(2025, 10, 31), dt.date(2025, 11, 30), dt.date(2025, 12, 31),
    ...                   "late", dt.date(2025, 12, 31), 1)
    >>> row.to_dict()["due_by"], row.to_dict()["late_since"]
    ('2025-12-31', '2025-12-31')
    """

    dataset: str
    title: str
    cadence: str
    statutory: bool
    agency: str | None
    partnership: str | None
    last_period_end: dt.date | None
    next_period_end: dt.date | None
    due_by: dt.date | None
    status: str                      # ok | due | late | never supplied
    late_since: dt.date | None = None
    periods_behind: int = 0

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("last_period_end", "next_period_end", "due_by", "late_since"):
            d[k] = d[k].isoformat() if d[k] else None
        return d


def supply_calendar(con, as_of: dt.date | None = None) -> list[CalendarRow]:
    """The calendar of the hub on ``con`` on ``as_of`` (default today), late rows first.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE supplies AS SELECT 'police_crime_offence' AS dataset, 'Notts Police' AS agency, "
    ...                 "'Nottingham' AS partnership, DATE '2025-10-31' AS period_end")
    >>> rows = supply_calendar(con, dt.date(2026, 1, 15))
    >>> r = rows[0]                                               # late rows come first
    >>> r.dataset, r.status, r.due_by, r.periods_behind          # November was due by 31 December
    ('police_crime_offence', 'late', datetime.date(2025, 12, 31), 1)
    >>> sorted({x.status for x in rows[1:]})                      # the other statutory datasets
    ['never supplied']
    """
    as_of = as_of or dt.date.today()
    latest = con.execute(
        "SELECT dataset, agency, partnership, max(period_end) FROM supplies "
        "WHERE period_end IS NOT NULL GROUP BY ALL").fetchall()
    seen: dict[str, list] = {}
    for ds_id, agency, partnership, end in latest:
        seen.setdefault(ds_id, []).append((agency, partnership, end))
    rows: list[CalendarRow] = []
    for ds in catalogue.DATASETS:
        cadence = ds.cadence if ds.cadence in MONTHS else None
        statutory = "statutory" in ds.tiers
        if cadence is None or (not statutory and ds.id not in seen):
            continue
        if ds.id not in seen:
            rows.append(CalendarRow(ds.id, ds.title, cadence, statutory, None, None, None, None, None,
                                    "never supplied"))
            continue
        for agency, partnership, end in seen[ds.id]:
            nxt, due = due_after(end, cadence)
            status, since, behind = "ok", None, 0
            if as_of > due:
                status, since = "late", due
                while as_of > due:
                    behind += 1
                    nxt, due = due_after(nxt, cadence)
                nxt, due = due_after(end, cadence)
            elif as_of > nxt:
                status = "due"
            rows.append(CalendarRow(ds.id, ds.title, cadence, statutory, agency, partnership, end, nxt, due,
                                    status, since, behind))
    order = {"late": 0, "never supplied": 1, "due": 2, "ok": 3}
    return sorted(rows, key=lambda r: (order[r.status], -(r.periods_behind), r.dataset, r.agency or ""))
