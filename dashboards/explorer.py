"""Hub explorer: what the shared tier holds, where it came from, and how fit for purpose it is.

Guidance 4.2.3 (fitness for purpose), 3.4 (supply metadata). Analysts, DLOs and
administrators only: the quality report names supplies and agencies.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pandas as pd
import panel as pn
import param

from dashboards.base import DashboardApp, html_pane, tabulator
from workbench.dashboard_data import crime, hubinfo, labels, periods, quality_words
from workbench.dashboard_data.access import require_records
from workbench.viz import charts


def _month(text) -> str:
    """'2024-06' as 'Jun 2024' (a coverage month as people read it)."""
    try:
        return pd.Period(str(text), freq="M").strftime("%b %Y")
    except (ValueError, TypeError):
        return text


class HubExplorer(DashboardApp):
    """Datasets, supplies, a dataset's fitness-for-purpose report and monthly coverage.

    Examples
    --------
    >>> from workbench.dashboard_data.access import Viewer
    >>> from workbench.dashboard_data.partners import _example_source
    >>> app = HubExplorer(source=_example_source(), viewer=Viewer("ann", "Police", "analyst", True))
    >>> app.param.dataset.names                                   # chosen by title
    {'Council-recorded anti-social behaviour': 'council_asb', 'Recorded crime: offences': 'police_crime_offence'}
    >>> app.dataset
    'police_crime_offence'
    """

    dataset = param.Selector(default=None, objects=[], doc="Dataset whose quality report is shown.")
    months = param.Integer(default=36, bounds=(6, 120), doc="Months of coverage to show.")
    title = param.String(default="Hub explorer")

    @staticmethod
    def check_access(viewer) -> None:
        require_records(viewer, "The hub explorer")

    def __init__(self, **params):
        super().__init__(**params)
        frame = hubinfo.datasets(self.source)
        self._datasets = frame
        names = [d for d in frame["dataset"] if not d.startswith("ref_")] or list(frame["dataset"])
        self.param.dataset.objects = {labels.dataset_titles(d): d for d in names}   # shown by title
        if names and self.dataset is None:
            self.dataset = "police_crime_offence" if "police_crime_offence" in names else names[0]
        self.as_of = crime.latest_date(self.source)

    @param.depends("dataset")
    def _quality(self):
        if not self.dataset:
            return html_pane("<p class='wb-note'>No datasets published yet.</p>")
        try:
            report = hubinfo.quality(self.source, self.dataset, self.viewer)
        except Exception as exc:   # e.g. the shared tier carries no supply log
            words = labels.dataset_titles(re.sub(r"\b(\w+)_counts\b", r"\1 (counts)", str(exc)))
            return html_pane(f"<p class='wb-note'>No fitness-for-purpose report for "
                             f"{html.escape(labels.dataset_titles(self.dataset))} on the shared tier: "
                             f"{html.escape(words)}</p>")
        tables = quality_words.quality_tables(report)
        anomalies = hubinfo.anomalous_months(report)
        caveats = "".join(f"<li>{html.escape(c)}</li>" for c in tables.caveats)
        return pn.Column(
            html_pane(f"<h4>{html.escape(tables.title)}</h4>"),
            pn.Row(pn.Column(html_pane("<h5>How complete each field is</h5>"),
                             tabulator(tables.fields, height=320, width=380)),
                   pn.Column(html_pane("<h5>Precision, accuracy and currency</h5>"),
                             tabulator(tables.checks, sizing_mode="stretch_width"),
                             sizing_mode="stretch_width"),
                   sizing_mode="stretch_width"),
            html_pane("<h5>Supplies</h5>"),
            tabulator(tables.supplies, sizing_mode="stretch_width") if len(tables.supplies) else
            html_pane("<p class='wb-note'>No supply of this dataset is recorded on the shared tier.</p>"),
            html_pane(f"<h5>Caveats</h5><ul class='wb-note'>{caveats}</ul>" if caveats else ""),
            html_pane(f"<h4>Unusual supply months</h4><p class='wb-note'>{len(anomalies)} month(s) far "
                      "from their series' usual month (robust median/MAD score, per dataset and category): "
                      "check the supply before comparing periods. Months at the edge of a series may be "
                      "part-months.</p>", sizing_mode="stretch_width"),
            tabulator(quality_words.anomaly_table(anomalies), height=220, sizing_mode="stretch_width")
            if len(anomalies) else html_pane("<p class='wb-note'>No unusual months.</p>"),
            sizing_mode="stretch_width")

    @param.depends("months")
    def _coverage(self):
        end = self.as_of or date.today()
        period = periods.Period(periods.month_start(end, self.months - 1), end)
        cov = hubinfo.coverage(self.source, period)
        gaps = hubinfo.gaps(cov)
        # datasets by their titles, months as people read them
        cov = cov.assign(dataset=cov["dataset"].map(labels.dataset_titles),
                         month=cov["month"].map(_month))
        gaps = gaps.assign(month=gaps["month"].map(_month))
        return pn.Column(
            pn.pane.HoloViews(charts.coverage_heatmap(cov), sizing_mode="stretch_width", linked_axes=False),
            html_pane(f"<p class='wb-note'>{len(gaps)} month(s) with no records inside a "
                         f"dataset's span (coverage gaps).</p>"),
            tabulator(gaps, height=200,
                                 sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    def _supplies(self):
        log = hubinfo.supplies(self.source)
        meta = hubinfo.published(self.source)
        meta = meta.assign(key=meta["key"].map(labels.label)).rename(columns={"key": "Publication", "value": "Value"})
        parts = [tabulator(meta, width=520, height=200)]
        if len(log):
            parts.append(tabulator(log, height=420, sizing_mode="stretch_width"))
        else:
            parts.append(html_pane("<p class='wb-note'>The supply log (who supplied what, when, with "
                                   "which guidance 3.4 metadata) stays in the master hub; the "
                                   "shared tier records when it was published, above. Run "
                                   "<code>workbench hub status</code> on the master hub for it.</p>"))
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(
            pn.pane.Markdown("## Hub explorer\nThe depersonalised shared tier the dashboards read."),
            pn.Tabs(
                ("Datasets", tabulator(self._datasets.drop(columns=["table"]), height=420,
                                       sizing_mode="stretch_width")),
                ("Supplies", self._supplies()),
                ("Fitness for purpose", pn.Column(
                    pn.widgets.Select.from_param(self.param.dataset, width=320), self._quality)),
                ("Coverage", pn.Column(pn.widgets.IntSlider.from_param(self.param.months, width=320),
                                       self._coverage)),
                sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
