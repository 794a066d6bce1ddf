"""Supply upload in a real browser (Debian's Chromium, Playwright; STACK.md), issue 15.

An analyst uploads a real police.uk month through /supply; the upload worker (a separate
process holding the hub key) ingests it and the page shows the rows; a broken file shows its
named problems and changes nothing; a partner is refused. Pages load only from the portal and
log no console errors. Screenshots go to ``test-artifacts/portal/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.portal.server import BackgroundServer

from hub_helpers import fingerprint
from hubs import make_hub
from portal_support import PASSWORD, PORTAL_HUB
from test_portal_browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS

REAL = Path("/work/shared/data/real/police_uk/city-of-london_2024-01_to_2025-12/2024-02-city-of-london-street.csv")

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed"),
              pytest.mark.skipif(not REAL.exists(), reason="the real police.uk extract is not on this machine")]


def _worker(hub):
    done = subprocess.run([sys.executable, "-m", "workbench", "portal", "ingest-uploads", "--hub", str(hub)],
                          capture_output=True, text=True, timeout=600, env={**os.environ})
    assert done.returncode == 0, done.stderr


def test_supplier_uploads_a_real_police_uk_month_and_sees_it_ingested_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hub = make_hub(tmp_path, **PORTAL_HUB)
    rows = sum(1 for _ in REAL.open(encoding="utf-8")) - 1
    lines = REAL.read_text(encoding="utf-8").splitlines(keepends=True)
    month = lines[0].split(",").index("Month")
    broken = lines[5].split(",")
    broken[month] = "Feb 2024"
    bad = tmp_path / "bad-month.csv"
    bad.write_text("".join(lines[:5] + [",".join(broken)] + lines[6:30]), encoding="utf-8")
    requests, console_errors = [], []
    with BackgroundServer(hub, port=8517) as srv, sync_playwright() as p:
        base = srv.url
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            page.set_default_timeout(30_000)
            page.on("request", lambda r: requests.append(r.url))
            pieces = []
            page.on("request", lambda r: pieces.append(r.url) if r.method == "PUT" else None)
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

            def log_in(name):
                page.goto(base + "/login")
                page.fill("#name", name)
                page.fill("#password", PASSWORD[name])
                page.click("form.form button[type=submit]")
                page.wait_for_load_state()

            def upload(path):
                page.goto(base + "/supply")
                page.select_option("#dataset", "police_uk_street")
                page.fill("#period_start", "2024-02-01")
                page.fill("#period_end", "2024-02-29")
                page.fill("#supplier_name", "City of London Police data team")
                page.set_input_files("#file", str(path))
                page.click("form.form button[type=submit]")
                page.wait_for_url(base + "/supply/*")
                return page.url

            # a partner's role may not ingest: refused
            log_in("p.school")
            page.goto(base + "/supply")
            assert "Not available" in page.inner_text("main") and "may not supply data" in page.inner_text("main")
            assert console_errors == ["Failed to load resource: the server responded with a status of 403 (Forbidden)"]
            console_errors.clear()                      # that 403 was the point; nothing else may fail
            page.click("header form button")
            # the analyst uploads a real month; the worker ingests it; the page shows the rows
            log_in("an.lee")
            cut = []

            def cut_first_piece(route):          # the network fails once mid-upload: the script carries on
                if not cut:
                    cut.append(route.request.url)
                    return route.abort("connectionreset")
                return route.continue_()

            page.route("**/piece?*", cut_first_piece)
            url = upload(REAL)
            page.unroute("**/piece?*")
            assert len(cut) == 1
            console_errors[:] = [e for e in console_errors if "ERR_CONNECTION_RESET" not in e]   # the cut we made
            assert page.inner_text("#status") == "queued"
            # sent in pieces by the resumable upload script (static/supply.js)
            assert len(pieces) == 2 and all("/piece?offset=0" in u for u in pieces)   # cut, then resent
            page.screenshot(path=str(ARTIFACTS / "supply_01_queued.png"), full_page=True)
            _worker(hub)
            page.goto(url)
            assert page.inner_text("#status") == "ingested"
            assert page.inner_text("#rows") == str(rows)
            page.screenshot(path=str(ARTIFACTS / "supply_02_ingested.png"), full_page=True)
            # a broken file: named problems, nothing changed
            before = fingerprint(hub)
            url = upload(bad)
            _worker(hub)
            page.goto(url)
            assert page.inner_text("#status") == "rejected"
            table = page.inner_text("#problems")
            assert "bad-month.csv\t6\tmonth\ta month YYYY-MM\tFeb 2024" in table   # file, line, field, expected, found
            page.screenshot(path=str(ARTIFACTS / "supply_03_rejected.png"), full_page=True)
            assert fingerprint(hub) == before
            # a form error comes back through the progress script: the portal's own page, field named
            notes = tmp_path / "notes.txt"
            notes.write_text("not a supply", encoding="utf-8")
            page.goto(base + "/supply")
            page.select_option("#dataset", "police_uk_street")
            page.fill("#period_start", "2024-02-01")
            page.fill("#period_end", "2024-02-29")
            page.set_input_files("#file", str(notes))
            page.click("form.form button[type=submit]")
            page.wait_for_selector("#progress-text.error")
            assert "Field 'file': expected a file ending .csv or .xlsx" in page.inner_text("#progress-text")
            console_errors[:] = [e for e in console_errors if "status of 422" not in e]
            # the agency's list shows both
            page.goto(base + "/supply")
            assert page.inner_text("table.data").count("police_uk_street") == 2
        finally:
            browser.close()
    assert all(u.startswith(base) for u in requests), [u for u in requests if not u.startswith(base)]
    assert console_errors == []
