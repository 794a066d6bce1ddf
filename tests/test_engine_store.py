"""The encrypted, partitioned Parquet store of the distributed mode (issue 17, docs/scale.md)."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.engine.store import ParquetStore, table_digest
from workbench.errors import BadInput

MASTER_KEY = "a1" * 32
SHARED_KEY = "b2" * 32


def _table(n: int = 600) -> pa.Table:
    return pa.table({
        "crime_id": [f"C{i:05d}" for i in range(n)],
        "month": [f"2024-{1 + i % 3:02d}" for i in range(n)],
        "partnership": ["nottingham" if i % 2 else "city_of_london" for i in range(n)],
        "location": [f"On or near Secret Street {i}" for i in range(n)],
        "easting": [450_000.0 + i for i in range(n)],
    })


def test_round_trip_is_equal_and_partitioned_by_month_and_partnership(tmp_path):
    store = ParquetStore(tmp_path, "master", MASTER_KEY)
    t = _table()
    res = store.write("police_uk_street", t)
    assert res.rows == 600 and res.files == 6          # 3 months x 2 partnerships
    back = store.read("police_uk_street")
    assert table_digest(back.select(t.column_names)) == table_digest(t) == res.digest
    assert sorted(p.name for p in (tmp_path / "master" / "police_uk_street").iterdir()) == \
        ["month=2024-01", "month=2024-02", "month=2024-03"]


def test_files_are_unreadable_without_the_key_and_hold_no_plaintext(tmp_path):
    store = ParquetStore(tmp_path, "master", MASTER_KEY)
    store.write("police_uk_street", _table())
    files = list((tmp_path / "master").rglob("*.parquet"))
    assert files
    for f in files:
        raw = f.read_bytes()
        assert b"Secret Street" not in raw and b"crime_id" not in raw    # neither values nor schema
        with pytest.raises(OSError, match="(?i)encrypt|decrypt|magic"):
            pq.read_table(f)                                              # no key: nothing read
    with pytest.raises(BadInput, match="Wrong key"):
        ParquetStore(tmp_path, "master", "c3" * 32).read("police_uk_street")


def test_tiers_are_separate_locations_with_separate_keys(tmp_path):
    master = ParquetStore(tmp_path, "master", MASTER_KEY)
    shared = ParquetStore(tmp_path, "shared", SHARED_KEY)
    master.write("police_uk_street", _table())
    shared.write("police_uk_street", _table(10))
    assert master.read("police_uk_street").num_rows == 600
    assert shared.read("police_uk_street").num_rows == 10
    with pytest.raises(BadInput, match="Wrong key"):        # the shared key does not open the master
        ParquetStore(tmp_path, "master", SHARED_KEY).read("police_uk_street")


def test_a_new_version_switches_atomically_and_a_failed_write_keeps_the_old(tmp_path, monkeypatch):
    store = ParquetStore(tmp_path, "shared", SHARED_KEY)
    store.write("police_uk_street", _table(600))
    first = os.readlink(tmp_path / "shared" / "police_uk_street")
    store.write("police_uk_street", _table(300))
    second = os.readlink(tmp_path / "shared" / "police_uk_street")
    assert second != first and not (tmp_path / "shared" / first).exists()   # old version removed
    assert store.read("police_uk_street").num_rows == 300
    # a verification failure: nothing switches, the new version is removed
    monkeypatch.setattr("workbench.engine.store.table_digest", lambda t: str(t.num_rows) + os.urandom(4).hex())
    with pytest.raises(BadInput, match="did not read back equal"):
        store.write("police_uk_street", _table(50))
    monkeypatch.undo()
    assert os.readlink(tmp_path / "shared" / "police_uk_street") == second
    assert store.read("police_uk_street").num_rows == 300
    assert [p.name for p in (tmp_path / "shared").iterdir() if p.is_dir() and not p.is_symlink()] == [second]


def test_bad_input_is_named(tmp_path):
    with pytest.raises(BadInput, match="tier"):
        ParquetStore(tmp_path, "public", MASTER_KEY)
    with pytest.raises(BadInput, match="at least 32"):
        ParquetStore(tmp_path, "master", "short")
    store = ParquetStore(tmp_path, "master", MASTER_KEY)
    with pytest.raises(BadInput, match="no such column"):
        store.write("x", pa.table({"a": [1]}))
    with pytest.raises(BadInput, match="letters, digits"):
        store.write("../escape", _table())
    with pytest.raises(BadInput, match="No dataset"):
        store.read("missing")


def test_the_kms_jar_is_compiled_once_into_a_checksummed_cache(tmp_path):
    import shutil as _sh

    from workbench.engine.spark import kms_jar

    if _sh.which("javac") is None:
        pytest.skip("needs javac (Java 17)")
    jar = kms_jar(tmp_path)
    assert jar.parent == tmp_path and jar.name.startswith("kms-") and jar.stat().st_size > 1000
    import zipfile
    assert "workbench/parquet/KeyFileKms.class" in zipfile.ZipFile(jar).namelist()
    mtime = jar.stat().st_mtime_ns
    assert kms_jar(tmp_path) == jar and jar.stat().st_mtime_ns == mtime      # cached, not recompiled
    with pytest.raises(BadInput, match="javac"):
        kms_jar(tmp_path / "other", javac=str(tmp_path / "no-javac"))


@pytest.mark.slow
@pytest.mark.skipif(__import__("shutil").which("javac") is None, reason="Spark's KMS client needs Java 17")
def test_spark_and_pyarrow_read_each_others_encrypted_files(tmp_path):
    from workbench.engine.spark import session
    from workbench.engine.store import _spark_digest as spark_digest

    spark = session("local[2]")
    t = _table(300)
    # pyarrow writes, Spark reads
    ParquetStore(tmp_path, "master", MASTER_KEY).write("police_uk_street", t)
    df = ParquetStore(tmp_path, "master", MASTER_KEY).read_spark(spark, "police_uk_street")
    back = pa.Table.from_pandas(df.toPandas(), preserve_index=False)
    assert table_digest(back.select(t.column_names)) == table_digest(t)
    # Spark writes (with the Java KMS), pyarrow reads
    shared = ParquetStore(tmp_path, "shared", SHARED_KEY)
    res = shared.write_spark("police_uk_street", spark.createDataFrame(t.to_pandas()))
    assert res.rows == 300 and res.files >= 6
    for f in (tmp_path / "shared").rglob("*.parquet"):
        raw = f.read_bytes()
        assert b"Secret Street" not in raw and b"crime_id" not in raw
    assert table_digest(shared.read("police_uk_street").select(t.column_names)) == table_digest(t)
    assert spark_digest(shared.read_spark(spark, "police_uk_street"))[0] == 300
    # the wrong tier's key opens nothing on Spark either
    with pytest.raises(Exception, match="(?i)wrong key|unwrap|decrypt|KeyAccessDenied"):
        ParquetStore(tmp_path, "shared", MASTER_KEY).read_spark(spark, "police_uk_street").count()
