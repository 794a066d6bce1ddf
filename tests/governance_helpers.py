"""Builders shared by the governance tests (registry, access, audit, requests, export).

Hubs and shared tiers are built from code by :func:`hubs.make_hub`, so these tests do not
depend on ingest or publish: :func:`victim_tables` gives a tiny encrypted master hub with a
``supplies`` table and one dataset; ``make_hub(..., shared={...})`` a tiny ``shared.duckdb``.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

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


VICTIM_COLUMNS = ("crime_ref", "gender", "age", "date_of_birth", "address", "postcode")


def victim_tables(victims) -> dict:
    """:func:`hubs.make_hub` ``tables`` for a minimal master hub: ``supplies`` and
    ``police_crime_victim``. ``victims`` is a list of (supply_id, agency, partnership, row-dict);
    use it as ``make_hub(tmp_path, init=False, tables=victim_tables(victims))``.
    """
    supplies = {}
    for supply_id, agency, partnership, _ in victims:
        supplies.setdefault(supply_id, (supply_id, agency, partnership))
    sup = pd.DataFrame(list(supplies.values()), columns=["supply_id", "agency", "partnership"],
                       dtype="object").astype("string")
    rows = pd.DataFrame([[row.get(c) for c in VICTIM_COLUMNS] + [supply_id]
                         for supply_id, _, _, row in victims],
                        columns=[*VICTIM_COLUMNS, "_supply_id"], dtype="object").astype("string")
    return {
        "supplies": (sup, "SELECT cast(supply_id AS BIGINT) AS supply_id, "
                          "cast('police_crime_victim' AS VARCHAR) AS dataset, "
                          "cast(agency AS VARCHAR) AS agency, cast(partnership AS VARCHAR) AS partnership "
                          "FROM frame"),
        "police_crime_victim": (rows, "SELECT cast(crime_ref AS VARCHAR) AS crime_ref, "
                                     "cast(gender AS VARCHAR) AS gender, cast(age AS INTEGER) AS age, "
                                     "cast(date_of_birth AS DATE) AS date_of_birth, "
                                     "cast(address AS VARCHAR) AS address, "
                                     "cast(postcode AS VARCHAR) AS postcode, "
                                     "cast(_supply_id AS BIGINT) AS _supply_id FROM frame"),
    }
