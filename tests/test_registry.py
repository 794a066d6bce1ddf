"""Registry: schema, agencies, partnerships, users, authentication and lockout (issue 3 §3)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest

from governance_helpers import PASSWORD, Clock, registry_with_people
from workbench.errors import AccessDenied, BadInput
from workbench.registry import db, open_registry


def test_registry_file_beside_hub_wal_and_versioned(tmp_path):
    reg = open_registry(tmp_path / "sub" / "hub.duckdb")
    assert reg.path == tmp_path / "sub" / "registry.sqlite"
    assert reg.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert reg.con.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    assert reg.con.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION >= 1
    reg.close()
    # reopening does not re-run migrations
    again = open_registry(tmp_path / "sub" / "hub.duckdb")
    assert again.con.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path):
    from workbench.errors import ResourceLocked

    path = tmp_path / "registry.sqlite"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {db.SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(ResourceLocked, match="upgrade the workbench"):
        db.connect(path)


def test_agency_groups_isp_and_several_partnerships(tmp_path):
    reg = registry_with_people(tmp_path)
    police = reg.get_agency("Notts Police")
    assert police.group == "central" and police.dlo == "Dee Lowe" and police.isp_status == "signed"
    assert police.partnerships == ("Derby", "Nottingham")
    assert reg.get_agency("Residents Group").group == "second"
    with pytest.raises(BadInput, match="Did you mean 'central'"):
        reg.add_agency("Shop Watch", "centrl")
    with pytest.raises(BadInput, match="isp_status"):
        reg.add_agency("Shop Watch", "second", isp_status="maybe")


def test_user_fields_and_roles(tmp_path):
    reg = registry_with_people(tmp_path)
    u = reg.get_user("ana")
    assert (u.name, u.agency, u.agency_group, u.role, u.partnerships, u.active) == (
        "ana", "City Council", "central", "analyst", ("Nottingham",), True)
    with pytest.raises(BadInput, match="Did you mean 'analyst'"):
        reg.add_user("bob", "City Council", "analist", PASSWORD)
    with pytest.raises(BadInput, match="at least 10"):
        reg.add_user("bob", "City Council", "analyst", "short")
    with pytest.raises(BadInput, match="agency"):
        reg.add_user("bob", "No Such Agency", "analyst", PASSWORD)
    with pytest.raises(AccessDenied):
        reg.get_user("nobody")


def test_password_stored_as_argon2_hash(tmp_path):
    reg = registry_with_people(tmp_path)
    stored = reg.con.execute("SELECT password_hash FROM users WHERE name = 'ana'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert reg.authenticate("ana", PASSWORD).name == "ana"


def test_lockout_after_five_failures_then_expires(tmp_path):
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    for _ in range(4):
        with pytest.raises(AccessDenied, match="Wrong user name or password"):
            reg.authenticate("ana", "wrong password!")
    # a success before the fifth failure resets the count
    reg.authenticate("ana", PASSWORD)
    for _ in range(5):
        with pytest.raises(AccessDenied):
            reg.authenticate("ana", "wrong password!")
    with pytest.raises(AccessDenied, match="locked"):
        reg.authenticate("ana", PASSWORD)          # even the right password
    clock.t += timedelta(minutes=14)
    with pytest.raises(AccessDenied, match="locked"):
        reg.authenticate("ana", PASSWORD)
    clock.t += timedelta(minutes=2)
    assert reg.authenticate("ana", PASSWORD).name == "ana"
    actions = [(e.action, e.outcome) for e in reg.audit_entries(actor="ana")]
    assert actions.count(("login", "denied")) == 11 and actions.count(("login", "ok")) == 2
    assert len(reg.audit_entries(action="user.lockout")) == 1
    assert reg.verify_audit().intact


def test_lockout_is_configurable_and_unlock(tmp_path):
    reg = open_registry(tmp_path / "hub.duckdb", max_failures=2, lockout_minutes=60)
    reg.add_partnership("P")
    reg.add_agency("A", "central", partnerships=["P"])
    reg.add_user("u", "A", "analyst", PASSWORD)
    for _ in range(2):
        with pytest.raises(AccessDenied):
            reg.authenticate("u", "nope nope nope")
    with pytest.raises(AccessDenied, match="locked"):
        reg.authenticate("u", PASSWORD)
    reg.unlock("u", actor="coord")
    assert reg.authenticate("u", PASSWORD).role == "analyst"


def test_unknown_and_deactivated_users_are_refused_and_audited(tmp_path):
    reg = registry_with_people(tmp_path)
    with pytest.raises(AccessDenied, match="Wrong user name"):
        reg.authenticate("mallory", PASSWORD)
    reg.set_user_active("ana", False, actor="coord")
    with pytest.raises(AccessDenied, match="deactivated"):
        reg.authenticate("ana", PASSWORD)
    denied = reg.audit_entries(outcome="denied")
    assert {e.actor for e in denied} == {"(unknown)", "ana"}   # an unknown name is kept only as a hash


def test_concurrent_writers_keep_the_chain(tmp_path):
    reg = open_registry(tmp_path / "hub.duckdb")
    reg.close()
    errors = []

    def work(i):
        try:
            r = open_registry(tmp_path / "hub.duckdb")
            for j in range(25):
                r.audit(f"w{i}", "query", f"t{j}")
            r.close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    reg = open_registry(tmp_path / "hub.duckdb")
    result = reg.verify_audit()
    assert result.intact and result.entries == 101     # 100 plus the registry's creation entry


def test_markings_default_and_override(tmp_path):
    reg = registry_with_people(tmp_path)
    assert reg.marking("police_crime_victim") == "OFFICIAL-SENSITIVE"
    reg.set_marking("police_uk_street", "OFFICIAL", actor="coord")
    assert reg.marking("police_uk_street") == "OFFICIAL"
    with pytest.raises(BadInput, match="marking"):
        reg.set_marking("police_uk_street", "RESTRICTD")
