"""The permission matrix, cell by cell, and how refusals are enforced and audited (issue 3 §3).

The expected decisions are written here a second time, as plain rules in the words of the
guidance, independently of ``workbench.privacy.access.PERMISSIONS``; the test walks every
(group, role, class, operation) cell and compares.
"""

from __future__ import annotations

import itertools

import pytest

from governance_helpers import registry_with_people
from workbench.errors import AccessDenied
from workbench.privacy import access
from workbench.registry import User

CASE = {"D", "P", "SP"}
AGG = {"aggregate", "reference"}


def expected(group: str, role: str, klass: str, op: str) -> bool:
    """The rules as a CSP coordinator would state them (guidance 2.2.4, 2.1, Box 2, refs 000/001)."""
    central = group == "central"
    if role == "partner":                           # portal users only submit intelligence
        return op == "submit_intelligence" and klass == "SP"
    if op == "submit_intelligence":                 # partner_intelligence is the only SP target
        return klass == "SP" and role in ("analyst", "dlo") + (("reviewer",) if central else ())
    if op == "review_intelligence":                 # vetted reviewers of central agencies only
        return central and role == "reviewer" and klass == "SP"
    if op in ("publish", "admin"):                  # the CSP coordinator runs the hub
        return central and role == "admin"
    if op == "commission":
        return central and role in ("admin", "analyst")
    if op == "read_personal":                       # central group, case by case, case-level data
        return central and role in ("admin", "analyst", "dlo") and klass in CASE
    if role == "viewer":                            # aggregates and reference layers only
        return op in ("read_depersonalised", "view_dashboard", "export") and klass in AGG
    if role == "reviewer":
        if op not in ("read_depersonalised", "view_dashboard"):
            return False
        return klass != "SP" if central else klass in AGG
    # admin, analyst, dlo
    if op in ("read_depersonalised", "view_dashboard", "export", "ingest"):
        return True if central else klass != "SP"   # SP stays with the central group
    return False


CELLS = list(itertools.product(access.GROUPS, access.ROLES, access.CLASSES, access.OPERATIONS))


def test_matrix_covers_every_cell():
    assert len(CELLS) == 2 * 6 * 5 * 10
    assert len(access.matrix()) == len(CELLS)
    assert set(access.PERMISSIONS) <= set(itertools.product(access.GROUPS, access.ROLES))


@pytest.mark.parametrize("group, role, klass, op", CELLS)
def test_every_cell(group, role, klass, op):
    assert access.allowed(group, role, klass, op) is expected(group, role, klass, op)


def test_second_group_never_reads_personal_data():
    assert not any(access.allowed("second", r, k, "read_personal") for r in access.ROLES for k in access.CLASSES)


def test_unknown_group_role_or_operation_is_denied():
    assert not access.allowed("third", "admin", "D", "read_depersonalised")
    assert not access.allowed("central", "superuser", "D", "read_depersonalised")
    assert not access.allowed("central", "admin", "D", "drop_tables")


DATASET_OF_CLASS = {"D": "police_crime_offence", "P": "prison_release", "SP": "police_ppo",
                    "aggregate": "health_activity_counts", "reference": "ref_postcode"}


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    return registry_with_people(tmp_path_factory.mktemp("access"))


@pytest.mark.parametrize("group, role", list(itertools.product(access.GROUPS, access.ROLES)))
def test_require_enforces_the_matrix_with_real_datasets_and_audits_refusals(reg, group, role):
    user = User(f"{group}-{role}", "City Council", group, role, ("Nottingham",))
    for klass, ds in DATASET_OF_CLASS.items():
        for op in access.OPERATIONS:
            before = len(reg.audit_entries(actor=user.name, outcome="denied"))
            if expected(group, role, klass, op):
                assert access.require(reg, user, op, ds) is user
                assert access.can(reg, user, op, ds)
            else:
                with pytest.raises(AccessDenied) as info:
                    access.require(reg, user, op, ds)
                assert info.value.exit_code == 3
                after = reg.audit_entries(actor=user.name, outcome="denied")
                assert len(after) == before + 1
                assert after[-1].action == op and after[-1].target == ds
                assert role in after[-1].detail["reason"]


def test_deactivated_user_and_unsigned_agency_are_refused(reg):
    user = User("gone", "City Council", "central", "admin", ("Nottingham",), active=False)
    assert not access.can(reg, user, "read_depersonalised", "police_crime_offence")
    pending = User("new", "Shop Watch", "central", "admin", ("Nottingham",), isp_status="pending")
    with pytest.raises(AccessDenied, match="Information Sharing Protocol"):
        access.require(reg, pending, "read_depersonalised", "ref_postcode")


def test_unknown_user_name_is_refused_and_audited(reg):
    with pytest.raises(AccessDenied):
        access.require(reg, "mallory", "read_depersonalised", "ref_postcode")
    assert reg.audit_entries(actor="mallory", outcome="denied")


def test_require_by_name_uses_the_registry(reg):
    assert access.require(reg, "ana", "read_personal", "police_crime_victim").name == "ana"
    with pytest.raises(AccessDenied):
        access.require(reg, "sec_ana", "read_personal", "police_crime_victim")
    assert reg.verify_audit().intact
