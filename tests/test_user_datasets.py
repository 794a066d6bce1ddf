"""User-defined datasets (issue 16): a dataset declared in YAML goes from ingest to the shared tier
with no code change; declarations are validated, versioned (add columns only) and audited."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from privacy_hub import ref_postcode_frame, synthetic_postcodes
from workbench import catalogue
from workbench.errors import BadInput

SPEC = """
id: housing_asb_case
title: Housing provider ASB cases
version: 1
agency: housing_provider
class: D
tiers: [peripheral]
cadence: monthly
key: [case_ref]
date_column: report_date
columns:
  - {name: case_ref, kind: ref, required: true}
  - {name: report_date, kind: date, required: true}
  - {name: category, kind: code, allowed: [noise, vandalism, harassment]}
  - {name: tenant_name, kind: text, ident: true}
  - {name: location, kind: text, ident: true}
  - {name: postcode, kind: postcode}
  - {name: easting, kind: easting}
  - {name: northing, kind: northing}
"""


def _cli(args, capsys, monkeypatch, user="admin"):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_USER", user)
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def hub(tmp_path):
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.registry import open_registry

    hub = init_hub(tmp_path / "hub.duckdb")
    ingest_frame(hub, "ref_postcode", ref_postcode_frame(synthetic_postcodes()), source_name="ref_postcode")
    reg = open_registry(hub)
    reg.add_partnership("Nottingham")
    reg.add_agency("City Homes", "central", partnerships=["Nottingham"])
    reg.add_user("admin", "City Homes", "admin", "a long demo passphrase")
    reg.add_user("ana", "City Homes", "analyst", "a long demo passphrase")
    reg.close()
    yield hub
    for ds_id in [d for d in catalogue.BY_ID if d not in catalogue.BUILT_IN_IDS]:   # keep other tests clean
        catalogue.BY_ID.pop(ds_id)
    catalogue.DATASETS = tuple(d for d in catalogue.DATASETS if d.id in catalogue.BUILT_IN_IDS)


def test_declared_dataset_goes_from_ingest_to_the_shared_tier(hub, tmp_path, capsys, monkeypatch):
    from workbench.privacy.shared import open_shared_tier as open_shared
    from workbench.hub.ingest import ingest_files
    from workbench.hub.quality import quality_report
    from workbench.privacy.publish import publish
    from workbench.registry import open_registry

    spec = tmp_path / "housing.yaml"
    spec.write_text(SPEC)
    h = ["--hub", str(hub)]
    assert _cli(["datasets", "add", str(spec), *h], capsys, monkeypatch, user="ana")[0] == 3   # admin only
    code, out, err = _cli(["datasets", "add", str(spec), "--json", *h], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(out)["dataset"] == "housing_asb_case"
    pcs = synthetic_postcodes()
    qualifying = pcs[pcs["households"] >= 4].iloc[0]
    rows = pd.DataFrame({"case_ref": [f"H{i}" for i in range(6)], "report_date": ["2024-03-0" + str(i + 1) for i in range(6)],
                         "category": ["noise", "noise", "vandalism", "harassment", "graffiti", "noise"],
                         "tenant_name": ["A Person"] * 6, "location": [f"{i} Acacia Avenue" for i in range(6)],
                         "postcode": [qualifying["postcode"]] * 6,
                         "easting": [qualifying["easting"] + 7] * 6, "northing": [qualifying["northing"] - 3] * 6})
    csv = tmp_path / "housing.csv"
    rows.to_csv(csv, index=False)
    res = ingest_files(hub, "housing_asb_case", [csv], quiet=True, agency="City Homes", user="ana")
    assert res.rows == 6
    assert {w["code"] for w in res.warnings} >= {"uncoded:category"}                 # 'graffiti'
    from workbench.hub.connect import open_hub
    con = open_hub(hub, read_only=True)
    q = quality_report(con, "housing_asb_case")
    con.close()
    assert q is not None
    publish(hub)
    con = open_shared(hub)
    cols = [r[0] for r in con.execute("DESCRIBE housing_asb_case").fetchall()]
    pts = con.execute("SELECT DISTINCT easting, northing FROM housing_asb_case").fetchall()
    con.close()
    assert "tenant_name" not in cols and "case_ref" in cols               # ident never leaves the master
    assert pts == [(qualifying["easting"], qualifying["northing"])]       # Appendix 1: the centroid
    reg = open_registry(hub)
    assert reg.audit_entries(action="dataset.declare")[-1].target == "housing_asb_case"
    reg.close()


def test_versions_may_only_add_columns_and_bad_declarations_change_nothing(hub, tmp_path, capsys, monkeypatch):
    h = ["--hub", str(hub)]
    spec = tmp_path / "housing.yaml"
    spec.write_text(SPEC)
    assert _cli(["datasets", "add", str(spec), *h], capsys, monkeypatch)[0] == 0
    assert _cli(["datasets", "add", str(spec), *h], capsys, monkeypatch)[0] == 2       # same version again
    removed = SPEC.replace("version: 1", "version: 2").replace("  - {name: tenant_name, kind: text, ident: true}\n", "")
    spec.write_text(removed)
    code, _, err = _cli(["datasets", "add", str(spec), *h], capsys, monkeypatch)
    assert code == 2 and "only add columns" in err and "tenant_name" in err
    added = SPEC.replace("version: 1", "version: 2") + "  - {name: landlord_action, kind: code}\n"
    spec.write_text(added)
    assert _cli(["datasets", "add", str(spec), *h], capsys, monkeypatch)[0] == 0
    assert (Path(hub).parent / "datasets" / "history" / "housing_asb_case.v1.yaml").exists()
    assert "landlord_action" in catalogue.get("housing_asb_case").column_names
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Police Crime\nversion: 0\nclass: Z\ncolumns:\n  - {name: x, kind: colour}\n")
    code, _, err = _cli(["datasets", "add", str(bad), *h], capsys, monkeypatch)
    assert code == 2
    for needle in ("field 'id'", "field 'version'", "field 'class'", "field 'kind'"):
        assert needle in err
    with pytest.raises(BadInput, match="not a built-in"):
        from workbench.catalogue.user import parse
        parse({"id": "police_crime_offence", "version": 1, "class": "D", "columns": [{"name": "a"}]})
