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


def test_a_product_built_from_the_shared_tier_never_opens_the_master_hub(tmp_path, monkeypatch):
    """The front sheet's supply log is the sanitised ``supplies`` table publish writes into the
    shared tier (guidance 3.4): with the master hub gone and ``open_hub`` refusing, a product
    still lists its sources with their supplies, and the supplier's contact is not there."""
    import datetime as dt

    import pandas as pd

    from workbench.hub import connect
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish
    from workbench.products.context import product_context

    hub = init_hub(tmp_path / "hub.duckdb")
    street = pd.DataFrame({"crime_id": ["a", "b"], "month": ["2024-01", "2024-03"],
                           "falls_within": "Nottinghamshire Police", "longitude": -1.15, "latitude": 52.95,
                           "location": "On or near High Street", "lsoa_code": "E01013814",
                           "lsoa_name": "Nottingham 039A", "crime_type": "Burglary",
                           "last_outcome_category": "Under investigation"})
    ingest_frame(hub, "police_uk_street", street, source_name="street.csv", agency="Notts Police",
                 metadata={"agency": "Notts Police", "supplier_contact": "jo@police.test",
                           "caveats": "Locations are approximate"})
    postcodes = pd.DataFrame({"postcode": [f"NG1 5A{c}" for c in "ABDEFGHJLN"],
                              "easting": [457000.0 + 50 * i for i in range(10)], "northing": 340000.0,
                              "latitude": 52.95, "longitude": -1.15, "households": 8})
    ingest_frame(hub, "ref_postcode", postcodes, source_name="codepoint")
    publish(hub)
    hub.rename(tmp_path / "hub.moved")                      # the master hub is absent

    def refuse(*args, **kwargs):
        raise AssertionError("a product opened the master hub")

    monkeypatch.setattr(connect, "open_hub", refuse)
    ctx = product_context("tactical-assessment", hub)
    try:
        log = ctx.source.execute("SELECT * FROM supplies").df()
        sheet = ctx.front_sheet(["police_uk_street"], as_of=dt.date(2024, 3, 31))
    finally:
        ctx.source.close()
    assert not (tmp_path / "hub.duckdb").exists()
    src = sheet.sources[0]
    assert (src.dataset, src.agency, src.supplies, src.rows) == ("police_uk_street", "Notts Police", 1, 2)
    assert "Supplier's caveat: Locations are approximate" in src.caveats
    assert "jo@police.test" not in log.to_csv()                  # publish left the contact out
    assert not {"supplier_name", "supplier_contact", "supplied_by", "files"} & set(log.columns)

    # a source with no supplies log: provenance unknown, and still no look at the master hub
    (tmp_path / "hub.moved").rename(hub)
    bare = duckdb.connect()
    bare.execute("CREATE TABLE police_uk_street AS SELECT '2024-01' AS month")
    sheet = product_context("tactical-assessment", hub, source=bare).front_sheet(
        ["police_uk_street"], as_of=dt.date(2024, 3, 31))
    assert sheet.sources[0].supplies == 0
    assert "No supply record found for this dataset: provenance unknown." in sheet.sources[0].caveats
