"""Getis–Ord Gi* local statistic: analytic z, conditional-permutation inference, FDR control.

The statistic. :func:`gi_star` reproduces ``esda.G_Local(y, DistanceBand(coords, d, binary=True),
transform='B', star=True)`` exactly (z to 1e-6; tests check it on random data): binary
weights, each location is its own neighbour (self-weight 1), neighbours within distance
``≤ d``, and esda's analytical moments:

``G*_i = Σ_j w_ij y_j / Σ_j y_j``, ``E = W_i / n``,
``V = W_i (n − W_i) / ((n − 1) n²) · s² / ȳ²`` with ``W_i = Σ_j w_ij``, ``ȳ`` and ``s²`` the
mean and (population) variance of ``y``. The z-score is kept as the statistic (map colour,
ranking).

The p-values (issue 12). The normal approximation of z is wrong for crime counts: they are
skewed (most cells empty, a few with dozens), so the upper tail of ``G*`` is far heavier than
normal and the lower tail is bounded (an empty cell among empty cells has z ≈ −0.6 at best).
On real police.uk cell counts shuffled across the grid (no spatial pattern at all) normal
p-values flag hundreds of "hot spots" even after FDR control and can never flag a cold spot.
The default is therefore **conditional-permutation inference** (Anselin 1995; esda's
``crand``), vectorised in :mod:`workbench.analysis.conditional_permutation`: each cell keeps
its own value and its neighbours are drawn at random from the other cells; the two-sided
p-value is twice the smaller tail (ties counted in both tails), seeded and reproducible.

* ``permutations=None`` (default): 999 draws for every cell, then 99,999 fresh draws for the
  cells whose p-value is ≤ 0.01 (Besag & Clifford 1991 two-stage Monte Carlo). Why: with
  ``m`` cells, FDR control can only flag p-values near ``α·k/m``; 999 draws cannot go below
  0.002, so on a 15,000-cell map nothing could ever be flagged.
* ``permutations=R``: exactly ``R`` draws for every cell (as esda).
* ``inference='normal'``: the analytic two-sided normal p-value (fast, wrong on skewed counts;
  kept for comparison and for continuous, roughly normal values).

The multiple-testing correction is **Benjamini–Hochberg** (``'bh'``, default) on those
p-values; ``'by'`` (Benjamini–Yekutieli) and ``'none'`` remain. Why BH: neighbouring Gi*
values share cells and are positively dependent, the case BH is proven for (Benjamini &
Yekutieli 2001, Theorem 1.2); BY's extra factor (≈ ln m + 0.58, about 10 for a 15,000-cell
grid) would demand ten times finer permutation p-values than any practical number of draws
gives, so BY flags nothing. The test on pattern-free grids
(``tests/test_gistar_permutation.py``) shows BH on permutation p-values holds the nominal rate.

:func:`hotspot_gistar` runs Gi* on grid-cell counts inside the study area
(:mod:`workbench.analysis.study_area`), the usual hotspot map from coordinates alone; the
default distance band is the cell diagonal (cell_size × √2: the cell and its eight
neighbours), announced.

References
----------
Getis, A. and Ord, J. K. (1992) The analysis of spatial association by use of distance
statistics, *Geographical Analysis* 24(3); Ord and Getis (1995) *Geographical Analysis*
27(4). Anselin (1995) *Geographical Analysis* 27(2). Benjamini and Hochberg (1995);
Benjamini and Yekutieli (2001). Besag and Clifford (1991) *Biometrika* 78(2).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.spatial import cKDTree

from workbench.analysis import _validate as check
from workbench.analysis.conditional_permutation import tail_counts
from workbench.analysis.defaults import announce
from workbench.analysis.grid import Grid, grid_counts
from workbench.analysis.results import Result
from workbench.analysis.study_area import StudyArea, resolve_area

FDR_METHODS = ("bh", "by", "none")
INFERENCE = ("permutation", "normal")
#: default seed of the permutation draws (any fixed number: results are reproducible)
SEED = 12345
#: two-stage default: draws for every cell, the screen, and the draws for the screened cells
FIRST_PERMUTATIONS = 999
SCREEN = 0.01
REFINED_PERMUTATIONS = 99_999
OUTSIDE = "outside study area"
FDR_NAMES = {"bh": "Benjamini–Hochberg false discovery rate", "by": "Benjamini–Yekutieli false "
             "discovery rate", "none": "no correction for multiple testing"}


def binary_weights(coords: np.ndarray, distance_band: float) -> sparse.csr_matrix:
    """Sparse binary weights: 1 for pairs within ``distance_band`` (≤), including self.

    Examples
    --------
    >>> w = binary_weights(np.array([[0., 0.], [100., 0.], [300., 0.]]), 100)
    >>> w.toarray().astype(int).tolist()   # the band is inclusive and each point is its own neighbour
    [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    """
    tree = cKDTree(coords)
    pairs = tree.query_pairs(distance_band, output_type="ndarray")
    n = coords.shape[0]
    i = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    j = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    return sparse.csr_matrix((np.ones(i.size), (i, j)), shape=(n, n))


def fdr_significant(p: np.ndarray, alpha: float = 0.05, method: str = "by") -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values and the significant mask after FDR control (or none).

    Examples
    --------
    >>> adj, sig = fdr_significant([0.01, 0.02, 0.03, 0.5], method="bh")
    >>> [round(float(v), 3) for v in adj], sig.tolist()
    ([0.04, 0.04, 0.04, 0.5], [True, True, True, False])
    >>> fdr_significant([0.01, 0.2], method="none")[1].tolist()
    [True, False]
    """
    check.one_of(method, FDR_METHODS, "fdr")
    p = np.asarray(p, dtype=float)
    if method == "none" or p.size == 0:
        adj = p.copy()
    else:
        adj = stats.false_discovery_control(p, method=method)
    return adj, adj < alpha


@dataclasses.dataclass
class GiStar(Result):
    """Gi* per location, with the evidence of how significance was computed.

    Attributes
    ----------
    G, expected, variance, z : ndarray
        Statistic, its expectation and variance under randomisation, and the z-score (the
        statistic; NaN for cells outside the study area).
    p_value : ndarray
        Two-sided p-values from ``inference`` (permutation by default).
    p_norm : ndarray
        Two-sided normal p-values of ``z`` (for comparison; not used for the classes unless
        ``inference == 'normal'``).
    p_adjusted : ndarray
        After the correction named in ``fdr``.
    hotspot : ndarray of str
        'hot', 'cold' or 'not significant' at level ``alpha`` after correction
        ('outside study area' for cells left out).
    inference, permutations, refined_permutations, n_refined, seed, fdr, alpha
        How significance was computed (``evidence()`` says it in words).
    p_sim : ndarray or None
        esda's ``p_sim`` convention (directed pseudo p-value), for comparison with esda.

    Examples
    --------
    >>> pts = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    >>> r = gi_star(pts, [2, 3, 3.2, 5, 8, 7], 15, fdr="none", inference="normal")
    >>> r.hotspot.tolist()[-2:], r.to_dict()["n_hot"]   # only the point at (30, 30) is hot
    (['not significant', 'hot'], 1)
    >>> r.evidence()["text"]
    'Gi* z-scores (Getis & Ord), distance band 15 m; two-sided p-values by normal approximation of the z-score; no correction for multiple testing at 0.05.'
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
    p_norm: np.ndarray | None = None
    inference: str = "normal"
    permutations: int | None = None
    refined_permutations: int | None = None
    n_refined: int = 0
    seed: int | None = None
    p_sim: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"G": self.G, "z": self.z, "p_value": self.p_value,
                             "p_adjusted": self.p_adjusted, "hotspot": self.hotspot})

    def evidence(self) -> dict:
        """How significance was computed, as fields and one sentence (for any conclusion
        built on these hotspots)."""
        if self.inference == "permutation":
            how = (f"conditional permutation ({self.permutations:,} random neighbour sets per "
                   f"location")
            if self.refined_permutations:
                how += (f", {self.refined_permutations:,} for the {self.n_refined:,} with p ≤ "
                        f"{SCREEN:g}")
            how += f"; seed {self.seed})"
        else:
            how = "normal approximation of the z-score"
        text = (f"Gi* z-scores (Getis & Ord), distance band {self.distance_band:,.0f} m; "
                f"two-sided p-values by {how}; {FDR_NAMES[self.fdr]} at {self.alpha:g}.")
        return {"statistic": "Gi* z (analytic moments, Ord & Getis 1995)", "inference": self.inference,
                "permutations": self.permutations, "refined_permutations": self.refined_permutations,
                "n_refined": self.n_refined, "seed": self.seed, "correction": self.fdr,
                "alpha": self.alpha, "text": text}

    def to_dict(self) -> dict:
        return {"n": int(np.isfinite(self.z).sum()), "n_hot": int((self.hotspot == "hot").sum()),
                "n_cold": int((self.hotspot == "cold").sum()), "fdr": self.fdr, "alpha": self.alpha,
                "distance_band": self.distance_band, "evidence": self.evidence()}


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


def _check_inference(inference, permutations, seed):
    check.one_of(inference, INFERENCE, "inference")
    if permutations is not None and (int(permutations) != permutations or permutations < 1):
        raise check.BadInput(f"`permutations` must be a whole number ≥ 1 (or None for the two-stage "
                             f"default of {FIRST_PERMUTATIONS} then {REFINED_PERMUTATIONS:,}); "
                             f"received {permutations!r}. For the normal approximation pass "
                             "inference='normal'.")
    return int(seed) if seed is not None else SEED


def _infer(y, wy, card, inference, permutations, seed, fdr, alpha, band) -> GiStar:
    """z from the moments; p-values from ``inference``; classes after ``fdr`` at ``alpha``."""
    check.one_of(fdr, FDR_METHODS, "fdr")
    alpha = check.probability(alpha, "alpha")
    seed = _check_inference(inference, permutations, seed)
    G, e, v, z = _moments(y, wy, card)
    p_norm = 2 * stats.norm.sf(np.abs(z))
    fields = dict(inference=inference, p_norm=p_norm)
    if inference == "normal":
        p, upper = p_norm, z > 0
        fields["seed"] = None
    else:
        rng = np.random.default_rng(seed)
        draws = (card - 1).astype(np.int64)
        others = wy - y
        first = FIRST_PERMUTATIONS if permutations is None else int(permutations)
        tails = tail_counts(y, draws, others, first, rng)
        p = tails.p_two_sided()
        p_sim = tails.p_directed()
        upper = tails.p_upper() < tails.p_lower()
        refined, n_refined = None, 0
        if permutations is None:
            screened = p <= SCREEN
            n_refined = int(screened.sum())
            if n_refined:
                refined = REFINED_PERMUTATIONS
                more = tail_counts(y, draws, others, refined, rng, only=screened)
                p = np.where(screened, more.p_two_sided(), p)
                upper = np.where(screened, more.p_upper() < more.p_lower(), upper)
        fields.update(permutations=first, refined_permutations=refined, n_refined=n_refined,
                      seed=seed, p_sim=p_sim)
    adj, sig = fdr_significant(p, alpha, fdr)
    hotspot = np.where(sig & upper, "hot", np.where(sig & ~upper, "cold", "not significant"))
    return GiStar(G=G, expected=e, variance=v, z=z, p_value=p, p_adjusted=adj, hotspot=hotspot,
                  fdr=fdr, alpha=alpha, distance_band=float(band), **fields)


def gi_star(coords, values, distance_band: float, fdr: str = "bh", alpha: float = 0.05,
            permutations: int | None = None, seed: int | None = SEED,
            inference: str = "permutation") -> GiStar:
    """Gi* for values at arbitrary locations with a binary distance band (esda-identical z).

    Parameters
    ----------
    coords : array-like (n, 2)
        Locations (any planar units; BNG metres in the workbench).
    values : array-like (n,)
        Value at each location (counts, rates).
    distance_band : float
        Neighbours are the locations within this distance (≤), the location itself included.
    fdr : {'bh', 'by', 'none'}
        Multiple-testing correction (Benjamini–Hochberg by default; see the module notes).
    alpha : float
        Significance level after correction.
    permutations : int, optional
        Conditional-permutation draws per location (None: 999, then 99,999 for p ≤ 0.01).
    seed : int
        Seed of the draws (results are reproducible).
    inference : {'permutation', 'normal'}
        How p-values are computed (the z-score is the same either way).

    Examples
    --------
    >>> pts = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    >>> r = gi_star(pts, [2, 3, 3.2, 5, 8, 7], 15, fdr="none")
    >>> [round(float(v), 5) for v in r.z]
    [-1.39728, -0.28918, 0.65065, -0.28918, 1.23452, 2.02424]
    >>> r.evidence()["inference"], r.permutations, r.seed
    ('permutation', 999, 12345)
    """
    xy = np.asarray(coords, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise check.BadInput(f"`coords` must be (n, 2) coordinates; received shape {xy.shape}.")
    y = check.counts(values, "values") if np.all(np.asarray(values, dtype=float) >= 0) else np.asarray(values, float)
    check.same_length(xy, y, "coords", "values")
    band = check.positive(distance_band, "distance_band")
    W = binary_weights(xy, band)
    return _infer(y, W @ y, np.asarray(W.sum(axis=1)).ravel(), inference, permutations, seed,
                  fdr, alpha, band)


def _expand(gi: GiStar, mask: np.ndarray) -> GiStar:
    """Spread a result over the inside cells back onto the whole grid (NaN / OUTSIDE)."""
    flat = mask.ravel()

    def full(a, fill=np.nan):
        if a is None:
            return None
        out = np.full(flat.size, fill, dtype=object if a.dtype.kind in "OU" else float)
        out[flat] = a
        return out

    return dataclasses.replace(gi, G=full(gi.G), expected=full(gi.expected), variance=full(gi.variance),
                               z=full(gi.z), p_value=full(gi.p_value), p_adjusted=full(gi.p_adjusted),
                               p_norm=full(gi.p_norm), p_sim=full(gi.p_sim),
                               hotspot=full(gi.hotspot, OUTSIDE).astype(str))


def gi_star_lattice(counts: np.ndarray, cell_size: float, distance_band: float,
                    fdr: str = "bh", alpha: float = 0.05, mask: np.ndarray | None = None,
                    permutations: int | None = None, seed: int | None = SEED,
                    inference: str = "permutation") -> GiStar:
    """Gi* on a grid of counts: neighbour sums by a disc-shaped correlation (same z as
    :func:`gi_star` on the centres of the cells in ``mask``, far faster on large grids).

    Cells outside ``mask`` (the study area) are neither tested nor anyone's neighbour; their
    entries are NaN and their class ``'outside study area'``.

    Examples
    --------
    >>> counts = np.random.default_rng(3).poisson(20, (30, 30)).astype(float)
    >>> counts[10:16, 10:16] = 2                     # a planted cold block
    >>> mask = np.ones(counts.shape, dtype=bool)
    >>> mask[:, 25:] = False                         # the east edge is sea
    >>> r = gi_star_lattice(counts, 100, 150, mask=mask)
    >>> sorted(set(r.hotspot.tolist()))
    ['cold', 'not significant', 'outside study area']
    """
    from scipy.ndimage import correlate

    y2 = np.asarray(counts, dtype=float)
    inside = np.ones(y2.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if inside.shape != y2.shape:
        raise check.BadInput(f"`mask` must have the grid's shape {y2.shape}; received {inside.shape}.")
    if not inside.any():
        raise check.BadInput("The study area contains no grid cell centre: is `area` in BNG metres "
                             "and does it overlap the points?")
    r = int(np.floor(distance_band / cell_size + 1e-9))
    off = np.arange(-r, r + 1) * cell_size
    disc = ((off[:, None] ** 2 + off[None, :] ** 2) <= distance_band**2 * (1 + 1e-12)).astype(float)
    yin = np.where(inside, y2, 0.0)
    wy = correlate(yin, disc, mode="constant", cval=0.0)[inside]
    card = np.rint(correlate(inside.astype(float), disc, mode="constant", cval=0.0)[inside])
    gi = _infer(y2[inside], wy, card, inference, permutations, seed, fdr, alpha, distance_band)
    return gi if inside.all() else _expand(gi, inside)


@dataclasses.dataclass
class GridGiStar(Result):
    """Gi* on grid-cell counts: the grid, the counts, the study area and the per-cell statistic.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pts = np.vstack([rng.uniform(0, 1000, (200, 2)), rng.normal(500, 20, (100, 2))]) + 450000
    >>> r = hotspot_gistar(pts, cell_size=100, quiet=True)
    >>> r.grid.nx, int(r.counts.sum()), r.n_outside_area
    (10, 300, 0)
    >>> f = r.to_frame()
    >>> top = f.loc[f["count"].idxmax()]
    >>> float(top["x"]), float(top["y"]), top["hotspot"]   # the planted cluster at (450500, 450500)
    (450450.0, 450550.0, 'hot')
    """

    grid: Grid
    counts: np.ndarray
    gi: GiStar
    area: StudyArea | None = None
    n_outside_area: int = 0

    def to_frame(self) -> pd.DataFrame:
        c = self.grid.centres()
        f = self.gi.to_frame()
        f.insert(0, "count", self.counts.ravel())
        f.insert(0, "y", c[:, 1])
        f.insert(0, "x", c[:, 0])
        f.insert(0, "cell_id", np.arange(c.shape[0]))
        return f

    def to_dict(self) -> dict:
        area = self.area.to_dict() if self.area is not None else None
        return {"grid": dataclasses.asdict(self.grid), "study_area": area,
                "n_points_outside_area": self.n_outside_area, **self.gi.to_dict()}


def hotspot_gistar(xy, cell_size: float | None = None, bandwidth: float | None = None,
                   grid: Grid | None = None, weights=None, quiet: bool = False,
                   fdr: str = "bh", alpha: float = 0.05, area="hull",
                   permutations: int | None = None, seed: int | None = SEED,
                   inference: str = "permutation") -> GridGiStar:
    """Hot and cold spots of point counts on a grid (Gi*, permutation p-values, FDR control).

    ``bandwidth`` is the distance band in metres (default cell_size × √2, announced).
    ``area`` is the study area (:mod:`workbench.analysis.study_area`): the partnership
    boundary when you have it; by default the points' convex hull. Points outside it are not
    counted (their number is reported) and cells outside it are not tested.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> pts = np.vstack([rng.uniform(0, 2000, (400, 2)), rng.normal(1000, 40, (200, 2))]) + 450000
    >>> r = hotspot_gistar(pts, cell_size=100, quiet=True)
    >>> r.to_frame().sort_values("count").iloc[-1]["hotspot"]
    'hot'
    """
    pts = check.coordinates(xy)
    study = resolve_area(area, pts, quiet)
    keep = study.contains(pts)
    w = None if weights is None else check.counts(weights, "weights")[keep]
    gc = grid_counts(pts[keep], cell_size=cell_size, grid=grid, weights=w, quiet=quiet)
    size = gc.grid.cell_size
    if bandwidth is None:
        bandwidth = size * np.sqrt(2)
        announce(f"Gi* distance band set to {bandwidth:.0f} m (cell diagonal: each cell and its 8 "
                 "neighbours); pass bandwidth= to choose it.", quiet)
    gi = gi_star_lattice(gc.counts, size, check.positive(bandwidth, "bandwidth"), fdr, alpha,
                         mask=study.cell_mask(gc.grid), permutations=permutations, seed=seed,
                         inference=inference)
    return GridGiStar(grid=gc.grid, counts=gc.counts, gi=gi, area=study,
                      n_outside_area=int((~keep).sum()))
