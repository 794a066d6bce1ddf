"""One factory for test hubs, built from code (STYLE rule 8; datasette's ``make_app_client``).

:func:`make_hub` lays out a hub directory the way the workbench does (an encrypted master
``hub.duckdb``, an encrypted ``shared.duckdb`` beside it, the ``registry.sqlite``) from
keyword switches, so each test module states only *what* its hub holds:

- ``ingest``: datasets loaded through the real ``hub ingest`` (``ingest_frame``), so the
  ``supplies`` log and the archive are real;
- ``tables``: raw tables written straight into an encrypted master file (for tests of the
  governance code that must not depend on ingest);
- ``shared``: tables of the shared tier, or ``"copy"`` to copy the master's current rows and
  its ``supplies`` log into it (what ``hub publish`` would give for data without identifiers);
- ``registry``: a function that fills the registry (partnerships, agencies, users);
- ``then``: a last step given the hub's path (e.g. registering a place through the library);
- ``cache``: a name under which the first build of this process is kept and copied into
  later tests' directories (Argon2 password hashing is deliberately slow).

A table is a ``pandas.DataFrame`` or a pair ``(frame, select)`` where ``select`` is SQL
reading ``frame`` (for casts and column choices). The data itself lives in the test modules'
fixture files (``privacy_hub``, ``products_fixtures``, ``dashboards_fixture``,
``dashboards_scope_fixture``, ``governance_helpers``, ``portal_support``); each offers its
keyword switches to pass here.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

_CACHE: dict[str, Path] = {}


def make_hub(directory: Path | str, *, init: bool = True,
             ingest: Mapping[str, object] | None = None,
             tables: Mapping[str, object] | None = None,
             shared: Mapping[str, object] | str | None = None,
             registry: Callable | None = None, then: Callable | None = None,
             cache: str | None = None) -> Path:
    """Build a hub in ``directory`` and return the master hub's path (``directory/hub.duckdb``).

    ``init`` runs ``hub init`` first (``init=False``: no master hub unless ``tables`` makes one);
    ``ingest`` maps a dataset id to a frame or to ``(frame, ingest_frame keyword arguments)``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if cache is not None:
        if cache not in _CACHE:
            template = Path(tempfile.mkdtemp(prefix=f"hub-template-{cache}-"))
            make_hub(template, init=init, ingest=ingest, tables=tables, shared=shared,
                     registry=registry, then=then)
            _CACHE[cache] = template
        for f in _CACHE[cache].iterdir():
            if f.is_file():
                shutil.copy2(f, directory / f.name)
        return directory / "hub.duckdb"
    hub = directory / "hub.duckdb"
    if init:
        from workbench.hub.schema import init_hub

        init_hub(hub)
    for dataset, spec in (ingest or {}).items():
        from workbench.hub.ingest import ingest_frame

        frame, options = spec if isinstance(spec, tuple) else (spec, {})
        options = {"source_name": dataset, **options}
        ingest_frame(hub, dataset, frame, **options)
    if tables is not None:
        write_tables(hub, tables)
    if shared is not None:
        from workbench.hub.connect import shared_path

        write_tables(shared_path(hub), _current_rows(hub) if shared == "copy" else shared)
    if registry is not None:
        from workbench.registry import open_registry

        with open_registry(hub) as reg:
            registry(reg)
    if then is not None:
        then(hub)
    return hub


def write_tables(db: Path, tables: Mapping[str, object]) -> Path:
    """Write ``tables`` into the encrypted DuckDB file ``db`` (its key file created if absent)."""
    from workbench.hub.connect import create_key, key_file, new_connection, read_key

    key = read_key(db) if key_file(db).exists() else create_key(db)
    con = new_connection()
    con.execute(f"ATTACH '{db}' AS t (ENCRYPTION_KEY '{key}')")
    try:
        for name, spec in tables.items():
            frame, select = spec if isinstance(spec, tuple) else (spec, "SELECT * FROM frame")
            con.register("frame", frame)
            con.execute(f"CREATE OR REPLACE TABLE t.{name} AS {select}")
            con.unregister("frame")
    finally:
        con.execute("DETACH t")
        con.close()
    return db


def _current_rows(hub: Path) -> dict[str, pd.DataFrame]:
    """Every dataset's current rows (without ``_supply_id``) and the ``supplies`` log."""
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        datasets = [r[0] for r in con.execute("SELECT DISTINCT dataset FROM supplies").fetchall()]
        out = {ds: con.execute(f"SELECT * EXCLUDE (_supply_id) FROM main.{ds}").df() for ds in datasets}
        out["supplies"] = con.execute("SELECT * FROM supplies").df()
    finally:
        con.close()
    return out
