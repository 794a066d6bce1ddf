"""Tactical assessment: the last 4, 8 or 12 weeks against the year before.

NIM tactical assessment (Delivering Safer Communities appendix H): emerging issues,
hotspots, when crime happens, repeat locations, prolific offenders and what partners are
reporting. Data from :mod:`workbench.views`, drawings from :mod:`workbench.viz`.
"""

from __future__ import annotations

import html

import panel as pn
import param

from dashboards.base import DashboardApp, html_pane, lazy, tabulator
from workbench.views import assess, context, crime, periods
from workbench.viz import charts, maps


class TacticalAssessment(DashboardApp):
    """Emerging issues, hotspot map, day × hour, repeat locations, PPOs and intelligence."""

    weeks = param.Selector(default=4, objects=list(periods.TACTICAL_WEEKS), label="Weeks",
                           doc="Length of the current period in weeks (compared with the 52 weeks before it).")
    offences = param.ListSelector(default=[], objects=[], label="Offence types",
                                  doc="Offence types to include (none selected = all offences).")
    title = param.String(default="Tactical assessment")

    def __init__(self, **params):
        super().__init__(**params)
        self.param.offences.objects = crime.offence_types(self.source)
        self.as_of = crime.latest_date(self.source)

    @param.depends("weeks")
    def comparison(self) -> periods.Comparison:
        return periods.tactical(self.as_of, int(self.weeks))

    @param.depends("weeks", "offences")
    def _summary(self):
        c = self.comparison()
        return html_pane(
            f"<p class='wb-note' id='wb-period'>Current period <b>{html.escape(c.current.label)}</b> "
            f"against the baseline <b>{html.escape(c.baseline.label)}</b> (the count expected at the "
            f"baseline rate). Counts for your role are passed through disclosure control.</p>",
            sizing_mode="stretch_width")

    @param.depends("weeks", "offences")
    def _emerging(self):
        frame = assess.emerging_issues(self.source, self.comparison(), self.offences, self.viewer)
        shown = frame.head(12)
        chart = charts.comparison_bars(shown, "offence_type", "current", "expected",
                                       title="Current period (orange) against the expected count (blue)")
        table = tabulator(
            frame.assign(p_value=frame["p_value"].round(4), expected=frame["expected"].round(1),
                         percent_change=frame["percent_change"].round(1),
                         rate_ratio=frame["rate_ratio"].round(2)),
            sizing_mode="stretch_width", height=260)
        return pn.Column(pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False), table,
                         sizing_mode="stretch_width")

    @param.depends("weeks", "offences")
    def _map(self):
        c = self.comparison()
        spots = assess.hotspots(self.source, c, self.offences, self.viewer)
        boundaries = context.lsoa_boundaries(self.source)
        fmap = maps.hotspot_map(boundaries, {}, title="Gi*", surface=spots.surface)
        notes = " ".join(html.escape(n) for n in spots.notes)
        return pn.Column(
            html_pane(maps.gistar_legend_html(maps.GISTAR_CELLS), sizing_mode="stretch_width"),
            html_pane(maps.to_iframe(fmap, 520), height=530, sizing_mode="stretch_width"),
            html_pane(f"<p class='wb-note'>{notes}</p>", sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    @param.depends("weeks", "offences")
    def _day_hour(self):
        frame = crime.day_hour(self.source, self.comparison().current, self.offences, self.viewer)
        return pn.pane.HoloViews(charts.day_hour_heatmap(frame), sizing_mode="stretch_width", linked_axes=False)

    @param.depends("weeks", "offences")
    def _repeats(self):
        frame = crime.repeat_locations(self.source, self.comparison().current, self.offences, self.viewer)
        what = ("depersonalised locations (postcode centroids)" if self.viewer.sees_records
                else "postcode sectors (your role sees no single locations)")
        return pn.Column(
            html_pane(f"<p class='wb-note'>Places with three or more crimes: {what}.</p>"),
            tabulator(frame, height=300,
                                 sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    @staticmethod
    def _counts_panel(frame, what: str, color: str):
        if frame.empty:
            return html_pane(f"<p class='wb-note'>{html.escape(what)}: nothing published to the "
                             f"shared tier.</p>")
        by = str(frame["by"].iloc[0]).replace("_", " ")
        note = ("" if by in ("current status", "category") else
                f"<p class='wb-note'>{html.escape(what)} is published to the shared tier only as "
                f"counts per {html.escape(by)} (small counts suppressed).</p>")
        chart = charts.bars(frame.rename(columns={"group": by}), by, "count",
                            title=f"{what} by {by}", color=color)
        return pn.Column(pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False), html_pane(note),
                         sizing_mode="stretch_width")

    @param.depends("weeks")
    def _partners(self):
        out = []
        if self.viewer.may_see("police_ppo"):
            ppo = context.ppo_status(self.source, self.viewer)
            out.append(self._counts_panel(ppo, "PPO cohort", charts.PALETTE[0]))
        else:
            out.append(html_pane("<p class='wb-note'>PPO counts are not shown to your role "
                                    "(sensitive personal data, guidance 2.1 C).</p>"))
        if self.viewer.may_see("partner_intelligence"):
            intel = context.intelligence_by_category(self.source, self.comparison().current, self.viewer)
            out.append(self._counts_panel(intel, "Partner intelligence", charts.PALETTE[2]))
        else:
            out.append(html_pane("<p class='wb-note'>Partner intelligence counts are not "
                                    "shown to your role.</p>"))
        return pn.Row(*out, sizing_mode="stretch_width")

    def __panel__(self):
        controls = pn.Row(
            pn.widgets.RadioButtonGroup.from_param(self.param.weeks),
            pn.widgets.MultiChoice.from_param(self.param.offences,
                                              placeholder="All offences", width=520),
            sizing_mode="stretch_width")
        return pn.Column(
            pn.pane.Markdown(f"## Tactical assessment\nData to **{self.as_of:%d %B %Y}**."),
            controls, self._summary,
            pn.Tabs(("Emerging issues", lazy(self._emerging)), ("Hotspot map", lazy(self._map)),
                    ("Day × hour", lazy(self._day_hour)), ("Repeat locations", lazy(self._repeats)),
                    ("PPOs and intelligence", lazy(self._partners)), dynamic=True,
                    sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
