"""Publish's row-level steps on Apache Spark (``workbench hub publish --engine spark``; issue 17).

The same functions as the DuckDB path — :func:`workbench.privacy.depersonalise.depersonalise_dataset`
(Appendix 1 postcode centroids, guidance 3.2 fields), :func:`workbench.privacy.quasi.protect_table`
(quasi-identifier generalisation and suppression), :func:`workbench.privacy.counts.publish_counts`
(the suppressed ``<id>_counts`` of personal datasets, guidance 2.4.1.2) and publish's as-published
copy — are called with a :class:`workbench.engine.sparksql.SparkConnection` instead of a DuckDB
connection, so each of their statements is transpiled (sqlglot) and run by Spark SQL: one
definition, two engines.

What stays on the driver, in DuckDB: the small reference lookups (the postcode map of Appendix 1,
the qualifying postcodes and area centroids, registered places, the registry's agency groups), the
k-d tree that snaps coordinates to the nearest qualifying postcode (over the distinct points Spark
finds), the choice of the quasi-identifier level and of the combinations to suppress (over
per-combination counts Spark computes), the small tables (reference layers, aggregates, supplies,
and every dataset with no records), the independent checker and the encrypted shared tier itself:
each table Spark builds is loaded into ``shared.duckdb``, which is checked and switched atomically
exactly as on the DuckDB path.

The encrypted Parquet store (:mod:`workbench.engine.store`): each table Spark builds is also
written by Spark as a new version of its dataset in the store's shared tier
(``<folder of shared.duckdb>/store/shared/<table>``, the shared tier's key), verified there
(rows and digest), and switched to only after the DuckDB tier has passed the checker and been
switched (:class:`StoreStaging`); a failed or killed publish leaves the previous versions
current (a kill between the two switches leaves the store one publish behind, never a half
dataset). Record tables are partitioned by ``month`` where they have it.

Examples
--------
>>> SPARK_MODES
('record', 'outward', 'as_published', 'counts')
"""

from __future__ import annotations

from workbench.engine.sparksql import SparkConnection, view_name
from workbench.privacy.counts import AGENCY_GROUPS, publish_counts
from workbench.privacy.depersonalise import (PC_MAP, PLACES, QUAL, depersonalise_dataset,
                                             placement_counts)
from workbench.privacy.quasi import protect_table

#: publication modes whose tables are built from every record of a master table: on Spark
SPARK_MODES = ("record", "outward", "as_published", "counts")


class StoreStaging:
    """The versions a Spark publish stages in the shared tier of the Parquet store.

    Examples
    --------
    >>> import tempfile
    >>> staging = StoreStaging(tempfile.mkdtemp(), "0123456789abcdef" * 4)
    >>> staging.store.tier, staging.staged
    ('shared', [])
    """

    def __init__(self, root, key: str):
        from workbench.engine.store import ParquetStore

        self.store = ParquetStore(root, "shared", key)
        self.staged: list = []

    def stage(self, sc: SparkConnection, target: str) -> None:
        """Write and verify the Spark view behind ``target`` as a new, unswitched version.

        Examples
        --------
        >>> staging.stage(sc, "shared.main.police_uk_street")     # doctest: +SKIP
        """
        import sqlglot

        table = sqlglot.exp.to_table(target)
        self.staged.append(self.store.stage_spark(table.name, sc.spark.table(view_name(table))))

    def switch(self) -> list[str]:
        """Switch every staged dataset (after the DuckDB tier's check and switch).

        Examples
        --------
        >>> staging.switch()     # doctest: +SKIP
        ['police_uk_street']
        """
        for staged in self.staged:
            self.store.switch(staged)
        done, self.staged = [s.dataset for s in self.staged], []
        return done

    def discard(self) -> None:
        """Remove the versions staged but not switched (a failed publish).

        Examples
        --------
        >>> import tempfile
        >>> StoreStaging(tempfile.mkdtemp(), "k" * 64).discard()
        """
        for staged in self.staged:
            self.store.discard(staged)
        self.staged = []


