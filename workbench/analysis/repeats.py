"""Repeat victimisation and repeat locations: rates and lists (guidance Appendix 2: *who*, *where*).

A *target* is a victim (e.g. a depersonalised victim or household reference) or a location
(a postcode, a premises reference, or a grid cell). Definitions, after Farrell and Pease
(1993, *Once bitten, twice bitten*, Home Office CPU paper 46):

* ``repeat_rate`` — share of events that are repeats: ``(events − targets) / events``;
* ``repeat_target_share`` — share of targets with two or more events;
* ``repeat_event_share`` — share of events that happened to repeat targets;
* with ``window_days``, an event counts as a repeat only if the same target had an event
  within the previous ``window_days`` days (time-bounded repeats). A window under a year is a
  days-scale method: month-only dates (police.uk) are refused (the fitness gate, guidance
  4.2.3; :func:`workbench.analysis.fitness.require_day_precision`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.analysis.results import Result


@dataclasses.dataclass
class RepeatResult(Result):
    """Repeat rates and the list of repeat targets (most events first).

    Examples
    --------
    >>> r = repeat_rates(["a", "a", "a", "b", "c"])   # a is hit three times: two repeat events
    >>> r.n_targets, r.n_repeat_events, r.repeat_event_share, r.to_frame().values.tolist()
    (3, 2, 0.6, [['a', 3]])
    """

    n_events: int
    n_targets: int
    n_repeat_targets: int
    n_repeat_events: int
    repeat_rate: float
    repeat_target_share: float
    repeat_event_share: float
    window_days: float | None
    targets: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.targets


def repeat_rates(targets, dates=None, window_days: float | None = None, top: int = 50) -> RepeatResult:
    """Repeat rates for events keyed by target.

    Parameters
    ----------
    targets : array-like
        One target key per event (missing keys are dropped).
    dates : array-like, optional
        Event dates; needed for ``window_days`` and for first/last dates in the list.
    window_days : float, optional
        Count a repeat only within this many days of the target's previous event.
    top : int
        Length of the returned list of repeat targets.

    Examples
    --------
    >>> r = repeat_rates(["a", "a", "a", "b", "c"])
    >>> r.repeat_rate, r.n_repeat_targets
    (0.4, 1)
    """
    frame = pd.DataFrame({"target": pd.Series(targets, dtype="object")})
    if dates is not None:
        frame["date"] = pd.to_datetime(pd.Series(list(dates)), errors="coerce").to_numpy()
    frame = frame.dropna(subset=["target"])
    frame = frame[frame["target"].astype(str).str.len() > 0]
    if frame.empty:
        from workbench.errors import BadInput
        raise BadInput("`targets` has no non-empty keys. Are victim or location references supplied?")
    n_events = len(frame)
    per = frame.groupby("target").size()
    if window_days is not None:
        if "date" not in frame:
            from workbench.errors import BadInput
            raise BadInput("`window_days` needs `dates`.")
        from workbench.analysis.fitness import require_day_precision

        require_day_precision(frame["date"].dropna(), "repeat_rates", days=float(window_days))
        f = frame.dropna(subset=["date"]).sort_values(["target", "date"])
        gap = f.groupby("target")["date"].diff().dt.total_seconds() / 86400.0
        is_repeat = gap.notna() & (gap <= float(window_days))
        n_repeat_events = int(is_repeat.sum())
        rep_counts = is_repeat.groupby(f["target"]).sum()
        repeat_targets = rep_counts[rep_counts > 0].index
    else:
        n_repeat_events = int(n_events - per.size)
        repeat_targets = per[per >= 2].index
    listing = per.rename("events").to_frame()
    if "date" in frame:
        g = frame.groupby("target")["date"]
        listing["first"] = g.min().dt.strftime("%Y-%m-%d")
        listing["last"] = g.max().dt.strftime("%Y-%m-%d")
    listing = listing.loc[listing.index.isin(repeat_targets)]
    listing = listing.sort_values("events", ascending=False, kind="stable").head(top)
    listing = listing.reset_index()
    n_rep_t = int(len(repeat_targets))
    return RepeatResult(
        n_events=int(n_events), n_targets=int(per.size), n_repeat_targets=n_rep_t,
        n_repeat_events=n_repeat_events, repeat_rate=float(n_repeat_events / n_events),
        repeat_target_share=float(n_rep_t / per.size),
        repeat_event_share=float(per[per.index.isin(repeat_targets)].sum() / n_events),
        window_days=window_days, targets=listing)
