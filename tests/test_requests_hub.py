"""A personal-data request against a real hub built by `init_hub` and `ingest_frame`."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from governance_helpers import Clock, registry_with_people
from workbench.privacy import requests as pr
from workbench.privacy.export import export

ingest = pytest.importorskip("workbench.hub.ingest", reason="hub ingest not in this checkout")
schema = pytest.importorskip("workbench.hub.schema", reason="hub schema not in this checkout")


def test_release_from_ingested_supplies_of_two_agencies(tmp_path):
    hub = schema.init_hub(tmp_path / "hub.duckdb")
    frame = pd.DataFrame({"crime_ref": ["C1", "C2"], "gender": ["F", "M"], "age": [30, 40],
                          "date_of_birth": ["1995-01-01", "1985-01-01"],
                          "address": ["12 High St", "3 Low Rd"], "postcode": ["NG1 5AW", "NG1 5AW"]})
    ingest.ingest_frame(hub, "police_crime_victim", frame, source_name="police.csv", agency="Notts Police",
                        partnership="Nottingham")
    other = frame.assign(crime_ref=["C3", "C4"])
    ingest.ingest_frame(hub, "police_crime_victim", other, source_name="council.csv", agency="City Council",
                        partnership="Nottingham")
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    req = pr.create(reg, "ana", "intelligence_product", ["Repeat victims in NG1?"],
                    {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
                    "Notts Police", (clock.t + timedelta(days=5)).date(), partnership="Nottingham",
                    subjects={"police_crime_victim": {"crime_ref": ["C1", "C2", "C3", "C4"]}})
    pr.decide(reg, req.id, "pol_dlo", True)
    result = pr.release(reg, req.id, "ana")
    assert result.rows == {"police_crime_victim": 2}
    assert result.withheld == {"police_crime_victim": {"City Council": 2}}
    out = export(reg, hub, "police_crime_victim", "ana", tmp_path / "v.csv", request_id=req.id)
    got = pd.read_csv(out.path)
    assert sorted(got["crime_ref"]) == ["C1", "C2"] and list(got.columns) == ["crime_ref", "address"]


def test_marac_request_releases_only_the_marac_candidates(tmp_path):
    """Issue 13 (guidance 4.3.4 minimum necessary): a request about MARAC candidates names them;
    the release holds their rows and the named fields only, not every victim's address."""
    hub = schema.init_hub(tmp_path / "hub.duckdb")
    n = 40
    frame = pd.DataFrame({"crime_ref": [f"C{i:03d}" for i in range(n)], "gender": ["F"] * n,
                          "age": [20 + i % 30 for i in range(n)],
                          "relationship_to_offender": ["partner" if i % 10 == 0 else "stranger" for i in range(n)],
                          "address": [f"{i} High St" for i in range(n)], "postcode": ["NG1 5AW"] * n})
    ingest.ingest_frame(hub, "police_crime_victim", frame, source_name="police.csv", agency="Notts Police",
                        partnership="Nottingham")
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    marac = ["C000", "C010", "C020"]          # the candidates the MARAC coordinator names
    req = pr.create(reg, "ana", "service_delivery", ["Which victims go to the next MARAC?"],
                    {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
                    "Notts Police", (clock.t + timedelta(days=5)).date(), partnership="Nottingham",
                    subjects={"police_crime_victim": {"crime_ref": marac}})
    assert req.subjects == {"police_crime_victim": {"crime_ref": marac}}
    pr.decide(reg, req.id, "pol_dlo", True)
    result = pr.release(reg, req.id, "ana")
    assert result.rows == {"police_crime_victim": 3} and result.withheld == {"police_crime_victim": {}}
    out = export(reg, hub, "police_crime_victim", "ana", tmp_path / "m.csv", request_id=req.id)
    got = pd.read_csv(out.path)
    assert sorted(got["crime_ref"]) == marac and list(got.columns) == ["crime_ref", "address"]
    # criteria instead of references: the same candidates, by relationship
    req2 = pr.create(reg, "ana", "service_delivery", ["Partner abuse victims for MARAC?"],
                     {"police_crime_victim": ["crime_ref"]}, ["crime_and_disorder_act_s115"],
                     "Notts Police", (clock.t + timedelta(days=5)).date(), partnership="Nottingham",
                     subjects={"police_crime_victim": {"relationship_to_offender": ["partner"], "age": ["20"]}})
    pr.decide(reg, req2.id, "pol_dlo", True)
    assert pr.release(reg, req2.id, "ana").rows == {"police_crime_victim": 2}   # C000 and C030: partner, 20
    with pytest.raises(Exception, match="subject columns|Did you mean"):
        pr.create(reg, "ana", "service_delivery", ["?"], {"police_crime_victim": ["crime_ref"]},
                  ["crime_and_disorder_act_s115"], "Notts Police", (clock.t + timedelta(days=5)).date(),
                  subjects={"police_crime_victim": {"crime_reff": ["C000"]}})


def _victims_hub(tmp_path, n=20):
    hub = schema.init_hub(tmp_path / "hub.duckdb")
    frame = pd.DataFrame({"crime_ref": [f"C{i:03d}" for i in range(n)], "gender": ["F"] * n,
                          "age": [20 + i for i in range(n)], "address": [f"{i} High St" for i in range(n)],
                          "postcode": ["NG1 5AW"] * n})
    ingest.ingest_frame(hub, "police_crime_victim", frame, source_name="police.csv", agency="Notts Police",
                        partnership="Nottingham")
    reg = registry_with_people(tmp_path)
    clock = Clock()
    reg.set_clock(clock)
    return hub, reg, clock


def test_a_request_without_subjects_is_refused_and_records_nothing(tmp_path):
    """Issue 13 (guidance 4.3.4): a request naming no subjects would release every row; it is
    refused with a message that says how to name them, and nothing is recorded."""
    from workbench.errors import BadInput

    hub, reg, clock = _victims_hub(tmp_path)
    args = ("ana", "service_delivery", ["Which victims go to the next MARAC?"],
            {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
            "Notts Police", (clock.t + timedelta(days=5)).date(), "Nottingham")
    with pytest.raises(BadInput, match="names no subjects for police_crime_victim.*--subject"):
        pr.create(reg, *args)
    with pytest.raises(BadInput, match="names no subjects"):
        pr.create(reg, *args, subjects={})
    assert pr.list_requests(reg) == []
    assert not reg.con.execute("SELECT count(*) FROM audit WHERE action = 'request.create'").fetchone()[0]
    # two datasets, subjects for one only: refused, naming the other
    with pytest.raises(BadInput, match="names no subjects for police_crime_offence"):
        pr.create(reg, "ana", "service_delivery", ["?"],
                  {"police_crime_victim": ["crime_ref"], "police_crime_offence": ["crime_ref"]},
                  ["crime_and_disorder_act_s115"], "Notts Police", (clock.t + timedelta(days=5)).date(),
                  "Nottingham", subjects={"police_crime_victim": {"crime_ref": ["C001"]}})


def test_a_whole_population_release_needs_a_justification_the_dlo_sees_and_notes(tmp_path):
    from workbench.errors import BadInput

    hub, reg, clock = _victims_hub(tmp_path)
    args = ("ana", "service_delivery", ["Which victims are on the council's housing list?"],
            {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
            "Notts Police", (clock.t + timedelta(days=5)).date(), "Nottingham")
    with pytest.raises(BadInput, match="justification the DLO can judge"):
        pr.create(reg, *args, whole_population="because")
    with pytest.raises(BadInput, match="not both"):
        pr.create(reg, *args, whole_population="Annual data-matching agreed at the JAG on 3 March",
                  subjects={"police_crime_victim": {"crime_ref": ["C001"]}})
    why = "Annual data-matching with the housing list, agreed at the JAG on 3 March"
    req = pr.create(reg, *args, whole_population=why)
    assert pr.get(reg, req.id).whole_population == why and pr.get(reg, req.id).to_dict()["whole_population"] == why
    created = reg.con.execute("SELECT detail FROM audit WHERE action = 'request.create'").fetchone()[0]
    assert why in created
    with pytest.raises(BadInput, match="needs\\s+--note"):
        pr.decide(reg, req.id, "pol_dlo", True)
    assert pr.get(reg, req.id).status == "pending"
    pr.decide(reg, req.id, "pol_dlo", True, "whole list needed for the matching exercise")
    approved = reg.con.execute("SELECT detail FROM audit WHERE action = 'request.approve'").fetchone()[0]
    assert why in approved
    assert pr.release(reg, req.id, "ana").rows == {"police_crime_victim": 20}


def test_a_request_recorded_before_subjects_were_required_is_not_released(tmp_path):
    from workbench.errors import BadInput

    hub, reg, clock = _victims_hub(tmp_path)
    req = pr.create(reg, "ana", "service_delivery", ["?"], {"police_crime_victim": ["crime_ref"]},
                    ["crime_and_disorder_act_s115"], "Notts Police", (clock.t + timedelta(days=5)).date(),
                    "Nottingham", subjects={"police_crime_victim": {"crime_ref": ["C001"]}})
    reg.con.execute("UPDATE requests SET subjects = NULL WHERE id = ?", (req.id,))   # an old request
    pr.decide(reg, req.id, "pol_dlo", True)
    with pytest.raises(BadInput, match="cannot be released.*names no subjects"):
        pr.release(reg, req.id, "ana")
    assert not pr.release_path(reg, req.id).exists()
    denied = reg.con.execute("SELECT outcome FROM audit WHERE action = 'request.release'").fetchall()
    assert [r[0] for r in denied] == ["denied"]


def test_request_add_without_subject_exits_2(tmp_path, capsys):
    from workbench.cli import main

    hub, reg, clock = _victims_hub(tmp_path)
    reg.close()
    base = ["request", "add", "--hub", str(hub), "--as", "ana", "--purpose", "service_delivery",
            "--question", "Which victims go to the next MARAC?",
            "--dataset", "police_crime_victim:crime_ref,address",
            "--legal-basis", "crime_and_disorder_act_s115", "--supplying-agency", "Notts Police",
            "--expires", str(date.today() + timedelta(days=5)), "--partnership", "Nottingham"]
    assert main(base) == 2
    assert "names no subjects" in capsys.readouterr().err
    assert main(base + ["--subject", "police_crime_victim:crime_ref=C001,C002", "--json"]) == 0
