"""Aoristic hour-of-week weights from committed from/to times (Ratcliffe 2002).

When an offence is known only to have happened between ``committed_from`` and ``committed_to``
(guidance 3.2.1: committed from/to date and time), each of the 168 hours of the week the
window overlaps receives a share of the offence proportional to the minutes of overlap.
Rules (pinned by the tests):

* hours are numbered 0–167 from Monday 00:00 (ISO week); hour ``h`` covers
  ``[h:00, h+1:00)``;
* a window of zero length (or with no ``to``) puts weight 1 on the hour it falls in;
* a window of 7 days or more spreads 1/168 on every hour (it says nothing about timing);
* a window that ends before it starts is treated as a point at ``from`` and counted in
  :attr:`AoristicWeights.n_reversed` so the data-quality problem is visible.

Reference: Ratcliffe, J. H. (2002) Aoristic signatures and the spatio-temporal analysis of
high volume crime patterns, *J. Quantitative Criminology* 18(1), 23–43.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.analysis import _validate as check
from workbench.analysis.results import Result

HOURS_PER_WEEK = 168
MINUTES_PER_WEEK = HOURS_PER_WEEK * 60
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: 1970-01-05 was a Monday: minutes since then give the hour of the week directly
_MONDAY_EPOCH_MIN = 4 * 24 * 60


def _minutes(values) -> np.ndarray:
    ts = pd.to_datetime(pd.Series(values), errors="coerce")
    out = ts.to_numpy(dtype="datetime64[m]").astype("int64").astype(float)
    out[ts.isna().to_numpy()] = np.nan
    return out - _MONDAY_EPOCH_MIN


@dataclasses.dataclass
class AoristicWeights(Result):
    """Per-record hour-of-week weights and their sum.

    Attributes
    ----------
    weights : ndarray, shape (n, 168)
        Row ``i`` sums to 1 for every record with a valid ``from`` (0 otherwise).
    profile : ndarray, shape (168,)
        Column sums: the aoristic count of offences in each hour of the week.
    n_reversed : int
        Records whose ``to`` was before ``from`` (treated as points at ``from``).
    n_missing : int
        Records without a usable ``from`` (weight 0).

    Examples
    --------
    >>> w = aoristic_weights(["2024-01-01 01:30", "2024-01-02 09:00", None],
    ...                      ["2024-01-01 01:00", None, None])   # a reversed window, a point, a gap
    >>> w.n_reversed, w.n_missing, float(w.profile.sum())
    (1, 1, 2.0)
    >>> float(w.day_hour().loc["Tue", 9])
    1.0
    """

    weights: np.ndarray
    profile: np.ndarray
    n_reversed: int
    n_missing: int

    def day_hour(self) -> pd.DataFrame:
        """The profile as a 7 × 24 table: rows Mon…Sun, columns hours 0…23."""
        return pd.DataFrame(self.profile.reshape(7, 24), index=list(DAY_NAMES),
                            columns=list(range(24)))

    def to_dict(self) -> dict:
        return {"profile": self.profile.tolist(), "total": float(self.profile.sum()),
                "n_reversed": self.n_reversed, "n_missing": self.n_missing}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"hour_of_week": np.arange(HOURS_PER_WEEK),
                             "day": np.repeat(DAY_NAMES, 24), "hour": np.tile(np.arange(24), 7),
                             "weight": self.profile})


def aoristic_weights(start, end=None, *, chunk: int = 20_000, keep_weights: bool = True) -> AoristicWeights:
    """Spread each record over the hours of the week its from/to window covers.

    Parameters
    ----------
    start : array-like of datetime or str
        Committed-from timestamps (e.g. ``"2024-03-01 01:00"``).
    end : array-like of datetime or str, optional
        Committed-to timestamps; missing values mean "same as start".
    chunk : int
        Records processed at once (memory is ``chunk × 169`` floats).
    keep_weights : bool
        Keep the ``(n, 168)`` per-record matrix (False keeps only the profile: for millions
        of records, where the matrix would need ``n × 1.3 kB``).

    Returns
    -------
    AoristicWeights

    Examples
    --------
    >>> w = aoristic_weights(["2024-01-01 01:00"], ["2024-01-01 02:30"])  # a Monday
    >>> [round(float(v), 3) for v in w.weights[0, 1:3]]
    [0.667, 0.333]

    References
    ----------
    Ratcliffe (2002), see module docstring; guidance 3.2.1 (committed from/to fields).
    """
    s = _minutes(start)
    e = s.copy() if end is None else _minutes(end)
    if end is not None:
        check.same_length(s, e, "start", "end")
    e = np.where(np.isnan(e), s, e)
    reversed_ = e < s
    e = np.where(reversed_, s, e)
    missing = np.isnan(s)
    n = s.size
    weights = np.zeros((n if keep_weights else 0, HOURS_PER_WEEK))
    profile = np.zeros(HOURS_PER_WEEK)
    offsets = np.arange(HOURS_PER_WEEK + 1)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        ss, ee, miss = s[lo:hi], e[lo:hi], missing[lo:hi]
        ss0 = np.where(miss, 0, ss)
        ee0 = np.where(miss, 0, ee)
        dur = ee0 - ss0
        first_hour = np.floor(ss0 / 60.0)
        hour_start = (first_hour[:, None] + offsets[None, :]) * 60.0
        overlap = np.clip(np.minimum(ee0[:, None], hour_start + 60) - np.maximum(ss0[:, None], hour_start), 0, None)
        # offsets 0…167 land on distinct hours of the week; offset 168 wraps onto offset 0's
        # hour (only non-zero for windows longer than 167 hours), so plain assignment suffices
        how = ((first_hour[:, None] + offsets[None, :HOURS_PER_WEEK]) % HOURS_PER_WEEK).astype(np.int64)
        block = np.zeros((hi - lo, HOURS_PER_WEEK))
        rows = np.arange(hi - lo)[:, None]
        block[rows, how] = overlap[:, :HOURS_PER_WEEK]
        block[rows[:, 0], how[:, 0]] += overlap[:, HOURS_PER_WEEK]
        with np.errstate(invalid="ignore", divide="ignore"):
            block = block / dur[:, None]
        point = dur == 0
        block[point] = 0.0
        block[point, (first_hour[point] % HOURS_PER_WEEK).astype(int)] = 1.0
        block[dur >= MINUTES_PER_WEEK] = 1.0 / HOURS_PER_WEEK
        block[miss] = 0.0
        profile += block.sum(axis=0)
        if keep_weights:
            weights[lo:hi] = block
    return AoristicWeights(weights=weights, profile=profile,
                           n_reversed=int(reversed_.sum()), n_missing=int(missing.sum()))


def combine_date_time(dates, times, default_time: str = "00:00") -> pd.Series:
    """Join ``YYYY-MM-DD`` dates and ``HH:MM`` times (DATASETS.md conventions) into timestamps.

    A missing time becomes ``default_time``; a missing date gives NaT.

    Examples
    --------
    >>> combine_date_time(["2024-03-01", "2024-03-02", None], ["21:15", None, "10:00"]).tolist()
    [Timestamp('2024-03-01 21:15:00'), Timestamp('2024-03-02 00:00:00'), NaT]
    """
    d = pd.Series(dates).astype("string")
    t = pd.Series(times if times is not None else [None] * len(d)).astype("string").fillna(default_time)
    t = t.where(t.str.len() > 0, default_time)
    return pd.to_datetime(d.str.slice(0, 10) + " " + t.str.slice(0, 5), errors="coerce")
