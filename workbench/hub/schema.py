"""The hub's tables, created from the catalogue (STYLE rule 9: the catalogue *is* the schema).

Layout (guidance 4.4 "information hub"; Box 2 on keeping supplies as received):

- ``archive.<dataset>``: every row ever supplied, typed per the catalogue, plus
  ``_supply_id`` (the supply it came in), ``_line`` (its line in the supplied file) and
  ``_superseded_by`` (the supply that corrected it, or NULL while current).
- ``main.<dataset>``: a view of the current rows (canonical columns + ``_supply_id``).
- ``supplies``: one row per supply with its 3.4 metadata, file hashes, counts, who and when.
- ``hub_meta``: schema version and hub facts.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench import catalogue
from workbench.catalogue.model import Dataset

SCHEMA_VERSION = "1"

SYSTEM_TABLES = """
CREATE SCHEMA IF NOT EXISTS archive;
CREATE SEQUENCE IF NOT EXISTS supply_seq START 1;
CREATE TABLE IF NOT EXISTS hub_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS supplies (
    supply_id BIGINT PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    agency VARCHAR,
    partnership VARCHAR,
    files JSON,
    sha256 VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    rows_superseded BIGINT NOT NULL DEFAULT 0,
    supplied_by VARCHAR,
    supplied_at TIMESTAMP NOT NULL,
    period_start DATE,
    period_end DATE,
    partition_values JSON,
    metadata JSON,
    metadata_missing JSON,
    warnings JSON,
    adapter VARCHAR
);
"""


def archive_table(ds: Dataset) -> str:
    """The archive table of a dataset (every row ever supplied, superseded ones kept).

    Examples
    --------
    >>> from workbench import catalogue
    >>> archive_table(catalogue.get("police_uk_street"))
    'archive.police_uk_street'
    """
    return f"archive.{ds.id}"


#: per-kind storage options. Reference keys are near-unique, so DuckDB's string compression
#: (dictionary/FSST) saves little on them yet was the costliest column to write: a 5M-row
#: police_crime_offence supply spent 1.5 CPU-s compressing crime_ref, 0.45 CPU-s storing it
#: plain, for about 40 MB more on disk (bench/ingest_bench.py; docs/hub.md).
STORAGE_OPTIONS = {"ref": "USING COMPRESSION uncompressed"}


def column_sql(col) -> str:
    """One column of an archive table: name, storage type and any storage option.

    Examples
    --------
    >>> from workbench.catalogue.model import Column
    >>> column_sql(Column("month", kind="month")), column_sql(Column("crime_ref", kind="ref"))
    ('"month" VARCHAR', '"crime_ref" VARCHAR USING COMPRESSION uncompressed')
    """
    option = STORAGE_OPTIONS.get(col.kind)
    return f'"{col.name}" {col.storage}' + (f" {option}" if option else "")


def create_dataset_sql(ds: Dataset) -> str:
    """The archive table of ``ds`` and its view of the current rows (``_superseded_by IS NULL``).

    Examples
    --------
    >>> from workbench.catalogue.model import Column, Dataset
    >>> ds = Dataset(id="demo_events", title="Demo", source="local", agency="council", klass="D",
    ...              tiers=("peripheral",), cadence="monthly", columns=(Column("event_date", kind="date"),))
    >>> print(create_dataset_sql(ds))
    CREATE TABLE IF NOT EXISTS archive.demo_events (
        "event_date" DATE,
        _supply_id BIGINT NOT NULL,
        _line BIGINT,
        _superseded_by BIGINT
    );
    CREATE OR REPLACE VIEW main.demo_events AS SELECT "event_date", _supply_id FROM archive.demo_events WHERE _superseded_by IS NULL;
    """
    cols = ",\n    ".join(column_sql(c) for c in ds.columns)
    return (
        f"CREATE TABLE IF NOT EXISTS {archive_table(ds)} (\n    {cols},\n"
        f"    _supply_id BIGINT NOT NULL,\n    _line BIGINT,\n    _superseded_by BIGINT\n);\n"
        f"CREATE OR REPLACE VIEW main.{ds.id} AS SELECT "
        + ", ".join(f'"{c.name}"' for c in ds.columns)
        + f", _supply_id FROM {archive_table(ds)} WHERE _superseded_by IS NULL;\n"
    )


def add_missing_columns(con, ds: Dataset) -> list[str]:
    """Bring an older hub's archive table up to the catalogue: add the columns a later
    workbench added (contract: columns are only ever added), then rebuild the current view.

    Examples
    --------
    >>> import duckdb
    >>> from workbench.catalogue.model import Column, Dataset
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE SCHEMA archive")
    >>> old = Dataset(id="demo_events", title="Demo", source="local", agency="council", klass="D",
    ...               tiers=("peripheral",), cadence="monthly", columns=(Column("event_date", kind="date"),))
    >>> _ = con.execute(create_dataset_sql(old))
    >>> new = Dataset(**{**old.__dict__, "columns": old.columns + (Column("ward", kind="code"),)})
    >>> add_missing_columns(con, new), add_missing_columns(con, new)          # added once
    (['ward'], [])
    >>> [r[0] for r in con.execute("DESCRIBE demo_events").fetchall()]
    ['event_date', 'ward', '_supply_id']
    """
    have = {r[0] for r in con.execute(f"DESCRIBE {archive_table(ds)}").fetchall()}
    added = [c for c in ds.columns if c.name not in have]
    for c in added:
        con.execute(f"ALTER TABLE {archive_table(ds)} ADD COLUMN {column_sql(c)}")
    if added:
        con.execute(create_dataset_sql(ds).split(";\n", 1)[1])   # the CREATE OR REPLACE VIEW
    return [c.name for c in added]


def create_schema(con) -> None:
    """Create every system table and one archive table + current view per catalogue dataset.

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE SCHEMA archive")
    >>> create_schema(con)
    >>> con.execute("SELECT value FROM hub_meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    True
    >>> con.execute("SELECT count(*) FROM police_uk_street").fetchone()[0]    # one view per dataset, empty
    0
    """
    con.execute(SYSTEM_TABLES)
    for ds in catalogue.DATASETS:
        con.execute(create_dataset_sql(ds))
        add_missing_columns(con, ds)
    con.execute("INSERT OR REPLACE INTO hub_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    con.execute(
        "INSERT OR IGNORE INTO hub_meta VALUES ('created_at', CAST(current_timestamp AS VARCHAR))"
    )


def _make_private(folder: Path) -> None:
    """Leave the hub's folder 0700 whatever git (``data/restricted`` is checked out 0755) or the
    umask made it (issue 11). A folder others may write to and that is not ours to change (a
    sticky ``/tmp``-like folder, or another owner's) is refused: a hub never lives there."""
    import os
    import stat

    from workbench.errors import BadInput

    st = folder.stat()
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o077 or (mode & 0o077 == 0o010 and st.st_uid == os.getuid()):
        return          # private, or 0710: the shared tier's group may pass through (hub share)
    if st.st_uid != os.getuid() or mode & stat.S_ISVTX:
        raise BadInput(f"The hub folder '{folder}' is open to others (mode {oct(mode)}) and is "
                       f"{'a shared sticky folder' if mode & stat.S_ISVTX else 'owned by another user'}; "
                       f"choose a --hub path in a private folder of your own (it is made 0700).")
    os.chmod(folder, 0o700)


def init_hub(path: Path | str) -> Path:
    """Create (or bring up to date) the encrypted hub at ``path``; idempotent.

    The key comes from ``WORKBENCH_HUB_KEY`` or a new key file ``<hub>.key`` (mode 0600).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from workbench.hub.schema import init_hub
    >>> p = init_hub(pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb")
    >>> p.exists()
    True
    """
    from workbench.hub.connect import create_key, open_hub

    from workbench.errors import BadInput

    path = Path(path)
    if path.is_dir():
        raise BadInput(f"--hub '{path}' is a folder; give the hub file, e.g. '{path / 'hub.duckdb'}'.")
    try:
        if not path.parent.exists():
            # a new hub folder is private to its owner (guidance Box 2 on secure storage)
            path.parent.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        raise BadInput(f"Cannot create the hub folder '{path.parent}' ({exc.strerror}); "
                       f"choose a --hub path in a folder you can write to.") from None
    _make_private(path.parent)
    create_key(path)
    con = open_hub(path, must_exist=False)
    try:
        con.execute("BEGIN TRANSACTION")
        create_schema(con)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.chmod(path, 0o600)
    return path
