"""Personal-data requests: register, DLO decision, release of named fields, consent, purge
(issue 3 §4; guidance 4.3 steps 1–6, 2.4, DPA principle 5)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from governance_helpers import Clock, registry_with_people, victim_tables
from hubs import make_hub
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import requests as pr
from workbench.privacy.retention import purge

VICTIMS = [
    (1, "Notts Police", "Nottingham", {"crime_ref": "C1", "gender": "F", "age": 34,
                                       "date_of_birth": date(1991, 3, 2), "address": "12 Acacia Avenue",
                                       "postcode": "NG1 5AW"}),
    (1, "Notts Police", "Nottingham", {"crime_ref": "C2", "gender": "M", "age": 51,
                                       "date_of_birth": date(1974, 8, 9), "address": "Rose Cottage",
                                       "postcode": "NG2 1AA"}),
    (2, "City Council", "Nottingham", {"crime_ref": "C3", "gender": "F", "age": 19,
                                       "date_of_birth": date(2006, 1, 1), "address": "Flat 4, 9 High St",
                                       "postcode": "NG7 2RD"}),
    (3, "Notts Police", "Derby", {"crime_ref": "C4", "gender": "M", "age": 40,
                                  "date_of_birth": date(1985, 5, 5), "address": "1 Derby Rd",
                                  "postcode": "DE1 1AA"}),
]


@pytest.fixture
def setup(tmp_path):
    make_hub(tmp_path, init=False, tables=victim_tables(VICTIMS))
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    return reg, clock


def _request(reg, clock, **kw):
    args = dict(requester="ana", purpose="service_delivery",
                questions=["Which repeat victims need a MARAC referral?"],
                datasets={"police_crime_victim": ["crime_ref", "age", "address"]},
                legal_basis=["crime_and_disorder_act_s115", "dpa2018_sch2_para2_crime_and_taxation"],
                supplying_agency="Notts Police", expires=(clock.t + timedelta(days=30)).date(),
                partnership="Nottingham",
                subjects={"police_crime_victim": {"crime_ref": ["C1", "C2", "C3", "C4"]}})
    args.update(kw)
    return pr.create(reg, **args)


def _open(path):
    key = path.with_name(path.name + ".key").read_text().strip()
    con = duckdb.connect()
    from duckdb_extensions import import_extension
    import_extension("httpfs", con=con)
    con.execute("LOAD httpfs")
    con.execute(f"ATTACH '{path}' AS r (ENCRYPTION_KEY '{key}', READ_ONLY)")
    return con


def test_request_records_steps_1_to_3(setup):
    reg, clock = setup
    req = _request(reg, clock)
    assert req.status == "pending" and req.purpose == "service_delivery"
    assert req.datasets == {"police_crime_victim": ["crime_ref", "age", "address"]}
    assert req.legal_basis == ["crime_and_disorder_act_s115", "dpa2018_sch2_para2_crime_and_taxation"]
    assert req.supplying_agency == "Notts Police" and req.requester == "ana"
    assert reg.audit_entries(action="request.create")[0].detail["purpose"] == "service_delivery"


@pytest.mark.parametrize("change, message", [
    ({"purpose": "curiosity"}, "purpose"),
    ({"questions": []}, "question"),
    ({"legal_basis": []}, "legal basis"),
    ({"legal_basis": ["crime_and_disorder_act_s17a"]}, "depersonalised information only"),
    # today's law: the DPA 1998 exemptions were repealed in 2018; the message names the successor
    ({"legal_basis": ["crime_and_disorder_act_s115", "dpa_s29_crime_and_taxation"]},
     "dpa2018_sch2_para2_crime_and_taxation"),
    ({"datasets": {"police_crime_victim": ["shoe_size"]}}, "fields of police_crime_victim"),
    ({"datasets": {"police_crime_victim": []}}, "list the fields"),
    ({"datasets": {"ref_postcode": ["postcode"]}}, "not case-level"),
    ({"expires": date(2025, 1, 1)}, "future"),
    ({"expires": date(2028, 1, 1)}, "at most"),
])
def test_request_validation_teaches(setup, change, message):
    reg, clock = setup
    with pytest.raises(BadInput, match=message):
        _request(reg, clock, **change)


def test_second_group_cannot_even_ask(setup):
    reg, clock = setup
    with pytest.raises(AccessDenied):
        _request(reg, clock, requester="sec_ana")


def test_only_the_supplying_agencys_dlo_decides(setup):
    reg, clock = setup
    req = _request(reg, clock)
    for who in ("council_dlo", "coord", "ana"):
        with pytest.raises(AccessDenied, match="only a DLO of 'Notts Police'"):
            pr.decide(reg, req.id, who, True)
    approved = pr.decide(reg, req.id, "pol_dlo", True, note="MARAC on 14th")
    assert approved.status == "approved" and approved.decided_by == "pol_dlo"
    assert approved.consents == ["Notts Police"]
    with pytest.raises(BadInput, match="only a pending request"):
        pr.decide(reg, req.id, "pol_dlo", False)
    assert len(reg.audit_entries(action="request.approve", outcome="denied")) == 3


def test_no_release_before_approval_or_by_others(setup):
    reg, clock = setup
    req = _request(reg, clock)
    with pytest.raises(AccessDenied, match="pending, not approved"):
        pr.release(reg, req.id, "ana")
    pr.decide(reg, req.id, "pol_dlo", True)
    with pytest.raises(AccessDenied, match="belongs to 'ana'"):
        pr.release(reg, req.id, "coord")
    refused = pr.decide(reg, _request(reg, clock).id, "pol_dlo", False)
    with pytest.raises(AccessDenied, match="refused"):
        pr.release(reg, refused.id, "ana")


def test_release_holds_only_named_fields_consented_rows_and_partnership(setup):
    reg, clock = setup
    req = _request(reg, clock)
    pr.decide(reg, req.id, "pol_dlo", True)
    result = pr.release(reg, req.id, "ana")
    path = pr.release_path(reg, req.id)
    assert result.path == str(path) and path.parent.parent == reg.releases_dir
    # encrypted: no plaintext, and no key -> no access
    raw = path.read_bytes()
    assert b"Acacia Avenue" not in raw and b"Rose Cottage" not in raw
    with pytest.raises(duckdb.Error):
        duckdb.connect().execute(f"ATTACH '{path}' AS r (READ_ONLY)")
    assert oct(path.with_name(path.name + ".key").stat().st_mode & 0o777) == "0o600"
    con = _open(path)
    cols = [r[0] for r in con.execute("DESCRIBE r.police_crime_victim").fetchall()]
    assert cols == ["crime_ref", "age", "address"]                    # not date_of_birth, gender
    refs = sorted(r[0] for r in con.execute("SELECT crime_ref FROM r.police_crime_victim").fetchall())
    assert refs == ["C1", "C2"]      # C3: City Council has not consented; C4: Derby partnership
    assert result.rows == {"police_crime_victim": 2}
    assert result.withheld["police_crime_victim"] == {"City Council": 1, "Notts Police": 1}
    entry = reg.audit_entries(action="request.release")[-1]
    assert entry.detail["fields"] == {"police_crime_victim": ["crime_ref", "age", "address"]}


def test_other_agencys_rows_need_its_dlos_consent(setup):
    reg, clock = setup
    req = _request(reg, clock)
    pr.decide(reg, req.id, "pol_dlo", True)
    with pytest.raises(AccessDenied):
        pr.consent(reg, req.id, "City Council", "pol_dlo")           # not that agency's DLO
    pr.consent(reg, req.id, "City Council", "council_dlo")
    result = pr.release(reg, req.id, "ana")
    assert result.rows == {"police_crime_victim": 3}


def test_expired_request_cannot_release_and_purge_deletes_copy(setup):
    reg, clock = setup
    req = _request(reg, clock)
    pr.decide(reg, req.id, "pol_dlo", True)
    pr.release(reg, req.id, "ana")
    path = pr.release_path(reg, req.id)
    assert path.exists()
    assert purge(reg).requests == []                                   # not due yet
    clock.t += timedelta(days=31)
    with pytest.raises(AccessDenied, match="expired"):
        pr.release(reg, req.id, "ana")
    result = purge(reg, actor="coord")
    assert result.requests == [req.id] and str(path) in result.files_deleted
    assert not path.exists() and not path.with_name(path.name + ".key").exists()
    assert not path.parent.exists()
    assert pr.get(reg, req.id).status == "expired"
    entry = reg.audit_entries(action="request.purge")[-1]
    assert entry.actor == "coord" and str(path) in entry.detail["deleted"]
    assert purge(reg).requests == []                                   # idempotent
    assert reg.verify_audit().intact


def test_completion_purges_at_once(setup):
    reg, clock = setup
    req = _request(reg, clock)
    pr.decide(reg, req.id, "pol_dlo", True)
    pr.release(reg, req.id, "ana")
    with pytest.raises(AccessDenied):
        pr.complete(reg, req.id, "vic")
    done = pr.complete(reg, req.id, "ana")
    assert done.status == "completed"
    assert not pr.release_path(reg, req.id).exists()
    assert [e.action for e in reg.audit_entries(actor="ana")][-2:] == ["request.complete", "request.purge"]


def test_list_requests(setup):
    reg, clock = setup
    a = _request(reg, clock)
    _request(reg, clock)
    pr.decide(reg, a.id, "pol_dlo", True)
    assert [r.id for r in pr.list_requests(reg, "approved")] == [a.id]
    assert len(pr.list_requests(reg)) == 2


def test_purge_works_from_another_directory(setup, monkeypatch, tmp_path):
    reg, clock = setup
    monkeypatch.chdir(tmp_path)
    from workbench.registry import open_registry

    rel = open_registry("hub.duckdb")                     # a relative hub path
    rel.set_clock(clock)
    req = _request(rel, clock)
    pr.decide(rel, req.id, "pol_dlo", True)
    result = pr.release(rel, req.id, "ana")
    assert Path(result.path).is_absolute()
    monkeypatch.chdir("/")
    clock.t += timedelta(days=31)
    assert purge(rel).files_deleted and not Path(result.path).exists()
