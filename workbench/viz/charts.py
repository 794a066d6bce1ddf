"""Charts for the dashboards and products: pure functions from small frames to HoloViews objects.

Every function takes an aggregated pandas frame with the columns named in its docstring
and returns a HoloViews element (Bokeh backend); none reads data or computes statistics.
Missing values (suppressed by disclosure control) are drawn as gaps, never as zeros.
"""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd

hv.extension("bokeh", logo=False)

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
PALETTE = ["#1b6ca8", "#e8702a", "#2a9d8f", "#c44e52", "#8172b2", "#937860", "#da8bc3",
           "#8c8c8c", "#ccb974", "#64b5cd"]


def _opts(title: str, **extra):
    # shared_axes=False: every chart keeps its own axes; HoloViews would otherwise link the
    # axes of charts sharing a dimension name ("count"), squashing small series onto the range
    # of large ones in other tabs
    base = dict(title=title, responsive=True, height=320, toolbar="above",
                default_tools=["save", "reset", "hover"], shared_axes=False)
    base.update(extra)
    return base


def complete_months(monthly: pd.DataFrame, by: str = "offence_type") -> pd.DataFrame:
    """Every calendar month from the first to the last of ``monthly`` for each ``by`` series;
    a month without a row gets ``count`` NaN (drawn as a gap), never 0.

    >>> f = pd.DataFrame({"offence_type": ["a", "a"], "month": ["2024-01-01", "2024-03-01"], "count": [5, 7]})
    >>> complete_months(f)["count"].tolist()
    [5.0, nan, 7.0]
    """
    if monthly.empty:
        return monthly
    months = pd.to_datetime(monthly["month"])
    span = pd.date_range(months.min(), months.max(), freq="MS")
    frames = []
    for name, part in monthly.assign(month=months).groupby(by, sort=False):
        counts = part.set_index("month")["count"].astype(float).reindex(span)
        frames.append(pd.DataFrame({by: name, "month": span, "count": counts.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def missing_months_note(monthly: pd.DataFrame, by: str = "offence_type") -> str:
    """Words for the months drawn as gaps (no data supplied, or hidden by disclosure control),
    e.g. ``'Gaps: Robbery 2023-02 to 2023-04 (3 months).'``; empty when there are none.

    Examples
    --------
    >>> f = pd.DataFrame({"offence_type": ["Robbery", "Robbery", "Burglary", "Burglary"],
    ...                   "month": ["2023-01-01", "2023-04-01", "2023-01-01", "2023-04-01"], "count": [5, 7, 1, 3]})
    >>> print(missing_months_note(f))
    Gaps in a line are months with no data supplied or hidden by disclosure control, not zero: Robbery 2023-02 to 2023-03 (2 months); Burglary 2023-02 to 2023-03 (2 months).
    >>> missing_months_note(f.iloc[[0]])
    ''
    """
    parts = []
    full = complete_months(monthly, by)
    for name, part in full.groupby(by, sort=False):
        gone = part.loc[part["count"].isna(), "month"]
        if gone.empty:
            continue
        first, last = gone.min().strftime("%Y-%m"), gone.max().strftime("%Y-%m")
        span = first if first == last else f"{first} to {last}"
        parts.append(f"{name} {span} ({len(gone)} month{'s' if len(gone) > 1 else ''})")
    if not parts:
        return ""
    return ("Gaps in a line are months with no data supplied or hidden by disclosure control, "
            "not zero: " + "; ".join(parts) + ".")


def trend_chart(monthly: pd.DataFrame, markers: pd.DataFrame | None = None, *,
                title: str = "Monthly recorded crime") -> hv.Overlay:
    """One line per ``offence_type`` over ``month`` (``count``); ``markers`` (``offence_type``,
    ``month``, ``count``, ``label``) mark statistically significant trends with a triangle.
    Months without a value are gaps in the line (:func:`complete_months`), never zeros.

    Examples
    --------
    >>> f = pd.DataFrame({"offence_type": ["Robbery", "Robbery", "Burglary"],
    ...                   "month": ["2023-01-01", "2023-03-01", "2023-01-01"], "count": [5, 7, 1]})
    >>> chart = trend_chart(f)
    >>> [curve.label for curve in chart], int(chart.get(0).data["count"].isna().sum())   # February is a gap
    (['Robbery', 'Burglary'], 1)
    >>> marks = pd.DataFrame({"offence_type": ["Robbery"], "month": [pd.Timestamp("2023-03-01")],
    ...                       "count": [7], "label": ["rising"]})
    >>> type(trend_chart(f, marks).get(2)).__name__                                    # the triangle layer
    'Scatter'
    """
    curves = []
    for k, (name, part) in enumerate(complete_months(monthly).groupby("offence_type", sort=False)):
        curves.append(hv.Curve(part, "month", "count", label=str(name)).opts(
            color=PALETTE[k % len(PALETTE)], line_width=2, tools=["hover"]))
    overlay = hv.Overlay(curves) if curves else hv.Overlay([hv.Curve([], "month", "count")])
    if markers is not None and len(markers):
        overlay = overlay * hv.Scatter(markers, "month", ["count", "label", "offence_type"]).opts(
            marker="triangle", size=14, color="#000000", tools=["hover"])
    return overlay.opts(hv.opts.Overlay(**_opts(title, legend_position="right", height=360)))


def day_hour_heatmap(frame: pd.DataFrame, *, title: str = "Day of week × hour") -> hv.HeatMap:
    """``day`` (1 = Monday … 7 = Sunday) × ``hour`` (0–23) coloured by ``count``.

    Examples
    --------
    >>> h = day_hour_heatmap(pd.DataFrame({"day": [1, 7], "hour": [23, 0], "count": [4, 2]}))
    >>> h.data[["day_name", "hour", "count"]].values.tolist()
    [['Mon', 23, 4], ['Sun', 0, 2]]
    """
    data = frame.assign(day_name=[DAYS[int(d) - 1] for d in frame["day"]],
                        hour=frame["hour"].astype(int))
    return hv.HeatMap(data, ["hour", "day_name"], "count").opts(
        **_opts(title, cmap="YlOrRd", colorbar=True, tools=["hover"],
                invert_yaxis=True, xticks=list(range(0, 24, 2)),
                ylabel="", xlabel="hour of day"))


def bars(frame: pd.DataFrame, category: str, value: str, *, title: str,
         color: str = PALETTE[0]) -> hv.Bars:
    """Horizontal bars of ``value`` by ``category`` (in the frame's order).

    Examples
    --------
    >>> b = bars(pd.DataFrame({"area": ["A", "B"], "n": [3, 1]}), "area", "n", title="Offences")
    >>> b.data.values.tolist(), b.opts.get().kwargs["invert_axes"]
    ([['A', 3], ['B', 1]], True)
    """
    data = frame[[category, value]].copy()
    return hv.Bars(data, category, value).opts(
        **_opts(title, invert_axes=True, color=color, tools=["hover"],
                height=max(200, 28 * len(data) + 80)))


def _plain_numbers():
    """Axis ticks as ordinary numbers with thousands separators (never ``2.000e+5``)."""
    from bokeh.models import NumeralTickFormatter

    return NumeralTickFormatter(format="0,0.[0]")


def comparison_bars(frame: pd.DataFrame, category: str, current: str, expected: str, *,
                    title: str, value_label: str = "count", category_label: str | None = None) -> hv.Bars:
    """Grouped bars: ``current`` against ``expected`` per ``category``, with a legend naming
    both series; the value axis is titled ``value_label`` and ticks in ordinary notation.

    Examples
    --------
    >>> cb = comparison_bars(pd.DataFrame({"area": ["A", "B"], "now": [3, 1], "usual": [2, 2]}),
    ...                      "area", "now", "usual", title="Now against usual")
    >>> cb.data.values.tolist()
    [['A', 'now', 3], ['B', 'now', 1], ['A', 'usual', 2], ['B', 'usual', 2]]
    """
    long = frame.melt(id_vars=[category], value_vars=[current, expected],
                      var_name="measure", value_name="count")
    return hv.Bars(long, [category, "measure"], "count").opts(
        **_opts(title, invert_axes=True, tools=["hover"], multi_level=False,
                # a cmap keyed by the series (not a dim mapped to literal colours) is what makes
                # Bokeh draw a legend: a colour expression has no series to name
                cmap={current: PALETTE[1], expected: PALETTE[0]},
                show_legend=True, legend_position="right", yformatter=_plain_numbers(),
                ylabel=value_label, xlabel=category_label if category_label is not None else category,
                height=max(220, 34 * len(frame) + 80)))


def priority_labels(data: pd.DataFrame, *, x: str, y: str, label: str, rank: str = "rank",
                    top: int = 10) -> pd.DataFrame:
    r"""One label per cell of the matrix for its ``top``-ranked issues, one line each in rank
    order, placed just right of the cell's spread of points: issues sharing a score no longer
    print their names over each other.

    >>> f = pd.DataFrame({"l": [1, 1, 2], "i": [3, 3, 3], "name": ["A", "B", "C"], "rank": [2, 1, 3]})
    >>> priority_labels(f, x="l", y="i", label="name")[["_x", "_y", "_text"]].values.tolist()
    [[1.3, 3.0, '1. B\n2. A'], [2.3, 3.0, '3. C']]
    """
    named = data[data[rank] <= top].sort_values(rank)
    cells = named.groupby([x, y], sort=False)[[rank, label]].apply(
        lambda g: "\n".join(f"{r}. {t}" for r, t in zip(g[rank], g[label])))
    out = cells.rename("_text").reset_index()
    out["_x"] = out[x].astype(float) + 0.3
    out["_y"] = out[y].astype(float)
    return out


def priority_matrix(frame: pd.DataFrame, *, x: str, y: str, label: str, band: str = "band",
                    rank: str = "rank", top: int = 10, title: str = "Priority matrix") -> hv.Overlay:
    """Issues placed by ``x`` (e.g. likelihood) and ``y`` (e.g. impact), coloured by priority
    ``band``; the ``top`` ranked issues are labelled. Scores are whole numbers, so points that
    share a cell are spread a little around it (by rank, deterministic) to stay visible.

    Examples
    --------
    >>> f = pd.DataFrame({"l": [1, 1, 2], "i": [3, 3, 3], "name": ["A", "B", "C"], "rank": [2, 1, 3],
    ...                   "band": ["high", "low", "medium"]})
    >>> m = priority_matrix(f, x="l", y="i", label="name")
    >>> points = m.get(0)
    >>> points.data[["name", "_x"]].round(2).values.tolist()      # A and B share a cell: B is moved aside
    [['A', 1.0], ['B', 0.87], ['C', 2.0]]
    """
    data = frame.copy()
    offsets = data.groupby([x, y]).cumcount()
    angle = offsets * 2.399963                      # golden angle: spread without overlap
    radius = 0.12 * (offsets > 0) + 0.05 * offsets.clip(upper=4)
    data["_x"] = data[x] + radius * np.cos(angle)
    data["_y"] = data[y] + radius * np.sin(angle)
    colours = {"high": "#b2182b", "medium": "#ef8a62", "low": "#999999"}
    points = hv.Points(data, ["_x", "_y"], [label, band, rank, x, y]).opts(
        size=13, color=hv.dim(band).categorize(colours, default="#999999"), tools=["hover"],
        alpha=0.85, line_color="white")
    labels = hv.Labels(priority_labels(data, x=x, y=y, label=label, rank=rank, top=top),
                       ["_x", "_y"], "_text").opts(text_font_size="8pt", text_align="left",
                                                   text_baseline="middle", text_color="#333333")
    overlay = points * labels
    xlim = (float(data["_x"].min()) - 0.4, float(data["_x"].max()) + 1.6) if len(data) else None
    return overlay.opts(hv.opts.Overlay(**_opts(title, height=440, xlabel=x, ylabel=y, xlim=xlim)))


def target_bars(frame: pd.DataFrame, category: str, target: str, actual: str, *,
                title: str = "Performance against targets", value_label: str = "change (%)",
                category_label: str = ""):
    """Per ``category``: the ``target`` and the ``actual`` value as grouped bars (missing = gap),
    with a legend naming the two series and the value axis titled ``value_label``.

    Examples
    --------
    >>> t = target_bars(pd.DataFrame({"area": ["A", "B"], "target": [-5, None], "actual": [-8, 3]}),
    ...                 "area", "target", "actual")
    >>> t.data.values.tolist()                                     # B has no target: a gap, not zero
    [['A', 'target', -5.0], ['A', 'actual', -8.0], ['B', 'actual', 3.0]]
    """
    long = frame.melt(id_vars=[category], value_vars=[target, actual],
                      var_name="series", value_name="value").dropna(subset=["value"])
    return hv.Bars(long, [category, "series"], "value").opts(
        **_opts(title, invert_axes=True, tools=["hover"], multi_level=False,
                cmap={target: "#31a354", actual: PALETTE[1]},
                show_legend=True, legend_position="right", yformatter=_plain_numbers(),
                ylabel=value_label, xlabel=category_label,
                height=max(220, 40 * len(frame) + 80)))


def coverage_heatmap(frame: pd.DataFrame, *, title: str = "Records per month (log scale; red = none)"):
    """``dataset`` × ``month`` coloured by ``records`` (log scale); months with no records are
    red so coverage gaps stand out.

    Examples
    --------
    >>> c = coverage_heatmap(pd.DataFrame({"dataset": ["a", "a"], "month": ["2024-01", "2024-02"], "records": [10, 0]}))
    >>> c.data["filled"].tolist()                                  # no records: NaN, drawn red
    [10.0, nan]
    """
    data = frame.assign(filled=frame["records"].where(frame["records"] > 0))
    # the colour bar is titled by the first value dimension: a plain label, not the column name
    shown = hv.Dimension("filled", label="records a month")
    return hv.HeatMap(data, ["month", "dataset"], [shown, "records"]).opts(
        **_opts(title, cmap="Blues", colorbar=True, tools=["hover"], xrotation=90, logz=True,
                clipping_colors={"NaN": "#e31a1c"}, height=max(220, 30 * data["dataset"].nunique() + 120),
                xlabel="", ylabel=""))
