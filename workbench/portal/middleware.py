"""ASGI middleware of the portal: request size limit, security headers, session cookie.

Pure ASGI (no per-request task switching) so 200 concurrent submissions stay cheap.

* :class:`BodyLimit` refuses a body larger than ``max_bytes`` with 413, whether the client
  declares it (``Content-Length``) or streams it (counted as it arrives).
* :class:`SecurityHeaders` adds a strict Content-Security-Policy (no scripts at all but the
  portal's own upload-progress script on ``/supply``, styles
  and images from the portal only, forms post only to the portal, no framing), ``nosniff``,
  ``no-referrer``, ``Cache-Control: no-store`` on everything but the stylesheet, and HSTS
  when the portal is deployed behind TLS.
* :class:`SessionCookie` finds the session named by the ``pip_session`` cookie (or starts an
  anonymous one, which carries the CSRF token for the log-in and registration forms) and sets
  the cookie with HttpOnly, SameSite=Strict and — unless switched off for plain-http loopback
  development — Secure.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from workbench.portal.sessions import COOKIE

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
#: the supply upload page alone may run the portal's own progress script (``static/supply.js``)
#: and post with it; every other page runs no script at all
SCRIPT_PAGES = {"/supply": CSP + "; script-src 'self'; connect-src 'self'"}


class _TooLarge(Exception):
    pass


async def _plain(send, status: int, text: str, extra=()) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for a body over ``max_bytes``; ``on_refuse(scope)`` is called (e.g. to audit) first.

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> client = TestClient(BodyLimit(_example_app, 10, path_limits={"/supply/*": 100}))
    >>> client.post("/submit", content=b"x" * 11).status_code, client.post("/submit", content=b"x" * 5).status_code
    (413, 200)
    >>> client.post("/supply/upload", content=b"x" * 50).status_code        # its own, larger limit
    200
    """

    def __init__(self, app, max_bytes: int, on_refuse=None, path_limits: dict | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.on_refuse = on_refuse
        self.path_limits = dict(path_limits or {})    # exact path -> its own limit (the supply upload)

    def _limit(self, path: str) -> int:
        """The limit for ``path``: its own (exact, or a prefix ending ``*``), else ``max_bytes``."""
        if path in self.path_limits:
            return self.path_limits[path]
        for key, value in self.path_limits.items():
            if key.endswith("*") and path.startswith(key[:-1]):
                return value
        return self.max_bytes

    async def _refuse(self, scope, send, message):
        if self.on_refuse is not None:
            try:
                await self.on_refuse(scope)
            except Exception:           # auditing must not turn a 413 into a 500
                pass
        return await _plain(send, 413, message)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit(scope.get("path", ""))
        message = f"Request body larger than {limit} bytes."
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return await _plain(send, 400, "Bad Content-Length.")
                if declared > limit:
                    return await self._refuse(scope, send, message)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return msg

        async def tracking_send(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send, message)


class SecurityHeaders:
    """Adds the security headers to every HTTP response: a strict content security policy, no framing, no sniffing, no referrer, no caching (except static files) and, behind TLS, HSTS.

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> r = TestClient(SecurityHeaders(_example_app, hsts=True)).get("/")
    >>> r.headers["x-frame-options"], r.headers["cache-control"], "max-age" in r.headers["strict-transport-security"]
    ('DENY', 'no-store', True)
    """

    def __init__(self, app, *, hsts: bool):
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope.get("path", "").startswith("/static/")

        async def add_headers(msg):
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers", []))
                csp = SCRIPT_PAGES.get(scope.get("path", ""), CSP)
                headers += [(b"content-security-policy", csp.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"cross-origin-opener-policy", b"same-origin"),
                            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, add_headers)


class SessionCookie:
    """Gives every page request a session (:class:`~workbench.portal.sessions.SessionStore`) and sets its cookie: HttpOnly, SameSite=Strict, and Secure behind TLS.

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> from workbench.portal.sessions import SessionStore
    >>> sessions = SessionStore()
    >>> cookie = TestClient(SessionCookie(_example_app, sessions, secure=True)).get("/").headers["set-cookie"]
    >>> len(sessions), "HttpOnly" in cookie, "SameSite=Strict" in cookie, "Secure" in cookie
    (1, True, True, True)
    """

    def __init__(self, app, sessions, *, secure: bool):
        self.app = app
        self.sessions = sessions
        self.secure = secure

    def cookie_header(self, sid: str | None) -> bytes:
        flags = "; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if self.secure else "")
        if sid is None:
            return f"{COOKIE}=; Max-Age=0{flags}".encode()
        return f"{COOKIE}={sid}{flags}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith(("/api/", "/static/")):
            return await self.app(scope, receive, send)
        sid = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:
                    continue
                if COOKIE in jar:
                    sid = jar[COOKIE].value
        session = self.sessions.get(sid)
        state = scope.setdefault("state", {})
        state["session"] = session or self.sessions.new()
        state["session_sent"] = session.sid if session else None

        async def with_cookie(msg):
            if msg["type"] == "http.response.start":
                current = state.get("session")
                want = current.sid if current is not None else None
                if want != state["session_sent"]:
                    msg = {**msg, "headers": [*msg.get("headers", []),
                                              (b"set-cookie", self.cookie_header(want))]}
            await send(msg)

        await self.app(scope, receive, with_cookie)


async def _example_app(scope, receive, send):
    """An ASGI app answering 200 "ok" after reading the body: the examples' app."""
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})
