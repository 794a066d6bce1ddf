"""Fitness-for-purpose report (guidance 4.2.3): completeness, precision, accuracy, currency, coverage.

Guidance 4.2.3 defines the content qualities of shared information as *precision* (detail
in a field: single-year ages rather than bands, point coordinates rather than rounded
ones), *accuracy*, *currency* (how up to date) and *completeness*. The report measures
each for one dataset, over its current rows or one supply, and lists coverage gaps
(missing months, e.g. a force's months absent from police.uk) and anomalous supply months
(:func:`anomalous_months`: a month of 100 anti-social behaviour records between months of
about 2,000 is flagged by a robust median/MAD score per dataset and category).

The field measures that methods depend on — is the date known to the day or only to the
month, is the time of day known, are coordinates present — are computed once, by
:func:`field_fitness`, for both this report and the analysis fitness gate
(:mod:`workbench.analysis.fitness`), so the gate checks exactly the figures the report shows.

Examples
--------
>>> from workbench.hub.quality import quality_report  # doctest: +SKIP
>>> quality_report(con, "police_uk_street")["coverage"]["missing_months"]  # doctest: +SKIP
[]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from workbench import catalogue
from workbench.catalogue.model import Dataset
from workbench.hub.status import has_table
from workbench.hub.validate import q


@dataclass
class QualityReport:
    """Fitness for purpose of one dataset or supply (guidance 4.2.3): completeness, precision, accuracy, currency and coverage, with caveats; made by :func:`quality_report`.

    Examples
    --------
    >>> r = QualityReport("ref_imd", "current rows", 2, completeness={"imd_score": 0.5},
    ...                   coverage={"anomalous_months": []}, caveats=["IMD 2019 ranks"])
    >>> print(r.to_text())
    Fitness for purpose — ref_imd (current rows): 2 rows
    Completeness (share of rows with a value):
      imd_score                           50.0%
    Precision:
    Accuracy:
    Currency:
    Coverage:
    Anomalous months (robust median/MAD score, |z| ≥ 3.5): none
    Caveats:
      - IMD 2019 ranks
    """

    dataset: str
    scope: str
    rows: int
    supplies: list[dict] = field(default_factory=list)
    completeness: dict = field(default_factory=dict)
    precision: dict = field(default_factory=dict)
    accuracy: dict = field(default_factory=dict)
    currency: dict = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("dataset", "scope", "rows", "supplies", "completeness",
                                              "precision", "accuracy", "currency", "coverage",
                                              "caveats")}

    def to_text(self) -> str:
        out = [f"Fitness for purpose — {self.dataset} ({self.scope}): {self.rows:,} rows"]
        out.append("Completeness (share of rows with a value):")
        for c, v in self.completeness.items():
            out.append(f"  {c:34} {v:6.1%}")
        for title, part in (("Precision", self.precision), ("Accuracy", self.accuracy),
                            ("Currency", self.currency), ("Coverage", self.coverage)):
            out.append(f"{title}:")
            for k, v in part.items():
                if k != "anomalous_months":
                    out.append(f"  {k}: {v}")
        anomalies = self.coverage.get("anomalous_months") or []
        out.append(f"Anomalous months (robust median/MAD score, |z| ≥ {ANOMALY_Z:g}): "
                   + ("none" if not anomalies else str(len(anomalies))))
        for a in anomalies:
            what = f"{a['category_column']} = {a['category']}" if a["category_column"] else "all rows"
            out.append(f"  {a['month']}  {what}: {a['rows']:,} rows (median {a['median']:,.0f}, "
                       f"z {a['robust_z']:+.1f}{', edge month' if a['edge'] else ''})")
        if self.caveats:
            out.append("Caveats:")
            out += [f"  - {c}" for c in self.caveats]
        return "\n".join(out)


#: columns that name a record's category, in order of preference, for per-category anomalies
CATEGORY_COLUMNS = ("crime_type", "category", "incident_type", "offence_type", "offence_code")
#: a month is anomalous when its robust z-score is at least this far from 0 (Iglewicz and Hoaglin 1993)
ANOMALY_Z = 3.5
#: fewer months than this in a series and no anomaly is scored (the median needs a run to stand on)
ANOMALY_MIN_MONTHS = 6
#: series whose median month holds fewer rows than this are not scored (small counts are noisy)
ANOMALY_MIN_MEDIAN = 20
#: dates on the 1st of the month: with day-precise dates about 1 in 30.4 fall on the 1st; a
#: share at least this high means the day was not recorded (police.uk publishes months only)
MONTH_ONLY_SHARE = 0.5
#: ... and at least this many dates on the 1st: a handful of dates cannot show a recording habit
MONTH_ONLY_MIN = 5
#: a day or time is "known" for a method when at least this share of records carries it
KNOWN_SHARE = 0.8


def date_precision(dates_known: int, on_first_of_month: int) -> tuple[str, float]:
    """Classify a date field as ``'day'``, ``'mixed'`` or ``'month'`` precision (guidance 4.2.3).

    Returns the class and the estimated share of dated records whose *day* is real: the excess
    of dates on the 1st over the 1-in-30.4 expected of day-precise dates is taken to be
    month-only records recorded as the 1st.

    Examples
    --------
    >>> date_precision(36671, 36671)
    ('month', 0.0)
    >>> date_precision(3044, 100)
    ('day', 1.0)
    """
    if not dates_known:
        return "unknown", 0.0
    share = on_first_of_month / dates_known
    expected = 1 / 30.44
    day_known = 1.0 - min(1.0, max(0.0, (share - expected) / (1 - expected)))
    day_known = round(day_known, 4)
    if share >= MONTH_ONLY_SHARE and on_first_of_month >= MONTH_ONLY_MIN:
        return "month", day_known
    return ("day" if day_known >= KNOWN_SHARE else "mixed"), day_known


def time_known_share(rows: int, present: int, at_midnight: int) -> float:
    """Share of ``rows`` whose time of day is known: the times other than 00:00, plus as many
    midnights as one hour of those times would hold (real times put about 1 in 24 at midnight;
    the rest of a spike at 00:00 is the usual stand-in for "no time").

    Examples
    --------
    >>> time_known_share(100, 100, 100), time_known_share(240, 240, 10), time_known_share(10, 0, 0)
    (0.0, 1.0, 0.0)
    """
    if not rows or not present:
        return 0.0
    other = present - at_midnight
    return round((other + min(at_midnight, other / 23)) / rows, 4)


def field_fitness(con, src: str, *, date_column: str | None = None, time_column: str | None = None,
                  coordinates: bool = False, periods=None) -> dict:
    """Measured fitness of the fields a method reads (guidance 4.2.3: completeness, precision).

    ``src`` is a table or ``(SELECT …)`` expression readable on ``con``; ``periods`` (pairs of
    dates, inclusive) keep only the rows whose date falls in one of them. One query, one pass
    over the rows. Returns ``rows`` (measured rows) and ``rows_total`` (all rows of ``src``); for a date column ``date_known``, ``date_on_first_of_month``,
    ``date_precision`` (:func:`date_precision`), ``day_known_share``, ``rows_by_month`` and
    (with ``periods``) ``rows_by_period``; for a time column ``time_present``,
    ``time_at_midnight`` and ``time_known_share`` (a spike of midnights — the usual stand-in
    for "no time" — counts as unknown); with ``coordinates`` ``coordinates_known``,
    ``coordinates_known_share`` and ``coordinates_rounded_100m``.

    Examples
    --------
    >>> import duckdb, pandas as pd
    >>> con = duckdb.connect()
    >>> months = [f"2024-{m:02d}-01" for m in (1, 1, 2, 3, 4, 5)]
    >>> _ = con.register("f", pd.DataFrame({"d": months, "t": [None] * 6}))
    >>> m = field_fitness(con, "f", date_column="d", time_column="t")
    >>> m["date_precision"], m["time_known_share"], m["rows_by_month"]["2024-01"]
    ('month', 0.0, 2)
    """
    periods = list(periods or []) if date_column else []
    keys, parts, params = [], ["count(*)"], []
    d = f"TRY_CAST({q(date_column)} AS DATE)" if date_column else None
    if date_column:
        keys.append(f"strftime({d}, '%Y-%m')")
        parts += [f"count({d})", f"count(*) FILTER (WHERE dayofmonth({d}) = 1)"]
    if periods:
        keys.append("CASE " + " ".join(f"WHEN {d} BETWEEN ? AND ? THEN {k}" for k in range(len(periods))) + " END")
        params += [v for p in periods for v in p]
    if time_column:
        t = f"TRY_CAST(CAST({q(time_column)} AS VARCHAR) AS TIME)"
        parts += [f"count({t})", f"count(*) FILTER (WHERE {t} = TIME '00:00')"]
    if coordinates:
        e, n = "TRY_CAST(easting AS DOUBLE)", "TRY_CAST(northing AS DOUBLE)"
        parts += [f"count(*) FILTER (WHERE {e} IS NOT NULL AND {n} IS NOT NULL)",
                  f"count(*) FILTER (WHERE {e} % 100 = 0 AND {n} % 100 = 0)"]
    select = ", ".join([f"{k} AS k{i}" for i, k in enumerate(keys)] + parts)
    group = " GROUP BY ALL" if keys else ""
    every = con.execute(f"SELECT {select} FROM {src}{group}", params).fetchall()
    # rows outside every period form their own groups (period key NULL): counted in rows_total only
    groups = [g for g in every if g[1] is not None] if periods else every
    totals = [sum(int(g[len(keys) + i] or 0) for g in groups) for i in range(len(parts))]
    rows = totals.pop(0)
    out: dict = {"rows": rows, "rows_total": sum(int(g[len(keys)]) for g in every)}
    if date_column:
        known, first = totals.pop(0), totals.pop(0)
        precision, day_share = date_precision(known, first)
        by_month: dict = {}
        for g in groups:
            if g[0] is not None:
                by_month[g[0]] = by_month.get(g[0], 0) + int(g[len(keys)])
        out.update(date_column=date_column, date_known=known, date_on_first_of_month=first,
                   date_precision=precision, day_known_share=day_share, rows_by_month=dict(sorted(by_month.items())))
    if periods:
        out["rows_by_period"] = [sum(int(g[len(keys)]) for g in groups if g[1] == k) for k in range(len(periods))]
    if time_column:
        present, midnight = totals.pop(0), totals.pop(0)
        out.update(time_column=time_column, time_present=present, time_at_midnight=midnight,
                   time_known_share=time_known_share(rows, present, midnight))
    if coordinates:
        known, rounded = totals.pop(0), totals.pop(0)
        out.update(coordinates_known=known, coordinates_rounded_100m=rounded,
                   coordinates_known_share=round(known / rows, 4) if rows else 0.0)
    return out


def anomalous_months(rows_by_month: dict, *, z: float = ANOMALY_Z) -> list[dict]:
    """Months whose row count is far from the series' median (robust z-score, guidance 4.2.3).

    The score is ``(rows − median) / s`` with ``s = max(1.4826 · MAD, √median)``: the MAD is
    the robust spread of the series, and the Poisson floor √median keeps a nearly constant
    series from flagging ordinary noise. Months absent from ``rows_by_month`` are not scored
    (they are reported as ``missing_months``). The first and last months are flagged too but
    marked ``edge`` (a supply may start or stop part-way through a month).

    Examples
    --------
    >>> series = {f"2024-{m:02d}": 2000 + 10 * (m % 3) for m in range(1, 13)}
    >>> series["2024-06"] = 100
    >>> [(a["month"], a["direction"]) for a in anomalous_months(series)]
    [('2024-06', 'low')]
    """
    import numpy as np

    months = sorted(rows_by_month)
    if len(months) < ANOMALY_MIN_MONTHS:
        return []
    x = np.array([float(rows_by_month[m]) for m in months])
    med = float(np.median(x))
    if med < ANOMALY_MIN_MEDIAN:
        return []
    scale = max(1.4826 * float(np.median(np.abs(x - med))), med ** 0.5)
    scores = (x - med) / scale
    out = []
    for k in np.flatnonzero(np.abs(scores) >= z):
        out.append({"month": months[k], "rows": int(x[k]), "median": med, "robust_z": round(float(scores[k]), 2),
                    "direction": "high" if scores[k] > 0 else "low",
                    "edge": bool(k in (0, len(months) - 1))})
    return out


def _anomalies(con, ds: Dataset, src: str) -> list[dict]:
    """Anomalous months for the whole dataset and for each category (:data:`CATEGORY_COLUMNS`)."""
    if "month" in ds.column_names:
        month = "month"
    elif ds.date_column:
        month = f"strftime({q(ds.date_column)}, '%Y-%m')"
    else:
        return []
    cat = next((c for c in CATEGORY_COLUMNS if c in ds.column_names), None)
    cat_sql = f"coalesce(CAST({q(cat)} AS VARCHAR), '(blank)')" if cat else "'(all)'"
    rows = con.execute(f"SELECT {cat_sql} AS c, {month} AS m, count(*) FROM {src} WHERE {month} IS NOT NULL "
                       f"GROUP BY ALL ORDER BY ALL").fetchall()
    series: dict = {"(all)": {}}
    for c, m, n in rows:
        series["(all)"][m] = series["(all)"].get(m, 0) + n
        if cat:
            series.setdefault(c, {})[m] = n
    out = []
    for c, s in series.items():
        for a in anomalous_months(s):
            out.append({"category_column": cat if c != "(all)" else None, "category": c, **a})
    return out


def _as_held(con, ds: Dataset) -> Dataset:
    """The dataset restricted to the columns this tier holds (the shared tier drops ident
    columns, e.g. date_of_birth), so every measure reads only what is there."""
    import dataclasses

    if not has_table(con, ds.id):
        from workbench.errors import BadInput

        raise BadInput(f"'{ds.id}' is not held in this tier (personal datasets are published as "
                       f"'{ds.id}_counts' only).")
    present = {r[0] for r in con.execute(f"DESCRIBE main.{ds.id}").fetchall()}
    if present >= set(ds.column_names):
        return ds
    cols = tuple(c for c in ds.columns if c.name in present)
    return dataclasses.replace(
        ds, columns=cols,
        key=ds.key if set(ds.key) <= present else (),
        partition=ds.partition if set(ds.partition) <= present else (),
        date_column=ds.date_column if ds.date_column in present else None)


def _source(ds: Dataset, supply_id: int | None) -> str:
    if supply_id is None:
        return f"main.{ds.id}"
    return f"(SELECT * FROM archive.{ds.id} WHERE _supply_id = {int(supply_id)})"


def _completeness(con, ds, src) -> dict:
    exprs = ", ".join(f"count({q(c.name)}) AS {q(c.name)}" for c in ds.columns)
    row = con.execute(f"SELECT count(*) AS _n, {exprs} FROM {src}").fetchone()
    n = row[0]
    return {c.name: (round(row[i + 1] / n, 4) if n else 0.0) for i, c in enumerate(ds.columns)}


def _precision(con, ds, src, n) -> dict:
    out = {}
    names = ds.column_names
    for col in ds.columns:
        if col.kind == "age":
            single, band = con.execute(
                f"SELECT count(*) FILTER (WHERE regexp_matches({q(col.name)}, '^[0-9]+$')), "
                f"count(*) FILTER (WHERE NOT regexp_matches({q(col.name)}, '^[0-9]+$')) FROM {src}"
            ).fetchone()
            out[f"{col.name}_single_years"] = single
            out[f"{col.name}_bands"] = band
    if "easting" in names:
        r = con.execute(
            f"SELECT count(easting), "
            f"count(*) FILTER (WHERE easting % 1000 = 0 AND northing % 1000 = 0), "
            f"count(*) FILTER (WHERE easting % 100 = 0 AND northing % 100 = 0), "
            f"count(*) FILTER (WHERE easting % 10 = 0 AND northing % 10 = 0) FROM {src}"
        ).fetchone()
        out["coordinates"] = r[0]
        out["coordinates_rounded_1km"] = r[1]
        out["coordinates_rounded_100m"] = r[2]
        out["coordinates_rounded_10m"] = r[3]
    if "month" in names:
        out["date_precision"] = "month only (police.uk)"
    elif ds.date_column:
        times = [c.name for c in ds.columns if c.kind == "time"]
        m = field_fitness(con, src, date_column=ds.date_column, time_column=times[0] if times else None)
        out["date_precision"] = m["date_precision"]
        out[f"{ds.date_column}_on_first_of_month"] = m["date_on_first_of_month"]
        out[f"{ds.date_column}_day_known_share"] = m["day_known_share"]
        if times:
            out[f"{times[0]}_known_share"] = m["time_known_share"]
    for col in ds.columns:
        if col.kind == "time":
            r = con.execute(f"SELECT count({q(col.name)}), count(*) FILTER (WHERE {q(col.name)} = "
                            f"TIME '00:00') FROM {src}").fetchone()
            out[f"{col.name}_at_midnight"] = r[1]
    return out


def _accuracy(con, ds, src) -> dict:
    out = {}
    names = ds.column_names
    for col in ds.columns:
        if col.kind == "date":
            out[f"future_{col.name}"] = con.execute(
                f"SELECT count(*) FROM {src} WHERE {q(col.name)} > current_date").fetchone()[0]
    if ds.key:
        keys = ", ".join(q(k) for k in ds.key)
        r = con.execute(f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) n FROM {src} "
                        f"WHERE {q(ds.key[0])} IS NOT NULL GROUP BY {keys} HAVING count(*) > 1)").fetchone()
        out["duplicate_references"] = {"keys": r[0], "rows": int(r[1])}
    if ds.id == "police_uk_street":
        r = con.execute(f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) n FROM {src} "
                        f"WHERE crime_id IS NOT NULL GROUP BY crime_id HAVING count(*) > 1)").fetchone()
        out["repeated_crime_ids"] = {"ids": r[0], "rows": int(r[1]),
                                     "note": "kept: police.uk repeats Crime IDs; never de-duplicated"}
    if {"committed_from_date", "committed_to_date"} <= set(names):
        out["to_before_from"] = con.execute(
            f"SELECT count(*) FROM {src} WHERE committed_to_date < committed_from_date").fetchone()[0]
    impossible = [c.name for c in ds.columns if c.kind == "integer"]
    if impossible:
        out["negative_counts"] = con.execute(
            f"SELECT count(*) FROM {src} WHERE " + " OR ".join(f"{q(c)} < 0" for c in impossible)
        ).fetchone()[0]
    out.update(_out_of_area(con, ds, src))
    return out


def _out_of_area(con, ds, src) -> dict:
    """Points outside the partnership area: LSOA not in ``ref_lsoa`` (police.uk rows), or
    coordinates outside the bounding box of the area's postcodes (``ref_postcode``)."""
    names = ds.column_names
    nlsoa = con.execute("SELECT count(*) FROM main.ref_lsoa").fetchone()[0] if has_table(con, "ref_lsoa") else 0
    if "lsoa_code" in names and nlsoa and ds.id != "ref_lsoa":
        n = con.execute(f"SELECT count(*) FROM {src} s WHERE lsoa_code IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM main.ref_lsoa l WHERE l.lsoa_code = s.lsoa_code)").fetchone()[0]
        return {"out_of_area": n, "out_of_area_method": "LSOA not among the partnership's LSOAs"}
    if "easting" in names and ds.id not in ("ref_postcode", "ref_lsoa"):
        from workbench.geo.boundaries import PartnershipArea

        area = PartnershipArea.from_hub(con)
        if area is not None:
            pts = con.execute(f"SELECT easting, northing FROM {src} WHERE easting IS NOT NULL "
                              f"AND northing IS NOT NULL").fetchnumpy()
            inside = area.contains(pts["easting"], pts["northing"]) if len(pts["easting"]) else []
            return {"out_of_area": int(len(inside) - int(sum(inside))),
                    "out_of_area_method": f"outside the partnership area ({area.source})"}
    return {}


