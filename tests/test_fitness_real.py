"""The fitness gate on real police.uk data (../shared/data/real; skipped when absent).

A real police.uk year supplied *as police records* (month-only dates, no times — how
police.uk publishes and how many partner supplies arrive) must never make ``concentration``
say supported; the reason names the time field and its completeness. The same rows given
random days and times pass the gate and are tested (guidance 4.2.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from workbench.analysis.hypotheses import run

FOLDER = "city-of-london_2024-01_to_2025-12"


def _month_pairs():
    """12 year-on-year pairs (2025-MM against 2024-MM) and 11 consecutive pairs of 2025."""
    def whole(y, m):
        start = pd.Timestamp(y, m, 1)
        return f"{start.date()}:{(start + pd.offsets.MonthEnd(0)).date()}"
    pairs = [(whole(2025, m), whole(2024, m)) for m in range(1, 13)]
    pairs += [(whole(2025, m + 1), whole(2025, m)) for m in range(1, 12)]
    return pairs


@pytest.fixture(scope="module")
def police_records(real_data_dir):
    """City of London, 24 months of police.uk violence as police_crime_offence rows: the date is
    the month's 1st, no time (police.uk publishes neither)."""
    folder = real_data_dir / "police_uk" / FOLDER
    f = pd.concat([pd.read_csv(p) for p in sorted(folder.glob("*-street.csv"))], ignore_index=True)
    f = f[(f["Crime type"] == "Violence and sexual offences") & f["Longitude"].notna()].reset_index(drop=True)
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    e, n = to_bng.transform(f["Longitude"].to_numpy(), f["Latitude"].to_numpy())
    return pd.DataFrame({"crime_ref": [f"COL{i}" for i in range(len(f))], "offence_code": "105A",
                         "committed_from_date": f["Month"] + "-01", "committed_from_time": None,
                         "easting": e, "northing": n})


def test_real_year_as_police_records_never_supports_concentration(police_records):
    verdicts = [run("concentration", {"police_crime_offence": police_records}, cur, base, permutations=99)
                for cur, base in _month_pairs()]
    assert len(verdicts) == 23
    assert [v.verdict for v in verdicts] == ["inconclusive"] * 23
    for v in verdicts:
        n = sum(v.fitness["measured"]["police_crime_offence"]["rows_by_period"])
        assert "committed_from_date is month-only: 100%" in v.reason
        assert f"committed_from_time known for 0% of {n:,} records" in v.reason


def test_real_year_with_random_days_and_times_is_tested(police_records):
    """Control: the same rows with random days and times pass the gate and get a real test."""
    rng = np.random.default_rng(12)
    f = police_records.copy()
    month = pd.to_datetime(f["committed_from_date"])
    day = (rng.random(len(f)) * month.dt.days_in_month).astype(int)
    f["committed_from_date"] = (month + pd.to_timedelta(day, unit="D")).dt.strftime("%Y-%m-%d")
    f["committed_from_time"] = [f"{h:02d}:{m:02d}" for h, m in zip(rng.integers(0, 24, len(f)),
                                                                    rng.integers(0, 60, len(f)))]
    verdicts = [run("concentration", {"police_crime_offence": f}, cur, base, permutations=99)
                for cur, base in _month_pairs()]
    assert all(v.fitness.get("ok") for v in verdicts)
    assert sum(v.verdict == "supported" for v in verdicts) <= 2  # no day/time pattern to find
    assert all("data not fit" not in v.reason for v in verdicts)


@pytest.mark.real
def test_hub_of_police_uk_only_names_the_dataset_needed(real_data_dir, empty_hub):
    from workbench.analysis.hypotheses import names
    from workbench.hub.connect import open_hub
    from workbench.hub.ingest import ingest_files

    ingest_files(empty_hub, "police_uk_street", [real_data_dir / "police_uk" / FOLDER], quiet=True)
    con = open_hub(empty_hub, read_only=True)
    try:
        for name in names():
            v = run(name, con, "2025-01-01:2025-06-30", "2024-01-01:2024-06-30")
            assert v.verdict == "inconclusive", name
            assert "needs police_crime_offence (Recorded crime: offences)" in v.reason, v.reason
            assert "police_uk_street (police.uk street-level crime) is loaded" in v.reason
            assert "0 vs 0" not in v.reason and "too few events" not in v.reason
        premises = run("premises", con, "2025-01-01:2025-06-30", "2024-01-01:2024-06-30")
        assert "needs ref_licensed_premises (Licensed premises register), which is empty" in premises.reason
        assert "needs police_crime_offence (Recorded crime: offences), which is empty" in premises.reason
        assert "has no coordinates" not in premises.reason
    finally:
        con.close()


def test_near_repeat_refuses_real_police_uk_months(real_data_dir):
    """The issue's case: a '0-7 days' Knox ratio on police.uk months really meant 'same month'."""
    from workbench.analysis.knox import knox, near_repeat
    from workbench.errors import BadInput

    folder = real_data_dir / "police_uk" / "nottinghamshire_2018-10_to_2019-02"
    f = pd.concat([pd.read_csv(p) for p in sorted(folder.glob("*-street.csv"))], ignore_index=True)
    f = f[(f["Crime type"] == "Burglary") & f["Longitude"].notna()]
    e, n = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(
        f["Longitude"].to_numpy(), f["Latitude"].to_numpy())
    xy, months = np.column_stack([e, n]), (f["Month"] + "-01").to_numpy()
    with pytest.raises(BadInput, match=f"month-only: 100% of {len(f):,} dates"):
        near_repeat(xy, months, permutations=9, seed=1)
    with pytest.raises(BadInput, match="7-day scale"):
        knox(xy, months, delta=200, tau=7, permutations=0)
