"""Declaring a user-defined dataset in a hub (issue 16): the YAML kept beside it, its tables created.

:func:`declare` validates a declaration (:mod:`workbench.catalogue.user`), refuses a version that
is not newer or that removes/retypes columns, creates (or extends) the dataset's archive table
and current view in the hub and writes the declaration to ``<hub folder>/datasets/<id>.yaml``,
keeping every earlier version under ``datasets/history/``. The schema change and the file are
one step: if either fails, neither is left behind. :func:`load_beside` registers a hub's
declarations; :func:`workbench.hub.connect.open_hub` calls it, so every command sees them.

Permission (the coordinator, ``admin``) and the audit entry are the command's job
(``workbench datasets add``), as for every registry change.

Examples
--------
>>> folder_of("data/restricted/hub.duckdb").as_posix()
'data/restricted/datasets'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from workbench.catalogue import user
from workbench.errors import BadInput


def folder_of(hub: Path | str) -> Path:
    """The folder beside ``hub`` that keeps its dataset declarations (``datasets/``).

    Examples
    --------
    >>> folder_of("data/restricted/hub.duckdb").as_posix()
    'data/restricted/datasets'
    """
    return Path(hub).parent / user.FOLDER


def load_beside(hub: Path | str) -> list:
    r"""Register the declarations kept beside ``hub`` in this process's catalogue.

    Examples
    --------
    >>> from workbench.catalogue.user import _forget
    >>> folder_of("beside/hub.duckdb").mkdir(parents=True)
    >>> _ = (folder_of("beside/hub.duckdb") / "doc_beside.yaml").write_text(
    ...     "id: doc_beside\ntitle: Beside\nversion: 1\nclass: D\ncolumns:\n  - {name: ref, kind: ref}\n")
    >>> [d.id for d in load_beside("beside/hub.duckdb")]
    ['doc_beside']
    >>> _forget("doc_beside")                                # leave this process's catalogue as it was
    """
    return user.load(Path(hub).parent)


def declare(hub: Path | str, spec: Path | str) -> dict:
    r"""Add or upgrade a user-defined dataset in ``hub`` from the YAML file ``spec``.

    Examples
    --------
    >>> from workbench.catalogue.user import _forget
    >>> from workbench.hub.schema import init_hub
    >>> hub = init_hub("declare/hub.duckdb")
    >>> _ = Path("cctv.yaml").write_text("id: doc_cctv\ntitle: CCTV incidents\nversion: 1\nclass: D\n"
    ...                                  "columns:\n  - {name: incident_ref, kind: ref}\n")
    >>> done = declare(hub, "cctv.yaml")
    >>> done["added_columns"], Path(done["declaration"]).name
    (['incident_ref'], 'doc_cctv.yaml')
    >>> declare(hub, "cctv.yaml")                             # the same version again
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: cctv.yaml: 'doc_cctv' is at version 1; a change needs version 2 or later.
    >>> _forget("doc_cctv")                                  # leave this process's catalogue as it was
    """
    from workbench.hub.connect import open_hub
    from workbench.hub.schema import archive_table, column_sql, create_dataset_sql

    version, ds = user.read(spec)
    folder = folder_of(hub)
    current = folder / f"{ds.id}.yaml"
    added: list[str] = [c.name for c in ds.columns]
    old = None
    if current.exists():
        old_version, old = user.read(current)
        if version <= old_version:
            raise BadInput(f"{Path(spec).name}: '{ds.id}' is at version {old_version}; a change needs "
                           f"version {old_version + 1} or later.")
        user.check_upgrade(old, ds)
        added = [c.name for c in ds.columns if c.name not in old.column_names]
    folder.mkdir(mode=0o700, exist_ok=True)
    (folder / "history").mkdir(mode=0o700, exist_ok=True)
    text = Path(spec).read_text(encoding="utf-8")
    con = open_hub(hub)
    written: Path | None = None
    try:
        con.execute("BEGIN TRANSACTION")
        if old is None:
            con.execute(create_dataset_sql(ds))
        else:
            for c in ds.columns:
                if c.name in added:
                    con.execute(f"ALTER TABLE {archive_table(ds)} ADD COLUMN {column_sql(c)}")
            con.execute(create_dataset_sql(ds))    # IF NOT EXISTS table; the view is replaced
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{ds.id}.", suffix=".yaml")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if current.exists():
            os.replace(current, folder / "history" / f"{ds.id}.v{old_version}.yaml")
        os.replace(tmp, current)
        written = current
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except Exception:
            pass
        if written is not None:
            written.unlink(missing_ok=True)
            prev = folder / "history" / f"{ds.id}.v{old_version}.yaml" if old is not None else None
            if prev is not None and prev.exists():
                os.replace(prev, current)
        raise
    finally:
        con.close()
    user.register(version, ds)
    return {"dataset": ds.id, "version": version, "class": ds.klass, "columns": ds.column_names,
            "added_columns": added, "declaration": str(current)}


def declarations(hub: Path | str) -> list[dict]:
    r"""Every user-defined dataset of ``hub`` with its version and columns.

    Examples
    --------
    >>> from workbench.catalogue.user import _forget
    >>> folder_of("listed/hub.duckdb").mkdir(parents=True)
    >>> _ = (folder_of("listed/hub.duckdb") / "doc_listed.yaml").write_text(
    ...     "id: doc_listed\ntitle: Listed\nversion: 2\nclass: P\ncolumns:\n  - {name: ref, kind: ref}\n")
    >>> declarations("listed/hub.duckdb")
    [{'dataset': 'doc_listed', 'version': 2, 'class': 'P', 'title': 'Listed', 'columns': ['ref']}]
    >>> _forget("doc_listed")                                # leave this process's catalogue as it was
    """
    out = []
    for ds in load_beside(hub):
        out.append({"dataset": ds.id, "version": user.declared().get(ds.id), "class": ds.klass,
                    "title": ds.title, "columns": ds.column_names})
    return out
