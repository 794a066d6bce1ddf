"""The coordinator console: the registry's governance tasks in the browser (issue 15).

Everything here works on the REGISTRY (``workbench.registry``) through the same library calls
as the command line (``workbench/commands/registry.py`` and ``requests.py``): the console never
opens the master hub or its key. Every page checks its user against the portal's roles and the
one permission matrix (:func:`workbench.portal.access.require_role`; a refusal is audited and
answered 403), every form carries the session's CSRF token, every change is audited by the
library call that makes it, and every value shown is escaped by the templates.

* ``/console`` — the coordinator's start page (``admin``);
* ``/console/audit`` — the audit log, filtered and paginated, and ``verify`` (guidance 4.2.4);
* ``/console/agencies`` — agencies, groups, ISP status (guidance 2.2) and DPIAs (UK GDPR Art 35);
* ``/console/users`` — users: add (with a one-time code; the coordinator never learns the
  password), deactivate and reactivate;
* ``/console/requests`` — personal-data requests waiting for a DLO (guidance 4.3 step 3) and FOI
  consultations with their 20-working-day deadline (FOI Act s10, guidance 2.4.2.4);
* ``/console/commissions`` — the commissioning register, read-only, with due dates.
"""

from __future__ import annotations

import secrets
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from workbench.errors import AccessDenied, BadInput
from workbench.portal import registration as R
from workbench.portal.access import ADMINISTER, DECIDE
from workbench.portal.web import (count_user, form_data, login_redirect, page_user, portal, redirect,
                                  render, session)

#: audit-log entries shown per page
PAGE_SIZE = 50


def _reg(request: Request):
    """This thread's registry handle: call only inside a worker thread (:func:`_with_registry`)."""
    return portal(request).auth.registry()


async def _with_registry(request: Request, fn, *args, **kwargs):
    """Run ``fn(registry, *args, **kwargs)`` in a worker thread with that thread's own registry
    handle (SQLite connections are not shared between threads; :meth:`.auth.Authenticator.registry`)."""
    return await run_in_threadpool(lambda: fn(_reg(request), *args, **kwargs))


def _flash(request: Request, message: str) -> None:
    session(request).flash = message


# -- home ----------------------------------------------------------------------------------------
async def home(request: Request):
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


async def audit_log(request: Request):
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


async def audit_verify(request: Request):
    """Run the same check as ``workbench audit verify`` and show its result (the check is audited)."""
    user = await page_user(request, ADMINISTER, "console.audit.verify")
    if user is None:
        return login_redirect(request)
    await form_data(request)
    count_user(request, user)

    def run():
        reg = _reg(request)
        result = reg.verify_audit()
        reg.audit(user.name, "audit.verify", None, result.to_dict(), outcome="ok" if result.intact else "failed")
        return result

    verify = await run_in_threadpool(run)
    result = await run_in_threadpool(lambda: _reg(request).audit_page(limit=PAGE_SIZE))
    return render(request, "console_audit.html", 200 if verify.intact else 409, error=None, result=result,
                  params={}, page_no=1, verify=verify, query="")


# -- agencies ------------------------------------------------------------------------------------
def agency_rows(reg) -> list[dict]:
    """Each agency with its group, ISP status, DLO, partnerships and DPIA in force (if any)."""
    from workbench.privacy import dpia

    today = reg.now().date()
    rows = []
    for a in reg.list_agencies():
        recorded = dpia.list_dpias(reg, a.name)
        in_force = [d for d in recorded if d.current(today)]
        rows.append({**a.to_dict(), "dpia": in_force[-1] if in_force else None,
                     "dpia_latest": recorded[-1] if recorded else None})
    return rows


async def agencies(request: Request):
    user = await page_user(request, ADMINISTER, "console.agencies.view")
    if user is None:
        return login_redirect(request)
    from workbench.registry import validate

    rows = await _with_registry(request, agency_rows)
    partnership_rows = await _with_registry(request, lambda reg: reg.list_partnerships())
    parts = [p.name for p in partnership_rows]
    return render(request, "console_agencies.html", rows=rows, statuses=validate.ISP_STATUSES,
                  partnerships=parts, partnership_rows=partnership_rows)


async def agency_isp(request: Request):
    """Change an agency's ISP status (``workbench agencies update NAME --isp-status``)."""
    user = await page_user(request, ADMINISTER, "console.agency.update")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    name, status = data.get("agency", ""), data.get("isp_status", "")
    try:
        await run_in_threadpool(lambda: _reg(request).update_agency(name, isp_status=status, actor=user.name))
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"ISP status of {name} is now {status}.")
    return redirect("/console/agencies")


