"""A registration naming an existing agency needs the admin's explicit confirmation (issue 11).

The security review: an anonymous registration naming an existing agency was approved with no
warning, and the new account then saw that agency's submissions and submitter names. Now the
admin is shown the risk and must confirm the link (web: a tick box; CLI:
``--confirm-existing-agency``); until then nothing is created and the requester sees nothing.
"""

from __future__ import annotations

import re

from workbench.cli import main
from workbench.portal import registration as R
from workbench.portal.auth import Authenticator
from workbench.portal.store import PortalStore

from hubs import make_hub
from portal_support import PORTAL_HUB, SCHOOL, SUBMISSION, creds, csrf, login, portal_client


def _register(c, agency: str, username: str) -> str:
    token = csrf(c, "/register")
    r = c.post("/register", data={"csrf_token": token, "agency_name": agency, "agency_type": "school",
                                  "contact_name": "Head", "contact_email": "head@example.org",
                                  "staff_1_username": username, "staff_1_full_name": "New Teacher",
                                  "staff_1_email": "t@example.org"})
    assert r.status_code == 200
    return re.search(r"REG-[0-9A-F]{10}", r.text).group(0)


def test_existing_agency_link_needs_explicit_confirmation_on_the_web(tmp_path):
    hub = make_hub(tmp_path, **PORTAL_HUB)
    with portal_client(hub) as c:
        ref = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).json()["submission_ref"]
        impostor = _register(c, "  meadows ACADEMY ", "eve.mallory")        # a look-alike spelling too
        login(c, "admin.patel")
        page = c.get("/admin/requests").text
        assert f'id="agency-risk-{impostor}"' in page and "will see that agency&#39;s submissions" in page
        assert 'name="confirm_agency"' in page
        token = csrf(c, "/admin/requests")
        r = c.post(f"/admin/requests/{impostor}/approve", data={"csrf_token": token})   # no confirmation
        assert 'class="code"' not in r.text and "existing agency" in r.text
        assert f'id="{impostor}"' in r.text                                   # still waiting
        c.post("/logout", data={"csrf_token": csrf(c, "/")})
        # nothing was created: the requester cannot activate and sees nothing of the school
        token = csrf(c, "/activate")
        r = c.post("/activate", data={"csrf_token": token, "username": "eve.mallory", "code": "guess",
                                      "password": "a-long-passphrase-1", "password_confirm": "a-long-passphrase-1"})
        assert r.status_code == 403
        assert c.get(f"/api/v1/submissions/{ref}", auth=("eve.mallory", "a-long-passphrase-1")).status_code == 401
        # confirmed explicitly: linked to the existing agency's exact name
        login(c, "admin.patel")
        token = csrf(c, "/admin/requests")
        r = c.post(f"/admin/requests/{impostor}/approve", data={"csrf_token": token, "confirm_agency": "yes"})
        assert re.search(r'<td class="code">([^<]+)</td>', r.text)
    store = PortalStore(hub)
    try:
        assert R.list_requests(store, "approved")[0]["agency_name"] == SCHOOL
    finally:
        store.close()
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        denied = [e for e in reg.audit_entries() if e.action == "portal.registration.approve" and e.outcome == "denied"]
    assert denied and denied[0].detail["existing_agency"] == SCHOOL


def test_cli_approve_of_an_existing_agency_exits_2_until_confirmed(tmp_path, capsys):
    hub = make_hub(tmp_path, **PORTAL_HUB)
    store = PortalStore(hub)
    try:
        from workbench.portal.validate import registration

        reg = registration({"agency_name": SCHOOL, "agency_type": "school", "contact_name": "Head",
                            "contact_email": "head@example.org",
                            "staff": [{"username": "t.two", "full_name": "T Two", "email": "t2@example.org",
                                       "job_title": "Teacher"}]})
        rid = R.request(store, Authenticator(hub), reg)
    finally:
        store.close()
    h = ["--hub", str(hub), "--as", "admin.patel"]
    assert main(["portal", "approve", rid, *h]) == 2
    assert "they will see that agency's submissions" in capsys.readouterr().err
    assert main(["portal", "approve", rid, *h, "--confirm-existing-agency", "--json"]) == 0
