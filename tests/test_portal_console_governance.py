"""The coordinator console's remaining governance tasks (issue 15; docs/guide-coordinator.md):
sharing agreements between partnerships, Caldicott guardians, e-mail addresses, a new FOI request,
consent of other originating agencies, completing requests and purging released copies, the
commissioning register (add, assign, due date, close, feedback) and the mail outbox with "send now".

Each form: the library's result on the page, the audit entry under the acting user, the library's
own refusal message on the page with nothing changed, a 403 (audited) for a user without the role,
and a 403 for a form without the CSRF token. Also: the one-endpoint table covers every form, and
``serve all`` runs the mail sender in its own process.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from hubs import make_hub
from portal_support import (DLO, DLO_PW, FORCE, HOUSING, PORTAL_HUB, add_dlo, audit_entries,
                            console_admin, csrf, login, marac_request, portal_client)

HOUSING_DLO, HOUSING_DLO_PW = "dlo.reed", "housing-dlo-passphrase-77"
HEALTH = "Nottingham University Hospitals"
SMTP_PORT = 18163          # this helper's port range (HELPERS.md): 18160-18169


@pytest.fixture
def hub(tmp_path):
    from workbench.registry import open_registry

    hub = make_hub(tmp_path, **PORTAL_HUB)
    with open_registry(hub) as reg:
        add_dlo(reg)
        reg.update_agency(HOUSING, group="central", actor="admin.patel")
        reg.add_user(HOUSING_DLO, HOUSING, "dlo", HOUSING_DLO_PW)
        reg.add_agency(HEALTH, "central")
        reg.add_user("dr.guard", HEALTH, "viewer", "guardian-passphrase-12")
        reg.add_partnership("Nottingham", actor="admin.patel")
        reg.add_partnership("Derby", actor="admin.patel")
    return hub


# -- the one endpoint shape -----------------------------------------------------------------------
def test_every_console_form_is_served_by_the_one_endpoint_and_refuses_a_reviewer(hub):
    """Every entry of the table is routed; a reviewer posting with a valid token gets 403 and an
    audit entry ``denied`` under the entry's action name, and nothing is called."""
    from workbench.portal.console_actions import ACTIONS

    paths = {a.path for a in ACTIONS}
    assert {"/console/partnerships/share", "/console/agencies/caldicott", "/console/foi/add",
            "/console/requests/{request_id}/consent", "/console/requests/purge", "/console/commissions/add",
            "/console/commissions/{commission_id}/feedback", "/console/mail/send"} <= paths
    with portal_client(hub) as c:
        login(c, "rev.jones")
        token = csrf(c, "/")
        for a in ACTIONS:
            path = a.path.format(name="p.school", state="deactivate", request_id=1, decision="approve", foi_id=1,
                                 commission_id=1)
            r = c.post(path, data={"csrf_token": token})
            assert r.status_code == 403, path
    for a in ACTIONS:
        assert [(e.actor, e.outcome) for e in audit_entries(hub, a.audit)] == [("rev.jones", "denied")], a.audit


@pytest.mark.parametrize("path,data", [
    ("/console/partnerships/share", {"name": "Nottingham", "with_partnership": "Derby"}),
    ("/console/agencies/caldicott", {"agency": HEALTH, "guardian": "dr.guard"}),
    ("/console/foi/add", {"requester": "A. Journalist", "information": "x", "agencies": FORCE}),
    ("/console/commissions/add", {"title": "T", "questions": "Q?"}),
    ("/console/mail/send", {}),
])
def test_new_console_forms_without_the_csrf_token_are_refused_and_change_nothing(hub, path, data):
    from workbench.privacy import caldicott, foi
    from workbench.products import commissioning as cm
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        console_admin(c)
        r = c.post(path, data=data)
        assert r.status_code == 403 and "could not be verified" in r.text
    with open_registry(hub) as reg:
        assert caldicott.guardian_of(reg, HEALTH) is None and foi.list_foi(reg) == []
        assert reg.con.execute("SELECT count(*) FROM partnership_sharing").fetchone()[0] == 0
    assert cm.list_commissions(hub) == []
    assert audit_entries(hub, "mail.send_now") == []


