"""Adapters on the real open-data pack (../shared/data/real): exact row counts (README figures)."""

from __future__ import annotations

from datetime import date

import pytest

from workbench.hub.connect import open_hub
from workbench.hub.ingest import ingest_files
from workbench.hub.schema import init_hub

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture(scope="module")
def reference_hub(tmp_path_factory, real_data_dir):
    """One hub holding every real reference layer, loaded in dependency order."""
    r = real_data_dir
    hub = init_hub(tmp_path_factory.mktemp("adapters_real") / "hub.duckdb")
    cp = r / "postcodes" / "codepoint_open_2025-10"
    results = {
        "ref_lsoa": ingest_files(hub, "ref_lsoa",
                                 sorted((r / "lsoa" / "boundaries_lsoa2011_gen_clipped").glob("*.geojson")),
                                 quiet=True),
        "ref_postcode": ingest_files(hub, "ref_postcode", [
            cp / "Code-Point_Open_Column_Headers.csv", cp / "ng.csv",
            cp / "dl_de_dn_s_rows_in_cleveland_nottinghamshire_districts.csv"], quiet=True),
        "ref_imd": ingest_files(hub, "ref_imd", [r / "lsoa" / "imd2019_lsoa2011_england_ranks_deciles.csv"],
                                quiet=True),
        "ref_licensed_premises": ingest_files(hub, "ref_licensed_premises", [
            r / "licensing" / "manchester_licensed_premises_2014-10_no_personal_names.csv"], quiet=True),
        "police_stop_search": ingest_files(hub, "police_stop_search", [r / "police_uk" / "stop_and_search"],
                                           quiet=True),
    }
    return hub, results


def q(hub, sql):
    con = open_hub(hub, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_exact_row_counts(reference_hub):
    hub, res = reference_hub
    assert {k: v.rows for k, v in res.items()} == {
        "ref_lsoa": 679, "ref_postcode": 33_401, "ref_imd": 32_844,
        "ref_licensed_premises": 2_265, "police_stop_search": 907}
    assert {k: v.adapter for k, v in res.items()} == {
        "ref_lsoa": "lsoa_geojson", "ref_postcode": "codepoint_open", "ref_imd": "imd2019",
        "ref_licensed_premises": "esd_premises_licences", "police_stop_search": "police_uk_stop_search"}


def test_lsoa_polygons_per_authority(reference_hub):
    hub, _ = reference_hub
    # README: Nottingham 182 polygons; all codes are LSOA 2011 (E01…) and in the IMD file
    assert q(hub, "SELECT count(*) FROM ref_lsoa l JOIN ref_imd i USING (lsoa_code)") == [(679,)]
    assert q(hub, "SELECT count(*) FROM ref_lsoa WHERE geometry LIKE 'MULTIPOLYGON%'") == [(679,)]


def test_postcodes_have_wgs84_and_lsoa(reference_hub):
    hub, _ = reference_hub
    (n, with_ll, with_lsoa, households), = q(
        hub, "SELECT count(*), count(latitude), count(lsoa_code), count(households) FROM ref_postcode")
    assert (n, with_ll, households) == (33_401, 33_401, 0)
    # postcodes whose centroid lies in one of the 8 Nottinghamshire LAs' LSOA polygons
    assert with_lsoa == 27_761
    assert q(hub, "SELECT lsoa_code, round(longitude, 4), round(latitude, 4) FROM ref_postcode "
                  "WHERE postcode = 'NG1 1AA'") == [("E01033405", -1.141, 52.9551)]


def test_imd_values(reference_hub):
    hub, _ = reference_hub
    assert q(hub, "SELECT imd_rank, imd_decile FROM ref_imd WHERE lsoa_code = 'E01000001'") == [(29199, 9)]
    assert q(hub, "SELECT min(imd_rank), max(imd_rank), min(imd_decile), max(imd_decile) FROM ref_imd") == [
        (1, 32_844, 1, 10)]


def test_licensing_register(reference_hub):
    hub, res = reference_hub
    assert q(hub, "SELECT licence_type, count(*) FROM ref_licensed_premises GROUP BY 1 ORDER BY 1") == [
        ("Club Premises Certificate", 72), ("Premises Licence", 2_193)]
    # 2,263 rows have a POSTCODE; 27 of them are partial/malformed (e.g. 'M1', 'M14  999')
    assert q(hub, "SELECT count(postcode) FROM ref_licensed_premises") == [(2_263 - 27,)]
    assert [w["count"] for w in res["ref_licensed_premises"].warnings if w["code"] == "missing_location"] == [29]


def test_stop_search_dates_are_local(reference_hub):
    hub, res = reference_hub
    # UTC 2019-05-31T23:01 … 2019-06-30T22:25 is all of June in British Summer Time
    assert q(hub, "SELECT min(search_date), max(search_date), count(DISTINCT search_ref), "
                  "count(easting) FROM police_stop_search") == [(date(2019, 6, 1), date(2019, 6, 30), 907, 897)]
    assert [w["count"] for w in res["police_stop_search"].warnings if w["code"] == "missing_location"] == [10]
