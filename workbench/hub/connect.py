"""Opening the hub's DuckDB files: keys, encryption at rest, read-only locked connections.

The master hub (``data/restricted/hub.duckdb``) and the published shared tier
(``data/restricted/shared.duckdb``) are separate encrypted files (DESIGN.md "Tiers are
files"; guidance Box 2 on secure storage). DuckDB encrypts with AES-GCM when a database is
attached with ``ENCRYPTION_KEY``; writing needs the ``httpfs`` extension loaded from its
wheel (no network is used; STACK.md).

Keys come from an environment variable (``WORKBENCH_HUB_KEY`` / ``WORKBENCH_SHARED_KEY``)
or from a key file beside the database (``hub.duckdb.key``, mode 0600) created on
``hub init``. A missing or wrong key raises :class:`~workbench.errors.ResourceLocked`
(exit 4) with a message that says what to do.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import duckdb

from workbench.sql import quote_literal
from workbench.errors import ResourceLocked

DEFAULT_HUB = Path("data/restricted/hub.duckdb")
HUB_KEY_ENV = "WORKBENCH_HUB_KEY"
SHARED_KEY_ENV = "WORKBENCH_SHARED_KEY"
ALIAS = "hub"


def default_hub() -> Path:
    """The hub path used when ``--hub`` is not given (``WORKBENCH_HUB`` overrides it).

    Examples
    --------
    >>> import os
    >>> saved = os.environ.pop("WORKBENCH_HUB", None)
    >>> default_hub().as_posix()
    'data/restricted/hub.duckdb'
    >>> os.environ["WORKBENCH_HUB"] = "elsewhere/hub.duckdb"
    >>> default_hub().as_posix()
    'elsewhere/hub.duckdb'
    >>> if saved is None: del os.environ["WORKBENCH_HUB"]
    ... else: os.environ["WORKBENCH_HUB"] = saved
    """
    return Path(os.environ.get("WORKBENCH_HUB", DEFAULT_HUB))


def shared_path(hub: Path | str) -> Path:
    """The shared (depersonalised) tier that belongs to a master hub: ``shared.duckdb`` beside it.

    Examples
    --------
    >>> shared_path("data/restricted/hub.duckdb").as_posix()
    'data/restricted/shared.duckdb'
    """
    return Path(hub).with_name("shared.duckdb")


def key_file(db: Path | str) -> Path:
    """The key file beside a database: ``<name>.key``.

    Examples
    --------
    >>> key_file("data/restricted/hub.duckdb").name
    'hub.duckdb.key'
    """
    db = Path(db)
    return db.with_name(db.name + ".key")


PORTAL_KEY_ENV = "WORKBENCH_PORTAL_KEY"


def _env_for(db: Path) -> str:
    """Each encrypted file has its own key variable: the internet-facing portal never holds
    the master hub's key, and partners' shared tier never holds either."""
    if db.name.startswith("shared"):
        return SHARED_KEY_ENV
    if db.name.startswith("portal"):
        return PORTAL_KEY_ENV
    return HUB_KEY_ENV


def create_key(db: Path | str) -> str:
    """Create a random key file beside ``db`` with mode 0600, unless the env var supplies one.

    Returns the key. An existing key file is reused (``hub init`` is idempotent).

    Examples
    --------
    >>> import os, stat, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> saved = os.environ.pop("WORKBENCH_HUB_KEY", None)   # no key from the environment
    >>> key = create_key(db)
    >>> len(key) >= 32, stat.S_IMODE(key_file(db).stat().st_mode) == 0o600, read_key(db) == key
    (True, True, True)
    >>> if saved is not None: os.environ["WORKBENCH_HUB_KEY"] = saved
    """
    db = Path(db)
    env = os.environ.get(_env_for(db))
    if env:
        return env
    kf = key_file(db)
    if kf.exists():
        return read_key(db)
    kf.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(kf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def read_key(db: Path | str) -> str:
    """Return the key for ``db`` from its env var or key file, or raise ResourceLocked (exit 4).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> read_key(pathlib.Path(tempfile.mkdtemp()) / "none.duckdb")
    Traceback (most recent call last):
    ...
    workbench.errors.ResourceLocked: ...
    """
    db = Path(db)
    env_name = _env_for(db)
    env = os.environ.get(env_name)
    if env:
        return env
    kf = key_file(db)
    if not kf.exists():
        raise ResourceLocked(
            f"No key for encrypted database '{db}': set {env_name} or provide the key file "
            f"'{kf}' (created by `workbench hub init`, mode 0600)."
        )
    mode = stat.S_IMODE(kf.stat().st_mode)
    # the shared tier's key may be read by its sharing group (workbench.hub.share): 0640
    allowed = 0o040 if env_name == SHARED_KEY_ENV else 0
    if mode & 0o077 & ~allowed:
        raise ResourceLocked(
            f"Key file '{kf}' is readable by other users (mode {oct(mode)}); "
            f"run `chmod 600 {kf}` and try again."
        )
    return kf.read_text().strip()


def new_connection(*, spatial: bool = False, temp_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with httpfs (for encrypted writes) and optionally spatial.

    Extensions load from their PyPI wheels; automatic installation is switched off so a
    missing extension fails at once rather than reaching for the network (STACK.md).

    Examples
    --------
    >>> con = new_connection()
    >>> con.execute("SELECT current_setting('temp_file_encryption')").fetchone()[0]
    True
    """
    from duckdb_extensions import import_extension

    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                              "autoload_known_extensions": False})
    import_extension("httpfs", con=con)
    con.execute("LOAD httpfs")
    try:  # in a Jupyter kernel DuckDB wants ipywidgets for this setting; it is only cosmetic
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    # Bounded memory; anything spilled (large staged supplies) is encrypted on disk too.
    con.execute(f"SET memory_limit = '{os.environ.get('WORKBENCH_MEMORY_LIMIT', '2GB')}'")
    con.execute("SET temp_file_encryption = true")
    if temp_dir is not None:
        temp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {quote_literal(temp_dir)}")
    if spatial:
        load_spatial(con)
    return con


