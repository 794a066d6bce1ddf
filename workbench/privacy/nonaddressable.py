"""Registered non-addressable places whose coordinates survive depersonalisation (Appendix 1).

Guidance Appendix 1 (1)–(2): an incident in a park, car park or on waste ground is geocoded
to the centre point of that place (or to a structure in it, such as a park pavilion), and
"this process is not required for data that have been geocoded to non-addressable locations
because these types of locations do not refer in any way to persons". The partnership keeps
a register of such places (usually from the local gazetteer) in the master hub, table
``nonaddressable_place``; publish keeps the coordinates of any record geocoded to one of
them (equal to the metre) and the independent checker accepts exactly those coordinates.

Examples
--------
>>> from workbench.privacy.nonaddressable import register_place   # doctest: +SKIP
>>> register_place("data/restricted/hub.duckdb", "Forest Recreation Ground", "park",
...                456770, 341380)                                 # doctest: +SKIP
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.errors import BadInput

TABLE = "nonaddressable_place"
#: kinds of non-addressable place named in Appendix 1 and common gazetteer classes
KINDS = ("park", "car_park", "waste_ground", "open_space", "playing_field", "cemetery",
         "pavilion", "bus_station", "railway_station", "tram_stop", "market", "town_centre_space",
         "footpath", "canal_towpath", "river_bank", "woodland")

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    place_id   VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    easting    DOUBLE NOT NULL,
    northing   DOUBLE NOT NULL,
    source     VARCHAR,
    added_at   TIMESTAMP DEFAULT current_timestamp,
    approved_for VARCHAR,
    approved_by  VARCHAR
)"""
#: ``approved_for`` value approving a place for every dataset
ALL_DATASETS = "*"


@dataclass(frozen=True)
class Place:
    """One registered non-addressable place: BNG metres, whole metres.

    Examples
    --------
    >>> p = Place("park:forest", "Forest Recreation Ground", "park", 456123.0, 341235.0, approved_for=("*",))
    >>> p.name, p.approved_for
    ('Forest Recreation Ground', ('*',))
    """

    place_id: str
    name: str
    kind: str
    easting: float
    northing: float
    source: str | None = None
    #: the datasets whose records may keep this place's coordinates ("*": all), as the CSP
    #: coordinator approved them; a place approved for nothing is registered but not used
    approved_for: tuple[str, ...] = ()
    approved_by: str | None = None

    def to_dict(self) -> dict:
        return {"place_id": self.place_id, "name": self.name, "kind": self.kind,
                "easting": self.easting, "northing": self.northing, "source": self.source,
                "approved_for": list(self.approved_for), "approved_by": self.approved_by}


def ensure_table(con, catalog: str = "hub") -> None:
    """Create the register in ``catalog`` if it is missing (idempotent).

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("ATTACH ':memory:' AS hub")
    >>> ensure_table(con); ensure_table(con)                              # idempotent
    >>> len(load_places(con))
    0
    """
    con.execute(f"USE {catalog}")
    con.execute(DDL)
    for col in ("approved_for", "approved_by"):   # registers made before approval existed
        con.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {col} VARCHAR")


def _validate(name: str, kind: str, easting, northing) -> tuple[float, float]:
    if not str(name or "").strip():
        raise BadInput("`name` of a non-addressable place is empty; give the gazetteer name.")
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), KINDS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise BadInput(f"`kind` must be one of {', '.join(KINDS)}; got '{kind}'.{hint}")
    try:
        e, n = float(easting), float(northing)
    except (TypeError, ValueError):
        raise BadInput(f"`easting`/`northing` must be BNG metres; got {easting!r}, {northing!r}.") from None
    if not (0 <= e <= 700_000 and 0 <= n <= 1_300_000):
        raise BadInput(f"({e}, {n}) is outside the British National Grid (0–700000, 0–1300000 m).")
    return float(round(e)), float(round(n))


