"""Supply upload through the portal: an encrypted inbox beside the hub, drained by a worker.

Issue 15, "Supply upload, per agency" (guidance 3.4: each agency supplies its own data with
its metadata). An agency's supplier picks a dataset and period, fills in the 3.4 metadata and
uploads a CSV or XLSX file at ``/supply``. **The internet-facing portal never opens the master
hub or its key** (the same split as :mod:`workbench.portal.transfer`):

1. the web process streams the file, chunk by chunk, straight into an *encrypted* file
   ``portal_inbox/portal_upload_<id>.sealed`` beside the hub: records of at most 1 MB, each
   sealed with AES-256-GCM under a key derived from the portal's key (``WORKBENCH_PORTAL_KEY``
   or ``portal_outbox.duckdb.key``, the one the transfer outbox uses) and bound to the upload
   and its place in it, appended and synced to disk; it never holds more than one piece in
   memory, never writes the plain file to disk and never re-reads what has arrived; the
   upload is refused with 413 past the size limit (``WORKBENCH_UPLOAD_MAX_BYTES``, default
   600 MB) and its partial file removed;
2. it queues the upload in the outbox (table ``outbox.uploads``) with state ``queued``;
3. a worker that does not face the internet (``workbench portal ingest-uploads``, started by
   ``workbench serve all``) decrypts each queued upload into a private temporary folder, runs
   the normal ingest with the same checks as ``workbench hub ingest`` (:func:`drain`, given the
   ingest function by the command), writes the outcome (rows, warnings, or every rejection with
   file, line, field, expected and found) back into the outbox, removes the temporary folder
   and the encrypted upload;
4. ``/supply/<id>`` shows that outcome to the uploader's own agency only.

The ingest itself is atomic (:func:`workbench.hub.ingest.ingest_files`): a rejected supply
changes nothing in the hub.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from workbench.portal import transfer as T

#: default upload limit (bytes) of one supply file; ``WORKBENCH_UPLOAD_MAX_BYTES`` overrides
DEFAULT_MAX_BYTES = 600 * 1024 * 1024
MAX_BYTES_ENV = "WORKBENCH_UPLOAD_MAX_BYTES"
#: the size of one encrypted chunk of an upload
CHUNK = 1024 * 1024
SUFFIXES = (".csv", ".xlsx")
STATES = ("receiving", "mapping", "queued", "ingested", "rejected", "refused", "failed")
#: ``mapping``: complete, waiting for the supplier to confirm its column mapping on
#: ``/supply/<id>/mapping`` (:mod:`workbench.portal.supply_mapping`); not yet for the worker
#: the 3.4 metadata the upload form asks for (agency and dataset come from the account and the choice)
FORM_METADATA = ("supplier_name", "supplier_contact", "period_start", "period_end", "record_count",
                 "date_supplied", "field_notes", "caveats", "coding_systems", "geocoding_method")

UPLOADS_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox.uploads (
    upload_id VARCHAR PRIMARY KEY, agency VARCHAR NOT NULL, user_name VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL, filename VARCHAR NOT NULL, metadata_json VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL, state VARCHAR NOT NULL, attempts INTEGER NOT NULL,
    rows BIGINT, supply_id BIGINT, result_json VARCHAR, last_error VARCHAR,
    queued_at TIMESTAMP NOT NULL, done_at TIMESTAMP);
"""


