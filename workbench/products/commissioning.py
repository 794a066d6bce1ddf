"""The commissioning register: who asked for which product, with which questions (guidance Box 4).

Commissioning groups (the Greater Manchester "Partnership Business Groups": a strategy group,
a partnership tasking and co-ordination group, a scrutiny committee …) commission analytical
products. A commission fixes the aim, purpose and scope, the questions to answer — which are
*not* limited to the data available, because knowledge gaps drive further collection — the
offences, area and periods, the panel of experts consulted, the analyst, the due date, the
status and the handling conditions (guidance Appendix 2 section 3 and Box 4).

The register lives in the registry SQLite file beside the hub (``registry.sqlite``), in tables
this module creates with :func:`migrate`; the registry engineer's schema is left untouched.

Examples
--------
>>> import tempfile, pathlib
>>> from workbench.products import commissioning as cm
>>> hub = pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb"
>>> c = cm.add_commission(hub, title="Night-time violence in the city centre",
...                       questions=["Where and when does it concentrate?"],
...                       requested_by="strategy group", quiet=True)
>>> cm.get_commission(hub, c.id).status
'requested'
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from workbench.errors import BadInput
from workbench.registry import db as registry_db
from workbench.registry import open_registry
from workbench.registry.db import registry_path  # noqa: F401 (callers use commissioning.registry_path)
from workbench.products import validate as v

#: bodies that commission products (guidance Box 4; regulations appendix H 1.8–1.9)
COMMISSIONING_GROUPS = (
    "strategy group",
    "partnership tasking group",
    "scrutiny committee",
    "partnership business group",
    "joint action group",
    "responsible authorities group",
    "CSP coordinator",
)
STATUSES = ("requested", "assigned", "in progress", "delivered", "closed", "withdrawn")
PRODUCTS = ("problem-profile", "strategic-assessment", "tactical-assessment", "subject-profile")
DEFAULT_HANDLING = ("Partnership use only under the information sharing protocol; not for "
                    "onward disclosure without the permission of the supplying agencies "
                    "(guidance 2.1 D).")

SCHEMA = """
CREATE TABLE IF NOT EXISTS products_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS commissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    product TEXT NOT NULL DEFAULT 'problem-profile',
    requested_by TEXT,
    aim TEXT, purpose TEXT, scope TEXT,
    questions TEXT NOT NULL,            -- JSON list
    offences TEXT, area TEXT,
    current_from TEXT, current_to TEXT, baseline_from TEXT, baseline_to TEXT,
    panel TEXT NOT NULL DEFAULT '[]',   -- JSON list: panel of experts (Box 4)
    analyst TEXT, due TEXT,
    status TEXT NOT NULL DEFAULT 'requested',
    handling TEXT,
    created_by TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    closed_at TEXT, close_note TEXT
);
CREATE TABLE IF NOT EXISTS commission_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commission_id INTEGER NOT NULL REFERENCES commissions(id),
    given_by TEXT, given_at TEXT NOT NULL,
    used INTEGER, how_used TEXT,
    revealed_new INTEGER, what_was_new TEXT,
    content_right INTEGER, tone_right INTEGER, timely INTEGER,
    helped_outcome INTEGER, outcome TEXT,
    comments TEXT
);
CREATE TABLE IF NOT EXISTS product_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product TEXT NOT NULL, commission_id INTEGER,
    marking TEXT NOT NULL, generated_by TEXT, generated_at TEXT NOT NULL,
    outputs TEXT NOT NULL               -- JSON {"notebook", "html", "pdf"}
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    raised_at_meeting TEXT NOT NULL,    -- date of the tasking meeting that set it
    action TEXT NOT NULL, owner TEXT NOT NULL, agency TEXT,
    due TEXT, status TEXT NOT NULL DEFAULT 'open',
    commission_id INTEGER, note TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
