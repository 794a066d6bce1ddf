"""Low findings of the security review (issue 11) on passwords, log-in, the API and refusals.

- passwords are checked against lists of common and breached passwords (zxcvbn, offline) and
  the refusal gives NCSC's three-random-words advice;
- user names cannot be enumerated from log-in or registration answers (same message, one
  argon2 check on every path);
- deeply nested JSON, lone surrogates and invalid UTF-8 give 422, never 500;
- an old password stops working on the API as soon as it is changed (no cache window);
- CSRF, 413 and 429 refusals are audited (once per address and minute).
"""

from __future__ import annotations

import re

import pytest

from workbench.errors import BadInput

from hubs import make_hub
from portal_support import (FORCE, PASSWORD, PORTAL_HUB, SCHOOL, SUBMISSION, audit_entries, creds,
                            csrf, login, portal_client)


@pytest.fixture
def hub(tmp_path):
    return make_hub(tmp_path, **PORTAL_HUB)


# ---------------------------------------------------------------- common and breached passwords
@pytest.mark.parametrize("weak", ["password1234", "qwertyuiop123", "letmein12345", "iloveyou2024",
                                  "rev.jones2024!"])
def test_common_passwords_are_refused_with_the_ncsc_advice(hub, weak):
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        with pytest.raises(BadInput, match="three random words") as exc:
            reg.add_user("rev.jones2", FORCE, "reviewer", weak)
        assert "too easy to guess" in str(exc.value)
        with pytest.raises(BadInput, match="three random words"):
            reg.set_password("rev.jones", weak)
        reg.add_user("rev.jones3", FORCE, "reviewer", "otter-lantern-gravel")     # three random words


def test_portal_activation_refuses_a_common_password(hub):
    with portal_client(hub) as c:
        token = csrf(c, "/activate")
        r = c.post("/activate", data={"csrf_token": token, "username": "new.person", "code": "x",
                                      "password": "password1234", "password_confirm": "password1234"})
        assert r.status_code == 422 and "three random words" in r.text


# ---------------------------------------------------------------- user-name enumeration
def _answer(r) -> str:
    body = re.sub(r'name="csrf_token" value="[^"]+"', "", r.text)
    return f"{r.status_code}|{body.replace('ghost.user', 'NAME').replace('p.school', 'NAME')}"


def test_login_answers_the_same_for_unknown_wrong_and_locked(hub, monkeypatch):
    from workbench.registry import users as U

    checks = []
    real = U._HASHER

    class Counting:                                 # counts argon2 operations on every path
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, *a):
            checks.append("verify")
            return real.verify(*a)

        def hash(self, *a):
            checks.append("hash")
            return real.hash(*a)

    monkeypatch.setattr(U, "_HASHER", Counting())
    with portal_client(hub, anonymous_rate_limit=(100, 60)) as c:
        unknown = login(c, "ghost.user", "wrong-password-123")
        assert len(checks) == 1                                    # one argon2 operation
        checks.clear()
        wrong = login(c, "p.school", "wrong-password-123")
        assert len(checks) == 1
        assert _answer(unknown) == _answer(wrong)
        for _ in range(5):
            login(c, "p.school", "wrong-password-123")
        checks.clear()
        locked = login(c, "p.school")                              # right password, locked account
        assert len(checks) == 1
        assert _answer(locked) == _answer(unknown)
        api = [c.get("/api/v1/whoami", auth=(n, "wrong-password-123")) for n in ("ghost.user", "p.housing")]
        assert api[0].status_code == api[1].status_code == 401 and api[0].json() == api[1].json()


def test_registration_answers_the_same_for_a_taken_and_a_free_user_name(hub):
    def register(c, username):
        token = csrf(c, "/register")
        r = c.post("/register", data={"csrf_token": token, "agency_name": "Some Charity", "agency_type": "charity",
                                      "contact_name": "Head", "contact_email": "head@example.org",
                                      "staff_1_username": username, "staff_1_full_name": "A Person",
                                      "staff_1_email": "a@example.org"})
        return r.status_code, re.sub(r"REG-[0-9A-F]{10}", "REG", r.text)

    with portal_client(hub) as c:
        taken, free = register(c, "p.school"), register(c, "fresh.name")
    assert taken[0] == free[0] == 200
    assert re.sub(r'name="csrf_token" value="[^"]+"', "", taken[1]) == \
        re.sub(r'name="csrf_token" value="[^"]+"', "", free[1])


# ---------------------------------------------------------------- malformed JSON: 422, never 500
@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"intelligence_text": "\\ud800 lone surrogate"}',
    b'{"category": "county_lines_drugs", "subjects": ["\\udfff"]}',
    b'{"intelligence_text": "\xff\xfe not utf-8"}',
])
def test_nested_json_surrogates_and_bad_utf8_give_422(hub, body):
    with portal_client(hub, max_body_bytes=1024 * 1024) as c:
        r = c.post("/api/v1/submissions", content=body, auth=creds("p.school"),
                   headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text[:200]
        assert r.json()["field"] == "body"
        with c.app.state.portal.store.cursor() as cur:
            assert cur.execute("SELECT count(*) FROM portal.submissions").fetchone()[0] == 0


def test_a_surrogate_inside_a_real_submission_gives_422(hub):
    import json

    body = json.dumps({**SUBMISSION, "intelligence_text": "seen at \ud83d the shop"}).encode()
    with portal_client(hub) as c:
        r = c.post("/api/v1/submissions", content=body, auth=creds("p.school"),
                   headers={"content-type": "application/json"})
        assert r.status_code == 422


# ---------------------------------------------------------------- password change takes effect at once
def test_old_password_stops_working_on_the_api_at_once(hub):
    from workbench.registry import open_registry

    with portal_client(hub, auth_cache_seconds=60) as c:
        assert c.get("/api/v1/whoami", auth=creds("p.school")).status_code == 200     # now cached
        with open_registry(hub) as reg:                     # changed elsewhere (CLI, another process)
            reg.set_password("p.school", "otter-lantern-gravel-7", actor="admin.patel")
        assert c.get("/api/v1/whoami", auth=creds("p.school")).status_code == 401
        assert c.get("/api/v1/whoami", auth=("p.school", "otter-lantern-gravel-7")).status_code == 200


# ---------------------------------------------------------------- refusals are audited
def test_csrf_413_and_429_refusals_are_audited(hub):
    with portal_client(hub, max_body_bytes=8 * 1024, rate_limit=(2, 60)) as c:
        login(c, "p.school")
        r = c.post("/submit", data={"csrf_token": "forged", "intelligence_text": "x"})
        assert r.status_code == 403
        big = {**SUBMISSION, "intelligence_text": "x" * 9000}
        assert c.post("/api/v1/submissions", json=big, auth=creds("p.housing")).status_code == 413
        codes = [c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.housing")).status_code
                 for _ in range(6)]
        assert codes.count(429) == 4
    csrf_refusals = audit_entries(hub, "portal.refused.csrf")
    assert [e.outcome for e in csrf_refusals] == ["denied"] and csrf_refusals[0].actor == "p.school"
    assert csrf_refusals[0].target == "/submit"
    assert len(audit_entries(hub, "portal.refused.body_too_large")) == 1
    limited = audit_entries(hub, "portal.refused.rate_limit")
    assert len(limited) == 1 and limited[0].actor == "p.housing"             # a flood is one entry a minute
    assert PASSWORD["p.school"] not in str([e.detail for e in csrf_refusals + limited])
    assert SCHOOL                                                           # (fixture agencies in use)