def max_bytes() -> int:
    """The upload size limit in bytes (``WORKBENCH_UPLOAD_MAX_BYTES``, default 600 MB).

    >>> import os; os.environ.pop("WORKBENCH_UPLOAD_MAX_BYTES", None) and None
    >>> max_bytes() == 600 * 1024 * 1024
    True
    """
    value = os.environ.get(MAX_BYTES_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_BYTES


def inbox_dir(hub: Path | str) -> Path:
    """The folder of encrypted uploads: ``portal_inbox/`` beside the hub (mode 0700).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> d = inbox_dir(hub)
    >>> d.name, oct(d.stat().st_mode & 0o777)
    ('portal_inbox', '0o700')
    """
    path = Path(hub).with_name("portal_inbox")
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def upload_file(hub: Path | str, upload_id: str) -> Path:
    """The encrypted file of one upload; ValueError for anything that is not an upload id.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> upload_file(hub, "a" * 24).name
    'portal_upload_aaaaaaaaaaaaaaaaaaaaaaaa.sealed'
    >>> upload_file(hub, "../../etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: not an upload id
    """
    if not re.fullmatch(r"[0-9a-f]{24}", upload_id or ""):
        raise ValueError("not an upload id")
    return inbox_dir(hub) / f"portal_upload_{upload_id}.sealed"


def new_id() -> str:
    """An unguessable upload id (24 hex digits).

    >>> len(new_id()), new_id() != new_id()
    (24, True)
    """
    return secrets.token_hex(12)


def _portal_key(hub: Path | str) -> str:
    from workbench.hub.connect import create_key

    return create_key(T.outbox_path(hub))      # the portal's key, never the hub's


#: an upload file: MAGIC, a random 16-byte salt, then records ``length (4 bytes) | nonce (12) |
#: AES-256-GCM ciphertext and tag`` of at most CHUNK plain bytes each
MAGIC = b"WBUPLOAD1\n"
_HEAD = len(MAGIC) + 16
_REC = 4 + 12


def _cipher(hub, upload_id: str, salt: bytes):
    """AES-256-GCM under a key derived (HKDF-SHA256) from the portal's key, this upload's id and salt."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
               info=b"workbench portal upload " + upload_id.encode()).derive(_portal_key(hub).encode())
    return AESGCM(key)


def _aad(upload_id: str, index: int) -> bytes:
    return upload_id.encode() + index.to_bytes(8, "big")     # binds each record to its upload and place


def _scan(fh) -> tuple[int, int, int]:
    """Walk the record headers (no decryption): (records, plain bytes, end of the last whole record)."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    pos, count, size = _HEAD, 0, 0
    while pos + _REC <= end:
        fh.seek(pos)
        n = int.from_bytes(fh.read(4), "big")
        if pos + _REC + n > end:
            break                                 # a record cut off by a crash: not received
        pos += _REC + n
        count += 1
        size += n - 16
    return count, size, pos


def _records(hub, upload_id: str):
    """Yield the upload's plain records in order, each authenticated (InvalidTag on any change)."""
    with upload_file(hub, upload_id).open("rb") as fh:
        head = fh.read(_HEAD)
        if head[:len(MAGIC)] != MAGIC:
            raise ValueError("not an encrypted upload")
        aead = _cipher(hub, upload_id, head[len(MAGIC):])
        count, _, _ = _scan(fh)
        fh.seek(_HEAD)
        for index in range(count):
            rec = fh.read(_REC)
            n = int.from_bytes(rec[:4], "big")
            yield aead.decrypt(rec[4:], fh.read(n), _aad(upload_id, index))


class EncryptedWriter:
    r"""Writes one upload, chunk by chunk, into its encrypted inbox file (never the plain bytes to disk).

    Each chunk of at most :data:`CHUNK` bytes is sealed with AES-256-GCM (a key derived from the
    portal's key, never the hub's) and appended; :meth:`close` syncs it to disk. An append
    writer takes an exclusive lock on the file, drops a record cut off by a crash and carries on
    after what has arrived.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> b"Date Reported" in upload_file(hub, "a" * 24).read_bytes()     # encrypted at rest
    False
    >>> read_plain(hub, "a" * 24)
    b'Ref No,Date Reported\nA1,01/03/2024\n'
    """

    def __init__(self, hub: Path | str, upload_id: str, *, append: bool = False):
        import fcntl

        self.path = upload_file(hub, upload_id)
        self.upload_id = upload_id
        if append:                          # a resumable upload: carry on after what has arrived
            fd = os.open(self.path, os.O_RDWR)
        else:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        self.fh = os.fdopen(fd, "r+b", buffering=0)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)      # one writer at a time (two tabs resuming one upload)
            if append:
                head = self.fh.read(_HEAD)
                if len(head) != _HEAD or head[:len(MAGIC)] != MAGIC:
                    raise ValueError("not an encrypted upload")
                salt = head[len(MAGIC):]
                self.seq, self.size, end = _scan(self.fh)
                self.fh.truncate(end)
            else:
                salt = os.urandom(16)
                self.fh.write(MAGIC + salt)
                self.seq, self.size, end = 0, 0, _HEAD
            self.fh.seek(end)
            self._start = (self.seq, self.size, end)
            self.aead = _cipher(hub, upload_id, salt)
        except BaseException:
            self.fh.close()
            raise

    def write(self, data: bytes) -> None:
        view = memoryview(data)             # slices without copying a piece of up to 8 MB
        for i in range(0, len(view), CHUNK):
            piece = view[i:i + CHUNK]
            nonce = os.urandom(12)
            sealed = self.aead.encrypt(nonce, piece, _aad(self.upload_id, self.seq))
            self.fh.write(len(sealed).to_bytes(4, "big") + nonce + sealed)
            self.seq += 1
            self.size += len(piece)

    def close(self) -> None:
        try:
            os.fsync(self.fh.fileno())
        finally:
            self.fh.close()

    def rollback(self) -> None:
        """Forget what this writer appended (the file is as it was when opened)."""
        self.seq, self.size, end = self._start
        try:
            self.fh.truncate(end)
        finally:
            self.fh.close()

    def discard(self) -> None:
        try:
            self.fh.close()
        finally:
            remove_upload(self.path)


