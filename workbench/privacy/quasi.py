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

The measure is written in DuckDB SQL. Each quasi-identifier's distinct values are generalised
once, at every level, into a small dictionary with a whole-number code per generalised value
(:class:`Generaliser`); a record's codes pack into one integer key per level, and one scan with
``GROUP BY GROUPING SETS`` (one set per level) measures every level at once, so choosing the
level costs one pass over the table whatever level is chosen, and writing the result one more
(``bench/depersonalise_bench.py``, ``publish_controls_5m``). A library was
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
    """What :func:`protect_table` did to one table (counts only, never values).

    Examples
    --------
    >>> r = QuasiResult("shared.main.health_ae_assault", k=5, l=2, level=1, rows=400, suppressed=3)
    >>> {key: r.to_dict()[key] for key in ("level", "rows", "suppressed")}
    {'level': 1, 'rows': 400, 'suppressed': 3}
    """

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
    #: records withheld whole: a table of fewer than k records cannot hold a group of k
    withheld: int = 0

    def to_dict(self) -> dict:
        return {"table": self.table, "k": self.k, "l": self.l, "l_effective": self.l_effective,
                "level": self.level,
                "rows": self.rows, "suppressed": self.suppressed, "withheld": self.withheld,
                "classes": self.classes,
                "quasi_identifiers": self.quasi_identifiers, "sensitive": self.sensitive}


def validate_kl(k: int, l: int) -> None:
    """``k`` >= 2 and ``l`` >= 1 (an ISP may raise the defaults 5 and 2).

    Examples
    --------
    >>> validate_kl(10, 3)
    >>> validate_kl(1, 2)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `k_anonymity` must be a whole number of at least 2 (default 5); got 1.
    """
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
    """SQL coarsening a date to the first day of its month, quarter or year.

    Examples
    --------
    >>> import duckdb
    >>> [str(duckdb.sql(f"SELECT {date_sql(repr('2024-05-17'), lv)}").fetchone()[0]) for lv in (0, 1, 2)]
    ['2024-05-01', '2024-04-01', '2024-01-01']
    """
    part = ("month", "quarter", "year")[level]
    return f"CAST(date_trunc('{part}', CAST({x} AS DATE)) AS DATE)"


def ethnicity_sql(x: str, level: int) -> str:
    """SQL grouping a 16+1 ethnicity code ("W1") to its group ("W") above level 0.

    Examples
    --------
    >>> import duckdb
    >>> [duckdb.sql(f"SELECT {ethnicity_sql(repr(e), 1)}").fetchone()[0] for e in ("W1", "b2", "Not stated")]
    ['W', 'B', 'Not stated']
    """
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


def generalised_exprs(ds: Dataset, names: list[str], level: int,
                     source: str = "t") -> tuple[dict[str, str], str]:
    """SQL expression per column (every column of ``names``) generalising ``ds`` at ``level``,
    and the joins they need (to the sector and district centroids of :data:`AREAS`).

    The joins for level 1 serve every level (level 2 uses only the district join), so one
    query can compute the generalised values at all levels at once.

    Examples
    --------
    >>> from workbench import catalogue
    >>> ds = catalogue.get("health_ae_assault")
    >>> exprs, joins = generalised_exprs(ds, ["age", "gender", "incident_date"], 2)
    >>> exprs["gender"], joins
    ('t."gender"', '')
    >>> print(exprs["incident_date"])
    CAST(date_trunc('year', CAST(t."incident_date" AS DATE)) AS DATE)
    >>> "_a1" in generalised_exprs(ds, ["postcode", "easting", "northing"], 1)[1]
    True
    """
    roles = _roles(ds, names)
    joins = ""
    pc = f"{source}.postcode"
    if "postcode" in roles and level > 0:
        if level == 1:
            joins = (f" LEFT JOIN (SELECT out_postcode, out_easting, out_northing FROM {AREAS} WHERE method "
                     f"<> 'postcode') _a1 ON _a1.out_postcode = {_sector(pc)}")
        joins += (f" LEFT JOIN (SELECT out_postcode, out_easting, out_northing FROM {AREAS} WHERE method "
                  f"<> 'postcode') _a2 ON _a2.out_postcode = {_district(pc)}")
    exprs = {}
    for n in names:
        col = f"{source}.{q(n)}"
        role = roles.get(n)
        if role == "age":
            exprs[n] = age_band_sql(col, level)
        elif role == "date":
            exprs[n] = date_sql(col, level)
        elif role == "ethnicity":
            exprs[n] = ethnicity_sql(col, level)
        elif role == "place" and level > 0:
            exprs[n] = "coalesce(_a1.out_postcode, _a2.out_postcode)" if level == 1 else "_a2.out_postcode"
        elif role == "place_xy" and level > 0:
            e = "out_easting" if n == "easting" else "out_northing"
            exprs[n] = (f"CASE WHEN _a1.out_postcode IS NOT NULL THEN _a1.{e} ELSE _a2.{e} END" if level == 1
                        else f"_a2.{e}")
        elif role == "xy" and level > 0:
            exprs[n] = "CAST(NULL AS DOUBLE)"
        else:
            exprs[n] = col
    return exprs, joins


