"""E-mail notifications (issue 15): audit events become outbox messages, delivered to a real SMTP
server (aiosmtpd, in-process); nothing is lost while the server is down; no personal data sent."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from governance_helpers import Clock, registry_with_people, victim_tables
from hubs import make_hub
from workbench import notify
from workbench.privacy import requests as pr

VICTIMS = [(1, "Notts Police", "Nottingham", {"crime_ref": "C1", "age": 34, "address": "12 Acacia Avenue"})]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture()
def smtp():
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, notify.SmtpSettings("127.0.0.1", port, sender="workbench@csp.test")
    ctl.stop()


def test_request_events_reach_the_dlo_and_the_requester(tmp_path, smtp):
    inbox, settings = smtp
    make_hub(tmp_path, init=False, tables=victim_tables(VICTIMS))
    reg = registry_with_people(tmp_path)
    reg.set_clock(Clock())
    notify.set_email(reg, "coord", "pol_dlo", "dee.lowe@police.test")
    notify.set_email(reg, "ana", "ana", "ana@council.test")               # a user may set their own
    with pytest.raises(Exception):
        notify.set_email(reg, "ana", "pol_dlo", "x@y.test")                 # but not someone else's
    req = pr.create(reg, "ana", "service_delivery", ["Which repeat victims need a MARAC referral?"],
                    {"police_crime_victim": ["crime_ref", "address"]}, ["crime_and_disorder_act_s115"],
                    "Notts Police", dt.date(2026, 2, 1), "Nottingham",
                    subjects={"police_crime_victim": {"crime_ref": ["C1"]}})
    assert notify.queue(reg) == 1
    assert notify.queue(reg) == 0                                           # each event once
    pr.decide(reg, req.id, "pol_dlo", True, "for the MARAC")
    assert notify.queue(reg) == 1
    out = notify.deliver(reg, settings)
    assert out["sent"] == 2 and out["waiting"] == 0
    to = {r[0][0]: r[1] for r in inbox.messages}
    assert f"Personal-data request {req.id} waits for your decision" in to["dee.lowe@police.test"]
    assert f"Request {req.id} approved" in to["ana@council.test"]
    assert "Acacia" not in "".join(to.values())                            # no personal data in mail
    assert [e.action for e in reg.audit_entries(action="mail.sent")] == ["mail.sent", "mail.sent"]


def test_nothing_is_lost_while_the_server_is_down(tmp_path, smtp):
    inbox, settings = smtp
    make_hub(tmp_path, init=False, tables=victim_tables(VICTIMS))
    reg = registry_with_people(tmp_path)
    notify.set_email(reg, "coord", "pol_dlo", "dee.lowe@police.test")
    pr.create(reg, "ana", "service_delivery", ["Who?"], {"police_crime_victim": ["crime_ref"]},
              ["crime_and_disorder_act_s115"], "Notts Police", dt.date.today() + dt.timedelta(days=20), "Nottingham",
              subjects={"police_crime_victim": {"crime_ref": ["C1"]}})
    notify.queue(reg)
    down = notify.SmtpSettings("127.0.0.1", _free_port())
    res = notify.deliver(reg, down)
    assert res["sent"] == 0 and res["failed"] == 1
    row = notify.outbox(reg, unsent_only=True)[0]
    assert row["attempts"] == 1 and row["last_error"]
    assert notify.deliver(reg, notify.SmtpSettings(None))["waiting"] == 1  # no server configured: kept
    assert notify.deliver(reg, settings)["sent"] == 1 and len(inbox.messages) == 1


def test_mail_commands(tmp_path, smtp, capsys, monkeypatch):
    import json

    from workbench.cli import main

    inbox, settings = smtp
    make_hub(tmp_path, init=False, tables=victim_tables(VICTIMS))
    registry_with_people(tmp_path).close()
    h = ["--hub", str(tmp_path / "hub.duckdb")]
    monkeypatch.setenv("WORKBENCH_USER", "coord")
    assert main(["users", "email", "pol_dlo", "--email", "dee.lowe@police.test", *h]) == 0
    monkeypatch.setenv("WORKBENCH_USER", "ana")
    assert main(["request", "add", "--purpose", "service_delivery", "--question", "Who?", "--dataset",
                 "police_crime_victim:crime_ref", "--subject", "police_crime_victim:crime_ref=C1", "--legal-basis", "crime_and_disorder_act_s115",
                 "--supplying-agency", "Notts Police", "--expires",
                 (dt.date.today() + dt.timedelta(days=9)).isoformat(), "--partnership", "Nottingham", *h]) == 0
    capsys.readouterr()
    assert main(["mail", "queue", "--json", *h]) == 0
    assert json.loads(capsys.readouterr().out)["queued"] == 1
    monkeypatch.setenv("WORKBENCH_SMTP_HOST", settings.host)
    monkeypatch.setenv("WORKBENCH_SMTP_PORT", str(settings.port))
    assert main(["mail", "send", "--json", *h]) == 0
    assert json.loads(capsys.readouterr().out)["sent"] == 1 and len(inbox.messages) == 1
    assert main(["mail", "outbox", "--json", *h]) == 3                       # ana is not an admin
    capsys.readouterr()
    monkeypatch.setenv("WORKBENCH_USER", "coord")
    assert main(["mail", "outbox", "--json", *h]) == 0
    assert json.loads(capsys.readouterr().out)["messages"][0]["sent_at"]


def test_a_rendered_commission_notifies_its_commissioner_and_analyst(tmp_path):
    """Regression: queue() read the commission through a second registry connection inside its
    own write transaction; that connection waited out the 30 s busy timeout, failed, and the
    "commissioned product ready" mail was silently never queued."""
    import time

    from workbench.products import commissioning as cm

    reg = registry_with_people(tmp_path)
    c = cm.add_commission(reg.hub, title="ASB in the park", questions=["Why now?"], analyst="ana",
                          created_by="coord", quiet=True)
    notify.queue(reg)                                                     # the commission.add entry
    reg.audit("ana", "product.render", "problem-profile:asb.html", {"commission": c.id})
    started = time.monotonic()
    assert notify.queue(reg) == 2
    assert time.monotonic() - started < 10
    rows = notify.outbox(reg)
    assert sorted(r["to_user"] for r in rows) == ["ana", "coord"]
    assert {r["subject"] for r in rows} == {f"Commissioned product ready (commission {c.id})"}