def received(hub, upload_id: str) -> int:
    r"""Bytes of a resumable upload that have arrived so far (read from the record headers only).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> received(hub, "a" * 24)
    35
    """
    with upload_file(hub, upload_id).open("rb") as fh:
        return _scan(fh)[1]


def append_chunk(hub, upload_id: str, offset: int, data: bytes, declared: int) -> int:
    r"""Append one piece of a resumable upload at ``offset`` (which must be what has arrived so
    far, else ValueError naming it); returns the bytes now received. All of the piece or none.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> start_resumable(hub, "b" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...                 filename="asb.csv", metadata={}, size=10)
    >>> append_chunk(hub, "b" * 24, 0, b"Ref,", 10)
    4
    >>> append_chunk(hub, "b" * 24, 0, b"Ref,", 10)
    Traceback (most recent call last):
    ...
    ValueError: expected offset 4; found 0
    """
    w = EncryptedWriter(hub, upload_id, append=True)
    try:
        if offset != w.size:
            raise ValueError(f"expected offset {w.size}; found {offset}")
        if w.size + len(data) > declared:
            raise ValueError(f"expected at most {declared - w.size} more bytes; found {len(data)}")
        w.write(data)
    except BaseException:
        w.rollback()
        raise
    w.close()
    return int(w.size)


def start_resumable(hub, upload_id: str, *, agency: str, user: str, dataset: str, filename: str,
                    metadata: dict, size: int) -> None:
    """Create an empty encrypted upload and its entry in state ``receiving`` (not yet for the worker).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> start_resumable(hub, "b" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...                 filename="asb.csv", metadata={}, size=10)
    >>> get(hub, "b" * 24)["state"], queued(hub)
    ('receiving', [])
    """
    EncryptedWriter(hub, upload_id).close()
    now = datetime.now().replace(microsecond=0)
    with T.outbox(hub) as con:
        con.execute(UPLOADS_SCHEMA)
        con.execute("INSERT INTO outbox.uploads VALUES (?, ?, ?, ?, ?, ?, ?, 'receiving', 0, NULL, NULL, NULL, "
                    "NULL, ?, NULL)", [upload_id, agency, user, dataset, filename,
                                       json.dumps(metadata, default=str), size, now])


def finish_resumable(hub, upload_id: str, state: str = "queued") -> None:
    """Hand a complete resumable upload to the worker (state ``queued``, or ``mapping`` to wait for
    the supplier's column mapping); ValueError while bytes are missing.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> start_resumable(hub, "b" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...                 filename="asb.csv", metadata={}, size=4)
    >>> finish_resumable(hub, "b" * 24)
    Traceback (most recent call last):
    ...
    ValueError: expected 4 bytes; received 0
    >>> _ = append_chunk(hub, "b" * 24, 0, b"Ref,", 4)
    >>> finish_resumable(hub, "b" * 24, "mapping")
    >>> get(hub, "b" * 24)["state"]
    'mapping'
    """
    row = get(hub, upload_id)
    got = received(hub, upload_id)
    if row is None or row["state"] != "receiving":
        raise ValueError("this upload is not being received")
    if got != row["size_bytes"]:
        raise ValueError(f"expected {row['size_bytes']} bytes; received {got}")
    with T.outbox(hub) as con:
        con.execute("UPDATE outbox.uploads SET state = ?, queued_at = ? WHERE upload_id = ?",
                    [_waiting(state), datetime.now().replace(microsecond=0), upload_id])


