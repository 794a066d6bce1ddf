"""The audit hash chain detects edited, deleted and reordered entries (issue 3 §5)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from workbench.registry import audit as chain
from workbench.registry import open_registry


@pytest.fixture
def reg(tmp_path):
    r = open_registry(tmp_path / "hub.duckdb")
    for i in range(6):
        r.audit(f"user{i}", "query", f"dataset{i}", {"rows": i, "note": "é ✓"})
    return r


def _raw(reg):
    """A plain connection with the append-only triggers removed: a determined tamperer."""
    con = sqlite3.connect(reg.path, isolation_level=None)
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("DROP TRIGGER audit_no_delete")
    return con


def test_hash_is_sha256_of_previous_hash_and_canonical_json(reg):
    rows = reg.con.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    assert rows[0]["prev_hash"] == chain.GENESIS
    assert (rows[0]["actor"], rows[0]["action"]) == ("system", "registry.create")  # the log's first entry
    for before, row in zip(rows, rows[1:]):
        assert row["prev_hash"] == before["hash"]
    first = rows[1]
    entry = {"seq": 2, "at": first["at"], "actor": "user0", "action": "query", "target": "dataset0",
             "detail": {"rows": 0, "note": "é ✓"}, "outcome": "ok"}
    import hashlib
    expected = hashlib.sha256((rows[0]["hash"] + json.dumps(entry, sort_keys=True, separators=(",", ":"),
                                                            ensure_ascii=False)).encode()).hexdigest()
    assert first["hash"] == expected


def test_intact_chain_verifies(reg):
    result = reg.verify_audit()
    assert result.intact and result.entries == 7 and result.broken_seq is None   # 6 + creation


def test_triggers_refuse_update_and_delete(reg):
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        reg.con.execute("UPDATE audit SET actor = 'x' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        reg.con.execute("DELETE FROM audit WHERE seq = 2")


@pytest.mark.parametrize("column, value", [("actor", "someone_else"), ("outcome", "denied"),
                                           ("detail", '{"note":"é ✓","rows":99}'), ("at", "2020-01-01")])
def test_edited_entry_is_found(reg, column, value):
    _raw(reg).execute(f"UPDATE audit SET {column} = ? WHERE seq = 3", (value,))
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 3 and "edited" in result.reason


def test_edit_with_recomputed_own_hash_breaks_next_link(reg):
    con = _raw(reg)
    row = con.execute("SELECT at, prev_hash FROM audit WHERE seq = 3").fetchone()
    forged = chain.entry_hash(row[1], {"seq": 3, "at": row[0], "actor": "forger", "action": "query",
                                       "target": "dataset1", "detail": {"rows": 1, "note": "é ✓"},
                                       "outcome": "ok"})
    con.execute("UPDATE audit SET actor = 'forger', hash = ? WHERE seq = 3", (forged,))
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 4


def test_deleted_middle_entry_is_found(reg):
    _raw(reg).execute("DELETE FROM audit WHERE seq = 4")
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 4 and "deleted" in result.reason


def test_deleted_newest_entry_is_found(reg):
    _raw(reg).execute("DELETE FROM audit WHERE seq = 6")
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 6 and "deleted" in result.reason


def test_deleted_first_entry_is_found(reg):
    _raw(reg).execute("DELETE FROM audit WHERE seq = 1")
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 1


def test_reordered_entries_are_found(reg):
    con = _raw(reg)
    a = con.execute("SELECT at, actor, action, target, detail, outcome, prev_hash, hash FROM audit "
                    "WHERE seq = 2").fetchone()
    b = con.execute("SELECT at, actor, action, target, detail, outcome, prev_hash, hash FROM audit "
                    "WHERE seq = 5").fetchone()
    cols = "at = ?, actor = ?, action = ?, target = ?, detail = ?, outcome = ?, prev_hash = ?, hash = ?"
    con.execute(f"UPDATE audit SET {cols} WHERE seq = 2", b)
    con.execute(f"UPDATE audit SET {cols} WHERE seq = 5", a)
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 2


def test_swapped_rows_with_their_sequence_numbers_are_found(reg):
    con = _raw(reg)
    con.execute("UPDATE audit SET seq = -2 WHERE seq = 2")
    con.execute("UPDATE audit SET seq = 2 WHERE seq = 3")
    con.execute("UPDATE audit SET seq = 3 WHERE seq = -2")
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 2


def test_appending_after_verification_keeps_chain(reg):
    reg.audit("late", "export", "x")
    assert reg.verify_audit().entries == 8 and reg.verify_audit().intact


def test_an_empty_log_does_not_verify(tmp_path):
    """Every registry's log starts with its creation entry, so an empty log was wiped (issue 11)."""
    from workbench.registry import db

    con = db.connect(tmp_path / "r.sqlite")
    result = chain.verify(con)
    assert not result.intact and "wiped" in result.reason


def test_a_new_registry_starts_its_log_and_anchor(tmp_path):
    r = open_registry(tmp_path / "hub.duckdb")
    assert [(e.seq, e.action) for e in r.audit_entries()] == [(1, "registry.create")]
    assert r.verify_audit().intact
    assert chain.read_anchor(r.anchor_path) == (1, r.audit_head()["hash"])


def test_entry_inside_callers_transaction_rolls_back_with_it(reg):
    reg.con.execute("BEGIN IMMEDIATE")
    reg.audit("u", "change", "x")
    reg.con.execute("ROLLBACK")
    assert reg.verify_audit().intact and reg.verify_audit().entries == 7


def test_threads_sharing_one_registry(reg):
    import threading

    def work():
        for _ in range(20):
            reg.audit("t", "query", "x")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = reg.verify_audit()
    assert result.intact and result.entries == 87


def test_anchor_catches_a_rewritten_tail(reg):
    anchor = reg.audit_head()
    assert anchor["seq"] == 7
    assert reg.verify_audit((anchor["seq"], anchor["hash"])).intact
    # a careful forger deletes entries 6-7, rebuilds the head: the chain alone looks intact…
    con = _raw(reg)
    con.execute("DELETE FROM audit WHERE seq >= 6")
    h = con.execute("SELECT hash FROM audit WHERE seq = 5").fetchone()[0]
    con.execute("UPDATE audit_head SET seq = 5, hash = ?", (h,))
    assert chain.verify(reg.con).intact
    # …but not against the anchor noted earlier, nor the one kept beside the registry (issue 11)
    result = reg.verify_audit((anchor["seq"], anchor["hash"]))
    assert not result.intact and result.broken_seq == 7 and "anchor" in result.reason
    result = reg.verify_audit()
    assert not result.intact and result.broken_seq == 7 and "anchor" in result.reason
