"""The coordinator console: the registry's governance tasks in the browser (issue 15).

Everything here works on the REGISTRY (``workbench.registry``, which also holds the commissioning
register and the mail outbox) through the same library calls as the command line
(``workbench/commands/registry.py``, ``requests.py`` and ``products.py``): the console never opens
the master hub or its key. Every page checks its user against the portal's roles and the one
permission matrix (:func:`workbench.portal.access.require_role`; a refusal is audited and answered
403), every form carries the session's CSRF token, every change is audited by the library call that
makes it, and every value shown is escaped by the templates.

* ``/console`` — the coordinator's start page (``admin``);
* ``/console/audit`` — the audit log, filtered and paginated, and ``verify`` (guidance 4.2.4);
* ``/console/agencies`` — agencies, groups, ISP status (guidance 2.2), DPIAs (UK GDPR Art 35),
  Caldicott guardians, partnerships and the sharing agreements between them (2.2.4);
* ``/console/users`` — users: add (with a one-time code; the coordinator never learns the
  password), deactivate, reactivate, unlock, e-mail address for notifications;
* ``/console/requests`` — personal-data requests waiting for a DLO (guidance 4.3 step 3), consent
  of the other originating agencies (2.4.2.4), completing requests and purging released copies
  (DPA principle 5), and FOI requests: record one, consultations with their 20-working-day
  deadline (FOI Act s10), release or refuse;
* ``/console/commissions`` — the commissioning register: add, assign, due dates, close, feedback
  (guidance Box 4, Appendix 2 2.v);
* ``/console/mail`` — the notification outbox (queued, sent, failed) and **Send now**.

The forms are one table (:data:`workbench.portal.console_actions.ACTIONS`) served by one endpoint
shape (:func:`post_endpoint`); :func:`routes` lists the console's routes for the app.
"""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from workbench.errors import BadInput
from workbench.portal.access import ADMINISTER, DECIDE
from workbench.portal.console_actions import ACTIONS, PAGE_SIZE, Action, Form, Page
from workbench.portal.web import (count_user, form_data, login_redirect, page_user, portal, redirect,
                                  render, session)

__all__ = ["PAGE_SIZE", "audit_filters", "post_endpoint", "routes"]


def _reg(request: Request):
    """This thread's registry handle: call only inside a worker thread (:func:`_with_registry`)."""
    return portal(request).auth.registry()


async def _with_registry(request: Request, fn, *args, **kwargs):
    """Run ``fn(registry, *args, **kwargs)`` in a worker thread with that thread's own registry
    handle (SQLite connections are not shared between threads; :meth:`.auth.Authenticator.registry`)."""
    return await run_in_threadpool(lambda: fn(_reg(request), *args, **kwargs))


# -- every form: one shape -----------------------------------------------------------------------
def post_endpoint(action: Action):
    """The endpoint for one console form (:class:`~workbench.portal.console_actions.Action`).

    Checks the role (refusal audited as ``action.audit``, 403), the CSRF token and the rate limit,
    runs ``action.run`` in a worker thread with that thread's registry, shows an error of
    ``action.shown`` as a message on ``action.back`` and otherwise the message the action returns
    (or renders the :class:`~workbench.portal.console_actions.Page` it returns).

    >>> from workbench.portal.console_actions import ACTIONS
    >>> post_endpoint(ACTIONS[0]).__name__
    'console_audit_verify'
    """
    async def endpoint(request: Request):
        user = await page_user(request, action.roles, action.audit)
        if user is None:
            return login_redirect(request)
        data = await form_data(request)
        count_user(request, user)
        form = Form(None, user, data, dict(request.path_params), portal(request))

        def run():
            form.reg = _reg(request)
            return action.run(form)

        try:
            out = await run_in_threadpool(run)
        except action.shown as exc:
            session(request).flash = str(exc)
            return redirect(action.back)
        if isinstance(out, Page):
            return render(request, out.template, out.status, **out.context)
        session(request).flash = out
        return redirect(action.back)

    endpoint.__name__ = action.audit.replace(".", "_")
    return endpoint


# -- home ----------------------------------------------------------------------------------------
async def _home(request: Request):
    user = await page_user(request, DECIDE, "console.view")
    if user is None:
        return login_redirect(request)
    return render(request, "console_home.html")


# -- audit log -----------------------------------------------------------------------------------
def _day(field: str, text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"`{field}`: expected a date as YYYY-MM-DD (e.g. 2026-12-01); found {text!r}.") from None


