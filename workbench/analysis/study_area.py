"""The study area: which grid cells belong to the place being analysed.

A grid laid over the points' bounding box covers sea, open country beyond the border and the
neighbouring force, and counts all of it as "no crime here": the Gi* pool fills with empty
cells that are not empty places, the Gini of cell counts rises, and a KDE surface leaks
density over the border. Every grid method therefore takes an ``area``:

* a :class:`workbench.geo.boundaries.PartnershipArea` (the partnership or force boundary; in
  a hub, ``PartnershipArea.from_hub`` is the union of the LSOA polygons when no boundary is
  loaded) or any shapely (multi)polygon in BNG metres;
* ``"hull"`` (the default when no boundary is given): the convex hull of the points, the
  tightest area the points alone justify, announced;
* ``"bbox"``: the whole grid (the behaviour before issue 12), for synthetic data on a square.

A cell belongs to the area when its centre lies inside it (or on its edge).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import shapely

from workbench.analysis import _validate as check
from workbench.analysis.defaults import announce

AREA_CHOICES = ("hull", "bbox")


@dataclasses.dataclass(frozen=True)
class StudyArea:
    """A resolved study area: a BNG geometry (None = the whole grid) and how it was chosen.

    Examples
    --------
    >>> from workbench.analysis.grid import Grid
    >>> a = StudyArea(shapely.box(0, 0, 100, 50), "partnership boundary")
    >>> a.cell_mask(Grid(0.0, 0.0, 50.0, 3, 1)).tolist()   # cell centres at x = 25, 75, 125
    [[True, True, False]]
    >>> a.contains(np.array([[10.0, 10.0], [200.0, 10.0]])).tolist(), a.to_dict()
    ([True, False], {'source': 'partnership boundary', 'area_km2': 0.005})
    """

    geometry: object
    source: str

    def cell_mask(self, grid) -> np.ndarray:
        """``(ny, nx)`` booleans: True where the cell centre is inside the area."""
        if self.geometry is None:
            return np.ones(grid.shape, dtype=bool)
        c = grid.centres()
        shapely.prepare(self.geometry)
        return shapely.intersects_xy(self.geometry, c[:, 0], c[:, 1]).reshape(grid.shape)

    def contains(self, xy: np.ndarray) -> np.ndarray:
        if self.geometry is None:
            return np.ones(xy.shape[0], dtype=bool)
        return shapely.intersects_xy(self.geometry, xy[:, 0], xy[:, 1])

    def to_dict(self) -> dict:
        area = None if self.geometry is None else round(float(self.geometry.area) / 1e6, 3)
        return {"source": self.source, "area_km2": area}


def resolve_area(area, xy: np.ndarray, quiet: bool = False) -> StudyArea:
    """Turn the ``area`` argument of a grid method into a :class:`StudyArea`.

    Examples
    --------
    >>> a = resolve_area("hull", np.array([[0, 0], [100, 0], [0, 100]]), quiet=True)
    >>> a.source, round(a.geometry.area)
    ('convex hull of the points', 5000)
    """
    if isinstance(area, StudyArea):
        return area
    if area is None or (isinstance(area, str) and area == "hull"):
        if xy.shape[0] >= 3:
            hull = shapely.convex_hull(shapely.multipoints(xy))
            if hull.area > 0:
                announce("Study area set to the convex hull of the points (no boundary given): "
                         "cells whose centre lies outside it are left out; pass area= (the "
                         "partnership boundary) or area='bbox'.", quiet)
                return StudyArea(hull, "convex hull of the points")
        return StudyArea(None, "bounding box (too few points for a hull)")
    if isinstance(area, str):
        check.one_of(area, AREA_CHOICES, "area")
        return StudyArea(None, "bounding box of the points")
    geometry = getattr(area, "geometry", area)
    if geometry is None and getattr(area, "bbox", None) is not None:
        geometry = shapely.box(*area.bbox)
    if not isinstance(geometry, shapely.Geometry) or geometry.area <= 0:
        raise check.BadInput(f"`area` must be a PartnershipArea, a shapely polygon in BNG metres, "
                             f"'hull' or 'bbox'; received {type(area).__name__}.")
    source = getattr(area, "source", "") or "polygon given"
    return StudyArea(geometry, source)
