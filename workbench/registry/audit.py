"""The audit log: append-only, hash-chained, verifiable (guidance 4.2.4, 4.3 step 4).

Every log-in, query, export, publish, request decision and purge appends one entry. Each
entry stores ``hash = SHA-256(prev_hash + canonical JSON of the entry)`` where the canonical
JSON holds the entry's sequence number, time, actor, action, target, detail and outcome
with sorted keys and no spaces. Editing an entry breaks its own hash; deleting or
reordering entries breaks the link to the previous hash or the sequence; deleting the
newest entries is caught by ``audit_head``, which the same transaction updates. SQLite
triggers refuse UPDATE and DELETE on the table, so tampering needs deliberate work on the
file, and :func:`verify` finds it even then.

>>> from workbench.registry.audit import entry_hash
>>> len(entry_hash(GENESIS, {"seq": 1}))
64
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

#: the "previous hash" of the first entry
GENESIS = "0" * 64
OUTCOMES = ("ok", "denied", "failed")


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware), the clock of every audit entry.

    Examples
    --------
    >>> utcnow().tzinfo
    datetime.timezone.utc
    """
    return datetime.now(timezone.utc)


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)


def canonical_json(value) -> str:
    """JSON with sorted keys and no whitespace: the byte string that is hashed.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1, "é"]})
    '{"a":[1,"é"],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_default)


def entry_hash(prev_hash: str, entry: dict) -> str:
    """SHA-256 of the previous hash followed by the canonical JSON of the entry.

    Examples
    --------
    >>> h = entry_hash(GENESIS, {"seq": 1, "actor": "ann"})
    >>> len(h), h == entry_hash(GENESIS, {"actor": "ann", "seq": 1})
    (64, True)
    """
    return hashlib.sha256((prev_hash + canonical_json(entry)).encode("utf-8")).hexdigest()


def _entry(seq, at, actor, action, target, detail, outcome) -> dict:
    return {"seq": seq, "at": at, "actor": actor, "action": action, "target": target,
            "detail": detail, "outcome": outcome}


def append(con: sqlite3.Connection, actor: str, action: str, target: str | None = None,
           detail: dict | None = None, outcome: str = "ok", *, at: datetime | None = None) -> int:
    """Append one entry inside its own ``BEGIN IMMEDIATE`` transaction; return its sequence number.

    Examples
    --------
    >>> from workbench.registry import db
    >>> import pathlib, tempfile
    >>> con = db.connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> append(con, "coordinator", "publish", "shared", {"rows": 10})
    1
    >>> append(con, "analyst", "export", "police_crime_offence", outcome="denied")
    2
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {OUTCOMES}, got {outcome!r}")
    detail = json.loads(canonical_json(detail or {}))  # what is stored is exactly what is hashed
    at_text = (at or utcnow()).isoformat(timespec="microseconds")
    if con.in_transaction:  # the caller's transaction: the entry commits (or not) with its change
        return _append_in_transaction(con, actor, action, target, detail, outcome, at_text)
    con.execute("BEGIN IMMEDIATE")
    try:
        seq = _append_in_transaction(con, actor, action, target, detail, outcome, at_text)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return seq


def _append_in_transaction(con, actor, action, target, detail, outcome, at_text) -> int:
    last = con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    seq, prev = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS)
    entry = _entry(seq, at_text, str(actor), str(action), None if target is None else str(target),
                   detail, outcome)
    digest = entry_hash(prev, entry)
    con.execute(
        "INSERT INTO audit (seq, at, actor, action, target, detail, outcome, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at_text, entry["actor"], entry["action"], entry["target"], canonical_json(detail),
         outcome, prev, digest),
    )
    con.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                (seq, digest))
    return seq


