"""Security of the portal, one test (or table) per control the issue names.

Password hashing and lockout, secure session cookies, CSRF on every form, output escaping,
request size limits, per-user rate limits, object-level authorisation, audit of every access
to source details; plus the security headers and redirects that go with them.
"""

from __future__ import annotations

import sqlite3

import pytest

from workbench.portal import submissions as S

from hubs import make_hub
from portal_support import (PASSWORD, PORTAL_HUB, SCHOOL, SUBMISSION, audit_entries, creds, csrf,
                            login, portal_client)

XSS = '<script>alert("pwn")</script><img src=x onerror=alert(1)>"\'&'
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt;"


@pytest.fixture
def hub(tmp_path):
    return make_hub(tmp_path, **PORTAL_HUB)


def _submit(c, who="p.school", **change):
    r = c.post("/api/v1/submissions", json={**SUBMISSION, **change}, auth=creds(who))
    assert r.status_code == 201, r.text
    return r.json()["submission_ref"]


# ---------------------------------------------------------------- passwords and lockout
def test_passwords_are_argon2_hashes(hub):
    con = sqlite3.connect(hub.with_name("registry.sqlite"))
    hashes = [r[0] for r in con.execute("SELECT password_hash FROM users")]
    con.close()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(pw in h for h in hashes for pw in PASSWORD.values())


def test_lockout_after_repeated_failures_applies_to_form_and_api(hub):
    with portal_client(hub) as c:
        for _ in range(5):
            assert login(c, "p.school", "wrong-password-123").status_code == 401
        r = login(c, "p.school")
        assert r.status_code == 401 and "locked" in r.text
        assert c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).status_code == 401
    assert any(e.target == "p.school" for e in audit_entries(hub, "user.lockout"))


def test_analyst_logs_in_only_to_upload_supplies(hub):
    """Issue 15: an analyst supplies their agency's data at /supply; every other page stays refused."""
    with portal_client(hub) as c:
        r = login(c, "an.lee")
        assert r.status_code == 303 and r.headers["location"] == "/supply"
        for path in ("/submit", "/review", "/admin/requests", "/my/submissions"):
            assert c.get(path).status_code == 403, path


def test_viewer_cannot_log_in_to_the_portal(hub):
    from workbench.registry import open_registry

    from portal_support import FORCE, PASSWORD

    with open_registry(hub) as reg:
        reg.add_user("v.iewer", FORCE, "viewer", "viewer-passphrase-77")
    PASSWORD["v.iewer"] = "viewer-passphrase-77"
    with portal_client(hub) as c:
        assert login(c, "v.iewer").status_code == 403


# ---------------------------------------------------------------- sessions and cookies
def test_session_cookie_flags_secure_by_default(hub):
    with portal_client(hub, secure_cookies=True) as c:
        cookie = c.get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
    assert "Path=/" in cookie


def test_secure_flag_can_be_switched_off_for_loopback_http(hub):
    with portal_client(hub, secure_cookies=False) as c:
        cookie = c.get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


