"""Hypothesis ``reporting``: the increase is a reporting (or recording) effect — police counts
rose while A&E and ambulance counts for the same kind of violence did not (guidance 3.2.12,
3.2.14: health data as an independent measure of violence).

"Same kind of violence": the police comparator is the selected offences that cause injury
(violence with injury and homicide) when the selection has any, else the whole selection (a
caveat says so). Health = A&E assault attendances (``health_ae_assault``) plus ambulance
call-outs (``ambulance_callout``), each counted in the same periods.

Test: ratio of rate ratios police vs health, ``(P₂/P₁)/(E₂/E₁)``, one-sided (police rose
faster), computed for the pooled health count and for each source; the p-value is the
conditional mid-p of the 2 × 2 table (:func:`workbench.analysis.triangulation.ratio_of_rate_ratios`),
which holds its level for small health counts beside large police counts, where the Wald z
(SE(log) = √(1/P₁ + 1/P₂ + 1/E₁ + 1/E₂), still reported with its interval) spends a fraction
of α = 0.001. **supported** when the police comparator rose significantly
(one-sided e-test, α = 0.05), the pooled RRR has p < 0.001 and RRR ≥ 1.15, and every single
health source points the same way (RRR > 1); otherwise **not_supported**. Inconclusive when no
health data is loaded, a health count is below 30, or there is no significant police increase
in the comparator — in particular when the selection rose only in offences without injury,
which health services do not see.
"""

from __future__ import annotations

import pandas as pd

from workbench.analysis.change import compare_periods
from workbench.analysis.fitness import Needs
from workbench.analysis.hypotheses.base import Hypothesis, Verdict, evidence, register
from workbench.analysis.hypotheses.common import MIN_EVENTS, POLICE, increase, police_offences, precheck
from workbench.analysis.offence_groups import HOMICIDE, VIOLENCE_WITH_INJURY
from workbench.analysis.triangulation import ratio_of_rate_ratios
from workbench.viz import numbers

HEALTH = {"health_ae_assault": "A&E", "ambulance_callout": "ambulance"}
ALPHA = 0.001
MIN_RRR = 1.15


def _health_count(source, dataset, period) -> int:
    f = source.frame(dataset, "incident_date", period)
    if "incident_type" in f and f["incident_type"].notna().any():
        t = f["incident_type"].astype("string").str.lower()
        f = f[t.str.contains("assault|violence|fight|stab|wound", regex=True).fillna(False).to_numpy()]
    return len(f)


