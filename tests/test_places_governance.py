"""Places under governance (issue 13.5): registering a place needs the coordinator's permission,
is audited, and keeps coordinates only for the datasets the coordinator approved it for."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import AccessDenied
from workbench.hub.connect import new_connection, read_key, shared_path
from workbench.privacy.nonaddressable import load_places, register_place
from workbench.registry import open_registry

from privacy_hub import ref_postcode_frame, synthetic_postcodes

PW = "correct horse battery staple"


@pytest.fixture()
def hub(tmp_path):
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub

    hub = init_hub(tmp_path / "hub.duckdb")
    pcs = synthetic_postcodes()
    ingest_frame(hub, "ref_postcode", ref_postcode_frame(pcs), source_name="ref_postcode")
    p = pcs[pcs.households >= 4].iloc[0]
    # A&E patients (k = 5 needs five), the first carrying exact (supplied) coordinates
    ingest_frame(hub, "health_ae_assault", pd.DataFrame({
        "patient_ref": [f"N{i}" for i in range(6)], "postcode": [p.postcode] * 6,
        "incident_date": ["2024-01-02"] * 6, "easting": [p.easting + 17] + [p.easting] * 5,
        "northing": [p.northing + 9] + [p.northing] * 5}), source_name="ae")
    with open_registry(hub) as reg:
        reg.add_partnership("Nottingham")
        reg.add_agency("City Council", "central", partnerships=["Nottingham"])
        reg.add_user("coord", "City Council", "admin", PW)
        reg.add_user("val", "City Council", "viewer", PW)
    return hub, (p.easting + 17, p.northing + 9), (p.easting, p.northing)


def _published_xy(hub):
    con = new_connection()
    s = shared_path(hub)
    con.execute(f"ATTACH '{s}' AS shared (ENCRYPTION_KEY '{read_key(s)}', READ_ONLY)")
    try:
        return con.execute("SELECT easting, northing FROM shared.main.health_ae_assault "
                           "WHERE patient_ref IS NOT NULL ORDER BY easting DESC, northing DESC").fetchone()
    finally:
        con.close()


def test_only_the_coordinator_registers_and_every_attempt_is_audited(hub):
    hub, xy, _ = hub
    with pytest.raises(AccessDenied):
        register_place(hub, "Trap park", "park", *xy, user="val", approved_for="*")
    con = new_connection()
    con.execute(f"ATTACH '{hub}' AS hub (ENCRYPTION_KEY '{read_key(hub)}', READ_ONLY)")
    assert load_places(con).empty
    con.close()
    place = register_place(hub, "Forest", "park", 450_000, 340_000, user="coord", approved_for=("fire_incident",))
    assert place.approved_by == "coord" and place.approved_for == ("fire_incident",)
    with open_registry(hub) as reg:
        got = [(e.actor, e.outcome, e.target) for e in reg.audit_entries()
               if e.action in ("places.add", "admin")]
    assert ("val", "denied", None) in got and ("coord", "ok", "park:forest") in got
    with pytest.raises(Exception, match="fire_incidnt|Did you mean"):
        register_place(hub, "X", "park", 450_000, 340_000, user="coord", approved_for=("fire_incidnt",))


def test_a_place_on_a_record_point_keeps_nothing_unless_approved_for_that_dataset(hub):
    from workbench.privacy.publish import publish

    hub, xy, centroid = hub
    register_place(hub, "Trap park", "park", *xy, user="coord", approved_for=("police_crime_offence",))
    res = publish(hub)
    assert res.check["ok"]
    assert _published_xy(hub) == centroid               # not kept: approved for offences only
    register_place(hub, "Trap park", "park", *xy, user="coord", approved_for=("health_ae_assault",))
    publish(hub)
    assert _published_xy(hub) == xy                     # the coordinator approved it for A&E