def load_spatial(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's spatial extension from its wheel into ``con``.

    Examples
    --------
    >>> con = new_connection()
    >>> load_spatial(con)
    >>> con.execute("SELECT ST_AsText(ST_Point(457804, 340087))").fetchone()[0]
    'POINT (457804 340087)'
    """
    from duckdb_extensions import import_extension

    import_extension("spatial", con=con)
    con.execute("LOAD spatial")


def _attach(con, db: Path, key: str, read_only: bool, *, alias: str = ALIAS,
            shown: Path | None = None) -> None:
    opts = f"ENCRYPTION_KEY {quote_literal(key)}" + (", READ_ONLY" if read_only else "")
    path, db = db, (shown or db)
    try:
        con.execute(f"ATTACH {quote_literal(path)} AS {alias} ({opts})")
    except duckdb.Error as exc:
        # DuckDB's messages may quote the statement: the key must never be echoed
        msg = str(exc).replace(quote_literal(key)[1:-1], "***").replace(key, "***").replace(str(path), str(db))
        if "Wrong encryption key" in msg:
            raise ResourceLocked(
                f"Wrong key for encrypted database '{db}': check {_env_for(db)} or the key file "
                f"'{key_file(db)}'."
            ) from None
        if "lock" in msg.lower() or "Conflicting lock" in msg:
            raise ResourceLocked(
                f"Database '{db}' is in use by another process (it holds the write lock); "
                f"try again when that process has finished."
            ) from None
        if "file handle conflict" in msg:
            raise ResourceLocked(
                f"Database '{db}' is already open in this process; reuse that connection "
                f"(``con.cursor()`` per thread) instead of opening it twice."
            ) from None
        if "without a key" in msg:
            raise ResourceLocked(f"Database '{db}' is encrypted and no key was given.") from None
        raise ResourceLocked(f"Cannot open '{db}' as an encrypted workbench database "
                             f"({msg.strip().splitlines()[0][:200]}).") from None
    con.execute(f"USE {alias}")


def open_hub(path: Path | str | None = None, *, read_only: bool = False,
             spatial: bool = False, must_exist: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the master hub (encrypted) and return a connection whose default catalog is the hub.

    Parameters
    ----------
    path : the hub file; default :func:`default_hub`.
    read_only : attach read-only (several readers may share the file).
    spatial : also load the spatial extension.
    must_exist : raise :class:`ResourceLocked` when the file does not exist (run ``hub init``).

    Examples
    --------
    >>> from workbench.hub.schema import init_hub
    >>> hub = init_hub("open_hub/hub.duckdb")
    >>> con = open_hub(hub)
    >>> con.sql("SELECT count(*) FROM supplies").fetchone()
    (0,)
    >>> con.close()
    >>> open_hub("nowhere/hub.duckdb")
    Traceback (most recent call last):
    ...
    workbench.errors.ResourceLocked: No hub at 'nowhere/hub.duckdb'. Create one with `workbench hub init --hub nowhere/hub.duckdb`.
    """
    db = Path(path) if path else default_hub()
    if must_exist and not db.exists():
        raise ResourceLocked(f"No hub at '{db}'. Create one with `workbench hub init --hub {db}`.")
    key = read_key(db)
    from workbench.hub.user_datasets import load_beside

    load_beside(db)   # the hub's user-defined datasets join the catalogue (workbench.catalogue.user)
    con = new_connection(spatial=spatial, temp_dir=None if read_only else db.parent / ".tmp")
    _attach(con, db, key, read_only)
    return con


def open_locked(path: Path | str, *, spatial: bool = False) -> duckdb.DuckDBPyConnection:
    """Open an encrypted tier read-only with external access disabled and configuration locked.

    After this, SQL on the connection cannot ATTACH other files (the master hub), read
    files (``read_csv``, ``read_parquet``), reach the network, or change the settings back
    (DESIGN.md "Tiers are files"; guidance 4.2.4 on security).

    Examples
    --------
    >>> tier = _example_tier("open_locked/tier.duckdb")
    >>> con = open_locked(tier)
    >>> con.execute("SELECT x FROM t").fetchall()
    [(42,)]
    >>> con.execute("COPY t TO 'leak.csv'")
    Traceback (most recent call last):
    ...
    _duckdb.PermissionException: Permission Error: Cannot access file "leak.csv" - file system operations are disabled by configuration
    """
    db = Path(path)
    if not db.exists():
        raise ResourceLocked(f"No database at '{db}'. Has `workbench hub publish` been run?")
    key = read_key(db)
    con = new_connection(spatial=spatial)
    return attach_locked(con, db, key, ALIAS)


def attach_locked(con: duckdb.DuckDBPyConnection, db: Path, key: str, alias: str) -> duckdb.DuckDBPyConnection:
    """Attach ``db`` read-only as ``alias`` through a private link, then :func:`lock_down`.

    With external access off DuckDB still lets SQL write to the paths of every attached
    database (and its ``.wal``): ``COPY … TO 'shared.duckdb' (USE_TMP_FILE false)``
    overwrote the tier it was reading (issue 11 High 1). So the file is attached through a
    hard link (a copy where links are not possible) in a fresh 0700 folder beside it; that
    folder is removed as soon as the connection is locked, so the only paths DuckDB allows
    no longer exist, while the open file handle keeps reading the same data. An account that
    may read the tier but not write its folder (``workbench hub share``) gets a private copy
    in its own temporary folder instead, removed the same way.

    Examples
    --------
    >>> tier = _example_tier("attach_locked/tier.duckdb")
    >>> con = attach_locked(new_connection(), tier, read_key(tier), "tier")
    >>> con.execute("SELECT x FROM tier.t").fetchall(), sorted(p.name for p in tier.parent.iterdir())
    ([(42,)], ['tier.duckdb', 'tier.duckdb.key'])
    """
    import shutil
    import tempfile

    db = Path(db).resolve()
    try:
        private = Path(tempfile.mkdtemp(prefix=".wb-locked-", dir=db.parent)).resolve()
    except OSError:   # an account that may read the tier but not write its folder (``hub share``)
        private = Path(tempfile.mkdtemp(prefix="wb-locked-")).resolve()
    try:
        os.chmod(private, 0o700)
        for src in (db, db.with_name(db.name + ".wal")):
            if src.exists():
                dst = private / ("db" + src.name[len(db.name):])
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copy2(src, dst)
        try:
            _attach(con, private / "db", key, read_only=True, alias=alias, shown=db)
            lock_down(con, private)
        except BaseException:
            con.close()
            raise
    finally:
        shutil.rmtree(private, ignore_errors=True)
    return con


def lock_down(con: duckdb.DuckDBPyConnection, private: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Cut a connection off from every file and the network, then lock its configuration.

    ``enable_external_access = false`` alone is not enough in DuckDB 1.5.5: at that moment
    DuckDB adds the connection's temp directory (``<working dir>/.tmp/`` by default) to
    ``allowed_directories``, and SQL could then ``COPY … TO '.tmp/leak.csv'``, ``read_csv``,
    ``glob``, ``ATTACH`` a new database or ``ST_Read`` there (docs/security.md, issue 11
    High 1). So the temp directory is switched off (nothing spills to disk: a locked
    connection's queries stay within ``memory_limit``) and the allowed directories and paths
    are emptied *before* external access is turned off; the lock then stops SQL from
    changing any of them back.

    >>> from workbench.hub.connect import lock_down, new_connection
    >>> con = lock_down(new_connection())
    >>> con.execute("SELECT current_setting('allowed_directories')").fetchone()[0]
    []
    """
    con.execute("SET temp_directory = ''")
    con.execute("SET allowed_directories = []")
    con.execute("SET allowed_paths = []")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    dirs, paths, temp = con.execute("SELECT current_setting('allowed_directories'), "
                                    "current_setting('allowed_paths'), current_setting('temp_directory')").fetchone()
    # DuckDB re-adds the attached files' own paths: they must all be in ``private`` (removed next)
    stray = [p for p in paths if private is None or Path(p).parent != Path(private).resolve()]
    if dirs or stray or temp:   # a DuckDB upgrade that allows more: refuse to serve
        con.close()
        raise ResourceLocked(f"Cannot lock the connection: DuckDB still allows {dirs + stray + [temp]}; "
                             f"check the duckdb pin (STACK.md).")
    return con


def _example_tier(path: Path | str) -> Path:
    """An encrypted database at ``path`` (with its key file) holding ``t(x) = 42``: the examples' tier."""
    db = Path(path)
    db.parent.mkdir(parents=True, exist_ok=True)
    key = create_key(db)
    con = new_connection()
    try:
        _attach(con, db, key, read_only=False)
        con.execute("CREATE TABLE t AS SELECT 42 AS x")
    finally:
        con.close()
    return db