def open_spark(con, master: str) -> SparkConnection:
    """A Spark connection reading the master tier of ``con`` and the lookup tables publish
    installed on it (``install_geography``).

    Examples
    --------
    Two racial incidents published on Spark (Java starts once; about 30 s):

    >>> con, sc, _, _ = _example_publish()                 # calls open_spark(con, "local[1]")
    >>> sc.execute("SELECT count(DISTINCT postcode) FROM _wb_pc_map").fetchone()   # the lookups, in Spark
    (3,)
    """
    from workbench.engine.spark import session

    sc = SparkConnection(session(master), source=con)
    for relation in (PC_MAP, PLACES, QUAL):
        sc.copy_from(con, relation, relation.rsplit(".", 1)[1])
    return sc


def on_spark(con, pub) -> bool:
    """Whether ``pub`` is built on Spark: a record-level dataset holding records (an empty
    one is built by DuckDB on the driver: there is nothing to distribute, and a Spark job
    per statement would cost seconds each).

    Examples
    --------
    >>> from workbench.privacy.publication import publication
    >>> on_spark(None, publication("ref_postcode"))    # a reference layer: DuckDB
    False
    """
    if pub.mode not in SPARK_MODES:
        return False
    return con.execute(f"SELECT EXISTS (SELECT 1 FROM hub.main.{pub.dataset.id})").fetchone()[0]


def record_table(sc: SparkConnection, con, pub, target: str, geo, key: bytes, *, event_date_sql,
                 extra_from: str, extra_columns, removed: dict, k: int, l: int,
                 store: StoreStaging | None = None):
    """Depersonalise (and protect) one record-level dataset on Spark into DuckDB ``target``.

    Returns ``(placement, quasi)`` as the DuckDB path computes them.

    Examples
    --------
    Called by :func:`workbench.privacy.publish.publish` with ``engine="spark"``; here on two
    racial incidents (Java starts once; about 30 s), with the DuckDB path's answers:

    >>> con, sc, placement, quasi = _example_publish()
    >>> placement, quasi                                    # no quasi-identifiers in this table
    ({'nearest_postcode': 1, 'postcode': 1}, None)
    >>> con.execute("SELECT incident_ref, location, postcode, easting FROM shared.main.council_racial_incident "
    ...             "ORDER BY 1").fetchall()
    [('R1', 'Low Pavement', 'NG1 5AD', 200.0), ('R2', 'Market Square', 'NG1 6AA', 900.0)]
    """
    source = f"hub.main.{pub.dataset.id}"
    depersonalise_dataset(sc, pub.dataset, source, target, geo, key, event_date_sql=event_date_sql,
                          extra_from=extra_from, extra_columns=extra_columns, removed=removed)
    placement = placement_counts(sc, pub.dataset, source, geo)
    quasi = protect_table(sc, target, pub.dataset, k=k, l=l) if pub.dataset.quasi_identifiers else None
    load(sc, con, target, store)
    return placement, quasi


