"""Getis–Ord Gi* local statistic with false-discovery-rate control.

:func:`gi_star` reproduces ``esda.G_Local(y, DistanceBand(coords, d, binary=True),
transform='B', star=True)`` exactly (z to 1e-6; tests check it on random data): binary
weights, each location is its own neighbour (self-weight 1), neighbours within distance
``≤ d``, and esda's analytical moments:

``G*_i = Σ_j w_ij y_j / Σ_j y_j``, ``E = W_i / n``,
``V = W_i (n − W_i) / ((n − 1) n²) · s² / ȳ²`` with ``W_i = Σ_j w_ij``, ``ȳ`` and ``s²`` the
mean and (population) variance of ``y``.

Written by hand rather than calling esda because esda builds a libpysal ``W`` object (a
Python dict per location) and draws permutations by default, which at 100,000 locations costs
minutes; here neighbours come from a KD-tree as a sparse matrix (``bench/analysis_bench.py``,
``gistar_100k``). P-values are two-sided normal (esda's ``p_norm`` is one-sided); the
multiple-testing correction is Benjamini–Hochberg (``'bh'``) or Benjamini–Yekutieli
(``'by'``, valid under any dependence, the default because neighbouring Gi* values share
data), from ``scipy.stats.false_discovery_control``.

:func:`hotspot_gistar` runs Gi* on grid-cell counts (all cells, including empty ones), the
usual hotspot map from coordinates alone; the default distance band is the cell diagonal
(cell_size × √2: the cell and its eight neighbours), announced.

References
----------
Getis, A. and Ord, J. K. (1992) The analysis of spatial association by use of distance
statistics, *Geographical Analysis* 24(3); Ord and Getis (1995) *Geographical Analysis*
27(4). Benjamini and Hochberg (1995); Benjamini and Yekutieli (2001).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.spatial import cKDTree

from workbench.analysis import _validate as check
from workbench.analysis.defaults import announce
from workbench.analysis.grid import Grid, grid_counts
from workbench.analysis.results import Result

FDR_METHODS = ("by", "bh", "none")


def binary_weights(coords: np.ndarray, distance_band: float) -> sparse.csr_matrix:
    """Sparse binary weights: 1 for pairs within ``distance_band`` (≤), including self."""
    tree = cKDTree(coords)
    pairs = tree.query_pairs(distance_band, output_type="ndarray")
    n = coords.shape[0]
    i = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    j = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    return sparse.csr_matrix((np.ones(i.size), (i, j)), shape=(n, n))


def fdr_significant(p: np.ndarray, alpha: float = 0.05, method: str = "by") -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values and the significant mask after FDR control (or none)."""
    check.one_of(method, FDR_METHODS, "fdr")
    p = np.asarray(p, dtype=float)
    if method == "none" or p.size == 0:
        adj = p.copy()
    else:
        adj = stats.false_discovery_control(p, method=method)
    return adj, adj < alpha


@dataclasses.dataclass
class GiStar(Result):
    """Gi* per location.

    Attributes
    ----------
    G, expected, variance, z : ndarray
        Statistic, its expectation and variance under randomisation, and the z-score.
    p_value : ndarray
        Two-sided normal p-values.
    p_adjusted : ndarray
        After the FDR correction named in ``fdr``.
    hotspot : ndarray of str
        'hot', 'cold' or 'not significant' at level ``alpha`` after correction.
    """

    G: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    p_adjusted: np.ndarray
    hotspot: np.ndarray
    fdr: str
    alpha: float
    distance_band: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"G": self.G, "z": self.z, "p_value": self.p_value,
                             "p_adjusted": self.p_adjusted, "hotspot": self.hotspot})

    def to_dict(self) -> dict:
        return {"n": int(self.z.size), "n_hot": int((self.hotspot == "hot").sum()),
                "n_cold": int((self.hotspot == "cold").sum()), "fdr": self.fdr, "alpha": self.alpha,
                "distance_band": self.distance_band}


def _classify(z, sig):
    return np.where(sig & (z > 0), "hot", np.where(sig & (z < 0), "cold", "not significant"))


def _moments(y: np.ndarray, wy: np.ndarray, card: np.ndarray):
    n = y.size
    total = y.sum()
    if total <= 0:
        raise check.BadInput("`values` sum to zero: Gi* needs at least one event.")
    G = wy / total
    mean = total / n
    var = (y**2).sum() / n - mean**2
    expected = card / n
    variance = card * (n - card) / (n - 1) / n**2 * var / mean**2
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (G - expected) / np.sqrt(variance)
    z = np.where(variance > 0, z, 0.0)
    return G, expected, variance, z