async def agency_add(request: Request):
    """Register an agency (``workbench agencies add NAME --group … [--dlo …] [--partnership …]``)."""
    user = await page_user(request, ADMINISTER, "console.agency.add")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    name = (data.get("name") or "").strip()
    partnership = (data.get("partnership") or "").strip()
    try:
        await run_in_threadpool(lambda: _reg(request).add_agency(
            name, data.get("group", ""), dlo=(data.get("dlo") or "").strip() or None,
            isp_status=data.get("isp_status", "pending"), partnerships=[partnership] if partnership else (),
            actor=user.name))
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"Agency {name} registered.")
    return redirect("/console/agencies")


async def partnership_add(request: Request):
    """Register a partnership (``workbench partnerships add NAME [--parent …]``)."""
    user = await page_user(request, ADMINISTER, "console.partnership.add")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    name = (data.get("name") or "").strip()
    try:
        await _with_registry(request, lambda reg: reg.add_partnership(
            name, parent=(data.get("parent") or "").strip() or None,
            cross_border=data.get("cross_border", "yes") == "yes", actor=user.name))
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"Partnership {name} registered.")
    return redirect("/console/agencies")


async def agency_join(request: Request):
    """Add an agency to a partnership (``workbench agencies update NAME --partnership …``)."""
    user = await page_user(request, ADMINISTER, "console.agency.join")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    agency, partnership = data.get("agency", ""), data.get("partnership", "")
    try:
        await _with_registry(request, lambda reg: reg.join_partnership(agency, partnership, actor=user.name))
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"{agency} is in partnership {partnership}.")
    return redirect("/console/agencies")


async def agency_dpia(request: Request):
    """Record a DPIA (``workbench agencies dpia-add``; :func:`workbench.privacy.dpia.record`)."""
    user = await page_user(request, ADMINISTER, "console.dpia.record")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    from workbench.privacy import dpia

    name = data.get("agency", "")
    try:
        done = await _with_registry(
            request, dpia.record, user.name, name, data.get("reference", ""),
            data.get("completed_on", ""), data.get("review_by", ""),
            partnership=data.get("partnership") or None, residual_high_risk=data.get("residual_high_risk") == "yes")
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"DPIA {done.reference} recorded for {name} (review by {done.review_by}).")
    return redirect("/console/agencies")


# -- users ---------------------------------------------------------------------------------------
async def users(request: Request):
    user = await page_user(request, ADMINISTER, "console.users.view")
    if user is None:
        return login_redirect(request)
    from workbench.registry import validate

    rows = await _with_registry(request, lambda reg: reg.list_users())
    names = await _with_registry(request, lambda reg: [a.name for a in reg.list_agencies()])
    return render(request, "console_users.html", rows=rows, agencies=names, roles=validate.ROLES)


def add_user(reg, store, auth, admin: str, name: str, agency: str, role: str) -> dict:
    """Register a user (``workbench users add``) with a random password nobody is told, then issue
    the portal's one-time reset code (:func:`.registration.issue_reset`) with which the person sets
    their own password at ``/reset-password``. The coordinator never learns the password."""
    reg.add_user(name.strip(), agency, role, secrets.token_urlsafe(32), actor=admin)
    return R.issue_reset(store, auth, name.strip(), admin=admin)


async def user_add(request: Request):
    user = await page_user(request, ADMINISTER, "console.user.add")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    p = portal(request)
    try:
        result = await _with_registry(request, add_user, p.store, p.auth, user.name,
                                         data.get("name", ""), data.get("agency", ""), data.get("role", ""))
    except BadInput as exc:
        _flash(request, str(exc))
        return redirect("/console/users")
    return render(request, "console_user_added.html", result=result)


async def user_state(request: Request):
    """Deactivate or reactivate an account (``workbench users deactivate|activate``)."""
    user = await page_user(request, ADMINISTER, "console.user.state")
    if user is None:
        return login_redirect(request)
    await form_data(request)
    count_user(request, user)
    name, state = request.path_params["name"], request.path_params["state"]
    if state not in ("activate", "deactivate", "unlock"):
        _flash(request, f"Unknown action {state!r}: activate, deactivate or unlock.")
        return redirect("/console/users")
    p = portal(request)

    def change():
        reg = _reg(request)
        if state == "unlock":             # ``workbench users unlock``: clears a lock-out early
            return reg.unlock(name, actor=user.name)
        return reg.set_user_active(name, state == "activate", actor=user.name)

    try:
        await run_in_threadpool(change)
    except (BadInput, AccessDenied) as exc:
        _flash(request, str(exc))
        return redirect("/console/users")
    if state == "deactivate":
        p.auth.forget(name)             # a cached API password must stop working at once
    _flash(request, f"{name} {dict(activate='reactivated', deactivate='deactivated', unlock='unlocked')[state]}.")
    return redirect("/console/users")


