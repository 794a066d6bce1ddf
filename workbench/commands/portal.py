"""``workbench portal …``: registration decisions, police-record export, transfer retries, statistics.

These open the portal store themselves, so they run while the portal server is stopped (the
server owns ``portal.duckdb`` while it runs; use its web pages then). The acting user
(``--as``, ``WORKBENCH_USER`` or the OS user) must hold the role in the registry:
``admin`` to list/approve/reject registrations; ``reviewer`` to export police records;
``reviewer`` or ``admin`` for statistics and transfer retries. Refusals exit 3 and are audited.

``workbench portal transfer [--watch SECONDS]`` drains the transfer outbox into the hub (the
portal server only queues; it never opens the hub or its key). It needs no registry role: it
makes no decision, it carries out those reviewers already made (each audited), and opening the
hub needs its key (exit 4 without it); its own actions are audited with ``by`` the acting user.

``workbench portal ingest-uploads [--watch SECONDS]`` ingests the supplies uploaded at the
portal's ``/supply`` page (queued encrypted in the inbox; :mod:`workbench.portal.uploads`) with
the same checks as ``workbench hub ingest``, as the user who uploaded them, and writes each
outcome back for the page. Like ``transfer`` it needs the hub key (exit 4 without it).
"""

from __future__ import annotations

import sys

from workbench.commands.common import acting_user, add_common, hub_path
from workbench.errors import AccessDenied


def _user(hub, args, roles, action):
    from workbench.registry import open_registry

    name = acting_user(args)
    reg = open_registry(hub)
    try:
        user = reg.get_user(name)
    except AccessDenied:
        user = None
    if user is None or user.role not in roles or not user.active:
        reg.audit(name, action, "portal", {"required_roles": list(roles)}, outcome="denied")
        raise AccessDenied(f"'{name}' may not run this: it needs the registry role {' or '.join(roles)} "
                           "(use --as NAME).")
    return user


def _open(args):
    from workbench.portal.auth import Authenticator
    from workbench.portal.store import PortalStore

    from workbench.errors import ResourceLocked

    hub = hub_path(args)
    if not hub.exists():
        raise ResourceLocked(f"No hub at '{hub}'. Create one with `workbench hub init --hub {hub}`.")
    return hub, PortalStore(hub), Authenticator(hub, cache_seconds=0)


def _requests(args):
    from workbench.portal import registration as R

    hub, store, auth = _open(args)
    with store:
        _user(hub, args, ("admin",), "portal.registration.list")
        state = None if args.state == "all" else args.state
        return {"requests": R.list_requests(store, state, auth)}


def _approve(args):
    from workbench.portal import registration as R

    hub, store, auth = _open(args)
    with store:
        user = _user(hub, args, ("admin",), "portal.registration.approve")
        return R.approve(store, auth, args.request_id, admin=user.name, partnership=args.partnership,
                         confirm_existing_agency=args.confirm_existing_agency)


def _reset_code(args):
    from workbench.portal import registration as R

    hub, store, auth = _open(args)
    with store:
        user = _user(hub, args, ("admin",), "portal.password.reset_code")
        return R.issue_reset(store, auth, args.username, admin=user.name)


def _reject(args):
    from workbench.portal import registration as R

    hub, store, auth = _open(args)
    with store:
        user = _user(hub, args, ("admin",), "portal.registration.reject")
        return R.reject(store, auth, args.request_id, admin=user.name, note=args.note or "")


def _export(args):
    from workbench.portal import transfer as T

    hub, store, auth = _open(args)
    with store:
        user = _user(hub, args, ("reviewer",), "portal.export")
        result = T.export_all(store, args.out)
        auth.registry().audit(user.name, "portal.export", str(args.out), {"records": result["records"]})
        return result