@dataclass
class VerifyResult:
    """The outcome of :func:`verify`: intact or the first broken entry and why.

    Examples
    --------
    >>> VerifyResult(intact=False, entries=3, broken_seq=2, reason="hash mismatch").to_text()[:37]
    'Audit chain BROKEN at entry 2: hash m'
    """

    intact: bool
    entries: int
    broken_seq: int | None = None
    reason: str | None = None
    head_seq: int | None = None

    def to_dict(self) -> dict:
        return {"intact": self.intact, "entries": self.entries, "broken_seq": self.broken_seq,
                "reason": self.reason, "head_seq": self.head_seq}

    def to_text(self) -> str:
        if self.intact:
            return f"Audit chain intact: {self.entries} entries."
        return (f"Audit chain BROKEN at entry {self.broken_seq}: {self.reason}. "
                f"The log has been edited or entries removed; treat it as evidence of tampering.")


def head(con: sqlite3.Connection) -> dict:
    """The newest entry's sequence number and hash: note it somewhere else (a minute, an email)
    as an anchor, so that later even a rewrite of the whole tail can be caught with
    ``verify(con, anchor=…)``.

    Examples
    --------
    >>> from workbench.registry import db
    >>> import pathlib, tempfile
    >>> con = db.connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> head(con) == {"seq": 0, "hash": GENESIS}
    True
    >>> _ = append(con, "coordinator", "publish")
    >>> head(con)["seq"], len(head(con)["hash"])
    (1, 64)
    """
    row = con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    return {"seq": row["seq"], "hash": row["hash"]} if row else {"seq": 0, "hash": GENESIS}


def anchor_path(registry: Path | str) -> Path:
    """The second place the chain's head is kept: ``<registry>.anchor`` beside the registry.

    >>> anchor_path("data/restricted/registry.sqlite").name
    'registry.sqlite.anchor'
    """
    registry = Path(registry)
    return registry.with_name(registry.name + ".anchor")


