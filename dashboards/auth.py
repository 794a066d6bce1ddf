"""Log-in for the dashboards: a form at ``/login`` checked against the workbench registry.

A Bokeh :class:`~bokeh.server.auth_provider.AuthProvider` (the hook Panel's own basic auth
uses) whose users are the registry's (:func:`workbench.registry.open_registry`,
``authenticate`` with argon2 hashes and lock-out after repeated failures). A successful
log-in sets a signed, HTTP-only, same-site cookie ``user`` (the name Panel reads for
``pn.state.user``) and a signed cookie ``wb_session`` naming a session held **on the server**
(:class:`Sessions`); a page loads only while both are valid and the session is live. The
session expires after ``session_minutes`` without a page view, and ``/logout`` ends it on the
server, so a copied or old cookie no longer loads pages (guidance Box 2: access to the hub is
controlled and logged). The log-in form carries a CSRF token (tornado's ``_xsrf``
double-submit cookie), and ``next`` may only name a path of this site (:func:`safe_next`).
Log-ins, refusals and log-outs are audited by the registry.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from bokeh.server.auth_provider import AuthProvider
from tornado.web import RequestHandler
from tornado.websocket import WebSocketHandler

from workbench.errors import AccessDenied, BadInput
from workbench.dashboard_data.access import MARKING

COOKIE = "user"
#: the signed cookie naming the server-side session
SESSION_COOKIE = "wb_session"

LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in – CSP analyst workbench</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1f2933; }}
.marking {{ background: #b00020; color: #fff; text-align: center; font-weight: 700;
           letter-spacing: .08em; padding: 4px 0; }}
main {{ max-width: 380px; margin: 8vh auto; background: #fff; padding: 28px 32px;
        border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }}
label {{ display: block; margin-top: 14px; font-weight: 600; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px; margin-top: 4px; font-size: 1rem; }}
button {{ margin-top: 20px; width: 100%; padding: 10px; font-size: 1rem; background: #1b6ca8;
          color: #fff; border: 0; border-radius: 4px; cursor: pointer; }}
.error {{ background: #fdecea; color: #8a1c1c; padding: 8px 10px; border-radius: 4px; }}
.note {{ font-size: .85rem; color: #52606d; }}
</style></head>
<body><div class="marking" role="banner">{marking}</div>
<main><h1>CSP analyst workbench</h1>
<p class="note">Dashboards of the Community Safety Partnership. Log in with the account the
CSP coordinator gave you.</p>
{error}
<form method="post" action="{action}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{next}">
{xsrf}
<button type="submit">Log in</button>
</form>
<p class="note">Sessions end after {minutes} minutes without a page view. Every page you
open is recorded in the audit log.</p></main>
<div class="marking">{marking}</div></body></html>
"""

