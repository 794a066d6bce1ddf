"""Helpers shared by benchmarks: peak RSS and a result record."""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def record(name: str, ours_s: float, baseline: str, baseline_s: float, rows: int | None,
           notes: str = "", **extra) -> dict:
    return {
        "name": name, "ours_s": round(ours_s, 3), "baseline": baseline,
        "baseline_s": round(baseline_s, 3), "speedup": round(baseline_s / ours_s, 2) if ours_s else None,
        "rows_per_s": round(rows / ours_s) if rows and ours_s else None,
        "peak_rss_mb": peak_rss_mb(), "notes": notes, **extra,
    }