# -- agencies page: sharing, cross-border, Caldicott ----------------------------------------------
def test_sharing_agreement_needs_both_partnerships_and_a_refusal_message_changes_nothing(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/partnerships/share", data={"csrf_token": token, "name": "Nottingham",
                                                        "with_partnership": "Derby", "refuse": "no"})
        assert "Sharing between them is not allowed until Derby records its own agreement." in r.text
        r = c.post("/console/partnerships/share", data={"csrf_token": token, "name": "Derby",
                                                        "with_partnership": "Nottingham", "refuse": "no"})
        assert "now allowed (both ISPs agree)" in r.text
        rows = re.search(r'<table class="data" id="sharing-list">.*?</table>', r.text, re.S).group(0)
        assert rows.count("<td>shares</td>") == 2 and rows.count("<td>yes</td>") == 2
        # the library's own refusals reach the page; nothing is recorded
        r = c.post("/console/partnerships/share", data={"csrf_token": token, "name": "Derby",
                                                        "with_partnership": "Derby"})
        assert "A partnership always shares with itself" in r.text
        r = c.post("/console/partnerships/cross-border", data={"csrf_token": token, "name": "Derby",
                                                               "cross_border": "no"})
        assert "Partnership Derby may not share across its border." in r.text
        r = c.post("/console/partnerships/share", data={"csrf_token": token, "name": "Derby",
                                                        "with_partnership": "Nottingham", "refuse": "no"})
        assert "has refused cross-border sharing in its ISP" in r.text
    with open_registry(hub) as reg:
        assert not reg.sharing_allowed("Nottingham", "Derby")
        assert reg.con.execute("SELECT count(*) FROM partnership_sharing").fetchone()[0] == 2
    assert [(e.actor, e.target) for e in audit_entries(hub, "partnership.sharing")] == [
        ("admin.patel", "Nottingham"), ("admin.patel", "Derby")]
    assert [e.actor for e in audit_entries(hub, "partnership.cross_border")] == ["admin.patel"]


def test_appoint_a_caldicott_guardian_from_the_agencies_page(hub):
    from workbench.privacy import caldicott
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/agencies/caldicott", data={"csrf_token": token, "agency": HEALTH, "guardian": "an.lee"})
        assert "works for &#39;Nottinghamshire Police&#39;, not &#39;Nottingham University Hospitals&#39;" in r.text
        r = c.post("/console/agencies/caldicott", data={"csrf_token": token, "agency": HEALTH,
                                                        "guardian": "dr.guard"})
        assert f"dr.guard is the Caldicott guardian of {HEALTH}." in r.text
        row = next(m.group(0) for m in re.finditer(r"<tr id=\"agency-\d+\">.*?</tr>", r.text, re.S) if HEALTH in m.group(0))
        assert "<td>dr.guard</td>" in row
    with open_registry(hub) as reg:
        assert caldicott.guardian_of(reg, HEALTH) == "dr.guard"
    assert [(e.actor, e.target) for e in audit_entries(hub, "caldicott.appoint")] == [("admin.patel", HEALTH)]


def test_record_an_email_address_on_the_users_page(hub):
    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/users/email", data={"csrf_token": token, "name": DLO, "email": "not-an-address"})
        assert "`email` must look like name@example.org; found &#39;not-an-address&#39;." in r.text
        r = c.post("/console/users/email", data={"csrf_token": token, "name": DLO, "email": "k.khan@police.test"})
        assert f"E-mail address of {DLO} recorded." in r.text and "<td>k.khan@police.test</td>" in r.text
    assert [(e.actor, e.target) for e in audit_entries(hub, "user.email")] == [("admin.patel", DLO)]