LOGGED_OUT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Logged out</title></head><body style="font-family:system-ui,sans-serif;margin:0">
<div style="background:#b00020;color:#fff;text-align:center;font-weight:700;padding:4px">{marking}</div>
<main style="max-width:380px;margin:10vh auto"><h1>You have logged out</h1>
<p><a href="/login">Log in again</a></p></main></body></html>"""


def safe_next(url: str | None) -> str:
    """Only a path of this site may follow a log-in (no open redirect to another site).

    Refused (``"/"`` instead): anything not starting with one ``/``; ``//host``; a backslash
    anywhere (browsers read ``/\\host`` as ``//host``); control characters (CR/LF would split
    the ``Location`` header; browsers drop tab and newline, turning ``/\\t/host`` into
    ``//host``); a scheme or host.

    >>> [safe_next(u) for u in ("/tactical?weeks=8", "/\\evil.example", "//evil.example", "/a\\r\\nX: y")]
    ['/tactical?weeks=8', '/', '/', '/']
    """
    if not url or not isinstance(url, str):
        return "/"
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return "/"
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc:
        return "/"
    return url


class Sessions:
    """Dashboard sessions held by the server: ``session id -> (user name, last seen)``.

    A session ends after ``minutes`` without a page view or when :meth:`end` is called
    (log-out); a cookie naming an ended session loads nothing.

    >>> s = Sessions(30)
    >>> sid = s.start("ann")
    >>> s.touch(sid, "ann"), s.touch(sid, "bob")
    (True, False)
    >>> s.end(sid); s.touch(sid, "ann")
    False
    """

    def __init__(self, minutes: float):
        self.seconds = float(minutes) * 60
        self._live: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def start(self, user: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._purge()
            self._live[sid] = (user, time.monotonic())
        return sid

    def touch(self, sid: str | None, user: str) -> bool:
        """True (and the idle clock restarts) when ``sid`` is a live session of ``user``."""
        if not sid:
            return False
        with self._lock:
            entry = self._live.get(sid)
            now = time.monotonic()
            if entry is None or entry[0] != user or now - entry[1] > self.seconds:
                if entry is not None and now - entry[1] > self.seconds:
                    del self._live[sid]
                return False
            self._live[sid] = (user, now)
            return True

    def user_of(self, sid: str | None) -> str | None:
        with self._lock:
            entry = self._live.get(sid) if sid else None
            return entry[0] if entry else None

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._live.pop(sid, None)

    def _purge(self) -> None:
        now = time.monotonic()
        for sid in [k for k, (_, seen) in self._live.items() if now - seen > self.seconds]:
            del self._live[sid]


class RegistryAuth(AuthProvider):
    """Authenticate dashboard users against the registry that belongs to ``hub``.

    Parameters
    ----------
    hub : path of the master hub (the registry is ``registry.sqlite`` beside it).
    session_minutes : idle time after which the log-in cookie is refused (default 30).

    Examples
    --------
    A request is from a user only when both signed cookies name a live session of theirs.

    >>> from types import SimpleNamespace
    >>> auth = RegistryAuth(Path("master") / "hub", session_minutes=60)
    >>> auth.login_url, auth.logout_url, round(auth.max_age_days, 4)
    ('/login', '/logout', 0.0417)
    >>> cookies = {"user": b"ann", "wb_session": auth.sessions.start("ann").encode()}
    >>> handler = SimpleNamespace(get_secure_cookie=lambda name, max_age_days: cookies.get(name),
    ...                           set_secure_cookie=lambda *args, **kwargs: None)
    >>> auth.get_user(handler)
    'ann'
    >>> cookies["user"] = b"bob"                       # a session is not transferable
    >>> auth.get_user(handler) is None
    True
    >>> auth.login_handler.auth is auth
    True
    """

    def __init__(self, hub: Path | str, session_minutes: float = 30.0):
        self.hub = Path(hub)
        self.session_minutes = float(session_minutes)
        self.sessions = Sessions(self.session_minutes)
        super().__init__()

    @property
    def max_age_days(self) -> float:
        return self.session_minutes / (24 * 60)

    @property
    def get_user(self):
        return self._get_user

    def _get_user(self, handler: RequestHandler):
        value = handler.get_secure_cookie(COOKIE, max_age_days=self.max_age_days)
        sid = handler.get_secure_cookie(SESSION_COOKIE, max_age_days=self.max_age_days)
        if not value or not sid:
            return None
        name, sid = value.decode("utf-8"), sid.decode("utf-8")
        if not self.sessions.touch(sid, name):       # ended (log-out), expired or not ours
            return None
        if not isinstance(handler, WebSocketHandler):
            _set_login_cookie(handler, name, sid)     # sliding expiry
        return name

    @property
    def login_url(self) -> str:
        return "/login"

    @property
    def login_handler(self):
        provider = self

        class Login(_LoginHandler):
            auth = provider
        return Login

    @property
    def logout_url(self) -> str:
        return "/logout"

    @property
    def logout_handler(self):
        provider = self

        class Logout(_LogoutHandler):
            auth = provider
        return Logout


def _set_login_cookie(handler: RequestHandler, name: str, sid: str) -> None:
    for cookie, value in ((COOKIE, name), (SESSION_COOKIE, sid)):
        handler.set_secure_cookie(cookie, value, expires_days=None, httponly=True, samesite="Strict",
                                  path="/")


class _LoginHandler(RequestHandler):
    """GET shows the form; POST checks ``username``/``password`` with ``registry.authenticate``."""

    auth: RegistryAuth

    def _page(self, error: str = "", status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        block = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        self.write(LOGIN_PAGE.format(
            marking=MARKING, error=block, action="/login", minutes=f"{self.auth.session_minutes:g}",
            next=html.escape(safe_next(self.get_argument("next", "/")), quote=True),
            xsrf=self.xsrf_form_html()))

    def get(self):
        self._page()

    def post(self):
        from tornado.web import HTTPError

        from workbench.registry import open_registry

        try:
            self.check_xsrf_cookie()       # log-in CSRF: the form must come from our own page
        except HTTPError:
            with open_registry(self.auth.hub) as reg:
                reg.audit("-", "dashboards.login.csrf", "/login", {"reason": "missing or stale form token"},
                          outcome="denied")
            self._page("This form could not be verified (missing or stale security token). "
                       "Reload the page and log in again.", status=403)
            return
        name = self.get_argument("username", "").strip()
        password = self.get_argument("password", "")
        reg = open_registry(self.auth.hub)
        user = None
        try:
            user = reg.authenticate(name, password)
            from workbench.dashboard_data.access import viewer_for

            viewer_for(reg, user)          # refuses (and audits) roles without dashboards
        except AccessDenied as exc:
            self._page(str(exc) if user is None else not_for_dashboards(user, str(exc)), status=401)
            return
        except BadInput as exc:
            self._page(str(exc), status=400)
            return
        finally:
            reg.close()
        old = self.get_secure_cookie(SESSION_COOKIE, max_age_days=self.auth.max_age_days)
        self.auth.sessions.end(old.decode("utf-8") if old else None)    # a new session on every log-in
        _set_login_cookie(self, user.name, self.auth.sessions.start(user.name))
        self.redirect(safe_next(self.get_argument("next", "/")))


def not_for_dashboards(user, reason: str) -> str:
    """The log-in refusal for a user whose role has no dashboards, in plain words, pointing
    partner staff and reviewers to the portal (``WORKBENCH_PORTAL_URL`` when set).

    >>> from types import SimpleNamespace as U
    >>> not_for_dashboards(U(role="partner", name="p"), "x").startswith("The dashboards are for")
    True
    """
    import os

    url = os.environ.get("WORKBENCH_PORTAL_URL", "").strip()
    where = f"the Partnership Intelligence Portal at {url}" if url else \
        "the Partnership Intelligence Portal (your CSP coordinator has its address)"
    if user.role == "partner":
        return (f"The dashboards are for the partnership's analysts and group members. As partner "
                f"staff you submit intelligence and follow your agency's submissions on {where}.")
    if user.role == "reviewer":
        return f"Reviewers triage partner intelligence on {where}; the dashboards are not part of that role."
    return (f"Your role ({user.role}) does not open the dashboards. Ask the CSP coordinator if you "
            f"need them. ({reason})")


class _LogoutHandler(RequestHandler):
    """Ends the session on the server (an old cookie then loads nothing) and clears the cookies."""

    auth: RegistryAuth

    def get(self):
        from workbench.registry import open_registry

        sid = self.get_secure_cookie(SESSION_COOKIE, max_age_days=self.auth.max_age_days)
        sid = sid.decode("utf-8") if sid else None
        name = self.auth.sessions.user_of(sid)
        self.auth.sessions.end(sid)
        if name:
            with open_registry(self.auth.hub) as reg:
                reg.audit(name, "logout", "dashboards", {})
        self.clear_cookie(COOKIE, path="/")
        self.clear_cookie(SESSION_COOKIE, path="/")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(LOGGED_OUT_PAGE.format(marking=MARKING))
