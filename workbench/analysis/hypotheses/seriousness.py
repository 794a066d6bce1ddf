"""Hypothesis ``seriousness``: the increase is in less serious rather than serious violence.

Severity comes from harm weights (:mod:`workbench.analysis.harm`): the hub's
``ref_harm_weights`` when the source holds it, else the shipped table; Cambridge CHI by
default. Offences weighted below ``threshold`` (default 365 days CCHI: below assault with
injury, i.e. violence without injury such as 105A/105B) are *less serious*; the rest (8N, 5D,
homicide, …) *serious*. Offences without a weight are left out and reported as a caveat.

Test: the ratio of rate ratios ``RRR = (L₂/L₁)/(S₂/S₁)`` of less-serious (L) against serious
(S) counts, one-sided (RRR > 1), its p-value the conditional mid-p of the 2 × 2 table
(:func:`workbench.analysis.triangulation.ratio_of_rate_ratios`): it holds α = 0.001 for the
ten-offence cells allowed, where the Wald z on log RRR (SE(log) = √(1/L₁ + 1/L₂ + 1/S₁ + 1/S₂),
still reported) rejects at a fraction of its level when one tier is small.
**supported** when the less-serious count rose significantly (one-sided e-test, α = 0.05),
RRR p < 0.001 and RRR ≥ 1.2 (the smallest effect worth reporting); otherwise
**not_supported**. Inconclusive before that when there is no significant overall increase,
too few events, fewer than 10 offences in any of the four cells, or more than 20% unweighted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analysis.change import compare_periods
from workbench.analysis.harm import harm_weight
from workbench.analysis.fitness import Needs
from workbench.analysis.hypotheses.base import Hypothesis, Verdict, evidence, register
from workbench.analysis.hypotheses.common import MIN_EVENTS, POLICE, police_offences, precheck
from workbench.analysis.triangulation import ratio_of_rate_ratios
from workbench.viz import numbers

ALPHA = 0.001
MIN_RRR = 1.2
MIN_CELL = 10
MAX_UNWEIGHTED = 0.2


@register
class SeriousnessHypothesis(Hypothesis):
    """The ``seriousness`` hypothesis (module docstring: the test and the rule).

    Examples
    --------
    >>> from workbench.analysis.hypotheses import DataSource, Period
    >>> from workbench.analysis.offence_groups import parse_offences
    >>> from workbench.demo import scenarios
    >>> periods = [Period.parse(":".join(p)) for p in (scenarios.CURRENT, scenarios.BASELINE)]
    >>> source = DataSource(scenarios.generate("minor_only", 1))
    >>> SeriousnessHypothesis().evaluate(source, *periods, parse_offences(None)).verdict
    'supported'
    """

    name = "seriousness"
    question = "Is the increase in violence in less serious rather than serious offences?"
    datasets = (POLICE, "ref_harm_weights")
    needs = Needs(datasets=(POLICE,), date="month", coverage=True, min_events=MIN_EVENTS)

    def test(self, source, current, baseline, offences, *, weight_name: str = "cchi",
             threshold: float = 365.0, **_) -> Verdict:
        caveats = [f"severity from {weight_name} harm weights; less serious = weight below {threshold:g}"]
        table = None
        if source.has("ref_harm_weights"):
            t = source.frame("ref_harm_weights")
            if (t.get("weight_name") == weight_name).any():
                table = t
                caveats.append("weights from the hub's ref_harm_weights")
        if table is None:
            caveats.append("weights from the shipped reference table (workbench/analysis/data/harm_weights.csv)")
        base = police_offences(source, baseline, offences)
        cur = police_offences(source, current, offences)
        early, change = precheck(self, base, cur, baseline, current, caveats=caveats)
        if early:
            return early
        for f in (base, cur):
            f["weight"] = harm_weight(f["offence_code"], weight_name, table)
        allw = pd.concat([base, cur])
        unweighted = float(allw["weight"].isna().mean())
        missing_codes = sorted(allw.loc[allw["weight"].isna(), "offence_code"].dropna().unique().tolist())
        if unweighted > MAX_UNWEIGHTED:
            return self.inconclusive(f"{unweighted:.0%} of offences have no {weight_name} weight "
                                     f"(codes {missing_codes[:10]}); load weights into ref_harm_weights",
                                     caveats=caveats)
        if missing_codes:
            caveats.append(f"codes without a weight, left out: {missing_codes}")
        L1 = int((base["weight"] < threshold).sum())
        S1 = int((base["weight"] >= threshold).sum())
        L2 = int((cur["weight"] < threshold).sum())
        S2 = int((cur["weight"] >= threshold).sum())
        by_code = (pd.concat([base.assign(period="baseline"), cur.assign(period="current")])
                   .groupby(["offence_code", "period"]).size().unstack("period", fill_value=0).reset_index())
        weights = pd.concat([base, cur]).groupby("offence_code")["weight"].first()
        w = pd.to_numeric(by_code["offence_code"].astype(object).map(weights.to_dict()), errors="coerce")
        by_code["weight"] = w.astype(float).to_numpy()
        by_code["tier"] = np.where(by_code["weight"].isna(), "unweighted",
                                   np.where(by_code["weight"] < threshold, "less serious", "serious"))
        ev = [evidence("Offences by code, tier and period", by_code)]
        if min(L1, S1, L2, S2) < MIN_CELL:
            return self.inconclusive(f"too few offences in a tier (less serious {L1}→{L2}, serious {S1}→{S2}; "
                                     f"at least {MIN_CELL} needed in each)", evidence=ev, caveats=caveats)
        rrr = ratio_of_rate_ratios(L1, L2, S1, S2, alternative="greater")
        less = compare_periods(L2, L1, current.days, baseline.days, "greater")
        serious = compare_periods(S2, S1, current.days, baseline.days, "greater")
        r = current.days / baseline.days
        net = (L2 + S2) - (L1 + S1) * r
        harm1, harm2 = float(np.nansum(base["weight"])), float(np.nansum(cur["weight"]))
        effect = {"rate_ratio_less_serious": less.rate_ratio, "rate_ratio_serious": serious.rate_ratio,
                  "ratio_of_rate_ratios": rrr.rrr, "rrr_ci": [rrr.ci_low, rrr.ci_high],
                  "share_of_increase_less_serious": float((L2 - L1 * r) / net) if net > 0 else None,
                  "mean_harm_baseline": harm1 / max(1, L1 + S1), "mean_harm_current": harm2 / max(1, L2 + S2),
                  "harm_rate_ratio": (harm2 / current.days) / (harm1 / baseline.days) if harm1 else None,
                  "less_serious_p_value": less.p_value, "serious_p_value": serious.p_value}
        if less.significant and rrr.p_value < ALPHA and rrr.rrr >= MIN_RRR:
            verdict, reason = "supported", (
                f"less serious violence rose faster than serious violence (rate ratios {less.rate_ratio:.2f} vs "
                f"{serious.rate_ratio:.2f}; RRR {rrr.rrr:.2f}, {numbers.p_text(rrr.p_value)})")
        else:
            why = ("less serious violence did not rise significantly" if not less.significant else
                   f"less serious violence did not rise clearly faster than serious violence (RRR {rrr.rrr:.2f}, "
                   f"{numbers.p_text(rrr.p_value)}; needs p < {ALPHA} and RRR ≥ {MIN_RRR})")
            verdict, reason = "not_supported", why
        return Verdict.make(self, verdict, reason, p_value=rrr.p_value, statistic=rrr.z, effect=effect,
                            evidence=ev, caveats=caveats)
