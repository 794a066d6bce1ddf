"""Notifications by e-mail, through an outbox so nothing is lost while the mail server is down.

Who is told what (issue 15), read from the audit chain so that no other module has to remember
to send mail, and every notification has an audited cause:

=============================================  ===============================================
event (audit action)                           recipients
=============================================  ===============================================
``request.create``                             the supplying agency's DLOs ("a request waits
                                               for your decision"; guidance Box 1), and its
                                               Caldicott guardian when it names health data
``request.approve`` / ``request.refuse``       the requester
``request.caldicott_approve`` / ``…_refuse``   the requester
``product.render`` of a commission             whoever recorded the commission and its analyst
late statutory supplies (supply calendar)      the coordinators (``admin``), one digest a day
=============================================  ===============================================

Messages say what happened and where to look; they never carry personal data, passwords or
activation codes (e-mail is not a secure channel: guidance 4.2.4). :func:`queue` turns new audit
entries into outbox rows (each event once: ``event_key`` is unique); :func:`deliver` sends what
is unsent through the configured SMTP server, records each attempt, and leaves failures in the
outbox for the next run. The SMTP settings come from the environment (``WORKBENCH_SMTP_HOST``,
``_PORT``, ``_USER``, ``_PASSWORD``, ``_FROM``, ``_STARTTLS``); without a host nothing is sent and
the outbox keeps everything.

Examples
--------
>>> valid_email("jo.bloggs@nottinghamcity.gov.uk"), valid_email("not an address")
(True, False)
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import sqlite3
from dataclasses import dataclass
from email.message import EmailMessage

from workbench.errors import BadInput

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
MAX_ATTEMPTS = 20


def valid_email(address: str) -> bool:
    """True when ``address`` looks like ``name@example.org`` (one ``@``, a dotted domain).

    Examples
    --------
    >>> valid_email("jo.bloggs@nottinghamcity.gov.uk"), valid_email("jo@localhost"), valid_email(None)
    (True, False, False)
    """
    return bool(_EMAIL.match(str(address or "")))


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server that :func:`deliver` uses; :meth:`from_env` reads the ``WORKBENCH_SMTP_*`` variables (no host: nothing is sent).

    Examples
    --------
    >>> s = SmtpSettings.from_env({"WORKBENCH_SMTP_HOST": "mail.csp.test", "WORKBENCH_SMTP_PORT": "587",
    ...                            "WORKBENCH_SMTP_STARTTLS": "yes"})
    >>> s.host, s.port, s.starttls, s.sender
    ('mail.csp.test', 587, True, 'csp-workbench@localhost')
    >>> SmtpSettings.from_env({}).host is None
    True
    """

    host: str | None
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "csp-workbench@localhost"
    starttls: bool = False

    @classmethod
    def from_env(cls, env=None) -> "SmtpSettings":
        env = os.environ if env is None else env
        return cls(env.get("WORKBENCH_SMTP_HOST") or None, int(env.get("WORKBENCH_SMTP_PORT", "25")),
                   env.get("WORKBENCH_SMTP_USER") or None, env.get("WORKBENCH_SMTP_PASSWORD") or None,
                   env.get("WORKBENCH_SMTP_FROM", "csp-workbench@localhost"),
                   env.get("WORKBENCH_SMTP_STARTTLS", "") in ("1", "true", "yes"))


def set_email(reg, actor: str, user: str, email: str) -> dict:
    """Record a user's e-mail address (the coordinator, or the user for themselves; audited).

    Examples
    --------
    >>> reg = _example_registry("set_email")
    >>> set_email(reg, "coord", "ann", "ann@council.test")          # the coordinator sets it
    {'user': 'ann', 'email': 'ann@council.test'}
    >>> set_email(reg, "ann", "ann", "not an address")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `email` must look like name@example.org; found 'not an address'.
    >>> reg.close()
    """
    from workbench.privacy import access

    who = reg.get_user(actor)
    if who.name != user:
        access.require(reg, who, "admin")
    reg.get_user(user)
    if not valid_email(email):
        raise BadInput(f"`email` must look like name@example.org; found {email!r}.")
    with reg.transaction():
        reg.con.execute("INSERT INTO user_contacts VALUES (?, ?, ?, ?) ON CONFLICT(user) DO UPDATE SET "
                        "email = excluded.email, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
                        (user, email, who.name, reg._now_text()))
        reg.audit(who.name, "user.email", user, {"set": True})
    return {"user": user, "email": email}


def _email_of(reg, user: str) -> str | None:
    row = reg.con.execute("SELECT email FROM user_contacts WHERE user = ?", (user,)).fetchone()
    return row[0] if row else None


def _enqueue(reg, key: str, user: str, subject: str, body: str) -> bool:
    addr = _email_of(reg, user)
    cur = reg.con.execute(
        "INSERT OR IGNORE INTO outbox (event_key, to_user, to_addr, subject, body, created_at, attempts) "
        "VALUES (?, ?, ?, ?, ?, ?, 0)", (key, user, addr, subject, body, reg._now_text()))
    return cur.rowcount > 0


