"""Builders shared by the governance tests (registry, access, audit, requests, export).

Hubs and shared tiers are built here from code, so these tests do not depend on the ingest
or publish engineers' work: a tiny encrypted master hub with a ``supplies`` table and one
dataset view, and a tiny encrypted ``shared.duckdb``.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from workbench.hub.connect import create_key, new_connection, shared_path
from workbench.registry import open_registry

PASSWORD = "correct horse battery staple"


class Clock:
    """A settable clock for lockout and expiry tests."""

    def __init__(self, start=datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)):
        self.t = start

    def __call__(self):
        return self.t


_TEMPLATE: dict[str, Path] = {}


def registry_with_people(tmp_path: Path):
    """Two partnerships, central and second-group agencies, users of several roles.

    Argon2 hashing is deliberately slow, so the registry is built once per test process
    and its file copied into each test's directory.
    """
    if "people" not in _TEMPLATE:
        base = Path(tempfile.mkdtemp(prefix="registry-template-"))
        reg = _build_people(base)
        reg.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        reg.close()
        _TEMPLATE["people"] = base / "registry.sqlite"
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE["people"], tmp_path / "registry.sqlite")
    anchor = _TEMPLATE["people"].with_name("registry.sqlite.anchor")   # the head's second place
    if anchor.exists():
        shutil.copyfile(anchor, tmp_path / "registry.sqlite.anchor")
    return open_registry(tmp_path / "hub.duckdb")


def _build_people(tmp_path: Path):
    reg = open_registry(tmp_path / "hub.duckdb")
    reg.add_partnership("Nottingham")
    reg.add_partnership("Derby")
    reg.record_sharing("Nottingham", "Derby", True)      # both ISPs allow depersonalised sharing
    reg.record_sharing("Derby", "Nottingham", True)
    reg.add_agency("Notts Police", "central", dlo="Dee Lowe", partnerships=["Nottingham", "Derby"])
    reg.add_agency("City Council", "central", partnerships=["Nottingham"])
    reg.add_agency("Residents Group", "second", partnerships=["Nottingham"])
    reg.add_user("coord", "City Council", "admin", PASSWORD)
    reg.add_user("ana", "City Council", "analyst", PASSWORD)
    reg.add_user("pol_dlo", "Notts Police", "dlo", PASSWORD)
    reg.add_user("council_dlo", "City Council", "dlo", PASSWORD)
    reg.add_user("vic", "Residents Group", "viewer", PASSWORD)
    reg.add_user("sec_ana", "Residents Group", "analyst", PASSWORD)
    from workbench.privacy import dpia
    for agency in ("Notts Police", "City Council", "Residents Group"):   # UK GDPR Art 35
        dpia.record(reg, "coord", agency, f"DPIA-{agency[:6].upper()}", "2025-06-01", "2028-05-31")
    return reg


def _attach(con, path: Path, alias: str, key: str):
    con.execute(f"ATTACH '{path}' AS {alias} (ENCRYPTION_KEY '{key}')")


def build_hub(tmp_path: Path, victims) -> Path:
    """A minimal encrypted master hub: ``supplies`` and ``main.police_crime_victim``.

    ``victims`` is a list of (supply_id, agency, partnership, row-dict).
    """
    hub = tmp_path / "hub.duckdb"
    key = create_key(hub)
    con = new_connection()
    _attach(con, hub, "h", key)
    con.execute("CREATE TABLE h.supplies (supply_id BIGINT, dataset VARCHAR, agency VARCHAR, "
                "partnership VARCHAR)")
    con.execute("CREATE TABLE h.police_crime_victim (crime_ref VARCHAR, gender VARCHAR, age INTEGER, "
                "date_of_birth DATE, address VARCHAR, postcode VARCHAR, _supply_id BIGINT)")
    seen = set()
    for supply_id, agency, partnership, row in victims:
        if supply_id not in seen:
            con.execute("INSERT INTO h.supplies VALUES (?, 'police_crime_victim', ?, ?)",
                        [supply_id, agency, partnership])
            seen.add(supply_id)
        con.execute("INSERT INTO h.police_crime_victim VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [row["crime_ref"], row.get("gender"), row.get("age"), row.get("date_of_birth"),
                     row.get("address"), row.get("postcode"), supply_id])
    con.execute("DETACH h")
    con.close()
    return hub


def build_shared(hub: Path, tables: dict) -> Path:
    """A tiny encrypted shared tier beside ``hub``: {table: pandas.DataFrame}."""
    shared = shared_path(hub)
    key = create_key(shared)
    con = new_connection()
    _attach(con, shared, "s", key)
    for name, frame in tables.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE s.{name} AS SELECT * FROM frame")
        con.unregister("frame")
    con.execute("DETACH s")
    con.close()
    return shared
