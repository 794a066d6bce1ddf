"""Disclosure control (guidance 2.4.1.2): suppression that totals cannot undo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import BadInput
from workbench.privacy.disclosure import (TOTAL, feasible_intervals, suppress_counts, suppress_table)


def _naive(table: pd.DataFrame, threshold=5):
    """Primary suppression only, totals published: the leaky way."""
    full = table.copy()
    full[TOTAL] = full.sum(axis=1)
    full.loc[TOTAL] = full.sum(axis=0)
    v = full.to_numpy()
    hidden = (v >= 1) & (v < threshold)
    return v, hidden


LEAKY = pd.DataFrame({"burglary": [3, 12, 20], "robbery": [9, 15, 7], "assault": [11, 8, 30]},
                     index=["Arboretum", "Bulwell", "Clifton"])


def test_naive_suppression_leaks_through_totals():
    v, hidden = _naive(LEAKY)
    intervals = feasible_intervals(v, hidden)
    (cell, (lo, hi)), = intervals.items()
    assert lo == hi == 3                                  # the hidden 3 is recovered exactly


def test_secondary_suppression_protects_every_hidden_cell():
    r = suppress_table(LEAKY)
    f = r.frame()
    assert np.isnan(f.loc["Arboretum", "burglary"])
    v, hidden = r.values.to_numpy(), r.hidden.to_numpy()
    for (lo, hi) in feasible_intervals(v, hidden).values():
        assert hi - lo >= 1
    for line in [*hidden, *hidden.T]:
        assert line.sum() != 1                           # no row or column with a lone hidden cell
    assert int(r.primary.to_numpy().sum()) == 1 and int(r.secondary.to_numpy().sum()) >= 3


def test_rows_and_columns_shown_add_up():
    r = suppress_table(LEAKY)
    assert r.values.loc[TOTAL, TOTAL] == LEAKY.to_numpy().sum()
    assert r.to_dict()["columns"][-1] == TOTAL


def test_threshold_and_low_are_configurable():
    t = pd.DataFrame({"a": [0, 6, 9], "b": [7, 8, 10]})
    assert not suppress_table(t).hidden.to_numpy().any()
    assert suppress_table(t, threshold=8).primary.to_numpy().sum() == 3     # 6, 7 and a total of 7
    assert suppress_table(t, low=0).primary.iloc[0, 0]                      # zeros hidden too


def test_rounding_to_base():
    r = suppress_table(pd.DataFrame({"a": [12, 23], "b": [31, 44]}), round_to=5)
    f = r.frame()
    assert (f.fillna(0).to_numpy() % 5 == 0).all()
    assert f.loc[TOTAL, TOTAL] == 110


def test_pinned_by_a_chain_of_margins_is_caught():
    """A pattern where every line has two hidden cells yet one is still pinned."""
    t = pd.DataFrame({"a": [2, 0, 50], "b": [0, 3, 50], "c": [40, 40, 1]})
    r = suppress_table(t)
    v, hidden = r.values.to_numpy(), r.hidden.to_numpy()
    for cell, (lo, hi) in feasible_intervals(v, hidden).items():
        assert hi - lo >= 1, (cell, lo, hi)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.data())
def test_property_no_hidden_cell_is_recoverable(rows, cols, data):
    values = data.draw(st.lists(st.integers(0, 30), min_size=rows * cols, max_size=rows * cols))
    t = pd.DataFrame(np.array(values).reshape(rows, cols))
    r = suppress_table(t)
    v, hidden = r.values.to_numpy(), r.hidden.to_numpy()
    shown = r.frame().to_numpy()
    assert not ((shown >= 1) & (shown < 5)).any()           # no small count shown
    for (lo, hi) in feasible_intervals(v, hidden).values():
        assert hi - lo >= 0.5                               # nothing pinned exactly


def test_flat_counts_and_validation():
    assert suppress_counts([0, 1, 4, 5]).tolist() == [0, pd.NA, pd.NA, 5]
    with pytest.raises(BadInput, match="whole, non-negative"):
        suppress_table(pd.DataFrame({"a": [-1, 2]}))
    with pytest.raises(BadInput, match="zero rows"):
        suppress_table(pd.DataFrame())
    with pytest.raises(BadInput, match="low"):
        suppress_table(LEAKY, threshold=3, low=3)


def test_crosstab_of_records():
    from workbench.privacy.disclosure import suppress_crosstab

    df = pd.DataFrame({"lsoa": ["A"] * 3 + ["B"] * 20 + ["C"] * 12,
                       "type": ["burglary"] * 3 + ["robbery"] * 20 + ["burglary"] * 6 + ["robbery"] * 6})
    r = suppress_crosstab(df, "lsoa", "type")
    assert r.values.loc[TOTAL, TOTAL] == 35 and r.hidden.loc["A", "burglary"]
    for (lo, hi) in feasible_intervals(r.values.to_numpy(), r.hidden.to_numpy()).values():
        assert hi - lo >= 1
    with pytest.raises(BadInput, match="no column"):
        suppress_crosstab(df, "ward", "type")