def generalised_select(ds: Dataset, names: list[str], level: int, source: str = "t") -> tuple[list[str], str]:
    """Select items (every column, in order) and joins generalising ``ds`` at ``level``.

    Examples
    --------
    >>> from workbench import catalogue
    >>> generalised_select(catalogue.get("health_ae_assault"), ["age", "gender"], 0)[0][1]
    't."gender" AS "gender"'
    """
    exprs, joins = generalised_exprs(ds, names, level, source)
    return [f"{exprs[n]} AS {q(n)}" for n in names], joins


class Generaliser:
    """A table's generalisation at every level, each value worked out once (dictionaries).

    The quasi-identifiers of a person table repeat (ages, dates, ethnicity codes, postcodes),
    so each column's distinct values are generalised once, at every level, into a small
    TEMP table (``_wb_qd_<i>``: ``_v`` the value, ``_l0``… its generalised values where they
    differ from it, ``_e1``/``_n1``… a postcode's area centroid, and ``_c0``… a whole-number
    code of the generalised value, 0 for missing) by :func:`generalised_exprs`; a record then
    only looks its values up. :meth:`key` packs a record's codes into one number per level,
    so combinations are grouped and matched on one integer instead of several texts. Built
    by :meth:`build`, dropped by :meth:`drop`.

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE ae AS SELECT * FROM (VALUES ('34', 'F', DATE '2024-05-17'), "
    ...                 "('7', 'M', DATE '2024-11-02'), ('30', 'F', DATE '2024-06-30')) v(age, gender, incident_date)")
    >>> g = Generaliser.build(con, "ae", catalogue.get("health_ae_assault"), ["age", "gender", "incident_date"],
    ...                       ["age", "gender", "incident_date"])
    >>> exprs, _ = g.exprs(1)
    >>> key, _ = g.key(1)
    >>> con.execute(f"SELECT {exprs['age']}, {exprs['gender']}, {exprs['incident_date']}, {key} "
    ...             f"FROM ae t{g.joins(g.dicts)} ORDER BY 1").fetchall()   # one key per combination
    [('0-17', 'M', datetime.date(2024, 10, 1), 17), ('25-34', 'F', datetime.date(2024, 4, 1), 22),
     ('25-34', 'F', datetime.date(2024, 4, 1), 22)]
    >>> g.drop()
    """

    def __init__(self, con, table: str, ds: Dataset, names: list[str], qcols: list[str]):
        self.con, self.table, self.ds, self.names, self.qcols = con, table, ds, names, qcols
        #: column → its dictionary table
        self.dicts: dict[str, str] = {}
        #: (level, column) → (dictionary's column, its generalised-value column)
        self.looked_up: dict[tuple[int, str], tuple[str, str]] = {}
        #: (level, column) → the number of codes (the radix of :meth:`key`); absent: no part
        self.radix: dict[tuple[int, str], int] = {}

    @classmethod
    def build(cls, con, table: str, ds: Dataset, names: list[str], qcols: list[str]) -> "Generaliser":
        """Create the dictionaries of ``table``'s generalised and quasi-identifier columns."""
        self = cls(con, table, ds, names, qcols)
        per_level = {lvl: generalised_exprs(ds, names, lvl)[0] for lvl in LEVELS}
        roles = _roles(ds, names)
        for n in names:
            raw = f"t.{q(n)}"
            generalised = any(per_level[lvl][n] != raw for lvl in LEVELS)
            if roles.get(n) == "place_xy" or not (generalised or n in qcols):
                continue    # a centroid moves with its postcode (postcode's dictionary); kept as is
            items, codes = [], []
            for lvl in LEVELS:
                value = per_level[lvl][n]
                if value == "CAST(NULL AS DOUBLE)":
                    continue    # coordinates dropped at this level: no part of the key
                if value != raw:
                    items.append(f"{value} AS _l{lvl}")
                    self.looked_up[(lvl, n)] = (n, f"_l{lvl}")
                    if n == "postcode":   # the published centroid moves with the postcode
                        for xy, col in (("easting", "_e"), ("northing", "_n")):
                            if roles.get(xy) == "place_xy":
                                items.append(f"{per_level[lvl][xy]} AS {col}{lvl}")
                                self.looked_up[(lvl, xy)] = (n, f"{col}{lvl}")
                if n in qcols:
                    v = f"_l{lvl}" if value != raw else "_v"
                    codes.append(f"CASE WHEN {v} IS NULL THEN 0 ELSE dense_rank() OVER (ORDER BY {v}) END "
                                 f"AS _c{lvl}")
            joins = generalised_exprs(ds, names, 1)[1] if n == "postcode" else ""
            name = f"_wb_qd_{len(self.dicts)}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT *{''.join(', ' + c for c in codes)} "
                        f"FROM (SELECT t.{q(n)} AS _v{''.join(', ' + i for i in items)} FROM (SELECT DISTINCT "
                        f"{q(n)} FROM {table} WHERE {q(n)} IS NOT NULL) t{joins})")
            self.dicts[n] = f"temp.main.{name}"
            if n in qcols:
                tops = con.execute("SELECT " + ", ".join(f"coalesce(max(_c{lvl}), 0) + 1" for lvl in LEVELS
                                                         if f"AS _c{lvl}" in " ".join(codes))
                                   + f" FROM {name}").fetchone() if codes else ()
                for lvl, top in zip([lvl for lvl in LEVELS if f"AS _c{lvl}" in " ".join(codes)], tops):
                    self.radix[(lvl, n)] = int(top)
        return self

    def exprs(self, level: int, source: str = "t") -> tuple[dict[str, str], str]:
        """Like :func:`generalised_exprs` at ``level``, through the dictionaries."""
        base, _ = generalised_exprs(self.ds, self.names, level, source)
        exprs, used = {}, set()
        for n in self.names:
            hit = self.looked_up.get((level, n))
            exprs[n] = f"{self._alias(hit[0])}.{hit[1]}" if hit else base[n]
            if hit:
                used.add(hit[0])
        return exprs, self.joins(used, source)

    def key(self, level: int) -> tuple[str, str]:
        """SQL packing a record's quasi-identifier codes at ``level`` into one whole number
        (0: every quasi-identifier missing), and the joins it needs.

        The codes are mixed-radix digits, so two records share a key exactly when they share
        every generalised quasi-identifier value (a centroid that moves with its postcode adds
        nothing, and coordinates dropped at a level are no part of it).
        """
        parts = [(n, self.radix[(level, n)]) for n in self.qcols if (level, n) in self.radix]
        size = 1
        for _, r in parts:
            size *= r
        if size >= 2 ** 126:
            raise BadInput(f"`{self.table}` has too many distinct quasi-identifier values to measure "
                           f"k-anonymity ({size} possible combinations at level {level}).")
        kind = "BIGINT" if size < 2 ** 62 else "HUGEINT"
        expr, used = f"CAST(0 AS {kind})", set()
        for n, r in parts:
            expr = f"({expr} * {r} + coalesce({self._alias(n)}._c{level}, 0))"
            used.add(n)
        return expr, self.joins(used)

    def _alias(self, column: str) -> str:
        return f"_qd{list(self.dicts).index(column)}"

    def joins(self, columns, source: str = "t") -> str:
        """The joins looking ``columns``' values up in their dictionaries."""
        return "".join(f" LEFT JOIN {t} {self._alias(n)} ON {self._alias(n)}._v = {source}.{q(n)}"
                       for n, t in self.dicts.items() if n in columns)

    def drop(self) -> None:
        """Drop the dictionaries."""
        for t in self.dicts.values():
            self.con.execute(f"DROP TABLE IF EXISTS {t}")


