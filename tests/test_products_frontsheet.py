"""The front sheet lists each data source once, with its supplies summarised (guidance 3.4)."""

from __future__ import annotations

import json

import duckdb

from workbench.products.frontsheet import data_sources


def test_each_dataset_is_listed_once_with_its_supplies_summarised():
    con = duckdb.connect()
    con.execute("CREATE TABLE supplies (dataset VARCHAR, agency VARCHAR, supplied_at TIMESTAMP, "
                "period_start DATE, period_end DATE, rows BIGINT, metadata JSON, "
                "metadata_missing JSON, warnings JSON)")
    for month, rows in (("01", 10), ("02", 12)):
        con.execute("INSERT INTO supplies VALUES ('police_crime_offence', 'Notts Police', ?, ?, ?, ?, ?, "
                    "'[]', '[]')", [f"2024-{month}-28 09:00", f"2024-{month}-01", f"2024-{month}-28",
                                    rows, json.dumps({"caveats": "times estimated"})])
    sources = data_sources(con, ["police_crime_offence", "health_ae_assault", "police_crime_offence"])
    assert [s.dataset for s in sources] == ["police_crime_offence", "health_ae_assault"]
    crime = sources[0]
    assert crime.supplies == 2 and crime.rows == 22
    assert (crime.period_start, crime.period_end) == ("2024-01-01", "2024-02-28")
    assert sum("times estimated" in c for c in crime.caveats) == 1
    assert "provenance unknown" in sources[1].caveats[0]
