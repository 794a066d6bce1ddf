"""Free text to the shared tier: planted personal details never arrive, the checker catches them.

Known values for each detector kind; then every free-text column of every depersonalised
dataset gets a planted name, date of birth, phone number, e-mail, NI number, vehicle
registration, full postcode and house number: none reaches the tier, and when the scrubber is
bypassed (the raw text written in) the independent checker names the column.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from workbench import catalogue
from workbench.privacy import checker
from workbench.privacy.depersonalise import depersonalise_dataset, geography_from_frame, install_geography
from workbench.privacy.scrub import KINDS, scrub_sql

PLANTED = ("seen by Mr Smith and John Brown, DOB 15/06/1990, tel 0115 496 0123, jo.b@example.org, "
           "NI JK 12 34 56 C, car AB12 CDE, lives NG1 5AW at 12 Acacia Avenue")
DETAILS = ("Smith", "John Brown", "15/06/1990", "0115 496 0123", "jo.b@example.org", "JK 12 34 56 C",
           "AB12 CDE", "NG1 5AW", "12 Acacia")


@pytest.mark.parametrize("text,expected", [
    ("Mrs J. Brown called", "[name] called"),
    ("born 3rd March 1987", "born [dob]"),
    ("on 1987-03-03", "on [dob]"),
    ("ring 07700 900123 or +44 115 496 0000", "ring [phone] or [phone]"),
    ("mail a.b@c.co.uk", "mail [email]"),
    ("NI AB123456C", "NI [ni]"),
    ("reg ab12cde and A123 BCD", "reg [vehicle] and [vehicle]"),
    ("a man named Darren", "a man [name]"),
    ("rear door forced", "rear door forced"),
    ("2 bikes and a phone", "2 bikes and a phone"),
    ("Flat 3 window at NG1 5AW", "window at NG1"),
])
def test_scrub_known_values(text, expected):
    assert duckdb.sql(f"SELECT {scrub_sql(repr(text))}").fetchone()[0] == expected


def _free_text_datasets():
    out = []
    for d in catalogue.DATASETS:
        if d.klass != "D" or d.id == "police_uk_street" or d.id.startswith("health_admission_"):
            continue
        cols = [c.name for c in d.columns if c.kind == "text" and not (c.ident and c.name != "location")]
        if cols:
            out.append((d.id, cols))
    return out


REF = pd.DataFrame({"postcode": ["NG1 5AW", "NG1 5AX"], "easting": [0.0, 100.0], "northing": [0.0, 0.0],
                    "households": [10, 12]})


@pytest.mark.parametrize("ds_id,cols", _free_text_datasets(), ids=[d for d, _ in _free_text_datasets()])
def test_planted_details_never_reach_the_tier_and_the_checker_catches_a_bypass(ds_id, cols):
    ds = catalogue.get(ds_id)
    frame = pd.DataFrame({c.name: [None] * 3 for c in ds.columns})
    for c in cols:
        frame[c] = [PLANTED, PLANTED.upper().replace("MR SMITH", "Mr Smith"), None]
    for c in ("easting", "northing"):
        if c in frame:
            frame[c] = frame[c].astype(float)
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS hub")
    con.execute("ATTACH ':memory:' AS shared")
    con.register("ref_df", REF)
    con.execute("CREATE TABLE hub.main.ref_postcode AS SELECT * FROM ref_df")
    con.register("src_df", frame)
    con.execute(f"CREATE TABLE hub.main.{ds_id} AS SELECT * FROM src_df")
    geo = geography_from_frame(REF)
    install_geography(con, geo)
    removed: dict = {}
    depersonalise_dataset(con, ds, f"hub.main.{ds_id}", f"shared.main.{ds_id}", geo, b"k" * 32, removed=removed)
    out = con.execute(f"SELECT {', '.join(cols)} FROM shared.main.{ds_id}").fetchall()
    text = " ".join(str(v) for row in out for v in row if v is not None)
    for detail in DETAILS:
        if detail == "John Brown" and all(c == "location" or c.endswith("address") for c in cols):
            continue   # names are left in address columns (streets named after people)
        assert detail.lower() not in text.lower(), (ds_id, detail, text)
    free = [c for c in cols if not (c == "location" or c.endswith("address"))]
    if free:
        assert removed.get("name") and removed.get("phone") and removed.get("dob")
        assert set(removed) <= set(KINDS)
    report = checker.check_tier(con, "shared", "hub", k_anonymity=2, l_diversity=1)
    assert not [f for f in report.findings if f.rule == "personal-detail"], report.to_dict()
    # bypass the scrubber: the raw text written straight into the tier
    for c in cols:
        con.execute(f"UPDATE shared.main.{ds_id} SET {c} = ?", [PLANTED])
    found = {f.column for f in checker.check_tier(con, "shared", "hub").findings if f.rule == "personal-detail"}
    assert found == set(cols)
    # and the finding never repeats the detail itself
    for f in checker.check_tier(con, "shared", "hub").findings:
        if f.rule == "personal-detail":
            assert not any(d in str(f.examples) for d in DETAILS)


def test_publish_reports_what_was_removed_never_the_values(tmp_path):
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish

    from privacy_hub import ref_postcode_frame, synthetic_postcodes

    hub = init_hub(tmp_path / "hub.duckdb")
    pcs = synthetic_postcodes()
    ingest_frame(hub, "ref_postcode", ref_postcode_frame(pcs), source_name="ref_postcode")
    pc = pcs[pcs.households >= 4].postcode.iloc[0]
    ingest_frame(hub, "police_crime_offence", pd.DataFrame({
        "crime_ref": ["C1", "C2", "C3"], "offence_code": ["28E"] * 3, "committed_from_date": ["2024-01-02"] * 3,
        "postcode": [pc] * 3, "method_of_entry": [PLANTED, "rear door", "front door"]}), source_name="off")
    ingest_frame(hub, "survey_response", pd.DataFrame({
        "survey": ["place"], "period": ["2024"], "question": ["Comments"],
        "response": ["call Sarah Jones on 07700 900123"], "count": ["1"]}), source_name="survey")
    res = publish(hub)
    text = res.to_text()
    assert "Personal details removed from free text" in text
    off = next(t for t in res.tables if t["table"] == "police_crime_offence")
    assert off["removed"]["phone"] == 1 and off["removed"]["name"] == 1
    survey = next(t for t in res.tables if t["table"] == "survey_response")
    assert survey["removed"] == {"name": 1, "phone": 1}
    assert not any(d in text or d in str(res.to_dict()) for d in DETAILS + ("Sarah Jones", "07700 900123"))
