"""When synthetic events happen: the build period, seasonal and weekly profiles, times of day.

All sampling is vectorised with the world's seeded generator. Days are ``numpy.datetime64[D]``;
a time of day is minutes after midnight (0–1439).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.demo import effects as fx
from workbench.period import Period

#: relative weight of each hour (0–23) for everyday crime and for daytime activity
HOURS_EVERYDAY = np.array([3, 2, 2, 1, 1, 1, 2, 3, 5, 6, 6, 6, 7, 7, 7, 8, 9, 9, 9, 8, 7, 6, 5, 4], float)
HOURS_DAYTIME = np.array([0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 9, 9, 9, 9, 9, 9, 8, 6, 3, 1, 0, 0, 0, 0], float)
HOURS_EVENING = np.array([4, 3, 2, 1, 1, 0, 0, 1, 1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 10, 9, 7, 5], float)
HOURS_RUSH = np.array([1, 1, 0, 0, 0, 1, 2, 6, 9, 6, 4, 4, 5, 5, 5, 6, 8, 10, 8, 5, 3, 2, 2, 1], float)
#: NTE night hours counted from 20:00 (20, 21, …, 29 = 05:00 next day)
NIGHT_HOURS = np.arange(20, 30)
NIGHT_WEIGHTS = np.array([2, 4, 6, 9, 11, 12, 10, 6, 3, 1], float)


@dataclass(frozen=True)
class BuildPeriod:
    """The demo's build period as the generator samples it: a :class:`workbench.period.Period`
    held as ``numpy.datetime64[D]`` days, so the draws stay vectorised.

    Not a second period concept: :meth:`of` checks the dates through ``Period.of`` and
    :attr:`period` gives the shared object back.

    Examples
    --------
    >>> p = BuildPeriod.of("2024-01-01", "2024-03-31")
    >>> p.n_days, p.period.days, str(p.period)
    (91, 91, '2024-01-01:2024-03-31')
    """

    start: np.datetime64
    end: np.datetime64

    @classmethod
    def of(cls, start, end) -> "BuildPeriod":
        """The build period ``start``–``end`` (dates or ``YYYY-MM-DD``; refused if reversed)."""
        p = Period.of(start, end, name="demo period")
        return cls(np.datetime64(p.start, "D"), np.datetime64(p.end, "D"))

    @property
    def period(self) -> Period:
        """The same days as a :class:`workbench.period.Period`."""
        return Period(self.start.astype(object), self.end.astype(object))

    @property
    def days(self) -> np.ndarray:
        return np.arange(self.start, self.end + 1, dtype="datetime64[D]")

    @property
    def n_days(self) -> int:
        return int((self.end - self.start).astype(int)) + 1

    @property
    def months(self) -> float:
        return self.n_days / 30.4375

    def current_start(self) -> np.datetime64:
        """First day of the last ``fx.CURRENT_MONTHS`` calendar months of the period."""
        m = (self.end + 1).astype("datetime64[M]") - fx.CURRENT_MONTHS
        return max(m.astype("datetime64[D]"), self.start)

    def windows(self) -> dict:
        """The planted 'current' window and its 'baseline' one year earlier (ISO dates)."""
        cs = self.current_start()
        bs = (cs.astype("datetime64[M]") - 12).astype("datetime64[D]")
        be = (self.end.astype("datetime64[M]") - 12 + 1).astype("datetime64[D]") - 1
        return {"current": (str(cs), str(self.end)), "baseline": (str(bs), str(be))}


def month_of(days: np.ndarray) -> np.ndarray:
    """The calendar month (1–12) of each day.

    Examples
    --------
    >>> month_of(np.array(["2024-01-31", "2024-12-01"], dtype="datetime64[D]")).tolist()
    [1, 12]
    """
    return days.astype("datetime64[M]").astype(int) % 12 + 1


def weekday_of(days: np.ndarray) -> np.ndarray:
    """The weekday of each day: 0 = Monday … 6 = Sunday.

    Examples
    --------
    >>> weekday_of(np.array(["2024-01-01", "2024-01-07"], dtype="datetime64[D]")).tolist()
    [0, 6]
    """
    return (days.astype("datetime64[D]").astype(int) + 3) % 7


def asb_season(days: np.ndarray) -> np.ndarray:
    """ASB daily multiplier: summer peak plus Halloween–Bonfire Night (``effects``).

    Examples
    --------
    >>> w = asb_season(np.array(["2024-02-01", "2024-07-01", "2024-11-05"], dtype="datetime64[D]"))
    >>> bool(w[1] > w[0]), bool(w[2] > w[1])
    (True, True)
    """
    m = month_of(days)
    w = 1 + fx.ASB_AMPLITUDE * np.cos(2 * np.pi * (m - fx.ASB_PEAK_MONTH) / 12)
    md = pd.DatetimeIndex(days)
    bonfire = ((md.month == 10) & (md.day == 31)) | ((md.month == 11) & (md.day <= 5))
    return w * np.where(bonfire, fx.BONFIRE_MULTIPLIER, 1.0)


def seasonal_asb(rng, period: BuildPeriod, monthly_rate: float, scale: float) -> tuple[int, np.ndarray]:
    """How many ASB reports at ``monthly_rate`` (× scale) and their days, with the ASB season.

    Police incidents and council ASB reports share the season (:func:`asb_season`); the
    random draws are the count, then the days, in that order.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n, days = seasonal_asb(rng, BuildPeriod.of("2024-01-01", "2024-12-31"), 50.0, 1.0)
    >>> len(days) == n and 400 < n < 800
    True
    """
    season = asb_season(period.days)
    n = count_for(rng, period, monthly_rate, scale, season.mean())
    return n, sample_days(rng, period, n, season)


def sample_days(rng, period: BuildPeriod, n: int, weight=None) -> np.ndarray:
    """``n`` days of the period, with optional daily weights (array over ``period.days``).

    Examples
    --------
    >>> p = BuildPeriod.of("2024-01-01", "2024-01-31")
    >>> days = sample_days(np.random.default_rng(1), p, 5)
    >>> len(days), bool(days.min() >= p.start and days.max() <= p.end)
    (5, True)
    """
    days = period.days
    if n <= 0:
        return days[:0]
    if weight is None:
        return days[rng.integers(0, len(days), size=n)]
    w = np.asarray(weight, float)
    return days[rng.choice(len(days), size=n, p=w / w.sum())]


def count_for(rng, period: BuildPeriod, monthly_rate: float, scale: float, weight_mean: float = 1.0) -> int:
    """A Poisson count for ``monthly_rate`` × months × scale.

    Examples
    --------
    >>> count_for(np.random.default_rng(1), BuildPeriod.of("2024-01-01", "2024-12-31"), 100.0, 0.0)
    0
    """
    return int(rng.poisson(max(monthly_rate * period.months * scale * weight_mean, 0.0)))


def sample_minutes(rng, n: int, hours=HOURS_EVERYDAY) -> np.ndarray:
    """``n`` times of day (minutes after midnight) drawn with the hourly weights ``hours``.

    Examples
    --------
    >>> m = sample_minutes(np.random.default_rng(1), 100, HOURS_DAYTIME)
    >>> bool(m.min() >= 6 * 60 and m.max() < 20 * 60)
    True
    """
    h = rng.choice(24, size=n, p=hours / hours.sum())
    return h * 60 + rng.integers(0, 60, size=n)


def fmt_day(days: np.ndarray) -> np.ndarray:
    """Days as ``YYYY-MM-DD`` text.

    Examples
    --------
    >>> fmt_day(np.array(["2024-03-05"], dtype="datetime64[D]")).tolist()
    ['2024-03-05']
    """
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)


def fmt_minutes(minutes: np.ndarray) -> np.ndarray:
    """Minutes after midnight as ``HH:MM`` text (wrapping past midnight).

    Examples
    --------
    >>> fmt_minutes(np.array([5, 1439, 1445])).tolist()
    ['00:05', '23:59', '00:05']
    >>> fmt_minutes(np.array([], dtype=int)).tolist()  # a short or small build can draw no events
    []
    """
    m = np.asarray(minutes, int) % 1440
    if m.size == 0:
        # numpy's char.zfill takes the maximum width of its input, which an empty array has not
        return np.empty(0, dtype=object)
    return np.char.add(np.char.add(np.char.zfill((m // 60).astype(str), 2), ":"),
                       np.char.zfill((m % 60).astype(str), 2)).astype(object)


def nights(rng, period: BuildPeriod, n: int, weekend_share: float) -> tuple[np.ndarray, np.ndarray]:
    """NTE event times: ``(day, minutes)`` with ``weekend_share`` on Fri/Sat nights.

    A night runs 20:00–05:59; events after midnight fall on the next calendar day. The
    other events are on Sunday–Thursday nights (80 %) or in the daytime (20 %).

    Examples
    --------
    >>> p = BuildPeriod.of("2024-01-01", "2024-03-31")
    >>> day, minute = nights(np.random.default_rng(1), p, 2000, 0.6)
    >>> bool(0.5 < is_weekend_night(day, minute).mean() < 0.75), bool(day.max() <= p.end)
    (True, True)
    """
    days = period.days
    wd = weekday_of(days)
    december = np.where(month_of(days) == 12, 1.3, 1.0)
    weekend = rng.random(n) < weekend_share
    out_day = np.empty(n, dtype="datetime64[D]")
    out_min = np.empty(n, dtype=int)
    k = int(weekend.sum())
    wk_days = np.flatnonzero((wd == 4) | (wd == 5))
    other = np.flatnonzero(~((wd == 4) | (wd == 5)))
    if k:
        pick = rng.choice(wk_days, size=k, p=december[wk_days] / december[wk_days].sum())
        h = rng.choice(NIGHT_HOURS, size=k, p=NIGHT_WEIGHTS / NIGHT_WEIGHTS.sum())
        out_day[weekend] = days[pick] + (h // 24)
        out_min[weekend] = (h % 24) * 60 + rng.integers(0, 60, size=k)
    m = n - k
    if m:
        pick = rng.choice(other, size=m, p=december[other] / december[other].sum())
        night = rng.random(m) < 0.8
        h = np.where(night, rng.choice(NIGHT_HOURS, size=m, p=NIGHT_WEIGHTS / NIGHT_WEIGHTS.sum()),
                     rng.choice(24, size=m, p=HOURS_DAYTIME / HOURS_DAYTIME.sum()))
        d = days[pick] + (h // 24)
        out_day[~weekend] = d
        out_min[~weekend] = (h % 24) * 60 + rng.integers(0, 60, size=m)
    keep = out_day <= period.end
    out_day[~keep] = period.end
    return out_day, out_min


def is_weekend_night(days: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """True for Friday/Saturday nights: Fri or Sat 20:00–23:59, or Sat or Sun 00:00–05:59.

    Examples
    --------
    >>> days = np.array(["2024-01-05", "2024-01-06", "2024-01-08"], dtype="datetime64[D]")
    >>> is_weekend_night(days, np.array([21 * 60, 2 * 60, 21 * 60])).tolist()
    [True, True, False]
    """
    wd = weekday_of(days)
    m = np.asarray(minutes)
    return (((wd == 4) | (wd == 5)) & (m >= 20 * 60)) | (((wd == 5) | (wd == 6)) & (m < 6 * 60))