@register
class ReportingHypothesis(Hypothesis):
    """The ``reporting`` hypothesis (module docstring: the test and the rule). Police counts
    rise by a third while A&E and ambulance counts stay flat in the ``reporting_change`` scenario:

    >>> import workbench.demo.scenarios as demo
    >>> from workbench.analysis import hypotheses
    >>> verdict = hypotheses.run("reporting", demo.generate("reporting_change", 1),
    ...                          current="2025-01-01:2025-03-31", baseline="2024-01-01:2024-03-31")
    >>> verdict.verdict
    'supported'
    """

    name = "reporting"
    question = ("Is the increase in police-recorded violence a reporting effect: police counts rose "
                "while A&E and ambulance counts for the same kind of violence did not?")
    datasets = (POLICE, "health_ae_assault", "ambulance_callout")
    needs = Needs(datasets=(POLICE,), optional=("health_ae_assault", "ambulance_callout"), date="month",
                  coverage=True, min_events=MIN_EVENTS)

    def test(self, source, current, baseline, offences, **_) -> Verdict:
        caveats = []
        injury = [c for c in offences if c.upper() in set(VIOLENCE_WITH_INJURY + HOMICIDE)]
        if injury:
            comparator = tuple(injury)
            caveats.append("police comparator: selected offences with injury (" + ", ".join(comparator) + ")")
        else:
            comparator = tuple(offences)
            caveats.append("none of the selected offences is an injury offence: the police comparator is the "
                           "whole selection, which health services may not see")
        available = [d for d in HEALTH if source.has(d)]
        if not available:
            return self.inconclusive("no A&E or ambulance data is loaded, so police counts cannot be "
                                     "triangulated", caveats=caveats)
        missing = [HEALTH[d] for d in HEALTH if d not in available]
        if missing:
            caveats.append(f"no {', '.join(missing)} data: the verdict rests on {', '.join(HEALTH[d] for d in available)} only")
        base = police_offences(source, baseline, comparator)
        cur = police_offences(source, current, comparator)
        early, change = precheck(self, base, cur, baseline, current, caveats=caveats)
        if early:
            if injury and len(injury) < len(offences):
                whole = increase(len(police_offences(source, baseline, offences)),
                                 len(police_offences(source, current, offences)), baseline, current)
                if whole.significant:
                    return self.inconclusive(
                        "the increase is in offences without injury (police injury violence did not rise "
                        f"significantly, {numbers.p_text(change.p_value)}); A&E and ambulance services do not see "
                        "those offences, so these data cannot test a reporting effect",
                        p_value=change.p_value, effect=early.effect, caveats=caveats)
            return early
        P1, P2 = len(base), len(cur)
        counts = {d: (_health_count(source, d, baseline), _health_count(source, d, current)) for d in available}
        low = {HEALTH[d]: v for d, v in counts.items() if min(v) < MIN_EVENTS}
        rows = [{"source": "police (comparator)", "baseline": P1, "current": P2}]
        rows += [{"source": HEALTH[d], "baseline": v[0], "current": v[1]} for d, v in counts.items()]
        table = pd.DataFrame(rows)
        table["rate_ratio"] = (table["current"] / current.days) / (table["baseline"] / baseline.days)
        ev = [evidence("Counts by source and period", table)]
        if low:
            return self.inconclusive(f"too few health records to compare ({low}; at least {MIN_EVENTS} needed)",
                                     evidence=ev, caveats=caveats)
        E1 = sum(v[0] for v in counts.values())
        E2 = sum(v[1] for v in counts.values())
        pooled = ratio_of_rate_ratios(P1, P2, E1, E2, alternative="greater")
        each = {HEALTH[d]: ratio_of_rate_ratios(P1, P2, v[0], v[1], alternative="greater") for d, v in counts.items()}
        health_change = compare_periods(E2, E1, current.days, baseline.days, "two-sided")
        effect = {"police_rate_ratio": change.rate_ratio, "health_rate_ratio": health_change.rate_ratio,
                  "ratio_of_rate_ratios": pooled.rrr, "rrr_ci": [pooled.ci_low, pooled.ci_high],
                  "se_log_rrr": pooled.se_log,
                  **{f"rrr_vs_{k}": v.rrr for k, v in each.items()},
                  **{f"p_vs_{k}": v.p_value for k, v in each.items()}}
        same_way = all(v.rrr is not None and v.rrr > 1 for v in each.values())
        if pooled.p_value < ALPHA and pooled.rrr >= MIN_RRR and same_way:
            verdict, reason = "supported", (
                f"police-recorded violence rose (rate ratio {change.rate_ratio:.2f}) while health counts moved "
                f"{health_change.rate_ratio:.2f}×: RRR {pooled.rrr:.2f}, {numbers.p_text(pooled.p_value)}")
        elif pooled.p_value < 0.05 and pooled.rrr > 1:
            verdict, reason = "not_supported", (
                f"police counts rose faster than health counts (police {change.rate_ratio:.2f}×, health "
                f"{health_change.rate_ratio:.2f}×; RRR {pooled.rrr:.2f}, {numbers.p_text(pooled.p_value)}) but not clearly "
                f"enough to call it a reporting effect (needs p < {ALPHA}, RRR ≥ {MIN_RRR} and every source > 1)")
        else:
            verdict, reason = "not_supported", (
                f"health counts moved with police counts (police {change.rate_ratio:.2f}×, health "
                f"{health_change.rate_ratio:.2f}×; RRR {pooled.rrr:.2f}, {numbers.p_text(pooled.p_value)}; needs "
                f"p < {ALPHA}, RRR ≥ {MIN_RRR} and every source > 1)")
        return Verdict.make(self, verdict, reason, p_value=pooled.p_value, statistic=pooled.z, effect=effect,
                            evidence=ev, caveats=caveats)
