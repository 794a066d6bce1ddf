"""The Partnership Intelligence Portal as a Starlette application (reference 000, 001).

:func:`create_app` wires the pages, the JSON API, static CSS (served locally; no CDN) and the
security middleware around one :class:`~workbench.portal.store.PortalStore`. The portal is a
separate process from the dashboards (``workbench serve portal``; :mod:`workbench.portal.server`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from workbench.errors import AccessDenied
from workbench.portal import (api, pages_admin, pages_console, pages_partner, pages_public, pages_review,
                             pages_supply)
from workbench.portal import uploads as U
from workbench.portal import transfer as T
from workbench.portal.auth import Authenticator
from workbench.portal.middleware import BodyLimit, SecurityHeaders, SessionCookie
from workbench.portal.ratelimit import RateLimiter
from workbench.portal.sessions import SessionStore
from workbench.portal.store import PortalStore
from workbench.portal.web import CsrfFailed, Portal, RateLimited, client_address, denied_page, render

log = logging.getLogger("workbench.portal")
STATIC = Path(__file__).with_name("static")


def _routes() -> list:
    return [
        *pages_public.routes(),
        *pages_partner.routes(),
        *pages_supply.routes(),
        *pages_review.routes(),
        *pages_admin.routes(),
        *pages_console.routes(),
        *api.routes(),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]


def _is_api(request: Request) -> bool:
    """JSON answers: the API, and the resumable upload that static/supply.js talks to."""
    return request.url.path.startswith(("/api/", "/supply/resumable"))


async def _on_denied(request: Request, exc: AccessDenied):
    if _is_api(request):
        return JSONResponse({"error": "forbidden", "message": str(exc)}, status_code=403)
    return denied_page(request, exc)


class _RefusalAudit:
    """Audits CSRF, 413 and 429 refusals; a flood is recorded once per address, kind and minute
    (so an attacker cannot grow the audit log without bound)."""

    def __init__(self, portal: Portal, every_seconds: float = 60.0):
        self.portal = portal
        self.every = every_seconds
        self._last: dict[tuple, float] = {}
        self._lock = threading.Lock()

    async def __call__(self, kind: str, address: str, path: str, actor: str | None = None) -> None:
        import time

        from starlette.concurrency import run_in_threadpool

        now = time.monotonic()
        with self._lock:
            if len(self._last) > 10_000:
                self._last.clear()
            if now - self._last.get((kind, address), -1e9) < self.every:
                return
            self._last[(kind, address)] = now
        await run_in_threadpool(self.portal.audit, actor or "anonymous", f"portal.refused.{kind}", path,
                                {"address": address}, "denied")


def _actor(request: Request) -> str | None:
    user = getattr(request.state, "user", None)
    return getattr(user, "name", None) or getattr(request.state, "limited_user", None)


async def _on_rate(request: Request, exc: RateLimited):
    await request.app.state.refusals("rate_limit", client_address(request), request.url.path, _actor(request))
    headers = {"Retry-After": str(max(1, int(exc.retry_after + 0.999)))}
    if _is_api(request):
        return JSONResponse({"error": "rate_limited", "message": str(exc)}, status_code=429, headers=headers)
    resp = render(request, "error.html", 429, title="Too many requests", message=str(exc))
    resp.headers.update(headers)
    return resp


async def _on_csrf(request: Request, exc: CsrfFailed):
    await request.app.state.refusals("csrf", client_address(request), request.url.path, _actor(request))
    return render(request, "error.html", 403, title="Form expired",
                  message="This form could not be verified (missing or stale security token). "
                          "Go back, reload the page and try again.")


class _Retrier:
    """Keeps the transfer outbox in step with the portal store in the background (:func:`.transfer.sync`):
    queues pending transfers and takes back those a worker has carried out. Never opens the hub."""

    def __init__(self, portal: Portal, every_seconds: float):
        self.portal = portal
        self.every = every_seconds
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="portal-transfer-retry", daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                T.sync(self.portal.store, self.portal.hub)
            except Exception:  # keep trying; the transfer stays pending in the store
                log.exception("syncing the portal transfer outbox failed")
            self.stop.wait(self.every)


def create_app(hub_path: Path | str, *, secure_cookies: bool = True, max_body_bytes: int = 64 * 1024,
               rate_limit: tuple[int, float] = (60, 60.0), anonymous_rate_limit: tuple[int, float] = (20, 60.0),
               partnership: str | None = None, retry_seconds: float = 5.0,
               auth_cache_seconds: float = 60.0, hsts: bool | None = None,
               upload_max_bytes: int | None = None) -> Starlette:
    """Build the portal for the hub at ``hub_path`` (its store is ``portal.duckdb`` beside it).

    Parameters
    ----------
    hub_path : the master hub; the registry and the portal store sit beside it.
    secure_cookies : mark the session cookie Secure (keep True in deployment behind TLS; False
        only for plain-http loopback development and tests).
    max_body_bytes : larger requests are refused with 413.
    rate_limit : (requests, seconds) allowed per logged-in user for API calls and form posts (429 beyond).
    anonymous_rate_limit : (requests, seconds) per client address for log-in, registration,
        activation and failed API authentication.
    partnership : the partnership new partner agencies join on approval (registry name).
    retry_seconds : how often the transfer outbox is synchronised (pending transfers queued,
        completed ones taken back). The portal never opens the hub or its key: a worker outside
        it (``workbench portal transfer``, started by ``workbench serve all``) carries transfers out.
    auth_cache_seconds : how long a verified API password is remembered (see :mod:`.auth`).
    hsts : send Strict-Transport-Security (default: same as ``secure_cookies``).
    upload_max_bytes : the largest supply file accepted at ``/supply`` (default
        ``WORKBENCH_UPLOAD_MAX_BYTES`` or 600 MB; 413 beyond). Only that page gets this limit;
        every other request keeps ``max_body_bytes``. Uploads go encrypted into the inbox and
        are ingested by ``workbench portal ingest-uploads`` (:mod:`.uploads`), never by the portal.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> app = create_app(Path(tempfile.mkdtemp()) / "hub.duckdb", secure_cookies=False)
    >>> paths = [r.path for r in app.routes]
    >>> "/console/mail/send" in paths and "/supply/{upload_id}/mapping" in paths
    True
    """
    hub = Path(hub_path)
    store = PortalStore(hub)
    portal = Portal(hub=hub, store=store, auth=Authenticator(hub, cache_seconds=auth_cache_seconds),
                    sessions=SessionStore(), user_limit=RateLimiter(*rate_limit),
                    address_limit=RateLimiter(*anonymous_rate_limit), partnership=partnership)
    retrier = _Retrier(portal, retry_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        retrier.thread.start()
        try:
            yield
        finally:
            retrier.stop.set()
            retrier.thread.join(timeout=60)
            store.close()

    app = Starlette(routes=_routes(), lifespan=lifespan,
                    exception_handlers={AccessDenied: _on_denied, RateLimited: _on_rate,
                                        CsrfFailed: _on_csrf})
    app.state.portal = portal
    app.state.refusals = refusals = _RefusalAudit(portal)
    app.state.upload_max_bytes = upload_max = upload_max_bytes or U.max_bytes()

    async def too_large(scope):
        client = scope.get("client")
        await refusals("body_too_large", client[0] if client else "unknown", scope.get("path", ""))

    app.add_middleware(SessionCookie, sessions=portal.sessions, secure=secure_cookies)
    # the supply page counts its file itself (413 past upload_max); the form around it is small
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, on_refuse=too_large,
                       path_limits={"/supply": upload_max + 1024 * 1024,
                                    "/supply/resumable/*": pages_supply.RESUMABLE_PIECE + 64 * 1024})
    app.add_middleware(SecurityHeaders, hsts=secure_cookies if hsts is None else hsts)
    return app
