"""Pages for the force's portal administrators: registration requests and CSP statistics.

Reference 000: "the force will approve them as a member"; its measures of success are the
reports submitted and the organisations and people registered.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from workbench.errors import BadInput
from workbench.portal import registration as R
from workbench.portal.access import ADMINISTER, STATISTICS
from workbench.portal.stats import statistics
from workbench.portal.web import (count_user, form_data, login_redirect, page_user, portal, redirect,
                                  render, session)


async def _requests_page(request: Request):
    user = await page_user(request, ADMINISTER, "portal.registration.list")
    if user is None:
        return login_redirect(request)
    p = portal(request)
    rows = await run_in_threadpool(R.list_requests, p.store, "pending", p.auth)
    return render(request, "admin_requests.html", rows=rows)


async def _decide(request: Request):
    user = await page_user(request, ADMINISTER, "portal.registration.decide")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    p = portal(request)
    request_id = request.path_params["request_id"]
    try:
        if request.path_params["decision"] == "approve":
            result = await run_in_threadpool(R.approve, p.store, p.auth, request_id, admin=user.name,
                                             partnership=p.partnership,
                                             confirm_existing_agency=data.get("confirm_agency") == "yes")
            return render(request, "admin_approved.html", result=result)
        await run_in_threadpool(R.reject, p.store, p.auth, request_id, admin=user.name,
                                note=data.get("note", ""))
    except BadInput as exc:
        session(request).flash = str(exc)
        return redirect("/admin/requests")
    session(request).flash = f"Request {request_id} rejected."
    return redirect("/admin/requests")


async def _stats_page(request: Request):
    user = await page_user(request, STATISTICS, "portal.statistics.view")
    if user is None:
        return login_redirect(request)
    p = portal(request)
    s = await run_in_threadpool(lambda: statistics(p.store, p.auth.registry()))
    return render(request, "stats.html", s=s)


async def _reset_code(request: Request):
    """Issue a one-time password-reset code for a portal user (shown once, audited)."""
    user = await page_user(request, ADMINISTER, "portal.password.reset_code")
    if user is None:
        return login_redirect(request)
    data = await form_data(request)
    count_user(request, user)
    p = portal(request)
    try:
        result = await run_in_threadpool(R.issue_reset, p.store, p.auth, data.get("username", "").strip(),
                                         admin=user.name)
    except BadInput as exc:
        session(request).flash = str(exc)
        return redirect("/admin/requests")
    return render(request, "admin_reset_code.html", result=result)


def routes() -> list:
    """The administrator's pages: registration requests and their decisions, reset codes, statistics.

    Examples
    --------
    >>> [r.path for r in routes()]
    ['/admin/requests', '/admin/requests/{request_id}/{decision:str}', '/admin/reset-code', '/stats']
    """
    from starlette.routing import Route

    return [
        Route("/admin/requests", _requests_page),
        Route("/admin/requests/{request_id}/{decision:str}", _decide, methods=["POST"]),
        Route("/admin/reset-code", _reset_code, methods=["POST"]),
        Route("/stats", _stats_page),
    ]
