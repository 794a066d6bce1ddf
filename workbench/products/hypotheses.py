"""Posing and testing the problem profile's hypotheses with the analysis library.

The 3i model asks the analyst to identify "what hypotheses need to be tested" (guidance
Appendix 2 (1)). The tests belong to :mod:`workbench.analysis.hypotheses`; this module runs
them on the product's depersonalised source and returns their results as dicts in the
published contract (CONTRACTS.md "Analysis": hypothesis, verdict, p_value, statistic,
effect, evidence, datasets, caveats — plus reason and question). A test that cannot run
(bad input, a missing resource) is reported with verdict ``not run`` and the reason, and
becomes a knowledge gap in the product — never a silent omission.
"""

from __future__ import annotations

import datetime as dt

from workbench.errors import WorkbenchError
from workbench.viz import numbers


def _period(p) -> str:
    return f"{p[0]}:{p[1]}"


def names() -> list[str]:
    """The hypotheses the analysis library offers.

    Examples
    --------
    >>> names()
    ['concentration', 'premises', 'reporting', 'seriousness']
    """
    from workbench.analysis import hypotheses as H

    return H.names()


def run_hypothesis(name: str, source, current: tuple[dt.date, dt.date],
                   baseline: tuple[dt.date, dt.date], offences: str | None = None) -> dict:
    """Run one hypothesis test on ``source`` and return its result as a dict.

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> from workbench.products.problem import default_periods
    >>> current, baseline = default_periods(tier)
    >>> r = run_hypothesis("concentration", tier, current, baseline)
    >>> r["hypothesis"], r["verdict"]                       # 30 offences cannot carry a verdict
    ('concentration', 'inconclusive')
    >>> run_hypothesis("nope", tier, current, baseline)["reason"]
    "`hypothesis` must be one of 'concentration', 'premises', 'reporting', 'seriousness'; received 'nope'."
    """
    from workbench.analysis import hypotheses as H

    try:
        return H.run(name, source, _period(current), _period(baseline), offences).to_dict()
    except WorkbenchError as exc:
        return {"hypothesis": name, "verdict": "not run", "reason": str(exc), "question": "",
                "p_value": None, "statistic": None, "effect": {}, "evidence": [], "datasets": [],
                "caveats": [f"Not tested: {exc}"]}


def run_hypotheses(source, current, baseline, offences: str | None = None, names_=None) -> list[dict]:
    """Run every hypothesis in ``names_`` (default: all the library registers).

    Examples
    --------
    >>> from workbench.demo.build import _example_tier
    >>> tier = _example_tier()                             # the smallest demo's shared tier (9 s once)
    >>> from workbench.products.problem import default_periods
    >>> [(r["hypothesis"], r["verdict"]) for r in run_hypotheses(tier, *default_periods(tier))]
    [('concentration', 'inconclusive'), ('premises', 'inconclusive'), ('reporting', 'inconclusive'), ('seriousness', 'inconclusive')]
    """
    return [run_hypothesis(n, source, current, baseline, offences) for n in (names_ or names())]


def _shown(key, value) -> str:
    """An evidence value in a sentence: p-values and other floats in ordinary notation (issue 18)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if str(key) in numbers.P_COLUMNS:
        return numbers.p_value(value)
    return numbers.small_number(value) if isinstance(value, float) else f"{value:,}"


def evidence_items(result: dict) -> tuple[list[str], list[tuple[str, list[dict]]]]:
    """Split a result's evidence into sentences and (title, rows) tables.

    Examples
    --------
    >>> evidence_items({"evidence": ["a sentence", {"p_value": 0.00012, "n": 1200},
    ...                              {"title": "Counts", "rows": [{"x": 1}]}]})
    (['a sentence', 'p_value: <0.001; n: 1,200'], [('Counts', [{'x': 1}])])
    """
    sentences, tables = [], []
    for e in result.get("evidence") or []:
        if isinstance(e, dict) and "rows" in e:
            tables.append((str(e.get("title", "Evidence")), list(e["rows"])))
        elif isinstance(e, dict):
            sentences.append("; ".join(f"{k}: {_shown(k, v)}" for k, v in e.items()))
        else:
            sentences.append(str(e))
    return sentences, tables
