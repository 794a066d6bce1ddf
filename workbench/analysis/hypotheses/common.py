"""Steps the built-in violence hypotheses share: read police offences, check there is an
increase to explain, check data quality. Thresholds are documented in ``docs/analysis.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analysis.aoristic import combine_date_time
from workbench.analysis.change import compare_periods
from workbench.analysis.hypotheses.data import DataSource, Period
from workbench.viz import numbers

POLICE = "police_crime_offence"
#: below this many offences in either period a verdict is 'inconclusive' (too few events)
MIN_EVENTS = 30
#: the overall increase must be significant at this level (one-sided e-test) to be explained
INCREASE_ALPHA = 0.05
#: place-based tests are inconclusive when more than this share of records lack coordinates
MAX_MISSING_COORDINATES = 0.2


def police_offences(source: DataSource, period: Period, offences: tuple[str, ...]) -> pd.DataFrame:
    """Police offences committed in ``period`` with an offence code in ``offences``.

    Adds ``when`` (committed-from timestamp) and numeric ``easting``/``northing``.

    Examples
    --------
    >>> from workbench.analysis.hypotheses.data import DataSource, Period
    >>> src = DataSource({"police_crime_offence": pd.DataFrame({
    ...     "committed_from_date": ["2025-01-05", "2025-01-06", "2025-02-01"],
    ...     "committed_from_time": ["22:30", None, "01:00"], "offence_code": [" 8a ", "58C", "8A"],
    ...     "easting": ["456000", "", "457000"], "northing": [340000, 341000, 342000]})})
    >>> f = police_offences(src, Period.parse("2025-01-01:2025-01-31"), ("8A",))
    >>> f[["offence_code", "when", "easting"]].values.tolist()
    [['8A', Timestamp('2025-01-05 22:30:00'), 456000]]
    """
    f = source.frame(POLICE, "committed_from_date", period)
    codes = f["offence_code"].astype("string").str.strip().str.upper()
    f = f[codes.isin([c.upper() for c in offences]).to_numpy()].copy()
    f["offence_code"] = f["offence_code"].astype("string").str.strip().str.upper()
    f["when"] = combine_date_time(f["committed_from_date"].astype("string"),
                                  f.get("committed_from_time")).to_numpy()
    for c in ("easting", "northing"):
        f[c] = pd.to_numeric(f[c], errors="coerce") if c in f else np.nan
    return f.reset_index(drop=True)


def increase(base: pd.DataFrame | int, cur: pd.DataFrame | int, baseline: Period, current: Period):
    """The overall change (one-sided e-test, exposures = days).

    Examples
    --------
    >>> from workbench.analysis.hypotheses.data import Period
    >>> baseline, current = Period.parse("2024-01-01:2024-03-31"), Period.parse("2024-04-01:2024-06-29")
    >>> change = increase(40, 80, baseline, current)
    >>> round(change.rate_ratio, 3), change.significant
    (2.022, True)
    >>> increase(40, 44, baseline, current).significant
    False
    """
    b = base if isinstance(base, (int, np.integer)) else len(base)
    c = cur if isinstance(cur, (int, np.integer)) else len(cur)
    return compare_periods(c, b, current.days, baseline.days, alternative="greater", alpha=INCREASE_ALPHA)


def precheck(hypothesis, base: pd.DataFrame, cur: pd.DataFrame, baseline: Period, current: Period,
             *, needs_coordinates: bool = False, caveats: list | None = None):
    """Return an 'inconclusive' Verdict when there is nothing (or too little) to test, else None.

    Examples
    --------
    >>> from workbench.analysis.hypotheses.data import Period
    >>> from workbench.analysis.hypotheses.seriousness import SeriousnessHypothesis
    >>> baseline, current = Period.parse("2024-01-01:2024-03-31"), Period.parse("2024-04-01:2024-06-29")
    >>> verdict, change = precheck(SeriousnessHypothesis(), pd.DataFrame(index=range(5)),
    ...                            pd.DataFrame(index=range(9)), baseline, current)
    >>> verdict.verdict, verdict.reason
    ('inconclusive', 'too few events to test (baseline 5, current 9; at least 30 needed in each period)')
    """
    caveats = caveats if caveats is not None else []
    change = increase(base, cur, baseline, current)
    effect = {"baseline_count": len(base), "current_count": len(cur),
              "baseline_days": baseline.days, "current_days": current.days,
              "rate_ratio": change.rate_ratio, "increase_p_value": change.p_value}
    if min(len(base), len(cur)) < MIN_EVENTS:
        return hypothesis.inconclusive(
            f"too few events to test (baseline {len(base)}, current {len(cur)}; at least {MIN_EVENTS} needed "
            "in each period)", effect=effect, caveats=caveats), change
    if not change.significant:
        return hypothesis.inconclusive(
            f"no significant increase to explain (rate ratio {change.rate_ratio:.2f}, one-sided e-test "
            f"{numbers.p_text(change.p_value)})", p_value=change.p_value, effect=effect, caveats=caveats), change
    if needs_coordinates:
        both = pd.concat([base, cur])
        missing = float(both[["easting", "northing"]].isna().any(axis=1).mean())
        if missing > MAX_MISSING_COORDINATES:
            return hypothesis.inconclusive(
                f"data quality: {missing:.0%} of offences lack coordinates (more than "
                f"{MAX_MISSING_COORDINATES:.0%}), so a place-based test would be biased",
                effect=effect, caveats=caveats), change
        if missing > 0:
            caveats.append(f"{missing:.1%} of offences lack coordinates and were left out of the place test")
    return None, change
