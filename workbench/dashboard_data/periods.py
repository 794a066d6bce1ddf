"""Assessment periods: the tactical "last N weeks vs baseline" and the strategic years.

Pure date arithmetic, no data access; a period is :class:`workbench.period.Period`. The tactical assessment looks at the most recent
weeks against what would be expected from the year before (NIM tactical assessment,
Delivering Safer Communities appendix H: "a short-term view ... of emerging issues");
the strategic assessment compares rolling years (appendix K: the yearly business cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workbench.errors import BadInput
from workbench.period import Period

__all__ = ["Period", "Comparison", "tactical", "rolling_years", "month_start", "tactical_weeks_from",
           "DEFAULT_TACTICAL_WEEKS", "BASELINE_WEEKS", "TACTICAL_WEEKS"]

#: the tactical periods the dashboards offer, in weeks; a partnership whose tasking cycle differs
#: sets ``WORKBENCH_TACTICAL_WEEKS`` (e.g. ``"2,4,6,13"``; each 1-26) for the dashboard server
DEFAULT_TACTICAL_WEEKS = (4, 8, 12)
BASELINE_WEEKS = 52


def tactical_weeks_from(text: str | None) -> tuple[int, ...]:
    """The configured tactical periods: ``"2, 4,13"`` → ``(2, 4, 13)``; empty → the default.

    >>> tactical_weeks_from("13, 2,4"), tactical_weeks_from(None)
    ((2, 4, 13), (4, 8, 12))
    """
    if not text or not str(text).strip():
        return DEFAULT_TACTICAL_WEEKS
    try:
        weeks = sorted({int(w) for w in str(text).split(",") if w.strip()})
    except ValueError:
        raise BadInput(f"WORKBENCH_TACTICAL_WEEKS must list whole numbers of weeks such as '2,4,13'; "
                       f"found {text!r}.") from None
    if not weeks or weeks[0] < 1 or weeks[-1] > 26:
        raise BadInput(f"WORKBENCH_TACTICAL_WEEKS: each period must be 1-26 weeks; found {text!r}.")
    return tuple(weeks)


TACTICAL_WEEKS = tactical_weeks_from(__import__("os").environ.get("WORKBENCH_TACTICAL_WEEKS"))


@dataclass(frozen=True)
class Comparison:
    """A current period and the baseline it is compared with.

    Examples
    --------
    >>> c = Comparison(Period(date(2026, 10, 4), date(2026, 10, 31)),
    ...                Period(date(2025, 10, 5), date(2026, 10, 3)))
    >>> c.scale == 28 / 364, c.to_dict()["current"]["days"]
    (True, 28)
    """

    current: Period
    baseline: Period

    @property
    def scale(self) -> float:
        """Multiply a baseline count by this to get the count expected in the current period."""
        return self.current.days / self.baseline.days

    def to_dict(self) -> dict:
        return {"current": self.current.to_dict(), "baseline": self.baseline.to_dict(),
                "scale": self.scale}


def tactical(as_of: date, weeks: int, baseline_weeks: int = BASELINE_WEEKS) -> Comparison:
    """The last ``weeks`` weeks up to ``as_of`` and the ``baseline_weeks`` weeks before them.

    Examples
    --------
    >>> c = tactical(date(2026, 10, 31), 4)
    >>> c.current.start, c.baseline.end
    (datetime.date(2026, 10, 4), datetime.date(2026, 10, 3))
    """
    if weeks not in TACTICAL_WEEKS:
        raise BadInput(f"`weeks` must be one of {TACTICAL_WEEKS}; received {weeks!r}.")
    if baseline_weeks < weeks:
        raise BadInput(f"`baseline_weeks` ({baseline_weeks}) must be at least `weeks` ({weeks}).")
    current = Period(as_of - timedelta(days=7 * weeks - 1), as_of)
    base_end = current.start - timedelta(days=1)
    baseline = Period(base_end - timedelta(days=7 * baseline_weeks - 1), base_end)
    return Comparison(current, baseline)


def rolling_years(as_of: date) -> Comparison:
    """The 12 months (364 days, whole weeks) up to ``as_of`` and the 364 days before them.

    Examples
    --------
    >>> c = rolling_years(date(2026, 10, 31))
    >>> str(c.current), str(c.baseline)
    ('2025-11-02:2026-10-31', '2024-11-03:2025-11-01')
    """
    current = Period(as_of - timedelta(days=363), as_of)
    base_end = current.start - timedelta(days=1)
    return Comparison(current, Period(base_end - timedelta(days=363), base_end))


def month_start(d: date, months_back: int = 0) -> date:
    """The first day of the month ``months_back`` months before ``d``'s month.

    Examples
    --------
    >>> month_start(date(2026, 3, 15)), month_start(date(2026, 3, 15), 5)
    (datetime.date(2026, 3, 1), datetime.date(2025, 10, 1))
    """
    y, m = d.year, d.month - months_back
    while m <= 0:
        m += 12
        y -= 1
    return date(y, m, 1)
