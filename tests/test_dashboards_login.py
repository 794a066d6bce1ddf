"""Dashboards log-in against the security review (issue 11, Medium "Dashboards log-in").

Over HTTP against a real dashboard server (a child process): ``next`` never leads off-site
(``/\\host``, ``//host``, absolute URLs, CR/LF) and never gives a 500; log-out ends the session
on the server, so the old cookie no longer loads pages; log-in needs the form's CSRF token.
The ``/\\host`` redirect is also checked in Chromium, where the review confirmed it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dashboards_fixture as fx  # noqa: E402
from hubs import make_hub  # noqa: E402
from test_browser_dashboards import CHROMIUM, chromium, dashboard_server  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dashboards_login")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    hub = make_hub(tmp_path_factory.mktemp("login"), **fx.hub_parts(rows=2_000))
    with dashboard_server(hub) as base:
        yield base, hub


def _form(client: httpx.Client, base: str, next_: str | None = None) -> dict:
    """GET the log-in form; return the fields to post back (with its CSRF token)."""
    r = client.get(base + "/login", params={"next": next_} if next_ is not None else None, timeout=60)
    assert r.status_code == 200
    token = re.search(r'name="_xsrf" value="([^"]+)"', r.text)
    fields = {"username": "ann.analyst", "password": fx.PASSWORD}
    if token:
        fields["_xsrf"] = token.group(1)
    if next_ is not None:
        fields["next"] = next_
    return fields


def _login(base: str, next_: str | None = None) -> httpx.Response:
    with httpx.Client(follow_redirects=False) as c:
        return c.post(base + "/login", data=_form(c, base, next_), timeout=60)


@pytest.mark.parametrize("next_", [
    "/\\evil.example/", "/\\\\evil.example", "//evil.example/", "///evil.example",
    "http://evil.example/", "https:evil.example", "/\t/evil.example", "javascript:alert(1)",
    "/tactical\r\nSet-Cookie: x=1", "/\r\n", "/%0d%0aX: y",
])
def test_next_never_leaves_the_site_and_never_500s(server, next_):
    base, _ = server
    r = _login(base, next_)
    assert r.status_code == 302, r.text[:300]
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "\r" not in location and "\n" not in location and "\t" not in location
    assert httpx.URL(base).join(location).host == "127.0.0.1"
    assert "x=1" not in r.headers.get("set-cookie", "")
    assert httpx.get(base + "/login", params={"next": next_}, timeout=60).status_code == 200


def test_a_local_next_is_followed(server):
    base, _ = server
    r = _login(base, "/tactical?weeks=8")
    assert r.status_code == 302 and r.headers["location"] == "/tactical?weeks=8"


def test_login_needs_the_forms_csrf_token(server):
    base, hub = server
    r = httpx.post(base + "/login", data={"username": "ann.analyst", "password": fx.PASSWORD},
                   follow_redirects=False, timeout=60)
    assert r.status_code == 403 and "user=" not in r.headers.get("set-cookie", "")
    # a token of the attacker's own session, without the matching cookie in the victim's browser
    with httpx.Client() as attacker:
        stolen = _form(attacker, base)["_xsrf"]
    r = httpx.post(base + "/login", data={"username": "ann.analyst", "password": fx.PASSWORD,
                                          "_xsrf": stolen}, follow_redirects=False, timeout=60)
    assert r.status_code == 403
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        assert [e for e in reg.audit_entries() if e.action == "dashboards.login.csrf" and e.outcome == "denied"]


def test_logout_ends_the_session_on_the_server(server):
    base, hub = server
    with httpx.Client(follow_redirects=False) as c:
        r = c.post(base + "/login", data=_form(c, base), timeout=60)
        assert r.status_code == 302
        old = dict(c.cookies)
        assert c.get(base + "/", timeout=60).status_code == 200
        assert c.get(base + "/logout", timeout=60).status_code == 200
    r = httpx.get(base + "/", cookies=old, follow_redirects=False, timeout=60)    # the copied cookie
    assert r.status_code == 302 and "/login" in r.headers["location"]
    # a signed ``user`` cookie alone (no live server-side session) loads nothing either
    r = httpx.get(base + "/", cookies={"user": old["user"]}, follow_redirects=False, timeout=60)
    assert r.status_code == 302
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        assert [e for e in reg.audit_entries() if e.action == "logout" and e.actor == "ann.analyst"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_backslash_next_stays_on_site_in_chromium(server):
    base, _ = server
    with chromium() as b:
        ctx = b.new_context()
        page = ctx.new_page()
        seen = []
        ctx.on("request", lambda r: seen.append(r.url))
        page.goto(base + "/login?next=/%5Cevil.example/")
        page.fill("#username", "ann.analyst")
        page.fill("#password", fx.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.url.startswith(base + "/"), page.url
        assert not [u for u in seen if "evil.example" in u.split("?")[0].split("/", 3)[2]]
        ctx.close()
