"""Supply upload at the portal (issue 15): /supply streams an encrypted upload into the inbox, the
worker ``workbench portal ingest-uploads`` ingests it with the CLI's checks, /supply/<id> shows it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.portal import uploads as U

from hub_helpers import fingerprint
from hubs import make_hub
from portal_support import (FORCE, HOUSING, PASSWORD, PORTAL_HUB, audit_entries, csrf, login,
                            portal_client)
from test_portal_transfer import portal_never_opens_the_hub  # noqa: F401  (the guard fixture, reused)

REAL = Path("/work/shared/data/real/police_uk/city-of-london_2024-01_to_2025-12/2024-01-city-of-london-street.csv")
JAN = {"dataset": "police_uk_street", "period_start": "2024-01-01", "period_end": "2024-01-31",
       "supplier_name": "Data team", "caveats": "Month-only dates <b>as published</b>"}


@pytest.fixture
def hub(tmp_path):
    from workbench.registry import open_registry

    hub = make_hub(tmp_path, **PORTAL_HUB)
    with open_registry(hub) as reg:
        PASSWORD["an.housing"] = "housing-analyst-pass-66"
        reg.add_user("an.housing", HOUSING, "analyst", PASSWORD["an.housing"])
    return hub


@pytest.fixture
def before(hub):
    """The hub's fingerprint, taken before the portal guard goes on."""
    return fingerprint(hub)


def _worker(hub) -> subprocess.CompletedProcess:
    """``workbench portal ingest-uploads`` in its own process (the one that holds the hub key)."""
    return subprocess.run([sys.executable, "-m", "workbench", "portal", "ingest-uploads", "--hub", str(hub)],
                          capture_output=True, text=True, timeout=600, env={**os.environ})


def _upload(c, name: str, content: bytes, **fields):
    token = csrf(c, "/supply")
    return c.post("/supply", data={**JAN, **fields, "csrf_token": token},
                  files={"file": (name, content, "text/csv")}, follow_redirects=False)


