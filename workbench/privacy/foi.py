"""Freedom of Information requests to the partnership (guidance 2.4.2.4, 2.2 "ISPs").

"In the event that a request is made for information which originated from a partner agency,
it should be a requirement for the CSP … to consult with the agency from where the
information originated before any information is provided" (2.4.2.4). The register records
each FOI request, the agencies it draws on, each agency's recorded answer, and the decision.
:func:`decide` refuses to record a release until every originating agency has consented:
the refusal raises :class:`~workbench.errors.AccessDenied` (exit 3) and is audited. Because
the DPA overrides FOI for personal data, a release is of depersonalised information only
(the shared tier or disclosure-controlled aggregates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from workbench import catalogue
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import access
from workbench import checks

STATUSES = ("received", "released", "refused")


@dataclass
class FoiRequest:
    """A Freedom of Information request for partnership information: what was asked, the originating agencies consulted and the decision (guidance 2.4.2.4).

    Examples
    --------
    >>> reg = _example_registry("foi_class")
    >>> f = record(reg, "coord", "A journalist", "Burglaries by ward, 2024", ["police_crime_offence"], ["Notts Police"])
    >>> f.status, f.awaiting
    ('received', ['Notts Police'])
    >>> reg.close()
    """

    id: int
    received_at: str
    requester: str
    information: str
    datasets: list[str]
    originating_agencies: list[str]
    recorded_by: str
    status: str
    decided_by: str | None = None
    decided_at: str | None = None
    decision_note: str | None = None
    consultations: dict[str, bool] = field(default_factory=dict)

    @property
    def awaiting(self) -> list[str]:
        """Originating agencies that have not consented (not asked, or said no)."""
        return [a for a in self.originating_agencies if not self.consultations.get(a)]

    def to_dict(self) -> dict:
        return {**self.__dict__, "awaiting": self.awaiting}


def get(reg, foi_id: int) -> FoiRequest:
    """The FOI request with id ``foi_id`` and its consultations; BadInput when there is none.

    Examples
    --------
    >>> reg = _example_registry("foi_get")
    >>> _ = record(reg, "coord", "A journalist", "Burglaries by ward", ["police_crime_offence"], ["Notts Police"])
    >>> get(reg, 1).requester
    'A journalist'
    >>> get(reg, 2)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: No FOI request 2; `workbench request foi-list` shows them.
    >>> reg.close()
    """
    row = reg.con.execute("SELECT * FROM foi_requests WHERE id = ?", (int(foi_id),)).fetchone()
    if row is None:
        raise BadInput(f"No FOI request {foi_id}; `workbench request foi-list` shows them.")
    cons = {r["agency"]: bool(r["consent"]) for r in reg.con.execute(
        "SELECT agency, consent FROM foi_consultations WHERE foi_id = ?", (row["id"],))}
    return FoiRequest(row["id"], row["received_at"], row["requester"], row["information"],
                      json.loads(row["datasets"]), json.loads(row["originating_agencies"]),
                      row["recorded_by"], row["status"], row["decided_by"], row["decided_at"],
                      row["decision_note"], cons)


def list_foi(reg) -> list[FoiRequest]:
    """Every FOI request, oldest first.

    Examples
    --------
    >>> reg = _example_registry("foi_list")
    >>> for what in ("Burglaries by ward", "ASB by month"):
    ...     _ = record(reg, "coord", "A journalist", what, ["police_crime_offence"], ["Notts Police"])
    >>> [f.information for f in list_foi(reg)]
    ['Burglaries by ward', 'ASB by month']
    >>> reg.close()
    """
    return [get(reg, r[0]) for r in reg.con.execute("SELECT id FROM foi_requests ORDER BY id")]


def record(reg, recorded_by: str, requester: str, information: str, datasets: list[str],
           originating_agencies: list[str] | None = None) -> FoiRequest:
    """Record an FOI request; originating agencies default to those that supplied the datasets.

    Examples
    --------
    >>> reg = _example_registry("foi_record")
    >>> record(reg, "coord", "A journalist", "Burglaries by ward", ["police_crime_offence"]).id
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `originating_agencies`: name the agencies the information came from, so they can be consulted (guidance 2.4.2.4).
    >>> record(reg, "coord", "A journalist", "Burglaries by ward", ["police_crime_offence"], ["Notts Police"]).id
    1
    >>> reg.close()
    """
    user = access.require(reg, recorded_by, "admin", "*")
    requester = checks.name("requester", requester)
    if not information or not information.strip():
        raise BadInput("`information`: say what information was asked for.")
    for ds in datasets:
        catalogue.get(ds)
    agencies = list(dict.fromkeys(originating_agencies or []))
    if not agencies:
        raise BadInput("`originating_agencies`: name the agencies the information came from, so "
                       "they can be consulted (guidance 2.4.2.4).")
    for a in agencies:
        reg.get_agency(a)
    cur = reg.con.execute(
        "INSERT INTO foi_requests (received_at, requester, information, datasets, originating_agencies, "
        "recorded_by, status) VALUES (?, ?, ?, ?, ?, ?, 'received')",
        (reg._now_text(), requester, information.strip(), json.dumps(list(datasets)), json.dumps(agencies),
         user.name))
    reg.audit(user.name, "foi.record", f"foi:{cur.lastrowid}",
              {"requester": requester, "datasets": list(datasets), "originating_agencies": agencies})
    return get(reg, cur.lastrowid)


def consult(reg, foi_id: int, agency: str, consent: bool, recorded_by: str) -> FoiRequest:
    """Record an originating agency's answer; only that agency's DLO may give it.

    Examples
    --------
    >>> reg = _example_registry("foi_consult")
    >>> f = record(reg, "coord", "A journalist", "Burglaries by ward", ["police_crime_offence"], ["Notts Police"])
    >>> consult(reg, f.id, "Notts Police", True, "coord")          # only the agency's DLO may answer
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Access denied: only a DLO of 'Notts Police' may answer for it.
    >>> consult(reg, f.id, "Notts Police", True, "dee").consultations
    {'Notts Police': True}
    >>> reg.close()
    """
    req = get(reg, foi_id)
    user = reg.get_user(recorded_by)
    if agency not in req.originating_agencies:
        raise BadInput(f"'{agency}' is not an originating agency of FOI {req.id} "
                       f"({', '.join(req.originating_agencies)}).")
    if user.role != "dlo" or user.agency != agency or not user.active:
        reg.audit(user.name, "foi.consult", f"foi:{req.id}", {"agency": agency,
                  "reason": f"only a DLO of '{agency}' may answer for it"}, outcome="denied")
        raise AccessDenied(f"Access denied: only a DLO of '{agency}' may answer for it.")
    reg.con.execute(
        "INSERT INTO foi_consultations VALUES (?, ?, ?, ?, ?) ON CONFLICT(foi_id, agency) DO UPDATE SET "
        "consent = excluded.consent, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
        (req.id, agency, int(consent), user.name, reg._now_text()))
    reg.audit(user.name, "foi.consult", f"foi:{req.id}", {"agency": agency, "consent": bool(consent)})
    return get(reg, req.id)


def decide(reg, foi_id: int, decided_by: str, release: bool, note: str | None = None) -> FoiRequest:
    """Record the decision; a release needs every originating agency's recorded consent.

    Examples
    --------
    >>> reg = _example_registry("foi_decide")
    >>> f = record(reg, "coord", "A journalist", "Burglaries by ward", ["police_crime_offence"], ["Notts Police"])
    >>> decide(reg, f.id, "coord", True)
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Access denied: no recorded consent from Notts Police for information that originated with them (guidance 2.4.2.4).
    >>> _ = consult(reg, f.id, "Notts Police", True, "dee")
    >>> decide(reg, f.id, "coord", True, "consent given").status
    'released'
    >>> reg.close()
    """
    req = get(reg, foi_id)
    user = access.require(reg, decided_by, "admin", "*")
    if req.status != "received":
        raise BadInput(f"FOI {req.id} was already {req.status}.")
    if release and req.awaiting:
        reason = (f"no recorded consent from {', '.join(req.awaiting)} for information that originated "
                  f"with them (guidance 2.4.2.4)")
        reg.audit(user.name, "foi.release", f"foi:{req.id}", {"reason": reason}, outcome="denied")
        raise AccessDenied(f"Access denied: {reason}.")
    status = "released" if release else "refused"
    reg.con.execute("UPDATE foi_requests SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
                    "WHERE id = ?", (status, user.name, reg._now_text(), note, req.id))
    reg.audit(user.name, f"foi.{'release' if release else 'refuse'}", f"foi:{req.id}",
              {"note": note, "tier": "depersonalised only"})
    return get(reg, req.id)


def _example_registry(name: str):
    """A registry in ``./<name>/`` with Notts Police's coordinator (``coord``) and DLO (``dee``):
    the examples' fixture."""
    from workbench.registry.examples import example_registry

    return example_registry(name, [("coord", "Notts Police", "admin"), ("dee", "Notts Police", "dlo")])
