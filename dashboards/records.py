"""Crime records: depersonalised rows of the shared tier, for analysts only.

Viewers never reach this page: :meth:`RecordBrowser.check_access` refuses them (the refusal
is audited by the page shell) and :func:`workbench.dashboard_data.crime.records` refuses again.
"""

from __future__ import annotations

import panel as pn
import param

from dashboards.base import DashboardApp, html_pane, tabulator
from workbench.dashboard_data import crime, periods
from workbench.dashboard_data.access import require_records


class RecordBrowser(DashboardApp):
    """The latest depersonalised crime records for a period and offence types.

    Examples
    --------
    The example tier's assaults are nine days apart up to 30 June 2024: four fall in the last
    four weeks. A viewer (aggregates only) is refused.

    >>> from workbench.dashboard_data.access import Viewer
    >>> from workbench.dashboard_data.partners import _example_source
    >>> app = RecordBrowser(source=_example_source(), viewer=Viewer("ann", "Police", "analyst", True))
    >>> str(app.as_of), app.param.offences.objects
    ('2024-06-30', ['Assault'])
    >>> len(app._table().value)
    4
    >>> RecordBrowser.check_access(Viewer("vic", "Council", "viewer"))
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: The crime record browser is record-level data; role 'viewer' sees aggregates only ...
    """

    weeks = param.Selector(default=4, objects={f"{w} weeks": w for w in periods.TACTICAL_WEEKS},
                           label="Period", doc="Show records from the last this many weeks.")
    offences = param.ListSelector(default=[], objects=[], doc="Offence types (none = all).")
    limit = param.Integer(default=200, bounds=(10, 2000), doc="Most records to list.")
    title = param.String(default="Crime records")

    @staticmethod
    def check_access(viewer) -> None:
        require_records(viewer, "The crime record browser")

    def __init__(self, **params):
        super().__init__(**params)
        self.param.offences.objects = crime.offence_types(self.source)
        self.as_of = crime.latest_date(self.source)

    @param.depends("weeks", "offences", "limit")
    def _table(self):
        period = periods.tactical(self.as_of, int(self.weeks)).current
        frame = crime.records(self.source, period, self.offences, self.viewer, limit=self.limit)
        return tabulator(frame, height=560,
                                    sizing_mode="stretch_width", pagination="local", page_size=50)

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown("## Crime records (depersonalised)\nLocations are postcode centroids "
                             "(guidance Appendix 1); no names, dates of birth or addresses."),
            pn.Row(pn.widgets.RadioButtonGroup.from_param(self.param.weeks),
                   pn.widgets.MultiChoice.from_param(self.param.offences, placeholder="All offences",
                                                     width=480),
                   pn.widgets.IntInput.from_param(self.param.limit, width=120)),
            self._table, sizing_mode="stretch_width")