def _currency(con, ds, src) -> dict:
    out = {}
    if ds.date_column:
        last = con.execute(f"SELECT max({q(ds.date_column)}) FROM {src}").fetchone()[0]
        out["last_record_date"] = last.isoformat() if last else None
    elif "month" in ds.column_names:
        out["last_record_month"] = con.execute(f"SELECT max(month) FROM {src}").fetchone()[0]
    if not has_table(con, "supplies"):
        return out
    lags = con.execute(
        "SELECT supply_id, period_end, supplied_at, date_diff('day', period_end, supplied_at::DATE) "
        "FROM supplies WHERE dataset = ? ORDER BY supply_id", [ds.id]).fetchall()
    out["lag_days_by_supply"] = {int(s): (int(l) if l is not None else None) for s, _, _, l in lags}
    return out


def _coverage(con, ds, src) -> dict:
    if "month" in ds.column_names:
        month = "month"
        group = "falls_within" if "falls_within" in ds.column_names else None
    elif ds.date_column:
        month = f"strftime({q(ds.date_column)}, '%Y-%m')"
        group = None
    else:
        return {}
    g = f"{group}, " if group else ""
    rows = con.execute(f"SELECT {g}{month} AS m, count(*) FROM {src} WHERE {month} IS NOT NULL "
                       f"GROUP BY ALL ORDER BY ALL").fetchall()
    by: dict = {}
    for r in rows:
        key = r[0] if group else "all"
        by.setdefault(key, {})[r[-2]] = r[-1]
    result = {"rows_by_month": {}, "missing_months": {}}
    for key, months in by.items():
        present = sorted(months)
        y0, m0 = map(int, present[0].split("-"))
        y1, m1 = map(int, present[-1].split("-"))
        expected = []
        y, m = y0, m0
        while (y, m) <= (y1, m1):
            expected.append(f"{y:04d}-{m:02d}")
            m += 1
            if m == 13:
                y, m = y + 1, 1
        result["rows_by_month"][key] = months
        result["missing_months"][key] = [e for e in expected if e not in months]
    if not group:
        result["rows_by_month"] = result["rows_by_month"].get("all", {})
        result["missing_months"] = result["missing_months"].get("all", [])
    return result


