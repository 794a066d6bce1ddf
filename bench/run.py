"""Run every benchmark module in bench/ and write bench/results.json.

A benchmark module is ``bench/<name>.py`` with ``run() -> list[dict]``; each dict has
name, ours_s, baseline, baseline_s, speedup, rows_per_s, peak_rss_mb, notes (and may add
target fields). Baselines run in the same process as the measured code. Select modules
with ``python -m bench.run ingest_bench depersonalise_bench``.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules(names=None) -> list[str]:
    found = sorted(p.stem for p in HERE.glob("*.py") if p.stem not in ("__init__", "run", "common"))
    return [n for n in found if not names or n in names]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out_path = HERE / "results.json"
    previous = json.loads(out_path.read_text()) if out_path.exists() else {}
    results = {r["name"]: r for r in previous.get("results", [])}
    failures = []
    for name in modules(argv):
        print(f"== bench.{name}", file=sys.stderr, flush=True)
        t0 = time.time()
        try:
            mod = importlib.import_module(f"bench.{name}")
            for r in mod.run():
                r.setdefault("module", name)
                results[r["name"]] = r
                print(json.dumps(r), file=sys.stderr, flush=True)
        except Exception:
            traceback.print_exc()
            failures.append(name)
        print(f"   ({time.time() - t0:.1f} s)", file=sys.stderr)
    doc = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": __import__("os").cpu_count()},
        "results": sorted(results.values(), key=lambda r: r["name"]),
        "failed_modules": failures,
    }
    out_path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {out_path}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