def class_columns(ds: Dataset, names: list[str]) -> list[str]:
    """The shared-tier columns that form a combination of quasi-identifier values.

    Examples
    --------
    >>> from workbench import catalogue
    >>> class_columns(catalogue.get("health_ae_assault"), ["age", "gender", "postcode", "easting", "northing"])
    ['age', 'gender', 'postcode']
    >>> class_columns(catalogue.get("transport_btp_crime"), ["victim_age", "easting", "northing"])
    ['victim_age', 'easting', 'northing']
    """
    cols = [c for c in ds.quasi_identifiers if c in names]
    if "easting" in cols and "northing" in names:
        cols.append("northing")
    return cols


def _sensitive(ds: Dataset, names: list[str], exprs: dict[str, str] | None = None) -> str | None:
    """SQL for a record's sensitive values as one text (``None``: the table declares none).

    ``exprs`` gives each column's SQL (the generalised expressions); by default the bare
    column names.
    """
    cols = [c for c in ds.sensitive if c in names]
    if not cols:
        return None
    exprs = exprs or {}
    return " || chr(31) || ".join(f"coalesce(CAST({exprs.get(c, q(c))} AS VARCHAR), chr(0))" for c in cols)


def _below_l(l: int, s: str = "_s") -> str | None:
    """SQL aggregate: a combination carries fewer than ``l`` distinct values of ``s``."""
    if l <= 1:
        return None
    if l == 2:
        return f"min({s}) = max({s})"   # one value only; far cheaper than count(DISTINCT)
    return f"count(DISTINCT {s}) < {int(l)}"


