"""The portal's own encrypted store, ``portal.duckdb`` beside the hub (single writer: the portal).

Submissions, source details, gradings, registration requests and transfer state are
special-category personal data (guidance 2.1 B; reference 001 on anonymous sources), so they
live in their own encrypted DuckDB file rather than the shared registry or the hub:

* the file is ``portal.duckdb`` beside the hub, attached with AES-GCM encryption; its key is
  ``WORKBENCH_HUB_KEY`` when that is set (the hub's key, through
  :func:`workbench.hub.connect.read_key`), otherwise the key file ``portal.duckdb.key``
  (mode 0600) created on first use;
* one process owns it (DuckDB allows one writing process): the portal server, or a
  ``workbench portal …`` command while the server is stopped;
* inside the process there is one connection; each request reads through its own cursor and
  every write holds one lock; submissions are written by a group-commit writer so that many
  concurrent submissions share a transaction (each caller returns only after its commit).

Source details sit in their own table so no query of submissions can return them by accident.
"""

from __future__ import annotations

import queue
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb

from workbench.errors import ResourceLocked
from workbench.hub.connect import create_key, key_file, new_connection

ALIAS = "portal"

SCHEMA = """
CREATE TABLE IF NOT EXISTS portal.submissions (
    submission_ref VARCHAR PRIMARY KEY, submitted_at TIMESTAMP NOT NULL, partner_agency VARCHAR NOT NULL,
    submitter VARCHAR NOT NULL, channel VARCHAR NOT NULL, category VARCHAR NOT NULL,
    intelligence_text VARCHAR NOT NULL, location VARCHAR, postcode VARCHAR, occurred_at VARCHAR,
    source_type VARCHAR NOT NULL, anonymity_requested VARCHAR NOT NULL, subjects VARCHAR,
    status VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS portal.source_details (
    submission_ref VARCHAR PRIMARY KEY, details VARCHAR);
CREATE TABLE IF NOT EXISTS portal.gradings (
    submission_ref VARCHAR PRIMARY KEY, source_evaluation VARCHAR NOT NULL,
    intelligence_assessment VARCHAR NOT NULL, handling_code VARCHAR NOT NULL,
    handling_conditions VARCHAR, decision VARCHAR NOT NULL, referred_to VARCHAR, triage_notes VARCHAR,
    graded_by VARCHAR NOT NULL, graded_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS portal.transfers (
    submission_ref VARCHAR PRIMARY KEY, state VARCHAR NOT NULL, attempts INTEGER NOT NULL,
    last_error VARCHAR, supply_id BIGINT, record_json VARCHAR, record_csv VARCHAR,
    queued_at TIMESTAMP NOT NULL, done_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS portal.registration_requests (
    request_id VARCHAR PRIMARY KEY, agency_name VARCHAR NOT NULL, agency_type VARCHAR NOT NULL,
    contact_name VARCHAR NOT NULL, contact_email VARCHAR NOT NULL, contact_phone VARCHAR,
    reason VARCHAR, submitted_at TIMESTAMP NOT NULL, state VARCHAR NOT NULL,
    decided_by VARCHAR, decided_at TIMESTAMP, decision_note VARCHAR);
CREATE TABLE IF NOT EXISTS portal.registration_staff (
    request_id VARCHAR NOT NULL, username VARCHAR NOT NULL, full_name VARCHAR NOT NULL,
    email VARCHAR NOT NULL, job_title VARCHAR, activation_hash VARCHAR, activation_expires TIMESTAMP,
    activated_at TIMESTAMP, PRIMARY KEY (request_id, username));
"""

#: paths of stores open in this process (DuckDB's file lock is per process, so a second
#: in-process open must be refused here)
_OPEN: set[str] = set()
_OPEN_LOCK = threading.Lock()


def portal_path(hub: Path | str) -> Path:
    """The portal store that belongs to a hub: ``portal.duckdb`` beside it."""
    return Path(hub).with_name("portal.duckdb")


