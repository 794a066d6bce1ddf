"""Problem profiles honour the commissioned area throughout (issue 12, Presentation).

A commission names its area (``--area-lsoas``, ``--area-wards``, ``--area-districts`` or
``--area-polygon``); the product's connection then reads only that area's rows, so every
figure of the problem profile — counts, change test, monthly trend, victims, offenders,
hypotheses — is of the area. Checked on a copy of the small demo hub against counts made
directly from the records and their postcodes' LSOAs.
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from workbench.errors import BadInput
from workbench.products import commissioning as cm
from workbench.products.area import parse_area
from workbench.products.context import product_context
from workbench.products.problem import problem_summary


@pytest.fixture()
def hub(demo_hub, tmp_path):
    for f in demo_hub.parent.iterdir():
        if f.is_file() and f.name != "built":
            shutil.copy(f, tmp_path / f.name)
    return tmp_path / demo_hub.name


def _top_lsoas(con, n=2):
    return [r[0] for r in con.execute(
        "SELECT p.lsoa_code, count(*) FROM police_crime_offence o JOIN ref_postcode p USING (postcode) "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?", [n]).fetchall()]


def _direct(con, lsoas, period):
    """Violence offences in ``period`` whose postcode lies in ``lsoas``, counted directly."""
    from workbench.analysis.offence_groups import GROUPS

    return con.execute(
        "SELECT count(*) FROM police_crime_offence o JOIN ref_postcode p USING (postcode) "
        "WHERE p.lsoa_code IN (SELECT unnest(?::VARCHAR[])) AND o.offence_code IN (SELECT unnest(?::VARCHAR[])) "
        "AND committed_from_date BETWEEN ? AND ?",
        [lsoas, list(GROUPS["violence"]), *period]).fetchone()[0]


def test_problem_profile_uses_only_the_commissioned_lsoas(hub):
    whole = product_context("problem-profile", hub)
    lsoas = _top_lsoas(whole.source)
    everywhere = problem_summary(whole.source, quiet=True)
    c = cm.add_commission(hub, title="Violence in two LSOAs", questions=["Why here?"],
                          area_lsoas=",".join(lsoas), quiet=True)
    assert cm.get_commission(hub, c.id).commissioned_area == parse_area(lsoas=",".join(lsoas))
    ctx = product_context("problem-profile", hub, commission_id=c.id)
    s = problem_summary(ctx.source, current=everywhere.current, baseline=everywhere.baseline, quiet=True)
    assert s.current_count == _direct(whole.source, lsoas, everywhere.current)
    assert s.baseline_count == _direct(whole.source, lsoas, everywhere.baseline)
    assert 0 < s.current_count < everywhere.current_count
    assert s.monthly["count"].sum() < everywhere.monthly["count"].sum()
    # victims follow their crime into the area; offences outside it are gone everywhere
    outside = ctx.source.execute(
        "SELECT count(*) FROM police_crime_offence o JOIN ref_postcode p USING (postcode) "
        "WHERE p.lsoa_code NOT IN (SELECT unnest(?::VARCHAR[]))", [lsoas]).fetchone()[0]
    assert outside == 0
    victims = ctx.source.execute("SELECT count(*) FROM police_crime_victim").fetchone()[0]
    assert victims == whole.source.execute(
        "SELECT count(*) FROM police_crime_victim WHERE crime_ref IN (SELECT crime_ref FROM "
        "police_crime_offence o JOIN ref_postcode p USING (postcode) WHERE p.lsoa_code IN "
        "(SELECT unnest(?::VARCHAR[])))", [lsoas]).fetchone()[0]
    # datasets that cannot be placed read as empty, and the profile says which
    assert ctx.source.execute("SELECT count(*) FROM health_admission_icd").fetchone()[0] == 0
    assert "health_admission_icd" in ctx.area.note() and lsoas[0] in ctx.area.note()


def test_polygon_and_district_areas(hub, tmp_path):
    import shapely

    whole = product_context("problem-profile", hub)
    lsoas = _top_lsoas(whole.source, 1)
    wkt = whole.source.execute("SELECT CAST(geometry AS VARCHAR) FROM ref_lsoa WHERE lsoa_code = ?",
                               lsoas).fetchone()[0]
    shape = tmp_path / "area.geojson"
    shape.write_text(json.dumps({"type": "Feature", "properties": {},
                                 "geometry": shapely.geometry.mapping(shapely.from_wkt(wkt))}))
    by_polygon = cm.add_commission(hub, title="Polygon", questions=["?"], area_polygon=str(shape), quiet=True)
    by_lsoa = cm.add_commission(hub, title="LSOA", questions=["?"], area_lsoas=lsoas[0], quiet=True)
    count = lambda cid: product_context("problem-profile", hub, commission_id=cid).source.execute(  # noqa: E731
        "SELECT count(*) FROM police_crime_offence").fetchone()[0]
    assert count(by_polygon.id) == count(by_lsoa.id) > 0
    district = whole.source.execute(
        "SELECT upper(split_part(postcode, ' ', 1)) FROM police_crime_offence GROUP BY 1 ORDER BY count(*) DESC "
        "LIMIT 1").fetchone()[0]
    by_district = cm.add_commission(hub, title="District", questions=["?"], area_districts=district.lower(),
                                    quiet=True)
    expected = whole.source.execute(
        "SELECT count(*) FROM police_crime_offence WHERE upper(split_part(postcode, ' ', 1)) = ?",
        [district]).fetchone()[0]
    assert count(by_district.id) == expected


@pytest.mark.parametrize("kwargs, message", [
    ({"lsoas": "E01033405", "districts": "NG1"}, "Give one of"),
    ({"lsoas": "E01033405,NOTACODE"}, "'NOTACODE' is not a valid code"),
    ({"wards": "E01033405"}, "expected e.g. E05012275"),
    ({"districts": " , "}, "is empty"),
    ({"polygon": "/nonexistent/area.geojson"}, "no file"),
])
def test_area_options_are_checked(kwargs, message):
    with pytest.raises(BadInput, match=message):
        parse_area(**kwargs)


def test_unknown_lsoa_and_unknown_ward_are_named(hub):
    c = cm.add_commission(hub, title="T", questions=["?"], area_lsoas="E01999999", quiet=True)
    with pytest.raises(BadInput, match="E01999999"):
        product_context("problem-profile", hub, commission_id=c.id)
    w = cm.add_commission(hub, title="T", questions=["?"], area_wards="E05999999", quiet=True)
    with pytest.raises(BadInput, match="E05999999"):
        product_context("problem-profile", hub, commission_id=w.id)


def test_wards_without_boundaries_are_reached_through_postcodes(hub):
    """The demo has ward codes on its postcodes (Code-Point Open) and ward names without
    boundaries: a ward commission keeps the records whose postcode lies in the ward (issue 16)."""
    from workbench.analysis.offence_groups import GROUPS

    whole = product_context("problem-profile", hub)
    ward = whole.source.execute(
        "SELECT p.ward_code FROM police_crime_offence o JOIN ref_postcode p USING (postcode) "
        "WHERE p.ward_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    everywhere = problem_summary(whole.source, quiet=True)
    w = cm.add_commission(hub, title="One ward", questions=["?"], area_wards=ward, quiet=True)
    ctx = product_context("problem-profile", hub, commission_id=w.id)
    s = problem_summary(ctx.source, current=everywhere.current, baseline=everywhere.baseline, quiet=True)
    direct = whole.source.execute(
        "SELECT count(*) FROM police_crime_offence o JOIN ref_postcode p USING (postcode) WHERE p.ward_code = ? "
        "AND o.offence_code IN (SELECT unnest(?::VARCHAR[])) AND committed_from_date BETWEEN ? AND ?",
        [ward, list(GROUPS["violence"]), *everywhere.current]).fetchone()[0]
    assert 0 < s.current_count == direct < everywhere.current_count


def test_an_older_register_gains_the_area_column(tmp_path):
    hub = tmp_path / "hub.duckdb"
    con = sqlite3.connect(cm.registry_path(hub))
    con.executescript(cm.SCHEMA)
    con.close()
    c = cm.add_commission(hub, title="T", questions=["?"], area_districts="NG1", quiet=True)
    assert c.commissioned_area.values == ("NG1",)
    assert "postcode districts NG1" in c.to_text()


def test_cli_area_options(tmp_path, capsys):
    from workbench.cli import main

    hub = tmp_path / "hub.duckdb"

    def run(*args):
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, err = run("commission", "add", "--hub", str(hub), "--title", "NG1", "--question", "Why?",
                         "--area-districts", "NG1,ng7", "--json")
    assert code == 0, err
    cid = json.loads(out)["id"]
    code, out, _ = run("commission", "show", str(cid), "--hub", str(hub))
    assert code == 0 and "commissioned area: postcode districts NG1, NG7" in out
    code, out, err = run("commission", "add", "--hub", str(hub), "--title", "x", "--question", "q",
                         "--area-lsoas", "E01033405", "--area-districts", "NG1", "--json")
    assert code == 2 and "Give one of" in out + err
    assert [c.id for c in cm.list_commissions(hub)] == [cid]          # nothing written
