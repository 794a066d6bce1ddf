"""workbench.viz.charts: the examples in its docstrings, and priority-matrix labels that cannot overlap."""

from __future__ import annotations

import doctest

import pandas as pd

from workbench.viz import charts


def test_docstring_examples():
    result = doctest.testmod(charts)
    assert result.attempted > 0 and result.failed == 0


def test_issues_sharing_a_cell_get_one_label_in_rank_order():
    frame = pd.DataFrame({"likelihood": [5, 5, 5, 8, 6], "impact": [10, 10, 9, 10, 2],
                          "label": ["Robbery", "Weapons", "Burglary", "Violence", "Fraud"],
                          "rank": [6, 5, 9, 1, 12], "band": ["high"] * 5})
    labels = charts.priority_labels(frame, x="likelihood", y="impact", label="label", top=10)
    assert len(labels) == len(labels[["_x", "_y"]].drop_duplicates()) == 3   # one per cell, Fraud unranked
    cell = labels.set_index(["likelihood", "impact"])["_text"]
    assert cell[(5, 10)] == "5. Weapons\n6. Robbery"
    assert "Fraud" not in "".join(labels["_text"])
    chart = charts.priority_matrix(frame, x="likelihood", y="impact", label="label")
    assert chart is not None
