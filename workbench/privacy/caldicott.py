"""The Caldicott guardian's approval of personal health data leaving the hub.

Health and care bodies appoint a **Caldicott guardian** (Health and Social Care (National Data
Guardian) Act 2018; the eight Caldicott principles, 2020) who approves each use of
patient-identifiable information beyond direct care. The 2010 guidance already applies
"Caldicott minimum necessary" to requests (4.3, step 3); this module adds the guardian's own
step: a personal-data request naming a dataset supplied by a health body (A&E, hospital
trusts, ambulance; :data:`HEALTH_AGENCY_TYPES`) is released only after the supplying agency's
guardian has approved it, in addition to the DLO's decision (guidance Box 1).

- The coordinator names each health agency's guardian: :func:`appoint` (admin, audited).
- The guardian approves or refuses a request: :func:`decide` (only the appointed guardian of
  the request's supplying agency; never their own request; audited).
- :func:`require` is called by :func:`workbench.privacy.requests.release`: no approval, no
  release (exit 3, audited).

Examples
--------
>>> needs_guardian({"health_ae_assault": ["patient_ref"]})
True
>>> needs_guardian({"police_crime_victim": ["crime_ref"]})
False
"""

from __future__ import annotations

from workbench import catalogue
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import access

#: supplying-agency types of the catalogue whose data is patient information
HEALTH_AGENCY_TYPES = frozenset({"health_trust", "health_ae", "ambulance"})


def needs_guardian(datasets) -> bool:
    """True when any dataset (ids, or a ``{dataset: fields}`` map) is supplied by a health body.

    Examples
    --------
    >>> needs_guardian(["police_crime_victim"]), needs_guardian({"health_ae_assault": ["age", "location"]})
    (False, True)
    """
    return any(catalogue.get(d).agency in HEALTH_AGENCY_TYPES for d in datasets)


def appoint(reg, actor: str, agency: str, guardian: str) -> dict:
    """Name ``guardian`` (a user of ``agency``) as the agency's Caldicott guardian (admin).

    Examples
    --------
    >>> reg = _example_registry("appoint")
    >>> appoint(reg, "coord", "QMC", "dr_g")
    {'agency': 'QMC', 'guardian': 'dr_g'}
    >>> appoint(reg, "coord", "QMC", "pc")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `guardian`: 'pc' works for 'Notts Police', not 'QMC'; a Caldicott guardian is a senior person of the health body itself.
    >>> reg.close()
    """
    user = reg.get_user(actor)
    access.require(reg, user, "admin")
    reg.get_agency(agency)
    g = reg.get_user(guardian)
    if g.agency != agency:
        raise BadInput(f"`guardian`: '{guardian}' works for '{g.agency}', not '{agency}'; a Caldicott "
                       f"guardian is a senior person of the health body itself.")
    with reg.transaction():
        reg.con.execute("INSERT INTO caldicott_guardians VALUES (?, ?, ?, ?) ON CONFLICT(agency) DO UPDATE "
                        "SET guardian = excluded.guardian, recorded_by = excluded.recorded_by, "
                        "recorded_at = excluded.recorded_at", (agency, guardian, user.name, reg._now_text()))
        reg.audit(user.name, "caldicott.appoint", agency, {"guardian": guardian})
    return {"agency": agency, "guardian": guardian}


def guardian_of(reg, agency: str) -> str | None:
    """The Caldicott guardian appointed for ``agency``, or None.

    Examples
    --------
    >>> reg = _example_registry("guardian_of")
    >>> guardian_of(reg, "QMC")
    >>> _ = appoint(reg, "coord", "QMC", "dr_g")
    >>> guardian_of(reg, "QMC")
    'dr_g'
    >>> reg.close()
    """
    row = reg.con.execute("SELECT guardian FROM caldicott_guardians WHERE agency = ?", (agency,)).fetchone()
    return row[0] if row else None