# -- requests page: FOI, consent, complete, purge -------------------------------------------------
def test_record_a_new_foi_request_and_its_deadline_shows(hub):
    from workbench.privacy import foi
    from workbench.privacy.working_days import foi_due
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/foi/add", data={"csrf_token": token, "requester": "B. Campaigner",
                                             "information": "ASB calls by month", "agencies": "Nowhere Council"})
        assert "Nowhere Council" in r.text and "FOI 1 recorded" not in r.text
        r = c.post("/console/foi/add", data={"csrf_token": token, "requester": "B. Campaigner",
                                             "information": "ASB calls <by month>",
                                             "agencies": f"{FORCE}\n{HOUSING}", "datasets": ""})
        assert "recorded; the originating agencies" in r.text
        assert "ASB calls &lt;by month&gt;" in r.text
    with open_registry(hub) as reg:
        [f] = foi.list_foi(reg)
        assert f.originating_agencies == [FORCE, HOUSING] and f.requester == "B. Campaigner"
        due = foi_due(f.received_at)
    row = re.search(rf'<tr id="foi-{f.id}">.*?</tr>', r.text, re.S).group(0)
    assert f"{due.day} {due:%b %Y}" in row and "not yet answered" in row
    assert [e.actor for e in audit_entries(hub, "foi.record")] == ["admin.patel"]


def test_another_originating_agency_consents_on_the_page_and_an_admin_cannot(hub):
    from workbench.privacy import requests as pr
    from workbench.registry import open_registry

    rid = marac_request(hub, approve=True)
    with portal_client(hub) as c:
        login(c, HOUSING_DLO, HOUSING_DLO_PW)
        token = csrf(c, "/console/requests")
        html = c.get("/console/requests").text
        assert f'action="/console/requests/{rid}/consent"' in html
        r = c.post(f"/console/requests/{rid}/consent", data={"csrf_token": token})
        assert f"{HOUSING} consents to the release of its rows under request {rid}." in r.text
        assert f'action="/console/requests/{rid}/consent"' not in r.text
    with portal_client(hub) as c:
        token = console_admin(c)
        assert f'action="/console/requests/{rid}/consent"' not in c.get("/console/requests").text
        r = c.post(f"/console/requests/{rid}/consent", data={"csrf_token": token})
        assert r.status_code == 403 and "only a DLO of" in r.text
    with open_registry(hub) as reg:
        assert pr.get(reg, rid).consents == [FORCE, HOUSING]
    assert [(e.actor, e.outcome) for e in audit_entries(hub, "request.consent")] == [
        (HOUSING_DLO, "ok"), ("admin.patel", "denied")]


def _exported_copy(hub, rid):
    """A personal-data export registered against the request, as ``workbench hub export`` does."""
    from workbench.privacy import requests as pr
    from workbench.registry import open_registry

    path = hub.parent / "releases" / f"request-{rid}" / "export.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("crime_ref,age\nC1,34\n")
    with open_registry(hub) as reg:
        pr.record_export(reg, rid, path, "police_crime_victim", 1, "0" * 64, "an.lee")
    return path


def test_complete_a_request_deletes_its_copies_and_purge_deletes_what_is_due(hub):
    from workbench.privacy import requests as pr
    from workbench.registry import open_registry

    rid = marac_request(hub, approve=True)
    copy = _exported_copy(hub, rid)
    rid2 = marac_request(hub, approve=True)
    copy2 = _exported_copy(hub, rid2)
    with portal_client(hub) as c:
        token = console_admin(c)
        html = c.get("/console/requests").text
        table = re.search(r'<table class="data" id="releases">.*?</table>', html, re.S).group(0)
        assert "export.csv" in table and table.count("<td>no</td>") == 2       # nothing due yet
        r = c.post("/console/requests/purge", data={"csrf_token": token})
        assert "No released copy was due for deletion." in r.text
        assert copy.exists()
        r = c.post(f"/console/requests/{rid}/complete", data={"csrf_token": token})
        assert f"Request {rid} completed; its released copies are deleted." in r.text
        assert not copy.exists() and copy2.exists()
        r = c.post("/console/requests/purge", data={"csrf_token": token, "request_id": str(rid2)})
        assert f"Deleted 1 file(s) of request(s) {rid2}" in r.text
        assert not copy2.exists()
        r = c.post("/console/requests/purge", data={"csrf_token": token, "request_id": "two"})
        assert "Request numbers are whole numbers; found &#39;two&#39;." in r.text
    with open_registry(hub) as reg:
        assert pr.get(reg, rid).status == "completed" and pr.get(reg, rid2).status == "approved"
    assert [(e.actor, e.target) for e in audit_entries(hub, "request.purge")] == [
        ("admin.patel", f"request:{rid}"), ("admin.patel", f"request:{rid2}")]


