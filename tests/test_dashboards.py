"""Dashboards without a browser: data layer (workbench.dashboard_data), drawings (workbench.viz),
access rules, the product library, the apps as Viewers, and the ``serve`` command."""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboards_fixture as fx  # noqa: E402
from hubs import make_hub  # noqa: E402
from workbench.errors import AccessDenied, BadInput  # noqa: E402
from workbench.dashboard_data import access, assess, context, crime, hubinfo, library, periods, strategic  # noqa: E402
from workbench.dashboard_data.source import Source  # noqa: E402

pytestmark = pytest.mark.xdist_group("dashboards")

ANALYST = access.Viewer("ann.analyst", "Nottinghamshire Police", "analyst", True,
                        frozenset(access.DASHBOARD_DATASETS))
VIEWER = access.Viewer("vic.viewer", "Nottingham City Council", "viewer", False,
                       frozenset({"police_crime_offence"}))


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    return make_hub(tmp_path_factory.mktemp("dash"), **fx.hub_parts(rows=40_000))


@pytest.fixture(scope="module")
def source(hub) -> Source:
    return Source(hub)


@pytest.fixture(scope="module")
def last4(source) -> periods.Comparison:
    return periods.tactical(crime.latest_date(source), 4)


# -- periods ---------------------------------------------------------------------------
@pytest.mark.parametrize("weeks, start, base_start, base_end", [
    (4, date(2026, 10, 4), date(2025, 10, 5), date(2026, 10, 3)),
    (8, date(2026, 9, 6), date(2025, 9, 7), date(2026, 9, 5)),
    (12, date(2026, 8, 9), date(2025, 8, 10), date(2026, 8, 8)),
])
def test_tactical_periods(weeks, start, base_start, base_end):
    c = periods.tactical(date(2026, 10, 31), weeks)
    assert (c.current.start, c.current.end) == (start, date(2026, 10, 31))
    assert (c.baseline.start, c.baseline.end) == (base_start, base_end)
    assert c.current.days == 7 * weeks and c.baseline.days == 364
    assert c.scale == pytest.approx(weeks / 52)


def test_tactical_rejects_other_lengths():
    with pytest.raises(BadInput, match="one of"):
        periods.tactical(date(2026, 10, 31), 5)


# -- crime aggregates ------------------------------------------------------------------
def test_counts_match_the_table(source, last4):
    frame = crime.counts_by_type(source, last4, [], ANALYST)
    n = source.scalar("select count(*) from police_crime_offence where committed_from_date "
                      "between ? and ?", [last4.current.start, last4.current.end])
    assert frame["current"].sum() == n
    assert list(frame.columns) == ["offence_type", "current", "baseline", "expected"]


def test_offence_filter(source, last4):
    only = crime.counts_by_type(source, last4, ["Burglary residential"], ANALYST)
    assert only["offence_type"].tolist() == ["Burglary residential"]


def test_emerging_issue_is_the_planted_surge(source, last4):
    frame = assess.emerging_issues(source, last4, [], ANALYST)
    assert frame.iloc[0]["offence_type"] == "Criminal damage to a vehicle"
    assert bool(frame.iloc[0]["emerging"])
    assert frame["p_value"].between(0, 1).all()
    assert frame["emerging"].sum() == 1


def test_day_hour_peaks_on_weekend_nights(source, last4):
    year = periods.rolling_years(last4.current.end).current
    grid = crime.day_hour(source, year, ["Assault without injury"], ANALYST)
    night = grid[grid["day"].isin([5, 6]) & grid["hour"].isin([22, 23])]["count"].mean()
    weekday = grid[grid["day"].isin([1, 2, 3]) & grid["hour"].between(9, 17)]["count"].mean()
    assert night > 3 * weekday
    assert set(grid["day"]) <= set(range(1, 8)) and set(grid["hour"]) <= set(range(24))


