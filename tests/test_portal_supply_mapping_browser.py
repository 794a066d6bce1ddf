"""Mappings that learn, in a real browser (Debian's Chromium, Playwright), issue 15.

A housing provider's analyst uploads the council's ASB export in its own layout through /supply
(the page's resumable script); the portal holds it and shows the proposed column mapping; the
supplier corrects one column and confirms; the worker ingests it; next month's file in the same
layout goes straight through; a file in a changed layout shows the headings added and removed.
Pages load only from the portal and log no console errors.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from workbench.portal.server import BackgroundServer

from hubs import make_hub
from portal_support import HOUSING, PASSWORD, PORTAL_HUB
from test_portal_browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS

PORT = 18161               # this helper's port range (HELPERS.md): 18160-18169
HEADER = "Ref No,Date Reported,Time,Category,Post Code,Officer notes\n"

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")]


def _worker(hub):
    done = subprocess.run([sys.executable, "-m", "workbench", "portal", "ingest-uploads", "--hub", str(hub)],
                          capture_output=True, text=True, timeout=600, env={**os.environ})
    assert done.returncode == 0, done.stderr


def test_supplier_confirms_a_proposed_mapping_once_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    from workbench.hub import mappings
    from workbench.hub.connect import open_hub
    from workbench.registry import open_registry

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hub = make_hub(tmp_path, **PORTAL_HUB)
    with open_registry(hub) as reg:
        reg.add_user("an.housing", HOUSING, "analyst", "housing-analyst-pass-66")
    march, april, may = tmp_path / "asb march.csv", tmp_path / "asb april.csv", tmp_path / "asb may.csv"
    march.write_text(HEADER + "A1,01/03/2024,22:05,noise,NG1 5AW,seen twice\nA2,02/03/2024,,rowdy,,\n")
    april.write_text(HEADER + "B1,03/04/2024,21:00,noise,NG1 5AW,\n")
    may.write_text("Reference,Date Reported,Category,Post Code,Ward\nC1,04/05/2024,noise,NG1 5AW,Arboretum\n")
    requests, console_errors = [], []
    with BackgroundServer(hub, port=PORT) as srv, sync_playwright() as p:
        base = srv.url
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.set_default_timeout(30_000)
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/login")
            page.fill("#name", "an.housing")
            page.fill("#password", "housing-analyst-pass-66")
            page.click("form.form button[type=submit]")
            page.wait_for_load_state()

            def upload(path, first, last):
                page.goto(base + "/supply")
                page.select_option("#dataset", "council_asb")
                page.fill("#period_start", first)
                page.fill("#period_end", last)
                page.set_input_files("#file", str(path))
                page.click("form.form button[type=submit]")
                page.wait_for_url(base + "/supply/**")
                return page.url

            url = upload(march, "2024-03-01", "2024-03-31")
            assert url.endswith("/mapping"), url
            assert "No mapping is saved yet" in page.inner_text("#layout-new")
            row = page.locator("#heading-1")
            assert "01/03/2024" in row.inner_text()
            assert row.locator("select").input_value() == "incident_date"
            # the supplier edits once: "Time" is proposed as incident_time, but is not kept
            assert page.locator("#heading-5 select").input_value() == ""          # "Officer notes": unused
            assert page.locator("#heading-2 select").input_value() == "incident_time"
            page.select_option("#heading-2 select", "")
            page.screenshot(path=str(ARTIFACTS / "supply_mapping_proposed.png"), full_page=True)
            page.click("#mapping-form button[type=submit]")
            page.wait_for_load_state()
            assert "Column mapping saved for Riverside Housing" in page.inner_text(".flash")
            assert page.inner_text("#status") == "queued"
            _worker(hub)
            page.reload()
            assert page.inner_text("#rows") == "2"

            # next month, same layout: straight to the worker
            url = upload(april, "2024-04-01", "2024-04-30")
            assert not url.endswith("/mapping") and page.inner_text("#status") == "queued"
            _worker(hub)

            # a changed layout is detected and shown
            url = upload(may, "2024-05-01", "2024-05-31")
            assert url.endswith("/mapping")
            changed = page.inner_text("#layout-changed")
            assert "Headings added: Reference, Ward" in changed
            assert "Headings removed: Ref No, Time, Officer notes" in changed
            page.screenshot(path=str(ARTIFACTS / "supply_mapping_changed.png"), full_page=True)
        finally:
            browser.close()
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    assert not console_errors, console_errors
    con = open_hub(hub, read_only=True)
    try:
        assert con.execute("SELECT incident_ref FROM council_asb ORDER BY 1").fetchall() == [("A1",), ("A2",), ("B1",)]
    finally:
        con.close()
    assert mappings.saved_header(hub, HOUSING, "council_asb") == HEADER.strip().split(",")
    saved = mappings.path_for(hub, HOUSING, "council_asb").read_text()
    assert "Date Reported: incident_date" in saved and "Time:" not in saved.split("header:")[0]