def _upload_id(r) -> str:
    assert r.status_code == 303, r.text[:2000]
    m = re.fullmatch(r"/supply/([0-9a-f]{24})", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def _count_rows(hub, dataset="police_uk_street") -> int:
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM archive.{dataset}").fetchone()[0]
    finally:
        con.close()


def _data_lines(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return sum(1 for _ in fh) - 1


def test_real_police_uk_month_uploaded_encrypted_then_ingested_by_the_worker(hub, portal_never_opens_the_hub):
    guard = portal_never_opens_the_hub
    content = REAL.read_bytes()
    with portal_client(hub) as c:
        login(c, "an.lee")
        page = c.get("/supply")
        assert page.status_code == 200 and 'value="police_uk_street"' in page.text
        upload_id = _upload_id(_upload(c, REAL.name, content))
        assert guard.opened == []                          # the portal touched no hub file nor its key
        stored = U.upload_file(hub, upload_id)
        raw = stored.read_bytes()
        assert content[:200] not in raw and b"Crime ID" not in raw      # encrypted at rest
        assert (stored.stat().st_mode & 0o077) == 0 and (stored.parent.stat().st_mode & 0o077) == 0
        queued = c.get(f"/supply/{upload_id}")
        assert ">queued<" in queued.text
        done = _worker(hub)
        assert done.returncode == 0, done.stderr
        page = c.get(f"/supply/{upload_id}")
        assert guard.opened == []
    guard.off()
    rows = _data_lines(REAL)
    assert f'<strong id="rows">{rows}</strong>' in page.text and ">ingested<" in page.text
    assert _count_rows(hub) == rows
    assert not U.upload_file(hub, upload_id).exists()      # the encrypted copy is gone once ingested
    assert U.queued(hub) == []
    ingests = [e for e in audit_entries(hub, "ingest") if e.outcome == "ok"]
    assert ingests and ingests[-1].actor == "an.lee"
    assert audit_entries(hub, "portal.supply.upload")[-1].actor == "an.lee"


def test_bad_file_shows_named_errors_and_changes_nothing(hub, before, portal_never_opens_the_hub):
    lines = REAL.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].split(",")
    month = header.index("Month")
    bad = lines[2].split(",")
    bad[month] = "2024-13"
    content = "".join([lines[0], lines[1], ",".join(bad)] + lines[3:40]).encode()
    with portal_client(hub) as c:
        login(c, "an.lee")
        upload_id = _upload_id(_upload(c, "broken<script>.csv", content))
        done = _worker(hub)
        assert done.returncode == 0, done.stderr
        page = c.get(f"/supply/{upload_id}").text
    portal_never_opens_the_hub.off()
    assert ">rejected<" in page and "nothing was changed" in page
    assert '<table class="data" id="problems">' in page
    # file (as the supplier named it, escaped), line, field, expected and found
    assert ("<td>broken&lt;script&gt;.csv</td><td>3</td><td>month</td><td>a month YYYY-MM</td>"
            "<td>2024-13</td>") in page
    assert "<script>" not in page and "broken&lt;script&gt;.csv" in page   # escaped
    assert fingerprint(hub) == before


def test_role_without_ingest_is_refused_and_audited(hub):
    with portal_client(hub) as c:
        login(c, "p.school")                               # a partner: the matrix grants no ingest
        assert c.get("/supply").status_code == 403
        r = c.post("/supply", files={"file": ("a.csv", b"x,y\n1,2\n", "text/csv")}, data=JAN)
        assert r.status_code == 403
    denied = [e for e in audit_entries(hub, "portal.supply.upload") if e.outcome == "denied"]
    assert denied and denied[-1].actor == "p.school"
    assert list(U.inbox_dir(hub).iterdir()) == []          # nothing kept


def test_dataset_the_matrix_refuses_is_refused_and_nothing_kept(hub):
    with portal_client(hub) as c:
        login(c, "an.housing")                             # second group: no SP data
        page = c.get("/supply").text
        assert "partner_intelligence" not in page
        r = _upload(c, "x.csv", b"a,b\n1,2\n", dataset="partner_intelligence")
        assert r.status_code == 403
    assert [e for e in audit_entries(hub, "ingest") if e.outcome == "denied" and e.actor == "an.housing"]
    assert list(U.inbox_dir(hub).iterdir()) == []


def test_another_agency_never_sees_the_upload(hub):
    with portal_client(hub) as c:
        login(c, "an.lee")
        upload_id = _upload_id(_upload(c, REAL.name, b"Crime ID,Month\n"))
        c.post("/logout", data={"csrf_token": csrf(c, "/supply")})
        login(c, "an.housing")
        r = c.get(f"/supply/{upload_id}")
        assert r.status_code == 404 and upload_id not in c.get("/supply").text
        assert c.get("/supply/../../etc/passwd").status_code == 404
    denied = [e for e in audit_entries(hub, "portal.supply.read") if e.outcome == "denied"]
    assert denied and denied[-1].actor == "an.housing"


def test_upload_over_the_limit_is_refused_with_413_and_nothing_kept(hub):
    with portal_client(hub, upload_max_bytes=10_000) as c:
        login(c, "an.lee")
        r = _upload(c, REAL.name, REAL.read_bytes()[:50_000])
        assert r.status_code == 413
        assert list(U.inbox_dir(hub).iterdir()) == []
        assert c.get("/login").status_code == 200
        r = c.post("/login", data={"x": "y" * 200_000})    # other pages keep the small body limit
        assert r.status_code == 413


def test_form_errors_name_the_field_and_keep_nothing(hub):
    with portal_client(hub) as c:
        login(c, "an.lee")
        r = _upload(c, "jan.pdf", b"%PDF")
        assert r.status_code == 422 and "Field &#39;file&#39;: expected a file ending .csv or .xlsx" in r.text
        r = _upload(c, REAL.name, REAL.read_bytes(), period_end="2023-12-01")
        assert r.status_code == 422 and "period_end" in r.text
        r = _upload(c, REAL.name, REAL.read_bytes(), record_count="many")
        assert r.status_code == 422 and "record_count" in r.text
        token = csrf(c, "/supply")
        r = c.post("/supply", data={**JAN, "csrf_token": token + "x"},
                   files={"file": (REAL.name, b"a,b\n", "text/csv")})
        assert r.status_code == 403
    assert list(U.inbox_dir(hub).iterdir()) == []
    assert U.queued(hub) == []


def test_upload_by_a_deactivated_user_is_refused_by_the_worker(hub):
    from workbench.registry import open_registry

    with portal_client(hub) as c:
        login(c, "an.lee")
        upload_id = _upload_id(_upload(c, REAL.name, REAL.read_bytes()))
    with open_registry(hub) as reg:
        reg.set_user_active("an.lee", False)
    before = fingerprint(hub)
    done = _worker(hub)
    assert done.returncode == 0, done.stderr
    assert U.get(hub, upload_id)["state"] == "refused"
    assert fingerprint(hub) == before


def test_partner_xlsx_with_the_agencys_saved_mapping_is_ingested(hub, tmp_path):
    """A council workbook in its own layout: the worker uses the mapping saved for the agency and dataset."""
    import yaml

    from workbench.hub import mappings

    from test_adapters_fixtures import MAPPING, _asb_workbook

    book = _asb_workbook(tmp_path / "asb march.xlsx", [
        ["A1", "01/03/2024", "22:05", "Noise - Domestic", "NG1 5AW", "officer's own note"],
        ["A2", "02/03/2024", None, "Rowdy Behaviour", None, None]])
    header, _ = mappings.read_header(book)
    saved = mappings.path_for(hub, HOUSING, "council_asb")
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(yaml.safe_dump({**MAPPING, "header": header}))
    with portal_client(hub) as c:
        login(c, "an.housing")
        token = csrf(c, "/supply")
        r = c.post("/supply", data={"dataset": "council_asb", "period_start": "2024-03-01",
                                    "period_end": "2024-03-31", "csrf_token": token},
                   files={"file": (book.name, book.read_bytes(),
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
                   follow_redirects=False)
        upload_id = _upload_id(r)
        done = _worker(hub)
        assert done.returncode == 0, done.stderr
        page = c.get(f"/supply/{upload_id}").text
    assert '<strong id="rows">2</strong>' in page
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        got = con.execute("SELECT incident_ref, incident_type FROM council_asb ORDER BY 1").fetchall()
        agency = con.execute("SELECT DISTINCT agency FROM supplies WHERE dataset = 'council_asb'").fetchall()
    finally:
        con.close()
    assert got == [("A1", "noise"), ("A2", "rowdy")] and agency == [(HOUSING,)]


def test_upload_waits_while_the_hub_is_locked_and_is_never_lost(hub):
    from test_portal_transfer import HOLD

    with portal_client(hub) as c:
        login(c, "an.lee")
        upload_id = _upload_id(_upload(c, REAL.name, REAL.read_bytes()))
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(hub)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert holder.stdout.readline().strip() == "ready"
        busy = _worker(hub)
        assert busy.returncode == 4, busy.stderr            # still queued: exit 4
        row = U.get(hub, upload_id)
        assert row["state"] == "queued" and row["attempts"] == 1 and row["last_error"]
        assert U.upload_file(hub, upload_id).exists()       # the encrypted upload is kept for the next pass
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert _worker(hub).returncode == 0
    assert U.get(hub, upload_id)["state"] == "ingested"
    assert _count_rows(hub) == _data_lines(REAL)


def test_an_upload_cut_off_by_a_crash_is_swept_after_a_day_but_a_queued_one_is_kept(hub):
    import time

    with portal_client(hub) as c:
        login(c, "an.lee")
        kept = _upload_id(_upload(c, REAL.name, b"Crime ID,Month\n"))
    w = U.EncryptedWriter(hub, U.new_id())                 # a partial upload with no queue entry
    w.write(b"Crime ID,Month\n")
    w.close()
    assert U.sweep_orphans(hub) == []                      # recent: perhaps still arriving
    day_ago = time.time() - 2 * 86400
    for f in U.inbox_dir(hub).iterdir():
        os.utime(f, (day_ago, day_ago))
    assert U.sweep_orphans(hub) == [w.path.name]
    assert not w.path.exists() and U.upload_file(hub, kept).exists()


def test_only_the_supply_page_may_run_the_portals_own_script(hub):
    with portal_client(hub) as c:
        login(c, "an.lee")
        page = c.get("/supply")
        other = c.get("/")
        js = c.get("/static/supply.js")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "script-src" not in other.headers["content-security-policy"]
    assert '<script src="/static/supply.js"></script>' in page.text and js.status_code == 200
    assert "http" not in js.text.replace("XMLHttpRequest", "")          # nothing fetched from elsewhere


def test_resumable_upload_carries_on_after_an_interruption_and_is_ingested(hub):
    """The protocol of static/supply.js: start, pieces at offsets, ask what arrived, finish."""
    content = REAL.read_bytes()
    half = len(content) // 2
    with portal_client(hub) as c:
        login(c, "an.lee")
        token = csrf(c, "/supply")
        r = c.post("/supply/resumable", data={**JAN, "csrf_token": token, "filename": REAL.name,
                                              "size": str(len(content))})
        assert r.status_code == 201, r.text
        upload_id = r.json()["upload_id"]
        base = f"/supply/resumable/{upload_id}"
        h = {"X-CSRF-Token": token}
        assert c.put(f"{base}/piece?offset=0", content=content[:half], headers=h).json()["received"] == half
        assert c.put(f"{base}/piece?offset=0", content=content[:10], headers={"X-CSRF-Token": "x"}).status_code == 403
        assert c.post(f"{base}/finish", headers=h).status_code == 409            # bytes are missing
        again = c.put(f"{base}/piece?offset=5", content=content[5:half], headers=h)   # a lost answer: resent
        assert again.status_code == 409 and again.json()["received"] == half
        assert c.get(base).json()["received"] == half                           # where to carry on
        assert c.put(f"{base}/piece?offset={half}", content=content[half:], headers=h).json()["received"] == len(content)
        assert U.queued(hub) == []                                              # not for the worker yet
        finish = c.post(f"{base}/finish", headers=h)
        assert finish.status_code == 200 and finish.json()["url"] == f"/supply/{upload_id}"
        assert U.queued(hub) == [upload_id]
        c.post("/logout", data={"csrf_token": csrf(c, "/supply")})
        login(c, "an.housing")                                                  # someone else's upload
        assert c.get(base).status_code == 404
        done = _worker(hub)
        assert done.returncode == 0, done.stderr
    assert U.get(hub, upload_id)["state"] == "ingested"
    assert _count_rows(hub) == _data_lines(REAL)


def test_resumable_upload_is_checked_like_the_form(hub):
    with portal_client(hub, upload_max_bytes=1000) as c:
        login(c, "an.lee")
        token = csrf(c, "/supply")
        big = c.post("/supply/resumable", data={**JAN, "csrf_token": token, "filename": "a.csv", "size": "1001"})
        assert big.status_code == 413
        pdf = c.post("/supply/resumable", data={**JAN, "csrf_token": token, "filename": "a.pdf", "size": "10"})
        assert pdf.status_code == 422 and "Field 'file'" in pdf.json()["message"]
        sp = c.post("/supply/resumable", data={**JAN, "csrf_token": token, "filename": "a.csv", "size": "10",
                                               "dataset": "partner_intelligence"})
        assert sp.status_code == 201                     # a central analyst may ingest SP data (matrix)
        c.post("/logout", data={"csrf_token": csrf(c, "/supply")})
        login(c, "an.housing")
        token = csrf(c, "/supply")
        sp = c.post("/supply/resumable", data={**JAN, "csrf_token": token, "filename": "a.csv", "size": "10",
                                               "dataset": "partner_intelligence"})
        assert sp.status_code == 403 and "Access denied" in sp.json()["message"]   # second group may not (audited)
    assert [e for e in audit_entries(hub, "ingest") if e.outcome == "denied" and e.actor == "an.housing"]


def test_an_abandoned_resumable_upload_is_swept_with_its_entry(hub):
    import time

    with portal_client(hub) as c:
        login(c, "an.lee")
        token = csrf(c, "/supply")
        upload_id = c.post("/supply/resumable", data={**JAN, "csrf_token": token, "filename": "a.csv",
                                                      "size": "100"}).json()["upload_id"]
    assert U.get(hub, upload_id)["state"] == "receiving" and U.sweep_orphans(hub) == []
    day_ago = time.time() - 2 * 86400
    for f in U.inbox_dir(hub).iterdir():
        os.utime(f, (day_ago, day_ago))
    assert U.sweep_orphans(hub) == [f"portal_upload_{upload_id}.sealed"]
    assert U.get(hub, upload_id) is None


def test_resumable_pieces_are_up_to_16_mb_and_the_status_says_so(hub):
    """Fewer, larger pieces (each PUT checks the uploader against the encrypted queue, ~50 ms); a
    resumed upload learns the piece size from the status answer; a larger piece is refused."""
    size = 30 * 1024 * 1024
    with portal_client(hub) as c:
        login(c, "an.lee")
        token = csrf(c, "/supply")
        r = c.post("/supply/resumable", data={**JAN, "csrf_token": token, "filename": "big.csv", "size": str(size)})
        assert r.status_code == 201 and r.json()["piece_bytes"] == 16 * 1024 * 1024, r.text
        base, h = f"/supply/resumable/{r.json()['upload_id']}", {"X-CSRF-Token": token}
        piece = b"Crime ID,Month\n" * (12 * 1024 * 1024 // 15)
        assert c.put(f"{base}/piece?offset=0", content=piece, headers=h).json()["received"] == len(piece)
        status = c.get(base).json()
        assert status == {"upload_id": r.json()["upload_id"], "received": len(piece), "size": size,
                          "piece_bytes": 16 * 1024 * 1024}
        over = c.put(f"{base}/piece?offset={len(piece)}", content=b"x" * (16 * 1024 * 1024 + 1), headers=h)
        assert over.status_code == 413 and c.get(base).json()["received"] == len(piece)
