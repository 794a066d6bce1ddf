"""Every chart with more than one series shows a legend naming each series (issue 18).

Grouped bars used to colour their series through a colour expression (``hv.dim(...).
categorize``), which Bokeh cannot turn into a legend: the targets and emerging-issues charts
showed two colours and no key. Checked on the rendered Bokeh model, as a browser gets it.
"""

from __future__ import annotations

import holoviews as hv
import pandas as pd
from bokeh.models import Legend

from workbench.viz import charts


def _legend_labels(element) -> list[str]:
    plot = hv.render(element)
    labels = []
    for legend in plot.select(type=Legend):
        for item in legend.items:
            label = item.label
            labels.append(label.get("field") if isinstance(label, dict) else getattr(label, "field", None) or str(label))
    return labels, plot


def _factors(plot) -> set[str]:
    from bokeh.models import CategoricalColorMapper

    return {f for m in plot.select(type=CategoricalColorMapper) for f in m.factors}


def test_grouped_bars_have_a_legend_naming_both_series():
    frame = pd.DataFrame({"offence_type": ["Burglary", "Robbery"], "this period": [12, 3],
                          "expected from the baseline": [8.0, 4.5]})
    chart = charts.comparison_bars(frame, "offence_type", "this period", "expected from the baseline",
                                   title="t", value_label="crimes", category_label="")
    labels, plot = _legend_labels(chart)
    assert labels, "no legend drawn"
    assert _factors(plot) == {"this period", "expected from the baseline"}
    assert plot.xaxis[0].axis_label == "crimes"       # bars are horizontal: the value axis is x


def test_target_bars_have_a_legend_and_a_unit():
    frame = pd.DataFrame({"label": ["Burglary", "Violence"], "target": [-5.0, -10.0],
                          "actual change": [2.5, None]})
    chart = charts.target_bars(frame, "label", "target", "actual change",
                               value_label="change over 12 months (%)")
    labels, plot = _legend_labels(chart)
    assert labels and _factors(plot) == {"target", "actual change"}
    assert "%" in plot.xaxis[0].axis_label


def test_line_chart_has_a_legend_per_series():
    monthly = pd.DataFrame({"offence_type": ["A", "A", "B", "B"],
                            "month": pd.to_datetime(["2024-01-01", "2024-02-01"] * 2), "count": [1, 2, 3, 4]})
    plot = hv.render(charts.trend_chart(monthly))
    names = [item.label["value"] if isinstance(item.label, dict) else item.label.value
             for lg in plot.select(type=Legend) for item in lg.items]
    assert names == ["A", "B"]


def test_coverage_colour_bar_is_titled_in_words():
    """The explorer's coverage grid titled its colour bar 'filled' (a column name)."""
    from bokeh.models import ColorBar

    frame = pd.DataFrame({"dataset": ["Council ASB"] * 2, "month": ["Jan 2024", "Feb 2024"], "records": [0, 12]})
    plot = hv.render(charts.coverage_heatmap(frame))
    titles = [bar.title for bar in plot.select(type=ColorBar)]
    assert titles == ["records a month"]
