"""The independent checker: a separate code path that catches every disclosive pattern."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest

from workbench.privacy import checker

ROOT = Path(__file__).resolve().parents[1]


def test_checker_does_not_import_the_transformer():
    tree = ast.parse((ROOT / "workbench" / "privacy" / "checker.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported |= {f"{node.module}.{a.name}" for a in node.names}
    forbidden = ("depersonalise", "addresses", "publication", "publish", "nonaddressable", "disclosure")
    assert not [m for m in imported if any(f in m for f in forbidden)], imported


def _tiers():
    """An in-memory 'hub' (ref_postcode, one raw dataset, a place) and an empty 'shared'."""
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS hub")
    con.execute("ATTACH ':memory:' AS shared")
    con.execute("CREATE TABLE hub.main.ref_postcode AS SELECT * FROM (VALUES "
                "('NG1 1AA', 100.0, 200.0, 10), ('NG1 1AB', 150.0, 200.0, 2)) t(postcode, easting, northing, households)")
    con.execute("CREATE TABLE hub.main.nonaddressable_place AS SELECT 'p' AS place_id, 'Park' AS name, "
                "'park' AS kind, 500.0 AS easting, 600.0 AS northing, 'police_incident' AS approved_for")
    con.execute("CREATE TABLE hub.main.health_ae_assault AS SELECT 'NHS1' AS patient_ref")
    return con


CLEAN = ("CREATE TABLE shared.main.police_incident AS SELECT * FROM (VALUES "
         "('I1', 'Acacia Avenue, Sneinton', 'NG1 1AA', 100.0, 200.0), "
         "('I2', 'Market Square', NULL, 500.0, 600.0), ('I3', NULL, NULL, NULL, NULL)) "
         "t(incident_ref, location, postcode, easting, northing)")


def test_clean_tier_passes():
    con = _tiers()
    con.execute(CLEAN)
    report = checker.check_tier(con)
    assert report.ok, report.to_dict()
    assert report.tables == 1 and report.rows == 3


def test_place_not_approved_for_the_dataset_is_refused():
    """Issue 13: a place registered on a record's own point (an A&E patient's coordinates
    as a "park") keeps nothing unless the coordinator approved it for that dataset."""
    con = _tiers()
    con.execute("UPDATE hub.main.nonaddressable_place SET approved_for = 'fire_incident'")
    con.execute(CLEAN)
    findings = checker.check_tier(con).findings
    assert [(f.rule, f.table, f.count) for f in findings] == [("place-approval", "police_incident", 1)]
    con.execute("UPDATE hub.main.nonaddressable_place SET approved_for = '*'")
    assert checker.check_tier(con).ok


@pytest.mark.parametrize("sql, rule", [
    ("CREATE TABLE shared.main.police_incident AS SELECT 'NG1 1AB' AS postcode", "postcode-households"),
    ("CREATE TABLE shared.main.police_incident AS SELECT 'NG9 9ZZ' AS postcode", "postcode-households"),
    ("CREATE TABLE shared.main.police_incident AS SELECT 150.0 AS easting, 200.0 AS northing", "coordinates"),
    ("CREATE TABLE shared.main.police_incident AS SELECT 100.5 AS easting, 200.0 AS northing", "coordinates"),
    ("CREATE TABLE shared.main.police_incident AS SELECT 100.0 AS easting, NULL::DOUBLE AS northing", "coordinates"),
    ("CREATE TABLE shared.main.police_incident AS SELECT '12 Acacia Avenue' AS location", "house-number"),
    ("CREATE TABLE shared.main.police_incident AS SELECT '12A Acacia Avenue' AS location", "house-number"),
    ("CREATE TABLE shared.main.police_incident AS SELECT 'Flat B, Acacia Avenue' AS location", "house-number"),
    ("CREATE TABLE shared.main.police_incident AS SELECT 'Rose Cottage, Acacia Avenue' AS location", "house-number"),
    ("CREATE TABLE shared.main.police_incident AS SELECT 'near NG1 1AB' AS location", "postcode-households"),
    ("CREATE TABLE shared.main.police_crime_offence AS SELECT 'entry at 5 Elm Road' AS method_of_entry",
     "address-in-text"),
    ("CREATE TABLE shared.main.police_crime_offence AS SELECT 'found in flat 3' AS property_stolen",
     "address-in-text"),
    ("CREATE TABLE shared.main.police_crime_victim AS SELECT DATE '1990-01-01' AS date_of_birth", "ident-column"),
    ("CREATE TABLE shared.main.police_crime_victim AS SELECT 'x' AS address", "ident-column"),
    ("CREATE TABLE shared.main.health_ae_assault AS SELECT 'NHS1' AS patient_ref", "person-ref"),
    ("CREATE TABLE shared.main.health_ae_assault AS SELECT repeat('a', 32) AS patient_ref, 1.0 AS longitude",
     "wgs84-column"),
    ("CREATE TABLE shared.main.police_ppo AS SELECT 'P1' AS offender_ref", "unknown-table"),
    ("CREATE TABLE shared.main.scratch_copy AS SELECT 1 AS x", "unknown-table"),
    ("CREATE TABLE shared.main.police_ppo_counts AS SELECT 3 AS records", "small-count"),
    ("CREATE TABLE shared.main.health_admission_icd AS SELECT 'NG1 1AA' AS postcode_outward", "outward-only"),
    ("CREATE TABLE shared.main.health_admission_icd AS SELECT 'NG1' AS postcode_outward, 'NG1 1AA' AS postcode",
     "outward-only"),
])
def test_each_rule_fires(sql, rule):
    con = _tiers()
    con.execute(sql.replace("CREATE TABLE", "CREATE OR REPLACE TABLE"))
    report = checker.check_tier(con)
    assert rule in {f.rule for f in report.findings}, report.to_dict()
    assert not report.ok


def test_police_uk_street_kept_as_published():
    con = _tiers()
    con.execute("CREATE TABLE shared.main.police_uk_street AS SELECT 'On or near Road No 3' AS location, "
                "-1.15 AS longitude, 52.95 AS latitude, 'Nottingham 012A' AS lsoa_name")
    assert checker.check_tier(con).ok


def test_findings_name_examples():
    con = _tiers()
    con.execute("CREATE TABLE shared.main.police_incident AS SELECT '7 Elm Road' AS location")
    f = checker.check_tier(con).findings[0]
    assert f.to_dict()["examples"] == ["7 Elm Road"] and "police_incident.location" in str(f)
