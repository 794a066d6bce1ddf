"""Harm-weighted counts: Cambridge Crime Harm Index or ONS Crime Severity Score weights.

The weights ship as package data ``workbench/analysis/data/harm_weights.csv`` (columns
``offence_code, crime_type, weight_name, weight, source``; the same columns as the hub's
``ref_harm_weights`` reference dataset, guidance 3.3), one row per code and weight, each with
its provenance in ``source``. The shipped table is deliberately small and honest about where
each number comes from (see the ``source`` column and ``docs/analysis.md``): the CCHI values
are subgroup medians of the Cambridge 2026 workbook as tabulated publicly, plus one derived
value (5D), and the ONS values cover five offences. Load the official tables into
``ref_harm_weights`` (or pass ``table=``) to replace them; the analysis uses whatever table it
is given and reports the codes it had no weight for.

References
----------
Sherman, L., Neyroud, P. and Neyroud, E. (2016) The Cambridge Crime Harm Index, *Policing*
10(3), 171–183. ONS (2016) Research outputs: developing a Crime Severity Score for England and
Wales using data on crimes recorded by the police. Ashby (2018) Comparing methods for measuring
crime harm/severity, *Policing* 12(4), 439–454.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.analysis import _validate as check
from workbench.analysis.results import Result

WEIGHT_NAMES = ("cchi", "ons_css")


def reference_table() -> pd.DataFrame:
    """The shipped weights table with provenance (all weight names).

    Examples
    --------
    >>> t = reference_table()
    >>> sorted(set(t["weight_name"])), list(t.columns[:4])
    (['cchi', 'ons_css'], ['offence_code', 'crime_type', 'weight_name', 'weight'])
    """
    with resources.files("workbench.analysis").joinpath("data/harm_weights.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"offence_code": "string", "crime_type": "string"})


def load_weights(weight_name: str = "cchi", table: pd.DataFrame | str | Path | None = None) -> pd.Series:
    """Weights keyed by offence code (and police.uk crime type) for one ``weight_name``.

    Parameters
    ----------
    weight_name : {'cchi', 'ons_css'}
    table : DataFrame or path, optional
        A table with columns offence_code/crime_type, weight_name, weight (e.g. the hub's
        ``ref_harm_weights``); default the shipped reference table.

    Examples
    --------
    >>> w = load_weights("cchi")
    >>> float(w["5D"]) > float(w["8N"]) > float(w["105A"])
    True
    """
    check.one_of(weight_name, WEIGHT_NAMES, "weight_name")
    if table is None:
        t = reference_table()
    elif isinstance(table, (str, Path)):
        t = pd.read_csv(table, dtype={"offence_code": "string", "crime_type": "string"})
    else:
        t = table.copy()
    check.columns(t, ["weight_name", "weight"], "table")
    t = t[t["weight_name"] == weight_name]
    keys = pd.Series(pd.NA, index=t.index, dtype="string")
    if "offence_code" in t:
        keys = t["offence_code"].astype("string").str.strip().str.upper()
    if "crime_type" in t:
        keys = keys.fillna(t["crime_type"].astype("string"))
    out = pd.Series(pd.to_numeric(t["weight"], errors="coerce").to_numpy(), index=keys.to_numpy())
    out = out[out.index.notna() & out.notna()]
    return out[~out.index.duplicated(keep="last")]


@dataclasses.dataclass
class HarmResult(Result):
    """Harm-weighted totals.

    Examples
    --------
    >>> r = harm_totals(["105A", "105A", "ZZZ"])     # two records at weight 10, one code without a weight
    >>> r.total_count, r.total_harm, r.unweighted_codes
    (3, 20.0, ['ZZZ'])
    >>> r.to_frame()[["offence_code", "count", "harm"]].values.tolist()
    [['105A', 2, 20.0], ['ZZZ', 1, nan]]
    """

    weight_name: str
    total_count: int
    total_harm: float
    by_code: pd.DataFrame
    unweighted_codes: list

    def to_frame(self) -> pd.DataFrame:
        return self.by_code


def harm_weight(codes, weight_name: str = "cchi", table=None) -> np.ndarray:
    """Weight per record (NaN where the code has no weight).

    Examples
    --------
    >>> harm_weight(["105a", "8N", "not a code"]).tolist()     # codes are matched upper-cased
    [10.0, 365.0, nan]
    """
    w = load_weights(weight_name, table)
    keys = pd.Series(codes, dtype="string").str.strip()
    upper = keys.str.upper()
    vals = upper.map(w)
    vals = vals.fillna(keys.map(w))
    return pd.to_numeric(vals, errors="coerce").to_numpy(dtype=float)


def harm_totals(codes, weight_name: str = "cchi", table=None) -> HarmResult:
    """Count and harm per offence code, and the codes that had no weight.

    Examples
    --------
    >>> r = harm_totals(["105A", "105A", "8N", "5D"])
    >>> r.total_harm
    1845.0
    """
    keys = pd.Series(codes, dtype="string").str.strip().str.upper()
    w = harm_weight(keys, weight_name, table)
    frame = pd.DataFrame({"offence_code": keys, "weight": w})
    by = frame.groupby("offence_code", dropna=False).agg(count=("weight", "size"), weight=("weight", "first"))
    by["harm"] = by["count"] * by["weight"]
    by = by.reset_index().sort_values("harm", ascending=False, na_position="last")
    missing = sorted(str(c) for c in by.loc[by["weight"].isna(), "offence_code"].dropna())
    return HarmResult(weight_name=weight_name, total_count=int(len(keys)),
                      total_harm=float(np.nansum(w)), by_code=by.reset_index(drop=True),
                      unweighted_codes=missing)
