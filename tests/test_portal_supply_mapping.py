"""Mappings that learn, on the upload page (issue 15): a supply in the agency's own layout is held
(state ``mapping``) until the supplier confirms the proposed column mapping on ``/supply/<id>/mapping``;
the confirmation is saved per agency and dataset (audited ``mapping.confirm``, as ``workbench hub
map --confirm``), the upload is ingested by the worker, the next month's supply in the same layout
goes straight through, and a changed layout is detected and shown with the headings added and removed.
"""

from __future__ import annotations

import re

import pytest

from workbench.portal import uploads as U

from hubs import make_hub
from portal_support import (HOUSING, PASSWORD, PORTAL_HUB, SCHOOL, audit_entries, csrf, login,
                            portal_client)
from test_portal_supply import _count_rows, _worker

HEADER = "Ref No,Date Reported,Time,Category,Post Code,Officer notes\n"
MARCH = HEADER + "A1,01/03/2024,22:05,noise,NG1 5AW,seen twice\nA2,02/03/2024,,rowdy,,\n"
APRIL = HEADER + "B1,03/04/2024,21:00,noise,NG1 5AW,\n"
MAY_CHANGED = "Reference,Date Reported,Category,Post Code,Ward\nC1,04/05/2024,noise,NG1 5AW,Arboretum\n"
FIELDS = {"dataset": "council_asb", "period_start": "2024-03-01", "period_end": "2024-03-31"}


@pytest.fixture
def hub(tmp_path):
    from workbench.registry import open_registry

    hub = make_hub(tmp_path, **PORTAL_HUB)
    with open_registry(hub) as reg:
        PASSWORD["an.housing"] = "housing-analyst-pass-66"
        reg.add_user("an.housing", HOUSING, "analyst", PASSWORD["an.housing"])
        PASSWORD["an.school"] = "school-analyst-pass-77"
        reg.add_user("an.school", SCHOOL, "analyst", PASSWORD["an.school"])
    return hub


def _post(c, name: str, text: str, **fields):
    token = csrf(c, "/supply")
    return c.post("/supply", data={**FIELDS, **fields, "csrf_token": token},
                  files={"file": (name, text.encode(), "text/csv")}, follow_redirects=False)


def _held(r) -> str:
    """The upload id of an upload sent to confirm its mapping."""
    assert r.status_code == 303, r.text[:2000]
    m = re.fullmatch(r"/supply/([0-9a-f]{24})/mapping", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def _confirm_form(html: str) -> dict:
    """The page's form as proposed: every heading's selected column."""
    out = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)}
    for m in re.finditer(r'<select name="(column_\d+)".*?</select>', html, re.S):
        sel = re.search(r'<option value="([^"]*)" selected>', m.group(0))
        out[m.group(1)] = sel.group(1) if sel else ""
    return out


