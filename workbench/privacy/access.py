"""Who may do what: agency group × role × dataset class × operation, deny by default.

This module is the ONLY place the workbench decides access. :data:`PERMISSIONS` is the
whole matrix: for each (agency group, role) the operations granted and the dataset
classes (``D``, ``P``, ``SP``, ``aggregate``, ``reference``; guidance 2.1) they are granted
on. Anything not listed is refused. :func:`require` refuses with
:class:`~workbench.errors.AccessDenied` (exit 3) and audits the refusal; :func:`can` asks
without auditing (for hiding a button, never for guarding data).

Where the rules come from
-------------------------
* Guidance 2.2.4 box: the **central** group "may receive personal data case by case"; the
  **second** group is "most often not required to share personal information" and must
  "still … access depersonalised information". So ``read_personal`` exists only for central
  agencies, and even there it is the *right to hold personal data under a request*: the
  request register (:mod:`workbench.privacy.requests`, guidance 4.3 steps 1–6) must also
  hold an approved, unexpired request naming the dataset and fields.
* Sensitive personal datasets (``SP``: PPOs, partner intelligence) stay with central
  agencies even when depersonalised: a PPO list reduced to postcodes still points at a
  handful of known people (2.1 C: no recipient should be able to "recreate" identity).
* Guidance 2.1: aggregate data that "requires authorisation" may be shared only among CSP
  agencies, so viewers (elected members, scrutiny officers; 2.4.1.2) see aggregates and
  reference layers, through disclosure control on dashboards.
* Guidance Box 2 (the Vault): log-ins are granted by the CSP coordinator (``admin``), who
  also publishes the shared tier; DLOs (2.2.1) approve requests for their agency's data.
* References 000/001 (partner intelligence portal): ``partner`` users only submit; only
  vetted ``reviewer`` staff of a central agency see the sanitised source details.

Users whose account is deactivated, or whose agency's ISP is not ``signed``, are refused
everything.
"""

from __future__ import annotations

from workbench import catalogue
from workbench.errors import AccessDenied

OPERATIONS = ("read_depersonalised", "read_personal", "ingest", "publish", "export", "admin",
              "submit_intelligence", "review_intelligence", "view_dashboard", "commission")
GROUPS = ("central", "second")
ROLES = ("admin", "analyst", "viewer", "dlo", "reviewer", "partner")
CLASSES = ("D", "P", "SP", "aggregate", "reference")

ALL = frozenset(CLASSES)
CASE = frozenset({"D", "P", "SP"})                      # case-level data (guidance 2.1)
NOT_SP = frozenset({"D", "P", "aggregate", "reference"})
AGGREGATES = frozenset({"aggregate", "reference"})
INTEL = frozenset({"SP"})                                # partner_intelligence is SP

#: THE permission matrix. (agency group, role) -> {operation: dataset classes granted}
PERMISSIONS: dict[tuple[str, str], dict[str, frozenset[str]]] = {
    ("central", "admin"): {
        "read_depersonalised": ALL, "read_personal": CASE, "ingest": ALL, "publish": ALL,
        "export": ALL, "admin": ALL, "view_dashboard": ALL, "commission": ALL,
    },
    ("central", "analyst"): {
        "read_depersonalised": ALL, "read_personal": CASE, "ingest": ALL, "export": ALL,
        "view_dashboard": ALL, "commission": ALL, "submit_intelligence": INTEL,
    },
    ("central", "dlo"): {
        "read_depersonalised": ALL, "read_personal": CASE, "ingest": ALL, "export": ALL,
        "view_dashboard": ALL, "submit_intelligence": INTEL,
    },
    ("central", "reviewer"): {
        "read_depersonalised": NOT_SP, "view_dashboard": NOT_SP,
        "review_intelligence": INTEL, "submit_intelligence": INTEL,
    },
    ("central", "viewer"): {
        "read_depersonalised": AGGREGATES, "view_dashboard": AGGREGATES, "export": AGGREGATES,
    },
    ("central", "partner"): {
        "submit_intelligence": INTEL,
    },
    ("second", "admin"): {
        "read_depersonalised": NOT_SP, "ingest": NOT_SP, "export": NOT_SP, "view_dashboard": NOT_SP,
    },
    ("second", "analyst"): {
        "read_depersonalised": NOT_SP, "ingest": NOT_SP, "export": NOT_SP, "view_dashboard": NOT_SP,
        "submit_intelligence": INTEL,
    },
    ("second", "dlo"): {
        "read_depersonalised": NOT_SP, "ingest": NOT_SP, "export": NOT_SP, "view_dashboard": NOT_SP,
        "submit_intelligence": INTEL,
    },
    ("second", "reviewer"): {
        "read_depersonalised": AGGREGATES, "view_dashboard": AGGREGATES,
    },
    ("second", "viewer"): {
        "read_depersonalised": AGGREGATES, "view_dashboard": AGGREGATES, "export": AGGREGATES,
    },
    ("second", "partner"): {
        "submit_intelligence": INTEL,
    },
}

