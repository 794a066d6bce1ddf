"""Partner datasets on the tactical dashboard (issue 16).

End to end: a council ASB supply with addresses only is geocoded at ingest against a
gazetteer fixture, published through Appendix 1, and appears on the tactical dashboard's map
as points (for a role that sees records) with its geocoding match report; partner issues are
counted beside recorded crime with the tactical product's test, and a viewer gets suppressed
counts and hotspot cells but never a record's point.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboards_fixture as fx  # noqa: E402
from hubs import make_hub  # noqa: E402
from privacy_hub import hub_parts, synthetic_postcodes  # noqa: E402
from workbench.dashboard_data import access, crime, partners, periods  # noqa: E402
from workbench.dashboard_data.source import Source  # noqa: E402

pytestmark = pytest.mark.xdist_group("dashboards")

ANALYST = access.Viewer("ann", "Police", "analyst", True, frozenset(access.DASHBOARD_DATASETS))
VIEWER = access.Viewer("vic", "Council", "viewer", False, frozenset({"police_crime_offence"}))
#: the current period of the hub below: crime runs to 18 Sep 2024, so 4 weeks from 22 Aug
CURRENT_DAYS = ["2024-08-24", "2024-08-27", "2024-08-30", "2024-09-02", "2024-09-04",
                "2024-09-06", "2024-09-09", "2024-09-11", "2024-09-13", "2024-09-16"]


def _gazetteer(pcs: pd.DataFrame) -> pd.DataFrame:
    """Six addresses at postcodes with enough households that Appendix 1 keeps their point."""
    big = pcs[pcs["households"] >= 12].head(3).reset_index(drop=True)
    rows = []
    for k, street in enumerate(("Acacia Avenue", "Mill Road", "Canal Street")):
        pc = big.iloc[k]
        for n in (2, 4):
            rows.append({"uprn": f"{k}{n}", "address": f"{n} {street}, Sneinton", "street": street,
                         "town": "Sneinton", "postcode": pc["postcode"],
                         "easting": pc["easting"] + 10 * n, "northing": pc["northing"] - 5 * n})
    return pd.DataFrame(rows), big


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from hub_helpers import write_csv
    from workbench import catalogue
    from workbench.hub.ingest import ingest_files
    from workbench.privacy.publish import publish

    tmp = tmp_path_factory.mktemp("partner_layers")
    hub = make_hub(tmp, **hub_parts())
    gaz, big = _gazetteer(synthetic_postcodes())
    gaz.to_csv(tmp / "llpg.csv", index=False)
    ingest_files(hub, "ref_gazetteer", [tmp / "llpg.csv"], quiet=True)
    streets = ["2 Acacia Avenue", "4 Acacea Avenue", "2 Mill Road", "4 Mill Rd", "2 Canal Street"]
    rows = [{"incident_ref": f"A{k}", "incident_type": "Noise", "incident_date": day,
             "location": streets[k % len(streets)]} for k, day in enumerate(CURRENT_DAYS)]
    rows += [{"incident_ref": "B1", "incident_type": "Litter", "incident_date": "2024-03-05",
              "location": "4 Canal Street"},
             {"incident_ref": "B2", "incident_type": "Litter", "incident_date": "2024-09-10",
              "location": "Somewhere Else Lane"}]
    cols = catalogue.get("council_asb").canonical_columns
    asb = write_csv(tmp / "asb.csv", [{c: r.get(c, "") for c in cols} for r in rows], cols)
    res = ingest_files(hub, "council_asb", [asb], quiet=True)
    assert res.geocoding["by_method"]["unmatched"] == 1
    publish(hub)
    from workbench.registry import open_registry

    with open_registry(hub) as reg:          # dashboard users, after the hub was built and published
        fx.people(reg)
    return hub, big


@pytest.fixture(scope="module")
def last4(hub):
    return periods.tactical(crime.latest_date(Source(hub[0])), 4)


def test_geocoding_report_reaches_the_shared_tier(hub):
    rep = partners.geocoding_report(Source(hub[0]), "council_asb")
    by = dict(zip(rep["method"], rep["records"]))
    assert by == {"exact": 9, "fuzzy": 2, "unmatched": 1}      # 'Mill Rd' normalises to exact
    assert rep["share"].sum() == pytest.approx(100.0, abs=0.2)


def test_address_only_asb_is_a_partner_layer_with_its_points(hub, last4):
    source, big = Source(hub[0]), hub[1]
    assert "council_asb" in [i.key for i in partners.partner_issues(source)]
    layer = partners.partner_layer(source, last4, "council_asb", ANALYST)
    assert (layer.records, layer.located, len(layer.points)) == (11, 10, 10)   # one never placed
    # Appendix 1 moved each geocoded point to its (qualifying) postcode's centroid
    from workbench.geo.crs import wgs84_to_bng

    e, n = wgs84_to_bng([p[0] for p in layer.points], [p[1] for p in layer.points])
    centroids = {(round(x), round(y)) for x, y in zip(big["easting"], big["northing"])}
    assert {(round(x), round(y)) for x, y in zip(e, n)} == centroids
    assert partners.partner_layer(source, last4, "council_asb", VIEWER).points == []


def test_partner_counts_use_the_products_rule_and_suppress_for_viewers(hub, last4):
    from workbench.products.emerging import exceedance

    source = Source(hub[0])
    frame = partners.partner_counts(source, last4, ANALYST).set_index("dataset")
    row = frame.loc["council_asb"]
    want = exceedance(11, 1, last4.current.days, last4.baseline.days)
    assert (row["current"], row["emerging"]) == (11, want.emerging)
    assert row["p_value"] == pytest.approx(want.p_value)
    shown = partners.partner_counts(source, last4, VIEWER).set_index("dataset")
    small = frame[(frame["current"] >= 1) & (frame["current"] <= 4)].index
    assert shown.loc[small, "current"].isna().all() and shown.loc[small, "p_value"].isna().all()


def _map_html(app) -> str:
    col = app._map()
    return " ".join(html.unescape(str(getattr(p, "object", ""))) for p in col.objects)


def test_the_tactical_dashboard_draws_the_geocoded_asb_and_its_match_report(hub):
    from dashboards.tactical import TacticalAssessment

    source, big = Source(hub[0]), hub[1]
    app = TacticalAssessment(source=source, viewer=ANALYST)
    assert "council_asb" in app.param.layer.objects.values()
    app.layer = "council_asb"
    page = _map_html(app)
    from workbench.geo.crs import bng_to_wgs84

    lon, lat = bng_to_wgs84(big["easting"].to_numpy(), big["northing"].to_numpy())
    for x, y in zip(lon, lat):                       # every geocoded place is a marker on the map
        assert re.search(rf"circleMarker\(\s*\[{round(float(y), 6)}, {round(float(x), 6)}\]", page), (x, y)
    assert "How the addresses were placed" in page
    table = [p for p in app._map().objects if hasattr(p, "value") and isinstance(p.value, pd.DataFrame)]
    shown = table[0].value
    assert list(shown.columns) == ["How placed", "Records", "Share (%)"]
    assert "address found in the gazetteer" in set(shown["How placed"])


def test_viewer_map_has_hotspots_but_no_points(hub):
    from dashboards.tactical import TacticalAssessment

    app = TacticalAssessment(source=Source(hub[0]), viewer=VIEWER)
    app.layer = "council_asb"
    page = _map_html(app)
    assert "circleMarker" not in page and "records this period have a point" in page


@pytest.mark.browser
@pytest.mark.slow
def test_in_a_browser_the_analyst_picks_the_asb_layer_and_sees_its_points(hub):
    """Chromium: log in as the analyst, open the tactical map, choose the council ASB layer:
    the geocoded records are drawn and the match report is on the page."""
    from test_browser_dashboards import CHROMIUM, chromium, dashboard_server

    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium not installed")
    with dashboard_server(hub[0]) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        page.goto(base + "/login")
        page.fill("#username", "ann.analyst")
        page.fill("#password", fx.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(base + "/tactical")
        page.get_by_text("OFFICIAL-SENSITIVE").first.wait_for()
        page.locator(".bk-tab", has_text="Hotspot map").first.click()
        layer = page.locator("select:not([multiple])").first       # the map layer choice
        layer.wait_for()
        layer.select_option(label="ASB reported to the council")
        page.get_by_text("How the addresses were placed").first.wait_for()
        docs = [page.locator("iframe.wb-map").nth(i).get_attribute("srcdoc")
                for i in range(page.locator("iframe.wb-map").count())]
        assert any(d.count("L.circleMarker(") == 10 for d in docs), [d.count("L.circleMarker(") for d in docs]
        assert page.get_by_text("address found in the gazetteer").count() >= 1
        page.screenshot(path=str(Path(__file__).resolve().parents[1] / "test-artifacts" / "dashboards"
                                 / "tactical_partner_layer.png"), full_page=True)


def test_counts_hidden_everywhere_are_said_not_drawn_as_an_empty_chart():
    """Walking the analyst's tactical page: partner intelligence had every category hidden
    and showed an empty chart with a −0.4…0.4 axis. It now says why there is nothing to draw."""
    import panel as pn

    from dashboards.tactical import TacticalAssessment

    hidden = pd.DataFrame({"group": ["cuckooing", "knife crime"], "count": [float("nan")] * 2,
                           "by": ["category"] * 2})
    out = TacticalAssessment._counts_panel(hidden, "Partner intelligence", "#000", "reports")
    assert isinstance(out, pn.pane.HTML) and "every count is below the disclosure threshold" in out.object
    some = hidden.assign(count=[12.0, float("nan")])
    col = TacticalAssessment._counts_panel(some, "Partner intelligence", "#000", "reports")
    text = " ".join(str(getattr(o, "object", "")) for o in col.select(pn.pane.HTML))
    assert "1 group(s) with a small count are hidden" in text