def write_anchor(con: sqlite3.Connection, path: Path) -> None:
    """Write the committed head (seq, hash) to ``path`` atomically (temp file + rename, 0600).

    Called after every commit that appended entries (:class:`~workbench.registry.Registry`),
    so deleting, rewriting or wiping the log inside the registry file alone is caught by
    :func:`verify` (issue 11). A writer that lags another process may leave an older head:
    still a true statement about the chain, so never a false alarm.

    >>> import tempfile
    >>> from workbench.registry import db
    >>> import pathlib, tempfile
    >>> con = db.connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> _ = append(con, "coordinator", "publish")
    >>> path = Path(tempfile.mkdtemp()) / "registry.sqlite.anchor"
    >>> write_anchor(con, path)
    >>> read_anchor(path) == (1, head(con)["hash"])
    True
    """
    import os
    import tempfile

    current = head(con)
    fd, tmp = tempfile.mkstemp(prefix=".anchor-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(canonical_json(current) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_anchor(path: Path) -> tuple[int, str] | str | None:
    """(seq, hash) from an anchor file; None when absent; a reason string when unreadable.

    >>> import tempfile
    >>> read_anchor(Path(tempfile.mkdtemp()) / "none.anchor") is None
    True
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"the anchor file '{path}' cannot be read ({type(exc).__name__})"


def verify(con: sqlite3.Connection, anchor: tuple[int, str] | None = None, *,
           anchor_file: Path | None = None) -> VerifyResult:
    """Walk the chain from the first entry and report the first entry that does not hold.

    ``anchor`` is a (seq, hash) noted earlier from :func:`head`: the entry with that number
    must still carry that hash. ``anchor_file`` is the head kept beside the registry on every
    append (:func:`write_anchor`): the chain must reach it and carry its hash. An empty chain
    never verifies: a registry's log starts with its creation entry, so an empty one was wiped.

    Examples
    --------
    >>> from workbench.registry import db
    >>> import pathlib, tempfile
    >>> con = db.connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> _ = append(con, "coordinator", "publish")
    >>> anchor = (head(con)["seq"], head(con)["hash"])
    >>> verify(con, anchor=anchor).to_text()
    'Audit chain intact: 1 entries.'
    >>> verify(con, anchor=(1, "0" * 64)).intact
    False
    """
    try:
        result = _verify_chain(con)
    except sqlite3.DatabaseError as exc:   # a dropped table: tampering, reported, not a crash
        return VerifyResult(False, 0, None, f"the audit tables cannot be read ({exc}); the "
                                            f"audit or audit_head table was dropped or damaged")
    if result.intact and result.entries == 0:
        return VerifyResult(False, 0, 1, "the log is empty, but every registry's log starts with "
                                         "its creation entry: it was wiped")
    if result.intact and anchor_file is not None:
        noted = read_anchor(anchor_file)
        if noted is None:
            return VerifyResult(False, result.entries, None,
                                f"the anchor file '{anchor_file}' (the head kept on every append) is "
                                f"missing: it was deleted, or the registry file was replaced",
                                result.head_seq)
        if isinstance(noted, str):
            return VerifyResult(False, result.entries, None, noted, result.head_seq)
        anchor = anchor or noted
        if anchor != noted:
            result = verify(con, noted)
            if not result.intact:
                return result
    if result.intact and anchor is not None:
        seq, digest = int(anchor[0]), str(anchor[1])
        if seq > 0:
            row = con.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                return VerifyResult(False, result.entries, seq,
                                    f"is missing: the anchor says the log reached entry {seq} but it "
                                    f"ends at {result.entries} (entries were removed and the head "
                                    f"rebuilt)", result.head_seq)
            if row["hash"] != digest:
                return VerifyResult(False, result.entries, seq,
                                    "does not match the anchor noted earlier (the log was rewritten "
                                    "and re-hashed)", result.head_seq)
    return result


def _verify_chain(con: sqlite3.Connection) -> VerifyResult:
    rows = con.execute("SELECT * FROM audit ORDER BY rowid").fetchall()
    last = con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    prev, expected_seq = GENESIS, 1
    for row in rows:
        if row["seq"] != expected_seq:
            why = ("entry missing (deleted)" if row["seq"] > expected_seq
                   else "entries out of order")
            return VerifyResult(False, len(rows), expected_seq, f"{why}: found entry {row['seq']}",
                                last["seq"] if last else None)
        if row["prev_hash"] != prev:
            return VerifyResult(False, len(rows), row["seq"],
                                "does not link to the previous entry (deleted or reordered)",
                                last["seq"] if last else None)
        try:
            detail = json.loads(row["detail"])
        except json.JSONDecodeError:
            return VerifyResult(False, len(rows), row["seq"], "detail is not valid JSON")
        entry = _entry(row["seq"], row["at"], row["actor"], row["action"], row["target"], detail,
                       row["outcome"])
        if entry_hash(prev, entry) != row["hash"]:
            return VerifyResult(False, len(rows), row["seq"], "content does not match its hash (edited)",
                                last["seq"] if last else None)
        prev, expected_seq = row["hash"], expected_seq + 1
    last_seq = expected_seq - 1
    if last is None:
        if rows:
            return VerifyResult(False, len(rows), None, "the chain head record is missing")
        return VerifyResult(True, 0, head_seq=None)
    if last["seq"] != last_seq or last["hash"] != prev:
        return VerifyResult(False, len(rows), last_seq + 1 if last["seq"] > last_seq else last["seq"],
                            f"the chain head says the last entry is {last['seq']} but the log ends "
                            f"at {last_seq} (newest entries deleted)", last["seq"])
    return VerifyResult(True, len(rows), head_seq=last["seq"])


@dataclass
class AuditEntry:
    """One entry of the audit log as read back by :func:`entries`.

    Examples
    --------
    >>> AuditEntry(1, "2024-01-01T00:00:00", "ann", "login", None).to_dict()["actor"]
    'ann'
    """

    seq: int
    at: str
    actor: str
    action: str
    target: str | None
    detail: dict = field(default_factory=dict)
    outcome: str = "ok"

    def to_dict(self) -> dict:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                "target": self.target, "detail": self.detail, "outcome": self.outcome}


def entries(con: sqlite3.Connection, *, actor: str | None = None, action: str | None = None,
            outcome: str | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Read entries, newest last, optionally filtered.

    Examples
    --------
    >>> from workbench.registry import db
    >>> import pathlib, tempfile
    >>> con = db.connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> _ = append(con, "ann", "login")
    >>> _ = append(con, "bob", "export", "police_crime_offence", outcome="denied")
    >>> [(e.seq, e.actor, e.outcome) for e in entries(con, outcome="denied")]
    [(2, 'bob', 'denied')]
    """
    where, args = [], []
    for col, val in (("actor", actor), ("action", action), ("outcome", outcome)):
        if val is not None:
            where.append(f"{col} = ?")
            args.append(val)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
    if limit:
        sql = f"SELECT * FROM ({sql.replace(' ORDER BY seq', ' ORDER BY seq DESC')} LIMIT {int(limit)}) ORDER BY seq"
    return [AuditEntry(r["seq"], r["at"], r["actor"], r["action"], r["target"],
                       json.loads(r["detail"]), r["outcome"]) for r in con.execute(sql, args)]


@dataclass
class AuditPage:
    """One page of the audit log, newest first, and how many entries match the filters.

    Examples
    --------
    >>> AuditPage(entries=[], total=0, offset=0, limit=50).pages
    1
    """

    entries: list[AuditEntry]
    total: int
    offset: int
    limit: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    def to_dict(self) -> dict:
        return {"entries": [e.to_dict() for e in self.entries], "total": self.total,
                "offset": self.offset, "limit": self.limit}


def page(con: sqlite3.Connection, *, actor: str | None = None, action: str | None = None,
         outcome: str | None = None, since: date | None = None, until: date | None = None,
         offset: int = 0, limit: int = 50) -> AuditPage:
    """Entries matching the filters, newest first, ``limit`` of them from ``offset``.

    ``action`` matches a whole action or, ending in ``.``, every action under that prefix
    (``user.`` finds ``user.add``, ``user.deactivate``…). ``since`` and ``until`` are days in UTC,
    both included (entry times are UTC).

    Examples
    --------
    >>> from workbench.registry import db
    >>> import pathlib, tempfile
    >>> con = db.connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> for who in ("ann", "bob", "ann"):
    ...     _ = append(con, who, "user.add")
    >>> p = page(con, actor="ann", action="user.", limit=1)
    >>> p.total, [e.seq for e in p.entries], p.pages
    (2, [3], 2)
    """
    from datetime import timedelta

    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"audit outcome must be one of {OUTCOMES}, got {outcome!r}")
    if limit < 1 or offset < 0:
        raise ValueError(f"limit must be at least 1 and offset at least 0; found {limit}, {offset}")
    where, args = [], []
    if actor:
        where.append("actor = ?")
        args.append(actor)
    if action and action.endswith("."):
        where.append("substr(action, 1, ?) = ?")
        args += [len(action), action]
    elif action:
        where.append("action = ?")
        args.append(action)
    if outcome:
        where.append("outcome = ?")
        args.append(outcome)
    if since is not None:
        where.append("at >= ?")
        args.append(since.isoformat())
    if until is not None:
        where.append("at < ?")
        args.append((until + timedelta(days=1)).isoformat())
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = con.execute("SELECT count(*) FROM audit" + clause, args).fetchone()[0]
    rows = con.execute("SELECT * FROM audit" + clause + " ORDER BY seq DESC LIMIT ? OFFSET ?",
                       [*args, int(limit), int(offset)])
    found = [AuditEntry(r["seq"], r["at"], r["actor"], r["action"], r["target"], json.loads(r["detail"]),
                        r["outcome"]) for r in rows]
    return AuditPage(found, total, int(offset), int(limit))
