"""The planted-truth validation of the built-in hypotheses (issue 4, "Validation").

Every hypothesis on every scenario of ``workbench.demo.scenarios`` over the 20 held-out seeds
(100–119; thresholds were set on seeds 1–10). The accuracy table is reported in
``docs/analysis.md``. Slow (a few minutes on a loaded 2-core machine), so marked ``slow``.
"""

from __future__ import annotations

import pytest

from workbench.demo.validation import HELD_OUT_SEEDS, accuracy_table, false_supported, validate


@pytest.mark.slow
def test_held_out_accuracy_and_no_false_supported():
    results = validate(HELD_OUT_SEEDS)
    assert len(results) == 6 * 20 * 4
    per_cell = results.groupby(["scenario", "hypothesis"])["correct"].mean()
    table = accuracy_table(results).to_string()
    assert false_supported(results) == 0, table
    assert results["correct"].mean() >= 0.95, table
    assert per_cell.min() >= 0.9, table


def test_validation_harness_on_one_seed():
    results = validate(seeds=(3,), scenario_names=["reporting_change"], hypotheses=["reporting", "seriousness"])
    assert list(results["verdict"]) == ["supported", "not_supported"]
    assert results["correct"].all()
