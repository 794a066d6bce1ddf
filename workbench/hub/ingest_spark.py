"""``hub ingest --engine spark``: one supply staged, validated and shaped on Apache Spark (issue 17).

The same pipeline as :func:`workbench.hub.ingest.ingest_files`, from the same definitions:

* **staging**: the adapter (police.uk or canonical CSV) checks each header on the driver as
  always; its :func:`~workbench.hub.adapters.csvfiles.stage_csv` calls are taken by
  :class:`SparkStaging`, which reads all the files in one Spark job: ``spark.read.text`` with
  each line's ``_metadata.file_block_start`` and ``monotonically_increasing_id``, and a
  per-block table on the driver (lines in each earlier block of the file) gives every line its
  exact physical number. Each line's fields are counted outside quotes; the first malformed
  record is refused with the DuckDB reader's message (:func:`csv_error_problem`). A quoted field
  running onto the next line is refused (Spark reads one record per line) naming file and line.
  The records are parsed with ``from_csv`` (quote and escape ``"``) and tidied by the same SQL as
  the DuckDB path (:func:`~workbench.hub.adapters.csvfiles.tidy_lists`), transpiled;
* **normalise and validate**: :func:`~workbench.hub.validate.normalise_sql` and
  :func:`~workbench.hub.validate.validate` through a
  :class:`~workbench.engine.sparksql.SparkConnection`, unchanged;
* **archive rows**: :func:`workbench.hub.ingest._archive_select` built on Spark. The pyproj
  conversion of the distinct points Spark finds, and its rounding, stay on the driver in DuckDB
  (DuckDB's and Spark's ``round`` differ on doubles such as 0.15); dates, times, timestamps,
  integers and plain numbers travel as their validated text and DuckDB casts them on insert, so
  every stored value is DuckDB's;
* **commit**: the rows Spark wrote, the supersession and the ``supplies`` row go into the hub in
  ONE DuckDB transaction (:func:`workbench.hub.ingest._commit`). Spark never writes the hub: a
  failed or killed Spark run leaves it exactly as it was.

What Spark does not run is refused (exit 2) rather than run differently: adapters other than
police.uk and canonical CSV (spreadsheets, fixed-layout references), and supplies that would be
geocoded against the hub's gazetteer (docs/scale.md).

Examples
--------
>>> spark_cast(Column("d", kind="date"), "n.d"), spark_cast(Column("x", kind="easting"), "n.x")
('n.d', 'CAST(n.x AS DOUBLE)')
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from workbench.catalogue.model import Column
from workbench.errors import BadInput, Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import csv_error_problem, tidy_lists
from workbench.hub.staging import Staging
from workbench.sql import quote_identifier as q

#: adapters whose staging is :func:`~workbench.hub.adapters.csvfiles.stage_csv` alone
SPARK_ADAPTERS = ("police_uk", "canonical")
#: kinds carried from Spark as validated text and cast by DuckDB on insert (``ingest._cast``)
TEXT_KINDS = ("date", "time", "timestamp", "integer", "number")
SPANNING = ("each record on one line (--engine spark reads one record per line; "
            "ingest this file with --engine duckdb)")


def spark_cast(col: Column, ref: str) -> str:
    """The archive column ``col`` as Spark builds it: coordinates as DOUBLE (they are merged with
    converted points), the kinds of :data:`TEXT_KINDS` as their text (DuckDB casts them on insert).

    Examples
    --------
    >>> spark_cast(Column("n", kind="integer"), "n.n"), spark_cast(Column("t"), "n.t")
    ('n.n', 'n.t')
    """
    from workbench.hub.ingest import _cast

    return ref if col.kind in TEXT_KINDS else _cast(col, ref)


def final_select(ds) -> str:
    """The SELECT list DuckDB inserts the Spark-built rows with: the kinds of :data:`TEXT_KINDS`
    cast exactly as the DuckDB ingest casts them.

    Examples
    --------
    >>> from workbench import catalogue
    >>> final_select(catalogue.get("ref_imd"))
    '"lsoa_code", CAST("imd_score" AS DOUBLE), CAST("imd_rank" AS BIGINT), CAST("imd_decile" AS BIGINT)'
    """
    from workbench.hub.ingest import _cast

    return ", ".join(_cast(c, q(c.name)) if c.kind in TEXT_KINDS else q(c.name) for c in ds.columns)


class SparkStaging(Staging):
    """The staging area of one supply on Spark: the adapter's CSV files are noted as it stages
    them and read together by :meth:`read` (module docstring).

    Examples
    --------
    >>> st = SparkStaging(None)
    >>> st.stage_csv(Path("a.csv"), "_stage", ["c0", "c1"], '"c0" AS "x", "c1" AS "y"', dataset="d")
    >>> st.engine, st.pending
    ('spark', [(PosixPath('a.csv'), ('c0', 'c1'), '"c0" AS "x", "c1" AS "y"', True)])
    """

    engine = "spark"

    def __init__(self, con, dataset=None):
        super().__init__(con, dataset)
        self.pending: list[tuple] = []

    def reset(self) -> None:
        self.pending.clear()

    def stage_csv(self, path: Path, table: str, source_columns: list[str], select: str, *,
                  dataset: str, header: bool = True) -> None:
        """Note one CSV file of the supply (the adapter has checked its header)."""
        self.pending.append((Path(path), tuple(source_columns), select, header))

    def read(self, table: str, dataset_id: str) -> list[str]:
        """Stage every noted file as ``table`` on Spark; returns the staged columns."""
        ds = self.dataset_of(dataset_id)
        groups: dict[tuple, list[Path]] = {}
        for path, source, select, header in self.pending:
            groups.setdefault((source, select, header), []).append(path)
        order = [p.name for p, *_ in self.pending]
        frames = []
        for i, ((source, select, header), paths) in enumerate(groups.items()):
            lines = self._lines(i, paths, header)
            self._check_structure(ds, lines, len(source), order)
            frames.append(self._parse(i, ds, lines, source, select, paths))
        frame = frames[0]
        for more in frames[1:]:
            frame = frame.unionByName(more, allowMissingColumns=True)
        self.con._materialise(frame, table)
        return [c for c in frame.columns if c not in ("_file", "_line")]

    def _lines(self, i: int, paths: list[Path], header: bool):
        """The records' lines of ``paths`` with ``_file`` and their exact physical ``_line``."""
        from pyspark.sql import functions as F

        spark, sc = self.con.spark, self.con
        raw = spark.read.text([str(p) for p in paths]).select(
            F.col("value"), F.col("_metadata.file_name").alias("_file"),
            F.col("_metadata.file_block_start").alias("_blk"), F.monotonically_increasing_id().alias("_id"))
        sc._materialise(raw, f"_wb_text{i}")          # fixed ids: the numbering below reads them twice
        raw = spark.table(f"_wb_text{i}")
        blocks = sorted(raw.groupBy("_file", "_blk").agg(F.min("_id").alias("_first"),
                                                         F.count("*").alias("_n")).collect())
        offsets, before = [], {}
        for b in blocks:                              # lines in the file's earlier blocks
            offsets.append((b["_file"], b["_blk"], b["_first"], before.get(b["_file"], 0)))
            before[b["_file"]] = before.get(b["_file"], 0) + b["_n"]
        table = spark.createDataFrame(offsets, "_file string, _blk long, _first long, _before long")
        lines = raw.join(F.broadcast(table), ["_file", "_blk"]).select(
            "value", "_file", (F.col("_id") - F.col("_first") + F.col("_before") + 1).alias("_line"))
        # the header is line 1; blank lines hold no record (DuckDB's reader skips them too)
        return lines.where((F.col("_line") > (1 if header else 0)) & (F.col("value") != ""))

    def _check_structure(self, ds, lines, expected: int, order: list[str]) -> None:
        """Refuse the first malformed record of the first file holding one, as DuckDB's reader does."""
        from pyspark.sql import functions as F

        outside = F.regexp_replace("value", '"[^"]*"', "")        # quoted parts removed
        checked = lines.select("_file", "_line", (F.instr(outside, '"') > 0).alias("_open"),
                               (F.length(outside) - F.length(F.regexp_replace(outside, ",", "")) + 1)
                               .alias("_fields"))
        bad = checked.where(F.col("_open") | (F.col("_fields") != expected)).groupBy("_file").agg(
            F.min(F.struct("_line", "_open", "_fields")).alias("m")).collect()
        if not bad:
            return
        first = min(bad, key=lambda r: order.index(r["_file"]) if r["_file"] in order else len(order))
        line, spans, fields = first["m"]["_line"], first["m"]["_open"], first["m"]["_fields"]
        if spans:
            problem = Problem(first["_file"], line, None, SPANNING,
                              "a quoted field running onto the next line, or an unterminated quote")
        else:
            problem = csv_error_problem(Path(first["_file"]), Exception(
                f"CSV Error on Line: {line}\nExpected Number of Columns: {expected} Found: {fields}"))
        raise SupplyRejected(ds.id, [problem])

    def _parse(self, i: int, ds, lines, source: tuple, select: str, paths: list[Path]):
        """The records parsed (quote and escape '"'), renamed and tidied as ``stage_csv`` does."""
        from pyspark.sql import functions as F

        schema = ", ".join(f"{c} STRING" for c in source)
        parsed = lines.select(F.from_csv("value", schema, {"quote": '"', "escape": '"'}).alias("r"),
                              "_file", "_line").select("r.*", "_file", "_line")
        self.con._materialise(parsed, f"_wb_csv{i}")
        from workbench.hub.staging import path_key

        trimmed, tidied = tidy_lists(ds, select, ascii_only=all(path_key(p) in self.ascii for p in paths))
        self.con.execute(f"CREATE TEMP TABLE _wb_stage{i} AS SELECT {', '.join(tidied)}, _file, _line FROM "
                         f"(SELECT {', '.join(trimmed)}, _file, _line FROM "
                         f"(SELECT {select}, _file, _line FROM _wb_csv{i}))")
        return self.con.spark.table(f"_wb_stage{i}")


