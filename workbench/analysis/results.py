"""Results are objects (STYLE.md 5): named attributes plus ``to_dict()`` and ``to_frame()``.

:class:`Result` is the base of every statistic the library returns. ``to_dict()`` gives plain
JSON-able Python (numpy scalars and arrays become numbers and lists, DataFrames become lists of
records), so a result can be printed by the ``workbench`` command or stored as evidence.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd


def jsonable(value):
    """Convert numpy/pandas values inside ``value`` into plain JSON-able Python.

    Examples
    --------
    >>> jsonable({"n": np.int64(3), "p": np.float64("nan"), "xs": np.array([1.5]), "day": pd.Timestamp("2024-01-02")})
    {'n': 3, 'p': None, 'xs': [1.5], 'day': '2024-01-02T00:00:00'}
    """
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if value is pd.NaT or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclasses.dataclass
class Result:
    """Base class: a dataclass whose fields are the named results of a statistic.

    Examples
    --------
    >>> @dataclasses.dataclass
    ... class Count(Result):
    ...     n: int
    ...     rate: float
    >>> Count(n=np.int64(4), rate=np.float64(0.5)).to_dict()
    {'n': 4, 'rate': 0.5}
    >>> Count(4, 0.5).to_frame().values.tolist()
    [[4.0, 0.5]]
    """

    def to_dict(self) -> dict:
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)
                if not f.name.startswith("_")}

    def to_frame(self) -> pd.DataFrame:
        """One-row frame of the scalar fields (subclasses with tables override this)."""
        row = {k: v for k, v in self.to_dict().items() if not isinstance(v, (list, dict))}
        return pd.DataFrame([row])
