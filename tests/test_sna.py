"""The serious violence strategic needs assessment's data (issue 16), on planted truth."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from workbench.products.sna import SV_CODES, date_precision, sna_summary


def _source(ae_year_only: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    rng = np.random.default_rng(3)
    days = pd.date_range("2022-01-01", "2024-12-31", freq="D")
    n = 3000
    d = rng.choice(days, n)
    # planted: serious violence doubles in 2024; other offences flat
    sv = np.where(pd.DatetimeIndex(d).year == 2024, rng.random(n) < 0.66, rng.random(n) < 0.33)
    off = pd.DataFrame({"offence_code": np.where(sv, "8N", "49"), "committed_from_date": pd.DatetimeIndex(d).date,
                        "committed_from_time": [dt.time(int(h), 0) for h in rng.integers(0, 24, n)],
                        "postcode": "NG1 1AA", "flag_alcohol": np.where(rng.random(n) < 0.3, "Y", "N"),
                        "flag_drugs": "N", "flag_domestic": "N"})
    con.register("o", off)
    con.execute("CREATE TABLE police_crime_offence AS SELECT * FROM o")
    ae_dates = pd.DatetimeIndex(rng.choice(days, 400))
    ae = pd.DataFrame({"incident_date": (ae_dates.to_period("Y").to_timestamp() if ae_year_only else ae_dates).date,
                       "age": rng.choice(["18-34", "35-64"], 400), "gender": "male"})
    con.register("a", ae)
    con.execute("CREATE TABLE health_ae_assault AS SELECT * FROM a")
    return con


def test_planted_rise_is_found_and_year_published_health_data_is_compared_by_year():
    con = _source(ae_year_only=True)
    s = sna_summary(con, dt.date(2024, 12, 31))
    police = next(f for f in s.profile if f.dataset == "police_crime_offence")
    assert police.change > 0.5 and police.p_value < 1e-6           # doubled
    ae = next(f for f in s.profile if f.dataset == "health_ae_assault")
    assert "calendar year 2024" in ae.label and ae.trend == "dates published to the year"
    assert date_precision(con, "health_ae_assault", "incident_date") == "year"
    assert any("published with dates to the year" in g for g in s.gaps)
    assert any("yos_assessment" in g for g in s.gaps)                 # the duty expects youth justice data
    assert s.times is not None and s.times.values.sum() == police.current
    titles = [r["title"] for r in s.recommendations()]
    assert "Close the data gaps before the next assessment" in titles
    assert set(s.by_definition["type of serious violence"]) >= {"homicide", "robbery"}
    assert "8N" in SV_CODES and "49" not in SV_CODES


def test_times_are_not_claimed_without_times():
    con = _source(ae_year_only=False)
    con.execute("UPDATE police_crime_offence SET committed_from_time = NULL")
    s = sna_summary(con, dt.date(2024, 12, 31))
    assert s.times is None and "committed_from_time" in s.times_reason
    ae = next(f for f in s.profile if f.dataset == "health_ae_assault")
    assert ae.months == 36 and "calendar year" not in ae.label
