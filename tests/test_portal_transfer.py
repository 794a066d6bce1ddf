"""Transfer into the hub (never lost when the hub is locked), the police import record, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from workbench.cli import main
from workbench.portal import registration as R
from workbench.portal import submissions as S
from workbench.portal import transfer as T
from workbench.portal import validate
from workbench.portal.auth import Authenticator
from workbench.portal.store import PortalStore

from hubs import make_hub
from portal_support import PORTAL_HUB, SCHOOL, SUBMISSION, creds, csrf, login, portal_client

GRADE = {"source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "P", "decision": "transfer",
         "triage_notes": "Consistent with other reports"}


@pytest.fixture
def hub(tmp_path):
    return make_hub(tmp_path, **PORTAL_HUB)


def _hub_rows(hub):
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        return con.execute("SELECT submission_ref, status FROM partner_intelligence ORDER BY 1").fetchall()
    finally:
        con.close()


HOLD = ("import sys, time\nfrom workbench.hub.connect import open_hub\ncon = open_hub(sys.argv[1])\n"
        "print('ready', flush=True)\nsys.stdin.readline()\ncon.close()\n")


#: files the portal process must never open while the guard is on (see ``portal_never_opens_the_hub``)
_GUARD: dict = {"paths": set(), "opened": []}


def _guard_hook(event, args):
    if event != "open" or not _GUARD["paths"] or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path = os.path.realpath(os.fsdecode(args[0]))
    if path in _GUARD["paths"]:
        _GUARD["opened"].append(path)
        raise PermissionError(f"the portal process opened {path}")


sys.addaudithook(_guard_hook)


@pytest.fixture
def portal_never_opens_the_hub(hub, monkeypatch):
    """While on, this process (the portal) fails and records any open of the hub, its key or
    its WAL, any read of the hub key and any ingest into the hub."""
    from workbench.hub import connect, ingest
    from workbench.hub.connect import key_file

    monkeypatch.delenv("WORKBENCH_HUB_KEY", raising=False)
    real_read_key = connect.read_key

    def read_key(db):
        if os.path.realpath(db) == os.path.realpath(hub):
            _GUARD["opened"].append(f"read_key({db})")
            raise PermissionError("the portal process asked for the hub key")
        return real_read_key(db)

    def no_ingest(*a, **k):
        _GUARD["opened"].append("ingest_frame")
        raise PermissionError("the portal process tried to write the hub")

    monkeypatch.setattr(connect, "read_key", read_key)
    monkeypatch.setattr(ingest, "ingest_frame", no_ingest)
    _GUARD["opened"].clear()
    _GUARD["paths"] = {os.path.realpath(p) for p in (hub, key_file(hub), str(hub) + ".wal")}

    class Guard:
        opened = _GUARD["opened"]

        @staticmethod
        def off():
            _GUARD["paths"] = set()
            monkeypatch.undo()
    try:
        yield Guard
    finally:
        Guard.off()


def _worker(hub) -> subprocess.CompletedProcess:
    """``workbench portal transfer`` in its own process (the worker that holds the hub key)."""
    return subprocess.run([sys.executable, "-m", "workbench", "portal", "transfer", "--hub", str(hub)],
                          capture_output=True, text=True, timeout=300, env={**os.environ})


def _wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)
    return predicate()


def test_portal_never_opens_the_hub_key_and_the_worker_transfers_through_the_queue(hub, portal_never_opens_the_hub):
    """Security review (issue 11): the internet-facing portal only queues; the worker transfers."""
    opened = portal_never_opens_the_hub
    with portal_client(hub, retry_seconds=0.3) as c:
        ref = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).json()["submission_ref"]
        login(c, "rev.jones")
        r = c.post(f"/review/{ref}/grade", data={**GRADE, "csrf_token": csrf(c, f"/review/{ref}")})
        assert opened.opened == []                        # grading a transfer touched no hub file
        assert r.status_code == 200 and "transfer is queued" in r.text
        store = c.app.state.portal.store
        assert S.get(store, ref)["status"] == "transfer_pending"
        assert ref in T.queued(hub)                       # in the outbox, waiting for the worker
        done = _worker(hub)                               # a separate process drains the queue
        assert done.returncode == 0, done.stderr
        assert _wait_for(lambda: S.get(store, ref)["status"] == "transferred")
        assert S.get(store, ref)["transfer_state"] == "done"
        assert c.get(f"/review/{ref}").status_code == 200
    assert opened.opened == []                            # not the key, not the hub, no ingest
    opened.off()
    assert _hub_rows(hub) == [(ref, "transferred")]
    assert json.loads((T.exports_dir(hub) / f"{ref}.json").read_text())["source_details"] == SUBMISSION["source_details"]
    assert T.queued(hub) == []


def test_transfer_waits_while_hub_locked_and_is_never_lost(hub, portal_never_opens_the_hub):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(hub)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert holder.stdout.readline().strip() == "ready"
        with portal_client(hub, retry_seconds=0.3) as c:
            ref = c.post("/api/v1/submissions", json=SUBMISSION, auth=creds("p.school")).json()["submission_ref"]
            login(c, "rev.jones")
            r = c.post(f"/review/{ref}/grade", data={**GRADE, "csrf_token": csrf(c, f"/review/{ref}")})
            assert "transfer is queued" in r.text
            store = c.app.state.portal.store
            busy = _worker(hub)
            assert busy.returncode == 4, busy.stderr                      # still pending: exit 4
            assert _wait_for(lambda: "in use by another process" in (S.get(store, ref)["transfer_error"] or ""))
            row = S.get(store, ref)
            assert row["status"] == "transfer_pending" and row["transfer_state"] == "pending"
            assert (T.exports_dir(hub) / f"{ref}.json").exists()     # the police record is already out
            holder.stdin.write("\n")
            holder.stdin.flush()
            holder.wait(timeout=30)
            assert _worker(hub).returncode == 0
            assert _wait_for(lambda: S.get(store, ref)["status"] == "transferred")
            row = S.get(store, ref)
            assert row["status"] == "transferred" and row["transfer_state"] == "done"
            assert row["transfer_attempts"] >= 2
    finally:
        if holder.poll() is None:
            holder.kill()
    assert portal_never_opens_the_hub.opened == []
    portal_never_opens_the_hub.off()
    assert _hub_rows(hub) == [(ref, "transferred")]


def test_pending_transfer_survives_restart_and_retry_is_idempotent(hub, monkeypatch):
    from workbench.hub import ingest

    def locked(*a, **k):
        from workbench.errors import ResourceLocked
        raise ResourceLocked("Database is in use by another process")

    store = PortalStore(hub)
    auth = Authenticator(hub)
    try:
        ref = S.create(store, validate.submission(SUBMISSION), submitter="p.school", agency=SCHOOL, channel="api")
        S.grade(store, ref, validate.grading(GRADE), reviewer="rev.jones")
        monkeypatch.setattr(ingest, "ingest_frame", locked)
        assert T.transfer_one(store, hub, ref)["state"] == "pending"
    finally:
        store.close()
    monkeypatch.undo()
    store = PortalStore(hub)          # a restart: the obligation is still there
    try:
        assert T.pending(store) == [ref]
        res = T.retry_pending(store, hub, audit=auth.registry().audit)
        assert [r["state"] for r in res] == ["done"] and T.pending(store) == []
        again = T.transfer_one(store, hub, ref)          # identical record: the hub does not change
        assert again["state"] == "done"
    finally:
        store.close()
    assert _hub_rows(hub) == [(ref, "transferred")]


def test_police_record_format(hub):
    store = PortalStore(hub)
    try:
        ref = S.create(store, validate.submission({**SUBMISSION, "intelligence_text": "Line one,\n\"quoted\" line two"}),
                       submitter="p.school", agency=SCHOOL, channel="form")
        S.grade(store, ref, validate.grading({**GRADE, "handling_code": "C",
                                              "handling_conditions": "Police use only"}), reviewer="rev.jones")
        T.transfer_one(store, hub, ref)
        record = json.loads((T.exports_dir(hub) / f"{ref}.json").read_text())
        assert list(record) == list(T.CSV_FIELDS)
        assert record["grading"] == "2/B/C" and record["handling_conditions"] == "Police use only"
        assert record["anonymity_requested"] == "Y" and record["partner_agency"] == SCHOOL
        import csv
        with open(T.exports_dir(hub) / f"{ref}.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows == [{k: str(v) for k, v in record.items()}]
    finally:
        store.close()


def _run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else None)


def test_cli_requests_approve_reject_export_stats(hub, tmp_path, capsys):
    store = PortalStore(hub)
    auth = Authenticator(hub)
    try:
        reg = validate.registration({"agency_name": "Oak Housing", "agency_type": "housing", "contact_name": "O",
                                     "contact_email": "o@example.org",
                                     "staff": [{"username": "o.one", "full_name": "O One", "email": "o1@example.org"}]})
        rid = R.request(store, auth, reg)
        rid2 = R.request(store, auth, validate.registration({**reg.to_dict(), "agency_name": "Spam Ltd",
                                                              "staff": [{"username": "s.one", "full_name": "S",
                                                                         "email": "s@example.org"}]}))
        ref = S.create(store, validate.submission(SUBMISSION), submitter="p.school", agency=SCHOOL, channel="api")
        S.grade(store, ref, validate.grading(GRADE), reviewer="rev.jones")
        T.transfer_one(store, hub, ref)
    finally:
        store.close()
    h = ["--hub", str(hub), "--json"]
    code, out = _run(["portal", "requests", *h, "--as", "admin.patel"], capsys)
    assert code == 0 and {r["request_id"] for r in out["requests"]} == {rid, rid2}
    assert _run(["portal", "approve", rid, *h, "--as", "rev.jones"], capsys)[0] == 3
    code, out = _run(["portal", "approve", rid, *h, "--as", "admin.patel"], capsys)
    assert code == 0 and out["activation"][0]["username"] == "o.one" and len(out["activation"][0]["code"]) >= 16
    assert _run(["portal", "approve", rid, *h, "--as", "admin.patel"], capsys)[0] == 2     # already approved
    assert _run(["portal", "reject", rid2, *h, "--as", "admin.patel", "--note", "not a partner"], capsys)[0] == 0
    code, out = _run(["portal", "export", *h, "--as", "rev.jones", "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and out["records"] == 1
    data = json.loads((tmp_path / "out" / "police_import.json").read_text())
    assert data["format"] == T.FORMAT and data["records"][0]["submission_ref"] == ref
    assert _run(["portal", "export", *h, "--as", "admin.patel", "--out", str(tmp_path / "o2")], capsys)[0] == 3
    code, out = _run(["portal", "stats", *h, "--as", "admin.patel"], capsys)
    assert code == 0 and out["submissions"] == 1 and out["pending_requests"] == 0
    code, out = _run(["portal", "retry-transfers", *h, "--as", "rev.jones"], capsys)
    assert code == 0 and out["still_pending"] == 0
    # activation through the store creates the partner account in the registry
    store = PortalStore(hub)
    try:
        codes = {r["username"] for r in R.list_requests(store, "approved")[0]["staff"]}
        assert codes == {"o.one"}
    finally:
        store.close()


def test_activation_code_is_single_use_and_checked(hub):
    store = PortalStore(hub)
    auth = Authenticator(hub)
    try:
        reg = validate.registration({"agency_name": "Oak Housing", "agency_type": "housing", "contact_name": "O",
                                     "contact_email": "o@example.org",
                                     "staff": [{"username": "o.one", "full_name": "O One", "email": "o1@example.org"}]})
        rid = R.request(store, auth, reg)
        from workbench.errors import AccessDenied
        with pytest.raises(AccessDenied):                      # not approved yet
            R.activate(store, auth, "o.one", "anything", "a-long-passphrase")
        code = R.approve(store, auth, rid, admin="admin.patel")["activation"][0]["code"]
        with pytest.raises(AccessDenied):
            R.activate(store, auth, "o.one", code + "x", "a-long-passphrase")
        assert R.activate(store, auth, "o.one", code, "a-long-passphrase")["role"] == "partner"
        with pytest.raises(AccessDenied):
            R.activate(store, auth, "o.one", code, "another-passphrase")
        assert auth.authenticate("o.one", "a-long-passphrase").agency == "Oak Housing"
        # the name is now taken: the (anonymous) request does not say so, its approval does
        again = R.request(store, auth, reg)
        from workbench.errors import BadInput
        with pytest.raises(BadInput, match="o.one of request"):
            R.approve(store, auth, again, admin="admin.patel", confirm_existing_agency=True)
    finally:
        store.close()


def test_store_is_encrypted_and_single_owner(hub):
    from workbench.errors import ResourceLocked

    store = PortalStore(hub)
    try:
        S.create(store, validate.submission({**SUBMISSION, "intelligence_text": "UNIQUE-MARKER-TEXT-12345"}),
                 submitter="p.school", agency=SCHOOL, channel="api")
        with pytest.raises(ResourceLocked):
            PortalStore(hub)
    finally:
        store.close()
    raw = hub.with_name("portal.duckdb").read_bytes()
    assert b"UNIQUE-MARKER-TEXT" not in raw and b"Meadows" not in raw


def test_statistics_count_by_agency_category_month(hub):
    from workbench.portal.stats import statistics

    from portal_support import HOUSING

    store = PortalStore(hub)
    auth = Authenticator(hub)
    try:
        for agency, user, cat in [(SCHOOL, "p.school", "asb"), (SCHOOL, "p.school", "asb"),
                                  (HOUSING, "p.housing", "knife_crime")]:
            S.create(store, validate.submission({**SUBMISSION, "category": cat}), submitter=user,
                     agency=agency, channel="api")
        s = statistics(store, auth.registry()).to_dict()
    finally:
        store.close()
    assert s["submissions"] == 3
    assert s["by_agency"] == [{"key": SCHOOL, "submissions": 2}, {"key": HOUSING, "submissions": 1}]
    assert s["by_category"] == [{"key": "asb", "submissions": 2}, {"key": "knife_crime", "submissions": 1}]
    assert [r["submissions"] for r in s["by_month"]] == [3]
    assert s["by_status"] == [{"key": "received", "submissions": 3}]
    assert (s["organisations"], s["people"]) == (2, 2)       # p.school and p.housing


def test_concurrent_transfers_keep_the_hub_consistent(hub):
    """Reviewers deciding at once: every transfer lands once, the hub stays readable and whole."""
    from concurrent.futures import ThreadPoolExecutor

    store = PortalStore(hub)
    try:
        refs = [S.create(store, validate.submission(SUBMISSION), submitter="p.school", agency=SCHOOL,
                         channel="api") for _ in range(6)]
        for ref in refs:
            S.grade(store, ref, validate.grading(GRADE), reviewer="rev.jones")
        with ThreadPoolExecutor(6) as pool:
            states = list(pool.map(lambda r: T.transfer_one(store, hub, r)["state"], refs))
        assert states == ["done"] * 6 and T.pending(store) == []
    finally:
        store.close()
    assert _hub_rows(hub) == sorted((r, "transferred") for r in refs)


def test_cli_refuses_while_the_server_owns_the_store(hub):
    from workbench.portal.server import BackgroundServer

    with BackgroundServer(hub):
        r = subprocess.run([sys.executable, "-m", "workbench", "portal", "stats", "--hub", str(hub),
                            "--as", "admin.patel"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 4
    assert "in use by another process" in r.stderr and "portal" in r.stderr


def test_serve_all_starts_the_transfer_worker_beside_the_portal(hub, monkeypatch, capsys):
    """``serve all`` runs the portal and the transfer worker as separate processes (the portal
    never holds the hub key; the worker does) and stops both with the dashboards."""
    from workbench.commands import serve

    started, stopped = [], []

    class Child:
        def __init__(self, args, **kwargs):
            self.args = args
            started.append(args)

        def terminate(self):
            stopped.append(self.args)

        def wait(self, timeout=None):
            return 0

        def kill(self):
            pass

    class Dashboards:
        @staticmethod
        def build_server(*args, **kwargs):
            return None

    monkeypatch.setattr(serve.subprocess, "Popen", Child)
    monkeypatch.setattr(serve, "import_dashboards", lambda: Dashboards)
    monkeypatch.setattr(serve.signal, "signal", lambda *a: None)      # leave pytest's SIGTERM alone
    monkeypatch.delenv("WORKBENCH_PORTAL_URL", raising=False)
    main(["serve", "all", "--hub", str(hub), "--port", "8150", "--portal-port", "8151"])
    commands = [a[3:5] for a in started]
    assert ["serve", "portal"] in commands and ["portal", "transfer"] in commands
    worker = next(a for a in started if a[3:5] == ["portal", "transfer"])
    assert "--watch" in worker and str(hub) in worker
    uploads = next(a for a in started if a[3:5] == ["portal", "ingest-uploads"])   # issue 15: /supply's worker
    assert "--watch" in uploads and str(hub) in uploads
    assert sorted(map(tuple, stopped)) == sorted(map(tuple, started))             # every child stopped
