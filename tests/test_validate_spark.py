"""Supply validation defined once, run on DuckDB and on Spark (issue 17).

:func:`workbench.hub.validate.validate` and :func:`~workbench.hub.validate.normalise_sql` are the
DuckDB SQL of ingest; a :class:`~workbench.engine.sparksql.SparkConnection` transpiles the same
statements (sqlglot) and runs them on Spark. On a real police.uk file with planted bad rows the
two engines must give the same rows, rejections (file, line, column, expected, found), warnings
and period.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.sparksql import spark_sql

REAL = Path("/work/shared/data/real/police_uk/nottinghamshire_2024-01_to_2024-03/2024-01-nottinghamshire-street.csv")
CANONICAL = ["crime_id", "month", "reported_by", "falls_within", "longitude", "latitude", "location",
             "lsoa_code", "lsoa_name", "crime_type", "last_outcome_category", "context"]


def test_validation_sql_keeps_duckdb_meaning_on_spark():
    from workbench.errors import BadInput

    assert spark_sql("SELECT strlen(x) FROM t") == "SELECT OCTET_LENGTH(x) FROM t"          # bytes, not characters
    # Java's $ also matches before a final newline: \z is RE2's $
    assert spark_sql("SELECT regexp_matches(m, '^[0-9]{4}$') FROM t") == "SELECT m RLIKE '^[0-9]{4}\\\\z' FROM t"
    assert "[$]" in spark_sql("SELECT regexp_matches(m, '^[$]+$') FROM t")                   # a class keeps its $
    trim = spark_sql("SELECT TRIM(a) FROM t")
    assert "REGEXP_REPLACE" in trim and "\\\\x{3000}" in trim and "\\\\x{a0}" in trim
    assert "TO_TIMESTAMP(m || '-01', 'yyyy-MM-dd')" in spark_sql("SELECT try_strptime(m || '-01', '%Y-%m-%d') FROM t")
    with pytest.raises(BadInput, match="try_strptime"):
        spark_sql("SELECT try_strptime(m, '%d/%m/%Y') FROM t")
    out = spark_sql("SELECT arg_min({'line': _line}, _line, 3) FILTER (WHERE m IS NULL) AS e FROM t")
    assert out.startswith("SELECT SLICE(TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(_line AS k")
    assert "FILTER(WHERE m IS NULL)), e -> e.v), 1, 3) AS e" in out


def _raw_supply(con) -> None:
    """TEMP ``_stage``: the real file as VARCHAR columns with ``_file``/``_line``, plus planted rows."""
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(12)) + "}"
    sel = ", ".join(f"c{i} AS {c}" for i, c in enumerate(CANONICAL))
    con.execute(f"CREATE TEMP TABLE _stage AS SELECT {sel}, '{REAL.name}' AS _file, "
                f"CAST(row_number() OVER () + 1 AS BIGINT) AS _line FROM read_csv('{REAL}', columns={cols}, "
                f"header=true, auto_detect=false)")
    n = con.execute("SELECT count(*) FROM _stage").fetchone()[0]
    bad = [  # (month, falls_within, longitude, latitude, location, crime_type)
        ("2024-13", "Nottinghamshire Police", "-1.1", "52.9", "On or near X", "Burglary"),
        ("2024-01\n", "Nottinghamshire Police", "-1.1", "52.9", "On or near X", "Burglary"),
        ("2024-01", "\u00a0Nottinghamshire Police\u3000", "1.5d", "95", "=HYPERLINK(1)", ""),
        ("2024-01", "Nottinghamshire Police", "0x1p3", "Infinity", None, "Drugs"),
        ("2024-01", " ", "inf", "52.9", "On or near Y", "Drugs"),
    ]
    for i, (m, fw, lon, lat, loc, ct) in enumerate(bad):
        con.execute("INSERT INTO _stage (month, falls_within, longitude, latitude, location, crime_type, _file, _line) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'planted.csv', ?)", [m, fw, lon, lat, loc, ct, i + 2])
    assert n > 1000


@pytest.mark.slow
def test_validate_gives_the_same_outcome_on_duckdb_and_spark():
    import duckdb

    from workbench import catalogue
    from workbench.engine.spark import session
    from workbench.engine.sparksql import SparkConnection
    from workbench.hub.ingest import _period_sql
    from workbench.hub.validate import normalise_sql, validate

    if not REAL.exists():
        pytest.skip("real police.uk files not present")
    ds = catalogue.get("police_uk_street")
    con = duckdb.connect()
    _raw_supply(con)
    present = [d[0] for d in con.execute("SELECT * FROM _stage LIMIT 0").description]
    norm = normalise_sql(ds, "_stage", present)
    con.execute(f"CREATE TEMP TABLE _norm AS {norm}")
    on_duck = validate(con, ds, "_norm", profile=_period_sql(ds, {}))

    sc = SparkConnection(session("local[2]"))
    try:
        sc.copy_from(con, "_stage", "_stage")
        sc.execute(f"CREATE TEMP TABLE _norm AS {norm}")
        on_spark = validate(sc, ds, "_norm", profile=_period_sql(ds, {}))
        rows_spark = sorted(map(tuple, sc.execute("SELECT * FROM _norm").fetchall()), key=repr)
    finally:
        sc.close()
    rows_duck = sorted(con.execute("SELECT * FROM _norm").fetchall(), key=repr)
    assert rows_spark == rows_duck                         # the same normalised values
    assert not on_duck.ok and on_duck.problem_count >= 7   # the planted rows are rejected …
    assert on_spark.rows == on_duck.rows
    assert on_spark.problem_count == on_duck.problem_count
    assert [str(p) for p in on_spark.problems] == [str(p) for p in on_duck.problems]   # … with the same messages
    assert on_spark.warnings == on_duck.warnings
    assert on_spark.profile == on_duck.profile
