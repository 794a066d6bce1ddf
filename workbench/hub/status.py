"""Hub status: per dataset, current rows, supplies and when last supplied (``CONTRACTS.md``)."""

from __future__ import annotations

from workbench import catalogue


def hub_status(con) -> dict:
    """``{"datasets": [{"id", "rows", "supplies", "last_supplied", "class", "tiers"}…]}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from workbench.hub.connect import open_hub
    >>> from workbench.hub.ingest import ingest_frame
    >>> from workbench.hub.schema import init_hub
    >>> hub = init_hub(pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb")
    >>> imd = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "imd_score": [12.5, 40.1],
    ...                     "imd_rank": [20000, 1500], "imd_decile": [7, 1]})
    >>> _ = ingest_frame(hub, "ref_imd", imd, source_name="imd.csv")
    >>> con = open_hub(hub, read_only=True)
    >>> [(d["id"], d["rows"], d["supplies"]) for d in hub_status(con)["datasets"] if d["rows"]]
    [('ref_imd', 2, 1)]
    """
    sup = {}
    if has_table(con, "supplies"):
        sup = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT dataset, count(*), max(supplied_at) FROM supplies GROUP BY dataset").fetchall()}
    out = []
    for ds in catalogue.DATASETS:
        if not has_table(con, ds.id):  # the shared tier publishes personal datasets as counts only
            continue
        rows = con.execute(f"SELECT count(*) FROM main.{ds.id}").fetchone()[0]
        n, last = sup.get(ds.id, (0, None))
        out.append({"id": ds.id, "rows": int(rows), "supplies": int(n),
                    "last_supplied": last.isoformat(timespec="seconds") if last else None,
                    "class": ds.klass, "tiers": list(ds.tiers), "cadence": ds.cadence})
    return {"datasets": out}


def has_table(con, name: str) -> bool:
    """True when ``name`` is a table or view of the connection's default catalog.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE supplies (id INTEGER)")
    >>> has_table(con, "supplies"), has_table(con, "police_uk_street")
    (True, False)
    """
    return bool(con.execute(
        "SELECT count(*) FROM (SELECT table_name AS n FROM duckdb_tables() WHERE database_name = "
        "current_database() UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = "
        "current_database()) WHERE n = ?", [name]).fetchone()[0])


def status_text(status: dict) -> str:
    """The hub status (:func:`status`) as a plain-text table: rows, supplies and last supply date per dataset.

    Examples
    --------
    >>> print(status_text({"datasets": [{"id": "police_uk_street", "rows": 1200, "supplies": 3,
    ...                                  "last_supplied": "2026-01-02"},
    ...                                 {"id": "ref_imd", "rows": 0, "supplies": 0, "last_supplied": None}]}))
    dataset                                  rows supplies  last supplied
    police_uk_street                        1,200        3  2026-01-02
    ref_imd                                     0        0  -
    """
    lines = [f"{'dataset':34} {'rows':>10} {'supplies':>8}  last supplied"]
    for d in status["datasets"]:
        lines.append(f"{d['id']:34} {d['rows']:>10,} {d['supplies']:>8}  {d['last_supplied'] or '-'}")
    return "\n".join(lines)
