"""The exact rate test gives the numbers it gave before its array form (issue 14).

``_reference`` is the scalar computation as it stood before ``exact_rate_tests`` (one scipy
call per pair of counts, commit 96b9e3f). Both the array form and the scalar API now run
through one shared computation, so comparing them with each other cannot catch a change in
that computation; this compares both with the old one, bit for bit, on random counts, zeros,
the n = 0 case, unequal exposures and (scalar) dispersion.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from workbench.analysis.change import exact_rate_test, exact_rate_tests


def _reference(c, b, t1, t2, alternative, dispersion=None):
    expected = b * t1 / t2
    ratio = (c / t1) / (b / t2) if b > 0 else None
    if dispersion is not None and float(dispersion) > 1:
        c, b = round(c / float(dispersion)), round(b / float(dispersion))
    n = c + b
    if n == 0:
        p = 1.0
    elif alternative == "greater":
        p = float(stats.binom.sf(c - 1, n, t1 / (t1 + t2)))
    elif alternative == "less":
        p = float(stats.binom.cdf(c, n, t1 / (t1 + t2)))
    else:
        p = float(stats.binomtest(c, n, t1 / (t1 + t2)).pvalue)
    return float(expected), ratio, min(1.0, p)


EXPOSURES = [(28.0, 364.0), (28 / 364, 1.0), (1.0, 1.0), (3.0, 1.0)]


def _counts(size):
    rng = np.random.default_rng(7)
    cur = np.concatenate([[0, 0, 5, 1, 0, 1, 2, 3], rng.integers(0, 60, size), rng.integers(0, 3, size // 3)])
    base = np.concatenate([[0, 4, 0, 0, 1, 1, 5, 2], rng.integers(0, 500, size), rng.integers(0, 3, size // 3)])
    return cur, base


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
@pytest.mark.parametrize("t1,t2", EXPOSURES)
def test_array_form_equals_the_old_scalar_computation(t1, t2, alternative):
    cur, base = _counts(150 if alternative == "two-sided" else 300)
    many = exact_rate_tests(cur, base, t1, t2, alternative)
    for k, (c, b) in enumerate(zip(cur.tolist(), base.tolist())):
        want_e, want_r, want_p = _reference(c, b, t1, t2, alternative)
        assert many.expected[k] == want_e and many.p_value[k] == want_p, (c, b)
        assert (want_r is None and np.isnan(many.rate_ratio[k])) or many.rate_ratio[k] == want_r, (c, b)


@pytest.mark.parametrize("alternative", ["greater", "two-sided"])
@pytest.mark.parametrize("dispersion", [None, 1.0, 2.5, 4.0])
def test_scalar_form_equals_the_old_scalar_computation(alternative, dispersion):
    cur, base = _counts(60)
    for t1, t2 in EXPOSURES:
        for c, b in zip(cur.tolist(), base.tolist()):
            one = exact_rate_test(c, b, t1, t2, alternative, dispersion)
            assert (one.expected, one.rate_ratio, one.p_value) == _reference(c, b, t1, t2, alternative,
                                                                            dispersion), (c, b, t1, t2)
