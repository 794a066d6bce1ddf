"""Hypothesis ``concentration``: the increase is concentrated in certain places, days and times
rather than widespread (guidance Appendix 2; Ratcliffe 2010 on increase dispersion).

Test (documented with its thresholds in ``docs/analysis.md``):

1. Pre-checks (:mod:`.common`): enough events, a significant overall increase (one-sided
   e-test, α = 0.05), coordinates present.
2. Units are place × time block (day of week × night 20:00–03:59 / morning 04:00–11:59 /
   afternoon-evening 12:00–19:59; a night belongs to the evening it starts). Places are
   postcodes when at least 80% of offences carry one (``place='auto'``; the depersonalised tier
   places offences at postcode centroids, Appendix 1), else grid cells (default 250 m, BNG);
   ``place='postcode'`` or ``'grid'`` forces the choice.
3. Null (a widespread, proportional increase): the records' period labels are exchangeable
   across units, so given each unit's total ``n_u = b_u + c_u`` and the current total ``C`` the
   current counts are multivariate hypergeometric. Statistic: the likelihood-ratio G² of the
   homogeneity model (π = C / (B + C)); p-value by permutation (``permutations`` relabellings
   drawn from that conditional null: :func:`homogeneity_p_value`), exact up to Monte Carlo
   error for small counts and ties.
4. Units with a significant excess: one-sided exact conditional test per unit
   (hypergeometric, :func:`unit_p_values`), Benjamini–Hochberg FDR at 5% (``fdr='by'`` for
   Benjamini–Yekutieli). The verdict's error rate is held by the G² test in step 6, which
   must pass first; BH only decides which units carry the increase. Their share of the net increase ``Σ (c_u − b_u·r) / (C − B·r)`` (r = ratio of period
   lengths) is the effect size.
5. Fitness gate (guidance 4.2.3, :mod:`workbench.analysis.fitness`): committed dates must be
   known to the day (month-only dates — police.uk, many partner supplies — are refused:
   inconclusive, naming the date field, the time field and their measured figures), both
   periods fully covered, coordinates present. When the day is known but
   ``committed_from_time`` is not (known for under 80% of records, midnights counted as
   unknown), the units are place × day of week only and the verdict says so: a missing time
   never becomes midnight.
6. **supported** when G² p < 0.05 **and** the flagged units carry at least half of the net
   increase; otherwise **not_supported**. The Offence Dispersion Index of grid cells and the
   top-5%-of-units share are reported as effects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from workbench.analysis.concentration import offence_dispersion
from workbench.analysis.fitness import Needs
from workbench.analysis.gistar import fdr_significant
from workbench.analysis.hypotheses.base import Hypothesis, Verdict, evidence, register
from workbench.analysis.hypotheses.common import MIN_EVENTS, POLICE, police_offences, precheck
from workbench.viz import numbers

BLOCKS = ("night", "morning", "afternoon")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def time_block(when: pd.Series) -> pd.Series:
    """'Fri night', 'Sat morning', …; night 20:00–03:59 belongs to the evening it starts.

    Examples
    --------
    >>> time_block(pd.Series(pd.to_datetime(["2025-01-03 23:30", "2025-01-04 02:10", "2025-01-04 09:00"]))).tolist()
    ['Fri night', 'Fri night', 'Sat morning']
    """
    t = pd.to_datetime(when)
    shifted = t - pd.Timedelta(hours=4)
    hour = t.dt.hour
    block = np.where((hour >= 20) | (hour < 4), "night", np.where(hour < 12, "morning", "afternoon"))
    day = np.array(DAYS)[shifted.dt.dayofweek.to_numpy()]
    return pd.Series(day, index=t.index).str.cat(pd.Series(block, index=t.index), sep=" ")


def day_of_week(when: pd.Series) -> pd.Series:
    """'Fri', 'Sat', …: the unit when the time of day is unknown (no night shift, no midnight default).

    Examples
    --------
    >>> day_of_week(pd.Series(pd.to_datetime(["2025-01-03", "2025-01-04"]))).tolist()
    ['Fri', 'Sat']
    """
    t = pd.to_datetime(when)
    return pd.Series(np.array(DAYS)[t.dt.dayofweek.to_numpy()], index=t.index)


def g_statistic(b: np.ndarray, c: np.ndarray, pi: float) -> np.ndarray:
    """G² of per-unit binomial(n, π) against the saturated model; works on 2-D (sims × units).

    Examples
    --------
    >>> float(g_statistic(np.array([10.0, 10.0]), np.array([10.0, 10.0]), 0.5))
    0.0
    >>> round(float(g_statistic(np.array([15.0, 5.0]), np.array([5.0, 15.0]), 0.5)), 2)
    10.46
    """
    n = b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        tc = np.where(c > 0, c * np.log(c / (n * pi)), 0.0)
        tb = np.where(b > 0, b * np.log(b / (n * (1 - pi))), 0.0)
    return 2 * (tc + tb).sum(axis=-1)


def _g_from_counts(c: np.ndarray, n: np.ndarray, pi: float, xlogx: np.ndarray) -> np.ndarray:
    """Same G² as :func:`g_statistic` for integer counts, via a table of x·log x (fast for simulations)."""
    ci = c.astype(np.int64)
    C = ci.sum(axis=-1)
    N = int(n.sum())
    return 2 * (xlogx[ci].sum(axis=-1) + xlogx[n - ci].sum(axis=-1) - xlogx[n].sum()
                - C * np.log(pi) - (N - C) * np.log(1 - pi))


def homogeneity_p_value(n: np.ndarray, c: np.ndarray, permutations: int = 499, seed: int = 0) -> float:
    """Permutation p-value of the G² homogeneity statistic, conditional on every margin.

    Under the null (a proportional, widespread change) the records' period labels are
    exchangeable across units: given each unit's total ``n_u`` and the current-period total
    ``C``, the current counts are multivariate hypergeometric. Each draw relabels the records
    at random (``numpy``'s ``multivariate_hypergeometric``), so the p-value ``(#{G²* ≥ G²} + 1) /
    (R + 1)`` is exact up to Monte Carlo error whatever the counts (small expectations, ties:
    the statistic is compared with ``≥``), and does not lean on an estimated π.

    Examples
    --------
    >>> n = np.array([10, 10, 10, 10]); c = np.array([5, 5, 5, 5])
    >>> homogeneity_p_value(n, c, 99) == 1.0
    True
    >>> homogeneity_p_value(np.array([20, 20, 20, 20]), np.array([20, 0, 0, 0]), 99)
    0.01
    """
    n = np.asarray(n, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    C = int(c.sum())
    pi = C / int(n.sum())
    if C in (0, int(n.sum())):
        return 1.0
    xs = np.arange(int(n.max()) + 1, dtype=float)
    xlogx = np.where(xs > 0, xs * np.log(np.where(xs > 0, xs, 1.0)), 0.0)
    g_obs = float(_g_from_counts(c, n, pi, xlogx))
    rng = np.random.default_rng(seed)
    ge = 0
    for lo in range(0, permutations, 200):
        k = min(200, permutations - lo)
        cs = rng.multivariate_hypergeometric(n, C, size=k, method="count")
        ge += int((_g_from_counts(cs, n, pi, xlogx) >= g_obs - 1e-9).sum())
    return (ge + 1) / (permutations + 1)


def unit_p_values(n: np.ndarray, c: np.ndarray) -> np.ndarray:
    """One-sided exact p-value of each unit's excess, conditional on the margins.

    ``P(X ≥ c_u)`` with ``X ~ Hypergeometric(N, C, n_u)`` (Fisher's exact test of the unit
    against the rest): discrete p-values, valid (never below their nominal rate) for any
    count; a unit too small to reach significance simply cannot be flagged.

    Examples
    --------
    >>> unit_p_values(np.array([1, 40, 40]), np.array([1, 35, 5])).round(4).tolist()
    [0.5062, 0.0, 1.0]
    """
    n = np.asarray(n, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    pairs, back = np.unique(np.stack([n, c]), axis=1, return_inverse=True)  # small units repeat
    return stats.hypergeom.sf(pairs[1] - 1, int(n.sum()), int(c.sum()), pairs[0])[back.ravel()]


def _postcodes(frame: pd.DataFrame) -> pd.Series:
    if "postcode" not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    v = frame["postcode"].astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    return v.where(v.str.len() >= 5)


#: why a share of a *net* increase can pass 100%, said next to the figure
OVER_100_NOTE = ("more than 100% because counts fell elsewhere: the rise in these places is larger "
                 "than the area's net rise, which is the rises minus the falls")


def share_of_increase_words(share: float) -> str:
    """A share of the net increase in words, explained when it is above 100% (issue 18).

    The share is ``Σ excess in flagged units / net increase``; where other units fell, the
    flagged units' excess exceeds the net increase and the share passes 100%.

    Examples
    --------
    >>> share_of_increase_words(0.98)
    '98% of the net increase'
    >>> print(share_of_increase_words(1.05))
    105% of the net increase (more than 100% because counts fell elsewhere: the rise in these
    places is larger than the area's net rise, which is the rises minus the falls)
    """
    text = f"{share:.0%} of the net increase"
    return f"{text} ({OVER_100_NOTE})" if share > 1 else text


@register
class ConcentrationHypothesis(Hypothesis):
    """The ``concentration`` hypothesis (module docstring: units, null, tests and rule).

    Examples
    --------
    >>> from workbench.analysis.hypotheses import run
    >>> from workbench.demo import scenarios as sc
    >>> v = run("concentration", sc.generate("concentrated_premises", 1), ":".join(sc.CURRENT), ":".join(sc.BASELINE))
    >>> v.verdict, v.effect["share_of_increase_in_flagged_units"] >= 0.5
    ('supported', True)
    """

    name = "concentration"
    question = ("Is the increase in violence concentrated in certain places, days and times "
                "rather than widespread?")
    datasets = (POLICE,)
    needs = Needs(datasets=(POLICE,), date="day", time_of_day="preferred", coordinates=True, coverage=True,
                  min_events=MIN_EVENTS)

    def test(self, source, current, baseline, offences, *, cell_size: float = 250.0, place: str = "auto",
             permutations: int = 499, alpha: float = 0.05, share_needed: float = 0.5, seed: int = 0,
             fdr: str = "bh", fitness=None, **_) -> Verdict:
        from workbench.analysis._validate import one_of

        one_of(place, ("auto", "postcode", "grid"), "place")
        use_time = fitness is None or fitness.uses.get("time_of_day", True)
        blocks_label = "21 day/time blocks" if use_time else "7 days of the week (time of day unknown)"
        caveats = [f"places are grid cells of {cell_size:g} m (BNG) × {blocks_label}; data from {source.label}"]
        base = police_offences(source, baseline, offences)
        cur = police_offences(source, current, offences)
        early, change = precheck(self, base, cur, baseline, current, needs_coordinates=True, caveats=caveats)
        if early:
            return early
        both = pd.concat([base.assign(period="baseline"), cur.assign(period="current")], ignore_index=True)
        pcs = _postcodes(both)
        use_postcode = place == "postcode" or (place == "auto" and pcs.notna().mean() >= 0.8)
        if use_postcode:
            both = both.assign(cell=pcs).dropna(subset=["cell", "when"])
            caveats[0] = (f"places are postcodes (the finest geography of the depersonalised tier, Appendix 1) "
                          f"× {blocks_label}; data from {source.label}")
        else:
            both = both.dropna(subset=["easting", "northing", "when"])
            cx = np.floor(both["easting"] / cell_size).astype(int)
            cy = np.floor(both["northing"] / cell_size).astype(int)
            both["cell"] = (cx * cell_size).astype(str) + "_" + (cy * cell_size).astype(str)
        both["block"] = time_block(both["when"]) if use_time else day_of_week(both["when"])
        tab = both.groupby(["cell", "block", "period"]).size().unstack("period", fill_value=0)
        for col in ("baseline", "current"):
            if col not in tab:
                tab[col] = 0
        b, c = tab["baseline"].to_numpy(float), tab["current"].to_numpy(float)
        B, C = b.sum(), c.sum()
        pi = C / (B + C)
        r = current.days / baseline.days
        g_obs = float(g_statistic(b, c, pi))
        n = (b + c).astype(np.int64)
        p_g = homogeneity_p_value(n, c.astype(np.int64), permutations, seed)
        p_unit = unit_p_values(n, c.astype(np.int64))
        _, flagged = fdr_significant(p_unit, 0.05, fdr)
        net = C - B * r
        excess = c - b * r
        share = float(excess[flagged].sum() / net) if net > 0 else 0.0
        order = np.argsort(-excess)
        k5 = max(1, int(np.ceil(0.05 * excess.size)))
        top5 = float(excess[order[:k5]].sum() / net) if net > 0 else 0.0
        cell_tab = both.groupby(["cell", "period"]).size().unstack("period", fill_value=0)
        odi = offence_dispersion(cell_tab.get("current", 0) * 1.0, cell_tab.get("baseline", 0) * r).odi \
            if (cell_tab.get("current", 0) - cell_tab.get("baseline", 0) * r).sum() > 0 else None
        units = tab.assign(excess=excess, p_value=p_unit, flagged=flagged).reset_index()
        top_units = units.sort_values("excess", ascending=False).head(15)
        blocks = both.groupby(["block", "period"]).size().unstack("period", fill_value=0).reset_index()
        blocks["change"] = blocks.get("current", 0) - blocks.get("baseline", 0) * r
        effect = {"share_of_increase_in_flagged_units": share, "flagged_units": int(flagged.sum()),
                  "units": int(excess.size), "share_of_increase_in_top_5pct_units": top5,
                  "offence_dispersion_index_cells": odi, "rate_ratio": change.rate_ratio,
                  "net_increase": float(net)}
        if share > 1 or top5 > 1:
            effect["share_of_increase_note"] = OVER_100_NOTE
        ev = [evidence("Place-time units with the largest excess (current − baseline × period ratio)", top_units),
              evidence("Change by day and time block", blocks.sort_values("change", ascending=False))]
        if not use_time:
            reason_tail = " (units are place × day of week: time of day unknown, not used)"
        else:
            reason_tail = ""
        if p_g < alpha and share >= share_needed:
            verdict, reason = "supported", (
                f"{int(flagged.sum())} place-time unit(s) with a significant excess carry "
                f"{share_of_increase_words(share)} (homogeneity G² {numbers.p_text(p_g)})")
        elif p_g >= alpha:
            verdict, reason = "not_supported", (
                f"the increase is consistent with a proportional, widespread rise (G² {numbers.p_text(p_g)})")
        else:
            verdict, reason = "not_supported", (
                f"the pattern shifted (G² {numbers.p_text(p_g)}) but units with a significant excess carry only "
                f"{share:.0%} of the increase (at least {share_needed:.0%} needed)")
        reason += reason_tail
        return Verdict.make(self, verdict, reason, p_value=p_g, statistic=g_obs, effect=effect,
                            evidence=ev, caveats=caveats)
