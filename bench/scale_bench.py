"""Where one machine stops (issue 17): monthly grid aggregates of synthetic national police.uk-like
data on DuckDB and on Spark local[1] / local[2], in the same process, from the same Parquet files.

Sizes grow from 1M records (``WORKBENCH_SCALE_SIZES="1000000,10000000"`` to change). For each size:
DuckDB time, rows/s and peak RSS; Spark time on local[1] and local[2] (executor threads on this
machine); the answers compared by digest. Projection beyond the measured sizes and executors is
left to docs/scale.md, which says what is measured and what is projected.
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


def run() -> list[dict]:
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
