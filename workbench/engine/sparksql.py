"""Run the workbench's DuckDB SQL on Apache Spark, statement by statement (issue 17).

Publish's heavy steps (Appendix 1 depersonalisation, quasi-identifier generalisation and
suppression) are written once, as DuckDB SQL issued through a connection
(:mod:`workbench.privacy.depersonalise`, :mod:`workbench.privacy.quasi`). :class:`SparkConnection`
is a connection of the same shape whose ``execute`` transpiles each statement with sqlglot
(``read="duckdb", write="spark"``) and runs it on Spark, so the same functions run on either
engine and nobody keeps a second copy of the SQL:

* table names are mapped to Spark temporary views: ``hub.main.x`` (the master tier) to
  ``hub__x``, read from a Parquet copy made on first use; ``temp.main.x`` to ``x``;
  ``shared.main.x`` to ``shared__x``;
* ``CREATE [TEMP] TABLE … AS`` is materialised: Spark writes Parquet into the connection's
  private (0700) work folder and the view then reads it (a table may be rebuilt from itself, as
  :func:`workbench.privacy.quasi.protect_table` does);
* **value dictionaries** (``temp`` tables named ``_wb_dict_*``: each distinct value of a column
  transformed once — HMAC of person references, address and free-text scrubbing) are the one
  exception to transpiling: their regular expressions are RE2 (DuckDB) and Spark's are Java's,
  whose character classes and flags differ, so the distinct values are found by Spark and the
  transformation itself is run by an embedded DuckDB inside each Spark task (``mapInPandas``):
  still row-level work on the executors, still one definition;
* small lookup tables built on the driver (the postcode map, snapped points, registered
  places: "small reference lookups") arrive through :meth:`SparkConnection.register` or
  :meth:`SparkConnection.copy_from`.

Examples
--------
>>> spark_sql("SELECT count(*) FILTER (WHERE x > 1) FROM temp.main._wb_snap s JOIN hub.main.supplies u ON s.a = u.a")
'SELECT COUNT(*) FILTER(WHERE x > 1) FROM _wb_snap AS s JOIN hub__supplies AS u ON s.a = u.a'
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from pathlib import Path

from workbench.errors import BadInput

#: a work folder's name: ``wb-spark-<pid of its process>-<random>`` (:func:`sweep_workdirs`)
WORKDIR_PREFIX = "wb-spark-"


def sweep_workdirs(parent: Path | str | None = None) -> list[str]:
    """Remove the work folders left by dead processes (a killed publish leaves its plaintext
    Parquet behind: the folder is 0700 but not removed). A folder whose process still runs, or
    that this user does not own, is left alone. Returns the names removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> parent = pathlib.Path(tempfile.mkdtemp())
    >>> (parent / "wb-spark-999999999-abc").mkdir()      # no such process
    >>> (parent / f"wb-spark-{os.getpid()}-def").mkdir()  # this one: alive
    >>> sweep_workdirs(parent), sorted(p.name.split("-")[2] == str(os.getpid()) for p in parent.iterdir())
    (['wb-spark-999999999-abc'], [True])
    """
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        pid = folder.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
        try:
            if not folder.is_dir() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                continue                         # alive (or another user's process)
            except ProcessLookupError:
                pass
            except (PermissionError, OverflowError):
                continue
        else:
            continue                             # an older name without the process: unknown owner
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return sorted(removed)

#: Spark view names of the three catalogs the publish SQL names
PREFIX = {"hub": "hub__", "shared": "shared__", "temp": ""}
DICTIONARY_PREFIX = "_wb_dict_"
_DESCRIBE = re.compile(r"^\s*SELECT\s+column_name\s+FROM\s+\(\s*DESCRIBE\s+(\S+?)\s*\)\s*$", re.I)


def view_name(table) -> str:
    """The Spark view standing for a (possibly catalog-qualified) sqlglot table.

    Examples
    --------
    >>> from sqlglot import exp
    >>> [view_name(exp.to_table(t)) for t in ("hub.main.supplies", "temp.main._wb_qual", "shared.main.x")]
    ['hub__supplies', '_wb_qual', 'shared__x']
    """
    catalog = (table.catalog or table.db or "").lower()
    if table.catalog and table.db and table.db.lower() != "main":
        raise BadInput(f"Only the `main` schema is mapped to Spark; found {table.sql()!r}.")
    if catalog and catalog not in PREFIX:
        raise BadInput(f"Unknown catalog {catalog!r} in {table.sql()!r} (expected hub, shared or temp).")
    return PREFIX.get(catalog, "") + table.name


def _rename(tree):
    """Replace every catalog-qualified table of ``tree`` by its Spark view (aliases kept)."""
    from sqlglot import exp

    for t in list(tree.find_all(exp.Table)):
        if t.catalog or t.db:
            new = exp.Table(this=exp.to_identifier(view_name(t)), alias=t.args.get("alias"))
            t.replace(new)
    return tree


def _fix_for_spark(tree):
    """Where DuckDB and Spark read the same SQL differently, say it in Spark's terms.

    * ``row_number() OVER ()``: Spark wants an order; the rows get a unique id instead
      (the workbench uses these numbers only as row identities);
    * ``regexp_full_match(x, 'p')``: Spark has no such function; ``x RLIKE '^(?:p)\\z'``
      (``\\z``: Java's ``$`` would also match before a final newline);
    * ``regexp_replace``: DuckDB replaces the first match unless the ``'g'`` flag is given,
      Spark every match. Only a global or ``^``-anchored pattern means the same in both; any
      other is refused rather than run with a different answer. Flag ``'i'`` becomes ``(?i)``.
    """
    from sqlglot import exp

    for w in list(tree.find_all(exp.Window)):
        if isinstance(w.this, exp.RowNumber) and not w.args.get("order") and not w.args.get("partition_by"):
            w.replace(exp.Anonymous(this="monotonically_increasing_id", expressions=[]) + 1)
    for f in list(tree.find_all(exp.RegexpFullMatch)):
        pattern = f.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise BadInput(f"regexp_full_match needs a literal pattern to run on Spark: {f.sql()!r}.")
        f.replace(exp.RegexpLike(this=f.this, expression=exp.Literal.string(f"^(?:{pattern.this})\\z")))
    for f in list(tree.find_all(exp.RegexpReplace)):
        mods = f.args.get("modifiers")
        flags = mods.this if isinstance(mods, exp.Literal) else ""
        pattern = f.expression
        literal = isinstance(pattern, exp.Literal) and pattern.is_string
        if "g" not in flags and not (literal and pattern.this.startswith("^")):
            raise BadInput("regexp_replace without the 'g' flag replaces only the first match in DuckDB "
                           f"and every match in Spark: not run on Spark: {f.sql(dialect='duckdb')!r}.")
        if "i" in flags:
            if not literal:
                raise BadInput(f"regexp_replace with flag 'i' needs a literal pattern on Spark: {f.sql()!r}.")
            f.set("expression", exp.Literal.string("(?i)" + pattern.this))
        f.set("modifiers", None)
        f.set("single_replace", None)
    _fix_validation(tree)
    return tree


#: the characters DuckDB's one-argument TRIM removes (probed over every code point, DuckDB 1.5):
#: the space and the Unicode space separators; Spark's TRIM removes only ' '
DUCKDB_TRIM = "[ \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{202f}\\x{205f}\\x{3000}]"


def _anchor_end(pattern: str) -> str:
    """An RE2 pattern with each unescaped ``$`` outside a character class as Java's ``\\z``
    (Java's ``$`` also matches before a final line terminator; RE2's does not)."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append("\\z" if ch == "$" and not in_class else ch)
        i += 1
    return "".join(out)


def glob_regex(pattern: str) -> str:
    """DuckDB's GLOB pattern (the whole value; ``*``, ``?``, ``[…]``, ``[!…]``) as a Java regex.

    Examples
    --------
    >>> print(glob_regex("[0-2][0-9]:[0-5][0-9]"), glob_regex("a.*[!x]?"))
    (?s)^[0-2][0-9]\\:[0-5][0-9]\\z (?s)^a\\..*[^x].\\z
    """
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        end = pattern.find("]", i + 2) if ch == "[" else -1
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif end > 0:
            body = pattern[i + 1:end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(ch if ch.isalnum() else "\\" + ch)
        i += 1
    return "(?s)^" + "".join(out) + "\\z"


def _fix_validation(tree):
    """The constructs of the supply validation SQL (:func:`workbench.hub.validate.validate`)
    in Spark's terms, with DuckDB's meaning (issue 17: validation defined once):

    * ``strlen(x)`` (bytes) → ``octet_length(x)``; Spark has no ``strlen``;
    * ``x GLOB 'p'`` → ``x RLIKE`` the same pattern as an anchored regex (:func:`glob_regex`);
    * ``regexp_matches(x, 'p')`` → ``x RLIKE 'p'`` with ``$`` as ``\\z`` (:func:`_anchor_end`);
    * ``TRIM(x)`` → the same characters removed as DuckDB's (:data:`DUCKDB_TRIM`);
    * ``try_strptime(x, '%Y-%m-%d')`` → ``to_timestamp(x, 'yyyy-MM-dd')`` (NULL when it fails,
      Spark's ANSI mode being off: :mod:`workbench.engine.spark`);
    * ``try_cast(x AS DOUBLE)``: NULL for hexadecimal and for a Java type suffix (``1.5d``),
      which Spark's cast reads and DuckDB's does not;
    * ``arg_min(v, k, n)`` (the n values with the smallest ``k``, a DuckDB list) → the list of
      ``v`` sorted by ``k`` (then by ``v``: DuckDB breaks ties arbitrarily), first ``n``.
    """
    from sqlglot import exp

    for f in list(tree.find_all(exp.Anonymous)):
        name = f.name.lower()
        if name == "strlen":
            f.replace(exp.Anonymous(this="octet_length", expressions=f.expressions))
        elif name == "try_strptime":
            fmt = f.expressions[1]
            if not (isinstance(fmt, exp.Literal) and fmt.this == "%Y-%m-%d"):
                raise BadInput(f"try_strptime is mapped to Spark for '%Y-%m-%d' only: {f.sql()!r}.")
            f.replace(exp.Anonymous(this="to_timestamp",
                                    expressions=[f.expressions[0], exp.Literal.string("yyyy-MM-dd")]))
    for f in list(tree.find_all(exp.Glob)):
        pattern = f.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise BadInput(f"GLOB needs a literal pattern to run on Spark: {f.sql()!r}.")
        f.replace(exp.RegexpLike(this=f.this, expression=exp.Literal.string(glob_regex(pattern.this))))
    for f in list(tree.find_all(exp.Length)):
        if f.args.get("binary"):
            f.replace(exp.Anonymous(this="octet_length", expressions=[f.this]))
    for f in list(tree.find_all(exp.RegexpLike)):
        pattern = f.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            f.set("expression", exp.Literal.string(_anchor_end(pattern.this)))
    for f in list(tree.find_all(exp.Trim)):
        if f.args.get("expression") is None and not f.args.get("position"):
            f.replace(exp.Anonymous(this="regexp_replace", expressions=[
                f.this, exp.Literal.string(f"^{DUCKDB_TRIM}+|{DUCKDB_TRIM}+\\z"), exp.Literal.string("")]))
    for f in list(tree.find_all(exp.TryCast)):
        if f.to.this == exp.DataType.Type.DOUBLE and not isinstance(f.parent, exp.Case):
            # Java's parseDouble (Spark's cast) also reads hex ('0x1p3') and a type suffix ('1.5d');
            # DuckDB reads neither
            text = f.this.sql(dialect="spark")
            f.replace(exp.maybe_parse(
                f"CASE WHEN CAST({text} AS STRING) RLIKE '[xX]|[0-9.][dDfF]\\\\s*\\\\z' THEN NULL "
                f"ELSE {f.sql(dialect='spark')} END", dialect="spark"))
    for f in list(tree.find_all(exp.ArgMin)):
        count = f.args.get("count")
        if count is None:
            continue
        node = f.parent if isinstance(f.parent, exp.Filter) else f
        collect = exp.Anonymous(this="collect_list", expressions=[exp.Anonymous(
            this="named_struct", expressions=[exp.Literal.string("k"), f.expression,
                                              exp.Literal.string("v"), f.this])])
        if node is f:
            f.replace(collect)
            wrapped = collect
        else:
            f.replace(collect)
            wrapped = node
        text = wrapped.sql(dialect="spark")
        node.replace(exp.maybe_parse(
            f"slice(transform(array_sort({text}), e -> e.v), 1, {count.sql(dialect='spark')})", dialect="spark"))
    return tree


def spark_sql(sql: str) -> str:
    """One DuckDB statement as Spark SQL, its tables mapped to views (module docstring).

    Examples
    --------
    >>> spark_sql("SELECT split_part(pc, ' ', 1) FROM hub.main.ref_postcode")
    "SELECT SPLIT_PART(pc, ' ', 1) FROM hub__ref_postcode"
    """
    import sqlglot

    tree = _fix_for_spark(_rename(sqlglot.parse_one(sql, read="duckdb")))
    return tree.sql(dialect="spark")


class _Result:
    """The rows of one statement, fetched like a DuckDB result."""

    def __init__(self, frame=None):
        self._frame = frame

    @property
    def description(self) -> list[tuple] | None:
        """(name, type) of each column, as a DuckDB result's ``description``."""
        if self._frame is None:
            return None
        return [(f.name, f.dataType.simpleString()) for f in self._frame.schema.fields]

    def fetchall(self) -> list[tuple]:
        if self._frame is None:
            return []
        return [tuple(r) for r in self._frame.collect()]

    def fetchone(self):
        rows = self.fetchall()
        return rows[0] if rows else None

    def df(self):
        return self._frame.toPandas()

    def fetchnumpy(self) -> dict:
        pdf = self.df()
        return {c: pdf[c].to_numpy() for c in pdf.columns}


class SparkConnection:
    """A DuckDB-connection-shaped front for Spark SQL (module docstring).

    Parameters
    ----------
    spark : the SparkSession (:func:`workbench.engine.spark.session`).
    source : a DuckDB connection the ``hub`` catalog is read from (each master table copied to
        Parquet once, on first use), or None.
    workdir : a folder for materialised tables (default: a private temporary folder, removed by
        :meth:`close`). Its files are as sensitive as the tier they come from.

    Examples
    --------
    DuckDB SQL in, Spark SQL run (Java starts once per process; about 15 s with the first job):

    >>> import duckdb
    >>> from workbench.engine.spark import session
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('a', 1), ('a', 2), ('b', 5)) v(k, n)")
    >>> sc = SparkConnection(session("local[1]"))
    >>> sc.copy_from(con, "t")
    't'
    >>> sc.execute("SELECT k, sum(n) AS n FROM t GROUP BY k ORDER BY k").fetchall()
    [('a', 3), ('b', 5)]
    >>> sc.close()
    """

    def __init__(self, spark, source=None, workdir: Path | str | None = None):
        self.spark = spark
        self.source = source
        self._own = workdir is None
        if workdir is None:
            sweep_workdirs()                     # a killed run's plaintext goes on the next run
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
        self.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._counter = itertools.count()
        self._loaded: set[str] = set()
        #: columns of TIME type (Spark has none): carried as text 'HH:MM:SS', typed back on the way out
        self._times: set[str] = set()
        #: the Parquet folder behind each view (``rowid`` reads the files directly)
        self._paths: dict[str, Path] = {}
        #: the views whose folder Spark itself wrote from the view's query (:meth:`_materialise`):
        #: the files are exactly the view's rows and types, so :meth:`copy_to` reads them as they are
        self._written: set[str] = set()
        #: the columns of the last query's result (DuckDB's ``con.description``)
        self.description: list[tuple] | None = None

    # ------------------------------------------------------------------ tables in and out
    def _path(self, name: str) -> Path:
        return self.workdir / f"{name}-{next(self._counter)}"

    def _materialise(self, frame, name: str) -> None:
        path = self._path(name)
        frame.write.parquet(str(path))
        self._view(name, path)
        self._written.add(name)

    def _view(self, name: str, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
        self._paths[name] = path
        self._written.discard(name)

    def register(self, name: str, frame) -> None:
        """Make a pandas frame (a small driver-side lookup) the view ``name``."""
        import pyarrow as pa

        table = pa.Table.from_pandas(frame, preserve_index=False)
        self._arrow_view(name, table)

    def _arrow_view(self, name: str, table) -> None:
        import pyarrow.parquet as pq

        path = self._path(name)
        path.mkdir(mode=0o700)
        pq.write_table(table, path / "part-00000.parquet")
        self._view(name, path)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        self._paths.pop(name, None)
        self._written.discard(name)

    def copy_from(self, con, relation: str, name: str | None = None) -> str:
        """Copy ``relation`` of the DuckDB connection ``con`` into the view ``name``, streamed in
        Arrow batches (no whole-table copy in memory). Returns the view's name."""
        import pyarrow.parquet as pq

        import sqlglot

        view = name or view_name(sqlglot.exp.to_table(relation))
        kinds = con.execute(f"SELECT * FROM {relation} LIMIT 0").description
        times = [d[0] for d in kinds if str(d[1]).upper().startswith("TIME") and "STAMP" not in str(d[1]).upper()]
        self._times.update(times)
        cols = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' if c in times else f'"{c}"' for c, *_ in kinds)
        reader = con.execute(f"SELECT {cols} FROM {relation}").fetch_record_batch(1_000_000)
        path = self._path(view)
        path.mkdir(mode=0o700)
        with pq.ParquetWriter(path / "part-00000.parquet", reader.schema) as w:
            for batch in reader:
                w.write_batch(batch)
        self._view(view, path)
        return view

    def copy_to(self, con, name: str, target: str, columns: list[str] | None = None) -> None:
        """Create DuckDB table ``target`` (on ``con``) from the view ``name``: Spark writes Parquet,
        DuckDB reads it through Arrow (works on a connection without file access). A table Spark
        materialised (``CREATE TABLE … AS``) is read from the files it already wrote: no second
        Spark job."""
        import pyarrow.dataset as pads

        if name in self._written:
            path = self._paths[name]
        else:
            path = self._path(name)
            self.spark.table(name).write.parquet(str(path))
        ds = pads.dataset(str(path), format="parquet")
        con.register("_wb_from_spark", ds)
        cols = ", ".join(f'CAST("{c}" AS TIME) AS "{c}"' if c in self._times else f'"{c}"'
                         for c in (columns or ds.schema.names))
        try:
            con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {cols} FROM _wb_from_spark")
        finally:
            con.unregister("_wb_from_spark")

    def _ensure_sources(self, tree) -> None:
        from sqlglot import exp

        for t in tree.find_all(exp.Table):
            if (t.catalog or t.db or "").lower() == "hub":
                view = view_name(t)
                if view not in self._loaded:
                    if self.source is None:
                        raise BadInput(f"{t.sql()} needs the master tier: give SparkConnection a source.")
                    self.copy_from(self.source, f"hub.main.{t.name}", view)
                    self._loaded.add(view)

    # ------------------------------------------------------------------ statements
    def execute(self, sql: str, params=None) -> _Result:
        """Run one DuckDB statement on Spark (transpiled); the result fetches like DuckDB's."""
        import sqlglot
        from sqlglot import exp

        if params:
            raise BadInput("SparkConnection.execute takes no parameters: inline literals with quote_literal.")
        m = _DESCRIBE.match(sql)
        if m:
            view = view_name(exp.to_table(m.group(1)))
            return _Result(self.spark.createDataFrame([(c,) for c in self.spark.table(view).columns],
                                                      "column_name string"))
        tree = sqlglot.parse_one(sql, read="duckdb")
        self._ensure_sources(tree)
        if isinstance(tree, exp.Drop):
            self.unregister(view_name(tree.find(exp.Table)))
            return _Result()
        if isinstance(tree, exp.Create):
            name = view_name(tree.this if isinstance(tree.this, exp.Table) else tree.this.this)
            query = tree.expression
            if name.startswith(DICTIONARY_PREFIX):
                frame = self._dictionary(query)
            else:
                frame = self.spark.sql(self._spark(query))
            self._materialise(frame, name)
            return _Result()
        frame = self.spark.sql(self._spark(tree))
        result = _Result(frame)
        self.description = result.description      # DuckDB's ``con.description`` of the last query
        return result

    def _spark(self, tree) -> str:
        """Spark SQL for a (sub)tree: tables mapped, dialect differences fixed, ``rowid`` resolved."""
        return self._rowid(_fix_for_spark(_rename(tree))).sql(dialect="spark")

    def _rowid(self, tree):
        """DuckDB's ``t.rowid`` (a row's fixed position in its table) as the row's place in the
        Parquet files behind ``t``: part number x 2^40 + row index. It reads the files directly
        (Spark's ``_metadata`` is not visible through a view), and is stable from one statement
        to the next, as DuckDB's is."""
        from sqlglot import exp

        refs = [c for c in tree.find_all(exp.Column) if c.name.lower() == "rowid"]
        if not refs:
            return tree
        aliases = {}
        for t in tree.find_all(exp.Table):
            if t.name in self._paths:
                aliases[t.alias_or_name] = t
        for c in refs:
            table = aliases.get(c.table)
            if table is None:
                raise BadInput(f"`rowid` must name a materialised table's alias on Spark: {c.sql()!r}.")
            a = c.table
            c.replace(exp.maybe_parse(
                f"(CAST(regexp_extract({a}._metadata.file_name, '^part-([0-9]+)', 1) AS BIGINT) * 1099511627776 "
                f"+ {a}._metadata.row_index)", dialect="spark"))
        for alias, t in aliases.items():
            direct = exp.Table(this=exp.Identifier(this=str(self._paths[t.name]), quoted=True),
                               db=exp.Identifier(this="parquet"), alias=exp.TableAlias(this=exp.to_identifier(alias)))
            t.replace(direct)
        return tree

    def _dictionary(self, query):
        """A value dictionary: the innermost query (the distinct values) on Spark, the
        transformation by DuckDB inside each Spark task (module docstring)."""
        import duckdb
        from sqlglot import exp
        from pyspark.sql.pandas.types import from_arrow_schema

        def source_of(select):
            clause = select.args.get("from") or select.args.get("from_")   # sqlglot < / >= 26
            return clause.this if clause is not None else None

        inner = query
        while isinstance(source_of(inner), exp.Subquery):
            inner = source_of(inner).this
        if inner is query:
            raise BadInput("A value dictionary must read its values from a subquery.")
        values = self.spark.sql(_rename(inner.copy()).sql(dialect="spark"))
        inner.parent.replace(exp.to_table("_wb_in"))
        outer = query.sql(dialect="duckdb")
        probe = duckdb.connect()
        try:
            probe.register("_wb_in", values.limit(0).toPandas())
            schema = from_arrow_schema(probe.execute(outer).fetch_arrow_table().schema)
        finally:
            probe.close()

        def transform(batches, outer=outer):
            import duckdb as _duckdb

            con = _duckdb.connect()
            try:
                for batch in batches:
                    con.register("_wb_in", batch)
                    yield con.execute(outer).df()
                    con.unregister("_wb_in")
            finally:
                con.close()

        return values.mapInPandas(transform, schema)

    def close(self) -> None:
        """Drop the views this connection made and remove its work folder (when it made it)."""
        if self._own:
            shutil.rmtree(self.workdir, ignore_errors=True)