def _waiting(state: str) -> str:
    if state not in ("queued", "mapping"):
        raise ValueError(f"expected state queued or mapping; found {state!r}")
    return state


def release_mapped(hub, upload_id: str) -> None:
    r"""Queue an upload whose column mapping the supplier has confirmed (``mapping`` → ``queued``);
    ValueError when it is not waiting for one.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> enqueue(hub, "a" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...         filename="asb.csv", metadata={}, size=35, state="mapping")
    >>> queued(hub)
    []
    >>> release_mapped(hub, "a" * 24)
    >>> queued(hub) == ["a" * 24]
    True
    """
    with T.outbox(hub) as con:
        changed = con.execute("UPDATE outbox.uploads SET state = 'queued' WHERE upload_id = ? AND state = 'mapping' "
                              "RETURNING upload_id", [upload_id]).fetchall()
    if not changed:
        raise ValueError("this upload is not waiting for a column mapping")


def read_plain(hub: Path | str, upload_id: str, max_bytes: int | None = None) -> bytes:
    r"""The upload's first ``max_bytes`` (all of it when None), decrypted in memory only: the upload
    page reads a header from it (:mod:`workbench.portal.supply_mapping`). Never written to disk.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> read_plain(hub, "a" * 24, 6)
    b'Ref No'
    """
    out = bytearray()
    for data in _records(hub, upload_id):
        out.extend(data)
        if max_bytes is not None and len(out) >= max_bytes:
            return bytes(out[:max_bytes])
    return bytes(out)


def remove_upload(path: Path) -> None:
    r"""Delete an encrypted upload (and the write-ahead log of one written by an older version).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> remove_upload(upload_file(hub, "a" * 24))
    >>> upload_file(hub, "a" * 24).exists()
    False
    """
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()


def decrypt_to(hub: Path | str, upload_id: str, target: Path) -> int:
    r"""Write the plain upload to ``target`` (mode 0600), one record at a time; returns its size in
    bytes. A record changed on disk raises ``cryptography.exceptions.InvalidTag``.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> target = hub.with_name("plain.csv")
    >>> decrypt_to(hub, "a" * 24, target), oct(target.stat().st_mode & 0o777)
    (35, '0o600')
    """
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        for data in _records(hub, upload_id):
            fh.write(data)
            size += len(data)
    return size


# ------------------------------------------------------------------------------------ the queue
def enqueue(hub, upload_id: str, *, agency: str, user: str, dataset: str, filename: str,
            metadata: dict, size: int, state: str = "queued") -> None:
    r"""Queue an upload already written to the inbox (the portal's side; never opens the hub);
    ``state="mapping"`` keeps it from the worker until its column mapping is confirmed.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> enqueue(hub, "a" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...         filename="asb.csv", metadata={"period_start": "2024-03-01"}, size=35)
    >>> queued(hub) == ["a" * 24]
    True
    """
    now = datetime.now().replace(microsecond=0)
    with T.outbox(hub) as con:
        con.execute(UPLOADS_SCHEMA)
        con.execute("INSERT INTO outbox.uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL, NULL, "
                    "NULL, ?, NULL)", [upload_id, agency, user, dataset, filename,
                                       json.dumps(metadata, default=str), size, _waiting(state), now])


_COLS = ("upload_id", "agency", "user_name", "dataset", "filename", "metadata_json", "size_bytes", "state",
         "attempts", "rows", "supply_id", "result_json", "last_error", "queued_at", "done_at")


def _row(values) -> dict:
    d = dict(zip(_COLS, values))
    d["metadata"] = json.loads(d.pop("metadata_json") or "{}")
    d["result"] = json.loads(d.pop("result_json") or "{}")
    return d


