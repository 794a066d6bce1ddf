"""Reliability: 200 concurrent submissions over loopback to a real uvicorn server (issue 7).

None lost, no duplicate references, every one readable by its submitter afterwards, and the
store and hub stay consistent. Latency is measured by ``bench/portal_bench.py``, not here.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from workbench.portal.server import BackgroundServer

from hubs import make_hub
from portal_support import HOUSING, PASSWORD, PORTAL_HUB, SCHOOL, SUBMISSION

N = 200


@pytest.mark.slow
def test_200_concurrent_submissions_none_lost_no_duplicates(tmp_path):
    hub = make_hub(tmp_path, **PORTAL_HUB)
    users = [("p.school", PASSWORD["p.school"]), ("p.housing", PASSWORD["p.housing"])]

    async def scenario(url):
        limits = httpx.Limits(max_connections=N // 2)
        clients = {u: httpx.AsyncClient(base_url=url, limits=limits, timeout=120) for u in users}
        try:
            async def post(i):
                user = users[i % 2]
                body = {**SUBMISSION, "intelligence_text": f"Concurrent submission number {i:03d} for the test"}
                r = await clients[user].post("/api/v1/submissions", json=body, auth=user)
                return user, i, r.status_code, r.json()
            results = await asyncio.gather(*[post(i) for i in range(N)])
            reads = await asyncio.gather(*[clients[user].get(f"/api/v1/submissions/{body['submission_ref']}",
                                                             auth=user)
                                           for user, _, code, body in results if code == 201])
            cross = await asyncio.gather(*[clients[users[1 - users.index(user)]].get(
                f"/api/v1/submissions/{body['submission_ref']}", auth=users[1 - users.index(user)])
                for user, _, code, body in results[:20]])
            return results, reads, cross
        finally:
            for c in clients.values():
                await c.aclose()

    with BackgroundServer(hub, rate_limit=(1000, 60)) as srv:
        results, reads, cross = asyncio.run(scenario(srv.url))
        store = srv.app.state.portal.store
        rows = store.rows("SELECT submission_ref, submitter, partner_agency, intelligence_text FROM portal.submissions")
        details = store.rows("SELECT count(*) AS n FROM portal.source_details")[0]["n"]

    assert [code for *_, code, _ in results] == [201] * N
    refs = [body["submission_ref"] for *_, body in results]
    assert len(set(refs)) == N                                           # no duplicate references
    assert all(r.status_code == 200 and r.json()["status"] == "received" for r in reads)
    assert all(r.status_code == 404 for r in cross)                      # never the other agency's
    assert len(rows) == N and details == N                              # none lost, nothing extra
    by_ref = {r["submission_ref"]: r for r in rows}
    for (user, i, _, body) in results:                                   # each stored as sent, by its sender
        row = by_ref[body["submission_ref"]]
        assert row["submitter"] == user[0]
        assert row["partner_agency"] == (SCHOOL if user[0] == "p.school" else HOUSING)
        assert row["intelligence_text"] == f"Concurrent submission number {i:03d} for the test"