def quality_report(con, dataset_id: str, *, supply_id: int | None = None) -> QualityReport:
    """Fitness-for-purpose report for one dataset (current rows) or one supply.

    Parameters
    ----------
    con : a connection to the master hub or the shared tier.
    dataset_id : dataset id (``DATASETS.md``).
    supply_id : restrict to the rows of one supply (archived rows included).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from workbench.hub.connect import open_hub
    >>> from workbench.hub.ingest import ingest_frame
    >>> from workbench.hub.schema import init_hub
    >>> hub = init_hub(pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb")
    >>> imd = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "imd_score": [12.5, None],
    ...                     "imd_rank": [20000, 1500], "imd_decile": [7, 1]})
    >>> _ = ingest_frame(hub, "ref_imd", imd, source_name="imd.csv")
    >>> report = quality_report(open_hub(hub, read_only=True), "ref_imd")
    >>> report.rows, report.completeness["imd_score"]
    (2, 0.5)
    """
    ds = _as_held(con, catalogue.get(dataset_id))
    src = _source(ds, supply_id)
    n = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    supplies = []
    caveats = []
    supply_rows = [] if not has_table(con, "supplies") else con.execute(
        "SELECT supply_id, agency, rows, rows_superseded, supplied_at, period_start, period_end, "
        "metadata_missing, warnings, metadata FROM supplies WHERE dataset = ? "
        + ("AND supply_id = ? " if supply_id else "") + "ORDER BY supply_id",
        [ds.id] + ([supply_id] if supply_id else [])).fetchall()
    for r in supply_rows:
        missing = json.loads(r[7] or "[]")
        meta = json.loads(r[9] or "{}")
        supplies.append({"supply_id": r[0], "agency": r[1], "rows": r[2], "rows_superseded": r[3],
                         "supplied_at": r[4].isoformat(timespec="seconds") if r[4] else None,
                         "period": [str(r[5]) if r[5] else None, str(r[6]) if r[6] else None],
                         "metadata_missing": missing, "warnings": json.loads(r[8] or "[]")})
        if missing:
            caveats.append(f"supply {r[0]}: guidance 3.4 metadata missing ({', '.join(missing)})")
        if meta.get("caveats"):
            caveats.append(f"supply {r[0]} (supplier's caveat): {meta['caveats']}")
    report = QualityReport(ds.id, f"supply {supply_id}" if supply_id else "current rows", int(n),
                           supplies=supplies, caveats=caveats)
    if n:
        report.completeness = _completeness(con, ds, src)
        report.precision = _precision(con, ds, src, n)
        report.accuracy = _accuracy(con, ds, src)
        report.coverage = _coverage(con, ds, src)
        report.coverage["anomalous_months"] = _anomalies(con, ds, src)
        for a in report.coverage["anomalous_months"]:
            what = f"{a['category_column']} = {a['category']}" if a["category_column"] else "all rows"
            report.caveats.append(
                f"anomalous month {a['month']} ({what}): {a['rows']:,} rows against a median of "
                f"{a['median']:,.0f} (robust z {a['robust_z']:+.1f}){'; edge month, may be partial' if a['edge'] else ''}"
                " — check the supply before comparing periods")
    report.currency = _currency(con, ds, src)
    return report
