"""Ingest benchmarks (issue 2 §7).

- ``ingest_canonical_5m``: a 5M-row canonical ``police_crime_offence`` supply, validated and
  appended to an encrypted hub. Baseline: pandas ``read_csv`` + the same validation rules
  vectorised in pandas + insert into an encrypted DuckDB table, run in the same process on a
  1M-row slice and extrapolated linearly to 5M (stated in ``notes``; a full 5M pandas run
  needs several GB of Python strings). Targets: ≥ 0.5M rows/s, ≥ 5× baseline, peak RSS < 3 GB.
- ``ingest_police_uk_real``: every police.uk street file in ``../shared/data/real`` (exact
  counts checked). Baseline: pandas read_csv + insert.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import peak_rss_mb, record

ROWS = 5_000_000
RUNS = 3
BASELINE_ROWS = 1_000_000
REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def make_supply(path: Path, n: int) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'CR' || i AS crime_ref,
        ['105A','105B','8N','5D','28E','58A','49','46'][1 + i % 8] AS offence_code,
        'Offence ' || (i % 8) AS offence_type,
        strftime(DATE '2021-01-01' + CAST(i % 1460 AS INTEGER), '%Y-%m-%d') AS committed_from_date,
        lpad(CAST(i % 24 AS VARCHAR), 2, '0') || ':' || lpad(CAST(i % 60 AS VARCHAR), 2, '0') AS committed_from_time,
        strftime(DATE '2021-01-01' + CAST(i % 1460 AS INTEGER), '%Y-%m-%d') AS committed_to_date,
        lpad(CAST((i + 1) % 24 AS VARCHAR), 2, '0') || ':15' AS committed_to_time,
        'Street ' || (i % 997) AS location,
        'NG' || (1 + i % 9) || ' ' || (1 + i % 9) || ['AB','CD','EF','GH'][1 + i % 4] AS postcode,
        CAST(440000 + i % 30000 AS VARCHAR) AS easting, CAST(330000 + (i * 7) % 30000 AS VARCHAR) AS northing,
        '' AS method_of_entry, '' AS property_stolen, '' AS weapon,
        'N' AS flag_distraction_burglary, CASE WHEN i % 5 = 0 THEN 'Y' ELSE 'N' END AS flag_drugs,
        CASE WHEN i % 3 = 0 THEN 'Y' ELSE 'N' END AS flag_alcohol, 'N' AS flag_racial,
        CASE WHEN i % 7 = 0 THEN 'Y' ELSE 'N' END AS flag_domestic
        FROM range({n}) t(i)) TO '{path}' (HEADER)""")
    con.close()


