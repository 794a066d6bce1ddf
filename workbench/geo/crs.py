"""British National Grid (EPSG:27700) ↔ WGS84 (EPSG:4326) with pyproj, vectorised.

The hub keeps coordinates in BNG metres; WGS84 longitude/latitude appears only at the
edge (police.uk supplies, maps). DESIGN.md "Choices". pyproj's bundled ``proj.db`` has no
OSTN15 grid offline, so the transformation is the 7-parameter Helmert one (≈ 2 m error,
STACK.md); DuckDB spatial gives the same numbers. Missing inputs (NaN/None) give NaN out.

Examples
--------
>>> lon, lat = bng_to_wgs84([457804.0], [340087.0])
>>> round(float(lon[0]), 4), round(float(lat[0]), 4)
(-1.141, 52.9551)
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer
from pyproj.transformer import TransformerGroup

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"

#: extent of the British National Grid in metres (the grid's defined false-origin box)
BNG_EASTING_RANGE = (0.0, 700_000.0)
BNG_NORTHING_RANGE = (0.0, 1_300_000.0)


@lru_cache(maxsize=8)
def transformer(source: str, target: str) -> Transformer:
    """A cached pyproj Transformer in x/y (easting/longitude first) order.

    The single most accurate *available* operation is fixed once (for BNG↔WGS84 the
    Helmert "OSGB36 to WGS 84 (6)", 2 m) so every point, onshore or at sea, goes through the
    same formula and round trips are exact; ``Transformer.from_crs`` would silently fall back
    to a "ballpark" (≈100 m off) outside the Helmert's area of use.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "OSTN15 grid not available" (STACK.md)
        group = TransformerGroup(source, target, always_xy=True)
    if group.transformers:
        return group.transformers[0]
    return Transformer.from_crs(source, target, always_xy=True)


def _as_float(values) -> np.ndarray:
    """A 1-d float64 array; anything that is not a number (None, "", text) becomes NaN."""
    arr = np.atleast_1d(np.asarray(values))
    if arr.dtype.kind in "fiu":
        return arr.astype("float64").ravel()
    return pd.to_numeric(pd.Series(arr.ravel(), dtype=object), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan)


def _transform(x, y, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    x = _as_float(x)
    y = _as_float(y)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length; got {x.shape[0]} and {y.shape[0]}.")
    ok = np.isfinite(x) & np.isfinite(y)
    ox = np.full(x.shape, np.nan)
    oy = np.full(y.shape, np.nan)
    if ok.any():
        tx, ty = transformer(source, target).transform(x[ok], y[ok])
        ox[ok] = tx
        oy[ok] = ty
    bad = ~np.isfinite(ox) | ~np.isfinite(oy)
    ox[bad] = np.nan
    oy[bad] = np.nan
    return ox, oy


def bng_to_wgs84(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    """Convert BNG easting/northing (metres) to WGS84 ``(longitude, latitude)`` arrays.

    Parameters
    ----------
    easting, northing : array-like of numbers; NaN, None or "" give NaN.

    Returns
    -------
    (longitude, latitude) : two float64 arrays, degrees.

    Examples
    --------
    >>> lon, lat = bng_to_wgs84([457804.0, None], [340087.0, 1.0])
    >>> round(float(lon[0]), 3), round(float(lat[0]), 3), bool(np.isnan(lon[1]))
    (-1.141, 52.955, True)
    """
    return _transform(easting, northing, BNG, WGS84)


def wgs84_to_bng(longitude, latitude) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS84 longitude/latitude (degrees) to BNG ``(easting, northing)`` in metres.

    Examples
    --------
    >>> e, n = wgs84_to_bng([-1.141], [52.9551])
    >>> round(float(e[0]) / 10) * 10, round(float(n[0]) / 10) * 10
    (457810, 340090)
    """
    return _transform(longitude, latitude, WGS84, BNG)


def in_bng_extent(easting, northing) -> np.ndarray:
    """True where both coordinates are finite and inside the BNG extent (0–700 km, 0–1300 km).

    Examples
    --------
    >>> in_bng_extent([457804, 800000, None], [340087, 340087, 1]).tolist()
    [True, False, False]
    """
    e = _as_float(easting)
    n = _as_float(northing)
    with np.errstate(invalid="ignore"):
        return (np.isfinite(e) & np.isfinite(n)
                & (e >= BNG_EASTING_RANGE[0]) & (e <= BNG_EASTING_RANGE[1])
                & (n >= BNG_NORTHING_RANGE[0]) & (n <= BNG_NORTHING_RANGE[1]))
