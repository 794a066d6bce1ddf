"""Emerging issues: one rule for the tactical product and the tactical dashboard.

An issue is *emerging* when its rate in the current period is significantly higher than in
the baseline (one-sided exact conditional rate test,
:func:`workbench.analysis.change.exact_rate_test`, ``p < alpha``), at least
:data:`MIN_RATIO` times the baseline rate, on at least :data:`MIN_EVENTS` events — a large
relative rise on two or three events is noise to a tasking group (regulations appendix H
1.8–1.10: "emerging issues"). The written tactical assessment
(:mod:`workbench.products.tactical`) and the dashboard (:mod:`workbench.views.assess`) both
call :func:`exceedance`, so they flag the same issues.

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
    """The current count against the count expected at the baseline rate."""

    current: int
    expected: float
    rate_ratio: float | None
    percent_change: float | None
    p_value: float
    emerging: bool


def exceedance(current, baseline, current_days: float, baseline_days: float,
               alpha: float = 0.05) -> Exceedance:
    """Test ``current`` events in ``current_days`` against ``baseline`` in ``baseline_days``."""
    test = exact_rate_test(current, baseline, current_days, baseline_days, "greater")
    rr = test.rate_ratio
    emerging = bool(test.p_value < alpha and test.current >= MIN_EVENTS
                    and (rr is None or rr >= MIN_RATIO))
    return Exceedance(test.current, round(test.expected, 1), rr, test.percent_change,
                      test.p_value, emerging)
