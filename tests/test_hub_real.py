"""Every real police.uk file in ../shared/data/real ingests with exact row counts."""

from __future__ import annotations

import csv

import pytest

from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files
from workbench.hub.quality import quality_report

FOLDERS = {
    "nottinghamshire_2018-10_to_2019-02": 56_032,
    "nottinghamshire_2024-01_to_2024-03": 28_393,
    "city-of-london_2024-01_to_2025-12": 18_867,
}


def _manifest_rows(real, folder):
    total = 0
    with open(real / "MANIFEST.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            if folder in r.get("path", r.get("file", "")):
                total += int(r.get("records", r.get("record_count", 0)) or 0)
    return total


@pytest.mark.real
@pytest.mark.parametrize("folder,expected", sorted(FOLDERS.items()))
def test_real_police_uk_folder_ingests_exactly(real_data_dir, empty_hub, folder, expected):
    path = real_data_dir / "police_uk" / folder
    res = ingest_files(empty_hub, "police_uk_street", [path], quiet=True)
    assert res.rows == expected
    con = open_hub(empty_hub, read_only=True)
    per_file = {f["name"]: f["rows"] for f in res.files}
    for f in path.glob("*.csv"):
        with open(f, newline="", encoding="utf-8") as fh:
            assert per_file[f.name] == sum(1 for _ in csv.reader(fh)) - 1
    report = quality_report(con, "police_uk_street")
    con.close()
    assert report.rows == expected
    missing = report.coverage["missing_months"]
    assert all(v == [] for v in missing.values())


@pytest.mark.real
def test_real_nottinghamshire_quality_matches_the_readme(real_data_dir, empty_hub):
    ingest_files(empty_hub, "police_uk_street",
                 [real_data_dir / "police_uk" / "nottinghamshire_2018-10_to_2019-02"], quiet=True)
    con = open_hub(empty_hub, read_only=True)
    rep = quality_report(con, "police_uk_street")
    asb = con.execute("SELECT count(*) FROM police_uk_street WHERE crime_type = 'Anti-social behaviour'").fetchone()[0]
    no_loc = con.execute("SELECT count(*) FROM police_uk_street WHERE longitude IS NULL").fetchone()[0]
    con.close()
    assert asb == 11_282  # README: 11,282 ASB rows, every one kept
    assert no_loc == 616
    dup = rep.accuracy["repeated_crime_ids"]
    assert dup["rows"] - dup["ids"] == 87  # README: 87 duplicate non-empty Crime IDs
