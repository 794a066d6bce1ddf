"""Mappings that learn (issue 15): proposed from the header, confirmed once per agency and dataset,
reused for the next month's supply; a changed layout is refused naming what changed."""

from __future__ import annotations

import json

import pytest

from governance_helpers import registry_with_people
from workbench.hub.mappings import propose


def test_proposal_pairs_headings_one_to_one_using_names_and_values():
    p = propose("council_asb", ["Ref No", "Date Reported", "Time", "Post Code", "Category", "Officer notes"],
                [["A1", "01/03/2024", "21:05", "NG1 5AW", "Noise", "spoke to resident"],
                 ["A2", "02/03/2024", "22:10", "ng7 2rd", "Litter", ""]])
    assert p.columns == {"Ref No": "incident_ref", "Date Reported": "incident_date", "Time": "incident_time",
                         "Post Code": "postcode", "Category": "incident_type"}
    assert p.unmapped == ["Officer notes"] and p.missing_required == []
    assert p.formats == {"incident_date": "%d/%m/%Y"}


def _cli(args, capsys, monkeypatch, user="ana"):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_USER", user)
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_confirmed_once_reused_next_month_and_a_changed_layout_refused(empty_hub, tmp_path, capsys, monkeypatch):
    registry_with_people(tmp_path).close()
    h = ["--hub", str(empty_hub)]
    march = tmp_path / "asb_march.csv"
    march.write_text("Ref No,Date Reported,Post Code,Category\nA1,01/03/2024,NG1 5AW,Noise\nA2,02/03/2024,NG7 2RD,Litter\n")
    code, out, err = _cli(["hub", "map", str(march), "--dataset", "council_asb", "--json", *h], capsys, monkeypatch)
    assert code == 0 and json.loads(out)["confirmed"] is False, err
    code, out, err = _cli(["hub", "map", str(march), "--dataset", "council_asb", "--confirm", "--json", *h],
                          capsys, monkeypatch)
    assert code == 0 and json.loads(out)["agency"] == "City Council", err
    april = tmp_path / "asb_april.csv"
    april.write_text("Ref No,Date Reported,Post Code,Category\nA3,03/04/2024,NG1 5AW,Noise\n")
    for f in (march, april):
        code, out, err = _cli(["hub", "ingest", "--dataset", "council_asb", "--json", str(f), *h], capsys, monkeypatch)
        assert code == 0, err
        assert json.loads(out)["adapter"] == "spreadsheet_mapping"
    may = tmp_path / "asb_may.csv"
    may.write_text("Reference,Date Reported,Post Code,Category,Ward\nA4,03/05/2024,NG1 5AW,Noise,Castle\n")
    code, out, err = _cli(["hub", "ingest", "--dataset", "council_asb", str(may), *h], capsys, monkeypatch)
    assert code == 2 and "changed layout" in err and "'Ward'" in err and "'Ref No'" in err
    from workbench.hub.connect import open_hub
    con = open_hub(empty_hub, read_only=True)
    got = con.execute("SELECT incident_ref, CAST(incident_date AS VARCHAR) FROM main.council_asb ORDER BY 1").fetchall()
    con.close()
    assert got == [("A1", "2024-03-01"), ("A2", "2024-03-02"), ("A3", "2024-04-03")]
