"""Transfer of a graded submission: into the hub as ``partner_intelligence`` and out as a police record.

Reference 001: once triaged, intelligence "if proportionate to record will be transferred to the
police's system"; reference 000: Nottinghamshire's portal auto-populates the force's records
system (Niche). A reviewer's *transfer* decision therefore does two things, retried until both
have happened and never lost:

1. writes the police-records import record (format ``pip-police-import/1``, documented in
   ``docs/portal.md``) as ``<ref>.json`` and ``<ref>.csv`` in ``portal_exports/`` beside the hub
   (files mode 0600, written atomically), and keeps the JSON in the portal store;
2. ingests the graded record into the hub as dataset ``partner_intelligence`` (personal tier,
   class SP) with :func:`workbench.hub.ingest.ingest_frame`. The source details are **not** copied
   into the hub (the column stays empty): they stay in the portal store and the police record,
   seen only by vetted reviewers (reference 001).

**The internet-facing portal never opens the master hub or its key** (security review, issue
11). The decision is recorded in the portal store (``portal.transfers``, state ``pending``) and
the portal copies the transfer into the *outbox*, ``portal_outbox.duckdb`` beside the hub
(encrypted with the portal's key, ``WORKBENCH_PORTAL_KEY`` or ``portal_outbox.duckdb.key``;
the portal store itself stays owned by the portal process). A process that does not face the
internet drains the outbox (:func:`drain`): ``workbench portal transfer`` (once, or
``--watch SECONDS``), started as a worker by ``workbench serve all``. The portal's background
thread (:func:`sync`) then marks the submission transferred and clears the outbox entry.

Each side opens the outbox only for a moment and waits for the other while it is busy. If the
hub is locked by another writer (an ingest or publish running), the entry stays queued with
its error and is tried again on the next drain. Re-ingesting the same record is a no-op in the hub.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from workbench.portal import submissions as S
from workbench.portal import vocabulary as V

#: one transfer into the hub at a time in this process: DuckDB's file lock guards against
#: other processes only, so two threads must not write the hub at once
_HUB_WRITE = threading.Lock()
#: one open of the outbox at a time in this process (DuckDB refuses a second in-process open)
_OUTBOX = threading.RLock()

FORMAT = "pip-police-import/1"
DATASET = "partner_intelligence"

#: the flat CSV columns of the police-records import record, in order
CSV_FIELDS = (
    "format", "record_type", "submission_ref", "submitted_at", "partner_agency", "submitter",
    "category", "category_label", "intelligence_text", "location", "postcode", "occurred_at",
    "subjects", "source_type", "source_details", "anonymity_requested", "source_evaluation",
    "intelligence_assessment", "handling_code", "handling_conditions", "grading", "triage_notes",
    "reviewed_by", "reviewed_at", "exported_at",
)


def exports_dir(hub: Path | str) -> Path:
    """Where police import records are written: ``portal_exports/`` beside the hub.

    Examples
    --------
    >>> exports_dir("data/restricted/hub.duckdb").as_posix()
    'data/restricted/portal_exports'
    """
    return Path(hub).with_name("portal_exports")


def police_record(row: dict, source_details: str, exported_at: datetime) -> dict:
    """The import record for a police records system (one intelligence report), as a flat dict.

    ``grading`` is the 3x5x2 code written the usual way, e.g. ``"2/B/P"``.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("police_record")       # a submission graded 2/B/P: transfer
    >>> from datetime import datetime
    >>> from workbench.portal import submissions as S
    >>> rec = police_record(S.get(store, ref), "told by a pupil", datetime(2026, 12, 6, 9, 0))
    >>> {k: rec[k] for k in ("format", "grading", "category_label", "source_details", "exported_at")}
    {'format': 'pip-police-import/1', 'grading': '2/B/P', 'category_label': 'Knife crime', 'source_details': 'told by a pupil', 'exported_at': '2026-12-06 09:00:00'}
    """
    def iso(v):
        return v.isoformat(sep=" ") if hasattr(v, "isoformat") else (v or "")

    return {
        "format": FORMAT, "record_type": "intelligence_report",
        "submission_ref": row["submission_ref"], "submitted_at": iso(row["submitted_at"]),
        "partner_agency": row["partner_agency"], "submitter": row["submitter"],
        "category": row["category"], "category_label": V.CATEGORIES.get(row["category"], row["category"]),
        "intelligence_text": row["intelligence_text"], "location": row["location"] or "",
        "postcode": row["postcode"] or "", "occurred_at": row["occurred_at"] or "",
        "subjects": row["subjects"] or "", "source_type": row["source_type"],
        "source_details": source_details or "", "anonymity_requested": row["anonymity_requested"],
        "source_evaluation": row["source_evaluation"], "intelligence_assessment": row["intelligence_assessment"],
        "handling_code": row["handling_code"], "handling_conditions": row["handling_conditions"] or "",
        "grading": f"{row['source_evaluation']}/{row['intelligence_assessment']}/{row['handling_code']}",
        "triage_notes": row["triage_notes"] or "", "reviewed_by": row["graded_by"],
        "reviewed_at": iso(row["graded_at"]), "exported_at": iso(exported_at),
    }


def record_csv(records: list[dict]) -> str:
    """Records as CSV text (header + one line each, RFC 4180 quoting, UTF-8).

    Examples
    --------
    >>> text = record_csv([{"format": FORMAT, "submission_ref": "PIP-1", "intelligence_text": 'said "now", then left'}])
    >>> text.splitlines()[0].split(",")[:3]
    ['format', 'record_type', 'submission_ref']
    >>> 'PIP-1' in text.splitlines()[1], '"said ""now"", then left"' in text    # RFC 4180 quoting
    (True, True)
    """
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    w.writeheader()
    for r in records:
        w.writerow({k: r.get(k, "") for k in CSV_FIELDS})
    return buf.getvalue()


def _write_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def hub_row(row: dict) -> dict:
    """The canonical ``partner_intelligence`` row for the hub (source details left out), as JSON-able values.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("hub_row")       # a submission graded 2/B/P: transfer
    >>> from workbench.portal import submissions as S
    >>> row = hub_row(S.get(store, ref))
    >>> row["source_details"], row["status"], row["category"]   # the source stays out of the hub
    ('', 'transferred', 'knife_crime')
    """
    submitted = row["submitted_at"]
    return {
        "submission_ref": row["submission_ref"],
        "submitted_at": submitted.isoformat(sep=" ") if hasattr(submitted, "isoformat") else submitted,
        "partner_agency": row["partner_agency"], "submitter": row["submitter"],
        "source_type": row["source_type"], "source_details": "",
        "anonymity_requested": row["anonymity_requested"], "category": row["category"],
        "intelligence_text": row["intelligence_text"], "subjects": row["subjects"] or "",
        "location": row["location"] or "", "postcode": row["postcode"] or "",
        "source_evaluation": row["source_evaluation"], "intelligence_assessment": row["intelligence_assessment"],
        "handling_code": row["handling_code"], "status": V.STATUS_TRANSFERRED,
        "triage_notes": row["triage_notes"] or "",
    }


def hub_frame(row: dict):
    """The row of :func:`hub_row` as a one-row DataFrame for :func:`~workbench.hub.ingest.ingest_frame`.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("hub_frame")       # a submission graded 2/B/P: transfer
    >>> from workbench.portal import submissions as S
    >>> frame = hub_frame(hub_row(S.get(store, ref)))
    >>> frame.shape, str(frame["submitted_at"].dtype).startswith("datetime64")
    ((1, 17), True)
    """
    import pandas as pd

    values = dict(row)
    if isinstance(values["submitted_at"], str):
        values["submitted_at"] = datetime.fromisoformat(values["submitted_at"])
    return pd.DataFrame([values])


# ---------------------------------------------------------------------------------- the outbox
OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox.queue (
    submission_ref VARCHAR PRIMARY KEY, record_json VARCHAR NOT NULL, hub_row_json VARCHAR NOT NULL,
    agency VARCHAR NOT NULL, reviewer VARCHAR NOT NULL, state VARCHAR NOT NULL, attempts INTEGER NOT NULL,
    last_error VARCHAR, supply_id BIGINT, queued_at TIMESTAMP NOT NULL, done_at TIMESTAMP);
"""


