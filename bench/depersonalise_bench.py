"""Benchmark ``depersonalise_5m``: 5M synthetic offence records through publish's depersonalisation.

Ours: :func:`workbench.privacy.depersonalise.depersonalise_dataset` (DuckDB SQL, k-d tree for
the nearest qualifying postcode, text transformed once per distinct value) on an in-memory
DuckDB table of 5,000,000 ``police_crime_offence`` records over a 30,000-postcode synthetic
geography (a quarter of postcodes under 4 households; 10 % of records with no postcode and
5 % with a postcode the reference layer lacks). The timing covers loading the geography,
every transformation and writing the output table.

Baseline, run in the same process: the textbook GeoPandas implementation of the same
Appendix 1 rules: postcode lookup with ``DataFrame.merge``, the nearest qualifying postcode
with ``geopandas.sjoin_nearest`` (for non-qualifying postcodes and for records without a
known postcode), address strings with pandas string methods applying the same rules in
Python ``re``. It runs on a 250,000-record subsample and is extrapolated linearly to 5M (its
cost is linear in records: merges, one nearest join, per-row regexes); the notes say so.

Target (issue 3 §8): >= 1M rows/s and >= 10x the baseline.
"""

from __future__ import annotations

import os
import re
import resource
import time

import numpy as np
import pandas as pd