def counts_table(sc: SparkConnection, con, pub, target: str, *, threshold: int, supplies: str | None,
                 store: StoreStaging | None = None) -> None:
    """``<id>_counts`` of a personal dataset (guidance 2.4.1.2) counted on Spark into DuckDB ``target``.

    The same :func:`workbench.privacy.counts.publish_counts` as the DuckDB path, through ``sc``:
    the per-record work (the grouping of every record of the master table) is Spark's; the
    registry's agency groups (a small lookup) travel from the driver; the counts table, a few
    rows per quarter and breakdown, is loaded into the shared tier and checked there by the
    independent checker like any other table.

    Examples
    --------
    >>> con, sc, _, _ = _example_publish()                 # Java starts once; about 30 s
    >>> _ = con.execute("CREATE TABLE hub.main.police_ppo AS SELECT * FROM (VALUES ('P1', 'active', 1), "
    ...                 "('P2', 'active', 1), ('P3', 'active', 1), ('P4', 'active', 1), ('P5', 'active', 1), "
    ...                 "('P6', 'deselected', 1)) v(offender_ref, current_status, _supply_id)")
    >>> from workbench.privacy.publication import publication
    >>> counts_table(sc, con, publication("police_ppo"), "shared.main.police_ppo_counts", threshold=5,
    ...              supplies=None)
    >>> con.execute("SELECT current_status, records, suppressed FROM shared.main.police_ppo_counts "
    ...             "ORDER BY 1").fetchall()                # five shown, one hidden
    [('active', 5, False), ('deselected', None, True)]
    """
    groups = None
    if "partner_agency_group" in pub.breakdown and con.execute(
            "SELECT EXISTS (SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = ?)",
            [AGENCY_GROUPS.rsplit(".", 1)[1]]).fetchone()[0]:
        sc.copy_from(con, AGENCY_GROUPS, AGENCY_GROUPS.rsplit(".", 1)[1])
        groups = AGENCY_GROUPS
    publish_counts(sc, pub, f"hub.main.{pub.dataset.id}", target, threshold=threshold, supplies=supplies,
                   agency_groups=groups)
    load(sc, con, target, store)


def load(sc: SparkConnection, con, target: str, store: StoreStaging | None = None) -> None:
    """Load the Spark-built ``target`` (e.g. ``shared.main.x``) into the DuckDB tier (and stage
    it in the Parquet store).

    Examples
    --------
    >>> con, sc, _, _ = _example_publish()                 # Java starts once; about 30 s
    >>> _ = con.execute("DROP TABLE shared.main.council_racial_incident")
    >>> load(sc, con, "shared.main.council_racial_incident")   # again from what Spark built
    >>> con.execute("SELECT count(*) FROM shared.main.council_racial_incident").fetchone()
    (2,)
    """
    import sqlglot

    sc.copy_to(con, view_name(sqlglot.exp.to_table(target)), target)
    if store is not None:
        store.stage(sc, target)


_EXAMPLE: dict = {}


def _example_publish():
    """Two racial incidents published on Spark ``local[1]`` as publish does (the examples'
    fixture, run once per process: starting Java and the jobs take about 30 s). Returns
    ``(con, sc, placement, quasi)``: the DuckDB connection with ``hub`` and ``shared``
    attached in memory, the Spark connection, and what :func:`record_table` returned."""
    if not _EXAMPLE:
        import duckdb
        import pandas as pd

        from workbench.privacy.depersonalise import geography_from_frame, install_geography
        from workbench.privacy.publication import publication

        ref = pd.DataFrame({"postcode": ["NG1 5AB", "NG1 5AD", "NG1 6AA"], "easting": [100.0, 200.0, 900.0],
                            "northing": [0.0, 0.0, 0.0], "households": [2, 30, 12]})
        geo = geography_from_frame(ref)
        con = duckdb.connect()
        con.execute("ATTACH ':memory:' AS hub")
        con.execute("ATTACH ':memory:' AS shared")
        install_geography(con, geo)
        con.execute("CREATE TABLE hub.main.council_racial_incident AS SELECT * FROM (VALUES "
                    "('R1', DATE '2024-03-01', TIME '21:10', '12 Low Pavement', 'NG1 5AB', 101.0, 2.0), "
                    "('R2', DATE '2024-03-02', NULL, 'Market Square', 'NG1 6AA', 905.0, 1.0)) "
                    "t(incident_ref, incident_date, incident_time, location, postcode, easting, northing)")
        sc = open_spark(con, "local[1]")
        placement, quasi = record_table(sc, con, publication("council_racial_incident"),
                                        "shared.main.council_racial_incident", geo, b"k" * 32,
                                        event_date_sql=None, extra_from="", extra_columns=(), removed={},
                                        k=5, l=2)
        _EXAMPLE.update(con=con, sc=sc, placement=placement, quasi=quasi)
    return _EXAMPLE["con"], _EXAMPLE["sc"], _EXAMPLE["placement"], _EXAMPLE["quasi"]
