"""The :class:`Registry`: one object over ``registry.sqlite`` for people, agreements and the audit.

>>> import tempfile, pathlib
>>> from workbench.registry import open_registry
>>> reg = open_registry(pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb")
>>> _ = reg.add_partnership("Rushcliffe")
>>> reg.add_agency("Rushcliffe BC", "central", partnerships=["Rushcliffe"]).group
'central'
>>> reg.verify_audit().intact
True
"""

from __future__ import annotations

import os
from contextlib import contextmanager
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

from workbench.registry import audit as audit_chain
from workbench.registry import db, validate
from workbench.registry.partnerships import PartnershipsMixin
from workbench.registry.users import UsersMixin

LOCKOUT_FAILURES_ENV = "WORKBENCH_LOCKOUT_FAILURES"
LOCKOUT_MINUTES_ENV = "WORKBENCH_LOCKOUT_MINUTES"


class Registry(PartnershipsMixin, UsersMixin):
    """Partnerships, agencies, users, markings, personal-data requests and the audit chain.

    Parameters
    ----------
    path : the ``registry.sqlite`` file.
    hub : the master hub it belongs to (releases are written beside it).
    max_failures : consecutive wrong passwords before a lockout (default 5, or
        ``WORKBENCH_LOCKOUT_FAILURES``).
    lockout_minutes : how long a lockout lasts (default 15, or ``WORKBENCH_LOCKOUT_MINUTES``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with Registry(Path(tempfile.mkdtemp()) / "registry.sqlite") as reg:
    ...     _ = reg.add_agency("Police", "central")
    ...     [a.name for a in reg.list_agencies()], reg.verify_audit().intact
    (['Police'], True)
    """

    def __init__(self, path: Path | str, hub: Path | str | None = None, *,
                 max_failures: int | None = None, lockout_minutes: float | None = None):
        self.path = Path(path).resolve()
        # absolute, so release and export paths recorded for purging work from any directory
        self.hub = Path(hub).resolve() if hub is not None else self.path.with_name("hub.duckdb")
        new = not self.path.exists()
        self.con: sqlite3.Connection = db.connect(self.path)
        self.anchor_path = audit_chain.anchor_path(self.path)
        self.max_failures = int(max_failures or os.environ.get(LOCKOUT_FAILURES_ENV, 5))
        self.lockout_minutes = float(lockout_minutes or os.environ.get(LOCKOUT_MINUTES_ENV, 15))
        self._clock = None
        self._lock = threading.RLock()   # one connection may serve several threads (portal)
        self._anchor_due = False
        with self._lock:
            # a new registry's log starts with its creation, so an empty log means a wiped one
            if new and self.con.execute(
                    "SELECT NOT EXISTS (SELECT 1 FROM audit) AND NOT EXISTS (SELECT 1 FROM audit_head)"
            ).fetchone()[0]:
                self.audit("system", "registry.create", str(self.path.name))

    # -- time (replaceable in tests: ``reg.now = lambda: …``) ---------------------------
    def now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(timezone.utc)

    def set_clock(self, clock) -> None:
        """Use ``clock()`` instead of the system time (tests of lockout and expiry)."""
        self._clock = clock

    def _now_text(self) -> str:
        return self.now().isoformat()

    @property
    def releases_dir(self) -> Path:
        """Where released personal-data copies live: ``releases/`` beside the hub (restricted)."""
        return self.hub.parent / "releases"

    @contextmanager
    def transaction(self):
        """One write transaction: a change and its audit entry commit together or not at all."""
        with self._lock:
            if self.con.in_transaction:
                yield self.con
                return
            self.con.execute("BEGIN IMMEDIATE")
            try:
                yield self.con
            except BaseException:
                self.con.execute("ROLLBACK")
                self._anchor_due = False
                raise
            self.con.execute("COMMIT")
            if self._anchor_due:
                self._write_anchor()

    # -- audit ---------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str | None = None, detail: dict | None = None,
              outcome: str = "ok") -> int:
        """Append an entry to the hash-chained audit log; return its sequence number."""
        with self._lock:
            seq = audit_chain.append(self.con, actor, action, target, detail, outcome)
            if self.con.in_transaction:
                self._anchor_due = True     # written once the caller's transaction commits
            else:
                self._write_anchor()
            return seq

    def _write_anchor(self) -> None:
        """Keep the committed head in a second place, ``registry.sqlite.anchor`` (issue 11)."""
        self._anchor_due = False
        audit_chain.write_anchor(self.con, self.anchor_path)

    def verify_audit(self, anchor: tuple[int, str] | None = None) -> audit_chain.VerifyResult:
        """Check the audit chain against the anchor kept beside the registry (and, if given, an
        anchor noted earlier from :meth:`audit_head`)."""
        with self._lock:
            return audit_chain.verify(self.con, anchor, anchor_file=self.anchor_path)

    def audit_head(self) -> dict:
        return audit_chain.head(self.con)

    def audit_entries(self, **filters) -> list[audit_chain.AuditEntry]:
        return audit_chain.entries(self.con, **filters)

    def audit_page(self, **filters) -> audit_chain.AuditPage:
        """One page of the audit log, newest first (:func:`.audit.page`; the console's view)."""
        with self._lock:
            return audit_chain.page(self.con, **filters)

    # -- protective marking per dataset (guidance 2.1 D) ----------------------------------
    def marking(self, dataset_id: str) -> str:
        """The protective marking stamped on exports of a dataset (default OFFICIAL-SENSITIVE)."""
        row = self.con.execute("SELECT marking FROM dataset_markings WHERE dataset = ?",
                               (dataset_id,)).fetchone()
        return row[0] if row else validate.DEFAULT_MARKING

    def set_marking(self, dataset_id: str, marking: str, *, actor: str = "system") -> str:
        from workbench import catalogue

        catalogue.get(dataset_id)
        marking = validate.choice("marking", marking, validate.MARKINGS)
        with self.transaction():
            self._set_marking(dataset_id, marking, actor)
        return marking

    def _set_marking(self, dataset_id: str, marking: str, actor: str) -> None:
        self.con.execute(
            "INSERT INTO dataset_markings VALUES (?, ?, ?, ?) ON CONFLICT(dataset) DO UPDATE SET "
            "marking = excluded.marking, set_by = excluded.set_by, set_at = excluded.set_at",
            (dataset_id, marking, actor, self._now_text()))
        self.audit(actor, "marking.set", dataset_id, {"marking": marking})

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_registry(hub_path: Path | str | None = None, **options) -> Registry:
    """Open (creating if needed) the registry that belongs to a hub: ``registry.sqlite`` beside it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> with open_registry(hub) as reg:
    ...     reg.path.name, reg.hub == hub.resolve()
    ('registry.sqlite', True)
    """
    from workbench.hub.connect import default_hub

    hub = Path(hub_path) if hub_path is not None else default_hub()
    return Registry(db.registry_path(hub), hub, **options)
