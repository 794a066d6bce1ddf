"""protect_table's one-scan level choice agrees with a plain level-by-level measure (issue 13).

:func:`workbench.privacy.quasi.protect_table` measures every generalisation level in one scan
over dictionary-coded combination keys. Here an independent, deliberately plain measure
(one ``GROUP BY`` over :func:`generalised_select` per level, on the values themselves)
recomputes the level on random person tables with missing values, several k and l, and
checks the published table: the same level, every remaining combination >= k records and
>= l sensitive values, the suppressed records forming a group of >= k and >= l of their own,
and the rows kept exactly the generalised records outside the suppressed combinations.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import numpy as np
import pandas as pd
import pytest

from workbench import catalogue
from workbench.privacy.depersonalise import geography_from_frame, install_geography
from workbench.privacy.quasi import LEVELS, MAX_SUPPRESSED, class_columns, generalised_select, protect_table

from privacy_hub import synthetic_postcodes

DS = catalogue.get("health_ae_assault")


def _table(con, n: int, seed: int, spread: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pcs = synthetic_postcodes(n_side=12)
    ref = pcs.assign(households=np.where(rng.random(len(pcs)) < 0.3, np.nan, pcs.households))
    install_geography(con, geography_from_frame(ref))
    pick = rng.integers(len(pcs), size=n) % spread
    frame = pd.DataFrame({
        "patient_ref": [f"h{i}" for i in range(n)],
        "age": np.where(rng.random(n) < 0.05, None, rng.integers(0, 95, n).astype(str)),
        "gender": rng.choice(["M", "F", None], n, p=[0.48, 0.48, 0.04]),
        "ethnicity": rng.choice(["W1", "W2", "A1", "B1", "M1", "O9", None], n),
        "postcode": np.where(rng.random(n) < 0.05, None, pcs.postcode.to_numpy()[pick]),
        "incident_type": rng.choice(["assault", "domestic", "sexual"], n, p=[0.8, 0.15, 0.05]),
        "incident_date": pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
        "easting": pcs.easting.to_numpy()[pick], "northing": pcs.northing.to_numpy()[pick],
    })
    frame.loc[rng.random(n) < 0.02, ["age", "gender", "ethnicity", "postcode", "incident_date"]] = None
    con.register("frame", frame)
    con.execute("CREATE OR REPLACE TABLE people AS SELECT patient_ref, age, gender, ethnicity, postcode, "
                "incident_type, CAST(incident_date AS DATE) AS incident_date, easting, northing FROM frame")
    return frame


def _reference_level(con, names, qcols, k, l) -> int:
    keys = ", ".join(f'"{c}"' for c in qcols)
    none = " AND ".join(f'"{c}" IS NULL' for c in qcols)
    rows = con.execute("SELECT count(*) FROM people").fetchone()[0]
    for level in LEVELS:
        items, joins = generalised_select(DS, names, level)
        bad = con.execute(
            f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n, count(DISTINCT incident_type) AS d "
            f"FROM (SELECT {', '.join(items)} FROM people t{joins}) WHERE NOT ({none}) GROUP BY {keys}) "
            f"WHERE n < {k} OR d < {l}").fetchone()[0]
        if bad <= MAX_SUPPRESSED * rows:
            return level
    return LEVELS[-1]


@pytest.mark.parametrize("n,seed,spread,k,l", [
    (3000, 1, 144, 5, 2), (3000, 2, 20, 5, 2), (800, 3, 144, 5, 2), (5000, 4, 60, 10, 3),
    (400, 5, 144, 2, 1), (2000, 6, 8, 5, 3), (300, 7, 3, 20, 2), (1500, 8, 144, 3, 2)])
def test_level_and_suppression_agree_with_a_plain_measure(n, seed, spread, k, l):
    con = duckdb.connect()
    _table(con, n, seed, spread)
    names = [r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE people)").fetchall()]
    qcols = class_columns(DS, names)
    l_eff = min(l, con.execute("SELECT count(DISTINCT incident_type) FROM people").fetchone()[0])
    level = _reference_level(con, names, qcols, k, l_eff)
    items, joins = generalised_select(DS, names, level)
    con.execute(f"CREATE TABLE ref AS SELECT {', '.join(items)} FROM people t{joins}")

    res = protect_table(con, "people", DS, k=k, l=l)

    assert res.level == level and res.l_effective == l_eff and res.rows == n
    keys = ", ".join(f'"{c}"' for c in qcols)
    none = " AND ".join(f'"{c}" IS NULL' for c in qcols)
    worst = con.execute(f"SELECT min(n), min(d) FROM (SELECT count(*) AS n, count(DISTINCT incident_type) AS d "
                        f"FROM people WHERE NOT ({none}) GROUP BY {keys})").fetchone()
    assert worst[0] is None or (worst[0] >= k and worst[1] >= l_eff)   # None: every record suppressed
    hidden, values = con.execute(f"SELECT count(*), count(DISTINCT incident_type) FROM people "
                                 f"WHERE {none}").fetchone()
    assert hidden == res.suppressed and (hidden == 0 or (hidden >= k and values >= l_eff))
    assert res.classes == con.execute(f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM people)").fetchone()[0]
    # every published combination is the reference generalisation of the same records
    kept = con.execute(f"SELECT * FROM people WHERE NOT ({none}) ORDER BY ALL").fetchall()
    bad = con.execute(f"SELECT {keys} FROM ref WHERE NOT ({none}) GROUP BY {keys} HAVING count(*) < {k} "
                      f"OR count(DISTINCT incident_type) < {l_eff}").fetchall()
    expected = con.execute(f"SELECT * FROM ref WHERE NOT ({none}) ORDER BY ALL").fetchall()
    at = [names.index(c) for c in qcols]
    outside = [r for r in expected if tuple(r[i] for i in at) not in {tuple(b) for b in bad}]
    # exactly those, unless the suppressed group needed whole extra combinations or records
    assert kept == outside or not Counter(kept) - Counter(outside)
    left = con.execute("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, '_wb_quasi') "
                       "OR starts_with(table_name, '_wb_qd_')").fetchall()
    assert left == []       # no working table left behind


def test_the_suppressed_group_is_topped_up_to_k():
    """One lone record below k: the suppressed group takes records from the largest combination."""
    con = duckdb.connect()
    frame = _table(con, 300, 9, 2)
    con.execute("UPDATE people SET age = '97', ethnicity = 'A2' WHERE patient_ref = 'h0'")
    con.execute("UPDATE people SET age = '30', ethnicity = 'W1', gender = 'F', incident_date = DATE '2023-05-05', "
                "postcode = (SELECT postcode FROM people WHERE postcode IS NOT NULL LIMIT 1) "
                "WHERE patient_ref <> 'h0' AND (age IS NULL OR gender IS NULL OR ethnicity IS NULL "
                "OR postcode IS NULL OR incident_date IS NULL)")
    res = protect_table(con, "people", DS, k=5, l=2)
    assert len(frame) == res.rows
    hidden = con.execute("SELECT count(*), count(DISTINCT incident_type) FROM people WHERE age IS NULL AND "
                         "gender IS NULL AND ethnicity IS NULL AND postcode IS NULL AND incident_date IS NULL"
                         ).fetchone()
    assert hidden[0] == res.suppressed and hidden[0] >= 5 and hidden[1] >= 2
