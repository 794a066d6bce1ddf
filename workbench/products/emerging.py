"""Emerging issues: one rule for the tactical product and the tactical dashboard.

An issue is *emerging* when its rate in the current period is significantly higher than in
the baseline (one-sided exact conditional rate test,
:func:`workbench.analysis.change.exact_rate_test`, ``p < alpha``), at least
:data:`MIN_RATIO` times the baseline rate, on at least :data:`MIN_EVENTS` events — a large
relative rise on two or three events is noise to a tasking group (regulations appendix H
1.8–1.10: "emerging issues"). The written tactical assessment
(:mod:`workbench.products.tactical`) and the dashboard (:mod:`workbench.dashboard_data.assess`) both
call :func:`exceedance`, so they flag the same issues.

Many issues are tested at once (a tactical assessment tests every issue it holds), so the
flags of one table are then held to a false discovery rate (:func:`emerging_in_family`,
Benjamini–Hochberg at ``alpha`` over the issues tested together): with fourteen issues and no
change at all, ``p < 0.05`` alone called at least one issue emerging in 46% of assessments
(2,000 pattern-free Poisson assessments), and on the real City of London police.uk months it
flagged 21 of 168 type-months, with an emerging issue in 10 of 12 months
(``tests/test_emerging_family.py``). Benjamini & Hochberg (1995), *JRSS B* 57, 289–300.

Examples
--------
>>> e = exceedance(30, 100, 28, 364)
>>> e.emerging, round(e.rate_ratio, 2), e.expected
(True, 3.9, 7.7)
>>> exceedance(3, 1, 28, 364).emerging      # a large ratio on 3 events is not emerging
False
"""

from __future__ import annotations

import dataclasses

from workbench.analysis.change import exact_rate_test
from workbench.analysis.results import Result

#: fewest current-period events for an issue to be called emerging
MIN_EVENTS = 5
#: least rate ratio (current / baseline) for an issue to be called emerging
MIN_RATIO = 1.2


@dataclasses.dataclass
class Exceedance(Result):
    """The current count against the count expected at the baseline rate.

    Examples
    --------
    >>> e = exceedance(12, 52, 28, 364)
    >>> e.current, e.expected, e.emerging
    (12, 4.0, True)
    """

    current: int
    expected: float
    rate_ratio: float | None
    percent_change: float | None
    p_value: float
    emerging: bool


def exceedance(current, baseline, current_days: float, baseline_days: float,
               alpha: float = 0.05) -> Exceedance:
    """Test ``current`` events in ``current_days`` against ``baseline`` in ``baseline_days``.

    Emerging when the one-sided exact conditional rate test gives ``p < alpha``, the rate
    ratio is at least :data:`MIN_RATIO` and there are at least :data:`MIN_EVENTS` events.

    Examples
    --------
    >>> exceedance(30, 100, 28, 364).emerging, exceedance(9, 100, 28, 364).emerging
    (True, False)
    """
    test = exact_rate_test(current, baseline, current_days, baseline_days, "greater")
    rr = test.rate_ratio
    emerging = bool(test.p_value < alpha and test.current >= MIN_EVENTS
                    and (rr is None or rr >= MIN_RATIO))
    return Exceedance(test.current, round(test.expected, 1), rr, test.percent_change,
                      test.p_value, emerging)


def emerging_in_family(p_values, emerging, alpha: float = 0.05) -> list[bool]:
    """The emerging flags of issues tested together, held to a false discovery rate.

    ``p_values`` and ``emerging`` are those of :func:`exceedance` for each issue of one table
    (None for an issue not tested, e.g. a suppressed count: it stays not emerging and is not
    counted in the family). An issue stays emerging when its own rule holds **and** its
    Benjamini–Hochberg adjusted p-value is below ``alpha``.

    Examples
    --------
    >>> emerging_in_family([0.001, 0.04, None, 0.6], [True, True, False, False])
    [True, False, False, False]
    """
    from scipy import stats

    from workbench.errors import BadInput

    p_values, emerging = list(p_values), list(emerging)
    if len(p_values) != len(emerging):
        raise BadInput(f"`p_values` ({len(p_values)}) and `emerging` ({len(emerging)}) must list the same issues.")
    tested = [k for k, p in enumerate(p_values) if p is not None and p == p]
    out = [False] * len(p_values)
    if not tested:
        return out
    adjusted = stats.false_discovery_control([float(p_values[k]) for k in tested], method="bh")
    for k, a in zip(tested, adjusted):
        out[k] = bool(emerging[k]) and bool(a < alpha)
    return out


def emerging_table(counts, by: str, current_days: float, baseline_days: float,
                   alpha: float = 0.05):
    """:func:`exceedance` for each row of ``counts`` (columns ``by``, ``current``,
    ``baseline``, ``expected``), the flags held together by :func:`emerging_in_family`.

    A row whose count is missing (hidden by disclosure control) is not tested: its ``p_value``
    is empty and it is not emerging. Returns ``by``, ``current``, ``expected``,
    ``percent_change``, ``rate_ratio``, ``p_value``, ``emerging``, in the rows' order.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"issue": ["asb", "burglary", "arson"], "current": [30, 9, None],
    ...                        "baseline": [100, 100, 20], "expected": [7.7, 7.7, 1.5]})
    >>> emerging_table(counts, "issue", 28, 364)[["issue", "emerging"]].to_dict("records")
    [{'issue': 'asb', 'emerging': True}, {'issue': 'burglary', 'emerging': False}, {'issue': 'arson', 'emerging': False}]
    """
    import math

    import pandas as pd

    def missing(value) -> bool:
        return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)

    rows = []
    for r in counts.itertuples(index=False):
        name = getattr(r, by)
        if missing(r.current) or missing(r.baseline):
            rows.append((name, r.current, r.expected, None, None, None, False))
            continue
        res = exceedance(r.current, r.baseline, current_days, baseline_days, alpha)
        rows.append((name, r.current, r.expected, res.percent_change, res.rate_ratio, res.p_value, res.emerging))
    out = pd.DataFrame(rows, columns=[by, "current", "expected", "percent_change", "rate_ratio", "p_value",
                                      "emerging"])
    out["emerging"] = emerging_in_family(out["p_value"].tolist(), out["emerging"].tolist(), alpha)
    return out
