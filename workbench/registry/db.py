"""The registry file: ``registry.sqlite`` beside the hub, its connection settings and schema.

The registry holds who may do what (partnerships, agencies, users), what was done (the
audit chain) and the decisions that govern personal data (requests, releases, consents,
FOI). It is SQLite rather than a table in the encrypted DuckDB hub because several processes
(the dashboards, the portal, a command line) write to it at once and DuckDB allows one
writer per file; SQLite in WAL mode lets readers carry on while one short write transaction
runs, and ``busy_timeout`` makes a second writer wait instead of failing (guidance 4.2.4,
"data are securely managed": the access record must never be lost to a lock).

The schema is versioned with ``PRAGMA user_version``: :data:`MIGRATIONS` is a list of SQL
scripts, script *i* brings the file from version *i* to *i + 1*. Add a migration to change
the schema; never edit one that has shipped.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

#: how long a writer waits for another writer's lock before giving up (milliseconds)
BUSY_TIMEOUT_MS = 30_000

MIGRATIONS: list[str] = [
    # version 0 -> 1: partnerships, agencies, users, audit chain, requests, FOI
    """
    CREATE TABLE partnerships (
        name TEXT PRIMARY KEY,
        parent TEXT REFERENCES partnerships(name),
        cross_border INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );
    CREATE TABLE partnership_sharing (          -- one row per side's ISP decision (guidance 2.2.4)
        partnership TEXT NOT NULL REFERENCES partnerships(name),
        with_partnership TEXT NOT NULL REFERENCES partnerships(name),
        allowed INTEGER NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (partnership, with_partnership)
    );
    CREATE TABLE agencies (
        name TEXT PRIMARY KEY,
        agency_group TEXT NOT NULL CHECK (agency_group IN ('central', 'second')),
        dlo TEXT,
        isp_status TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE agency_partnerships (
        agency TEXT NOT NULL REFERENCES agencies(name),
        partnership TEXT NOT NULL REFERENCES partnerships(name),
        PRIMARY KEY (agency, partnership)
    );
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        agency TEXT NOT NULL REFERENCES agencies(name),
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at TEXT NOT NULL,
        last_login TEXT
    );
    CREATE TABLE dataset_markings (
        dataset TEXT PRIMARY KEY,
        marking TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT NOT NULL,
        outcome TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TABLE audit_head (                    -- the last entry, so deleting the tail shows
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        purpose TEXT NOT NULL,
        questions TEXT NOT NULL,                 -- JSON list
        datasets TEXT NOT NULL,                  -- JSON {dataset: [fields]}
        legal_basis TEXT NOT NULL,               -- JSON list
        requester TEXT NOT NULL REFERENCES users(name),
        supplying_agency TEXT NOT NULL REFERENCES agencies(name),
        partnership TEXT,
        status TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        decision_note TEXT,
        created_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE TABLE request_consents (              -- originating agencies' consent (2.4.2.4)
        request_id INTEGER NOT NULL REFERENCES requests(id),
        agency TEXT NOT NULL REFERENCES agencies(name),
        consented_by TEXT NOT NULL,
        consented_at TEXT NOT NULL,
        PRIMARY KEY (request_id, agency)
    );
    CREATE TABLE release_files (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests(id),
        path TEXT NOT NULL,
        kind TEXT NOT NULL,                      -- 'release' (restricted copy) or 'export'
        dataset TEXT NOT NULL,
        rows INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        purged_at TEXT
    );
    CREATE TABLE foi_requests (
        id INTEGER PRIMARY KEY,
        received_at TEXT NOT NULL,
        requester TEXT NOT NULL,                 -- a member of the public or body outside the CSP
        information TEXT NOT NULL,
        datasets TEXT NOT NULL,                  -- JSON list
        originating_agencies TEXT NOT NULL,      -- JSON list
        recorded_by TEXT NOT NULL,
        status TEXT NOT NULL,
        decided_by TEXT,
        decided_at TEXT,
        decision_note TEXT
    );
    CREATE TABLE foi_consultations (
        foi_id INTEGER NOT NULL REFERENCES foi_requests(id),
        agency TEXT NOT NULL REFERENCES agencies(name),
        consent INTEGER NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (foi_id, agency)
    );
    """,
    # version 1 -> 2: data protection impact assessments per ISP (UK GDPR Art 35) and the
    # Caldicott guardian step for health data (workbench.privacy.dpia, .caldicott)
    """
    CREATE TABLE dpias (
        id INTEGER PRIMARY KEY,
        agency TEXT NOT NULL REFERENCES agencies(name),
        partnership TEXT REFERENCES partnerships(name),   -- NULL: every partnership of the agency
        reference TEXT NOT NULL,
        completed_on TEXT NOT NULL,
        review_by TEXT NOT NULL,
        residual_high_risk INTEGER NOT NULL DEFAULT 0,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE TABLE caldicott_guardians (
        agency TEXT PRIMARY KEY REFERENCES agencies(name),
        guardian TEXT NOT NULL REFERENCES users(name),
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE TABLE request_caldicott (
        request_id INTEGER PRIMARY KEY REFERENCES requests(id),
        guardian TEXT NOT NULL REFERENCES users(name),
        approved INTEGER NOT NULL,
        note TEXT,
        decided_at TEXT NOT NULL
    );
    """,
    # version 2 -> 3: e-mail notifications (workbench.notify): contacts, an outbox, a cursor
    """
    CREATE TABLE user_contacts (
        user TEXT PRIMARY KEY REFERENCES users(name),
        email TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        event_key TEXT NOT NULL UNIQUE,
        to_user TEXT NOT NULL,
        to_addr TEXT,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        sent_at TEXT,
        last_error TEXT
    );
    CREATE TABLE notify_cursor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        audit_seq INTEGER NOT NULL
    );
    """,
    # the subjects a personal-data request names (issue 13; guidance 4.3.4 minimum necessary):
    # JSON {dataset: {column: [values]}}; NULL on requests made before subjects existed
    """
    ALTER TABLE requests ADD COLUMN subjects TEXT;
    """,
    # a request that names no subjects must say why every row is needed (issue 13; guidance
    # 4.3.4): the requester's justification, shown to the DLO; NULL for a request naming subjects
    """
    ALTER TABLE requests ADD COLUMN whole_population TEXT;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def registry_path(hub: Path | str) -> Path:
    """The registry that belongs to a hub: ``registry.sqlite`` beside it.

    Examples
    --------
    >>> registry_path("data/restricted/hub.duckdb").as_posix()
    'data/restricted/registry.sqlite'
    """
    return Path(hub).with_name("registry.sqlite")


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) a registry file in WAL mode and bring its schema up to date.

    The connection is in autocommit mode (``isolation_level=None``); writers open their own
    ``BEGIN IMMEDIATE`` transaction so a read-then-write (the audit chain's previous hash)
    cannot interleave with another process.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> con = connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> con.execute("PRAGMA foreign_keys").fetchone()[0]
    1
    """
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            # created 0600 before SQLite opens it: its -wal/-shm files copy this mode
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        from workbench.errors import ResourceLocked

        raise ResourceLocked(f"Cannot create the registry '{path}' ({exc.strerror}); check --hub "
                             f"names a hub in a folder you can write to.") from None
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                          check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA foreign_keys = ON")
    migrate(con)
    try:
        path.chmod(0o600)
    except OSError:
        pass
    return con


def migrate(con: sqlite3.Connection) -> int:
    """Apply the migrations the file has not seen yet; return the schema version.

    Examples
    --------
    >>> import sqlite3
    >>> con = sqlite3.connect(":memory:", isolation_level=None)
    >>> con.row_factory = sqlite3.Row
    >>> version = migrate(con)
    >>> version >= 1 and migrate(con) == version   # applying again changes nothing
    True
    """
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        from workbench.errors import ResourceLocked

        raise ResourceLocked(
            f"The registry has schema version {version} but this workbench knows only "
            f"{SCHEMA_VERSION}; upgrade the workbench before using this hub."
        )
    while version < SCHEMA_VERSION:
        con.execute("BEGIN IMMEDIATE")
        try:
            current = con.execute("PRAGMA user_version").fetchone()[0]
            if current == version:  # another process may have migrated meanwhile
                for statement in _statements(MIGRATIONS[version]):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {version + 1}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        version = con.execute("PRAGMA user_version").fetchone()[0]
    return version


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``CREATE TRIGGER … END;`` kept whole)."""
    out, buf = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        buf.append(line)
        text = "\n".join(buf)
        if sqlite3.complete_statement(text):
            out.append(text.strip())
            buf = []
    if buf and "".join(buf).strip():
        out.append("\n".join(buf).strip())
    return out