N_RECORDS = 5_000_000
BASELINE_SAMPLE = 250_000
SIDE = (200, 150)            # 30,000 postcodes, 100 m apart
STREETS = [f"{a} {b}" for a in ("Acacia", "Beech", "Cedar", "Elm", "Hazel", "Oak", "Rowan", "Ash",
                                 "Birch", "Holly", "Maple", "Willow", "Alder", "Larch", "Yew")
           for b in ("Avenue", "Road", "Street", "Lane", "Close", "Drive", "Way", "Grove",
                     "Crescent", "Gardens", "Terrace", "Walk")]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _geography(con) -> pd.DataFrame:
    nx, ny = SIDE
    rng = np.random.default_rng(7)
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    k = np.arange(nx * ny)
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    pcs = np.char.add(np.char.add(np.char.add("NG", (1 + k // 2000).astype(str)), " "),
                      np.char.add(((k // 400) % 10).astype(str),
                                  np.char.add(letters[k % 20], letters[(k // 20) % 20])))
    ref = pd.DataFrame({"postcode": pcs, "easting": 440_000 + i.ravel() * 100.0,
                        "northing": 330_000 + j.ravel() * 100.0,
                        "households": rng.choice([0, 1, 2, 3, 4, 5, 8, 12, 20, 30, 45, 60], len(k))})
    ref = ref.drop_duplicates("postcode").reset_index(drop=True)
    con.register("ref_df", ref)
    con.execute("CREATE OR REPLACE TABLE ref_postcode AS SELECT * FROM ref_df")
    con.unregister("ref_df")
    return ref


def _records(con, n: int) -> None:
    n_pc = con.execute("SELECT count(*) FROM ref_postcode").fetchone()[0]
    streets = ", ".join("'" + s + "'" for s in STREETS)
    con.execute(f"""
    CREATE OR REPLACE TABLE src AS
    WITH g AS (SELECT i, CAST(hash(i) % 1000000007 AS BIGINT) AS h,
                      CAST(hash(i * 7919) % 1000000007 AS BIGINT) AS h2,
                      CAST(hash(i) % 1000000007 AS BIGINT) % {n_pc} AS pk FROM range({n}) r(i)),
    r AS (SELECT row_number() OVER () - 1 AS k, postcode, easting, northing FROM ref_postcode)
    SELECT 'CR' || g.i AS crime_ref, '105A' AS offence_code, 'Assault' AS offence_type,
           DATE '2021-01-01' + CAST(g.h % 1000 AS INTEGER) AS committed_from_date,
           NULL::TIME AS committed_from_time, NULL::DATE AS committed_to_date, NULL::TIME AS committed_to_time,
           CASE g.h % 5 WHEN 0 THEN 'Flat ' || (g.h2 % 12 + 1) || ', ' ELSE '' END
             || (g.h2 % 90 + 1) || CASE WHEN g.h % 11 = 0 THEN 'A' ELSE '' END || ' '
             || ([{streets}])[1 + (g.h2 // 97) % {len(STREETS)}] || ', Sneinton' AS location,
           CASE WHEN g.h % 20 < 2 THEN NULL WHEN g.h % 20 = 2 THEN 'NG99 9ZZ' ELSE r.postcode END AS postcode,
           r.easting + (g.h2 % 81) - 40.0 AS easting, r.northing + (g.h % 81) - 40.0 AS northing,
           (['front door', 'rear door', 'window', 'insecure', 'unknown'])[1 + g.h2 % 5] AS method_of_entry,
           (['cash', 'phone', 'bicycle', 'jewellery', NULL])[1 + g.h % 5] AS property_stolen,
           NULL::VARCHAR AS weapon, 'N' AS flag_distraction_burglary, 'N' AS flag_drugs,
           CASE WHEN g.h % 3 = 0 THEN 'Y' ELSE 'N' END AS flag_alcohol, 'N' AS flag_racial,
           'N' AS flag_domestic
    FROM g JOIN r ON r.k = g.pk
    """)


def _places(con, n: int = 200) -> pd.DataFrame:
    """Registered non-addressable places at the coordinates of some records (a few % of rows)."""
    pts = con.execute(f"SELECT DISTINCT round(easting) AS easting, round(northing) AS northing FROM src "
                      f"USING SAMPLE {n} ROWS (reservoir, 5)").df()
    return pts.assign(place_id=[f"park:{i}" for i in range(len(pts))], name="Park", kind="park",
                      approved_for="*")


def run_ours(con, places: pd.DataFrame) -> tuple[float, int, float]:
    from workbench import catalogue
    from workbench.privacy.depersonalise import depersonalise_dataset, install_geography, load_geography
    from workbench.privacy.nonaddressable import add_places

    con.execute("ATTACH ':memory:' AS bench_hub")
    add_places(con, places.to_dict("records"), catalog="bench_hub")
    con.execute("USE memory")
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute("CREATE TABLE bench_hub.main.ref_postcode AS SELECT * FROM memory.main.ref_postcode")
    geo = load_geography(con, "bench_hub")
    install_geography(con, geo)
    rows = depersonalise_dataset(con, catalogue.get("police_crime_offence"), "memory.main.src",
                                 "memory.main.out", geo, b"k" * 32)
    return time.perf_counter() - t0, rows, time.process_time() - c0


# ---------------------------------------------------------------- the GeoPandas baseline
_NUM = r"\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?"
_SUB = re.compile(r"\b(?:flat|apartment|apt|unit|room|suite|maisonette|studio|plot|no|number)\.?\s*"
                  r"(?:\d+[a-z]?|[a-z])\b", re.I)
_PC = re.compile(r"\b([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})\b", re.I)
_HAS_NUM = re.compile(r"\b" + _NUM + r"\s+\S", re.I)
_TO_NUM = re.compile(r"^.*?\b" + _NUM + r"\s+", re.I)
_LONE = re.compile(r"\b" + _NUM + r"\b", re.I)
_STREET = re.compile(r"\b(?:street|road|avenue|lane|close|drive|way|grove|crescent|gardens|"
                     r"terrace|walk)\.?$", re.I)


_DWELLING = re.compile(r"\b(?:cottage|cottages|house|lodge|villa|bungalow|farmhouse|barn|manor|grange|"
                       r"vicarage|rectory)$", re.I)
_TEXT_PC = re.compile(r"\b([a-z]{1,2}\d[a-z\d]?)\s*(\d[a-z]{2})\b", re.I)
_TEXT_FLAT = re.compile(r"\b(?:flat|apartment|apt|unit|maisonette)\.?\s*\d+[a-z]?\b", re.I)
_TEXT_NUM = re.compile(r"\b" + _NUM + r"(\s+(?:[a-z']+\s+){0,3}(?:street|road|avenue|lane|close|drive|"
                       r"way|grove|crescent|gardens|terrace|walk)\b)", re.I)
FREE_TEXT = ("offence_type", "method_of_entry", "property_stolen", "weapon")


def _baseline_free_text(s: pd.Series) -> pd.Series:
    s = s.str.replace(_TEXT_PC, r"\1", regex=True).str.replace(_TEXT_FLAT, "", regex=True)
    return s.str.replace(_TEXT_NUM, r"\1", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()


def _baseline_address(a, pc):
    if a is None or (isinstance(a, float) and np.isnan(a)):
        return None
    segs = [_SUB.sub("", s).strip() for s in _PC.sub(pc or "", a).split(",")]
    idx = next((i for i, s in enumerate(segs) if _HAS_NUM.search(s)), None)
    if idx is None:
        idx = next((i for i, s in enumerate(segs) if _STREET.search(s)), 1 if len(segs) >= 2 else 0)
    out = [" ".join(_LONE.sub("", _TO_NUM.sub("", s)).split()) for s in segs[idx:]]
    return ", ".join(s for s in out if s and not _DWELLING.search(s)) or None


def run_baseline(con, ref: pd.DataFrame, sample: int, places: pd.DataFrame | None = None) -> float:
    import geopandas as gpd

    df = con.execute(f"SELECT * FROM src USING SAMPLE {sample} ROWS (reservoir, 42)").df()
    places = places if places is not None else pd.DataFrame({"easting": [], "northing": []})
    t0 = time.perf_counter()
    qual = ref[ref.households >= 4]
    gq = gpd.GeoDataFrame(qual[["postcode"]].rename(columns={"postcode": "q_pc"}),
                          geometry=gpd.points_from_xy(qual.easting, qual.northing), crs=27700)
    gq["q_e"], gq["q_n"] = qual.easting.to_numpy(), qual.northing.to_numpy()
    gref = gpd.GeoDataFrame(ref[["postcode"]], geometry=gpd.points_from_xy(ref.easting, ref.northing),
                            crs=27700)
    pc_map = gpd.sjoin_nearest(gref, gq, how="left").drop_duplicates("postcode")
    pc_map = pc_map[["postcode", "q_pc", "q_e", "q_n"]]
    df["pc_norm"] = df.postcode.str.upper().str.replace(r"\s+", "", regex=True)
    pc_map["pc_norm"] = pc_map.postcode.str.replace(" ", "")
    out = df.merge(pc_map.drop(columns="postcode"), on="pc_norm", how="left")
    miss = out.q_pc.isna() & out.easting.notna()
    gm = gpd.GeoDataFrame(out.loc[miss, ["easting"]], geometry=gpd.points_from_xy(
        out.loc[miss, "easting"], out.loc[miss, "northing"]), crs=27700)
    near = gpd.sjoin_nearest(gm, gq, how="left")
    near = near[~near.index.duplicated()]
    out.loc[miss, ["q_pc", "q_e", "q_n"]] = near[["q_pc", "q_e", "q_n"]].to_numpy()
    if len(places):
        at = out.easting.round().astype(str) + "," + out.northing.round().astype(str)
        keep = at.isin(places.easting.round().astype(str) + "," + places.northing.round().astype(str))
        out.loc[keep, "q_e"], out.loc[keep, "q_n"] = out.easting[keep].round(), out.northing[keep].round()
    out["location"] = [_baseline_address(a, p) for a, p in zip(out.location, out.q_pc)]
    for c in FREE_TEXT:
        out[c] = _baseline_free_text(out[c].astype("string"))
    out["postcode"], out["easting"], out["northing"] = out.q_pc, out.q_e, out.q_n
    out = out.drop(columns=["pc_norm", "q_pc", "q_e", "q_n"])
    return time.perf_counter() - t0


def run(n_records: int = N_RECORDS, baseline_sample: int = BASELINE_SAMPLE) -> list[dict]:
    """Run the benchmark; returns one result dict (bench/run.py contract)."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")   # as publish does: row order carries no meaning
    ref = _geography(con)
    _records(con, n_records)
    places = _places(con)
    ours_s, rows, ours_cpu_s = run_ours(con, places)
    sample = min(baseline_sample, n_records)
    base_sample_s = run_baseline(con, ref, sample, places)
    base_s = base_sample_s * n_records / sample
    load = os.getloadavg()[0]
    placed = con.execute("SELECT count(*) FROM out o JOIN bench_hub.main.nonaddressable_place p "
                         "ON o.easting = p.easting AND o.northing = p.northing").fetchone()[0]
    con.close()
    return [{
        "name": "depersonalise_5m" if n_records == N_RECORDS else f"depersonalise_{n_records}",
        "ours_s": round(ours_s, 3),
        "baseline": "geopandas sjoin_nearest + pandas merge + per-row regex (same rules)",
        "baseline_s": round(base_s, 3),
        "speedup": round(base_s / ours_s, 1),
        "rows_per_s": round(rows / ours_s),
        "peak_rss_mb": round(_rss_mb(), 1),
        "ours_cpu_s": round(ours_cpu_s, 3),
        "rows_per_cpu_s": round(rows / ours_cpu_s),
        "target_rows_per_s": 1_000_000, "target_speedup": 10.0,
        "meets_target": bool(rows / ours_s >= 1_000_000 and base_s / ours_s >= 10),
        "notes": (f"{rows:,} records ({placed:,} at {len(places)} registered places), {len(ref):,} postcodes ({int((ref.households < 4).sum()):,} under "
                  f"4 households); baseline timed on {sample:,} records and extrapolated linearly "
                  f"({base_sample_s:.2f} s measured); ours includes loading the geography and "
                  "writing the output table; in-memory DuckDB, unencrypted; 1-minute load average "
                  f"{load:.1f} on {os.cpu_count()} CPUs during the run (other processes slow both sides)"),
    }] + run_controls(n_records)


# ---------------------------------------------------------------- publish_controls_5m (issue 13)
def _people(con, n: int) -> None:
    """``health_ae_assault`` records: ages, sexes, ethnicities, postcodes, dates, free text."""
    n_pc = con.execute("SELECT count(*) FROM ref_postcode").fetchone()[0]
    con.execute(f"""
    CREATE OR REPLACE TABLE people AS
    WITH g AS (SELECT i, CAST(hash(i) % 1000000007 AS BIGINT) AS h,
                      CAST(hash(i * 7919) % 1000000007 AS BIGINT) AS h2,
                      CAST(hash(i) % 1000000007 AS BIGINT) % {n_pc} AS pk FROM range({n}) r(i)),
    r AS (SELECT row_number() OVER () - 1 AS k, postcode, easting, northing FROM ref_postcode)
    SELECT 'NHS' || (g.i // 2) AS patient_ref, CAST(g.h % 90 + 1 AS VARCHAR) AS age,
           (['M', 'F'])[1 + g.h2 % 2] AS gender, (['W1', 'W1', 'W1', 'A1', 'B1', 'M1', 'O9'])[1 + g.h % 7] AS ethnicity,
           NULL::VARCHAR AS patient_address, r.postcode,
           (['assault', 'domestic', 'sexual'])[1 + g.h2 % 3] AS incident_type,
           DATE '2022-01-01' + CAST(g.h % 730 AS INTEGER) AS incident_date, NULL::TIME AS incident_time,
           (['street', 'home', 'pub'])[1 + g.h % 3] AS location_type,
           CASE WHEN g.h % 50 = 0 THEN 'outside ' || (g.h2 % 90 + 1) || ' High Street, seen by Mr Smith'
                ELSE 'High Street' END AS location,
           r.easting, r.northing, 'N' AS reported_to_police
    FROM g JOIN r ON r.k = g.pk
    """)


def _controls_run(con, geo, *, controls: bool) -> tuple[float, int, float]:
    from workbench import catalogue
    from workbench.privacy.depersonalise import depersonalise_dataset, placement_counts
    from workbench.privacy.quasi import protect_table

    ds = catalogue.get("health_ae_assault")
    t0, c0 = time.perf_counter(), time.process_time()
    rows = depersonalise_dataset(con, ds, "memory.main.people", "memory.main.people_out", geo, b"k" * 32,
                                 removed={} if controls else None, scrub_free_text=controls)
    if controls:
        placement_counts(con, ds, "memory.main.people", geo)
        protect_table(con, "memory.main.people_out", ds)
    return time.perf_counter() - t0, rows, time.process_time() - c0


def run_controls(n_records: int = N_RECORDS) -> list[dict]:
    """``publish_controls_5m``: person records through publish's transformer with the issue 13
    controls (free-text scrubber, placement report, k-anonymity/l-diversity generalisation and
    suppression) against today's depersonalisation before them (Appendix 1 and the address
    rule only) in the same process, on the same table. Target: <= 2x its time, >= 0.5M rows/s.
    """
    import duckdb

    from workbench.privacy.depersonalise import install_geography, load_geography

    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    _geography(con)
    _people(con, n_records)
    con.execute("ATTACH ':memory:' AS bench_hub")
    con.execute("CREATE TABLE bench_hub.main.ref_postcode AS SELECT * FROM memory.main.ref_postcode")
    con.execute("USE memory")
    geo = load_geography(con, "bench_hub")
    install_geography(con, geo)
    base_s, rows, base_cpu_s = _controls_run(con, geo, controls=False)
    ours_s, _, ours_cpu_s = _controls_run(con, geo, controls=True)
    level = con.execute("SELECT count(*) FROM people_out WHERE age IS NULL").fetchone()[0]
    load = os.getloadavg()[0]
    ratio = ours_s / base_s
    return [{
        "name": "publish_controls_5m" if n_records == N_RECORDS else f"publish_controls_{n_records}",
        "ours_s": round(ours_s, 3),
        "baseline": "today's depersonalise_dataset without the issue 13 controls, same table, same run",
        "baseline_s": round(base_s, 3),
        "ratio_to_baseline": round(ratio, 2),
        # CPU seconds of this process (DuckDB's threads included): the ratio other processes
        # on a shared machine disturb least
        "ours_cpu_s": round(ours_cpu_s, 3), "baseline_cpu_s": round(base_cpu_s, 3),
        "cpu_ratio_to_baseline": round(ours_cpu_s / base_cpu_s, 2),
        "rows_per_s": round(rows / ours_s),
        "peak_rss_mb": round(_rss_mb(), 1),
        "target_ratio": 2.0, "target_rows_per_s": 500_000,
        "meets_target": bool(ratio <= 2.0 and rows / ours_s >= 500_000),
        "notes": (f"{rows:,} health_ae_assault records; {level:,} with quasi-identifiers suppressed; "
                  f"1-minute load average {load:.1f} on {os.cpu_count()} CPUs during the run"),
    }]


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