def gi_star(coords, values, distance_band: float, fdr: str = "by", alpha: float = 0.05) -> GiStar:
    """Gi* for values at arbitrary locations with a binary distance band (esda-identical z).

    Examples
    --------
    >>> pts = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    >>> r = gi_star(pts, [2, 3, 3.2, 5, 8, 7], 15, fdr="none")
    >>> [round(float(v), 5) for v in r.z]
    [-1.39728, -0.28918, 0.65065, -0.28918, 1.23452, 2.02424]
    """
    xy = np.asarray(coords, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise check.BadInput(f"`coords` must be (n, 2) coordinates; received shape {xy.shape}.")
    y = check.counts(values, "values") if np.all(np.asarray(values, dtype=float) >= 0) else np.asarray(values, float)
    check.same_length(xy, y, "coords", "values")
    band = check.positive(distance_band, "distance_band")
    W = binary_weights(xy, band)
    G, e, v, z = _moments(y, W @ y, np.asarray(W.sum(axis=1)).ravel())
    p = 2 * stats.norm.sf(np.abs(z))
    adj, sig = fdr_significant(p, alpha, fdr)
    return GiStar(G=G, expected=e, variance=v, z=z, p_value=p, p_adjusted=adj,
                  hotspot=_classify(z, sig), fdr=fdr, alpha=alpha, distance_band=band)


def gi_star_lattice(counts: np.ndarray, cell_size: float, distance_band: float,
                    fdr: str = "by", alpha: float = 0.05) -> GiStar:
    """Gi* on a full grid of counts: neighbour sums by a disc-shaped correlation (same z as
    :func:`gi_star` on the cell centres, far faster on large grids)."""
    from scipy.ndimage import correlate

    y2 = np.asarray(counts, dtype=float)
    r = int(np.floor(distance_band / cell_size + 1e-9))
    off = np.arange(-r, r + 1) * cell_size
    disc = ((off[:, None] ** 2 + off[None, :] ** 2) <= distance_band**2 * (1 + 1e-12)).astype(float)
    wy = correlate(y2, disc, mode="constant", cval=0.0).ravel()
    card = correlate(np.ones_like(y2), disc, mode="constant", cval=0.0).ravel()
    G, e, v, z = _moments(y2.ravel(), wy, card)
    p = 2 * stats.norm.sf(np.abs(z))
    adj, sig = fdr_significant(p, alpha, fdr)
    return GiStar(G=G, expected=e, variance=v, z=z, p_value=p, p_adjusted=adj,
                  hotspot=_classify(z, sig), fdr=fdr, alpha=alpha, distance_band=float(distance_band))


@dataclasses.dataclass
class GridGiStar(Result):
    """Gi* on grid-cell counts: the grid, the counts and the per-cell statistic."""

    grid: Grid
    counts: np.ndarray
    gi: GiStar

    def to_frame(self) -> pd.DataFrame:
        c = self.grid.centres()
        f = self.gi.to_frame()
        f.insert(0, "count", self.counts.ravel())
        f.insert(0, "y", c[:, 1])
        f.insert(0, "x", c[:, 0])
        f.insert(0, "cell_id", np.arange(c.shape[0]))
        return f

    def to_dict(self) -> dict:
        return {"grid": dataclasses.asdict(self.grid), **self.gi.to_dict()}


def hotspot_gistar(xy, cell_size: float | None = None, bandwidth: float | None = None,
                   grid: Grid | None = None, weights=None, quiet: bool = False,
                   fdr: str = "by", alpha: float = 0.05) -> GridGiStar:
    """Hot and cold spots of point counts on a grid (Gi* with FDR control).

    ``bandwidth`` is the distance band in metres (default cell_size × √2, announced).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> pts = np.vstack([rng.uniform(0, 2000, (400, 2)), rng.normal(1000, 40, (200, 2))]) + 450000
    >>> r = hotspot_gistar(pts, cell_size=100, quiet=True)
    >>> r.to_frame().sort_values("count").iloc[-1]["hotspot"]
    'hot'
    """
    gc = grid_counts(xy, cell_size=cell_size, grid=grid, weights=weights, quiet=quiet)
    size = gc.grid.cell_size
    if bandwidth is None:
        bandwidth = size * np.sqrt(2)
        announce(f"Gi* distance band set to {bandwidth:.0f} m (cell diagonal: each cell and its 8 "
                 "neighbours); pass bandwidth= to choose it.", quiet)
    gi = gi_star_lattice(gc.counts, size, check.positive(bandwidth, "bandwidth"), fdr, alpha)
    return GridGiStar(grid=gc.grid, counts=gc.counts, gi=gi)
