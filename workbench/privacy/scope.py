"""Which partnerships' rows a dashboard query reads (guidance 2.2.4, Box 3; reference 003).

A hub may hold the data of several partnerships, and a user may see only the partnerships
:meth:`~workbench.registry.Registry.visible_partnerships` grants. The published shared tier
marks every record-level and ``<id>_counts`` table, and the sanitised ``supplies`` log, with
the ``partnership`` of the supply each row came from (:mod:`workbench.privacy.publication`).

A :class:`~workbench.dashboard_data.source.Source` carries the set of partnerships its queries may
read (its *scope*; ``None`` = every partnership). When that set does not cover everything
the tier holds, each query's cursor gets temporary views named like the tier's tables,
which shadow them for that cursor only (DuckDB resolves ``name`` and ``main.name`` to a
temporary view before the attached tier):

- a table with a partnership column: the rows of the scope's partnerships; rows whose supply
  named no partnership cannot be attributed and are left out;
- a reference table (catalogue class ``reference``: the ``ref_*`` layers) or the tier's
  record of its own publication (``publish_meta``: when, thresholds, by whom): unchanged;
- any other table: no rows, and :meth:`Layout.visible` hides it from listings (deny by
  default; the same rule as ``workbench hub export``, :mod:`workbench.privacy.export`).

The weekly cubes (:mod:`workbench.dashboard_data.cube`) are built once for the whole tier with a
``partnership`` column and filtered with :func:`in_scope`.

Examples
--------
>>> layout = Layout({"police_crime_offence": "partnership", "ref_imd": None, "x": None},
...                 frozenset({"ref_imd"}), frozenset({"Ashfield", "Mansfield"}), False)
>>> layout.effective(frozenset({"Mansfield"}))
frozenset({'Mansfield'})
>>> layout.effective(frozenset({"Ashfield", "Mansfield", "Derby"})) is None   # covers the tier
True
>>> layout.predicate("police_crime_offence", frozenset({"Mansfield"}))
'"partnership" IN (\\'Mansfield\\')'
>>> layout.predicate("x", frozenset({"Mansfield"})), layout.visible("ref_imd", frozenset())
('false', True)
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from workbench.sql import quote_identifier as _quote
from workbench.sql import quote_literal as _literal
from workbench import catalogue

#: the column that names a row's partnership (publish writes ``partnership``; export also reads ``_partnership``)
PARTNERSHIP_COLUMNS = ("partnership", "_partnership")
#: tables about the tier itself rather than any partnership's data (shown to every viewer)
TIER_METADATA = ("publish_meta",)

_LOCK = threading.Lock()
_LAYOUTS: dict = {}


def in_scope(column: str, scope) -> str:
    """SQL that keeps rows whose ``column`` names a partnership of ``scope`` (``None``: all).

    Partnership names are inlined as escaped string literals (a view cannot take parameters,
    and the text then differs per scope, so no cached answer crosses scopes).

    >>> in_scope("partnership", None), in_scope("partnership", frozenset())
    ('true', 'false')
    >>> in_scope("partnership", frozenset({"O'Hara", "Derby"}))
    '"partnership" IN (\\'Derby\\', \\'O\\'\\'Hara\\')'
    """
    if scope is None:
        return "true"
    if not scope:
        return "false"
    return f"{_quote(column)} IN ({', '.join(_literal(p) for p in sorted(scope))})"


def _is_reference(table: str) -> bool:
    try:
        return catalogue.get(table).klass == "reference"
    except Exception:          # not a catalogue dataset (``supplies``, ``<id>_counts``, …)
        return False


@dataclass(frozen=True)
class Layout:
    r"""What the tier holds, as far as partnerships go (one per published version).

    Attributes
    ----------
    columns : ``{table: partnership column or None}`` for every table of the tier.
    reference : tables shown to everyone (reference layers and :data:`TIER_METADATA`).
    partnerships : the partnerships named by any row of the tier.
    unattributed : True when some rows cannot be attributed to a partnership (a partnership
        column left empty, or a data table without one).

    Examples
    --------
    >>> lay = read_layout(_example_tier_cursor())
    >>> lay.columns, sorted(lay.partnerships), lay.unattributed          # one row has no partnership
    ({'police_uk_street': 'partnership', 'ref_imd': None}, ['Gedling', 'Nottingham'], True)
    >>> lay.predicate("police_uk_street", {"Nottingham"}), lay.predicate("ref_imd", {"Nottingham"})
    ('"partnership" IN (\'Nottingham\')', None)
    """

    columns: dict
    reference: frozenset
    partnerships: frozenset
    unattributed: bool

    def effective(self, scope) -> frozenset | None:
        """The scope queries must apply: ``None`` when ``scope`` covers everything the tier holds."""
        if scope is None or (not self.unattributed and self.partnerships <= scope):
            return None
        return frozenset(scope) & self.partnerships

    def predicate(self, table: str, scope) -> str | None:
        """The row filter of ``table`` under ``scope`` (None: read unchanged)."""
        if scope is None or table in self.reference:
            return None
        column = self.columns.get(table)
        return "false" if column is None else in_scope(column, scope)

    def visible(self, table: str, scope) -> bool:
        """Whether ``table`` may be listed under ``scope`` (deny by default)."""
        return scope is None or table in self.reference or self.columns.get(table) is not None

    def to_dict(self) -> dict:
        return {"partnerships": sorted(self.partnerships), "unattributed": self.unattributed,
                "reference": sorted(self.reference),
                "scoped_tables": sorted(t for t, c in self.columns.items() if c)}


def read_layout(cur) -> Layout:
    """The :class:`Layout` of the tier ``cur`` is USE'd on (an unscoped cursor).

    Examples
    --------
    >>> read_layout(_example_tier_cursor()).reference                    # shown to everyone
    frozenset({'ref_imd'})
    """
    rows = cur.execute(
        "select table_name, column_name from information_schema.columns where table_catalog = "
        "current_database() and table_schema = 'main' order by table_name, ordinal_position").fetchall()
    names: dict[str, list] = {}
    for table, column in rows:
        names.setdefault(table, []).append(column)
    columns = {t: next((c for c in PARTNERSHIP_COLUMNS if c in cols), None) for t, cols in names.items()}
    reference = frozenset(t for t in columns if t in TIER_METADATA or _is_reference(t))
    parts = [f"select distinct cast({_quote(c)} as varchar) as p from {_quote(t)}"
             for t, c in columns.items() if c]
    values = {r[0] for r in cur.execute(" union ".join(parts)).fetchall()} if parts else set()
    unattributed = None in values or any(c is None and t not in reference for t, c in columns.items())
    return Layout(columns, reference, frozenset(v for v in values if v is not None), unattributed)


def layout_at(path: str, version, cur) -> Layout:
    """The :class:`Layout` of the tier ``cur`` reads (an unscoped cursor of the connection
    opened at ``version``), read once per connection.

    Examples
    --------
    >>> cur = _example_tier_cursor()
    >>> first = layout_at("tier.duckdb", 1, cur)
    >>> layout_at("tier.duckdb", 1, cur) is first, layout_at("tier.duckdb", 2, cur) is first   # read once per version
    (True, False)
    >>> clear()
    """
    key = (path, version)
    with _LOCK:
        if key in _LAYOUTS:
            return _LAYOUTS[key]
    result = read_layout(cur)
    with _LOCK:
        for old in [k for k in _LAYOUTS if k[0] == path and k != key]:
            del _LAYOUTS[old]
        _LAYOUTS[key] = result
    return result


def layout(source) -> Layout:
    """The :class:`Layout` of ``source``'s shared tier as published now.

    Examples
    --------
    >>> from workbench.hub.connect import _example_tier, shared_path
    >>> from workbench.dashboard_data.source import Source
    >>> _ = _example_tier(shared_path("layout/hub.duckdb"))                 # a tier holding t(x)
    >>> lay = layout(Source("layout/hub.duckdb"))
    >>> lay.columns, lay.unattributed                                        # a data table without a partnership column
    ({'t': None}, True)
    >>> clear()
    """
    cur, version = source._open()
    try:
        return layout_at(str(source.path), version, cur)
    finally:
        cur.close()


def shadows(lay: Layout, scope, sql: str | None, catalog: str) -> list[str]:
    """``CREATE TEMP VIEW`` statements restricting the tables ``sql`` names (all when None).

    Examples
    --------
    >>> lay = read_layout(_example_tier_cursor())
    >>> print(shadows(lay, {"Nottingham"}, None, "memory")[0])
    create or replace temp view "police_uk_street" as select * from memory.main."police_uk_street" where "partnership" IN ('Nottingham')
    >>> shadows(lay, None, None, "memory"), shadows(lay, {"Nottingham"}, "select * from ref_imd", "memory")
    ([], [])
    """
    if scope is None:
        return []
    out = []
    for table in lay.columns:
        where = lay.predicate(table, scope)
        if where is None or (sql is not None and not re.search(rf"\b{re.escape(table)}\b", sql)):
            continue
        out.append(f"create or replace temp view {_quote(table)} as "
                   f"select * from {catalog}.main.{_quote(table)} where {where}")
    return out


def clear() -> None:
    """Forget every layout read (tests).

    Examples
    --------
    >>> _ = layout_at("tier.duckdb", 1, _example_tier_cursor())
    >>> clear()
    >>> len(_LAYOUTS)
    0
    """
    with _LOCK:
        _LAYOUTS.clear()


def _example_tier_cursor():
    """An in-memory tier: ``police_uk_street`` rows of two partnerships and one unattributed, and
    ``ref_imd``: the examples' data."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE police_uk_street AS SELECT * FROM (VALUES ('Nottingham', 1), ('Gedling', 2), "
                "(NULL, 3)) v(partnership, n)")
    con.execute("CREATE TABLE ref_imd AS SELECT 'E01000001' AS lsoa_code")
    return con