def get(hub, upload_id: str) -> dict | None:
    r"""One queued or finished upload, or None.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> enqueue(hub, "a" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...         filename="asb.csv", metadata={"period_start": "2024-03-01"}, size=35)
    >>> e = get(hub, "a" * 24)
    >>> e["state"], e["dataset"], e["metadata"]
    ('queued', 'council_asb', {'period_start': '2024-03-01'})
    >>> get(hub, "f" * 24) is None
    True
    """
    with T.outbox(hub) as con:
        con.execute(UPLOADS_SCHEMA)
        row = con.execute(f"SELECT {', '.join(_COLS)} FROM outbox.uploads WHERE upload_id = ?",
                          [upload_id]).fetchone()
    return _row(row) if row else None


def list_for_agency(hub, agency: str, limit: int = 50) -> list[dict]:
    r"""The agency's most recent uploads, newest first.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> enqueue(hub, "a" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...         filename="asb.csv", metadata={"period_start": "2024-03-01"}, size=35)
    >>> [u["filename"] for u in list_for_agency(hub, "City Council")], list_for_agency(hub, "Other")
    (['asb.csv'], [])
    """
    with T.outbox(hub) as con:
        con.execute(UPLOADS_SCHEMA)
        rows = con.execute(f"SELECT {', '.join(_COLS)} FROM outbox.uploads WHERE agency = ? "
                           f"ORDER BY queued_at DESC, upload_id LIMIT ?", [agency, limit]).fetchall()
    return [_row(r) for r in rows]


def queued(hub) -> list[str]:
    r"""Ids of uploads waiting for the worker, oldest first.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> enqueue(hub, "a" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...         filename="asb.csv", metadata={"period_start": "2024-03-01"}, size=35)
    >>> queued(hub) == ["a" * 24]
    True
    """
    if not T.outbox_path(hub).exists():
        return []
    with T.outbox(hub) as con:
        con.execute(UPLOADS_SCHEMA)
        return [r[0] for r in con.execute("SELECT upload_id FROM outbox.uploads WHERE state = 'queued' "
                                          "ORDER BY queued_at, upload_id").fetchall()]


@dataclass
class Outcome:
    """What the worker did with one upload (shown on ``/supply/<id>``).

    >>> Outcome("a" * 24, "ingested", rows=2, supply_id=7).state
    'ingested'
    """

    upload_id: str
    state: str                         # one of STATES (``queued`` again when the hub was busy)
    rows: int | None = None
    supply_id: int | None = None
    detail: dict = field(default_factory=dict)
    error: str | None = None


def _safe_name(filename: str) -> str:
    stem, suffix = os.path.splitext(os.path.basename(filename))
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:80] or "supply"
    return stem + suffix.lower()


def drain(hub, ingest, *, ids: list[str] | None = None) -> list[Outcome]:
    r"""The worker's side: ingest every queued upload (or only ``ids``).

    ``ingest(hub, entry, path)`` does the normal, checked ingest of the decrypted file ``path``
    for ``entry`` (a dict of :func:`get`) and returns a ``SupplyResult``; it raises
    ``SupplyRejected``/``BadInput`` (recorded as *rejected*), ``AccessDenied`` (*refused*) or
    ``ResourceLocked`` (the hub is busy: left *queued*, and the drain stops).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> enqueue(hub, "a" * 24, agency="City Council", user="an.lee", dataset="council_asb",
    ...         filename="asb.csv", metadata={"period_start": "2024-03-01"}, size=35)
    >>> from workbench.errors import Problem, SupplyRejected
    >>> def ingest(hub, entry, path):
    ...     raise SupplyRejected(entry["dataset"], [Problem(path.name, 2, "incident_date", "a date", "soon")])
    >>> [(o.state, o.detail["problem_count"]) for o in drain(hub, ingest)]
    [('rejected', 1)]
    >>> get(hub, "a" * 24)["state"], queued(hub)
    ('rejected', [])
    """
    from workbench.errors import AccessDenied, BadInput, ResourceLocked, SupplyRejected

    outcomes = []
    for upload_id in queued(hub):
        if ids is not None and upload_id not in ids:
            continue
        entry = get(hub, upload_id)
        tmp = Path(tempfile.mkdtemp(prefix="workbench-upload-"))      # mode 0700
        try:
            path = tmp / _safe_name(entry["filename"])
            size = decrypt_to(hub, upload_id, path)
            if size != entry["size_bytes"]:          # a record lost from the end of the inbox file
                raise ValueError(f"the stored upload holds {size} bytes; expected {entry['size_bytes']}")
            result = ingest(hub, entry, path)
            out = Outcome(upload_id, "ingested", result.rows, result.supply_id, {
                "rows": result.rows, "rows_superseded": result.rows_superseded, "skipped": result.skipped,
                "message": result.message, "adapter": result.adapter, "warnings": result.warnings,
                "metadata_missing": result.metadata_missing})
        except SupplyRejected as exc:
            out = Outcome(upload_id, "rejected", detail={
                "message": f"{exc.total} problem(s); nothing was changed.", "problem_count": exc.total,
                "problems": [{**p.to_dict(), "file": entry["filename"] if p.file == path.name else p.file}
                             for p in exc.problems]})
        except AccessDenied as exc:
            out = Outcome(upload_id, "refused", detail={"message": str(exc)})
        except ResourceLocked as exc:
            out = Outcome(upload_id, "queued", error=str(exc)[:500])
        except BadInput as exc:
            out = Outcome(upload_id, "rejected", detail={"message": str(exc), "problems": []})
        except Exception as exc:   # recorded for the page, never left silently queued
            out = Outcome(upload_id, "failed", detail={"message": f"{type(exc).__name__}: {exc}"[:1000]})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _record(hub, out)
        outcomes.append(out)
        if out.state == "queued":
            break
    return outcomes


