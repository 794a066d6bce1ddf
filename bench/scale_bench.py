"""Where one machine stops (issue 17): synthetic national police.uk-like data on DuckDB and Spark.

``scale_grid_*``: monthly grid aggregates on DuckDB and on Spark local[1] / local[2], in the same
process, from the same Parquet files. Sizes grow from 1M records
(``WORKBENCH_SCALE_SIZES="1000000,10000000"`` to change). For each size: DuckDB time, rows/s and
peak RSS; Spark time on local[1] and local[2]; the answers compared by digest.

``national_*`` (:func:`national`): end to end, ingest → publish → monthly grid. ``n`` police.uk
street records (24 months, 43 forces, points over England) as police.uk CSV, plus ``n // 10``
fire incidents at real Nottinghamshire postcodes (a record-level dataset that goes through
Appendix 1 on publish), into a fresh encrypted hub with real Code-Point Open as ``ref_postcode``.
DuckDB: ingest, ``publish``, grid. Spark ``local[2]`` in the same run, on a second hub:
``ingest --engine spark``, ``publish --engine spark`` and the grid on Spark, end to end. Time, rows/s and peak memory (this process and its children, the JVM included,
sampled every 0.2 s) per engine; the shared tables and the grids must agree. The size is
``WORKBENCH_NATIONAL_SIZE`` (default 1,000,000); run one size alone with
``python -m bench.scale_bench national 1000000``, which prints the record and writes nothing.
Projection beyond the measured sizes and executors is left to docs/scale.md, which says what is
measured and what is projected.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads

from bench.common import record

CRIME_TYPES = ("Anti-social behaviour", "Violence and sexual offences", "Shoplifting", "Burglary",
               "Criminal damage and arson", "Vehicle crime", "Public order", "Other theft", "Drugs",
               "Robbery", "Theft from the person", "Bicycle theft", "Possession of weapons", "Other crime")


def synthetic(n: int, out: Path, seed: int = 0) -> Path:
    """``n`` records over England's BNG extent, 24 months, 14 crime types, clustered in 300 towns."""
    rng = np.random.default_rng(seed)
    towns = np.column_stack([rng.uniform(150_000, 650_000, 300), rng.uniform(50_000, 650_000, 300)])
    which = rng.integers(0, 300, n)
    e = towns[which, 0] + rng.normal(0, 2_000, n)
    nn = towns[which, 1] + rng.normal(0, 2_000, n)
    months = np.array([f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(24)])
    table = pa.table({"month": months[rng.integers(0, 24, n)], "easting": np.round(e, 0), "northing": np.round(nn, 0),
                      "crime_type": np.array(CRIME_TYPES)[rng.integers(0, len(CRIME_TYPES), n)]})
    pads.write_dataset(table, out, format="parquet", partitioning=["month"], partitioning_flavor="hive",
                       existing_data_behavior="overwrite_or_ignore")
    return out


REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
FORCES = 43


class PeakMemory:
    """Peak RSS (MB) of this process and all its children (the Spark JVM), sampled in a thread."""

    def __init__(self, every: float = 0.2):
        import threading

        self.every, self.peak = every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total / 2**20)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def police_uk_csv(n: int, path: Path, seed: int = 0) -> Path:
    """``n`` police.uk street rows (the real header) over England: 43 forces, 24 months,
    300 towns, 14 crime types, 2 % without a location (as police.uk publishes them)."""
    import duckdb

    types = ", ".join("'" + t + "'" for t in CRIME_TYPES)
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed / 10})")
    con.execute(f"""CREATE TABLE towns AS SELECT i AS town, -2.8 + 3.3 * random() AS lon,
                    51.0 + 3.5 * random() AS lat FROM range(300) t(i)""")
    con.execute(f"""COPY (SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE lpad(printf('%x', i), 64, 'a') END AS "Crime ID",
        printf('%d-%02d', 2024 + (i % 24) // 12, i % 24 % 12 + 1) AS "Month",
        'Force ' || (i % {FORCES}) AS "Reported by", 'Force ' || (i % {FORCES}) AS "Falls within",
        CASE WHEN i % 50 = 7 THEN NULL ELSE round(t.lon + 0.03 * (random() - 0.5), 6) END AS "Longitude",
        CASE WHEN i % 50 = 7 THEN NULL ELSE round(t.lat + 0.02 * (random() - 0.5), 6) END AS "Latitude",
        CASE WHEN i % 50 = 7 THEN 'No Location' ELSE 'On or near Street ' || (i % 997) END AS "Location",
        'E0100' || lpad(CAST(i % 32844 AS VARCHAR), 4, '0') AS "LSOA code", 'Area ' || (i % 32844) AS "LSOA name",
        [{types}][1 + (i * 7) % {len(CRIME_TYPES)}] AS "Crime type",
        CASE WHEN i % 5 = 0 THEN NULL ELSE 'Under investigation' END AS "Last outcome category",
        NULL AS "Context"
        FROM range({n}) r(i) JOIN towns t ON t.town = (i * 2654435761) % 300)
        TO '{path}' (HEADER, DELIMITER ',')""")
    con.close()
    return path