"""
SCHEMA_VERSION = "1"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def migrate(con: sqlite3.Connection) -> None:
    """Create (idempotently) the products tables in the registry database.

    >>> import pathlib, tempfile
    >>> from workbench.registry.db import connect
    >>> con = connect(pathlib.Path(tempfile.mkdtemp()) / "registry.sqlite")
    >>> migrate(con); migrate(con)
    >>> "commissions" in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    True
    """
    con.executescript(SCHEMA)
    have = {r[1] for r in con.execute("PRAGMA table_info(commissions)").fetchall()}
    if "area_spec" not in have:   # added with --area-lsoas/wards/districts/polygon (issue 12)
        con.execute("ALTER TABLE commissions ADD COLUMN area_spec TEXT")
    con.execute("INSERT OR REPLACE INTO products_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    con.commit()


def connect(hub: Path | str) -> sqlite3.Connection:
    """Open the hub's registry (the registry's one opener: 0600 file, WAL, foreign keys on)
    and make sure the products tables exist.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> con = connect(Path(tempfile.mkdtemp()) / "hub.duckdb")
    >>> con.execute("SELECT count(*) FROM commissions").fetchone()[0]
    0
    >>> con.execute("PRAGMA foreign_keys").fetchone()[0]
    1
    """
    con = registry_db.connect(registry_path(hub))
    migrate(con)
    return con


def audit(hub: Path | str, actor: str | None, action: str, target: str, detail: dict | None = None) -> None:
    """Record an action in the registry's audit chain.

    >>> import tempfile
    >>> from workbench.registry import open_registry
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> audit(hub, "coord", "commission.note", "commission:1", {"note": "briefed"})
    >>> with open_registry(hub) as reg:
    ...     [(e.actor, e.action) for e in reg.audit_entries(action="commission.note")]
    [('coord', 'commission.note')]
    """
    with open_registry(Path(hub)) as reg:
        reg.audit(actor or "unknown", action, target, detail)


@dataclass
class Commission:
    """One commissioned product (guidance Box 4).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> c.status, c.questions
    ('requested', ['Where is violence rising?'])
    """

    id: int
    title: str
    product: str
    requested_by: str | None
    aim: str | None
    purpose: str | None
    scope: str | None
    questions: list[str]
    offences: str | None
    area: str | None
    current: tuple[str, str] | None
    baseline: tuple[str, str] | None
    panel: list[str] = field(default_factory=list)
    analyst: str | None = None
    due: str | None = None
    status: str = "requested"
    handling: str | None = None
    created_by: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    closed_at: str | None = None
    close_note: str | None = None
    area_spec: str | None = None   # JSON of a workbench.products.area.CommissionArea

    @property
    def commissioned_area(self):
        """The :class:`~workbench.products.area.CommissionArea` every figure must keep to, or None."""
        from workbench.products.area import CommissionArea

        return CommissionArea.from_json(self.area_spec)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Commission":
        r = dict(row)
        pair = lambda a, b: (r[a], r[b]) if r[a] and r[b] else None  # noqa: E731
        return cls(
            id=r["id"], title=r["title"], product=r["product"], requested_by=r["requested_by"],
            aim=r["aim"], purpose=r["purpose"], scope=r["scope"],
            questions=json.loads(r["questions"]), offences=r["offences"], area=r["area"],
            current=pair("current_from", "current_to"),
            baseline=pair("baseline_from", "baseline_to"),
            panel=json.loads(r["panel"] or "[]"), analyst=r["analyst"], due=r["due"],
            status=r["status"], handling=r["handling"], created_by=r["created_by"],
            created_at=r["created_at"], updated_at=r["updated_at"], closed_at=r["closed_at"],
            close_note=r["close_note"], area_spec=r.get("area_spec"),
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["current"] = list(self.current) if self.current else None
        d["baseline"] = list(self.baseline) if self.baseline else None
        return d

    def to_text(self) -> str:
        lines = [f"Commission {self.id}: {self.title}  [{self.status}]",
                 f"  product: {self.product}   requested by: {self.requested_by or '-'}   "
                 f"analyst: {self.analyst or '-'}   due: {self.due or '-'}"]
        for label in ("aim", "purpose", "scope", "offences", "area"):
            if getattr(self, label):
                lines.append(f"  {label}: {getattr(self, label)}")
        if self.commissioned_area is not None:
            lines.append(f"  commissioned area: {self.commissioned_area.describe()}")
        if self.current:
            lines.append(f"  current period: {self.current[0]} to {self.current[1]}")
        if self.baseline:
            lines.append(f"  baseline period: {self.baseline[0]} to {self.baseline[1]}")
        lines.append("  questions:")
        lines += [f"    {i}. {q}" for i, q in enumerate(self.questions, 1)]
        if self.panel:
            lines.append(f"  panel of experts: {', '.join(self.panel)}")
        lines.append(f"  handling: {self.handling or DEFAULT_HANDLING}")
        return "\n".join(lines)


def add_commission(hub: Path | str, *, title: str, questions: list[str] | str,
                   product: str = "problem-profile", requested_by: str | None = None,
                   aim: str | None = None, purpose: str | None = None, scope: str | None = None,
                   offences: str | None = None, area: str | None = None,
                   current: str | tuple | None = None, baseline: str | tuple | None = None,
                   panel: list[str] | None = None, analyst: str | None = None,
                   due: str | dt.date | None = None, handling: str | None = None,
                   created_by: str | None = None, quiet: bool = False,
                   area_lsoas: str | None = None, area_wards: str | None = None,
                   area_districts: str | None = None, area_polygon: str | Path | None = None) -> Commission:
    """Register a commission and return it (status ``requested``, or ``assigned`` with an analyst).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> c.id, c.product
    (1, 'problem-profile')
    >>> add_commission(hub, title="", questions=["Why?"])
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: ...

    Parameters
    ----------
    hub : the hub path; the register is ``registry.sqlite`` beside it.
    title, questions : required; questions need not be answerable from the hub's data (Box 4).
    product : one of :data:`PRODUCTS` (default ``problem-profile``).
    requested_by : the commissioning group, one of :data:`COMMISSIONING_GROUPS`.
    current, baseline : ``FROM:TO`` periods (``YYYY-MM-DD``). When a current period is given
        without a baseline, the baseline defaults to the same period one year earlier and
        this is announced unless ``quiet``.
    handling : handling conditions; default :data:`DEFAULT_HANDLING`.
    area_lsoas, area_wards, area_districts, area_polygon : the commissioned area (at most one:
        comma-separated LSOA codes, ward codes or postcode districts, or a GeoJSON/WKT polygon
        file); every figure of the product then uses only that area
        (:mod:`workbench.products.area`).
    """
    from workbench.products.area import parse_area

    commissioned = parse_area(lsoas=area_lsoas, wards=area_wards, districts=area_districts,
                              polygon=area_polygon)
    title = v.text("title", title, required=True, max_len=300)
    qs = v.texts("question", questions, required=True)
    product = v.choice("product", product, PRODUCTS)
    group = v.choice("requested_by", requested_by, COMMISSIONING_GROUPS) if requested_by else None
    cur = v.period("current", current)
    base = v.period("baseline", baseline)
    if cur and not base:
        base = (_year_earlier(cur[0]), _year_earlier(cur[1]))
        if not quiet:
            print(f"Baseline set to the same period a year earlier: {base[0]} to {base[1]}",
                  file=sys.stderr)
    if base and not cur:
        raise BadInput("`baseline` was given without `current`: give the current period too.")
    due_date = v.date("due", due)
    experts = v.texts("panel", panel or [])
    now = _now()
    con = connect(hub)
    try:
        cursor = con.execute(
            "INSERT INTO commissions (title, product, requested_by, aim, purpose, scope, questions,"
            " offences, area, current_from, current_to, baseline_from, baseline_to, panel, analyst,"
            " due, status, handling, created_by, created_at, updated_at, area_spec)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [title, product, group, v.text("aim", aim), v.text("purpose", purpose),
             v.text("scope", scope), json.dumps(qs), v.text("offences", offences),
             v.text("area", area),
             *(str(d) for d in (cur or (None, None))), *(str(d) for d in (base or (None, None))),
             json.dumps(experts), v.text("analyst", analyst), str(due_date) if due_date else None,
             "assigned" if analyst else "requested", v.text("handling", handling) or DEFAULT_HANDLING,
             created_by, now, now, commissioned.to_json() if commissioned else None],
        )
        con.commit()
        cid = cursor.lastrowid
    finally:
        con.close()
    audit(hub, created_by, "commission.add", f"commission:{cid}", {"title": title, "product": product})
    return get_commission(hub, cid)


def _year_earlier(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def get_commission(hub: Path | str, commission_id: int) -> Commission:
    """Return commission ``commission_id`` or raise BadInput naming the known ids.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> get_commission(hub, 1).title
    'Night-time economy'
    >>> get_commission(hub, 9)
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: ...
    """
    con = connect(hub)
    try:
        row = con.execute("SELECT * FROM commissions WHERE id = ?", [int(commission_id)]).fetchone()
        if row is None:
            ids = [r[0] for r in con.execute("SELECT id FROM commissions ORDER BY id DESC LIMIT 10")]
            hint = f" Known ids: {ids}." if ids else " The register is empty: use `workbench commission add`."
            raise BadInput(f"No commission with id {commission_id}.{hint}")
        return Commission.from_row(row)
    finally:
        con.close()


def list_commissions(hub: Path | str, *, status: str | None = None) -> list[Commission]:
    """Every commission, newest first, optionally only those with ``status``.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> [x.title for x in list_commissions(hub)], list_commissions(hub, status="delivered")
    (['Night-time economy'], [])
    """
    con = connect(hub)
    try:
        if status:
            status = v.choice("status", status, STATUSES)
            rows = con.execute("SELECT * FROM commissions WHERE status = ? ORDER BY id DESC", [status])
        else:
            rows = con.execute("SELECT * FROM commissions ORDER BY id DESC")
        return [Commission.from_row(r) for r in rows.fetchall()]
    finally:
        con.close()


def _update(hub, commission_id: int, actor: str | None, action: str, **fields) -> Commission:
    get_commission(hub, commission_id)  # raises when unknown
    fields["updated_at"] = _now()
    sets = ", ".join(f"{k} = ?" for k in fields)
    con = connect(hub)
    try:
        con.execute(f"UPDATE commissions SET {sets} WHERE id = ?", [*fields.values(), int(commission_id)])
        con.commit()
    finally:
        con.close()
    audit(hub, actor, action, f"commission:{commission_id}",
          {k: val for k, val in fields.items() if k != "updated_at"})
    return get_commission(hub, commission_id)


def assign_commission(hub: Path | str, commission_id: int, analyst: str, *,
                      panel: list[str] | None = None, actor: str | None = None) -> Commission:
    """Give the commission to an analyst (and optionally name the panel of experts).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> c = assign_commission(hub, c.id, "an.lee", panel=["PC Shaw"])
    >>> c.analyst, c.status, c.panel
    ('an.lee', 'assigned', ['PC Shaw'])
    """
    current = get_commission(hub, commission_id)
    if current.status in ("closed", "withdrawn"):
        raise BadInput(f"Commission {commission_id} is {current.status}; it cannot be assigned.")
    fields = {"analyst": v.text("analyst", analyst, required=True), "status": "assigned"}
    if panel:
        fields["panel"] = json.dumps(v.texts("panel", panel))
    return _update(hub, commission_id, actor, "commission.assign", **fields)


def set_due(hub: Path | str, commission_id: int, due: str | dt.date, *, actor: str | None = None) -> Commission:
    """Change when a commission is due (``workbench commission due ID --due YYYY-MM-DD``; audited).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> set_due(hub, c.id, "2027-03-31").due
    '2027-03-31'
    >>> set_due(hub, c.id, "31/03/2027")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: ...
    """
    current = get_commission(hub, commission_id)
    if current.status in ("closed", "withdrawn"):
        raise BadInput(f"Commission {commission_id} is {current.status}; its due date is history.")
    due_date = v.date("due", due)
    if due_date is None:
        raise BadInput("`due`: expected a date as YYYY-MM-DD (e.g. 2027-03-31); found nothing.")
    return _update(hub, commission_id, actor, "commission.due", due=str(due_date))


def set_status(hub: Path | str, commission_id: int, status: str, *, actor: str | None = None) -> Commission:
    """Move a commission to ``status`` (one of :data:`STATUSES`).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> set_status(hub, c.id, "delivered").status
    'delivered'
    """
    status = v.choice("status", status, STATUSES)
    return _update(hub, commission_id, actor, "commission.status", status=status)


def close_commission(hub: Path | str, commission_id: int, *, outcome: str = "closed",
                     note: str | None = None, actor: str | None = None) -> Commission:
    """Close a commission (``closed`` after delivery, or ``withdrawn``).

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> close_commission(hub, c.id, outcome="withdrawn", note="no longer needed").status
    'withdrawn'
    """
    outcome = v.choice("outcome", outcome, ("closed", "withdrawn"))
    return _update(hub, commission_id, actor, "commission.close", status=outcome,
                   closed_at=_now(), close_note=v.text("note", note))


def record_run(hub: Path | str, product: str, commission_id: int | None, marking: str,
               outputs: dict, generated_by: str | None = None) -> int:
    """Log a rendered product; a commission with a run becomes ``delivered``.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> record_run(hub, "problem-profile", c.id, "OFFICIAL-SENSITIVE", {"html": "out/profile.html"})
    1
    >>> get_commission(hub, c.id).status
    'delivered'
    """
    con = connect(hub)
    try:
        cur = con.execute(
            "INSERT INTO product_runs (product, commission_id, marking, generated_by, generated_at, outputs)"
            " VALUES (?,?,?,?,?,?)",
            [product, commission_id, marking, generated_by, _now(), json.dumps(outputs)])
        if commission_id is not None:
            con.execute("UPDATE commissions SET status = 'delivered', updated_at = ? WHERE id = ?"
                        " AND status NOT IN ('closed', 'withdrawn')", [_now(), int(commission_id)])
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


def runs(hub: Path | str, commission_id: int | None = None) -> list[dict]:
    """Rendered products, newest first.

    >>> import tempfile
    >>> hub = Path(tempfile.mkdtemp()) / "hub.duckdb"
    >>> c = add_commission(hub, title="Night-time economy", questions=["Where is violence rising?"])
    >>> _ = record_run(hub, "problem-profile", c.id, "OFFICIAL", {"html": "out/profile.html"})
    >>> [(r["product"], r["outputs"]) for r in runs(hub, c.id)]
    [('problem-profile', {'html': 'out/profile.html'})]
    """
    con = connect(hub)
    try:
        q = "SELECT * FROM product_runs" + (" WHERE commission_id = ?" if commission_id else "")
        rows = con.execute(q + " ORDER BY id DESC", [commission_id] if commission_id else [])
        return [{**dict(r), "outputs": json.loads(r["outputs"])} for r in rows.fetchall()]
    finally:
        con.close()
