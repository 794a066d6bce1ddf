"""Survey response counts in the shared tier: the dashboards' small-cell suppression applied.

Survey tables (``survey_response``: survey, period, area, question, response, count; guidance
3.3.3–3.3.6) reached the shared tier as supplied, so cells of 1–4 respondents were published
that the dashboards hide (issue 13). Each question of each survey and period is one two-way
table, areas × responses; it goes through :func:`workbench.privacy.disclosure.suppress_table`,
the same primary and secondary suppression (with the LP audit) the dashboards use (guidance
2.4.1.2), with totals assumed known (a survey's respondents per area usually are). A hidden
cell's ``count`` is published empty (NULL); zeros stay.

Examples
--------
>>> import duckdb, pandas as pd
>>> con = duckdb.connect()
>>> _ = con.register("f", pd.DataFrame({"survey": "place", "period": "2024", "question": "Q",
...     "area_code": [a for a in "ABC" for _ in range(3)], "response": ["yes", "no", "dk"] * 3,
...     "count": [3, 40, 25, 30, 50, 35, 20, 60, 45]}))
>>> _ = con.execute("CREATE TABLE t AS SELECT * FROM f")
>>> suppress_survey(con, "t")    # the 3, and complements so that no subtraction recovers it
6
>>> con.execute("SELECT area_code, count FROM t WHERE count IS NOT NULL ORDER BY 1").fetchall()
[('A', 40), ('B', 50), ('C', 60)]
"""

from __future__ import annotations

import pandas as pd

from workbench.privacy.disclosure import DEFAULT_THRESHOLD, suppress_long

TABLE_KEYS = ("survey", "period", "question")


def suppress_survey(con, table: str, threshold: int = DEFAULT_THRESHOLD) -> int:
    """Suppress small cells of survey table ``table`` in place; returns the cells hidden
    (primary and secondary), never their values.

    Each (partnership,) survey, period and question is one areas × responses table
    (:func:`workbench.privacy.disclosure.suppress_long`).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT 'place' AS survey, '2024' AS period, 'Q' AS question, * FROM (VALUES "
    ...                 "('A', 'yes', 2), ('A', 'no', 40), ('B', 'yes', 30), ('B', 'no', 50)) v(area_code, response, count)")
    >>> suppress_survey(con, "t") >= 2                     # the 2, and at least one complement beside it
    True
    >>> con.execute("SELECT count(*) FROM t WHERE count BETWEEN 1 AND 4").fetchone()[0]
    0
    """
    frame = con.execute(f"SELECT * FROM {table}").df()
    if frame.empty or "count" not in frame:
        return 0
    keys = [k for k in ("partnership",) + TABLE_KEYS if k in frame]
    out, hidden_cells = suppress_long(frame, "count", "area_code", "response", by=keys, threshold=threshold)
    if hidden_cells:
        hide = out["count"].isna() & pd.to_numeric(frame["count"], errors="coerce").notna()
        match = [c for c in frame.columns if c != "count"]
        con.register("_wb_survey_hide", frame.loc[hide, match])
        cond = " AND ".join(f't."{c}" IS NOT DISTINCT FROM h."{c}"' for c in match)
        con.execute(f'UPDATE {table} AS t SET "count" = NULL FROM _wb_survey_hide h WHERE {cond}')
        con.unregister("_wb_survey_hide")
    return hidden_cells
