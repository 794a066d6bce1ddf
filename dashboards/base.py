"""The page every dashboard sits in: marking banner, who is logged in, access check, audit.

:func:`page` is what the server calls for each new browser session of an app: it reads the
logged-in user (``pn.state.user``, set by :mod:`dashboards.auth`), asks the registry and
:func:`workbench.dashboard_data.access.viewer_for` whether they may open dashboards and which
partnerships they may see (refusals are audited there), records the page view in the audit
chain, and wraps the app's ``Viewer`` — reading the shared tier scoped to those
partnerships — in a Bootstrap template with the protective marking at the top and bottom.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import panel as pn
import param

from workbench.errors import AccessDenied, WorkbenchError
from workbench.dashboard_data.access import MARKING, Viewer
from workbench.dashboard_data.source import Source

CSS = """
.wb-marking { background: #b00020; color: #fff; text-align: center; font-weight: 700;
              letter-spacing: .08em; padding: 3px 0; width: 100%; }
.wb-legend { font-size: 12px; margin: 4px 0; }
.wb-swatch { display: inline-block; width: 14px; height: 12px; margin: 0 3px 0 8px;
             border: 1px solid #999; vertical-align: middle; }
.wb-note { color: #52606d; font-size: 13px; }
.wb-caption { color: #323f4b; font-size: 13px; font-style: italic; margin: 2px 0 10px 0; }
.wb-denied { background: #fdecea; color: #8a1c1c; padding: 10px 14px; border-radius: 4px; }
"""


class DashboardApp(pn.viewable.Viewer):
    """Base of the dashboard apps: the data source, who is looking, and the page title.

    Subclasses add their own documented parameters (period, offences, …) and implement
    ``__panel__``; they get data only from :mod:`workbench.dashboard_data` and draw only with
    :mod:`workbench.viz` (STYLE rule 10). The source is narrowed to the viewer's
    partnerships as the app is made.

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> viewer = Viewer("ann", "Police", "analyst", True, partnerships=frozenset({"P"}))
    >>> app = DashboardApp(source=_example_source(), viewer=viewer, title="Demo")
    >>> app.title, app.source.partnerships
    ('Demo', frozenset({'P'}))
    """

    source = param.ClassSelector(class_=Source, doc="The shared (depersonalised) tier to read, "
                                 "narrowed to the viewer's partnerships.")
    viewer = param.ClassSelector(class_=Viewer, doc="The logged-in user and what they may see.")
    title = param.String(default="", doc="Page title.")

    def __init__(self, **params):
        super().__init__(**params)
        if self.source is not None and self.viewer is not None:
            # every figure of the app counts only the partnerships the viewer may see
            self.source = self.source.for_viewer(self.viewer)


def html_pane(text: str, **params) -> pn.pane.HTML:
    """An HTML pane carrying the workbench styles (panes render in their own shadow DOM).

    Examples
    --------
    >>> pane = html_pane("<p class='wb-note'>2 datasets</p>")
    >>> pane.object, ".wb-note" in pane.stylesheets[0]
    ("<p class='wb-note'>2 datasets</p>", True)
    """
    return pn.pane.HTML(text, stylesheets=[CSS], **params)


def tabulator(frame, **params) -> pn.widgets.Tabulator:
    """A read-only table in plain language (:func:`workbench.dashboard_data.labels.plain_table`): plain
    column names with a glossary tooltip where a technical term stays, Yes/No, whole numbers
    as whole numbers (counts with suppressed, empty cells), thousands separators, no
    scientific notation, British dates. Without a ``height`` the table grows with its rows
    (up to 25 a page) instead of clipping them.

    Examples
    --------
    >>> import pandas as pd
    >>> table = tabulator(pd.DataFrame({"month": range(30), "n": range(30)}))
    >>> table.disabled, table.show_index, table.pagination, table.page_size
    (True, False, 'local', 25)
    >>> tabulator(pd.DataFrame({"n": [1, 2]})).pagination is None        # short: no pages
    True
    """
    from workbench.dashboard_data import labels

    shown = labels.plain_table(frame)
    params.setdefault("disabled", True)
    params.setdefault("show_index", False)
    params.setdefault("header_tooltips", labels.tooltips(frame))
    params.setdefault("formatters", labels.number_formats(shown))
    if "height" not in params and len(shown) > 25:
        params.setdefault("pagination", "local")
        params.setdefault("page_size", 25)
    return pn.widgets.Tabulator(shown, **params)


def caption(text: str) -> pn.pane.HTML:
    """The "what am I looking at" line under a chart or table, in plain words (escaped).

    Examples
    --------
    >>> caption("Counts < 5 are hidden").object
    "<p class='wb-caption'>Counts &lt; 5 are hidden</p>"
    """
    return html_pane(f"<p class='wb-caption'>{html.escape(text)}</p>", sizing_mode="stretch_width")


def lazy(method) -> pn.param.ParamMethod:
    """A tab's content that is computed when first shown, then kept up to date.

    Examples
    --------
    >>> class Tab(param.Parameterized):
    ...     n = param.Integer(default=2)
    ...     @param.depends("n")
    ...     def view(self):
    ...         return f"{self.n} rows"
    >>> pane = lazy(Tab().view)
    >>> pane.lazy, pane.sizing_mode
    (True, 'stretch_width')
    """
    return pn.param.ParamMethod(method, lazy=True, sizing_mode="stretch_width")


def marking_banner() -> pn.pane.HTML:
    """The protective marking, shown at the top and bottom of every page.

    Examples
    --------
    >>> MARKING in marking_banner().object
    True
    """
    return html_pane(f"<div class='wb-marking' role='banner'>{html.escape(MARKING)}</div>",
                     sizing_mode="stretch_width", margin=0)


def user_badge(viewer: Viewer) -> pn.pane.HTML:
    """Who is logged in (name, agency, role, escaped), with links to the index and to log out.

    Examples
    --------
    >>> badge = user_badge(Viewer("<b>ann</b>", "Police", "analyst")).object
    >>> "&lt;b&gt;ann&lt;/b&gt; · Police · analyst" in badge, "href='/logout'" in badge
    (True, True)
    """
    return html_pane(
        f"<span style='color:#fff'>{html.escape(viewer.name)} · {html.escape(viewer.agency)} · "
        f"{html.escape(viewer.role)} &nbsp; <a href='/' style='color:#fff'>Index</a> &nbsp; "
        f"<a href='/logout' style='color:#fff'>Log out</a></span>",
        align="center", margin=(0, 10))


def denied(message: str) -> pn.pane.HTML:
    """The "Access denied." alert shown instead of an app, with the reason (escaped).

    Examples
    --------
    >>> denied("Viewers see <aggregates> only.").object
    "<div class='wb-denied' role='alert'><b>Access denied.</b> Viewers see &lt;aggregates&gt; only.</div>"
    """
    return html_pane(f"<div class='wb-denied' role='alert'><b>Access denied.</b> "
                        f"{html.escape(message)}</div>", sizing_mode="stretch_width")


def page(app_cls, hub: Path, slug: str, *, session_minutes: float = 30.0):
    """Build the served page for ``app_cls`` for the logged-in user (one per browser session).

    Examples
    --------
    Outside a served session nobody is logged in: the page says so, and the refusal is audited.

    >>> from workbench.hub.schema import init_hub
    >>> from workbench.registry import open_registry
    >>> hub = init_hub(Path("master-hub"))
    >>> body = page(DashboardApp, hub, "records").main[0]
    >>> "You are not logged in." in body[1].object
    True
    >>> with open_registry(hub) as reg:
    ...     [(e.action, e.target, e.outcome) for e in reg.audit_entries() if e.action == "dashboard.view"]
    [('dashboard.view', 'records', 'denied')]
    """
    from workbench.registry import open_registry
    from workbench.dashboard_data.access import viewer_for

    template = pn.template.BootstrapTemplate(title="CSP analyst workbench", header_background="#1f3a5f")
    template.config.raw_css = [CSS]
    body = pn.Column(marking_banner(), sizing_mode="stretch_width")
    template.main.append(body)
    name = pn.state.user
    reg = open_registry(hub)
    try:
        if not name:
            raise AccessDenied("You are not logged in.")
        user = reg.get_user(name)
        viewer = viewer_for(reg, user)
        getattr(app_cls, "check_access", lambda v: None)(viewer)
        reg.audit(name, "dashboard.view", slug, {"role": viewer.role, "partnerships": (
            "all" if viewer.partnerships is None else sorted(viewer.partnerships))})
    except AccessDenied as exc:
        reg.audit(str(name), "dashboard.view", slug, {"reason": str(exc)}, outcome="denied")
        body.extend([denied(str(exc)), marking_banner()])
        return template
    finally:
        reg.close()
    template.header.append(user_badge(viewer))
    try:
        app = app_cls(source=Source(hub, viewer.partnerships), viewer=viewer)
    except WorkbenchError as exc:          # e.g. no shared tier published yet
        body.extend([html_pane(f"<div class='wb-denied' role='alert'>{html.escape(str(exc))}</div>"),
                     marking_banner()])
        return template
    template.title = f"CSP analyst workbench · {app.title}"
    body.extend([app, marking_banner()])
    _expire_after(body, session_minutes)
    return template


def _expire_after(body: pn.Column, minutes: float) -> None:
    """Replace an open page with a "session ended" notice once ``minutes`` have passed."""
    started = time.monotonic()

    def check():
        if time.monotonic() - started > minutes * 60:
            body[:] = [marking_banner(), html_pane(
                "<div class='wb-denied' role='alert'>Your session has ended. "
                "<a href='/login'>Log in again</a>.</div>"), marking_banner()]
            callback.stop()

    callback = pn.state.add_periodic_callback(check, period=30_000)