def outbox_path(hub: Path | str) -> Path:
    """The transfer outbox that belongs to a hub: ``portal_outbox.duckdb`` beside it.

    Examples
    --------
    >>> outbox_path("data/restricted/hub.duckdb").as_posix()
    'data/restricted/portal_outbox.duckdb'
    """
    return Path(hub).with_name("portal_outbox.duckdb")


def _open_outbox(path: Path):
    from workbench.errors import ResourceLocked
    from workbench.hub.connect import create_key, new_connection
    from workbench.sql import quote_literal

    key = create_key(path)
    con = new_connection()
    old = os.umask(0o077)            # the outbox and its WAL are private (0600)
    try:
        con.execute(f"ATTACH {quote_literal(str(path))} AS outbox (ENCRYPTION_KEY {quote_literal(key)})")
    except duckdb.Error as exc:
        con.close()
        msg = str(exc).replace(key, "***")
        if "Wrong encryption key" in msg:
            raise ResourceLocked(f"Wrong key for the transfer outbox '{path}': check WORKBENCH_PORTAL_KEY "
                                 f"or '{path}.key'.") from None
        if "lock" in msg.lower():
            raise ResourceLocked(f"The transfer outbox '{path}' is in use by another process.") from None
        raise ResourceLocked(f"Cannot open the transfer outbox '{path}' ({msg.splitlines()[0][:200]}).") from None
    finally:
        os.umask(old)
    con.execute(OUTBOX_SCHEMA)
    return con


