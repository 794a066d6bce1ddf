"""``hub publish --engine spark`` gives the same shared tier as the DuckDB path (issue 17).

A regional hub from real files only: the City of London (24 months) and Nottinghamshire
(3 months) police.uk street records, real Code-Point Open postcodes (no households, so every
postcode goes to its sector or district centroid: Appendix 1's fallback), and the real Greater
Manchester stop-and-search month (person records: age band, gender, ethnicity, outcome), whose
quasi-identifiers are generalised and suppressed to k = 5, l = 2; and two personal datasets
published as suppressed counts (prison releases, partner intelligence). Publishing it with
``--engine duckdb`` and then ``--engine spark`` (local[2]) must give identical shared tiers:
the same tables, the same column types and the same rows (SHA-256 of the sorted rows).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.engine.sparksql import spark_sql

ROOT = Path(__file__).resolve().parents[1]


def test_publish_sql_is_transpiled_with_tables_mapped_to_views():
    sql = ("CREATE OR REPLACE TABLE shared.main.x AS SELECT s.a, m.out_postcode FROM hub.main.police_stop_search s "
           "LEFT JOIN temp.main._wb_pc_map m ON CAST(s.postcode AS VARCHAR) = m.pc_key")
    out = spark_sql(sql)
    assert "shared__x" in out and "hub__police_stop_search AS s" in out and "_wb_pc_map AS m" in out
    assert "hub.main" not in out and "temp.main" not in out
    # Spark needs an order for row_number(): an unordered one becomes a unique id
    assert "monotonically_increasing_id" in spark_sql("SELECT row_number() OVER () AS _rid FROM t").lower()


def test_regular_expressions_keep_duckdb_meaning_on_spark_or_are_refused():
    from workbench.errors import BadInput

    # DuckDB's regexp_full_match does not exist in Spark: anchored RLIKE (\\z, not $)
    assert spark_sql("SELECT regexp_full_match(x, 'N[0-9]') FROM t") == "SELECT x RLIKE '^(?:N[0-9])\\\\z' FROM t"
    # DuckDB replaces the first match only without 'g'; Spark would replace all: refused
    with pytest.raises(BadInput, match="first match"):
        spark_sql("SELECT regexp_replace(x, 'a', 'b') FROM t")
    assert "'(?i)a'" in spark_sql("SELECT regexp_replace(x, 'a', 'b', 'gi') FROM t")


def test_duckdb_rowid_reads_the_parquet_files_behind_the_table(tmp_path):
    import sqlglot

    from workbench.engine.sparksql import SparkConnection
    from workbench.errors import BadInput

    sc = SparkConnection(None, workdir=tmp_path)       # no Spark needed to write the SQL
    sc._paths["shared__x"] = tmp_path / "x-0"
    out = sc._spark(sqlglot.parse_one("SELECT t.rowid AS _rid, t.a FROM shared.main.x t", read="duckdb"))
    assert f"parquet.`{tmp_path / 'x-0'}` AS t" in out
    assert "t._metadata.row_index" in out and "t._metadata.file_name" in out
    with pytest.raises(BadInput, match="rowid"):           # a table Spark has no files for
        sc._spark(sqlglot.parse_one("SELECT t.rowid FROM other t", read="duckdb"))


def test_an_unknown_catalog_is_refused():
    from workbench.errors import BadInput

    with pytest.raises(BadInput, match="Unknown catalog 'master'"):
        spark_sql("SELECT * FROM master.main.x")


def _tier_digests(hub: Path) -> dict[str, tuple]:
    """Per shared table: (column types, rows, SHA-256 of the sorted rows as text)."""
    from workbench.hub.connect import new_connection, read_key, shared_path

    s = shared_path(hub)
    con = new_connection()
    con.execute(f"ATTACH '{s}' AS shared (ENCRYPTION_KEY '{read_key(s)}', READ_ONLY)")
    try:
        out = {}
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                            "'shared' ORDER BY 1").fetchall()]
        for t in tables:
            types = tuple(con.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE "
                                      f"database_name = 'shared' AND table_name = '{t}' ORDER BY column_index").fetchall())
            where = " WHERE key <> 'published_at'" if t == "publish_meta" else ""
            rows = sorted(str(r) for r in con.execute(f"SELECT * FROM shared.main.{t}{where}").fetchall())
            out[t] = (types, len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return out
    finally:
        con.close()


def _add_counted_personal_data(hub: Path) -> None:
    """Two personal datasets published as counts: prison releases at real NG postcodes (the
    outward-code breakdown) and partner intelligence from registered agencies of both groups,
    one name written with stray spaces and capitals (the agency-group breakdown)."""
    import numpy as np
    import pandas as pd

    from workbench.hub.connect import open_hub
    from workbench.hub.ingest import ingest_frame
    from workbench.registry import open_registry

    con = open_hub(hub, read_only=True)
    postcodes = [r[0] for r in con.execute("SELECT postcode FROM ref_postcode WHERE postcode LIKE 'NG%' "
                                           "ORDER BY postcode LIMIT 400").fetchall()]
    con.close()
    rng = np.random.default_rng(17)
    districts = sorted({p.split()[0] for p in postcodes})[:4]       # a few districts: some cells of 1-4
    pcs = [p for p in postcodes if p.split()[0] in districts]
    ingest_frame(hub, "prison_release", pd.DataFrame({
        "release_date": pd.date_range("2024-01-01", periods=90, freq="3D").strftime("%Y-%m-%d"),
        "postcode": [pcs[i] for i in rng.integers(0, len(pcs), 90)]}), source_name="releases.csv",
        agency="Notts Probation", partnership="Nottingham")
    with open_registry(hub) as reg:
        reg.add_partnership("Nottingham")
        reg.add_agency("Notts Police", "central", partnerships=["Nottingham"])
        reg.add_agency("Bluecoat Academy", "second", partnerships=["Nottingham"])
    agencies = ["Notts Police", " BLUECOAT academy ", "Unregistered Youth Club"]
    ingest_frame(hub, "partner_intelligence", pd.DataFrame({
        "submission_ref": [f"PI{i:03d}" for i in range(60)],
        "submitted_at": pd.date_range("2024-01-05 09:00", periods=60, freq="5D").strftime("%Y-%m-%d %H:%M:%S"),
        "partner_agency": [agencies[i] for i in rng.integers(0, 3, 60)],
        "category": [("drugs", "asb", "exploitation")[i] for i in rng.integers(0, 3, 60)]}),
        source_name="portal.csv", agency="Notts Police", partnership="Nottingham")


def _publish(hub: Path, *engine: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "workbench", "hub", "publish", "--hub", str(hub), "--json",
                           *engine], cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17 on these machines)")
def test_regional_hub_publishes_the_same_shared_tier_on_duckdb_and_spark(real_data_dir, empty_hub):
    from workbench.hub.ingest import ingest_files

    hub = empty_hub
    cp = real_data_dir / "postcodes" / "codepoint_open_2025-10"
    ingest_files(hub, "ref_postcode", [cp / "Code-Point_Open_Column_Headers.csv", cp / "ng.csv",
                                       cp / "dl_de_dn_s_rows_in_cleveland_nottinghamshire_districts.csv"],
                 quiet=True)
    for folder in ("city-of-london_2024-01_to_2025-12", "nottinghamshire_2024-01_to_2024-03"):
        ingest_files(hub, "police_uk_street", [real_data_dir / "police_uk" / folder], quiet=True)
    ingest_files(hub, "police_stop_search", [real_data_dir / "police_uk" / "stop_and_search"], quiet=True)
    _add_counted_personal_data(hub)

    duck = _publish(hub)
    duck_tier = _tier_digests(hub)
    spark = _publish(hub, "--engine", "spark", "--spark-master", "local[2]")
    spark_tier = _tier_digests(hub)

    assert duck["check"]["ok"] and spark["check"]["ok"]
    by_table = {t["table"]: t for t in duck["tables"]}
    assert by_table["police_uk_street"]["rows"] == 18_867 + 28_393
    search = by_table["police_stop_search"]
    assert search["rows"] == 907
    # the real file exercises the heavy steps: area centroids (no households) and suppression
    assert set(search["placement"]) & {"sector_centroid", "district_centroid"}
    assert search["quasi"]["suppressed"] > 0
    # personal datasets publish suppressed counts only (guidance 2.4.1.2), counted on Spark too
    assert by_table["prison_release_counts"]["rows"] > 0 and by_table["partner_intelligence_counts"]["rows"] > 0
    assert [{k: v for k, v in t.items()} for t in spark["tables"]] == duck["tables"]
    assert spark_tier.keys() == duck_tier.keys()
    for table in duck_tier:
        assert spark_tier[table] == duck_tier[table], table
    # the Spark publish also wrote its record tables to the encrypted Parquet store's shared tier
    from workbench.engine.store import ParquetStore
    from workbench.hub.connect import read_key, shared_path

    tier = shared_path(hub)
    store = ParquetStore(tier.parent / "store", "shared", read_key(tier))
    assert {"police_uk_street", "police_stop_search"} <= set(store.datasets())
    for table in ("police_uk_street", "police_stop_search"):
        assert store.read(table).num_rows == duck_tier[table][1], table
    for f in (tier.parent / "store").rglob("*.parquet"):
        assert b"police_uk" not in f.read_bytes() and b"PAR1" != f.read_bytes()[:4]   # footer encrypted: PARE
    with pytest.raises(Exception, match="(?i)wrong key"):
        ParquetStore(tier.parent / "store", "shared", read_key(hub)).read("police_uk_street")


def test_a_killed_runs_work_folder_is_swept_on_the_next_run(tmp_path, monkeypatch):
    import tempfile

    from workbench.engine.sparksql import SparkConnection

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()                                            # its pid: no longer a process
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"wb-spark-{dead.pid}-killed"
    (stale / "shared__x-0").mkdir(parents=True)
    (stale / "shared__x-0" / "part-0.parquet").write_bytes(b"plaintext rows")
    alive = tmp_path / f"wb-spark-{os.getppid()}-running"  # a live process's folder stays
    alive.mkdir()
    other = tmp_path / "wb-spark-legacy"                   # no pid in the name: not ours to judge
    other.mkdir()
    sc = SparkConnection(None)                             # no Spark needed: the sweep runs first
    try:
        assert not stale.exists() and alive.exists() and other.exists()
        assert sc.workdir.parent == tmp_path and sc.workdir.name.startswith(f"wb-spark-{os.getpid()}-")
        assert (sc.workdir.stat().st_mode & 0o777) == 0o700
    finally:
        sc.close()
    assert not sc.workdir.exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17 on these machines)")
def test_copy_to_reads_the_files_spark_materialised_without_writing_them_again(tmp_path):
    import duckdb

    from workbench.engine.spark import session
    from workbench.engine.sparksql import SparkConnection

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('a', 1), ('b', 2)) v(k, n)")
    work = tmp_path / "work"
    sc = SparkConnection(session("local[1]"), workdir=work)
    sc.copy_from(con, "t")
    sc.execute("CREATE TABLE temp.main.u AS SELECT k, n * 10 AS n FROM t")
    folders = sorted(p.name for p in work.iterdir())
    sc.copy_to(con, "u", "u_out")
    assert sorted(p.name for p in work.iterdir()) == folders          # no second Spark write
    assert con.execute("SELECT * FROM u_out ORDER BY k").fetchall() == [("a", 10), ("b", 20)]
    sc.copy_to(con, "t", "t_out")                   # copied in by pyarrow: Spark writes it out
    assert len(list(work.iterdir())) == len(folders) + 1
    assert con.execute("SELECT * FROM t_out ORDER BY k").fetchall() == [("a", 1), ("b", 2)]
    sc.execute("DROP TABLE temp.main.u")
    assert "u" not in sc._written and "u" not in sc._paths
