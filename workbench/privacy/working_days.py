"""Statutory deadlines counted in working days: the FOI Act 2000 s10 "twenty working days".

FOI Act s10(6): a working day is any day other than a Saturday, a Sunday, Christmas Day, Good
Friday or a bank holiday under the Banking and Financial Dealings Act 1971 in the part of the
United Kingdom concerned. Day one is the first working day after the request is received
(ICO guidance "Time limits for compliance"). Bank holidays here are those of England and Wales
(the partnerships this workbench serves) computed from their rules, with substitute days when
one falls at a weekend. One-off holidays proclaimed for a single year (e.g. a coronation or a
state funeral) cannot be computed: name them in ``extra_holidays``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

#: the FOI Act s10(1) limit
FOI_WORKING_DAYS = 20


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm).

    >>> easter_sunday(2024), easter_sunday(2025), easter_sunday(2026)
    (datetime.date(2024, 3, 31), datetime.date(2025, 4, 20), datetime.date(2026, 4, 5))
    """
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    d = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return d - timedelta(days=d.weekday())


def bank_holidays(year: int) -> set[date]:
    """England and Wales bank holidays of ``year`` by rule, with weekend substitutes.

    >>> sorted(d.isoformat() for d in bank_holidays(2027))[-3:]
    ['2027-08-30', '2027-12-27', '2027-12-28']
    """
    out = {easter_sunday(year) - timedelta(days=2), easter_sunday(year) + timedelta(days=1),
           _first_monday(year, 5), _last_monday(year, 5), _last_monday(year, 8)}
    new_year = date(year, 1, 1)
    out.add(new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:          # Sat: Mon 27 and Tue 28
        out |= {date(year, 12, 27), date(year, 12, 28)}
    elif christmas.weekday() == 6:        # Sun: Boxing Day Mon, Christmas substitute Tue 27
        out |= {boxing, date(year, 12, 27)}
    elif christmas.weekday() == 4:        # Fri: Boxing Day (Sat) moves to Mon 28
        out |= {christmas, date(year, 12, 28)}
    else:
        out |= {christmas, boxing}
    return out


def is_working_day(day: date, extra_holidays=()) -> bool:
    """Not a weekend, Christmas Day, Good Friday or an England and Wales bank holiday.

    >>> is_working_day(date(2025, 4, 18)), is_working_day(date(2025, 4, 22))
    (False, True)
    """
    return (day.weekday() < 5 and day not in bank_holidays(day.year) and day != date(day.year, 12, 25)
            and day not in set(extra_holidays))


def add_working_days(start: date, days: int, extra_holidays=()) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted).

    >>> add_working_days(date(2024, 12, 2), 20)      # Christmas, Boxing Day and New Year skipped
    datetime.date(2025, 1, 2)
    """
    if days < 0:
        raise ValueError(f"days must be zero or more; found {days}")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, extra_holidays):
            counted += 1
    return day


def foi_due(received, extra_holidays=()) -> date:
    """The date an FOI answer is due: the 20th working day after receipt (FOI Act s10(1), guidance 2.4.2.4).

    ``received`` is a date, a datetime or ISO text (as the registry stores it).

    >>> foi_due("2026-12-07T10:15:00+00:00")
    datetime.date(2027, 1, 7)
    """
    if isinstance(received, str):
        received = datetime.fromisoformat(received)
    if isinstance(received, datetime):
        received = received.date()
    return add_working_days(received, FOI_WORKING_DAYS, extra_holidays)


def working_days_left(due: date, today: date, extra_holidays=()) -> int:
    """Working days from ``today`` to ``due`` (negative once overdue; 0 on the due day).

    >>> working_days_left(date(2025, 1, 2), date(2024, 12, 24))
    4
    >>> working_days_left(date(2025, 1, 2), date(2025, 1, 6))
    -2
    """
    if today == due:
        return 0
    step, sign = (timedelta(days=1), 1) if today < due else (timedelta(days=-1), -1)
    day, n = today, 0
    while day != due:
        day += step
        if is_working_day(day, extra_holidays):
            n += 1
    return sign * n