@contextmanager
def outbox(hub: Path | str, *, wait_seconds: float = 30.0):
    """The outbox open inside one transaction; waits while another process holds it.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("outbox")       # a submission graded 2/B/P: transfer
    >>> _ = sync(store, hub)
    >>> with outbox(hub) as con:
    ...     con.execute("SELECT state, attempts FROM outbox.queue").fetchall()
    [('queued', 0)]
    """
    from workbench.errors import ResourceLocked

    path = outbox_path(hub).resolve()
    with _OUTBOX:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                con = _open_outbox(path)
                break
            except ResourceLocked as exc:
                if "another process" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02 + random.random() * 0.08)
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()


def _enqueue(con, store, ref: str, now: datetime) -> bool:
    row = S.get(store, ref)
    if row is None or row.get("transfer_state") != "pending":
        return False
    record = police_record(row, S.source_details(store, ref) or "", now)
    con.execute("INSERT INTO outbox.queue VALUES (?, ?, ?, ?, ?, 'queued', 0, NULL, NULL, ?, NULL) "
                "ON CONFLICT (submission_ref) DO NOTHING",
                [ref, json.dumps(record), json.dumps(hub_row(row)), row["partner_agency"], row["graded_by"], now])
    return True


def sync(store, hub: Path | str, refs: list[str] | None = None) -> dict:
    """The portal's side of the outbox (never touches the hub or its key).

    Copies every pending transfer of the portal store (or only ``refs``) into the outbox, and
    takes back what a drain has done: done entries mark the submission transferred (and leave
    the outbox); failed attempts copy their error into the store. Returns counts.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("sync")       # a submission graded 2/B/P: transfer
    >>> sync(store, hub)                                   # the portal queues; it never opens the hub
    {'queued': 1, 'done': 0}
    >>> _ = drain(hub)                                     # the worker (holds the hub key)
    >>> sync(store, hub)                                   # the portal takes back what was done
    {'queued': 0, 'done': 1}
    """
    todo = pending(store) if refs is None else [r for r in refs if r in set(pending(store))]
    if not todo:
        return {"queued": 0, "done": 0}
    now = datetime.now().replace(microsecond=0)
    done = 0
    with outbox(hub) as con:
        for ref in todo:
            _enqueue(con, store, ref, now)
        marks = ", ".join("?" * len(todo))
        rows = con.execute(f"SELECT submission_ref, state, attempts, last_error, supply_id, record_json, done_at "
                           f"FROM outbox.queue WHERE submission_ref IN ({marks})", todo).fetchall()
        with store.transaction() as cur:
            for ref, state, attempts, error, supply_id, record_json, done_at in rows:
                if state == "done":
                    cur.execute("UPDATE portal.transfers SET state = 'done', attempts = ?, last_error = NULL, "
                                "supply_id = ?, record_json = ?, done_at = ? WHERE submission_ref = ?",
                                [attempts, supply_id, record_json, done_at, ref])
                    cur.execute("UPDATE portal.submissions SET status = ?, updated_at = ? WHERE submission_ref = ?",
                                [V.STATUS_TRANSFERRED, done_at, ref])
                    done += 1
                else:
                    cur.execute("UPDATE portal.transfers SET attempts = ?, last_error = ? WHERE submission_ref = ?",
                                [attempts, error, ref])
        if done:
            con.execute(f"DELETE FROM outbox.queue WHERE state = 'done' AND submission_ref IN ({marks})", todo)
    return {"queued": len(todo) - done, "done": done}


