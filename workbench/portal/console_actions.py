"""The coordinator console's changes, as one table (issue 15): every form the console posts.

Each entry of :data:`ACTIONS` (an :class:`Action`) names the form's path, the portal roles allowed to post it, the
action audited when someone without the role tries, the page to return to, and the function that
does the work with the same library call as the command named beside it. The one endpoint
:func:`workbench.portal.pages_console.post_endpoint` wraps every entry in the same shape: check the
role (refusal audited, 403), check the form's CSRF token, count the post against the rate limit,
run the function in a worker thread with that thread's registry handle, show a ``BadInput`` as a
message on the page it came from (nothing changed), and answer a library's ``AccessDenied`` with
403 (the library audits it). The library calls audit every change under the acting user's name.

Each function is declared a form by ``@_form(path, audited-as, roles=…, back=…)`` beside it, and
takes one :class:`Form` (who posts, what they posted, the registry) and return the
message to show, or a :class:`Page` to render instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Callable

from workbench.errors import AccessDenied, BadInput
from workbench.portal import registration as R
from workbench.portal.access import ADMINISTER, DECIDE


@dataclass(frozen=True)
class Page:
    """Render ``template`` with ``context`` (status ``status``) instead of returning to the list.

    >>> Page("console_audit.html", {"verify": None}, 409).status
    409
    """

    template: str
    context: dict = field(default_factory=dict)
    status: int = 200


@dataclass
class Form:
    """One posted console form: who posts it, its fields, its path parameters and the registry.

    >>> f = Form(reg=None, user=None, data={"name": "  Ann  ", "n": "7", "x": "maybe"}, params={"id": "x"})
    >>> f.text("name"), f.text("absent"), f.optional("absent"), f.number("n", "Request")
    ('Ann', '', None, 7)
    >>> f.number("id", "FOI")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: FOI numbers are whole numbers; found 'x'.
    >>> f.yes("x"), Form(None, None, {"x": "yes"}).yes("x")
    (False, True)
    >>> Form(None, None, {"l": "a\\n\\n b, c "}).lines("l")
    ['a', 'b, c']
    """

    reg: object
    user: object
    data: dict
    params: dict = field(default_factory=dict)
    portal: object = None

    def text(self, name: str) -> str:
        return (self.data.get(name) or "").strip()

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def yes(self, name: str) -> bool:
        return self.text(name) == "yes"

    def lines(self, name: str) -> list[str]:
        """A textarea of one item a line (names may hold commas), blanks dropped."""
        return [x.strip() for x in (self.data.get(name) or "").splitlines() if x.strip()]

    def number(self, name: str, what: str) -> int:
        """A whole number from the path (or the form), or BadInput naming ``what`` it numbers."""
        raw = str(self.params.get(name, self.data.get(name, ""))).strip()
        if not raw.isdigit():
            raise BadInput(f"{what} numbers are whole numbers; found {raw!r}.")
        return int(raw)

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = str(self.params.get(name, self.data.get(name, ""))).strip()
        if value not in choices:
            raise BadInput(f"Unknown {name} {value!r}: {' or '.join(choices)}.")
        return value

    @property
    def hub(self):
        return self.portal.hub


@dataclass(frozen=True)
class Action:
    """One console form: its path, who may post it, what a refusal is audited as, where to return.

    >>> share = next(a for a in ACTIONS if a.path == "/console/partnerships/share")
    >>> share.roles, share.audit, share.back
    (('admin',), 'console.partnership.share', '/console/agencies')
    >>> import tempfile, types
    >>> from pathlib import Path
    >>> from workbench.registry import open_registry
    >>> reg = open_registry(Path(tempfile.mkdtemp()) / "hub.duckdb")
    >>> for name in ("Nottingham", "Derby"):
    ...     _ = reg.add_partnership(name)
    >>> coordinator = types.SimpleNamespace(name="coord", role="admin", agency="Council")
    >>> share.run(Form(reg, coordinator, {"name": "Derby", "with_partnership": "Nottingham"}))
    "Derby's ISP decision recorded: it shares with Nottingham. Sharing between them is not allowed until Nottingham records its own agreement."
    >>> reg.close()
    """

    path: str
    roles: tuple[str, ...]
    audit: str
    back: str
    run: Callable[[Form], "str | Page"]
    #: errors shown as a message on the page (nothing changed); any other error propagates
    shown: tuple[type[Exception], ...] = (BadInput,)


_FORMS: list[Action] = []


def _form(path: str, audit: str, *, roles: tuple[str, ...] = ADMINISTER, back: str | None = None,
          shown: tuple[type[Exception], ...] = (BadInput,)):
    """Declare the decorated function as the console form posted to ``path`` (:data:`ACTIONS`);
    ``back`` defaults to the page the path is under (``/console/agencies`` for
    ``/console/agencies/isp``)."""
    def declare(run):
        _FORMS.append(Action(path, roles, audit, back or "/".join(path.split("/")[:3]), run, shown))
        return run
    return declare


#: audit-log entries shown per page
PAGE_SIZE = 50


# -- audit log (workbench audit verify) ----------------------------------------------------------
@_form("/console/audit/verify", "console.audit.verify")
def _audit_verify(f: Form) -> Page:
    """Run the same check as ``workbench audit verify`` and show its result (the check is audited)."""
    result = f.reg.verify_audit()
    f.reg.audit(f.user.name, "audit.verify", None, result.to_dict(), outcome="ok" if result.intact else "failed")
    return Page("console_audit.html", {"error": None, "result": f.reg.audit_page(limit=PAGE_SIZE), "params": {},
                                       "page_no": 1, "verify": result, "query": ""},
                200 if result.intact else 409)


# -- agencies and partnerships (workbench agencies … / partnerships …) ---------------------------
@_form("/console/agencies/isp", "console.agency.update")
def _agency_isp(f: Form) -> str:
    name, status = f.data.get("agency", ""), f.data.get("isp_status", "")
    f.reg.update_agency(name, isp_status=status, actor=f.user.name)
    return f"ISP status of {name} is now {status}."


@_form("/console/agencies/add", "console.agency.add")
def _agency_add(f: Form) -> str:
    name, partnership = f.text("name"), f.text("partnership")
    f.reg.add_agency(name, f.data.get("group", ""), dlo=f.optional("dlo"),
                     isp_status=f.data.get("isp_status", "pending"),
                     partnerships=[partnership] if partnership else (), actor=f.user.name)
    return f"Agency {name} registered."


@_form("/console/partnerships/add", "console.partnership.add", back="/console/agencies")
def _partnership_add(f: Form) -> str:
    name = f.text("name")
    f.reg.add_partnership(name, parent=f.optional("parent"),
                          cross_border=f.data.get("cross_border", "yes") == "yes", actor=f.user.name)
    return f"Partnership {name} registered."


@_form("/console/partnerships/cross-border", "console.partnership.set", back="/console/agencies")
def _partnership_cross_border(f: Form) -> str:
    """``workbench partnerships set NAME --cross-border yes|no``."""
    p = f.reg.set_cross_border(f.text("name"), f.yes("cross_border"), actor=f.user.name)
    return f"Partnership {p.name} {'may' if p.cross_border else 'may not'} share across its border."


@_form("/console/partnerships/share", "console.partnership.share", back="/console/agencies")
def _partnership_share(f: Form) -> str:
    """``workbench partnerships share NAME --with OTHER [--refuse]`` (guidance 2.2.4)."""
    name, other, allow = f.text("name"), f.text("with_partnership"), not f.yes("refuse")
    f.reg.record_sharing(name, other, allow, actor=f.user.name)
    both = f.reg.sharing_allowed(name, other)
    return (f"{name}'s ISP decision recorded: it {'shares' if allow else 'does not share'} with {other}. "
            f"Sharing between them is {'now allowed (both ISPs agree)' if both else 'not allowed'}"
            f"{'' if both or not allow else ' until ' + other + ' records its own agreement'}.")


@_form("/console/agencies/join", "console.agency.join")
def _agency_join(f: Form) -> str:
    agency, partnership = f.data.get("agency", ""), f.data.get("partnership", "")
    f.reg.join_partnership(agency, partnership, actor=f.user.name)
    return f"{agency} is in partnership {partnership}."


@_form("/console/agencies/dpia", "console.dpia.record")
def _agency_dpia(f: Form) -> str:
    from workbench.privacy import dpia

    name = f.data.get("agency", "")
    done = dpia.record(f.reg, f.user.name, name, f.data.get("reference", ""), f.data.get("completed_on", ""),
                       f.data.get("review_by", ""), partnership=f.data.get("partnership") or None,
                       residual_high_risk=f.yes("residual_high_risk"))
    return f"DPIA {done.reference} recorded for {name} (review by {done.review_by})."


@_form("/console/agencies/caldicott", "console.caldicott.appoint")
def _caldicott_appoint(f: Form) -> str:
    """``workbench agencies caldicott NAME --guardian USER``."""
    from workbench.privacy import caldicott

    done = caldicott.appoint(f.reg, f.user.name, f.text("agency"), f.text("guardian"))
    return f"{done['guardian']} is the Caldicott guardian of {done['agency']}."


# -- users (workbench users …) -------------------------------------------------------------------
def _add_user(reg, store, auth, admin: str, name: str, agency: str, role: str) -> dict:
    """Register a user (``workbench users add``) with a random password nobody is told, then issue
    the portal's one-time reset code (:func:`.registration.issue_reset`) with which the person sets
    their own password at ``/reset-password``. The coordinator never learns the password."""
    reg.add_user(name.strip(), agency, role, secrets.token_urlsafe(32), actor=admin)
    return R.issue_reset(store, auth, name.strip(), admin=admin)


@_form("/console/users/add", "console.user.add")
def _user_add(f: Form) -> Page:
    result = _add_user(f.reg, f.portal.store, f.portal.auth, f.user.name, f.data.get("name", ""),
                       f.data.get("agency", ""), f.data.get("role", ""))
    return Page("console_user_added.html", {"result": result})


_STATE_DONE = {"activate": "reactivated", "deactivate": "deactivated", "unlock": "unlocked"}


@_form("/console/users/{name}/{state}", "console.user.state", shown=(BadInput, AccessDenied))
def _user_state(f: Form) -> str:
    """Deactivate or reactivate an account, or clear a lock-out (``workbench users …``)."""
    name = f.params["name"]
    state = f.params["state"]
    if state not in _STATE_DONE:
        raise BadInput(f"Unknown action {state!r}: activate, deactivate or unlock.")
    if state == "unlock":
        f.reg.unlock(name, actor=f.user.name)
    else:
        f.reg.set_user_active(name, state == "activate", actor=f.user.name)
    if state == "deactivate":
        f.portal.auth.forget(name)          # a cached API password must stop working at once
    return f"{name} {_STATE_DONE[state]}."


@_form("/console/users/email", "console.user.email")
def _user_email(f: Form) -> str:
    """``workbench users email NAME --email ADDRESS`` (where notifications go)."""
    from workbench import notify

    done = notify.set_email(f.reg, f.user.name, f.text("name"), f.text("email"))
    return f"E-mail address of {done.get('user', f.text('name'))} recorded."


# -- personal-data requests and FOI (workbench request …) ----------------------------------------
@_form("/console/requests/{request_id}/{decision}", "console.request.decide", roles=DECIDE)
def _request_decide(f: Form) -> str:
    """``workbench request approve|refuse`` (the library checks the DLO and audits)."""
    from workbench.privacy import requests as pr

    decision = f.choice("decision", ("approve", "refuse"))
    done = pr.decide(f.reg, f.number("request_id", "Request"), f.user.name, decision == "approve",
                     f.optional("note"))
    return f"Request {done.id} {done.status}."


@_form("/console/requests/{request_id}/consent", "console.request.consent", roles=DECIDE)
def _request_consent(f: Form) -> str:
    """``workbench request consent ID --agency OWN`` (another originating agency's DLO, 2.4.2.4)."""
    from workbench.privacy import requests as pr

    done = pr.consent(f.reg, f.number("request_id", "Request"), f.user.agency, f.user.name)
    return f"{f.user.agency} consents to the release of its rows under request {done.id}."


@_form("/console/requests/{request_id}/complete", "console.request.complete", roles=DECIDE)
def _request_complete(f: Form) -> str:
    """``workbench request complete ID``: the purpose is served; its copies are purged at once."""
    from workbench.privacy import requests as pr

    done = pr.complete(f.reg, f.number("request_id", "Request"), f.user.name)
    return f"Request {done.id} completed; its released copies are deleted."


@_form("/console/requests/purge", "console.request.purge")
def _purge(f: Form) -> str:
    """``workbench request purge [--id N]``: delete the copies of expired or completed requests."""
    from workbench.privacy.retention import purge

    rid = f.number("request_id", "Request") if f.text("request_id") else None
    done = purge(f.reg, actor=f.user.name, request_id=rid)
    if not done.requests:
        return "No released copy was due for deletion."
    return (f"Deleted {len(done.files_deleted)} file(s) of request(s) "
            f"{', '.join(str(r) for r in done.requests)}"
            f"{'; already gone: ' + str(len(done.already_gone)) if done.already_gone else ''}.")


@_form("/console/foi/add", "console.foi.add", back="/console/requests")
def _foi_add(f: Form) -> str:
    """``workbench request foi-add --requester … --information … --agency …`` (admin)."""
    from workbench.privacy import foi

    done = foi.record(f.reg, f.user.name, f.text("requester"), f.text("information"), f.lines("datasets"),
                      f.lines("agencies"))
    return f"FOI {done.id} recorded; the originating agencies' DLOs are asked for their view."


@_form("/console/foi/{foi_id}/consult", "console.foi.consult", roles=DECIDE, back="/console/requests")
def _foi_consult(f: Form) -> str:
    from workbench.privacy import foi

    done = foi.consult(f.reg, f.number("foi_id", "FOI"), f.user.agency, f.yes("consent"), f.user.name)
    return f"Answer for {f.user.agency} recorded on FOI {done.id}."


@_form("/console/foi/{foi_id}/decide/{decision}", "console.foi.decide", back="/console/requests")
def _foi_decide(f: Form) -> str:
    """``request foi-decide``; the library refuses a release (403, audited) until every
    originating agency has consented (2.4.2.4)."""
    from workbench.privacy import foi

    decision = f.choice("decision", ("release", "refuse"))
    done = foi.decide(f.reg, f.number("foi_id", "FOI"), f.user.name, decision == "release", f.optional("note"))
    return f"FOI {done.id} {done.status}."


# -- commissioning register (workbench commission …) ---------------------------------------------
@_form("/console/commissions/add", "console.commission.add")
def _commission_add(f: Form) -> str:
    from workbench.products import commissioning as cm
    from workbench.products.authorise import authorise

    authorise(f.hub, f.user.name, "commission")
    c = cm.add_commission(f.hub, title=f.text("title"), questions=f.lines("questions"),
                          product=f.text("product") or "problem-profile",
                          requested_by=f.optional("requested_by"), aim=f.optional("aim"),
                          area=f.optional("area"), analyst=f.optional("analyst"), due=f.optional("due"),
                          created_by=f.user.name, quiet=True)
    return f"Commission {c.id} registered: {c.title}."


@_form("/console/commissions/{commission_id}/assign", "console.commission.assign")
def _commission_assign(f: Form) -> str:
    from workbench.products import commissioning as cm
    from workbench.products.authorise import authorise

    authorise(f.hub, f.user.name, "commission")
    c = cm.assign_commission(f.hub, f.number("commission_id", "Commission"), f.text("analyst"),
                             actor=f.user.name)
    return f"Commission {c.id} assigned to {c.analyst}."


@_form("/console/commissions/{commission_id}/due", "console.commission.due")
def _commission_due(f: Form) -> str:
    from workbench.products import commissioning as cm
    from workbench.products.authorise import authorise

    authorise(f.hub, f.user.name, "commission")
    c = cm.set_due(f.hub, f.number("commission_id", "Commission"), f.text("due"), actor=f.user.name)
    return f"Commission {c.id} is due on {c.due}."


@_form("/console/commissions/{commission_id}/close", "console.commission.close")
def _commission_close(f: Form) -> str:
    from workbench.products import commissioning as cm
    from workbench.products.authorise import authorise

    authorise(f.hub, f.user.name, "commission")
    c = cm.close_commission(f.hub, f.number("commission_id", "Commission"),
                            outcome="withdrawn" if f.yes("withdrawn") else "closed", note=f.optional("note"),
                            actor=f.user.name)
    return f"Commission {c.id} {c.status}."


@_form("/console/commissions/{commission_id}/feedback", "console.commission.feedback")
def _commission_feedback(f: Form) -> str:
    from workbench.products import feedback as fb
    from workbench.products.authorise import authorise

    authorise(f.hub, f.user.name, "feedback")
    cid = f.number("commission_id", "Commission")
    fb.add_feedback(f.hub, cid, given_by=f.user.name, **{k: f.optional(k) for k in fb.QUESTIONS},
                    how_used=f.optional("how_used"), what_was_new=f.optional("what_was_new"),
                    outcome=f.optional("outcome"), comments=f.optional("comments"))
    return f"Feedback on commission {cid} recorded."


# -- notifications (workbench mail …) ------------------------------------------------------------
@_form("/console/mail/send", "console.mail.send")
def _mail_send(f: Form) -> str:
    """``workbench mail queue`` then ``workbench mail send``, now; the request itself is audited."""
    from workbench import notify

    queued = notify.queue(f.reg)
    done = notify.deliver(f.reg)
    f.reg.audit(f.user.name, "mail.send_now", None, {"queued": queued, **done})
    if done.get("reason"):
        return f"Nothing sent: {done['reason']}. {done['waiting']} message(s) waiting."
    return (f"{queued} new message(s) queued; sent {done['sent']}, failed {done['failed']}, "
            f"without an address {done.get('no_address', 0)}; {done['waiting']} still waiting.")


#: every form of the console, in route order: fewer path parameters first, so that a fixed segment
#: (``…/{request_id}/consent``) is tried before a parameter (``…/{request_id}/{decision}``)
ACTIONS: tuple[Action, ...] = tuple(sorted(_FORMS, key=lambda a: a.path.count("{")))
