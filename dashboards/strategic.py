"""Strategic assessment: what the partnership should prioritise in the coming year.

Regulations appendix H 1.8 and appendix K: priority matrix (MoRiLE-style, from
:mod:`workbench.products.priority`), three-year trends with significance, harm-weighted
comparison of the last 12 months with the 12 before, an LSOA map of rates with IMD, and
performance against the partnership plan's targets. Figures from :mod:`workbench.dashboard_data`.
"""

from __future__ import annotations

import html

import pandas as pd
import panel as pn
import param

from dashboards.base import DashboardApp, caption, html_pane, lazy, tabulator
from workbench.dashboard_data import context, labels, strategic
from workbench.viz import charts, maps


class StrategicAssessment(DashboardApp):
    """Priority matrix, trends, harm, LSOA rates with IMD, and targets.

    Examples
    --------
    The example tier's police assaults (60) rank above its council ASB (8 records).

    >>> from workbench.dashboard_data.access import Viewer
    >>> from workbench.dashboard_data.partners import _example_source
    >>> app = StrategicAssessment(source=_example_source(), viewer=Viewer("ann", "Police", "analyst", True))
    >>> app.figs.priorities[["rank", "label", "band"]].values.tolist()
    [[1, 'Violence and sexual offences', 'high'], [2, 'Anti-social behaviour', 'low']]
    >>> page = app.__panel__()
    >>> print(page[0].object.splitlines()[1])
    Last 12 months **01 Jul 2023 – 30 Jun 2024** against **01 Jul 2022 – 30 Jun 2023**; trends over **01 Jul 2021 – 30 Jun 2024**.
    >>> page[1]._names
    ['Priority matrix', 'Trends', 'Harm', 'Areas and deprivation', 'Targets']
    """

    issues = param.ListSelector(default=[], objects=[],
                                doc="Issues to draw in the trend chart (none = the six highest priorities).")
    map_measure = param.Selector(default="rate per 1,000 residents",
                                 objects=["rate per 1,000 residents", "count", "IMD decile"],
                                 doc="What the LSOA map is shaded by.")
    title = param.String(default="Strategic assessment")

    def __init__(self, **params):
        super().__init__(**params)
        figs = strategic.figures(self.source, self.viewer)
        self.figs = None if figs is None else strategic.for_viewer(figs, self.viewer)
        if self.figs is not None:
            labels = dict(zip(self.figs.facts["issue"], self.figs.facts["label"]))
            self.param.issues.objects = list(labels.values())

    def _priority(self):
        pri = self.figs.priorities
        chart = charts.priority_matrix(pri, x="likelihood", y="impact", label="label",
                                       title="Priority matrix: likelihood (volume + trend scores) × "
                                             "impact (harm + vulnerability scores); red = high priority")
        table = pri[["rank", "label", "band", "score", "confidence", "coverage", "sources"]]
        return pn.Column(pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False),
                         caption("Each dot is one issue. Further right: more of it and rising; higher "
                                 "up: more harmful and more vulnerable people hurt. Red dots are the "
                                 "high priorities; the table ranks every issue."),
                         tabulator(table, sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")

    @param.depends("issues")
    def _trends(self):
        f = self.figs
        # the six highest priorities, drawn from the source each problem is measured by
        chosen = self.issues or [s.split("; ")[0] for s in f.priorities["sources"].head(6)]
        monthly = f.monthly[f.monthly["label"].isin(chosen)].rename(columns={"label": "offence_type"})
        facts = f.facts[f.facts["label"].isin(chosen)]
        sig = facts[facts["trend"].isin(["rising", "falling"])]
        last = monthly.sort_values("month").groupby("offence_type").tail(1)
        markers = last.merge(sig.rename(columns={"label": "offence_type"})[
            ["offence_type", "trend", "annual_change", "trend_p"]], on="offence_type")
        markers["label"] = [f"{t} {a:+.0%}/yr (p={p:.3f})" for t, a, p in
                            zip(markers["trend"], markers["annual_change"], markers["trend_p"])]
        chart = charts.trend_chart(monthly, markers, title="Three-year monthly trend (▲ = a real rise or "
                                                          "fall, not chance)")
        gaps = charts.missing_months_note(monthly)
        table = facts[["label", "trend", "annual_change", "trend_p", "months_covered"]].assign(
            annual_change=lambda d: (100 * d["annual_change"]).round(1),
            trend_p=lambda d: d["trend_p"].round(4)).rename(columns={"annual_change": "% a year"})
        return pn.Column(
            pn.widgets.MultiChoice.from_param(self.param.issues,
                                              placeholder="Six highest priorities", width=640),
            pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False),
            html_pane(f"<p class='wb-note' id='wb-gaps'>{html.escape(gaps)}</p>" if gaps else ""),
            caption("One line per issue: how many were recorded each month over three years. A "
                    "triangle marks an issue whose rise or fall is statistically significant."),
            tabulator(table, sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    def _harm(self):
        # one bar per problem, from the source it is measured by (no event counted twice)
        facts = self.figs.facts[self.figs.facts["primary"]]
        facts = facts.sort_values("harm_current", ascending=False).head(12)
        frame = facts.rename(columns={"harm_current": "last 12 months", "harm_previous": "12 months before"})
        chart = charts.comparison_bars(frame, "label", "last 12 months", "12 months before",
                                       title="Harm-weighted volume (events × harm weight): last 12 months (orange), "
                                             "the 12 before (blue)", value_label="harm (events × harm weight)",
                                       category_label="")
        return pn.Column(pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False),
                         caption("Not every crime hurts equally: each event is weighted by how much harm "
                                 "that kind of crime does (the ONS Crime Severity Score), so a few serious "
                                 "crimes can outweigh many minor ones. Orange is the last 12 months, blue "
                                 "the 12 before."),
                         sizing_mode="stretch_width")

    @param.depends("map_measure")
    def _map(self):
        rates = context.lsoa_rates(self.source, self.figs.current, [], self.viewer)
        column = {"rate per 1,000 residents": "rate_per_1000", "count": "count",
                  "IMD decile": "imd_decile"}[self.map_measure]
        note = ""
        if column == "rate_per_1000" and rates["population"].isna().all():
            column, note = "count", " (no LSOA populations published: shaded by count)"
        values = {r.lsoa_code: (None if pd.isna(getattr(r, column)) else float(getattr(r, column)))
                  for r in rates.itertuples(index=False)}
        boundaries = context.lsoa_boundaries(self.source)
        fields = {"crimes": dict(zip(rates["lsoa_code"], rates["count"])),
                  "IMD decile (1 = most deprived)": dict(zip(rates["lsoa_code"], rates["imd_decile"]))}
        outside = set(rates.loc[~rates["inside"].astype(bool), "lsoa_code"])
        values = {k: (None if k in outside else v) for k, v in values.items()}
        fmap = maps.choropleth(boundaries, values, title=self.map_measure, fields=fields, outside=outside)
        legend = maps.legend_html(maps.classify(list(values.values())), self.map_measure + note)
        if outside:
            legend += maps.outside_legend_html()
        source = rates["dataset"].iloc[0] if len(rates) else "none"
        return pn.Column(
            pn.widgets.RadioButtonGroup.from_param(self.param.map_measure),
            html_pane(legend, sizing_mode="stretch_width"),
            html_pane(maps.to_iframe(fmap, 560), height=570, sizing_mode="stretch_width"),
            caption(f"Each area is a neighbourhood of about 1,500 residents (an LSOA), shaded by "
                    f"{self.map_measure}; {self.figs.current.label}. Deprivation is the 2019 Index of "
                    f"Multiple Deprivation, decile 1 being the most deprived tenth of England."),
            html_pane(f"<p class='wb-note'>Counts from {html.escape(str(labels.dataset_titles(source)))}.</p>"),
            sizing_mode="stretch_width")

    def _targets(self):
        perf = self.figs.performance
        frame = perf.assign(target=(100 * perf["target"]).round(1),
                            actual=(100 * perf["actual"].astype(float)).round(1))
        chart = charts.target_bars(frame.rename(columns={"target": "target", "actual": "actual change"}),
                                   "label", "target", "actual change",
                                   title="Change over 12 months against the plan's target (%)",
                                   value_label="change over 12 months (%)")
        return pn.Column(pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False),
                         caption("For each target in the partnership plan: the change it aims for (green) "
                                 "and the change recorded over the last 12 months (orange). Below zero is "
                                 "a fall."),
                         tabulator(frame[["label", "target", "actual", "status", "reason"]],
                                   sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")

    def __panel__(self):
        if self.figs is None:
            return html_pane("<p class='wb-denied'>The shared tier holds none of the strategic "
                                "assessment's datasets yet. Publish it with "
                                "<code>workbench hub publish</code>.</p>")
        f = self.figs
        return pn.Column(
            pn.pane.Markdown(
                f"## Strategic assessment\nLast 12 months **{f.current.label}** against "
                f"**{f.previous.label}**; trends over **{f.window.label}**."),
            pn.Tabs(("Priority matrix", self._priority()), ("Trends", lazy(self._trends)),
                    ("Harm", self._harm()), ("Areas and deprivation", lazy(self._map)),
                    ("Targets", self._targets()), dynamic=True, sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