def audit_filters(params) -> dict:
    """The audit page's filters from its query string, checked; BadInput names the bad field.

    >>> audit_filters({"actor": " ann ", "outcome": "denied", "since": "2026-12-01", "page": "2"})["offset"]
    50
    >>> audit_filters({"outcome": "maybe"})
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `outcome`: expected one of ok, denied, failed; found 'maybe'.
    """
    from workbench.registry.audit import OUTCOMES

    outcome = (params.get("outcome") or "").strip() or None
    if outcome is not None and outcome not in OUTCOMES:
        raise BadInput(f"`outcome`: expected one of {', '.join(OUTCOMES)}; found {outcome!r}.")
    since, until = _day("since", params.get("since")), _day("until", params.get("until"))
    if since and until and until < since:
        raise BadInput(f"`until` ({until}) is before `since` ({since}).")
    page_text = (params.get("page") or "1").strip()
    if not page_text.isdigit() or int(page_text) < 1:
        raise BadInput(f"`page`: expected a whole number from 1; found {page_text!r}.")
    return {"actor": (params.get("actor") or "").strip() or None,
            "action": (params.get("action") or "").strip() or None,
            "outcome": outcome, "since": since, "until": until,
            "offset": (int(page_text) - 1) * PAGE_SIZE, "limit": PAGE_SIZE}