#: operations that the matrix alone never settles: they also need an approved request
NEEDS_REQUEST = frozenset({"read_personal"})


def dataset_class(dataset_id: str) -> str:
    """The class of a catalogue dataset, or of the pseudo-dataset ``'*'`` (the hub itself).

    Examples
    --------
    >>> dataset_class("police_crime_offence"), dataset_class("police_ppo"), dataset_class("*")
    ('D', 'SP', 'reference')
    """
    if dataset_id in (None, "*"):
        return "reference"
    return catalogue.get(dataset_id).klass


def allowed(group: str, role: str, klass: str, operation: str) -> bool:
    """Pure lookup in :data:`PERMISSIONS` (no user state): True only if explicitly granted.

    Examples
    --------
    >>> allowed("central", "analyst", "D", "read_depersonalised")
    True
    >>> allowed("second", "viewer", "P", "read_personal")
    False
    """
    return klass in PERMISSIONS.get((group, role), {}).get(operation, frozenset())


def _reason(reg, user, operation: str, dataset_id: str | None, partnership: str | None) -> str | None:
    """Why ``user`` may not do ``operation`` on ``dataset_id``; None when they may."""
    if operation not in OPERATIONS:
        return f"unknown operation '{operation}' (known: {', '.join(OPERATIONS)})"
    if not user.active:
        return "the account is deactivated"
    if getattr(user, "isp_status", None) != "signed":   # unknown ISP status: refuse (deny by default)
        status = getattr(user, "isp_status", None) or "unknown"
        return (f"agency '{user.agency}' has no signed Information Sharing Protocol (its ISP is {status}; "
                f"guidance 2.2)")
    klass = dataset_class(dataset_id)
    if not allowed(user.agency_group, user.role, klass, operation):
        return (f"role '{user.role}' of a {user.agency_group}-group agency may not {operation} "
                f"{klass}-class data" + (f" ('{dataset_id}')" if dataset_id not in (None, "*") else ""))
    if partnership is not None:
        scope = (set(user.partnerships) if operation in NEEDS_REQUEST | {"ingest", "publish", "admin"}
                 else reg.visible_partnerships(user))
        if partnership not in scope:
            return (f"partnership '{partnership}' has not agreed to share with "
                    f"{', '.join(sorted(user.partnerships)) or 'no partnership'} (guidance 2.2.4)")
    return None


def can(reg, user, operation: str, dataset_id: str | None = None, *, partnership: str | None = None) -> bool:
    """True when the matrix (and partnership agreements) allow it. Not audited.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from workbench.registry import Registry
    >>> reg = Registry(Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> _ = reg.add_agency("Police", "central")
    >>> _ = reg.add_user("ann", "Police", "analyst", "otter-lantern-gravel")
    >>> can(reg, "ann", "read_depersonalised", "police_crime_offence"), can(reg, "ann", "admin")
    (True, False)
    """
    return _reason(reg, _as_user(reg, user), operation, dataset_id, partnership) is None


#: the case-level dataset whose depersonalised records decide whether a user "sees records"
RECORDS_DATASET = "police_crime_offence"


def sees_records(reg, user) -> bool:
    """Whether ``user`` gets counts as computed (they may read depersonalised case-level
    records, so a small count tells them nothing they could not see); everyone else gets every
    count through disclosure control: on the dashboards, in products from the library and in
    exports (guidance 2.4.1.2). Not audited.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from workbench.registry import Registry
    >>> reg = Registry(Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> _ = reg.add_agency("Council", "second")
    >>> _ = reg.add_user("viv", "Council", "viewer", "otter-lantern-gravel")
    >>> _ = reg.add_user("ann", "Council", "analyst", "otter-lantern-gravel")
    >>> sees_records(reg, "viv"), sees_records(reg, "ann")
    (False, True)
    """
    return can(reg, user, "read_depersonalised", RECORDS_DATASET)


