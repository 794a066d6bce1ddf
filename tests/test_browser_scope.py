"""Partnership scoping in a real browser (guidance 2.2.4): log in through the server and read
the pages a scoped user gets. A dashboard server runs in a child process on the
two-partnership tier of :mod:`dashboards_scope_fixture`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_scope_fixture as scope  # noqa: E402
from test_browser_dashboards import (CHROMIUM, LAUNCH_ARGS, ROOT, SECRET, Watched,  # noqa: E402
                                     _free_port)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("dashboards_browser"),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")]


@pytest.fixture(scope="module")
def scoped_server(tmp_path_factory):
    import subprocess
    import time

    import httpx

    hub, frames = scope.build_hub(tmp_path_factory.mktemp("scope_browser"))
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
    yield base, hub, frames
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


AGENCIES = ("Ashfield DC", "Bassetlaw DC", "Unknown")   # the supplies of A, B and of no partnership


def _supply_agencies(browser, base, user) -> set[str]:
    """The agencies in the hub explorer's supply log as ``user`` sees it through the server."""
    w = Watched(browser, base)
    try:
        w.login(user, scope.PASSWORD)
        w.open("/explorer", "Fitness for purpose")
        w.page.get_by_text("Supplies", exact=True).first.click()
        w.page.get_by_text("supply_id").first.wait_for()
        w.page.wait_for_timeout(500)
        seen = {a for a in AGENCIES if w.page.get_by_text(a, exact=True).count() > 0}
        assert w.errors == [] and w.external() == []
        return seen
    finally:
        w.close()


def test_scoped_users_see_only_their_partnerships_through_the_server(scoped_server, browser):
    base, hub, frames = scoped_server
    assert _supply_agencies(browser, base, "a_ana") == {"Ashfield DC"}
    assert _supply_agencies(browser, base, "b_ana") == {"Bassetlaw DC"}
    assert _supply_agencies(browser, base, "county") == set(AGENCIES)


def test_a_user_of_no_partnership_in_the_tier_is_refused_at_log_in(scoped_server, browser):
    base, hub, _ = scoped_server
    w = Watched(browser, base)
    try:
        w.login("derby", scope.PASSWORD)
        alert = w.page.get_by_role("alert")
        alert.wait_for()
        assert "Access denied" in alert.inner_text()
        w.page.goto(base + "/tactical")            # no session: back to the log-in page
        assert "/login" in w.page.url
        assert w.page.get_by_text("Ashfield DC", exact=True).count() == 0
    finally:
        w.close()
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        assert any(e.actor == "derby" and e.outcome == "denied" for e in reg.audit_entries())