# -- personal-data requests and FOI --------------------------------------------------------------
def pending_decisions(reg, user) -> dict:
    """What waits for ``user``: pending personal-data requests (a DLO sees only those their agency
    supplies; the coordinator sees all) and FOI requests not yet decided, each with its due date."""
    from workbench.privacy import foi
    from workbench.privacy import requests as pr
    from workbench.privacy.working_days import foi_due, working_days_left

    today = reg.now().date()
    reqs = [r for r in pr.list_requests(reg, "pending")
            if user.role == "admin" or r.supplying_agency == user.agency]
    fois = []
    for f in foi.list_foi(reg):
        if f.status != "received":
            continue
        if user.role != "admin" and user.agency not in f.originating_agencies:
            continue
        due = foi_due(f.received_at)
        fois.append({"foi": f, "due": due, "left": working_days_left(due, today)})
    return {"requests": reqs, "foi": fois}


async def requests_page(request: Request):
    user = await page_user(request, DECIDE, "console.requests.view")
    if user is None:
        return login_redirect(request)
    data = await _with_registry(request, pending_decisions, user)
    return render(request, "console_requests.html", **data)


async def request_decide(request: Request):
    """A DLO approves or refuses (``workbench request approve|refuse``; the library checks they are
    the supplying agency's DLO and not the requester, and audits both the decision and a refusal)."""
    user = await page_user(request, DECIDE, "console.request.decide")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    from workbench.privacy import requests as pr

    decision = request.path_params["decision"]
    if decision not in ("approve", "refuse"):
        _flash(request, f"Unknown decision {decision!r}: approve or refuse.")
        return redirect("/console/requests")
    try:
        rid = int(request.path_params["request_id"])
    except ValueError:
        _flash(request, "Request numbers are whole numbers.")
        return redirect("/console/requests")
    try:
        done = await _with_registry(request, pr.decide, rid, user.name, decision == "approve",
                                       (data.get("note") or "").strip() or None)
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"Request {done.id} {done.status}.")
    return redirect("/console/requests")


async def foi_consult(request: Request):
    """The DLO of an originating agency answers an FOI consultation (``request foi-consult``)."""
    user = await page_user(request, DECIDE, "console.foi.consult")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    from workbench.privacy import foi

    try:
        fid = int(request.path_params["foi_id"])
        done = await _with_registry(request, foi.consult, fid, user.agency,
                                       data.get("consent") == "yes", user.name)
    except ValueError:
        _flash(request, "FOI numbers are whole numbers.")
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"Answer for {user.agency} recorded on FOI {done.id}.")
    return redirect("/console/requests")


async def foi_decide(request: Request):
    """The coordinator releases or refuses an FOI request (``request foi-decide``); the library
    refuses a release (403, audited) until every originating agency has consented (2.4.2.4)."""
    user = await page_user(request, ADMINISTER, "console.foi.decide")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    from workbench.privacy import foi

    decision = request.path_params["decision"]
    if decision not in ("release", "refuse"):
        _flash(request, f"Unknown decision {decision!r}: release or refuse.")
        return redirect("/console/requests")
    try:
        fid = int(request.path_params["foi_id"])
        done = await _with_registry(request, foi.decide, fid, user.name, decision == "release",
                                       (data.get("note") or "").strip() or None)
    except ValueError:
        _flash(request, "FOI numbers are whole numbers.")
    except BadInput as exc:
        _flash(request, str(exc))
    else:
        _flash(request, f"FOI {done.id} {done.status}.")
    return redirect("/console/requests")


# -- commissioning register (read-only) ----------------------------------------------------------
def commission_rows(hub) -> list[dict]:
    """Each commission with its newest feedback record (None until feedback is given; Appendix 2 2.v)."""
    from workbench.products import commissioning as C
    from workbench.products import feedback as F

    newest: dict[int, object] = {}
    for fb in F.list_feedback(hub):               # newest first
        newest.setdefault(fb.commission_id, fb)
    return [{"c": c, "feedback": newest.get(c.id)} for c in C.list_commissions(hub)]


async def commissions(request: Request):
    user = await page_user(request, ADMINISTER, "console.commissions.view")
    if user is None:
        return login_redirect(request)
    rows = await run_in_threadpool(commission_rows, portal(request).hub)
    return render(request, "console_commissions.html", rows=rows, today=date.today())
