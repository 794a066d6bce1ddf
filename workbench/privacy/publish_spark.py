"""Publish's row-level steps on Apache Spark (``workbench hub publish --engine spark``; issue 17).

The same functions as the DuckDB path — :func:`workbench.privacy.depersonalise.depersonalise_dataset`
(Appendix 1 postcode centroids, guidance 3.2 fields), :func:`workbench.privacy.quasi.protect_table`
(quasi-identifier generalisation and suppression) and publish's as-published copy — are called
with a :class:`workbench.engine.sparksql.SparkConnection` instead of a DuckDB connection, so each
of their statements is transpiled (sqlglot) and run by Spark SQL: one definition, two engines.

What stays on the driver, in DuckDB: the small reference lookups (the postcode map of Appendix 1,
the qualifying postcodes and area centroids, registered places), the k-d tree that snaps
coordinates to the nearest qualifying postcode (over the distinct points Spark finds), the choice
of the quasi-identifier level and of the combinations to suppress (over per-combination counts
Spark computes), the small tables (counts, reference layers, supplies), the independent checker
and the encrypted shared tier itself: each table Spark builds is loaded into ``shared.duckdb``,
which is checked and switched atomically exactly as on the DuckDB path.

Examples
--------
>>> SPARK_MODES
('record', 'outward', 'as_published')
"""

from __future__ import annotations

from workbench.engine.sparksql import SparkConnection, view_name
from workbench.privacy.depersonalise import (PC_MAP, PLACES, QUAL, depersonalise_dataset,
                                             placement_counts)
from workbench.privacy.quasi import protect_table

#: publication modes whose tables are one row per record: built on Spark
SPARK_MODES = ("record", "outward", "as_published")


def open_spark(con, master: str) -> SparkConnection:
    """A Spark connection reading the master tier of ``con`` and the lookup tables publish
    installed on it (``install_geography``).

    Examples
    --------
    Needs Java and a hub being published; ``tests/test_publish_spark.py`` runs it:

    >>> sc = open_spark(con, "local[2]")     # doctest: +SKIP
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
                 extra_from: str, extra_columns, removed: dict, k: int, l: int):
    """Depersonalise (and protect) one record-level dataset on Spark into DuckDB ``target``.

    Returns ``(placement, quasi)`` as the DuckDB path computes them.

    Examples
    --------
    Called by :func:`workbench.privacy.publish.publish` with ``engine="spark"``:

    >>> publish("hub.duckdb", engine="spark")     # doctest: +SKIP
    """
    source = f"hub.main.{pub.dataset.id}"
    depersonalise_dataset(sc, pub.dataset, source, target, geo, key, event_date_sql=event_date_sql,
                          extra_from=extra_from, extra_columns=extra_columns, removed=removed)
    placement = placement_counts(sc, pub.dataset, source, geo)
    quasi = protect_table(sc, target, pub.dataset, k=k, l=l) if pub.dataset.quasi_identifiers else None
    load(sc, con, target)
    return placement, quasi


def load(sc: SparkConnection, con, target: str) -> None:
    """Load the Spark-built ``target`` (e.g. ``shared.main.x``) into the DuckDB tier.

    Examples
    --------
    >>> load(sc, con, "shared.main.police_uk_street")     # doctest: +SKIP
    """
    import sqlglot

    sc.copy_to(con, view_name(sqlglot.exp.to_table(target)), target)
