"""The portal as a newcomer meets it (issue 18): a date alone is a complete "When?", errors in the
form's words, a forgotten password reset with an admin-issued code, codes that can be read out by
phone, and dates in the British form."""

from __future__ import annotations

import json
import re

import pytest

from workbench.cli import main
from workbench.errors import AccessDenied
from workbench.portal import registration as R
from workbench.portal import validate
from workbench.portal.auth import Authenticator
from workbench.portal.store import PortalStore

from hubs import make_hub
from portal_support import (PASSWORD, PORTAL_HUB, SUBMISSION, audit_entries, csrf, login,
                            portal_client)

AMBIGUOUS = set("0O1IL5S8B")


@pytest.fixture
def hub(tmp_path):
    return make_hub(tmp_path, **PORTAL_HUB)


def _form(**changes) -> dict:
    data = {k: v for k, v in SUBMISSION.items() if k not in ("occurred_at", "subjects", "anonymity_requested")}
    data.update(subjects="; ".join(SUBMISSION["subjects"]), anonymity_requested="Y")
    data.update(changes)
    return data


def _stored(client, ref):
    store = client.app.state.portal.store
    return store.rows("SELECT occurred_at FROM portal.submissions WHERE submission_ref = ?", [ref])[0]


def test_a_date_alone_is_a_complete_answer_to_when(hub):
    with portal_client(hub) as client:
        login(client, "p.school")
        page = client.get("/submit").text
        assert 'type="date"' in page and 'type="time"' in page and "datetime-local" not in page
        r = client.post("/submit", data={"csrf_token": csrf(client, "/submit"), "occurred_date": "2026-10-01",
                                         "occurred_time": "", **_form()}, follow_redirects=False)
        assert r.status_code == 303, r.text
        ref = r.headers["location"].rsplit("/", 1)[1]
        assert _stored(client, ref)["occurred_at"] == "2026-10-01"
        r = client.post("/submit", data={"csrf_token": csrf(client, "/submit"), "occurred_date": "2026-10-01",
                                         "occurred_time": "16:30", **_form()}, follow_redirects=False)
        assert _stored(client, r.headers["location"].rsplit("/", 1)[1])["occurred_at"] == "2026-10-01T16:30"


@pytest.mark.parametrize("when, says", [
    ({"occurred_date": "2999-01-01"}, "When it happened is in the future"),
    ({"occurred_date": "", "occurred_time": "21:30"}, "The date it happened is needed when a time is given"),
])
def test_errors_speak_the_forms_words_and_name_the_field_once(hub, when, says):
    with portal_client(hub) as client:
        login(client, "p.school")
        r = client.post("/submit", data={"csrf_token": csrf(client, "/submit"), **_form(), **when})
        assert r.status_code == 422
        alert = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S).group(1)
        assert says in alert
        assert not re.search(r"occurred_\w+|intelligence_text|source_type", alert), alert
        assert alert.count("When it happened") + alert.count("The date it happened") == 1


def test_field_error_keeps_the_api_name_for_programs():
    exc = validate.FieldError("occurred_at", "is in the future (2999-01-01); give the date it happened.")
    assert str(exc).startswith("occurred_at: ") and exc.to_dict()["field"] == "occurred_at"
    assert exc.plain == "When it happened is in the future (2999-01-01); give the date it happened."


def test_codes_can_be_read_out_by_phone():
    codes = [R.new_code() for _ in range(300)]
    for code in codes:
        assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code), code
        assert not AMBIGUOUS & set(code)
    assert len(set(codes)) == len(codes)
    assert R.normalise_code("ht7k m2qx-9cda wrpe") == R.normalise_code("HT7K-M2QX-9CDA-WRPE")


