"""Knox test for space–time interaction and the banded near-repeat table.

**Global Knox** (:func:`knox`): pairs of events closer than ``delta`` metres (≤) *and*
``tau`` days (≤) apart. Matches ``pointpats.Knox`` on the Burkitt data (δ = 20, τ = 5:
X = 13, expected 10.14382): expected = NS · NT / pairs, ``p_poisson`` = P(Poisson(expected)
≥ X) (pointpats reports P(Poisson > X), one step stricter: 0.146 there, 0.222 here). The permutation p-value shuffles event times over locations
(``(1 + #{X_sim ≥ X}) / (1 + permutations)``), the Monte Carlo scheme of the near-repeat
calculator; pointpats draws its permutations differently, so ``p_sim`` differs from its value.

**Banded near-repeat table** (:func:`near_repeat`, Ratcliffe and Rengert 2008; Johnson et al.
2007). Band edges — pinned and documented in ``docs/analysis.md``:

* spatial bands are right-closed: ``[0, e1], (e1, e2], …``; pairs farther than the last
  edge form the ``beyond`` band;
* temporal bands (days) are right-closed the same way: with edges (0, 7, 14, …) the first band
  is "0–7 days", the second "more than 7, up to 14" — for whole-day dates this is the
  near-repeat calculator's 0–7, 8–14, …;
* the statistic in each cell is the number of pairs; its expectation is the mean over
  ``permutations`` random reassignments of times to places (times shuffled, locations fixed);
  ``knox_ratio`` = observed / expected, ``p_value`` = ``(1 + #{sim ≥ obs}) / (1 + permutations)``.

**Date precision** (guidance 4.2.3): both functions are days-scale methods and refuse
month-precision dates (:func:`workbench.analysis.fitness.require_day_precision`): police.uk
publishes months only, recorded as the 1st, and a "0–7 days" band on such dates really means
"same month" (a Knox ratio of 1.68 on a real force year meant nothing more). Numbers are taken
as day-precise; ``date_precision='day'`` asserts real days, ``'month'`` declares month-only.

Written by hand because pointpats' ``Knox`` builds Python sets of neighbours per event and
handles one (δ, τ) pair at a time: the banded table needs every band at once. Only pairs
within the largest spatial edge are materialised (KD-tree); the ``beyond`` row follows from
the all-pairs time-difference histogram, which permuting times cannot change.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import cKDTree

from workbench.analysis import _validate as check
from workbench.analysis.fitness import Needs, require_day_precision
from workbench.analysis.results import Result

#: what Knox and the near-repeat table need of their data (the fitness gate, guidance 4.2.3)
NEEDS = Needs(date="day", coordinates=True)


def _times(t) -> np.ndarray:
    arr = np.asarray(t)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if np.issubdtype(arr.dtype, np.number):
        return arr.astype(float)
    ts = pd.to_datetime(pd.Series(arr), errors="coerce")
    if ts.isna().any():
        raise check.BadInput(f"`times` has {int(ts.isna().sum())} value(s) that are not dates.")
    return (ts - pd.Timestamp("1970-01-01")).dt.total_seconds().to_numpy() / 86400.0


def _pairs_within(xy: np.ndarray, d: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = cKDTree(xy).query_pairs(d, output_type="ndarray")
    if pairs.size == 0:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    i, j = pairs[:, 0], pairs[:, 1]
    dist = np.hypot(*(xy[i] - xy[j]).T)
    return i, j, dist


def _all_pairs_time_counts(t: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Number of unordered pairs with |Δt| ≤ each upper edge (O(n log n))."""
    ts = np.sort(t)
    out = []
    for e in upper:
        j = np.searchsorted(ts, ts + e, side="right")
        out.append(float((j - np.arange(ts.size) - 1).sum()))
    return np.array(out)


@dataclasses.dataclass
class KnoxResult(Result):
    """Global Knox statistic.

    Examples
    --------
    >>> r = knox([[0, 0], [5, 0], [100, 100], [105, 100]], [0, 1, 1, 9], delta=10, tau=2, permutations=0)
    >>> r.n_pairs, r.n_space_pairs, r.n_time_pairs, r.statistic, round(r.expected, 3)   # 2 close pairs, 1 also close in time
    (6, 2, 3, 1, 1.0)
    """

    statistic: int
    expected: float
    n_space_pairs: int
    n_time_pairs: int
    n_pairs: int
    p_poisson: float
    p_sim: float | None
    permutations: int


