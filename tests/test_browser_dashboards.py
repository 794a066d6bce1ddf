"""The dashboards in a real browser: Debian's Chromium driven by Playwright (STACK.md).

A dashboard server runs in a child process on a seeded test hub. Checks: log-in is required
and a wrong password is refused; sessions expire; every app renders with no console errors
and no request leaving 127.0.0.1; changing the period updates the map and the charts; a
viewer cannot reach record-level data. Screenshots go to ``test-artifacts/dashboards/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_fixture as fx  # noqa: E402
from hubs import make_hub  # noqa: E402
from workbench.dashboard_data.labels import label

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "dashboards"
SECRET = "test-cookie-secret-" + "x" * 40
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("dashboards_browser"),
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="/usr/bin/chromium not installed (apt-get install chromium; "
                                        "`make test` does it when run as root)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard_server(hub: Path):
    """Serve the dashboards of ``hub`` from a child process; yields the base URL."""
    port = _free_port()
    env = dict(os.environ, WORKBENCH_COOKIE_SECRET=SECRET, WORKBENCH_SESSION_MINUTES="30")
    log = open(hub.parent / "server.log", "w")
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from dashboards.server import build_server; "
            f"build_server({str(hub)!r}, port={port}, start=True)")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("dashboard server did not start: " + (hub.parent / "server.log").read_text()[-2000:])
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium():
    """Debian's Chromium under Playwright (STACK.md: no `playwright install`)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    hub = make_hub(tmp_path_factory.mktemp("browser"), **fx.hub_parts(rows=30_000))
    with dashboard_server(hub) as base:
        yield base, hub


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


class Watched:
    """A browser page that records console errors and every request URL."""

    def __init__(self, browser, base):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(45_000)
        self.errors, self.requests = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.on("request", lambda r: self.requests.append(r.url))

    def login(self, user: str, password: str = fx.PASSWORD):
        self.page.goto(self.base + "/login")
        self.page.fill("#username", user)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")

    def open(self, path: str, marker: str):
        self.page.goto(self.base + path)
        self.page.get_by_text(marker).first.wait_for()
        self.page.get_by_text("OFFICIAL-SENSITIVE").first.wait_for()

    def shot(self, name: str):
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def external(self) -> list[str]:
        local = ("http://127.0.0.1:", "blob:http://127.0.0.1:", "data:", "about:")
        return [u for u in self.requests if not u.startswith(local)]

    def close(self):
        self.context.close()


def test_login_required_and_wrong_password_refused(server, browser):
    base, hub = server
    r = httpx.get(base + "/tactical", follow_redirects=False, timeout=60)
    assert r.status_code == 302 and "login?next=%2Ftactical" in r.headers["location"]
    import re

    with httpx.Client() as c:
        token = re.search(r'name="_xsrf" value="([^"]+)"', c.get(base + "/login", timeout=60).text).group(1)
        r = c.post(base + "/login", data={"username": "ann.analyst", "password": "wrong password!",
                                          "_xsrf": token}, timeout=60)
    assert r.status_code == 401 and "Wrong user name or password" in r.text
    assert "user=" not in r.headers.get("set-cookie", "")
    w = Watched(browser, base)
    w.login("ann.analyst", "not the password")
    w.page.get_by_role("alert").wait_for()
    assert "Wrong user name or password" in w.page.get_by_role("alert").inner_text()
    w.shot("login_refused")
    assert w.external() == []
    w.close()
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        denied = [e for e in reg.audit_entries() if e.action == "login" and e.outcome == "denied"]
    assert denied


def test_session_expires(server):
    import re

    from tornado.web import create_signed_value

    base, _ = server
    with httpx.Client(follow_redirects=False) as c:
        form = c.get(base + "/login", timeout=60).text
        token = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
        assert c.post(base + "/login", data={"username": "ann.analyst", "password": fx.PASSWORD,
                                             "_xsrf": token}, timeout=60).status_code == 302
        sid = c.cookies["wb_session"]
    live = tornado_value(sid)
    fresh = create_signed_value(SECRET, "user", "ann.analyst").decode()
    stale = create_signed_value(SECRET, "user", "ann.analyst", clock=lambda: time.time() - 31 * 60).decode()
    stale_sid = create_signed_value(SECRET, "wb_session", live, clock=lambda: time.time() - 31 * 60).decode()
    assert httpx.get(base + "/", cookies={"user": fresh, "wb_session": sid}, follow_redirects=False,
                     timeout=60).status_code == 200
    r = httpx.get(base + "/", cookies={"user": stale, "wb_session": stale_sid}, follow_redirects=False, timeout=60)
    assert r.status_code == 302 and "/login" in r.headers["location"]
    forged = create_signed_value("another secret" * 4, "user", "ann.analyst").decode()
    assert httpx.get(base + "/", cookies={"user": forged, "wb_session": sid}, follow_redirects=False,
                     timeout=60).status_code == 302


