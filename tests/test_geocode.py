"""Address geocoding against a gazetteer (issue 16): the matcher on planted truth, and at ingest."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.demo.gazetteer import planted
from workbench.geo.geocode import Gazetteer, match_report
from workbench.hub.ingest import ingest_files


def test_planted_truth_exact_rate_and_no_false_match():
    gaz, rec = planted(n_addresses=20_000, n_records=40_000, seed=11)
    res = Gazetteer(gaz).match(rec["address"], rec["postcode"])
    known = rec["true_uprn"].notna()
    right = res["uprn"].eq(rec["true_uprn"])
    assert (right & known).sum() / known.sum() >= 0.98
    assert not (res["uprn"].notna() & ~right).any()          # no false match is ever accepted
    typo_methods = res.loc[rec["typo"] & known & right, "method"]      # short words are left as they are
    assert set(typo_methods) <= {"exact", "fuzzy"} and (typo_methods == "fuzzy").mean() > 0.8
    assert (res.loc[~known, "method"] != "exact").all()
    rep = match_report(res, rec["address"])
    assert rep["records"] == 40_000 and sum(rep["by_method"].values()) == 40_000
    assert not any(ch.isdigit() for ex in rep["unmatched_examples"] for ch in ex)  # no house numbers


def test_house_number_never_matches_another_number():
    gaz = pd.DataFrame({"uprn": ["1", "2"], "address": ["14 Acacia Avenue", "41 Acacia Avenue"],
                        "postcode": ["NG2 4AB", "NG2 4AB"], "easting": [1.0, 2.0], "northing": [1.0, 2.0]})
    res = Gazetteer(gaz).match(pd.Series(["15 Acacia Avenue NG2 4AB", "41 Acacia Av"]))
    assert list(res["method"]) == ["street", "exact"] and res["uprn"].iloc[0] is None


def _asb_csv(path, rows):
    from hub_helpers import write_csv
    from workbench import catalogue

    cols = catalogue.get("council_asb").canonical_columns
    return write_csv(path, [{c: r.get(c, "") for c in cols} for r in rows], cols)


def _gazetteer_csv(path):
    gaz = pd.DataFrame({
        "uprn": ["100", "101", "102", "103"],
        "address": ["14 Acacia Avenue, Sneinton", "16 Acacia Avenue, Sneinton", "3 Mill Road, Radford",
                    "5 Mill Road, Radford"],
        "street": ["Acacia Avenue", "Acacia Avenue", "Mill Road", "Mill Road"],
        "town": ["Sneinton", "Sneinton", "Radford", "Radford"],
        "postcode": ["NG2 4AB", "NG2 4AB", "NG7 1AB", "NG7 1AB"],
        "easting": [458100.0, 458110.0, 455200.0, 455210.0],
        "northing": [339900.0, 339905.0, 340700.0, 340705.0]})
    gaz.to_csv(path, index=False)
    return path


def test_address_only_supply_is_geocoded_at_ingest(empty_hub, tmp_path):
    from workbench.hub.connect import open_hub

    ingest_files(empty_hub, "ref_gazetteer", [_gazetteer_csv(tmp_path / "llpg.csv")], quiet=True)
    asb = _asb_csv(tmp_path / "asb.csv", [
        {"incident_ref": "A1", "incident_type": "Noise", "incident_date": "2024-03-01", "location": "14 acacia ave, sneinton"},
        {"incident_ref": "A2", "incident_type": "Noise", "incident_date": "2024-03-02", "location": "16 Acacea Avenue"},
        {"incident_ref": "A3", "incident_type": "Litter", "incident_date": "2024-03-03", "location": "99 Mill Rd"},
        {"incident_ref": "A4", "incident_type": "Litter", "incident_date": "2024-03-04", "location": "Somewhere Else Lane"}])
    res = ingest_files(empty_hub, "council_asb", [asb], quiet=True)
    assert res.geocoding["by_method"] == {"exact": 1, "fuzzy": 1, "street": 1, "place": 0, "postcode": 0, "unmatched": 1}
    codes = {w["code"]: w for w in res.warnings}
    assert codes["geocoded:exact"]["count"] == 1 and codes["geocode_unmatched"]["count"] == 1
    assert "SOMEWHERE ELSE LANE" in codes["geocode_unmatched"]["description"]
    con = open_hub(empty_hub, read_only=True)
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT incident_ref, postcode, easting, northing FROM main.council_asb").fetchall()}
    con.close()
    assert rows["A1"] == ("NG2 4AB", 458100.0, 339900.0)
    assert rows["A2"] == ("NG2 4AB", 458110.0, 339905.0)
    assert rows["A3"] == ("NG7 1AB", pytest.approx(455205.0), pytest.approx(340702.5))
    assert rows["A4"] == (None, None, None)


def test_a_records_own_coordinates_win_and_the_gazetteer_is_never_published(empty_hub, tmp_path):
    from workbench.privacy.publication import publication

    ingest_files(empty_hub, "ref_gazetteer", [_gazetteer_csv(tmp_path / "llpg.csv")], quiet=True)
    asb = _asb_csv(tmp_path / "asb.csv", [{"incident_ref": "B1", "incident_type": "Noise", "incident_date": "2024-03-01",
                                            "location": "14 Acacia Avenue", "easting": "450000", "northing": "330000"}])
    res = ingest_files(empty_hub, "council_asb", [asb], quiet=True)
    assert res.geocoding is None
    assert publication("ref_gazetteer").mode == "master"


def _premises_csv(path):
    from hub_helpers import write_csv
    from workbench import catalogue

    cols = catalogue.get("ref_licensed_premises").canonical_columns
    rows = [{"premises_ref": "P1", "premises_name": "Rose and Crown", "address": "1 Market Street",
             "postcode": "NG1 6AB", "easting": "457000", "northing": "340000", "licence_type": "Premises Licence"},
            {"premises_ref": "P2", "premises_name": "The Bell Inn", "address": "18 Angel Row",
             "postcode": "NG1 6AD", "easting": "457300", "northing": "340100", "licence_type": "Premises Licence"}]
    return write_csv(path, [{c: r.get(c, "") for c in cols} for r in rows], cols)


def test_ecds_istv_extract_ingests_assaults_and_geocodes_free_text(empty_hub, tmp_path):
    """An ECDS-style A&E extract: only assaults are staged, identifying columns are never read,
    and free-text assault locations are placed by the gazetteer or a named licensed premises."""
    from workbench.hub.connect import open_hub

    ingest_files(empty_hub, "ref_gazetteer", [_gazetteer_csv(tmp_path / "llpg.csv")], quiet=True)
    ingest_files(empty_hub, "ref_licensed_premises", [_premises_csv(tmp_path / "prem.csv")], quiet=True)
    ecds = tmp_path / "ecds_2024_03.csv"
    ecds.write_text(
        "EMERGENCY CARE ATTENDANCE IDENTIFIER,NHS NUMBER,EMERGENCY CARE ARRIVAL DATE,EMERGENCY CARE ARRIVAL TIME,"
        "INJURY DATE,INJURY TIME,INJURY INTENT,INJURY MECHANISM,INJURY PLACE TYPE,ASSAULT LOCATION DESCRIPTION,"
        "AGE AT CDS ACTIVITY DATE,PERSON STATED GENDER CODE,ETHNIC CATEGORY,POSTCODE OF USUAL ADDRESS\n"
        "ED001,9434765919,20240302,0135,20240302,0050,Alleged assault,Knife or blade,Licensed premises - outside,"
        "outside the rose & crown,24,1,A,NG5 1AA\n"
        "ED002,9434765870,20240302,0210,,,Unintentional,Fall,Home,,81,2,A,NG5 1AB\n"
        "ED003,9434765888,20240303,2330,20240303,2300,Alleged assault,Blunt,Street,\"16 Acacia Ave, Sneinton\","
        "31,1,B,NG7 2AA\n")
    res = ingest_files(empty_hub, "health_ae_assault", [ecds], quiet=True)
    assert res.adapter == "ecds_istv" and res.rows == 2
    assert res.geocoding["by_method"]["place"] == 1 and res.geocoding["by_method"]["exact"] == 1
    con = open_hub(empty_hub, read_only=True)
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT patient_ref, incident_type, incident_date, incident_time, location_type, postcode, easting, "
        "northing, patient_address FROM main.health_ae_assault").fetchall()}
    con.close()
    from datetime import date, time
    assert rows["ED001"][:4] == ("assault - knife or blade", date(2024, 3, 2), time(0, 50), "outside licensed premise")
    assert rows["ED001"][4:7] == ("NG1 6AB", 457000.0, 340000.0)      # the premises, not the patient's home
    assert rows["ED003"][4:7] == ("NG2 4AB", 458110.0, 339905.0)
    assert all(r[7] is None for r in rows.values())                   # no home address is ever read
