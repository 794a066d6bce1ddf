"""The coordinator console (issue 15): governance in the browser through the registry's own calls.

Each page: what an admin (or DLO) sees and does, the audit entry the action leaves, the 403 (and
its audit entry) for someone without the role, and the 403 for a form without its CSRF token.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from hubs import make_hub
from portal_support import (DLO, DLO_PW, FORCE, HOUSING, PASSWORD, PORTAL_HUB, SCHOOL, add_dlo,
                            audit_entries, console_admin, csrf, login, marac_request, portal_client)

@pytest.fixture
def hub(tmp_path):
    from workbench.registry import open_registry

    hub = make_hub(tmp_path, **PORTAL_HUB)
    with open_registry(hub) as reg:
        add_dlo(reg)
    return hub


# -- access ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/console", "/console/audit", "/console/agencies", "/console/users",
                                  "/console/commissions"])
def test_console_pages_refuse_a_non_admin_with_403_and_an_audit_entry(hub, path):
    with portal_client(hub) as c:
        login(c, "rev.jones")
        r = c.get(path)
        assert r.status_code == 403
        assert "this needs the role admin" in r.text
    denied = [e for e in audit_entries(hub, e_action(path)) if e.outcome == "denied"]
    assert [e.actor for e in denied] == ["rev.jones"]


def e_action(path: str) -> str:
    return {"/console": "console.view", "/console/audit": "console.audit.view",
            "/console/agencies": "console.agencies.view", "/console/users": "console.users.view",
            "/console/commissions": "console.commissions.view"}[path]


def test_console_sends_an_anonymous_visitor_to_log_in(hub):
    with portal_client(hub) as c:
        r = c.get("/console/users", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/console/users"


def test_console_home_links_every_page_for_the_admin(hub):
    with portal_client(hub) as c:
        console_admin(c)
        html = c.get("/console").text
        for href in ("/console/audit", "/console/agencies", "/console/users", "/console/requests",
                     "/console/commissions"):
            assert f'href="{href}"' in html


@pytest.mark.parametrize("path,data", [
    ("/console/agencies/isp", {"agency": SCHOOL, "isp_status": "withdrawn"}),
    ("/console/users/add", {"name": "new.person", "agency": SCHOOL, "role": "partner"}),
    ("/console/users/p.school/deactivate", {}),
    ("/console/audit/verify", {}),
])
def test_console_forms_without_the_csrf_token_are_refused_and_change_nothing(hub, path, data):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        console_admin(c)
        r = c.post(path, data=data)
        assert r.status_code == 403 and "could not be verified" in r.text
    with open_registry(hub) as reg:
        assert reg.get_agency(SCHOOL).isp_status == "signed"
        assert reg.get_user("p.school").active
        assert "new.person" not in [u.name for u in reg.list_users()]
    assert [e.outcome for e in audit_entries(hub, "portal.refused.csrf")] == ["denied"]


def test_a_non_admin_posting_with_a_valid_token_is_refused_and_audited(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        login(c, "rev.jones")
        token = csrf(c, "/")              # the log-out form carries this session's token
        r = c.post("/console/agencies/isp", data={"csrf_token": token, "agency": SCHOOL, "isp_status": "withdrawn"})
        assert r.status_code == 403
    with open_registry(hub) as reg:
        assert reg.get_agency(SCHOOL).isp_status == "signed"
    assert [(e.actor, e.outcome) for e in audit_entries(hub, "console.agency.update")] == [("rev.jones", "denied")]


# -- audit log ------------------------------------------------------------------------------------
def test_audit_log_filters_by_actor_action_outcome_and_date_and_paginates(hub):
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        for i in range(60):
            reg.audit("bulk.user", "test.bulk", f"t{i}")
        reg.audit("bulk.user", "test.other", "x", outcome="denied")
    with portal_client(hub) as c:
        console_admin(c)
        page1 = c.get("/console/audit", params={"actor": "bulk.user", "action": "test.bulk"}).text
        assert "60 entries · page 1 of 2" in page1
        assert page1.count("<td>test.bulk</td>") == 50 and ">t59<" in page1 and ">t9<" not in page1
        assert 'href="/console/audit?actor=bulk.user&amp;action=test.bulk&amp;page=2"' in page1
        page2 = c.get("/console/audit", params={"actor": "bulk.user", "action": "test.bulk", "page": 2}).text
        assert page2.count("<td>test.bulk</td>") == 10 and ">t0<" in page2
        prefix = c.get("/console/audit", params={"actor": "bulk.user", "action": "test."}).text
        assert "61 entries" in prefix
        denied = c.get("/console/audit", params={"actor": "bulk.user", "outcome": "denied"}).text
        assert "1 entry ·" in denied and "<td>test.other</td>" in denied
        tomorrow = (date.today() + timedelta(days=2)).isoformat()
        assert "61 entries" in c.get("/console/audit", params={"actor": "bulk.user", "since": "2000-01-01",
                                                               "until": tomorrow}).text
        assert "0 entries" in c.get("/console/audit", params={"actor": "bulk.user", "since": tomorrow}).text
        assert "0 entries" in c.get("/console/audit", params={"actor": "bulk.user", "until": "2000-01-01"}).text


def test_audit_log_names_a_bad_filter_with_400(hub):
    with portal_client(hub) as c:
        console_admin(c)
        r = c.get("/console/audit", params={"since": "1/12/2026"})
        assert r.status_code == 400
        assert "`since`: expected a date as YYYY-MM-DD" in r.text and "&#39;1/12/2026&#39;" in r.text
        assert c.get("/console/audit", params={"outcome": "maybe"}).status_code == 400
        assert c.get("/console/audit", params={"page": "0"}).status_code == 400


def test_audit_log_escapes_what_it_shows(hub):
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        reg.audit("<script>alert(1)</script>", "test.xss", "<img src=x onerror=alert(2)>", {"k": "<b>"})
    with portal_client(hub) as c:
        console_admin(c)
        html = c.get("/console/audit", params={"action": "test.xss"}).text
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html and "<b>" not in html


def test_verify_button_shows_the_library_result_and_is_audited(hub):
    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/audit/verify", data={"csrf_token": token})
        assert r.status_code == 200
        assert re.search(r"Audit chain intact: \d+ entries\.", r.text)
    assert [(e.actor, e.outcome, e.detail["intact"]) for e in audit_entries(hub, "audit.verify")] == [
        ("admin.patel", "ok", True)]


def test_verify_button_reports_a_tampered_chain(hub):
    import sqlite3

    from workbench.registry.db import registry_path

    con = sqlite3.connect(registry_path(hub))
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET actor = 'someone.else' WHERE seq = 2")
    con.commit()
    con.close()
    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/audit/verify", data={"csrf_token": token})
        assert r.status_code == 409
        assert "Audit chain BROKEN at entry 2" in r.text


# -- agencies -------------------------------------------------------------------------------------
def test_agencies_page_lists_groups_and_isp_and_changes_isp_status(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        html = c.get("/console/agencies").text
        for name in (FORCE, SCHOOL, HOUSING):
            assert name in html
        assert "<td>second</td>" in html and "<td>central</td>" in html
        r = c.post("/console/agencies/isp", data={"csrf_token": token, "agency": HOUSING, "isp_status": "withdrawn"})
        assert r.status_code == 200 and f"ISP status of {HOUSING} is now withdrawn." in r.text
        bad = c.post("/console/agencies/isp", data={"csrf_token": token, "agency": HOUSING, "isp_status": "lapsed"})
        assert "isp_status" in bad.text and "lapsed" in bad.text
    with open_registry(hub) as reg:
        assert reg.get_agency(HOUSING).isp_status == "withdrawn"
    assert [(e.actor, e.target, e.detail) for e in audit_entries(hub, "agency.update")] == [
        ("admin.patel", HOUSING, {"isp_status": "withdrawn"})]


def test_a_withdrawn_isp_locks_the_partner_out_of_the_portal(hub):
    with portal_client(hub) as c:
        token = console_admin(c)
        c.post("/console/agencies/isp", data={"csrf_token": token, "agency": SCHOOL, "isp_status": "withdrawn"})
    with portal_client(hub) as c:
        login(c, "p.school")
        assert c.get("/submit").status_code == 403


def test_record_a_dpia_from_the_agencies_page(hub):
    from workbench.privacy import dpia

    from workbench.registry import open_registry

    done, review = date.today() - timedelta(days=10), date.today() + timedelta(days=300)
    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/agencies/dpia", data={
            "csrf_token": token, "agency": FORCE, "reference": "DPIA-2026-04",
            "completed_on": done.isoformat(), "review_by": review.isoformat(), "partnership": ""})
        assert "DPIA DPIA-2026-04 recorded" in r.text
        assert "DPIA-2026-04 (review by" in c.get("/console/agencies").text
        # the library's validation message reaches the page, and nothing is recorded
        r = c.post("/console/agencies/dpia", data={
            "csrf_token": token, "agency": FORCE, "reference": "DPIA-late", "completed_on": done.isoformat(),
            "review_by": (done + timedelta(days=4000)).isoformat()})
        assert "at most 1098 days (three years) apart" in r.text
    with open_registry(hub) as reg:
        assert [d.reference for d in dpia.list_dpias(reg, FORCE)] == ["DPIA-2026-04"]
    assert [e.actor for e in audit_entries(hub, "dpia.record")] == ["admin.patel"]


# -- users ----------------------------------------------------------------------------------------
def test_add_user_gives_a_one_time_code_that_sets_their_own_password(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        html = c.get("/console/users").text
        assert "p.housing" in html and "rev.jones" in html
        r = c.post("/console/users/add", data={"csrf_token": token, "name": "j.ward", "agency": SCHOOL,
                                               "role": "partner"})
        assert r.status_code == 200
        code = re.search(r'id="one-time-code">([^<]+)<', r.text).group(1)
    with open_registry(hub) as reg:
        assert reg.get_user("j.ward").role == "partner"
    with portal_client(hub) as c:
        token = csrf(c, "/reset-password")
        new = "ward-passphrase-2468"
        r = c.post("/reset-password", data={"csrf_token": token, "username": "j.ward", "code": code,
                                            "password": new, "password_confirm": new})
        assert r.status_code in (200, 303), r.text
        assert login(c, "j.ward", "ward-passphrase-2468").status_code == 303
    assert [(e.actor, e.target) for e in audit_entries(hub, "user.add")][-1] == ("admin.patel", "j.ward")
    assert [e.target for e in audit_entries(hub, "portal.password.reset_code")] == ["j.ward"]


def test_add_user_shows_the_registry_validation_and_adds_nothing(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/users/add", data={"csrf_token": token, "name": "p.school", "agency": SCHOOL,
                                               "role": "partner"})
        assert "User &#39;p.school&#39; already exists" in r.text
        r = c.post("/console/users/add", data={"csrf_token": token, "name": "x.y", "agency": SCHOOL,
                                               "role": "emperor"})
        assert "emperor" in r.text
    with open_registry(hub) as reg:
        assert "x.y" not in [u.name for u in reg.list_users()]


def test_deactivate_and_reactivate_a_user(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        login(c, "p.school")
        assert c.get("/my/submissions").status_code == 200
        victim = dict(c.cookies)
        c.cookies.clear()
        token = console_admin(c)
        admin = dict(c.cookies)
        r = c.post("/console/users/p.school/deactivate", data={"csrf_token": token})
        assert "p.school deactivated." in r.text
        # the deactivated user's open session ends at once
        c.cookies.clear()
        c.cookies.update(victim)
        assert c.get("/my/submissions", follow_redirects=False).status_code == 303
        c.cookies.clear()
        c.cookies.update(admin)
        with open_registry(hub) as reg:
            assert not reg.get_user("p.school").active
        r = c.post("/console/users/p.school/activate", data={"csrf_token": token})
        assert "p.school reactivated." in r.text
        # the last admin cannot switch themselves off (library rule shown on the page)
        r = c.post("/console/users/admin.patel/deactivate", data={"csrf_token": token})
        assert "last active admin" in r.text
    assert [e.action for e in audit_entries(hub, "user.deactivate")] == ["user.deactivate"]
    assert [e.actor for e in audit_entries(hub, "user.activate")] == ["admin.patel"]


# -- requests and FOI ------------------------------------------------------------------------------
def test_dlo_approves_a_pending_request_from_the_page(hub):
    from workbench.privacy import requests as pr

    from workbench.registry import open_registry

    rid = marac_request(hub)
    with portal_client(hub) as c:
        login(c, DLO, DLO_PW)
        html = c.get("/console/requests").text
        assert f'id="request-{rid}"' in html and "Which repeat victims need a MARAC referral?" in html
        token = csrf(c, "/console/requests")
        r = c.post(f"/console/requests/{rid}/approve", data={"csrf_token": token, "note": "MARAC on Tuesday"})
        assert f"Request {rid} approved." in r.text
        assert "No personal-data request is waiting." in r.text
    with open_registry(hub) as reg:
        req = pr.get(reg, rid)
        assert (req.status, req.decided_by, req.decision_note) == ("approved", DLO, "MARAC on Tuesday")
    assert [(e.actor, e.target) for e in audit_entries(hub, "request.approve")] == [(DLO, f"request:{rid}")]


def test_dlo_refuses_and_an_admin_who_is_not_the_dlo_is_refused_by_the_library(hub):
    from workbench.privacy import requests as pr

    from workbench.registry import open_registry

    rid = marac_request(hub)
    with portal_client(hub) as c:
        token = console_admin(c)
        html = c.get("/console/requests").text
        assert f"Waiting for a DLO of {FORCE}" in html and "/approve" not in html
        r = c.post(f"/console/requests/{rid}/approve", data={"csrf_token": token})
        assert r.status_code == 403 and "only a DLO of" in r.text
    with portal_client(hub) as c:
        login(c, DLO, DLO_PW)
        token = csrf(c, "/console/requests")
        r = c.post(f"/console/requests/{rid}/refuse", data={"csrf_token": token, "note": "not proportionate"})
        assert f"Request {rid} refused." in r.text
        r = c.post(f"/console/requests/{rid}/approve", data={"csrf_token": token})
        assert f"Request {rid} is refused; only a pending request can be decided." in r.text
    with open_registry(hub) as reg:
        assert pr.get(reg, rid).status == "refused"
    assert [(e.actor, e.outcome) for e in audit_entries(hub, "request.approve")] == [("admin.patel", "denied")]


def test_requests_page_refuses_an_analyst_and_a_dlo_sees_only_their_agency(hub):
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        reg.add_user("dlo.school", SCHOOL, "dlo", "school-dlo-passphrase-1")
    rid = marac_request(hub)
    with portal_client(hub) as c:
        login(c, "rev.jones")
        assert c.get("/console/requests").status_code == 403
    with portal_client(hub) as c:
        login(c, "dlo.school", "school-dlo-passphrase-1")
        html = c.get("/console/requests").text
        assert f'id="request-{rid}"' not in html and "No personal-data request is waiting." in html
        # the DLO is not let into the coordinator's pages
        assert c.get("/console/users").status_code == 403
    assert [e.actor for e in audit_entries(hub, "console.requests.view") if e.outcome == "denied"] == ["rev.jones"]


def test_foi_consultation_shows_the_20_working_day_deadline_and_takes_the_dlo_answer(hub):
    from workbench.privacy import foi
    from workbench.privacy.working_days import foi_due

    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        f = foi.record(reg, "admin.patel", "A. Journalist", "Burglaries by ward 2024", [], [FORCE])
    due = foi_due(f.received_at)
    with portal_client(hub) as c:
        console_admin(c)
        html = c.get("/console/requests").text
        assert f'id="foi-{f.id}"' in html and "Burglaries by ward 2024" in html
        assert f"{due.day} {due:%b %Y}" in html and "not yet answered" in html
    with portal_client(hub) as c:
        login(c, DLO, DLO_PW)
        token = csrf(c, "/console/requests")
        r = c.post(f"/console/foi/{f.id}/consult", data={"csrf_token": token, "consent": "yes"})
        assert f"Answer for {FORCE} recorded on FOI {f.id}." in r.text and "consents" in r.text
    with open_registry(hub) as reg:
        assert foi.get(reg, f.id).consultations == {FORCE: True}
    assert [e.actor for e in audit_entries(hub, "foi.consult")] == [DLO]


def test_foi_deadline_counts_working_days_not_calendar_days():
    from workbench.privacy.working_days import add_working_days, foi_due, working_days_left

    # received Monday 2 Dec 2024: 25, 26 Dec and 1 Jan are bank holidays; weekends skipped
    assert foi_due(date(2024, 12, 2)) == date(2025, 1, 2)
    # Easter 2025: Good Friday 18 Apr and Easter Monday 21 Apr skipped
    assert add_working_days(date(2025, 4, 16), 2) == date(2025, 4, 22)
    # Christmas 2027 on a Saturday: substitutes Mon 27 and Tue 28 Dec
    assert add_working_days(date(2027, 12, 24), 1) == date(2027, 12, 29)
    assert working_days_left(date(2025, 1, 2), date(2025, 1, 2)) == 0
    assert working_days_left(date(2025, 1, 2), date(2025, 1, 3)) == -1


# -- commissioning register -------------------------------------------------------------------------
def test_commissioning_register_is_listed_with_due_dates(hub):
    from workbench.products import commissioning as cm

    c1 = cm.add_commission(hub, title="Night-time <violence>", questions=["Where?"],
                           requested_by="strategy group", due=(date.today() - timedelta(days=3)).isoformat(),
                           quiet=True)
    cm.assign_commission(hub, c1.id, "an.lee")
    c2 = cm.add_commission(hub, title="Shop theft profile", questions=["Which shops?"],
                           requested_by="strategy group", due=(date.today() - timedelta(days=30)).isoformat(),
                           quiet=True)
    cm.set_status(hub, c2.id, "delivered")
    from workbench.products import feedback as fbk

    fbk.add_feedback(hub, c2.id, used="yes", helped_outcome="no", comments="<i>late</i> but used")
    with portal_client(hub) as c:
        console_admin(c)
        html = c.get("/console/commissions").text
        assert "Night-time &lt;violence&gt;" in html and "an.lee" in html
        rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr id="commission-(\d+)">.*?</tr>', html, re.S)}
        assert "overdue" in rows[str(c1.id)] and "none yet" in rows[str(c1.id)]
        # delivered work is not overdue; its latest feedback is shown, escaped
        assert "overdue" not in rows[str(c2.id)]
        assert "used: yes · helped: no · timely: —" in rows[str(c2.id)]
        assert "&lt;i&gt;late&lt;/i&gt; but used" in rows[str(c2.id)]


# -- further governance tasks of docs/guide-coordinator.md ------------------------------------------
def test_register_an_agency_from_the_page(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/agencies/add", data={"csrf_token": token, "name": "Fire and Rescue", "group": "central",
                                                  "dlo": "Stn Cdr Bell", "isp_status": "pending"})
        assert "Agency Fire and Rescue registered." in r.text
        r = c.post("/console/agencies/add", data={"csrf_token": token, "name": "Odd Agency", "group": "third"})
        assert "group" in r.text and "third" in r.text
        assert c.post("/console/agencies/add", data={"name": "No Token", "group": "central"}).status_code == 403
    with open_registry(hub) as reg:
        a = reg.get_agency("Fire and Rescue")
        assert (a.group, a.dlo, a.isp_status) == ("central", "Stn Cdr Bell", "pending")
        assert {x.name for x in reg.list_agencies()} == {FORCE, SCHOOL, HOUSING, "Fire and Rescue"}
    assert [(e.actor, e.target) for e in audit_entries(hub, "agency.add")][-1] == ("admin.patel", "Fire and Rescue")


def test_unlock_a_locked_out_user(hub):
    from workbench.errors import AccessDenied
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        for _ in range(5):
            with pytest.raises(AccessDenied):
                reg.authenticate("p.school", "wrong-password-entirely")
        with pytest.raises(AccessDenied):
            reg.authenticate("p.school", PASSWORD["p.school"])     # locked
    with portal_client(hub) as c:
        token = console_admin(c)
        assert "p.school unlocked." in c.post("/console/users/p.school/unlock", data={"csrf_token": token}).text
    with open_registry(hub) as reg:
        assert reg.authenticate("p.school", PASSWORD["p.school"]).name == "p.school"
    assert [e.actor for e in audit_entries(hub, "user.unlock")] == ["admin.patel"]


def test_foi_release_needs_every_consent_and_refusal_is_recorded(hub):
    from workbench.privacy import foi

    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        f1 = foi.record(reg, "admin.patel", "A. Journalist", "Burglaries by ward 2024", [], [FORCE])
        f2 = foi.record(reg, "admin.patel", "B. Campaigner", "ASB calls by month", [], [FORCE])
    with portal_client(hub) as c:
        token = console_admin(c)
        row = re.search(rf'<tr id="foi-{f1.id}">.*?</tr>', c.get("/console/requests").text, re.S).group(0)
        assert "disabled title=\"needs every originating agency's consent\"" in row
        r = c.post(f"/console/foi/{f1.id}/decide/release", data={"csrf_token": token})
        assert r.status_code == 403 and "no recorded consent from" in r.text
        r = c.post(f"/console/foi/{f2.id}/decide/refuse", data={"csrf_token": token, "note": "s31 exemption"})
        assert f"FOI {f2.id} refused." in r.text
    with portal_client(hub) as c:
        login(c, DLO, DLO_PW)
        token = csrf(c, "/console/requests")
        c.post(f"/console/foi/{f1.id}/consult", data={"csrf_token": token, "consent": "yes"})
        # a DLO cannot take the coordinator's decision
        assert c.post(f"/console/foi/{f1.id}/decide/release", data={"csrf_token": token}).status_code == 403
    with portal_client(hub) as c:
        token = console_admin(c)
        assert f"FOI {f1.id} released." in c.post(f"/console/foi/{f1.id}/decide/release",
                                                   data={"csrf_token": token}).text
    with open_registry(hub) as reg:
        assert [foi.get(reg, i).status for i in (f1.id, f2.id)] == ["released", "refused"]
        assert foi.get(reg, f2.id).decision_note == "s31 exemption"
    assert [(e.actor, e.outcome) for e in audit_entries(hub, "foi.release")] == [
        ("admin.patel", "denied"), ("admin.patel", "ok")]


def test_register_a_partnership_and_add_an_agency_to_it(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/partnerships/add", data={"csrf_token": token, "name": "Nottinghamshire County",
                                                      "parent": "", "cross_border": "yes"})
        assert "Partnership Nottinghamshire County registered." in r.text
        r = c.post("/console/partnerships/add", data={"csrf_token": token, "name": "Bassetlaw",
                                                      "parent": "Nottinghamshire County", "cross_border": "no"})
        assert "Partnership Bassetlaw registered." in r.text
        r = c.post("/console/partnerships/add", data={"csrf_token": token, "name": "Bassetlaw"})
        assert "Partnership &#39;Bassetlaw&#39; already exists." in r.text
        r = c.post("/console/agencies/join", data={"csrf_token": token, "agency": SCHOOL, "partnership": "Bassetlaw"})
        assert f"{SCHOOL} is in partnership Bassetlaw." in r.text
        r = c.post("/console/agencies/join", data={"csrf_token": token, "agency": SCHOOL, "partnership": "Nowhere"})
        assert "Nowhere" in r.text
    with open_registry(hub) as reg:
        assert reg.get_agency(SCHOOL).partnerships == ("Bassetlaw",)
        b = reg.get_partnership("Bassetlaw")
        assert (b.parent, b.cross_border) == ("Nottinghamshire County", False)
    assert [e.target for e in audit_entries(hub, "partnership.add")] == ["Nottinghamshire County", "Bassetlaw"]
    assert [e.actor for e in audit_entries(hub, "agency.join")] == ["admin.patel"]
