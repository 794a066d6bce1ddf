"""Offenders and victims: linking by crime reference and cohort profiles (guidance 3.2.1, 3.2.5–3.2.7, 3.2.21–3.2.22).

* :func:`link_by_crime_ref` — offence, offender and victim records joined on ``crime_ref``
  (guidance 3.2.1: "the crime reference number links the offence, offender and victim
  records"), with counts of unmatched references so linkage quality is visible;
* :func:`victim_profile` — victims by age band and sex;
* :func:`prolificness` — offences per offender and the share of offences by the most
  prolific x% (a concentration view of offenders);
* :func:`need_profile` — OASys link-to-offending needs (``lto_*``, 3.2.5) or YOS ratings
  (``risk_1…risk_14``, 3.2.6): share of the cohort with each need and the co-occurrence matrix;
* :func:`ppo_reoffending` — offences by the PPO cohort (3.2.7) per period, and the share of
  the cohort offending in each period;
* :func:`drug_test_positivity` — positive share of drug tests on arrest by trigger offence (3.2.21);
* :func:`detection_rates` — detected share of recorded offences by offence code (3.2.22).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench.analysis import _validate as check
from workbench.analysis.results import Result

AGE_BANDS = (0, 10, 18, 25, 35, 45, 55, 65, 200)
POSITIVE_NEED = {"y", "yes", "true", "1", "2", "significant", "some"}
DETECTED = {"detected", "charged", "charge/summons", "summonsed", "cautioned", "caution",
            "community resolution", "penalty notice", "taken into consideration", "tic"}


@dataclasses.dataclass
class Linked(Result):
    """Offences joined to their offenders and victims by crime reference, with the rows that matched nothing counted.

    Examples
    --------
    >>> off = pd.DataFrame({"crime_ref": ["C1", "C2"], "offence_code": ["8N", "105A"]})
    >>> ofd = pd.DataFrame({"crime_ref": ["C1", "C9"], "offender_ref": ["P1", "P2"], "age": [20, 30]})
    >>> r = link_by_crime_ref(off, ofd)
    >>> r.n_offences, r.offences_with_offender, r.offender_rows_unmatched   # C9 names no recorded offence
    (2, 1, 1)
    >>> r.to_frame()["offender_ref"].tolist()
    ['P1', nan]
    """

    frame: pd.DataFrame
    n_offences: int
    offences_with_offender: int
    offences_with_victim: int
    offender_rows_unmatched: int
    victim_rows_unmatched: int

    def to_frame(self) -> pd.DataFrame:
        return self.frame

    def to_dict(self) -> dict:
        d = super().to_dict()
        d.pop("frame")
        return d


def link_by_crime_ref(offences: pd.DataFrame, offenders: pd.DataFrame | None = None,
                      victims: pd.DataFrame | None = None) -> Linked:
    """Left-join offenders and victims onto offences by ``crime_ref`` (prefixes ``offender_``/``victim_``).

    Examples
    --------
    >>> off = pd.DataFrame({"crime_ref": ["C1", "C2"], "offence_code": ["8N", "105A"]})
    >>> ofd = pd.DataFrame({"crime_ref": ["C1", "C9"], "offender_ref": ["P1", "P2"], "age": [20, 30]})
    >>> r = link_by_crime_ref(off, ofd)
    >>> r.offences_with_offender, r.offender_rows_unmatched
    (1, 1)
    """
    check.columns(offences, ["crime_ref"], "offences")
    frame = offences.copy()
    refs = set(frame["crime_ref"].astype(str))
    out = {"with_o": 0, "with_v": 0, "un_o": 0, "un_v": 0}
    for other, prefix, key in ((offenders, "offender_", "o"), (victims, "victim_", "v")):
        if other is None:
            continue
        check.columns(other, ["crime_ref"], prefix.rstrip("_") + "s")
        o = other.rename(columns={c: (c if c == "crime_ref" or c.startswith(prefix) else prefix + c)
                                  for c in other.columns})
        out["un_" + key] = int((~other["crime_ref"].astype(str).isin(refs)).sum())
        out["with_" + key] = int(frame["crime_ref"].astype(str).isin(set(other["crime_ref"].astype(str))).sum())
        frame = frame.merge(o, on="crime_ref", how="left")
    return Linked(frame=frame, n_offences=int(len(offences)), offences_with_offender=out["with_o"],
                  offences_with_victim=out["with_v"], offender_rows_unmatched=out["un_o"],
                  victim_rows_unmatched=out["un_v"])


def age_band(age) -> pd.Series:
    """Analysis age band of each age; an age the shared tier published as a band ("30-34",
    "85+": :mod:`workbench.privacy.quasi`) goes to the band holding it, or stays as published
    when it straddles two ("18-34").

    Examples
    --------
    >>> age_band(["19", "30-34", "85+", "18-34", None]).tolist()
    ['18-24', '25-34', '65+', '18-34', 'unknown']
    """
    ser = pd.Series(age)
    a = pd.to_numeric(ser, errors="coerce")
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(AGE_BANDS[:-2], AGE_BANDS[1:-1])] + [f"{AGE_BANDS[-2]}+"]
    out = pd.cut(a, bins=list(AGE_BANDS), right=False, labels=labels).astype("string")
    text = ser.astype("string").str.strip()
    lo = pd.to_numeric(text.str.extract(r"^(\d+)(?:-\d+|\+)$")[0], errors="coerce")
    hi = pd.to_numeric(text.str.extract(r"^\d+-(\d+)$")[0], errors="coerce").where(~text.str.endswith("+", na=False), 199)
    for (b_lo, b_hi), label in zip(zip(AGE_BANDS[:-1], AGE_BANDS[1:]), labels):
        inside = a.isna() & lo.notna() & (lo >= b_lo) & (hi < b_hi)
        out = out.mask(inside, label)
    banded = a.isna() & lo.notna() & out.isna()
    out = out.mask(banded, text)
    return out.fillna("unknown")


def victim_profile(victims: pd.DataFrame) -> pd.DataFrame:
    """Victims by age band (rows) and sex (columns), with totals.

    Examples
    --------
    >>> v = pd.DataFrame({"age": [19, 22, 40], "gender": ["F", "M", "F"]})
    >>> int(victim_profile(v).loc["18-24", "F"])
    1
    """
    check.columns(victims, ["age", "gender"], "victims")
    sex = victims["gender"].astype("string").str.upper().str[:1].fillna("U")
    tab = pd.crosstab(age_band(victims["age"]).to_numpy(), sex.to_numpy(), margins=True, margins_name="total")
    tab.index.name, tab.columns.name = "age_band", "gender"
    return tab


@dataclasses.dataclass
class Prolificness(Result):
    """Offences per offender and the share committed by the most prolific ``top`` fraction.

    Examples
    --------
    >>> r = prolificness(["a", "a", "a", "b"], top=0.5)
    >>> r.n_offenders, r.mean_offences, r.share_by_top
    (2, 2.0, 0.75)
    >>> r.to_frame().values.tolist()
    [['a', 3], ['b', 1]]
    """

    n_offenders: int
    n_offences: int
    mean_offences: float
    share_by_top: float
    top: float
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table


def prolificness(offender_refs, top: float = 0.1, list_length: int = 50) -> Prolificness:
    """Offences per offender; share of offences committed by the top ``top`` of offenders.

    Examples
    --------
    >>> r = prolificness(["a"] * 8 + ["b", "c"], top=0.3)
    >>> r.share_by_top
    0.8
    """
    s = pd.Series(offender_refs, dtype="string").dropna()
    if s.empty:
        raise check.BadInput("`offender_refs` is empty: are offender records linked to offences?")
    per = s.value_counts()
    k = max(1, int(np.ceil(check.probability(top, "top") * per.size - 1e-9)))
    table = per.rename("offences").rename_axis("offender_ref").reset_index().head(list_length)
    return Prolificness(n_offenders=int(per.size), n_offences=int(per.sum()),
                        mean_offences=float(per.mean()), share_by_top=float(per.iloc[:k].sum() / per.sum()),
                        top=top, table=table)


@dataclasses.dataclass
class NeedProfile(Result):
    """A cohort's needs: the share of clients with each need and the share with each pair of needs.

    Examples
    --------
    >>> a = pd.DataFrame({"client_ref": ["a", "b"], "lto_drug_misuse": ["Y", "N"],
    ...                   "lto_accommodation": ["Y", "Y"]})
    >>> p = need_profile(a)
    >>> p.n_clients, float(p.co_occurrence.loc["drug_misuse", "accommodation"])   # client a has both
    (2, 0.5)
    """

    n_clients: int
    prevalence: pd.DataFrame
    co_occurrence: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.prevalence


def _need_present(col: pd.Series, threshold: float | None) -> pd.Series:
    num = pd.to_numeric(col, errors="coerce")
    if threshold is not None and num.notna().any():
        return num >= threshold
    txt = col.astype("string").str.strip().str.lower()
    return txt.isin(POSITIVE_NEED) | (num > 0)


def need_profile(assessments: pd.DataFrame, prefix: str = "lto_", threshold: float | None = None,
                 client: str = "client_ref") -> NeedProfile:
    """Share of a cohort with each need and how needs co-occur (latest assessment per client).

    ``prefix='lto_'`` for OASys link-to-offending needs (present when Y/yes/1/2 or > 0);
    ``prefix='risk_'`` with ``threshold=2`` for YOS ratings 0–4 (present when ≥ threshold).

    Examples
    --------
    >>> a = pd.DataFrame({"client_ref": ["a", "b"], "lto_drug_misuse": ["Y", "N"],
    ...                   "lto_accommodation": ["Y", "Y"]})
    >>> need_profile(a).prevalence.set_index("need")["share"].to_dict()
    {'accommodation': 1.0, 'drug_misuse': 0.5}
    """
    cols = [c for c in assessments.columns if c.startswith(prefix)]
    if not cols:
        raise check.BadInput(f"`assessments` has no columns starting with '{prefix}'.")
    a = assessments
    if client in a and "assessment_date" in a:
        a = a.sort_values("assessment_date").groupby(client, as_index=False).tail(1)
    elif client in a:
        a = a.groupby(client, as_index=False).tail(1)
    present = pd.DataFrame({c[len(prefix):]: _need_present(a[c], threshold).to_numpy() for c in cols})
    n = len(present)
    prev = pd.DataFrame({"need": present.columns, "clients": present.sum().to_numpy(),
                         "share": (present.sum() / n).to_numpy()})
    prev = prev.sort_values(["share", "need"], ascending=[False, True]).reset_index(drop=True)
    m = present.astype(float).to_numpy()
    co = pd.DataFrame(m.T @ m / n, index=present.columns, columns=present.columns)
    return NeedProfile(n_clients=int(n), prevalence=prev, co_occurrence=co)


def ppo_reoffending(ppo: pd.DataFrame, offenders: pd.DataFrame, offences: pd.DataFrame,
                    freq: str = "Q") -> pd.DataFrame:
    """Offences by the PPO cohort per period and the share of the cohort offending.

    ``ppo`` needs ``offender_ref``; ``offenders`` links ``crime_ref`` to ``offender_ref``;
    ``offences`` gives ``crime_ref, committed_from_date``.

    Examples
    --------
    >>> ppo = pd.DataFrame({"offender_ref": ["P1", "P2"]})
    >>> ofd = pd.DataFrame({"crime_ref": ["C1", "C2", "C3"], "offender_ref": ["P1", "P1", "X"]})
    >>> off = pd.DataFrame({"crime_ref": ["C1", "C2", "C3"],
    ...                     "committed_from_date": ["2024-01-05", "2024-05-01", "2024-01-09"]})
    >>> ppo_reoffending(ppo, ofd, off)[["period", "offences", "share_offending"]].values.tolist()
    [['2024Q1', 1, 0.5], ['2024Q2', 1, 0.5]]
    """
    check.columns(ppo, ["offender_ref"], "ppo")
    check.columns(offenders, ["crime_ref", "offender_ref"], "offenders")
    check.columns(offences, ["crime_ref", "committed_from_date"], "offences")
    cohort = set(ppo["offender_ref"].astype(str))
    links = offenders[offenders["offender_ref"].astype(str).isin(cohort)][["crime_ref", "offender_ref"]]
    f = links.merge(offences[["crime_ref", "committed_from_date"]], on="crime_ref", how="inner")
    f["period"] = pd.to_datetime(f["committed_from_date"], errors="coerce").dt.to_period(freq).astype(str)
    g = f.groupby("period").agg(offences=("crime_ref", "nunique"), offenders=("offender_ref", "nunique"))
    g["cohort_size"] = len(cohort)
    g["share_offending"] = g["offenders"] / len(cohort) if cohort else np.nan
    return g.reset_index()


def drug_test_positivity(tests: pd.DataFrame, by: str = "offence_code") -> pd.DataFrame:
    """Tests, positives and positive share by ``by`` (trigger offence or drug type).

    Examples
    --------
    >>> t = pd.DataFrame({"offence_code": ["34B", "34B", "30C"], "test_result": ["positive", "negative", "Positive"]})
    >>> drug_test_positivity(t).set_index("offence_code")["positive_share"].to_dict()
    {'30C': 1.0, '34B': 0.5}
    """
    check.columns(tests, [by, "test_result"], "tests")
    pos = tests["test_result"].astype("string").str.strip().str.lower().str.startswith("pos").fillna(False)
    g = pd.DataFrame({by: tests[by], "positive": pos.astype(int)}).groupby(by)["positive"].agg(["size", "sum"])
    g = g.rename(columns={"size": "tests", "sum": "positives"})
    g["positive_share"] = g["positives"] / g["tests"]
    return g.reset_index()


def detection_rates(offences: pd.DataFrame, detections: pd.DataFrame,
                    detected_values=DETECTED) -> pd.DataFrame:
    """Recorded, detected and detection rate by offence code.

    A detection counts when ``detection_status`` (lower-cased) is in ``detected_values``.

    Examples
    --------
    >>> off = pd.DataFrame({"crime_ref": ["C1", "C2", "C3"], "offence_code": ["8N", "8N", "105A"]})
    >>> det = pd.DataFrame({"crime_ref": ["C1"], "detection_status": ["Charged"]})
    >>> detection_rates(off, det).set_index("offence_code")["detection_rate"].to_dict()
    {'105A': 0.0, '8N': 0.5}
    """
    check.columns(offences, ["crime_ref", "offence_code"], "offences")
    check.columns(detections, ["crime_ref", "detection_status"], "detections")
    ok = detections["detection_status"].astype("string").str.strip().str.lower().isin(set(detected_values))
    det_refs = set(detections.loc[ok.fillna(False), "crime_ref"].astype(str))
    f = offences[["crime_ref", "offence_code"]].drop_duplicates("crime_ref").copy()
    f["detected"] = f["crime_ref"].astype(str).isin(det_refs).astype(int)
    g = f.groupby("offence_code")["detected"].agg(["size", "sum"]).rename(columns={"size": "recorded", "sum": "detected"})
    g["detection_rate"] = g["detected"] / g["recorded"]
    return g.reset_index()
