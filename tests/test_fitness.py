"""The fitness gate (guidance 4.2.3): declarations checked against measured fitness, with
planted truth — the same scenario with its days and times removed, or its dates cut to months."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.analysis.fitness import Needs, require_day_precision
from workbench.analysis.hypotheses import DataSource, Period, get, names, run
from workbench.analysis.knox import knox, near_repeat
from workbench.demo import scenarios as sc
from workbench.errors import BadInput

CUR, BASE = ":".join(sc.CURRENT), ":".join(sc.BASELINE)
POLICE = "police_crime_offence"


@pytest.fixture(scope="module")
def planted():
    return {name: sc.generate(name, 58) for name in ("concentrated_premises", "diffuse_proportional")}


def _with_police(data, **changes):
    out = dict(data)
    p = data[POLICE].copy()
    for col, fn in changes.items():
        p[col] = fn(p)
    out[POLICE] = p
    return out


def _month_only(p):
    return pd.to_datetime(p["committed_from_date"]).dt.strftime("%Y-%m-01")


def test_every_hypothesis_declares_its_needs():
    for name in names():
        needs = get(name).needs
        assert isinstance(needs, Needs), name
        assert POLICE in needs.datasets, name


def test_month_only_dates_make_concentration_inconclusive_naming_date_and_time(planted):
    data = _with_police(planted["concentrated_premises"], committed_from_date=_month_only,
                        committed_from_time=lambda p: None)
    v = run("concentration", data, CUR, BASE)
    n = sum(1 for d in pd.to_datetime(data[POLICE]["committed_from_date"])
            if Period.parse(BASE).start <= d.date() <= Period.parse(BASE).end
            or Period.parse(CUR).start <= d.date() <= Period.parse(CUR).end)
    assert v.verdict == "inconclusive"
    assert "committed_from_date is month-only: 100%" in v.reason
    assert f"committed_from_time known for 0% of {n:,} records" in v.reason
    assert v.fitness["ok"] is False and v.fitness["measured"][POLICE]["date_precision"] == "month"


def test_planted_concentration_still_found_on_days_when_times_are_missing(planted):
    """Day known, time not: the honest part (place × day of week) is used, and said."""
    full = run("concentration", planted["concentrated_premises"], CUR, BASE)
    assert full.verdict == "supported" and "time of day unknown" not in full.reason
    no_time = _with_police(planted["concentrated_premises"], committed_from_time=lambda p: None)
    v = run("concentration", no_time, CUR, BASE)
    assert v.verdict == "supported"
    assert "time of day unknown" in v.reason
    assert any("committed_from_time known for 0%" in c and "days of the week only" in c for c in v.caveats)
    assert v.fitness["uses"]["time_of_day"] is False
    blocks = {r["block"] for r in v.evidence[1]["rows"]}
    assert blocks <= {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}


def test_midnight_stand_ins_count_as_unknown_times(planted):
    """Times defaulted to 00:00 are not evidence of night-time violence."""
    data = _with_police(planted["diffuse_proportional"], committed_from_time=lambda p: "00:00")
    v = run("concentration", data, CUR, BASE)
    assert v.verdict == "not_supported"
    assert v.fitness["uses"]["time_of_day"] is False
    assert any("at 00:00" in c for c in v.caveats)


def test_partial_midnights_within_the_normal_share_keep_times(planted):
    data = planted["diffuse_proportional"]
    v = run("concentration", data, CUR, BASE)
    assert v.fitness["uses"]["time_of_day"] is True
    assert v.fitness["measured"][POLICE]["time_known_share"] >= 0.8


def test_month_only_dates_serve_counts_over_whole_months(planted):
    """seriousness compares counts per period: month-only dates serve whole-month periods."""
    data = _with_police(planted["diffuse_proportional"], committed_from_date=_month_only)
    v = run("seriousness", data, CUR, BASE)
    assert v.verdict != "inconclusive" or "month-only" not in v.reason
    assert any("month-only" in c for c in v.caveats)
    ragged = run("seriousness", data, "2025-01-15:2025-03-31", "2024-01-15:2024-03-31")
    assert ragged.verdict == "inconclusive" and "are not whole months" in ragged.reason


def test_coverage_gap_in_one_period_is_named(planted):
    data = planted["diffuse_proportional"]
    keep = pd.to_datetime(data[POLICE]["committed_from_date"]).dt.strftime("%Y-%m") != "2025-02"
    v = run("seriousness", {**data, POLICE: data[POLICE][keep.to_numpy()]}, CUR, BASE)
    assert v.verdict == "inconclusive"
    assert "police_crime_offence has no records for 2025-02" in v.reason


def test_police_uk_only_names_the_dataset_needed():
    """A source holding only police.uk street crime: name police_crime_offence, not '0 events'."""
    street = pd.DataFrame({"month": ["2025-01"] * 50, "crime_type": ["Violence and sexual offences"] * 50})
    for name in names():
        v = run(name, {"police_uk_street": street}, CUR, BASE)
        assert v.verdict == "inconclusive"
        assert "needs police_crime_offence (Recorded crime: offences)" in v.reason
        assert "police_uk_street" in v.reason and "0 events" not in v.reason and "0 vs 0" not in v.reason


def test_empty_premises_register_is_called_empty(planted):
    data = dict(planted["concentrated_premises"])
    data["ref_licensed_premises"] = data["ref_licensed_premises"].iloc[0:0]
    v = run("premises", data, CUR, BASE)
    assert v.verdict == "inconclusive"
    assert "needs ref_licensed_premises (Licensed premises register), which is empty" in v.reason
    assert "coordinates" not in v.reason


def test_gate_on_a_duckdb_connection_matches_frames(planted):
    import duckdb

    data = _with_police(planted["diffuse_proportional"], committed_from_time=lambda p: None)
    con = duckdb.connect()
    for k, f in data.items():
        con.register(f"_{k}", f)
        con.execute(f'CREATE TABLE "{k}" AS SELECT * FROM "_{k}"')
    needs = get("concentration").needs
    periods = [Period.parse(BASE), Period.parse(CUR)]
    a = needs.check(DataSource(con), periods).to_dict()
    b = needs.check(DataSource(data), periods).to_dict()
    assert a["uses"] == b["uses"] and a["ok"] == b["ok"]
    for key in ("rows", "date_on_first_of_month", "time_known_share", "coordinates_known", "rows_by_period"):
        assert a["measured"][POLICE][key] == b["measured"][POLICE][key], key


@pytest.mark.parametrize("dates,precision", [
    (["2024-01-01"] * 30, "month"),
    (["2024-01-01", "2024-02-01", "2024-03-01", "2024-03-09"], "mixed"),  # too few 1sts to judge a habit
    ([f"2024-01-{d:02d}" for d in range(1, 31)], "day"),
])
def test_date_precision_classification(dates, precision):
    from workbench.hub.quality import date_precision

    d = pd.to_datetime(pd.Series(dates))
    assert date_precision(len(d), int((d.dt.day == 1).sum()))[0] == precision


def test_knox_and_near_repeat_refuse_month_only_dates():
    rng = np.random.default_rng(3)
    xy = rng.uniform(450000, 451000, (300, 2))
    months = pd.to_datetime(pd.Series(rng.integers(0, 12, 300)).map(lambda m: f"2024-{m + 1:02d}-01"))
    with pytest.raises(BadInput, match="month-only: 100% of 300 dates"):
        near_repeat(xy, months, permutations=9, seed=1)
    with pytest.raises(BadInput, match="7-day scale would really mean 'same month'"):
        knox(xy, months, delta=100, tau=7, permutations=0)
    # the caller asserts the 1sts are real days: allowed
    near_repeat(xy, months, permutations=9, seed=1, date_precision="day")
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 300), unit="D")
    assert near_repeat(xy, days, permutations=9, seed=1).table.shape[0] == 25  # (4 + beyond) × (4 + beyond)
    with pytest.raises(BadInput, match="month-only"):
        near_repeat(xy, rng.uniform(0, 365, 300), permutations=9, date_precision="month")


def test_require_day_precision_allows_year_scales():
    require_day_precision(["2024-01-01", "2024-02-01"], "knox", days=365)


def test_an_absent_time_column_is_measured_as_never_known(planted):
    data = dict(planted["concentrated_premises"])
    data[POLICE] = data[POLICE].drop(columns=["committed_from_time"])
    v = run("concentration", data, CUR, BASE)
    assert v.fitness["uses"]["time_of_day"] is False
    assert v.fitness["measured"][POLICE]["time_present"] == 0
    assert "time of day unknown" in v.reason


# -- a product section behind the gate: the problem profile's Time section ----------------
def _time_section(dates, times):
    import datetime as dt
    from types import SimpleNamespace

    from workbench.products.problem import _time

    cur = pd.DataFrame({"date": pd.to_datetime(pd.Series(dates)).dt.date,
                        "time": [dt.time.fromisoformat(t) if t else None for t in times]})
    s = SimpleNamespace(time={})
    _time(cur, cur.iloc[0:0], s)
    return s.time


def test_problem_profile_time_section_refuses_month_only_dates():
    tm = _time_section(["2025-01-01"] * 50 + ["2025-02-01"] * 50, [None] * 100)
    assert "day_hour" not in tm and "by_day" not in tm
    assert "committed_from_date is month-only: 100% of 100" in tm["unfit"]
    assert "committed_from_time known for 0% of 100 records" in tm["unfit"]


def test_problem_profile_time_section_uses_days_only_when_times_are_unknown():
    days = pd.date_range("2025-01-01", periods=100, freq="D")
    tm = _time_section(days, ["00:00"] * 100)  # every time a midnight stand-in
    assert "day_hour" not in tm and "unfit" not in tm
    assert tm["by_day"]["offences"].sum() == 100 and list(tm["by_day"]["day"])[:2] == ["Mon", "Tue"]
    assert "time of day is not used" in tm["note"] and tm["known_time_share"] < 0.1
    full = _time_section(days, [f"{h % 24:02d}:15" for h in range(100)])
    assert full["day_hour"].to_numpy().sum() == 100 and full["known_time_share"] == 1.0


def test_tactical_assessment_treats_month_only_police_records_as_monthly():
    """A police_crime_offence supply dated on the 1st is not compared by weeks or mapped."""
    import duckdb

    from workbench.products.tactical import tactical_summary

    rng = np.random.default_rng(1)
    n = 3000
    months = pd.period_range("2024-01", "2025-06", freq="M")
    picked = months[rng.integers(0, len(months), n)]
    frame = pd.DataFrame({
        "crime_ref": [f"C{i}" for i in range(n)], "offence_code": rng.choice(["105A", "8N", "28E"], n),
        "offence_type": "x", "committed_from_date": [p.to_timestamp().date() for p in picked],
        "committed_from_time": None, "easting": rng.uniform(450000, 452000, n),
        "northing": rng.uniform(330000, 332000, n), "location": "x", "postcode": "NG1 1AA"})
    con = duckdb.connect()
    con.register("f", frame)
    con.execute("CREATE TABLE police_crime_offence AS SELECT * FROM f")
    s = tactical_summary(con)
    assert any("police_crime_offence: compared month by month" in g
               and "committed_from_date is month-only: 100% of 3,000" in g for g in s.gaps)
    assert s.exceedance and all(e.precision.startswith("month 2025-06") for e in s.exceedance)
    assert s.hotspots.empty and s.points.empty


def test_day_hour_matrix_refuses_midnight_stand_ins_and_month_only_dates():
    from workbench.analysis.temporal import day_hour_matrix

    days = pd.date_range("2024-01-02", periods=60, freq="D")
    with pytest.raises(BadInput, match="time of day is known for 0% of 60 records"):
        day_hour_matrix(days.strftime("%Y-%m-%d 00:00"))
    with pytest.raises(BadInput, match="month-only"):
        day_hour_matrix(pd.date_range("2024-01-01", periods=12, freq="MS").strftime("%Y-%m-%d 21:00"))
    real = days + pd.to_timedelta(np.arange(60) % 24, unit="h")  # 3 of 60 at midnight: real times
    assert float(day_hour_matrix(real).to_numpy().sum()) == pytest.approx(60)


def test_time_bounded_repeats_refuse_month_only_dates():
    from workbench.analysis.repeats import repeat_rates

    months = ["2024-01-01", "2024-02-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]
    targets = ["a", "a", "b", "b", "c", "c"]
    with pytest.raises(BadInput, match="repeat_rates are month-only: 100% of 6 dates"):
        repeat_rates(targets, months, window_days=28)
    assert repeat_rates(targets, months).repeat_rate == 0.5  # no window: dates not used
    assert repeat_rates(["a", "a", "b", "b"], ["2024-01-03", "2024-01-09", "2024-02-11", "2024-03-20"],
                        window_days=28).n_repeat_events == 1
