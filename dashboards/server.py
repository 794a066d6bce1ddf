"""Serve the dashboards: one Panel server, log-in required, everything from this machine.

- Apps: the index at ``/`` and each of :data:`dashboards.APPS` at ``/<slug>``.
- Log-in: :class:`dashboards.auth.RegistryAuth` (``/login``, ``/logout``).
- Assets: Bokeh/Panel JS and CSS from ``/static`` (Panel's server resources) and Leaflet
  from ``/vendor/leaflet`` (the ``xstatic-leaflet`` package): no CDN (STACK.md).
- Binds ``127.0.0.1`` unless told otherwise (CONTRACTS.md "Serving").
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import panel as pn

from dashboards import APPS
from dashboards.auth import RegistryAuth
from dashboards.base import page

SESSION_MINUTES_ENV = "WORKBENCH_SESSION_MINUTES"
COOKIE_SECRET_ENV = "WORKBENCH_COOKIE_SECRET"
THREADS = 4


def leaflet_dir() -> str:
    """The folder of the vendored Leaflet (served at ``/vendor/leaflet``: no CDN).

    Examples
    --------
    >>> (Path(leaflet_dir()) / "leaflet.js").is_file()
    True
    """
    import xstatic.pkg.leaflet as leaflet

    return leaflet.BASE_DIR


def applications(hub: Path, session_minutes: float) -> dict:
    """``{route: callable}`` for :func:`panel.serve` (each call builds one session's page).

    Examples
    --------
    >>> apps = applications(Path("master") / "hub", 30)
    >>> sorted(apps), apps["/records"].__name__
    (['/', '/explorer', '/library', '/records', '/strategic', '/tactical'], 'records')
    """
    from dashboards.index import Index

    def index():
        return page(Index, hub, "index", session_minutes=session_minutes)

    apps = {"/": index}
    for info in APPS:
        apps[f"/{info.slug}"] = _page_function(info, hub, session_minutes)
    return apps


def _page_function(info, hub: Path, session_minutes: float):
    # Panel serves plain functions (not functools.partial objects) as session factories
    def build():
        return page(info.load(), hub, info.slug, session_minutes=session_minutes)
    build.__name__ = info.slug
    return build


def warm(hub: Path) -> None:
    """Compute what every session shares (LSOA layer, strategic figures) before serving.

    Without a published shared tier there is nothing to warm; the apps say so when opened.

    Examples
    --------
    >>> from workbench.dashboard_data import strategic
    >>> from workbench.dashboard_data.partners import _example_source
    >>> warm(Path("nowhere") / "hub")            # no shared tier: nothing to do
    >>> strategic._CACHE.clear()
    >>> warm(_example_source().hub)
    >>> len(strategic._CACHE)                          # the strategic figures, ready for the first visit
    1
    """
    from workbench.errors import WorkbenchError
    from workbench.dashboard_data import context, cube, strategic
    from workbench.dashboard_data.source import Source

    source = Source(hub)
    try:
        if source.has("ref_lsoa"):
            context.lsoa_boundaries(source)
        cube.weekly(source)
        strategic.figures(source)
    except WorkbenchError:
        return


def build_server(hub: Path | str, *, address: str = "127.0.0.1", port: int = 5006,
                 session_minutes: float | None = None, start: bool = False, show: bool = False):
    """Create (and optionally start) the Panel server for the dashboards of ``hub``.

    Returns the Bokeh server; with ``start=True`` this blocks until the server stops.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> server = build_server(hub, port=0)                 # any free port; not started
    Launching server at http://127.0.0.1:...
    >>> sorted(server._tornado.applications)               # every dashboard and the index
    ['/', '/explorer', '/library', '/records', '/strategic', '/tactical']
    >>> server.stop()
    """
    hub = Path(hub).resolve()
    minutes = float(session_minutes or os.environ.get(SESSION_MINUTES_ENV, 30))
    secret = os.environ.get(COOKIE_SECRET_ENV) or secrets.token_hex(32)
    # callbacks of different sessions run in a small thread pool, so one user's query (DuckDB
    # releases the GIL) does not hold up the others
    pn.extension("tabulator", sizing_mode="stretch_width", notifications=False, nthreads=THREADS)
    for info in APPS:          # import every app (HoloViews, Bokeh models) before the first visit
        info.load()
    warm(hub)
    return pn.serve(
        applications(hub, minutes),
        address=address, port=port, show=show, start=start, threaded=False,
        title="CSP analyst workbench",
        static_dirs={"vendor/leaflet": leaflet_dir()},
        cookie_secret=secret,
        auth_provider=RegistryAuth(hub, minutes),
        websocket_origin=[f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"],
        check_unused_sessions=10_000, unused_session_lifetime=60_000,
    )
