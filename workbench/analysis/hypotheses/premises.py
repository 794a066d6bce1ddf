"""Hypothesis ``premises``: the increase is associated with a small number of licensed premises.

Offences are attached to licensed premises (``ref_licensed_premises``) by **postcode** when
both carry one (premises sharing a postcode form one unit) — robust in the depersonalised tier,
where an offence's coordinates are its postcode centroid (Appendix 1) — and otherwise to the
nearest premises within ``radius`` metres (default 50 m). For each premises, the null is that its offences changed in
proportion to the whole area: the period labels of all offences are exchangeable, so given the
totals ``c_p ~ Hypergeometric(B + C, C, b_p + c_p)`` (Fisher's exact test of the premises
against the rest of the area; valid for the small counts most premises have, where a binomial
with an estimated ``π = C/(B + C)`` is not exact); one-sided p-values, Benjamini–Hochberg FDR at 5% (``fdr='by'`` for Benjamini–Yekutieli; BH is
valid here because the premises' tests share one π and are positively dependent, and the
"share of the increase" rule below guards against a stray discovery). Flagged premises' share of the net increase is
``Σ (c_p − b_p·r) / (C − B·r)``.

**supported** when between 1 and ``max_premises`` premises are flagged (default
max(3, 10% of premises)) and they carry at least half of the net increase; **not_supported**
otherwise (none flagged, too many to be "a small number", or too small a share).
Fitness gate (guidance 4.2.3): recorded crime and the register must both hold records (an
empty register is named as empty), dates at least to the month (whole-month periods for
month-only dates), coordinates present, both periods covered.
Inconclusive when there is no premises register, no significant increase, too few events, or
coordinates are missing (depersonalised coordinates snapped to postcode centroids can move an
offence away from its premises: see caveats).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import cKDTree

from workbench.analysis.fitness import Needs
from workbench.analysis.gistar import fdr_significant
from workbench.analysis.hypotheses.base import Hypothesis, Verdict, evidence, register
from workbench.analysis.hypotheses.common import MIN_EVENTS, POLICE, police_offences, precheck
from workbench.analysis.hypotheses.concentration import OVER_100_NOTE, share_of_increase_words
from workbench.analysis.triangulation import ratio_of_rate_ratios

PREMISES = "ref_licensed_premises"


def _norm_postcode(values) -> pd.Series:
    """Upper case, single space before the inward code; empty → NA."""
    v = pd.Series(values).astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    v = v.where(v.str.len() >= 5)
    return v.str.slice(0, -3) + " " + v.str.slice(-3)


@register
class PremisesHypothesis(Hypothesis):
    """The ``premises`` hypothesis (module docstring: the test and the rule). The flagged
    premises carry most of the extra violence planted at three premises:

    >>> from workbench.demo.scenarios import BASELINE, CURRENT, generate
    >>> from workbench.analysis.hypotheses import run
    >>> found = run("premises", generate("concentrated_premises", 1), ":".join(CURRENT), ":".join(BASELINE))
    >>> (found.verdict, found.effect["share_of_increase_at_flagged_premises"] > 0.5)
    ('supported', True)
    """

    name = "premises"
    question = "Is the increase in violence tied to a small number of licensed premises?"
    datasets = (POLICE, PREMISES)
    needs = Needs(datasets=(POLICE, PREMISES), date="month", coordinates=True, coverage=True,
                  min_events=MIN_EVENTS)

    def test(self, source, current, baseline, offences, *, radius: float = 50.0,
             max_premises: int | None = None, share_needed: float = 0.5, fdr: str = "bh", **_) -> Verdict:
        caveats = [f"offences attached to the nearest licensed premises within {radius:g} m",
                   "in the depersonalised tier coordinates may be postcode centroids, which weakens "
                   "attachment to premises"]
        if not source.has(PREMISES):
            return self.inconclusive("no licensed premises register (ref_licensed_premises) is loaded",
                                     caveats=caveats)
        prem = source.frame(PREMISES)
        if prem.empty:
            return self.inconclusive("the licensed premises register (ref_licensed_premises) is empty: load the "
                                     "licensing authority's register", caveats=caveats)
        prem["easting"] = pd.to_numeric(prem["easting"], errors="coerce")
        prem["northing"] = pd.to_numeric(prem["northing"], errors="coerce")
        prem = prem.dropna(subset=["easting", "northing"]).reset_index(drop=True)
        if prem.empty:
            return self.inconclusive("none of the licensed premises register's records has coordinates "
                                     "(ref_licensed_premises easting/northing)", caveats=caveats)
        base = police_offences(source, baseline, offences)
        cur = police_offences(source, current, offences)
        early, change = precheck(self, base, cur, baseline, current, needs_coordinates=True, caveats=caveats)
        if early:
            return early
        pc = _norm_postcode(prem["postcode"]) if "postcode" in prem else pd.Series(pd.NA, index=prem.index)
        prem["unit"] = pc.fillna(prem["premises_ref"].astype("string")).astype(str)
        units = prem.groupby("unit", sort=True).agg(
            premises_ref=("premises_ref", lambda v: ", ".join(map(str, v))),
            premises_name=("premises_name" if "premises_name" in prem else "premises_ref",
                           lambda v: ", ".join(map(str, v))))
        unit_index = {u: k for k, u in enumerate(units.index)}
        prem_unit = prem["unit"].map(unit_index).to_numpy()
        known_pc = set(pc.dropna())
        tree = cKDTree(prem[["easting", "northing"]].to_numpy())
        counts = {}
        by_postcode = 0
        for label, f in (("baseline", base), ("current", cur)):
            idx = np.full(len(f), -1)
            if known_pc and "postcode" in f:
                opc = _norm_postcode(f["postcode"])
                hit = opc.isin(known_pc).fillna(False).to_numpy()
                idx[hit] = opc[hit].map(unit_index).to_numpy()
                by_postcode += int(hit.sum())
            has_xy = f[["easting", "northing"]].notna().all(axis=1).to_numpy() & (idx < 0)
            if has_xy.any():
                d, j = tree.query(f.loc[has_xy, ["easting", "northing"]].to_numpy(), distance_upper_bound=radius)
                near = np.isfinite(d)
                sub = np.flatnonzero(has_xy)
                idx[sub[near]] = prem_unit[j[near]]
            counts[label] = np.bincount(idx[idx >= 0], minlength=len(units)).astype(float)
            counts[label + "_total"] = float(len(f))
            counts[label + "_near"] = float((idx >= 0).sum())
        if by_postcode:
            caveats.append(f"{by_postcode} offences attached by shared postcode; premises sharing a postcode "
                           "are one unit")
        b, c = counts["baseline"], counts["current"]
        B, C = counts["baseline_total"], counts["current_total"]
        r = current.days / baseline.days
        n = (b + c).astype(int)
        # exact conditional test per premises: given the area's totals, c_p ~ Hypergeometric(B + C, C, n_p)
        p = np.where(n > 0, stats.hypergeom.sf(c - 1, int(B + C), int(C), n), 1.0)
        p_adj, flagged = fdr_significant(p, 0.05, fdr)
        net = C - B * r
        excess = c - b * r
        share = float(excess[flagged].sum() / net) if net > 0 else 0.0
        k_max = max_premises if max_premises is not None else max(3, int(np.ceil(0.1 * len(units))))
        nb, nc = counts["baseline_near"], counts["current_near"]
        near_vs_rest = ratio_of_rate_ratios(nb, nc, B - nb, C - nc) if min(nb, nc, B - nb, C - nc) > 0 else None
        table = units.reset_index().rename(columns={"unit": "postcode_or_ref"})
        table = table.assign(baseline=b, current=c, excess=excess, p_value=p, p_adjusted=p_adj, flagged=flagged)
        effect = {"flagged_premises": int(flagged.sum()), "premises": int(len(prem)), "premises_units": int(len(units)),
                  "share_of_increase_at_flagged_premises": share, "max_small_number": k_max,
                  "rate_ratio_near_premises_vs_elsewhere": near_vs_rest.rrr if near_vs_rest else None,
                  "rate_ratio": change.rate_ratio, "net_increase": float(net), "radius_m": radius}
        if share > 1:
            effect["share_of_increase_note"] = OVER_100_NOTE
        ev = [evidence("Premises by excess offences (current − baseline × period ratio)",
                       table.sort_values("excess", ascending=False).head(20))]
        nf = int(flagged.sum())
        min_p = float(p_adj.min()) if p_adj.size else None  # the smallest FDR-adjusted p-value
        if 1 <= nf <= k_max and share >= share_needed:
            verdict, reason = "supported", (f"{nf} premises with a significant excess carry "
                                            f"{share_of_increase_words(share)}")
        elif nf == 0:
            verdict, reason = "not_supported", f"no premises shows an excess beyond the area-wide change ({fdr.upper()} FDR 5%)"
        elif nf > k_max:
            verdict, reason = "not_supported", (f"{nf} premises show an excess: more than a small number "
                                                f"(≤ {k_max}); the rise is broad across the night-time economy")
        else:
            verdict, reason = "not_supported", (f"{nf} premises show an excess but carry only {share:.0%} of the "
                                                f"increase (at least {share_needed:.0%} needed)")
        return Verdict.make(self, verdict, reason, p_value=min_p, statistic=float(nf), effect=effect,
                            evidence=ev, caveats=caveats)
