"""The tactical hotspots' per-cell change tests run as one array computation and the
dashboard shares one Gi* per question (the ``dashboard_filter_p95`` regression): the
answers are those of the scalar test cell by cell, and the shared result never crosses
partnership scopes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workbench.analysis.change import exact_rate_test, exact_rate_tests  # noqa: E402
from workbench.products.hotspots import GROWTH_RATIO, tactical_hotspots  # noqa: E402


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
@pytest.mark.parametrize("exposures", [(1.0, 1.0), (28.0, 364.0), (0.3, 5.1)])
def test_array_form_equals_the_scalar_test_exactly(alternative, exposures):
    rng = np.random.default_rng(7)
    current = np.r_[rng.integers(0, 60, 150), 0, 0, 4, 900]
    baseline = np.r_[rng.integers(0, 250, 150), 0, 9, 0, 1000]
    many = exact_rate_tests(current, baseline, *exposures, alternative)
    for i, (c, b) in enumerate(zip(current, baseline)):
        one = exact_rate_test(int(c), int(b), *exposures, alternative)
        assert one.p_value == many.p_value[i] and one.expected == many.expected[i]
        assert (one.rate_ratio is None) == bool(np.isnan(many.rate_ratio[i]))
        assert one.rate_ratio is None or one.rate_ratio == many.rate_ratio[i]


def test_array_form_refuses_what_the_scalar_refuses():
    with pytest.raises(ValueError, match="differ in length"):
        exact_rate_tests([1, 2], [1])
    with pytest.raises(ValueError, match="non-negative"):
        exact_rate_tests([-1], [1])


def _cells(seed: int, n: int, spread: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    e, nn = rng.normal(450_000, spread, n), rng.normal(340_000, spread, n)
    return (pd.DataFrame({"easting": np.floor(e / 150) * 150 + 75, "northing": np.floor(nn / 150) * 150 + 75,
                          "count": 1}).groupby(["easting", "northing"], as_index=False).sum())


@pytest.mark.parametrize("seed", [1, 2])
def test_each_cells_change_is_the_scalar_rule(seed):
    """Every mapped cell's expected count, rate ratio, p-value and word are what the scalar
    exact test and the word rule (new / growing / shrinking / persisting) give for it."""
    current, baseline = _cells(seed, 2500, 700), _cells(seed + 10, 20_000, 800)
    ratio = 28 / 364
    spots = tactical_hotspots(current, baseline, ratio)
    base = baseline.assign(col=np.floor(baseline["easting"] / 150), row=np.floor(baseline["northing"] / 150)) \
        .groupby(["col", "row"])["count"].sum()
    assert len(spots.cells) > 300 and set(spots.cells["change"]) >= {"growing", "shrinking", "persisting"}
    for r in spots.cells.itertuples(index=False):
        b = int(base.get((np.floor(r.cell_easting / 150), np.floor(r.cell_northing / 150)), 0))
        test = exact_rate_test(r.current, b, ratio, 1.0, "greater")
        word = ("new" if b == 0 else "growing" if test.p_value < 0.05 and test.rate_ratio >= GROWTH_RATIO
                else "shrinking" if r.current < test.expected * 0.8 else "persisting")
        assert (r.expected, r.p_value, r.change) == (round(test.expected, 1), test.p_value, word)
        assert r.rate_ratio == (None if test.rate_ratio is None else round(test.rate_ratio, 2)) or \
            (test.rate_ratio is None and pd.isna(r.rate_ratio))
