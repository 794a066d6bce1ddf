"""Submissions: create with an unguessable reference, read, list, triage queue, grade and decide.

Reference 001 ("What happens after I submit?"): a submission is triaged and, if proportionate,
transferred to police systems; the 3x5x2 grading records how reliable the source is, how the
source knows, and on what terms it may be shared. These functions only store and fetch;
who may call them is decided in :mod:`workbench.portal.access`.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from workbench.errors import BadInput
from workbench.portal import vocabulary as V
from workbench.portal.validate import Grading, Submission

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"   # Crockford base32: no I, L, O, U


def new_ref() -> str:
    """A fresh reference ``PIP-XXXX-XXXX-XXXX`` (60 random bits; checked for uniqueness on insert).

    Unguessable references are defence in depth only: every read is still authorised.

    Examples
    --------
    >>> import re
    >>> ref = new_ref()
    >>> bool(re.fullmatch(r"PIP-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", ref)), ref != new_ref()
    (True, True)
    """
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"PIP-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def _writer(sub: Submission, submitter: str, agency: str, channel: str):
    from workbench.portal.store import RowJob

    now = datetime.now().replace(microsecond=0)

    def make_rows():
        # a fresh reference on every attempt: if one ever collides, the primary key refuses the
        # batch and the store retries each write alone, drawing a new reference
        ref = new_ref()
        return ref, {
            "portal.submissions": [(ref, now, agency, submitter, channel, sub.category, sub.intelligence_text,
                                    sub.location, sub.postcode, sub.occurred_at, sub.source_type,
                                    sub.anonymity_requested, sub.subjects, V.STATUS_RECEIVED, now)],
            "portal.source_details": [(ref, sub.source_details)],
        }

    return RowJob(make_rows)


def create(store, sub: Submission, *, submitter: str, agency: str, channel: str) -> str:
    """Store a checked submission and return its reference once it is committed.

    Examples
    --------
    >>> store, sub = _example_store("create")
    >>> ref = create(store, sub, submitter="jo.bloggs", agency="Bluecoat Academy", channel="web")
    >>> get(store, ref)["status"], source_details(store, ref)
    ('received', 'told by a pupil')
    >>> store.close()
    """
    return store.submit(_writer(sub, submitter, agency, channel))


async def create_async(store, sub: Submission, *, submitter: str, agency: str, channel: str) -> str:
    """:func:`create` for request handlers: no worker thread waits for the group commit.

    Examples
    --------
    >>> import asyncio
    >>> store, sub = _example_store("create_async")
    >>> ref = asyncio.run(create_async(store, sub, submitter="jo.bloggs", agency="Bluecoat Academy", channel="api"))
    >>> get(store, ref)["channel"]
    'api'
    >>> store.close()
    """
    return await store.submit_async(_writer(sub, submitter, agency, channel))


#: the columns of a submission that may be shown to a reviewer (never source details)
COLUMNS = ("submission_ref", "submitted_at", "partner_agency", "submitter", "channel", "category",
           "intelligence_text", "location", "postcode", "occurred_at", "source_type",
           "anonymity_requested", "subjects", "status", "updated_at")


def get(store, ref: str) -> dict | None:
    """The submission ``ref`` with its grading (None when ungraded), or None when absent.

    Examples
    --------
    >>> store, sub = _example_store("get")
    >>> ref = create(store, sub, submitter="jo.bloggs", agency="Bluecoat Academy", channel="web")
    >>> row = get(store, ref)
    >>> row["partner_agency"], row["category"], row["source_evaluation"], get(store, "PIP-0000-0000-0000")
    ('Bluecoat Academy', 'knife_crime', None, None)
    >>> store.close()
    """
    rows = store.rows(
        f"SELECT {', '.join('s.' + c for c in COLUMNS)}, g.source_evaluation, g.intelligence_assessment, "
        "g.handling_code, g.handling_conditions, g.decision, g.referred_to, g.triage_notes, g.graded_by, "
        "g.graded_at, t.state AS transfer_state, t.attempts AS transfer_attempts, "
        "t.last_error AS transfer_error, t.supply_id AS transfer_supply_id "
        "FROM portal.submissions s LEFT JOIN portal.gradings g USING (submission_ref) "
        "LEFT JOIN portal.transfers t USING (submission_ref) WHERE s.submission_ref = ?", [ref])
    return rows[0] if rows else None


def grading_of(row: dict) -> dict | None:
    """The grading part of a row from :func:`get` (None when not graded).

    Examples
    --------
    >>> grading_of({"source_evaluation": None}) is None
    True
    >>> grading_of({"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P",
    ...             "handling_conditions": "", "decision": "transfer", "referred_to": "", "triage_notes": "",
    ...             "graded_by": "rev", "graded_at": None})["decision"]
    'transfer'
    """
    if not row.get("source_evaluation"):
        return None
    return {k: row[k] for k in ("source_evaluation", "intelligence_assessment", "handling_code",
                                "handling_conditions", "decision", "referred_to", "triage_notes",
                                "graded_by", "graded_at")}


def list_for_agency(store, agency: str) -> list[dict]:
    """An agency's submissions, newest first: reference, date, category and internal status.

    Examples
    --------
    >>> store, sub = _example_store("list_for_agency")
    >>> ref = create(store, sub, submitter="jo.bloggs", agency="Bluecoat Academy", channel="web")
    >>> [r["submission_ref"] == ref for r in list_for_agency(store, "Bluecoat Academy")], list_for_agency(store, "Other")
    ([True], [])
    >>> store.close()
    """
    return store.rows(
        "SELECT submission_ref, submitted_at, category, status, submitter FROM portal.submissions "
        "WHERE partner_agency = ? ORDER BY submitted_at DESC, submission_ref", [agency])


def triage_queue(store) -> list[dict]:
    """Submissions awaiting a reviewer: high-risk categories first, then oldest first.

    Examples
    --------
    >>> from workbench.portal.validate import submission
    >>> store, sub = _example_store("triage_queue")
    >>> low = create(store, submission({"category": "other", "intelligence_text": "Graffiti on the bus shelter",
    ...                                 "source_type": "staff_direct"}), submitter="jo", agency="A", channel="web")
    >>> high = create(store, sub, submitter="jo", agency="A", channel="web")       # knife crime: first
    >>> [r["submission_ref"] for r in triage_queue(store)] == [high, low]
    True
    >>> store.close()
    """
    prio = ", ".join(f"'{c}'" for c in V.PRIORITY_CATEGORIES)
    return store.rows(
        "SELECT submission_ref, submitted_at, partner_agency, category, anonymity_requested, "
        f"category IN ({prio}) AS priority FROM portal.submissions WHERE status = ? "
        f"ORDER BY category IN ({prio}) DESC, submitted_at, submission_ref", [V.STATUS_RECEIVED])


def recent_decisions(store, limit: int = 50) -> list[dict]:
    """The latest assessed submissions with their decision and transfer state.

    Examples
    --------
    >>> store, sub = _example_store("recent_decisions")
    >>> ref = create(store, sub, submitter="jo.bloggs", agency="Bluecoat Academy", channel="web")
    >>> _ = grade(store, ref, _example_grading(), reviewer="rev")
    >>> [(r["decision"], r["transfer_state"]) for r in recent_decisions(store)]
    [('transfer', 'pending')]
    >>> store.close()
    """
    return store.rows(
        "SELECT s.submission_ref, s.partner_agency, s.category, s.status, g.decision, g.graded_by, "
        "g.graded_at, t.state AS transfer_state FROM portal.submissions s JOIN portal.gradings g "
        "USING (submission_ref) LEFT JOIN portal.transfers t USING (submission_ref) "
        "ORDER BY g.graded_at DESC LIMIT ?", [limit])


def source_details(store, ref: str) -> str | None:
    """The source details of ``ref`` (call only through :func:`workbench.portal.access.reveal_source`).

    Examples
    --------
    >>> store, sub = _example_store("source_details")
    >>> source_details(store, create(store, sub, submitter="jo", agency="A", channel="web"))
    'told by a pupil'
    >>> store.close()
    """
    rows = store.rows("SELECT details FROM portal.source_details WHERE submission_ref = ?", [ref])
    return rows[0]["details"] if rows else None


def grade(store, ref: str, g: Grading, *, reviewer: str) -> str:
    """Record the 3x5x2 grading and decision for a received submission; returns the new status.

    A transfer decision also queues the transfer (state ``pending``) in the same transaction,
    so the decision and the obligation to transfer cannot be separated.

    Examples
    --------
    >>> store, sub = _example_store("grade")
    >>> ref = create(store, sub, submitter="jo.bloggs", agency="Bluecoat Academy", channel="web")
    >>> grade(store, ref, _example_grading(), reviewer="rev")                    # and a transfer is queued
    'transfer_pending'
    >>> grade(store, ref, _example_grading(), reviewer="rev")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: Submission '...' has already been assessed (status transfer_pending).
    >>> store.close()
    """
    now = datetime.now().replace(microsecond=0)
    status = V.DECISION_STATUS[g.decision]
    with store.transaction() as cur:
        row = cur.execute("SELECT status FROM portal.submissions WHERE submission_ref = ?", [ref]).fetchone()
        if row is None:
            raise BadInput(f"No submission '{ref}'.")
        if row[0] != V.STATUS_RECEIVED:
            raise BadInput(f"Submission '{ref}' has already been assessed (status {row[0]}).")
        cur.execute("INSERT INTO portal.gradings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [ref, g.source_evaluation, g.intelligence_assessment, g.handling_code,
                     g.handling_conditions, g.decision, g.referred_to, g.triage_notes, reviewer, now])
        cur.execute("UPDATE portal.submissions SET status = ?, updated_at = ? WHERE submission_ref = ?",
                    [status, now, ref])
        if g.decision == "transfer":
            cur.execute("INSERT INTO portal.transfers (submission_ref, state, attempts, queued_at) "
                        "VALUES (?, 'pending', 0, ?)", [ref, now])
    return status


def _example_store(name: str):
    """A portal store beside ``./<name>/hub.duckdb`` and a checked knife-crime submission:
    the examples' fixture."""
    from workbench.portal.store import PortalStore
    from workbench.portal.validate import submission

    sub = submission({"category": "knife_crime", "intelligence_text": "Seen carrying a knife near the park",
                      "source_type": "staff_direct", "source_details": "told by a pupil"})
    return PortalStore(f"{name}/hub.duckdb"), sub


def _example_grading() -> Grading:
    """A 2/B/P grading with the decision to transfer: the examples' grading."""
    from workbench.portal.validate import grading

    return grading({"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P",
                    "decision": "transfer"})
