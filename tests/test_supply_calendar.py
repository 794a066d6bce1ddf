"""The supply calendar (issue 15): late, due and never-supplied statutory supplies, from real dates."""

from __future__ import annotations

import datetime as dt
import json

from hub_helpers import offence_row, write_csv
from workbench.hub.calendar import due_after, supply_calendar
from workbench.hub.ingest import ingest_files


def test_due_dates_follow_the_cadence():
    assert due_after(dt.date(2024, 1, 31), "monthly") == (dt.date(2024, 2, 29), dt.date(2024, 3, 31))
    assert due_after(dt.date(2023, 12, 31), "quarterly") == (dt.date(2024, 3, 31), dt.date(2024, 4, 30))
    assert due_after(dt.date(2023, 12, 31), "yearly") == (dt.date(2024, 12, 31), dt.date(2025, 3, 31))


def test_calendar_on_a_hub(empty_hub, tmp_path, capsys, monkeypatch):
    from workbench.cli import main
    from workbench.hub.connect import open_hub

    rows = [offence_row(f"C{i}", committed_from_date=f"2024-01-{i + 1:02d}") for i in range(28)]
    ingest_files(empty_hub, "police_crime_offence", [write_csv(tmp_path / "jan.csv", rows)], quiet=True,
                 agency="Notts Police")
    con = open_hub(empty_hub, read_only=True)
    cal = {(r.dataset, r.agency): r for r in supply_calendar(con, dt.date(2024, 3, 15))}
    late = {(r.dataset, r.agency): r for r in supply_calendar(con, dt.date(2024, 5, 2))}
    con.close()
    jan = cal[("police_crime_offence", "Notts Police")]
    # the supply ran to 28 January, so February (to the 29th, 2024 is a leap year) is next: due by 31 March
    assert (jan.status, jan.next_period_end, jan.due_by) == ("due", dt.date(2024, 2, 29), dt.date(2024, 3, 31))
    late_row = late[("police_crime_offence", "Notts Police")]
    assert late_row.status == "late" and late_row.late_since == dt.date(2024, 3, 31) and late_row.periods_behind == 2
    assert cal[("council_asb", None)].status == "never supplied"
    monkeypatch.setenv("WORKBENCH_USER", "analyst")
    assert main(["hub", "calendar", "--hub", str(empty_hub), "--as-of", "2024-05-02", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    row = next(r for r in doc["rows"] if r["dataset"] == "police_crime_offence")
    assert row["status"] == "late" and "strategic-assessment" in row["effect"]["products"]
    assert main(["hub", "calendar", "--hub", str(empty_hub), "--as-of", "2024-05-02"]) == 0
    text = capsys.readouterr().out
    assert "LATE since 2024-03-31" in text and "NEVER SUPPLIED" in text

