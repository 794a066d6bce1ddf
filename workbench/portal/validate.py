"""All checks on what people send to the portal, in one place (STYLE rule 3).

Every check raises :class:`FieldError` naming the field, what was expected and what was
found, so the JSON API can answer ``422 {"field": …}`` (CONTRACTS.md "Portal HTTP API")
and the forms can show the message next to the field. Free text is kept verbatim apart
from control characters (it is escaped on output, never rewritten on input).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workbench.errors import BadInput
from workbench.portal import vocabulary as V

#: longest accepted text per field (characters)
MAX_LEN = {
    "intelligence_text": 10_000, "location": 500, "source_details": 2_000, "subjects": 2_000,
    "handling_conditions": 1_000, "triage_notes": 4_000, "referred_to": 200,
    "agency_name": 200, "contact_name": 120, "contact_email": 200, "contact_phone": 40,
    "reason": 2_000, "full_name": 120, "email": 200, "job_title": 120,
}
MIN_INTELLIGENCE_CHARS = 10
MIN_PASSWORD_CHARS = 12
SUBMISSION_FIELDS = ("category", "intelligence_text", "location", "postcode", "occurred_at",
                     "source_type", "source_details", "anonymity_requested", "subjects")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


#: the words a person filling in a form knows each field by (the forms' own labels)
LABELS = {
    "category": "Category", "intelligence_text": "What happened or what you know",
    "location": "Where", "postcode": "Postcode", "occurred_at": "When it happened",
    "occurred_date": "The date it happened", "occurred_time": "The time it happened",
    "source_type": "How you came by this information", "source_details": "Source details",
    "anonymity_requested": "Anonymity", "subjects": "Who is involved",
    "username": "Log-in name", "password": "Password", "password_confirm": "Repeated password",
    "code": "Code", "agency_name": "Organisation name", "agency_type": "Type of organisation",
    "contact_name": "Contact name", "contact_email": "Contact e-mail", "contact_phone": "Contact phone",
    "reason": "Why you need access", "full_name": "Full name", "email": "E-mail", "job_title": "Job title",
    "source_evaluation": "Source evaluation", "intelligence_assessment": "Intelligence assessment",
    "handling_code": "Handling code", "handling_conditions": "Handling conditions",
    "decision": "Decision", "referred_to": "Referred to", "triage_notes": "Triage notes",
}


def label(field: str) -> str:
    """The plain-language name of a form field (``staff_2_email`` → ``E-mail of staff member 2``).

    >>> label("occurred_at"), label("staff_2_email")
    ('When it happened', 'E-mail of staff member 2')
    """
    m = re.fullmatch(r"staff_(\d+)_(\w+)", field)
    if m:
        return f"{LABELS.get(m.group(2), m.group(2).replace('_', ' '))} of staff member {m.group(1)}"
    return LABELS.get(field, field.replace("_", " ").capitalize())


class FieldError(BadInput):
    """One field failed its check; ``field`` names it (the API's 422 body carries it).

    ``str(error)`` keeps the field's API name for programs (``occurred_at: is in the future …``);
    :attr:`plain` says the same in the form's words, naming the field once
    (``When it happened is in the future …``).

    Examples
    --------
    >>> err = FieldError("postcode", "expected a full UK postcode such as 'NG1 5AW'; found 'X'.")
    >>> err.field, err.label, err.to_dict()["field"], err.exit_code
    ('postcode', 'Postcode', 'postcode', 2)
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    @property
    def label(self) -> str:
        return label(self.field)

    @property
    def plain(self) -> str:
        """The message for a person: the field's label once, then what to do.

        >>> FieldError("occurred_at", "is in the future (2030-01-01); give the date it happened.").plain
        'When it happened is in the future (2030-01-01); give the date it happened.'
        >>> FieldError("postcode", "expected a full UK postcode such as 'NG1 5AW'; found 'X'.").plain
        "Postcode: expected a full UK postcode such as 'NG1 5AW'; found 'X'."
        """
        msg = self.message.replace(f"{self.field}: ", "")
        if msg.startswith(("is ", "was ", "must ")):
            return f"{self.label} {msg}"
        return f"{self.label}: {msg}"

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["field"] = self.field
        return d


def _closest(value: str, choices) -> str:
    near = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.5)
    return f" Did you mean '{near[0]}'?" if near else ""


