"""The portal end to end in a real browser: Debian's Chromium driven by Playwright (STACK.md).

register → approve → activate → submit through the form → triage → view source (audited) →
grade 3x5x2 → transfer, then the record is in the hub. Every page must load only from the
portal itself (no CDN) and log no console errors. Screenshots go to ``test-artifacts/portal/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.portal.server import BackgroundServer

from hubs import make_hub
from portal_support import PASSWORD, PORTAL_HUB, SUBMISSION, audit_entries

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "portal"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="/usr/bin/chromium not installed (apt-get install chromium; "
                                        "`make test` does it when run as root)")]


def test_register_approve_submit_triage_grade_transfer_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    from workbench.hub.connect import open_hub

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hub = make_hub(tmp_path, **PORTAL_HUB)
    requests, console_errors = [], []
    with BackgroundServer(hub) as srv, sync_playwright() as p:
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

            def log_out():
                page.click("header form button")

            # the start page carries the 999 / MASH warnings
            page.goto(base + "/")
            assert "999" in page.inner_text(".warning") and "MASH" in page.inner_text(".warning")
            shot("01_home")
            # a charity asks to register
            page.goto(base + "/register")
            page.fill("#agency_name", "Hope Children's Charity")
            page.select_option("#agency_type", "charity")
            page.fill("#contact_name", "Kofi Osei")
            page.fill("#contact_email", "kofi@example.org")
            page.fill("input[name=staff_1_username]", "k.osei")
            page.fill("input[name=staff_1_full_name]", "Kofi Osei")
            page.fill("input[name=staff_1_email]", "kofi@example.org")
            page.fill("input[name=staff_1_job_title]", "Youth worker")
            shot("02_register_form")
            page.click("form.form button[type=submit]")
            request_id = re.search(r"REG-[0-9A-F]{10}", page.inner_text("main")).group(0)
            # an admin approves it and gets the activation code
            log_in("admin.patel", PASSWORD["admin.patel"])
            page.wait_for_url(base + "/admin/requests")
            shot("03_admin_requests")
            page.click(f"section#{request_id} form[action$='/approve'] button")
            code = page.inner_text("#activation td.code").strip()
            shot("04_approved_codes")
            log_out()
            # the member of staff activates with their own password
            page.goto(base + "/activate")
            page.fill("#username", "k.osei")
            page.fill("#code", code)
            page.fill("#password", "charity-passphrase-9")
            page.fill("#password_confirm", "charity-passphrase-9")
            page.click("form.form button[type=submit]")
            assert "Your account is ready" in page.inner_text("h1")
            # and submits intelligence through the form
            log_in("k.osei", "charity-passphrase-9")
            page.wait_for_url(base + "/submit")
            page.select_option("#category", "child_criminal_exploitation")
            page.fill("#intelligence_text", SUBMISSION["intelligence_text"])
            page.fill("#subjects", "'Tiny', about 17")
            page.fill("#location", SUBMISSION["location"])
            page.fill("#postcode", "NG2 2HP")
            page.fill("#occurred_date", "2026-10-01")       # a date alone is a complete answer
            page.select_option("#source_type", "service_user")
            page.fill("#source_details", SUBMISSION["source_details"])
            page.check("#anonymity_requested")
            shot("05_submit_form")
            page.click("form.form button[type=submit]")
            ref = page.inner_text("#submission-ref").strip()
            assert re.fullmatch(r"PIP-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", ref)
            shot("06_acknowledgement")
            page.goto(base + "/my/submissions")
            assert ref in page.inner_text("table") and "received" in page.inner_text("table")
            log_out()
            # a reviewer triages it
            log_in("rev.jones", PASSWORD["rev.jones"])
            page.wait_for_url(base + "/review")
            assert ref in page.inner_text("#queue")
            shot("07_triage_queue")
            page.click(f"#queue a[href='/review/{ref}']")
            assert SUBMISSION["source_details"] not in page.content()
            shot("08_submission")
            page.fill("#reason", "Check the source before grading")
            page.click("form.source-request button")
            assert page.inner_text("#source_details") == SUBMISSION["source_details"]
            shot("09_source_details")
            page.go_back()
            page.goto(base + f"/review/{ref}")
            page.check("input[name=source_evaluation][value='2']")
            page.check("input[name=intelligence_assessment][value='B']")
            page.check("input[name=handling_code][value='C']")
            page.fill("#handling_conditions", "Not to be disclosed to the partner agency")
            page.fill("#triage_notes", "Corroborates two earlier reports")
            page.select_option("#decision", "transfer")
            page.click("#grade-form button[type=submit]")
            assert "transfer is queued" in page.inner_text(".flash")
            # the worker (its own process, holding the hub key the portal never holds) carries it out
            import subprocess
            import sys
            import time
            worker = subprocess.run([sys.executable, "-m", "workbench", "portal", "transfer", "--hub", str(hub)],
                                    capture_output=True, text=True, timeout=300)
            assert worker.returncode == 0, worker.stderr
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                page.goto(base + f"/review/{ref}")
                if page.inner_text("#status") == "transferred":
                    break
                time.sleep(0.5)
            assert page.inner_text("#status") == "transferred"
            shot("10_graded_transferred")
            page.goto(base + "/stats")
            # the charity joins the two partner agencies (and their two partners) already registered
            assert page.inner_text("#organisations") == "3" and page.inner_text("#people") == "3"
            shot("11_statistics")
            log_out()
            # the partner sees "assessed", never the outcome
            log_in("k.osei", "charity-passphrase-9")
            page.goto(base + "/my/submissions")
            assert "assessed" in page.inner_text("table") and "transfer" not in page.inner_text("table").lower()
            shot("12_partner_status")
        finally:
            browser.close()
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    assert console_errors == []
    con = open_hub(hub, read_only=True)
    try:
        got = con.execute("SELECT submission_ref, category, source_evaluation, intelligence_assessment, handling_code "
                          "FROM partner_intelligence").fetchall()
    finally:
        con.close()
    assert got == [(ref, "child_criminal_exploitation", "2", "B", "C")]
    views = [e for e in audit_entries(hub, "portal.source_details.view") if e.outcome == "ok"]
    assert [(e.actor, e.target) for e in views] == [("rev.jones", ref)]