def _refuse_unsupported(con, supply, adapter) -> None:
    from workbench.hub import geocoding

    if adapter.NAME not in SPARK_ADAPTERS:
        raise BadInput(f"--engine spark ingests CSV supplies read by the {' or '.join(SPARK_ADAPTERS)} "
                       f"adapters; this supply needs the '{adapter.NAME}' adapter. Ingest it with "
                       "--engine duckdb (the default).")
    if geocoding.applies(supply.ds) and (geocoding._has_rows(con, geocoding.GAZETTEER)
                                         or geocoding._has_rows(con, geocoding.PLACES)):
        raise BadInput(f"--engine spark does not geocode addresses against the hub's gazetteer; "
                       f"'{supply.ds.id}' supplies are ingested with --engine duckdb (the default).")


def _describe(sc, supply) -> None:
    """:func:`workbench.hub.ingest._describe` on Spark (no geocoding: refused beforehand)."""
    from workbench.hub import supply_files
    from workbench.hub.ingest import NORM

    ds, meta, outcome = supply.ds, supply.meta, supply.outcome
    supply.period = (meta.get("period_start"), meta.get("period_end")) if not outcome.profile else \
        (outcome.profile["period_start"], outcome.profile["period_end"])
    if ds.partition:
        cols = ", ".join(q(c) for c in ds.partition)
        rows = sc.execute(f"SELECT DISTINCT {cols} FROM {NORM}").fetchall()
        # DuckDB's ORDER BY ALL: byte (code point) order, NULLs last
        supply.partition_values = sorted((list(r) for r in rows),
                                         key=lambda r: [(v is None, v if v is not None else "") for v in r])
    supply.missing = supply_files.missing_metadata({**meta, "agency": supply.agency, "dataset": ds.id})
    counts = dict(sc.execute(f"SELECT _file, count(*) FROM {NORM} GROUP BY _file").fetchall())
    supply.file_info = [{**s.to_dict(), "rows": int(counts.get(s.path.name, 0))} for s in supply.fresh]
    supply.geocoded = None


