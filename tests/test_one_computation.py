"""The dashboard and the written assessment compute each figure once (issue 12, "One computation").

Both faces are built from one demo hub: the strategic dashboard's figures
(:func:`workbench.dashboard_data.strategic.figures`, through the dashboards' scoped ``Source``) and the
strategic product (:func:`workbench.products.strategic.strategic_summary` on the shared tier
opened as products open it) must give the same ranking, bands, trends and counts; the tactical
dashboard's hotspot map (:func:`workbench.dashboard_data.assess.hotspots`) and the tactical product's
hotspots (:func:`workbench.products.tactical.issue_hotspots`, all recorded crime) the same
cells; and there is one trend test and one exact rate test in the code base.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.privacy.shared import open_shared_tier
from workbench.products import issues as iss
from workbench.products.strategic import strategic_summary
from workbench.products.tactical import issue_hotspots
from workbench.dashboard_data import assess, periods, strategic
from workbench.dashboard_data.access import Viewer
from workbench.dashboard_data.source import Source, clear_cache

ROOT = Path(__file__).resolve().parents[1]
ANALYST = Viewer("ann", "Police", "analyst", True, frozenset({"police_crime_offence"}))


@pytest.fixture(scope="module")
def both(demo_hub):
    clear_cache()
    strategic._CACHE.clear()
    figs = strategic.figures(Source(demo_hub))
    con = open_shared_tier(demo_hub)
    try:
        product = strategic_summary(con)
    finally:
        con.close()
    return figs, product


def test_strategic_rankings_are_equal(both):
    figs, product = both
    screen = figs.priorities[["issue", "rank", "band", "score", "confidence", "complete"]]
    paper = product.priorities.to_frame()[["issue", "rank", "band", "score", "confidence", "complete"]]
    pd.testing.assert_frame_equal(screen.reset_index(drop=True), paper.reset_index(drop=True))
    assert len(screen) >= 10


def test_strategic_trends_and_counts_are_equal(both):
    figs, product = both
    screen = figs.facts.set_index("issue")
    for f in product.facts:
        row = screen.loc[f.key]
        assert row["trend"] == f.trend.direction, f.key
        assert row["current"] == f.current and row["previous"] == f.previous, f.key
        if f.trend.p_value is None:
            assert pd.isna(row["trend_p"])
        else:
            assert row["trend_p"] == pytest.approx(f.trend.p_value)
    assert set(figs.facts["trend"]) <= {"rising", "falling", "no significant change", "too few data"}
    pd.testing.assert_frame_equal(
        figs.monthly[["issue", "month", "count"]].reset_index(drop=True),
        product.monthly[["issue", "month", "count"]].reset_index(drop=True))


def test_tactical_hotspots_are_the_same_cells(demo_hub):
    source = Source(demo_hub)
    as_of = source.scalar("select max(committed_from_date) from police_crime_offence")
    comparison = periods.tactical(pd.Timestamp(as_of).date(), 4)
    screen = assess.hotspots(source, comparison, [], ANALYST)
    con = open_shared_tier(demo_hub)
    try:
        cur = (comparison.current.start, comparison.current.end)
        base = (comparison.baseline.start, comparison.baseline.end)
        paper = issue_hotspots(con, iss.BY_KEY["recorded_crime"], cur, base)
    finally:
        con.close()
    assert comparison.current.days == 28 and comparison.baseline.days == 364
    cols = ["cell_easting", "cell_northing", "current", "gi_class", "change"]
    assert len(paper.hot()) >= 1
    pd.testing.assert_frame_equal(screen.spots.cells[cols], paper.cells[cols])
    np.testing.assert_allclose(screen.spots.cells["z"], paper.cells["z"])
    assert screen.spots.cell_metres == paper.cell_metres == 150.0


def _defined(name: str) -> list[str]:
    """Modules of the workbench that define a top-level function ``name``."""
    out = []
    for path in (ROOT / "workbench").rglob("*.py"):
        tree = ast.parse(path.read_text())
        if any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body):
            out.append(str(path.relative_to(ROOT)))
    return out


def test_one_trend_test_and_one_exact_rate_test():
    assert _defined("trend_test") == ["workbench/analysis/temporal.py"]
    assert _defined("exact_rate_test") == ["workbench/analysis/change.py"]
    for path in list((ROOT / "workbench").rglob("*.py")) + list((ROOT / "dashboards").rglob("*.py")):
        text = path.read_text()
        if path.name == "change.py":
            continue
        assert "binomtest(" not in text and "binom.sf(" not in text or "hypotheses" in str(path), path


def test_dashboard_data_holds_no_statistics():
    """dashboard_data/ keeps scoping, caching and suppression: no scipy, no test of its own."""
    paths = list((ROOT / "workbench" / "dashboard_data").glob("*.py"))
    assert len(paths) > 5, "dashboard_data/ not found: this test would check nothing"
    for path in paths:
        text = path.read_text()
        assert "from scipy import stats" not in text and "scipy.stats" not in text, path
    text = (ROOT / "workbench" / "dashboard_data" / "strategic.py").read_text()
    for name in ("_available", "_latest", "_monthly", "score_priorities", "trend_test"):
        assert name not in text, name


def test_emerging_issues_follow_one_rule(demo_hub):
    """Dashboard and product flag emerging issues by one rule (products/emerging.py): a rise
    of 2 events on 0 is significant but not emerging in either; the flags of one table are
    held to a false discovery rate together (emerging_in_family)."""
    from workbench.products.emerging import MIN_EVENTS, emerging_in_family, exceedance

    assert not exceedance(MIN_EVENTS - 1, 0, 28, 364).emerging
    assert exceedance(30, 100, 28, 364).emerging
    source = Source(demo_hub)
    as_of = source.scalar("select max(committed_from_date) from police_crime_offence")
    comparison = periods.tactical(pd.Timestamp(as_of).date(), 4)
    frame = assess.emerging_issues(source, comparison, [], ANALYST).dropna(subset=["p_value"])
    each = [exceedance(r.current, round(r.expected * comparison.baseline.days / comparison.current.days),
                       comparison.current.days, comparison.baseline.days) for r in frame.itertuples(index=False)]
    assert [e.p_value for e in each] == pytest.approx(frame["p_value"].tolist())
    assert frame["emerging"].tolist() == emerging_in_family([e.p_value for e in each], [e.emerging for e in each])
    text = (ROOT / "workbench" / "dashboard_data" / "assess.py").read_text()
    assert "emerging_table(" in text and "< alpha" not in text
    rule = (ROOT / "workbench" / "products" / "emerging.py").read_text()
    table = rule[rule.index("def emerging_table("):]
    assert "exceedance(" in table and "emerging_in_family(" in table


def test_each_problem_has_one_primary_source(both):
    figs, product = both
    primary = figs.facts[figs.facts["primary"]]
    assert sorted(primary["problem"]) == sorted(figs.priorities["issue"])
    assert "recorded_crime" not in set(primary["issue"])
    for r in product.priorities.rows:
        assert primary.set_index("problem").loc[r.issue, "label"] == r.sources[0]
