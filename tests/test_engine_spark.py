"""One definition, two engines (issue 17): the monthly grid aggregates of real police.uk data are
identical on DuckDB and on Spark (local[2]), from the same Parquet files."""

from __future__ import annotations

import shutil

import pytest

from workbench.engine.aggregate import monthly_grid, monthly_grid_sql, to_spark


def test_the_spark_query_is_transpiled_not_hand_written():
    sql = monthly_grid_sql("events", cell_metres=150, category="crime_type", month="month")
    spark = to_spark(sql)
    assert spark != sql and "GROUP BY" in spark.upper() and "150" in spark


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17 on these machines)")
def test_real_police_uk_grid_is_the_same_on_duckdb_and_spark(real_data_dir, empty_hub, tmp_path):
    from workbench.hub.connect import open_hub
    from workbench.hub.ingest import ingest_files
    from workbench.engine.aggregate import export_parquet

    forces = [real_data_dir / "police_uk" / "city-of-london_2024-01_to_2025-12",
              real_data_dir / "police_uk" / "nottinghamshire_2024-01_to_2024-03"]
    for folder in forces:                                # a regional hub: two forces
        ingest_files(empty_hub, "police_uk_street", [folder], quiet=True)
    con = open_hub(empty_hub, read_only=True)
    try:
        total = con.execute("SELECT count(*) FROM main.police_uk_street").fetchone()[0]
        export_parquet(con, "main.police_uk_street", tmp_path / "pq", partition_by=("falls_within", "month"))
    finally:
        con.close()
    assert total == 18_867 + 28_393
    duck = monthly_grid(tmp_path / "pq", engine="duckdb", cell_metres=250)
    spark = monthly_grid(tmp_path / "pq", engine="spark", cell_metres=250, spark_master="local[2]")
    assert duck.grid["n"].sum() + duck.unlocated == total
    assert duck.unlocated == spark.unlocated == 1_589 + 245
    assert duck.digest() == spark.digest()
    assert len(duck.grid) > 1000 and duck.grid["month"].nunique() == 24
