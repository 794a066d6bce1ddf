"""Registration of partner agencies and their staff: request → admin approval → activation.

Reference 000: partners "register themselves as a partner agency and the force will approve
them as a member". Here an agency asks for access and names the staff who will submit; an
``admin`` approves (or rejects) the request, which creates the agency in the registry and a
one-time activation code for each member of staff (valid 14 days, stored only as a SHA-256
hash). Each person then chooses their own password when activating, which creates their
``partner`` account in the registry. Nobody, admins included, ever sees a partner's password.

A forgotten password is reset the same way: an ``admin`` issues a one-time **reset code** for
the account (``workbench portal reset-code NAME``; valid 24 hours, stored only as a hash,
replacing any earlier one), hands it over by a separate channel, and the person chooses a new
password at ``/reset-password``. Codes are meant to be read out over the phone: upper case,
in groups of four, from an alphabet without look-alike characters (no 0/O, 1/I/L, 5/S, 8/B),
and typed in any case, with or without the hyphens and spaces.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from workbench.errors import AccessDenied, BadInput
from workbench.portal.validate import Registration

ACTIVATION_DAYS = 14
RESET_HOURS = 24
#: 27 characters that cannot be mistaken for one another when read aloud or copied by hand
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXYZ234679"
CODE_GROUPS = 4          # 4 groups of 4 characters: 16 x log2(27) = 76 bits


def new_code() -> str:
    """A one-time code easy to read out by phone, such as ``'HT7K-M2QX-9CDA-WRPE'``.

    >>> code = new_code()
    >>> len(code), code.count("-"), code == code.upper(), code[0] != "-"
    (19, 3, True, True)
    >>> set(code.replace("-", "")) <= set(CODE_ALPHABET)
    True
    """
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(CODE_GROUPS))


def normalise_code(code: str | None) -> str:
    """A code as typed (any case, spaces or hyphens anywhere) in its canonical form.

    >>> normalise_code(" ht7k m2qx-9cda wrpe ")
    'HT7KM2QX9CDAWRPE'
    """
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


def existing_agency(auth, name: str) -> dict | None:
    """The registry agency a request's name matches (same name ignoring case and spacing), or None.

    Returns ``{"name", "users", "partners"}``: approving links the new accounts to that agency,
    so they would see its submissions and submitter names (security review, issue 11) — an
    admin must confirm the link explicitly, having checked with the agency by a trusted channel.

    Examples
    --------
    >>> store, auth = _example_portal("existing_agency")
    >>> existing_agency(auth, "notts  POLICE"), existing_agency(auth, "Bluecoat Academy")   # case and spaces ignored
    ({'name': 'Notts Police', 'users': 1, 'partners': 0}, None)
    >>> store.close()
    """
    reg = auth.registry()
    for agency in reg.list_agencies():
        if _norm(agency.name) == _norm(name):
            users = [u for u in reg.list_users() if u.agency == agency.name]
            return {"name": agency.name, "users": len(users),
                    "partners": sum(1 for u in users if u.role == "partner")}
    return None


AGENCY_RISK = ("Approving links these accounts to the existing agency '{name}' ({users} account(s), "
               "{partners} partner(s)): they will see that agency's submissions and who submitted them. "
               "Anyone can type an agency's name on the registration form, so confirm the link only after "
               "checking with '{name}' by a channel you trust (not the contact details in this request).")


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def username_taken(store, auth, name: str, *, besides: str | None = None) -> bool:
    """True when ``name`` is a registry user (active or not) or is named in an approved request
    other than ``besides``.

    Examples
    --------
    >>> store, auth = _example_portal("username_taken")
    >>> username_taken(store, auth, "coord"), username_taken(store, auth, "jo.bloggs")
    (True, False)
    >>> store.close()
    """
    try:
        auth.registry().get_user(name)
        return True
    except AccessDenied:
        pass
    rows = store.rows("SELECT 1 FROM portal.registration_staff st JOIN portal.registration_requests r "
                      "USING (request_id) WHERE st.username = ? AND r.state = 'approved' AND request_id <> ?",
                      [name, besides or ""])
    return bool(rows)


def request(store, auth, reg: Registration) -> str:
    """Store a registration request and return its id (``REG-…``).

    Whether a log-in name is already taken is **not** checked here: the anonymous form would
    then tell anyone which user names exist (security review, issue 11). The admin sees taken
    names when deciding (:func:`approve` refuses them, naming them).

    Examples
    --------
    >>> store, auth = _example_portal("request")
    >>> rid = request(store, auth, _example_registration())
    >>> rid.startswith("REG-"), [r["state"] for r in list_requests(store)]
    (True, ['pending'])
    >>> store.close()
    """
    request_id = "REG-" + secrets.token_hex(5).upper()
    now = datetime.now().replace(microsecond=0)
    with store.transaction() as cur:
        cur.execute("INSERT INTO portal.registration_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', "
                    "NULL, NULL, NULL)", [request_id, reg.agency_name, reg.agency_type, reg.contact_name,
                                          reg.contact_email, reg.contact_phone, reg.reason, now])
        for m in reg.staff:
            cur.execute("INSERT INTO portal.registration_staff (request_id, username, full_name, email, "
                        "job_title) VALUES (?, ?, ?, ?, ?)",
                        [request_id, m["username"], m["full_name"], m["email"], m["job_title"]])
    return request_id


def list_requests(store, state: str | None = "pending", auth=None) -> list[dict]:
    """Registration requests (default: those awaiting a decision), each with its staff list.

    With ``auth``, each request also carries ``existing_agency`` (see :func:`existing_agency`)
    and ``agency_risk``, the warning an admin must confirm before approving it.

    Examples
    --------
    >>> store, auth = _example_portal("list_requests")
    >>> _ = request(store, auth, _example_registration())
    >>> [(r["agency_name"], [m["username"] for m in r["staff"]]) for r in list_requests(store)]
    [('Bluecoat Academy', ['jo.bloggs'])]
    >>> list_requests(store, state="approved")
    []
    >>> store.close()
    """
    where, params = ("WHERE state = ?", [state]) if state else ("", [])
    reqs = store.rows(f"SELECT * FROM portal.registration_requests {where} ORDER BY submitted_at, request_id",
                      params)
    for r in reqs:
        r["staff"] = store.rows("SELECT username, full_name, email, job_title, activated_at FROM "
                                "portal.registration_staff WHERE request_id = ? ORDER BY username",
                                [r["request_id"]])
        if auth is not None:
            r["existing_agency"] = existing_agency(auth, r["agency_name"])
            r["agency_risk"] = AGENCY_RISK.format(**r["existing_agency"]) if r["existing_agency"] else None
    return reqs


def _pending(store, request_id: str) -> dict:
    rows = store.rows("SELECT * FROM portal.registration_requests WHERE request_id = ?", [request_id])
    if not rows:
        raise BadInput(f"No registration request '{request_id}'. List them with `workbench portal requests`.")
    if rows[0]["state"] != "pending":
        raise BadInput(f"Registration request '{request_id}' is already {rows[0]['state']}.")
    return rows[0]


def _ensure_agency(reg_api, name: str, partnership: str | None) -> None:
    try:
        reg_api.get_agency(name)
        return
    except (LookupError, AccessDenied, BadInput, ValueError):
        pass
    reg_api.add_agency(name, group="second", partnerships=(partnership,) if partnership else ())


def approve(store, auth, request_id: str, *, admin: str, partnership: str | None = None,
            confirm_existing_agency: bool = False) -> dict:
    """Approve a request: create the agency in the registry and one activation code per staff member.

    A request naming an agency the registry already holds is refused (:class:`BadInput`,
    audited, nothing changes) unless ``confirm_existing_agency`` is True: the admin has been
    shown :data:`AGENCY_RISK` and confirms the link explicitly. Until then no account exists,
    so nobody from the request sees anything of that agency.

    Returns ``{"request_id", "agency", "activation": [{"username", "code", "expires"}]}``; the
    codes are shown this once (hand them to each person by a separate channel).

    Examples
    --------
    >>> store, auth = _example_portal("approve")
    >>> done = approve(store, auth, request(store, auth, _example_registration()), admin="coord", partnership="Nottingham")
    >>> done["agency"], [a["username"] for a in done["activation"]], auth.registry().get_agency("Bluecoat Academy").name
    ('Bluecoat Academy', ['jo.bloggs'], 'Bluecoat Academy')
    >>> store.close()
    """
    req = _pending(store, request_id)
    existing = existing_agency(auth, req["agency_name"])
    if existing is not None and not confirm_existing_agency:
        auth.registry().audit(admin, "portal.registration.approve", request_id,
                              {"agency": req["agency_name"], "existing_agency": existing["name"],
                               "reason": "link to an existing agency not confirmed"}, outcome="denied")
        raise BadInput(AGENCY_RISK.format(**existing) + " To approve, confirm the agency link "
                       "(web: tick the confirmation; command line: --confirm-existing-agency).")
    if existing is not None:
        req["agency_name"] = existing["name"]
    taken = [r["username"] for r in store.rows(
        "SELECT username FROM portal.registration_staff WHERE request_id = ? ORDER BY username", [request_id])
        if username_taken(store, auth, r["username"], besides=request_id)]
    if taken:
        raise BadInput(f"Log-in name(s) {', '.join(taken)} of request '{request_id}' are already taken: "
                       "reject the request (the requester can ask again with other names).")
    _ensure_agency(auth.registry(), req["agency_name"], partnership)
    now = datetime.now().replace(microsecond=0)
    expires = now + timedelta(days=ACTIVATION_DAYS)
    codes = []
    with store.transaction() as cur:
        staff = cur.execute("SELECT username FROM portal.registration_staff WHERE request_id = ? "
                            "ORDER BY username", [request_id]).fetchall()
        for (name,) in staff:
            code = new_code()
            cur.execute("UPDATE portal.registration_staff SET activation_hash = ?, activation_expires = ? "
                        "WHERE request_id = ? AND username = ?", [_hash(code), expires, request_id, name])
            codes.append({"username": name, "code": code, "expires": expires.isoformat()})
        cur.execute("UPDATE portal.registration_requests SET state = 'approved', decided_by = ?, decided_at = ?, "
                    "agency_name = ? WHERE request_id = ?", [admin, now, req["agency_name"], request_id])
    auth.registry().audit(admin, "portal.registration.approve", request_id,
                          {"agency": req["agency_name"], "staff": [c["username"] for c in codes],
                           "existing_agency_confirmed": existing is not None})
    return {"request_id": request_id, "agency": req["agency_name"], "activation": codes}


def reject(store, auth, request_id: str, *, admin: str, note: str = "") -> dict:
    """Reject a request (no agency or accounts are created).

    Examples
    --------
    >>> store, auth = _example_portal("reject")
    >>> reject(store, auth, request(store, auth, _example_registration()), admin="coord", note="sent twice")["state"]
    'rejected'
    >>> list_requests(store)
    []
    >>> store.close()
    """
    req = _pending(store, request_id)
    now = datetime.now().replace(microsecond=0)
    with store.transaction() as cur:
        cur.execute("UPDATE portal.registration_requests SET state = 'rejected', decided_by = ?, decided_at = ?, "
                    "decision_note = ? WHERE request_id = ?", [admin, now, note[:500], request_id])
    auth.registry().audit(admin, "portal.registration.reject", request_id, {"agency": req["agency_name"]})
    return {"request_id": request_id, "agency": req["agency_name"], "state": "rejected"}


def activate(store, auth, username: str, code: str, password: str) -> dict:
    """Create the ``partner`` account for ``username`` when ``code`` is its valid activation code.

    Examples
    --------
    >>> store, auth = _example_portal("activate")
    >>> done = approve(store, auth, request(store, auth, _example_registration()), admin="coord", partnership="Nottingham")
    >>> activate(store, auth, "jo.bloggs", "WRONG-CODE", "otter-lantern-gravel-sky")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: That log-in name and activation code do not match an open invitation. ...
    >>> activate(store, auth, "jo.bloggs", done["activation"][0]["code"].lower(), "otter-lantern-gravel-sky")["role"]
    'partner'
    >>> store.close()
    """
    rows = store.rows(
        "SELECT st.request_id, st.activation_hash, st.activation_expires, st.activated_at, r.agency_name "
        "FROM portal.registration_staff st JOIN portal.registration_requests r USING (request_id) "
        "WHERE st.username = ? AND r.state = 'approved'", [username])
    ok = (rows and rows[0]["activation_hash"] and rows[0]["activated_at"] is None
          and rows[0]["activation_expires"] >= datetime.now()
          and hmac.compare_digest(rows[0]["activation_hash"], _hash(code or "")))
    if not ok:
        auth.registry().audit(username or "anonymous", "portal.account.activate", username or "", None,
                              outcome="denied")
        raise AccessDenied("That log-in name and activation code do not match an open invitation. "
                           "Check the code, or ask the force's portal administrator for a new one.")
    row = rows[0]
    auth.registry().add_user(username, row["agency_name"], "partner", password)
    with store.transaction() as cur:
        cur.execute("UPDATE portal.registration_staff SET activated_at = ?, activation_hash = NULL "
                    "WHERE request_id = ? AND username = ?",
                    [datetime.now().replace(microsecond=0), row["request_id"], username])
    auth.registry().audit(username, "portal.account.activate", username, {"agency": row["agency_name"]})
    return {"username": username, "agency": row["agency_name"], "role": "partner"}


def issue_reset(store, auth, username: str, *, admin: str) -> dict:
    """Issue a one-time password-reset code for ``username`` (any active portal user).

    Returns ``{"username", "code", "expires"}``: the code is shown this once, to the admin, who
    hands it to the person by a separate channel (a phone call to a known number). A new code
    replaces an unused earlier one.

    Examples
    --------
    >>> store, auth = _example_portal("issue_reset")
    >>> issue_reset(store, auth, "nobody", admin="coord")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: No portal user 'nobody'. Check the log-in name.
    >>> sorted(issue_reset(store, auth, "coord", admin="coord"))
    ['code', 'expires', 'username']
    >>> store.close()
    """
    user = auth.get_user(username)
    if user is None:
        raise BadInput(f"No portal user '{username}'. Check the log-in name.")
    if not getattr(user, "active", True):
        raise BadInput(f"The account '{username}' is deactivated; reactivate it before resetting its password.")
    code = new_code()
    now = datetime.now().replace(microsecond=0)
    expires = now + timedelta(hours=RESET_HOURS)
    with store.transaction() as cur:
        cur.execute("DELETE FROM portal.password_resets WHERE username = ?", [username])
        cur.execute("INSERT INTO portal.password_resets VALUES (?, ?, ?, ?, ?)",
                    [username, _hash(code), expires, admin, now])
    auth.registry().audit(admin, "portal.password.reset_code", username, {"expires": expires.isoformat()})
    return {"username": username, "code": code, "expires": expires.isoformat(timespec="minutes")}


def reset_password(store, auth, username: str, code: str, password: str) -> dict:
    """Set a new password for ``username`` when ``code`` is its unexpired reset code (single use).

    Examples
    --------
    >>> store, auth = _example_portal("reset_password")
    >>> code = issue_reset(store, auth, "coord", admin="coord")["code"]
    >>> reset_password(store, auth, "coord", code, "heron-fiddle-quartz-sky")
    {'username': 'coord'}
    >>> auth.registry().authenticate("coord", "heron-fiddle-quartz-sky").name
    'coord'
    >>> store.close()
    """
    rows = store.rows("SELECT code_hash, expires FROM portal.password_resets WHERE username = ?", [username])
    ok = (rows and rows[0]["expires"] >= datetime.now()
          and hmac.compare_digest(rows[0]["code_hash"], _hash(code or "")))
    if not ok:
        auth.registry().audit(username or "anonymous", "portal.password.reset", username or "", None,
                              outcome="denied")
        raise AccessDenied("That log-in name and reset code do not match. Check the code (letters and "
                           "numbers only; case does not matter), or ask the portal administrator for a new one.")
    auth.registry().set_password(username, password, actor=username)
    auth.forget(username)             # the old password must not live on in the credential cache
    with store.transaction() as cur:
        cur.execute("DELETE FROM portal.password_resets WHERE username = ?", [username])
    auth.registry().audit(username, "portal.password.reset", username, None)
    return {"username": username}


def _example_portal(name: str):
    """A portal store and authenticator for ``./<name>/hub.duckdb`` whose registry has the
    Nottingham partnership and Notts Police's coordinator (``coord``): the examples' fixture."""
    from workbench.portal.auth import Authenticator
    from workbench.portal.store import PortalStore
    from workbench.registry.examples import example_registry

    example_registry(name, [("coord", "Notts Police", "admin")], partnership="Nottingham").close()
    return PortalStore(f"{name}/hub.duckdb"), Authenticator(f"{name}/hub.duckdb")


def _example_registration():
    """A school's checked registration request naming one member of staff: the examples' request."""
    from workbench.portal.validate import registration

    return registration({"agency_name": "Bluecoat Academy", "agency_type": "school", "contact_name": "Jo Bloggs",
                         "contact_email": "jo@bluecoat.example.org",
                         "staff": [{"username": "jo.bloggs", "full_name": "Jo Bloggs",
                                    "email": "jo@bluecoat.example.org"}]})
