"""``workbench commission …`` and ``workbench product …`` (CONTRACTS.md "Commissioning and products")."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.commands.common import acting_user, add_common, hub_path
from workbench.products import actions as act
from workbench.products import commissioning as cm
from workbench.products import feedback as fb
from workbench.products.authorise import authorise


def register(subparsers) -> None:
    """Add ``workbench commission …``, ``action …`` and ``product …`` to the ``workbench`` parser.

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="workbench")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["commission", "due", "3", "--due", "2027-03-31"])
    >>> args.id, args.due
    (3, '2027-03-31')
    """
    _register_commission(subparsers)
    _register_action(subparsers)
    _register_product(subparsers)


# -- commission ---------------------------------------------------------------------------
def _register_commission(subparsers) -> None:
    p = subparsers.add_parser("commission", help="the commissioning register (guidance Box 4)")
    sub = p.add_subparsers(dest="commission_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="register a commission")
    add_common(add)
    add.add_argument("--title", required=True)
    add.add_argument("--question", action="append", required=True,
                     help="a question to answer (repeat); not limited to the data available")
    add.add_argument("--product", default="problem-profile", choices=cm.PRODUCTS)
    add.add_argument("--offences", help="Home Office codes (105A,8N) or a group name")
    add.add_argument("--area", help="the area in scope (ward, LSOA, town centre …)")
    add.add_argument("--area-lsoas", metavar="CODES",
                     help="commissioned area: LSOA codes (E01033405,E01033406); every figure keeps to it")
    add.add_argument("--area-wards", metavar="CODES", help="commissioned area: ward codes (E05012275,…)")
    add.add_argument("--area-districts", metavar="DISTRICTS",
                     help="commissioned area: postcode districts (NG1,NG7)")
    add.add_argument("--area-polygon", metavar="FILE",
                     help="commissioned area: a GeoJSON or WKT polygon (BNG metres or longitude/latitude)")
    add.add_argument("--current", help="FROM:TO (YYYY-MM-DD)")
    add.add_argument("--baseline", help="FROM:TO (YYYY-MM-DD); default a year before --current")
    add.add_argument("--requested-by", help="commissioning group: " + ", ".join(cm.COMMISSIONING_GROUPS))
    add.add_argument("--due", help="YYYY-MM-DD")
    add.add_argument("--aim")
    add.add_argument("--purpose")
    add.add_argument("--scope")
    add.add_argument("--panel", action="append", help="a member of the panel of experts (repeat)")
    add.add_argument("--analyst")
    add.add_argument("--handling", help="handling conditions (default: partnership use under the ISP)")
    add.add_argument("--as", dest="as_user")
    add.set_defaults(func=_add)

    ls = sub.add_parser("list", help="list commissions")
    add_common(ls)
    ls.add_argument("--status", help="only this status: " + ", ".join(cm.STATUSES))
    ls.set_defaults(func=_list)

    show = sub.add_parser("show", help="show one commission with its runs and feedback")
    add_common(show)
    show.add_argument("id", type=int)
    show.set_defaults(func=_show)

    assign = sub.add_parser("assign", help="assign a commission to an analyst")
    add_common(assign)
    assign.add_argument("id", type=int)
    assign.add_argument("--analyst", required=True)
    assign.add_argument("--panel", action="append")
    assign.add_argument("--as", dest="as_user")
    assign.set_defaults(func=_assign)

    due = sub.add_parser("due", help="change when a commission is due")
    add_common(due)
    due.add_argument("id", type=int)
    due.add_argument("--due", required=True, help="YYYY-MM-DD")
    due.add_argument("--as", dest="as_user")
    due.set_defaults(func=_due)

    close = sub.add_parser("close", help="close (after delivery) or withdraw a commission")
    add_common(close)
    close.add_argument("id", type=int)
    close.add_argument("--withdrawn", action="store_true", help="withdrawn rather than completed")
    close.add_argument("--note")
    close.add_argument("--as", dest="as_user")
    close.set_defaults(func=_close)

    feed = sub.add_parser("feedback", help="record feedback on a delivered product (Appendix 2 2.v), "
                                           "or --summary across products")
    add_common(feed)
    feed.add_argument("id", type=int, nargs="?")
    feed.add_argument("--summary", action="store_true", help="summary for the CSP coordinator")
    for name in fb.QUESTIONS:
        feed.add_argument("--" + name.replace("_", "-"), dest=name, metavar="yes|no",
                          help=fb.QUESTIONS[name])
    feed.add_argument("--how-used")
    feed.add_argument("--what-was-new")
    feed.add_argument("--outcome")
    feed.add_argument("--comments")
    feed.add_argument("--as", dest="as_user")
    feed.set_defaults(func=_feedback)


def _add(args):
    authorise(hub_path(args), acting_user(args), "commission")
    c = cm.add_commission(
        hub_path(args), title=args.title, questions=args.question, product=args.product,
        requested_by=args.requested_by, aim=args.aim, purpose=args.purpose, scope=args.scope,
        offences=args.offences, area=args.area, current=args.current, baseline=args.baseline,
        panel=args.panel, analyst=args.analyst, due=args.due, handling=args.handling,
        created_by=acting_user(args), quiet=args.json, area_lsoas=args.area_lsoas,
        area_wards=args.area_wards, area_districts=args.area_districts, area_polygon=args.area_polygon)
    if args.json:
        return {"id": c.id, "status": c.status}
    return f"Commission {c.id} registered: {c.title}"


class _Listing:
    def __init__(self, items):
        self.items = items

    def to_dict(self):
        return {"commissions": [c.to_dict() for c in self.items]}

    def to_text(self):
        if not self.items:
            return "No commissions."
        return "\n".join(f"{c.id:>4}  {c.status:<11} {c.product:<21} due {c.due or '-':<10}  {c.title}"
                         for c in self.items)


def _list(args):
    return _Listing(cm.list_commissions(hub_path(args), status=args.status))


class _Shown:
    def __init__(self, c, runs, feedback):
        self.c, self.runs, self.feedback = c, runs, feedback

    def to_dict(self):
        return {**self.c.to_dict(), "runs": self.runs, "feedback": [f.to_dict() for f in self.feedback]}

    def to_text(self):
        lines = [self.c.to_text()]
        for r in self.runs:
            lines.append(f"  rendered {r['generated_at']} [{r['marking']}]: {r['outputs'].get('html')}")
        for f in self.feedback:
            lines.append(f"  feedback {f.given_at}: used={f.used} how={f.how_used or '-'}")
        return "\n".join(lines)


def _show(args):
    hub = hub_path(args)
    return _Shown(cm.get_commission(hub, args.id), cm.runs(hub, args.id),
                  fb.list_feedback(hub, commission_id=args.id))


def _assign(args):
    authorise(hub_path(args), acting_user(args), "commission")
    return cm.assign_commission(hub_path(args), args.id, args.analyst, panel=args.panel,
                                actor=acting_user(args))


def _close(args):
    authorise(hub_path(args), acting_user(args), "commission")
    return cm.close_commission(hub_path(args), args.id,
                               outcome="withdrawn" if args.withdrawn else "closed",
                               note=args.note, actor=acting_user(args))


def _due(args):
    authorise(hub_path(args), acting_user(args), "commission")
    return cm.set_due(hub_path(args), args.id, args.due, actor=acting_user(args))


def _feedback(args):
    hub = hub_path(args)
    if args.summary:
        return fb.feedback_summary(hub)
    authorise(hub, acting_user(args), "feedback")
    if args.id is None:
        from workbench.errors import BadInput
        raise BadInput("Give the commission id (`workbench commission feedback ID --used yes …`) "
                       "or --summary.")
    return fb.add_feedback(hub, args.id, given_by=acting_user(args),
                           **{k: getattr(args, k) for k in fb.QUESTIONS},
                           how_used=args.how_used, what_was_new=args.what_was_new,
                           outcome=args.outcome, comments=args.comments)


# -- tasking actions ----------------------------------------------------------------------
def _register_action(subparsers) -> None:
    p = subparsers.add_parser("action", help="tasking-group actions log (regulations H 1.10)")
    sub = p.add_subparsers(dest="action_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="record an action set at a tasking meeting")
    add_common(add)
    add.add_argument("--meeting", required=True, help="meeting date YYYY-MM-DD")
    add.add_argument("--action", dest="text", required=True)
    add.add_argument("--owner", required=True)
    add.add_argument("--agency")
    add.add_argument("--due")
    add.add_argument("--commission", type=int)
    add.add_argument("--as", dest="as_user")
    add.set_defaults(func=lambda a: authorise(hub_path(a), acting_user(a), "commission") and act.add_action(
        hub_path(a), meeting=a.meeting, action=a.text, owner=a.owner, agency=a.agency,
        due=a.due, commission_id=a.commission))
    upd = sub.add_parser("update", help="change an action's status")
    add_common(upd)
    upd.add_argument("id", type=int)
    upd.add_argument("--status", required=True, help=", ".join(act.ACTION_STATUSES))
    upd.add_argument("--note")
    upd.add_argument("--as", dest="as_user")
    upd.set_defaults(func=lambda a: authorise(hub_path(a), acting_user(a), "commission") and act.update_action(hub_path(a), a.id, status=a.status, note=a.note))


# -- product ------------------------------------------------------------------------------
def _register_product(subparsers) -> None:
    from workbench.products.spec import PRODUCT_NAMES

    p = subparsers.add_parser("product", help="render an intelligence product (notebook, HTML, PDF)")
    add_common(p)
    p.add_argument("name", choices=PRODUCT_NAMES)
    p.add_argument("--commission", type=int, help="the commission this product answers")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--as-of", help="assessment date YYYY-MM-DD (default: latest data)")
    p.add_argument("--weeks", type=int, default=4, help="tactical assessment: weeks in the current period")
    p.add_argument("--request", type=int, help="subject profile: approved personal-data request id")
    p.add_argument("--subject", help="subject profile: the subject's reference")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF (HTML and notebook only)")
    p.add_argument("--partnership", help="build it from this partnership's data only (default: the "
                                         "whole shared tier, for users who may see all of it)")
    p.add_argument("--unsuppressed", action="store_true",
                   help="the analysts' edition: tables without small-count suppression and every figure; "
                        "the product library never offers it to users who may not see records "
                        "(default: the disclosure-controlled edition, counts 1-4 hidden)")
    p.add_argument("--as", dest="as_user")
    p.set_defaults(func=_product)


def _product(args: argparse.Namespace):
    from workbench.products.build import build_product

    return build_product(args.name, hub_path(args), out=args.out, commission_id=args.commission,
                         as_of=args.as_of, weeks=args.weeks, request_id=args.request,
                         subject=args.subject, pdf=not args.no_pdf, user=acting_user(args),
                         quiet=args.json, partnership=args.partnership, unsuppressed=args.unsuppressed)