def test_a_dlo_of_another_agency_cannot_complete_a_request(hub):
    rid = marac_request(hub, approve=True)
    with portal_client(hub) as c:
        login(c, HOUSING_DLO, HOUSING_DLO_PW)
        token = csrf(c, "/console/requests")
        r = c.post(f"/console/requests/{rid}/complete", data={"csrf_token": token})
        assert r.status_code == 403 and "may complete request" in r.text
    assert [(e.actor, e.outcome) for e in audit_entries(hub, "request.complete")] == [(HOUSING_DLO, "denied")]


# -- commissioning register -----------------------------------------------------------------------
def test_commission_add_assign_due_close_and_feedback_from_the_page(hub):
    from workbench.products import commissioning as cm
    from workbench.products import feedback as fb

    due = date.today() + timedelta(days=40)
    with portal_client(hub) as c:
        token = console_admin(c)
        r = c.post("/console/commissions/add", data={"csrf_token": token, "title": "", "questions": "Why?"})
        assert "title" in r.text and "Commission 1 registered" not in r.text
        r = c.post("/console/commissions/add", data={
            "csrf_token": token, "title": "Night-time <economy>", "questions": "Where is violence rising?\nWhen?",
            "product": "problem-profile", "requested_by": "", "analyst": "", "due": due.isoformat()})
        assert "Commission 1 registered: Night-time &lt;economy&gt;." in r.text
        r = c.post("/console/commissions/1/assign", data={"csrf_token": token, "analyst": "an.lee"})
        assert "Commission 1 assigned to an.lee." in r.text
        later = due + timedelta(days=14)
        r = c.post("/console/commissions/1/due", data={"csrf_token": token, "due": later.isoformat()})
        assert f"Commission 1 is due on {later.isoformat()}." in r.text
        r = c.post("/console/commissions/1/due", data={"csrf_token": token, "due": "next week"})
        assert "`due`" in r.text and "next week" in r.text
        # feedback only after delivery: the library's message reaches the page
        r = c.post("/console/commissions/1/feedback", data={"csrf_token": token, "used": "yes"})
        assert "feedback is gathered after delivery" in r.text
        cm.set_status(hub, 1, "delivered")
        r = c.post("/console/commissions/1/feedback", data={"csrf_token": token, "used": "yes", "timely": "no",
                                                            "comments": "<b>briefed</b> patrols"})
        assert "Feedback on commission 1 recorded." in r.text
        row = re.search(r'<tr id="commission-1">.*?</tr>', r.text, re.S).group(0)
        assert "used: yes · helped: — · timely: no" in row and "&lt;b&gt;briefed&lt;/b&gt; patrols" in row
        rates = re.search(r'<table class="data" id="feedback-rates">.*?</table>', r.text, re.S).group(0)
        assert "<td>Was the product used?</td><td>1</td><td>0</td><td>0</td><td>100%</td>" in rates
        assert "<td>Was it delivered in time to be useful?</td><td>0</td><td>1</td><td>0</td><td>0%</td>" in rates
        r = c.post("/console/commissions/1/close", data={"csrf_token": token, "withdrawn": "no", "note": "done"})
        assert "Commission 1 closed." in r.text
        r = c.post("/console/commissions/x/close", data={"csrf_token": token})
        assert "Commission numbers are whole numbers" in r.text
    got = cm.get_commission(hub, 1)
    assert (got.analyst, got.due, got.status, got.questions) == ("an.lee", later.isoformat(), "closed",
                                                                 ["Where is violence rising?", "When?"])
    assert [f.timely for f in fb.list_feedback(hub, commission_id=1)] == [False]
    actions = [e.action for e in audit_entries(hub, "commission.add") + audit_entries(hub, "commission.due")
               + audit_entries(hub, "commission.feedback")]
    assert actions == ["commission.add", "commission.due", "commission.feedback"]