def fire_frame(hub: Path, n: int, seed: int = 0):
    """``n`` fire incidents at real postcodes of the hub's ``ref_postcode`` (Appendix 1 applies)."""
    import pandas as pd

    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    pcs = con.execute("SELECT postcode, easting, northing FROM ref_postcode WHERE easting IS NOT NULL "
                      "ORDER BY postcode").df()
    con.close()
    rng = np.random.default_rng(seed)
    pick = pcs.iloc[rng.integers(0, len(pcs), n)].reset_index(drop=True)
    return pd.DataFrame({"incident_ref": [f"F{i:08d}" for i in range(n)], "incident_date": "2024-02-03",
                         "postcode": pick.postcode, "easting": pick.easting + rng.integers(-20, 20, n),
                         "northing": pick.northing + rng.integers(-20, 20, n)})


def write_floor(csv: Path, folder: Path) -> dict[str, float]:
    """The least any pipeline keeping two encrypted tiers can spend on ``csv`` on this machine.

    Plain DuckDB, no workbench code, same settings as the hub's connections (httpfs for
    encrypted writes, the 2 GB memory cap): ``read_csv`` (all VARCHAR) into an encrypted
    database, one encrypted copy of that table into a second database (the shared tier's
    write), and one ``GROUP BY`` month. No validation, no coordinates, no checker: what is left
    of the end-to-end time above this floor is the workbench's own work.
    """
    from workbench.hub.connect import new_connection

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    con = new_connection()
    out = {}
    try:
        con.execute(f"ATTACH '{folder / 'a.duckdb'}' AS a (ENCRYPTION_KEY 'floor-a')")
        con.execute(f"ATTACH '{folder / 'b.duckdb'}' AS b (ENCRYPTION_KEY 'floor-b')")
        for step, sql in (("read_write", f"CREATE TABLE a.t AS SELECT * FROM read_csv('{csv}', all_varchar = true)"),
                          ("second_copy", "CREATE TABLE b.t AS SELECT * FROM a.t"),
                          ("group_by", 'SELECT "Month", count(*) FROM b.t GROUP BY 1')):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            out[step] = time.perf_counter() - t0
    finally:
        con.close()
    out["total"] = sum(out.values())
    return {k: round(v, 2) for k, v in out.items()}


