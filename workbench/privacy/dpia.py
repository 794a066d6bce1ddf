"""Data protection impact assessments: one per information sharing protocol (UK GDPR Art 35).

The 2010 guidance asks for an information sharing protocol before agencies share (guidance
2.2, "Information sharing protocols") and for a clear legal basis per request (4.3.1). Today's
law adds a duty the guidance predates: processing "likely to result in a high risk" to people,
which systematic sharing of victims', offenders' and patients' records for crime analysis is,
needs a **data protection impact assessment before it starts** (UK GDPR Art 35; ICO guidance
lists "sharing data between organisations" and "crime prevention" among the triggers), kept
under review, and, where a high risk remains after the measures, prior consultation with the
ICO (Art 36) before processing.

The workbench records, per agency (optionally per partnership), the DPIA's reference, the date
it was completed and the date it must be reviewed by, and whether a high residual risk
remains. **Personal data leaves the master hub only under a current DPIA** of the supplying
agency: :func:`require` is called by :func:`workbench.privacy.requests.release`, refuses
(exit 3, audited) when there is none, when its review date has passed, or when it records a
high residual risk (ICO prior consultation first).

Examples
--------
>>> from datetime import date
>>> Dpia(1, "Notts Police", None, "DPIA-2026-01", date(2026, 1, 5), date(2027, 1, 5), False,
...      "coord", "2026-01-05").current(date(2026, 6, 1))
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from workbench.errors import AccessDenied, BadInput
from workbench.privacy import access
from workbench import checks

#: the longest a DPIA may go without review (ICO: review regularly; the workbench asks yearly
#: at most three years apart, so a DPIA is never older than the ISP review cycle)
MAX_REVIEW_DAYS = 3 * 366


@dataclass(frozen=True)
class Dpia:
    """One recorded DPIA.

    Examples
    --------
    >>> reg = _example_registry("dpia_class")
    >>> d = record(reg, "coord", "Notts Police", "DPIA-2026-01", "2026-01-10", "2028-01-10")
    >>> d.current(date(2026, 3, 1)), d.current(date(2028, 2, 1))     # in force until its review date
    (True, False)
    >>> reg.close()
    """

    id: int
    agency: str
    partnership: str | None
    reference: str
    completed_on: date
    review_by: date
    residual_high_risk: bool
    recorded_by: str
    recorded_at: str

    def current(self, today: date) -> bool:
        """In force on ``today``: completed, not past its review date, no high residual risk."""
        return self.completed_on <= today <= self.review_by and not self.residual_high_risk

    def to_dict(self) -> dict:
        d = asdict(self)
        d["completed_on"], d["review_by"] = self.completed_on.isoformat(), self.review_by.isoformat()
        return d


def _date(argument: str, value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"`{argument}` must be a date YYYY-MM-DD; found {value!r}.") from None


def _row(r) -> Dpia:
    return Dpia(r["id"], r["agency"], r["partnership"], r["reference"], date.fromisoformat(r["completed_on"]),
                date.fromisoformat(r["review_by"]), bool(r["residual_high_risk"]), r["recorded_by"],
                r["recorded_at"])


def record(reg, actor: str, agency: str, reference: str, completed_on, review_by, *,
           partnership: str | None = None, residual_high_risk: bool = False) -> Dpia:
    """Record a DPIA for an agency's sharing (the CSP coordinator, ``admin``; audited).

    Parameters
    ----------
    reg : the registry.
    actor : the coordinator recording it.
    agency : the supplying agency whose ISP the DPIA covers.
    reference : the DPIA's document reference (the assessment itself stays with the agency).
    completed_on, review_by : dates (``YYYY-MM-DD``); review at most three years later.
    partnership : limit to one partnership (default: every partnership the agency shares with).
    residual_high_risk : a high risk remains after the measures (UK GDPR Art 36: consult the
        ICO first); personal data is then not released.

    Examples
    --------
    >>> reg = _example_registry("dpia_record")
    >>> d = record(reg, "coord", "Notts Police", "DPIA-2026-01", "2026-01-10", "2028-01-10")
    >>> d.id, d.review_by, d.recorded_by
    (1, datetime.date(2028, 1, 10), 'coord')
    >>> record(reg, "coord", "Notts Police", "DPIA-2026-02", "2026-01-10", "2030-01-10")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `review_by` is 1461 days after completion; review a DPIA at most 1098 days (three years) apart.
    >>> reg.close()
    """
    user = reg.get_user(actor)
    access.require(reg, user, "admin")
    reg.get_agency(agency)
    if partnership is not None:
        reg.get_partnership(partnership)
    reference = checks.name("reference", reference)
    done, review = _date("completed_on", completed_on), _date("review_by", review_by)
    if review <= done:
        raise BadInput(f"`review_by` ({review}) must be after `completed_on` ({done}).")
    if (review - done).days > MAX_REVIEW_DAYS:
        raise BadInput(f"`review_by` is {(review - done).days} days after completion; review a DPIA "
                       f"at most {MAX_REVIEW_DAYS} days (three years) apart.")
    with reg.transaction():
        cur = reg.con.execute(
            "INSERT INTO dpias (agency, partnership, reference, completed_on, review_by, residual_high_risk, "
            "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (agency, partnership, reference, done.isoformat(), review.isoformat(), int(residual_high_risk),
             user.name, reg._now_text()))
        reg.audit(user.name, "dpia.record", agency,
                  {"reference": reference, "partnership": partnership, "completed_on": done.isoformat(),
                   "review_by": review.isoformat(), "residual_high_risk": bool(residual_high_risk)})
    return get(reg, cur.lastrowid)


def get(reg, dpia_id: int) -> Dpia:
    """The DPIA with id ``dpia_id``; BadInput when there is none.

    Examples
    --------
    >>> reg = _example_registry("dpia_get")
    >>> get(reg, record(reg, "coord", "Notts Police", "DPIA-2026-01", "2026-01-10", "2028-01-10").id).reference
    'DPIA-2026-01'
    >>> get(reg, 9)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: No DPIA with id 9.
    >>> reg.close()
    """
    r = reg.con.execute("SELECT * FROM dpias WHERE id = ?", (dpia_id,)).fetchone()
    if r is None:
        raise BadInput(f"No DPIA with id {dpia_id}.")
    return _row(r)


def list_dpias(reg, agency: str | None = None) -> list[Dpia]:
    """Every recorded DPIA (newest first), optionally of one agency.

    Examples
    --------
    >>> reg = _example_registry("dpia_list")
    >>> for ref, done in (("DPIA-A", "2025-06-01"), ("DPIA-B", "2026-01-10")):
    ...     _ = record(reg, "coord", "Notts Police", ref, done, "2028-01-10")
    >>> [d.reference for d in list_dpias(reg, "Notts Police")], list_dpias(reg, "City Council")
    (['DPIA-B', 'DPIA-A'], [])
    >>> reg.close()
    """
    sql, args = "SELECT * FROM dpias", ()
    if agency is not None:
        sql, args = sql + " WHERE agency = ?", (agency,)
    return [_row(r) for r in reg.con.execute(sql + " ORDER BY completed_on DESC, id DESC", args)]


def current(reg, agency: str, partnership: str | None = None) -> Dpia | None:
    """The DPIA in force today for ``agency`` (and ``partnership``, when given), or None.

    Examples
    --------
    >>> reg = _example_registry("dpia_current")
    >>> current(reg, "Notts Police") is None
    True
    >>> _ = record(reg, "coord", "Notts Police", "DPIA-2026-01", "2026-01-10", "2028-01-10")
    >>> current(reg, "Notts Police", "Rushcliffe").reference
    'DPIA-2026-01'
    >>> reg.close()
    """
    today = reg.now().date()
    for d in list_dpias(reg, agency):
        if d.partnership not in (None, partnership) and partnership is not None:
            continue
        if d.current(today):
            return d
    return None


def require(reg, agency: str, partnership: str | None, actor: str, action: str, target: str) -> Dpia:
    """The current DPIA, or AccessDenied (exit 3, audited) saying what is missing.

    Examples
    --------
    >>> reg = _example_registry("dpia_require")
    >>> require(reg, "Notts Police", "Rushcliffe", "coord", "publish", "shared")
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: Access denied: no data protection impact assessment is recorded for 'Notts Police' (UK GDPR Art 35). ...
    >>> _ = record(reg, "coord", "Notts Police", "DPIA-2026-01", "2026-01-10", "2028-01-10")
    >>> require(reg, "Notts Police", "Rushcliffe", "coord", "publish", "shared").reference
    'DPIA-2026-01'
    >>> reg.close()
    """
    found = current(reg, agency, partnership)
    if found is not None:
        return found
    today = reg.now().date()
    latest = next((d for d in list_dpias(reg, agency) if d.partnership in (None, partnership)
                   or partnership is None), None)
    if latest is None:
        why = f"no data protection impact assessment is recorded for '{agency}'"
    elif latest.residual_high_risk:
        why = (f"DPIA {latest.reference} of '{agency}' records a high residual risk: consult the ICO "
               f"before processing (UK GDPR Art 36)")
    elif latest.review_by < today:
        why = f"DPIA {latest.reference} of '{agency}' was due for review on {latest.review_by}"
    else:
        why = f"DPIA {latest.reference} of '{agency}' takes effect on {latest.completed_on}"
    reg.audit(actor, action, target, {"reason": why}, outcome="denied")
    raise AccessDenied(f"Access denied: {why} (UK GDPR Art 35). The coordinator records one with "
                       f"`workbench agencies dpia-add \"{agency}\" --reference … --completed … --review-by …`.")


def _example_registry(name: str):
    """A registry in ``./<name>/`` whose clock reads 1 March 2026, with a coordinator (``coord``)
    of Notts Police in Rushcliffe: the examples' fixture."""
    import datetime as dt

    from workbench.registry.examples import example_registry

    return example_registry(name, [("coord", "Notts Police", "admin")],
                            clock=lambda: dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc))
