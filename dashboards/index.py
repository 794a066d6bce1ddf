"""Index: the apps the logged-in user may open, with their name, agency and role."""

from __future__ import annotations

import html

import panel as pn
import param

from dashboards import APPS
from dashboards.base import DashboardApp, html_pane
from workbench.errors import AccessDenied
from workbench.dashboard_data import hubinfo


def allowed_apps(viewer) -> list:
    """The :data:`dashboards.APPS` entries ``viewer`` may open (each app's ``check_access``).

    Examples
    --------
    >>> from workbench.dashboard_data.access import Viewer
    >>> [i.slug for i in allowed_apps(Viewer("ann", "Police", "analyst", True))]
    ['strategic', 'tactical', 'explorer', 'library', 'records']
    >>> "records" in [i.slug for i in allowed_apps(Viewer("vic", "Council", "viewer"))]   # no records
    False
    """
    out = []
    for info in APPS:
        check = getattr(info.load(), "check_access", None)
        try:
            if check:
                check(viewer)
        except AccessDenied:
            continue
        out.append(info)
    return out


class Index(DashboardApp):
    """The landing page after log-in: who you are, what you see, and the apps you may open.

    The list of apps is :func:`allowed_apps`; a line under it says when the shared tier was
    published (:func:`workbench.dashboard_data.hubinfo.status`).

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> from workbench.dashboard_data.access import Viewer
    >>> vic = Viewer("vic", "Council", "viewer")                # aggregates only
    >>> index = Index(source=_example_source(), viewer=vic)
    >>> text = index.__panel__()[0].object
    >>> "Welcome, vic" in text, "aggregates only" in text, "href='/records'" in text
    (True, True, False)
    """

    title = param.String(default="Index")

    def __panel__(self):
        v = self.viewer
        cards = []
        for info in allowed_apps(v):
            cards.append(
                f"<li style='margin:10px 0'><a href='/{html.escape(info.slug)}' "
                f"style='font-size:1.15rem;font-weight:600'>{html.escape(info.title)}</a><br>"
                f"<span class='wb-note'>{html.escape(info.description)}</span></li>")
        detail = ("depersonalised records and aggregates" if v.sees_records
                  else "aggregates only, after disclosure control")
        status = hubinfo.status(self.source)
        return pn.Column(
            html_pane(
                f"<h2>Welcome, {html.escape(v.name)}</h2>"
                f"<p id='wb-who'>Agency: <b>{html.escape(v.agency)}</b> · Role: "
                f"<b>{html.escape(v.role)}</b> · You see {detail}.</p>"
                f"<ul style='list-style:none;padding-left:0'>{''.join(cards)}</ul>"
                f"<p class='wb-note' id='wb-hub'>{html.escape(status)}</p>"
                f"<p class='wb-note'>Personal data is never shown on a dashboard. Every page view "
                f"is recorded in the audit log.</p>", sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
