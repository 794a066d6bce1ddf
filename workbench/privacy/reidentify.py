"""A re-identification attack on the shared tier: look people up by postcode, age, sex, ethnicity.

The attack of issue 13: someone who knows a neighbour's postcode, age and sex (and, for victims,
ethnicity) looks for records in the shared tier that could be theirs. For every person of a
master (restricted) table, this harness takes what the attacker knows from the master record
and counts the shared-tier records consistent with it:

* **postcode**: a published postcode equal to the person's postcode, its sector ("NG1 5") or
  district ("NG1");
* **age**: a published age equal to it, or a band holding it ("30-34", "85+"); where the master
  holds only a date of birth, any age it gives within the last five years (events are dated);
* **sex** (``gender``), **ethnicity**: equal, or the ethnicity group ("W" for "W1");
* a published NULL (suppressed or not given) is consistent with anything.

A person with between 1 and k - 1 candidates is "shared by fewer than k people": the attacker
has narrowed them to fewer than k records. :func:`assert_no_record_below_k` raises when any
person of any person table is (the security suite calls it; ``tests/test_quasi.py`` shows it
fails on a tier published without quasi-identifier control). It is deliberately not the
checker's measure (which groups the published rows): it starts from the people.

Examples
--------
>>> from workbench.privacy.reidentify import assert_no_record_below_k   # doctest: +SKIP
>>> assert_no_record_below_k("data/restricted/hub.duckdb", k=5)         # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench import catalogue
from workbench.sql import quote_identifier as _qi

#: what the attacker knows, in the names the catalogue uses
ATTRIBUTES = ("postcode", "age", "gender", "ethnicity")


@dataclass
class Reidentification:
    """People of one table and how many shared records each could be.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> r = reidentify_hub(hub, tables=["health_ae_assault"])[0]
    >>> r.to_dict()
    {'table': 'health_ae_assault', 'k': 5, 'attributes': ['postcode', 'age', 'gender', 'ethnicity'], 'people': 50, 'found': 50, 'below_k': 0, 'unique': 0}
    """

    table: str
    k: int
    attributes: list = field(default_factory=list)
    people: int = 0
    found: int = 0                # people with at least one candidate record
    below_k: int = 0              # people with 1 … k-1 candidates
    unique: int = 0               # people with exactly one candidate

    def to_dict(self) -> dict:
        return {"table": self.table, "k": self.k, "attributes": self.attributes, "people": self.people,
                "found": self.found, "below_k": self.below_k, "unique": self.unique}


def _tables(con, catalog: str) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' UNION "
        "SELECT view_name FROM duckdb_views() WHERE database_name = ? AND schema_name = 'main'",
        [catalog, catalog]).fetchall()}


def _columns(con, catalog: str, table: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
                                      "AND schema_name = 'main' AND table_name = ?", [catalog, table]).fetchall()]


def person_tables() -> list[str]:
    """Catalogue tables whose quasi-identifiers include at least two attacker attributes.

    Examples
    --------
    >>> len(person_tables()), person_tables()[:2]
    (11, ['police_crime_offender', 'police_crime_victim'])
    """
    return [d.id for d in catalogue.DATASETS
            if len(set(d.quasi_identifiers) & set(ATTRIBUTES)) >= 2]


def reidentify(con, table: str, *, shared: str = "shared", master: str = "hub", k: int = 5) -> Reidentification:
    """Run the lookup attack on ``table`` (both tiers attached to ``con``).

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> from workbench.privacy.reidentify import _example_tiers
    >>> hub, con = _example_tiers(_example_demo())         # master and shared tiers of the smallest demo
    >>> r = reidentify(con, "police_crime_victim", k=20)   # nobody narrowed below 20 records
    >>> r.people, r.below_k, r.unique
    (454, 0, 0)
    """
    scols, mcols = set(_columns(con, shared, table)), set(_columns(con, master, table))
    attrs = [a for a in ATTRIBUTES if a in scols and (a in mcols or (a == "age" and "date_of_birth" in mcols))]
    res = Reidentification(table, k, attrs)
    if len(attrs) < 2:
        return res
    m_age = ("coalesce(try_cast(trim(CAST(m.age AS VARCHAR)) AS INTEGER), "
             "date_diff('year', try_cast(m.date_of_birth AS DATE), current_date))"
             if "date_of_birth" in mcols and "age" in mcols else
             "date_diff('year', try_cast(m.date_of_birth AS DATE), current_date)" if "age" not in mcols
             else "try_cast(trim(CAST(m.age AS VARCHAR)) AS INTEGER)")
    known = [f"upper(trim(CAST(m.postcode AS VARCHAR))) AS postcode" if a == "postcode"
             else f"{m_age} AS age" if a == "age" else f"CAST(m.{_qi(a)} AS VARCHAR) AS {_qi(a)}"
             for a in attrs]
    slack = 4 if "date_of_birth" in mcols else 0
    conds = []
    for a in attrs:
        c, p = f"c.{_qi(a)}", f"p.{_qi(a)}"
        if a == "postcode":
            conds.append(f"({c} IS NULL OR {c} = {p} OR {c} = split_part({p}, ' ', 1) OR "
                         f"{c} = split_part({p}, ' ', 1) || ' ' || left(split_part({p}, ' ', 2), 1))")
        elif a == "age":
            lo = f"try_cast(regexp_extract({c}, '^(\\d+)', 1) AS INTEGER)"
            hi = (f"CASE WHEN ends_with({c}, '+') THEN 1000 ELSE coalesce(try_cast(regexp_extract({c}, "
                  f"'-(\\d+)$', 1) AS INTEGER), {lo}) END")
            conds.append(f"({c} IS NULL OR {p} IS NULL OR ({lo} <= {p} AND {p} - {slack} <= {hi}))")
        elif a == "ethnicity":
            conds.append(f"({c} IS NULL OR {c} = {p} OR {c} = upper(left({p}, 1)))")
        else:
            conds.append(f"({c} IS NULL OR {c} = {p})")
    keys = ", ".join(_qi(a) for a in attrs)
    cast = ", ".join(f"CAST({_qi(a)} AS VARCHAR) AS {_qi(a)}" for a in attrs)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ri_cls AS SELECT {keys}, count(*) AS n FROM "
                f"(SELECT {cast} FROM {shared}.main.{_qi(table)}) GROUP BY ALL")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ri_people AS SELECT row_number() OVER () AS id, * FROM "
                f"(SELECT {', '.join(known)} FROM {master}.main.{_qi(table)} m)")
    if "postcode" in attrs:
        # classes under a place: joined on the district (always shared when consistent);
        # classes without one (suppressed, not given): matched against everyone
        rest = " AND ".join(conds)
        hits = (f"SELECT p.id, c.n FROM _ri_people p JOIN _ri_cls c ON split_part(c.postcode, ' ', 1) = "
                f"split_part(p.postcode, ' ', 1) WHERE {rest} UNION ALL "
                f"SELECT p.id, c.n FROM _ri_people p, (SELECT * FROM _ri_cls WHERE postcode IS NULL) c WHERE {rest}")
    else:
        hits = f"SELECT p.id, c.n FROM _ri_people p, _ri_cls c WHERE {' AND '.join(conds)}"
    row = con.execute(f"SELECT (SELECT count(*) FROM _ri_people), count(*), count(*) FILTER (WHERE cand < {int(k)}), "
                      f"count(*) FILTER (WHERE cand = 1) FROM (SELECT id, sum(n) AS cand FROM ({hits}) GROUP BY id)"
                      ).fetchone()
    res.people, res.found, res.below_k, res.unique = (int(x) for x in row)
    con.execute("DROP TABLE IF EXISTS _ri_cls")
    con.execute("DROP TABLE IF EXISTS _ri_people")
    return res


def reidentify_hub(hub: Path | str, *, k: int = 5, tables=None) -> list[Reidentification]:
    """The attack on every person table present in both tiers of ``hub`` (opened read-only).

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> [(r.table, r.people, r.below_k) for r in reidentify_hub(hub, tables=["police_crime_victim"])]
    [('police_crime_victim', 454, 0)]
    """
    from workbench.hub.connect import new_connection, read_key, shared_path

    hub = Path(hub)
    s = shared_path(hub)
    con = new_connection()
    try:
        con.execute(f"ATTACH '{hub}' AS hub (ENCRYPTION_KEY '{read_key(hub)}', READ_ONLY)")
        con.execute(f"ATTACH '{s}' AS shared (ENCRYPTION_KEY '{read_key(s)}', READ_ONLY)")
        present = _tables(con, "hub") & _tables(con, "shared")
        return [reidentify(con, t, k=k) for t in (tables or person_tables()) if t in present]
    finally:
        con.close()


def assert_no_record_below_k(hub_or_con, k: int = 5, *, tables=None, shared: str = "shared",
                             master: str = "hub") -> list[Reidentification]:
    """Raise ``AssertionError`` when any person can be narrowed to 1 … k-1 shared records.

    ``hub_or_con`` is a master hub path (its shared tier beside it) or a connection with both
    tiers attached as ``shared`` and ``master``. Returns the per-table results when clean.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> len(assert_no_record_below_k(hub))                  # every person table, k = 5: clean
    11
    >>> assert_no_record_below_k(hub, k=60, tables=["health_ae_assault"])
    Traceback (most recent call last):
    AssertionError: Re-identification: people shared by fewer than 60 records: health_ae_assault: 50 of 50 (0 unique) by postcode/age/gender/ethnicity
    """
    if isinstance(hub_or_con, (str, Path)):
        results = reidentify_hub(hub_or_con, k=k, tables=tables)
    else:
        present = _tables(hub_or_con, master) & _tables(hub_or_con, shared)
        results = [reidentify(hub_or_con, t, shared=shared, master=master, k=k)
                   for t in (tables or person_tables()) if t in present]
    bad = [r for r in results if r.below_k]
    if bad:
        raise AssertionError("Re-identification: people shared by fewer than "
                             f"{k} records: " + "; ".join(
                                 f"{r.table}: {r.below_k} of {r.people} ({r.unique} unique) by "
                                 f"{'/'.join(r.attributes)}" for r in bad))
    return results


def _example_tiers(hub):
    """``(hub, con)``: a connection with ``hub``'s master (``hub``) and shared (``shared``)
    tiers attached read-only, as the checker and the re-identification attack read them."""
    from workbench.hub.connect import new_connection, read_key, shared_path

    con = new_connection()
    con.execute(f"ATTACH '{hub}' AS hub (ENCRYPTION_KEY '{read_key(hub)}', READ_ONLY)")
    con.execute(f"ATTACH '{shared_path(hub)}' AS shared (ENCRYPTION_KEY '{read_key(shared_path(hub))}', READ_ONLY)")
    return hub, con