def test_activation_accepts_the_code_as_heard(hub):
    store, auth = PortalStore(hub), Authenticator(hub)
    try:
        reg = validate.registration({"agency_name": "Oak Housing", "agency_type": "housing", "contact_name": "O",
                                     "contact_email": "o@example.org",
                                     "staff": [{"username": "o.one", "full_name": "O One", "email": "o1@example.org"}]})
        rid = R.request(store, auth, reg)
        code = R.approve(store, auth, rid, admin="admin.patel")["activation"][0]["code"]
        assert code == code.upper() and not code.startswith("-") and not AMBIGUOUS & set(code)
        spoken = " ".join(code.replace("-", "").lower()[i:i + 4] for i in range(0, 16, 4))
        assert R.activate(store, auth, "o.one", spoken, "a-long-passphrase")["role"] == "partner"
    finally:
        store.close()


def test_forgotten_password_reset_with_an_admin_issued_code(hub):
    new = "a-brand-new-passphrase-7"
    with portal_client(hub) as client:
        assert "/reset-password" in client.get("/login").text             # the way is signposted
        login(client, "admin.patel")
        page = client.get("/admin/requests").text
        assert 'action="/admin/reset-code"' in page
        r = client.post("/admin/reset-code", data={"csrf_token": csrf(client, "/admin/requests"),
                                                   "username": "p.school"})
        assert r.status_code == 200
        code = re.search(r'id="reset-code">([^<]+)<', r.text).group(1)
        assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code)
        assert not re.search(r"\d{4}-\d{2}-\d{2}T", r.text)              # expiry in British form
    with portal_client(hub) as client:
        token = csrf(client, "/reset-password")
        wrong = client.post("/reset-password", data={"csrf_token": token, "username": "p.school",
                                                     "code": "AAAA-AAAA-AAAA-AAAA", "password": new,
                                                     "password_confirm": new})
        assert wrong.status_code == 403 and "do not match" in wrong.text
        ok = client.post("/reset-password", data={"csrf_token": token, "username": "p.school",
                                                  "code": code.lower().replace("-", " "), "password": new,
                                                  "password_confirm": new})
        assert ok.status_code == 200 and "Password changed" in ok.text
        again = client.post("/reset-password", data={"csrf_token": token, "username": "p.school", "code": code,
                                                     "password": new + "x", "password_confirm": new + "x"})
        assert again.status_code == 403                                  # single use
    auth = Authenticator(hub, cache_seconds=0)
    assert auth.authenticate("p.school", new).name == "p.school"
    with pytest.raises(AccessDenied):
        auth.authenticate("p.school", PASSWORD["p.school"])
    assert audit_entries(hub, "portal.password.reset_code")
    assert any(e.outcome == "denied" for e in audit_entries(hub, "portal.password.reset"))


def test_reset_code_from_the_command_line_is_for_admins_only(hub, capsys):
    h = ["--hub", str(hub), "--json"]
    assert main(["portal", "reset-code", "p.school", *h, "--as", "rev.jones"]) == 3
    capsys.readouterr()
    assert main(["portal", "reset-code", "p.school", *h, "--as", "admin.patel"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["username"] == "p.school" and re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", out["code"])
    assert main(["portal", "reset-code", "nobody.here", *h, "--as", "admin.patel"]) == 2


def test_reviewer_sees_british_dates_not_iso(hub):
    with portal_client(hub) as client:
        login(client, "p.school")
        r = client.post("/submit", data={"csrf_token": csrf(client, "/submit"), "occurred_date": "2026-10-01",
                                         "occurred_time": "16:30", **_form()}, follow_redirects=False)
        ref = r.headers["location"].rsplit("/", 1)[1]
        mine = client.get("/my/submissions").text
        assert not re.search(r"\d{4}-\d{2}-\d{2}", mine)
    with portal_client(hub) as client:
        login(client, "rev.jones")
        for path in ("/review", f"/review/{ref}"):
            html = client.get(path).text
            assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r"<[^>]+>", " ", html)), path
        assert "1 Oct 2026, 16:30" in client.get(f"/review/{ref}").text
