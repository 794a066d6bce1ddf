"""FOI requests: recorded, originating agencies consulted before any release (guidance 2.4.2.4)."""

from __future__ import annotations

import pytest

from governance_helpers import registry_with_people
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import foi


@pytest.fixture
def reg(tmp_path):
    return registry_with_people(tmp_path)


def test_release_needs_every_originating_agencys_consent(reg):
    req = foi.record(reg, "coord", "A. Journalist", "Burglaries by ward 2024",
                     ["police_crime_offence", "council_asb"], ["Notts Police", "City Council"])
    assert req.status == "received" and req.awaiting == ["Notts Police", "City Council"]
    foi.consult(reg, req.id, "City Council", True, "council_dlo")
    with pytest.raises(AccessDenied, match="Notts Police"):
        foi.decide(reg, req.id, "coord", release=True)
    foi.consult(reg, req.id, "Notts Police", False, "pol_dlo")
    with pytest.raises(AccessDenied, match="Notts Police"):
        foi.decide(reg, req.id, "coord", release=True)
    foi.consult(reg, req.id, "Notts Police", True, "pol_dlo")
    done = foi.decide(reg, req.id, "coord", release=True, note="ward counts, suppressed")
    assert done.status == "released" and done.awaiting == []
    assert [e.outcome for e in reg.audit_entries(action="foi.release")] == ["denied", "denied", "ok"]
    with pytest.raises(BadInput, match="already released"):
        foi.decide(reg, req.id, "coord", release=False)


def test_only_the_agencys_dlo_answers_and_only_admin_records(reg):
    with pytest.raises(AccessDenied):
        foi.record(reg, "ana", "X", "anything", [], ["Notts Police"])
    req = foi.record(reg, "coord", "X", "anything", [], ["Notts Police"])
    with pytest.raises(AccessDenied, match="only a DLO of 'Notts Police'"):
        foi.consult(reg, req.id, "Notts Police", True, "council_dlo")
    with pytest.raises(BadInput, match="not an originating agency"):
        foi.consult(reg, req.id, "City Council", True, "council_dlo")


def test_refusal_needs_no_consent_and_validation(reg):
    req = foi.record(reg, "coord", "X", "anything", [], ["Notts Police"])
    assert foi.decide(reg, req.id, "coord", release=False).status == "refused"
    with pytest.raises(BadInput, match="originating_agencies"):
        foi.record(reg, "coord", "X", "anything", [], [])
    with pytest.raises(BadInput, match="Unknown dataset"):
        foi.record(reg, "coord", "X", "anything", ["nope"], ["Notts Police"])
    assert [r.id for r in foi.list_foi(reg)] == [req.id]