@dataclass
class _Level:
    """One generalisation level's combinations, measured in :func:`_level_stats`."""

    bad_rows: int = 0        # records in combinations below k or l
    bad_classes: int = 0     # those combinations
    classes: int = 0         # combinations with at least one quasi-identifier value
    none_rows: int = 0       # records whose quasi-identifiers are all missing
    spread: bool = False     # the bad and missing records carry >= 2 sensitive values


def _level_stats(con, gen: Generaliser, k: int, l: int, sensitive: bool) -> dict[int, _Level]:
    """Measure every level of :data:`LEVELS` in ONE scan of the table.

    Each record's combination key (:meth:`Generaliser.key`) at every level is computed side by
    side and grouped with ``GROUPING SETS`` (one set per level), so the table is read once
    however many levels are tried. The combinations are kept in ``_wb_quasi_lv`` (level, key,
    records, below k or l); key 0 is the level's records whose quasi-identifiers are all
    missing, never counted as a combination.
    """
    cols, sens = [], {}
    for lvl in LEVELS:
        cols.append(f"{gen.key(lvl)[0]} AS _k{lvl}")
        sens[lvl] = _sensitive(gen.ds, gen.names, gen.exprs(lvl)[0]) if sensitive else None
    # the sensitive values as generalised at each level (one column when, as for every
    # catalogue table today, no sensitive attribute is generalised)
    s_cols = {lvl: f"_s{lvl if sens[lvl] != sens[LEVELS[0]] else LEVELS[0]}" for lvl in LEVELS}
    joins = gen.joins(gen.dicts)
    if sensitive and len(set(s_cols.values())) == 1:
        # one sensitive value per record at every level: compared as a whole-number code
        con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_quasi_sv AS SELECT _v, dense_rank() OVER (ORDER BY _v) "
                    f"AS _c FROM (SELECT DISTINCT {sens[LEVELS[0]]} AS _v FROM {gen.table} t)")
        cols.append("_sv._c AS _s0")
        joins += f" LEFT JOIN _wb_quasi_sv _sv ON _sv._v = {sens[LEVELS[0]]}"
    elif sensitive:
        cols += [f"{sens[lvl]} AS {s_cols[lvl]}" for lvl in LEVELS if s_cols[lvl] == f"_s{lvl}"]

    def per_level(fmt: str) -> str:
        if len(set(s_cols.values())) == 1:
            return fmt.format(s=s_cols[LEVELS[0]])
        return "CASE " + " ".join(f"WHEN grouping(_k{lvl}) = 0 THEN {fmt.format(s=s_cols[lvl])}"
                                  for lvl in LEVELS) + " END"

    below = _below_l(l, "{s}") if sensitive else None
    bad = f"count(*) < {int(k)}" + (f" OR {per_level(below)}" if below else "")
    key = f"coalesce({', '.join(f'_k{lvl}' for lvl in LEVELS)})"
    lo_hi = (f"CASE WHEN {key} = 0 OR {bad} THEN {per_level('min({s})')} END AS _lo, "
             f"CASE WHEN {key} = 0 OR {bad} THEN {per_level('max({s})')} END AS _hi" if sensitive
             else "NULL AS _lo, NULL AS _hi")
    level = "CASE " + " ".join(f"WHEN grouping(_k{lvl}) = 0 THEN {lvl}" for lvl in LEVELS) + " END"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_quasi_lv AS SELECT {level} AS _level, {key} AS _key, "
                f"count(*) AS _n, ({bad}) AS _bad, {lo_hi} FROM (SELECT {', '.join(cols)} FROM "
                f"{gen.table} t{joins}) GROUP BY GROUPING SETS "
                f"({', '.join(f'(_k{lvl})' for lvl in LEVELS)})")
    rows = con.execute(
        "SELECT _level, coalesce(sum(_n) FILTER (WHERE _bad AND _key <> 0), 0), "
        "count(*) FILTER (WHERE _bad AND _key <> 0), count(*) FILTER (WHERE _key <> 0), "
        "coalesce(sum(_n) FILTER (WHERE _key = 0), 0), min(_lo) < max(_hi) "
        "FROM _wb_quasi_lv GROUP BY _level").fetchall()
    con.execute("DROP TABLE IF EXISTS _wb_quasi_sv")
    out = {lvl: _Level() for lvl in LEVELS}
    for lvl, bad_rows, bad_classes, classes, none_rows, spread in rows:
        out[lvl] = _Level(int(bad_rows), int(bad_classes), int(classes), int(none_rows), bool(spread))
    return out


