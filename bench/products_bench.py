"""Product data benchmarks (issue 5): strategic and tactical summaries on 2M synthetic crimes.

An in-memory DuckDB source holds ``ROWS`` synthetic ``police_crime_offence`` records and
``ROWS // 4`` ``council_asb`` records over three years (coordinates in a 10 km square).

- ``products_strategic_summary``: :func:`workbench.products.strategic.strategic_summary`
  (monthly counts, covered months, change tests, 36-month trends, priority matrix, PESTELO).
  Baseline: the pandas route to the monthly counts alone — read the date column of each
  table into pandas and count per month with ``groupby`` (less work than ours).
- ``products_tactical_summary``: :func:`workbench.products.tactical.tactical_summary`
  (exceedance, 250 m hotspot cells current vs a 52-week baseline, repeat locations).
  Baseline: the pandas route to the hotspot cells alone — read a year and four weeks of
  dates and coordinates into pandas and count per cell and period with ``groupby``.
"""

from __future__ import annotations

import time

import duckdb

from bench.common import record

ROWS = 2_000_000


def build_source(rows: int = ROWS):
    con = duckdb.connect()
    con.execute("SELECT setseed(0.5)")
    con.execute(f"""
        CREATE TABLE police_crime_offence AS
        SELECT 'CR' || i AS crime_ref, '105A' AS offence_code, 'Assault without injury' AS offence_type,
               DATE '2022-01-01' + CAST(floor(random() * 1096) AS INTEGER) AS committed_from_date,
               TIME '00:00:00' + INTERVAL (CAST(floor(random() * 86400) AS INTEGER)) SECOND AS committed_from_time,
               'Street ' || CAST(floor(random() * 5000) AS INTEGER) AS location,
               450000 + random() * 10000 AS easting, 335000 + random() * 10000 AS northing
        FROM range({rows}) t(i)""")
    con.execute(f"""
        CREATE TABLE council_asb AS
        SELECT 'ASB' || i AS incident_ref, 'noise' AS incident_type,
               DATE '2022-01-01' + CAST(floor(random() * 1096) AS INTEGER) AS incident_date,
               'Road ' || CAST(floor(random() * 2000) AS INTEGER) AS location,
               450000 + random() * 10000 AS easting, 335000 + random() * 10000 AS northing
        FROM range({rows // 4}) t(i)""")
    return con


def _pandas_monthly(con):
    out = {}
    for table, col in (("police_crime_offence", "committed_from_date"), ("council_asb", "incident_date")):
        df = con.execute(f"SELECT {col} AS d FROM {table}").df()
        out[table] = df.groupby(df["d"].dt.to_period("M")).size()
    return out


def _pandas_cells(con, cur, base):
    out = {}
    for table, col in (("police_crime_offence", "committed_from_date"), ("council_asb", "incident_date")):
        df = con.execute(f"SELECT {col} AS d, easting, northing FROM {table} WHERE {col} BETWEEN ? AND ?",
                         [base[0], cur[1]]).df()
        period = (df["d"] >= str(cur[0])).map({True: "current", False: "baseline"})
        out[table] = df.groupby([period, (df["easting"] // 250).astype(int),
                                 (df["northing"] // 250).astype(int)]).size()
    return out


def run() -> list[dict]:
    from workbench.products.strategic import strategic_summary
    from workbench.products.tactical import tactical_summary

    con = build_source()
    rows = ROWS + ROWS // 4
    strategic_summary(con, targets={})  # warm-up
    t = time.perf_counter()
    s = strategic_summary(con, targets={})
    ours = time.perf_counter() - t
    t = time.perf_counter()
    _pandas_monthly(con)
    base = time.perf_counter() - t
    results = [record("products_strategic_summary", ours, "pandas monthly groupby (counts only)", base, rows,
                      notes=f"{len(s.facts)} issues, 36-month trends, priority matrix; ours does more work "
                            "than the baseline")]
    t = time.perf_counter()
    ta = tactical_summary(con, weeks=4)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    _pandas_cells(con, ta.current, ta.baseline)
    base = time.perf_counter() - t
    results.append(record("products_tactical_summary", ours, "pandas cell groupby (hotspot cells only)", base,
                          rows, notes=f"{len(ta.exceedance)} issues, {len(ta.hotspots)} hotspot cells, "
                                      "repeat locations; ours does more work than the baseline"))
    con.close()
    return results


if __name__ == "__main__":
    import json

    for r in run():
        print(json.dumps(r))
