"""The demo hub (docs/demo.md): every dataset has rows and each planted effect is detectable.

Uses the session fixture ``demo_hub`` (tests/conftest.py: 2023-01 … 2024-06, scale 0.15,
seed 7). The current window is 2024-01-01 … 2024-06-30 and its baseline 2023-01-01 … 2023-06-30.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from workbench import catalogue
from workbench.demo import effects as fx
from workbench.errors import BadInput
from workbench.hub.connect import open_hub

CURRENT = ("2024-01-01", "2024-06-30")
BASELINE = ("2023-01-01", "2023-06-30")
NTE = ("SELECT *, committed_from_date AS d, committed_from_time AS t FROM police_crime_offence "
       "WHERE offence_code IN ('105A', '8N', '5D') AND flag_alcohol = 'Y' AND postcode LIKE 'NG1 %'")
WEEKEND_NIGHT = ("((dayofweek(d) IN (5, 6) AND hour(t) >= 20) OR (dayofweek(d) IN (6, 0) AND hour(t) < 6))")


@pytest.fixture(scope="module")
def con(demo_hub):
    c = open_hub(demo_hub, read_only=True)
    yield c
    c.close()


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def test_every_catalogue_dataset_has_rows(con):
    empty = [d for d in catalogue.ids() if one(con, f'SELECT count(*) FROM main."{d}"')[0] == 0]
    assert empty == []


def test_committed_open_data_ingested_exactly(con):
    assert one(con, "SELECT count(*) FROM police_uk_street")[0] == 24_123 + 11_671
    assert one(con, "SELECT count(*), count(*) FILTER (WHERE households_synthetic = 'Y'), "
                    "count(households) FROM ref_postcode") == (33_401, 33_401, 33_401)
    assert one(con, "SELECT count(*), count(population), count(lsoa_name) FROM ref_lsoa") == (679, 679, 679)
    assert one(con, "SELECT count(*) FROM ref_imd")[0] == 679
    caveats = one(con, "SELECT metadata FROM supplies WHERE dataset = 'ref_lsoa' ORDER BY supply_id DESC LIMIT 1")[0]
    assert "SYNTHETIC" in json.loads(caveats)["caveats"]


def test_households_are_plausible_and_flagged(con):
    below4, mean = one(con, "SELECT avg(CASE WHEN households < 4 THEN 1 ELSE 0 END), avg(households) "
                            "FROM ref_postcode")
    assert 0.03 < below4 < 0.2 and 8 < mean < 25


def test_nte_violence_peaks_on_friday_and_saturday_nights(con):
    share, n = one(con, f"SELECT avg(CASE WHEN {WEEKEND_NIGHT} THEN 1 ELSE 0 END), count(*) FROM ({NTE}) "
                        f"WHERE d < DATE '{CURRENT[0]}'")
    assert n > 200
    # within 4 binomial standard errors of the planted share (Fri/Sat nights are 12 % of the week)
    assert abs(share - fx.NTE_WEEKEND_NIGHT_SHARE) < 4 * np.sqrt(0.62 * 0.38 / n)
    # no other violence in the city centre carries the alcohol flag
    assert one(con, "SELECT count(*) FROM police_crime_offence WHERE postcode LIKE 'NG1 %' AND "
                    "flag_alcohol = 'Y' AND offence_code NOT IN ('105A', '8N', '5D')")[0] == 0


def _between(col, window):
    return f"{col} BETWEEN DATE '{window[0]}' AND DATE '{window[1]}'"


def test_planted_increase_is_less_serious_at_three_premises_and_not_seen_at_ae(con):
    cur, base = one(con, f"SELECT count(*) FILTER (WHERE {_between('d', CURRENT)}), "
                         f"count(*) FILTER (WHERE {_between('d', BASELINE)}) FROM ({NTE})")
    assert cur > 1.2 * base
    # the rise is in 105A (assault without injury), not in 8N/5D
    c105, b105 = one(con, f"SELECT count(*) FILTER (WHERE {_between('d', CURRENT)}), "
                          f"count(*) FILTER (WHERE {_between('d', BASELINE)}) FROM ({NTE}) WHERE offence_code = '105A'")
    assert (c105 - b105) > 0.7 * (cur - base)
    # most of it within 100 m of the three problem premises
    near = (f"EXISTS (SELECT 1 FROM ref_licensed_premises p WHERE p.premises_ref IN "
            f"{tuple(fx.PROBLEM_PREMISES)} AND (n.easting - p.easting)^2 + (n.northing - p.northing)^2 < 100^2)")
    c_near, b_near = one(con, f"SELECT count(*) FILTER (WHERE {_between('d', CURRENT)}), "
                              f"count(*) FILTER (WHERE {_between('d', BASELINE)}) FROM ({NTE}) n WHERE {near}")
    assert (c_near - b_near) > 0.5 * (cur - base)
    # A&E attendances from licensed premises do not rise with it (a reporting effect)
    ae_cur, ae_base = one(con, f"SELECT count(*) FILTER (WHERE {_between('incident_date', CURRENT)}), "
                               f"count(*) FILTER (WHERE {_between('incident_date', BASELINE)}) "
                               "FROM health_ae_assault WHERE location_type LIKE '%licensed premise'")
    assert 0.75 < ae_cur / ae_base < 1.25


def test_ae_and_ambulance_hold_unreported_injuries(con):
    share = one(con, "SELECT avg(CASE WHEN reported_to_police = 'N' THEN 1 ELSE 0 END) FROM health_ae_assault")[0]
    assert abs(share - fx.AE_UNREPORTED_SHARE) < 0.03
    # A&E tracks police violence with injury month by month
    rows = con.execute(
        "WITH p AS (SELECT date_trunc('month', committed_from_date) m, count(*) n FROM police_crime_offence "
        "WHERE offence_code IN ('8N', '5D') GROUP BY 1), a AS (SELECT date_trunc('month', incident_date) m, "
        "count(*) n FROM health_ae_assault WHERE reported_to_police = 'Y' GROUP BY 1) "
        "SELECT p.n, a.n FROM p JOIN a USING (m) ORDER BY m").fetchall()
    assert len(rows) >= 17
    assert np.corrcoef(np.array(rows, float).T)[0, 1] > 0.3
    assert one(con, "SELECT count(*) FROM ambulance_callout WHERE incident_type = 'assault'")[0] > 0


def test_asb_is_seasonal_with_a_bonfire_peak(con):
    by_month = dict(con.execute(
        "SELECT month(incident_date), count(*) / count(DISTINCT year(incident_date)) FROM police_incident "
        "WHERE incident_type LIKE 'ASB%' GROUP BY 1").fetchall())
    assert (by_month[7] + by_month[8]) > 1.5 * (by_month[1] + by_month[2])
    bonfire, other = one(con, "SELECT count(*) FILTER (WHERE (month(incident_date) = 10 AND day(incident_date) = 31) "
                              "OR (month(incident_date) = 11 AND day(incident_date) <= 5)) / 6.0, "
                              "count(*) FILTER (WHERE NOT ((month(incident_date) = 10 AND day(incident_date) = 31) "
                              "OR (month(incident_date) = 11 AND day(incident_date) <= 5))) / 55.0 "
                              "FROM police_incident WHERE incident_type LIKE 'ASB%' AND month(incident_date) IN (10, 11)")
    assert bonfire > 1.8 * other


def test_deliberate_fires_follow_deprivation(con):
    rates = dict(con.execute("""
        WITH band AS (
            SELECT l.lsoa_code, CASE WHEN i.imd_decile <= 3 THEN 'deprived'
                                     WHEN i.imd_decile >= 7 THEN 'affluent' END AS band
            FROM ref_lsoa l JOIN ref_imd i USING (lsoa_code) WHERE l.lsoa_name LIKE 'Nottingham %'),
        fires AS (
            SELECT b.band, count(*) AS n FROM fire_incident f JOIN ref_postcode p USING (postcode)
            JOIN band b ON b.lsoa_code = p.lsoa_code GROUP BY 1),
        lsoas AS (SELECT band, count(*) AS n FROM band GROUP BY 1)
        SELECT fires.band, fires.n * 1.0 / lsoas.n FROM fires JOIN lsoas USING (band)
        WHERE fires.band IS NOT NULL""").fetchall())
    assert rates["deprived"] > 2.5 * rates.get("affluent", 0.01)


def test_repeat_locations_victims_and_ppo_cohort(con):
    top = con.execute("SELECT location, count(*) c FROM police_crime_offence WHERE offence_code IN ('28E', '58A') "
                      "GROUP BY 1 HAVING count(*) >= 3 ORDER BY 2 DESC").fetchall()
    assert len(top) >= 5
    repeat_victims = one(con, "SELECT count(*) FROM (SELECT date_of_birth, address FROM police_crime_victim "
                              "GROUP BY 1, 2 HAVING count(*) >= 3)")[0]
    assert repeat_victims >= 10
    assert one(con, "SELECT count(*), count(DISTINCT current_status) FROM police_ppo")[0] == fx.PPO_COHORT
    linked = one(con, "SELECT count(DISTINCT o.offender_ref) FROM police_crime_offender o "
                      "JOIN police_ppo p USING (offender_ref)")[0]
    assert linked > 0.8 * fx.PPO_COHORT
    orphans = one(con, "SELECT count(*) FROM police_crime_offender o ANTI JOIN police_crime_offence c USING (crime_ref)")
    assert orphans[0] == 0


def test_ppo_statuses_changed_between_snapshots(con):
    changed = one(con, "SELECT count(*) FROM archive.police_ppo a JOIN police_ppo p USING (offender_ref) "
                       "WHERE a._superseded_by IS NOT NULL AND a.current_status <> p.current_status")[0]
    assert changed > 0


def test_planted_cuckooing_cluster(con):
    cur, base = one(con, f"SELECT count(*) FILTER (WHERE {_between('CAST(submitted_at AS DATE)', CURRENT)}), "
                         f"count(*) FILTER (WHERE {_between('CAST(submitted_at AS DATE)', BASELINE)}) "
                         "FROM partner_intelligence WHERE category = 'cuckooing'")
    assert cur > 1.5 * max(base, 1)


def test_supplies_carry_synthetic_metadata_except_one(con):
    rows = con.execute("SELECT dataset, metadata FROM supplies WHERE supplied_by = 'demo'").fetchall()
    flagged = {d for d, m in rows if not json.loads(m or "{}")}
    assert flagged == {"ea_waste_site"}
    synthetic = [d for d, m in rows if "SYNTHETIC" in (json.loads(m or "{}").get("caveats") or "")]
    assert "police_crime_offence" in synthetic and "police_uk_street" not in synthetic


def test_rebuild_reuses_and_parameters_are_checked(demo_hub, con, tmp_path):
    from workbench.cli import main
    from workbench.demo import build_demo

    built = json.loads(one(con, "SELECT value FROM hub_meta WHERE key = 'demo_build'")[0])
    assert built.pop("complete") is True
    DEMO_TEST_PARAMS = built

    copy = tmp_path / "copy"
    shutil.copytree(demo_hub.parent, copy, ignore=shutil.ignore_patterns("*.wal", "built"))
    again = build_demo(copy / "hub.duckdb", quiet=True, **DEMO_TEST_PARAMS)
    assert again.reused and again.rows["police_crime_offence"] > 0
    with pytest.raises(BadInput, match="already holds a demo"):
        build_demo(copy / "hub.duckdb", quiet=True, **dict(DEMO_TEST_PARAMS, seed=8))
    with pytest.raises(BadInput, match="at least 18 months"):
        build_demo(tmp_path / "short" / "hub.duckdb", start="2024-01-01", end="2024-06-30", quiet=True)
    p = DEMO_TEST_PARAMS
    code = main(["demo", "build", "--hub", str(copy / "hub.duckdb"), "--seed", str(p["seed"]), "--start",
                 p["start"], "--end", p["end"], "--scale", str(p["scale"]), "--json"])
    assert code == 0


@pytest.mark.parametrize("name", ["concentration", "seriousness", "premises"])
def test_built_in_hypotheses_find_the_planted_increase(con, name):
    hypotheses = pytest.importorskip("workbench.analysis.hypotheses")
    verdict = hypotheses.run(name, con, f"{CURRENT[0]}:{CURRENT[1]}", f"{BASELINE[0]}:{BASELINE[1]}", "violence")
    assert verdict.verdict == "supported", verdict.reason


def test_demo_registers_one_commission_per_dashboard_product(demo_hub):
    """Issue 18: the guides' `--commission 1` exists in the demo (it printed "No commissions.")."""
    from workbench.products import commissioning as cm

    found = sorted(cm.list_commissions(demo_hub), key=lambda c: c.id)
    assert [(c.id, c.product) for c in found] == [
        (1, "problem-profile"), (2, "strategic-assessment"), (3, "tactical-assessment")]
    profile = found[0]
    assert profile.offences == "violence" and profile.analyst == "analyst"
    assert (str(profile.current[0]), str(profile.current[1])) == ("2024-01-01", "2024-06-30")


