"""Square grid cells in BNG metres: the geography that works from coordinates alone.

When no boundaries are loaded every place-based method falls back to a regular grid over the
points' extent (DESIGN.md: coordinates are BNG metres internally). The default cell size
follows sfhotspot (``set_cell_size.R``): the shorter side of the bounding box divided by 50,
rounded to a "nice" number, and announced.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.analysis import _validate as check
from workbench.analysis.defaults import announce, nice_number
from workbench.analysis.results import Result


@dataclasses.dataclass(frozen=True)
class Grid:
    """A regular grid: lower-left corner ``(x0, y0)``, square cells of ``cell_size`` metres.

    Examples
    --------
    >>> g = Grid(x0=450000.0, y0=340000.0, cell_size=100.0, nx=3, ny=2)
    >>> g.shape, round(g.cell_area_km2, 6), g.centres()[0].tolist()
    ((2, 3), 0.01, [450050.0, 340050.0])
    >>> g.cell_ids(np.array([[450150.0, 340150.0], [449999.0, 340000.0]])).tolist()   # row 1, column 1; outside
    [4, -1]
    """

    x0: float
    y0: float
    cell_size: float
    nx: int
    ny: int

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) = (ny, nx); row 0 is the southern edge."""
        return (self.ny, self.nx)

    @property
    def cell_area_km2(self) -> float:
        return (self.cell_size / 1000.0) ** 2

    def centres(self) -> np.ndarray:
        """``(ny * nx, 2)`` cell centres, row-major (row = northing index)."""
        xs = self.x0 + (np.arange(self.nx) + 0.5) * self.cell_size
        ys = self.y0 + (np.arange(self.ny) + 0.5) * self.cell_size
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def locate(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column, row and an inside-the-grid mask for each point."""
        col = np.floor((xy[:, 0] - self.x0) / self.cell_size).astype(np.int64)
        row = np.floor((xy[:, 1] - self.y0) / self.cell_size).astype(np.int64)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return col, row, inside

    def cell_ids(self, xy: np.ndarray) -> np.ndarray:
        """Flat cell index (row * nx + col) per point; -1 outside the grid."""
        col, row, inside = self.locate(xy)
        return np.where(inside, row * self.nx + col, -1)


def default_cell_size(xy: np.ndarray, quiet: bool = False) -> float:
    """Shorter side of the bounding box / 50, rounded to a nice number, at least 10 m.

    Examples
    --------
    >>> float(default_cell_size(np.array([[450000, 340000], [455000, 342000]]), quiet=True))   # 2000 m / 50 = 40, rounded up to 50
    50.0
    """
    span = np.ptp(xy, axis=0)
    size = max(10.0, nice_number(max(float(span.min()), 1.0) / 50.0))
    announce(f"Cell size set to {size:g} m automatically (shorter side of the data extent / 50); "
             "pass cell_size= to choose it.", quiet)
    return size


def make_grid(xy, cell_size: float | None = None, margin: float = 0.0, quiet: bool = False) -> Grid:
    """A grid covering ``xy`` (plus ``margin`` metres each side), origin snapped to the cell size.

    Examples
    --------
    >>> g = make_grid([[450010, 340010], [450990, 340490]], cell_size=100)
    >>> g.nx, g.ny, g.x0
    (10, 5, 450000.0)
    """
    pts = check.coordinates(xy)
    size = default_cell_size(pts, quiet) if cell_size is None else check.positive(cell_size, "cell_size")
    lo = np.floor((pts.min(axis=0) - margin) / size) * size
    hi = pts.max(axis=0) + margin
    n = np.maximum(1, np.floor((hi - lo) / size).astype(int) + 1)
    return Grid(float(lo[0]), float(lo[1]), float(size), int(n[0]), int(n[1]))


@dataclasses.dataclass
class GridCounts(Result):
    """Counts of points (or summed weights) per grid cell.

    Attributes
    ----------
    grid : Grid
    counts : ndarray, shape (ny, nx)
    n_outside : int
        Points outside the grid (only when a ``grid`` was given).

    Examples
    --------
    >>> r = grid_counts([[450010, 340010], [450020, 340020], [450990, 340490]], cell_size=100)
    >>> r.counts.shape, r.to_dict()["total"], r.counts_in_area().size
    ((5, 10), 3.0, 50)
    >>> r.to_frame().sort_values("count").iloc[-1][["x", "y", "count"]].tolist()
    [450050.0, 340050.0, 2.0]
    """

    grid: Grid
    counts: np.ndarray
    n_outside: int
    inside: np.ndarray | None = None
    area_source: str = "bounding box"

    def counts_in_area(self) -> np.ndarray:
        """Counts of the cells inside the study area (empty ones included): the places for
        concentration measures (Gini, top share), never the sea or the next force's land."""
        return self.counts.ravel() if self.inside is None else self.counts[self.inside]

    def to_frame(self) -> pd.DataFrame:
        c = self.grid.centres()
        f = pd.DataFrame({"cell_id": np.arange(c.shape[0]), "x": c[:, 0], "y": c[:, 1],
                          "count": self.counts.ravel()})
        return f if self.inside is None else f[self.inside.ravel()].reset_index(drop=True)

    def to_dict(self) -> dict:
        return {"grid": dataclasses.asdict(self.grid), "total": float(self.counts.sum()),
                "n_cells": int(self.counts_in_area().size), "n_outside": self.n_outside,
                "study_area": self.area_source}


def grid_counts(xy, cell_size: float | None = None, grid: Grid | None = None, weights=None,
                quiet: bool = False, area=None) -> GridCounts:
    """Count points per grid cell (``weights`` sums a value instead, e.g. harm).

    ``area`` (optional; :mod:`workbench.analysis.study_area`) marks the cells inside the study
    area (``inside``) and leaves out the points beyond it (counted in ``n_outside``); use
    :meth:`GridCounts.counts_in_area` as the places of a concentration measure.

    Examples
    --------
    >>> r = grid_counts([[450010, 340010], [450020, 340020], [450990, 340490]], cell_size=100)
    >>> int(r.counts.sum()), int(r.counts.max())
    (3, 2)
    """
    if area is not None:
        from workbench.analysis.study_area import resolve_area

        pts = check.coordinates(xy)
        study = resolve_area(area, pts, quiet)
        keep = study.contains(pts)
        w = None if weights is None else check.counts(weights, "weights")[keep]
        inner = grid_counts(pts[keep], cell_size, grid, w, quiet)
        return dataclasses.replace(inner, n_outside=inner.n_outside + int((~keep).sum()),
                                   inside=study.cell_mask(inner.grid), area_source=study.source)
    pts = check.coordinates(xy)
    g = grid if grid is not None else make_grid(pts, cell_size, quiet=quiet)
    w = np.ones(pts.shape[0]) if weights is None else check.counts(weights, "weights")
    check.same_length(pts, w, "xy", "weights")
    ids = g.cell_ids(pts)
    inside = ids >= 0
    flat = np.bincount(ids[inside], weights=w[inside], minlength=g.nx * g.ny)
    return GridCounts(grid=g, counts=flat.reshape(g.ny, g.nx), n_outside=int((~inside).sum()))
