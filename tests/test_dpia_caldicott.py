"""Today's law on top of guidance 4.3: a DPIA in force (UK GDPR Art 35) before personal data is
released, and the Caldicott guardian's approval for health data (workbench.privacy.dpia, .caldicott)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance_helpers import Clock, PASSWORD, registry_with_people, victim_tables
from hubs import make_hub
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import caldicott, dpia
from workbench.privacy import requests as pr

VICTIMS = [(1, "Notts Police", "Nottingham", {"crime_ref": "C1", "age": 34, "address": "1 High St"})]


def _add_ae_table(hub):
    """An A&E assault table supplied by the trust, beside the victims' tables."""
    from workbench.hub.connect import open_hub

    con = open_hub(hub)
    con.execute("INSERT INTO supplies VALUES (9, 'health_ae_assault', 'NUH Trust', 'Nottingham')")
    con.execute("CREATE TABLE health_ae_assault AS SELECT 'P1' AS patient_ref, 27 AS age, 9::BIGINT AS _supply_id")
    con.close()


@pytest.fixture
def setup(tmp_path):
    _add_ae_table(make_hub(tmp_path, init=False, tables=victim_tables(VICTIMS)))
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    return reg, clock


def _approved(reg, clock, datasets=None, agency="Notts Police"):
    req = pr.create(reg, "ana", "service_delivery", ["Which repeat victims need a MARAC referral?"],
                    datasets or {"police_crime_victim": ["crime_ref", "age"]},
                    ["crime_and_disorder_act_s115", "uk_gdpr_art6_1e_public_task"], agency,
                    (clock.t + timedelta(days=30)).date(), "Nottingham",
                    subjects={d: {cols[0]: ["C1", "P1"]} for d, cols in
                              (datasets or {"police_crime_victim": ["crime_ref"]}).items()})
    return req


def test_release_needs_a_dpia_in_force(setup, tmp_path):
    reg, clock = setup
    reg.add_agency("Other Police", "central", partnerships=["Nottingham"])
    reg.add_user("other_dlo", "Other Police", "dlo", PASSWORD)
    dpia.record(reg, "coord", "Other Police", "DPIA-OP-0", "2025-01-15", "2026-01-15")
    req = _approved(reg, clock, agency="Other Police")
    pr.decide(reg, req.id, "other_dlo", True)
    clock.t += timedelta(days=10)                     # 2026-01-20: past the DPIA's review date
    with pytest.raises(AccessDenied, match="due for review on 2026-01-15"):
        pr.release(reg, req.id, "ana")
    assert reg.audit_entries(action="request.release")[-1].outcome == "denied"
    dpia.record(reg, "coord", "Other Police", "DPIA-OP-1", "2026-01-19", "2027-01-19")
    assert dpia.current(reg, "Other Police").reference == "DPIA-OP-1"
    assert pr.release(reg, req.id, "ana").rows == {"police_crime_victim": 0}   # its rows: none supplied


def test_no_dpia_no_release_and_only_the_coordinator_records_one(setup):
    reg, clock = setup
    reg.add_agency("Other Police", "central", partnerships=["Nottingham"])
    reg.add_user("other_dlo", "Other Police", "dlo", PASSWORD)
    req = _approved(reg, clock, agency="Other Police")
    pr.decide(reg, req.id, "other_dlo", True)
    with pytest.raises(AccessDenied, match="no data protection impact assessment is recorded for 'Other Police'"):
        pr.release(reg, req.id, "ana")
    with pytest.raises(AccessDenied):
        dpia.record(reg, "ana", "Other Police", "X", "2026-01-01", "2027-01-01")
    with pytest.raises(BadInput, match="three years"):
        dpia.record(reg, "coord", "Other Police", "X", "2026-01-01", "2030-01-01")
    with pytest.raises(BadInput, match="after"):
        dpia.record(reg, "coord", "Other Police", "X", "2026-01-01", "2025-01-01")
    dpia.record(reg, "coord", "Other Police", "DPIA-OP-1", "2026-01-01", "2027-01-01", residual_high_risk=True)
    with pytest.raises(AccessDenied, match="consult the ICO"):
        pr.release(reg, req.id, "ana")
    assert [e.action for e in reg.audit_entries(action="dpia.record")][-1] == "dpia.record"


def test_health_data_needs_the_caldicott_guardian(setup):
    reg, clock = setup
    reg.add_agency("NUH Trust", "central", dlo="Dr Dlo", partnerships=["Nottingham"])
    reg.add_user("trust_dlo", "NUH Trust", "dlo", PASSWORD)
    reg.add_user("guardian", "NUH Trust", "dlo", PASSWORD)
    dpia.record(reg, "coord", "NUH Trust", "DPIA-NUH", "2025-06-01", "2027-06-01")
    req = _approved(reg, clock, {"health_ae_assault": ["patient_ref", "age"]}, agency="NUH Trust")
    pr.decide(reg, req.id, "trust_dlo", True)
    with pytest.raises(AccessDenied, match="Caldicott guardian has not approved"):
        pr.release(reg, req.id, "ana")
    with pytest.raises(AccessDenied, match="no Caldicott guardian appointed"):
        caldicott.decide(reg, req.id, "guardian", True)
    with pytest.raises(BadInput, match="works for 'City Council'"):
        caldicott.appoint(reg, "coord", "NUH Trust", "ana")
    with pytest.raises(AccessDenied):
        caldicott.appoint(reg, "ana", "NUH Trust", "guardian")
    caldicott.appoint(reg, "coord", "NUH Trust", "guardian")
    with pytest.raises(AccessDenied, match="only 'NUH Trust''s Caldicott guardian"):
        caldicott.decide(reg, req.id, "trust_dlo", True)
    caldicott.decide(reg, req.id, "guardian", False, "not the minimum necessary")
    with pytest.raises(AccessDenied, match="refused"):
        pr.release(reg, req.id, "ana")
    caldicott.decide(reg, req.id, "guardian", True, "patient_ref and age only: minimum necessary")
    assert pr.release(reg, req.id, "ana").rows == {"health_ae_assault": 1}
    actions = [e.action for e in reg.audit_entries() if e.action.startswith("request.caldicott")]
    assert actions.count("request.caldicott_approve") >= 1 and "request.caldicott_refuse" in actions
    # police data needs no guardian
    with pytest.raises(BadInput, match="no health data"):
        caldicott.decide(reg, _approved(reg, clock).id, "guardian", True)
