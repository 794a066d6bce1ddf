"""The shared tier's ``supplies`` table: each supply's provenance and caveats (guidance 3.4).

Guidance 3.4: the caveats and conditions of use of a supply must travel with the data. The
master hub's supply log names the member of staff who supplied it and holds the quality
warnings with example values from the records; the shared tier gets a sanitised copy, for
the supplies of the datasets it publishes (a personal dataset's supplies appear under its
own id, beside its ``<id>_counts`` table):

* kept: ``supply_id, dataset, agency, partnership, rows, rows_superseded, supplied_at,
  period_start, period_end, metadata_missing``;
* ``warnings``: per warning only its ``code`` and ``count`` (no descriptions, no example
  lines or values);
* of the 3.4 metadata only :data:`SHARED_METADATA` (file format, date supplied, fields,
  field notes, caveats, coding systems, geocoding method), as columns of those names and as
  a ``metadata`` JSON object (the shape :func:`workbench.hub.quality.quality_report` reads);
* left out: ``supplier_name``, ``supplier_contact``, ``supplied_by`` (staff personal data),
  the file names and checksums, the adapter and partition values;
* withheld (NULL) for a personal dataset published only as counts: ``rows``,
  ``rows_superseded`` and each warning's ``count``. A supply's row count is the total of its
  cells in ``<id>_counts``, and a warning's count (say, of records with an uncoded status)
  can equal a cell; published beside them they would let a suppressed cell be recovered
  (guidance 2.4.1.2; the count tables are safe only because they carry no totals).
"""

from __future__ import annotations

import json

import pandas as pd

#: the guidance 3.4 metadata fields that reach the shared tier
SHARED_METADATA = ("file_format", "date_supplied", "fields", "field_notes", "caveats",
                   "coding_systems", "geocoding_method")
#: the keys of one published warning
WARNING_KEYS = ("code", "count")
COLUMNS = ("supply_id", "dataset", "agency", "partnership", "rows", "rows_superseded", "supplied_at",
           "period_start", "period_end", "metadata_missing", "warnings", *SHARED_METADATA, "metadata")


def _json(text) -> object:
    if text is None:
        return None
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None


def _text(value) -> str | None:
    if value is None or value == "" or value == []:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def sanitise_warnings(warnings, *, with_counts: bool = True) -> list[dict]:
    """Each warning reduced to its code and count (no description, no example lines);
    ``with_counts=False`` withholds the counts too (personal datasets).

    Examples
    --------
    >>> w = [{"code": "missing_location", "count": 3, "description": "no location", "example_lines": [4]}]
    >>> sanitise_warnings(w), sanitise_warnings(w, with_counts=False)
    ([{'code': 'missing_location', 'count': 3}], [{'code': 'missing_location', 'count': None}])
    """
    out = []
    for w in warnings if isinstance(warnings, list) else []:
        if isinstance(w, dict) and w.get("code"):
            count = w.get("count") if with_counts else None
            out.append({"code": str(w["code"]),
                        "count": int(count) if isinstance(count, (int, float)) else None})
    return out


def sanitise_metadata(meta) -> dict:
    """Only the :data:`SHARED_METADATA` fields of a supply's 3.4 metadata, empty ones left out.

    Examples
    --------
    >>> sanitise_metadata({"agency": "Notts Police", "supplier_contact": "jo@police.test", "caveats": "ASB excluded",
    ...                    "fields": []})
    {'caveats': 'ASB excluded'}
    """
    meta = meta if isinstance(meta, dict) else {}
    return {k: meta[k] for k in SHARED_METADATA if meta.get(k) not in (None, "", [])}