@pytest.mark.slow
def test_demo_with_products_fills_the_product_library(demo_hub, tmp_path):
    """Issue 18: after `make run` (`demo build --with-products`) the product library is not empty:
    a viewer reads one problem profile, strategic and tactical assessment, each marked."""
    from workbench.demo import build_demo
    from workbench.registry import open_registry
    from workbench.dashboard_data import access, library

    copy = tmp_path / "copy"
    shutil.copytree(demo_hub.parent, copy, ignore=shutil.ignore_patterns("*.wal", "built"))
    assert library.products(copy / "products") == []
    with open_hub(copy / "hub.duckdb") as c:
        params = json.loads(c.execute("SELECT value FROM hub_meta WHERE key = 'demo_build'").fetchone()[0])
    params.pop("complete")
    built = build_demo(copy / "hub.duckdb", quiet=True, products=True, **params)
    assert len(built.products) == 3 and all(Path(p).exists() for p in built.products)
    reg = open_registry(copy / "hub.duckdb")
    try:
        viewer = access.viewer_for(reg, reg.get_user("viewer"))
    finally:
        reg.close()
    items = library.readable(copy / "products", viewer)
    assert sorted(p.kind for p in items) == ["problem-profile", "strategic-assessment", "tactical-assessment"]
    assert all(p.marking == "OFFICIAL-SENSITIVE" and len(p.files) == 2 for p in items)
    # a second build keeps what is there (make run twice does not re-render)
    stamp = Path(built.products[0]).stat().st_mtime
    build_demo(copy / "hub.duckdb", quiet=True, products=True, **params)
    assert Path(built.products[0]).stat().st_mtime == stamp
