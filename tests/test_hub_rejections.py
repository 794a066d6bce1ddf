"""Malformed supplies are rejected (exit 2) naming file/line/column/expected/found, changing nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hub_helpers import OFFENCE_COLS, fingerprint, offence_row, write_csv
from workbench.errors import SupplyRejected
from workbench.hub.ingest import ingest_files


def _bad_files(tmp_path):
    """(name, file, dataset, expected text in the message, expected line)."""
    good = [offence_row(f"C{i}") for i in range(5)]
    cases = []

    cols = [c if c != "offence_code" else "offence_cod" for c in OFFENCE_COLS]
    rows = [{(k if k != "offence_code" else "offence_cod"): v for k, v in r.items()} for r in good]
    cases.append(("wrong_header", write_csv(tmp_path / "h.csv", rows, cols), "police_crime_offence",
                  "did you mean 'offence_code'", 1))

    p = tmp_path / "cp1252.csv"
    write_csv(p, good[:2] + [offence_row("C9", location="Caf\u00e9 \u2013 Market")] + good[2:],
              encoding="cp1252")
    cases.append(("cp1252", p, "police_crime_offence", "UTF-8", 4))

    cases.append(("bad_date", write_csv(tmp_path / "d.csv", good[:3] + [offence_row("C8", committed_from_date="2024-02-30")]),
                  "police_crime_offence", "committed_from_date", 5))
    cases.append(("bad_date_format", write_csv(tmp_path / "d2.csv", [offence_row("C8", committed_from_date="05/01/2024")] + good),
                  "police_crime_offence", "YYYY-MM-DD", 2))
    cases.append(("bad_easting", write_csv(tmp_path / "e.csv", good + [offence_row("C7", easting="7400000")]),
                  "police_crime_offence", "BNG easting", 7))
    cases.append(("bad_northing", write_csv(tmp_path / "n.csv", good + [offence_row("C7", northing="abc")]),
                  "police_crime_offence", "BNG northing", 7))
    cases.append(("bad_postcode", write_csv(tmp_path / "p.csv", good + [offence_row("C7", postcode="NOTAPC")]),
                  "police_crime_offence", "UK unit postcode", 7))
    cases.append(("bad_flag", write_csv(tmp_path / "fl.csv", good + [offence_row("C7", flag_domestic="maybe")]),
                  "police_crime_offence", "flag_domestic", 7))
    # guidance 3.2.1: an offence code must be a Home Office code; ZZZ9 cannot be one
    cases.append(("bad_offence_code", write_csv(tmp_path / "oc.csv", good + [offence_row("C7", offence_code="ZZZ9")]),
                  "police_crime_offence", "Home Office offence code", 7))
    cases.append(("bad_time", write_csv(tmp_path / "t.csv", good + [offence_row("C7", committed_from_time="25:61")]),
                  "police_crime_offence", "HH:MM", 7))
    cases.append(("missing_ref", write_csv(tmp_path / "r.csv", good + [offence_row("")]),
                  "police_crime_offence", "required", 7))
    # month precision: the period a supply covers is read in the same pass as the checks,
    # so a month that is no month must still come back as a named problem
    street = tmp_path / "street.csv"
    street.write_text("crime_id,month,reported_by,falls_within,longitude,latitude,location,lsoa_code,"
                      "lsoa_name,crime_type,last_outcome_category,context\n"
                      ",2024-01,Notts,Notts,-1.15,52.95,On or near X,E01,N 1,Burglary,,\n"
                      ",2024-13,Notts,Notts,-1.15,52.95,On or near X,E01,N 1,Burglary,,\n")
    cases.append(("bad_month", street, "police_uk_street", "YYYY-MM", 3))

    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    cases.append(("empty_file", p, "police_crime_offence", "empty file", 1))

    p = write_csv(tmp_path / "trunc.csv", good)
    text = p.read_text()
    p.write_text(text + "C99,105A,Assault,2024-01-0")  # a truncated last record
    cases.append(("truncated_last_line", p, "police_crime_offence", "fields", 7))

    icd = tmp_path / "icd.csv"
    icd.write_text("admission_date,icd10_code,postcode_outward\n2024-01-01,X99,NG1\n2024-01-02,J45,NG2\n")
    cases.append(("icd10_outside_blocks", icd, "health_admission_icd", "ICD-10", 3))

    out = tmp_path / "outward.csv"
    out.write_text("admission_date,postcode_outward\n2024-01-01,NG1 5AW\n")
    cases.append(("full_postcode_in_outward", out, "health_admission_domestic_abuse", "outward", 2))
    return cases


def test_every_malformed_supply_is_rejected_and_changes_nothing(empty_hub, tmp_path):
    ingest_files(empty_hub, "police_crime_offence",
                 [write_csv(tmp_path / "base.csv", [offence_row("B1")])], quiet=True)
    before = fingerprint(empty_hub)
    for name, path, ds, needle, line in _bad_files(tmp_path):
        with pytest.raises(SupplyRejected) as exc:
            ingest_files(empty_hub, ds, [path], quiet=True)
        msg = str(exc.value)
        assert needle.lower() in msg.lower(), (name, msg)
        assert path.name in msg, (name, msg)
        assert any(p.line == line for p in exc.value.problems), (name, [p.to_dict() for p in exc.value.problems])
        assert "nothing was changed" in msg
        assert fingerprint(empty_hub) == before, name


def test_rejection_message_gives_a_count_and_the_first_problems(empty_hub, tmp_path):
    rows = [offence_row(f"C{i}", committed_from_date="not a date") for i in range(40)]
    with pytest.raises(SupplyRejected) as exc:
        ingest_files(empty_hub, "police_crime_offence", [write_csv(tmp_path / "x.csv", rows)], quiet=True)
    assert exc.value.total == 40
    assert len(exc.value.problems) <= 10
    assert "… and" in str(exc.value)
    p = exc.value.problems[0]
    assert (p.file, p.line, p.column, p.found) == ("x.csv", 2, "committed_from_date", "not a date")


def _cli(*args, env=None):
    import os

    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True,
                          env=e, timeout=120)


def test_cli_exit_codes_and_json(empty_hub, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [offence_row("C1", easting="-5")])
    r = _cli("hub", "ingest", "--hub", str(empty_hub), "--dataset", "police_crime_offence",
             "--json", str(bad))
    assert r.returncode == 2, r.stderr
    doc = json.loads(r.stdout)
    assert doc["problems"][0]["line"] == 2 and doc["problems"][0]["column"] == "easting"
    good = write_csv(tmp_path / "good.csv", [offence_row("C1")])
    r = _cli("hub", "ingest", "--hub", str(empty_hub), "--dataset", "police_crime_offence",
             "--json", str(good))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"] == 1
    assert "\r" not in r.stdout  # progress stays off stdout under --json
    r = _cli("hub", "status", "--hub", str(empty_hub), "--json")
    st = {d["id"]: d for d in json.loads(r.stdout)["datasets"]}
    assert st["police_crime_offence"]["rows"] == 1 and st["police_crime_offence"]["supplies"] == 1
    assert set(st["police_crime_offence"]) >= {"id", "rows", "supplies", "last_supplied"}
    r = _cli("hub", "ingest", "--hub", str(empty_hub), "--dataset", "no_such", str(good))
    assert r.returncode == 2 and "Unknown dataset" in r.stderr


def test_hub_is_encrypted_and_needs_its_key(empty_hub, tmp_path):
    write = write_csv(tmp_path / "s.csv", [offence_row("SECRETREF42", location="Unique Plaintext Street")])
    ingest_files(empty_hub, "police_crime_offence", [write], quiet=True)
    raw = empty_hub.read_bytes()
    assert b"Unique Plaintext Street" not in raw and b"SECRETREF42" not in raw
    key_file = empty_hub.with_name("hub.duckdb.key")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "hub.duckdb").write_bytes(raw)
    r = _cli("hub", "status", "--hub", str(moved / "hub.duckdb"))
    assert r.returncode == 4 and "No key" in r.stderr
    r = _cli("hub", "status", "--hub", str(moved / "hub.duckdb"), env={"WORKBENCH_HUB_KEY": "wrong"})
    assert r.returncode == 4 and "Wrong key" in r.stderr
    r = _cli("hub", "status", "--hub", str(empty_hub))
    assert r.returncode == 0


def test_links_inside_a_supply_folder_are_not_followed(empty_hub, tmp_path):
    folder = tmp_path / "supply"
    folder.mkdir()
    write_csv(folder / "real.csv", [offence_row("L1")])
    (folder / "key.csv").symlink_to(empty_hub.with_name("hub.duckdb.key"))
    res = ingest_files(empty_hub, "police_crime_offence", [folder], quiet=True)
    assert res.rows == 1 and [f["name"] for f in res.files] == ["real.csv"]


def test_long_unknown_headers_are_truncated_in_messages(empty_hub, tmp_path):
    secret = "x" * 200
    rows = [{**offence_row("C1"), secret: "v"}]
    with pytest.raises(SupplyRejected) as exc:
        ingest_files(empty_hub, "police_crime_offence", [write_csv(tmp_path / "h.csv", rows)], quiet=True)
    assert secret not in str(exc.value) and "x" * 40 + "…" in str(exc.value)


def test_unknown_but_well_formed_codes_are_quality_warnings(empty_hub, tmp_path):
    """A well-formed offence code missing from the 2017/18 list, and an incident type outside the
    National Incident Category List, are ingested with a named warning (catalogue.codes)."""
    rows = [offence_row("C1"), offence_row("C2", offence_code="8u"), offence_row("C3", offence_code="4.10")]
    res = ingest_files(empty_hub, "police_crime_offence", [write_csv(tmp_path / "o.csv", rows)], quiet=True)
    warn = {w["code"]: w for w in res.warnings}
    assert warn["unknown_offence_code:offence_code"]["count"] == 1   # 8U only; 4.10 and 105A are listed
    inc = tmp_path / "inc.csv"
    inc.write_text("incident_ref,incident_type,flag_domestic,incident_date,incident_time,location,postcode,easting,northing\n"
                   "I1,Domestic incident,Y,2024-01-02,10:00,X,NG1 2DT,457300,340000\n"
                   "I2,ASB - Nuisance,N,2024-01-02,11:00,X,NG1 2DT,457300,340000\n"
                   "I3,Alien landing,N,2024-01-03,12:00,X,NG1 2DT,457300,340000\n")
    res = ingest_files(empty_hub, "police_incident", [inc], quiet=True)
    warn = {w["code"]: w for w in res.warnings}
    assert warn["uncoded:incident_type"]["count"] == 1   # NICL spelling is matched without case
