"""Helpers for hub tests: canonical supply files and a logical fingerprint of a hub."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from workbench import catalogue

OFFENCE_COLS = catalogue.get("police_crime_offence").canonical_columns


def offence_row(ref: str, **over) -> dict:
    row = {c: "" for c in OFFENCE_COLS}
    row.update(crime_ref=ref, offence_code="105A", offence_type="Assault without injury",
               committed_from_date="2024-01-05", committed_from_time="22:30",
               committed_to_date="2024-01-05", committed_to_time="23:00",
               location="Market Square", postcode="NG1 2DT", easting="457300", northing="340000",
               flag_alcohol="Y", flag_domestic="N")
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict], columns=None, *, newline="\n", encoding="utf-8") -> Path:
    columns = columns or list(rows[0])
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.DictWriter(fh, columns, lineterminator=newline)
        w.writeheader()
        w.writerows(rows)
    return path


def fingerprint(hub: Path) -> tuple:
    """The hub's logical state: supplies, row counts of every archive table, and file bytes."""
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        sup = con.execute("SELECT supply_id, dataset, rows, sha256 FROM supplies ORDER BY 1").fetchall()
        counts = tuple(con.execute(f"SELECT count(*) FROM archive.{d}").fetchone()[0]
                       for d in catalogue.ids())
    finally:
        con.close()
    return tuple(sup), counts, hashlib.sha256(hub.read_bytes()).hexdigest()
