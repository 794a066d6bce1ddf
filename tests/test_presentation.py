"""Charts and maps that do not mislead (issue 12, Presentation).

Each chart keeps its own axes; months without data are gaps with a note, never zeros; times
read hh:mm; LSOAs outside the partnership are drawn distinct and labelled, never as zero
crime; maps carry place names from the hub's own LSOA names (offline).
"""

from __future__ import annotations

import re
from pathlib import Path

import holoviews as hv
import numpy as np
import pandas as pd
import pytest

from workbench.viz import charts, maps

ROOT = Path(__file__).resolve().parents[1]


def test_charts_do_not_share_axes():
    frame = pd.DataFrame({"group": ["a", "b"], "count": [240, 3]})
    for chart in (charts.bars(frame, "group", "count", title="t"),
                  charts.comparison_bars(frame.rename(columns={"count": "now"}).assign(expected=[1, 2]), "group", "now", "expected", title="t")):
        assert hv.Store.lookup_options("bokeh", chart, "plot").kwargs["shared_axes"] is False
    # and no dashboard pane links its axes to another's (Panel links them by default)
    for path in (ROOT / "dashboards").glob("*.py"):
        for call in re.findall(r"pn\.pane\.HoloViews\((.*)", path.read_text()):
            assert "linked_axes=False" in call, (path.name, call)


def test_missing_months_are_gaps_with_a_note():
    monthly = pd.DataFrame({"offence_type": ["Robbery"] * 4,
                            "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-05-01", "2024-06-01"]),
                            "count": [10, 12, 11, np.nan]})
    full = charts.complete_months(monthly)
    assert full["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03", "2024-04",
                                                           "2024-05", "2024-06"]
    assert full["count"].isna().tolist() == [False, False, True, True, False, True]
    assert (full["count"] != 0).all()
    note = charts.missing_months_note(monthly)
    assert "Robbery 2024-03 to 2024-06 (3 months)" in note and "not zero" in note
    chart = charts.trend_chart(monthly)
    curve = chart.values()[0]
    assert np.isnan(curve.dimension_values("count")).sum() == 3
    assert charts.missing_months_note(monthly.iloc[:2]) == ""


def test_record_times_are_hh_mm(demo_hub):
    from workbench.dashboard_data import crime, periods
    from workbench.dashboard_data.access import Viewer
    from workbench.dashboard_data.source import Source

    source = Source(demo_hub)
    analyst = Viewer("ann", "Police", "analyst", True, frozenset({"police_crime_offence"}))
    rows = crime.records(source, periods.tactical(crime.latest_date(source), 4).current, [], analyst, limit=100)
    times = rows["committed_from_time"].dropna()
    assert len(times) and times.str.fullmatch(r"[0-2]\d:[0-5]\d").all()


def test_outside_the_partnership_is_distinct_and_places_are_named(demo_hub):
    from workbench.dashboard_data import context, crime, periods
    from workbench.dashboard_data.access import Viewer
    from workbench.dashboard_data.source import Source

    source = Source(demo_hub)
    analyst = Viewer("ann", "Police", "analyst", True, frozenset({"police_crime_offence"}))
    rates = context.lsoa_rates(source, periods.tactical(crime.latest_date(source), 4).current, [], analyst)
    outside = rates[~rates["inside"]]
    assert len(outside) and outside["count"].isna().all()          # unknown, not zero
    assert (rates.loc[rates["inside"], "count"] >= 0).all()
    boundaries = context.lsoa_boundaries(source)
    values = dict(zip(rates["lsoa_code"], rates["count"]))
    fmap = maps.choropleth(boundaries, values, title="count", outside=set(outside["lsoa_code"]))
    page = fmap.get_root().render()
    assert "outside the partnership" in page and "dashArray" in page
    labels = maps.place_labels(boundaries)
    assert labels and all(not re.search(r"\d{3}[A-Z]$", name) for name, _, _ in labels)
    assert page.count("wb-place") == len(labels)
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page


@pytest.mark.parametrize("name, place", [("Nottingham 001A", "Nottingham"),
                                         ("Newark and Sherwood 012C", "Newark and Sherwood"),
                                         ("Testshire", "Testshire")])
def test_place_names_from_lsoa_names(name, place):
    b = {"features": [{"properties": {"lsoa_name": name},
                       "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}
    assert maps.place_labels(b)[0][0] == place
