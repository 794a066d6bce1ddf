"""The shared tier's provenance: ``supplies``, per-row ``partnership``, and count breakdowns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from governance_helpers import PASSWORD
from privacy_hub import admissions_icd, offences, ppo, ref_postcode_frame, synthetic_postcodes
from workbench.hub.connect import new_connection, read_key, shared_path
from workbench.privacy.shared import open_shared_tier
from workbench.privacy import checker
from workbench.privacy.provenance import COLUMNS
from workbench.privacy.publish import publish

STATUSES = ["custody"] * 12 + ["proactive targeting"] * 8 + ["catch and convict"] * 3 + ["on licence"] * 2
META = {"supplier_name": "Jane Doe", "supplier_contact": "jane.doe@notts.police.uk",
        "caveats": "Crimes before April use the old offence codes", "file_format": "csv",
        "fields": "as DATASETS.md", "geocoding_method": "address matched to the LLPG"}


def intelligence(pcs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for i in range(40):
        agency = ["Notts Police", "City Council", "Residents Forum"][i % 3] if i < 30 else "Notts Police"
        rows.append({"submission_ref": f"INT{i}", "submitted_at": f"2024-0{1 if i < 28 else 4}-0{1 + i % 9} 10:00:00",
                     "partner_agency": agency, "submitter": "PC 1234 Smith", "source_type": "officer",
                     "source_details": "Mr Brown", "category": "drugs" if i < 24 else "exploitation",
                     "intelligence_text": "=cmd seen dealing", "subjects": "John Smith",
                     "postcode": pcs.postcode.iloc[i], "easting": pcs.easting.iloc[i],
                     "northing": pcs.northing.iloc[i]})
    return pd.DataFrame(rows)


def releases(pcs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"name": "A Person", "gender": "M", "date_of_birth": "1990-01-01",
                         "release_date": ["2024-02-10"] * 12 + ["2024-07-01"] * 3,
                         "release_address": "4 Elm Close", "postcode": pcs.postcode.iloc[0]})


def _registry(hub: Path):
    from workbench.registry import open_registry

    reg = open_registry(hub)
    reg.add_partnership("Mansfield")
    reg.add_partnership("Lincoln", cross_border=False)
    reg.add_agency("Notts Police", "central", partnerships=["Mansfield", "Lincoln"])
    reg.add_agency("City Council", "second", partnerships=["Mansfield"])
    reg.add_agency("Mansfield DC", "central", partnerships=["Mansfield"])
    reg.add_agency("Lincoln CC", "central", partnerships=["Lincoln"])
    reg.add_user("mans", "Mansfield DC", "analyst", PASSWORD)
    reg.add_user("linc", "Lincoln CC", "analyst", PASSWORD)
    reg.add_user("force", "Notts Police", "analyst", PASSWORD)
    return reg


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    """Two partnerships: offences of each, PPOs, intelligence and releases of Mansfield."""
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub

    hub = init_hub(tmp_path_factory.mktemp("enrich") / "hub.duckdb")
    _registry(hub).close()
    pcs = synthetic_postcodes()
    ingest_frame(hub, "ref_postcode", ref_postcode_frame(pcs), source_name="ref_postcode")
    off = offences(pcs, n=120)
    off.loc[off.index[:3], "method_of_entry"] = "=cmd|' /C calc'!A0"      # a formula_like warning
    for part, frame in (("Mansfield", off.iloc[:70]), ("Lincoln", off.iloc[70:])):
        ingest_frame(hub, "police_crime_offence", frame, source_name=f"off-{part}", agency="Notts Police",
                     partnership=part, metadata=META, user="jdoe")
    ingest_frame(hub, "police_ppo", ppo(pcs).assign(current_status=STATUSES), source_name="ppo",
                 agency="Notts Police", partnership="Mansfield",
                 metadata={**META, "period_start": "2024-04-01", "period_end": "2024-06-30"})
    ingest_frame(hub, "partner_intelligence", intelligence(pcs), source_name="intel", partnership="Mansfield")
    ingest_frame(hub, "prison_release", releases(pcs), source_name="rel", partnership="Mansfield")
    ingest_frame(hub, "health_admission_icd", admissions_icd(), source_name="icd")   # no partnership
    publish(hub)
    return hub


def _q(hub, sql, params=None):
    con = open_shared_tier(hub)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


# ----------------------------------------------------------------------------- 1. supplies
def test_supplies_table_is_sanitised(hub):
    sup = _q(hub, "SELECT * FROM supplies ORDER BY supply_id")
    assert list(sup.columns) == list(COLUMNS)
    text = sup.astype(str).to_string()
    for leaked in ("Jane", "jane.doe", "jdoe", "supplier", "description", "example_lines"):
        assert leaked not in text.replace("supplier_name", "").replace("supplier_contact", ""), leaked
    assert set(sup.dataset) == {"ref_postcode", "police_crime_offence", "police_ppo",
                                "partner_intelligence", "prison_release", "health_admission_icd"}
    off = sup[sup.dataset == "police_crime_offence"]
    assert sorted(off.partnership) == ["Lincoln", "Mansfield"] and off.rows.sum() == 120
    assert set(off.caveats) == {META["caveats"]} and set(off.geocoding_method) == {META["geocoding_method"]}
    assert json.loads(off.metadata.iloc[0]) == {k: META[k] for k in ("caveats", "file_format", "fields",
                                                                     "geocoding_method")}
    warnings = json.loads(off.warnings.iloc[0])
    assert warnings == [{"code": "formula_like:method_of_entry", "count": 3}]
    # PPO: 2 records with an uncoded status would equal the hidden 'on licence' cell
    ppo_sup = sup[sup.dataset == "police_ppo"].iloc[0]
    assert {"code": "uncoded:current_status", "count": None} in json.loads(ppo_sup.warnings)
    assert "date_supplied" in json.loads(sup[sup.dataset == "prison_release"].metadata_missing.iloc[0])
    # a personal supply's row count would be the total of its suppressed count table
    personal = sup[sup.dataset.isin(["police_ppo", "partner_intelligence", "prison_release"])]
    assert personal.rows.isna().all() and personal.rows_superseded.isna().all()


def test_status_and_quality_work_on_the_shared_tier(hub):
    from workbench.hub.quality import quality_report
    from workbench.hub.status import hub_status

    con = open_shared_tier(hub)
    try:
        status = {d["id"]: d for d in hub_status(con)["datasets"]}
        report = quality_report(con, "police_crime_offence").to_dict()
    finally:
        con.close()
    assert status["police_crime_offence"]["supplies"] == 2 and status["police_crime_offence"]["last_supplied"]
    assert "police_ppo" not in status                      # counts only, never record-level
    assert len(report["supplies"]) == 2
    assert any(META["caveats"] in c for c in report["caveats"])


# ----------------------------------------------------------------------------- 2. partnership
def test_record_tables_carry_partnership_and_supply(hub):
    got = _q(hub, "SELECT partnership, count(*) AS n, count(DISTINCT _supply_id) AS s "
                  "FROM police_crime_offence GROUP BY 1 ORDER BY 1")
    assert got.to_dict("list") == {"partnership": ["Lincoln", "Mansfield"], "n": [50, 70], "s": [1, 1]}
    assert _q(hub, "SELECT count(*) AS n FROM health_admission_icd WHERE partnership IS NULL").n[0] == 30
    cols = set(_q(hub, "SELECT table_name, column_name FROM duckdb_columns() WHERE column_name = "
                       "'partnership'").table_name)
    assert {"police_crime_offence", "health_admission_icd", "police_ppo_counts"} <= cols
    assert "ref_postcode" not in cols                      # context layers belong to no partnership


def test_export_of_a_two_partnership_hub_shows_only_visible_rows(hub, tmp_path):
    from workbench.errors import AccessDenied
    from workbench.privacy.export import export
    from workbench.registry import open_registry

    reg = open_registry(hub)
    try:
        seen = {}
        for user in ("mans", "linc", "force"):
            out = export(reg, hub, "police_crime_offence", user, tmp_path / f"{user}.csv").path
            seen[user] = pd.read_csv(out)["partnership"].value_counts().to_dict()
        assert seen == {"mans": {"Mansfield": 70}, "linc": {"Lincoln": 50},
                        "force": {"Mansfield": 70, "Lincoln": 50}}
        assert "_supply_id" not in pd.read_csv(tmp_path / "mans_OFFICIAL-SENSITIVE.csv").columns
        # rows of a supply with no partnership go only to a user who sees every partnership
        assert export(reg, hub, "health_admission_icd", "mans", tmp_path / "h.csv").rows == 0
        assert export(reg, hub, "health_admission_icd", "force", tmp_path / "h2.csv").rows == 30
        assert export(reg, hub, "police_ppo", "linc", tmp_path / "p.csv").rows == 0
        with pytest.raises(AccessDenied):
            export(reg, hub, "ref_postcode", "nobody", tmp_path / "x.csv")
    finally:
        reg.close()


def _tampered(hub: Path, tmp_path: Path, *statements: str) -> checker.CheckReport:
    """Copy the published tier, change it as a transformer bug would, and check the copy."""
    copy = tmp_path / "shared-copy.duckdb"
    shutil.copy2(shared_path(hub), copy)
    con = new_connection()
    try:
        con.execute(f"ATTACH '{copy}' AS shared (ENCRYPTION_KEY '{read_key(shared_path(hub))}')")
        for sql in statements:
            con.execute(sql)
        con.execute(f"ATTACH '{hub}' AS hub (ENCRYPTION_KEY '{read_key(hub)}', READ_ONLY)")
        return checker.check_tier(con, "shared", "hub")
    finally:
        con.close()


def test_checker_allows_the_published_tier_and_catches_provenance_leaks(hub, tmp_path):
    assert _tampered(hub, tmp_path).ok
    rules = lambda r: {(f.rule, f.column) for f in r.findings}  # noqa: E731
    r = _tampered(hub, tmp_path, "UPDATE shared.police_crime_offence SET partnership = 'Mansfield'")
    assert ("provenance", "partnership") in rules(r)
    r = _tampered(hub, tmp_path, "ALTER TABLE shared.supplies ADD COLUMN supplied_by VARCHAR")
    assert ("supplies", "supplied_by") in rules(r)
    r = _tampered(hub, tmp_path, "UPDATE shared.supplies SET caveats = 'ask jane.doe@notts.police.uk', "
                                 "warnings = '[{\"code\": \"x\", \"count\": 1, \"example_lines\": [3]}]'")
    assert {("supplies", "caveats"), ("supplies", "warnings")} <= rules(r)
    r = _tampered(hub, tmp_path, "UPDATE shared.supplies SET rows = 25 WHERE dataset = 'police_ppo'")
    assert ("supplies", "rows") in rules(r)
    r = _tampered(hub, tmp_path, "UPDATE shared.supplies SET warnings = '[{\"code\": \"x\", \"count\": 2}]' "
                                 "WHERE dataset = 'police_ppo'")
    assert ("supplies", "warnings") in rules(r)
    r = _tampered(hub, tmp_path, "ALTER TABLE shared.police_ppo_counts ADD COLUMN offences VARCHAR")
    assert ("small-count", "offences") in rules(r)


# ----------------------------------------------------------------------------- 3. counts
def test_ppo_counts_by_status_with_suppression(hub):
    got = _q(hub, "SELECT * FROM police_ppo_counts ORDER BY current_status")
    assert list(got.columns) == ["partnership", "quarter_start", "current_status", "records", "suppressed"]
    rows = {r.current_status: (None if pd.isna(r.records) else int(r.records), bool(r.suppressed))
            for r in got.itertuples()}
    assert rows == {"custody": (12, False), "proactive targeting": (8, False),
                    "catch and convict": (None, True), "on licence": (None, True)}
    assert set(got.partnership) == {"Mansfield"} and str(got.quarter_start.iloc[0])[:10] == "2024-04-01"


def test_intelligence_counts_by_quarter_category_and_agency_group(hub):
    got = _q(hub, "SELECT * FROM partner_intelligence_counts")
    assert list(got.columns) == ["partnership", "quarter_start", "category", "partner_agency_group",
                                 "records", "suppressed"]
    shown = {(str(r.quarter_start)[:10], r.category, r.partner_agency_group if isinstance(r.partner_agency_group, str)
              else None): int(r.records) for r in got.itertuples() if not r.suppressed}
    assert shown == {("2024-01-01", "drugs", "central"): 8, ("2024-01-01", "drugs", "second"): 8,
                     ("2024-01-01", "drugs", None): 8, ("2024-04-01", "exploitation", "central"): 10}
    assert got[got.suppressed].records.isna().all() and got.suppressed.sum() == 5


def test_release_counts_by_quarter_and_no_small_count(hub):
    got = _q(hub, "SELECT quarter_start, records, suppressed FROM prison_release_counts ORDER BY 1")
    assert [str(q)[:10] for q in got.quarter_start] == ["2024-01-01", "2024-07-01"]
    assert got.records.iloc[0] == 12 and pd.isna(got.records.iloc[1]) and got.suppressed.iloc[1]


def test_views_and_tactical_get_status_and_category(hub):
    from workbench.products.tactical import _category_counts, _cohort
    from workbench.dashboard_data import access, context
    from workbench.dashboard_data.periods import Period
    from workbench.dashboard_data.source import Source, clear_cache

    clear_cache()
    analyst = access.Viewer("a", "Mansfield DC", "analyst", True, frozenset(access.DASHBOARD_DATASETS))
    src = Source(hub)
    status = context.ppo_status(src, analyst)
    assert set(status.by) == {"current_status"}
    assert status.set_index("group")["count"].to_dict()["custody"] == 12
    cat = context.intelligence_by_category(src, Period(pd.Timestamp("2024-01-01").date(),
                                                        pd.Timestamp("2024-03-31").date()), analyst)
    counts = cat.set_index("group")["count"]
    assert set(cat.by) == {"category"} and counts["drugs"] == 24 and pd.isna(counts["exploitation"])
    con = open_shared_tier(hub)
    try:
        cohort = _cohort(con, {"police_ppo_counts"})
        intel = _category_counts(con, "partner_intelligence_counts")
    finally:
        con.close()
    assert cohort.set_index("status")["offenders"].to_dict()["custody"] == 12
    assert set(cohort[cohort.status == "on licence"].cells_suppressed) == {1}
    assert intel.to_dict("records") == [{"category": "exploitation", "quarter": "2024-04-01",
                                         "received": 10, "cells_suppressed": 2}]


def test_dashboards_scope_a_published_tier_to_the_users_partnerships(hub):
    """Figures are cut to the partnerships a user may see (reference 003, Box 3, guidance
    2.2.4); only a user who may see none of the tier's partnerships is refused, audited."""
    from workbench.errors import AccessDenied
    from workbench.registry import open_registry
    from workbench.dashboard_data import hubinfo
    from workbench.dashboard_data.access import partnerships_in_shared_tier, viewer_for
    from workbench.dashboard_data.source import Source

    assert partnerships_in_shared_tier(hub) == {"Mansfield", "Lincoln"}
    reg = open_registry(hub)
    try:
        force = viewer_for(reg, reg.get_user("force"))       # both partnerships visible
        mans = viewer_for(reg, reg.get_user("mans"))
        linc = viewer_for(reg, reg.get_user("linc"))
        if "Nowhere" not in {a.name for a in reg.list_agencies()}:
            reg.add_agency("Nowhere", "central")
            reg.add_user("nobody", "Nowhere", "analyst", PASSWORD)
        with pytest.raises(AccessDenied, match="no data of a partnership you may see"):
            viewer_for(reg, reg.get_user("nobody"))
        assert reg.audit_entries(actor="nobody", outcome="denied")
    finally:
        reg.close()
    assert force.partnerships is None and force.sees_records
    assert mans.partnerships == {"Mansfield"} and linc.partnerships == {"Lincoln"}
    con = open_shared_tier(hub)
    try:
        truth = dict(con.execute("SELECT partnership, count(*) FROM police_crime_offence "
                                 "GROUP BY 1").fetchall())
        admissions = con.execute("SELECT count(*) FROM health_admission_icd").fetchone()[0]
    finally:
        con.close()
    count = "select count(*) from police_crime_offence"
    src = Source(hub)
    assert src.for_viewer(mans).scalar(count) == truth["Mansfield"] == 70
    assert src.for_viewer(linc).scalar(count) == truth["Lincoln"] == 50
    assert src.for_viewer(force).scalar(count) == 120
    # admissions were supplied for no partnership: only a user who sees every partnership
    assert admissions > 0 and src.for_viewer(force).scalar("select count(*) from health_admission_icd") == admissions
    assert src.for_viewer(mans).scalar("select count(*) from health_admission_icd") == 0
    log = hubinfo.supplies(src.for_viewer(linc))
    assert set(log["dataset"]) == {"police_crime_offence"} and log["rows"].tolist() == [50]
