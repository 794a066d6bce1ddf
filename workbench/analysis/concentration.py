"""Concentration of events across places: Lorenz/Gini, top-x% share, PAI/PEI, ODI.

* **Gini** (``gini``): ``G = 2 Σ i x_(i) / (n Σ x) − (n + 1)/n`` with counts sorted
  ascending (the Lorenz-curve area form). Two corrections from Bernasco and Steenbeek
  (2017, "More places than crimes", *J. Quantitative Criminology* 33, 451–467; R package
  ``lorenzgini``):
  - *unbiased* (small-sample) ``G × n/(n − 1)``: (10, 0×9) → 0.90 biased, 1.0 unbiased;
  - *generalised* for sparse data (fewer events N than places n): equality is redefined as
    "every event at a different place", whose Gini is ``1 − N/n``; ``G' = (G − (1 − N/n)) / (N/n)``
    when N < n (else ``G' = G``): (5, 2, 1, 0×7) → G = 0.80, G' = 0.75.
* **Top share** (``top_share``): share of events in the top x% of places (ties broken by
  order; the number of places is ``ceil(x · n)``).
* **PAI / PEI** (``pai_pei``): Predictive Accuracy Index ``(n/N)/(a/A)`` of a set of flagged
  cells (Chainey, Tompson & Uhlig 2008) and the Predictive Efficiency Index ``PAI/PAI*``
  where ``PAI*`` flags the same number of cells with the most events (Hunt 2016).
* **Places are the study area's places.** On a grid, the places are the cells inside the
  partnership (or force) boundary, empty ones included: ``grid_counts(xy, cell_size,
  area=boundary).counts_in_area()`` (:mod:`workbench.analysis.study_area`). A bounding-box
  grid adds sea and the neighbouring force's land as "places without crime" and inflates the
  Gini (issue 12).
* **Offence Dispersion Index** (``offence_dispersion``): Ratcliffe (2010, "The spatial
  dependency of crime increase dispersion", *Security Journal* 23, 18–36): remove areas in
  order of their increase, largest first, until the overall change is no longer an
  increase; ODI = areas removed / areas. Near 0 = the increase sits in a few areas
  (concentrated); near 1 = it is spread (dispersed).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.analysis import _validate as check
from workbench.analysis.results import Result


def lorenz_curve(counts) -> pd.DataFrame:
    """Cumulative share of places (most-affected first) against cumulative share of events.

    Examples
    --------
    >>> lorenz_curve([3, 1, 0, 0])["share_events"].round(2).tolist()
    [0.0, 0.75, 1.0, 1.0, 1.0]
    """
    x = np.sort(check.counts(counts))[::-1]
    total = x.sum()
    share = np.concatenate([[0.0], np.cumsum(x) / total]) if total > 0 else np.zeros(x.size + 1)
    return pd.DataFrame({"share_places": np.arange(x.size + 1) / x.size, "share_events": share})


@dataclasses.dataclass
class GiniResult(Result):
    """Gini coefficient of counts across places with the Bernasco–Steenbeek corrections.

    Examples
    --------
    >>> r = gini([4, 0, 0, 0])     # every event in one place of four
    >>> r.gini, round(r.gini_unbiased, 3), r.n_places, r.n_events
    (0.75, 1.0, 4, 4.0)
    """

    gini: float
    gini_unbiased: float
    gini_generalised: float
    n_places: int
    n_events: float


def gini(counts) -> GiniResult:
    """Gini coefficient of event counts across places (biased, unbiased and generalised).

    Examples
    --------
    >>> r = gini([5, 2, 1] + [0] * 7)
    >>> round(r.gini, 2), round(r.gini_generalised, 2)
    (0.8, 0.75)
    """
    x = np.sort(check.counts(counts))
    n, total = x.size, x.sum()
    if total <= 0:
        raise check.BadInput("`counts` sum to zero: the Gini coefficient needs at least one event.")
    g = 2.0 * np.sum(np.arange(1, n + 1) * x) / (n * total) - (n + 1.0) / n
    g_unb = g * n / (n - 1) if n > 1 else float("nan")
    if total < n:
        floor = 1.0 - total / n
        g_gen = (g - floor) / (total / n)
    else:
        g_gen = g
    return GiniResult(gini=float(g), gini_unbiased=float(g_unb), gini_generalised=float(g_gen),
                      n_places=int(n), n_events=float(total))


def top_share(counts, top: float = 0.05) -> float:
    """Share of events in the top ``top`` fraction of places.

    Examples
    --------
    >>> top_share([10, 8, 2] + [0] * 7, top=0.1)
    0.5
    """
    x = np.sort(check.counts(counts))[::-1]
    frac = check.probability(top, "top") if top < 1 else 1.0
    k = int(np.ceil(frac * x.size - 1e-9))
    return float(x[:k].sum() / x.sum()) if x.sum() > 0 else 0.0


@dataclasses.dataclass
class PAIResult(Result):
    """PAI (predictive accuracy index), its maximum, PEI and the hit rate and area share behind them.

    Examples
    --------
    >>> r = pai_pei([6, 2, 2, 0], [True, False, False, False])
    >>> r.hit_rate, r.area_share, r.pai, r.pai_max, r.pei
    (0.6, 0.25, 2.4, 2.4, 1.0)
    """

    pai: float
    pai_max: float
    pei: float
    hit_rate: float
    area_share: float


def pai_pei(counts, flagged) -> PAIResult:
    """PAI and PEI of flagged cells (equal-area cells) against the events in ``counts``.

    Examples
    --------
    >>> r = pai_pei([5, 3, 1, 1, 0], [True, False, True, False, False])
    >>> round(r.pai, 2), round(r.pei, 2)
    (1.5, 0.75)
    """
    y = check.counts(counts)
    f = np.asarray(flagged, dtype=bool).ravel()
    check.same_length(y, f, "counts", "flagged")
    total = y.sum()
    if total <= 0 or f.sum() == 0:
        raise check.BadInput("PAI needs at least one event and at least one flagged cell.")
    a = f.sum() / f.size
    hit = y[f].sum() / total
    best = np.sort(y)[::-1][: int(f.sum())].sum() / total
    pai, pai_max = hit / a, best / a
    return PAIResult(pai=float(pai), pai_max=float(pai_max), pei=float(pai / pai_max if pai_max else 0.0),
                     hit_rate=float(hit), area_share=float(a))


@dataclasses.dataclass
class DispersionResult(Result):
    """Offence Dispersion Index and the areas that carry the increase.

    Examples
    --------
    >>> r = offence_dispersion([9, 6, 2], [2, 5, 2], areas=["A", "B", "C"])
    >>> r.total_change, r.n_removed, r.to_frame()["area"].tolist()
    (8.0, 2, ['A', 'B'])
    """

    odi: float
    n_areas: int
    n_removed: int
    total_change: float
    removed: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.removed


def offence_dispersion(current, baseline, areas=None) -> DispersionResult:
    """Ratcliffe's (2010) Offence Dispersion Index for an increase between two periods.

    Parameters
    ----------
    current, baseline : array-like
        Counts per area in each period (same order).
    areas : array-like, optional
        Area labels (default 0…n−1).

    Examples
    --------
    >>> offence_dispersion([20, 5, 5, 5], [5, 5, 5, 5]).odi
    0.25
    """
    c, b = check.counts(current, "current"), check.counts(baseline, "baseline")
    check.same_length(c, b, "current", "baseline")
    labels = np.arange(c.size) if areas is None else np.asarray(areas)
    change = c - b
    total = change.sum()
    if total <= 0:
        raise check.BadInput(f"There is no overall increase (change {total:+g}); the Offence "
                             "Dispersion Index describes how an increase is spread.")
    order = np.argsort(-change, kind="stable")
    remaining, k = total, 0
    while remaining > 0 and k < c.size:
        remaining -= change[order[k]]
        k += 1
    removed = pd.DataFrame({"area": labels[order[:k]], "baseline": b[order[:k]],
                            "current": c[order[:k]], "change": change[order[:k]]})
    return DispersionResult(odi=float(k / c.size), n_areas=int(c.size), n_removed=int(k),
                            total_change=float(total), removed=removed)
