"""The partnership's dashboards (issue 6): Panel apps served by ``workbench serve dashboards``.

Each app is a :class:`pn.viewable.Viewer` with documented ``param`` parameters that takes
its data from :mod:`workbench.dashboard_data` and draws with :mod:`workbench.viz` (STYLE rule 10).
:data:`APPS` lists them in the order the index shows them; ``dashboards.server`` serves
each at ``/<slug>`` behind the log-in of :mod:`dashboards.auth`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class AppInfo:
    """One dashboard app: its address (``/<slug>``), where its class lives, and the index's words.

    Examples
    --------
    >>> info = app("records")
    >>> info.title, info.load().__name__
    ('Crime records', 'RecordBrowser')
    """

    slug: str
    module: str
    cls: str
    title: str
    description: str

    def load(self):
        return getattr(importlib.import_module(self.module), self.cls)


APPS = (
    AppInfo("strategic", "dashboards.strategic", "StrategicAssessment", "Strategic assessment",
            "Priorities for the year: priority matrix, three-year trends, harm, areas and targets."),
    AppInfo("tactical", "dashboards.tactical", "TacticalAssessment", "Tactical assessment",
            "The last 4, 8 or 12 weeks: emerging issues, hotspots, times, repeat locations."),
    AppInfo("explorer", "dashboards.explorer", "HubExplorer", "Hub explorer",
            "What the hub holds: datasets, supplies, fitness for purpose, coverage gaps."),
    AppInfo("library", "dashboards.library", "ProductLibrary", "Product library",
            "Rendered assessments and profiles you may read, to download."),
    AppInfo("records", "dashboards.records", "RecordBrowser", "Crime records",
            "Depersonalised crime records (analysts, DLOs and administrators)."),
)


def app(slug: str) -> AppInfo:
    """The :data:`APPS` entry served at ``/<slug>`` (``KeyError`` for an unknown one).

    Examples
    --------
    >>> app("tactical").cls
    'TacticalAssessment'
    >>> app("nowhere")
    Traceback (most recent call last):
    ...
    KeyError: 'nowhere'
    """
    for info in APPS:
        if info.slug == slug:
            return info
    raise KeyError(slug)
