"""``hub ingest --engine spark``: the same supply, the same hub (issue 17).

Real police.uk files ingested into two fresh hubs, one per engine, must give identical archive
rows (physical line numbers included), supplies records and quality figures; planted bad files
must be rejected alike and change nothing; a failure after the Spark work must leave the hub as it
was. The Spark tests run on ``local[1]`` with small file splits, so a file is read as several
blocks and the line numbering across blocks is exercised.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from workbench.errors import BadInput, SupplyRejected

REAL = Path("/work/shared/data/real/police_uk")
CITY = REAL / "city-of-london_2024-01_to_2025-12"
NOTTS = REAL / "nottinghamshire_2024-01_to_2024-03"
MASTER = "local[1]"


def _hub(tmp_path: Path, name: str) -> Path:
    from workbench.hub.schema import init_hub

    return init_hub(tmp_path / name / "hub.duckdb")


def _state(hub: Path) -> dict:
    """What an ingest may change: archive rows (sorted, SHA-256, supply ids apart), supplies rows
    (ids and timestamps apart), and the quality report's figures."""
    from workbench.hub.connect import open_hub
    from workbench.hub.quality import quality_report

    con = open_hub(hub, read_only=True)
    try:
        rows = con.execute("SELECT * EXCLUDE (_supply_id, _superseded_by) FROM archive.police_uk_street "
                           "ORDER BY ALL").fetchall()
        ids = con.execute("SELECT count(*) FILTER (WHERE _supply_id IS NULL), count(DISTINCT _supply_id) "
                          "FROM archive.police_uk_street").fetchone()
        supplies = con.execute("SELECT * EXCLUDE (supply_id, supplied_at) FROM supplies ORDER BY sha256").fetchall()
        stamps = con.execute("SELECT count(*) FILTER (WHERE supplied_at IS NULL) FROM supplies").fetchone()[0]
        quality = quality_report(con, "police_uk_street").to_dict() if supplies else None
        for s in (quality or {}).get("supplies", []):
            assert s.pop("supplied_at", None) is not None             # exists; its value differs
    finally:
        con.close()
    return {"rows": len(rows), "sha256": hashlib.sha256(repr(rows).encode()).hexdigest(),
            "null_supply_ids": ids[0], "supplies_in_archive": ids[1], "supplies": supplies,
            "null_stamps": stamps, "quality": quality}


@pytest.fixture
def small_splits():
    """Spark reads each file as blocks of 64 KiB (several per real file)."""
    from workbench.engine.spark import session

    spark = session(MASTER)
    old = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(64 * 1024))
    try:
        yield spark
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", old)


def _ingest(hub, files, engine, **kw):
    from workbench.hub.ingest import ingest_files

    return ingest_files(hub, "police_uk_street", files, agency="police", quiet=True, engine=engine,
                        spark_master=MASTER, **kw)


def test_spark_refuses_what_it_does_not_run(tmp_path):
    """A supply needing another adapter is refused on Spark (exit 2), before Spark starts; the hub
    is unchanged. An unknown engine is refused too."""
    from workbench.hub.ingest import ingest_files

    hub = _hub(tmp_path, "h")
    f = tmp_path / "imd.csv"
    f.write_text("lsoa_code,imd_score,imd_rank,imd_decile\nE01000001,12.5,20000,7\n")
    with pytest.raises(BadInput, match="--engine spark ingests CSV supplies .* 'imd2019' adapter") as err:
        ingest_files(hub, "ref_imd", [f], quiet=True, adapter="imd2019", engine="spark")
    assert err.value.exit_code == 2
    with pytest.raises(BadInput, match="Unknown engine"):
        ingest_files(hub, "ref_imd", [f], quiet=True, engine="polars")
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM supplies").fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.slow
def test_real_police_uk_gives_the_same_hub_on_both_engines(tmp_path, small_splits):
    if not CITY.exists() or not NOTTS.exists():
        pytest.skip("real police.uk files not present")
    supplies = [sorted(CITY.glob("*.csv")), sorted(NOTTS.glob("*.csv"))]
    states, results = {}, {}
    for engine in ("duckdb", "spark"):
        hub = _hub(tmp_path, engine)
        results[engine] = [_ingest(hub, files, engine).to_dict() for files in supplies]
        # the same month again from another supply: supersession runs on both engines
        again = tmp_path / f"{engine}-again" / CITY.joinpath("2024-01-city-of-london-street.csv").name
        again.parent.mkdir()
        again.write_text(CITY.joinpath("2024-01-city-of-london-street.csv").read_text() + "\n")
        results[engine].append(_ingest(hub, [again], engine).to_dict())
        states[engine] = _state(hub)
    duck, spark = states["duckdb"], states["spark"]
    assert duck["rows"] > 40_000 and duck["supplies_in_archive"] == 3
    assert results["duckdb"][2]["rows_superseded"] > 0
    assert spark["null_supply_ids"] == 0 and spark["null_stamps"] == 0 and spark["supplies_in_archive"] == 3
    assert spark["sha256"] == duck["sha256"]                    # every archive value, _line included
    assert spark["supplies"] == duck["supplies"]                 # files, rows, period, warnings, ...
    assert spark["quality"] == duck["quality"]
    for r in results.values():
        for x in r:
            x.pop("supply_id")
    assert results["spark"] == results["duckdb"]


