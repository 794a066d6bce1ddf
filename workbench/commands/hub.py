"""``workbench hub …``: init, ingest, status, quality (and publish/export from privacy)."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.commands.common import acting_user, add_common, hub_path


def _cmd_init(args):
    from workbench.hub.schema import init_hub

    path = init_hub(hub_path(args))
    if args.partnership:
        from workbench.hub.connect import open_hub

        con = open_hub(path)
        con.execute("INSERT OR REPLACE INTO hub_meta VALUES ('partnership', ?)", [args.partnership])
        con.close()
    return {"hub": str(path), "initialised": True}


def _may_ingest(reg, user: str, dataset: str, partnership: str | None,
                agency: str | None = None, metadata=None) -> tuple[str | None, str | None]:
    """Once the registry has users, only those the matrix lets ``ingest`` may (deny by default;
    refusals audited), only for a partnership of their own and only under their own agency
    (issue 11 High 2). Returns the (agency, partnership) the supply is recorded under: by
    default the user's agency and the hub's (or the user's only) partnership. A hub without
    registered users is still being set up."""
    from workbench.hub import supply_files
    from workbench.hub.connect import open_hub
    from workbench.privacy import access

    if not reg.con.execute("SELECT 1 FROM users LIMIT 1").fetchone():
        return agency, partnership
    named = agency or (supply_files.load_metadata(metadata, dataset).get("agency") if metadata else None)
    u = access.require_own_agency(reg, user, named, dataset)
    if partnership is None:
        con = open_hub(reg.hub, read_only=True)
        try:
            row = con.execute("SELECT value FROM hub_meta WHERE key = 'partnership'").fetchone()
        finally:
            con.close()
        partnership = row[0] if row else (u.partnerships[0] if len(u.partnerships) == 1 else None)
    access.require(reg, u, "ingest", dataset, partnership=partnership)
    return named or u.agency, partnership


def checked_ingest(hub: Path, user: str, dataset: str, files, *, agency: str | None = None,
                   partnership: str | None = None, metadata=None, adapter: str | None = None,
                   mapping=None, quiet: bool = True, detail: dict | None = None,
                   engine: str = "duckdb", spark_master: str = "local[2]"):
    """The one checked ingest of ``workbench hub ingest`` and of the portal's uploads.

    With the registry opened once: the matrix for the user, their own agency and partnership
    (:func:`_may_ingest`), the agency's confirmed column mapping for the dataset when there is
    one (a changed header is refused), the atomic ingest, and the audit entry (``failed`` with
    the number of problems when the supply is rejected). ``engine="spark"`` stages, validates
    and shapes the supply on Apache Spark at ``spark_master`` (``hub ingest --engine spark``;
    :mod:`workbench.hub.ingest_spark`); the commit is the same DuckDB transaction.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from workbench.hub.schema import init_hub
    >>> from workbench.registry import open_registry
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> hub = init_hub(folder / "hub.duckdb")
    >>> _ = (folder / "imd.csv").write_text("lsoa_code,imd_score,imd_rank,imd_decile\\n"
    ...                                     "E01000001,12.5,20000,7\\n")
    >>> checked_ingest(hub, "ann", "ref_imd", [folder / "imd.csv"]).rows
    1
    >>> with open_registry(hub) as reg:
    ...     [(e.actor, e.action, e.outcome) for e in reg.audit_entries() if e.action == "ingest"]
    [('ann', 'ingest', 'ok')]
    """
    from workbench.errors import SupplyRejected
    from workbench.hub import mappings
    from workbench.hub.ingest import ingest_files
    from workbench.registry import open_registry

    detail = detail or {}
    with open_registry(hub) as reg:
        agency, partnership = _may_ingest(reg, user, dataset, partnership, agency, metadata)
        if mapping is None and not adapter:
            # the agency's confirmed layout for this dataset, reused; a changed header is refused
            mapping = mappings.for_supply(hub, agency, dataset, files)
        try:
            # a column mapping (YAML) travels with the supply files: the spreadsheet adapter reads it
            result = ingest_files(hub, dataset, list(files) + ([mapping] if mapping else []),
                                  agency=agency, metadata=metadata, user=user, partnership=partnership,
                                  quiet=quiet, adapter=adapter or ("spreadsheet_mapping" if mapping else None),
                                  engine=engine, spark_master=spark_master)
        except SupplyRejected as exc:
            reg.audit(user, "ingest", dataset, {**detail, "problems": exc.total}, outcome="failed")
            raise
        reg.audit(user, "ingest", dataset, {**detail, "supply_id": result.supply_id, "rows": result.rows,
                                            "skipped": result.skipped})
    return result


def _cmd_ingest(args):
    from workbench import catalogue

    catalogue.get(args.dataset)
    return checked_ingest(hub_path(args), acting_user(args), args.dataset, args.files,
                          agency=args.agency, partnership=args.partnership, metadata=args.metadata,
                          adapter=args.adapter, mapping=getattr(args, "mapping", None),
                          quiet=args.json or args.quiet, engine=args.engine, spark_master=args.spark_master)


def _cmd_status(args):
    from workbench.hub.connect import open_hub
    from workbench.hub.status import hub_status, status_text

    con = open_hub(hub_path(args), read_only=True)
    try:
        status = hub_status(con)
    finally:
        con.close()
    return status if args.json else status_text(status)


def _cmd_quality(args):
    from workbench.hub.connect import open_hub
    from workbench.hub.quality import quality_report

    con = open_hub(hub_path(args), read_only=True)
    try:
        report = quality_report(con, args.dataset, supply_id=args.supply)
    finally:
        con.close()
    return report


def _cmd_calendar(args):
    """The supply calendar: statutory supplies late, due or never supplied, and what they feed."""
    import datetime as dt

    from workbench.hub.calendar import supply_calendar
    from workbench.hub.connect import open_hub
    from workbench.products.needs import products_needing

    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    con = open_hub(hub_path(args), read_only=True)
    try:
        rows = supply_calendar(con, as_of)
    finally:
        con.close()
    doc = {"as_of": (as_of or dt.date.today()).isoformat(),
           "rows": [{**r.to_dict(), "effect": products_needing(r.dataset) if r.status in ("late", "never supplied")
                     else None} for r in rows]}
    if args.json:
        return doc
    lines = [f"Supply calendar on {doc['as_of']} (regulations appendix J; guidance 3.1 Table 1)"]
    for r in doc["rows"]:
        who = f"{r['agency'] or 'no agency yet'}" + (f", {r['partnership']}" if r["partnership"] else "")
        if r["status"] == "late":
            what = (f"LATE since {r['late_since']} ({r['periods_behind']} {r['cadence']} period(s) behind; "
                    f"last period to {r['last_period_end']})")
        elif r["status"] == "never supplied":
            what = "NEVER SUPPLIED"
        elif r["status"] == "due":
            what = f"due by {r['due_by']} (period to {r['next_period_end']})"
        else:
            what = f"up to date (last period to {r['last_period_end']}; next due {r['due_by']})"
        lines.append(f"  {r['dataset']:<34} {who:<40} {what}")
        if r["effect"] and r["effect"]["issues"]:
            lines.append(f"      feeds {', '.join(r['effect']['products'])}: "
                         + ", ".join(r["effect"]["issues"][:4]) + ("…" if len(r["effect"]["issues"]) > 4 else ""))
    return "\n".join(lines)


def _cmd_share(args):
    """``hub share --group G``: the shared tier 0640 to group G, the folder 0710, all else 0600."""
    from workbench.errors import ResourceLocked
    from workbench.hub.share import share_tier
    from workbench.registry import open_registry

    hub = hub_path(args)
    if not hub.exists():
        raise ResourceLocked(f"No hub at '{hub}'. Create one with `workbench hub init --hub {hub}`.")
    result = share_tier(hub, args.group)
    with open_registry(hub) as reg:
        reg.audit(acting_user(args), "hub.share", "shared", {"group": result["group"]})
    return result


def _cmd_grid(args):
    """Monthly grid counts of a shared-tier dataset on DuckDB or Spark (issue 17).

    The acting user is checked as a product render is (``read_depersonalised`` on record-level
    data; unknown users exit 3, audited) and the grid holds only their partnerships' rows
    (:func:`workbench.privacy.shared.open_shared`); ``--out`` is refused among the workbench's own
    files and written through a private folder, as an export is; every run is audited (``hub.grid``).
    """
    import tempfile
    from pathlib import Path

    from workbench.engine.aggregate import export_parquet, monthly_grid, table_grid
    from workbench.privacy.export import write_output
    from workbench.privacy.shared import open_shared, open_shared_tier
    from workbench.products.authorise import authorise
    from workbench.registry import open_registry
    from workbench.sql import quote_identifier

    hub, user, out = hub_path(args), acting_user(args), Path(args.out)
    grant = authorise(hub, user, "render")          # unknown/unpermitted: AccessDenied (exit 3), audited
    con = open_shared(hub, user=user) if grant.registered else open_shared_tier(hub)
    try:
        if args.engine == "duckdb":     # in place on the (scoped) tier connection: no copy on disk
            res = table_grid(con, quote_identifier(args.dataset), cell_metres=args.cell,
                             category=args.category)
        else:
            with tempfile.TemporaryDirectory(prefix=".wb-grid-", dir=hub.parent) as tmp:
                export_parquet(con, quote_identifier(args.dataset), Path(tmp) / "pq", partition_by=("month",))
                con.close()
                res = monthly_grid(Path(tmp) / "pq", engine=args.engine, cell_metres=args.cell,
                                   category=args.category, spark_master=args.spark_master)
    finally:
        con.close()
    write_output(out, hub, lambda path: res.grid.to_csv(path, index=False))
    doc = {"engine": res.engine, "cells": len(res.grid), "events": int(res.grid["n"].sum()),
           "unlocated": res.unlocated, "digest": res.digest(), "out": str(out)}
    with open_registry(hub) as reg:
        reg.audit(user, "hub.grid", args.dataset,
                  {**{k: v for k, v in doc.items() if k != "digest"}, "scoped": grant.registered})
    return doc


def _cmd_map(args):
    """Propose (and with --confirm, save) an agency's column mapping from a supply's header."""
    from workbench.hub import mappings

    from workbench.registry import open_registry

    hub = hub_path(args)
    user = acting_user(args)
    with open_registry(hub) as reg:
        agency, _ = _may_ingest(reg, user, args.dataset, None, args.agency)
        header, rows = mappings.read_header(args.file)
        p = mappings.propose(args.dataset, header, rows)
        doc = {**p.to_dict(), "agency": agency, "confirmed": False}
        if args.confirm:
            if not agency:
                from workbench.errors import BadInput

                raise BadInput("--agency is needed to keep a mapping (it is saved per agency and dataset).")
            doc["saved"] = str(mappings.save(hub, agency, p))
            doc["confirmed"] = True
            reg.audit(user, "mapping.confirm", args.dataset, {"agency": agency, "columns": p.columns})
    return doc


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``workbench hub`` group (init, ingest, status, quality, publish, export, ...).

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="workbench")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["hub", "ingest", "--dataset", "police_uk_street", "a.csv", "b.csv"])
    >>> args.dataset, [str(f) for f in args.files], args.func.__name__, args.engine
    ('police_uk_street', ['a.csv', 'b.csv'], '_cmd_ingest', 'duckdb')
    >>> parser.parse_args(["hub", "ingest", "--dataset", "x", "--engine", "spark", "a.csv"]).spark_master
    'local[2]'
    >>> parser.parse_args(["hub", "grid", "--out", "g.csv"]).cell
    250.0
    >>> parser.parse_args(["hub", "publish"]).func.__name__
    '_cmd_publish'
    """
    hub = sub.add_parser("hub", help="the information hub: init, ingest, status, quality, publish, export")
    hs = hub.add_subparsers(dest="hub_command", metavar="ACTION")

    p = hs.add_parser("init", help="create the encrypted hub (idempotent)")
    add_common(p)
    p.add_argument("--partnership", help="the partnership area this hub serves (default tag for supplies)")
    p.set_defaults(func=_cmd_init)

    p = hs.add_parser("ingest", help="validate and append one supply (guidance 3.4, 4.3)")
    add_common(p)
    p.add_argument("--dataset", required=True, help="dataset id from DATASETS.md")
    p.add_argument("--agency", help="supplying agency")
    p.add_argument("--partnership", help="partnership area of the supply")
    p.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="who is ingesting (default WORKBENCH_USER or the OS user); audited")
    p.add_argument("--metadata", type=Path, help="guidance 3.4 metadata, YAML or JSON")
    p.add_argument("--adapter", help="force an adapter (default: detected from the files)")
    p.add_argument("--mapping", type=Path,
                   help="column mapping YAML for agency spreadsheets (source heading -> canonical column)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="stage, validate and shape the supply on DuckDB (default) or Apache Spark "
                        "(police.uk and canonical CSV; docs/scale.md); the commit is one DuckDB transaction")
    p.add_argument("--spark-master", default="local[2]",
                   help="Spark master URL with --engine spark (local[2], spark://host:7077)")
    p.add_argument("files", nargs="+", type=Path, help="supply files or folders")
    p.set_defaults(func=_cmd_ingest)

    p = hs.add_parser("status", help="datasets, rows, supplies, last supplied")
    add_common(p)
    p.set_defaults(func=_cmd_status)

    p = hs.add_parser("share", help="let one OS group open the shared tier and nothing else "
                                     "(keys apart: the master key stays private)")
    add_common(p)
    p.add_argument("--group", required=True, help="operating-system group of the partner analysts' accounts")
    p.add_argument("--as", dest="as_user", default=None, metavar="USER", help="who is sharing; audited")
    p.set_defaults(func=_cmd_share)

    p = hs.add_parser("map", help="propose a column mapping from a supply's header; --confirm keeps it per agency")
    add_common(p)
    p.add_argument("file", help="a CSV or XLSX supply in the agency's own layout")
    p.add_argument("--dataset", required=True)
    p.add_argument("--agency", help="the supplying agency (default: the acting user's)")
    p.add_argument("--confirm", action="store_true", help="save it: next supplies in this layout reuse it")
    p.add_argument("--as", dest="as_user", metavar="USER", help="acting user (default WORKBENCH_USER)")
    p.set_defaults(func=_cmd_map)

    p = hs.add_parser("grid", help="monthly grid counts of a shared-tier dataset on DuckDB or Spark")
    add_common(p)
    p.add_argument("--dataset", default="police_uk_street", help="a shared-tier table with month, easting, northing")
    p.add_argument("--category", default="crime_type")
    p.add_argument("--cell", type=float, default=250.0, help="cell side in metres")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    p.add_argument("--spark-master", default="local[2]", help="Spark master URL (local[N] or spark://host:7077)")
    p.add_argument("--out", required=True, help="CSV of month, cell_x, cell_y, category, n")
    p.add_argument("--as", dest="as_user", metavar="USER",
                   help="acting user (default WORKBENCH_USER, else the OS user); the grid holds only their partnerships")
    p.set_defaults(func=_cmd_grid)

    p = hs.add_parser("calendar", help="supply calendar: late, due and never-supplied statutory datasets")
    add_common(p)
    p.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    p.set_defaults(func=_cmd_calendar)

    p = hs.add_parser("quality", help="fitness-for-purpose report (guidance 4.2.3)")
    add_common(p)
    p.add_argument("--dataset", required=True)
    p.add_argument("--supply", type=int, help="one supply only")
    p.set_defaults(func=_cmd_quality)

    from workbench.commands.privacy import register_hub_actions

    register_hub_actions(hs)
