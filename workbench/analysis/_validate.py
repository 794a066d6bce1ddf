"""Input checks for the analysis library, in one place, with messages that teach (STYLE.md 3).

Every public function of :mod:`workbench.analysis` passes its arguments through these helpers,
so a wrong input fails the same way everywhere: :class:`workbench.errors.BadInput` (a
``ValueError``, exit code 2 on the command line) naming the argument, what was expected,
what was received and a hint.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from workbench.errors import BadInput


def counts(values, name: str = "counts", *, allow_empty: bool = False) -> np.ndarray:
    """Return ``values`` as a 1-D float array of non-negative finite numbers.

    Examples
    --------
    >>> counts([3, 0, 2]).tolist()
    [3.0, 0.0, 2.0]
    >>> counts([1, -2])
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `counts` must be non-negative counts; the smallest value is -2.0.
    """
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise BadInput(f"`{name}` must be numbers (counts); received {type(values).__name__}: {exc}.") from exc
    if arr.size == 0 and not allow_empty:
        raise BadInput(f"`{name}` contains zero values. Has a previous step (a filter or a date "
                       "range) removed every row?")
    if not np.all(np.isfinite(arr)):
        raise BadInput(f"`{name}` must be finite; received {int((~np.isfinite(arr)).sum())} "
                       "missing or infinite value(s). Drop or fill them first.")
    if np.any(arr < 0):
        raise BadInput(f"`{name}` must be non-negative counts; the smallest value is {arr.min()}.")
    return arr


def count(value, name: str) -> float:
    """One non-negative finite number.

    Examples
    --------
    >>> count(4, "n")
    4.0
    """
    arr = counts([value], name)
    return float(arr[0])


def positive(value, name: str) -> float:
    """One strictly positive finite number (a cell size, a bandwidth, an exposure).

    Examples
    --------
    >>> positive("250", "cell_size")
    250.0
    >>> positive(0, "bandwidth")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `bandwidth` must be a positive number; received 0.
    """
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"`{name}` must be a positive number; received {value!r}.") from exc
    if not np.isfinite(v) or v <= 0:
        raise BadInput(f"`{name}` must be a positive number; received {value!r}.")
    return v


def probability(value, name: str) -> float:
    """One number strictly between 0 and 1 (a significance level, a share).

    Examples
    --------
    >>> probability(0.05, "alpha")
    0.05
    >>> probability(1, "alpha")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `alpha` must lie strictly between 0 and 1; received 1.
    """
    v = positive(value, name)
    if v >= 1:
        raise BadInput(f"`{name}` must lie strictly between 0 and 1; received {value!r}.")
    return v


def coordinates(xy, name: str = "xy", *, allow_empty: bool = False, bng: bool = True) -> np.ndarray:
    """Return ``xy`` as an ``(n, 2)`` float array of BNG metres (easting, northing).

    ``bng=False`` skips the "looks like longitude/latitude" check (any planar units).

    Examples
    --------
    >>> coordinates([(450000, 340000), (450100, 340050)]).shape
    (2, 2)
    >>> coordinates([(-1.5, 52.9)])
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `xy` looks like longitude/latitude (all values below 1000); the analysis library works in British National Grid metres. Convert with workbench.geo.
    """
    if isinstance(xy, pd.DataFrame):
        cols = [c for c in ("easting", "northing") if c in xy.columns]
        xy = xy[cols].to_numpy() if len(cols) == 2 else xy.to_numpy()
    try:
        arr = np.asarray(xy, dtype=float)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"`{name}` must be numeric (easting, northing) pairs in BNG metres: {exc}.") from exc
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise BadInput(f"`{name}` must have two columns (easting, northing in BNG metres); received "
                       f"shape {arr.shape}. Pass frame[['easting', 'northing']].")
    if arr.shape[0] == 0 and not allow_empty:
        raise BadInput(f"`{name}` contains zero rows. Has a previous step removed all rows, or do "
                       "the records lack easting/northing?")
    if not np.all(np.isfinite(arr)):
        bad = int((~np.isfinite(arr)).any(axis=1).sum())
        raise BadInput(f"`{name}` has {bad} row(s) without coordinates. Drop rows with missing "
                       "easting/northing first (and report how many you dropped).")
    if bng and arr.size and (np.abs(arr).max() < 1000):
        raise BadInput(f"`{name}` looks like longitude/latitude (all values below 1000); the analysis "
                       "library works in British National Grid metres. Convert with workbench.geo.")
    return arr


def one_of(value: str, choices: Iterable[str], name: str) -> str:
    """``value`` must be one of ``choices``; suggest the closest when it is not.

    Examples
    --------
    >>> one_of("tactical", ["strategic", "tactical"], "product")
    'tactical'
    >>> one_of("tacticle", ["strategic", "tactical"], "product")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `product` must be one of 'strategic', 'tactical'; received 'tacticle'. Did you mean 'tactical'?
    """
    choices = list(choices)
    if value in choices:
        return value
    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise BadInput(f"`{name}` must be one of {', '.join(repr(c) for c in choices)}; "
                   f"received {value!r}.{hint}")


def columns(frame: pd.DataFrame, required: Iterable[str], name: str) -> pd.DataFrame:
    """``frame`` must be a DataFrame holding every column in ``required``.

    Examples
    --------
    >>> import pandas as pd
    >>> columns(pd.DataFrame({"easting": [1]}), ["easting", "northing"], "records")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `records` lacks column(s) ['northing']; it has ['easting']. Use the canonical column names of DATASETS.md.
    """
    if not isinstance(frame, pd.DataFrame):
        raise BadInput(f"`{name}` must be a pandas DataFrame; received {type(frame).__name__}.")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BadInput(f"`{name}` lacks column(s) {missing}; it has {list(frame.columns)}. "
                       "Use the canonical column names of DATASETS.md.")
    return frame


def same_length(a, b, name_a: str, name_b: str) -> None:
    """``a`` and ``b`` must have as many values as each other (they describe the same records).

    Examples
    --------
    >>> same_length([1, 2], [1, 2], "xy", "dates") is None
    True
    >>> same_length([1, 2], [1], "xy", "dates")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `xy` has 2 values but `dates` has 1; they must describe the same records.
    """
    if len(a) != len(b):
        raise BadInput(f"`{name_a}` has {len(a)} values but `{name_b}` has {len(b)}; "
                       "they must describe the same records.")


def edges(values, name: str) -> np.ndarray:
    """Band edges: strictly increasing, starting at 0.

    Examples
    --------
    >>> edges([0, 100, 200], "distance_bands").tolist()
    [0.0, 100.0, 200.0]
    >>> edges([100, 200], "distance_bands")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `distance_bands` must be strictly increasing band edges starting at 0, e.g. (0, 100, 200, 300); received [100, 200].
    """
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size < 2 or arr[0] != 0 or np.any(np.diff(arr) <= 0):
        raise BadInput(f"`{name}` must be strictly increasing band edges starting at 0, e.g. "
                       f"(0, 100, 200, 300); received {list(values)!r}.")
    return arr
