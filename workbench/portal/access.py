"""Who may do what in the portal: deny by default, check every object, audit refusals.

Roles come from the registry (``workbench.registry``):

* ``partner`` — staff of an approved partner agency: submit intelligence and see the
  *status* of their own agency's submissions (reference 000: never the result of police
  action; never another agency's submissions);
* ``reviewer`` — vetted police staff: triage queue, submission detail, grading and decision,
  source details (reference 001: "viewing it limited to a very small number of highly vetted
  officers and staff"), statistics;
* ``admin`` — approves registrations and sees statistics (not intelligence content).

An unguessable reference is never taken as permission: every read of a submission checks
the reader against the submission's agency. Every refusal and every view of source details
is written to the registry's audit chain.
"""

from __future__ import annotations

from workbench.errors import AccessDenied
from workbench.portal import submissions as S
from workbench.portal.validate import FieldError

SUBMIT = ("partner",)
REVIEW = ("reviewer",)
ADMINISTER = ("admin",)
DECIDE = ("admin", "dlo")
STATISTICS = ("reviewer", "admin")


def audit(auth, actor: str, action: str, target: str, detail: dict | None = None, outcome: str = "ok") -> None:
    """Write one entry to the registry's audit chain.

    Examples
    --------
    >>> store, auth, users = _example_portal("audit")
    >>> audit(auth, "rev", "portal.queue.view", "portal")
    >>> [e.action for e in auth.registry().audit_entries(action="portal.queue.view")]
    ['portal.queue.view']
    >>> store.close()
    """
    auth.registry().audit(actor, action, target, detail, outcome=outcome)


#: the workbench's permission matrix (``workbench.privacy.access``) behind each portal role:
#: (operation, dataset); a portal role is honoured only where the matrix grants one of these
#: too, so the portal cannot grant what the hub's one permission table refuses (e.g. a
#: reviewer of a second-group agency, or an agency that has not signed the ISP)
MATRIX = {
    "partner": (("submit_intelligence", "partner_intelligence"),),
    "reviewer": (("review_intelligence", "partner_intelligence"),),
    "admin": (("admin", "*"),),
    # a DLO decides personal-data requests and FOI consultations for their own agency
    # (workbench.privacy.requests.decide checks that); the console lets them in only while
    # their account is active and their agency's ISP signed
    "dlo": (("read_depersonalised", "*"),),
}


def require_role(auth, user, roles: tuple[str, ...], action: str, target: str = "portal") -> None:
    """Raise AccessDenied (audited) unless ``user`` holds one of ``roles`` and the permission
    matrix grants that role's operation (:data:`MATRIX`; deny by default).

    Examples
    --------
    >>> store, auth, users = _example_portal("require_role")
    >>> require_role(auth, users["rev"], REVIEW, "portal.queue.view")         # a reviewer passes
    >>> require_role(auth, users["jo"], REVIEW, "portal.queue.view")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: 'jo' may not view: this needs the role reviewer.
    >>> store.close()
    """
    role = getattr(user, "role", None)
    reason = None
    if user is None or role not in roles:
        reason = f"this needs the role {' or '.join(roles)}"
    elif not _granted(auth, user):
        reason = (f"the permission matrix does not grant role '{role}' of a "
                  f"{getattr(user, 'agency_group', '?')}-group agency "
                  f"{' or '.join(op for op, _ in MATRIX.get(role, ())) or 'any portal operation'} "
                  f"(workbench.privacy.access; an unsigned Information Sharing Protocol also refuses)")
    if reason:
        actor = getattr(user, "name", "anonymous")
        audit(auth, actor, action, target, {"required_roles": list(roles), "role": role,
                                            "reason": reason}, outcome="denied")
        raise AccessDenied(f"'{actor}' may not {action.split('.')[-1].replace('_', ' ')}: {reason}.")


def readable_submission(auth, store, user, ref: str) -> tuple[dict, str]:
    """Fetch submission ``ref`` for ``user`` and say how much they may see: ``'status'`` or ``'full'``.

    A partner may read only the status of their own agency's submissions; a reviewer may read
    everything but the source details. Anything else, including a reference that does not exist,
    is refused with the same message (no hint whether the reference exists) and audited.

    Examples
    --------
    >>> store, auth, users = _example_portal("readable_submission")
    >>> ref = _example_submission(store)
    >>> readable_submission(auth, store, users["jo"], ref)[1], readable_submission(auth, store, users["rev"], ref)[1]
    ('status', 'full')
    >>> readable_submission(auth, store, users["jo"], "PIP-0000-0000-0000")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Submission 'PIP-0000-0000-0000' is not available to 'jo'.
    >>> store.close()
    """
    row = S.get(store, ref)
    role = getattr(user, "role", None)
    granted = user is not None and _granted(auth, user)
    if row is not None and granted and role in REVIEW:
        return row, "full"
    if row is not None and granted and role in SUBMIT and row["partner_agency"] == user.agency:
        return row, "status"
    actor = getattr(user, "name", "anonymous")
    audit(auth, actor, "portal.submission.read", ref,
          {"exists": row is not None, "role": role}, outcome="denied")
    raise AccessDenied(f"Submission '{ref}' is not available to '{actor}'.")


def _granted(auth, user) -> bool:
    """True when the permission matrix grants ``user``'s role its portal operation."""
    from workbench.privacy import access as matrix

    return any(matrix.can(auth.registry(), user, op, ds) for op, ds in MATRIX.get(user.role, ()))


def reveal_source(auth, store, user, ref: str, reason: str) -> str:
    """Source details of ``ref`` for a reviewer; every view (and every refusal) is audited.

    ``reason`` (why the reviewer needs to see the source) is required and kept in the audit
    entry, so the few views there are can be justified afterwards (reference 001).

    Examples
    --------
    >>> store, auth, users = _example_portal("reveal_source")
    >>> ref = _example_submission(store)
    >>> reveal_source(auth, store, users["rev"], ref, "to judge the source's access")
    'told by a pupil'
    >>> reveal_source(auth, store, users["jo"], ref, "curious")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: 'jo' may not view: this needs the role reviewer.
    >>> store.close()
    """
    require_role(auth, user, REVIEW, "portal.source_details.view", ref)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise FieldError("reason", "is required: say why you need to see the source details.")
    details = S.source_details(store, ref)
    if details is None:
        raise AccessDenied(f"Submission '{ref}' is not available.")
    audit(auth, user.name, "portal.source_details.view", ref, {"reason": reason[:500]})
    return details


def _example_portal(name: str):
    """A portal store and authenticator for ``./<name>/hub.duckdb`` with a police reviewer
    (``rev``) and a school's partner (``jo``): the examples' fixture."""
    from workbench.portal.auth import Authenticator
    from workbench.portal.store import PortalStore
    from workbench.registry.examples import example_registry

    with example_registry(name, [("rev", "Notts Police", "reviewer"), ("jo", "Bluecoat Academy", "partner")],
                          partnership="Nottingham", groups={"Bluecoat Academy": "second"}) as reg:
        users = {u.name: u for u in reg.list_users()}
    return PortalStore(f"{name}/hub.duckdb"), Authenticator(f"{name}/hub.duckdb"), users


def _example_submission(store) -> str:
    """Store one knife-crime submission from Bluecoat Academy; returns its reference."""
    from workbench.portal.validate import submission

    sub = submission({"category": "knife_crime", "intelligence_text": "Seen carrying a knife near the park",
                      "source_type": "staff_direct", "source_details": "told by a pupil"})
    return S.create(store, sub, submitter="jo", agency="Bluecoat Academy", channel="web")
