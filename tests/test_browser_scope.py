"""Partnership scoping in a real browser (guidance 2.2.4): log in through the server and read
the pages a scoped user gets. A dashboard server runs in a child process on the
two-partnership tier of :mod:`dashboards_scope_fixture`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_scope_fixture as scope  # noqa: E402
from hubs import make_hub  # noqa: E402
from test_browser_dashboards import CHROMIUM, Watched, chromium, dashboard_server  # noqa: E402
from workbench.dashboard_data.labels import label

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("dashboards_browser"),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")]


@pytest.fixture(scope="module")
def scoped_server(tmp_path_factory):
    frames = scope.truth()
    hub = make_hub(tmp_path_factory.mktemp("scope_browser"), **scope.hub_parts(frames))
    with dashboard_server(hub) as base:
        yield base, hub, frames


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


AGENCIES = ("Ashfield DC", "Bassetlaw DC", "Unknown")   # the supplies of A, B and of no partnership


def _supply_agencies(browser, base, user) -> set[str]:
    """The agencies in the hub explorer's supply log as ``user`` sees it through the server."""
    w = Watched(browser, base)
    try:
        w.login(user, scope.PASSWORD)
        w.open("/explorer", "Fitness for purpose")
        w.page.get_by_text("Supplies", exact=True).first.click()
        w.page.get_by_text(label("supply_id")).first.wait_for()   # plain column names (issue 18)
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
