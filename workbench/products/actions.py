"""The actions log of the tasking and co-ordination group (regulations appendix H 1.9–1.10).

"In all cases there must be clear records of the planned activity and use of resources and the
outcome of all activity" and each problem "should be clearly owned by a named individual"
(appendix H 1.10). The tactical assessment carries open actions from the last meeting with their
owners and status. Stored in the registry SQLite beside the hub (table ``actions``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

from workbench.products import commissioning as cm
from workbench.products import validate as v

ACTION_STATUSES = ("open", "in progress", "done", "dropped")


@dataclass
class Action:
    """An action set at a tasking meeting: what, who owns it, when it is due and its status.

    Examples
    --------
    >>> a = add_action("action/hub.duckdb", meeting="2026-01-05", action="Patrol the park", owner="PC Smith",
    ...                due="2026-01-19")
    >>> a.status, a.due, a.to_dict()["owner"]
    ('open', '2026-01-19', 'PC Smith')
    """

    id: int
    raised_at_meeting: str
    action: str
    owner: str
    agency: str | None
    due: str | None
    status: str
    commission_id: int | None
    note: str | None
    created_at: str
    updated_at: str

    def to_dict(self) -> dict:
        return asdict(self)


def add_action(hub: Path | str, *, meeting: str | dt.date, action: str, owner: str,
               agency: str | None = None, due: str | dt.date | None = None,
               commission_id: int | None = None, note: str | None = None) -> Action:
    """Record an action set at a tasking meeting; every action has a named owner.

    Examples
    --------
    >>> a = add_action("add_action/hub.duckdb", meeting="2026-01-05", action="Fix the lights", owner="Council")
    >>> a.id, a.raised_at_meeting, a.status
    (1, '2026-01-05', 'open')
    """
    meeting_date = v.date("meeting", meeting, required=True)
    due_date = v.date("due", due)
    if commission_id is not None:
        cm.get_commission(hub, commission_id)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    con = cm.connect(hub)
    try:
        cur = con.execute(
            "INSERT INTO actions (raised_at_meeting, action, owner, agency, due, status,"
            " commission_id, note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [str(meeting_date), v.text("action", action, required=True),
             v.text("owner", owner, required=True), v.text("agency", agency),
             str(due_date) if due_date else None, "open", commission_id, v.text("note", note), now, now])
        con.commit()
        aid = cur.lastrowid
    finally:
        con.close()
    return next(a for a in list_actions(hub) if a.id == aid)


def update_action(hub: Path | str, action_id: int, *, status: str, note: str | None = None) -> Action:
    """Change an action's status (one of :data:`ACTION_STATUSES`).

    Examples
    --------
    >>> a = add_action("update_action/hub.duckdb", meeting="2026-01-05", action="Patrol", owner="PC Smith")
    >>> done = update_action("update_action/hub.duckdb", a.id, status="done", note="patrolled twice")
    >>> done.status, done.note
    ('done', 'patrolled twice')
    >>> update_action("update_action/hub.duckdb", a.id, status="finished")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: ...
    """
    status = v.choice("status", status, ACTION_STATUSES)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    con = cm.connect(hub)
    try:
        n = con.execute("UPDATE actions SET status = ?, note = COALESCE(?, note), updated_at = ?"
                        " WHERE id = ?", [status, v.text("note", note), now, int(action_id)]).rowcount
        con.commit()
    finally:
        con.close()
    if n == 0:
        from workbench.errors import BadInput
        raise BadInput(f"No action with id {action_id}; list them with the tactical assessment.")
    return next(a for a in list_actions(hub) if a.id == int(action_id))


def list_actions(hub: Path | str, *, before: str | dt.date | None = None,
                 open_only: bool = False) -> list[Action]:
    """Actions raised at meetings on or before ``before`` (all when None), oldest meeting first.

    Examples
    --------
    >>> hub = "list_actions/hub.duckdb"
    >>> for meeting, what in (("2026-01-05", "Patrol"), ("2026-02-02", "Review")):
    ...     _ = add_action(hub, meeting=meeting, action=what, owner="PC Smith")
    >>> _ = update_action(hub, 1, status="done")
    >>> [a.action for a in list_actions(hub)], [a.action for a in list_actions(hub, open_only=True)]
    (['Patrol', 'Review'], ['Review'])
    >>> [a.action for a in list_actions(hub, before="2026-01-31")]
    ['Patrol']
    """
    con = cm.connect(hub)
    try:
        q, args = "SELECT * FROM actions WHERE 1=1", []
        if before is not None:
            q += " AND raised_at_meeting <= ?"
            args.append(str(v.date("before", before)))
        if open_only:
            q += " AND status IN ('open', 'in progress')"
        rows = con.execute(q + " ORDER BY raised_at_meeting, id", args).fetchall()
        return [Action(**dict(r)) for r in rows]
    finally:
        con.close()


def carried_actions(hub: Path | str, as_of: str | dt.date | None = None) -> list[Action]:
    """Actions to carry into the next tactical assessment: from the latest meeting on or
    before ``as_of``, plus any older action still open.

    Examples
    --------
    >>> hub = "carried/hub.duckdb"
    >>> for meeting, what in (("2026-01-05", "Patrol"), ("2026-01-05", "Lights"), ("2026-02-02", "Review")):
    ...     _ = add_action(hub, meeting=meeting, action=what, owner="PC Smith")
    >>> _ = update_action(hub, 1, status="done")
    >>> [a.action for a in carried_actions(hub, "2026-02-10")]      # the last meeting's, plus older open ones
    ['Lights', 'Review']
    """
    everything = list_actions(hub, before=as_of)
    if not everything:
        return []
    last = max(a.raised_at_meeting for a in everything)
    return [a for a in everything if a.raised_at_meeting == last or a.status in ("open", "in progress")]