def add_places(con, places, catalog: str = "hub") -> int:
    """Add or replace places (iterable of :class:`Place` or dicts) in the register of ``con``.

    Coordinates are stored to the whole metre, the precision at which publish matches them.
    Returns the number of places written.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("ATTACH ':memory:' AS hub")
    >>> add_places(con, [Place("P1", "Forest Recreation Ground", "park", 456123.4, 341234.6, approved_for=("*",)),
    ...                  dict(place_id="P2", name="Victoria Embankment", kind="park", easting=457000, northing=338000)])
    2
    >>> load_places(con)[["place_id", "easting", "northing", "approved_for"]].values.tolist()   # whole metres
    [['P1', 456123.0, 341235.0, '*'], ['P2', 457000.0, 338000.0, '']]
    """
    ensure_table(con, catalog)
    rows = []
    for p in places:
        p = p if isinstance(p, Place) else Place(**p)
        e, n = _validate(p.name, p.kind, p.easting, p.northing)
        approved = p.approved_for if isinstance(p.approved_for, (tuple, list)) else (
            tuple(x.strip() for x in str(p.approved_for or "").split(",") if x.strip()))
        rows.append((p.place_id, p.name.strip(), p.kind, e, n, p.source,
                     ",".join(_approved(approved)), p.approved_by))
    if rows:
        con.executemany(f"INSERT OR REPLACE INTO {catalog}.main.{TABLE} "
                        "(place_id, name, kind, easting, northing, source, approved_for, approved_by) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def _approved(datasets) -> tuple[str, ...]:
    """Validate the datasets a place is approved for ('*' = all)."""
    from workbench import catalogue

    out = []
    for d in datasets:
        if d != ALL_DATASETS:
            catalogue.get(d)   # raises with the closest id suggested
        out.append(d)
    return tuple(out)


def register_place(hub: Path | str, name: str, kind: str, easting: float, northing: float,
                   *, place_id: str | None = None, source: str | None = None,
                   user: str | None = None, approved_for=()) -> Place:
    """Register one non-addressable place in the master hub (guidance Appendix 1 (1)).

    A registered place keeps its exact coordinates through publish, so registering one is
    the CSP coordinator's decision: once the registry has users, ``user`` must hold the
    ``admin`` operation of :mod:`workbench.privacy.access` (refused with exit 3 and audited
    otherwise); every registration is audited (issue 11). ``user`` None means the operator
    holding the master key (``WORKBENCH_USER`` or the OS user), as for ``hub publish``.
    ``approved_for`` names the datasets whose records may keep the place's coordinates
    (``"*"`` for all; none by default): the coordinator approves a place for a purpose, and
    the independent checker refuses a record at a place not approved for its dataset
    (issue 13).

    Examples
    --------
    >>> from workbench.hub.schema import init_hub
    >>> from workbench.registry import open_registry
    >>> hub = init_hub("register_place/hub.duckdb")
    >>> p = register_place(hub, "Forest Recreation Ground", "park", 456123.4, 341234.6, user="coord",
    ...                    approved_for="police_uk_street")
    >>> p.place_id, p.easting, p.approved_for, p.approved_by
    ('park:forest_recreation_ground', 456123.0, ('police_uk_street',), 'coord')
    >>> with open_registry(hub) as reg:
    ...     [e.action for e in reg.audit_entries(action="places.add")]
    ['places.add']
    """
    import getpass
    import os

    from workbench.hub.connect import open_hub
    from workbench.privacy import access
    from workbench.registry import open_registry

    e, n = _validate(name, kind, easting, northing)
    if isinstance(approved_for, str):
        approved_for = tuple(x.strip() for x in approved_for.split(",") if x.strip())
    approved = _approved(approved_for)
    actor = user or os.environ.get("WORKBENCH_USER") or getpass.getuser()
    place = Place(place_id or f"{kind}:{name.strip().lower().replace(' ', '_')}", name.strip(),
                  kind, e, n, source, approved, actor if approved else None)
    with open_registry(hub) as reg:
        if reg.con.execute("SELECT 1 FROM users LIMIT 1").fetchone():
            access.require(reg, actor, "admin", None)
        con = open_hub(hub)
        try:
            add_places(con, [place])
        finally:
            con.close()
        reg.audit(actor, "places.add", place.place_id,
                  {"name": place.name, "kind": place.kind, "easting": e, "northing": n,
                   "source": source, "approved_for": list(approved)})
    return place


def load_places(con, catalog: str = "hub") -> pd.DataFrame:
    """The register as a frame (place_id, name, kind, easting, northing); empty when absent.

    Examples
    --------
    >>> import duckdb
    >>> load_places(duckdb.connect(), catalog="memory").columns.tolist()   # no register yet: empty
    ['place_id', 'name', 'kind', 'easting', 'northing', 'approved_for']
    """
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ?", [catalog, TABLE]).fetchone()[0]
    if not exists:
        return pd.DataFrame({"place_id": pd.Series(dtype=str), "name": pd.Series(dtype=str),
                             "kind": pd.Series(dtype=str), "easting": pd.Series(dtype=float),
                             "northing": pd.Series(dtype=float), "approved_for": pd.Series(dtype=str)})
    cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
                                      "AND table_name = ?", [catalog, TABLE]).fetchall()}
    approved = "coalesce(approved_for, '')" if "approved_for" in cols else "''"
    return con.execute(f"SELECT place_id, name, kind, easting, northing, {approved} AS approved_for "
                       f"FROM {catalog}.main.{TABLE} ORDER BY place_id").df()