def _planted(folder: Path) -> dict[str, Path]:
    """Three bad supplies made from a real Nottinghamshire month (about 8,300 records)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = NOTTS.joinpath("2024-01-nottinghamshire-street.csv").read_text().splitlines(keepends=True)
    good = ',2024-01,Nottinghamshire Police,Nottinghamshire Police,-1.15,52.95,"On or near ""The"", Street",' \
           'E01000001,Nottingham 001A,Anti-social behaviour,,\n'
    out = {}
    month = list(lines)
    month.insert(5000, good)
    month.insert(6000, good.replace("2024-01", "2024-13"))
    month.insert(7000, good.replace(",2024-01,", ",Jan 2024,"))
    out["month"] = folder / "bad-month.csv"
    out["month"].write_text("".join(month))
    fields = list(lines)
    fields.insert(4000, good)
    fields.insert(6500, good.replace(",Anti-social behaviour,,", ",Anti-social behaviour,"))
    out["fields"] = folder / "bad-fields.csv"
    out["fields"].write_text("".join(fields))
    span = list(lines)
    span.insert(5500, good.replace(",2024-01,", ',"2024-01\n",'))
    out["span"] = folder / "spans-lines.csv"
    out["span"].write_text("".join(span))
    return out


@pytest.mark.slow
def test_planted_bad_files_are_rejected_alike_and_change_nothing(tmp_path, small_splits):
    if not NOTTS.exists():
        pytest.skip("real police.uk files not present")
    planted = _planted(tmp_path / "planted")
    seen = {}
    for engine in ("duckdb", "spark"):
        hub = _hub(tmp_path, engine)
        _ingest(hub, [NOTTS / "2024-02-nottinghamshire-street.csv"], engine)
        before = _state(hub)
        for case, path in planted.items():
            with pytest.raises(SupplyRejected) as err:
                _ingest(hub, [NOTTS / "2024-03-nottinghamshire-street.csv", path], engine)
            assert err.value.exit_code == 2
            seen[engine, case] = [(p.file, p.line, p.column, p.expected, p.found) for p in err.value.problems]
        assert _state(hub) == before                           # nothing changed in the hub
    for case in ("month", "fields"):
        assert seen["spark", case] == seen["duckdb", case]
    # bad month: both rows named, with the physical line (header = 1: list index i is line i + 1)
    assert [(p[0], p[1], p[2]) for p in seen["duckdb", "month"]] == [
        ("bad-month.csv", 6001, "month"), ("bad-month.csv", 7001, "month")]
    assert seen["duckdb", "fields"] == [("bad-fields.csv", 6501, None, "12 fields in every record",
                                         "11 fields (a truncated or malformed record)")]
    # a record spanning lines: DuckDB reads it (and rejects its month); Spark reads one record per
    # line and refuses it; both name the same file and line
    (duck,), (spark,) = seen["duckdb", "span"], seen["spark", "span"]
    assert duck[:3] == ("spans-lines.csv", 5501, "month")
    assert spark[:2] == duck[:2] and "--engine duckdb" in spark[3] and "next line" in spark[4]


@pytest.mark.slow
def test_a_failure_after_the_spark_work_leaves_the_hub_unchanged(tmp_path, monkeypatch):
    if not NOTTS.exists():
        pytest.skip("real police.uk files not present")
    from workbench.hub import ingest

    hub = _hub(tmp_path, "spark")
    _ingest(hub, [NOTTS / "2024-01-nottinghamshire-street.csv"], "spark")
    before = _state(hub)
    calls = []

    def fail(*args, **kwargs):       # the archive rows are inserted; the transaction then fails
        calls.append(args[0].execute("SELECT count(*) FROM archive.police_uk_street").fetchone()[0])
        raise RuntimeError("injected failure in the final DuckDB append")

    monkeypatch.setattr(ingest, "_supersede", fail)
    with pytest.raises(RuntimeError, match="injected"):
        _ingest(hub, [NOTTS / "2024-02-nottinghamshire-street.csv"], "spark")
    assert calls and calls[0] > before["rows"]                  # the rows were in, uncommitted
    assert _state(hub) == before
    monkeypatch.undo()
    shutil.rmtree(tmp_path / "spark", ignore_errors=True)


def test_glob_keeps_duckdb_meaning_on_spark():
    """The date and time rules of validation use GLOB (whole value), which Spark lacks."""
    import re

    from workbench.engine.sparksql import glob_regex, spark_sql
    from workbench.hub.validate import DATE_GLOB, TIME_GLOB

    assert "RLIKE" in spark_sql(f"SELECT d GLOB '{DATE_GLOB}' FROM t")
    java = glob_regex(DATE_GLOB).replace("\\z", "\\Z")       # Python's \Z is Java's \z
    assert re.search(java, "2024-01-05") and not re.search(java, "2024-01-05\n")
    assert not re.search(java, "x2024-01-05") and not re.search(java, "2024-1-05")
    t = glob_regex(TIME_GLOB + ":[0-5][0-9]").replace("\\z", "\\Z")
    assert re.search(t, "09:30:59") and not re.search(t, "09:30")
    assert re.search(glob_regex("a*[!x]?").replace("\\z", "\\Z"), "a\nbyz")


CODEPOINT = Path("/work/shared/data/real/postcodes/codepoint_open_2025-10")


@pytest.mark.slow
def test_a_canonical_supply_with_dates_times_and_postcodes_is_the_same_on_both_engines(tmp_path):
    """fire_incident (canonical CSV): dates, times, integers, postcode centroids from the real
    Code-Point NG file; then a supply with a bad date and a bad time, rejected alike."""
    if not CODEPOINT.exists():
        pytest.skip("real Code-Point Open not present")
    from workbench.hub.connect import open_hub
    from workbench.hub.ingest import ingest_files

    head = "incident_ref,incident_type,incident_date,incident_time,casualties,location,postcode,easting,northing\n"
    good = tmp_path / "fire.csv"
    good.write_text(head + "".join(
        f"F{i},deliberate primary,2024-02-{1 + i % 28:02d},{i % 24}:{i % 60:02d},{i % 3},"
        + (f"On or near {i} Street,ng1 5aw,," if i % 3 else f",NG7 2RD,{455000 + i}.5,{340000 + i}")
        + "\n" for i in range(600)))
    bad = tmp_path / "fire-bad.csv"
    bad.write_text(head + "F1,deliberate primary,2024-02-30,10:00,0,,NG1 5AW,,\n"
                   "F2,deliberate primary,2024-02-03,24:10,0,,NG1 5AW,,\n")
    seen = {}
    for engine in ("duckdb", "spark"):
        hub = _hub(tmp_path, engine)
        ingest_files(hub, "ref_postcode", [CODEPOINT / "Code-Point_Open_Column_Headers.csv", CODEPOINT / "ng.csv"],
                     quiet=True)
        r = ingest_files(hub, "fire_incident", [good], agency="fire", quiet=True, engine=engine,
                         spark_master=MASTER).to_dict()
        with pytest.raises(SupplyRejected) as err:
            ingest_files(hub, "fire_incident", [bad], agency="fire", quiet=True, engine=engine, spark_master=MASTER)
        con = open_hub(hub, read_only=True)
        try:
            rows = con.execute("SELECT * EXCLUDE (_supply_id) FROM archive.fire_incident ORDER BY ALL").fetchall()
            sup = con.execute("SELECT * EXCLUDE (supply_id, supplied_at) FROM supplies "
                              "WHERE dataset = 'fire_incident'").fetchall()
        finally:
            con.close()
        r.pop("supply_id")
        seen[engine] = (rows, sup, r, [str(p) for p in err.value.problems])
    duck, spark = seen["duckdb"], seen["spark"]
    assert len(duck[0]) == 600 and all(row[7] is not None for row in duck[0])     # every record placed
    assert spark[0] == duck[0]
    assert spark[1:] == duck[1:]
    assert len(duck[3]) == 2
