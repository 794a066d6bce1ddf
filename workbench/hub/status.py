"""Hub status: per dataset, current rows, supplies and when last supplied (``CONTRACTS.md``)."""

from __future__ import annotations

from workbench import catalogue


def hub_status(con) -> dict:
    """``{"datasets": [{"id", "rows", "supplies", "last_supplied", "class", "tiers"}…]}``.

    Examples
    --------
    >>> from workbench.hub.status import hub_status  # doctest: +SKIP
    >>> hub_status(con)["datasets"][0]["id"]  # doctest: +SKIP
    'police_crime_offence'
    """
    sup = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT dataset, count(*), max(supplied_at) FROM supplies GROUP BY dataset").fetchall()}
    out = []
    for ds in catalogue.DATASETS:
        rows = con.execute(f"SELECT count(*) FROM main.{ds.id}").fetchone()[0]
        n, last = sup.get(ds.id, (0, None))
        out.append({"id": ds.id, "rows": int(rows), "supplies": int(n),
                    "last_supplied": last.isoformat(timespec="seconds") if last else None,
                    "class": ds.klass, "tiers": list(ds.tiers), "cadence": ds.cadence})
    return {"datasets": out}


def status_text(status: dict) -> str:
    lines = [f"{'dataset':34} {'rows':>10} {'supplies':>8}  last supplied"]
    for d in status["datasets"]:
        lines.append(f"{d['id']:34} {d['rows']:>10,} {d['supplies']:>8}  {d['last_supplied'] or '-'}")
    return "\n".join(lines)
