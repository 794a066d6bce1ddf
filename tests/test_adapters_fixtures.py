"""Adapters on small committed fixtures (tests/fixtures/adapters): exact values end to end."""

from __future__ import annotations

import shutil
from datetime import date, datetime, time
from pathlib import Path

import pytest
import yaml

from workbench.errors import SupplyRejected
from workbench.hub import adapters
from workbench.hub.adapters.licensing import latest_closing_time
from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files

FIX = Path(__file__).resolve().parent / "fixtures" / "adapters"


def rows(hub, sql, params=None):
    con = open_hub(hub, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_registry_lists_every_adapter():
    names = {m.NAME for m in adapters.adapters()}
    assert {"codepoint_open", "imd2019", "lsoa_geojson", "esd_premises_licences",
            "police_uk_stop_search", "spreadsheet_mapping"} <= names


def test_adapter_dataset_map_matches_the_modules():
    """``adapters.SERVES`` (read without importing) says what each module's DATASETS says."""
    import importlib

    assert list(adapters.SERVES) == adapters.MODULES
    for name, serves in adapters.SERVES.items():
        assert tuple(importlib.import_module(name).DATASETS) == serves, name


def test_choosing_the_adapter_for_a_canonical_csv_imports_no_pandas(tmp_path):
    """A canonical supply is read by DuckDB alone: choosing its adapter must stay cheap."""
    import subprocess
    import sys

    f = tmp_path / "x.csv"
    f.write_text("crime_ref\nC1\n")
    code = ("import sys; from pathlib import Path; from workbench.hub import adapters; "
            f"m = adapters.choose([Path({str(f)!r})], 'police_crime_offence'); "
            "print(m.NAME, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["canonical", "False"]


def test_codepoint_lsoa_and_imd(empty_hub):
    hub = empty_hub
    r = ingest_files(hub, "ref_lsoa", [FIX / "lsoa_two_nottingham.geojson"], quiet=True)
    assert (r.adapter, r.rows) == ("lsoa_geojson", 2)
    r = ingest_files(hub, "ref_postcode", [FIX / "Code-Point_Open_Column_Headers.csv",
                                           FIX / "codepoint_ng1.csv"], quiet=True)
    assert (r.adapter, r.rows) == ("codepoint_open", 5)
    got = rows(hub, "SELECT postcode, easting, northing, round(longitude, 4), round(latitude, 4), "
                    "households, households_synthetic, lsoa_code FROM ref_postcode ORDER BY postcode")
    assert got[0] == ("NG1 1AA", 457804.0, 340087.0, -1.141, 52.9551, None, None, "E01033405")
    assert all(g[5] is None for g in got)  # Code-Point Open has no households
    r = ingest_files(hub, "ref_imd", [FIX / "imd_three.csv"], quiet=True)
    assert (r.adapter, r.rows) == ("imd2019", 3)
    assert rows(hub, "SELECT imd_rank, imd_decile, imd_score FROM ref_imd WHERE lsoa_code = 'E01013818'") == [
        (265, 1, None)]
    geom = rows(hub, "SELECT geometry FROM ref_lsoa WHERE lsoa_code = 'E01033405'")[0][0]
    assert geom.startswith("MULTIPOLYGON (((4") and "." in geom  # BNG metres, 0.1 m


def test_codepoint_without_header_file_uses_published_order(empty_hub):
    r = ingest_files(empty_hub, "ref_postcode", [FIX / "codepoint_ng1.csv"], quiet=True)
    assert r.rows == 5 and r.adapter == "codepoint_open"


def test_codepoint_bad_record_is_rejected_naming_the_line(empty_hub, tmp_path):
    bad = tmp_path / "ng.csv"
    bad.write_text((FIX / "codepoint_ng1.csv").read_text() + '"NG1 1ZZ",10,457000\n')
    with pytest.raises(SupplyRejected) as info:
        ingest_files(empty_hub, "ref_postcode", [bad], quiet=True)
    assert "line 6" in str(info.value) or "fields" in str(info.value)
    assert rows(empty_hub, "SELECT count(*) FROM ref_postcode") == [(0,)]


def test_stop_search_local_time_and_refs(empty_hub):
    r = ingest_files(empty_hub, "police_stop_search", [FIX / "stop_search_gmp_2019-06_head.csv"], quiet=True)
    assert (r.adapter, r.rows) == ("police_uk_stop_search", 3)
    got = rows(empty_hub, "SELECT search_ref, search_date, search_time, age, search_type, easting "
                          "FROM police_stop_search ORDER BY search_time")
    # 2019-05-31T23:01:00+00:00 is 00:01 on 1 June in British Summer Time
    assert got[0][1:5] == (date(2019, 6, 1), time(0, 1), "10-17", "Person search")
    assert all(g[0].startswith("SS-") and len(g[0]) == 19 for g in got)
    assert len({g[0] for g in got}) == 3 and got[0][5] is not None
    # deterministic: the same rows under another name give the same references
    again = empty_hub.parent / "renamed.csv"
    shutil.copy(FIX / "stop_search_gmp_2019-06_head.csv", again)
    r2 = ingest_files(empty_hub, "police_stop_search", [again], quiet=True)
    assert r2.skipped  # identical bytes → no-op


def test_licensing_register(empty_hub):
    ingest_files(empty_hub, "ref_postcode", [FIX / "codepoint_ng1.csv"], quiet=True)
    r = ingest_files(empty_hub, "ref_licensed_premises", [FIX / "licences_manchester_head.csv"], quiet=True)
    assert (r.adapter, r.rows) == ("esd_premises_licences", 4)
    got = dict((k, (n, a, p, t)) for k, n, a, p, t in rows(
        empty_hub, "SELECT premises_ref, premises_name, address, postcode, licence_type "
                   "FROM ref_licensed_premises"))
    assert got["Manchester:1565"] == ("Fresh & Frozen", "21 Assheton Road, Manchester", "M40 1UB",
                                      "Premises Licence")
    bad = [v for v in got.values() if v[2] is None]
    assert len(bad) == 1 and "(postcode as registered: M14  999)" in bad[0][1]
    assert {w["code"] for w in r.warnings} == {"missing_location"}


@pytest.mark.parametrize("text, latest", [
    ("Mon-Sun 10:00-23:00", "23:00"), ("Fri-Sat 11:00 - 02:30; Sun 12:00-22:30", "02:30"),
    ("09.00-17.00", "17:00"), ("", None), (None, None), ("open all hours", None),
    ("10:00-23:00, 10:00-00:00", "00:00"),
])
def test_latest_closing_time(text, latest):
    assert latest_closing_time(text) == latest


def _asb_workbook(path: Path, rows_: list[list]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "ASB log"
    ws.append(["Council ASB export"])  # a title row above the headings
    ws.append(["Ref No", "Date Reported", "Time", "Category", "Post Code", "Officer notes"])
    for r in rows_:
        ws.append(r)
    wb.save(path)
    return path


MAPPING = {
    "dataset": "council_asb", "sheet": "ASB log", "header_row": 2,
    "columns": {"Ref No": "incident_ref", "Date Reported": "incident_date", "Time": "incident_time",
                "Category": "incident_type", "Post Code": "postcode"},
    "values": {"incident_type": {"Noise - Domestic": "noise", "Rowdy Behaviour": "rowdy"}},
    "formats": {"incident_date": "%d/%m/%Y"},
}


def test_xlsx_through_mapping(empty_hub, tmp_path):
    book = _asb_workbook(tmp_path / "asb.xlsx", [
        ["A1", datetime(2024, 3, 1), time(22, 5), "Noise - Domestic", "ng15aw", "personal note"],
        ["A2", "02/03/2024", "9:30", "Rowdy Behaviour", "NG1 1AA", None],
        [None, None, None, None, None, None],  # blank formatting row
        ["A3", "03/03/2024", None, "Graffiti", None, None],
    ])
    mapping = tmp_path / "asb.mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    r = ingest_files(empty_hub, "council_asb", [book, mapping], quiet=True)
    assert (r.adapter, r.rows) == ("spreadsheet_mapping", 3)
    got = rows(empty_hub, "SELECT incident_ref, incident_date, incident_time, incident_type, postcode "
                          "FROM council_asb ORDER BY incident_ref")
    assert got == [("A1", date(2024, 3, 1), time(22, 5), "noise", "NG1 5AW"),
                   ("A2", date(2024, 3, 2), time(9, 30), "rowdy", "NG1 1AA"),
                   ("A3", date(2024, 3, 3), None, "Graffiti", None)]
    lines = rows(empty_hub, "SELECT _line FROM archive.council_asb ORDER BY _line")
    assert [x[0] for x in lines] == [3, 4, 6]  # spreadsheet rows


def test_xlsx_sidecar_mapping_and_bad_date_rejected(empty_hub, tmp_path):
    book = _asb_workbook(tmp_path / "asb.xlsx", [["A9", "31/02/2024", None, "Graffiti", None, None]])
    (tmp_path / "asb.mapping.yaml").write_text(yaml.safe_dump(MAPPING))
    with pytest.raises(SupplyRejected) as info:
        ingest_files(empty_hub, "council_asb", [book], quiet=True)
    msg = str(info.value)
    assert "line 3" in msg and "incident_date" in msg and "31/02/2024" in msg


def test_mapping_errors_teach(empty_hub, tmp_path):
    book = _asb_workbook(tmp_path / "asb.xlsx", [["A1", "01/03/2024", None, "x", None, None]])
    bad = dict(MAPPING, columns={**MAPPING["columns"], "Post Code": "post_code"})
    m = tmp_path / "m.yaml"
    m.write_text(yaml.safe_dump(bad))
    with pytest.raises(SupplyRejected, match="did you mean 'postcode'"):
        ingest_files(empty_hub, "council_asb", [book, m], quiet=True)
    missing = dict(MAPPING, columns={**MAPPING["columns"], "Ward": "location"})
    m.write_text(yaml.safe_dump(missing))
    with pytest.raises(SupplyRejected, match="Ward"):
        ingest_files(empty_hub, "council_asb", [book, m], quiet=True)
    m.write_text(yaml.safe_dump(dict(MAPPING, dataset="fire_incident")))
    with pytest.raises(SupplyRejected, match="fire_incident"):
        ingest_files(empty_hub, "council_asb", [book, m], quiet=True)


def test_cli_ingest_with_mapping_for_xlsx_and_csv(empty_hub, tmp_path, capsys):
    from workbench.cli import main

    book = _asb_workbook(tmp_path / "asb.xlsx", [["A1", "01/03/2024", "22:05", "Noise - Domestic", "NG1 5AW", None]])
    mapping = tmp_path / "council.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    assert main(["hub", "ingest", "--hub", str(empty_hub), "--dataset", "council_asb", "--mapping",
                 str(mapping), "--json", str(book)]) == 0
    out = capsys.readouterr().out
    assert '"adapter": "spreadsheet_mapping"' in out and '"rows": 1' in out
    csv_file = tmp_path / "asb.csv"
    csv_file.write_text("title line\nRef No,Date Reported,Time,Category,Post Code\nB1,02/03/2024,,Rowdy Behaviour,\n")
    assert main(["hub", "ingest", "--hub", str(empty_hub), "--dataset", "council_asb", "--mapping",
                 str(mapping), "--json", str(csv_file)]) == 0
    assert rows(empty_hub, "SELECT incident_ref, incident_type FROM council_asb ORDER BY 1") == [
        ("A1", "noise"), ("B1", "rowdy")]


def test_resupplying_a_mapped_workbook_is_a_no_op(empty_hub, tmp_path):
    book = _asb_workbook(tmp_path / "asb.xlsx", [["A1", "01/03/2024", None, "Graffiti", None, None]])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    assert ingest_files(empty_hub, "council_asb", [book, mapping], quiet=True).rows == 1
    other = tmp_path / "m2.yaml"
    other.write_text(yaml.safe_dump(dict(MAPPING, values={})))
    again = ingest_files(empty_hub, "council_asb", [book, other], quiet=True)
    assert again.skipped and rows(empty_hub, "SELECT count(*) FROM council_asb") == [(1,)]


def test_codepoint_quality_90_has_no_coordinates(empty_hub, tmp_path):
    f = tmp_path / "ng.csv"
    f.write_text((FIX / "codepoint_ng1.csv").read_text()
                 + '"NG1 9ZZ",90,0,0,"E92000001","","","","",""\n')
    r = ingest_files(empty_hub, "ref_postcode", [f], quiet=True)
    assert r.rows == 6
    assert rows(empty_hub, "SELECT easting, northing, longitude FROM ref_postcode WHERE postcode = 'NG1 9ZZ'") == [
        (None, None, None)]


def test_xlsx_formula_without_saved_value_is_kept_as_text_and_flagged(empty_hub, tmp_path):
    book = _asb_workbook(tmp_path / "asb.xlsx", [
        ["A1", "01/03/2024", None, "Graffiti", None, None]])
    from openpyxl import load_workbook

    wb = load_workbook(book)
    wb["ASB log"].append(["A2", "02/03/2024", None, '=HYPERLINK("http://example.invalid","x")', None, None])
    wb.save(book)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(yaml.safe_dump(dict(MAPPING, columns={**MAPPING["columns"], "Category": "location"},
                                           values={})))
    r = ingest_files(empty_hub, "council_asb", [book, mapping], quiet=True)
    assert r.rows == 2
    assert any(w["code"] == "formula_like:location" for w in r.warnings)
    assert rows(empty_hub, "SELECT location FROM council_asb WHERE incident_ref = 'A2'")[0][0].startswith("=HYPERLINK")
