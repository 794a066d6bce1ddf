"""What every portal page and API endpoint shares: the :class:`Portal` context and helpers.

Helpers render Jinja2 templates with autoescaping on (every value shown is escaped; nothing
is marked safe), find the logged-in user from the session, check CSRF tokens on every form,
count requests against the per-user rate limit, and turn errors into pages or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse

from workbench.errors import AccessDenied
from workbench.portal import vocabulary as V
from workbench.portal.ratelimit import RateLimiter
from workbench.portal.sessions import SessionStore, csrf_ok

TEMPLATES = Path(__file__).with_name("templates")


class RateLimited(Exception):
    """Too many requests for one user or address; answered with 429 and Retry-After.

    Examples
    --------
    >>> str(RateLimited(30.2))
    'Too many requests; try again in 31 s.'
    """

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        super().__init__(f"Too many requests; try again in {RateLimiter.retry_after(retry_after)} s.")


class CsrfFailed(Exception):
    """A form arrived without this session's CSRF token (403).

    Examples
    --------
    >>> import asyncio
    >>> p = _example_portal(); s = p.sessions.new()
    >>> forged = _example_request("/submit", portal_state=p, session=s, body=b"csrf_token=forged&category=other",
    ...                           headers=[("content-type", "application/x-www-form-urlencoded")])
    >>> asyncio.run(form_data(forged))
    Traceback (most recent call last):
    ...
    workbench.portal.web.CsrfFailed
    """


@dataclass
class Portal:
    """Everything a request handler needs; one per app (``request.app.state.portal``).

    Examples
    --------
    >>> p = _example_portal()
    >>> p.env.filters["british"] is british, p.env.autoescape
    (True, True)
    """

    hub: Path
    store: object
    auth: object
    sessions: SessionStore
    user_limit: RateLimiter
    address_limit: RateLimiter
    partnership: str | None = None
    env: jinja2.Environment = field(default_factory=lambda: _environment())

    def audit(self, actor, action, target, detail=None, outcome="ok") -> None:
        self.auth.registry().audit(actor, action, target, detail, outcome=outcome)


def british(value) -> str:
    """A date or date-time as people in the UK read it: ``2 Dec 2026, 15:30`` or ``2 Dec 2026``.

    Accepts ``datetime``/``date`` objects and ISO text (``2026-12-02T15:30``, ``2026-12-02``);
    anything else is shown as it is, and nothing as a dash.

    >>> british("2026-12-02T15:30"), british("2026-12-02"), british(None)
    ('2 Dec 2026, 15:30', '2 Dec 2026', '—')
    >>> from datetime import datetime
    >>> british(datetime(2026, 1, 9, 7, 5, 59))
    '9 Jan 2026, 07:05'
    """
    from datetime import date, datetime

    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        return f"{value.day} {value:%b %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["british"] = british
    return env


def portal(request: Request) -> Portal:
    """The :class:`Portal` of the app serving ``request``.

    Examples
    --------
    >>> p = _example_portal()
    >>> portal(_example_request(portal_state=p)) is p
    True
    """
    return request.app.state.portal


def session(request: Request):
    """The session of ``request`` (set by :class:`~workbench.portal.middleware.SessionCookie`).

    Examples
    --------
    >>> s = _example_portal().sessions.new()
    >>> session(_example_request(session=s)) is s
    True
    """
    return request.state.session


def client_address(request: Request) -> str:
    """The client's address (``'unknown'`` when the server does not know it).

    Examples
    --------
    >>> client_address(_example_request())
    '10.0.0.9'
    """
    return request.client.host if request.client else "unknown"


async def current_user(request: Request):
    """The logged-in user of this page request, or None.

    Examples
    --------
    >>> import asyncio
    >>> p = _example_portal()
    >>> asyncio.run(current_user(_example_request(portal_state=p, session=p.sessions.new())))   # not logged in
    """
    s = session(request)
    if s is None or not s.user:
        return None
    user = await run_in_threadpool(portal(request).auth.get_user, s.user)
    if user is None:
        portal(request).sessions.end(s)
    return user


def count_user(request: Request, user) -> None:
    """Count one request against ``user``'s rate limit (raises RateLimited).

    Examples
    --------
    >>> class Jo:
    ...     name = "jo"
    >>> request = _example_request(portal_state=_example_portal())        # one request a minute
    >>> count_user(request, Jo())
    >>> count_user(request, Jo())
    Traceback (most recent call last):
    ...
    workbench.portal.web.RateLimited: Too many requests; try again in 60 s.
    """
    wait = portal(request).user_limit.hit(f"user:{user.name}")
    if wait:
        request.state.limited_user = user.name      # named in the audit of the refusal
        raise RateLimited(wait)


def count_address(request: Request) -> None:
    """Count one anonymous request (log-in, registration, activation) against the client address.

    Examples
    --------
    >>> request = _example_request(portal_state=_example_portal())        # one request a minute
    >>> count_address(request)
    >>> count_address(request)
    Traceback (most recent call last):
    ...
    workbench.portal.web.RateLimited: Too many requests; try again in 60 s.
    """
    wait = portal(request).address_limit.hit(f"ip:{client_address(request)}")
    if wait:
        raise RateLimited(wait)


async def form_data(request: Request) -> dict:
    """The posted form as a dict of strings, after checking its CSRF token.

    Examples
    --------
    >>> import asyncio
    >>> p = _example_portal(); s = p.sessions.new()
    >>> posted = _example_request("/submit", portal_state=p, session=s,
    ...                           body=f"csrf_token={s.csrf}&category=other".encode(),
    ...                           headers=[("content-type", "application/x-www-form-urlencoded")])
    >>> asyncio.run(form_data(posted))                      # the token checked and removed
    {'category': 'other'}
    """
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    if not csrf_ok(session(request), data.pop("csrf_token", None)):
        raise CsrfFailed()
    return data


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """Render ``template`` (autoescaped) with the shared context: user, CSRF token, vocabularies.

    Examples
    --------
    >>> p = _example_portal()
    >>> page = render(_example_request(portal_state=p, session=p.sessions.new()), "error.html", 404,
    ...               title="Not found", message="<script>x</script>")
    >>> page.status_code, b"&lt;script&gt;" in page.body, b"<script>x" in page.body
    (404, True, False)
    """
    s = session(request)
    flash = None
    if s is not None and s.flash:
        flash, s.flash = s.flash, None
    ctx = {"user": getattr(request.state, "user", None), "csrf_token": s.csrf if s else "",
           "flash": flash, "V": V, **context}
    html = portal(request).env.get_template(template).render(**ctx)
    return HTMLResponse(html, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect to ``url`` (after a POST, the browser then GETs it).

    Examples
    --------
    >>> r = redirect("/submitted/PIP-0000-0000-0000")
    >>> r.status_code, r.headers["location"]
    (303, '/submitted/PIP-0000-0000-0000')
    """
    return RedirectResponse(url, status_code=303)


