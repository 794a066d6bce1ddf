"""Fitness-for-purpose report (guidance 4.2.3) on hubs with planted quality problems."""

from __future__ import annotations

import pandas as pd

from hub_helpers import offence_row, write_csv
from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files, ingest_frame
from workbench.hub.quality import quality_report

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
          "LSOA code,LSOA name,Crime type,Last outcome category,Context")


def _report(hub, ds, **kw):
    con = open_hub(hub, read_only=True)
    try:
        return quality_report(con, ds, **kw)
    finally:
        con.close()


def test_out_of_area_points_are_counted_against_the_lsoa_polygons(empty_hub, tmp_path):
    square = "POLYGON((450000 330000, 460000 330000, 460000 340000, 450000 340000, 450000 330000))"
    ingest_frame(empty_hub, "ref_lsoa", pd.DataFrame([{"lsoa_code": "E01000001", "lsoa_name": "A",
                                                       "geometry": square, "population": 1500}]),
                 source_name="lsoa")
    rows = [offence_row("IN1", easting="455000", northing="335000"),
            offence_row("IN2", easting="459999", northing="339999"),
            offence_row("OUT1", easting="470000", northing="335000"),
            offence_row("OUT2", easting="455000", northing="300000"),
            offence_row("NOLOC", easting="", northing="", postcode="")]
    ingest_files(empty_hub, "police_crime_offence", [write_csv(tmp_path / "o.csv", rows)], quiet=True)
    rep = _report(empty_hub, "police_crime_offence")
    assert rep.accuracy["out_of_area"] == 2
    assert "1 LSOA polygons" in rep.accuracy["out_of_area_method"]
    assert rep.completeness["easting"] == 0.8
    assert any(w["code"] == "missing_location" and w["count"] == 1 for w in rep.supplies[0]["warnings"])


def test_missing_months_per_force_and_repeated_crime_ids(empty_hub, tmp_path):
    def f(name, month, force, ids):
        lines = [HEADER] + [f"{i},{month},{force},{force},-1.15,52.95,Park St,E01,N 1,Burglary,," for i in ids]
        p = tmp_path / name
        p.write_text("\n".join(lines) + "\n")
        return p
    files = [f("a.csv", "2024-01", "Force A", ["x1", "x1", "x2"]), f("b.csv", "2024-03", "Force A", ["y1"]),
             f("c.csv", "2024-01", "Force B", ["z1"]), f("d.csv", "2024-02", "Force B", ["z2"])]
    ingest_files(empty_hub, "police_uk_street", files, quiet=True)
    rep = _report(empty_hub, "police_uk_street")
    assert rep.coverage["missing_months"] == {"Force A": ["2024-02"], "Force B": []}
    assert rep.coverage["rows_by_month"]["Force A"] == {"2024-01": 3, "2024-03": 1}
    assert rep.accuracy["repeated_crime_ids"]["ids"] == 1 and rep.accuracy["repeated_crime_ids"]["rows"] == 2
    assert rep.precision["date_precision"].startswith("month only")


def test_precision_of_ages_and_coordinates_and_currency(empty_hub, tmp_path):
    victims = pd.DataFrame([
        {"crime_ref": "V1", "age": "34", "easting": 451000, "northing": 331000},
        {"crime_ref": "V2", "age": "18-24", "easting": 451234, "northing": 331567},
        {"crime_ref": "V3", "age": "over 65", "easting": 452000, "northing": 332000},
    ])
    meta = {"period_start": "2024-01-01", "period_end": "2024-01-31", "date_supplied": "2024-02-20"}
    ingest_frame(empty_hub, "police_crime_victim", victims, source_name="v", metadata=meta)
    rep = _report(empty_hub, "police_crime_victim")
    assert rep.precision["age_single_years"] == 1 and rep.precision["age_bands"] == 2
    assert rep.precision["coordinates_rounded_1km"] == 2
    lag = list(rep.currency["lag_days_by_supply"].values())[0]
    assert lag >= 0  # period end to the day it was ingested
    assert "supplier_name" in rep.supplies[0]["metadata_missing"]
    assert any("metadata missing" in c for c in rep.caveats)


def test_report_for_one_supply_includes_superseded_rows(empty_hub, tmp_path):
    ingest_files(empty_hub, "police_crime_offence",
                 [write_csv(tmp_path / "1.csv", [offence_row("A"), offence_row("B")])], quiet=True)
    ingest_files(empty_hub, "police_crime_offence",
                 [write_csv(tmp_path / "2.csv", [offence_row("A", offence_code="8N")])], quiet=True)
    assert _report(empty_hub, "police_crime_offence", supply_id=1).rows == 2
    assert _report(empty_hub, "police_crime_offence").rows == 2
    rep = _report(empty_hub, "police_crime_offence", supply_id=2)
    assert rep.rows == 1 and rep.scope == "supply 2"
    assert rep.to_dict()["supplies"][0]["rows_superseded"] == 1