def test_commission_due_on_the_command_line_is_the_same_library_call(hub, capsys):
    from workbench.cli import main
    from workbench.products import commissioning as cm

    c = cm.add_commission(hub, title="Shop theft", questions=["Which shops?"], quiet=True)
    assert main(["commission", "due", str(c.id), "--due", "2027-01-31", "--hub", str(hub),
                 "--as", "admin.patel"]) == 0
    assert cm.get_commission(hub, c.id).due == "2027-01-31"
    assert main(["commission", "due", str(c.id), "--due", "31/01/2027", "--hub", str(hub),
                 "--as", "admin.patel"]) == 2
    assert main(["commission", "due", str(c.id), "--due", "2027-02-28", "--hub", str(hub),
                 "--as", "p.school"]) == 3
    assert cm.get_commission(hub, c.id).due == "2027-01-31"


# -- mail outbox ----------------------------------------------------------------------------------
class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def test_mail_outbox_shows_queued_failed_and_sent_and_send_now_delivers(hub, monkeypatch):
    from aiosmtpd.controller import Controller

    from workbench import notify
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        notify.set_email(reg, "admin.patel", DLO, "k.khan@police.test")
    marac_request(hub, approve=True)                  # request.create → the DLO; approved → the requester
    monkeypatch.setenv("WORKBENCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WORKBENCH_SMTP_PORT", str(SMTP_PORT))     # nothing listens yet: the send fails
    with portal_client(hub) as c:
        token = console_admin(c)
        assert "The outbox is empty." in c.get("/console/mail").text
        r = c.post("/console/mail/send", data={"csrf_token": token})
        assert "2 new message(s) queued; sent 0, failed 1, without an address 1; 2 still waiting." in r.text
        rows = dict(re.findall(r'<tr id="mail-\d+" class="(\w+)"><td>\d+</td><td>\w+</td><td>([\w.]+)</td>', r.text))
        assert rows == {"failed": DLO, "queued": "an.lee"}
        assert "ConnectionRefusedError" in r.text
        inbox = _Inbox()
        ctl = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
        ctl.start()
        try:
            r = c.post("/console/mail/send", data={"csrf_token": token})
        finally:
            ctl.stop()
        assert "0 new message(s) queued; sent 1, failed 0, without an address 1; 1 still waiting." in r.text
        assert re.search(r'class="sent"><td>\d+</td><td>sent</td><td>dlo.khan</td><td>k.khan@police.test</td>', r.text)
        assert "1 queued · 0 failed (tried again on the next send) · 1 sent." in r.text
    assert [rcpt for rcpt, _ in inbox.messages] == [["k.khan@police.test"]]
    assert [(e.actor, e.detail["sent"]) for e in audit_entries(hub, "mail.send_now")] == [
        ("admin.patel", 0), ("admin.patel", 1)]


