"""One definition, two engines: monthly grid aggregates on DuckDB (default) or Apache Spark.

The aggregations that feed Gi*, KDE, concentration and trends reduce millions of records to a
grid of counts per month and category; only that step needs to scale out (statistics on the
grids stay in numpy/scipy). Each aggregation is written **once**, as SQL in DuckDB's dialect, and
run either by DuckDB or, transpiled with sqlglot (``read="duckdb", write="spark"``), by Spark SQL:
no hand-kept second copy. Why sqlglot rather than ibis: the workbench's queries are SQL already
(the hub, publish, the products), sqlglot transpiles them without a new expression language, and
DuckDB keeps running the original text, so the embedded default is exactly as fast as before.

Inputs are Parquet files (one dataset, partitioned by month and partnership:
:func:`export_parquet`), which both engines read natively; on DuckDB, :func:`table_grid` reads the
tier's table in place instead, with no copy on disk (the embedded default: ``hub grid``).

Examples
--------
>>> sql = monthly_grid_sql("events", cell_metres=250, category="crime_type", month="month")
>>> "GROUP BY" in sql and "250" in sql
True
>>> "FLOOR" in to_spark(sql).upper()
True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.errors import BadInput
from workbench.sql import quote_identifier as qi
from workbench.sql import quote_literal as ql

ENGINES = ("duckdb", "spark")
#: rows per Arrow record batch streamed by :func:`export_parquet`
EXPORT_BATCH_ROWS = 1_000_000


def monthly_grid_sql(table: str, *, cell_metres: float, category: str, month: str) -> str:
    """Counts per (month, grid cell, category) of ``table`` in DuckDB SQL.

    Cells are ``cell_metres`` squares of the British National Grid, identified by
    ``floor(easting / cell)``; records without coordinates are left out (their number is
    reported by :func:`unlocated_sql`).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE events AS SELECT * FROM (VALUES ('2024-01', 'burglary', 100.0, 600.0),"
    ...                 " ('2024-01', 'burglary', 240.0, 510.0), ('2024-01', 'burglary', 260.0, 510.0),"
    ...                 " ('2024-01', 'burglary', NULL, NULL)) t(month, crime_type, easting, northing)")
    >>> sql = monthly_grid_sql("events", cell_metres=250, category="crime_type", month="month")
    >>> con.execute(sql + " ORDER BY 2, 3").fetchall()
    [('2024-01', 0, 2, 'burglary', 2), ('2024-01', 1, 2, 'burglary', 1)]
    >>> monthly_grid_sql("events", cell_metres=0, category="c", month="m")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `cell_metres` must be in (0, 10000]; found 0.
    """
    if not (0 < float(cell_metres) <= 10_000):
        raise BadInput(f"`cell_metres` must be in (0, 10000]; found {cell_metres!r}.")
    c = float(cell_metres)
    return (f"SELECT {qi(month)} AS month, CAST(floor(easting / {c}) AS BIGINT) AS cell_x, "
            f"CAST(floor(northing / {c}) AS BIGINT) AS cell_y, {qi(category)} AS category, "
            f"count(*) AS n FROM {table} WHERE easting IS NOT NULL AND northing IS NOT NULL "
            f"GROUP BY 1, 2, 3, 4")


def unlocated_sql(table: str) -> str:
    """Count of the records in ``table`` without coordinates, in DuckDB SQL.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE events AS SELECT * FROM (VALUES (1.0, 2.0), (NULL, 2.0), (3.0, NULL))"
    ...                 " t(easting, northing)")
    >>> con.execute(unlocated_sql("events")).fetchone()[0]
    2
    """
    return f"SELECT count(*) AS n FROM {table} WHERE easting IS NULL OR northing IS NULL"


def to_spark(sql: str) -> str:
    """The same query in Spark SQL (sqlglot).

    Examples
    --------
    >>> to_spark("SELECT CAST(floor(easting / 250.0) AS BIGINT) AS x FROM events")
    'SELECT CAST(FLOOR(easting / 250.0) AS BIGINT) AS x FROM events'
    """
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


def export_parquet(con, source_table: str, out_dir: Path | str, *, partition_by=("month",)) -> Path:
    """Write ``source_table`` to Parquet files under ``out_dir`` partitioned by ``partition_by``
    (hive layout, ``month=2024-01/``), streamed through Arrow record batches (bounded memory):
    works on a locked tier connection too.

    ``out_dir`` should be a private (0700) folder: the files are as sensitive as the tier they
    come from (``docs/scale.md`` on storage).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE events AS SELECT * FROM (VALUES ('2024-01', 1), ('2024-02', 2)) t(month, x)")
    >>> out = export_parquet(con, "events", "parquet_out")
    >>> sorted(p.name for p in out.iterdir())
    ['month=2024-01', 'month=2024-02']
    """
    import pyarrow.dataset as pads

    out = Path(out_dir)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    # streamed in record batches: memory stays bounded whatever the table's size (issue 17's
    # national_100m would not fit 24 GB as one Arrow table)
    batches = con.execute(f"SELECT * FROM {source_table}").fetch_record_batch(EXPORT_BATCH_ROWS)
    pads.write_dataset(batches, out, format="parquet", partitioning=list(partition_by),
                       partitioning_flavor="hive", existing_data_behavior="overwrite_or_ignore")
    return out


@dataclass
class GridResult:
    """Monthly grid counts from one engine: the sorted ``grid`` and the number of ``unlocated`` records.

    Examples
    --------
    >>> grid = pd.DataFrame({"month": ["2024-01"], "cell_x": [0], "cell_y": [2], "category": ["burglary"], "n": [2]})
    >>> a, b = GridResult("duckdb", grid, 1), GridResult("spark", grid.copy(), 1)
    >>> a.digest() == b.digest(), len(a.digest())
    (True, 64)
    """

    engine: str
    grid: pd.DataFrame          # month, cell_x, cell_y, category, n (sorted)
    unlocated: int

    def digest(self) -> str:
        """SHA-256 of the sorted grid: equal across engines when the answers are equal."""
        body = self.grid.to_csv(index=False, lineterminator="\n").encode()
        return hashlib.sha256(body).hexdigest()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({"cell_x": "int64", "cell_y": "int64", "n": "int64"})
    frame["month"] = frame["month"].astype(str)
    frame["category"] = frame["category"].astype(str)
    return frame.sort_values(["month", "cell_x", "cell_y", "category"]).reset_index(drop=True)


def monthly_grid(parquet_dir: Path | str, *, engine: str = "duckdb", cell_metres: float = 250,
                 category: str = "crime_type", month: str = "month", spark_master: str = "local[2]",
                 spark=None) -> GridResult:
    """Monthly grid counts of the Parquet dataset in ``parquet_dir`` on ``engine``.

    Parameters
    ----------
    engine : ``'duckdb'`` (embedded default) or ``'spark'``.
    spark_master : the Spark master URL (``local[2]`` on one machine; ``spark://host:7077`` for a cluster).
    spark : an existing SparkSession to reuse (tests, benchmarks).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE events AS SELECT * FROM (VALUES ('2024-01', 'burglary', 100.0, 600.0),"
    ...                 " ('2024-01', 'burglary', 240.0, 510.0), ('2024-02', 'robbery', NULL, NULL))"
    ...                 " t(month, crime_type, easting, northing)")
    >>> result = monthly_grid(export_parquet(con, "events", "grid_parquet"))
    >>> result.grid.values.tolist(), result.unlocated
    ([['2024-01', 0, 2, 'burglary', 2]], 1)
    """
    if engine not in ENGINES:
        raise BadInput(f"`engine` must be one of {', '.join(ENGINES)}; found {engine!r}.")
    glob = str(Path(parquet_dir) / "**" / "*.parquet")
    sql = monthly_grid_sql("events", cell_metres=cell_metres, category=category, month=month)
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        try:
            con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet({ql(glob)}, hive_partitioning = true)")
            grid = con.execute(sql).df()
            unlocated = con.execute(unlocated_sql("events")).fetchone()[0]
        finally:
            con.close()
        return GridResult("duckdb", _sorted(grid), int(unlocated))
    from workbench.engine.spark import session

    s = spark or session(spark_master)
    return frame_grid(s.read.option("basePath", str(parquet_dir)).parquet(str(parquet_dir)),
                      cell_metres=cell_metres, category=category, month=month)


def frame_grid(frame, *, cell_metres: float = 250, category: str = "crime_type",
               month: str = "month") -> GridResult:
    """Monthly grid counts of the Spark DataFrame ``frame`` on Spark: the same SQL as
    :func:`monthly_grid` (:func:`monthly_grid_sql`, transpiled), so the same
    :meth:`GridResult.digest` for the same rows.

    ``frame`` may come from anywhere Spark reads, for example the encrypted Parquet store's
    shared tier that ``hub publish --engine spark`` writes
    (:meth:`workbench.engine.store.ParquetStore.read_spark`), with no Parquet copy first.

    Examples
    --------
    >>> from workbench.engine.spark import session
    >>> spark = session("local[1]")                        # Java starts once per process
    >>> frame = spark.createDataFrame([("2024-01", "burglary", 100.0, 600.0), ("2024-01", "burglary", 240.0, 510.0),
    ...                                ("2024-02", "robbery", None, None)], "month string, crime_type string, "
    ...                               "easting double, northing double")
    >>> result = frame_grid(frame)
    >>> result.grid.values.tolist(), result.unlocated
    ([['2024-01', 0, 2, 'burglary', 2]], 1)
    """
    view = f"_wb_grid_{id(frame):x}"
    sql = monthly_grid_sql(view, cell_metres=cell_metres, category=category, month=month)
    s = frame.sparkSession
    frame.createOrReplaceTempView(view)
    try:
        grid = s.sql(to_spark(sql)).toPandas()
        unlocated = s.sql(to_spark(unlocated_sql(view))).collect()[0][0]
    finally:
        s.catalog.dropTempView(view)
    return GridResult("spark", _sorted(grid), int(unlocated))


def table_grid(con, table: str, *, cell_metres: float = 250, category: str = "crime_type",
               month: str = "month") -> GridResult:
    """Monthly grid counts of ``table`` on the open DuckDB connection ``con``, read in place.

    The embedded path needs no Parquet copy: the same SQL as :func:`monthly_grid`
    (:func:`monthly_grid_sql`) runs on the tier connection itself, so a scoped connection
    (:func:`workbench.privacy.shared.open_shared`) counts only the partnerships its user may see,
    and nothing is written to disk. :func:`monthly_grid` (Parquet, either engine) gives the same
    :meth:`GridResult.digest` for the same rows.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE events AS SELECT * FROM (VALUES ('2024-01', 'burglary', 100.0, 600.0),"
    ...                 " ('2024-01', 'burglary', 240.0, 510.0), ('2024-02', 'robbery', NULL, NULL))"
    ...                 " t(month, crime_type, easting, northing)")
    >>> result = table_grid(con, "events")
    >>> result.grid.values.tolist(), result.unlocated
    ([['2024-01', 0, 2, 'burglary', 2]], 1)
    >>> result.digest() == monthly_grid(export_parquet(con, "events", "grid_parquet2")).digest()
    True
    """
    sql = monthly_grid_sql(table, cell_metres=cell_metres, category=category, month=month)
    grid = con.execute(sql).df()
    unlocated = con.execute(unlocated_sql(table)).fetchone()[0]
    return GridResult("duckdb", _sorted(grid), int(unlocated))