class PortalStore:
    """One open ``portal.duckdb``: a connection, a write lock and a group-commit submission writer.

    Parameters
    ----------
    hub : the hub file; the store is ``portal.duckdb`` beside it (created if absent).

    Examples
    --------
    >>> store = PortalStore("data/restricted/hub.duckdb")   # doctest: +SKIP
    >>> with store.cursor() as cur:                          # doctest: +SKIP
    ...     cur.execute("select count(*) from portal.submissions").fetchone()
    """

    def __init__(self, hub: Path | str):
        self.path = portal_path(hub).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _OPEN_LOCK:
            if str(self.path) in _OPEN:
                raise ResourceLocked(f"Portal store '{self.path}' is already open in this process.")
            _OPEN.add(str(self.path))
        try:
            key = create_key(self.path)
            self._con = new_connection()
            path_sql = str(self.path).replace("'", "''")
            try:
                self._con.execute(f"ATTACH '{path_sql}' AS {ALIAS} (ENCRYPTION_KEY '{key}')")
            except duckdb.Error as exc:
                msg = str(exc)
                if "Wrong encryption key" in msg:
                    raise ResourceLocked(f"Wrong key for the portal store '{self.path}': check "
                                         f"WORKBENCH_HUB_KEY or '{key_file(self.path)}'.") from None
                if "lock" in msg.lower():
                    raise ResourceLocked(
                        f"The portal store '{self.path}' is in use by another process (the portal "
                        "server owns it while it runs); stop it or use the portal's web pages.") from None
                raise
            self._con.execute(SCHEMA)
        except BaseException:
            with _OPEN_LOCK:
                _OPEN.discard(str(self.path))
            raise
        self._write_lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self._writer = threading.Thread(target=self._write_loop, name="portal-writer", daemon=True)
        self._writer.start()

    # ------------------------------------------------------------------ reading
    @contextmanager
    def cursor(self):
        """A cursor of the one connection for one request's reads."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def rows(self, sql: str, params=()) -> list[dict]:
        """Run a read query and return a list of dicts."""
        with self.cursor() as cur:
            res = cur.execute(sql, list(params))
            names = [d[0] for d in res.description]
            return [dict(zip(names, r)) for r in res.fetchall()]

    # ------------------------------------------------------------------ writing
    @contextmanager
    def transaction(self):
        """Hold the write lock and a cursor inside BEGIN … COMMIT (ROLLBACK on error)."""
        with self._write_lock:
            cur = self._con.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield cur
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
            finally:
                cur.close()

    def submit(self, write, timeout: float = 30.0):
        """Run ``write(cursor)`` in the next group commit and return its result once committed.

        Concurrent callers are batched into one transaction (one fsync for many submissions);
        if the batch fails, each of its writes is retried alone so one bad write cannot lose
        the others.
        """
        if self._closed:
            raise ResourceLocked("The portal store is closed.")
        done = threading.Event()
        box: dict = {}
        self._queue.put((write, done, box))
        if not done.wait(timeout):
            raise ResourceLocked("The portal store did not commit in time; try again.")
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < 500:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                batch.append(nxt)
            self._commit_batch(batch)

    def _commit_batch(self, batch) -> None:
        results = []
        try:
            with self.transaction() as cur:
                for write, _, _ in batch:
                    results.append(write(cur))
        except Exception:
            for write, done, box in batch:
                try:
                    with self.transaction() as cur:
                        box["result"] = write(cur)
                except Exception as exc:  # reported to that caller only
                    box["error"] = exc
                done.set()
            return
        for (_, done, box), result in zip(batch, results):
            box["result"] = result
            done.set()

    def close(self) -> None:
        """Stop the writer (after it drains), checkpoint and close; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._writer.join(timeout=30)
        with self._write_lock:
            try:
                self._con.execute(f"CHECKPOINT {ALIAS}")
            finally:
                self._con.close()
        with _OPEN_LOCK:
            _OPEN.discard(str(self.path))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
