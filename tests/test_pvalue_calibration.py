"""Every p-value that feeds a hypothesis verdict holds its level on pattern-free data (issue 12).

Two layers:

* the tests themselves, on many null tables with the small counts real partnerships have:
  the ratio-of-rate-ratios mid-p (seriousness, reporting), the concentration G² permutation
  test and the per-unit / per-premises exact tests under BH;
* the verdicts, on planted-null data (``calibration_data.null_data``: everything rises in
  proportion, no hypothesis true) over many seeds — each hypothesis says "supported" at no
  more than its nominal rate — and on planted truth, where it says supported.

Rates measured are in ``docs/analysis.md`` ("Calibration of the verdicts' p-values").
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from calibration_data import BASELINE, CURRENT, null_data
from workbench.analysis.gistar import fdr_significant
from workbench.analysis.hypotheses import run
from workbench.analysis.hypotheses.concentration import homogeneity_p_value, unit_p_values
from workbench.analysis.triangulation import conditional_rrr_p_value, ratio_of_rate_ratios

CUR, BASE = ":".join(CURRENT), ":".join(BASELINE)


def _upper(alpha, n):
    """Nominal rate plus three Monte Carlo standard errors."""
    return alpha + 3 * np.sqrt(alpha * (1 - alpha) / n)


def _null_tables(mu_p, mu_e, n, seed):
    rng = np.random.default_rng(seed)
    p1, p2, e1, e2 = (rng.poisson(m, n) for m in (mu_p, 1.3 * mu_p, mu_e, 1.3 * mu_e))
    keep = (p1 > 0) & (p2 > 0) & (e1 > 0) & (e2 > 0)
    return p1[keep], p2[keep], e1[keep], e2[keep]


@pytest.mark.parametrize("mu_p,mu_e", [(400, 10), (10, 400), (60, 12), (10, 10), (30, 30)])
def test_rrr_mid_p_holds_its_level_and_spends_most_of_it(mu_p, mu_e):
    tables = _null_tables(mu_p, mu_e, 100_000, mu_p * 1000 + mu_e)
    p = conditional_rrr_p_value(*tables)
    n = len(p)
    for alpha in (0.05, 0.01, 0.001):
        rate = float(np.mean(p <= alpha))
        assert rate <= _upper(alpha, n), (alpha, rate)
        # a test that spends little of its level throws power away (the Wald z rejected at
        # 0.00001 for alpha = 0.001 with (10, 400))
        assert rate >= 0.4 * alpha, (alpha, rate)


def test_rrr_default_is_the_conditional_mid_p():
    r = ratio_of_rate_ratios(12, 30, 400, 520)
    assert r.p_value == pytest.approx(conditional_rrr_p_value(12, 30, 400, 520))
    wald = ratio_of_rate_ratios(12, 30, 400, 520, method="wald")
    assert wald.z == r.z and wald.p_value != r.p_value


def _null_units(rng, units=150):
    lam = rng.gamma(0.6, 3.0, units)  # most units hold 0-3 records: small expectations, many ties
    b, c = rng.poisson(lam), rng.poisson(1.3 * lam)
    keep = (b + c) > 0
    return (b + c)[keep], c[keep]


def test_concentration_g2_permutation_p_value_is_uniform_under_the_null():
    rng = np.random.default_rng(3)
    p = np.array([homogeneity_p_value(*_null_units(rng), permutations=199, seed=k) for k in range(400)])
    for alpha in (0.05, 0.1):
        assert float(np.mean(p <= alpha)) <= _upper(alpha, len(p))
    assert float(np.mean(p <= 0.1)) >= 0.05  # not a test that never rejects
    assert stats.kstest(p, "uniform").pvalue > 0.001


def test_unit_tests_under_bh_flag_a_null_table_at_most_at_the_nominal_rate():
    rng = np.random.default_rng(4)
    any_flag = []
    for _ in range(600):
        n, c = _null_units(rng, 300)
        any_flag.append(bool(fdr_significant(unit_p_values(n, c), 0.05, "bh")[1].any()))
    assert float(np.mean(any_flag)) <= _upper(0.05, len(any_flag))


def test_a_planted_excess_unit_is_flagged():
    rng = np.random.default_rng(5)
    n, c = _null_units(rng, 300)
    n, c = np.append(n, 40), np.append(c, 36)
    assert fdr_significant(unit_p_values(n, c), 0.05, "bh")[1][-1]


NULL_SEEDS = range(60)
HYPOTHESES = ("concentration", "premises", "seriousness", "reporting")
#: the level at which each verdict says supported (its own alpha: docs/analysis.md)
LEVEL = {"concentration": 0.05, "premises": 0.05, "seriousness": 0.001, "reporting": 0.001}


@pytest.mark.slow
def test_verdicts_on_planted_null_and_planted_truth():
    supported = {h: 0 for h in HYPOTHESES}
    p_le_05 = {h: [] for h in ("concentration", "seriousness", "reporting")}
    for seed in NULL_SEEDS:
        data = null_data(seed)
        for h in HYPOTHESES:
            v = run(h, data, CUR, BASE)
            assert v.verdict != "inconclusive", (seed, h, v.reason)  # a real test ran
            supported[h] += v.verdict == "supported"
            if h in p_le_05:
                p_le_05[h].append(v.p_value <= 0.05)
    n = len(NULL_SEEDS)
    for h in HYPOTHESES:  # at most the nominal rate (binomial 99% upper bound of n draws)
        assert supported[h] <= stats.binom.ppf(0.99, n, LEVEL[h]), (h, supported)
    for h, hits in p_le_05.items():  # the p-value behind the verdict holds 0.05 too
        assert sum(hits) <= stats.binom.ppf(0.99, n, 0.05), (h, sum(hits))
    truth = {"premises": ("concentration", "premises"), "minor": ("seriousness",), "reporting": ("reporting",)}
    for plant, hyps in truth.items():
        for seed in range(5):
            data = null_data(100 + seed, plant)
            for h in hyps:
                v = run(h, data, CUR, BASE)
                assert v.verdict == "supported", (plant, seed, h, v.reason)