def _request(reg, target: str):
    from workbench.privacy import requests as pr

    try:
        return pr.get(reg, int(str(target).split(":", 1)[1]))
    except (BadInput, ValueError, IndexError):
        return None


def _users_where(reg, sql: str, args=()) -> list[str]:
    return [r[0] for r in reg.con.execute(f"SELECT name FROM users WHERE active = 1 AND {sql}", args)]


def _from_entry(reg, e) -> list[tuple[str, str, str, str]]:
    """(event key, user, subject, body) for one audit entry."""
    out = []
    if e.outcome != "ok":
        return out
    if e.action == "request.create":
        req = _request(reg, e.target)
        if req is None:
            return out
        for dlo in _users_where(reg, "role = 'dlo' AND agency = ?", (req.supplying_agency,)):
            out.append((f"audit:{e.seq}:{dlo}", dlo, f"Personal-data request {req.id} waits for your decision",
                        f"{req.requester} asked on {e.at[:10]} for data supplied by {req.supplying_agency} "
                        f"(purpose: {req.purpose}). As its Designated Liaison Officer, approve or refuse it: "
                        f"workbench request show {req.id}."))
        from workbench.privacy import caldicott

        if caldicott.needs_guardian(req.datasets):
            g = caldicott.guardian_of(reg, req.supplying_agency)
            if g:
                out.append((f"audit:{e.seq}:{g}", g, f"Request {req.id} names health data: Caldicott decision needed",
                            f"Request {req.id} asks for data supplied by {req.supplying_agency} that includes "
                            f"health data. Approve or refuse it as Caldicott guardian: "
                            f"workbench request caldicott {req.id}."))
    elif e.action in ("request.approve", "request.refuse", "request.caldicott_approve", "request.caldicott_refuse"):
        req = _request(reg, e.target)
        if req is not None:
            verb = "approved" if e.action.endswith("approve") else "refused"
            who = "the Caldicott guardian" if "caldicott" in e.action else "the DLO"
            out.append((f"audit:{e.seq}:{req.requester}", req.requester, f"Request {req.id} {verb}",
                        f"Your personal-data request {req.id} was {verb} by {who} ({e.actor}) on {e.at[:10]}."))
    elif e.action == "product.render" and isinstance(e.detail, dict) and e.detail.get("commission"):
        cid = e.detail["commission"]
        for user in _commission_people(reg, cid):
            out.append((f"audit:{e.seq}:{user}", user, f"Commissioned product ready (commission {cid})",
                        f"{str(e.target).split(':')[0]} for commission {cid} was rendered on {e.at[:10]}. "
                        f"It is in the product library; please record feedback when you have used it "
                        f"(workbench commission feedback {cid})."))
    return out


def _commission_people(reg, cid) -> list[str]:
    """Who recorded commission ``cid`` and its analyst, read on the registry's own connection.

    :func:`queue` calls this inside its write transaction: a second connection to the same file
    (``products.commissioning.get_commission`` writes its schema marker on opening) would wait
    out SQLite's 30 s busy timeout and fail, and the notification would be lost.
    """
    try:
        row = reg.con.execute("SELECT created_by, analyst FROM commissions WHERE id = ?",
                              (int(cid),)).fetchone()
    except (sqlite3.OperationalError, ValueError):   # no commissions table yet; a malformed id
        return []
    if row is None:
        return []
    names = [n for n in (row[0], row[1]) if n]
    known = set(_users_where(reg, "1 = 1"))
    return list(dict.fromkeys(n for n in names if n in known))


def queue(reg, *, late_digest_on=None) -> int:
    """Turn audit entries not seen yet into outbox rows; returns how many were queued.

    Examples
    --------
    >>> from workbench.products import commissioning as cm
    >>> reg = _example_registry("queue")
    >>> c = cm.add_commission(reg.hub, title="ASB in the park", questions=["Why now?"], analyst="ann",
    ...                       created_by="coord", quiet=True)
    >>> _ = reg.audit("ann", "product.render", "problem-profile:asb.html", {"commission": c.id})
    >>> queue(reg), queue(reg)                                      # each event once
    (2, 0)
    >>> sorted(r["to_user"] for r in outbox(reg))
    ['ann', 'coord']
    >>> reg.close()
    """
    last = reg.con.execute("SELECT audit_seq FROM notify_cursor WHERE id = 1").fetchone()
    last = last[0] if last else 0
    entries = [e for e in reg.audit_entries() if e.seq > last]
    n = 0
    with reg.transaction():
        for e in entries:
            for key, user, subject, body in _from_entry(reg, e):
                n += _enqueue(reg, key, user, subject, body)
        if entries:
            reg.con.execute("INSERT INTO notify_cursor VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET "
                            "audit_seq = excluded.audit_seq", (entries[-1].seq,))
    if late_digest_on is not None:
        n += queue_late_supplies(reg, late_digest_on)
    return n