def drain(hub: Path | str, *, audit=None, refs: list[str] | None = None) -> list[dict]:
    """The worker's side: carry out every queued transfer of the outbox (or only ``refs``).

    Runs in a process that does **not** face the internet (``workbench portal transfer``, the
    worker of ``workbench serve all``): it writes the police record and ingests into the hub,
    which needs the hub's key. Stops at the first failure (the hub is usually locked by
    another writer then); the entry keeps its error and is tried again next time.
    ``audit(actor, action, target, detail)`` records that the source details left in the police record.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("drain")       # a submission graded 2/B/P: transfer
    >>> _ = sync(store, hub)
    >>> [(r["state"], r["supply_id"], r["error"]) for r in drain(hub)]
    [('done', 1, None)]
    >>> sorted(p.suffix for p in exports_dir(hub).iterdir())   # the police record, JSON and CSV
    ['.csv', '.json']
    """
    with outbox(hub) as con:
        rows = con.execute("SELECT submission_ref, record_json, hub_row_json, agency, reviewer FROM outbox.queue "
                           "WHERE state = 'queued' ORDER BY queued_at, submission_ref").fetchall()
    results = []
    for ref, record_json, hub_row_json, agency, reviewer in rows:
        if refs is not None and ref not in refs:
            continue
        res = _carry_out(hub, ref, json.loads(record_json), json.loads(hub_row_json), agency, reviewer, audit)
        results.append(res)
        if res["state"] != "done":
            break
    return results


