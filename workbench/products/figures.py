"""Static figures for products: pure functions of data returning matplotlib figures.

Static PNG (not interactive JS) so reports print and render offline with no CDN.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

BLUE, RED, GREY = "#1d4f91", "#a4001d", "#888888"


def monthly_trend(monthly: pd.DataFrame, *, title: str, label_col: str | None = None, top: int = 6):
    """Monthly counts: one line per ``label_col`` value (the ``top`` largest), else one line.

    Examples
    --------
    >>> monthly = pd.DataFrame({"month": ["2024-01", "2024-02", "2024-01"], "crime_type": ["a", "a", "b"],
    ...                         "count": [5, 7, 1]})
    >>> fig = monthly_trend(monthly, title="Trend", label_col="crime_type", top=1)
    >>> [line.get_label() for line in fig.axes[0].get_lines()], fig.axes[0].get_lines()[0].get_ydata().tolist()
    (['a'], [5.0, 7.0])
    >>> plt.close(fig)
    """
    from workbench.viz.charts import complete_months

    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    if label_col:
        totals = monthly.groupby(label_col)["count"].sum().sort_values(ascending=False)
        full = complete_months(monthly, label_col)      # absent months: gaps, never zeros
        for name in totals.index[:top]:
            d = full[full[label_col] == name]
            ax.plot(pd.to_datetime(d["month"]), d["count"], label=str(name), linewidth=1.4)
        ax.legend(fontsize=7, ncol=2, frameon=False)
    else:
        d = complete_months(monthly.assign(_series="all"), "_series")
        ax.plot(pd.to_datetime(d["month"]), d["count"], color=BLUE, linewidth=1.6)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel("per month")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def priority_bars(frame: pd.DataFrame, *, title: str = "Priority score (MoRiLE-style matrix)"):
    """Horizontal bars of priority ``score`` per ``label``, lowest first, coloured by ``band``.

    Examples
    --------
    >>> fig = priority_bars(pd.DataFrame({"label": ["burglary", "robbery"], "score": [80, 20],
    ...                                   "band": ["high", "low"]}))
    >>> [round(bar.get_width()) for bar in fig.axes[0].patches]
    [20, 80]
    >>> plt.close(fig)
    """
    d = frame.sort_values("score")
    colours = d["band"].map({"high": RED, "medium": "#d98c00", "low": GREY})
    fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(d) + 1))
    ax.barh(d["label"], d["score"], color=colours)
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (0–100)")
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="y", labelsize=7)
    return fig


def day_hour(matrix: pd.DataFrame, *, title: str):
    """Heat map of a 7 × 24 day-of-week (Monday first) by hour-of-day matrix of counts.

    Examples
    --------
    >>> counts = np.zeros((7, 24))
    >>> counts[5, 23] = 9
    >>> fig = day_hour(pd.DataFrame(counts), title="When")
    >>> float(fig.axes[0].images[0].get_array().max()), fig.axes[0].get_yticklabels()[5].get_text()
    (9.0, 'Sat')
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    im = ax.imshow(matrix.to_numpy(), aspect="auto", cmap="Reds")
    ax.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], fontsize=7)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)], fontsize=7)
    ax.set_xlabel("hour of day")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.03)
    return fig


def points_map(points: pd.DataFrame, *, title: str, highlight: pd.DataFrame | None = None,
               premises: pd.DataFrame | None = None, colour_col: str | None = None):
    """Events as dots on BNG axes (no tiles: offline), with highlighted cells and premises.

    Examples
    --------
    >>> points = pd.DataFrame({"easting": [456000, 456100], "northing": [340000, 340050]})
    >>> fig = points_map(points, title="Map", premises=pd.DataFrame({"easting": [456050], "northing": [340020]}))
    >>> [len(c.get_offsets()) for c in fig.axes[0].collections]
    [2, 1]
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(6.5, 5.0))
    if colour_col and colour_col in points:
        for i, (name, d) in enumerate(points.groupby(colour_col)):
            ax.scatter(d["easting"], d["northing"], s=4, alpha=0.5, label=str(name))
        ax.legend(fontsize=7, markerscale=3, frameon=False)
    else:
        ax.scatter(points["easting"], points["northing"], s=4, alpha=0.4, color=BLUE)
    if highlight is not None and not highlight.empty:
        ax.scatter(highlight["cell_easting"], highlight["cell_northing"], s=180, facecolors="none",
                   edgecolors=RED, linewidths=1.5, label="hotspot cells")
    if premises is not None and not premises.empty:
        ax.scatter(premises["easting"], premises["northing"], marker="^", s=40, color="black",
                   label="licensed premises")
        ax.legend(fontsize=7, frameon=False)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("easting (BNG m)", fontsize=8)
    ax.set_ylabel("northing (BNG m)", fontsize=8)
    ax.tick_params(labelsize=7)
    return fig


def theme_bars(themes: pd.DataFrame, *, title: str):
    """Paired bars per ``theme``: ``previous`` 12 months (grey) beside the last 12 (``current``).

    Examples
    --------
    >>> fig = theme_bars(pd.DataFrame({"theme": ["ASB", "Violence"], "previous": [10, 4], "current": [6, 9]}),
    ...                  title="Themes")
    >>> [round(bar.get_height()) for bar in fig.axes[0].patches]
    [10, 4, 6, 9]
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    x = np.arange(len(themes))
    ax.bar(x - 0.2, themes["previous"], width=0.4, color=GREY, label="previous 12 months")
    ax.bar(x + 0.2, themes["current"], width=0.4, color=BLUE, label="last 12 months")
    ax.set_xticks(x, themes["theme"], fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(title, fontsize=10)
    return fig