def test_repeat_locations_by_role(source, last4):
    year = periods.rolling_years(last4.current.end).current
    seen = crime.repeat_locations(source, year, [], ANALYST, limit=200)
    assert "NG1 1AB" in set(seen["postcode"])
    hidden = crime.repeat_locations(source, year, [], VIEWER, limit=200)
    assert "postcode" not in hidden.columns
    assert hidden["postcode_sector"].str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d").all()


def test_viewer_cannot_list_records(source, last4):
    with pytest.raises(AccessDenied, match="aggregates only"):
        crime.records(source, last4.current, [], VIEWER)
    rows = crime.records(source, last4.current, [], ANALYST, limit=50)
    assert len(rows) == 50
    assert not {"name", "date_of_birth", "address"} & set(rows.columns)


def test_viewer_counts_pass_disclosure_control(source, last4):
    frame = crime.day_hour(source, last4.current, ["Burglary residential"], VIEWER)
    shown = frame["count"].dropna()
    assert not shown.between(1, 4).any()
    assert frame["count"].isna().any()      # small cells exist and were suppressed
    raw = crime.day_hour(source, last4.current, ["Burglary residential"], ANALYST)
    assert raw["count"].between(1, 4).any()


# -- places ----------------------------------------------------------------------------
def test_boundaries_are_wgs84_and_centroids_bng(source):
    fc = context.lsoa_boundaries(source)
    assert len(fc["features"]) == fx.GRID ** 2
    lon, lat = np.array(fc["features"][0]["geometry"]["coordinates"][0]).T
    assert (-2 < lon).all() and (lon < 0).all() and (52 < lat).all() and (lat < 54).all()
    cents = context.lsoa_centroids(source)
    assert cents.loc[cents["lsoa_code"] == "E01000000", "easting"].item() == pytest.approx(454500)


def test_lsoa_rates(source, last4):
    rates = context.lsoa_rates(source, last4.current, [], ANALYST)
    assert len(rates) == fx.GRID ** 2 and rates["dataset"].iloc[0] == "police_crime_offence"
    top = rates.sort_values("rate_per_1000").iloc[-1]
    assert top["lsoa_code"] == fx.SURGE_LSOA
    assert top["rate_per_1000"] == pytest.approx(top["count"] / top["population"] * 1000)


