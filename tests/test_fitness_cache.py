"""The fitness gate's measurements are reused only while the data are unchanged (issue 12).

The gate must add at most 5% to a hypothesis run (``python -m bench.analysis_bench
fitness_gate``), so its measurements are kept; a kept figure must never outlive the data it
describes: a new supply to a real hub, in-place edits to a DataFrame and inserts into a table
carrying ``_supply_id`` all re-measure.
"""

from __future__ import annotations

import pandas as pd

from hub_helpers import offence_row, write_csv
from workbench.analysis import fitness
from workbench.analysis.fitness import Needs, data_version, measure
from workbench.analysis.hypotheses import DataSource, Period
from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files

JAN = Period.parse("2024-01-01:2024-01-31")
NEEDS = Needs(datasets=("police_crime_offence",), date="day", time_of_day="preferred", coordinates=True)


def _rows(prefix, n, **kw):
    return [offence_row(f"{prefix}{i}", committed_from_date=f"2024-01-{i % 28 + 1:02d}", **kw) for i in range(n)]


def test_a_new_supply_to_a_real_hub_is_measured_afresh(empty_hub, tmp_path):
    ingest_files(empty_hub, "police_crime_offence",
                 [write_csv(tmp_path / "1.csv", _rows("A", 40, committed_from_time=""))], quiet=True)
    con = open_hub(empty_hub)
    try:
        src = DataSource(con, "test hub")
        first = NEEDS.check(src, [JAN])
        assert first.measured["police_crime_offence"]["rows"] == 40
        assert first.uses["time_of_day"] is False  # no times in supply 1
        again = NEEDS.check(src, [JAN])
        assert again.measured == first.measured
        assert len(fitness._MEASURED[con]) == 1  # the second check was served from the kept figures
        con.close()
        # supply 2 supersedes A0..A39 with the same offences, now with times, and adds 20
        ingest_files(empty_hub, "police_crime_offence",
                     [write_csv(tmp_path / "2.csv", _rows("A", 60, committed_from_time="21:30"))], quiet=True)
        con = open_hub(empty_hub)
        src = DataSource(con, "test hub")
        after = NEEDS.check(src, [JAN])
        assert after.measured["police_crime_offence"]["rows"] == 60
        assert after.uses["time_of_day"] is True
    finally:
        con.close()


def test_a_supply_on_the_same_connection_changes_the_version():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE police_crime_offence AS SELECT 1 AS _supply_id, '2024-01-05' AS committed_from_date, "
                "CAST(NULL AS VARCHAR) AS committed_from_time, 450000 AS easting, 340000 AS northing "
                "FROM range(40)")
    src = DataSource(con)
    assert NEEDS.check(src, [JAN]).measured["police_crime_offence"]["time_known_share"] == 0.0
    v1 = data_version(src, "police_crime_offence")
    # a later supply supersedes every row (the hub's views drop superseded rows): same count
    con.execute("CREATE OR REPLACE TABLE police_crime_offence AS SELECT 2 AS _supply_id, '2024-01-05' AS "
                "committed_from_date, '21:30' AS committed_from_time, 450000 AS easting, 340000 AS northing "
                "FROM range(40)")
    assert data_version(src, "police_crime_offence") != v1
    assert NEEDS.check(src, [JAN]).measured["police_crime_offence"]["time_known_share"] == 1.0


def test_a_dataframe_edited_in_place_is_measured_afresh():
    f = pd.DataFrame({"committed_from_date": ["2024-01-05"] * 40, "committed_from_time": [None] * 40,
                      "easting": [450000] * 40, "northing": [340000] * 40})
    src = DataSource({"police_crime_offence": f})
    assert NEEDS.check(src, [JAN]).uses["time_of_day"] is False
    f.loc[:, "committed_from_time"] = "21:30"  # same object, same length, new values
    assert NEEDS.check(src, [JAN]).uses["time_of_day"] is True
    f.loc[:, "committed_from_date"] = "2024-01-01"
    assert not NEEDS.check(src, [JAN]).ok  # now month-only


def test_a_table_without_supply_ids_is_measured_every_time():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE police_crime_offence AS SELECT '2024-01-05' AS committed_from_date FROM range(40)")
    src = DataSource(con)
    assert data_version(src, "police_crime_offence") is None
    assert measure(src, "police_crime_offence", [JAN], date_column="committed_from_date")["rows"] == 40
    con.execute("UPDATE police_crime_offence SET committed_from_date = '2024-02-05' WHERE rowid < 10")
    assert measure(src, "police_crime_offence", [JAN], date_column="committed_from_date")["rows"] == 30
    assert con not in fitness._MEASURED or not fitness._MEASURED[con]


def test_kept_figures_cannot_be_changed_by_the_caller():
    f = pd.DataFrame({"committed_from_date": ["2024-01-05"] * 40})
    src = DataSource({"police_crime_offence": f})
    m = measure(src, "police_crime_offence", [JAN], date_column="committed_from_date")
    m["rows"] = -1
    m["rows_by_month"]["2024-01"] = -1
    again = measure(src, "police_crime_offence", [JAN], date_column="committed_from_date")
    assert again["rows"] == 40 and again["rows_by_month"]["2024-01"] == 40
