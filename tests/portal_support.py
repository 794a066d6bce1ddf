"""Helpers shared by the portal tests (tests/test_portal*.py): a small hub, users, log-in, CSRF."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

PASSWORD = {
    "rev.jones": "reviewer-passphrase-1",
    "admin.patel": "admin-passphrase-22",
    "p.school": "school-passphrase-333",
    "p.housing": "housing-passphrase-4444",
    "an.lee": "analyst-passphrase-55",
}
FORCE, SCHOOL, HOUSING = "Nottinghamshire Police", "Meadows Academy", "Riverside Housing"

SUBMISSION = {
    "category": "county_lines_drugs",
    "intelligence_text": "Two teenagers seen collecting packages from a blue car outside the shop every afternoon.",
    "location": "Outside the corner shop, Queen's Walk",
    "postcode": "ng2 2hp",
    "occurred_at": "2026-10-01T16:30",
    "source_type": "service_user",
    "source_details": "Pupil in year 10, reachable via the head of year",
    "anonymity_requested": True,
    "subjects": ["'Tiny', about 17", "Blue Ford Fiesta, partial plate AB12"],
}


def people(reg) -> None:
    """One force, two partner agencies and the five users of :data:`PASSWORD`."""
    reg.add_agency(FORCE, "central")
    reg.add_agency(SCHOOL, "second")
    reg.add_agency(HOUSING, "second")
    reg.add_user("rev.jones", FORCE, "reviewer", PASSWORD["rev.jones"])
    reg.add_user("admin.patel", FORCE, "admin", PASSWORD["admin.patel"])
    reg.add_user("an.lee", FORCE, "analyst", PASSWORD["an.lee"])
    reg.add_user("p.school", SCHOOL, "partner", PASSWORD["p.school"])
    reg.add_user("p.housing", HOUSING, "partner", PASSWORD["p.housing"])


#: :func:`hubs.make_hub` switches: an initialised encrypted hub with :func:`people` in its
#: registry, built once per test process and copied (hub, key file, registry)
PORTAL_HUB = {"registry": people, "cache": "portal"}


@contextmanager
def portal_client(hub: Path, **options):
    """A Starlette TestClient over a fresh portal app (plain-http cookies for the test transport)."""
    from starlette.testclient import TestClient

    from workbench.portal.app import create_app

    options.setdefault("secure_cookies", False)
    app = create_app(hub, **options)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def creds(name: str) -> tuple[str, str]:
    return name, PASSWORD[name]


def csrf(client, path: str = "/login") -> str:
    """The CSRF token from the form on ``path`` (for this client's session)."""
    html = client.get(path).text
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def login(client, name: str, password: str | None = None):
    token = csrf(client, "/login")
    return client.post("/login", data={"csrf_token": token, "name": name,
                                       "password": password or PASSWORD[name]}, follow_redirects=False)


def audit_entries(hub: Path, action: str) -> list:
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        return [e for e in reg.audit_entries() if e.action == action]


#: the force's designated liaison officer the console tests add (:func:`add_dlo`)
DLO, DLO_PW = "dlo.khan", "dlo-passphrase-9876"


def add_dlo(reg) -> None:
    """Add the force's DLO (:data:`DLO`) to the registry ``reg``."""
    reg.add_user(DLO, FORCE, "dlo", DLO_PW)


def console_admin(client) -> str:
    """Log ``client`` in as the admin and return the console's CSRF token."""
    assert login(client, "admin.patel").status_code == 303
    return csrf(client, "/console")


def marac_request(hub: Path, *, approve: bool = False) -> int:
    """A personal-data request by the analyst for two victims (pending, or approved by the
    :data:`DLO` with ``approve``); returns its id."""
    from datetime import date, timedelta

    from workbench.privacy import requests as pr
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        req = pr.create(reg, "an.lee", "service_delivery", ["Which repeat victims need a MARAC referral?"],
                        {"police_crime_victim": ["crime_ref", "age"]}, ["crime_and_disorder_act_s115"],
                        FORCE, date.today() + timedelta(days=30),
                        subjects={"police_crime_victim": {"crime_ref": ["C1", "C2"]}})
        if approve:
            pr.decide(reg, req.id, DLO, True, "for the MARAC")
    return req.id
