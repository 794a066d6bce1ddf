"""Validate the built-in hypotheses on scenarios with planted truth (``workbench.demo.scenarios``).

:func:`validate` runs every hypothesis on every scenario for each seed and compares the
verdict with ``scenarios.TRUTH``; :func:`accuracy_table` summarises per hypothesis and
scenario. Seeds 1–10 were used while setting the thresholds; the reported table
(``docs/analysis.md``) uses held-out seeds 100–119.
"""

from __future__ import annotations

import pandas as pd

from workbench.analysis.hypotheses import run
from workbench.demo import scenarios as sc

HELD_OUT_SEEDS = tuple(range(100, 120))
TUNING_SEEDS = tuple(range(1, 11))


def validate(seeds=HELD_OUT_SEEDS, scenario_names=None, hypotheses=None, strength: float = 1.0) -> pd.DataFrame:
    """One row per (scenario, seed, hypothesis): expected and actual verdict.

    ``strength`` < 1 shrinks every planted change (``scenarios.generate``) to show power.

    Examples
    --------
    >>> r = validate(seeds=[1], scenario_names=["reporting_change"], hypotheses=["concentration"])
    >>> r[["scenario", "hypothesis", "expected", "verdict", "correct"]].values.tolist()   # police up, health flat
    [['reporting_change', 'concentration', 'not_supported', 'not_supported', True]]
    """
    rows = []
    current, baseline = ":".join(sc.CURRENT), ":".join(sc.BASELINE)
    for name in scenario_names or list(sc.SCENARIOS):
        for seed in seeds:
            data = sc.generate(name, seed, strength)
            for hyp in hypotheses or list(sc.TRUTH[name]):
                v = run(hyp, data, current, baseline)
                rows.append({"scenario": name, "seed": seed, "hypothesis": hyp,
                             "expected": sc.TRUTH[name][hyp], "verdict": v.verdict,
                             "correct": v.verdict == sc.TRUTH[name][hyp], "reason": v.reason})
    return pd.DataFrame(rows)


def accuracy_table(results: pd.DataFrame) -> pd.DataFrame:
    """Accuracy per scenario (rows) and hypothesis (columns), with the expected verdict.

    Examples
    --------
    >>> results = pd.DataFrame({"scenario": ["s", "s", "s"], "seed": [1, 2, 3], "hypothesis": ["h"] * 3,
    ...                         "expected": ["supported"] * 3, "correct": [True, True, False]})
    >>> accuracy_table(results).loc["s", "h"]
    '67% (supported)'
    """
    acc = results.groupby(["scenario", "hypothesis"])["correct"].mean().unstack("hypothesis")
    exp = results.groupby(["scenario", "hypothesis"])["expected"].first().unstack("hypothesis")
    out = acc.copy().astype(object)
    for col in acc.columns:
        out[col] = [f"{a:.0%} ({e})" for a, e in zip(acc[col], exp[col])]
    return out.reindex(list(dict.fromkeys(results["scenario"])))


def false_supported(results: pd.DataFrame) -> int:
    """Count of 'supported' verdicts where the truth is not 'supported'.

    Examples
    --------
    >>> results = pd.DataFrame({"verdict": ["supported", "supported", "not_supported"],
    ...                         "expected": ["supported", "inconclusive", "supported"]})
    >>> false_supported(results)                     # only the second claims support it should not
    1
    """
    return int(((results["verdict"] == "supported") & (results["expected"] != "supported")).sum())