def sweep_orphans(hub, *, older_than_seconds: float = 86400.0) -> list[str]:
    r"""Remove encrypted uploads that no queue entry names and that nobody has written to for
    ``older_than_seconds`` (an upload cut off by a crash of the portal, or one whose column mapping
    nobody confirmed within that time); returns their names.
    An upload still arriving is written to continually, so it is never taken for an orphan.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> w = EncryptedWriter(hub, "a" * 24)
    >>> w.write(b"Ref No,Date Reported\nA1,01/03/2024\n")
    >>> w.close()
    >>> sweep_orphans(hub, older_than_seconds=3600)        # written just now: kept
    []
    >>> sweep_orphans(hub, older_than_seconds=-1)          # no queue entry, untouched: removed
    ['portal_upload_aaaaaaaaaaaaaaaaaaaaaaaa.sealed']
    """
    import time

    folder = Path(hub).with_name("portal_inbox")
    if not folder.is_dir():
        return []
    known = set()
    if T.outbox_path(hub).exists():
        with T.outbox(hub) as con:
            con.execute(UPLOADS_SCHEMA)
            known = {r[0] for r in con.execute("SELECT upload_id FROM outbox.uploads "
                                               "WHERE state NOT IN ('receiving', 'mapping')").fetchall()}
    removed = []
    now = time.time()
    for f in sorted(folder.glob("portal_upload_*.sealed")):
        upload_id = f.name[len("portal_upload_"):-len(".sealed")]
        wal = Path(str(f) + ".wal")
        newest = max(p.stat().st_mtime for p in (f, wal) if p.exists())
        if upload_id not in known and now - newest > older_than_seconds:
            remove_upload(f)
            removed.append(f.name)
            with T.outbox(hub) as con:   # an abandoned resumable upload, or one whose mapping was never
                con.execute(UPLOADS_SCHEMA)   # (the first upload may crash before the queue exists)
                con.execute("DELETE FROM outbox.uploads WHERE upload_id = ? "      # confirmed, leaves with its entry
                            "AND state IN ('receiving', 'mapping')", [upload_id])
    return removed


def _record(hub, out: Outcome) -> None:
    now = datetime.now().replace(microsecond=0)
    with T.outbox(hub) as con:
        if out.state == "queued":
            con.execute("UPDATE outbox.uploads SET attempts = attempts + 1, last_error = ? WHERE upload_id = ?",
                        [out.error, out.upload_id])
            return
        con.execute("UPDATE outbox.uploads SET state = ?, attempts = attempts + 1, rows = ?, supply_id = ?, "
                    "result_json = ?, last_error = NULL, done_at = ? WHERE upload_id = ?",
                    [out.state, out.rows, out.supply_id, json.dumps(out.detail, default=str), now,
                     out.upload_id])
    remove_upload(upload_file(hub, out.upload_id))    # the plain data now lives in the hub, or nowhere


# ------------------------------------------------------------------------------------ streaming
class TooLarge(Exception):
    """The uploaded file passed the size limit (413).

    >>> isinstance(TooLarge(), Exception)
    True
    """


