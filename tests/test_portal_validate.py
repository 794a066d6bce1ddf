"""Checks on portal input (workbench.portal.validate): table-driven, each naming the field."""

from __future__ import annotations

import pytest

from workbench.portal import validate
from workbench.portal.validate import FieldError

from portal_support import SUBMISSION


def test_valid_submission_is_normalised():
    s = validate.submission(SUBMISSION)
    assert s.postcode == "NG2 2HP"
    assert s.anonymity_requested == "Y"
    assert s.subjects == "'Tiny', about 17; Blue Ford Fiesta, partial plate AB12"
    assert s.occurred_at == "2026-10-01T16:30"
    assert s.intelligence_text == SUBMISSION["intelligence_text"]


@pytest.mark.parametrize("change, field", [
    ({"category": "knives"}, "category"),
    ({"category": None}, "category"),
    ({"intelligence_text": ""}, "intelligence_text"),
    ({"intelligence_text": "short"}, "intelligence_text"),
    ({"intelligence_text": "x" * 10_001}, "intelligence_text"),
    ({"intelligence_text": 42}, "intelligence_text"),
    ({"postcode": "NOT A POSTCODE"}, "postcode"),
    ({"occurred_at": "01/10/2026"}, "occurred_at"),
    ({"occurred_at": "2999-01-01"}, "occurred_at"),
    ({"source_type": "gossip"}, "source_type"),
    ({"anonymity_requested": "perhaps"}, "anonymity_requested"),
    ({"subjects": [1, 2]}, "subjects"),
    ({"location": "x" * 501}, "location"),
    ({"source_details": "x" * 2001}, "source_details"),
    ({"unexpected": "value"}, "unexpected"),
])
def test_invalid_submission_names_the_field(change, field):
    body = {**SUBMISSION, **change}
    with pytest.raises(FieldError) as err:
        validate.submission(body)
    assert err.value.field == field
    assert field in str(err.value)


def test_misspelt_choice_suggests_closest():
    with pytest.raises(FieldError, match="Did you mean 'knife_crime'"):
        validate.submission({**SUBMISSION, "category": "knife_crim"})


def test_free_text_kept_verbatim_except_control_characters():
    payload = "<script>alert('x')</script>\t&amp; \"quoted\"\x00\x07 end"
    s = validate.submission({**SUBMISSION, "intelligence_text": payload})
    assert s.intelligence_text == "<script>alert('x')</script>\t&amp; \"quoted\" end"


GOOD_GRADE = {"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P",
              "decision": "transfer"}


@pytest.mark.parametrize("change, field", [
    ({"source_evaluation": "4"}, "source_evaluation"),
    ({"intelligence_assessment": "F"}, "intelligence_assessment"),
    ({"handling_code": "X"}, "handling_code"),
    ({"handling_code": "C"}, "handling_conditions"),
    ({"handling_conditions": "only to the school"}, "handling_conditions"),
    ({"decision": "arrest"}, "decision"),
    ({"decision": "refer"}, "referred_to"),
])
def test_invalid_grading_names_the_field(change, field):
    with pytest.raises(FieldError) as err:
        validate.grading({**GOOD_GRADE, **change})
    assert err.value.field == field


@pytest.mark.parametrize("se", ["1", "2", "3"])
@pytest.mark.parametrize("ia", ["A", "B", "C", "D", "E"])
@pytest.mark.parametrize("hc", ["P", "C"])
def test_every_3x5x2_grade_is_accepted(se, ia, hc):
    g = validate.grading({"source_evaluation": se, "intelligence_assessment": ia, "handling_code": hc,
                          "handling_conditions": "not to be shared outside the force" if hc == "C" else "",
                          "decision": "no_further_action"})
    assert (g.source_evaluation, g.intelligence_assessment, g.handling_code) == (se, ia, hc)


def test_registration_checks_staff_rows():
    body = {"agency_name": "Meadows Academy", "agency_type": "school", "contact_name": "A Head",
            "contact_email": "head@example.org",
            "staff": [{"username": "j.smith", "full_name": "J Smith", "email": "js@example.org"},
                      {"username": "", "full_name": "", "email": "", "job_title": ""}]}
    reg = validate.registration(body)
    assert [s["username"] for s in reg.staff] == ["j.smith"]
    with pytest.raises(FieldError) as err:
        validate.registration({**body, "staff": [{"username": "J Smith!", "full_name": "x", "email": "a@b.org"}]})
    assert err.value.field == "staff_1_username"
    with pytest.raises(FieldError) as err:
        validate.registration({**body, "staff": []})
    assert err.value.field == "staff"
    with pytest.raises(FieldError) as err:
        validate.registration({**body, "contact_email": "not-an-email"})
    assert err.value.field == "contact_email"


def test_password_rules():
    with pytest.raises(FieldError):
        validate.password("password", "short")
    with pytest.raises(FieldError) as err:
        validate.password("password", "long-enough-passphrase", "different-passphrase")
    assert err.value.field == "password_confirm"
    assert validate.password("password", "long-enough-passphrase", "long-enough-passphrase")
