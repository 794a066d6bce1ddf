"""Period comparisons: Poisson Z, the exact e-test, and seasonal exceedance.

* **Poisson Z** (square-root transform): ``Z = 2(√current − √baseline)``, approximately
  standard normal when both counts come from the same Poisson rate over equal periods.
  ``|Z| ≥ 1.96`` is the usual "significant change" call in UK crime analysis.
* **E-test** (Krishnamoorthy & Thomson 2004, *J. Statistical Planning and Inference* 119,
  23–35). The definition pinned here, for counts ``k1`` (current) and ``k2`` (baseline)
  observed over exposures ``t1`` and ``t2`` (e.g. days in each period; unequal allowed):

  - pooled rate under H0 (equal rates): ``λ̂ = (k1 + k2) / (t1 + t2)``;
  - statistic ``T(x1, x2) = (x1/t1 − x2/t2) / √(x1/t1² + x2/t2²)``, with ``T = 0`` when
    ``x1 = x2 = 0``;
  - p-value ``P(T(X1, X2) ≥ T(k1, k2))`` for ``alternative='greater'`` (current rate higher),
    ``≤`` for ``'less'``, and ``P(|T(X1, X2)| ≥ |T(k1, k2)|)`` for ``'two-sided'`` (default),
    where ``X1 ~ Poisson(t1 λ̂)`` and ``X2 ~ Poisson(t2 λ̂)`` independently; the double sum
    runs over every pair with probability mass above 1e-15 of either margin.

  This is the ratio d = 1 case of the paper; E-test(6, 2) two-sided = 0.1748748.
* **Seasonal exceedance**: the current period against the same calendar period in prior
  years, by Poisson Z and e-test against the prior-year mean.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from workbench.analysis import _validate as check
from workbench.analysis.results import Result

ALTERNATIVES = ("two-sided", "greater", "less")


def poisson_z(current, baseline):
    """Square-root Poisson Z for the change from ``baseline`` to ``current`` (equal periods).

    Examples
    --------
    >>> poisson_z(9, 4)
    2.0
    """
    c = check.counts(current, "current")
    b = check.counts(baseline, "baseline")
    z = 2.0 * (np.sqrt(c) - np.sqrt(b))
    return float(z[0]) if np.ndim(current) == 0 and np.ndim(baseline) == 0 else z


def _t_stat(x1, x2, t1, t2):
    var = x1 / t1**2 + x2 / t2**2
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (x1 / t1 - x2 / t2) / np.sqrt(var)
    return np.where(var > 0, t, 0.0)


def _support(mean: float) -> np.ndarray:
    if mean <= 0:
        return np.array([0.0])
    lo = stats.poisson.ppf(1e-15, mean)
    hi = stats.poisson.isf(1e-15, mean)
    return np.arange(max(0, lo), hi + 1, dtype=float)


def e_test(k1, k2, t1: float = 1.0, t2: float = 1.0, alternative: str = "two-sided") -> float:
    """Exact-conditional-free E-test p-value for two Poisson rates (definition in the module docstring).

    Parameters
    ----------
    k1, k2 : int
        Counts in the current and the baseline period.
    t1, t2 : float
        Exposures (e.g. days) of the two periods.
    alternative : {'two-sided', 'greater', 'less'}
        'greater' tests whether the current rate is higher.

    Examples
    --------
    >>> round(e_test(6, 2), 7)
    0.1748748

    References
    ----------
    Krishnamoorthy, K. and Thomson, J. (2004) A more powerful test for comparing two Poisson
    means. *Journal of Statistical Planning and Inference* 119(1), 23–35.
    """
    k1, k2 = check.count(k1, "k1"), check.count(k2, "k2")
    t1, t2 = check.positive(t1, "t1"), check.positive(t2, "t2")
    check.one_of(alternative, ALTERNATIVES, "alternative")
    lam = (k1 + k2) / (t1 + t2)
    x1, x2 = _support(t1 * lam), _support(t2 * lam)
    p1 = stats.poisson.pmf(x1, t1 * lam)
    p2 = stats.poisson.pmf(x2, t2 * lam)
    t_obs = float(_t_stat(np.array(k1), np.array(k2), t1, t2))
    t = _t_stat(x1[:, None], x2[None, :], t1, t2)
    eps = 1e-12
    if alternative == "greater":
        mask = t >= t_obs - eps
    elif alternative == "less":
        mask = t <= t_obs + eps
    else:
        mask = np.abs(t) >= abs(t_obs) - eps
    return float(min(1.0, max(0.0, (p1[:, None] * p2[None, :] * mask).sum())))


@dataclasses.dataclass
class RateTest(Result):
    """The exact conditional test of equal Poisson rates in two periods.

    Examples
    --------
    >>> r = exact_rate_test(20, 10)          # equal exposures: expect 10, saw 20
    >>> r.expected, r.rate_ratio, r.percent_change
    (10.0, 2.0, 100.0)
    >>> round(r.p_value, 4)                   # P(X >= 20), X ~ Bin(30, 0.5)
    0.0494
    """

    current: int
    baseline: int
    current_exposure: float
    baseline_exposure: float
    expected: float             # the current count expected at the baseline rate
    rate_ratio: float | None    # current rate / baseline rate (None when the baseline is 0)
    p_value: float
    alternative: str

    @property
    def percent_change(self) -> float | None:
        """Percentage change of the current count from ``expected`` (None when it is 0)."""
        return 100 * (self.current - self.expected) / self.expected if self.expected else None


def exact_rate_test(current, baseline, current_exposure: float = 1.0, baseline_exposure: float = 1.0,
                    alternative: str = "greater", dispersion: float | None = None) -> RateTest:
    """Exact conditional test that two Poisson rates are equal (Przyborowski & Wilenski 1940).

    Given ``n = current + baseline`` events, under equal rates the current count is
    ``Binomial(n, t1 / (t1 + t2))`` with ``t1``, ``t2`` the exposures (e.g. days). The one
    exact rate test of the workbench: emerging issues (tactical product and dashboard),
    hotspot change, the strategic year-on-year change and the problem profile all call it.
    ``'greater'`` asks whether the current rate is higher; ``'two-sided'`` uses scipy's
    ``binomtest`` (sum of outcomes no more likely than the observed).

    ``dispersion`` (φ ≥ 1, e.g. the Pearson dispersion of the monthly series,
    :attr:`workbench.analysis.temporal.TrendResult.dispersion`): recorded crime varies more
    from month to month than a Poisson count (φ of 1.2–6.5 on the real City of London
    police.uk series), and the Poisson test then calls ordinary variation a change. With φ
    the test is run on the effective counts ``round(count / φ)`` (quasi-Poisson: the variance
    is φ times the mean; McCullagh & Nelder 1989, ch. 6); the rate ratio and the expected count
    stay those of the recorded counts.

    Examples
    --------
    >>> r = exact_rate_test(30, 100, 28, 364)
    >>> round(r.rate_ratio, 2), r.p_value < 0.001
    (3.9, True)
    >>> f"{exact_rate_test(10, 10, 1, 9).p_value:.3g}"  # P(X >= 10), X ~ Bin(20, 0.1)
    '7.15e-06'
    >>> round(exact_rate_test(460, 400, alternative="two-sided").p_value, 3)
    0.044
    >>> round(exact_rate_test(460, 400, alternative="two-sided", dispersion=4.0).p_value, 3)  # as 115 vs 100
    0.34

    References
    ----------
    Przyborowski, J. and Wilenski, H. (1940) Homogeneity of results in testing samples from
    Poisson series, *Biometrika* 31, 313–323. Guidance Appendix 2 (has the problem changed?).
    """
    c, b = int(check.count(current, "current")), int(check.count(baseline, "baseline"))
    t1 = check.positive(current_exposure, "current_exposure")
    t2 = check.positive(baseline_exposure, "baseline_exposure")
    check.one_of(alternative, ALTERNATIVES, "alternative")
    expected = b * t1 / t2
    ratio = (c / t1) / (b / t2) if b > 0 else None
    if dispersion is not None and float(dispersion) > 1:
        c, b = round(c / float(dispersion)), round(b / float(dispersion))
    p = float(_conditional_p(np.array([c]), np.array([c + b]), t1 / (t1 + t2), alternative)[0])
    c, b = int(check.count(current, "current")), int(check.count(baseline, "baseline"))
    return RateTest(current=c, baseline=b, current_exposure=float(t1), baseline_exposure=float(t2),
                    expected=float(expected), rate_ratio=ratio, p_value=p,
                    alternative=alternative)


def _conditional_p(current: np.ndarray, total: np.ndarray, q: float, alternative: str) -> np.ndarray:
    """p-values of ``current`` events of ``total`` under ``Binomial(total, q)``: the one
    computation behind :func:`exact_rate_test` and :func:`exact_rate_tests` (1 where total is 0)."""
    current, total = np.asarray(current, dtype=np.int64), np.asarray(total, dtype=np.int64)
    if alternative == "greater":
        p = stats.binom.sf(current - 1, total, q)
    elif alternative == "less":
        p = stats.binom.cdf(current, total, q)
    else:
        p = np.array([stats.binomtest(int(k), int(n), q).pvalue if n > 0 else 1.0
                      for k, n in zip(current, total)], dtype=float)
    return np.where(total == 0, 1.0, np.minimum(1.0, np.asarray(p, dtype=float)))


@dataclasses.dataclass
class RateTests(Result):
    """:func:`exact_rate_test` over many pairs of counts at once (arrays, one per field).

    Examples
    --------
    >>> r = exact_rate_tests([20, 3], [10, 0])
    >>> r.expected.tolist(), r.rate_ratio.tolist()
    ([10.0, 0.0], [2.0, nan])
    """

    current: np.ndarray
    baseline: np.ndarray
    current_exposure: float
    baseline_exposure: float
    expected: np.ndarray        # the current counts expected at the baseline rates
    rate_ratio: np.ndarray      # current rate / baseline rate (NaN where the baseline is 0)
    p_value: np.ndarray
    alternative: str

    def to_frame(self) -> pd.DataFrame:
        """One row per pair: ``current``, ``baseline``, ``expected``, ``rate_ratio``, ``p_value``.

        Examples
        --------
        >>> exact_rate_tests([20], [10]).to_frame().round(4).to_dict("records")
        [{'current': 20, 'baseline': 10, 'expected': 10.0, 'rate_ratio': 2.0, 'p_value': 0.0494}]
        """
        return pd.DataFrame({"current": self.current, "baseline": self.baseline, "expected": self.expected,
                             "rate_ratio": self.rate_ratio, "p_value": self.p_value})


def exact_rate_tests(current, baseline, current_exposure: float = 1.0, baseline_exposure: float = 1.0,
                     alternative: str = "greater") -> RateTests:
    """:func:`exact_rate_test` on arrays of counts sharing their exposures, in one scipy call.

    The same computation as the scalar test (element ``i`` equals
    ``exact_rate_test(current[i], baseline[i], ...)`` exactly), for the many cells of a hotspot
    map: one vectorised ``binom.sf`` instead of one Python call per cell. No ``dispersion``
    (cells have no monthly series to measure it on).

    Examples
    --------
    >>> r = exact_rate_tests([20, 30, 0], [10, 100, 0], 28, 364)
    >>> r.p_value.round(4).tolist()
    [0.0, 0.0, 1.0]
    >>> bool(r.p_value[1] == exact_rate_test(30, 100, 28, 364).p_value)
    True
    >>> r.rate_ratio.round(2).tolist()
    [26.0, 3.9, nan]
    """
    c = np.asarray(current, dtype=np.int64).ravel()
    b = np.asarray(baseline, dtype=np.int64).ravel()
    if c.shape != b.shape:
        raise ValueError(f"current and baseline differ in length: {c.size} vs {b.size}.")
    if (c < 0).any() or (b < 0).any():
        raise ValueError("current and baseline must be counts (non-negative whole numbers).")
    t1 = check.positive(current_exposure, "current_exposure")
    t2 = check.positive(baseline_exposure, "baseline_exposure")
    check.one_of(alternative, ALTERNATIVES, "alternative")
    expected = b * t1 / t2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0, (c / t1) / (np.where(b > 0, b, 1) / t2), np.nan)
    p = _conditional_p(c, c + b, t1 / (t1 + t2), alternative)
    return RateTests(current=c, baseline=b, current_exposure=float(t1), baseline_exposure=float(t2),
                     expected=expected.astype(float), rate_ratio=ratio, p_value=p, alternative=alternative)


@dataclasses.dataclass
class PeriodChange(Result):
    """Change between a baseline and a current period.

    Examples
    --------
    >>> r = compare_periods(60, 60, 30, 60)   # 60 in 30 days after 60 in 60 days
    >>> r.change, r.percent_change, r.rate_ratio
    (30.0, 100.0, 2.0)
    """

    current: float
    baseline: float
    current_days: float
    baseline_days: float
    change: float
    percent_change: float | None
    rate_ratio: float | None
    poisson_z: float
    p_value: float
    alternative: str
    significant: bool


def compare_periods(current, baseline, current_days: float = 1.0, baseline_days: float = 1.0,
                    alternative: str = "two-sided", alpha: float = 0.05) -> PeriodChange:
    """Compare two counts with the e-test (and Poisson Z, scaled to the current exposure).

    The Poisson Z uses the baseline scaled to the current period's length
    (``baseline × current_days / baseline_days``) so unequal periods compare fairly.

    Examples
    --------
    >>> r = compare_periods(120, 90, 91, 91)
    >>> r.change, round(r.rate_ratio, 3), r.significant
    (30.0, 1.333, True)
    """
    c, b = check.count(current, "current"), check.count(baseline, "baseline")
    cd, bd = check.positive(current_days, "current_days"), check.positive(baseline_days, "baseline_days")
    b_scaled = b * cd / bd
    p = e_test(c, b, cd, bd, alternative)
    rr = (c / cd) / (b / bd) if b > 0 else None
    return PeriodChange(current=c, baseline=b, current_days=cd, baseline_days=bd,
                        change=c - b_scaled, percent_change=(100 * (c - b_scaled) / b_scaled) if b > 0 else None,
                        rate_ratio=rr, poisson_z=float(2 * (np.sqrt(c) - np.sqrt(b_scaled))),
                        p_value=p, alternative=alternative, significant=bool(p < alpha))


@dataclasses.dataclass
class SeasonalExceedance(Result):
    """The current period against the same calendar period in prior years.

    Examples
    --------
    >>> d = ["2023-01-10"] * 4 + ["2024-01-10"] * 4
    >>> r = seasonal_exceedance(d, "2024-01-01", "2024-01-31", years=1)
    >>> r.current, r.prior_counts, r.exceeds
    (4.0, {'2023-01-01': 4.0}, False)
    """

    current: float
    prior_counts: dict
    prior_mean: float
    upper_95: float
    exceeds: bool
    poisson_z: float
    p_value: float


def seasonal_exceedance(dates, start, end, years: int = 3, alpha: float = 0.05) -> SeasonalExceedance:
    """Does the count in ``[start, end]`` exceed the same dates in the previous ``years`` years?

    The expected count is the prior-year mean; ``upper_95`` is the Poisson 97.5th centile of
    that mean; ``p_value`` is the one-sided e-test of the current count against the summed
    prior counts (exposure: one period each). Prior years missing from the data count as zero
    only if they lie inside the span of ``dates``; otherwise they are left out.

    Examples
    --------
    >>> d = ["2022-06-10"] * 5 + ["2023-06-10"] * 5 + ["2024-06-10"] * 15
    >>> r = seasonal_exceedance(d, "2024-06-01", "2024-06-30", years=2)
    >>> r.prior_mean, r.exceeds
    (5.0, True)
    """
    ts = pd.to_datetime(pd.Series(dates), errors="coerce").dropna()
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    if e < s:
        raise check.BadInput(f"`end` ({end}) is before `start` ({start}).")
    current = float(((ts >= s) & (ts <= e)).sum())
    prior = {}
    for k in range(1, int(years) + 1):
        ps, pe = s - pd.DateOffset(years=k), e - pd.DateOffset(years=k)
        if ts.empty or ps < ts.min().normalize() - pd.Timedelta(days=31):
            continue
        prior[str(ps.date())] = float(((ts >= ps) & (ts <= pe)).sum())
    if not prior:
        raise check.BadInput("No prior-year period lies inside the data: seasonal exceedance needs "
                             "at least one earlier year of the same dates.")
    m = float(np.mean(list(prior.values())))
    upper = float(stats.poisson.ppf(0.975, m)) if m > 0 else 0.0
    p = e_test(current, sum(prior.values()), 1.0, float(len(prior)), "greater")
    return SeasonalExceedance(current=current, prior_counts=prior, prior_mean=m, upper_95=upper,
                              exceeds=bool(current > upper), poisson_z=float(2 * (np.sqrt(current) - np.sqrt(m))),
                              p_value=p)
