"""Pages anyone may open: home, how to submit, log-in/out, registration request, activation.

Reference 000: partners "register themselves as a partner agency and the force will approve
them"; a training video explains how to submit (here a how-to page). Reference 001: the
portal is not for emergencies (999) or child safeguarding referrals (MASH).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from workbench.errors import AccessDenied
from workbench.portal import registration as R
from workbench.portal import validate
from workbench.portal.validate import FieldError
from workbench.portal.web import (count_address, current_user, form_data, portal, redirect, render,
                                  session)

#: roles that may log in to the portal (deny by default). A DLO comes to decide personal-data
#: requests and FOI consultations (the coordinator console); analysts (and DLOs) upload their
#: agency's supplies at ``/supply`` (issue 15; what they may ingest is the permission matrix's
#: decision). Every other page keeps its own role check; data is read in the dashboards.
PORTAL_ROLES = ("partner", "reviewer", "admin", "dlo", "analyst")
HOME_FOR = {"partner": "/submit", "reviewer": "/review", "admin": "/admin/requests", "dlo": "/console/requests",
            "analyst": "/supply"}


async def _home(request: Request):
    request.state.user = await current_user(request)
    return render(request, "home.html")


async def _how_to_submit(request: Request):
    request.state.user = await current_user(request)
    return render(request, "how_to_submit.html")


def _safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


async def _login(request: Request):
    request.state.user = None
    nxt = _safe_next(request.query_params.get("next"))
    if request.method == "GET":
        return render(request, "login.html", next=nxt or "", error=None, name="")
    data = await form_data(request)
    count_address(request)
    name, password = data.get("name", "").strip(), data.get("password", "")
    p = portal(request)
    try:
        user = await run_in_threadpool(p.auth.authenticate, name, password)
    except AccessDenied as exc:
        return render(request, "login.html", 401, next=nxt or "", error=str(exc), name=name)
    if user.role not in PORTAL_ROLES:
        await run_in_threadpool(p.audit, user.name, "portal.login", user.name, {"role": user.role}, "denied")
        return render(request, "login.html", 403, next=nxt or "", name=name,
                      error="This portal is for partner agencies, police reviewers and agency "
                            "suppliers; viewers use the dashboards.")
    new = p.sessions.login(session(request), user.name)
    request.state.session = new
    return redirect(_safe_next(data.get("next")) or HOME_FOR[user.role])


async def _logout(request: Request):
    await form_data(request)
    p = portal(request)
    s = session(request)
    if s is not None and s.user:
        p.auth.forget(s.user)
    p.sessions.end(s)
    request.state.session = None
    return redirect("/")


def _registration_body(data: dict) -> dict:
    staff = []
    for i in range(1, 6):
        staff.append({k: data.get(f"staff_{i}_{k}", "") for k in ("username", "full_name", "email", "job_title")})
    body = {k: data.get(k, "") for k in ("agency_name", "agency_type", "contact_name", "contact_email",
                                          "contact_phone", "reason")}
    body["staff"] = staff
    return body


async def _register(request: Request):
    request.state.user = await current_user(request)
    if request.method == "GET":
        return render(request, "register.html", form={}, error=None)
    data = await form_data(request)
    count_address(request)
    p = portal(request)
    try:
        reg = validate.registration(_registration_body(data))
        request_id = await run_in_threadpool(R.request, p.store, p.auth, reg)
    except FieldError as exc:
        return render(request, "register.html", 422, form=data, error=exc)
    await run_in_threadpool(p.audit, "anonymous", "portal.registration.request", request_id,
                            {"agency": reg.agency_name, "staff": len(reg.staff)})
    return render(request, "register_done.html", request_id=request_id, agency=reg.agency_name)


async def _code_form(request: Request, page: str, act):
    """A form giving a user name, a one-time code and a new password twice (activation and
    password reset): ``act(portal, name, data)`` checks the password and applies the code.
    Returns (name, act's result, None), or (name, None, the page again with the refusal: 422
    for a field, 403 for a wrong or used code)."""
    data = await form_data(request)
    count_address(request)
    name = data.get("username", "").strip()
    try:
        validate.username("username", name)
        return name, await run_in_threadpool(act, portal(request), name, data), None
    except (FieldError, AccessDenied) as exc:
        return name, None, render(request, page, 422 if isinstance(exc, FieldError) else 403,
                                  error=exc.plain if isinstance(exc, FieldError) else str(exc), name=name)


async def _activate(request: Request):
    request.state.user = await current_user(request)
    if request.method == "GET":
        return render(request, "activate.html", error=None, name=request.query_params.get("name", ""))

    def act(p, name, data):
        pw = validate.password("password", data.get("password"), data.get("password_confirm"), user_inputs=(name,))
        return R.activate(p.store, p.auth, name, data.get("code", "").strip(), pw)

    _, account, refused = await _code_form(request, "activate.html", act)
    return refused or render(request, "activate_done.html", account=account)


async def _reset_password(request: Request):
    """``/reset-password``: a new password with the one-time code the portal administrator issued."""
    request.state.user = await current_user(request)
    if request.method == "GET":
        return render(request, "reset_password.html", error=None, name=request.query_params.get("name", ""))

    def act(p, name, data):
        pw = validate.password("password", data.get("password"), data.get("password_confirm"))
        return R.reset_password(p.store, p.auth, name, data.get("code", ""), pw)

    name, _, refused = await _code_form(request, "reset_password.html", act)
    return refused or render(request, "reset_password_done.html", name=name)


def routes() -> list:
    """The public pages: home, how to submit, log in and out, registration, activation and password reset.

    Examples
    --------
    >>> [r.path for r in routes()]
    ['/', '/how-to-submit', '/login', '/logout', '/register', '/activate', '/reset-password']
    """
    from starlette.routing import Route

    return [
        Route("/", _home),
        Route("/how-to-submit", _how_to_submit),
        Route("/login", _login, methods=["GET", "POST"]),
        Route("/logout", _logout, methods=["POST"]),
        Route("/register", _register, methods=["GET", "POST"]),
        Route("/activate", _activate, methods=["GET", "POST"]),
        Route("/reset-password", _reset_password, methods=["GET", "POST"]),
    ]