async def page_user(request: Request, roles: tuple[str, ...], action: str):
    """The logged-in user holding one of ``roles``; None means "send to log-in" (not logged in).

    A logged-in user without the role is refused (AccessDenied, audited).

    Examples
    --------
    >>> import asyncio
    >>> p = _example_portal()
    >>> asyncio.run(page_user(_example_request("/review", portal_state=p, session=p.sessions.new()),
    ...                       ("reviewer",), "portal.queue.view")) is None        # not logged in: to log-in
    True
    """
    from workbench.portal.access import require_role

    user = await current_user(request)
    request.state.user = user
    if user is None:
        return None
    await run_in_threadpool(require_role, portal(request).auth, user, roles, action)
    return user


def login_redirect(request: Request) -> RedirectResponse:
    """A redirect to the log-in page that comes back to this page afterwards.

    Examples
    --------
    >>> login_redirect(_example_request("/review")).headers["location"]
    '/login?next=/review'
    """
    return redirect("/login?next=" + request.url.path)


def json_error(status: int, error: str, message: str, **extra) -> JSONResponse:
    """A JSON error answer of the API: ``{"error", "message", …}`` with ``status``.

    Examples
    --------
    >>> r = json_error(422, "invalid", "postcode: expected a full UK postcode", field="postcode")
    >>> r.status_code, r.body
    (422, b'{"error":"invalid","message":"postcode: expected a full UK postcode","field":"postcode"}')
    """
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status)


def denied_page(request: Request, exc: AccessDenied) -> HTMLResponse:
    """The 403 page for a refusal, its message escaped.

    Examples
    --------
    >>> from workbench.errors import AccessDenied
    >>> p = _example_portal()
    >>> page = denied_page(_example_request(portal_state=p, session=p.sessions.new()), AccessDenied("<b>no</b>"))
    >>> page.status_code, b"&lt;b&gt;no&lt;/b&gt;" in page.body
    (403, True)
    """
    return render(request, "error.html", 403, title="Not available", message=str(exc))


def _example_request(path: str = "/", *, portal_state: Portal | None = None, session=None, body: bytes = b"",
                     headers=()) -> Request:
    """A page request for ``path`` from 10.0.0.9 with the given portal, session and body: the examples' request."""
    from types import SimpleNamespace

    app = SimpleNamespace(state=SimpleNamespace(portal=portal_state))
    scope = {"type": "http", "method": "POST" if body else "GET", "path": path, "query_string": b"",
             "headers": [(k.encode(), v.encode()) for k, v in headers], "client": ("10.0.0.9", 5000),
             "app": app, "state": {"session": session}}

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def _example_portal() -> Portal:
    """A portal state with sessions and limits of one request per minute (no store or registry)."""
    return Portal(hub=Path("hub.duckdb"), store=None, auth=None, sessions=SessionStore(),
                  user_limit=RateLimiter(1, 60), address_limit=RateLimiter(1, 60))