def test_every_shared_dataset_of_the_demo_hub_has_a_report(demo_hub):
    """The shared tier drops ident columns and publishes personal datasets as counts only;
    the report must read what each tier holds."""
    import pytest

    from workbench.errors import BadInput
    from workbench.privacy.shared import open_shared_tier
    from workbench.hub.status import hub_status

    con = open_shared_tier(demo_hub)
    try:
        held = [d["id"] for d in hub_status(con)["datasets"]]
        assert "police_crime_victim" in held and "police_ppo" not in held
        for ds_id in held:
            rep = quality_report(con, ds_id)
            assert rep.rows >= 0 and "date_of_birth" not in rep.completeness
        with pytest.raises(BadInput, match="_counts"):
            quality_report(con, "police_ppo")
    finally:
        con.close()


# -- anomalous supply months (robust median/MAD score per dataset and category) --------
def _street_files(tmp_path, counts_by_type):
    """One police.uk street file per month with ``counts_by_type[type][k]`` rows in month k."""
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    files = []
    for k, month in enumerate(months):
        lines = [HEADER]
        for crime_type, counts in counts_by_type.items():
            asb = crime_type == "Anti-social behaviour"
            lines += [f"{'' if asb else f'{month}-{crime_type[:3]}{i}'},{month},Force A,Force A,-1.15,52.95,"
                      f"Park St,E01,N 1,{crime_type},," for i in range(counts[k])]
        p = tmp_path / f"{month}-street.csv"
        p.write_text("\n".join(lines) + "\n")
        files.append(p)
    return files


def test_a_month_of_100_asb_between_months_of_2000_is_flagged(empty_hub, tmp_path):
    """Planted truth: ASB ~2,000 a month except 100 in June; burglary steady: only ASB June flagged."""
    import numpy as np

    rng = np.random.default_rng(4)
    asb = rng.poisson(2000, 12)
    asb[5] = 100
    burglary = rng.poisson(150, 12)
    files = _street_files(tmp_path, {"Anti-social behaviour": asb, "Burglary": burglary})
    ingest_files(empty_hub, "police_uk_street", files, quiet=True)
    rep = _report(empty_hub, "police_uk_street")
    flagged = {(a["category"], a["month"]) for a in rep.coverage["anomalous_months"]}
    assert ("Anti-social behaviour", "2024-06") in flagged
    assert ("(all)", "2024-06") in flagged           # the dataset's own series dips too
    assert not any(c == "Burglary" for c, _ in flagged)
    assert {m for _, m in flagged} == {"2024-06"}
    june = next(a for a in rep.coverage["anomalous_months"] if a["category"] == "Anti-social behaviour")
    assert june["rows"] == 100 and june["direction"] == "low" and june["robust_z"] < -3.5
    assert june["category_column"] == "crime_type"
    text = rep.to_text()
    assert "2024-06  crime_type = Anti-social behaviour: 100 rows" in text
    assert any("anomalous month 2024-06 (crime_type = Anti-social behaviour)" in c for c in rep.caveats)
    import json
    assert json.loads(json.dumps(rep.to_dict()))["coverage"]["anomalous_months"]

    from workbench.dashboard_data.hubinfo import anomalous_months
    table = anomalous_months(rep.to_dict())
    assert {"crime_type = Anti-social behaviour", "all rows"} == set(table["category"])
    assert set(table["month"]) == {"2024-06"} and list(table.columns)[:3] == ["month", "category", "rows"]


def test_steady_poisson_series_flag_nothing():
    """No false alarms on pattern-free monthly counts (200 seeded series of 24 months)."""
    import numpy as np

    from workbench.hub.quality import anomalous_months

    rng = np.random.default_rng(11)
    alarms = 0
    for mean in (25, 200, 2000):
        for _ in range(200):
            series = {f"{2023 + k // 12}-{k % 12 + 1:02d}": int(v) for k, v in enumerate(rng.poisson(mean, 24))}
            alarms += len(anomalous_months(series))
    # |z| ≥ 3.5 is about 1 month in 2,000 under normal noise: ~7 of these 14,400 months (9 seen)
    assert alarms <= 14


def test_short_or_small_series_are_not_scored():
    from workbench.hub.quality import anomalous_months

    assert anomalous_months({"2024-01": 2000, "2024-02": 100, "2024-03": 2000}) == []
    assert anomalous_months({f"2024-{m:02d}": (0 if m == 6 else 5) for m in range(1, 13)}) == []


def test_police_records_on_the_first_of_each_month_are_measured_month_only(empty_hub, tmp_path):
    rows = [offence_row(f"M{i}", committed_from_date=f"2024-{i % 12 + 1:02d}-01", committed_from_time="", committed_to_date="", committed_to_time="")
            for i in range(40)]
    ingest_files(empty_hub, "police_crime_offence", [write_csv(tmp_path / "m.csv", rows)], quiet=True)
    rep = _report(empty_hub, "police_crime_offence")
    assert rep.precision["date_precision"] == "month"
    assert rep.precision["committed_from_date_on_first_of_month"] == 40
    assert rep.precision["committed_from_time_known_share"] == 0.0