def queue_late_supplies(reg, as_of) -> int:
    """One digest a day to the coordinators listing the late statutory supplies (status ``late``
    in the supply calendar; a dataset never supplied is not listed); returns how many were queued.

    Examples
    --------
    >>> import datetime as dt
    >>> from workbench.hub.schema import init_hub
    >>> reg = _example_registry("late")
    >>> _ = init_hub(reg.hub)                 # an empty hub: every statutory supply is "never supplied"
    >>> from workbench.hub.calendar import supply_calendar
    >>> from workbench.hub.connect import open_hub
    >>> con = open_hub(reg.hub, read_only=True)
    >>> sorted({r.status for r in supply_calendar(con, dt.date(2026, 1, 15))})
    ['never supplied']
    >>> con.close()
    >>> queue_late_supplies(reg, dt.date(2026, 1, 15))              # the digest lists late supplies only
    0
    >>> reg.close()
    """
    from workbench.hub.calendar import supply_calendar
    from workbench.hub.connect import open_hub

    con = open_hub(reg.hub, read_only=True)
    try:
        late = [r for r in supply_calendar(con, as_of) if r.status == "late"]
    finally:
        con.close()
    if not late:
        return 0
    body = "Late statutory supplies (workbench hub calendar):\n" + "\n".join(
        f"- {r.dataset} from {r.agency or 'no agency'}: late since {r.late_since}, "
        f"{r.periods_behind} {r.cadence} period(s) behind" for r in late)
    n = 0
    with reg.transaction():
        for admin in _users_where(reg, "role = 'admin'"):
            n += _enqueue(reg, f"late:{as_of.isoformat()}:{admin}", admin,
                          f"{len(late)} late supplies on {as_of.isoformat()}", body)
    return n


def outbox(reg, *, unsent_only: bool = False) -> list[dict]:
    """The outbox rows (oldest first); ``unsent_only`` keeps those not yet delivered.

    Examples
    --------
    >>> reg = _example_registry("outbox")
    >>> _enqueue(reg, "example:1", "ann", "Hello", "A message.")
    True
    >>> [(r["to_user"], r["subject"], r["sent_at"]) for r in outbox(reg, unsent_only=True)]
    [('ann', 'Hello', None)]
    >>> reg.close()
    """
    sql = "SELECT * FROM outbox" + (" WHERE sent_at IS NULL" if unsent_only else "") + " ORDER BY id"
    return [dict(r) for r in reg.con.execute(sql)]


def deliver(reg, settings: SmtpSettings | None = None) -> dict:
    """Send unsent mail; returns counts. Failures stay in the outbox with the error.

    Examples
    --------
    >>> reg = _example_registry("deliver")
    >>> _ = _enqueue(reg, "example:1", "ann", "Hello", "A message.")
    >>> deliver(reg, SmtpSettings(None))["waiting"]                 # no server configured: kept
    1
    >>> reg.close()
    """
    settings = settings or SmtpSettings.from_env()
    rows = [r for r in outbox(reg, unsent_only=True) if r["attempts"] < MAX_ATTEMPTS]
    sent = failed = no_address = 0
    if settings.host is None:
        return {"sent": 0, "failed": 0, "waiting": len(rows), "reason": "no SMTP server configured "
                "(WORKBENCH_SMTP_HOST); the outbox keeps every message"}
    for r in rows:
        addr = r["to_addr"] or _email_of(reg, r["to_user"])
        if not addr:
            no_address += 1
            continue
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = settings.sender, addr, r["subject"]
        msg.set_content(r["body"] + "\n\n-- \nCSP analyst workbench. Do not reply with personal data.")
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=15) as smtp:
                if settings.starttls:
                    smtp.starttls()
                if settings.user:
                    smtp.login(settings.user, settings.password or "")
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            with reg.transaction():
                reg.con.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                                (f"{type(exc).__name__}: {exc}"[:300], r["id"]))
            continue
        sent += 1
        with reg.transaction():
            reg.con.execute("UPDATE outbox SET attempts = attempts + 1, sent_at = ?, to_addr = ?, last_error = NULL "
                            "WHERE id = ?", (reg._now_text(), addr, r["id"]))
            reg.audit("workbench", "mail.sent", r["to_user"], {"outbox_id": r["id"], "subject": r["subject"]})
    return {"sent": sent, "failed": failed, "no_address": no_address,
            "waiting": len(outbox(reg, unsent_only=True))}


def to_json(result) -> str:
    """``result`` as JSON text; dates and other values JSON lacks are written as text.

    Examples
    --------
    >>> import datetime as dt
    >>> to_json({"queued": 2, "on": dt.date(2026, 1, 15)})
    '{"queued": 2, "on": "2026-01-15"}'
    """
    return json.dumps(result, default=str)


def _example_registry(name: str):
    """A registry in ``./<name>/`` with a coordinator (``coord``) and an analyst (``ann``): the examples' fixture."""
    from workbench.registry.examples import example_registry

    return example_registry(name, [("coord", "Rushcliffe BC", "admin"), ("ann", "Rushcliffe BC", "analyst")])