def supplies_frame(con, datasets, catalog: str = "hub", *, counts_only=()) -> pd.DataFrame:
    """The sanitised supply log of ``datasets`` from ``{catalog}.main.supplies``.

    ``counts_only`` are the datasets published only as ``<id>_counts``: their row counts
    are withheld (module docstring).

    Examples
    --------
    >>> f = supplies_frame(_example_log(), ["police_ppo"], "memory", counts_only=["police_ppo"])
    >>> f.loc[0, ["agency", "rows"]].tolist(), f.loc[0, "warnings"]       # counts withheld for a personal dataset
    (['Notts Police', None], '[{"code": "missing_location", "count": null}]')
    """
    datasets = sorted(set(datasets))
    counts_only = set(counts_only)
    rows = con.execute(
        "SELECT supply_id, dataset, agency, partnership, rows, rows_superseded, supplied_at, period_start, "
        f"period_end, metadata_missing, warnings, metadata FROM {catalog}.main.supplies "
        "WHERE dataset IN (SELECT unnest(?::VARCHAR[])) ORDER BY supply_id", [datasets]).fetchall()
    out = []
    for (sid, ds, agency, part, n, sup, at, p0, p1, missing, warnings, meta) in rows:
        kept = sanitise_metadata(_json(meta))
        missing = _json(missing)
        if ds in counts_only:
            n = sup = None
        out.append({"supply_id": sid, "dataset": ds, "agency": agency, "partnership": part, "rows": n,
                    "rows_superseded": sup, "supplied_at": at, "period_start": p0, "period_end": p1,
                    "metadata_missing": json.dumps([str(m) for m in missing] if isinstance(missing, list) else []),
                    "warnings": json.dumps(sanitise_warnings(_json(warnings), with_counts=ds not in counts_only)),
                    **{k: _text(kept.get(k)) for k in SHARED_METADATA},
                    "metadata": json.dumps(kept, sort_keys=True, default=str)})
    return pd.DataFrame(out, columns=list(COLUMNS))


def publish_supplies(con, datasets, target: str, catalog: str = "hub", *, counts_only=()) -> int:
    """Create ``target`` (the shared ``supplies`` table) for ``datasets``; returns its rows.

    Examples
    --------
    >>> con = _example_log()
    >>> publish_supplies(con, ["police_ppo"], "shared_supplies", "memory", counts_only=["police_ppo"])
    1
    >>> con.execute("SELECT agency, rows, metadata FROM shared_supplies").fetchall()   # the contact is not shared
    [('Notts Police', None, '{}')]
    """
    frame = supplies_frame(con, datasets, catalog, counts_only=counts_only)
    con.register("_wb_supplies_df", frame)
    try:
        text = ", ".join(f"CAST({k} AS VARCHAR) AS {k}" for k in SHARED_METADATA)
        con.execute(
            f"CREATE OR REPLACE TABLE {target} AS SELECT CAST(supply_id AS BIGINT) AS supply_id, "
            "CAST(dataset AS VARCHAR) AS dataset, CAST(agency AS VARCHAR) AS agency, "
            "CAST(partnership AS VARCHAR) AS partnership, CAST(rows AS BIGINT) AS rows, "
            "CAST(rows_superseded AS BIGINT) AS rows_superseded, CAST(supplied_at AS TIMESTAMP) AS supplied_at, "
            "CAST(period_start AS DATE) AS period_start, CAST(period_end AS DATE) AS period_end, "
            "CAST(metadata_missing AS JSON) AS metadata_missing, CAST(warnings AS JSON) AS warnings, "
            f"{text}, CAST(metadata AS JSON) AS metadata FROM _wb_supplies_df")
    finally:
        con.unregister("_wb_supplies_df")
    return len(frame)


def _example_log():
    """An in-memory master with a one-supply ``supplies`` log (a warning with example lines, a
    supplier's contact in the metadata): the examples' data."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE supplies AS SELECT 1 AS supply_id, 'police_ppo' AS dataset, 'Notts Police' AS agency, "
                "'Nottingham' AS partnership, 12 AS rows, 0 AS rows_superseded, "
                "TIMESTAMP '2024-04-02 09:00' AS supplied_at, DATE '2024-01-01' AS period_start, "
                "DATE '2024-03-31' AS period_end, '[]' AS metadata_missing, "
                "'[{\"code\": \"missing_location\", \"count\": 2, \"example_lines\": [5]}]' AS warnings, "
                "'{\"agency\": \"Notts Police\", \"supplier_contact\": \"jo@police.test\"}' AS metadata")
    return con
