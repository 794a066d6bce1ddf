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

If the hub is locked by another writer (an ingest or publish running), the transfer stays
``transfer_pending`` and is retried by the portal server every ``retry_seconds`` and by
``workbench portal retry-transfers``. Re-ingesting the same record is a no-op in the hub.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path

from workbench.portal import submissions as S
from workbench.portal import vocabulary as V

#: one transfer into the hub at a time in this process: DuckDB's file lock guards against
#: other processes only, so two threads of the portal must not write the hub at once
_HUB_WRITE = threading.Lock()

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
    """Where police import records are written: ``portal_exports/`` beside the hub."""
    return Path(hub).with_name("portal_exports")


def police_record(row: dict, source_details: str, exported_at: datetime) -> dict:
    """The import record for a police records system (one intelligence report), as a flat dict.

    ``grading`` is the 3x5x2 code written the usual way, e.g. ``"2/B/P"``.
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
    """Records as CSV text (header + one line each, RFC 4180 quoting, UTF-8)."""
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


def hub_frame(row: dict):
    """The canonical ``partner_intelligence`` row for the hub (source details left out)."""
    import pandas as pd

    return pd.DataFrame([{
        "submission_ref": row["submission_ref"], "submitted_at": row["submitted_at"],
        "partner_agency": row["partner_agency"], "submitter": row["submitter"],
        "source_type": row["source_type"], "source_details": "",
        "anonymity_requested": row["anonymity_requested"], "category": row["category"],
        "intelligence_text": row["intelligence_text"], "subjects": row["subjects"] or "",
        "location": row["location"] or "", "postcode": row["postcode"] or "",
        "source_evaluation": row["source_evaluation"], "intelligence_assessment": row["intelligence_assessment"],
        "handling_code": row["handling_code"], "status": V.STATUS_TRANSFERRED,
        "triage_notes": row["triage_notes"] or "",
    }])


def transfer_one(store, hub: Path | str, ref: str, *, audit=None) -> dict:
    """Carry out one pending transfer; returns ``{"submission_ref", "state", "supply_id", "error"}``.

    ``audit(actor, action, target, detail)`` records that the source details left the portal
    store in the police record.
    """
    row = S.get(store, ref)
    if row is None or row.get("transfer_state") not in ("pending", "done"):
        return {"submission_ref": ref, "state": "not_queued", "supply_id": None, "error": None}
    now = datetime.now().replace(microsecond=0)
    record = police_record(row, S.source_details(store, ref) or "", now)
    out = exports_dir(hub)
    _write_private(out / f"{ref}.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    _write_private(out / f"{ref}.csv", record_csv([record]))
    if audit is not None:
        audit("portal", "portal.source_details.export", ref, {"to": f"portal_exports/{ref}.json"})
    try:
        from workbench.hub.ingest import ingest_frame

        with _HUB_WRITE:
            result = ingest_frame(hub, DATASET, hub_frame(row), source_name=f"portal-{ref}",
                                  agency=row["partner_agency"], user=row["graded_by"], quiet=True)
    except Exception as exc:  # hub locked (ResourceLocked) or any other failure: keep it pending
        with store.transaction() as cur:
            cur.execute("UPDATE portal.transfers SET attempts = attempts + 1, last_error = ?, record_json = ? "
                        "WHERE submission_ref = ?", [str(exc)[:500], json.dumps(record), ref])
        return {"submission_ref": ref, "state": "pending", "supply_id": None, "error": str(exc)}
    with store.transaction() as cur:
        cur.execute("UPDATE portal.transfers SET state = 'done', attempts = attempts + 1, last_error = NULL, "
                    "supply_id = coalesce(?, supply_id), record_json = ?, done_at = ? WHERE submission_ref = ?",
                    [result.supply_id, json.dumps(record), now, ref])
        cur.execute("UPDATE portal.submissions SET status = ?, updated_at = ? WHERE submission_ref = ?",
                    [V.STATUS_TRANSFERRED, now, ref])
    return {"submission_ref": ref, "state": "done", "supply_id": result.supply_id, "error": None}


def pending(store) -> list[str]:
    """References whose transfer has not yet completed, oldest first."""
    return [r["submission_ref"] for r in store.rows(
        "SELECT submission_ref FROM portal.transfers WHERE state = 'pending' ORDER BY queued_at, submission_ref")]


def retry_pending(store, hub: Path | str, *, audit=None) -> list[dict]:
    """Try every pending transfer once (stops early while the hub stays locked)."""
    results = []
    for ref in pending(store):
        res = transfer_one(store, hub, ref, audit=audit)
        results.append(res)
        if res["state"] == "pending":
            break
    return results


def export_all(store, out_dir: Path | str) -> dict:
    """Write every completed transfer's import record to ``out_dir`` as one CSV and one JSON file."""
    records = [json.loads(r["record_json"]) for r in store.rows(
        "SELECT record_json FROM portal.transfers WHERE state = 'done' AND record_json IS NOT NULL "
        "ORDER BY done_at, submission_ref")]
    out = Path(out_dir)
    _write_private(out / "police_import.json", json.dumps(
        {"format": FORMAT, "records": records}, indent=2, ensure_ascii=False) + "\n")
    _write_private(out / "police_import.csv", record_csv(records))
    return {"records": len(records), "json": str(out / "police_import.json"),
            "csv": str(out / "police_import.csv")}
