"""Survey tables in the shared tier go through the dashboards' small-cell suppression (issue 13.4)."""

from __future__ import annotations

import duckdb
import pandas as pd

from workbench.hub.connect import new_connection, read_key, shared_path
from workbench.privacy import checker


def test_publish_hides_small_survey_cells_and_the_checker_refuses_them(tmp_path):
    from workbench.hub.ingest import ingest_frame
    from workbench.hub.schema import init_hub
    from workbench.privacy.publish import publish

    from privacy_hub import ref_postcode_frame, synthetic_postcodes

    hub = init_hub(tmp_path / "hub.duckdb")
    ingest_frame(hub, "ref_postcode", ref_postcode_frame(synthetic_postcodes()), source_name="ref_postcode")
    areas = ["E01000001", "E01000002", "E01000003"]
    counts = [3, 40, 25, 30, 50, 35, 20, 60, 45]        # one cell of 3 respondents
    ingest_frame(hub, "survey_response", pd.DataFrame({
        "survey": "place", "period": "2024", "question": "Do you feel safe after dark?",
        "area_code": [a for a in areas for _ in range(3)], "response": ["yes", "no", "unsure"] * 3,
        "count": [str(c) for c in counts]}), source_name="survey")
    res = publish(hub)
    t = next(t for t in res.tables if t["table"] == "survey_response")
    assert t["cells_suppressed"] == 6                    # the 3 and its complements
    con = new_connection()
    s = shared_path(hub)
    con.execute(f"ATTACH '{s}' AS shared (ENCRYPTION_KEY '{read_key(s)}', READ_ONLY)")
    shown = [r[0] for r in con.execute("SELECT count FROM shared.main.survey_response").fetchall()]
    con.close()
    assert sum(v is None for v in shown) == 6
    assert all(v is None or v >= 5 for v in shown)


def test_checker_refuses_a_small_survey_cell():
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS hub")
    con.execute("ATTACH ':memory:' AS shared")
    con.execute("CREATE TABLE hub.main.ref_postcode AS SELECT 'NG1 1AA' AS postcode, 1.0 AS easting, "
                "1.0 AS northing, 10 AS households")
    con.execute("CREATE TABLE shared.main.survey_response AS SELECT * FROM (VALUES "
                "('place', '2024', 'A', 'Q', 'yes', 3), ('place', '2024', 'A', 'Q', 'no', NULL)) "
                "t(survey, period, area_code, question, response, count)")
    rules = [(f.rule, f.count) for f in checker.check_tier(con).findings]
    assert rules == [("small-count", 1)]