def _retry(args):
    from workbench.portal import transfer as T

    hub, store, auth = _open(args)
    with store:
        _user(hub, args, ("reviewer", "admin"), "portal.transfer.retry")
        results = T.retry_pending(store, hub, audit=auth.registry().audit)
        left = len(T.pending(store))
        return {"attempted": results, "still_pending": left}, (0 if left == 0 else 4)


def _transfer(args):
    """Drain the transfer outbox into the hub (this process holds the hub key; the portal never does)."""
    import time

    from workbench.errors import ResourceLocked
    from workbench.hub.connect import read_key
    from workbench.portal import transfer as T
    from workbench.portal.store import PortalStore
    from workbench.registry import open_registry

    hub = hub_path(args)
    if not hub.exists():
        raise ResourceLocked(f"No hub at '{hub}'. Create one with `workbench hub init --hub {hub}`.")
    read_key(hub)                       # no hub key: exit 4 at once, before anything is attempted
    by = acting_user(args)

    def audit(actor, action, target, detail=None, outcome="ok"):
        with open_registry(hub) as reg:
            reg.audit(actor, action, target, {**(detail or {}), "by": by}, outcome=outcome)

    while True:
        try:                            # the server stopped: this process may use the store too
            store = PortalStore(hub)
        except ResourceLocked:          # the portal server owns it and syncs the outbox itself
            store = None
        try:
            if store is not None:
                T.sync(store, hub)
            results = T.drain(hub, audit=audit)
            if store is not None:
                T.sync(store, hub)
            left = len(T.queued(hub)) + (len(T.pending(store)) if store is not None else 0)
        except ResourceLocked as exc:   # the outbox stayed busy: a worker keeps going, a single run reports it
            if not args.watch:
                raise
            print(f"portal transfer: {exc}", file=sys.stderr)
            results, left = [], None
        finally:
            if store is not None:
                store.close()
        if not args.watch:
            return {"attempted": results, "still_pending": left}, (0 if left == 0 else 4)
        time.sleep(args.watch)


def ingest_upload(hub, entry: dict, path):
    """The normal, checked ingest of one uploaded supply (the same checks as ``workbench hub ingest``):
    the registry's matrix for the uploader, own agency and partnership, a saved column mapping
    for the agency and dataset when there is one, and the atomic ingest. Audited like the CLI,
    with the upload's id and ``via`` in the audit detail.

    Examples
    --------
    >>> from pathlib import Path
    >>> from workbench.registry import open_registry
    >>> upload = Path("imd.csv")
    >>> _ = upload.write_text("lsoa_code,imd_score,imd_rank,imd_decile\\n"
    ...                       "E01000001,12.5,20000,7\\nE01000002,30.1,3000,1\\n")
    >>> entry = {"user_name": "ann", "dataset": "ref_imd", "agency": None, "metadata": None,
    ...          "upload_id": "u-1"}
    >>> from workbench.hub.schema import init_hub
    >>> hub = init_hub(Path("hub.duckdb"))
    >>> ingest_upload(hub, entry, upload).rows
    2
    >>> with open_registry(hub) as reg:
    ...     [(e.actor, e.outcome, e.detail["upload_id"], e.detail["via"])
    ...      for e in reg.audit_entries() if e.action == "ingest"]
    [('ann', 'ok', 'u-1', 'portal upload')]
    """
    from workbench.commands.hub import checked_ingest

    return checked_ingest(hub, entry["user_name"], entry["dataset"], [path], agency=entry["agency"],
                          metadata=entry["metadata"],
                          detail={"upload_id": entry["upload_id"], "via": "portal upload"})