def national(n: int, spark_master: str = "local[2]") -> dict:
    """End to end on both engines (module docstring). Needs ``../shared/data/real`` (Code-Point)."""
    from workbench.engine.aggregate import frame_grid, table_grid
    from workbench.hub.connect import new_connection, read_key, shared_path
    from workbench.hub.ingest import ingest_files, ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish

    cp = REAL / "postcodes" / "codepoint_open_2025-10"
    with tempfile.TemporaryDirectory(prefix="wb-national-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        police_uk_csv(n, tmp / "in" / "national-street.csv")
        hub = init_hub(tmp / "hub" / "hub.duckdb")
        hub_spark = init_hub(tmp / "hub-spark" / "hub.duckdb")      # the Spark side's own hub, end to end
        for h in (hub, hub_spark):
            ingest_files(h, "ref_postcode", [cp / "Code-Point_Open_Column_Headers.csv", cp / "ng.csv"], quiet=True)
        fire = fire_frame(hub, n // 10)
        rows = n + len(fire)

        def grid(engine, hub=hub):
            s = shared_path(hub)
            if engine == "spark":      # the encrypted store's shared tier that publish --engine spark wrote
                from workbench.engine.spark import session
                from workbench.engine.store import ParquetStore

                store = ParquetStore(s.parent / "store", "shared", read_key(s))
                return frame_grid(store.read_spark(session(spark_master), "police_uk_street"), cell_metres=250)
            con = new_connection()
            con.execute(f"ATTACH '{s}' AS shared (ENCRYPTION_KEY '{read_key(s)}', READ_ONLY)")
            try:                       # embedded: in place on the tier, no Parquet copy
                return table_grid(con, "shared.main.police_uk_street", cell_metres=250)
            finally:
                con.close()

        times: dict[str, float] = {}
        with PeakMemory() as duck_mem:
            t0 = time.perf_counter()
            ingest_files(hub, "police_uk_street", [tmp / "in"], quiet=True)
            ingest_frame(hub, "fire_incident", fire, source_name="fire_synthetic")
            times["ingest"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            duck_pub = publish(hub)
            times["publish"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            duck_grid = grid("duckdb")
            times["grid"] = time.perf_counter() - t0
        with PeakMemory() as spark_mem:
            t0 = time.perf_counter()
            ingest_files(hub_spark, "police_uk_street", [tmp / "in"], quiet=True, engine="spark",
                         spark_master=spark_master)
            ingest_frame(hub_spark, "fire_incident", fire, source_name="fire_synthetic", engine="spark",
                         spark_master=spark_master)
            times["spark_ingest"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            spark_pub = publish(hub_spark, engine="spark", spark_master=spark_master)
            times["spark_publish"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            spark_grid = grid("spark", hub_spark)
            times["spark_grid"] = time.perf_counter() - t0
        from workbench.engine import spark as sp

        sp._SESSIONS.pop(spark_master).stop()
        summary = [{k: v for k, v in t.items() if k != "rows"} | {"rows": t["rows"]} for t in duck_pub.tables]
        assert summary == [{k: v for k, v in t.items() if k != "rows"} | {"rows": t["rows"]}
                           for t in spark_pub.tables], "the engines published different tables"
        assert duck_grid.digest() == spark_grid.digest(), "the engines' grids differ"
        floor = write_floor(tmp / "in" / "national-street.csv", tmp / "floor")
    duck_s = times["ingest"] + times["publish"] + times["grid"]
    spark_s = times["spark_ingest"] + times["spark_publish"] + times["spark_grid"]
    label = f"{n // 1_000_000}m" if n >= 1_000_000 else f"{n // 1000}k"
    return record(
        f"national_{label}", duck_s, f"Spark {spark_master}: ingest + publish + grid, its own hub", spark_s, rows,
        notes=(f"{n:,} police.uk + {len(fire):,} fire records. DuckDB ingest {times['ingest']:.1f} s, "
               f"publish {times['publish']:.1f} s, grid {times['grid']:.1f} s (peak {duck_mem.peak:,.0f} MB); "
               f"Spark {spark_master} ingest {times['spark_ingest']:.1f} s, publish {times['spark_publish']:.1f} s, grid {times['spark_grid']:.1f} s "
               f"(peak {spark_mem.peak:,.0f} MB with the JVM); same shared tables and grid digest"),
        duckdb_steps_s={k: round(v, 2) for k, v in times.items() if not k.startswith("spark")},
        spark_steps_s={k[6:]: round(v, 2) for k, v in times.items() if k.startswith("spark")},
        duckdb_peak_mb=round(duck_mem.peak), spark_peak_mb=round(spark_mem.peak),
        duckdb_publish_grid_rows_per_s=round(rows / (times["publish"] + times["grid"])),
        floor_s=floor, floor_rows_per_s={k: round(n / v) if v else None for k, v in floor.items()},
        spark_rows_per_s=round(rows / spark_s))


def run() -> list[dict]:
    out = run_grid()
    if REAL.is_dir():
        out.append(national(int(os.environ.get("WORKBENCH_NATIONAL_SIZE", "1000000"))))
    return out


def run_grid() -> list[dict]:
    from workbench.engine.aggregate import monthly_grid
    from workbench.engine.spark import session

    sizes = [int(s) for s in os.environ.get("WORKBENCH_SCALE_SIZES", "1000000,10000000").split(",")]
    out = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            pq = synthetic(n, Path(tmp) / "pq")
            t0 = time.perf_counter()
            duck = monthly_grid(pq, engine="duckdb", cell_metres=250)
            t_duck = time.perf_counter() - t0
            times = {}
            for master in ("local[1]", "local[2]"):
                s = session(master)
                monthly_grid(pq, engine="spark", cell_metres=250, spark=s)   # warm the session
                t0 = time.perf_counter()
                res = monthly_grid(pq, engine="spark", cell_metres=250, spark=s)
                times[master] = time.perf_counter() - t0
                s.stop()
                from workbench.engine import spark as sp
                sp._SESSIONS.pop(master, None)
                assert res.digest() == duck.digest(), "engines disagree"
            out.append(record(f"scale_grid_{n // 1_000_000}m", t_duck, "Spark local[2], same Parquet, same query",
                              times["local[2]"], n,
                              notes=f"DuckDB {t_duck:.2f} s; Spark local[1] {times['local[1]']:.2f} s, "
                                    f"local[2] {times['local[2]']:.2f} s; identical grids ({len(duck.grid):,} cells)",
                              spark_local1_s=round(times["local[1]"], 3), spark_local2_s=round(times["local[2]"], 3),
                              spark_rows_per_s_local2=round(n / times["local[2]"])))
    return out


if __name__ == "__main__":     # python -m bench.scale_bench national N: one size, printed, nothing written
    import json
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "national":
        sys.exit("usage: python -m bench.scale_bench national N")
    print(json.dumps(national(int(sys.argv[2])), indent=1))