def test_a_new_layout_is_proposed_confirmed_once_saved_and_reused_next_month(hub):
    from workbench.hub import mappings

    with portal_client(hub) as c:
        login(c, "an.housing")
        upload_id = _held(_post(c, "asb march.csv", MARCH))
        assert U.get(hub, upload_id)["state"] == "mapping" and upload_id not in U.queued(hub)
        page = c.get(f"/supply/{upload_id}/mapping").text
        assert 'id="layout-new"' in page
        form = _confirm_form(page)
        # the proposal (rapidfuzz names and sample values, as `hub map` does)
        assert [form[f"column_{i}"] for i in range(5)] == [
            "incident_ref", "incident_date", "incident_time", "incident_type", "postcode"]
        assert "01/03/2024 · 02/03/2024" in page                  # sample values shown
        assert form["column_5"] == ""                              # "Officer notes" is not used
        # the worker does not touch a held upload
        assert _worker(hub).returncode == 0 and U.get(hub, upload_id)["state"] == "mapping"
        r = c.post(f"/supply/{upload_id}/mapping", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/supply/{upload_id}"
        assert "Column mapping saved for Riverside Housing and council_asb" in c.get(f"/supply/{upload_id}").text
        assert U.get(hub, upload_id)["state"] == "queued"
        done = _worker(hub)
        assert done.returncode == 0, done.stderr
        assert '<strong id="rows">2</strong>' in c.get(f"/supply/{upload_id}").text
        # next month: the same layout goes straight to the worker, no question asked
        r = _post(c, "asb april.csv", APRIL, period_start="2024-04-01", period_end="2024-04-30")
        assert re.fullmatch(r"/supply/[0-9a-f]{24}", r.headers["location"])
        assert _worker(hub).returncode == 0
    assert _count_rows(hub, "council_asb") == 3
    saved = mappings.path_for(hub, HOUSING, "council_asb")
    assert mappings.saved_header(hub, HOUSING, "council_asb") == HEADER.strip().split(",")
    assert "incident_date: '%d/%m/%Y'" in saved.read_text()
    [entry] = audit_entries(hub, "mapping.confirm")
    assert entry.actor == "an.housing" and entry.detail["agency"] == HOUSING
    assert entry.detail["columns"]["Date Reported"] == "incident_date"


def test_a_changed_layout_is_shown_with_the_headings_added_and_removed(hub):
    from workbench.hub import mappings

    with portal_client(hub) as c:
        login(c, "an.housing")
        first = _held(_post(c, "asb march.csv", MARCH))
        c.post(f"/supply/{first}/mapping", data=_confirm_form(c.get(f"/supply/{first}/mapping").text))
        upload_id = _held(_post(c, "asb may.csv", MAY_CHANGED, period_start="2024-05-01", period_end="2024-05-31"))
        page = c.get(f"/supply/{upload_id}/mapping").text
    changed = re.search(r'<div class="error" role="alert" id="layout-changed">.*?</div>', page, re.S).group(0)
    assert "Headings added: Reference, Ward" in changed
    assert "Headings removed: Ref No, Time, Officer notes" in changed
    assert _confirm_form(page)["column_0"] == "incident_ref"          # "Reference" proposed anew
    assert mappings.saved_header(hub, HOUSING, "council_asb") == HEADER.strip().split(",")   # unchanged


def test_a_bad_confirmation_is_named_and_saves_nothing(hub):
    from workbench.hub import mappings

    with portal_client(hub) as c:
        login(c, "an.housing")
        upload_id = _held(_post(c, "asb march.csv", MARCH))
        form = _confirm_form(c.get(f"/supply/{upload_id}/mapping").text)
        r = c.post(f"/supply/{upload_id}/mapping", data={**form, "column_5": "incident_ref"})
        assert r.status_code == 422
        assert "Column &#39;incident_ref&#39; is chosen for more than one heading (Ref No, Officer notes)" in r.text
        r = c.post(f"/supply/{upload_id}/mapping", data={**form, "column_0": ""})
        assert r.status_code == 422 and "leaves required column(s) incident_ref unmapped" in r.text
        r = c.post(f"/supply/{upload_id}/mapping", data={**form, "column_1": "no_such_column"})
        assert r.status_code == 422 and "is not a column of council_asb" in r.text
        # without the form's token: refused, nothing saved
        r = c.post(f"/supply/{upload_id}/mapping", data={k: v for k, v in form.items() if k != "csrf_token"})
        assert r.status_code == 403
    assert not mappings.path_for(hub, HOUSING, "council_asb").exists()
    assert U.get(hub, upload_id)["state"] == "mapping" and audit_entries(hub, "mapping.confirm") == []


def test_another_agency_cannot_see_or_confirm_the_mapping(hub):
    from workbench.hub import mappings

    with portal_client(hub) as c:
        login(c, "an.housing")
        upload_id = _held(_post(c, "asb march.csv", MARCH))
        form = _confirm_form(c.get(f"/supply/{upload_id}/mapping").text)
    with portal_client(hub) as c:
        login(c, "an.school")
        assert c.get(f"/supply/{upload_id}/mapping").status_code == 404
        r = c.post(f"/supply/{upload_id}/mapping", data={**form, "csrf_token": csrf(c, "/supply")})
        assert r.status_code == 404
    assert not mappings.path_for(hub, HOUSING, "council_asb").exists()
    assert [(e.actor, e.outcome) for e in audit_entries(hub, "portal.supply.read")] == [
        ("an.school", "denied"), ("an.school", "denied")]


def test_a_file_in_the_datasets_own_columns_needs_no_mapping(hub):
    from workbench import catalogue

    canonical = ",".join(c.name for c in catalogue.get("council_asb").columns if c.required) + "\n"
    with portal_client(hub) as c:
        login(c, "an.housing")
        r = _post(c, "asb.csv", canonical + ",".join("x" for _ in canonical.split(",")) + "\n")
        assert re.fullmatch(r"/supply/[0-9a-f]{24}", r.headers["location"])
    assert [e.detail["layout"] for e in audit_entries(hub, "portal.supply.upload")] == ["canonical"]