def _carry_out(hub, ref, record, row, agency, reviewer, audit) -> dict:
    now = datetime.now().replace(microsecond=0)
    record["exported_at"] = now.isoformat(sep=" ")
    out = exports_dir(hub)
    _write_private(out / f"{ref}.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    _write_private(out / f"{ref}.csv", record_csv([record]))
    if audit is not None:
        audit("portal-transfer", "portal.source_details.export", ref, {"to": f"portal_exports/{ref}.json"})
    try:
        from workbench.hub.ingest import ingest_frame

        with _HUB_WRITE:
            result = ingest_frame(hub, DATASET, hub_frame(row), source_name=f"portal-{ref}",
                                  agency=agency, user=reviewer, quiet=True)
    except Exception as exc:  # hub locked (ResourceLocked) or any other failure: keep it queued
        with outbox(hub) as con:
            con.execute("UPDATE outbox.queue SET attempts = attempts + 1, last_error = ? WHERE submission_ref = ?",
                        [str(exc)[:500], ref])
        return {"submission_ref": ref, "state": "pending", "supply_id": None, "error": str(exc)}
    with outbox(hub) as con:
        con.execute("UPDATE outbox.queue SET state = 'done', attempts = attempts + 1, last_error = NULL, "
                    "supply_id = ?, record_json = ?, done_at = ? WHERE submission_ref = ?",
                    [result.supply_id, json.dumps(record), now, ref])
    return {"submission_ref": ref, "state": "done", "supply_id": result.supply_id, "error": None}


def queued(hub: Path | str) -> list[str]:
    """References waiting in the outbox for a drain.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("queued")       # a submission graded 2/B/P: transfer
    >>> queued(hub)                                        # nothing in the outbox yet
    []
    >>> _ = sync(store, hub)
    >>> queued(hub) == [ref]
    True
    """
    if not outbox_path(hub).exists():
        return []
    with outbox(hub) as con:
        return [r[0] for r in con.execute(
            "SELECT submission_ref FROM outbox.queue WHERE state = 'queued' ORDER BY queued_at, submission_ref"
        ).fetchall()]


def transfer_one(store, hub: Path | str, ref: str, *, audit=None) -> dict:
    """Queue, carry out and record one transfer (for a process that holds both the store and the hub key).

    Returns ``{"submission_ref", "state", "supply_id", "error"}``. The portal server does not
    call this (it never holds the hub key): it queues with :func:`sync`.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("transfer_one")       # a submission graded 2/B/P: transfer
    >>> transfer_one(store, hub, ref)  # doctest: +ELLIPSIS
    {'submission_ref': 'PIP-...', 'state': 'done', 'supply_id': 1, 'error': None}
    >>> transfer_one(store, hub, "PIP-NOT-GRADED")["state"]
    'not_queued'
    """
    row = S.get(store, ref)
    if row is None or row.get("transfer_state") not in ("pending", "done"):
        return {"submission_ref": ref, "state": "not_queued", "supply_id": None, "error": None}
    if row["transfer_state"] == "done":
        return {"submission_ref": ref, "state": "done", "supply_id": row["transfer_supply_id"], "error": None}
    sync(store, hub, [ref])
    results = drain(hub, audit=audit, refs=[ref])
    sync(store, hub, [ref])
    row = S.get(store, ref)
    if row["transfer_state"] == "done":
        return {"submission_ref": ref, "state": "done", "supply_id": row["transfer_supply_id"], "error": None}
    error = results[0]["error"] if results else row.get("transfer_error")
    return {"submission_ref": ref, "state": "pending", "supply_id": None, "error": error}


def pending(store) -> list[str]:
    """References whose transfer has not yet completed, oldest first.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("pending")       # a submission graded 2/B/P: transfer
    >>> pending(store) == [ref]
    True
    >>> _ = retry_pending(store, hub)
    >>> pending(store)
    []
    """
    return [r["submission_ref"] for r in store.rows(
        "SELECT submission_ref FROM portal.transfers WHERE state = 'pending' ORDER BY queued_at, submission_ref")]


def retry_pending(store, hub: Path | str, *, audit=None) -> list[dict]:
    """Queue every pending transfer, drain the outbox once and record the outcome (stops early
    while the hub stays locked).

    Examples
    --------
    >>> store, hub, ref = _example_transfer("retry_pending")       # a submission graded 2/B/P: transfer
    >>> [r["state"] for r in retry_pending(store, hub)]
    ['done']
    >>> from workbench.portal import submissions as S
    >>> S.get(store, ref)["status"]
    'transferred'
    """
    sync(store, hub)
    results = drain(hub, audit=audit)
    sync(store, hub)
    return results


def export_all(store, out_dir: Path | str) -> dict:
    """Write every completed transfer's import record to ``out_dir`` as one CSV and one JSON file.

    Examples
    --------
    >>> store, hub, ref = _example_transfer("export_all")       # a submission graded 2/B/P: transfer
    >>> _ = retry_pending(store, hub)
    >>> export_all(store, "export_all/out")
    {'records': 1, 'json': 'export_all/out/police_import.json', 'csv': 'export_all/out/police_import.csv'}
    """
    records = [json.loads(r["record_json"]) for r in store.rows(
        "SELECT record_json FROM portal.transfers WHERE state = 'done' AND record_json IS NOT NULL "
        "ORDER BY done_at, submission_ref")]
    out = Path(out_dir)
    _write_private(out / "police_import.json", json.dumps(
        {"format": FORMAT, "records": records}, indent=2, ensure_ascii=False) + "\n")
    _write_private(out / "police_import.csv", record_csv(records))
    return {"records": len(records), "json": str(out / "police_import.json"),
            "csv": str(out / "police_import.csv")}


def _example_transfer(name: str):
    """A hub with its schema in ``./<name>/``, its portal store and one Bluecoat Academy
    submission graded 2/B/P with the decision to transfer: the examples' fixture. Returns
    ``(store, hub, ref)``."""
    from workbench.hub.schema import init_hub
    from workbench.portal.access import _example_portal, _example_submission
    from workbench.portal.submissions import _example_grading

    store, _, _ = _example_portal(name)
    hub = init_hub(f"{name}/hub.duckdb")
    ref = _example_submission(store)
    S.grade(store, ref, _example_grading(), reviewer="rev")
    return store, hub, ref
