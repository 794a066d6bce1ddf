"""The one test-hub factory (tests/hubs.py): what it builds, and that it stays the only one."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from governance_helpers import victim_tables
from hubs import make_hub

TESTS = Path(__file__).resolve().parent


def test_raw_tables_keep_their_types_even_when_empty(tmp_path):
    from workbench.hub.connect import open_hub

    hub = make_hub(tmp_path, init=False, tables=victim_tables([]))
    con = open_hub(hub, read_only=True)
    try:
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'police_crime_victim'").fetchall())
        assert con.execute("SELECT count(*) FROM police_crime_victim").fetchone() == (0,)
    finally:
        con.close()
    assert types["age"] == "INTEGER" and types["date_of_birth"] == "DATE"
    assert types["_supply_id"] == "BIGINT"


def test_shared_tier_and_registry_without_a_master(tmp_path):
    from workbench.privacy.shared import open_shared_tier

    seen = []
    hub = make_hub(tmp_path, init=False, shared={"t": pd.DataFrame({"x": [1, 2]})},
                   registry=lambda reg: reg.add_partnership("P"), then=seen.append)
    assert not hub.exists() and (tmp_path / "registry.sqlite").exists() and seen == [hub]
    con = open_shared_tier(hub)
    try:
        assert con.execute("SELECT sum(x) FROM t").fetchone() == (3,)
    finally:
        con.close()


def test_a_cached_build_is_copied_not_rebuilt(tmp_path):
    calls = []
    first = make_hub(tmp_path / "a", registry=calls.append, cache="test-make-hub")
    second = make_hub(tmp_path / "b", registry=calls.append, cache="test-make-hub")
    assert len(calls) == 1
    assert sorted(p.name for p in first.parent.iterdir()) == sorted(p.name for p in second.parent.iterdir())


def test_no_other_helper_builds_a_hub():
    """Only the factory creates keys, initialises hubs or attaches encrypted files for tests."""
    builders = re.compile(r"\b(create_key|init_hub)\(|ENCRYPTION_KEY")
    helpers = [p for p in TESTS.glob("*.py") if not p.name.startswith("test_")]
    offenders = [p.name for p in helpers if p.name != "hubs.py" and builders.search(p.read_text())]
    assert offenders == []