def tornado_value(signed: str) -> str:
    from tornado.web import decode_signed_value

    return decode_signed_value(SECRET, "wb_session", signed.strip('"')).decode()


APPS = [("/", "Welcome, ann.analyst"), ("/strategic", "Priority matrix"),
        ("/tactical", "Emerging issues"), ("/explorer", "Fitness for purpose"),
        ("/library", "Product library"), ("/records", "Crime records (depersonalised)")]


def test_every_app_renders_offline_for_an_analyst(server, browser):
    base, _ = server
    w = Watched(browser, base)
    w.login("ann.analyst")
    for path, marker in APPS:
        w.open(path, marker)
        time.sleep(1.0)
        w.shot("analyst" + (path.replace("/", "_") if path != "/" else "_index"))
    # the maps: Leaflet from /vendor/leaflet draws the LSOA polygons
    w.open("/strategic", "Priority matrix")
    w.page.get_by_text("Areas and deprivation").click()
    w.page.frame_locator("iframe.wb-map").locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for()
    time.sleep(1.0)
    w.shot("analyst_strategic_map")
    w.open("/tactical", "Emerging issues")
    w.page.get_by_text("Hotspot map").click()
    w.page.frame_locator("iframe.wb-map").locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for()
    time.sleep(1.0)
    w.shot("analyst_tactical_map")
    assert w.errors == []
    assert w.external() == []
    assert any("/vendor/leaflet/leaflet.js" in u for u in w.requests)
    assert any("/static/" in u for u in w.requests)
    w.close()


def test_changing_the_period_updates_map_and_charts(server, browser):
    base, _ = server
    w = Watched(browser, base)
    w.login("ann.analyst")
    w.open("/tactical", "Emerging issues")
    period = w.page.locator("#wb-period")
    before_text = period.inner_text()
    before_table = w.page.locator(".tabulator").first.inner_text()
    w.page.get_by_text("Hotspot map").click()
    w.page.frame_locator("iframe.wb-map").locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for()
    before_map = w.page.locator("iframe.wb-map").get_attribute("srcdoc")
    w.page.get_by_role("button", name="12").click()
    deadline = time.time() + 30
    while time.time() < deadline and period.inner_text() == before_text:
        time.sleep(0.3)
    assert period.inner_text() != before_text
    deadline = time.time() + 30
    after_map = before_map
    while time.time() < deadline and after_map == before_map:
        time.sleep(0.5)
        after_map = w.page.locator("iframe.wb-map").get_attribute("srcdoc")
    assert after_map != before_map
    w.page.frame_locator("iframe.wb-map").locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for()
    w.shot("analyst_tactical_12_weeks_map")
    w.page.get_by_text("Emerging issues").first.click()
    deadline = time.time() + 30
    after_table = before_table
    while time.time() < deadline and after_table == before_table:
        time.sleep(0.5)
        after_table = w.page.locator(".tabulator").first.inner_text()
    assert after_table != before_table
    w.shot("analyst_tactical_12_weeks")
    assert w.errors == [] and w.external() == []
    w.close()


def test_viewer_sees_aggregates_only(server, browser):
    base, hub = server
    w = Watched(browser, base)
    w.login("vic.viewer")
    w.open("/", "Welcome, vic.viewer")
    assert w.page.get_by_text("aggregates only").count() >= 1
    assert w.page.get_by_text("Crime records").count() == 0
    w.shot("viewer_index")
    w.open("/records", "Access denied")
    assert w.page.locator(".tabulator").count() == 0
    w.shot("viewer_records_denied")
    w.open("/explorer", "Access denied")
    w.open("/tactical", "Emerging issues")
    w.page.get_by_text("Repeat locations").click()
    w.page.get_by_text(label("postcode_sector")).first.wait_for()   # plain column names (issue 18)
    assert w.page.get_by_text("NG1 1AB").count() == 0
    w.shot("viewer_tactical_repeats")
    assert w.errors == [] and w.external() == []
    w.close()
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        views = [(e.actor, e.target, e.outcome) for e in reg.audit_entries() if e.action == "dashboard.view"]
    assert ("vic.viewer", "records", "denied") in views
    assert ("vic.viewer", "tactical", "ok") in views