def _choose_suppressed(con, qcols: list[str], sens: str | None, k: int, l: int) -> tuple[int, int]:
    """Create ``_wb_quasi_bad``: the combinations of ``_wb_quasi`` whose records are suppressed.

    Every combination below k or l, and then, while the suppressed records (with those whose
    quasi-identifiers were all missing already) are fewer than k or carry fewer than l
    sensitive values, the smallest remaining combinations whole: the suppressed records form a
    group of their own an attacker can narrow someone to, so it must meet k and l too; whole
    combinations keep every published one intact. Also creates ``_wb_quasi_rows`` (single
    records picked from the largest combination, by ``_rid``). Returns the combinations
    chosen and the records suppressed in all (those whose quasi-identifiers were all missing
    included).
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
    return len(chosen), total


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
    Sixty women in their thirties at one postcode, and one 97-year-old: she alone would be
    findable, so her quasi-identifiers are suppressed, with four others' so that the
    suppressed records are themselves a group of five (tests/test_quasi.py plants more):

    >>> import duckdb, pandas as pd
    >>> from workbench import catalogue
    >>> from workbench.privacy.depersonalise import geography_from_frame, install_geography
    >>> con = duckdb.connect()
    >>> ref = pd.DataFrame({"postcode": [f"NG1 5A{c}" for c in "ABDEFGHJLN"], "households": [8] * 10,
    ...                     "easting": [100.0 * i for i in range(10)], "northing": [0.0] * 10})
    >>> install_geography(con, geography_from_frame(ref))
    >>> _ = con.execute("CREATE TABLE ae AS SELECT 'P' || i AS patient_ref, CAST(30 + i % 5 AS VARCHAR) AS age, "
    ...                 "'F' AS gender, 'W1' AS ethnicity, 'NG1 5AB' AS postcode, ['assault', 'domestic'][1 + i % 2] "
    ...                 "AS incident_type, DATE '2024-03-01' AS incident_date FROM range(60) r(i)")
    >>> _ = con.execute("INSERT INTO ae VALUES ('X', '97', 'F', 'A2', 'NG1 5AB', 'assault', DATE '2024-03-03')")
    >>> r = protect_table(con, "ae", catalogue.get("health_ae_assault"))
    >>> r.level, r.suppressed, r.classes
    (0, 5, 2)
    >>> con.execute("SELECT age, count(*) FROM ae GROUP BY 1 ORDER BY 1").fetchall()
    [('30-34', 56), (None, 5)]
    """
    validate_kl(k, l)
    names = [r[0] for r in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()]
    qcols = class_columns(ds, names)
    result = QuasiResult(table, k, l, quasi_identifiers=qcols, sensitive=[c for c in ds.sensitive if c in names])
    result.rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if not qcols or result.rows == 0:
        return result
    if result.rows < k:
        # fewer records than k: every grouping, the suppressed group included, is below k, so
        # no record can be published at row level (the independent checker would refuse the
        # whole publish); the table is published empty and the report says why
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} WHERE 1 = 0")
        result.withheld = result.suppressed = result.rows
        return result
    sens = _sensitive(ds, names)
    if sens:
        # l cannot exceed the sensitive values the table holds (an A&E assault table whose
        # every record says "assault" discloses membership, not an attribute)
        l = min(l, _distinct_values(con, table, sens, l))
        result.l_effective = l
    generaliser = Generaliser.build(con, table, ds, names, qcols)
    stats = _level_stats(con, generaliser, k, l, sens is not None)
    chosen = next((lvl for lvl in LEVELS if stats[lvl].bad_rows <= MAX_SUPPRESSED * result.rows), LEVELS[-1])
    st = stats[chosen]
    exprs, _ = generaliser.exprs(chosen)
    key, _ = generaliser.key(chosen)
    gen = (f"(SELECT {key} AS _key, {', '.join(f'{exprs[n]} AS {q(n)}' for n in names)} "
           f"FROM {table} t{generaliser.joins(generaliser.dicts)})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_quasi_bad AS SELECT _key, true AS _hit FROM _wb_quasi_lv "
                f"WHERE _level = {int(chosen)} AND _bad AND _key <> 0")
    match = "g._key = b._key"
    total = st.none_rows + st.bad_rows
    if not total or total < k or sens is None or l < 2:
        spread = True
    elif l == 2:
        spread = st.spread
    else:
        spread = con.execute(f"SELECT count(DISTINCT {sens}) >= {int(l)} FROM {gen} WHERE _key = 0 OR "
                             "_key IN (SELECT _key FROM _wb_quasi_bad)").fetchone()[0]
    picked = False
    chosen_classes = st.bad_classes
    if total and (total < k or not spread):
        # the suppressed records would form a group below k or l: the exact, slower choice
        con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_quasi AS SELECT row_number() OVER () AS _rid, * FROM {gen}")
        chosen_classes, total = _choose_suppressed(con, qcols, sens, k, l)
        con.execute("CREATE OR REPLACE TEMP TABLE _wb_quasi_bad AS SELECT DISTINCT q._key, true AS _hit "
                    "FROM _wb_quasi q JOIN _wb_quasi_bad b ON "
                    + " AND ".join(f"q.{q(c)} IS NOT DISTINCT FROM b.{q(c)}" for c in qcols))
        picked = con.execute("SELECT count(*) FROM _wb_quasi_rows").fetchone()[0] > 0
    hide = set(qcols) | ({"easting", "northing"} & set(names) if "postcode" in qcols else set())
    hit = ["b._hit"] if chosen_classes else []
    hit += ["r._rid IS NOT NULL"] if picked else []
    out = [f"CASE WHEN {' OR '.join(hit)} THEN NULL ELSE g.{q(n)} END AS {q(n)}" if n in hide and hit
           else f"g.{q(n)}" for n in names]
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(out)} FROM "
                + ("_wb_quasi g " if picked else f"{gen} g ")
                + (f"LEFT JOIN _wb_quasi_bad b ON {match} " if chosen_classes else "")
                + ("LEFT JOIN _wb_quasi_rows r ON g._rid = r._rid" if picked else ""))
    result.level = chosen
    result.suppressed = total
    result.classes = st.classes - chosen_classes + (1 if total else 0)
    for t in ("_wb_quasi", "_wb_quasi_bad", "_wb_quasi_rows", "_wb_quasi_lv"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    generaliser.drop()
    return result


def _distinct_values(con, table: str, sens: str, l: int) -> int:
    """Distinct sensitive values in ``table``, counted only as far as ``l`` needs."""
    if l <= 2:
        return con.execute(f"SELECT CASE WHEN count(*) = 0 THEN 0 WHEN min(_s) < max(_s) THEN 2 ELSE 1 END "
                           f"FROM (SELECT {sens} AS _s FROM {table})").fetchone()[0]
    return con.execute(f"SELECT count(DISTINCT {sens}) FROM {table}").fetchone()[0]
