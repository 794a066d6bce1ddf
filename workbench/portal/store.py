"""The portal's own encrypted store, ``portal.duckdb`` beside the hub (single writer: the portal).

Submissions, source details, gradings, registration requests and transfer state are
special-category personal data (guidance 2.1 B; reference 001 on anonymous sources), so they
live in their own encrypted DuckDB file rather than the shared registry or the hub:

* the file is ``portal.duckdb`` beside the hub, attached with AES-GCM encryption; its key is
  ``WORKBENCH_PORTAL_KEY`` when that is set (its own key: the internet-facing portal never
  holds the master hub's key), otherwise the key file ``portal.duckdb.key`` (mode 0600)
  created on first use; the store and its WAL are created 0600;
* one process owns it (DuckDB allows one writing process): the portal server, or a
  ``workbench portal …`` command while the server is stopped;
* inside the process there is one connection; each request reads through its own cursor and
  every write holds one lock; submissions are written by a group-commit writer so that many
  concurrent submissions share a transaction (each caller returns only after its commit).

Source details sit in their own table so no query of submissions can return them by accident.
"""

from __future__ import annotations

import os
import queue
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb

from workbench.sql import quote_literal
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
CREATE TABLE IF NOT EXISTS portal.password_resets (
    username VARCHAR PRIMARY KEY, code_hash VARCHAR NOT NULL, expires TIMESTAMP NOT NULL,
    issued_by VARCHAR NOT NULL, issued_at TIMESTAMP NOT NULL);
"""

#: paths of stores open in this process (DuckDB's file lock is per process, so a second
#: in-process open must be refused here)
_OPEN: set[str] = set()
_OPEN_LOCK = threading.Lock()


class RowJob:
    """A write that only inserts rows: ``make_rows() -> (result, {table: [row tuple, …]})``.

    In a group commit the rows of every RowJob are inserted with one multi-row INSERT per
    table. ``make_rows`` is called again for a retry on its own, so it can draw fresh keys.

    Examples
    --------
    >>> store = PortalStore("rowjob/hub.duckdb")
    >>> job = RowJob(lambda: ("ok", {}))                          # no rows: only the result
    >>> with store.cursor() as cur:
    ...     job.run(cur)
    'ok'
    >>> store.close()
    """

    def __init__(self, make_rows):
        self.make_rows = make_rows

    def run(self, cur):
        result, rows = self.make_rows()
        for table, table_rows in rows.items():
            _insert_many(cur, table, table_rows)
        return result


def _insert_many(cur, table: str, rows: list, chunk: int = 200) -> None:
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        one = "(" + ", ".join("?" * len(part[0])) + ")"
        cur.execute(f"INSERT INTO {table} VALUES " + ", ".join([one] * len(part)),
                    [v for row in part for v in row])


def portal_path(hub: Path | str) -> Path:
    """The portal store that belongs to a hub: ``portal.duckdb`` beside it.

    Examples
    --------
    >>> portal_path("data/restricted/hub.duckdb").as_posix()
    'data/restricted/portal.duckdb'
    """
    return Path(hub).with_name("portal.duckdb")


class PortalStore:
    """One open ``portal.duckdb``: a connection, a write lock and a group-commit submission writer.

    Parameters
    ----------
    hub : the hub file; the store is ``portal.duckdb`` beside it (created if absent).

    Examples
    --------
    >>> store = PortalStore("store/hub.duckdb")
    >>> with store.cursor() as cur:
    ...     cur.execute("select count(*) from portal.submissions").fetchone()
    (0,)
    >>> PortalStore("store/hub.duckdb")                       # one writer per process
    Traceback (most recent call last):
    ...
    workbench.errors.ResourceLocked: Portal store '...portal.duckdb' is already open in this process.
    >>> store.close()
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
            old_umask = os.umask(0o077)  # the store and its WAL are created private (0600)
            try:
                self._con.execute(f"ATTACH {quote_literal(self.path)} AS {ALIAS} (ENCRYPTION_KEY '{key}')")
                os.chmod(self.path, 0o600)
            except duckdb.Error as exc:
                msg = str(exc)
                if "Wrong encryption key" in msg:
                    raise ResourceLocked(f"Wrong key for the portal store '{self.path}': check "
                                         f"WORKBENCH_PORTAL_KEY or '{key_file(self.path)}'.") from None
                if "lock" in msg.lower():
                    raise ResourceLocked(
                        f"The portal store '{self.path}' is in use by another process (the portal "
                        "server owns it while it runs); stop it or use the portal's web pages.") from None
                raise
            finally:
                os.umask(old_umask)
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
        done = threading.Event()
        box: dict = {}

        def resolve(result=None, error=None):
            box["result"], box["error"] = result, error
            done.set()

        self._enqueue(write, resolve)
        if not done.wait(timeout):
            raise ResourceLocked("The portal store did not commit in time; try again.")
        if box["error"] is not None:
            raise box["error"]
        return box["result"]

    async def submit_async(self, write, timeout: float = 30.0):
        """:meth:`submit` for the event loop: waits for the commit without holding a worker thread."""
        import asyncio

        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def settle(result, error):
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        def resolve(result=None, error=None):
            loop.call_soon_threadsafe(settle, result, error)

        self._enqueue(write, resolve)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise ResourceLocked("The portal store did not commit in time; try again.") from None

    def _enqueue(self, write, resolve) -> None:
        if self._closed:
            raise ResourceLocked("The portal store is closed.")
        self._queue.put((write, resolve))

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < 1000:
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
                tables: dict[str, list] = {}
                for job, _ in batch:
                    if isinstance(job, RowJob):
                        result, rows = job.make_rows()
                        for table, table_rows in rows.items():
                            tables.setdefault(table, []).extend(table_rows)
                        results.append(result)
                    else:
                        results.append(job(cur))
                for table, rows in tables.items():
                    _insert_many(cur, table, rows)
        except Exception:
            for job, resolve in batch:
                try:
                    with self.transaction() as cur:
                        result = job.run(cur) if isinstance(job, RowJob) else job(cur)
                except Exception as exc:  # reported to that caller only
                    resolve(error=exc)
                else:
                    resolve(result=result)
            return
        for (_, resolve), result in zip(batch, results):
            resolve(result=result)

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
