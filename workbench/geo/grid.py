"""Square grids on the British National Grid (metres), for hotspot maps and aggregation.

Grid cells are aligned to multiples of the cell size so two analyses with the same cell
size share cells (guidance 3.3 on aggregate layers). A cell is named by its lower-left
corner, e.g. ``"457800_340000"`` for a 200 m cell.

Examples
--------
>>> snap([457804.0], [340087.0], 200)
(array([457800.]), array([340000.]))
>>> cell_ids([457804.0], [340087.0], 200).tolist()
['457800_340000']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.geo.crs import _as_float


def _check_cell(cell_size: float) -> float:
    try:
        size = float(cell_size)
    except (TypeError, ValueError):
        raise ValueError(f"`cell_size` must be a number of metres; got {cell_size!r}.") from None
    if not np.isfinite(size) or size <= 0:
        raise ValueError(f"`cell_size` must be a positive number of metres; got {cell_size!r}.")
    return size


def snap(easting, northing, cell_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left corner of the grid cell holding each point (NaN stays NaN).

    Examples
    --------
    >>> snap([457804.0, np.nan], [340087.0, 1.0], 100)
    (array([457800., nan]), array([340000., 0.]))
    """
    size = _check_cell(cell_size)
    e = _as_float(easting)
    n = _as_float(northing)
    return np.floor(e / size) * size, np.floor(n / size) * size


def cell_centres(easting, northing, cell_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Centre of the grid cell holding each point.

    Examples
    --------
    >>> x, y = cell_centres([457804.0], [340087.0], 200)
    >>> x.tolist(), y.tolist()
    ([457900.0], [340100.0])
    """
    size = _check_cell(cell_size)
    x, y = snap(easting, northing, size)
    return x + size / 2, y + size / 2


def cell_ids(easting, northing, cell_size: float) -> pd.Series:
    """``"<x>_<y>"`` of each point's cell (lower-left corner, whole metres); None where missing.

    Examples
    --------
    >>> cell_ids([457804.0, None], [340087.0, 1.0], 200).tolist()
    ['457800_340000', None]
    """
    x, y = snap(easting, northing, cell_size)
    ok = np.isfinite(x) & np.isfinite(y)
    out = np.full(len(x), None, dtype=object)
    out[ok] = [f"{int(a)}_{int(b)}" for a, b in zip(x[ok], y[ok])]
    return pd.Series(out, dtype=object)


def bounding_box(easting, northing, pad: float = 0.0) -> tuple[float, float, float, float]:
    """``(min_e, min_n, max_e, max_n)`` of the finite points, widened by ``pad`` metres.

    Examples
    --------
    >>> bounding_box([10, 30, np.nan], [5, 25, 7], pad=5)
    (5.0, 0.0, 35.0, 30.0)
    """
    e = _as_float(easting)
    n = _as_float(northing)
    ok = np.isfinite(e) & np.isfinite(n)
    if not ok.any():
        raise ValueError("bounding_box: no finite coordinates; has a previous step removed every point?")
    return (float(e[ok].min() - pad), float(n[ok].min() - pad),
            float(e[ok].max() + pad), float(n[ok].max() + pad))


def grid_over(bbox: tuple[float, float, float, float], cell_size: float) -> pd.DataFrame:
    """Every cell covering ``bbox``: columns ``cell_id``, ``x0``, ``y0`` (lower-left), ``xc``, ``yc``.

    Examples
    --------
    >>> len(grid_over((0, 0, 399, 399), 200))
    4
    """
    size = _check_cell(cell_size)
    min_e, min_n, max_e, max_n = bbox
    xs = np.arange(np.floor(min_e / size) * size, max_e + 1e-9, size)
    ys = np.arange(np.floor(min_n / size) * size, max_n + 1e-9, size)
    if len(xs) * len(ys) > 5_000_000:
        raise ValueError(f"grid_over: {len(xs) * len(ys):,} cells of {size:g} m is too many; "
                         "use a larger `cell_size` or a smaller area.")
    gx, gy = np.meshgrid(xs, ys)
    x0 = gx.ravel()
    y0 = gy.ravel()
    return pd.DataFrame({
        "cell_id": [f"{int(a)}_{int(b)}" for a, b in zip(x0, y0)],
        "x0": x0, "y0": y0, "xc": x0 + size / 2, "yc": y0 + size / 2,
    })
