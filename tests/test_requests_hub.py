"""A personal-data request against a real hub built by `init_hub` and `ingest_frame`."""

from __future__ import annotations

from datetime import timedelta

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
                    "Notts Police", (clock.t + timedelta(days=5)).date(), partnership="Nottingham")
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
