"""The console's remaining governance pages in a real browser (Debian's Chromium driven by Playwright).

The admin records both sides of a sharing agreement, is shown the library's refusal when appointing a
Caldicott guardian from the wrong agency and then appoints the right one, records a new FOI request,
registers a commission, changes its due date and records feedback once it is delivered, deletes a
request's released copy, and presses **Send now** on the mail outbox with no mail server configured.
A DLO of another agency consents to a request on the page; a reviewer is refused every new page
(403). Every request stays on the portal (no CDN). Screenshots go to ``test-artifacts/console/``
(untracked) or the folder named by ``WORKBENCH_CONSOLE_SHOTS``.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from workbench.portal.server import BackgroundServer

from hubs import make_hub
from portal_support import FORCE, HOUSING, PASSWORD, PORTAL_HUB, audit_entries

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / os.environ.get("WORKBENCH_CONSOLE_SHOTS", "test-artifacts/console")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PORT = 18160               # this helper's port range (HELPERS.md): 18160-18169
HEALTH = "Nottingham University Hospitals"

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="/usr/bin/chromium not installed (apt-get install chromium)")]


def test_admin_does_the_remaining_governance_tasks_in_chromium(tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    from workbench.privacy import caldicott, foi
    from workbench.privacy import requests as pr
    from workbench.products import commissioning as cm
    from workbench.products import feedback as fb
    from workbench.registry import open_registry

    monkeypatch.delenv("WORKBENCH_SMTP_HOST", raising=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hub = make_hub(tmp_path, **PORTAL_HUB)
    with open_registry(hub) as reg:
        reg.add_user("dlo.khan", FORCE, "dlo", "dlo-passphrase-9876")
        reg.update_agency(HOUSING, group="central", actor="admin.patel")
        reg.add_user("dlo.reed", HOUSING, "dlo", "housing-dlo-passphrase-77")
        reg.add_agency(HEALTH, "central")
        reg.add_user("dr.guard", HEALTH, "viewer", "guardian-passphrase-12")
        reg.add_partnership("Nottingham", actor="admin.patel")
        reg.add_partnership("Derby", actor="admin.patel")
        req = pr.create(reg, "an.lee", "service_delivery", ["Which repeat victims need a MARAC referral?"],
                        {"police_crime_victim": ["crime_ref", "age"]}, ["crime_and_disorder_act_s115"],
                        FORCE, date.today() + timedelta(days=30),
                        subjects={"police_crime_victim": {"crime_ref": ["C1", "C2"]}})
        pr.decide(reg, req.id, "dlo.khan", True, "for the MARAC")
        copy = hub.parent / "releases" / f"request-{req.id}" / "export.csv"
        copy.parent.mkdir(parents=True)
        copy.write_text("crime_ref,age\nC1,34\n")
        pr.record_export(reg, req.id, copy, "police_crime_victim", 1, "0" * 64, "an.lee")
    requests, console_errors = [], []
    with BackgroundServer(hub, port=PORT) as srv, sync_playwright() as p:
        base = srv.url
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.set_default_timeout(30_000)
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

            def shot(name):
                page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

            def log_in(name, password):
                page.goto(base + "/login")
                page.fill("#name", name)
                page.fill("#password", password)
                page.click("form.form button[type=submit]")
                page.wait_for_load_state()

            def submit(selector):
                page.click(selector)
                page.wait_for_load_state()
                return page.inner_text(".flash")

            log_in("admin.patel", PASSWORD["admin.patel"])

            # sharing agreement: one side is not enough; both sides allow it
            page.goto(base + "/console/agencies")
            page.select_option("#share_name", "Nottingham")
            page.select_option("#share_with", "Derby")
            assert "until Derby records its own agreement" in submit("#share-form button")
            page.select_option("#share_name", "Derby")
            page.select_option("#share_with", "Nottingham")
            assert "now allowed (both ISPs agree)" in submit("#share-form button")
            # Caldicott guardian: the library refuses someone of another agency, then appoints
            page.select_option("#caldicott_agency", HEALTH)
            page.select_option("#caldicott_guardian", "an.lee")
            assert "a Caldicott guardian is a senior person of the health body itself" in submit(
                "#caldicott button")
            page.select_option("#caldicott_agency", HEALTH)
            page.select_option("#caldicott_guardian", "dr.guard")
            assert f"dr.guard is the Caldicott guardian of {HEALTH}." in submit("#caldicott button")
            assert "dr.guard" in page.locator("#agencies tbody tr", has_text=HEALTH).inner_text()
            shot("09_sharing_and_caldicott")

            # a new FOI request, with its statutory due date; the released copy is deleted
            page.goto(base + "/console/requests")
            page.fill("#foi_requester", "A. Journalist")
            page.fill("#foi_information", "Burglaries by ward, 2024")
            page.fill("#foi_agencies", f"{FORCE}\n{HOUSING}")
            assert "recorded; the originating agencies" in submit("#foi-add button")
            assert "export.csv" in page.inner_text("#releases")
            page.locator("#releases tbody tr", has_text="export.csv").locator("button").click()
            page.wait_for_load_state()
            assert f"Deleted 1 file(s) of request(s) {req.id}" in page.inner_text(".flash")
            assert "No released copy is held." in page.inner_text("#releases")
            shot("10_foi_and_purge")

            # the commissioning register: add, due date, feedback once delivered
            page.goto(base + "/console/commissions")
            page.fill("#c_title", "Night-time economy")
            page.fill("#c_questions", "Where is violence rising?\nWhich nights?")
            page.select_option("#c_analyst", "an.lee")
            assert "Commission 1 registered: Night-time economy." in submit("#commission-add button")
            due = date.today() + timedelta(days=45)
            page.fill("#commission-1 input[name=due]", due.isoformat())
            assert f"Commission 1 is due on {due.isoformat()}." in submit("#commission-1 form[action$='/due'] button")
            cm.set_status(hub, 1, "delivered")            # the product was rendered and delivered
            page.goto(base + "/console/commissions")
            page.click("#feedback-1 summary")
            page.select_option("#fb_1_used", "yes")
            page.select_option("#fb_1_helped_outcome", "yes")
            page.fill("#fb_1_how", "briefed the night-time patrols")
            assert "Feedback on commission 1 recorded." in submit("#feedback-1 button")
            assert "used: yes · helped: yes" in page.inner_text("#commission-1")
            shot("11_commissions")

            # the mail outbox: queued messages, Send now with no server says so and keeps them
            page.goto(base + "/console/mail")
            msg = submit("form[action='/console/mail/send'] button")
            assert "Nothing sent: no SMTP server configured" in msg
            assert "queued" in page.inner_text("#outbox")
            shot("12_mail_outbox")
            page.click("header form button")
            page.wait_for_load_state()

            # a DLO of another originating agency consents on the page
            log_in("dlo.reed", "housing-dlo-passphrase-77")
            page.goto(base + "/console/requests")
            assert f"{HOUSING} consents to the release of its rows under request {req.id}." in submit(
                f"#approved-{req.id} form[action$='/consent'] button")
            shot("13_dlo_consents")
            resp = page.goto(base + "/console/mail")
            assert resp.status == 403 and "this needs the role admin" in page.inner_text("main")
            page.click("header form button")
            page.wait_for_load_state()

            # a reviewer is refused every new page
            log_in("rev.jones", PASSWORD["rev.jones"])
            for path in ("/console/mail", "/console/commissions", "/console/agencies"):
                resp = page.goto(base + path)
                assert resp.status == 403 and "this needs the role admin" in page.inner_text("main"), path
        finally:
            browser.close()
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    assert not [e for e in console_errors if "403" not in e], console_errors
    with open_registry(hub) as reg:
        assert reg.sharing_allowed("Nottingham", "Derby")
        assert caldicott.guardian_of(reg, HEALTH) == "dr.guard"
        assert [f.information for f in foi.list_foi(reg)] == ["Burglaries by ward, 2024"]
        assert pr.get(reg, req.id).consents == [FORCE, HOUSING]
    assert not copy.exists()
    assert cm.get_commission(hub, 1).due == due.isoformat()
    assert [f.how_used for f in fb.list_feedback(hub, commission_id=1)] == ["briefed the night-time patrols"]
    assert [(e.actor, e.outcome) for e in audit_entries(hub, "console.mail.view")] == [
        ("dlo.reed", "denied"), ("rev.jones", "denied")]
