"""Retention: delete released personal data when its request ends (DPA principle 5).

"Personal information must not be kept longer than necessary" (guidance 2.4.2.5, principle
5) and "if it is shared, it must be destroyed after it has been used for the purpose for
which it was intended". :func:`purge` deletes every file a request released or exported
(the encrypted copy, its key, its WAL, personal exports) once the request is completed or
past its expiry, marks the request ``expired`` where the clock ran out, and audits each
deletion. ``workbench request purge`` runs it; run it daily (cron/systemd timer).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PurgeResult:
    """What :func:`purge` deleted: the requests, the files removed and those already gone.

    Examples
    --------
    >>> PurgeResult([3], ["release_3.csv"], ["release_3.xlsx"]).to_text()
    'Purged 1 file(s) of 1 request(s); 1 were already gone.'
    """

    requests: list[int] = field(default_factory=list)
    files_deleted: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def to_text(self) -> str:
        return (f"Purged {len(self.files_deleted)} file(s) of {len(self.requests)} request(s)"
                + (f"; {len(self.already_gone)} were already gone" if self.already_gone else "") + ".")


def _companions(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + ".key"), path.with_name(path.name + ".wal"),
            path.with_name(path.name + ".meta.json")]


def _delete(path: Path) -> bool:
    """Overwrite then unlink (best effort against casual recovery; encryption is the real guard).

    A symbolic link is removed, never followed: a link planted where an export was written
    must not make the purge overwrite the file it points at (e.g. the hub itself).
    """
    try:
        size = path.lstat().st_size
    except FileNotFoundError:
        return False
    if path.is_symlink():
        path.unlink()
        return True
    if not path.is_file():
        return False
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "wb") as fh:       # no truncation: the bytes are overwritten in place
            remaining = size
            while remaining > 0:
                n = min(remaining, 1 << 20)
                fh.write(b"\0" * n)
                remaining -= n
            fh.flush()
    except OSError:
        pass
    path.unlink()
    return True


def due(reg, request_id: int | None = None) -> list[int]:
    """Requests whose copies must go: completed, refused, or past expiry (or the one named).

    Examples
    --------
    >>> from workbench.registry import open_registry
    >>> with open_registry("due/hub.duckdb") as reg:
    ...     due(reg), due(reg, request_id=7)                   # nothing is due in a new registry; a named one is
    ([], [7])
    """
    now = reg.now().isoformat()
    if request_id is not None:
        return [int(request_id)]
    rows = reg.con.execute(
        "SELECT id FROM requests WHERE status IN ('completed', 'refused', 'expired') "
        "OR (status IN ('approved', 'pending') AND expires_at <= ?) ORDER BY id", (now,))
    return [r[0] for r in rows]


def purge(reg, *, actor: str = "system", request_id: int | None = None) -> PurgeResult:
    """Delete the released copies of every request that is due (or of ``request_id``); audited.

    Examples
    --------
    >>> from workbench.registry import open_registry
    >>> with open_registry("purge/hub.duckdb") as reg:
    ...     purge(reg).to_text()
    'Purged 0 file(s) of 0 request(s).'
    """
    result = PurgeResult()
    now = reg.now()
    for rid in due(reg, request_id):
        row = reg.con.execute("SELECT status, expires_at FROM requests WHERE id = ?", (rid,)).fetchone()
        if row is None:
            continue
        if row["status"] in ("approved", "pending") and row["expires_at"] <= now.isoformat():
            reg.con.execute("UPDATE requests SET status = 'expired', closed_at = ? WHERE id = ?",
                            (now.isoformat(), rid))
            reg.audit(actor, "request.expire", f"request:{rid}", {"expires_at": row["expires_at"]})
        files = reg.con.execute("SELECT id, path, kind FROM release_files WHERE request_id = ? "
                                "AND purged_at IS NULL", (rid,)).fetchall()
        if not files:
            continue
        deleted, gone = [], []
        for path in dict.fromkeys(Path(f["path"]) for f in files):
            for p in _companions(path):
                if _delete(p):
                    deleted.append(str(p))
                elif p == path:
                    gone.append(str(p))
            if path.parent.name == f"request-{rid}" and path.parent.exists() and not any(path.parent.iterdir()):
                path.parent.rmdir()
        reg.con.execute("UPDATE release_files SET purged_at = ? WHERE request_id = ? AND purged_at IS NULL",
                        (now.isoformat(), rid))
        reg.audit(actor, "request.purge", f"request:{rid}",
                  {"deleted": deleted, "already_gone": gone, "principle": "DPA principle 5"})
        result.requests.append(rid)
        result.files_deleted += deleted
        result.already_gone += gone
    return result
