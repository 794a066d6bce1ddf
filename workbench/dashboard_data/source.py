"""Where the dashboards' data comes from: the published shared tier, read-only and locked.

Dashboards never open the master hub (DESIGN.md "Tiers are files"): every query here runs
in DuckDB on the depersonalised shared tier opened with
:func:`workbench.privacy.shared.open_shared_tier` (read-only, external access disabled,
configuration locked). Aggregation happens in SQL; only the aggregated rows reach pandas.

One DuckDB connection is kept per shared-tier file and process (DuckDB refuses to attach
the same file twice in one process); each query runs on its own cursor, so the many
sessions a Panel server holds can query in parallel threads. When ``workbench hub publish``
rewrites the file the connection is reopened (its modification time is part of the key).

A :class:`Source` carries the partnerships its queries may read (guidance 2.2.4; the
viewer's, :attr:`workbench.dashboard_data.access.Viewer.partnerships`): each cursor of a scoped source
sees the tier's tables through the filtering views of :mod:`workbench.privacy.scope`, and
the result cache is keyed on the scope, so one scope's answer is never served to another.
"""

from __future__ import annotations

import copy

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.errors import ResourceLocked
from workbench.hub.connect import ALIAS, shared_path
from workbench.privacy.shared import open_shared_tier

_LOCK = threading.Lock()
_CONNECTIONS: dict[Path, tuple[float, object]] = {}
#: how many recent query results are kept (they are small aggregates)
CACHE_SIZE = 512
_RESULTS: OrderedDict = OrderedDict()
_MISSING = object()


def _freeze(params) -> tuple:
    return tuple(tuple(p) if isinstance(p, list) else p for p in (params or []))


def clear_cache() -> None:
    """Forget cached query results (benchmarks measuring cold queries).

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> _ = _example_source().frame("select count(*) as n from council_asb")
    >>> len(_RESULTS) > 0
    True
    >>> clear_cache(); len(_RESULTS)
    0
    """
    with _LOCK:
        _RESULTS.clear()


def _connection(hub: Path):
    return _connection_and_version(hub)[0]


def _connection_and_version(hub: Path) -> tuple:
    """The open connection to ``hub``'s shared tier and the version (mtime) it was opened at."""
    db = shared_path(hub).resolve()
    if not db.exists():
        raise ResourceLocked(
            f"No shared tier at '{db}'. Publish it with `workbench hub publish --hub {hub}` "
            f"(the dashboards read only the depersonalised tier)."
        )
    mtime = db.stat().st_mtime
    with _LOCK:
        cached = _CONNECTIONS.get(db)
        if cached and cached[0] == mtime:
            return cached[1], mtime
        if cached:
            try:
                cached[1].close()
            except Exception:  # a connection already closed by the interpreter
                pass
        con = open_shared_tier(hub, spatial=False)
        _CONNECTIONS[db] = (mtime, con)
        return con, mtime


def close_all() -> None:
    """Close every cached shared-tier connection (tests and server shutdown).

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> source = _example_source()
    >>> _ = source.frame("select count(*) as n from council_asb")
    >>> len(_CONNECTIONS) > 0
    True
    >>> close_all(); len(_CONNECTIONS), len(_RESULTS)
    (0, 0)
    >>> int(source.frame("select count(*) as n from council_asb")["n"].iloc[0])   # reopened on use
    8
    """
    with _LOCK:
        for _, con in _CONNECTIONS.values():
            try:
                con.close()
            except Exception:
                pass
        _CONNECTIONS.clear()
        _RESULTS.clear()


