"""Kernel density estimate on a grid in BNG metres, by binning and FFT convolution.

Why not ``scipy.stats.gaussian_kde``: it evaluates every point at every cell (O(n × m)), which
for 1M offences on a 40 × 40 km grid of 50 m cells (640,000 cells) is ~10¹² kernel
evaluations. Here points are binned to the grid (linear binning onto the four nearest cell
centres), then convolved with a truncated isotropic Gaussian (±4 σ) by
``scipy.signal.fftconvolve``: O(m log m), a few seconds for 1M points (``bench/analysis_bench.py``).
The error from binning is O(cell_size² / σ²) and small when σ ≥ 2 cells (the default
bandwidth is never smaller).

Study area (issue 12; :mod:`workbench.analysis.study_area`): the surface is estimated only
inside ``area`` (the partnership boundary; by default the convex hull of the points). Points
outside it are left out (their number is reported) and cells outside it are NaN ("not
estimated"), never "no crime".

Edge correction (``edge_correction=True``, the default): a kernel centred near the boundary
spills part of its mass outside the area, where no events can be recorded, so the estimate
sags towards the edge (a cell at a straight edge keeps about half its kernel mass, at a corner
a quarter). Each cell's estimate is divided by the share of its kernel that lies inside the
area, ``e(x) = ∫_A k(x − u) du`` (Diggle 1985's uniform correction; the default of spatstat's
``density.ppp``, ``edge=TRUE``), computed by convolving the area mask with the same kernel.
Why default: a partnership's data stop at its boundary (and at the coast), so the uncorrected
surface understates every hotspot near the edge. ``edge_correction=False`` gives the plain
estimator (what QGIS/ArcGIS heat maps and sfhotspot show).

Defaults (announced unless ``quiet=True``): cell size as :func:`workbench.analysis.grid.default_cell_size`;
bandwidth σ (the Gaussian kernel's standard deviation) matched to **sfhotspot**
``hotspot_kde``, the source cited: sfhotspot takes ``h = MASS::bandwidth.nrd`` =
``4 · 1.06 · min(sd, IQR/1.34) · n^(−1/5)`` (averaged over easting and northing) as the
*radius* of a quartic kernel (SpatialKDE, after the QGIS heat map). A 2-D quartic kernel of
radius ``h`` has a standard deviation of ``h/√8`` along each axis, so the Gaussian with the
same spread has ``σ = h/√8 ≈ 1.5 · 1.06 · min(sd, IQR/1.34) · n^(−1/5)``; then rounded to a
nice number and at least 2 cells. (Before issue 12 the default was ``h/4``, MASS::kde2d's
scale, about √2 narrower than the cited source; with the rounding the issue measured ~1.6×.)

Output: density in **events per km²** in each cell (the integral over the study area ≈ number
of points inside it).

References
----------
Diggle, P. (1985) A kernel method for smoothing point process data, *Applied Statistics*
34(2), 138–147. Wand (1994) *J. Computational and Graphical Statistics* 3(4). Baddeley,
Rubak & Turner (2015) *Spatial Point Patterns* §6.5 (edge correction). sfhotspot
``hotspot_kde`` (M. Ashby).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy.signal import fftconvolve

from workbench.analysis import _validate as check
from workbench.analysis.defaults import announce, nice_number
from workbench.analysis.grid import Grid, make_grid
from workbench.analysis.results import Result
from workbench.analysis.study_area import StudyArea, resolve_area


#: standard deviation per axis of a 2-D quartic kernel of radius 1 (E r² = 1/4, so E x² = 1/8)
QUARTIC_SD = 1 / np.sqrt(8)


def default_bandwidth(xy: np.ndarray, cell_size: float, quiet: bool = False) -> float:
    """sfhotspot's rule-of-thumb bandwidth as a Gaussian sd (metres), at least two cells; announced.

    ``σ = bandwidth.nrd / √8`` (the spread of sfhotspot's quartic kernel of that radius).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pts = rng.normal([450000, 340000], 1000, (10000, 2))
    >>> default_bandwidth(pts, 10, quiet=True)   # 4 · 1.06 · 1000 · 10000^(−1/5) / √8 ≈ 238, rounded
    200.0
    """
    n = xy.shape[0]
    spread = []
    for k in (0, 1):
        sd = float(np.std(xy[:, k], ddof=1)) if n > 1 else 0.0
        q75, q25 = np.percentile(xy[:, k], [75, 25])
        iqr = (q75 - q25) / 1.34
        s = min(sd, iqr) if iqr > 0 else sd
        spread.append(s)
    h = 4 * 1.06 * float(np.mean(spread)) * max(n, 2) ** (-0.2) * QUARTIC_SD
    h = max(2.0 * cell_size, nice_number(h) if h > 0 else 2.0 * cell_size)
    h = float(h)
    announce(f"Bandwidth set to {h:g} m automatically (Gaussian sd matching sfhotspot's rule of "
             "thumb, MASS::bandwidth.nrd as a quartic radius); pass bandwidth= to choose it.", quiet)
    return h


@dataclasses.dataclass
class KDEResult(Result):
    """Gridded kernel density (events per km²).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> pts = rng.normal([450000, 340000], 300, size=(500, 2))
    >>> r = hotspot_kde(pts, cell_size=100, bandwidth=200, area="bbox", edge_correction=False, quiet=True)
    >>> r.n_points, r.bandwidth, r.grid.cell_size
    (500, 200.0, 100.0)
    >>> top = r.to_frame().sort_values("density_per_km2").iloc[-1]     # the densest cell is near the centre
    >>> bool(abs(top["x"] - 450000) < 200 and abs(top["y"] - 340000) < 200)
    True
    """

    grid: Grid
    density: np.ndarray
    bandwidth: float
    n_points: int
    area: StudyArea | None = None
    edge_correction: bool = False
    n_outside_area: int = 0

    def to_frame(self) -> pd.DataFrame:
        """Cells inside the study area: ``cell_id`` (row-major index into the grid), centre
        ``x, y`` and ``density_per_km2`` (cells outside the area are not estimated)."""
        c = self.grid.centres()
        d = self.density.ravel()
        ok = np.isfinite(d)
        return pd.DataFrame({"cell_id": np.flatnonzero(ok), "x": c[ok, 0], "y": c[ok, 1],
                             "density_per_km2": d[ok]})

    def to_dict(self) -> dict:
        finite = self.density[np.isfinite(self.density)]
        return {"grid": dataclasses.asdict(self.grid), "bandwidth": self.bandwidth,
                "n_points": self.n_points, "max_density_per_km2": float(finite.max()) if finite.size else None,
                "study_area": self.area.to_dict() if self.area is not None else None,
                "edge_correction": self.edge_correction, "n_points_outside_area": self.n_outside_area}


def _linear_bin(xy: np.ndarray, w: np.ndarray, grid: Grid) -> np.ndarray:
    """Spread each point over the four nearest cell centres (bilinear weights)."""
    fx = (xy[:, 0] - grid.x0) / grid.cell_size - 0.5
    fy = (xy[:, 1] - grid.y0) / grid.cell_size - 0.5
    ix, iy = np.floor(fx).astype(np.int64), np.floor(fy).astype(np.int64)
    dx, dy = fx - ix, fy - iy
    out = np.zeros(grid.ny * grid.nx)
    for ox, oy, wt in ((0, 0, (1 - dx) * (1 - dy)), (1, 0, dx * (1 - dy)),
                       (0, 1, (1 - dx) * dy), (1, 1, dx * dy)):
        cx, cy = ix + ox, iy + oy
        ok = (cx >= 0) & (cx < grid.nx) & (cy >= 0) & (cy < grid.ny)
        out += np.bincount((cy[ok] * grid.nx + cx[ok]), weights=(w * wt)[ok], minlength=out.size)
    return out.reshape(grid.ny, grid.nx)


def hotspot_kde(xy, cell_size: float | None = None, bandwidth: float | None = None,
                grid: Grid | None = None, weights=None, quiet: bool = False, area="hull",
                edge_correction: bool = True) -> KDEResult:
    """Kernel density of points on a grid (binned, FFT-convolved Gaussian kernel).

    Parameters
    ----------
    xy : array-like (n, 2) or DataFrame with easting/northing
        Points in BNG metres.
    cell_size : float, optional
        Cell side in metres (default chosen and announced).
    bandwidth : float, optional
        Gaussian kernel standard deviation in metres (default chosen and announced).
    grid : Grid, optional
        Evaluate on this grid (cell_size is then ignored).
    weights : array-like, optional
        A weight per point (e.g. harm); default 1.
    quiet : bool
        Silence the announcements of chosen defaults.
    area : PartnershipArea, shapely polygon, 'hull' or 'bbox'
        Study area (default: the points' convex hull); cells outside it are NaN.
    edge_correction : bool
        Divide by the share of each cell's kernel inside the area (default True).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> pts = rng.normal([450000, 340000], 300, size=(2000, 2))
    >>> r = hotspot_kde(pts, cell_size=50, bandwidth=150, quiet=True)   # hull, edge-corrected
    >>> r.to_dict()["study_area"]["source"], r.n_outside_area
    ('convex hull of the points', 0)
    >>> plain = hotspot_kde(pts, cell_size=50, bandwidth=150, area="bbox", edge_correction=False, quiet=True)
    >>> round(float(plain.density.sum() * plain.grid.cell_area_km2))   # the mass of the points
    2000

    References
    ----------
    Wand, M. P. (1994) Fast computation of multivariate kernel estimators, *J. Computational
    and Graphical Statistics* 3(4), 433–445 (binned FFT KDE). Chainey, Tompson & Uhlig (2008)
    on KDE for hotspot mapping; sfhotspot ``hotspot_kde`` for the defaults.
    """
    pts = check.coordinates(xy)
    w = np.ones(pts.shape[0]) if weights is None else check.counts(weights, "weights")
    check.same_length(pts, w, "xy", "weights")
    study = resolve_area(area, pts, quiet)
    keep = study.contains(pts)
    n_outside = int((~keep).sum())
    pts, w = pts[keep], w[keep]
    if pts.shape[0] == 0:
        raise check.BadInput("No point lies inside the study area `area`: is it in BNG metres and "
                             "does it cover the points?")
    if grid is None:
        size = cell_size
        if size is None:
            from workbench.analysis.grid import default_cell_size
            size = default_cell_size(pts, quiet)
        size = check.positive(size, "cell_size")
        h = default_bandwidth(pts, size, quiet) if bandwidth is None else check.positive(bandwidth, "bandwidth")
        grid = make_grid(pts, size, margin=2 * h, quiet=True)
    else:
        h = default_bandwidth(pts, grid.cell_size, quiet) if bandwidth is None else check.positive(bandwidth, "bandwidth")
    binned = _linear_bin(pts, w, grid)
    r = int(np.ceil(4 * h / grid.cell_size))
    k = np.arange(-r, r + 1) * grid.cell_size
    g1 = np.exp(-0.5 * (k / h) ** 2)
    kernel = np.outer(g1, g1)
    kernel /= kernel.sum()
    smooth = fftconvolve(binned, kernel, mode="same")
    smooth[smooth < 0] = 0.0  # FFT round-off
    inside = study.cell_mask(grid)
    if edge_correction:
        smooth = smooth / np.maximum(kernel_mass_inside(inside, kernel), 1e-12)
    density = np.where(inside, smooth / grid.cell_area_km2, np.nan)
    return KDEResult(grid=grid, density=density, bandwidth=float(h), n_points=int(pts.shape[0]),
                     area=study, edge_correction=bool(edge_correction), n_outside_area=n_outside)


def kernel_mass_inside(inside: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Share of each cell's kernel that falls on cells inside the study area (Diggle's ``e(x)``).

    Cells beyond the grid count as outside, so a grid that stops at the data (no margin)
    is corrected too.

    Examples
    --------
    >>> k = np.ones((3, 3)) / 9
    >>> m = kernel_mass_inside(np.ones((4, 4), dtype=bool), k)
    >>> round(float(m[0, 0]), 3), round(float(m[1, 1]), 3)   # corner keeps 4/9, interior all
    (0.444, 1.0)
    """
    mass = fftconvolve(inside.astype(float), kernel, mode="same")
    return np.clip(mass, 0.0, 1.0)