async def receive_form(request, sink, limit: int) -> tuple[dict, dict | None]:
    r"""Parse a multipart form as it arrives: text fields into a dict, the one file part into
    ``sink(filename)`` (an :class:`EncryptedWriter` factory), never spooling it to disk.

    Returns ``(fields, file)`` where ``file`` is ``{"filename", "writer", "size"}`` or None.
    Raises :class:`TooLarge` past ``limit`` bytes of file data (the writer is discarded) and
    ValueError for a request that is not a multipart form.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> import asyncio
    >>> from starlette.requests import Request
    >>> body = (b'--b\r\nContent-Disposition: form-data; name="dataset"\r\n\r\ncouncil_asb\r\n'
    ...         b'--b\r\nContent-Disposition: form-data; name="file"; filename="asb.csv"\r\n\r\n'
    ...         b'Ref No\nA1\n\r\n--b--\r\n')
    >>> async def receive():
    ...     return {"type": "http.request", "body": body, "more_body": False}
    >>> def post():
    ...     return Request({"type": "http", "method": "POST",
    ...                     "headers": [(b"content-type", b"multipart/form-data; boundary=b")]}, receive)
    >>> fields, file = asyncio.run(receive_form(post(), lambda name: EncryptedWriter(hub, "c" * 24), 1024))
    >>> fields, file["filename"], file["size"], read_plain(hub, "c" * 24)
    ({'dataset': 'council_asb'}, 'asb.csv', 10, b'Ref No\nA1\n')
    >>> asyncio.run(receive_form(post(), lambda name: EncryptedWriter(hub, "d" * 24), 4))
    ... # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ...
    workbench.portal.uploads.TooLarge
    """
    from starlette.concurrency import run_in_threadpool
    from starlette.formparsers import multipart, parse_options_header

    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise ValueError("expected a multipart/form-data upload")
    events: list = []
    header_field, header_value = bytearray(), bytearray()

    callbacks = {
        "on_part_begin": lambda: events.append(("begin", None)),
        "on_part_data": lambda d, s, e: events.append(("data", bytes(d[s:e]))),
        "on_part_end": lambda: events.append(("end", None)),
        "on_header_field": lambda d, s, e: header_field.extend(d[s:e]),
        "on_header_value": lambda d, s, e: header_value.extend(d[s:e]),
        "on_header_end": lambda: (events.append(("header", (bytes(header_field).lower(), bytes(header_value)))),
                                  header_field.clear(), header_value.clear()),
    }
    parser = multipart.MultipartParser(params[b"boundary"], callbacks)
    fields: dict = {}
    file = None
    name, filename, text, buf = None, None, bytearray(), bytearray()
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            for kind, value in events:
                if kind == "begin":
                    name, filename, text = None, None, bytearray()
                elif kind == "header" and value[0] == b"content-disposition":
                    _, opts = parse_options_header(value[1])
                    name = opts.get(b"name", b"").decode("utf-8", "replace")
                    if b"filename" in opts:
                        filename = opts[b"filename"].decode("utf-8", "replace")
                        if file is not None:
                            raise ValueError("only one file may be uploaded at a time")
                        writer = await run_in_threadpool(sink, filename)
                        file = {"filename": filename, "writer": writer, "size": 0, "field": name}
                elif kind == "data":
                    if filename is not None:
                        file["size"] += len(value)
                        if file["size"] > limit:
                            raise TooLarge()
                        buf.extend(value)
                        if len(buf) >= CHUNK:
                            await run_in_threadpool(file["writer"].write, bytes(buf))
                            buf.clear()
                    else:
                        text.extend(value)
                        if len(text) > 64 * 1024:
                            raise ValueError(f"form field '{name[:40]}' is longer than 64 KB")
                elif kind == "end":
                    if filename is not None:
                        if buf:
                            await run_in_threadpool(file["writer"].write, bytes(buf))
                            buf.clear()
                    elif name:
                        fields[name] = text.decode("utf-8", "replace")
                    name, filename = None, None
            events.clear()
        parser.finalize()
        if file is not None:
            await run_in_threadpool(file["writer"].close)
    except BaseException:
        if file is not None:
            await run_in_threadpool(file["writer"].discard)
        raise
    return fields, file
