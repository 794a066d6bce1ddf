"""Benchmark ``portal_200_concurrent``: 200 concurrent submissions over loopback (issue 7, "Reliability").

A uvicorn server runs the portal in a thread on 127.0.0.1 (free port); 20 partner accounts in 5
agencies each send 10 submissions at once through the JSON API (HTTP Basic, httpx). Reported:
wall time, p50/p95 latency (target p95 <= 1 s) once every account has checked its credentials
(``/api/v1/whoami``: the argon2 check runs once per account, then is cached; the time of that
concurrent first log-in is reported in the notes). Baseline: the same 200 submissions sent one after
another (same process, same server, fresh store). Afterwards every reference is checked: none
lost, no duplicates, each readable by its submitter.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

N_SUBMISSIONS = 200
N_AGENCIES = 5
USERS_PER_AGENCY = 4
BODY = {"category": "asb", "intelligence_text": "Group of youths throwing stones at buses at the stop most evenings.",
        "location": "Bus stop, Queen's Walk", "postcode": "NG2 2HP", "occurred_at": "2026-10-01",
        "source_type": "staff_direct", "source_details": "Driver on route 10", "anonymity_requested": False,
        "subjects": "Four youths, one in a red jacket"}


def build_hub(folder: Path) -> tuple[Path, list[tuple[str, str]]]:
    """A hub with a registry of 5 agencies x 4 partner accounts; returns (hub, [(name, password)])."""
    from workbench.hub.schema import init_hub
    from workbench.registry import open_registry

    hub = init_hub(folder / "hub.duckdb")
    users = []
    with open_registry(hub) as reg:
        for a in range(N_AGENCIES):
            agency = f"Partner agency {a + 1}"
            reg.add_agency(agency, "second")
            for u in range(USERS_PER_AGENCY):
                name, pw = f"partner{a + 1}.{u + 1}", f"bench-passphrase-{a}-{u}"
                reg.add_user(name, agency, "partner", pw)
                users.append((name, pw))
    return hub, users


async def _post(client, user, latencies):
    t0 = time.perf_counter()
    r = await client.post("/api/v1/submissions", json=BODY, auth=user)
    latencies.append(time.perf_counter() - t0)
    return user, r.status_code, (r.json().get("submission_ref") if r.status_code == 201 else r.text)


async def _warm_up(url, users) -> float:
    """Every account checks its credentials once, concurrently (each runs one argon2 verification)."""
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        t0 = time.perf_counter()
        codes = await asyncio.gather(*[client.get("/api/v1/whoami", auth=u) for u in users])
        assert all(r.status_code == 200 for r in codes), [r.text for r in codes if r.status_code != 200]
        return time.perf_counter() - t0


async def _concurrent(url, users):
    """All 200 submissions at once; each partner account is its own client (as each partner's
    system would be), so no single connection pool of 200 dominates the measurement."""
    import httpx

    latencies: list[float] = []
    per_user = -(-N_SUBMISSIONS // len(users))
    limits = httpx.Limits(max_connections=per_user, max_keepalive_connections=per_user)
    clients = [httpx.AsyncClient(base_url=url, limits=limits, timeout=60) for _ in users]
    try:
        t0 = time.perf_counter()
        results = await asyncio.gather(*[_post(clients[i % len(users)], users[i % len(users)], latencies)
                                         for i in range(N_SUBMISSIONS)])
        wall = time.perf_counter() - t0
        index = {u: c for u, c in zip(users, clients)}
        reads = await asyncio.gather(*[index[user].get(f"/api/v1/submissions/{ref}", auth=user)
                                       for user, code, ref in results if code == 201])
    finally:
        for c in clients:
            await c.aclose()
    return results, latencies, wall, reads


def _sequential(url, users):
    import httpx

    latencies: list[float] = []
    results = []
    with httpx.Client(base_url=url, timeout=60) as client:
        t0 = time.perf_counter()
        for i in range(N_SUBMISSIONS):
            user = users[i % len(users)]
            s = time.perf_counter()
            r = client.post("/api/v1/submissions", json=BODY, auth=user)
            latencies.append(time.perf_counter() - s)
            results.append((user, r.status_code, r.json().get("submission_ref") if r.status_code == 201 else r.text))
        wall = time.perf_counter() - t0
    return results, latencies, wall


def _pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def check(results, reads, store_count) -> dict:
    """Reliability facts of a concurrent run: created, unique refs, readable by submitter, stored."""
    refs = [ref for _, code, ref in results if code == 201]
    return {"created": len(refs), "unique_refs": len(set(refs)),
            "readable_by_submitter": sum(1 for r in reads if r.status_code == 200 and r.json()["status"] == "received"),
            "stored": store_count, "errors": [str(ref)[:200] for _, code, ref in results if code != 201][:5]}


def _stored(hub: Path) -> int:
    """Submissions in the portal store once the server has stopped (read back from disk)."""
    from workbench.portal.store import PortalStore

    with PortalStore(hub) as store:
        return store.rows("SELECT count(*) AS n FROM portal.submissions")[0]["n"]


def run() -> list[dict]:
    from workbench.portal.server import BackgroundServer
    from workbench.portal.store import portal_path

    load = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        hub, users = build_hub(folder)
        with BackgroundServer(hub, rate_limit=(1000, 60)) as srv:
            asyncio.run(_warm_up(srv.url, users))
            seq_results, seq_lat, seq_wall = _sequential(srv.url, users)
        portal_path(hub).unlink()          # a fresh store for the concurrent run
        portal_path(hub).with_name("portal.duckdb.wal").unlink(missing_ok=True)
        with BackgroundServer(hub, rate_limit=(1000, 60)) as srv:
            warm = asyncio.run(_warm_up(srv.url, users))
            results, latencies, wall, reads = asyncio.run(_concurrent(srv.url, users))
        facts = {**check(results, reads, _stored(hub)), "warm_up_s": round(warm, 3)}
        p95, p50 = _pct(latencies, 0.95), _pct(latencies, 0.50)
        ok = (facts["created"] == facts["unique_refs"] == facts["readable_by_submitter"] == facts["stored"]
              == N_SUBMISSIONS)
        return [{
            "name": "portal_200_concurrent", "ours_s": round(wall, 4),
            "baseline": "the same 200 submissions sent sequentially (one connection, same server)",
            "baseline_s": round(seq_wall, 4), "speedup": round(seq_wall / wall, 2) if wall else None,
            "rows_per_s": round(N_SUBMISSIONS / wall, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "notes": (f"p95 latency {p95:.3f} s (target <= 1 s: {'met' if p95 <= 1.0 else 'NOT met'}), "
                      f"p50 {p50:.3f} s, max {max(latencies):.3f} s; sequential p95 {_pct(seq_lat, 0.95):.3f} s; "
                      f"server (uvicorn, httptools, uvloop) in a thread of this process, httpx clients in its main thread; "
                      f"{len(users)} partner accounts, each logged in once first (verified passwords are cached "
                      f"60 s; that concurrent first log-in of all {len(users)} took {facts['warm_up_s']:.2f} s); "
                      f"none lost / no duplicates / all readable: {'yes' if ok else 'NO ' + str(facts)}; "
                      f"load average at start {load[0]:.1f} on {os.cpu_count()} CPUs"),
            "p95_s": round(p95, 4), "p50_s": round(p50, 4), **{k: v for k, v in facts.items() if k != "errors"},
        }]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
