"""Tactical assessment: the last 4, 8 or 12 weeks against the year before.

NIM tactical assessment (Delivering Safer Communities appendix H): emerging issues,
hotspots, when crime happens, repeat locations, prolific offenders and what partners are
reporting. Partner datasets (council ASB, fires, ambulance, A&E, police incidents …) are
counted beside recorded crime and can be chosen as the map's layer, with the geocoding match
report of address-only supplies (:mod:`workbench.dashboard_data.partners`, issue 16). Data from
:mod:`workbench.dashboard_data`, drawings from :mod:`workbench.viz`.
"""

from __future__ import annotations

import html

import panel as pn
import param

from dashboards.base import DashboardApp, caption, html_pane, lazy, tabulator
from workbench.dashboard_data import assess, context, crime, partners, periods
from workbench.viz import charts, maps


#: the map layer of recorded crime (the others are partner issues' keys)
CRIME_LAYER = "crime"


class TacticalAssessment(DashboardApp):
    """Emerging issues, hotspot map, day × hour, repeat locations, PPOs and intelligence;
    partner datasets counted beside recorded crime and chosen as the map's layer.

    Examples
    --------
    >>> from workbench.dashboard_data.access import Viewer
    >>> from workbench.dashboard_data.partners import _example_source
    >>> app = TacticalAssessment(source=_example_source(), viewer=Viewer("ann", "Police", "analyst", True))
    >>> app.as_of, app.param.layer.names
    (datetime.date(2024, 6, 30), {'Police recorded crime': 'crime', 'ASB reported to the council': 'council_asb'})
    >>> app.layer = "council_asb"
    >>> any("How the addresses were placed" in str(getattr(p, "object", "")) for p in app._map())  # match report
    True
    """

    weeks = param.Selector(default=4, objects={f"{w} weeks": w for w in periods.TACTICAL_WEEKS},
                           label="Period",
                           doc="Length of the current period in weeks (compared with the 52 weeks before it).")
    offences = param.ListSelector(default=[], objects=[], label="Offence types",
                                  doc="Offence types to include (none selected = all offences).")
    layer = param.Selector(default=CRIME_LAYER, objects={"Police recorded crime": CRIME_LAYER},
                           label="Map layer",
                           doc="What the hotspot map shows: recorded crime or one partner dataset.")
    title = param.String(default="Tactical assessment")

    def __init__(self, **params):
        super().__init__(**params)
        self.param.offences.objects = crime.offence_types(self.source)
        self.as_of = crime.latest_date(self.source)
        self.param.layer.objects = {"Police recorded crime": CRIME_LAYER, **{
            i.label: i.key for i in partners.partner_issues(self.source, self.viewer, located=True)}}

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
        shown = frame.head(12).rename(columns={"current": "this period", "expected": "expected from the baseline"})
        chart = charts.comparison_bars(shown, "offence_type", "this period", "expected from the baseline",
                                       title="Crimes this period (orange) against the count expected "
                                             "from the baseline (blue)",
                                       value_label="crimes", category_label="")
        return pn.Column(pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False),
                         caption("Each pair of bars is one offence type: how many were recorded in the "
                                 "chosen weeks (orange) and how many the same weeks' share of the year "
                                 "before would predict (blue). An offence is emerging when the rise is "
                                 "large and unlikely to be chance; the table gives the figures."),
                         tabulator(frame, sizing_mode="stretch_width"),
                         self._partner_counts(),
                         sizing_mode="stretch_width")

    def _partner_counts(self):
        frame = partners.partner_counts(self.source, self.comparison(), self.viewer)
        if frame.empty:
            return html_pane("<p class='wb-note'>No partner data dated to the day in the shared "
                             "tier for your partnerships.</p>", sizing_mode="stretch_width")
        return pn.Column(
            html_pane("<h4>What partners recorded</h4>", sizing_mode="stretch_width"),
            caption("The same test for each partner dataset (council ASB, fires, ambulance, A&E …): "
                    "this period's count against the count expected from the year before. Choose "
                    "one as the layer of the hotspot map to see where."),
            tabulator(frame.drop(columns=["dataset"]), sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    @param.depends("weeks", "offences", "layer")
    def _map(self):
        if self.layer != CRIME_LAYER:
            return self._partner_map()
        c = self.comparison()
        spots = assess.hotspots(self.source, c, self.offences, self.viewer)
        boundaries = context.lsoa_boundaries(self.source)
        fmap = maps.hotspot_map(boundaries, {}, title="Gi*", surface=spots.surface)
        notes = " ".join(html.escape(n) for n in spots.notes)
        return pn.Column(
            html_pane(maps.gistar_legend_html(maps.GISTAR_CELLS), sizing_mode="stretch_width"),
            html_pane(maps.to_iframe(fmap, 520), height=530, sizing_mode="stretch_width"),
            caption("Coloured squares are hotspots: places where crime in the chosen weeks clusters "
                    "more than chance would explain (red) or less (blue)."),
            html_pane(f"<p class='wb-note'>{notes}</p>", sizing_mode="stretch_width"),
            sizing_mode="stretch_width")

    def _partner_map(self):
        layer = partners.partner_layer(self.source, self.comparison(), self.layer, self.viewer)
        boundaries = context.lsoa_boundaries(self.source)
        fmap = maps.hotspot_map(boundaries, {}, title="Gi*", surface=layer.hotspots.surface,
                                points=layer.points)
        label = layer.issue.label
        legend = maps.gistar_legend_html(maps.GISTAR_CELLS)
        if layer.points:
            legend += maps.points_legend_html(f"{label}: one record this period")
            where = (f"{layer.located:,} of {layer.records:,} records this period have a point and are "
                     f"drawn as purple dots; ")
        else:
            where = (f"{layer.located:,} of {layer.records:,} records this period have a point; your role "
                     f"sees where they cluster, not single records; ")
        parts = [html_pane(maps.to_iframe(fmap, 520), height=530, sizing_mode="stretch_width"),
                 caption(f"{label}: {where}coloured squares are hotspots, places where these records "
                         f"cluster more than chance would explain (red) or less (blue).")]
        notes = " ".join(html.escape(n) for n in layer.hotspots.notes)
        if notes:
            parts.append(html_pane(f"<p class='wb-note'>{notes}</p>", sizing_mode="stretch_width"))
        if layer.geocoding is not None and len(layer.geocoding):
            placed = layer.geocoding.loc[layer.geocoding["method"] != "unmatched", "share"].sum()
            parts += [html_pane(f"<h4 id='wb-geocoding'>How the addresses were placed</h4><p class='wb-note'>"
                                f"Some records of {html.escape(label)} came with an address only and were "
                                f"placed on the map against the council's address gazetteer when they were "
                                f"supplied: {placed:.0f}% of them were placed. The table says how.</p>",
                                sizing_mode="stretch_width"),
                      tabulator(layer.geocoding.drop(columns=["method"]).rename(
                          columns={"how": "How placed", "records": "Records", "share": "Share (%)"}),
                          sizing_mode="stretch_width")]
        return pn.Column(html_pane(legend, sizing_mode="stretch_width"), *parts, sizing_mode="stretch_width")

    def _map_tab(self):
        if len(self.param.layer.objects) < 2:
            return lazy(self._map)
        return pn.Column(pn.widgets.Select.from_param(self.param.layer, width=420), lazy(self._map),
                         sizing_mode="stretch_width")

    @param.depends("weeks", "offences")
    def _day_hour(self):
        frame = crime.day_hour(self.source, self.comparison().current, self.offences, self.viewer)
        if frame.attrs.get("unfit"):  # times unknown (fitness gate): say so, draw nothing
            return pn.Column(caption(frame.attrs["unfit"]), sizing_mode="stretch_width")
        return pn.Column(pn.pane.HoloViews(charts.day_hour_heatmap(frame), sizing_mode="stretch_width", linked_axes=False),
                         caption("When crime happens in the chosen weeks: darker squares are hours of "
                                 "the week with more recorded crimes (times as recorded by the police)."),
                         sizing_mode="stretch_width")

    @param.depends("weeks", "offences")
    def _repeats(self):
        frame = crime.repeat_locations(self.source, self.comparison().current, self.offences, self.viewer)
        what = ("Places (postcode centre points, never an address) with three or more crimes in the "
                "chosen weeks: where repeat victimisation and problem premises show first."
                if self.viewer.sees_records else
                "Neighbourhoods with three or more crimes in the chosen weeks, by postcode sector (the "
                "first part of a postcode and one more digit, such as NG1 5: a few streets); the count is "
                "of every crime in the sector, not at a single place. "
                "Your role sees neighbourhoods, never single addresses; ask the analyst about a place.")
        return pn.Column(caption(what), tabulator(frame, sizing_mode="stretch_width"),
                         sizing_mode="stretch_width")

    @staticmethod
    def _counts_panel(frame, what: str, color: str, unit: str):
        if frame.empty:
            return html_pane(f"<p class='wb-note'>{html.escape(what)}: nothing published to the "
                             f"shared tier.</p>")
        by = str(frame["by"].iloc[0]).replace("_", " ")
        if frame["count"].notna().sum() == 0:          # every cell hidden: no empty chart
            return html_pane(f"<p class='wb-note'>{html.escape(what)} by {html.escape(by)}: every count is "
                             f"below the disclosure threshold and hidden, to protect the people behind "
                             f"them ({len(frame)} {html.escape(by)} group(s)).</p>", sizing_mode="stretch_width")
        note = ("" if by in ("current status", "category") else
                f"<p class='wb-note'>{html.escape(what)} is published to the shared tier only as "
                f"counts per {html.escape(by)} (small counts suppressed).</p>")
        axis = by[:1].upper() + by[1:]
        chart = charts.bars(frame.rename(columns={"group": axis, "count": unit}), axis, unit,
                            title=f"{what} by {by}", color=color)
        hidden = int(frame["count"].isna().sum())
        return pn.Column(pn.pane.HoloViews(chart, sizing_mode="stretch_width", linked_axes=False), html_pane(note),
                         caption(f"How many {unit}: {what} by {by}. "
                                 + (f"{hidden} group(s) with a small count are hidden (no bar) to protect "
                                    f"the people behind them." if hidden else
                                    "Small counts would be hidden to protect the people behind them.")),
                         sizing_mode="stretch_width")

    @param.depends("weeks")
    def _partners(self):
        out = []
        if self.viewer.may_see("police_ppo"):
            ppo = context.ppo_status(self.source, self.viewer)
            out.append(self._counts_panel(ppo, "PPO cohort", charts.PALETTE[0], "offenders"))
        else:
            out.append(html_pane("<p class='wb-note'>PPO counts are not shown to your role "
                                    "(sensitive personal data, guidance 2.1 C).</p>"))
        if self.viewer.may_see("partner_intelligence"):
            intel = context.intelligence_by_category(self.source, self.comparison().current, self.viewer)
            out.append(self._counts_panel(intel, "Partner intelligence", charts.PALETTE[2], "reports"))
        else:
            out.append(html_pane("<p class='wb-note'>Partner intelligence counts are not "
                                    "shown to your role.</p>"))
        return pn.Row(*out, sizing_mode="stretch_width")

    def _partners_visible(self) -> bool:
        return self.viewer.may_see("police_ppo") or self.viewer.may_see("partner_intelligence")

    def __panel__(self):
        controls = pn.Row(
            pn.widgets.RadioButtonGroup.from_param(self.param.weeks),
            pn.widgets.MultiChoice.from_param(self.param.offences,
                                              placeholder="All offences", width=520),
            sizing_mode="stretch_width")
        return pn.Column(
            pn.pane.Markdown(f"## Tactical assessment\nData to **{self.as_of:%d %B %Y}**."),
            controls, self._summary,
            pn.Tabs(("Emerging issues", lazy(self._emerging)), ("Hotspot map", self._map_tab()),
                    ("Day × hour", lazy(self._day_hour)), ("Repeat locations", lazy(self._repeats)),
                    # a role that may see neither PPO nor intelligence counts gets no empty tab
                    *([("PPOs and intelligence", lazy(self._partners))] if self._partners_visible() else []),
                    dynamic=True, sizing_mode="stretch_width"),
            sizing_mode="stretch_width")