def decide(reg, request_id: int, guardian: str, approve: bool, note: str | None = None) -> dict:
    """The supplying agency's Caldicott guardian approves or refuses a request (audited).

    Examples
    --------
    >>> reg, req = _example_request("decide")    # an A&E patient named by a police analyst
    >>> decide(reg, req.id, "dr_g", True)
    Traceback (most recent call last):
    workbench.errors.AccessDenied: Access denied: 'QMC' has no Caldicott guardian appointed (`workbench agencies caldicott AGENCY --guardian USER`).
    >>> _ = appoint(reg, "coord", "QMC", "dr_g")
    >>> decide(reg, req.id, "dr_g", False, "not the minimum necessary")
    {'request': 1, 'guardian': 'dr_g', 'approved': False, 'note': 'not the minimum necessary'}
    >>> [(e.action, e.outcome) for e in reg.audit_entries() if e.action.startswith("request.caldicott")]
    [('request.caldicott_approve', 'denied'), ('request.caldicott_refuse', 'ok')]
    >>> reg.close()
    """
    from workbench.privacy import requests as pr

    req = pr.get(reg, request_id)
    action = "request.caldicott_approve" if approve else "request.caldicott_refuse"
    target = f"request:{req.id}"
    appointed = guardian_of(reg, req.supplying_agency)
    reason = None
    if not needs_guardian(req.datasets):
        raise BadInput(f"Request {req.id} names no health data; it needs no Caldicott decision.")
    if appointed is None:
        reason = f"'{req.supplying_agency}' has no Caldicott guardian appointed (`workbench agencies caldicott AGENCY --guardian USER`)"
    elif guardian != appointed:
        reason = f"only '{req.supplying_agency}''s Caldicott guardian ({appointed}) may decide"
    elif guardian == req.requester:
        reason = "a Caldicott guardian may not decide their own request"
    if reason:
        reg.audit(guardian, action, target, {"reason": reason}, outcome="denied")
        raise AccessDenied(f"Access denied: {reason}.")
    if req.status not in ("pending", "approved"):
        raise BadInput(f"Request {req.id} is {req.status}; a Caldicott decision needs a pending or approved request.")
    with reg.transaction():
        reg.con.execute("INSERT INTO request_caldicott VALUES (?, ?, ?, ?, ?) ON CONFLICT(request_id) DO UPDATE "
                        "SET guardian = excluded.guardian, approved = excluded.approved, note = excluded.note, "
                        "decided_at = excluded.decided_at",
                        (req.id, guardian, int(approve), note, reg._now_text()))
        reg.audit(guardian, action, target, {"note": note, "supplying_agency": req.supplying_agency})
    return {"request": req.id, "guardian": guardian, "approved": bool(approve), "note": note}


def require(reg, req, actor: str) -> None:
    """Pass when ``req`` needs no guardian or has the guardian's approval; else AccessDenied
    (audited as a denied release).

    Examples
    --------
    >>> reg, req = _example_request("require")    # an A&E patient named by a police analyst
    >>> require(reg, req, "pc")
    Traceback (most recent call last):
    workbench.errors.AccessDenied: Access denied: request 1 cannot be released: it names health data and the supplying agency's Caldicott guardian has not approved it (Caldicott principles; `workbench request caldicott 1 --as GUARDIAN`).
    >>> _ = appoint(reg, "coord", "QMC", "dr_g")
    >>> _ = decide(reg, req.id, "dr_g", True, "patient_ref and age only")
    >>> require(reg, req, "pc") is None
    True
    >>> reg.close()
    """
    if not needs_guardian(req.datasets):
        return
    row = reg.con.execute("SELECT approved, guardian FROM request_caldicott WHERE request_id = ?",
                          (req.id,)).fetchone()
    if row is not None and row[0]:
        return
    why = ("the Caldicott guardian refused it" if row is not None
           else "it names health data and the supplying agency's Caldicott guardian has not approved it")
    reg.audit(actor, "request.release", f"request:{req.id}", {"reason": why}, outcome="denied")
    raise AccessDenied(f"Access denied: request {req.id} cannot be released: {why} (Caldicott principles; "
                       f"`workbench request caldicott {req.id} --as GUARDIAN`).")


def _example_registry(name: str):
    """A registry in ``./<name>/``: a coordinator and an analyst of Notts Police, and ``dr_g`` of
    the QMC emergency department: the examples' fixture."""
    from workbench.registry.examples import example_registry

    return example_registry(name, [("coord", "Notts Police", "admin"), ("pc", "Notts Police", "analyst"),
                                   ("dr_g", "QMC", "dlo")])


def _example_request(name: str):
    """``(reg, req)``: :func:`_example_registry` in ``./<name>/`` and a pending request by the
    analyst ``pc`` for one A&E assault patient's records held by the QMC: the examples' request."""
    from datetime import date, timedelta

    from workbench.privacy import requests as pr

    reg = _example_registry(name)
    req = pr.create(reg, "pc", "service_delivery", ["Which A&E assault patients were hurt in the Market Square?"],
                    {"health_ae_assault": ["patient_ref", "age"]}, ["crime_and_disorder_act_s115"], "QMC",
                    date.today() + timedelta(days=30), "Rushcliffe",
                    subjects={"health_ae_assault": {"patient_ref": ["P1"]}})
    return reg, req