def test_login_rotates_session_and_logout_ends_it(hub):
    with portal_client(hub) as c:
        c.get("/login")
        before = c.cookies.get("pip_session")
        login(c, "p.school")
        after = c.cookies.get("pip_session")
        assert before != after
        assert c.get("/submit").status_code == 200
        c.post("/logout", data={"csrf_token": csrf(c, "/")})
        c.cookies.set("pip_session", after)   # replaying the old cookie does not log back in
        r = c.get("/submit", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_security_headers(hub):
    with portal_client(hub, secure_cookies=True) as c:
        h = c.get("/").headers
    assert "script-src" not in h["content-security-policy"]          # default-src 'none': no scripts
    assert "default-src 'none'" in h["content-security-policy"]
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    assert h["cache-control"] == "no-store"
    assert h["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_next_cannot_redirect_off_site(hub, target):
    with portal_client(hub) as c:
        token = csrf(c, f"/login?next={target}")
        r = c.post("/login", data={"csrf_token": token, "name": "p.school", "password": PASSWORD["p.school"],
                                   "next": target}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/submit"


# ---------------------------------------------------------------- CSRF on every form
FORMS = [
    (None, "/login", {"name": "p.school", "password": PASSWORD["p.school"]}),
    (None, "/register", {"agency_name": "X"}),
    (None, "/activate", {"username": "a.b", "code": "x"}),
    ("p.school", "/submit", {k: v for k, v in SUBMISSION.items() if k != "subjects"}),
    ("p.school", "/logout", {}),
    ("rev.jones", "/review/{ref}/grade", {"source_evaluation": "1", "intelligence_assessment": "A",
                                          "handling_code": "P", "decision": "no_further_action"}),
    ("rev.jones", "/review/{ref}/source", {"reason": "checking the source"}),
    ("admin.patel", "/admin/requests/REG-0000000000/approve", {}),
]


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_every_form_requires_the_csrf_token(hub, token):
    with portal_client(hub) as c:
        ref = _submit(c)
        for who, path, data in FORMS:
            c.cookies.clear()
            if who:
                assert login(c, who).status_code == 303
            else:
                c.get("/")
            body = dict(data)
            if token:
                body["csrf_token"] = token
            r = c.post(path.format(ref=ref), data=body, follow_redirects=False)
            assert r.status_code == 403 and "security token" in r.text, (who, path)
        store = c.app.state.portal.store
        assert S.get(store, ref)["status"] == "received"
        assert store.rows("SELECT count(*) AS n FROM portal.submissions")[0]["n"] == 1
        assert store.rows("SELECT count(*) AS n FROM portal.registration_requests")[0]["n"] == 0
    assert not [e for e in audit_entries(hub, "portal.source_details.view")]


# ---------------------------------------------------------------- output escaping
def test_xss_payloads_stored_verbatim_and_rendered_inert(hub):
    fields = {"intelligence_text": "Seen " + XSS, "location": XSS, "source_details": XSS, "subjects": XSS}
    with portal_client(hub) as c:
        ref = _submit(c, **fields)
        store = c.app.state.portal.store
        row = S.get(store, ref)
        for f in ("intelligence_text", "location", "subjects"):
            assert row[f] == fields[f]
        assert S.source_details(store, ref) == XSS
        # registration fields carry payloads too
        token = csrf(c, "/register")
        c.post("/register", data={"csrf_token": token, "agency_name": "Agency " + XSS, "agency_type": "other",
                                  "contact_name": XSS, "contact_email": "x@example.org", "reason": XSS,
                                  "staff_1_username": "x.y", "staff_1_full_name": XSS,
                                  "staff_1_email": "xy@example.org", "staff_1_job_title": XSS})
        login(c, "rev.jones")
        pages = {"review": c.get(f"/review/{ref}").text}
        token = csrf(c, f"/review/{ref}")
        pages["source"] = c.post(f"/review/{ref}/source", data={"csrf_token": token, "reason": "XSS check"}).text
        pages["graded"] = c.post(f"/review/{ref}/grade", data={
            "csrf_token": token, "source_evaluation": "2", "intelligence_assessment": "C", "handling_code": "C",
            "handling_conditions": XSS, "triage_notes": XSS, "decision": "refer", "referred_to": XSS}).text
        c.post("/logout", data={"csrf_token": csrf(c, "/")})
        login(c, "admin.patel")
        pages["requests"] = c.get("/admin/requests").text
        # a validation error page echoes the rejected input: escaped too
        c.post("/logout", data={"csrf_token": csrf(c, "/")})
        login(c, "p.school")
        token = csrf(c, "/submit")
        pages["form_error"] = c.post("/submit", data={"csrf_token": token, "category": "bad" + XSS,
                                                      "intelligence_text": XSS, "source_type": "staff_direct"}).text
    for name, html in pages.items():
        assert "<script>alert" not in html and "<img src=x" not in html, name
        assert ESCAPED_SCRIPT in html, name
    assert pages["graded"].count(ESCAPED_SCRIPT) >= 6      # text, location, subjects, conditions, notes, referral
    assert pages["requests"].count(ESCAPED_SCRIPT) >= 5    # agency, contact, reason, staff name, job title


# ---------------------------------------------------------------- request size limits
def test_oversized_requests_are_refused_with_413(hub):
    with portal_client(hub, max_body_bytes=8 * 1024) as c:
        big = {**SUBMISSION, "intelligence_text": "x" * 9000}
        assert c.post("/api/v1/submissions", json=big, auth=creds("p.school")).status_code == 413

        def chunks():      # no Content-Length: counted as it streams
            for _ in range(20):
                yield b"a" * 1024
        r = c.post("/api/v1/submissions", content=chunks(), auth=creds("p.school"),
                   headers={"content-type": "application/json"})
        assert r.status_code == 413
        login(c, "p.school")
        token = csrf(c, "/submit")
        r = c.post("/submit", data={"csrf_token": token, "intelligence_text": "y" * 9000})
        assert r.status_code == 413
        with c.app.state.portal.store.cursor() as cur:
            assert cur.execute("SELECT count(*) FROM portal.submissions").fetchone()[0] == 0


# ---------------------------------------------------------------- rate limiting per user
def test_rate_limit_per_user_returns_429(hub):
    with portal_client(hub, rate_limit=(3, 60)) as c:
        codes = [c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).status_code
                 for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        r = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school"))
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        # another user has their own allowance
        assert c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.housing")).status_code == 201


def test_anonymous_attempts_are_rate_limited_per_address(hub):
    with portal_client(hub, anonymous_rate_limit=(3, 60)) as c:
        codes = [login(c, "p.school", "wrong-password-1").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]


# ---------------------------------------------------------------- authorisation on every object
PAGE_RULES = [
    ("p.housing", "/review/{ref}", 403),
    ("p.school", "/review/{ref}", 403),
    ("admin.patel", "/review/{ref}", 403),
    ("rev.jones", "/review/PIP-0000-0000-0000", 403),
    ("p.housing", "/review", 403),
    ("p.school", "/stats", 403),
    ("rev.jones", "/admin/requests", 403),
    ("rev.jones", "/submit", 403),
    ("admin.patel", "/submit", 403),
    ("admin.patel", "/my/submissions", 403),
    (None, "/review/{ref}", 303),
    (None, "/my/submissions", 303),
    (None, "/admin/requests", 303),
    ("rev.jones", "/review/{ref}", 200),
    ("p.school", "/my/submissions", 200),
]


def test_pages_check_role_and_object(hub):
    with portal_client(hub) as c:
        ref = _submit(c)
        for who, path, expected in PAGE_RULES:
            c.cookies.clear()
            if who:
                login(c, who)
            r = c.get(path.format(ref=ref), follow_redirects=False)
            assert r.status_code == expected, (who, path, r.status_code)
            if expected == 403:
                assert SUBMISSION["intelligence_text"] not in r.text
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        denied = {(e.actor, e.action) for e in reg.audit_entries(outcome="denied")}
    assert {("p.housing", "portal.submission.view"), ("admin.patel", "portal.submission.view"),
            ("rev.jones", "portal.submission.read"), ("rev.jones", "portal.registration.list"),
            ("admin.patel", "portal.submission.create")} <= denied


@pytest.mark.parametrize("who", ["p.school", "p.housing", "admin.patel"])
def test_only_reviewers_grade_or_see_sources(hub, who):
    with portal_client(hub) as c:
        ref = _submit(c)
        login(c, who)
        token = csrf(c, "/")
        r = c.post(f"/review/{ref}/grade", data={"csrf_token": token, "source_evaluation": "1",
                                                 "intelligence_assessment": "A", "handling_code": "P",
                                                 "decision": "transfer"})
        assert r.status_code == 403
        r = c.post(f"/review/{ref}/source", data={"csrf_token": token, "reason": "curious"})
        assert r.status_code == 403 and SUBMISSION["source_details"] not in r.text
        assert S.get(c.app.state.portal.store, ref)["status"] == "received"
    denied = [e for e in audit_entries(hub, "portal.source_details.view") if e.outcome == "denied"]
    assert [e.actor for e in denied] == [who]


def test_portal_roles_need_the_permission_matrix_too(hub):
    """The portal honours a role only where workbench.privacy.access grants its operation:
    a second-group agency's reviewer may not review intelligence, a partner whose agency has
    not signed the ISP may not submit, and each refusal is audited with the reason."""
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        reg.add_user("rev.school", SCHOOL, "reviewer", "school-reviewer-pass-9")
        reg.add_agency("Unsigned Trust", "second", isp_status="pending")
        reg.add_user("p.unsigned", "Unsigned Trust", "partner", "unsigned-partner-pass-9")
    with portal_client(hub) as c:
        ref = _submit(c)
        login(c, "rev.school", "school-reviewer-pass-9")
        for path in ("/review", f"/review/{ref}"):
            r = c.get(path, follow_redirects=False)
            assert r.status_code == 403 and SUBMISSION["intelligence_text"] not in r.text, path
        token = csrf(c, "/")
        r = c.post(f"/review/{ref}/grade", data={"csrf_token": token, "source_evaluation": "1",
                                                 "intelligence_assessment": "A", "handling_code": "P",
                                                 "decision": "transfer"})
        assert r.status_code == 403
        assert S.get(c.app.state.portal.store, ref)["status"] == "received"
        c.cookies.clear()
        r = c.post("/api/v1/submissions", json=SUBMISSION, auth=("p.unsigned", "unsigned-partner-pass-9"))
        assert r.status_code == 403
        login(c, "rev.jones")                     # a central-group reviewer still may
        assert c.get(f"/review/{ref}", follow_redirects=False).status_code == 200
    with open_registry(hub) as reg:
        denied = [e for e in reg.audit_entries(outcome="denied") if e.actor in ("rev.school", "p.unsigned")]
    assert {e.actor for e in denied} == {"rev.school", "p.unsigned"}
    assert all("permission matrix" in (e.detail or {}).get("reason", "") for e in denied
               if (e.detail or {}).get("reason"))


# ---------------------------------------------------------------- audit of source details
def test_every_source_details_view_is_audited_with_reason(hub):
    with portal_client(hub) as c:
        ref = _submit(c)
        login(c, "rev.jones")
        page = c.get(f"/review/{ref}").text
        assert SUBMISSION["source_details"] not in page          # not on the submission page
        token = csrf(c, f"/review/{ref}")
        r = c.post(f"/review/{ref}/source", data={"csrf_token": token, "reason": ""})
        assert r.status_code == 422 and SUBMISSION["source_details"] not in r.text
        for reason in ("Deconflict with open operation", "Second look before tasking"):
            r = c.post(f"/review/{ref}/source", data={"csrf_token": token, "reason": reason})
            assert r.status_code == 200 and SUBMISSION["source_details"] in r.text
    views = [e for e in audit_entries(hub, "portal.source_details.view") if e.outcome == "ok"]
    assert [(e.actor, e.target, e.detail["reason"]) for e in views] == [
        ("rev.jones", ref, "Deconflict with open operation"), ("rev.jones", ref, "Second look before tasking")]


def test_audit_chain_stays_intact(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        ref = _submit(c)
        c.get(f"/api/v1/submissions/{ref}", auth=creds("p.housing"))
    with open_registry(hub) as reg:
        assert reg.verify_audit().intact


# ---------------------------------------------------------------- deployment defaults of serve()
@pytest.mark.parametrize("address, env, secure, proxy", [
    ("127.0.0.1", None, False, False),       # make run: plain http on loopback
    ("127.0.0.1", "1", True, True),          # behind a TLS reverse proxy on the same machine
    ("0.0.0.0", None, True, False),          # any other address must be behind TLS
])
def test_serve_turns_secure_cookies_on_for_deployment(monkeypatch, address, env, secure, proxy):
    import uvicorn

    import workbench.portal.app as app_module
    from workbench.portal import server

    seen = {}
    monkeypatch.setattr(app_module, "create_app", lambda hub, **kw: seen.update(app_kw=kw) or "app")
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(run_kw=kw))
    if env:
        monkeypatch.setenv(server.TLS_ENV, env)
    else:
        monkeypatch.delenv(server.TLS_ENV, raising=False)
    server.serve("hub.duckdb", address, 5007)
    assert seen["app_kw"]["secure_cookies"] is secure
    assert seen["run_kw"]["proxy_headers"] is proxy and seen["run_kw"]["host"] == address


def test_session_flood_cannot_evict_logged_in_users():
    from workbench.portal.sessions import SessionStore

    store = SessionStore(max_sessions=100)
    alice = store.new("alice")
    for _ in range(1_000):
        store.new()
    assert len(store) <= 100
    assert store.get(alice.sid) is alice


def test_sessions_expire_when_idle():
    from workbench.portal.sessions import SessionStore

    store = SessionStore(idle_seconds=0.05)
    s = store.new("alice")
    assert store.get(s.sid) is s
    import time
    time.sleep(0.1)
    assert store.get(s.sid) is None


def test_size_limit_holds_on_a_real_uvicorn_server(hub):
    """The same 413 through uvicorn's HTTP parser, for declared and streamed (chunked) bodies."""
    import httpx

    from workbench.portal.server import BackgroundServer

    with BackgroundServer(hub, max_body_bytes=4096) as srv:
        url = srv.url + "/api/v1/submissions"
        big = {**SUBMISSION, "intelligence_text": "x" * 9000}
        assert httpx.post(url, json=big, auth=creds("p.school")).status_code == 413

        def chunks():
            for _ in range(10):
                yield b"a" * 1024
        r = httpx.post(url, content=chunks(), auth=creds("p.school"), headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert httpx.post(url, json=SUBMISSION, auth=creds("p.school")).status_code == 201
        assert httpx.get(srv.url + "/").headers["content-security-policy"].startswith("default-src 'none'")
