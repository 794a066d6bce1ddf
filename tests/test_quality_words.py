"""The hub explorer's fitness-for-purpose report speaks plain words (issue 18).

It used to show contract field names (``committed_from_date_day_known_share``), ISO
timestamps and a JSON dump. Every dataset's report, its supplies, coverage and publication
record are read here as the page shows them (a browser test walks the same pages).
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from workbench.dashboard_data import access
from workbench.dashboard_data.source import Source

DLO = access.Viewer("dee", "Police", "dlo", True, frozenset(access.DASHBOARD_DATASETS))
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
ISO = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b")


def _text(obj) -> str:
    out = []

    def walk(o):
        value = getattr(o, "value", None)
        if isinstance(value, pd.DataFrame):
            out.append(" ".join(map(str, value.columns)) + " " + value.astype(str).to_string())
        elif isinstance(getattr(o, "object", None), str):
            out.append(re.sub(r"<[^>]+>", " ", html.unescape(o.object)))
        elif isinstance(getattr(o, "object", None), dict):
            out.append(str(o.object))            # a JSON pane would show its keys
        for child in getattr(o, "objects", None) or []:
            walk(child)
    walk(obj)
    return "\n".join(out)


def test_every_quality_report_is_in_plain_words(demo_hub):
    from dashboards.explorer import HubExplorer

    app = HubExplorer(source=Source(demo_hub), viewer=DLO)
    assert all(not SNAKE.search(name) for name in app.param.dataset.names)     # chosen by title
    seen = []
    for dataset in app.param.dataset.names.values():
        app.dataset = dataset
        text = _text(app._quality())
        seen.append(text)
        assert not SNAKE.findall(text), (dataset, SNAKE.findall(text)[:5])
        assert not ISO.findall(text), (dataset, ISO.findall(text)[:5])
    assert any("Share with a value (%)" in t and "Precision" in t for t in seen)
    for tab in (app._coverage(), app._supplies()):
        text = _text(tab)
        assert not SNAKE.findall(text) and not ISO.findall(text), (SNAKE.findall(text)[:5], ISO.findall(text)[:5])


def test_the_report_rewrites_measures_it_has_not_seen_in_words():
    from workbench.dashboard_data.quality_words import quality_tables

    t = quality_tables({"dataset": "council_asb", "rows": 3, "scope": "current rows",
                        "precision": {"incident_time_known_share": 0.5, "brand_new_measure": 2},
                        "accuracy": {"future_incident_date": 1}})
    assert t.checks["What"].tolist() == ["Incident time: share known (%)", "Brand new measure",
                                         "Incident date in the future"]
    assert t.checks["Result"].tolist() == ["50.0%", "2", "1"]
