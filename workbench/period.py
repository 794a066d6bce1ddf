"""A period: a closed range of days, both ends inclusive — the one date-range concept.

The dashboards' figures (``dashboard_data/periods.py``: the tactical weeks and strategic years), the
hypotheses (``--current FROM:TO``, CONTRACTS.md) and the demo's build period all mean the same
thing by a period, so they share this class (guidance 4.2: a change is judged over a stated
period against a stated baseline). It sits at the bottom of the stack with ``errors``: pure
date arithmetic, no data access.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from workbench.errors import BadInput


def as_date(value, name: str) -> dt.date:
    """``value`` as a date: a ``date``, a ``datetime`` (its day), or text ``YYYY-MM-DD``.

    The one date check of the workbench's arguments (periods, product commissions).

    Examples
    --------
    >>> as_date(" 2025-03-31 ", "end"), as_date(dt.datetime(2025, 3, 31, 14, 5), "end")
    (datetime.date(2025, 3, 31), datetime.date(2025, 3, 31))
    >>> as_date("31/03/2025", "end")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `end` must be a date YYYY-MM-DD (e.g. 2025-03-31); found '31/03/2025'.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(f"`{name}` must be a date YYYY-MM-DD (e.g. 2025-03-31); found {value!r}.") from None


@dataclasses.dataclass(frozen=True)
class Period:
    """An inclusive date range ``[start, end]``.

    Examples
    --------
    >>> p = Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    >>> p.days, str(p)
    (90, '2025-01-01:2025-03-31')
    >>> p.label
    '01 Jan 2025 – 31 Mar 2025'
    """

    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, start, end, name: str = "period") -> "Period":
        """A checked period from two dates (``date``, ``datetime`` or text ``YYYY-MM-DD``).

        Examples
        --------
        >>> Period.of("2024-01-01", dt.date(2024, 12, 31)).days
        366
        >>> Period.of("2024-02-01", "2024-01-01")
        Traceback (most recent call last):
        ...
        workbench.errors.BadInput: `period` ends (2024-01-01) before it starts (2024-02-01); swap the dates?
        """
        s, e = as_date(start, f"{name} (from)"), as_date(end, f"{name} (to)")
        if e < s:
            raise BadInput(f"`{name}` ends ({e}) before it starts ({s}); swap the dates?")
        return cls(s, e)

    @classmethod
    def parse(cls, text, name: str = "period") -> "Period":
        """``'YYYY-MM-DD:YYYY-MM-DD'`` → Period (CONTRACTS.md, ``--current FROM:TO``).

        Examples
        --------
        >>> Period.parse("2025-01-01:2025-03-31").days
        90
        >>> Period.parse("2025-01-01", name="current")
        Traceback (most recent call last):
        ...
        workbench.errors.BadInput: `current` must be FROM:TO with dates YYYY-MM-DD (e.g. 2025-01-01:2025-03-31); received '2025-01-01'.
        """
        if isinstance(text, Period):
            return text
        parts = str(text).split(":")
        if len(parts) != 2:
            raise BadInput(f"`{name}` must be FROM:TO with dates YYYY-MM-DD (e.g. 2025-01-01:2025-03-31); "
                           f"received {text!r}.")
        try:
            s, e = (dt.date.fromisoformat(p.strip()) for p in parts)
        except ValueError as exc:
            raise BadInput(f"`{name}` dates must be YYYY-MM-DD; received {text!r} ({exc}).") from exc
        return cls.of(s, e, name)

    @property
    def days(self) -> int:
        """How many days the period covers (both ends counted)."""
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """The period as a reader sees it: ``'04 Oct 2026 – 31 Oct 2026'``."""
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"

    def to_dict(self) -> dict:
        """ISO dates and the number of days.

        Examples
        --------
        >>> Period.parse("2026-10-04:2026-10-31").to_dict()
        {'start': '2026-10-04', 'end': '2026-10-31', 'days': 28}
        """
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days}

    def __str__(self) -> str:
        return f"{self.start}:{self.end}"
