"""Hotspot change between two periods: emerging, persistent and diminishing hotspots.

Both periods are counted on **one** grid (covering the points of both) within **one** study
area (default: the convex hull of both periods' points; pass the partnership boundary as
``area``) and Gi* is run on each (:func:`workbench.analysis.gistar.hotspot_gistar`, same band,
conditional-permutation p-values and FDR correction). Each cell is classed:

* ``persistent`` — hot in both periods;
* ``emerging`` — hot now, not hot in the baseline;
* ``diminishing`` — hot in the baseline, not hot now;
* ``cold`` — cold now; otherwise ``none``.

The per-cell change is also tested with the square-root Poisson Z (scaled for unequal
period lengths), so a cell can be "hot in both" yet still rising significantly.

Reference: the emerging hot spot idea follows ESRI's Emerging Hot Spot Analysis (Gi* per
time step); guidance Appendix 2 (is the problem new, persistent, or fading?).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.analysis import _validate as check
from workbench.analysis.gistar import OUTSIDE, SEED, hotspot_gistar
from workbench.analysis.grid import Grid, make_grid
from workbench.analysis.results import Result
from workbench.analysis.study_area import resolve_area

CLASSES = ("persistent", "emerging", "diminishing", "cold", "none", OUTSIDE)


@dataclasses.dataclass
class HotspotChange(Result):
    """Per-cell change of Gi* hotspot status between two periods, with counts of each change class in ``summary``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bg = lambda n: rng.uniform(450000, 452000, (n, 2))
    >>> before = np.vstack([bg(400), rng.normal(450500, 30, (150, 2))])
    >>> after = np.vstack([bg(400), rng.normal(451500, 30, (150, 2))])
    >>> r = hotspot_change(before, after, cell_size=100, quiet=True)
    >>> cells = r.to_frame()
    >>> sorted(set(cells.loc[cells["x"] < 451000, "class"]) & {"emerging", "diminishing"})   # the old cluster's side
    ['diminishing']
    """

    grid: Grid
    cells: pd.DataFrame
    summary: dict

    def to_frame(self) -> pd.DataFrame:
        return self.cells

    def to_dict(self) -> dict:
        return {"grid": dataclasses.asdict(self.grid), "summary": self.summary}


def hotspot_change(xy_baseline, xy_current, cell_size: float | None = None, bandwidth: float | None = None,
                   grid: Grid | None = None, quiet: bool = False, fdr: str = "bh", alpha: float = 0.05,
                   baseline_days: float = 1.0, current_days: float = 1.0, area="hull",
                   seed: int | None = SEED) -> HotspotChange:
    """Classify grid cells by how their Gi* hotspot status changed between two periods.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> bg = lambda n: rng.uniform(450000, 452000, (n, 2))
    >>> before = np.vstack([bg(400), rng.normal(450500, 30, (150, 2))])
    >>> after = np.vstack([bg(400), rng.normal(451500, 30, (150, 2))])
    >>> r = hotspot_change(before, after, cell_size=100, quiet=True)
    >>> r.summary["emerging"] > 0 and r.summary["diminishing"] > 0
    True
    """
    b = check.coordinates(xy_baseline, "xy_baseline")
    c = check.coordinates(xy_current, "xy_current")
    both = np.vstack([b, c])
    study = resolve_area(area, both, quiet)
    g = grid if grid is not None else make_grid(both, cell_size, quiet=quiet)
    if bandwidth is None:
        bandwidth = g.cell_size * np.sqrt(2)
    gb = hotspot_gistar(b, grid=g, bandwidth=bandwidth, quiet=True, fdr=fdr, alpha=alpha, area=study, seed=seed)
    gc = hotspot_gistar(c, grid=g, bandwidth=bandwidth, quiet=True, fdr=fdr, alpha=alpha, area=study, seed=seed)
    hb, hc = gb.gi.hotspot, gc.gi.hotspot
    cls = np.full(hb.shape, "none", dtype=object)
    cls[hc == OUTSIDE] = OUTSIDE
    cls[(hc == "cold")] = "cold"
    cls[(hb == "hot") & (hc != "hot")] = "diminishing"
    cls[(hb != "hot") & (hc == "hot")] = "emerging"
    cls[(hb == "hot") & (hc == "hot")] = "persistent"
    cb, cc = gb.counts.ravel(), gc.counts.ravel()
    scaled = cb * check.positive(current_days, "current_days") / check.positive(baseline_days, "baseline_days")
    centres = g.centres()
    cells = pd.DataFrame({"cell_id": np.arange(cb.size), "x": centres[:, 0], "y": centres[:, 1],
                          "baseline": cb, "current": cc, "z_baseline": gb.gi.z, "z_current": gc.gi.z,
                          "change_z": 2 * (np.sqrt(cc) - np.sqrt(scaled)), "class": cls})
    summary = {k: int((cls == k).sum()) for k in CLASSES}
    summary["significance"] = gc.gi.evidence()["text"]
    summary["study_area"] = study.source
    return HotspotChange(grid=g, cells=cells, summary=summary)