def _ingest_uploads(args):
    """Ingest the supplies uploaded at the portal's ``/supply`` (this process holds the hub key)."""
    import time

    from workbench.errors import ResourceLocked
    from workbench.hub.connect import read_key
    from workbench.portal import uploads as U

    hub = hub_path(args)
    if not hub.exists():
        raise ResourceLocked(f"No hub at '{hub}'. Create one with `workbench hub init --hub {hub}`.")
    read_key(hub)                       # no hub key: exit 4 at once
    while True:
        try:
            outcomes = U.drain(hub, ingest_upload)
            U.sweep_orphans(hub)        # uploads cut off by a portal crash, untouched for a day
            left = len(U.queued(hub))
        except ResourceLocked as exc:
            if not args.watch:
                raise
            print(f"portal ingest-uploads: {exc}", file=sys.stderr)
            outcomes, left = [], None
        if not args.watch:
            done = [{"upload_id": o.upload_id, "state": o.state, "rows": o.rows, "supply_id": o.supply_id,
                     "error": o.error or o.detail.get("message")} for o in outcomes]
            return {"uploads": done, "still_queued": left}, (0 if left == 0 else 4)
        time.sleep(args.watch)


def _stats(args):
    from workbench.portal.stats import statistics

    hub, store, auth = _open(args)
    with store:
        _user(hub, args, ("reviewer", "admin"), "portal.statistics.view")
        return statistics(store, auth.registry()).to_dict()


def register(subparsers) -> None:
    """Add the ``workbench portal`` group (requests, approve, reject, reset-code, export, transfers, stats).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="workbench")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["portal", "approve", "R-7", "--partnership", "Nottingham", "--as", "admin"])
    >>> args.request_id, args.partnership, args.as_user, args.confirm_existing_agency
    ('R-7', 'Nottingham', 'admin', False)
    >>> parser.parse_args(["portal", "requests"]).state
    'pending'
    >>> parser.parse_args(["portal", "transfer", "--watch", "30"]).watch
    30.0
    """
    p = subparsers.add_parser("portal", help="partner intelligence portal: registrations, exports, statistics")
    sub = p.add_subparsers(dest="portal_command", metavar="ACTION")

    def cmd(name, func, help_text):
        c = sub.add_parser(name, help=help_text)
        add_common(c)
        c.add_argument("--as", dest="as_user", metavar="USER", help="acting registry user")
        c.set_defaults(func=func)
        return c

    c = cmd("requests", _requests, "list registration requests")
    c.add_argument("--state", choices=("pending", "approved", "rejected", "all"), default="pending")
    c = cmd("approve", _approve, "approve a registration request; prints one-time activation codes")
    c.add_argument("request_id")
    c.add_argument("--partnership", help="partnership the new agency joins (registry name)")
    c.add_argument("--confirm-existing-agency", action="store_true",
                   help="the request names an agency the registry already holds: link the new accounts to it "
                        "(they will see its submissions; check with the agency by a trusted channel first)")
    c = cmd("reject", _reject, "reject a registration request")
    c.add_argument("request_id")
    c.add_argument("--note", help="reason, kept with the request")
    c = cmd("reset-code", _reset_code, "issue a one-time code (24 hours) with which USERNAME sets a new "
                                       "password at /reset-password; read it to them by phone")
    c.add_argument("username")
    c = cmd("export", _export, "write every transferred record as police_import.csv/.json (pip-police-import/1)")
    c.add_argument("--out", required=True, help="output folder (files are mode 0600)")
    cmd("retry-transfers", _retry, "retry transfers into the hub that are still pending (exit 4 if any remain)")
    c = cmd("transfer", _transfer, "carry out queued transfers: write them to the hub and the police export "
                                   "(the portal itself never holds the hub key; exit 4 if any remain)")
    c.add_argument("--watch", type=float, metavar="SECONDS", default=None,
                   help="keep draining every SECONDS (the worker `workbench serve all` starts)")
    c = cmd("ingest-uploads", _ingest_uploads, "ingest the supplies uploaded at the portal's /supply page "
                                               "(the portal only queues them, encrypted; exit 4 if any remain)")
    c.add_argument("--watch", type=float, metavar="SECONDS", default=None,
                   help="keep ingesting every SECONDS (the worker `workbench serve all` starts)")
    cmd("stats", _stats, "submissions by agency, category, month; organisations and people registered")