def choice(field: str, value, choices) -> str:
    """``value`` must be one of ``choices`` (a dict or tuple of codes).

    Examples
    --------
    >>> choice("handling_code", " C ", V.HANDLING_CODES)
    'C'
    >>> choice("source_type", "member_of_publik", V.SOURCE_TYPES)
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: source_type: expected one of ...; found 'member_of_publik'. Did you mean 'member_of_public'?
    """
    if value is None or str(value).strip() == "":
        raise FieldError(field, f"is required; expected one of {', '.join(choices)}.")
    value = str(value).strip()
    if value not in choices:
        raise FieldError(field, f"expected one of {', '.join(choices)}; found {value!r}."
                         + _closest(value, choices))
    return value


def text(field: str, value, *, required: bool = False, min_chars: int = 0) -> str:
    r"""Free text: control characters removed (tabs/newlines kept), length checked, else verbatim.

    Examples
    --------
    >>> text("location", "  behind the\x00 shops\r\n ")           # control characters out, kept verbatim otherwise
    'behind the shops'
    >>> text("intelligence_text", "short", required=True, min_chars=10)
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: intelligence_text: expected at least 10 characters; found 5.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(field, f"expected text; found {type(value).__name__}.")
    value = _CONTROL.sub("", value).replace("\r\n", "\n").strip()
    if required and not value:
        raise FieldError(field, "is required and was empty.")
    if value and len(value) < min_chars:
        raise FieldError(field, f"expected at least {min_chars} characters; found {len(value)}.")
    limit = MAX_LEN.get(field, 1_000)
    if len(value) > limit:
        raise FieldError(field, f"expected at most {limit} characters; found {len(value)}. "
                                "Shorten it or split it into two submissions.")
    return value


def postcode(field: str, value) -> str:
    """A full UK unit postcode, normalised to upper case with one space (``NG1 5AW``), or empty.

    Examples
    --------
    >>> postcode("postcode", "ng15aw"), postcode("postcode", "")
    ('NG1 5AW', '')
    >>> postcode("postcode", "NG1")
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: postcode: expected a full UK postcode such as 'NG1 5AW'; found 'NG1'. Leave it empty if you do not know it and describe the location instead.
    """
    if value is None or str(value).strip() == "":
        return ""
    if not isinstance(value, str):
        raise FieldError(field, f"expected a postcode such as 'NG1 5AW'; found {type(value).__name__}.")
    m = _POSTCODE.match(value.strip().upper())
    if not m:
        raise FieldError(field, f"expected a full UK postcode such as 'NG1 5AW'; found {value[:20]!r}. "
                                "Leave it empty if you do not know it and describe the location instead.")
    return f"{m.group(1)} {m.group(2)}"


def occurred_at(field: str, value, *, now: datetime | None = None) -> str:
    """When it happened: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, not in the future; or empty.

    Examples
    --------
    >>> from datetime import datetime
    >>> now = datetime(2026, 3, 1, 12, 0)
    >>> occurred_at("occurred_at", "2026-02-28", now=now), occurred_at("occurred_at", "2026-02-28 21:30:15", now=now)
    ('2026-02-28', '2026-02-28T21:30')
    >>> occurred_at("occurred_at", "2026-06-01", now=now)
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: occurred_at: is in the future (2026-06-01); give the date it happened.
    """
    if value is None or str(value).strip() == "":
        return ""
    if not isinstance(value, str):
        raise FieldError(field, f"expected 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM'; found {type(value).__name__}.")
    value = value.strip()
    now = now or datetime.now()
    try:
        if len(value) == 10:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
            out = value
        else:
            parsed = datetime.fromisoformat(value.replace(" ", "T"))
            out = parsed.strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        raise FieldError(field, f"expected 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM'; found {value[:30]!r}.") from None
    if parsed.tzinfo is not None:
        parsed = parsed.replace(tzinfo=None)
    if parsed > now + timedelta(days=1):
        raise FieldError(field, f"is in the future ({out}); give the date it happened.")
    return out


def flag(field: str, value) -> str:
    """A yes/no answer: JSON true/false, 'Y'/'N', 'yes'/'no', 'on' (a ticked checkbox), or absent (N).

    Examples
    --------
    >>> flag("anonymity_requested", True), flag("anonymity_requested", "on"), flag("anonymity_requested", None)
    ('Y', 'Y', 'N')
    >>> flag("anonymity_requested", "maybe")
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: anonymity_requested: expected true or false; found 'maybe'.
    """
    if value is None or value == "":
        return "N"
    if isinstance(value, bool):
        return "Y" if value else "N"
    v = str(value).strip().lower()
    if v in ("y", "yes", "true", "on", "1"):
        return "Y"
    if v in ("n", "no", "false", "off", "0"):
        return "N"
    raise FieldError(field, f"expected true or false; found {str(value)[:20]!r}.")


def subjects(field: str, value) -> str:
    """Who is involved: text, or a JSON list of strings joined with '; '.

    Examples
    --------
    >>> subjects("subjects", ["a tall man ", "", "a boy on a bike"])
    'a tall man; a boy on a bike'
    """
    if isinstance(value, list):
        if not all(isinstance(v, str) for v in value):
            raise FieldError(field, "expected text or a list of text entries; found a list with non-text entries.")
        value = "; ".join(v.strip() for v in value if v.strip())
    return text(field, value)


def form_occurred_at(date_value, time_value) -> str:
    """The web form's "When?" as ``occurred_at``: a date alone, or a date and a time.

    The form asks for the date (``<input type=date>``) and, only if known, the time
    (``<input type=time>``), so a date alone is a complete answer.

    >>> form_occurred_at("2026-12-02", ""), form_occurred_at("2026-12-02", "15:30"), form_occurred_at("", "")
    ('2026-12-02', '2026-12-02T15:30', '')
    """
    d = (date_value or "").strip()
    t = (time_value or "").strip()
    if t and not d:
        raise FieldError("occurred_date", "is needed when a time is given; give the date, or clear the time.")
    if t and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?", t):
        raise FieldError("occurred_time", f"expected a time such as 21:30; found {t[:10]!r}.")
    return f"{d}T{t[:5]}" if t else d


@dataclass(frozen=True)
class Submission:
    """A checked submission ready to store.

    Examples
    --------
    >>> s = submission({"category": "knife_crime", "intelligence_text": "Seen carrying a knife near the park",
    ...                 "source_type": "staff_direct"})
    >>> s.to_dict()["anonymity_requested"], s.postcode, s.occurred_at
    ('N', '', '')
    """

    category: str
    intelligence_text: str
    location: str
    postcode: str
    occurred_at: str
    source_type: str
    source_details: str
    anonymity_requested: str
    subjects: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def submission(body) -> Submission:
    """Check a submission body (JSON object or form fields) against the contract of CONTRACTS.md.

    Unknown fields are refused (deny by default) so a typo cannot silently lose information.

    Examples
    --------
    >>> submission({"category": "knife_crime", "intelligence_text": "Seen carrying a knife near the park",
    ...             "source_type": "staff_direct", "postcode": "ng1 5aw"}).postcode
    'NG1 5AW'
    >>> submission({"category": "knife_crime", "intelligence": "…"})
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: intelligence: is not a submission field; expected only ... Did you mean 'intelligence_text'?
    """
    if not isinstance(body, dict):
        raise FieldError("body", f"expected a JSON object with fields {', '.join(SUBMISSION_FIELDS)}.")
    for key in body:
        if key not in SUBMISSION_FIELDS:
            raise FieldError(key, "is not a submission field; expected only "
                             f"{', '.join(SUBMISSION_FIELDS)}." + _closest(key, SUBMISSION_FIELDS))
    return Submission(
        category=choice("category", body.get("category"), V.CATEGORIES),
        intelligence_text=text("intelligence_text", body.get("intelligence_text"), required=True,
                               min_chars=MIN_INTELLIGENCE_CHARS),
        location=text("location", body.get("location")),
        postcode=postcode("postcode", body.get("postcode")),
        occurred_at=occurred_at("occurred_at", body.get("occurred_at")),
        source_type=choice("source_type", body.get("source_type"), V.SOURCE_TYPES),
        source_details=text("source_details", body.get("source_details")),
        anonymity_requested=flag("anonymity_requested", body.get("anonymity_requested")),
        subjects=subjects("subjects", body.get("subjects")),
    )


@dataclass(frozen=True)
class Grading:
    """A checked 3x5x2 grading with the reviewer's decision.

    Examples
    --------
    >>> g = grading({"source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "P",
    ...              "decision": "transfer"})
    >>> g.to_dict()["handling_conditions"], g.decision
    ('', 'transfer')
    """

    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    handling_conditions: str
    decision: str
    referred_to: str
    triage_notes: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def grading(body: dict) -> Grading:
    """Check a 3x5x2 grading and decision; handling code C needs conditions, refer needs a recipient.

    Examples
    --------
    >>> grading({"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "C",
    ...          "decision": "transfer"})
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: handling_conditions: is required when the handling code is C: state the conditions on sharing.
    >>> grading({"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P",
    ...          "decision": "refer", "referred_to": "Children's services"}).referred_to
    "Children's services"
    """
    g = Grading(
        source_evaluation=choice("source_evaluation", body.get("source_evaluation"), V.SOURCE_EVALUATION),
        intelligence_assessment=choice("intelligence_assessment", body.get("intelligence_assessment"),
                                       V.INTELLIGENCE_ASSESSMENT),
        handling_code=choice("handling_code", body.get("handling_code"), V.HANDLING_CODES),
        handling_conditions=text("handling_conditions", body.get("handling_conditions")),
        decision=choice("decision", body.get("decision"), V.DECISIONS),
        referred_to=text("referred_to", body.get("referred_to")),
        triage_notes=text("triage_notes", body.get("triage_notes")),
    )
    if g.handling_code == "C" and not g.handling_conditions:
        raise FieldError("handling_conditions", "is required when the handling code is C: "
                         "state the conditions on sharing.")
    if g.handling_code == "P" and g.handling_conditions:
        raise FieldError("handling_conditions", "applies only to handling code C; clear it or choose C.")
    if g.decision == "refer" and not g.referred_to:
        raise FieldError("referred_to", "is required when the decision is refer: name the agency.")
    return g


def username(field: str, value) -> str:
    """A log-in name: 3-40 characters, lower case letters, digits, '.', '_' or '-', starting with a letter.

    Examples
    --------
    >>> username("username", " jo.bloggs ")
    'jo.bloggs'
    >>> username("username", "Jo")
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: username: expected 3-40 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter; found 'Jo'.
    """
    value = (value or "").strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not _USERNAME.match(value):
        raise FieldError(field, "expected 3-40 characters: lower-case letters, digits, '.', '_' or '-', "
                                f"starting with a letter; found {str(value)[:40]!r}.")
    return value


def email(field: str, value) -> str:
    """An e-mail address such as ``name@example.org`` (required).

    Examples
    --------
    >>> email("contact_email", " jo@school.example.org ")
    'jo@school.example.org'
    >>> email("contact_email", "jo at school")
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: contact_email: expected an e-mail address such as 'name@example.org'; found 'jo at school'.
    """
    value = text(field, value, required=True)
    if not _EMAIL.match(value):
        raise FieldError(field, f"expected an e-mail address such as 'name@example.org'; found {value[:40]!r}.")
    return value


def password(field: str, value, confirm=None, user_inputs=()) -> str:
    """A new password: at least 12 characters, not common or guessable (checked offline against
    lists of common and breached passwords, :func:`workbench.registry.validate.weak_password`);
    ``confirm`` must match when given.

    Examples
    --------
    >>> password("password", "otter-lantern-gravel-sky", confirm="otter-lantern-gravel-sky")
    'otter-lantern-gravel-sky'
    >>> password("password", "otter-lantern-gravel-sky", confirm="otter-lantern")
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: password_confirm: does not match the password.
    """
    from workbench.registry.validate import NCSC_ADVICE, weak_password

    if not isinstance(value, str) or len(value) < MIN_PASSWORD_CHARS:
        raise FieldError(field, f"expected at least {MIN_PASSWORD_CHARS} characters; a passphrase of "
                                "three or four words is easy to remember.")
    if len(value) > 256:
        raise FieldError(field, "expected at most 256 characters.")
    reason = weak_password(value, user_inputs)
    if reason:
        raise FieldError(field, f"{reason}. {NCSC_ADVICE}")
    if confirm is not None and confirm != value:
        raise FieldError("password_confirm", "does not match the password.")
    return value


#: at most this many staff in one registration request (another request can add more)
MAX_STAFF = 20


@dataclass(frozen=True)
class Registration:
    """A checked registration request: the agency, its contact and the staff to be given accounts.

    Examples
    --------
    >>> r = registration({"agency_name": "Bluecoat Academy", "agency_type": "school", "contact_name": "Jo Bloggs",
    ...                   "contact_email": "jo@bluecoat.example.org",
    ...                   "staff": [{"username": "jo.bloggs", "full_name": "Jo Bloggs", "email": "jo@bluecoat.example.org"},
    ...                             {"username": "", "full_name": "", "email": "", "job_title": ""}]})
    >>> len(r.staff), r.to_dict()["staff"][0]["username"]             # the blank row is ignored
    (1, 'jo.bloggs')
    """

    agency_name: str
    agency_type: str
    contact_name: str
    contact_email: str
    contact_phone: str
    reason: str
    staff: tuple[dict, ...]

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["staff"] = [dict(s) for s in self.staff]
        return d


def registration(body: dict) -> Registration:
    """Check a registration request (reference 000: a partner agency registers, the force approves).

    ``body["staff"]`` is a list of ``{"username", "full_name", "email", "job_title"}``; rows whose
    fields are all empty are ignored (the form offers blank rows).

    Examples
    --------
    >>> registration({"agency_name": "Bluecoat Academy", "agency_type": "school", "contact_name": "Jo Bloggs",
    ...               "contact_email": "jo@bluecoat.example.org", "staff": []})
    Traceback (most recent call last):
    ...
    workbench.portal.validate.FieldError: staff: name at least one member of staff who will submit intelligence.
    """
    staff_in = body.get("staff") or []
    if not isinstance(staff_in, list):
        raise FieldError("staff", "expected a list of staff members.")
    staff, seen = [], set()
    for i, member in enumerate(staff_in, start=1):
        if not isinstance(member, dict):
            raise FieldError(f"staff_{i}", "expected username, full_name, email and job_title.")
        if not any(str(member.get(k) or "").strip() for k in ("username", "full_name", "email", "job_title")):
            continue
        name = username(f"staff_{i}_username", member.get("username"))
        if name in seen:
            raise FieldError(f"staff_{i}_username", f"'{name}' appears twice in this request.")
        seen.add(name)
        staff.append({
            "username": name,
            "full_name": text(f"staff_{i}_full_name", member.get("full_name"), required=True),
            "email": email(f"staff_{i}_email", member.get("email")),
            "job_title": text(f"staff_{i}_job_title", member.get("job_title")),
        })
    if not staff:
        raise FieldError("staff", "name at least one member of staff who will submit intelligence.")
    if len(staff) > MAX_STAFF:
        raise FieldError("staff", f"expected at most {MAX_STAFF} staff per request; send another request for more.")
    return Registration(
        agency_name=text("agency_name", body.get("agency_name"), required=True),
        agency_type=choice("agency_type", body.get("agency_type"), V.AGENCY_TYPES),
        contact_name=text("contact_name", body.get("contact_name"), required=True),
        contact_email=email("contact_email", body.get("contact_email")),
        contact_phone=text("contact_phone", body.get("contact_phone")),
        reason=text("reason", body.get("reason")),
        staff=tuple(staff),
    )
