"""A process killed mid-ingest leaves the hub consistent (SIGKILL from a subprocess)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files


def _big_supply(path, n):
    import duckdb

    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'K' || i AS crime_ref, '105A' AS offence_code, 'Assault' AS offence_type,
        '2024-01-05' AS committed_from_date, '22:30' AS committed_from_time,
        '2024-01-05' AS committed_to_date, '23:00' AS committed_to_time, 'Market Square' AS location,
        'NG1 2DT' AS postcode, CAST(450000 + i % 10000 AS VARCHAR) AS easting, '340000' AS northing,
        '' AS method_of_entry, '' AS property_stolen, '' AS weapon, 'N' AS flag_distraction_burglary,
        'N' AS flag_drugs, 'Y' AS flag_alcohol, 'N' AS flag_racial, 'N' AS flag_domestic
        FROM range({n}) t(i)) TO '{path}' (HEADER)""")
    con.close()


def _consistent(hub):
    con = open_hub(hub, read_only=True)
    try:
        sup = con.execute("SELECT coalesce(sum(rows), 0), count(*) FROM supplies "
                          "WHERE dataset = 'police_crime_offence'").fetchone()
        arch = con.execute("SELECT count(*) FROM archive.police_crime_offence").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM archive.police_crime_offence a WHERE NOT EXISTS "
                              "(SELECT 1 FROM supplies s WHERE s.supply_id = a._supply_id)").fetchone()[0]
    finally:
        con.close()
    return sup, arch, orphans


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.8, 1.6, 2.6])
def test_sigkill_mid_ingest_leaves_hub_consistent(empty_hub, tmp_path, delay):
    big = tmp_path / "big.csv"
    _big_supply(big, 1_500_000)
    small = tmp_path / "small.csv"
    _big_supply(small, 10)
    ingest_files(empty_hub, "police_crime_offence", [small], quiet=True)
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "hub", "ingest", "--hub", str(empty_hub),
                             "--dataset", "police_crime_offence", "--quiet", str(big)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(delay)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (rows, supplies), arch, orphans = _consistent(empty_hub)
    assert orphans == 0
    assert arch == rows  # every archived row belongs to a recorded supply, and vice versa
    assert supplies in (1, 2)
    # the hub still works: the supply can be (re)ingested to completion
    res = ingest_files(empty_hub, "police_crime_offence", [big], quiet=True)
    (rows, supplies), arch, orphans = _consistent(empty_hub)
    assert supplies == 2 and arch == rows and orphans == 0
    assert res.skipped or res.rows == 1_500_000
