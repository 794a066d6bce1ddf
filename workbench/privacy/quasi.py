"""Quasi-identifier control of person tables in the shared tier: k-anonymity and l-diversity.

Removing names and moving addresses to postcode centroids (Appendix 1) is not enough: a
neighbour who knows someone's postcode, age and sex could find their drug-treatment record
(issue 13). Guidance 4.2 asks that depersonalised data identify nobody, and 4.3.4 that only the
minimum is shared. Each person table declares its quasi-identifiers and sensitive attributes in
the catalogue (``Dataset.quasi_identifiers``, ``Dataset.sensitive``); after depersonalisation,
:func:`protect_table` generalises them, one global level for the whole table:

=========  ===========================  ===========================  ======================
level      age                          place (postcode + centroid)  dates      ethnicity
=========  ===========================  ===========================  ======================
0          5-year bands, 85+ top-coded  as Appendix 1 published it   month      as supplied
1          0-17, 18-24, … 55-64, 65+    postcode sector centroid     quarter    group (W, M, A, B, O)
2          0-17, 18-34, 35-64, 65+      postcode district centroid   year       group
=========  ===========================  ===========================  ======================

It takes the lowest level at which at most :data:`MAX_SUPPRESSED` of the records sit in a
combination of quasi-identifier values shared by fewer than ``k`` records or carrying fewer
than ``l`` distinct sensitive values, and then **suppresses** the quasi-identifiers of those
records (all set to NULL: the record stays, and counts of it stay right, but it can no longer
be looked up). Every remaining combination then holds >= k records and >= l sensitive values.
Ages given as bands (police.uk "18-24") are kept as given; every date column of a person
table is coarsened to the chosen level, not only the declared one; coordinates of tables
without a postcode are kept at level 0 and dropped above it.

l is capped at the number of distinct sensitive values the whole table holds (a table of A&E
assault attendances all typed "assault" cannot hold two; knowing someone is in it is membership,
which k already bounds); the report gives the l applied.

Defaults: ``k = 5`` (:data:`DEFAULT_K`), the same threshold as the counts every dashboard
suppresses below (1–4 hidden, :mod:`workbench.privacy.disclosure`), so the record tier is no
finer than the aggregates; ``l = 2`` (:data:`DEFAULT_L`): knowing someone is in a combination
must not tell which sensitive value is theirs. An information sharing protocol may raise
either (``workbench hub publish --k-anonymity 10 --l-diversity 3``); k may not go below 2.

The measure is written in DuckDB SQL (GROUP BY over the generalised columns). A library was
considered: pycanon (k-anonymity, l-diversity on pandas frames) is not among the packages this
project can install offline, and ARX is a Java application; a pandas measure would also cost
the 5M-record publish several seconds. The independent checker measures k and l again on the
built tier with its own SQL (:mod:`workbench.privacy.checker`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from workbench.catalogue.model import Dataset
from workbench.errors import BadInput
from workbench.sql import quote_identifier as q

DEFAULT_K = 5
DEFAULT_L = 2
MIN_K = 2
#: the share of a table's records whose quasi-identifiers may be suppressed at a level
#: before a coarser level is tried
MAX_SUPPRESSED = 0.05
LEVELS = (0, 1, 2)
#: the areas a place may be generalised to: the qualifying sector and district centroids
#: installed by :func:`workbench.privacy.depersonalise.install_geography`
AREAS = "temp.main._wb_qual"


@dataclass
class QuasiResult:
    """What :func:`protect_table` did to one table (counts only, never values)."""

    table: str
    k: int
    l: int
    level: int = 0
    rows: int = 0
    suppressed: int = 0
    classes: int = 0
    quasi_identifiers: list = field(default_factory=list)
    sensitive: list = field(default_factory=list)
    #: l as applied: at most the number of distinct sensitive values in the table
    l_effective: int | None = None

    def to_dict(self) -> dict:
        return {"table": self.table, "k": self.k, "l": self.l, "l_effective": self.l_effective,
                "level": self.level,
                "rows": self.rows, "suppressed": self.suppressed, "classes": self.classes,
                "quasi_identifiers": self.quasi_identifiers, "sensitive": self.sensitive}


def validate_kl(k: int, l: int) -> None:
    """``k`` >= 2 and ``l`` >= 1 (an ISP may raise the defaults 5 and 2)."""
    if not isinstance(k, int) or k < MIN_K:
        raise BadInput(f"`k_anonymity` must be a whole number of at least {MIN_K} (default "
                       f"{DEFAULT_K}); got {k!r}.")
    if not isinstance(l, int) or l < 1:
        raise BadInput(f"`l_diversity` must be a whole number of at least 1 (default {DEFAULT_L}); got {l!r}.")


def age_band_sql(x: str, level: int) -> str:
    """SQL banding an age (text) at ``level``; a non-numeric age (already a band) is kept.

    Examples
    --------
    >>> import duckdb
    >>> [duckdb.sql(f"SELECT {age_band_sql(repr(a), 0)}").fetchone()[0] for a in ("7", "34", "91", "18-24")]
    ['5-9', '30-34', '85+', '18-24']
    >>> [duckdb.sql(f"SELECT {age_band_sql(repr(a), 1)}").fetchone()[0] for a in ("16", "34", "70")]
    ['0-17', '25-34', '65+']
    """
    a = f"try_cast(trim(CAST({x} AS VARCHAR)) AS INTEGER)"
    keep = f"nullif(trim(CAST({x} AS VARCHAR)), '')"
    if level == 0:
        band = (f"CASE WHEN {a} >= 85 THEN '85+' ELSE CAST({a} // 5 * 5 AS VARCHAR) || '-' || "
                f"CAST({a} // 5 * 5 + 4 AS VARCHAR) END")
    elif level == 1:
        band = (f"CASE WHEN {a} < 18 THEN '0-17' WHEN {a} < 25 THEN '18-24' WHEN {a} >= 65 THEN '65+' "
                f"ELSE CAST(({a} - 5) // 10 * 10 + 5 AS VARCHAR) || '-' || CAST(({a} - 5) // 10 * 10 + 14 AS VARCHAR) END")
    else:
        band = (f"CASE WHEN {a} < 18 THEN '0-17' WHEN {a} < 35 THEN '18-34' WHEN {a} < 65 THEN '35-64' "
                "ELSE '65+' END")
    return f"CASE WHEN {a} IS NULL THEN {keep} WHEN {a} < 0 THEN NULL ELSE {band} END"


def date_sql(x: str, level: int) -> str:
    """SQL coarsening a date to the first day of its month, quarter or year."""
    part = ("month", "quarter", "year")[level]
    return f"CAST(date_trunc('{part}', CAST({x} AS DATE)) AS DATE)"


def ethnicity_sql(x: str, level: int) -> str:
    """SQL grouping a 16+1 ethnicity code ("W1") to its group ("W") above level 0."""
    v = f"CAST({x} AS VARCHAR)"
    if level == 0:
        return v
    return f"CASE WHEN regexp_full_match({v}, '[A-Za-z][0-9]') THEN upper(left({v}, 1)) ELSE {v} END"


def _sector(pc: str) -> str:
    return (f"CASE WHEN contains({pc}, ' ') THEN split_part({pc}, ' ', 1) || ' ' || "
            f"left(split_part({pc}, ' ', 2), 1) ELSE {pc} END")


def _district(pc: str) -> str:
    return f"split_part({pc}, ' ', 1)"


def _roles(ds: Dataset, names: list[str]) -> dict[str, str]:
    """column → role (age, ethnicity, date, place, xy, category) for the generaliser."""
    roles = {}
    for c in ds.columns:
        if c.name not in names:
            continue
        if c.name in ds.quasi_identifiers:
            roles[c.name] = ("age" if c.kind == "age" else "place" if c.kind == "postcode"
                             else "xy" if c.kind in ("easting", "northing")
                             else "date" if c.kind == "date"
                             else "ethnicity" if "ethnicity" in c.name else "category")
        elif c.kind == "date":
            roles[c.name] = "date"      # every date of a person table is coarsened alike
    if "postcode" in roles and {"easting", "northing"} <= set(names):
        roles["easting"] = roles["northing"] = "place_xy"
    elif roles.get("easting") == "xy" and "northing" in names:
        roles["northing"] = "xy"
    return roles


def generalised_select(ds: Dataset, names: list[str], level: int, source: str = "t") -> tuple[list[str], str]:
    """Select items (every column, in order) and joins generalising ``ds`` at ``level``."""
    roles = _roles(ds, names)
    joins = ""
    pc = f"{source}.postcode"
    if "postcode" in roles and level > 0:
        if level == 1:
            joins = (f" LEFT JOIN (SELECT out_postcode, out_easting, out_northing FROM {AREAS} WHERE method "
                     f"<> 'postcode') _a1 ON _a1.out_postcode = {_sector(pc)}")
        joins += (f" LEFT JOIN (SELECT out_postcode, out_easting, out_northing FROM {AREAS} WHERE method "
                  f"<> 'postcode') _a2 ON _a2.out_postcode = {_district(pc)}")
    items = []
    for n in names:
        col = f"{source}.{q(n)}"
        role = roles.get(n)
        if role == "age":
            items.append(f"{age_band_sql(col, level)} AS {q(n)}")
        elif role == "date":
            items.append(f"{date_sql(col, level)} AS {q(n)}")
        elif role == "ethnicity":
            items.append(f"{ethnicity_sql(col, level)} AS {q(n)}")
        elif role == "place" and level > 0:
            expr = "coalesce(_a1.out_postcode, _a2.out_postcode)" if level == 1 else "_a2.out_postcode"
            items.append(f"{expr} AS {q(n)}")
        elif role == "place_xy" and level > 0:
            e = "out_easting" if n == "easting" else "out_northing"
            expr = (f"CASE WHEN _a1.out_postcode IS NOT NULL THEN _a1.{e} ELSE _a2.{e} END" if level == 1
                    else f"_a2.{e}")
            items.append(f"{expr} AS {q(n)}")
        elif role == "xy" and level > 0:
            items.append(f"CAST(NULL AS DOUBLE) AS {q(n)}")
        else:
            items.append(f"{col} AS {q(n)}")
    return items, joins


def class_columns(ds: Dataset, names: list[str]) -> list[str]:
    """The shared-tier columns that form a combination of quasi-identifier values."""
    cols = [c for c in ds.quasi_identifiers if c in names]
    if "easting" in cols and "northing" in names:
        cols.append("northing")
    return cols


def _sensitive(ds: Dataset, names: list[str]) -> str | None:
    cols = [c for c in ds.sensitive if c in names]
    if not cols:
        return None
    return " || chr(31) || ".join(f"coalesce(CAST({q(c)} AS VARCHAR), chr(0))" for c in cols)


def _stats_sql(relation: str, qcols: list[str], sens: str | None, k: int, l: int) -> str:
    """Per combination: rows and whether it is below k or l (rows with every QI NULL excluded)."""
    keys = ", ".join(q(c) for c in qcols)
    d = f"count(DISTINCT {sens})" if sens else "NULL"
    below_l = f" OR {d} < {int(l)}" if sens else ""
    all_null = " AND ".join(f"{q(c)} IS NULL" for c in qcols)
    return (f"SELECT {keys}, count(*) AS _n, (count(*) < {int(k)}{below_l}) AS _bad FROM {relation} "
            f"WHERE NOT ({all_null}) GROUP BY ALL")


def _choose_suppressed(con, qcols: list[str], sens: str | None, k: int, l: int) -> None:
    """Create ``_wb_quasi_bad``: the combinations of ``_wb_quasi`` whose records are suppressed.

    Every combination below k or l, and then, while the suppressed records (with those whose
    quasi-identifiers were all missing already) are fewer than k or carry fewer than l
    sensitive values, the smallest remaining combinations whole: the suppressed records form a
    group of their own an attacker can narrow someone to, so it must meet k and l too; whole
    combinations keep every published one intact.
    """
    keys = ", ".join(q(c) for c in qcols)
    sv = sens or "NULL"
    all_null = " AND ".join(f"{q(c)} IS NULL" for c in qcols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_quasi_cls AS SELECT row_number() OVER () AS _id, * FROM "
                f"(SELECT {keys}, count(*) AS _n, list(DISTINCT {sv}) AS _s FROM _wb_quasi "
                f"WHERE NOT ({all_null}) GROUP BY ALL)")
    none = con.execute(f"SELECT count(*), list(DISTINCT {sv}) FROM _wb_quasi WHERE {all_null}").fetchone()
    classes = con.execute("SELECT _id, _n, _s FROM _wb_quasi_cls ORDER BY _n, _id").fetchall()
    chosen, total, values = [], int(none[0]), set(v for v in (none[1] or []) if v is not None)

    def low(n, s):
        return n < k or (sens is not None and len([v for v in s if v is not None]) < l)

    rest = []
    for cid, n, sv_list in classes:
        if low(n, sv_list or []):
            chosen.append(cid)
            total += n
            values.update(v for v in (sv_list or []) if v is not None)
        else:
            rest.append((cid, n, sv_list or []))
    rows: list[int] = []
    short = total and (total < k or (sens is not None and len(values) < l))
    if short and rest:
        # first try a few records of the largest combination (it keeps >= k and >= l)
        cid, n, sv_list = max(rest, key=lambda r: r[1])
        got = con.execute(
            f"SELECT q._rid, {sv} FROM _wb_quasi q JOIN _wb_quasi_cls c ON "
            + " AND ".join(f"q.{q(c)} IS NOT DISTINCT FROM c.{q(c)}" for c in qcols)
            + f" WHERE c._id = {int(cid)}").fetchall()
        counts: dict = {}
        for _, v in got:
            counts[v] = counts.get(v, 0) + 1
        common = max(counts, key=counts.get)
        picked, new_values = [], set(values)
        for rid, v in got:          # a value the group lacks, once, if the class can spare it
            if sens is not None and len(new_values) < l and v not in new_values and counts[v] > 1:
                picked.append(rid)
                new_values.add(v)
                counts[v] -= 1
        for rid, v in got:
            if total + len(picked) >= k:
                break
            if v == common and rid not in picked:
                picked.append(rid)
                counts[v] -= 1
        left = n - len(picked)
        if (total + len(picked) >= k and (sens is None or len(new_values) >= l) and left >= k
                and (sens is None or len([c for c in counts.values() if c > 0]) >= l)):
            rows, total, values, short = picked, total + len(picked), new_values, False
    if short:
        for cid, n, sv_list in rest:
            if total >= k and (sens is None or len(values) >= l):
                break
            chosen.append(cid)
            total += n
            values.update(v for v in sv_list if v is not None)
    con.register("_wb_quasi_ids", pd.DataFrame({"_id": chosen}, dtype="int64"))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_quasi_bad AS SELECT {keys} FROM _wb_quasi_cls "
                "WHERE _id IN (SELECT _id FROM _wb_quasi_ids)")
    con.unregister("_wb_quasi_ids")
    con.register("_wb_quasi_rids", pd.DataFrame({"_rid": rows}, dtype="int64"))
    con.execute("CREATE OR REPLACE TEMP TABLE _wb_quasi_rows AS SELECT _rid FROM _wb_quasi_rids")
    con.unregister("_wb_quasi_rids")
    con.execute("DROP TABLE IF EXISTS _wb_quasi_cls")


def protect_table(con, table: str, ds: Dataset, *, k: int = DEFAULT_K, l: int = DEFAULT_L) -> QuasiResult:
    """Generalise and suppress the quasi-identifiers of ``table`` (written by publish) in place.

    Parameters
    ----------
    con : DuckDB connection where ``table`` is writable and :data:`AREAS` installed.
    table : the depersonalised person table, e.g. ``shared.main.drug_treatment_adult``.
    ds : its catalogue dataset (declares the quasi-identifiers and sensitive attributes).
    k, l : every remaining combination holds >= k records and >= l sensitive values.

    Examples
    --------
    See ``tests/test_quasi.py``: 60 people in one postcode sector with one planted 97-year-old
    are published with the 97-year-old's quasi-identifiers suppressed.
    """
    validate_kl(k, l)
    names = [r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()]
    qcols = class_columns(ds, names)
    result = QuasiResult(table, k, l, quasi_identifiers=qcols, sensitive=[c for c in ds.sensitive if c in names])
    result.rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if not qcols or result.rows == 0:
        return result
    sens = _sensitive(ds, names)
    if sens:
        # l cannot exceed the sensitive values the table holds (an A&E assault table whose
        # every record says "assault" discloses membership, not an attribute)
        l = min(l, con.execute(f"SELECT count(DISTINCT {sens}) FROM {table}").fetchone()[0])
        result.l_effective = l
    chosen = LEVELS[-1]
    for level in LEVELS:
        items, joins = generalised_select(ds, names, level)
        rel = f"(SELECT {', '.join(items)} FROM {table} t{joins})"
        bad = con.execute(f"SELECT coalesce(sum(_n) FILTER (WHERE _bad), 0) FROM ({_stats_sql(rel, qcols, sens, k, l)})"
                          ).fetchone()[0]
        if bad <= MAX_SUPPRESSED * result.rows:
            chosen = level
            break
    items, joins = generalised_select(ds, names, chosen)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_quasi AS SELECT row_number() OVER () AS _rid, "
                f"{', '.join(items)} FROM {table} t{joins}")
    _choose_suppressed(con, qcols, sens, k, l)
    match = " AND ".join(f"g.{q(c)} IS NOT DISTINCT FROM b.{q(c)}" for c in qcols)
    hide = set(qcols) | ({"easting", "northing"} & set(names) if "postcode" in qcols else set())
    out = [f"CASE WHEN b._hit OR r._rid IS NOT NULL THEN NULL ELSE g.{q(n)} END AS {q(n)}" if n in hide
           else f"g.{q(n)}" for n in names]
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(out)} FROM _wb_quasi g "
                f"LEFT JOIN (SELECT *, true AS _hit FROM _wb_quasi_bad) b ON {match} "
                "LEFT JOIN _wb_quasi_rows r ON g._rid = r._rid")
    result.level = chosen
    result.suppressed = con.execute(
        f"SELECT count(*) FROM {table} WHERE {' AND '.join(q(c) + ' IS NULL' for c in qcols)}").fetchone()[0]
    result.classes = con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(q(c) for c in qcols)} "
                                 f"FROM {table})").fetchone()[0]
    for t in ("_wb_quasi", "_wb_quasi_bad", "_wb_quasi_rows"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return result
