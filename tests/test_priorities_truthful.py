"""Priorities that mean something (issue 12): coverage, one problem once, bands spread.

A planted shared tier built from code: police records cover three full years at a modest,
steady rate; police.uk covers only the last three months but with a large robbery count;
A&E and hospital admissions for assault run alongside the police violence records.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from workbench.products import issues as iss
from workbench.products.priority import PriorityInput, score_priorities
from workbench.products.strategic import strategic_summary

END = dt.date(2025, 12, 31)


def _days(rng, n, start, end=END):
    span = (end - start).days + 1
    return [start + dt.timedelta(days=int(d)) for d in rng.integers(0, span, n)]


@pytest.fixture()
def source():
    rng = np.random.default_rng(3)
    con = duckdb.connect()
    start = dt.date(2023, 1, 1)
    codes = ["105A"] * 900 + ["28A"] * 500 + ["34A"] * 60 + ["46"] * 700 + ["58A"] * 400 + ["92A"] * 200
    crimes = pd.DataFrame({"crime_ref": [f"c{i}" for i in range(len(codes))], "offence_code": codes,
                           "committed_from_date": _days(rng, len(codes), start)})
    con.register("crimes", crimes)
    con.execute("CREATE TABLE police_crime_offence AS SELECT * FROM crimes")
    months = ["2025-10", "2025-11", "2025-12"]       # police.uk: three months only
    uk = pd.DataFrame({"month": np.repeat(months, 700),
                       "crime_type": ["Robbery"] * 600 + ["Other theft"] * 600
                       + ["Violence and sexual offences"] * 900})
    con.register("uk", uk)
    con.execute("CREATE TABLE police_uk_street AS SELECT * FROM uk")
    ae = pd.DataFrame({"incident_date": _days(rng, 500, start)})
    con.register("ae", ae)
    con.execute("CREATE TABLE health_ae_assault AS SELECT * FROM ae")
    adm = pd.DataFrame({"admission_date": _days(rng, 300, start), "icd10_code": ["X99"] * 300})
    con.register("adm", adm)
    con.execute("CREATE TABLE health_admission_icd AS SELECT * FROM adm")
    yield con
    con.close()


def test_three_months_of_police_uk_cannot_rank_first_with_full_confidence(source):
    s = strategic_summary(source)
    rows = {r.issue: r for r in s.priorities.rows}
    robbery = rows["robbery"]
    # police records hold some robbery over 3 years: the primary source is the records
    assert s.primary("robbery").dataset == "police_crime_offence"
    # other theft: only police.uk's three months (2,400 a year annualised, high harm would
    # otherwise put it near the top): provisional, confidence 1, after every covered problem
    theft = rows["other_theft"]
    assert not theft.complete and theft.confidence == 1
    assert "police_uk_street: 3 of 12 months in the last year, 0 of 12" in theft.coverage
    assert theft.rank > max(r.rank for r in s.priorities.rows if r.complete)
    first = s.priorities.rows[0]
    assert first.complete and "12 of 12 months in the last year, 12 of 12" in first.coverage
    assert robbery.complete and robbery.sources == ("Robbery (police records)", "Robbery")
    assert not any(r["issue"] == "other_theft" and "PROVISIONAL" not in " ".join(r["reasons"])
                   for r in s.recommended_priorities(20))
    fact = s.fact("robbery")
    assert fact.months_covered == 3 and fact.months_previous == 0 and not fact.complete


def test_a_problem_measured_by_part_year_data_is_provisional():
    rows = score_priorities([
        PriorityInput("a", "A (3 months of police.uk)", volume=5000, trend="rising", harm=40,
                      vulnerability=5, confidence=1, complete=False,
                      coverage="police_uk_street: 3 of 12 months in the last year, 0 of 12 in the year before"),
        PriorityInput("b", "B (three full years)", volume=300, harm=6, vulnerability=3)]).rows
    assert [r.issue for r in rows] == ["b", "a"]        # full coverage first, whatever the score
    assert rows[1].score > rows[0].score and rows[1].confidence == 1
    assert "3 of 12" in rows[1].coverage


def test_one_problem_counted_once_with_sources_as_evidence(source):
    s = strategic_summary(source)
    issues = [r.issue for r in s.priorities.rows]
    assert len(issues) == len(set(issues))
    assert "ae_assaults" not in issues and "assault_admissions" not in issues
    assert "violence_records" not in issues and "recorded_crime" not in issues
    violence = next(r for r in s.priorities.rows if r.issue == "violence")
    assert set(violence.sources) == {"Violence and sexual offences (police records)",
                                     "Violence and sexual offences", "Assault attendances at A&E",
                                     "Assault hospital admissions (X85–Y09)"}
    assert violence.sources[0] == "Violence and sexual offences (police records)"   # best covered
    # themes add each problem once (from its primary source): the crime theme is not the sum
    # of police.uk, police records and health together
    crime = s.themes.set_index("theme").loc["crime", "current"]
    every_source = sum(f.current for f in s.facts if f.theme == "crime")
    assert crime < every_source
    rec = s.recommended_priorities(10)
    assert any("triangulated with" in " ".join(r["reasons"]) for r in rec if r["issue"] == "violence")


def test_every_ranked_problem_is_known():
    for i in iss.ISSUES:
        if i.ranked:
            assert i.problem_key in iss.PROBLEMS, i.key


def test_bands_spread_on_the_demo_hub(demo_hub):
    from workbench.privacy.shared import open_shared_tier

    con = open_shared_tier(demo_hub)
    try:
        s = strategic_summary(con)
    finally:
        con.close()
    bands = pd.Series([r.band for r in s.priorities.rows]).value_counts()
    assert set(bands.index) == {"high", "medium", "low"}
    assert bands.max() <= 0.6 * len(s.priorities.rows)
    assert bands["high"] <= len(s.priorities.rows) / 3


@pytest.mark.real
def test_real_three_months_of_police_uk_are_provisional_throughout(real_data_dir, empty_hub):
    """The real Nottinghamshire police.uk quarter (2024-01 to 2024-03, 28,393 rows): nothing
    can be ranked with full confidence, every recommendation says PROVISIONAL and names the
    coverage, and no year-on-year change is claimed."""
    from workbench.hub.connect import open_hub
    from workbench.hub.ingest import ingest_files

    ingest_files(empty_hub, "police_uk_street",
                 [real_data_dir / "police_uk" / "nottinghamshire_2024-01_to_2024-03"], quiet=True)
    con = open_hub(empty_hub, read_only=True)
    try:
        s = strategic_summary(con)
    finally:
        con.close()
    assert len(s.priorities.rows) >= 10
    for r in s.priorities.rows:
        assert not r.complete and r.confidence == 1, r.issue
        assert "police_uk_street: 3 of 12 months in the last year, 0 of 12 in the year before" == r.coverage
    assert all(f.change is None and f.trend.direction == "too few data" for f in s.facts)
    for rec in s.recommended_priorities():
        assert any(x.startswith("PROVISIONAL") for x in rec["reasons"]), rec