def ingest_on_spark(con, supply, adapter: str | None, user: str | None, master: str, progress) -> None:
    """Stage, check, describe and shape ``supply`` on Spark (``master``), then commit it to the
    hub connection ``con`` in one DuckDB transaction (module docstring). Called by
    :func:`workbench.hub.ingest.ingest_files` with ``engine="spark"``; raises as it does.

    Examples
    --------
    What Spark does not run is refused before Spark starts, the hub untouched:

    >>> import tempfile, pathlib
    >>> from workbench import catalogue
    >>> from workbench.hub.connect import open_hub
    >>> from workbench.hub.schema import init_hub
    >>> con = open_hub(init_hub(pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb"))
    >>> ingest_on_spark(con, SimpleNamespace(ds=catalogue.get("ref_imd"), fresh=[]), "imd2019", None,
    ...                 "local[1]", None)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: --engine spark ingests CSV supplies read by the police_uk or canonical adapters; this supply needs the 'imd2019' adapter. Ingest it with --engine duckdb (the default).
    >>> con.close()
    """
    import duckdb
    import pyarrow.dataset as pads

    from workbench.engine.spark import session
    from workbench.engine.sparksql import SparkConnection
    from workbench.hub import adapters as adapter_registry
    from workbench.hub import ingest as ing
    from workbench.hub.schema import archive_table
    from workbench.hub.validate import normalise_sql

    ds, fresh = supply.ds, supply.fresh
    supply.adapter = adapter_registry.by_name(adapter) if adapter else \
        adapter_registry.choose([s.path for s in fresh], ds.id)
    _refuse_unsupported(con, supply, supply.adapter)
    sc = SparkConnection(session(master))
    rounding = duckdb.connect()
    try:
        staging = SparkStaging(sc, ds)
        staging.declare_files(fresh)
        supply.adapter.stage(staging, [s.path for s in fresh], ds, ing.STAGE)
        present = staging.read(ing.STAGE, ds.id)
        sc.execute(f"CREATE TEMP TABLE {ing.NORM} AS {normalise_sql(ds, ing.STAGE, present, already=True)}")
        progress.step("staged")
        ing._check(SimpleNamespace(con=sc), supply)
        progress.step("validated")
        _describe(sc, supply)
        select, joins = ing._archive_select(sc, ds, cast=spark_cast, rounding=rounding)
        if "main.ref_postcode" in joins:
            sc.copy_from(con, "main.ref_postcode", "_wb_ref_postcode")
            joins = joins.replace("main.ref_postcode", "_wb_ref_postcode")
        sc.execute(f"CREATE TEMP TABLE _wb_rows AS SELECT {select}, n._line AS _line FROM {ing.NORM} n{joins}")
        con.register("_wb_spark_rows", pads.dataset(str(sc._paths["_wb_rows"]), format="parquet"))
        cols = ", ".join(q(c) for c in ds.column_names)
        try:
            ing._commit(SimpleNamespace(con=con), supply, user, insert=lambda supply_id: (
                f"INSERT INTO {archive_table(ds)} ({cols}, _supply_id, _line, _superseded_by) "
                f"SELECT {final_select(ds)}, {supply_id}, _line, NULL FROM _wb_spark_rows"))
        finally:
            con.unregister("_wb_spark_rows")
        progress.step("committed")
    finally:
        rounding.close()
        sc.close()
