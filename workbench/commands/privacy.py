"""``workbench hub publish``, ``hub places add|list`` and ``hub export``: the privacy tiers' commands.

They join the ``hub`` group (:mod:`workbench.commands.hub` calls :func:`register_hub_actions`);
the library they drive is :mod:`workbench.privacy.publish`, :mod:`workbench.privacy.nonaddressable`
and :mod:`workbench.privacy.export`.
"""

from __future__ import annotations

from pathlib import Path

from workbench.commands.common import add_common, hub_path
from workbench.privacy.depersonalise import MIN_HOUSEHOLDS
from workbench.privacy.disclosure import DEFAULT_THRESHOLD
from workbench.privacy.export import FORMATS, export
from workbench.privacy.publish import publish
from workbench.privacy.quasi import DEFAULT_K, DEFAULT_L


def _cmd_publish(args):
    user = getattr(args, "as_user", None)
    return publish(hub_path(args), user=user, min_households=args.min_households,
                   count_threshold=args.count_threshold, k_anonymity=args.k_anonymity,
                   l_diversity=args.l_diversity, quiet=args.json, engine=args.engine,
                   spark_master=args.spark_master)


def _cmd_places(args):
    from workbench.hub.connect import open_hub
    from workbench.privacy.nonaddressable import load_places, register_place

    hub = hub_path(args)
    if args.places_command == "add":
        from workbench.commands.common import acting_user

        return register_place(hub, args.name, args.kind, args.easting, args.northing,
                              place_id=args.id, source=args.source, user=acting_user(args),
                              approved_for=args.approve_for or ())
    con = open_hub(hub, read_only=True)
    try:
        return {"places": load_places(con).to_dict("records")}
    finally:
        con.close()


def _cmd_export(args):
    from workbench.registry import open_registry

    hub = hub_path(args)
    reg = open_registry(hub)
    try:
        return export(reg, hub, args.dataset, args.as_user, args.out, args.format, args.request)
    finally:
        reg.close()


def _add_publish_command(hub_subparsers) -> None:
    """Add ``workbench hub publish`` and ``workbench hub places add|list`` to the ``hub`` group.

    ``places`` keeps the register of non-addressable places whose coordinates publish keeps
    (Appendix 1; :mod:`workbench.privacy.nonaddressable`).
    """
    p = hub_subparsers.add_parser(
        "publish", help="build the depersonalised shared tier (Appendix 1) and check it")
    add_common(p)
    p.add_argument("--as", dest="as_user", help="registered user publishing (checked and audited)")
    p.add_argument("--min-households", type=int, default=MIN_HOUSEHOLDS,
                   help="Appendix 1 household threshold (default 4)")
    p.add_argument("--count-threshold", type=int, default=DEFAULT_THRESHOLD,
                   help="counts below this are suppressed in personal-data count tables (default 5)")
    p.add_argument("--k-anonymity", type=int, default=DEFAULT_K,
                   help="every quasi-identifier combination of a person table holds at least k "
                        "records (default 5; the ISP may set its own, at least 2)")
    p.add_argument("--l-diversity", type=int, default=DEFAULT_L,
                   help="... and at least l distinct sensitive values (default 2)")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="run the record-level steps on DuckDB (default) or Apache Spark (docs/scale.md)")
    p.add_argument("--spark-master", default="local[2]",
                   help="Spark master URL with --engine spark (local[2], spark://host:7077)")
    p.set_defaults(func=_cmd_publish)

    from workbench.privacy.nonaddressable import KINDS

    p = hub_subparsers.add_parser(
        "places", help="registered non-addressable places (parks, car parks) kept by publish")
    ps = p.add_subparsers(dest="places_command", metavar="ACTION", required=True)
    a = ps.add_parser("add", help="register a place at its centre point (BNG metres)")
    add_common(a)
    a.add_argument("--name", required=True)
    a.add_argument("--kind", required=True, help=f"one of: {', '.join(KINDS)}")
    a.add_argument("--easting", required=True, type=float)
    a.add_argument("--northing", required=True, type=float)
    a.add_argument("--id", help="place id (default kind:name)")
    a.add_argument("--source", help="where the coordinates come from (e.g. the LLPG)")
    a.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="who is registering it (the CSP coordinator once users exist); audited")
    a.add_argument("--approve-for", help="datasets whose records may keep the place's coordinates, "
                   "comma-separated, or '*' for all (the CSP coordinator's approval; none by default)")
    a.set_defaults(func=_cmd_places)
    ls = ps.add_parser("list", help="list the register")
    add_common(ls)
    ls.set_defaults(func=_cmd_places)


def _add_export_command(hub_subparsers) -> None:
    """Add ``export`` to the ``workbench hub`` group."""
    p = hub_subparsers.add_parser(
        "export", help="export what a user may see of a dataset (marked, audited)",
        description="Export a dataset as the named user may see it: the depersonalised shared tier, "
                    "or personal data under an approved request (--request). Denied -> exit 3.")
    add_common(p)
    p.add_argument("--dataset", required=True, help="dataset id (DATASETS.md)")
    p.add_argument("--as", dest="as_user", required=True, metavar="USER", help="the user exporting")
    p.add_argument("--out", required=True, type=Path, help="output file")
    p.add_argument("--format", choices=FORMATS, default=None, help="default: from the file suffix, else csv")
    p.add_argument("--request", type=int, default=None, help="approved personal-data request id")
    p.set_defaults(func=_cmd_export)


def register_hub_actions(hub_subparsers) -> None:
    """Add every privacy-tier action (publish, places, export) to the ``hub`` group.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="workbench hub")
    >>> actions = parser.add_subparsers(dest="hub_command")
    >>> register_hub_actions(actions)
    >>> args = parser.parse_args(["publish"])
    >>> args.min_households, args.count_threshold, args.k_anonymity, args.engine
    (4, 5, 5, 'duckdb')
    >>> args = parser.parse_args(["export", "--dataset", "asb", "--as", "ann", "--out", "asb.csv"])
    >>> args.as_user, str(args.out), args.func.__name__
    ('ann', 'asb.csv', '_cmd_export')
    >>> parser.parse_args(["places", "list"]).places_command
    'list'
    """
    _add_publish_command(hub_subparsers)
    _add_export_command(hub_subparsers)
