"""Tactical hotspots: one method on one grid for the tactical product and its dashboard.

A hotspot is a grid cell that Getis–Ord Gi* calls *hot* on the current period's counts
(:func:`workbench.analysis.gistar.hotspot_gistar`: every cell of the study area, empty ones
included, with its default conditional-permutation p-values and Benjamini–Hochberg
false-discovery control; the notes say so), on square
:data:`CELL_METRES` cells of the British National Grid. Each hot cell's change against the
baseline is the exact conditional rate test (:func:`workbench.analysis.change.exact_rate_test`):
``new`` (nothing in the baseline), ``growing`` (rate significantly higher and at least 1.2 ×),
``shrinking`` (below 0.8 × the expected count) or ``persisting``.

The written tactical assessment (:mod:`workbench.products.tactical`) and the tactical
dashboard (:mod:`workbench.dashboard_data.assess`) both call :func:`tactical_hotspots`, so a tasking
group sees the same cells on screen and on paper (regulations appendix H 1.8–1.10: "hotspots";
guidance Appendix 2 *where*).

Examples
--------
>>> import numpy as np, pandas as pd
>>> xs, ys = np.meshgrid(450075.0 + 150 * np.arange(20), 340075.0 + 150 * np.arange(20))
>>> cur = pd.DataFrame({"easting": xs.ravel(), "northing": ys.ravel(), "count": 1})
>>> cur.loc[(cur.easting < 450400) & (cur.northing < 340400), "count"] = 30   # 3 x 3 cells
>>> spots = tactical_hotspots(cur, cur.assign(count=10), exposure_ratio=28 / 364)
>>> hot = spots.hot()
>>> int((hot["current"] == 30).sum()), set(hot.loc[hot["current"] == 30, "change"])
(9, {'growing'})
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.analysis.change import exact_rate_tests
from workbench.analysis.gistar import hotspot_gistar
from workbench.analysis.grid import Grid
from workbench.analysis.results import Result

#: the side of a hotspot cell in metres (BNG): street-to-block scale, shared by the tactical
#: product, the dashboard's weekly cubes and its map
CELL_METRES = 150.0
#: a hotspot whose rate grew by at least this factor (and significantly) is 'growing'
GROWTH_RATIO = 1.2
COLUMNS = ["cell_easting", "cell_northing", "current", "expected", "rate_ratio", "p_value",
           "z", "gi_class", "change"]


@dataclasses.dataclass
class TacticalHotspots(Result):
    """Gi* class and change of every non-empty cell of the current period, hottest first.

    Attributes
    ----------
    cells : DataFrame
        :data:`COLUMNS`: cell centre (BNG metres), current count, the count expected at the
        baseline rate, rate ratio and its one-sided exact p-value, the Gi* z-score and class
        ('hot', 'cold', 'not significant') and the change word.
    cell_metres : float
        Side of a cell in metres.
    distance_band : float | None
        Gi* distance band in metres (None when there was nothing to test).
    notes : list of str
        What was chosen and why, in words for the reader.

    Examples
    --------
    >>> current, baseline = _example_cells()              # a planted 3 x 3 cluster of 12 a cell
    >>> spots = tactical_hotspots(current, baseline, 28 / 364)
    >>> spots.cells["gi_class"].value_counts().to_dict()
    {'not significant': 139, 'hot': 5}
    >>> spots.hot()[["current", "expected", "rate_ratio", "change"]].iloc[0].to_dict()
    {'current': 12, 'expected': 1.0, 'rate_ratio': 12.0, 'change': 'growing'}
    """

    cells: pd.DataFrame
    cell_metres: float
    distance_band: float | None
    notes: list

    def hot(self) -> pd.DataFrame:
        """The hotspots: cells Gi* calls hot, highest z first."""
        return self.cells[self.cells["gi_class"] == "hot"].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        return self.cells

    def to_dict(self) -> dict:
        return {"cell_metres": self.cell_metres, "distance_band": self.distance_band,
                "hot": self.hot().to_dict("records"), "notes": list(self.notes)}


def _change_words(test, alpha: float) -> np.ndarray:
    """Each cell's change word from its exact rate test, by precedence: ``new`` (no baseline
    events), ``growing`` (significant at ``alpha`` and a rate ratio of at least
    :data:`GROWTH_RATIO`), ``shrinking`` (under 80% of the expected count), else ``persisting``."""
    new = test.baseline == 0
    with np.errstate(invalid="ignore"):
        growing = ~new & (test.p_value < alpha) & (test.rate_ratio >= GROWTH_RATIO)
    shrinking = ~new & ~growing & (test.current < test.expected * 0.8)
    return np.select([new, growing, shrinking], ["new", "growing", "shrinking"], "persisting")


def _cell_keys(x: np.ndarray, y: np.ndarray, cell_metres: float) -> pd.MultiIndex:
    """The (column, row) of the ``cell_metres`` cell holding each point, as index keys."""
    return pd.MultiIndex.from_arrays([np.floor(x / cell_metres).astype(np.int64),
                                      np.floor(y / cell_metres).astype(np.int64)])


def tactical_hotspots(current: pd.DataFrame, baseline: pd.DataFrame, exposure_ratio: float, *,
                      cell_metres: float = CELL_METRES, alpha: float = 0.05,
                      area=None) -> TacticalHotspots:
    """Gi* hotspots of the current period and their change against the baseline.

    Parameters
    ----------
    current, baseline : DataFrame
        Counts per cell: ``easting``, ``northing`` (the cell centre, or any point inside the
        cell) and ``count``, on cells of ``cell_metres``.
    exposure_ratio : float
        Length of the current period over the baseline's (e.g. 28 / 364).
    cell_metres : float
        Cell side in metres (default :data:`CELL_METRES`).
    alpha : float
        Level of the Gi* false-discovery control and of the change test.
    area : PartnershipArea, optional
        The study area (the partnership's LSOA union, :func:`workbench.geo.boundaries.lsoa_union`);
        None: the convex hull of the current period's cells, said in the notes.

    Examples
    --------
    >>> current, baseline = _example_cells()              # a planted 3 x 3 cluster of 12 a cell
    >>> spots = tactical_hotspots(current, baseline, 28 / 364)
    >>> len(spots.hot()), sorted(set(spots.hot()["change"]))
    (5, ['growing'])
    >>> tactical_hotspots(current.assign(count=0), baseline, 28 / 364).notes
    ['No located events in the current period: no hotspots.']
    """
    current = current[current["count"] > 0]
    if current.empty:
        return TacticalHotspots(pd.DataFrame(columns=COLUMNS), cell_metres, None,
                                ["No located events in the current period: no hotspots."])
    xy = current[["easting", "northing"]].to_numpy(dtype=float)
    lo = np.floor(xy.min(axis=0) / cell_metres) * cell_metres
    n = (np.floor((xy.max(axis=0) - lo) / cell_metres) + 1).astype(int)
    grid = Grid(float(lo[0]), float(lo[1]), float(cell_metres), int(n[0]), int(n[1]))
    gi = hotspot_gistar(xy, grid=grid, weights=current["count"].to_numpy(dtype=float), quiet=True,
                        alpha=alpha, area="hull" if area is None else area)
    frame = gi.to_frame()
    frame = frame[frame["count"] > 0]
    counts = np.round(frame["count"].to_numpy(dtype=float)).astype(np.int64)
    keys = _cell_keys(frame["x"].to_numpy(float), frame["y"].to_numpy(float), cell_metres)
    base = np.zeros(len(frame), dtype=np.int64)
    if len(baseline):
        bkeys = _cell_keys(baseline["easting"].to_numpy(float), baseline["northing"].to_numpy(float), cell_metres)
        per_cell = pd.Series(baseline["count"].to_numpy(dtype=np.int64)).groupby(bkeys).sum()
        base = per_cell.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    test = exact_rate_tests(counts, base, exposure_ratio, 1.0, "greater")
    rows = pd.DataFrame({"cell_easting": frame["x"].to_numpy(float), "cell_northing": frame["y"].to_numpy(float),
                         "current": counts, "expected": [round(float(v), 1) for v in test.expected],
                         "rate_ratio": [None if np.isnan(v) else round(float(v), 2) for v in test.rate_ratio],
                         "p_value": test.p_value, "z": frame["z"].to_numpy(float),
                         "gi_class": frame["hotspot"].astype(str).to_numpy(), "change": _change_words(test, alpha)})
    cells = (rows[COLUMNS]
             .sort_values(["z", "cell_easting", "cell_northing"], ascending=[False, True, True])
             .reset_index(drop=True))
    band = float(gi.gi.distance_band)
    notes = [f"Hotspots: Getis–Ord Gi* on {cell_metres:.0f} m cells inside the study area "
             f"({gi.area.source}), distance band {band:,.0f} m (each cell and its eight neighbours). "
             f"Significance: {gi.gi.evidence()['text']} Change against the baseline by the exact "
             "rate test."]
    if gi.n_outside_area:
        notes.append(f"{gi.n_outside_area:,} located cells lie outside the study area and are not mapped.")
    return TacticalHotspots(cells, float(cell_metres), band, notes)


def _example_cells():
    """``(current, baseline)`` counts on a 12 x 12 grid of 150 m cells: 1 a cell in four weeks
    with a planted 3 x 3 cluster of 12, against 13 a cell a year (1 expected in four weeks)."""
    col, row = (a.ravel() for a in np.meshgrid(np.arange(12), np.arange(12)))
    current = pd.DataFrame({"easting": 440025 + 150 * col, "northing": 340125 + 150 * row, "count": 1})
    current.loc[(col // 3 == 1) & (row // 3 == 1), "count"] = 12
    return current, current.assign(count=13)
