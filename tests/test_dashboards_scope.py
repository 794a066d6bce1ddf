"""The dashboards' figures are scoped to the partnerships a user may see (guidance 2.2.4,
Box 3; reference 003): on a tier holding two partnerships' data, each user's figures equal
those computed directly from their partnerships' rows, the shared result cache never
serves one scope's answer to another, and disclosure control still applies."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dashboards_scope_fixture as sfx  # noqa: E402
from hubs import make_hub  # noqa: E402
from workbench.errors import AccessDenied  # noqa: E402
from workbench.dashboard_data import access, assess, context, crime, cube, hubinfo, library, periods, strategic  # noqa: E402
from workbench.dashboard_data.source import Source, clear_cache  # noqa: E402

pytestmark = pytest.mark.xdist_group("dashboards_scope")
A, B = sfx.A, sfx.B
SCOPES = {"a_ana": {A}, "b_ana": {B}, "both": {A, B}, "county": None}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    frames = sfx.truth()
    return make_hub(tmp_path_factory.mktemp("scope"), **sfx.hub_parts(frames)), frames


@pytest.fixture(scope="module")
def hub(built) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def truth(built) -> dict:
    return built[1]


@pytest.fixture(scope="module")
def viewers(hub) -> dict:
    from workbench.registry import open_registry

    with open_registry(hub) as reg:
        return {name: access.viewer_for(reg, reg.get_user(name))
                for name in ("a_ana", "a_vic", "b_ana", "both", "county")}


@pytest.fixture(scope="module")
def last4(hub) -> periods.Comparison:
    return periods.tactical(crime.latest_date(Source(hub)), 4)


def rows_of(frame: pd.DataFrame, scope) -> pd.DataFrame:
    """The rows a user of ``scope`` may see, computed directly (None: every row)."""
    return frame if scope is None else frame[frame["partnership"].isin(scope)]


def in_period(frame: pd.DataFrame, period: periods.Period) -> pd.DataFrame:
    d = pd.to_datetime(frame["committed_from_date"]).dt.date
    return frame[(d >= period.start) & (d <= period.end)]


# -- who sees which partnerships -------------------------------------------------------
def test_viewer_carries_the_visible_partnerships(hub, viewers):
    from workbench.registry import open_registry

    assert {n: v.partnerships for n, v in viewers.items()} == {
        "a_ana": {A}, "a_vic": {A}, "b_ana": {B}, "both": {A, B}, "county": None}
    assert viewers["a_ana"].to_dict()["partnerships"] == [A]
    with open_registry(hub) as reg:
        with pytest.raises(AccessDenied, match="no data of a partnership you may see"):
            access.viewer_for(reg, reg.get_user("derby"))          # Derby holds no data here
        denied = reg.audit_entries(actor="derby", outcome="denied")
    assert denied and denied[-1].detail["visible"] == ["Derby"]
    assert access.partnerships_in_shared_tier(hub) == {A, B}


def test_tables_without_partnership_column_are_hidden_from_scoped_viewers(hub):
    src = Source(hub)
    assert src.has("police_uk_street") and src.scalar("select count(*) from police_uk_street") == 2
    scoped = src.within({A, B})
    assert not scoped.has("police_uk_street")
    assert scoped.scalar("select count(*) from police_uk_street") == 0          # deny by default
    assert scoped.scalar("select count(*) from main.police_uk_street") == 0
    for ref in ("ref_lsoa", "ref_imd", "ref_postcode", "ref_harm_weights", "publish_meta"):
        assert scoped.has(ref)                                                 # reference: unscoped
        assert scoped.scalar(f"select count(*) from {ref}") == src.scalar(f"select count(*) from {ref}")


# -- tactical ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", SCOPES)
@pytest.mark.parametrize("use_cubes", [True, False])
def test_counts_by_type_equal_the_users_rows(hub, truth, viewers, last4, who, use_cubes, monkeypatch):
    monkeypatch.setattr(crime, "USE_CUBES", use_cubes)
    mine = rows_of(truth["crime"], SCOPES[who])
    got = crime.counts_by_type(Source(hub), last4, [], viewers[who]).set_index("offence_type")
    for column, period in (("current", last4.current), ("baseline", last4.baseline)):
        want = in_period(mine, period).groupby("offence_type").size()
        assert got[column].astype(int).to_dict() == want.to_dict(), column


@pytest.mark.parametrize("who", SCOPES)
def test_day_hour_lsoa_and_cells_equal_the_users_rows(hub, truth, viewers, last4, who):
    src, viewer = Source(hub), viewers[who]
    mine = in_period(rows_of(truth["crime"], SCOPES[who]), last4.current)
    hours = pd.to_datetime(mine["committed_from_time"], format="%H:%M").dt.hour
    days = pd.to_datetime(mine["committed_from_date"]).dt.dayofweek + 1
    want = pd.DataFrame({"day": days, "hour": hours}).groupby(["day", "hour"]).size()
    got = crime.day_hour(src, last4.current, [], viewer).set_index(["day", "hour"])["count"]
    assert got.astype(int).to_dict() == want.to_dict()

    lsoa = mine.merge(truth["postcodes"][["postcode", "lsoa_code"]], on="postcode")
    want = lsoa.groupby("lsoa_code").size()
    got = crime.counts_by_lsoa(src, last4.current, [], viewer).set_index("lsoa_code")["count"]
    assert got.astype(int).to_dict() == want.to_dict()
    rates = context.lsoa_rates(src, last4.current, [], viewer).set_index("lsoa_code")["count"]
    assert rates[rates > 0].astype(int).to_dict() == want.to_dict()

    cells = mine.assign(easting=(np.floor(mine["easting"] / 150) + 0.5) * 150,
                        northing=(np.floor(mine["northing"] / 150) + 0.5) * 150)
    want = cells.groupby(["easting", "northing"]).size()
    got = crime.grid_counts(src.for_viewer(viewer), last4.current, [], None, 150.0)
    assert got.set_index(["easting", "northing"])["count"].astype(int).to_dict() == want.to_dict()


def test_planted_surge_is_ashfields_alone(hub, viewers, last4):
    """The vehicle-damage surge was planted in Ashfield's data only: Bassetlaw's users must not
    see it as an emerging issue or a hotspot (they would if Ashfield's rows leaked in)."""
    src = Source(hub)
    surge = "Criminal damage to a vehicle"
    emerging = {who: assess.emerging_issues(src, last4, [], viewers[who]).set_index("offence_type")
                for who in ("a_ana", "b_ana", "both")}
    assert emerging["a_ana"].loc[surge, "emerging"] and emerging["both"].loc[surge, "emerging"]
    assert not emerging["b_ana"].loc[surge, "emerging"]
    spots = {who: assess.hotspots(src, last4, [surge], viewers[who]).spots.cells.head(1)
             for who in ("a_ana", "b_ana")}
    k = int(sfx.fx.SURGE_LSOA[-4:])
    x0, y0 = sfx.fx.ORIGIN[0] + (k // sfx.fx.GRID) * 1000, sfx.fx.ORIGIN[1] + (k % sfx.fx.GRID) * 1000

    def in_surge(cells):
        return (cells["cell_easting"].between(x0, x0 + 1000) & cells["cell_northing"].between(y0, y0 + 1000)).sum()

    assert in_surge(spots["a_ana"]) >= 1
    assert in_surge(spots["b_ana"]) == 0


def test_repeat_locations_and_records_are_the_users(hub, truth, viewers, last4):
    src = Source(hub)
    year = periods.rolling_years(last4.current.end).current
    for who in ("a_ana", "b_ana"):
        mine = in_period(rows_of(truth["crime"], SCOPES[who]), year)
        got = crime.repeat_locations(src, year, [], viewers[who], limit=500).set_index("postcode")["count"]
        assert got["NG1 1AB"] == (mine["postcode"] == "NG1 1AB").sum()
        listed = crime.records(src, last4.current, [], viewers[who], limit=5000)
        want = in_period(rows_of(truth["crime"], SCOPES[who]), last4.current)
        assert sorted(listed["crime_ref"]) == sorted(want["crime_ref"])


def test_ppo_counts_are_the_users(hub, truth, viewers):
    for who in SCOPES:
        got = context.ppo_status(Source(hub), viewers[who])
        assert got["count"].sum() == len(rows_of(truth["ppo"], SCOPES[who]))


# -- strategic --------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["a_ana", "b_ana", "both"])
def test_strategic_summary_counts_the_users_rows(hub, truth, viewers, who):
    figs = strategic.figures(Source(hub), viewers[who])
    mine = rows_of(truth["crime"], SCOPES[who])
    fact = figs.facts.set_index("issue").loc["recorded_crime"]
    assert fact["current"] == len(in_period(mine, figs.current))
    assert fact["previous"] == len(in_period(mine, figs.previous))
    assert set(figs.facts["dataset"]) == {"police_crime_offence"}   # police.uk data is unattributed
    monthly = figs.monthly[figs.monthly["issue"] == "recorded_crime"]
    assert monthly["count"].sum() == len(in_period(mine, figs.window))


def test_strategic_figures_of_both_are_the_sum(hub, viewers):
    src = Source(hub)
    get = {w: strategic.figures(src, viewers[w]).facts.set_index("issue").loc["recorded_crime", "current"]
           for w in ("a_ana", "b_ana", "both")}
    assert get["both"] == get["a_ana"] + get["b_ana"]


# -- hub explorer -----------------------------------------------------------------------
def test_explorer_lists_the_users_supplies_datasets_and_coverage(hub, truth, viewers, last4):
    src = Source(hub)
    for who, scope in SCOPES.items():
        mine = src.for_viewer(viewers[who])
        sup = truth["supplies"]
        want = sup if scope is None else sup[sup["partnership"].isin(scope)]
        log = hubinfo.supplies(mine)
        assert sorted(log["supply_id"]) == sorted(want["supply_id"]), who
        sets = hubinfo.datasets(mine).set_index("dataset")["rows"]
        assert sets["police_crime_offence"] == len(rows_of(truth["crime"], scope))
        assert ("police_uk_street" in sets.index) == (scope is None)
        cov = hubinfo.coverage(mine, last4.current)
        assert cov[cov["dataset"] == "police_crime_offence"]["records"].sum() == \
            len(in_period(rows_of(truth["crime"], scope), periods.Period(
                periods.month_start(last4.current.start), last4.current.end)))
        report = hubinfo.quality(mine, "police_crime_offence", viewers[who])
        assert report["rows"] == len(rows_of(truth["crime"], scope))
        assert sorted(s["supply_id"] for s in report["supplies"]) == sorted(want["supply_id"])


# -- the cache and disclosure control ---------------------------------------------------
def test_cache_does_not_leak_between_scopes(hub, truth, viewers, last4):
    clear_cache()
    src = Source(hub)
    answers = []
    for who in ("a_ana", "b_ana", "a_ana", "both", "county", "b_ana"):
        frame = crime.counts_by_type(src, last4, [], viewers[who])
        answers.append((who, int(frame["current"].sum())))
    for who, got in answers:
        assert got == len(in_period(rows_of(truth["crime"], SCOPES[who]), last4.current)), who
    figs = [strategic.figures(src, viewers[w]).facts.set_index("issue").loc["recorded_crime", "current"]
            for w in ("a_ana", "b_ana")]
    assert figs[0] != figs[1]


def test_disclosure_control_applies_after_scoping(hub, truth, viewers, last4):
    offence = "Burglary residential"
    raw = crime.day_hour(Source(hub), last4.current, [offence], viewers["a_ana"]).set_index(["day", "hour"])
    shown = crime.day_hour(Source(hub), last4.current, [offence], viewers["a_vic"]).set_index(["day", "hour"])
    assert raw["count"].between(1, 4).any()
    small = raw["count"].between(1, 4)
    assert shown.loc[small, "count"].isna().all()
    assert (shown.loc[~small, "count"] == raw.loc[~small, "count"]).all()
    mine = in_period(rows_of(truth["crime"], {A}), last4.current)
    assert raw["count"].sum() == (mine["offence_type"] == offence).sum()


def test_weekly_cubes_carry_the_partnership(hub):
    built = cube.weekly(Source(hub))
    assert built.partnership
    assert "(select * from memory.main.cube_type where \"partnership\" IN ('Ashfield'))" == \
        built.table("cube_type", frozenset({A}))
    assert built.table("cube_type", None) == "memory.main.cube_type"


# -- the apps ---------------------------------------------------------------------------
@pytest.mark.parametrize("slug", ["strategic", "tactical", "explorer", "records", "library"])
def test_apps_read_the_viewers_partnerships_only(hub, viewers, slug):
    import panel as pn

    from dashboards import app

    view = app(slug).load()(source=Source(hub), viewer=viewers["b_ana"])
    assert view.source.partnerships == {B}
    assert pn.panel(view).get_root() is not None


def test_tactical_app_for_bassetlaw_shows_no_surge(hub, viewers):
    from dashboards.tactical import TacticalAssessment

    view = TacticalAssessment(source=Source(hub), viewer=viewers["b_ana"])
    assert view._emerging() is not None and view._map() is not None


def test_library_lists_to_scoped_viewers_only_their_partnerships_products(tmp_path, viewers):
    for name, meta in (("a", {"partnership": A}), ("ab", {"partnerships": [A, B]}), ("hub", {})):
        (tmp_path / f"{name}.html").write_text(f"<html><title>{name}</title>OFFICIAL-SENSITIVE</html>")
        (tmp_path / f"{name}.json").write_text(__import__("json").dumps({**meta, "marking": "OFFICIAL-SENSITIVE",
                                                                        "disclosure": {"controlled": True, "threshold": 5}}))
    titles = {w: sorted(p.title for p in library.readable(tmp_path, viewers[w]))
              for w in ("a_ana", "both", "county")}
    assert titles == {"a_ana": ["a"], "both": ["a", "ab"], "county": ["a", "ab", "hub"]}
    with pytest.raises(AccessDenied):
        library.open_file(tmp_path, viewers["a_ana"], "ab.html", ".html")


@pytest.mark.parametrize("name, shown", [("a_ana", [A]), ("county", "all"), ("derby", None)])
def test_page_views_are_audited_with_the_partnerships_shown(hub, name, shown, monkeypatch):
    import panel as pn

    from dashboards.base import page
    from dashboards.tactical import TacticalAssessment
    from workbench.registry import open_registry

    built = []

    class Recorded(TacticalAssessment):
        def __init__(self, **params):
            super().__init__(**params)
            built.append(self)

    monkeypatch.setattr(type(pn.state), "user", property(lambda self: name))
    template = page(Recorded, hub, "tactical")
    with open_registry(hub) as reg:
        entry = [e for e in reg.audit_entries(actor=name) if e.action == "dashboard.view"][-1]
    if shown is None:                       # sees no partnership the tier holds: refused
        assert entry.outcome == "denied" and "no data of a partnership" in entry.detail["reason"]
        assert not built and "Tactical" not in template.title
    else:
        assert entry.outcome == "ok" and entry.detail["partnerships"] == shown
        assert built[0].source.partnerships == (None if shown == "all" else set(shown))


def test_shared_hotspots_never_cross_scopes(hub, viewers, last4, monkeypatch):
    """The tactical hotspots are computed once per question and shared by sessions; the key
    holds the scope, so Bassetlaw's analyst after Ashfield's gets Bassetlaw's own cells, and a
    second ask of the same scope computes nothing."""
    from workbench.dashboard_data import assess as assess_module

    clear_cache()
    calls = []
    real = assess_module.tactical_hotspots
    monkeypatch.setattr(assess_module, "tactical_hotspots", lambda *a, **k: calls.append(1) or real(*a, **k))
    src = Source(hub)
    surge = ["Criminal damage to a vehicle"]
    first_a = assess.hotspots(src, last4, surge, viewers["a_ana"]).spots.cells
    b = assess.hotspots(src, last4, surge, viewers["b_ana"]).spots.cells
    again_a = assess.hotspots(src, last4, surge, viewers["a_ana"]).spots.cells
    assert len(calls) == 2
    pd.testing.assert_frame_equal(first_a, again_a)
    clear_cache()
    fresh_b = assess.hotspots(src, last4, surge, viewers["b_ana"]).spots.cells
    pd.testing.assert_frame_equal(b, fresh_b)
    assert not b.equals(first_a)
