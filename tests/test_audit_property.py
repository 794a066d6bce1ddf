"""Property: whatever single change a tamperer makes to the stored log, verify finds it."""

from __future__ import annotations

import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.registry import audit as chain
from workbench.registry import db

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
entries = st.lists(st.tuples(text, text, st.dictionaries(text, st.integers() | text, max_size=3)),
                   min_size=2, max_size=8)


def _fresh(tmp_path_factory):
    path = tmp_path_factory.mktemp("prop") / "registry.sqlite"
    con = db.connect(path)
    return con


def _untriggered(con):
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(log=entries, data=st.data())
def test_any_single_tamper_is_detected(tmp_path_factory, log, data):
    con = _fresh(tmp_path_factory)
    for actor, action, detail in log:
        chain.append(con, actor or "a", action or "x", None, detail)
    assert chain.verify(con).intact
    n = len(log)
    kind = data.draw(st.sampled_from(["edit_actor", "edit_detail", "delete", "swap"]))
    i = data.draw(st.integers(1, n))
    _untriggered(con)
    if kind == "edit_actor":
        old = con.execute("SELECT actor FROM audit WHERE seq = ?", (i,)).fetchone()[0]
        con.execute("UPDATE audit SET actor = ? WHERE seq = ?", (old + "!", i))
    elif kind == "edit_detail":
        con.execute("UPDATE audit SET detail = ? WHERE seq = ?", ('{"forged":1}', i))
    elif kind == "delete":
        con.execute("DELETE FROM audit WHERE seq = ?", (i,))
    else:
        j = data.draw(st.integers(1, n).filter(lambda j: j != i))
        a, b = sorted((i, j))
        con.execute("UPDATE audit SET seq = -1 WHERE seq = ?", (a,))
        con.execute("UPDATE audit SET seq = ? WHERE seq = ?", (a, b))
        con.execute("UPDATE audit SET seq = ? WHERE seq = -1", (b,))
        i = a
    result = chain.verify(con)
    changed_detail = kind == "edit_detail" and log[i - 1][2] == {"forged": 1}
    if not changed_detail:
        assert not result.intact
        assert result.broken_seq == i
    con.close()


def test_verify_is_read_only(tmp_path):
    con = db.connect(tmp_path / "r.sqlite")
    chain.append(con, "a", "b")
    before = sqlite3.connect(tmp_path / "r.sqlite").execute("SELECT count(*) FROM audit").fetchone()
    chain.verify(con)
    after = sqlite3.connect(tmp_path / "r.sqlite").execute("SELECT count(*) FROM audit").fetchone()
    assert before == after == (1,)