@dataclass(frozen=True)
class Source:
    """The shared tier that belongs to a hub, as the dashboards see it.

    Parameters
    ----------
    hub : path of the master hub; the shared tier is ``shared.duckdb`` beside it.
    partnerships : the partnerships whose rows queries may read (guidance 2.2.4); ``None``
        (the default) reads every partnership. See :mod:`workbench.privacy.scope`.

    Examples
    --------
    The example tier's eight council ASB records all belong to partnership ``P``: a source
    narrowed to another partnership counts none of them, and narrowing never widens.

    >>> from workbench.dashboard_data.partners import _example_source
    >>> src = Source(_example_source().hub)
    >>> count = "select count(*) as n from council_asb"
    >>> [int(s.frame(count)["n"].iloc[0]) for s in (src, src.within({"P"}), src.within({"Q"}))]
    [8, 8, 0]
    >>> src.within({"P", "Q"}).within({"Q", "R"}).partnerships
    frozenset({'Q'})
    >>> src.products_dir.as_posix()
    'examples/products'
    """

    hub: Path
    partnerships: frozenset | None = None

    def __init__(self, hub, partnerships=None):
        object.__setattr__(self, "hub", Path(hub))
        object.__setattr__(self, "partnerships", None if partnerships is None else frozenset(partnerships))

    def within(self, partnerships) -> "Source":
        """This source narrowed to ``partnerships`` (``None``: unchanged); never widened."""
        if partnerships is None:
            return self
        narrowed = frozenset(partnerships)
        if self.partnerships is not None:
            narrowed &= self.partnerships
        return self if narrowed == self.partnerships else Source(self.hub, narrowed)

    def for_viewer(self, viewer) -> "Source":
        """This source narrowed to what ``viewer`` may see (``viewer=None``: unchanged)."""
        return self if viewer is None else self.within(viewer.partnerships)

    @property
    def scope(self) -> frozenset | None:
        """The partnerships queries are restricted to now; ``None`` when :attr:`partnerships`
        covers every partnership this version of the tier holds (nothing to filter)."""
        if self.partnerships is None:
            return None
        cur, version = self._open()
        try:
            return self._scope_at(cur, version)
        finally:
            cur.close()

    def version(self) -> float:
        """The published version (modification time) of the shared tier; ResourceLocked if absent."""
        try:
            return self.path.stat().st_mtime
        except FileNotFoundError:
            _connection(self.hub)          # raises ResourceLocked with what to do
            raise

    @property
    def path(self) -> Path:
        return shared_path(self.hub)

    @property
    def products_dir(self) -> Path:
        """Rendered products live beside the hub in ``products/`` (data/restricted/products)."""
        return self.hub.parent / "products"

    def connection_id(self) -> int:
        """Identifies the open connection (state kept in its in-memory catalog dies with it)."""
        return id(_connection(self.hub))

    def _open(self) -> tuple:
        """A cursor on the whole tier and the version of the connection it came from."""
        con, version = _connection_and_version(self.hub)
        cur = con.cursor()
        try:
            cur.execute(f"USE {ALIAS}")      # a cursor starts in the in-memory catalog
        except BaseException:
            cur.close()
            raise
        return cur, (version, id(con))

    def _raw_cursor(self):
        """A cursor on the whole tier, whatever the scope (builds the cubes and the layout)."""
        return self._open()[0]

    def _scope_at(self, cur, version) -> frozenset | None:
        """The effective scope on the connection ``cur`` belongs to (its own tier version)."""
        if self.partnerships is None:
            return None
        from workbench.privacy.scope import layout_at

        return layout_at(str(self.path), version, cur).effective(self.partnerships)

    def _shadow(self, cur, version, scope, sql: str | None) -> None:
        if scope is None:
            return
        from workbench.privacy.scope import layout_at, shadows

        for statement in shadows(layout_at(str(self.path), version, cur), scope, sql, ALIAS):
            cur.execute(statement)

    def _cursor(self, sql: str | None = None):
        """A cursor that sees only this source's scope: the tables ``sql`` names (every table
        when ``sql`` is None) are shadowed by filtering views (:mod:`workbench.privacy.scope`).
        The scope is worked out on the connection the cursor comes from, so a tier republished
        meanwhile is filtered by its own layout."""
        cur, version = self._open()
        try:
            self._shadow(cur, version, self._scope_at(cur, version), sql)
        except BaseException:
            cur.close()
            raise
        return cur

    @staticmethod
    def _hit(key):
        with _LOCK:
            hit = _RESULTS.get(key)
            if hit is None:
                return None
            _RESULTS.move_to_end(key)
            return hit.copy()

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run one aggregate query on its own cursor and return the (small) result.

        Results are cached per shared-tier version and scope (:data:`CACHE_SIZE` most recent
        queries): sessions that ask the same question (the same period, filters and
        partnerships) share one answer, and a republished tier (new modification time)
        starts a fresh cache.
        """
        if self.partnerships is None:         # every partnership: no cursor needed for a hit
            key = (str(self.path), self.version(), None, sql, _freeze(params))
            hit = self._hit(key)
            if hit is not None:
                return hit
        cur, version = self._open()
        try:
            scope = self._scope_at(cur, version)
            key = (str(self.path), version[0], None if scope is None else tuple(sorted(scope)), sql,
                   _freeze(params))
            hit = self._hit(key)
            if hit is not None:
                return hit
            self._shadow(cur, version, scope, sql)
            result = cur.execute(sql, params or []).df()
        finally:
            cur.close()
        with _LOCK:
            _RESULTS[key] = result
            while len(_RESULTS) > CACHE_SIZE:
                _RESULTS.popitem(last=False)
        return result.copy()

    def memo(self, name: str, args: tuple, compute):
        """``compute()``'s result, computed once per shared-tier version and scope for ``(name,
        args)`` and shared by every session, like :meth:`frame`'s query results (the same
        :data:`CACHE_SIZE` and :func:`clear_cache`).

        For statistics derived from this source's queries (the tactical hotspots' Gi*): the
        key carries the effective scope, so a viewer never gets another scope's result, and the
        tier's version, so a republished tier is computed afresh. Callers get a copy.

        Examples
        --------
        >>> from workbench.dashboard_data.partners import _example_source
        >>> source, calls = _example_source(), []
        >>> def count():
        ...     calls.append(1)
        ...     return int(source.scalar("select count(*) from council_asb"))
        >>> source.memo("asb", (), count) == source.memo("asb", (), count), len(calls)
        (True, 1)
        >>> clear_cache(); _ = source.memo("asb", (), count); len(calls)
        2
        """
        scope = self.scope
        version = self.version()
        key = (str(self.path), version, None if scope is None else tuple(sorted(scope)), "memo", name,
               _freeze(list(args)))
        with _LOCK:
            hit = _RESULTS.get(key, _MISSING)
            if hit is not _MISSING:
                _RESULTS.move_to_end(key)
        if hit is not _MISSING:
            return copy.deepcopy(hit)
        result = compute()
        if self.version() == version:        # not republished meanwhile
            with _LOCK:
                _RESULTS[key] = result
                while len(_RESULTS) > CACHE_SIZE:
                    _RESULTS.popitem(last=False)
        return copy.deepcopy(result)

    def scalar(self, sql: str, params: list | None = None):
        cur = self._cursor(sql)
        try:
            row = cur.execute(sql, params or []).fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    def tables(self) -> list[str]:
        """Tables and views published in the shared tier (schema ``main``) that this scope may
        see: a scoped source does not list data tables without a partnership column."""
        names = list(self.frame(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'main' order by 1"
        )["table_name"])
        if self.partnerships is None:
            return names
        from workbench.privacy.scope import layout_at

        cur, version = self._open()
        try:
            lay = layout_at(str(self.path), version, cur)
        finally:
            cur.close()
        scope = lay.effective(self.partnerships)
        return [t for t in names if lay.visible(t, scope)]

    def has(self, table: str) -> bool:
        return table in self.tables()

    def columns(self, table: str) -> list[str]:
        return list(self.frame(
            "select column_name from information_schema.columns where table_catalog = "
            "current_database() and table_schema = 'main' and table_name = ? order by ordinal_position",
            [table],
        )["column_name"])
