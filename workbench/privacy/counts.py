"""The ``<id>_counts`` tables: what a personal dataset shows in the shared tier (guidance 2.4.1.2).

Personal (P) and sensitive personal (SP) datasets never reach the shared tier record by
record (guidance 2.1; :mod:`workbench.privacy.publication`). Each publishes one table,
``<id>_counts``, with the columns

``partnership``   the partnership area of the supply (guidance 2.2.4), so a user's view can be
                  cut to the partnerships they may see;
``quarter_start`` the first day of the quarter of the record's date (the dataset's date column,
                  :data:`~workbench.privacy.publication.COUNT_DATES`, or for a dataset with no
                  date, such as the PPO cohort, the quarter its supply period ends in);
breakdown         :data:`~workbench.privacy.publication.COUNT_BREAKDOWNS`: ``current_status``
                  for PPOs; ``category`` and ``partner_agency_group`` (the registry's group of
                  the submitting agency: ``central`` or ``second``; empty when the agency is not
                  registered) for partner intelligence; ``postcode_district`` otherwise;
``records``       the count, NULL when it is 1–4 (below ``threshold``);
``suppressed``    whether ``records`` was hidden.

The table is one cross-classification published **without totals**: no published figure is
the sum of others, so primary suppression is enough (secondary suppression,
:func:`workbench.privacy.disclosure.suppress_table`, is for tables published with totals).
A consumer adding cells up must treat a suppressed cell as unknown, not zero.
"""

from __future__ import annotations

import pandas as pd

from workbench.privacy.depersonalise import outward_sql, q
from workbench.privacy.disclosure import DEFAULT_THRESHOLD
from workbench.privacy.publication import Publication

AGENCY_GROUPS = "temp.main._wb_agency_group"


def install_agency_groups(con, groups: dict[str, str]) -> None:
    """The registry's agency groups, keyed by lower-cased name, for ``partner_agency_group``.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> install_agency_groups(con, {"Notts Police": "central", " Bluecoat Academy ": "second"})
    >>> con.execute(f"SELECT * FROM {AGENCY_GROUPS} ORDER BY 1").fetchall()
    [('bluecoat academy', 'second'), ('notts police', 'central')]
    """
    frame = pd.DataFrame({"agency_key": [str(k).strip().lower() for k in groups],
                          "agency_group": [str(v) for v in groups.values()]}, dtype=object)
    con.register("_wb_agency_group_df", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _wb_agency_group AS SELECT DISTINCT ON (agency_key) "
                "CAST(agency_key AS VARCHAR) AS agency_key, CAST(agency_group AS VARCHAR) AS agency_group "
                "FROM _wb_agency_group_df")
    con.unregister("_wb_agency_group_df")


def counts_sql(pub: Publication, source: str, *, threshold: int = DEFAULT_THRESHOLD,
               supplies: str | None = None, agency_groups: str | None = AGENCY_GROUPS) -> str:
    """The SELECT building ``<id>_counts`` of ``pub`` from ``source`` (module docstring).

    Parameters
    ----------
    pub : the publication of a personal dataset (mode ``counts``).
    source : the current rows of the dataset (read as alias ``s``, with ``_supply_id``).
    threshold : counts below it are suppressed (5: counts 1–4 hidden; guidance 2.4.1.2).
    supplies : the master's supply log (for partnership and undated quarters); None if absent.
    agency_groups : the table :func:`install_agency_groups` made; None to leave groups empty.

    Examples
    --------
    >>> from workbench.privacy.publication import publication
    >>> con = _example_master()
    >>> sql = counts_sql(publication("police_ppo"), "ppo", supplies="supplies", agency_groups=None)
    >>> con.execute(f"SELECT * FROM ({sql}) ORDER BY current_status").fetchall()   # 5 active shown; 1 hidden
    [('Nottingham', datetime.date(2024, 1, 1), 'active', 5, False), ('Nottingham', datetime.date(2024, 1, 1), 'deselected', None, True)]
    """
    d = pub.dataset
    joins = []
    if supplies:
        joins.append(f"LEFT JOIN {supplies} sup ON s._supply_id = sup.supply_id")
    partnership = "CAST(sup.partnership AS VARCHAR)" if supplies else "CAST(NULL AS VARCHAR)"
    if pub.count_date:
        dated = f"CAST(s.{q(pub.count_date)} AS DATE)"
    elif supplies:
        dated = "coalesce(sup.period_end, CAST(sup.supplied_at AS DATE))"
    else:
        dated = "CAST(NULL AS DATE)"
    dims = [f"{partnership} AS partnership",
            f"CAST(date_trunc('quarter', {dated}) AS DATE) AS quarter_start"]
    for col in pub.breakdown:
        if col == "postcode_district":
            expr = outward_sql("s.postcode") if "postcode" in d.column_names else "CAST(NULL AS VARCHAR)"
        elif col == "partner_agency_group":
            if agency_groups and "partner_agency" in d.column_names:
                joins.append(f"LEFT JOIN {agency_groups} ag ON lower(trim(CAST(s.partner_agency AS VARCHAR))) "
                             "= ag.agency_key")
                expr = "ag.agency_group"
            else:
                expr = "CAST(NULL AS VARCHAR)"
        else:
            expr = f"CAST(s.{q(col)} AS VARCHAR)"
        dims.append(f"{expr} AS {q(col)}")
    names = ["partnership", "quarter_start", *pub.breakdown]
    keys = ", ".join(q(n) for n in names)
    t = int(threshold)
    return (f"WITH counted AS (SELECT {', '.join(dims)}, count(*) AS records FROM {source} s "
            f"{' '.join(joins)} GROUP BY ALL) SELECT {keys}, CASE WHEN records < {t} THEN NULL "
            f"ELSE records END AS records, records < {t} AS suppressed FROM counted "
            f"ORDER BY {keys}")


def publish_counts(con, pub: Publication, source: str, target: str, *, threshold: int = DEFAULT_THRESHOLD,
                   supplies: str | None = None, agency_groups: str | None = AGENCY_GROUPS) -> int:
    """Create ``target`` (``<id>_counts``) with :func:`counts_sql`; returns its row count.

    Examples
    --------
    >>> from workbench.privacy.publication import publication
    >>> con = _example_master()
    >>> publish_counts(con, publication("police_ppo"), "ppo", "police_ppo_counts", supplies="supplies", agency_groups=None)
    2
    >>> con.execute("SELECT current_status, records FROM police_ppo_counts WHERE suppressed").fetchall()
    [('deselected', None)]
    """
    con.execute(f"CREATE OR REPLACE TABLE {target} AS "
                + counts_sql(pub, source, threshold=threshold, supplies=supplies, agency_groups=agency_groups))
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]


def _example_master():
    """An in-memory master: a PPO cohort of six (five active) from one Nottingham supply for the
    first quarter of 2024: the examples' data."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE ppo AS SELECT * FROM (VALUES ('P1', 'active', 1), ('P2', 'active', 1), "
                "('P3', 'active', 1), ('P4', 'active', 1), ('P5', 'active', 1), ('P6', 'deselected', 1)) "
                "v(offender_ref, current_status, _supply_id)")
    con.execute("CREATE TABLE supplies AS SELECT 1 AS supply_id, 'Nottingham' AS partnership, "
                "TIMESTAMP '2024-04-02 09:00' AS supplied_at, DATE '2024-01-01' AS period_start, "
                "DATE '2024-03-31' AS period_end")
    return con