def knox(xy, times, delta: float, tau: float, permutations: int = 999, seed=None,
         date_precision: str = "auto") -> KnoxResult:
    """Global Knox test: pairs within ``delta`` metres and ``tau`` days (both ≤).

    Examples
    --------
    >>> r = knox([[0, 0], [5, 0], [100, 100]], [0, 1, 1], delta=10, tau=2, permutations=0)
    >>> r.statistic, r.n_space_pairs, r.n_time_pairs
    (1, 1, 3)
    """
    pts = check.coordinates(xy, "xy", bng=False)
    d, ta = check.positive(delta, "delta"), check.positive(tau, "tau")
    require_day_precision(times, "knox", days=ta, date_precision_given=date_precision)
    t = _times(times)
    check.same_length(pts, t, "xy", "times")
    n = pts.shape[0]
    i, j, _ = _pairs_within(pts, d)
    ns = i.size
    nt = int(_all_pairs_time_counts(t, np.array([ta]))[0])
    npairs = n * (n - 1) // 2
    x = int((np.abs(t[i] - t[j]) <= ta).sum())
    expected = ns * nt / npairs if npairs else 0.0
    p_pois = float(stats.poisson.sf(x - 1, expected)) if expected > 0 else 1.0
    p_sim = None
    if permutations:
        rng = np.random.default_rng(seed)
        ge = 0
        for _ in range(int(permutations)):
            tp = rng.permutation(t)
            ge += int((np.abs(tp[i] - tp[j]) <= ta).sum() >= x)
        p_sim = (ge + 1) / (permutations + 1)
    return KnoxResult(statistic=x, expected=float(expected), n_space_pairs=int(ns), n_time_pairs=nt,
                      n_pairs=int(npairs), p_poisson=p_pois, p_sim=p_sim, permutations=int(permutations))


@dataclasses.dataclass
class NearRepeatTable(Result):
    """Observed and expected pair counts per (distance band, time band).

    Examples
    --------
    >>> tab = near_repeat([[0, 0], [50, 0], [1000, 0]], [0, 3, 3], distance_edges=(0, 100),
    ...                   time_edges=(0, 7), permutations=9, seed=1, date_precision="day")
    >>> tab.to_frame()[["distance_band", "time_band", "observed"]].values.tolist()
    [['0-100 m', '0-7 days', 1], ['0-100 m', '>7 days', 0], ['>100 m', '0-7 days', 2], ['>100 m', '>7 days', 0]]
    """

    table: pd.DataFrame
    permutations: int
    distance_edges: list
    time_edges: list

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _band_labels(edges: np.ndarray, unit: str) -> list[str]:
    labels = [f"0-{edges[1]:g} {unit}"]
    labels += [f">{a:g}-{b:g} {unit}" for a, b in zip(edges[1:-1], edges[2:])]
    return labels + [f">{edges[-1]:g} {unit}"]


def near_repeat(xy, times, distance_edges=(0, 100, 200, 300, 400), time_edges=(0, 7, 14, 21, 28),
                permutations: int = 999, seed=None, batch: int = 50,
                date_precision: str = "auto") -> NearRepeatTable:
    """Banded Knox table with Monte Carlo p-values (near-repeat calculator).

    Parameters
    ----------
    xy : (n, 2) BNG metres
    times : dates or days (numbers)
    distance_edges, time_edges : increasing edges from 0 (metres, days); bands right-closed
    permutations : int
    seed : int, optional
    date_precision : ``'auto'`` (dates all on the 1st of a month are refused), ``'day'``
        (assert the dates are real days) or ``'month'`` (declared month-only: refused)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> xy = rng.uniform(450000, 452000, (200, 2)); t = rng.uniform(0, 365, 200)
    >>> tab = near_repeat(xy, t, permutations=99, seed=1).table
    >>> bool(((tab.p_value >= 0) & (tab.p_value <= 1)).all())
    True
    """
    pts = check.coordinates(xy, bng=False)
    de = check.edges(distance_edges, "distance_edges")
    te = check.edges(time_edges, "time_edges")
    require_day_precision(times, "near_repeat", days=float(te[1]), date_precision_given=date_precision)
    t = _times(times)
    check.same_length(pts, t, "xy", "times")
    nd, nt = de.size - 1, te.size - 1
    i, j, dist = _pairs_within(pts, de[-1])
    dband = np.searchsorted(de[1:], dist, side="left")
    ncell = (nd + 1) * (nt + 1)

    def table_for(tt):
        tb = np.searchsorted(te[1:], np.abs(tt[i] - tt[j]), side="left")
        return np.bincount(dband * (nt + 1) + tb, minlength=ncell).reshape(nd + 1, nt + 1)

    obs = table_for(t).astype(float)
    cum = _all_pairs_time_counts(t, te[1:])
    n = t.size
    total_by_t = np.diff(np.concatenate([[0.0], cum, [n * (n - 1) / 2]]))
    obs[nd] = total_by_t - obs[:nd].sum(axis=0)
    rng = np.random.default_rng(seed)
    sims_sum = np.zeros_like(obs)
    ge = np.zeros_like(obs)
    for start in range(0, int(permutations), batch):
        for _ in range(min(batch, int(permutations) - start)):
            s = table_for(rng.permutation(t)).astype(float)
            s[nd] = total_by_t - s[:nd].sum(axis=0)
            sims_sum += s
            ge += s >= obs
    rows = []
    dl, tl = _band_labels(de, "m"), _band_labels(te, "days")
    for a in range(nd + 1):
        for b in range(nt + 1):
            exp = sims_sum[a, b] / permutations if permutations else np.nan
            rows.append({"distance_band": dl[a], "time_band": tl[b], "observed": int(obs[a, b]),
                         "expected": float(exp),
                         "knox_ratio": float(obs[a, b] / exp) if permutations and exp > 0 else None,
                         "p_value": float((ge[a, b] + 1) / (permutations + 1)) if permutations else None})
    return NearRepeatTable(table=pd.DataFrame(rows), permutations=int(permutations),
                           distance_edges=de.tolist(), time_edges=te.tolist())
