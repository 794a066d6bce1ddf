"""Serving the portal: ``workbench serve portal`` calls :func:`serve` (CONTRACTS.md "Serving").

It binds 127.0.0.1 unless ``address`` says otherwise. In deployment the portal sits behind a
TLS-terminating reverse proxy (``docs/portal.md``): keep ``secure_cookies=True`` there; set it
False only for plain-http use on the loopback interface (``make run``).
"""

from __future__ import annotations

from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(hub_path: Path | str, address: str = "127.0.0.1", port: int = 5007, *,
          secure_cookies: bool | None = None, proxy_headers: bool = False,
          forwarded_allow_ips: str = "127.0.0.1", **options) -> None:
    """Run the portal with uvicorn until interrupted.

    Parameters
    ----------
    hub_path : the master hub (the portal store ``portal.duckdb`` and the registry sit beside it).
    address, port : where to listen (default ``127.0.0.1:5007``).
    secure_cookies : Secure flag on the session cookie; default: off on a loopback address
        (plain http for local use), on for any other address (which must be behind TLS).
    proxy_headers : trust ``X-Forwarded-For``/``-Proto`` from ``forwarded_allow_ips`` (the reverse
        proxy), so rate limits count real client addresses.
    options : passed to :func:`workbench.portal.app.create_app`.
    """
    import uvicorn

    from workbench.portal.app import create_app

    if secure_cookies is None:
        secure_cookies = address not in LOOPBACK
    app = create_app(hub_path, secure_cookies=secure_cookies, **options)
    uvicorn.run(app, host=address, port=port, log_level="info", proxy_headers=proxy_headers,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False, date_header=True)
