"""The coordinator console in a real browser (Debian's Chromium driven by Playwright, STACK.md).

The admin walks the console: home → audit log (filter, verify) → agencies (withdraw an ISP,
record a DPIA) → users (add with a one-time code, deactivate) → decisions waiting (an FOI with
its deadline) → commissioning register; then a DLO approves a request on the page and an analyst
is refused. Every request stays on the portal (no CDN) and the console logs no errors.
Screenshots go to ``test-artifacts/console/`` (untracked), or to the folder named by
``WORKBENCH_CONSOLE_SHOTS`` (``make screenshots`` sets it to ``docs/screenshots/console``: the only
way the screenshots in ``docs/`` change).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from workbench.portal.server import BackgroundServer

from hubs import make_hub
from portal_support import FORCE, HOUSING, PASSWORD, PORTAL_HUB, SCHOOL, audit_entries

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / os.environ.get("WORKBENCH_CONSOLE_SHOTS", "test-artifacts/console")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="/usr/bin/chromium not installed (apt-get install chromium)")]


def test_admin_walks_the_console_and_a_dlo_decides_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    from workbench.privacy import foi
    from workbench.privacy import requests as pr
    from workbench.registry import open_registry

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hub = make_hub(tmp_path, **PORTAL_HUB)
    with open_registry(hub) as reg:
        reg.add_user("dlo.khan", FORCE, "dlo", "dlo-passphrase-9876")
        req = pr.create(reg, "an.lee", "service_delivery", ["Which repeat victims need a MARAC referral?"],
                        {"police_crime_victim": ["crime_ref", "age"]}, ["crime_and_disorder_act_s115"],
                        FORCE, date.today() + timedelta(days=30),
                        subjects={"police_crime_victim": {"crime_ref": ["C1", "C2"]}})
        f = foi.record(reg, "admin.patel", "A. Journalist", "Burglaries by ward 2024", [], [FORCE])
    requests, console_errors = [], []
    with BackgroundServer(hub) as srv, sync_playwright() as p:
        base = srv.url
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = ctx.new_page()
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

            def log_out():
                page.click("header form button")
                page.wait_for_load_state()

            log_in("admin.patel", PASSWORD["admin.patel"])
            page.click("header nav a[href='/console']")
            page.wait_for_url(base + "/console")
            shot("01_console_home")

            # audit log: filter to denied entries, then verify the chain
            page.click("main a[href='/console/audit']")
            page.select_option("select[name=outcome]", "ok")
            page.fill("input[name=action]", "user.")
            page.click("#audit-filters button[type=submit]")
            rows = page.locator("#audit tbody tr")
            assert rows.count() >= 5 and all("user.add" in rows.nth(i).inner_text() for i in range(rows.count()))
            page.click("#verify")
            assert "Audit chain intact" in page.inner_text("#verify-result")
            shot("02_audit_verified")

            # agencies: withdraw Riverside Housing's ISP, record a DPIA for the force
            page.goto(base + "/console/agencies")
            row = page.locator("#agencies tbody tr", has_text=HOUSING)
            row.locator("select[name=isp_status]").select_option("withdrawn")
            row.locator("button").click()
            page.wait_for_load_state()
            assert f"ISP status of {HOUSING} is now withdrawn." in page.inner_text(".flash")
            page.select_option("#dpia_agency", FORCE)
            page.fill("#dpia_reference", "DPIA-2026-04")
            page.fill("#dpia_completed", (date.today() - timedelta(days=5)).isoformat())
            page.fill("#dpia_review", (date.today() + timedelta(days=360)).isoformat())
            page.click("#dpia button[type=submit]")
            page.wait_for_load_state()
            assert "DPIA-2026-04 (review by" in page.inner_text("#agencies")
            page.fill("#agency_name", "Fire and Rescue")
            page.select_option("#agency_group", "central")
            page.click("#add-agency button[type=submit]")
            page.wait_for_load_state()
            fire = page.locator("#agencies tbody tr", has_text="Fire and Rescue")
            assert fire.locator("select[name=isp_status]").input_value() == "pending"
            assert "central" in fire.inner_text()
            shot("03_agencies")

            # users: add one (one-time code shown), deactivate a partner
            page.goto(base + "/console/users")
            page.fill("#new_name", "j.ward")
            page.select_option("#new_agency", SCHOOL)
            page.select_option("#new_role", "partner")
            page.click("#add-user button[type=submit]")
            code = page.inner_text("#one-time-code").strip()
            assert len(code.replace("-", "")) >= 12
            shot("04_user_added")
            page.goto(base + "/console/users")
            page.locator("#users tbody tr", has_text="p.housing").locator("button", has_text="Deactivate").click()
            page.wait_for_load_state()
            assert "p.housing deactivated." in page.inner_text(".flash")
            shot("05_users")

            # decisions waiting: the request waits for the DLO; the FOI shows its deadline
            page.goto(base + "/console/requests")
            assert f"Waiting for a DLO of {FORCE}" in page.inner_text(f"#request-{req.id}")
            from workbench.privacy.working_days import foi_due

            due = foi_due(f.received_at)
            assert f"{due.day} {due:%b %Y}" in page.inner_text(f"#foi-{f.id}")
            shot("06_requests_admin")
            page.goto(base + "/console/commissions")
            assert "Nothing has been commissioned." in page.inner_text("#commissions")
            log_out()

            # the DLO approves on the page
            log_in("dlo.khan", "dlo-passphrase-9876")
            page.click("header nav a[href='/console/requests']")
            page.fill(f"#request-{req.id} input[name=note]", "MARAC on Tuesday")
            page.click(f"#request-{req.id} form[action$='/approve'] button")
            page.wait_for_load_state()
            assert f"Request {req.id} approved." in page.inner_text(".flash")
            shot("07_dlo_approved")
            log_out()

            # a reviewer is refused
            log_in("rev.jones", PASSWORD["rev.jones"])
            resp = page.goto(base + "/console/users")
            assert resp.status == 403 and "this needs the role admin" in page.inner_text("main")
            shot("08_reviewer_refused")
        finally:
            browser.close()
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    assert not [e for e in console_errors if "403" not in e], console_errors
    with open_registry(hub) as reg:
        assert reg.get_agency(HOUSING).isp_status == "withdrawn"
        assert (reg.get_agency("Fire and Rescue").group, reg.get_agency("Fire and Rescue").isp_status) == (
            "central", "pending")
        assert not reg.get_user("p.housing").active
        assert pr.get(reg, req.id).status == "approved"
    assert [e.actor for e in audit_entries(hub, "request.approve")] == ["dlo.khan"]
    assert [e.actor for e in audit_entries(hub, "console.users.view") if e.outcome == "denied"] == ["rev.jones"]