def in_lsoa(cells, code):
    """Cells whose centre lies in the fixture's one-kilometre square ``code``."""
    k = int(code[-4:])
    x0, y0 = fx.ORIGIN[0] + (k // fx.GRID) * 1000, fx.ORIGIN[1] + (k % fx.GRID) * 1000
    return cells[cells["cell_easting"].between(x0, x0 + 1000)
                 & cells["cell_northing"].between(y0, y0 + 1000)]


def test_hotspot_is_the_surge_lsoa(source, last4):
    spots = assess.hotspots(source, last4, [], ANALYST)
    cells = spots.spots.cells
    # the fixture's surge covers a 3 x 3 block of 150 m cells (postcodes that hold no earlier
    # crime, hence 'new'): ranked first by Gi* z, and the permutation test with BH calls the
    # block hot; no cell outside the surge square is hot
    top = cells.head(4)
    assert len(in_lsoa(top, fx.SURGE_LSOA)) == 4 and set(top["change"]) <= {"new", "growing"}
    hot = spots.hot()
    assert len(in_lsoa(hot, fx.SURGE_LSOA)) >= 3
    assert len(in_lsoa(hot, fx.SURGE_LSOA)) == len(hot)
    assert set(cells["gi_class"]) <= {"hot", "cold", "not significant"}
    assert 0 < len(spots.surface) and spots.to_dict()["distance_band"] > 0
    assert {s[5] for s in spots.surface} <= {"hot", "cold"}


def test_partner_counts(source, last4):
    ppo = context.ppo_status(source, ANALYST)
    assert ppo["count"].sum() == 40 and set(ppo["by"]) == {"current_status"}
    intel = context.intelligence_by_category(source, periods.Period(date(2026, 1, 1), date(2026, 10, 31)),
                                             ANALYST)
    assert intel.iloc[0]["group"] == "drugs"


# -- strategic -------------------------------------------------------------------------
def test_strategic_figures(source):
    figs = strategic.figures(source)
    assert figs.as_of == date(2026, 10, 31)
    assert figs.current.start == date(2025, 11, 1) and figs.window.start == date(2023, 11, 1)
    # police records are ranked as problems (violence, burglary ...), never as a total
    assert "violence" in set(figs.priorities["issue"]) and "recorded_crime" not in set(figs.priorities["issue"])
    assert set(figs.priorities["band"]) <= {"high", "medium", "low"}
    assert figs.priorities["sources"].str.contains("police records").all()
    assert len(figs.monthly[figs.monthly["issue"] == "recorded_crime"]) == 36
    fact = figs.facts.set_index("issue").loc["recorded_crime"]
    assert fact["current"] == figs.monthly.query("issue == 'recorded_crime' and month >= '2025-11-01'")["count"].sum()
    assert set(figs.performance["status"]) <= {"met", "not met", "no data"}


def test_strategic_for_viewer_hides_small_months():
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    monthly = pd.DataFrame({"issue": ["a"] * 24 + ["b"] * 24, "label": ["A"] * 24 + ["B"] * 24,
                            "month": list(months) * 2, "count": [50] * 24 + [50] * 23 + [3]})
    facts = pd.DataFrame({"issue": ["a", "b"], "label": ["A", "B"], "current": [600, 553],
                          "previous": [600, 600], "harm": [1.0, 2.0]})
    figs = strategic.StrategicFigures(date(2025, 12, 31), periods.Period(date(2025, 1, 1), date(2025, 12, 31)),
                                      periods.Period(date(2024, 1, 1), date(2024, 12, 31)),
                                      periods.Period(date(2024, 1, 1), date(2025, 12, 31)),
                                      monthly, facts, pd.DataFrame({"issue": ["a", "b"]}), pd.DataFrame(),
                                      pd.DataFrame())
    out = strategic.for_viewer(figs, VIEWER)
    shown = out.monthly["count"].dropna()
    assert not shown.between(1, 4).any()
    assert out.monthly["count"].isna().sum() >= 2        # the 3 and a complement
    b = out.facts.set_index("issue").loc["b"]
    assert np.isnan(b["current"])          # a month inside it is hidden


# -- access ----------------------------------------------------------------------------
def test_viewer_for_uses_the_permission_matrix(hub):
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        analyst = access.viewer_for(reg, reg.get_user("ann.analyst"))
        viewer = access.viewer_for(reg, reg.get_user("vic.viewer"))
        with pytest.raises(AccessDenied):
            access.viewer_for(reg, reg.get_user("pat.partner"))
        denied = [e for e in reg.audit_entries() if e.actor == "pat.partner" and e.outcome == "denied"]
    assert analyst.sees_records and analyst.may_see("police_ppo")
    assert not viewer.sees_records and not viewer.may_see("police_ppo")
    assert viewer.may_see("police_crime_offence")
    assert denied


# -- product library -------------------------------------------------------------------
def _product(d: Path, name: str, marking: str | None, title: str = "T", controlled: bool = True):
    body = f"<div class='marking'>{marking}</div>" if marking else "<p>no marking</p>"
    (d / f"{name}.html").write_text(f"<html><head><title>{title}</title></head><body>{body}</body></html>")
    if controlled:      # the disclosure-controlled edition (build_product's default)
        (d / f"{name}.json").write_text('{"disclosure": {"controlled": true, "threshold": 5}}')


def test_library_lists_only_marked_non_personal_products(tmp_path):
    _product(tmp_path, "strategic", "OFFICIAL-SENSITIVE", "Strategic assessment 2026")
    (tmp_path / "strategic.pdf").write_bytes(b"%PDF-1.4")
    _product(tmp_path, "tactical", "RESTRICTED", "Tactical assessment")
    _product(tmp_path, "subject", "RESTRICTED — PERSONAL DATA", "Subject profile")
    _product(tmp_path, "notes", None)
    items = library.readable(tmp_path, VIEWER)
    assert sorted(p.title for p in items) == ["Strategic assessment 2026", "Tactical assessment"]
    assert library.open_file(tmp_path, VIEWER, "strategic.html", ".pdf").name == "strategic.pdf"
    for key in ("subject.html", "notes.html", "../x.html"):
        with pytest.raises(AccessDenied):
            library.open_file(tmp_path, ANALYST, key, ".html")


def test_library_reads_marking_from_sidecar(tmp_path):
    _product(tmp_path, "p", "OFFICIAL-SENSITIVE")
    (tmp_path / "p.json").write_text('{"title": "From sidecar", "marking": "RESTRICTED — PERSONAL DATA"}')
    assert library.readable(tmp_path, ANALYST) == []


# -- hub explorer ----------------------------------------------------------------------
def test_coverage_and_gaps(source):
    cov = hubinfo.coverage(source, periods.Period(date(2026, 1, 1), date(2026, 10, 31)))
    crime_cov = cov[cov["dataset"] == "police_crime_offence"]
    assert len(crime_cov) == 10 and (crime_cov["records"] > 0).all()
    frame = pd.DataFrame({"dataset": ["x"] * 5, "month": ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"],
                          "records": [0, 4, 0, 3, 0]})
    assert hubinfo.gaps(frame).to_dict("records") == [{"dataset": "x", "month": "2026-03"}]


def test_explorer_shows_anomalous_supply_months(hub, monkeypatch):
    """The explorer renders the quality report's anomalous months (computed in the library)."""
    import panel as pn

    from dashboards.explorer import HubExplorer

    real = hubinfo.quality

    def with_anomaly(source, dataset_id, viewer):
        report = real(source, dataset_id, viewer)
        report["coverage"]["anomalous_months"] = [
            {"category_column": "offence_code", "category": "<b>105A</b>", "month": "2026-03", "rows": 100,
             "median": 2000.0, "robust_z": -25.0, "direction": "low", "edge": False}]
        return report

    view = HubExplorer(source=Source(hub), viewer=ANALYST)
    plain = pn.panel(view._quality()).get_root()
    assert plain is not None
    monkeypatch.setattr(hubinfo, "quality", with_anomaly)
    col = view._quality()
    text = " ".join(str(getattr(o, "object", "")) for o in col.select(pn.pane.HTML))
    assert "Unusual supply months" in text and "1 month(s) far from their series' usual month" in text
    tables = [o for o in col.select(pn.widgets.Tabulator) if "Distance from usual (robust z)" in o.value.columns]
    row = tables[0].value.iloc[0]
    assert (row["Month"], row["Records of"]) == ("Mar 2026", "Offence code: <b>105A</b>")   # in words


def test_datasets_listing(source):
    frame = hubinfo.datasets(source)
    assert frame.set_index("dataset").loc["police_crime_offence", "rows"] == 40_000


# -- viz -------------------------------------------------------------------------------
def test_maps_use_only_local_assets(source):
    from workbench.viz import maps

    fc = context.lsoa_boundaries(source)
    fmap = maps.choropleth(fc, {"E01000000": 3.0, "E01000001": 9.0}, title="rate <b>",
                           fields={"IMD": {"E01000000": 1}})
    page = fmap.get_root().render()
    assert "/vendor/leaflet/leaflet.js" in page
    assert not re.findall(r"(?:src|href)=\"https?://", page)
    assert "rate <b>" not in page and "rate \\u0026lt;b\\u0026gt;" in page   # escaped, then JSON-encoded
    assert 'srcdoc="' in maps.to_iframe(fmap)


def test_legend_and_classes():
    from workbench.viz import maps

    breaks = maps.classify([1, 2, 3, 4, 5, 6, 7, 8])
    assert breaks == sorted(breaks) and maps.colour_for(None, breaks) == maps.NO_DATA
    assert "&lt;" in maps.legend_html(breaks, "a<b") or "a&lt;b" in maps.legend_html(breaks, "a<b")


# -- apps are Viewers that only view ---------------------------------------------------
DASHBOARDS = Path(__file__).resolve().parents[1] / "dashboards"


def test_no_sql_or_statistics_in_views():
    for path in DASHBOARDS.glob("*.py"):
        text = path.read_text()
        for forbidden in ("select ", "SELECT ", ".execute(", ".frame(", "duckdb", "scipy", "open_shared"):
            assert forbidden not in text, f"{path.name} contains {forbidden!r}"


@pytest.mark.parametrize("slug", ["strategic", "tactical", "explorer", "library", "records"])
def test_apps_build_for_an_analyst(hub, slug):
    import panel as pn

    from dashboards import app

    cls = app(slug).load()
    assert issubclass(cls, pn.viewable.Viewer)
    documented = [p for name, p in cls.param.objects().items() if name not in ("name",)]
    assert all(p.doc for p in documented), f"{slug}: undocumented parameters"
    view = cls(source=Source(hub), viewer=ANALYST)
    assert pn.panel(view).get_root() is not None


def test_viewer_apps(hub):
    from dashboards.index import allowed_apps

    slugs = [a.slug for a in allowed_apps(VIEWER)]
    assert "records" not in slugs and "explorer" not in slugs and "tactical" in slugs
    assert "records" in [a.slug for a in allowed_apps(ANALYST)]


# -- log-in helpers and the serve command ----------------------------------------------
@pytest.mark.parametrize("url, expected", [
    ("/tactical", "/tactical"), ("/tactical?weeks=8", "/tactical?weeks=8"),
    ("http://evil.example/", "/"), ("//evil.example/x", "/"), ("", "/"), ("javascript:alert(1)", "/"),
    ("/\\evil.example", "/"), ("/\t/evil.example", "/"), ("/a\r\nSet-Cookie: x=1", "/"),
])
def test_safe_next(url, expected):
    from dashboards.auth import safe_next

    assert safe_next(url) == expected


def test_serve_command_needs_a_hub(tmp_path):
    from workbench.cli import main

    assert main(["serve", "dashboards", "--hub", str(tmp_path / "none.duckdb")]) == 4


# -- the demo hub (the one `make run` serves) ------------------------------------------
def test_apps_on_the_demo_hub(demo_hub):
    import panel as pn

    from dashboards.strategic import StrategicAssessment
    from dashboards.tactical import TacticalAssessment

    source = Source(demo_hub)
    assert len(context.lsoa_boundaries(source)["features"]) > 100
    figs = strategic.figures(source)
    assert figs is not None and len(figs.priorities) >= 5
    for cls in (StrategicAssessment, TacticalAssessment):
        for who in (ANALYST, VIEWER):
            view = cls(source=source, viewer=who)
            assert pn.panel(view).get_root() is not None
    tactical = TacticalAssessment(source=source, viewer=VIEWER)
    assert tactical._map() is not None and tactical._partners() is not None


@pytest.mark.parametrize("weeks", periods.TACTICAL_WEEKS)
@pytest.mark.parametrize("offences", [[], ["Burglary residential", "Theft from vehicle"]])
def test_weekly_cubes_answer_exactly_as_the_records(source, weeks, offences, monkeypatch):
    from workbench.dashboard_data.source import clear_cache

    comparison = periods.tactical(crime.latest_date(source), weeks)

    def answers():
        clear_cache()
        return [crime.counts_by_type(source, comparison, offences, ANALYST),
                crime.day_hour(source, comparison.current, offences, VIEWER),
                crime.counts_by_lsoa(source, comparison.current, offences, None),
                crime.grid_counts(source, comparison.current, offences, None, 150.0)]

    with_cubes = answers()
    monkeypatch.setattr(crime, "USE_CUBES", False)
    from_records = answers()
    for a, b in zip(with_cubes, from_records):
        keys = [c for c in a.columns if c not in ("count", "current", "baseline", "expected")]
        pd.testing.assert_frame_equal(a.sort_values(keys).reset_index(drop=True),
                                      b.sort_values(keys).reset_index(drop=True), check_dtype=False)


def test_cube_weeks():
    from workbench.dashboard_data.cube import Cube, as_period

    cube = Cube(date(2026, 10, 31), True)
    c = periods.tactical(cube.as_of, 8)
    assert cube.weeks(c.current) == (0, 7) and cube.weeks(c.baseline) == (8, 59)
    assert as_period(cube, 8, 59) == c.baseline
    assert cube.weeks(periods.Period(date(2026, 10, 1), date(2026, 10, 31))) is None


def test_server_without_a_shared_tier(tmp_path):
    from dashboards.server import warm
    from workbench.errors import ResourceLocked

    warm(tmp_path / "hub.duckdb")                      # nothing to warm, no crash
    with pytest.raises(ResourceLocked, match="publish"):
        Source(tmp_path / "hub.duckdb").tables()


def test_product_download_is_audited(hub):
    from dashboards.library import ProductLibrary
    from workbench.registry import open_registry

    products = Source(hub).products_dir / "strategic"
    products.mkdir(parents=True, exist_ok=True)
    _product(products, "strategic-assessment", "RESTRICTED", "Strategic assessment")
    app = ProductLibrary(source=Source(hub), viewer=VIEWER)
    assert app.product == "strategic/strategic-assessment.html"
    data = app._download(".html")().read()
    assert b"RESTRICTED" in data
    with open_registry(hub) as reg:
        entries = [e for e in reg.audit_entries() if e.action == "product.download"]
    assert entries and entries[-1].actor == "vic.viewer"


def test_tables_show_counts_as_whole_numbers():
    from dashboards.base import tabulator

    table = tabulator(pd.DataFrame({"count": [5.0, np.nan, 12.0], "rate": [0.5, 1.0, np.nan]}))
    # a missing count or rate is an empty cell (NaN, or an Int64 NA, reached the browser as "NaN"),
    # and the columns keep their number formats: whole numbers for counts
    assert table.value["Count"].tolist() == [5, None, 12] and table.value["Rate"].tolist() == [0.5, 1.0, None]
    assert table.formatters["Count"]["precision"] == 0 and table.formatters["Rate"]["precision"] is False
    sent = table._get_data()[1]
    assert list(sent["Count"]) == [5, None, 12] and list(sent["Rate"]) == [0.5, 1.0, None]


def test_tables_speak_plain_language():
    """Issue 18: no raw column name, true/false, scientific notation or ISO date reaches a table."""
    from dashboards.base import tabulator

    frame = pd.DataFrame({"offence_type": ["Burglary"], "current": [12], "expected": [4.25],
                          "percent_change": [182.4], "rate_ratio": [2.8235], "p_value": [0.0000012],
                          "emerging": [True], "harm_current": [200000.0], "last_supplied": ["2026-12-02T15:30:00"]})
    table = tabulator(frame)
    assert list(table.value.columns) == ["Offence type", "Count this period", "Expected count",
                                         "Change on expected (%)", "Times the expected rate",
                                         "Chance of a rise this size by luck", "Emerging?",
                                         "Harm, last 12 months", "Last supplied"]
    row = table.value.iloc[0]
    assert row["Emerging?"] == "Yes" and row["Chance of a rise this size by luck"] == "<0.001"
    assert row["Harm, last 12 months"] == 200000 and row["Last supplied"] == "2 Dec 2026, 15:30"
    assert table.formatters["Harm, last 12 months"]["thousand"] == ","
    assert "Chance of a rise this size by luck" in table.header_tooltips
