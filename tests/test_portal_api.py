"""The portal's JSON API (CONTRACTS.md "Portal HTTP API") and the whole flow over HTTP.

register → approve → activate → submit (form and API) → triage → grade → transfer, then the
record is in the hub as ``partner_intelligence`` and in the police import files.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from hubs import make_hub
from portal_support import (HOUSING, PORTAL_HUB, SCHOOL, SUBMISSION, creds, csrf, login,
                            portal_client)


@pytest.fixture
def hub(tmp_path):
    return make_hub(tmp_path, **PORTAL_HUB)


def test_post_submission_returns_201_with_reference(hub):
    with portal_client(hub) as c:
        r = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school"))
        assert r.status_code == 201
        ref = r.json()["submission_ref"]
        assert re.fullmatch(r"PIP-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", ref)
        assert set(r.json()) == {"submission_ref"}


@pytest.mark.parametrize("body, field", [
    ({**SUBMISSION, "category": "weather"}, "category"),
    ({k: v for k, v in SUBMISSION.items() if k != "intelligence_text"}, "intelligence_text"),
    ({**SUBMISSION, "postcode": "12345"}, "postcode"),
    ({**SUBMISSION, "source_type": ""}, "source_type"),
    ({**SUBMISSION, "colour": "red"}, "colour"),
    (["not", "an", "object"], "body"),
])
def test_invalid_body_is_422_naming_the_field(hub, body, field):
    with portal_client(hub) as c:
        r = c.post("/api/v1/submissions", json=body, auth=creds("p.school"))
        assert r.status_code == 422
        assert r.json()["field"] == field
        assert field in r.json()["message"]


def test_malformed_json_is_422(hub):
    with portal_client(hub) as c:
        r = c.post("/api/v1/submissions", content=b"{not json", auth=creds("p.school"),
                   headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "body"


@pytest.mark.parametrize("auth_header", [None, "Bearer abc", "Basic !!!notbase64",
                                         "Basic " + base64.b64encode(b"p.school:wrong-password").decode(),
                                         "Basic " + base64.b64encode(b"nobody:whatever-pass").decode()])
def test_unauthenticated_is_401(hub, auth_header):
    with portal_client(hub) as c:
        headers = {"authorization": auth_header} if auth_header else {}
        r = c.post("/api/v1/submissions", json=SUBMISSION, headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Basic")
        assert c.get("/api/v1/submissions/PIP-0000-0000-0000", headers=headers).status_code == 401


@pytest.mark.parametrize("role_user", ["rev.jones", "admin.patel", "an.lee"])
def test_only_partners_submit(hub, role_user):
    with portal_client(hub) as c:
        r = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds(role_user))
        assert r.status_code == 403


def test_submitter_sees_status_only_reviewer_sees_grading(hub):
    with portal_client(hub) as c:
        ref = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).json()["submission_ref"]
        mine = c.get(f"/api/v1/submissions/{ref}", auth=creds("p.school"))
        assert mine.status_code == 200 and mine.json() == {"submission_ref": ref, "status": "received"}
        rev = c.get(f"/api/v1/submissions/{ref}", auth=creds("rev.jones")).json()
        assert rev["grading"] is None and rev["partner_agency"] == SCHOOL and rev["status"] == "received"
        assert "source_details" not in json.dumps(rev)
        login(c, "rev.jones")
        token = csrf(c, f"/review/{ref}")
        r = c.post(f"/review/{ref}/grade", data={"csrf_token": token, "source_evaluation": "2",
                                                 "intelligence_assessment": "B", "handling_code": "C",
                                                 "handling_conditions": "Not to be disclosed to the school",
                                                 "decision": "no_further_action"}, follow_redirects=False)
        assert r.status_code == 303
        rev = c.get(f"/api/v1/submissions/{ref}", auth=creds("rev.jones")).json()
        assert rev["grading"]["handling_code"] == "C" and rev["status"] == "no_further_action"
        assert rev["grading"]["handling_conditions"] == "Not to be disclosed to the school"
        # the partner still sees only "assessed": never the result of police action (reference 000)
        assert c.get(f"/api/v1/submissions/{ref}", auth=creds("p.school")).json() == \
            {"submission_ref": ref, "status": "assessed"}


def test_other_agency_cannot_read_by_reference(hub):
    with portal_client(hub) as c:
        ref = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).json()["submission_ref"]
        theirs = c.get(f"/api/v1/submissions/{ref}", auth=creds("p.housing"))
        missing = c.get("/api/v1/submissions/PIP-0000-0000-0000", auth=creds("p.housing"))
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["message"].replace(ref, "X") == missing.json()["message"].replace(
            "PIP-0000-0000-0000", "X")
        for admin_like in ("admin.patel", "an.lee"):
            assert c.get(f"/api/v1/submissions/{ref}", auth=creds(admin_like)).status_code == 404
    from portal_support import audit_entries

    denied = [e for e in audit_entries(hub, "portal.submission.read") if e.outcome == "denied"]
    assert any(e.actor == "p.housing" and e.target == ref for e in denied)


def _register_and_activate(c, hub, agency="Hope Children's Charity", username="k.osei"):
    token = csrf(c, "/register")
    r = c.post("/register", data={"csrf_token": token, "agency_name": agency, "agency_type": "charity",
                                  "contact_name": "K Osei", "contact_email": "k.osei@example.org",
                                  "reason": "We work with young people at risk of exploitation",
                                  "staff_1_username": username, "staff_1_full_name": "Kofi Osei",
                                  "staff_1_email": "kofi@example.org", "staff_1_job_title": "Youth worker"})
    assert r.status_code == 200
    request_id = re.search(r"REG-[0-9A-F]{10}", r.text).group(0)
    login(c, "admin.patel")
    assert request_id in c.get("/admin/requests").text
    token = csrf(c, "/admin/requests")
    r = c.post(f"/admin/requests/{request_id}/approve", data={"csrf_token": token})
    assert r.status_code == 200
    code = re.search(r'<td class="code">([^<]+)</td>', r.text).group(1)
    c.post("/logout", data={"csrf_token": csrf(c, "/")})
    token = csrf(c, "/activate")
    r = c.post("/activate", data={"csrf_token": token, "username": username, "code": code,
                                  "password": "charity-passphrase-9", "password_confirm": "charity-passphrase-9"})
    assert r.status_code == 200, r.text
    return username, "charity-passphrase-9"


def test_end_to_end_register_approve_submit_grade_transfer(hub):
    from workbench.hub.connect import open_hub
    from workbench.portal.transfer import exports_dir

    with portal_client(hub) as c:
        user, pw = _register_and_activate(c, hub)
        # activation code is single-use
        assert login(c, user, pw).status_code == 303
        # submit through the form
        token = csrf(c, "/submit")
        form = {k: v for k, v in SUBMISSION.items() if k not in ("subjects", "anonymity_requested")}
        r = c.post("/submit", data={**form, "csrf_token": token, "subjects": "'Tiny', about 17",
                                    "anonymity_requested": "Y"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/submitted/PIP-")
        r = c.get(r.headers["location"])
        assert r.status_code == 200
        form_ref = re.search(r'id="submission-ref">([^<]+)<', r.text).group(1)
        assert form_ref in c.get("/my/submissions").text
        # and through the API
        api_ref = c.post("/api/v1/submissions", json=SUBMISSION, auth=(user, pw)).json()["submission_ref"]
        c.post("/logout", data={"csrf_token": csrf(c, "/")})
        # triage and grade as a reviewer
        login(c, "rev.jones")
        queue = c.get("/review").text
        assert form_ref in queue and api_ref in queue
        token = csrf(c, f"/review/{form_ref}")
        r = c.post(f"/review/{form_ref}/grade", data={
            "csrf_token": token, "source_evaluation": "1", "intelligence_assessment": "A",
            "handling_code": "P", "decision": "transfer", "triage_notes": "Matches known county line"})
        assert r.status_code == 200 and "transfer is queued" in r.text
        from workbench.portal import transfer as T
        T.drain(hub)                                  # the worker's part (outside the portal)
        T.sync(c.app.state.portal.store, hub)         # the portal takes the outcome back
        assert c.get(f"/api/v1/submissions/{form_ref}", auth=creds("rev.jones")).json()["status"] == "transferred"
        queue_table = c.get("/review").text.split("Recent decisions")[0]
        assert form_ref not in queue_table and api_ref in queue_table
        stats = c.get("/stats").text
        assert 'id="organisations">3<' in stats and 'id="people">3<' in stats and 'id="total">2<' in stats
    con = open_hub(hub, read_only=True)
    try:
        rows = con.execute("SELECT submission_ref, partner_agency, source_evaluation, intelligence_assessment, "
                           "handling_code, status, source_details, anonymity_requested, postcode "
                           "FROM partner_intelligence").fetchall()
    finally:
        con.close()
    assert rows == [(form_ref, "Hope Children's Charity", "1", "A", "P", "transferred", None, "Y", "NG2 2HP")]
    record = json.loads((exports_dir(hub) / f"{form_ref}.json").read_text())
    assert record["format"] == "pip-police-import/1" and record["grading"] == "1/A/P"
    assert record["source_details"] == SUBMISSION["source_details"]
    assert (exports_dir(hub) / f"{form_ref}.csv").read_text().startswith("format,record_type,submission_ref")
    assert oct((exports_dir(hub) / f"{form_ref}.json").stat().st_mode & 0o777) == "0o600"


def test_partner_list_shows_only_own_agency(hub):
    with portal_client(hub) as c:
        mine = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).json()["submission_ref"]
        theirs = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.housing")).json()["submission_ref"]
        login(c, "p.school")
        page = c.get("/my/submissions").text
        assert mine in page and theirs not in page
        assert HOUSING not in page
        assert c.get(f"/submitted/{mine}").status_code == 200
        assert c.get(f"/submitted/{theirs}").status_code == 403     # another agency's acknowledgement


def test_every_page_warns_not_for_emergencies_or_safeguarding_referrals(hub):
    with portal_client(hub) as c:
        pages = ["/", "/how-to-submit", "/login", "/register", "/activate"]
        texts = [c.get(p).text for p in pages]
        login(c, "p.school")
        texts.append(c.get("/submit").text)
    for page, html in zip(pages + ["/submit"], texts):
        assert "999" in html and "MASH" in html and "Not for emergencies" in html, page
    assert "result of any police action" in texts[1]          # how-to: no results back (reference 000)


def test_deactivated_account_stops_at_once_even_with_cached_password(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        assert c.get("/api/v1/whoami", auth=creds("p.school")).json() == {
            "name": "p.school", "agency": SCHOOL, "role": "partner"}
        login(c, "p.school")
        assert c.get("/submit").status_code == 200
        with open_registry(hub) as reg:
            reg.set_user_active("p.school", False, actor="admin.patel")
        assert c.get("/api/v1/whoami", auth=creds("p.school")).status_code == 401
        assert c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).status_code == 401
        assert c.get("/submit", follow_redirects=False).status_code == 303     # session no longer valid


def test_more_staff_for_an_existing_agency_and_rejection_on_the_web(hub):
    def request(c, agency, username):
        token = csrf(c, "/register")
        r = c.post("/register", data={"csrf_token": token, "agency_name": agency, "agency_type": "school",
                                      "contact_name": "Head", "contact_email": "head@example.org",
                                      "staff_1_username": username, "staff_1_full_name": "New Teacher",
                                      "staff_1_email": "t@example.org"})
        assert r.status_code == 200
        return re.search(r"REG-[0-9A-F]{10}", r.text).group(0)

    with portal_client(hub) as c:
        more = request(c, SCHOOL, "t.new")
        spam = request(c, "Totally Real Agency", "spam.user")
        # a taken log-in name gets the same answer as a free one (no user-name enumeration) ...
        dup = request(c, SCHOOL, "p.school")
        login(c, "admin.patel")
        token = csrf(c, "/admin/requests")
        r = c.post(f"/admin/requests/{spam}/reject", data={"csrf_token": token, "note": "not a partner"})
        assert r.status_code == 200 and f"Request {spam} rejected" in r.text
        assert f'id="{spam}"' not in r.text and f'id="{more}"' in r.text     # no longer waiting
        # ... and the admin is told when approving it
        r = c.post(f"/admin/requests/{dup}/approve", data={"csrf_token": token, "confirm_agency": "yes"})
        assert "Log-in name(s) p.school of request" in r.text and 'class="code"' not in r.text
        r = c.post(f"/admin/requests/{more}/approve", data={"csrf_token": token, "confirm_agency": "yes"})
        code = re.search(r'<td class="code">([^<]+)</td>', r.text).group(1)
        c.post("/logout", data={"csrf_token": csrf(c, "/")})
        token = csrf(c, "/activate")
        r = c.post("/activate", data={"csrf_token": token, "username": "t.new", "code": code,
                                      "password": "teacher-passphrase-1", "password_confirm": "teacher-passphrase-1"})
        assert r.status_code == 200
        # the new teacher belongs to the existing school and sees its earlier submissions' status
        ref = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).json()["submission_ref"]
        assert c.get(f"/api/v1/submissions/{ref}", auth=("t.new", "teacher-passphrase-1")).status_code == 200
        token = csrf(c, "/activate")
        r = c.post("/activate", data={"csrf_token": token, "username": "spam.user", "code": code,
                                      "password": "spammer-passphrase", "password_confirm": "spammer-passphrase"})
        assert r.status_code == 403                                   # rejected: no account