async def _audit_log(request: Request):
    user = await page_user(request, ADMINISTER, "console.audit.view")
    if user is None:
        return login_redirect(request)
    params = dict(request.query_params)
    try:
        filters = audit_filters(params)
    except BadInput as exc:
        return render(request, "console_audit.html", 400, error=str(exc), result=None, params=params,
                      page_no=1, verify=None, query="")
    result = await run_in_threadpool(lambda: _reg(request).audit_page(**filters))
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in params.items() if k != "page" and v})
    return render(request, "console_audit.html", error=None, result=result, params=params,
                  page_no=filters["offset"] // PAGE_SIZE + 1, verify=None, query=query)


# -- agencies ------------------------------------------------------------------------------------
def _agency_rows(reg) -> list[dict]:
    """Each agency with its group, ISP status, DLO, partnerships, DPIA in force and Caldicott guardian."""
    from workbench.privacy import caldicott, dpia

    today = reg.now().date()
    rows = []
    for a in reg.list_agencies():
        recorded = dpia.list_dpias(reg, a.name)
        in_force = [d for d in recorded if d.current(today)]
        rows.append({**a.to_dict(), "dpia": in_force[-1] if in_force else None,
                     "dpia_latest": recorded[-1] if recorded else None,
                     "guardian": caldicott.guardian_of(reg, a.name)})
    return rows


def _sharing_rows(reg) -> list[dict]:
    """Each recorded ISP decision between two partnerships, and whether sharing is allowed now."""
    rows = reg.con.execute("SELECT partnership, with_partnership, allowed FROM partnership_sharing "
                           "ORDER BY partnership, with_partnership").fetchall()
    return [{"partnership": r[0], "with": r[1], "agrees": bool(r[2]),
             "allowed": reg.sharing_allowed(r[0], r[1])} for r in rows]


def _agencies_context(reg) -> dict:
    from workbench.registry import validate

    partnership_rows = reg.list_partnerships()
    return {"rows": _agency_rows(reg), "statuses": validate.ISP_STATUSES,
            "partnerships": [p.name for p in partnership_rows], "partnership_rows": partnership_rows,
            "sharing": _sharing_rows(reg), "users": [u for u in reg.list_users() if u.active]}


async def _agencies(request: Request):
    user = await page_user(request, ADMINISTER, "console.agencies.view")
    if user is None:
        return login_redirect(request)
    return render(request, "console_agencies.html", **await _with_registry(request, _agencies_context))


# -- users ---------------------------------------------------------------------------------------
def _users_context(reg) -> dict:
    from workbench.registry import validate

    emails = dict(reg.con.execute("SELECT user, email FROM user_contacts").fetchall())
    return {"rows": reg.list_users(), "agencies": [a.name for a in reg.list_agencies()],
            "roles": validate.ROLES, "emails": emails}


async def _users(request: Request):
    user = await page_user(request, ADMINISTER, "console.users.view")
    if user is None:
        return login_redirect(request)
    return render(request, "console_users.html", **await _with_registry(request, _users_context))


# -- personal-data requests and FOI --------------------------------------------------------------
def _pending_decisions(reg, user) -> dict:
    """What waits for ``user``: pending personal-data requests (a DLO sees only those their agency
    supplies; the coordinator sees all), approved requests whose release waits for other originating
    agencies' consent, released copies and whether they are due for deletion, and FOI requests not
    yet decided, each with its due date."""
    from workbench.privacy import foi
    from workbench.privacy import requests as pr
    from workbench.privacy import retention
    from workbench.privacy.working_days import foi_due, working_days_left

    today = reg.now().date()
    admin = user.role == "admin"
    reqs = [r for r in pr.list_requests(reg, "pending") if admin or r.supplying_agency == user.agency]
    # approved, unexpired requests: another originating agency's DLO may consent to its rows (2.4.2.4)
    open_reqs = [r for r in pr.list_requests(reg, "approved") if not r.expired(reg.now())]
    approved = [{"r": r, "can_consent": not admin and user.agency != r.supplying_agency
                 and user.agency not in r.consents,
                 "can_complete": admin or r.supplying_agency == user.agency} for r in open_reqs]
    releases = []
    if admin:
        due = set(retention.due(reg))
        for row in reg.con.execute("SELECT request_id, path, kind, dataset, rows, created_by, created_at "
                                   "FROM release_files WHERE purged_at IS NULL ORDER BY request_id, id"):
            releases.append({**dict(row), "file": row["path"].rsplit("/", 1)[-1], "due": row["request_id"] in due})
    fois = []
    for f in foi.list_foi(reg):
        if f.status != "received":
            continue
        if not admin and user.agency not in f.originating_agencies:
            continue
        due_on = foi_due(f.received_at)
        fois.append({"foi": f, "due": due_on, "left": working_days_left(due_on, today)})
    agencies = [a.name for a in reg.list_agencies()] if admin else []
    return {"requests": reqs, "approved": approved, "releases": releases,
            "foi": fois, "agencies": agencies}


async def _requests_page(request: Request):
    user = await page_user(request, DECIDE, "console.requests.view")
    if user is None:
        return login_redirect(request)
    data = await _with_registry(request, _pending_decisions, user)
    return render(request, "console_requests.html", **data)


# -- commissioning register ----------------------------------------------------------------------
def _commission_rows(hub) -> list[dict]:
    """Each commission with its newest feedback record (None until feedback is given; Appendix 2 2.v)."""
    from workbench.products import commissioning as C
    from workbench.products import feedback as F

    newest: dict[int, object] = {}
    for fb in F.list_feedback(hub):               # newest first
        newest.setdefault(fb.commission_id, fb)
    return [{"c": c, "feedback": newest.get(c.id)} for c in C.list_commissions(hub)]


async def _commissions(request: Request):
    user = await page_user(request, ADMINISTER, "console.commissions.view")
    if user is None:
        return login_redirect(request)
    from workbench.products import commissioning as C
    from workbench.products import feedback as F

    rows = await run_in_threadpool(_commission_rows, portal(request).hub)
    summary = await run_in_threadpool(F.feedback_summary, portal(request).hub)
    analysts = await _with_registry(request, lambda reg: [u.name for u in reg.list_users()
                                                          if u.active and u.role == "analyst"])
    return render(request, "console_commissions.html", rows=rows, today=date.today(), products=C.PRODUCTS,
                  groups=C.COMMISSIONING_GROUPS, questions=F.QUESTIONS, analysts=analysts,
                  summary=summary)


# -- mail outbox ---------------------------------------------------------------------------------
def _outbox_rows(reg) -> list[dict]:
    """The outbox without message bodies, newest first, each marked queued, sent or failed."""
    from workbench import notify

    rows = []
    for m in reversed(notify.outbox(reg)):
        state = "sent" if m["sent_at"] else ("failed" if m["last_error"] else "queued")
        rows.append({**{k: v for k, v in m.items() if k != "body"}, "state": state})
    return rows


async def _mail(request: Request):
    user = await page_user(request, ADMINISTER, "console.mail.view")
    if user is None:
        return login_redirect(request)
    from workbench.notify import SmtpSettings

    rows = await _with_registry(request, _outbox_rows)
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in ("queued", "failed", "sent")}
    return render(request, "console_mail.html", rows=rows, counts=counts,
                  smtp_host=SmtpSettings.from_env().host)


def routes() -> list[Route]:
    """The console's routes: its pages, then every form of :data:`.console_actions.ACTIONS`.

    >>> [r.path for r in routes()][:3]
    ['/console', '/console/audit', '/console/agencies']
    >>> sum(1 for r in routes() if "POST" in r.methods) == len(ACTIONS)
    True
    """
    pages = [("/console", _home), ("/console/audit", _audit_log), ("/console/agencies", _agencies),
             ("/console/users", _users), ("/console/requests", _requests_page),
             ("/console/commissions", _commissions), ("/console/mail", _mail)]
    return ([Route(path, fn) for path, fn in pages]
            + [Route(a.path, post_endpoint(a), methods=["POST"]) for a in ACTIONS])