def test_serve_all_runs_the_mail_sender_in_its_own_process(hub, monkeypatch):
    from workbench.cli import main
    from workbench.commands import serve

    started, stopped = [], []

    class Child:
        def __init__(self, args, **kwargs):
            self.args = args
            started.append(args)

        def terminate(self):
            stopped.append(self.args)

        def wait(self, timeout=None):
            return 0

    class Dashboards:
        @staticmethod
        def build_server(*args, **kwargs):
            return None

    monkeypatch.setattr(serve.subprocess, "Popen", Child)
    monkeypatch.setattr(serve, "import_dashboards", lambda: Dashboards)
    monkeypatch.setattr(serve.signal, "signal", lambda *a: None)
    monkeypatch.delenv("WORKBENCH_PORTAL_URL", raising=False)
    main(["serve", "all", "--hub", str(hub), "--port", "18166", "--portal-port", "18167"])
    mail = next(a for a in started if a[3:5] == ["mail", "send"])
    assert "--queue" in mail and str(hub) in mail
    assert mail[mail.index("--watch") + 1] == str(serve.MAIL_EVERY_SECONDS)
    assert mail in stopped


def test_mail_send_watch_queues_and_sends_every_pass_until_stopped(hub, tmp_path):
    """The process ``serve all`` starts: a real ``workbench mail send --queue --watch`` delivering to
    a real SMTP server, passes repeating, stopped by the test."""
    import os
    import subprocess
    import sys
    import time

    from aiosmtpd.controller import Controller

    from workbench import notify
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        notify.set_email(reg, "admin.patel", DLO, "k.khan@police.test")
    inbox = _Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT + 1)
    ctl.start()
    env = {**os.environ, "WORKBENCH_SMTP_HOST": "127.0.0.1", "WORKBENCH_SMTP_PORT": str(SMTP_PORT + 1)}
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "mail", "send", "--queue", "--hub", str(hub),
                             "--watch", "0.5"], env=env, stderr=subprocess.DEVNULL)
    try:
        marac_request(hub, approve=True)           # audited after the worker started: a later pass picks it up
        deadline = time.monotonic() + 60
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None                          # still watching
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        ctl.stop()
    assert [rcpt for rcpt, _ in inbox.messages] == [["k.khan@police.test"]]
    with open_registry(hub) as reg:
        sent = {m["to_user"]: m["sent_at"] for m in notify.outbox(reg)}
    assert sent[DLO] is not None and sent["an.lee"] is None          # an.lee has no address: kept


def test_the_dlo_sees_the_subjects_and_a_whole_population_justification_escaped(hub):
    from workbench.privacy import requests as pr
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        req = pr.create(reg, "an.lee", "service_delivery", ["How many victims <repeat>?"],
                        {"police_crime_victim": ["crime_ref", "age"]}, ["crime_and_disorder_act_s115"],
                        FORCE, date.today() + timedelta(days=30),
                        whole_population="the <whole> cohort is the subject of the review")
    with portal_client(hub) as c:
        login(c, DLO, DLO_PW)
        token = csrf(c, "/console/requests")
        card = re.search(rf'<section class="request" id="request-{req.id}">.*?</section>',
                         c.get("/console/requests").text, re.S).group(0)
        assert "the &lt;whole&gt; cohort is the subject of the review" in card
        r = c.post(f"/console/requests/{req.id}/approve", data={"csrf_token": token, "note": ""})
        assert f"Request {req.id} approved." not in r.text          # the library wants a note on it
        r = c.post(f"/console/requests/{req.id}/approve", data={"csrf_token": token, "note": "review agreed"})
        assert f"Request {req.id} approved." in r.text
    rid = marac_request(hub, approve=True)
    with portal_client(hub) as c:
        console_admin(c)
        html = c.get("/console/requests").text
    assert f'<tr id="approved-{rid}">' in html


def test_the_coordinators_guide_lists_every_console_page_and_no_cli_only_task_it_has():
    """docs/guide-coordinator.md "In the browser" cannot drift from the console's routes."""
    from pathlib import Path

    from workbench.portal.pages_console import routes

    guide = (Path(__file__).resolve().parents[1] / "docs" / "guide-coordinator.md").read_text()
    section = guide[guide.index("## In the browser"):]
    pages = [r.path for r in routes() if "GET" in r.methods and r.path != "/console"]
    assert pages and all(f"| `{p}` |" in section for p in pages), pages
    assert "Not in the browser yet" not in section
