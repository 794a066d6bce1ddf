"""Command groups ``agencies``, ``users``, ``partnerships``, ``marking``, ``audit``, ``request``.

Who is acting comes from ``--as``, ``WORKBENCH_USER`` or the operating-system account
(:func:`workbench.commands.common.acting_user`). Changing the registry needs the ``admin`` operation
(the CSP coordinator, guidance Box 2) once an active admin exists; on a brand-new registry
the first commands run as a bootstrap, audited as such, so the coordinator can register
their own agency and account. ``audit verify`` is open to anyone: exit 0 when the chain is
intact, exit 2 naming the first broken entry.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from workbench.errors import BadInput


def _acting(args) -> str:
    from workbench.commands.common import acting_user

    return acting_user(args)


def _dpia():
    from workbench.privacy import dpia

    return dpia


def _caldicott():
    from workbench.privacy import caldicott

    return caldicott


def _reg(args):
    from workbench.commands.common import hub_path
    from workbench.registry import open_registry

    return open_registry(hub_path(args))


def _admin(reg, args) -> str:
    """The acting user, who must hold ``admin`` unless the registry has no admin yet."""
    from workbench.commands.common import acting_user
    from workbench.privacy import access

    actor = acting_user(args)
    # set-up only while the registry has never had an admin: deactivating every admin must not
    # reopen the door to anyone who can run the CLI (deny by default)
    has_admin = reg.con.execute("SELECT 1 FROM users WHERE role = 'admin'").fetchone()
    if not has_admin:
        reg.audit(actor, "bootstrap", None, {"reason": "no active admin yet; registry set-up"})
        return actor
    access.require(reg, actor, "admin", "*")
    return actor


def _password(args) -> str:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != first:
            raise BadInput("The two passwords differ; nothing was changed.")
        return first
    raise BadInput("No password given: pipe it in with --password-stdin.")


def _yes_no(value: str) -> bool:
    v = value.strip().lower()
    if v in ("yes", "y", "true", "1", "on"):
        return True
    if v in ("no", "n", "false", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, found {value!r}")


def _common(p, *, as_user=True):
    from workbench.commands.common import add_common

    add_common(p)
    if as_user:
        p.add_argument("--as", dest="as_user", metavar="USER", help="acting user (default WORKBENCH_USER)")


def _run(fn):
    def handler(args):
        reg = _reg(args)
        try:
            return fn(reg, args)
        finally:
            reg.close()
    return handler


# -- user-defined datasets -----------------------------------------------------------------
def _notify():
    from workbench import notify

    return notify


def _user_datasets():
    from workbench.hub import user_datasets

    return user_datasets


def _datasets_add(reg, a):
    actor = _admin(reg, a)
    try:
        done = _user_datasets().declare(reg.hub, a.spec)
    except Exception as exc:
        reg.audit(actor, "dataset.declare", a.spec, {"error": str(exc).splitlines()[0][:300]}, outcome="failed")
        raise
    reg.audit(actor, "dataset.declare", done["dataset"],
              {"version": done["version"], "class": done["class"], "added_columns": done["added_columns"]})
    return done


def _mail_send(args):
    """``mail send [--queue] [--watch SECONDS]``: one pass, or one pass every SECONDS until stopped.

    A pass that fails (the registry busy, the mail server down) is reported on stderr and tried
    again on the next pass; the outbox keeps every message meanwhile.
    """
    import time

    while True:
        try:
            with _reg(args) as reg:
                queued = _notify().queue(reg) if args.queue else None
                result = _notify().deliver(reg)
        except Exception as exc:         # a watcher keeps going; a single pass reports the error
            if not args.watch:
                raise
            print(f"mail send: {type(exc).__name__}: {exc}", file=sys.stderr)
        else:
            if queued is not None:
                result = {"queued": queued, **result}
            if not args.watch:
                return result
            if result.get("sent") or result.get("failed"):
                print(f"mail send: {_notify().to_json(result)}", file=sys.stderr, flush=True)
        time.sleep(args.watch)


# -- agencies ------------------------------------------------------------------------------
def _agencies_add(reg, a):
    actor = _admin(reg, a)
    return reg.add_agency(a.name, a.group, dlo=a.dlo, isp_status=a.isp_status,
                          partnerships=a.partnership or (), actor=actor)


def _agencies_update(reg, a):
    actor = _admin(reg, a)
    agency = reg.update_agency(a.name, group=a.group, dlo=a.dlo, isp_status=a.isp_status, actor=actor)
    for p in a.partnership or ():
        agency = reg.join_partnership(a.name, p, actor=actor)
    return agency


def _agencies_list(reg, a):
    return {"agencies": [x.to_dict() for x in reg.list_agencies()]}


# -- users -----------------------------------------------------------------------------------
def _users_add(reg, a):
    actor = _admin(reg, a)
    return reg.add_user(a.name, a.agency, a.role, _password(a), actor=actor)


def _users_list(reg, a):
    _admin(reg, a)
    return {"users": [u.to_dict() for u in reg.list_users()]}


def _users_state(action):
    def fn(reg, a):
        actor = _admin(reg, a)
        if action == "unlock":
            reg.unlock(a.name, actor=actor)
            return reg.get_user(a.name)
        if action == "password":
            reg.set_password(a.name, _password(a), actor=actor)
            return reg.get_user(a.name)
        return reg.set_user_active(a.name, action == "activate", actor=actor)
    return fn


# -- partnerships ----------------------------------------------------------------------------
def _partnerships_add(reg, a):
    actor = _admin(reg, a)
    return reg.add_partnership(a.name, parent=a.parent, cross_border=a.cross_border, actor=actor)


def _partnerships_set(reg, a):
    return reg.set_cross_border(a.name, a.cross_border, actor=_admin(reg, a))


def _partnerships_share(reg, a):
    actor = _admin(reg, a)
    reg.record_sharing(a.name, a.with_partnership, not a.refuse, actor=actor)
    return {"partnership": a.name, "with": a.with_partnership, "recorded": not a.refuse,
            "sharing_allowed": reg.sharing_allowed(a.name, a.with_partnership)}


def _partnerships_list(reg, a):
    return {"partnerships": [p.to_dict() for p in reg.list_partnerships()]}


def _partnerships_visible(reg, a):
    return {"user": a.user, "visible": sorted(reg.visible_partnerships(a.user))}


# -- marking ---------------------------------------------------------------------------------
def _marking_set(reg, a):
    return {"dataset": a.dataset, "marking": reg.set_marking(a.dataset, a.marking, actor=_admin(reg, a))}


def _marking_show(reg, a):
    return {"dataset": a.dataset, "marking": reg.marking(a.dataset)}


# -- audit -----------------------------------------------------------------------------------
def _audit_verify(reg, a):
    anchor = None
    if a.anchor:
        seq, _, digest = a.anchor.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise BadInput(f"--anchor must be SEQ:HASH as printed by `workbench audit head`; found {a.anchor!r}.")
        anchor = (int(seq), digest)
    result = reg.verify_audit(anchor)
    if not result.intact:
        print(f"workbench: {result.to_text()}", file=sys.stderr)
        return result, 2
    return result


def _audit_list(reg, a):
    _admin(reg, a)
    rows = reg.audit_entries(actor=a.actor, action=a.action, outcome=a.outcome, limit=a.limit)
    return {"entries": [e.to_dict() for e in rows]}


def register(sub) -> None:
    """Add the registry's command groups to the ``workbench`` parser.

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="workbench")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["mail", "send", "--queue", "--watch", "60"])
    >>> args.queue, args.watch
    (True, 60.0)
    >>> parser.parse_args(["partnerships", "share", "Derby", "--with", "Nottingham"]).with_partnership
    'Nottingham'
    """
    from workbench.registry import validate

    # agencies
    g = sub.add_parser("agencies", help="partner agencies: ISP status and group (guidance 2.2.4)")
    gs = g.add_subparsers(dest="agencies_command", metavar="ACTION", required=True)
    p = gs.add_parser("add", help="register an agency")
    _common(p)
    p.add_argument("name")
    p.add_argument("--group", required=True, choices=validate.AGENCY_GROUPS,
                   help="central: may receive personal data case by case; second: depersonalised only")
    p.add_argument("--dlo", help="the agency's Designated Liaison Officer (guidance 2.2.1)")
    p.add_argument("--isp-status", default="signed", choices=validate.ISP_STATUSES)
    p.add_argument("--partnership", action="append", help="partnership(s) it belongs to (repeatable)")
    p.set_defaults(func=_run(_agencies_add))
    p = gs.add_parser("update", help="change group, DLO or ISP status; join partnerships")
    _common(p)
    p.add_argument("name")
    p.add_argument("--group", choices=validate.AGENCY_GROUPS)
    p.add_argument("--dlo")
    p.add_argument("--isp-status", choices=validate.ISP_STATUSES)
    p.add_argument("--partnership", action="append")
    p.set_defaults(func=_run(_agencies_update))
    p = gs.add_parser("list", help="list agencies")
    _common(p, as_user=False)
    p.set_defaults(func=_run(_agencies_list))
    p = gs.add_parser("dpia-add", help="record the agency's data protection impact assessment (UK GDPR Art 35)")
    _common(p)
    p.add_argument("name", help="the agency")
    p.add_argument("--reference", required=True, help="the DPIA document's reference")
    p.add_argument("--completed", required=True, help="YYYY-MM-DD")
    p.add_argument("--review-by", required=True, help="YYYY-MM-DD, at most three years later")
    p.add_argument("--partnership", help="only for this partnership (default: all of the agency's)")
    p.add_argument("--residual-high-risk", action="store_true",
                   help="a high risk remains: no personal data is released until the ICO is consulted (Art 36)")
    p.set_defaults(func=_run(lambda reg, a: _dpia().record(
        reg, _acting(a), a.name, a.reference, a.completed, a.review_by, partnership=a.partnership,
        residual_high_risk=a.residual_high_risk)))
    p = gs.add_parser("dpia-list", help="list recorded DPIAs and whether each is in force")
    _common(p, as_user=False)
    p.add_argument("--agency")
    p.set_defaults(func=_run(lambda reg, a: {"dpias": [
        {**d.to_dict(), "in_force": d.current(reg.now().date())} for d in _dpia().list_dpias(reg, a.agency)]}))
    p = gs.add_parser("caldicott", help="name a health agency's Caldicott guardian (a user of that agency)")
    _common(p)
    p.add_argument("name", help="the health agency")
    p.add_argument("--guardian", required=True)
    p.set_defaults(func=_run(lambda reg, a: _caldicott().appoint(reg, _acting(a), a.name, a.guardian)))

    # user-defined datasets (issue 16)
    g = sub.add_parser("datasets", help="user-defined datasets declared in YAML (no code change)")
    gs = g.add_subparsers(dest="datasets_command", metavar="ACTION", required=True)
    p = gs.add_parser("add", help="declare or upgrade a dataset from a YAML file (admin; audited)")
    _common(p)
    p.add_argument("spec", help="the YAML declaration (docs/hub.md, 'User-defined datasets')")
    p.set_defaults(func=_run(_datasets_add))
    p = gs.add_parser("list", help="the hub's user-defined datasets and their versions")
    _common(p, as_user=False)
    p.set_defaults(func=_run(lambda reg, a: {"datasets": _user_datasets().declarations(reg.hub)}))

    # e-mail notifications (issue 15)
    g = sub.add_parser("mail", help="e-mail notifications: queue from the audit log, send, outbox")
    gs = g.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    p = gs.add_parser("queue", help="turn new audit events (and late supplies) into outbox messages")
    _common(p, as_user=False)
    p.add_argument("--late-supplies", action="store_true", help="also queue today's late-supply digest")
    p.set_defaults(func=_run(lambda reg, a: {"queued": _notify().queue(
        reg, late_digest_on=__import__("datetime").date.today() if a.late_supplies else None)}))
    p = gs.add_parser("send", help="send the outbox through WORKBENCH_SMTP_HOST (failures stay queued)")
    _common(p, as_user=False)
    p.add_argument("--queue", action="store_true", help="first queue new audit events (as `mail queue`)")
    p.add_argument("--watch", type=float, metavar="SECONDS",
                   help="keep going: queue (with --queue) and send every SECONDS (`serve all` runs this)")
    p.set_defaults(func=_mail_send)
    p = gs.add_parser("outbox", help="list messages (admin)")
    _common(p)
    p.add_argument("--unsent", action="store_true")
    p.set_defaults(func=_run(lambda reg, a: (_admin(reg, a), {"messages": [
        {k: v for k, v in m.items() if k != "body"} for m in _notify().outbox(reg, unsent_only=a.unsent)]})[1]))

    # users
    g = sub.add_parser("users", help="user accounts and roles")
    gs = g.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = gs.add_parser("add", help="register a user (password from stdin)")
    _common(p)
    p.add_argument("name")
    p.add_argument("--agency", required=True)
    p.add_argument("--role", required=True, choices=validate.ROLES)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=_run(_users_add))
    p = gs.add_parser("list", help="list users")
    _common(p)
    p.set_defaults(func=_run(_users_list))
    for action, text in (("activate", "re-enable an account"), ("deactivate", "disable an account"),
                         ("unlock", "clear a lockout"), ("password", "set a new password (stdin)")):
        p = gs.add_parser(action, help=text)
        _common(p)
        p.add_argument("name")
        if action == "password":
            p.add_argument("--password-stdin", action="store_true")
        p.set_defaults(func=_run(_users_state(action)))
    p = gs.add_parser("email", help="record a user's e-mail address for notifications (admin, or yourself)")
    _common(p)
    p.add_argument("name")
    p.add_argument("--email", required=True)
    p.set_defaults(func=_run(lambda reg, a: _notify().set_email(reg, _acting(a), a.name, a.email)))

    # partnerships
    g = sub.add_parser("partnerships", help="partnerships in this hub and sharing between them")
    gs = g.add_subparsers(dest="partnerships_command", metavar="ACTION", required=True)
    p = gs.add_parser("add", help="register a partnership")
    _common(p)
    p.add_argument("name")
    p.add_argument("--parent", help="county-level partnership that contains this one")
    p.add_argument("--cross-border", type=_yes_no, default=True, metavar="yes|no",
                   help="does its ISP allow sharing with other partnerships at all (default yes)")
    p.set_defaults(func=_run(_partnerships_add))
    p = gs.add_parser("set", help="change a partnership's cross-border setting")
    _common(p)
    p.add_argument("name")
    p.add_argument("--cross-border", type=_yes_no, required=True, metavar="yes|no")
    p.set_defaults(func=_run(_partnerships_set))
    p = gs.add_parser("share", help="record this partnership's ISP decision to share with another")
    _common(p)
    p.add_argument("name")
    p.add_argument("--with", dest="with_partnership", required=True)
    p.add_argument("--refuse", action="store_true", help="record a refusal instead")
    p.set_defaults(func=_run(_partnerships_share))
    p = gs.add_parser("list", help="list partnerships")
    _common(p, as_user=False)
    p.set_defaults(func=_run(_partnerships_list))
    p = gs.add_parser("visible", help="partnerships whose depersonalised data a user may see")
    _common(p, as_user=False)
    p.add_argument("--user", required=True)
    p.set_defaults(func=_run(_partnerships_visible))

    # protective marking
    g = sub.add_parser("marking", help="protective marking per dataset (default OFFICIAL-SENSITIVE)")
    gs = g.add_subparsers(dest="marking_command", metavar="ACTION", required=True)
    p = gs.add_parser("set", help="set a dataset's marking")
    _common(p)
    p.add_argument("dataset")
    p.add_argument("marking", choices=validate.MARKINGS)
    p.set_defaults(func=_run(_marking_set))
    p = gs.add_parser("show", help="show a dataset's marking")
    _common(p, as_user=False)
    p.add_argument("dataset")
    p.set_defaults(func=_run(_marking_show))

    # audit
    g = sub.add_parser("audit", help="the hash-chained audit log")
    gs = g.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = gs.add_parser("verify", help="check the chain: exit 0 intact, 2 edited/deleted (names the entry)")
    _common(p, as_user=False)
    p.add_argument("--anchor", metavar="SEQ:HASH", help="also check an anchor noted from `audit head`")
    p.set_defaults(func=_run(_audit_verify))
    p = gs.add_parser("head", help="the newest entry's number and hash: note it elsewhere as an anchor")
    _common(p, as_user=False)
    p.set_defaults(func=_run(lambda reg, a: {**reg.audit_head(),
                                             "anchor": f"{reg.audit_head()['seq']}:{reg.audit_head()['hash']}"}))
    p = gs.add_parser("list", help="read entries (admin)")
    _common(p)
    p.add_argument("--actor")
    p.add_argument("--action")
    p.add_argument("--outcome", choices=("ok", "denied", "failed"))
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=_run(_audit_list))

    from workbench.commands.requests import register_request

    register_request(sub, _common, _run, _admin)