def pandas_baseline(csv: Path, hub: Path, nrows: int) -> float:
    """pandas read + validate (same rules, vectorised) + insert into the encrypted hub."""
    import pandas as pd

    from workbench.hub.connect import open_hub

    t0 = time.perf_counter()
    df = pd.read_csv(csv, dtype=str, keep_default_na=False, nrows=nrows)
    df = df.apply(lambda s: s.str.strip())
    bad = 0
    for c in ("committed_from_date", "committed_to_date"):
        v = df[c][df[c] != ""]
        bad += pd.to_datetime(v, format="%Y-%m-%d", errors="coerce").isna().sum()
    for c in ("committed_from_time", "committed_to_time"):
        v = df[c][df[c] != ""]
        bad += (~v.str.match(r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")).sum()
    e = pd.to_numeric(df["easting"], errors="coerce")
    n = pd.to_numeric(df["northing"], errors="coerce")
    bad += (~e.between(0, 700_000)).sum() + (~n.between(0, 1_300_000)).sum()
    pc = df["postcode"].str.upper().str.replace(r"\s+", "", regex=True)
    pc = pc.str[:-3] + " " + pc.str[-3:]
    df["postcode"] = pc
    bad += (~pc.str.match(r"^([A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2})$")).sum()
    for c in [c for c in df.columns if c.startswith("flag_")]:
        bad += (~df[c].isin(["Y", "N", ""])).sum()
    bad += (df["crime_ref"] == "").sum()
    assert bad == 0, bad
    df = df.replace("", None)
    con = open_hub(hub)
    con.register("df", df)
    con.execute("CREATE TABLE baseline AS SELECT * REPLACE (CAST(committed_from_date AS DATE) AS "
                "committed_from_date, CAST(easting AS DOUBLE) AS easting, CAST(northing AS DOUBLE) "
                "AS northing) FROM df")
    con.close()
    return time.perf_counter() - t0


def duckdb_copy_floor(csv: Path, hub: Path) -> float:
    """DuckDB's own CSV → encrypted table copy, no validation, no line numbers.

    Not a baseline: the floor any DuckDB-based ingest of this file stands on, on this
    machine, so the note can say how much of ours is validation and bookkeeping.
    """
    from workbench.hub.connect import open_hub

    con = open_hub(hub)
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE floor AS SELECT * FROM read_csv('{csv}', all_varchar=true, header=true)")
    took = time.perf_counter() - t0
    con.close()
    return took


def check_lines(hub: Path, sample: int = 10_000) -> int:
    """Rows whose stored ``_line`` is not their line in the file (the generator numbers them)."""
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM (SELECT crime_ref, _line FROM archive.police_crime_offence "
                           f"USING SAMPLE {sample} ROWS) WHERE crime_ref <> 'CR' || (_line - 2)").fetchone()[0]
    finally:
        con.close()


def bench_canonical() -> dict:
    from workbench.hub.ingest import ingest_files
    from workbench.hub.schema import init_hub

    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    try:
        csv = tmp / "police_crime_offence_5m.csv"
        make_supply(csv, ROWS)
        # a supply arrives before it is ingested: let the kernel finish writing the 547 MB
        # just generated, so its write-back does not compete with the timed ingest
        os.sync()
        runs = []
        for i in range(RUNS):  # each into a fresh hub; the machine's own noise is about ±5%
            hub = init_hub(tmp / f"run{i}" / "hub.duckdb")
            t0 = time.perf_counter()
            res = ingest_files(hub, "police_crime_offence", [csv], quiet=True)
            runs.append(time.perf_counter() - t0)
            assert res.rows == ROWS
        assert check_lines(hub) == 0, "stored _line differs from the file's line"
        ours = statistics.median(runs)
        ours_rss = peak_rss_mb()
        floor = duckdb_copy_floor(csv, init_hub(tmp / "floor" / "hub.duckdb"))
        base_hub = init_hub(tmp / "base" / "hub.duckdb")
        base = pandas_baseline(csv, base_hub, BASELINE_ROWS) * (ROWS / BASELINE_ROWS)
        meets = ROWS / ours >= 500_000 and base / ours >= 5 and ours_rss < 3000
        return record("ingest_canonical_5m", ours, "pandas read_csv + validate + insert (1M rows, x5)",
                      base, ROWS, notes=f"file {csv.stat().st_size / 1e6:.0f} MB; ours is the median of "
                      f"{RUNS} runs into fresh hubs ({', '.join(f'{r:.2f}' for r in runs)} s); peak RSS "
                      f"after ours {ours_rss} MB (before the baseline ran); for reference DuckDB's own "
                      f"CSV -> encrypted table copy of the same file, unvalidated and without line "
                      f"numbers, took {floor:.1f} s; _line checked on a 10,000-row sample",
                      ours_runs_s=[round(r, 3) for r in runs], ours_peak_rss_mb=ours_rss,
                      duckdb_copy_floor_s=round(floor, 3), target_rows_per_s=500_000, target_speedup=5,
                      target_peak_rss_mb=3000, meets_target=meets)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_police_uk_real() -> dict | None:
    import pandas as pd

    from workbench.hub.connect import open_hub
    from workbench.hub.ingest import ingest_files
    from workbench.hub.schema import init_hub

    folders = sorted((REAL / "police_uk").glob("*street*")) + sorted(
        p for p in (REAL / "police_uk").iterdir() if p.is_dir() and "stop" not in p.name) if REAL.exists() else []
    folders = sorted(set(folders))
    if not folders:
        return None
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    try:
        hub = init_hub(tmp / "hub.duckdb")
        counts = {}
        t0 = time.perf_counter()
        for f in folders:
            counts[f.name] = ingest_files(hub, "police_uk_street", [f], quiet=True).rows
        ours = time.perf_counter() - t0
        total = sum(counts.values())
        base_hub = init_hub(tmp / "b" / "hub.duckdb")
        t0 = time.perf_counter()
        frames = [pd.read_csv(p, dtype=str) for f in folders for p in sorted(f.glob("*.csv"))]
        df = pd.concat(frames)
        con = open_hub(base_hub)
        con.register("df", df)
        con.execute("CREATE TABLE b AS SELECT * FROM df")
        con.close()
        base = time.perf_counter() - t0
        assert len(df) == total
        return record("ingest_police_uk_real", ours, "pandas read_csv + insert (no validation)", base,
                      total, notes="exact counts: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()),
                      counts=counts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run() -> list[dict]:
    out = [bench_canonical()]
    real = bench_police_uk_real()
    if real:
        out.append(real)
    return out