def require(reg, user, operation: str, dataset_id: str | None = None, *,
            partnership: str | None = None, audit_ok: bool = False):
    """Return the user when allowed; otherwise audit the refusal and raise AccessDenied (exit 3).

    Parameters
    ----------
    reg : the :class:`~workbench.registry.Registry`.
    user : a :class:`~workbench.registry.User` or a user name.
    operation : one of :data:`OPERATIONS`.
    dataset_id : a catalogue dataset id, or ``'*'``/None for the hub as a whole.
    partnership : the partnership whose data is touched, if one.
    audit_ok : also audit an allowed check (for reads that have no audit of their own).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from workbench.registry import Registry
    >>> reg = Registry(Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> _ = reg.add_agency("Police", "central")
    >>> _ = reg.add_user("ann", "Police", "analyst", "otter-lantern-gravel")
    >>> require(reg, "ann", "read_depersonalised", "police_crime_offence").name
    'ann'
    >>> require(reg, "ann", "admin")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Access denied: role 'analyst' of a central-group agency may not admin ...
    >>> [(e.actor, e.action, e.outcome) for e in reg.audit_entries(outcome="denied")]
    [('ann', 'admin', 'denied')]
    """
    name = user if isinstance(user, str) else user.name
    try:
        user = _as_user(reg, user)
    except AccessDenied:
        reg.audit(name, operation, dataset_id, {"reason": "unknown user"}, outcome="denied")
        raise
    reason = _reason(reg, user, operation, dataset_id, partnership)
    detail = {"role": user.role, "agency": user.agency, "group": user.agency_group}
    if partnership is not None:
        detail["partnership"] = partnership
    if reason is not None:
        reg.audit(user.name, operation, dataset_id, {**detail, "reason": reason}, outcome="denied")
        raise AccessDenied(f"Access denied: {reason}. This refusal has been recorded; ask the CSP "
                           f"coordinator if you need this access.")
    if audit_ok:
        reg.audit(user.name, operation, dataset_id, detail)
    return user


def require_own_agency(reg, user, agency: str | None, dataset_id: str | None = None):
    """Return the user when ``agency`` is None or the user's own agency; otherwise audit the
    refusal and raise AccessDenied (exit 3).

    A supply is recorded under the agency it names, and corrections supersede only that
    agency's records, so naming another agency would let a user overwrite (and discover)
    another partner's data (issue 11 High 2; guidance 2.2.4: each agency answers for its
    own data).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from workbench.registry import Registry
    >>> reg = Registry(Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> for agency in ("Police", "Council"):
    ...     _ = reg.add_agency(agency, "central")
    >>> _ = reg.add_user("ann", "Police", "analyst", "otter-lantern-gravel")
    >>> require_own_agency(reg, "ann", "Police").agency
    'Police'
    >>> require_own_agency(reg, "ann", "Council")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Access denied: 'ann' belongs to agency 'Police' and may not supply data under agency 'Council'. ...
    """
    user = _as_user(reg, user)
    if agency is None or agency == user.agency:
        return user
    reason = (f"'{user.name}' belongs to agency '{user.agency}' and may not supply data under "
              f"agency '{agency}'")
    reg.audit(user.name, "ingest", dataset_id, {"role": user.role, "agency": user.agency,
                                                "named_agency": agency, "reason": reason},
              outcome="denied")
    raise AccessDenied(f"Access denied: {reason}. This refusal has been recorded; the supplying "
                       f"agency's own staff must ingest its data.")


def _as_user(reg, user):
    return reg.get_user(user) if isinstance(user, str) else user


def matrix() -> list[dict]:
    """Every (group, role, class, operation) cell with its decision: for docs and review.

    Examples
    --------
    >>> cells = matrix()
    >>> len(cells) == len(GROUPS) * len(ROLES) * len(CLASSES) * len(OPERATIONS)
    True
    >>> sorted({c["operation"] for c in cells
    ...         if c["allowed"] and c["class"] == "SP" and c["group"] == "second"})
    ['submit_intelligence']
    """
    return [{"group": g, "role": r, "class": k, "operation": o, "allowed": allowed(g, r, k, o),
             "needs_request": o in NEEDS_REQUEST and allowed(g, r, k, o)}
            for g in GROUPS for r in ROLES for k in CLASSES for o in OPERATIONS]


def markdown_table() -> str:
    """The matrix as a Markdown table (one row per group and role): pasted into docs/governance.md,
    and a test keeps the two identical.

    Examples
    --------
    >>> print(markdown_table().splitlines()[0][:40])
    | group | role | ...
    """
    short = {"D": "D", "P": "P", "SP": "SP", "aggregate": "agg", "reference": "ref"}
    head = "| group | role | " + " | ".join(OPERATIONS) + " |"
    rule = "|---|---|" + "---|" * len(OPERATIONS)
    lines = [head, rule]
    for g in GROUPS:
        for r in ROLES:
            cells = []
            for o in OPERATIONS:
                granted = [short[k] for k in CLASSES if allowed(g, r, k, o)]
                cell = ("all" if len(granted) == len(CLASSES) else " ".join(granted)) or "–"
                if granted and o in NEEDS_REQUEST:
                    cell += " (request)"
                cells.append(cell)
            lines.append(f"| {g} | {r} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
