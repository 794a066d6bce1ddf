"""Serving the portal: ``workbench serve portal`` calls :func:`serve` (CONTRACTS.md "Serving").

It binds 127.0.0.1 unless ``address`` says otherwise. In deployment the portal sits behind a
TLS-terminating reverse proxy (``docs/portal.md``): keep ``secure_cookies=True`` there; set it
False only for plain-http use on the loopback interface (``make run``).
"""

from __future__ import annotations

from pathlib import Path

import os

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: set to 1 when the portal runs behind a TLS-terminating reverse proxy (docs/portal.md)
TLS_ENV = "WORKBENCH_PORTAL_TLS"


def behind_tls() -> bool:
    """True when ``WORKBENCH_PORTAL_TLS`` says a TLS reverse proxy fronts the portal.

    Examples
    --------
    >>> from unittest import mock
    >>> def with_setting(value):
    ...     with mock.patch.dict(os.environ, {TLS_ENV: value}):
    ...         return behind_tls()
    >>> [with_setting(value) for value in ("1", "Yes", "on", "0", "")]
    [True, True, True, False, False]
    """
    return os.environ.get(TLS_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def serve(hub_path: Path | str, address: str = "127.0.0.1", port: int = 5007, *,
          secure_cookies: bool | None = None, proxy_headers: bool | None = None,
          forwarded_allow_ips: str = "127.0.0.1", log_level: str = "info", **options) -> None:
    """Run the portal with uvicorn until interrupted.

    Parameters
    ----------
    hub_path : the master hub (the portal store ``portal.duckdb`` and the registry sit beside it).
    address, port : where to listen (default ``127.0.0.1:5007``).
    secure_cookies : Secure flag on the session cookie (and HSTS). Default: on when
        ``WORKBENCH_PORTAL_TLS=1`` (deployment behind a TLS reverse proxy) or when listening on a
        non-loopback address; off only for plain-http use on the loopback interface (``make run``).
    proxy_headers : trust ``X-Forwarded-For``/``-Proto`` from ``forwarded_allow_ips`` (the reverse
        proxy), so rate limits count real client addresses; default: on when
        ``WORKBENCH_PORTAL_TLS=1``.
    log_level : uvicorn's log level (``info`` logs every request: address, method, path, status).
    options : passed to :func:`workbench.portal.app.create_app`.

    Examples
    --------
    Listening beyond the loopback interface turns the Secure cookie flag on by itself
    (``uvicorn.run`` is replaced here, so nothing is served):

    >>> from unittest import mock
    >>> from workbench.hub.schema import init_hub
    >>> with mock.patch("uvicorn.run") as run:
    ...     serve(init_hub(Path("hub.duckdb")), "0.0.0.0", 8443)
    >>> (app,), settings = run.call_args
    >>> settings["host"], settings["port"], settings["proxy_headers"], settings["server_header"]
    ('0.0.0.0', 8443, False, False)
    >>> app.state.portal.store.close()
    """
    import uvicorn

    from workbench.portal.app import create_app

    if secure_cookies is None:
        secure_cookies = behind_tls() or address not in LOOPBACK
    if proxy_headers is None:
        proxy_headers = behind_tls()
    app = create_app(hub_path, secure_cookies=secure_cookies, **options)
    uvicorn.run(app, host=address, port=port, log_level=log_level, proxy_headers=proxy_headers,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False, date_header=True)


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``address`` right now.

    Examples
    --------
    >>> import socket
    >>> port = free_port()
    >>> with socket.socket() as s:                       # nothing holds it: it can be bound
    ...     s.bind(("127.0.0.1", port)); s.getsockname()[1] == port
    True
    """
    import socket

    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class BackgroundServer:
    """The portal served by uvicorn in a background thread on 127.0.0.1 and a free port.

    For tests, benchmarks and the browser test: ``with BackgroundServer(hub) as srv: srv.url``.
    ``options`` go to :func:`workbench.portal.app.create_app` (default ``secure_cookies=False``
    because the loopback transport is plain http).

    Examples
    --------
    Made but not entered, it has chosen its address and built the app; nothing listens yet.

    >>> from workbench.hub.schema import init_hub
    >>> srv = BackgroundServer(init_hub(Path("hub.duckdb")))
    >>> srv.url == f"http://127.0.0.1:{srv.port}", srv.server.config.host, srv.server.started
    (True, '127.0.0.1', False)
    >>> srv.app.state.portal.store.close()
    """

    def __init__(self, hub_path: Path | str, *, port: int | None = None, **options):
        import uvicorn

        from workbench.portal.app import create_app

        options.setdefault("secure_cookies", False)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(hub_path, **options)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                backlog=4096, timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self._thread = None

    def __enter__(self):
        import threading
        import time

        self._thread = threading.Thread(target=self.server.run, name="portal-uvicorn", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the portal did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self._thread.join(timeout=60)
