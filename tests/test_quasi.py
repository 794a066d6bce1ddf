"""Quasi-identifier control (k-anonymity, l-diversity) and the re-identification harness.

Planted truth: a health A&E table of ordinary people in a few postcodes plus three planted
people nobody shares a postcode/age/sex/ethnicity with. Without quasi-identifier control the
lookup attack narrows each planted person to one record; with it nobody is below k, the
checker measures k and l on the tier, and refuses a tier where a planted person is restored.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from workbench import catalogue
from workbench.errors import BadInput
from workbench.hub.connect import open_hub
from workbench.privacy import checker
from workbench.privacy.depersonalise import depersonalise_dataset, install_geography, load_geography
from workbench.privacy.quasi import age_band_sql, date_sql, ethnicity_sql, protect_table, validate_kl
from workbench.privacy.reidentify import assert_no_record_below_k, reidentify

from privacy_hub import ref_postcode_frame, synthetic_postcodes

PLANTED = [("X1", "97", "F", "A2"), ("X2", "4", "M", "O9"), ("X3", "61", "F", "B1")]


@pytest.mark.parametrize("age,level,band", [
    ("0", 0, "0-4"), ("84", 0, "80-84"), ("85", 0, "85+"), ("17", 1, "0-17"), ("18", 1, "18-24"),
    ("25", 1, "25-34"), ("64", 1, "55-64"), ("65", 1, "65+"), ("34", 2, "18-34"), ("35", 2, "35-64"),
    ("", 0, None), ("18-24", 2, "18-24"), ("-3", 0, None)])
def test_age_bands(age, level, band):
    assert duckdb.sql(f"SELECT {age_band_sql(repr(age), level)}").fetchone()[0] == band


def test_dates_and_ethnicity_generalise():
    day, code = "DATE '2024-05-17'", "'W1'"
    assert str(duckdb.sql(f"SELECT {date_sql(day, 1)}").fetchone()[0]) == "2024-04-01"
    assert duckdb.sql(f"SELECT {ethnicity_sql(code, 1)}, {ethnicity_sql(code, 0)}").fetchone() == ("W", "W1")


def test_k_and_l_are_validated():
    with pytest.raises(BadInput, match="k_anonymity"):
        validate_kl(1, 2)
    with pytest.raises(BadInput, match="l_diversity"):
        validate_kl(5, 0)


def _ae(pcs: pd.DataFrame, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(13)
    qual = pcs[pcs.households >= 4].reset_index(drop=True)
    rows = []
    for i in range(n):
        p = qual.iloc[rng.integers(len(qual))]
        rows.append({"patient_ref": f"P{i:05d}", "age": str(20 + rng.integers(0, 20)),
                     "gender": "MF"[i % 2], "ethnicity": "W1", "postcode": p.postcode,
                     "incident_type": ["assault", "domestic"][rng.integers(2)],
                     "incident_date": f"2024-0{1 + i % 6}-1{i % 9}", "easting": p.easting,
                     "northing": p.northing})
    for j, (ref, age, sex, eth) in enumerate(PLANTED):
        p = qual.iloc[j]
        rows.append({"patient_ref": ref, "age": age, "gender": sex, "ethnicity": eth, "postcode": p.postcode,
                     "incident_type": "assault", "incident_date": "2024-03-03", "easting": p.easting,
                     "northing": p.northing})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub

    hub = init_hub(tmp_path_factory.mktemp("quasi") / "hub.duckdb")
    pcs = synthetic_postcodes()
    ingest_frame(hub, "ref_postcode", ref_postcode_frame(pcs), source_name="ref_postcode")
    ingest_frame(hub, "health_ae_assault", _ae(pcs), source_name="ae")
    return hub


def _depersonalised_only(hub):
    con = open_hub(hub)
    con.execute("ATTACH ':memory:' AS shared")
    geo = load_geography(con)
    install_geography(con, geo)
    ds = catalogue.get("health_ae_assault")
    depersonalise_dataset(con, ds, "hub.main.health_ae_assault", "shared.main.health_ae_assault", geo, b"k" * 32)
    return con, ds


def test_harness_finds_the_planted_people_without_control_and_none_with_it(hub):
    con, ds = _depersonalised_only(hub)
    try:
        found = reidentify(con, "health_ae_assault")
        assert found.attributes == ["postcode", "age", "gender", "ethnicity"]
        assert found.unique >= len(PLANTED)               # the attack works on Appendix 1 alone
        with pytest.raises(AssertionError, match="health_ae_assault"):
            assert_no_record_below_k(con)
        raw = con.execute("SELECT * FROM shared.main.health_ae_assault").df()
        res = protect_table(con, "shared.main.health_ae_assault", ds, k=5, l=2)
        assert res.suppressed >= len(PLANTED) and res.suppressed <= 0.05 * res.rows
        assert_no_record_below_k(con)                     # nobody below k now
        assert checker.check_tier(con, "shared", "hub").ok
        # the checker measures k on the tier: restore the planted people and it refuses
        con.register("raw_df", raw[raw.age.isin(["97", "4", "61"])])
        con.execute("INSERT INTO shared.main.health_ae_assault BY NAME SELECT * FROM raw_df")
        rules = {f.rule for f in checker.check_tier(con, "shared", "hub").findings}
        assert "k-anonymity" in rules
        # and l: a combination of five with one sensitive value
        con.execute("DELETE FROM shared.main.health_ae_assault WHERE age IN ('97', '4', '61')")
        five = raw[~raw.age.isin(["97", "4", "61"])].head(5).assign(
            age="77", gender="F", ethnicity="W1", incident_type="assault", postcode=raw.postcode.iloc[0],
            easting=raw.easting.iloc[0], northing=raw.northing.iloc[0], incident_date=raw.incident_date.iloc[0])
        con.register("five_df", five)
        con.execute("INSERT INTO shared.main.health_ae_assault BY NAME SELECT * FROM five_df")
        report = checker.check_tier(con, "shared", "hub")
        assert {f.rule for f in report.findings} == {"l-diversity"}, report.to_dict()
        assert checker.check_tier(con, "shared", "hub", l_diversity=1).ok
    finally:
        con.close()


def test_publish_applies_k_and_l_and_reports_them(hub):
    from workbench.privacy.publish import publish

    res = publish(hub)
    t = next(t for t in res.tables if t["table"] == "health_ae_assault")
    assert t["quasi"]["k"] == 5 and t["quasi"]["l"] == 2 and t["quasi"]["suppressed"] >= 3
    assert "quasi-identifiers at level" in res.to_text()
    results = assert_no_record_below_k(hub, k=5)
    assert [(r.table, r.people) for r in results if r.people] == [("health_ae_assault", 403)]
    stricter = publish(hub, k_anonymity=10, l_diversity=2)
    assert next(t for t in stricter.tables if t["table"] == "health_ae_assault")["quasi"]["k"] == 10
    assert_no_record_below_k(hub, k=10)


@pytest.mark.slow
def test_demo_tier_has_nobody_below_k(demo_hub):
    results = assert_no_record_below_k(demo_hub, k=5)
    assert {r.table for r in results} >= {"drug_treatment_adult", "police_crime_victim"}
    assert all(r.people for r in results)
