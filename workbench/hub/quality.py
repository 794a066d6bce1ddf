"""Fitness-for-purpose report (guidance 4.2.3): completeness, precision, accuracy, currency, coverage.

Guidance 4.2.3 defines the content qualities of shared information as *precision* (detail
in a field: single-year ages rather than bands, point coordinates rather than rounded
ones), *accuracy*, *currency* (how up to date) and *completeness*. The report measures
each for one dataset, over its current rows or one supply, and lists coverage gaps
(missing months, e.g. a force's months absent from police.uk).

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
                out.append(f"  {k}: {v}")
        if self.caveats:
            out.append("Caveats:")
            out += [f"  - {c}" for c in self.caveats]
        return "\n".join(out)


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
    report.currency = _currency(con, ds, src)
    return report
