"""The personal-data request register (guidance 4.3 steps 1–6, 2.3, 2.4).

Personal data leaves the master hub only through a request that records, before anything
is extracted:

1. **purpose** and the **questions** it will answer (step 1; the purposes of 2.3 and the
   business meeting of 4.3.1): :data:`PURPOSES`;
2. the **legal basis** (step 1, 2.4): :data:`LEGAL_BASES`, today's law beside the guidance's
   gateways: UK GDPR Articles 6 and 9 with the Data Protection Act 2018 (Part 2, and Part 3 for
   law enforcement processing), and the Police, Crime, Sentencing and Courts Act 2022 s16-17
   (Serious Violence Duty). The 2010 guidance's DPA 1998 exemptions (s29, s35) were repealed
   in 2018; a new request citing them is refused with the provision that replaced each.
   Section 17A of the Crime and Disorder Act covers *depersonalised* information only, so it
   cannot be the sole basis;
3. the **supplying agency** (step 2), whose Designated Liaison Officer approves or refuses
   (2.2.1; Box 1: disclosure "has to be agreed by the Designated Liaison Officer for the
   agency from which the information was sourced");
4. the **datasets and fields** needed (step 3; DPA principle 3, Caldicott "minimum
   necessary"): only those fields are ever released;
5. an **expiry**: after it, or on completion, the released copies are deleted and the
   deletion is audited (DPA principle 5; 2.4.2.5 "it must be destroyed after it has been used").

:func:`release` extracts the named fields into an encrypted DuckDB file under
``releases/request-<id>/`` beside the hub (step 4/6). Encrypted DuckDB rather than Parquet:
the copy is encrypted at rest with its own key (AES-GCM; the "encrypted to FIPS 140-2 or
equivalent" rule of 4.3.4 step 4), it sits in the restricted folder beside the master hub,
and deleting the file and its key destroys it. Rows that another agency supplied are
withheld unless that agency's DLO has recorded consent (2.4.2.4).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from workbench.sql import quote_literal
from workbench import catalogue
from workbench.hub.supply_files import file_sha256
from workbench.errors import AccessDenied, BadInput
from workbench.privacy import access
from workbench import checks

PURPOSES = ("performance_monitoring", "intelligence_product", "business_meeting", "service_delivery")
LEGAL_BASES = (
    # powers to share (the gateway); guidance 2.4.1
    "crime_and_disorder_act_s115",      # 2.4.1.1: power to share between relevant authorities
    "crime_and_disorder_act_s17a",      # 2.4.1.1: duty, depersonalised information only
    "police_and_justice_act_2006",      # 2.4.1.2: crime and disorder committee
    "criminal_justice_court_services_act_2000",  # 2.4.1.3: MAPPA police/probation duty
    "pcsc_act_2022_s16_s17",            # Serious Violence Duty: disclosure (s16), requests (s17)
    # lawful processing today (UK GDPR and the Data Protection Act 2018), where 2.4.2 cites DPA 1998
    "uk_gdpr_art6_1e_public_task",      # Art 6(1)(e): a task in the public interest / official authority
    "uk_gdpr_art6_1c_legal_obligation",  # Art 6(1)(c): e.g. the Serious Violence Duty
    "uk_gdpr_art9_2g_dpa2018_sch1_para10",  # special category: substantial public interest,
                                            # preventing or detecting unlawful acts
    "dpa2018_part3_law_enforcement",    # Part 3 (s31, s35): a competent authority's law enforcement processing
    "dpa2018_sch2_para2_crime_and_taxation",  # the exemption that replaced DPA 1998 s29
    "dpa2018_sch2_para5_legal_proceedings",   # the exemption that replaced DPA 1998 s35
    "data_subject_consent",             # UK GDPR Art 6(1)(a) / 9(2)(a) (was DPA Schedule 2/3)
    # repealed with the Data Protection Act 1998 (25 May 2018): kept so old requests still read
    "dpa_s29_crime_and_taxation",       # 2.4.2.5 DPA 1998 exemption
    "dpa_s35_legal_proceedings",        # 2.4.2.5 DPA 1998 exemption
)
#: bases from the repealed Data Protection Act 1998 and the provision that replaced each
REPEALED_BASES = {"dpa_s29_crime_and_taxation": "dpa2018_sch2_para2_crime_and_taxation",
                  "dpa_s35_legal_proceedings": "dpa2018_sch2_para5_legal_proceedings"}
#: the longest a request may run before it must be renewed
MAX_DAYS = 366
STATUSES = ("pending", "approved", "refused", "completed", "expired")


@dataclass
class Request:
    """One personal-data request and its decision.

    Examples
    --------
    >>> reg = _example()
    >>> req = _example_request(reg)
    >>> req.status, req.purpose, req.subjects
    ('approved', 'service_delivery', {'police_crime_victim': {'crime_ref': ['C1', 'C2']}})
    """

    id: int
    purpose: str
    questions: list[str]
    datasets: dict[str, list[str]]
    legal_basis: list[str]
    requester: str
    supplying_agency: str
    partnership: str | None
    status: str
    expires_at: str
    decided_by: str | None = None
    decided_at: str | None = None
    decision_note: str | None = None
    created_at: str = ""
    closed_at: str | None = None
    consents: list[str] = field(default_factory=list)
    #: who the request is about, per dataset: {column: [values]} (people by reference,
    #: event references, or criteria such as a flag); the release holds only matching rows
    subjects: dict = field(default_factory=dict)
    #: the recorded justification when the request deliberately covers every row of its
    #: datasets (no subjects); None for a request that names its subjects
    whole_population: str | None = None

    def expired(self, now: datetime) -> bool:
        return datetime.fromisoformat(self.expires_at) <= now

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _row_to_request(reg, row) -> Request:
    consents = [r[0] for r in reg.con.execute(
        "SELECT agency FROM request_consents WHERE request_id = ? ORDER BY agency", (row["id"],))]
    return Request(row["id"], row["purpose"], json.loads(row["questions"]), json.loads(row["datasets"]),
                   json.loads(row["legal_basis"]), row["requester"], row["supplying_agency"],
                   row["partnership"], row["status"], row["expires_at"], row["decided_by"],
                   row["decided_at"], row["decision_note"], row["created_at"], row["closed_at"], consents,
                   json.loads(row["subjects"]) if "subjects" in row.keys() and row["subjects"] else {},
                   row["whole_population"] if "whole_population" in row.keys() else None)


def get(reg, request_id: int) -> Request:
    """The request ``request_id``; BadInput (exit 2) when there is none.

    Examples
    --------
    >>> reg = _example()
    >>> get(reg, _example_request(reg).id).requester
    'ana'
    """
    row = reg.con.execute("SELECT * FROM requests WHERE id = ?", (int(request_id),)).fetchone()
    if row is None:
        raise BadInput(f"No personal-data request {request_id}; `workbench request list` shows them.")
    return _row_to_request(reg, row)


def list_requests(reg, status: str | None = None) -> list[Request]:
    """Every request, or those with ``status`` (one of :data:`STATUSES`), oldest first.

    Examples
    --------
    >>> reg = _example()
    >>> _ = _example_request(reg, approve=False)
    >>> [r.status for r in list_requests(reg)], list_requests(reg, "approved")
    (['pending'], [])
    """
    sql, args = "SELECT * FROM requests", ()
    if status:
        sql, args = sql + " WHERE status = ?", (checks.choice("status", status, STATUSES),)
    return [_row_to_request(reg, r) for r in reg.con.execute(sql + " ORDER BY id", args)]


def _expiry(reg, expires) -> datetime:
    if isinstance(expires, str):
        try:
            expires = datetime.fromisoformat(expires)
        except ValueError:
            raise BadInput(f"`expires` must be a date YYYY-MM-DD; found {expires!r}.") from None
    if isinstance(expires, date) and not isinstance(expires, datetime):
        expires = datetime.combine(expires, time(23, 59, 59))
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    now = reg.now()
    if expires <= now:
        raise BadInput(f"`expires` must be in the future; found {expires.date()}.")
    if expires > now + timedelta(days=MAX_DAYS):
        raise BadInput(f"`expires` may be at most {MAX_DAYS} days ahead (DPA principle 5: keep "
                       f"personal data no longer than necessary); renew the request instead.")
    return expires


def _subjects(subjects, clean: dict[str, list[str]]) -> dict:
    """Validate ``subjects``: {dataset: {column: [values]}} for datasets of the request."""
    out: dict = {}
    for ds_id, criteria in (subjects or {}).items():
        if ds_id not in clean:
            checks.choice("subjects dataset", ds_id, tuple(clean))
        ds = catalogue.get(ds_id)
        if not isinstance(criteria, dict) or not criteria:
            raise BadInput(f"`subjects` of '{ds_id}': give {{column: [values]}}, e.g. "
                           "{'crime_ref': ['CR1', 'CR2']} or {'flag_domestic': ['Y']}.")
        crit = {}
        for col, values in criteria.items():
            if col not in ds.column_names:
                checks.choice(f"subject columns of {ds_id}", col, tuple(ds.column_names))
            values = [str(v) for v in (values if isinstance(values, (list, tuple, set)) else [values])]
            if not values:
                raise BadInput(f"`subjects` of '{ds_id}': column '{col}' names no values.")
            crit[col] = sorted(set(values))
        out[ds_id] = crit
    return out


#: the shortest justification accepted for a whole-population request (a sentence, not a word)
MIN_JUSTIFICATION = 20


def require_subjects(subjects: dict, datasets, whole_population: str | None) -> str | None:
    """Refuse a request that names no subjects for some dataset, unless it is an explicit,
    justified whole-population request; returns the cleaned justification (or None).

    Guidance 4.3.4 (the minimum necessary): a request names who it is about — people,
    references or criteria — per dataset, so its release holds only their rows. A release of
    every row of a dataset is legitimate only rarely (e.g. a data-matching exercise the DLO
    agrees to); it then needs ``whole_population``, a recorded justification that the
    supplying agency's DLO sees before deciding.

    Examples
    --------
    >>> require_subjects({"police_crime_victim": {"crime_ref": ["C1"]}}, ["police_crime_victim"], None)
    >>> require_subjects({}, ["police_crime_victim"], None)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: The request names no subjects for police_crime_victim, so its release would hold every row (guidance 4.3.4: the minimum necessary). Name who it is about with --subject ID:COLUMN=VALUE,VALUE (people, references such as crime_ref=C1,C2, or criteria such as flag_domestic=Y); only if every row is truly needed, give --whole-population "WHY" (recorded, audited and shown to the DLO).
    >>> require_subjects({}, ["police_crime_victim"], "Annual data-matching with the council's housing list, agreed at the JAG")
    "Annual data-matching with the council's housing list, agreed at the JAG"
    """
    text = (whole_population or "").strip() or None
    if text is not None:
        if subjects:
            raise BadInput("A request either names its subjects or covers the whole population with a "
                           "justification, not both: drop --whole-population or the --subject options.")
        if len(text) < MIN_JUSTIFICATION:
            raise BadInput(f"--whole-population needs a justification the DLO can judge (at least "
                           f"{MIN_JUSTIFICATION} characters: why every row is needed); found {text!r}.")
        return text
    missing = [d for d in datasets if not subjects.get(d)]
    if missing:
        raise BadInput(
            f"The request names no subjects for {', '.join(missing)}, so its release would hold every "
            f"row (guidance 4.3.4: the minimum necessary). Name who it is about with --subject "
            f"ID:COLUMN=VALUE,VALUE (people, references such as crime_ref=C1,C2, or criteria such as "
            f"flag_domestic=Y); only if every row is truly needed, give --whole-population \"WHY\" "
            f"(recorded, audited and shown to the DLO).")
    return None


def create(reg, requester: str, purpose: str, questions: list[str], datasets: dict[str, list[str]],
           legal_basis: list[str], supplying_agency: str, expires, partnership: str | None = None,
           subjects: dict | None = None, whole_population: str | None = None) -> Request:
    """Record a request (step 1–3); it is ``pending`` until the supplying agency's DLO decides.

    ``subjects`` names who the request is about, per dataset: ``{column: [values]}`` — people
    by reference (``{"offender_ref": [...]}``), events (``{"crime_ref": [...]}``) or criteria
    (``{"flag_domestic": ["Y"]}``); values of one column are alternatives, columns all apply.
    The release then holds only those rows (guidance 4.3.4: the minimum necessary). Every
    dataset of the request needs subjects (:func:`require_subjects`), unless
    ``whole_population`` gives the reason every row is needed: that justification is stored
    with the request, audited, shown to the DLO, and the DLO must note their decision on it.

    Examples
    --------
    >>> reg = _example()
    >>> req = create(reg, "ana", "service_delivery", ["Which victims go to the next MARAC?"],
    ...              {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
    ...              "Notts Police", date.today() + timedelta(days=30), "Nottingham",
    ...              subjects={"police_crime_victim": {"crime_ref": ["C1", "C2"]}})
    >>> req.status, req.subjects
    ('pending', {'police_crime_victim': {'crime_ref': ['C1', 'C2']}})
    """
    purpose = checks.choice("purpose", purpose, PURPOSES)
    questions = [q.strip() for q in (questions or []) if q and q.strip()]
    if not questions:
        raise BadInput("`questions`: name at least one question the data will answer (guidance 4.3.1).")
    legal_basis = [checks.choice("legal_basis", b, LEGAL_BASES) for b in (legal_basis or [])]
    if not legal_basis:
        raise BadInput(f"`legal_basis`: personal data needs a clear legal basis (guidance 4.3.1); "
                       f"choose from {', '.join(LEGAL_BASES)}.")
    repealed = [b for b in legal_basis if b in REPEALED_BASES]
    if repealed:
        raise BadInput("`legal_basis`: " + "; ".join(
            f"{b} is a Data Protection Act 1998 exemption, repealed on 25 May 2018: use {REPEALED_BASES[b]}"
            for b in repealed) + " (Data Protection Act 2018 Schedule 2).")
    if set(legal_basis) == {"crime_and_disorder_act_s17a"}:
        raise BadInput("`legal_basis`: section 17A of the Crime and Disorder Act covers depersonalised "
                       "information only (guidance 2.4.1.1); add the power that allows personal data, "
                       "e.g. crime_and_disorder_act_s115.")
    if not datasets:
        raise BadInput("`datasets`: name at least one dataset and the fields needed.")
    clean: dict[str, list[str]] = {}
    for ds_id, fields in datasets.items():
        ds = catalogue.get(ds_id)
        if ds.klass not in access.CASE:
            raise BadInput(f"`datasets`: '{ds_id}' is {ds.klass}-class (not case-level personal data); "
                           f"read it from the shared tier without a request.")
        if not fields:
            raise BadInput(f"`datasets`: list the fields needed from '{ds_id}' (DPA principle 3).")
        for f in fields:
            if f not in ds.column_names:
                checks.choice(f"fields of {ds_id}", f, tuple(ds.column_names))
        clean[ds_id] = list(dict.fromkeys(fields))
    subj = _subjects(subjects, clean)
    whole_population = require_subjects(subj, clean, whole_population)
    agency = reg.get_agency(supplying_agency)
    if partnership is not None:
        reg.get_partnership(partnership)
    user = reg.get_user(requester)
    for ds_id in clean:
        access.require(reg, user, "read_personal", ds_id, partnership=partnership)
    expires_at = _expiry(reg, expires)
    with reg.transaction():
        cur = reg.con.execute(
            "INSERT INTO requests (purpose, questions, datasets, legal_basis, requester, supplying_agency, "
            "partnership, status, expires_at, created_at, subjects, whole_population) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
            (purpose, json.dumps(questions), json.dumps(clean), json.dumps(legal_basis), user.name,
             agency.name, partnership, expires_at.isoformat(), reg._now_text(),
             json.dumps(subj) if subj else None, whole_population))
        request_id = cur.lastrowid
        reg.audit(user.name, "request.create", f"request:{request_id}",
                  {"purpose": purpose, "datasets": clean, "legal_basis": legal_basis,
                   "subjects": {d: sorted(c) for d, c in subj.items()},
                   **({"whole_population": whole_population} if whole_population else {}),
                   "supplying_agency": agency.name, "expires_at": expires_at.isoformat()})
    return get(reg, request_id)


def _dlo_of(reg, approver: str, agency: str, action: str, target: str):
    user = reg.get_user(approver)
    if user.role != "dlo" or user.agency != agency or not user.active:
        reason = f"only a DLO of '{agency}' may {action} (guidance Box 1, 2.2.1)"
        reg.audit(user.name, action, target, {"reason": reason}, outcome="denied")
        raise AccessDenied(f"Access denied: {reason}; '{approver}' is {user.role} at '{user.agency}'.")
    return user


def decide(reg, request_id: int, approver: str, approve: bool, note: str | None = None) -> Request:
    """The supplying agency's DLO approves or refuses a pending request (step 3).

    A request covering a whole population (no subjects; :func:`require_subjects`) needs a
    ``note`` to be approved.

    Examples
    --------
    >>> reg = _example()
    >>> req = _example_request(reg, approve=False)
    >>> decide(reg, req.id, "dee", True, "for the MARAC on 14 March").status
    'approved'
    """
    req = get(reg, request_id)
    action = "request.approve" if approve else "request.refuse"
    dlo = _dlo_of(reg, approver, req.supplying_agency, action, f"request:{req.id}")
    if dlo.name == req.requester:
        reg.audit(dlo.name, action, f"request:{req.id}", {"reason": "own request"}, outcome="denied")
        raise AccessDenied("Access denied: a DLO may not decide their own request.")
    if req.status != "pending":
        raise BadInput(f"Request {req.id} is {req.status}; only a pending request can be decided.")
    if req.expired(reg.now()):
        raise BadInput(f"Request {req.id} expired on {req.expires_at}; record a new request.")
    if approve and req.whole_population and not (note or "").strip():
        raise BadInput(f"Request {req.id} covers every row of {', '.join(req.datasets)} (no subjects named; "
                       f"the requester's justification: {req.whole_population!r}). Approving it needs "
                       f"--note recording why the whole population is the minimum necessary "
                       f"(guidance 4.3.4); or refuse it and ask for named subjects.")
    status = "approved" if approve else "refused"
    with reg.transaction():
        changed = reg.con.execute(
            "UPDATE requests SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
            "WHERE id = ? AND status = 'pending'", (status, dlo.name, reg._now_text(), note, req.id)).rowcount
        if not changed:
            raise BadInput(f"Request {req.id} was decided meanwhile; reload it.")
        if approve:
            _record_consent(reg, req.id, req.supplying_agency, dlo.name)
        reg.audit(dlo.name, action, f"request:{req.id}",
                  {"note": note, "supplying_agency": req.supplying_agency,
                   **({"whole_population": req.whole_population} if req.whole_population else {})})
    return get(reg, req.id)


def _record_consent(reg, request_id: int, agency: str, by: str) -> None:
    reg.con.execute("INSERT OR IGNORE INTO request_consents VALUES (?, ?, ?, ?)",
                    (request_id, agency, by, reg._now_text()))


def consent(reg, request_id: int, agency: str, dlo: str) -> Request:
    """Record that another originating agency's DLO consents to release of its rows (2.4.2.4).

    Examples
    --------
    >>> reg = _example()
    >>> _ = reg.add_agency("City Council", "central", partnerships=["Nottingham"])
    >>> _ = reg.add_user("cd", "City Council", "dlo", "otter-lantern-gravel-42")
    >>> consent(reg, _example_request(reg).id, "City Council", "cd").consents
    ['City Council', 'Notts Police']
    """
    req = get(reg, request_id)
    user = _dlo_of(reg, dlo, agency, "request.consent", f"request:{req.id}")
    with reg.transaction():
        _record_consent(reg, req.id, agency, user.name)
        reg.audit(user.name, "request.consent", f"request:{req.id}", {"agency": agency})
    return get(reg, req.id)


def usable(reg, request_id: int, user) -> Request:
    """The request if ``user`` may use it now (their own, approved, unexpired); else AccessDenied.

    Examples
    --------
    >>> reg = _example()
    >>> req = _example_request(reg)
    >>> usable(reg, req.id, "ana").id == req.id
    True
    >>> usable(reg, req.id, "dee")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Access denied: request 1 belongs to 'ana'. ...
    """
    req = get(reg, request_id)
    name = user if isinstance(user, str) else user.name
    reason = None
    if req.requester != name:
        reason = f"request {req.id} belongs to '{req.requester}'"
    elif req.status != "approved":
        reason = f"request {req.id} is {req.status}, not approved"
    elif req.expired(reg.now()):
        reason = f"request {req.id} expired on {req.expires_at}"
    if reason:
        reg.audit(name, "request.use", f"request:{req.id}", {"reason": reason}, outcome="denied")
        raise AccessDenied(f"Access denied: {reason}. Personal data is released only under an "
                           f"approved, unexpired request (guidance 4.3).")
    # the requester as the registry knows them *now*: a deactivated account, a withdrawn ISP
    # or a changed role closes the request's copies to them too (deny by default)
    current = reg.get_user(name)
    for ds_id in req.datasets:
        access.require(reg, current, "read_personal", ds_id, partnership=req.partnership)
    return req


def release_path(reg, request_id: int) -> Path:
    """Where a request's encrypted released copy lives (beside the hub, under ``releases/``).

    Examples
    --------
    >>> reg = _example()
    >>> release_path(reg, 7).relative_to(reg.releases_dir).as_posix()
    'request-7/release.duckdb'
    """
    return reg.releases_dir / f"request-{int(request_id)}" / "release.duckdb"


@dataclass
class ReleaseResult:
    """What :func:`release` copied: rows per dataset, rows withheld per agency, the fields.

    Examples
    --------
    >>> ReleaseResult(1, "releases/request-1/release.duckdb", {"police_crime_victim": 2}, {},
    ...               {"police_crime_victim": ["crime_ref"]}).to_dict()["rows"]
    {'police_crime_victim': 2}
    """

    request_id: int
    path: str
    rows: dict[str, int]
    withheld: dict[str, dict[str, int]]
    fields: dict[str, list[str]]

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def release(reg, request_id: int, user) -> ReleaseResult:
    """Extract the request's fields into an encrypted copy under ``releases/`` (steps 4 and 6).

    Only rows whose supplying agency has consented (the approving DLO's agency, plus any
    recorded :func:`consent`) are copied; the rest are counted in ``withheld``. Only the
    request's subjects' rows are copied (guidance 4.3.4); a request naming none, without a
    recorded whole-population justification, is refused.

    Examples
    --------
    >>> reg = _example()
    >>> result = release(reg, _example_request(reg).id, "ana")
    >>> result.rows, result.withheld
    ({'police_crime_victim': 2}, {'police_crime_victim': {}})
    """
    from workbench.hub.connect import new_connection, open_hub

    from workbench.privacy import caldicott, dpia

    req = usable(reg, request_id, user)
    if not req.whole_population:
        try:     # a request recorded before subjects were required (deny by default)
            require_subjects(req.subjects, req.datasets, None)
        except BadInput as exc:
            reg.audit(req.requester, "request.release", f"request:{req.id}",
                      {"reason": "no subjects named"}, outcome="denied")
            raise BadInput(f"Request {req.id} cannot be released: {exc} Record a new request.") from None
    user = reg.get_user(req.requester)
    for ds_id in req.datasets:
        access.require(reg, user, "read_personal", ds_id, partnership=req.partnership)
    # today's law on top of guidance 4.3: a DPIA in force (UK GDPR Art 35) and, for health
    # data, the Caldicott guardian's approval
    dpia.require(reg, req.supplying_agency, req.partnership, user.name, "request.release", f"request:{req.id}")
    caldicott.require(reg, req, user.name)
    out = release_path(reg, req.id)
    out.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(out.parent.parent, 0o700)
    os.chmod(out.parent, 0o700)
    for stale in (out, out.with_name(out.name + ".wal")):
        if stale.exists():
            stale.unlink()
    key = secrets.token_hex(32)
    key_path = out.with_name(out.name + ".key")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    hub = open_hub(reg.hub, read_only=True)
    rows, withheld = {}, {}
    try:
        dst = new_connection()
        dst.execute(f"ATTACH {quote_literal(out)} AS rel (ENCRYPTION_KEY '{key}')")
        for ds_id, fields in req.datasets.items():
            cols = ", ".join(f'd."{f}"' for f in fields)
            scope = "s.agency IN (SELECT unnest(?::VARCHAR[]))"
            args = [req.consents]
            if req.partnership is not None:
                scope += " AND s.partnership = ?"
                args.append(req.partnership)
            # only the named subjects (guidance 4.3.4): other people's rows are neither copied
            # nor counted as withheld
            subj, subj_args = "true", []
            for col, values in req.subjects.get(ds_id, {}).items():
                subj += f' AND CAST(d."{col}" AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))'
                subj_args.append(values)
            frame = hub.execute(
                f"SELECT {cols} FROM main.{ds_id} d JOIN supplies s ON s.supply_id = d._supply_id "
                f"WHERE {scope} AND {subj}", args + subj_args).fetch_arrow_table()
            counts = hub.execute(
                f"SELECT coalesce(s.agency, '(unknown)'), count(*) FROM main.{ds_id} d "
                f"JOIN supplies s ON s.supply_id = d._supply_id WHERE NOT ({scope}) AND {subj} GROUP BY 1",
                args + subj_args).fetchall()
            dst.register("frame", frame)
            dst.execute(f"CREATE TABLE rel.{ds_id} AS SELECT * FROM frame")
            dst.unregister("frame")
            rows[ds_id] = frame.num_rows
            withheld[ds_id] = {a: int(n) for a, n in counts}
        dst.execute("DETACH rel")
        dst.close()
    finally:
        hub.close()
    for f in (out, out.with_name(out.name + ".wal")):
        if f.exists():
            os.chmod(f, 0o600)    # personal data: the releasing account only (guidance 4.3.6)
    digest = file_sha256(out)
    with reg.transaction():
        for ds_id, n in rows.items():
            reg.con.execute("INSERT INTO release_files (request_id, path, kind, dataset, rows, sha256, "
                            "created_by, created_at) VALUES (?, ?, 'release', ?, ?, ?, ?, ?)",
                            (req.id, str(out), ds_id, n, digest, user.name, reg._now_text()))
        reg.audit(user.name, "request.release", f"request:{req.id}",
                  {"path": str(out), "fields": req.datasets, "rows": rows, "withheld": withheld,
                   "sha256": digest})
    return ReleaseResult(req.id, str(out), rows, withheld, req.datasets)


def open_release(reg, request_id: int, user):
    """A read-only, locked DuckDB connection on a request's released copy (catalog ``rel``):
    no file, folder or network is reachable from it (:func:`~workbench.hub.connect.lock_down`).

    Examples
    --------
    >>> reg = _example()
    >>> req = _example_request(reg)
    >>> _ = release(reg, req.id, "ana")
    >>> con = open_release(reg, req.id, "ana")
    >>> sorted(r[0] for r in con.execute("SELECT crime_ref FROM police_crime_victim").fetchall())
    ['C1', 'C2']
    >>> con.close()
    """
    from workbench.hub.connect import attach_locked, new_connection

    req = usable(reg, request_id, user)
    path = release_path(reg, req.id)
    if not path.exists():
        raise BadInput(f"Request {req.id} has not been released yet; run `workbench request release`.")
    key = path.with_name(path.name + ".key").read_text().strip()
    return attach_locked(new_connection(), path, key, "rel")


def complete(reg, request_id: int, user: str) -> Request:
    """Mark a request's purpose as served; its copies are purged at once (DPA principle 5).

    Examples
    --------
    >>> reg = _example()
    >>> req = _example_request(reg)
    >>> _ = release(reg, req.id, "ana")
    >>> complete(reg, req.id, "ana").status, release_path(reg, req.id).exists()
    ('completed', False)
    """
    from workbench.privacy.retention import purge

    req = get(reg, request_id)
    u = reg.get_user(user)
    if u.name != req.requester and not (u.role == "dlo" and u.agency == req.supplying_agency) \
            and not access.can(reg, u, "admin", "*"):
        reg.audit(u.name, "request.complete", f"request:{req.id}", {"reason": "not requester, DLO or admin"},
                  outcome="denied")
        raise AccessDenied(f"Access denied: only the requester, the supplying agency's DLO or the CSP "
                           f"coordinator may complete request {req.id}.")
    if req.status not in ("approved", "pending"):
        raise BadInput(f"Request {req.id} is already {req.status}.")
    reg.con.execute("UPDATE requests SET status = 'completed', closed_at = ? WHERE id = ?",
                    (reg._now_text(), req.id))
    reg.audit(u.name, "request.complete", f"request:{req.id}")
    purge(reg, actor=u.name, request_id=req.id)
    return get(reg, req.id)


def record_export(reg, request_id: int, path: Path, dataset: str, rows: int, sha256: str, user: str) -> None:
    """Register a personal-data export file so the request's purge deletes it too.

    Examples
    --------
    >>> reg = _example()
    >>> req = _example_request(reg)
    >>> out = reg.hub.parent / "marac.csv"
    >>> _ = out.write_text("crime_ref\\nC1\\n")
    >>> record_export(reg, req.id, out, "police_crime_victim", 1, "0" * 64, "ana")
    >>> _ = complete(reg, req.id, "ana")
    >>> out.exists()
    False
    """
    reg.con.execute("INSERT INTO release_files (request_id, path, kind, dataset, rows, sha256, created_by, "
                    "created_at) VALUES (?, ?, 'export', ?, ?, ?, ?, ?)",
                    (int(request_id), str(path), dataset, rows, sha256, user, reg._now_text()))


def _example():
    """A registry and hub for this module's examples (not for use elsewhere): partnership
    Nottingham; Notts Police (central) with the coordinator ``coord``, the analyst ``ana``
    and the DLO ``dee``, a DPIA in force; five victims C1…C5 supplied by the police."""
    import tempfile

    import pandas as pd

    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy import dpia
    from workbench.registry import open_registry

    hub = init_hub(Path(tempfile.mkdtemp(prefix="wb-requests-")) / "hub.duckdb")
    ingest_frame(hub, "police_crime_victim",
                 pd.DataFrame({"crime_ref": [f"C{i}" for i in range(1, 6)], "age": [34, 51, 19, 40, 28],
                               "address": [f"{i} High St" for i in range(1, 6)]}),
                 source_name="victims.csv", agency="Notts Police", partnership="Nottingham")
    reg = open_registry(hub)
    reg.add_partnership("Nottingham")
    reg.add_agency("Notts Police", "central", partnerships=["Nottingham"])
    for name, role in (("coord", "admin"), ("ana", "analyst"), ("dee", "dlo")):
        reg.add_user(name, "Notts Police", role, "otter-lantern-gravel-42")
    today = date.today()
    dpia.record(reg, "coord", "Notts Police", "DPIA-1", today - timedelta(days=30), today + timedelta(days=300))
    return reg


def _example_request(reg, approve: bool = True) -> Request:
    """A MARAC request by ``ana`` about C1 and C2, approved by ``dee`` unless ``approve`` is False."""
    req = create(reg, "ana", "service_delivery", ["Which victims go to the next MARAC?"],
                 {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
                 "Notts Police", date.today() + timedelta(days=30), "Nottingham",
                 subjects={"police_crime_victim": {"crime_ref": ["C1", "C2"]}})
    return decide(reg, req.id, "dee", True) if approve else req

