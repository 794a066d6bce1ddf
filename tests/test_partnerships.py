"""Several partnerships in one hub (issue 3 §7; guidance 2.2.4; reference 003)."""

from __future__ import annotations

import pandas as pd
import pytest

from governance_helpers import PASSWORD
from hubs import make_hub
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import access
from workbench.privacy.export import export
from workbench.registry import open_registry


@pytest.fixture
def reg(tmp_path):
    """A county with two districts, a neighbour that shares, and one that refuses cross-border."""
    r = open_registry(tmp_path / "hub.duckdb")
    r.add_partnership("Nottinghamshire")                               # county-level group
    r.add_partnership("Mansfield", parent="Nottinghamshire")
    r.add_partnership("Ashfield", parent="Nottinghamshire")
    r.add_partnership("Derby")                                         # shares with Mansfield
    r.add_partnership("Lincoln", cross_border=False)                   # refuses cross-border
    r.add_agency("County Council", "central", partnerships=["Nottinghamshire"])
    r.add_agency("Mansfield DC", "central", partnerships=["Mansfield"])
    r.add_agency("Derby CC", "central", partnerships=["Derby"])
    r.add_agency("Lincoln CC", "central", partnerships=["Lincoln"])
    r.add_agency("Notts Police", "central", partnerships=["Mansfield", "Ashfield"])
    for name, agency in [("county", "County Council"), ("mans", "Mansfield DC"), ("derb", "Derby CC"),
                         ("linc", "Lincoln CC"), ("police", "Notts Police")]:
        r.add_user(name, agency, "analyst", PASSWORD)
    r.record_sharing("Mansfield", "Derby", True, actor="mans")
    r.record_sharing("Derby", "Mansfield", True, actor="derb")
    return r


def test_agency_in_several_partnerships(reg):
    assert reg.get_user("police").partnerships == ("Ashfield", "Mansfield")
    reg.join_partnership("Derby CC", "Ashfield")
    assert reg.get_agency("Derby CC").partnerships == ("Ashfield", "Derby")


def test_sharing_needs_both_isps(reg):
    assert reg.sharing_allowed("Mansfield", "Derby") and reg.sharing_allowed("Derby", "Mansfield")
    reg.record_sharing("Ashfield", "Derby", True)          # only one side agreed
    assert not reg.sharing_allowed("Ashfield", "Derby")
    reg.record_sharing("Derby", "Mansfield", False)       # Derby withdraws
    assert not reg.sharing_allowed("Mansfield", "Derby")


def test_partnership_that_refuses_cross_border_cannot_agree(reg):
    with pytest.raises(BadInput, match="refused cross-border"):
        reg.record_sharing("Lincoln", "Derby", True)
    reg.record_sharing("Derby", "Lincoln", True)          # the other side's wish is not enough
    assert not reg.sharing_allowed("Derby", "Lincoln")
    assert "Lincoln" not in reg.visible_partnerships("derb")
    assert reg.visible_partnerships("linc") == {"Lincoln"}


def test_visible_partnerships(reg):
    assert reg.visible_partnerships("county") == {"Nottinghamshire", "Mansfield", "Ashfield"}
    assert reg.visible_partnerships("mans") == {"Mansfield", "Nottinghamshire", "Derby"}
    assert reg.visible_partnerships("derb") == {"Derby", "Mansfield"}
    assert reg.visible_partnerships("police") == {"Mansfield", "Ashfield", "Nottinghamshire", "Derby"}
    assert reg.ancestors("Mansfield") == {"Nottinghamshire"} and reg.ancestors("Derby") == set()
    # a district does not read its county's or sister district's data
    assert "Ashfield" not in reg.visible_partnerships("mans")


def test_turning_cross_border_off_stops_existing_agreements(reg):
    reg.set_cross_border("Derby", False, actor="derb")
    assert not reg.sharing_allowed("Mansfield", "Derby")
    assert reg.visible_partnerships("mans") == {"Mansfield", "Nottinghamshire"}


def test_require_checks_partnership_scope(reg):
    access.require(reg, "mans", "read_depersonalised", "police_crime_offence", partnership="Derby")
    access.require(reg, "county", "read_depersonalised", "police_crime_offence", partnership="Ashfield")
    with pytest.raises(AccessDenied, match="has not agreed"):
        access.require(reg, "derb", "read_depersonalised", "police_crime_offence", partnership="Lincoln")
    with pytest.raises(AccessDenied):   # personal data never crosses by agreement alone
        access.require(reg, "mans", "read_personal", "police_crime_victim", partnership="Derby")
    denied = reg.audit_entries(outcome="denied")
    assert [e.actor for e in denied] == ["derb", "mans"]


def test_export_from_two_partnership_hub_respects_refusal(reg, tmp_path):
    frame = pd.DataFrame({
        "crime_type": ["Burglary", "Robbery", "Violence", "Shoplifting", "Drugs"],
        "month": ["2025-01"] * 5,
        "partnership": ["Mansfield", "Derby", "Lincoln", "Ashfield", "Nottinghamshire"],
    })
    make_hub(reg.hub.parent, init=False, shared={"police_uk_street": frame})
    got = {}
    for user in ("mans", "derb", "linc", "county"):
        out = export(reg, reg.hub, "police_uk_street", user, tmp_path / f"{user}.csv").path
        got[user] = set(pd.read_csv(out)["partnership"])
    assert got["mans"] == {"Mansfield", "Derby", "Nottinghamshire"}
    assert got["derb"] == {"Derby", "Mansfield"}
    assert got["linc"] == {"Lincoln"}
    assert got["county"] == {"Nottinghamshire", "Mansfield", "Ashfield"}


def test_table_without_partnership_column_is_refused_when_rows_cannot_be_separated(reg, tmp_path):
    make_hub(reg.hub.parent, init=False, shared={
        "police_uk_street": pd.DataFrame({"crime_type": ["Burglary"]}),
        "ref_imd": pd.DataFrame({"lsoa_code": ["E01000001"], "imd_rank": [5]})})
    with pytest.raises(AccessDenied, match="no partnership column"):
        export(reg, reg.hub, "police_uk_street", "mans", tmp_path / "x.csv")
    assert reg.audit_entries(actor="mans", outcome="denied")[-1].detail["reason"] == "cannot separate partnerships"
    # reference layers are not partnership data
    assert export(reg, reg.hub, "ref_imd", "mans", tmp_path / "imd.csv").rows == 1


def test_single_partnership_hub_needs_no_partnership_column(tmp_path):
    from governance_helpers import victim_tables
    from hubs import make_hub

    r = open_registry(tmp_path / "hub.duckdb")
    r.add_partnership("Only")
    r.add_agency("A", "central", partnerships=["Only"])
    r.add_user("u", "A", "analyst", PASSWORD)
    make_hub(tmp_path, init=False, tables=victim_tables([]))
    make_hub(r.hub.parent, init=False,
             shared={"police_uk_street": pd.DataFrame({"crime_type": ["Burglary", "Drugs"]})})
    assert export(r, r.hub, "police_uk_street", "u", tmp_path / "x.csv").rows == 2
