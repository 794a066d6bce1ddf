"""The ``supply_upload_page`` benchmark case runs end to end at a tiny size (no timing asserted:
speed targets live in bench/, and the lead runs ``make bench`` at 500 MB)."""

from __future__ import annotations


def test_the_upload_benchmark_measures_both_paths_and_three_processes():
    from bench.supply_upload_bench import bench_upload

    r = bench_upload(mb=0.3, reps=1)
    assert r["name"] == "supply_upload_page" and r["rows_per_s"] > 0
    assert 0.25 < r["file_mb"] < 0.4
    assert r["ours_s"] >= r["upload_s"] > 0 and r["baseline_s"] > 0
    assert abs(r["ratio"] - r["ours_s"] / r["baseline_s"]) < 0.01
    for key in ("web_peak_rss_mb", "worker_peak_rss_mb", "cli_peak_rss_mb"):
        assert 20 < r[key] < 4000, (key, r[key])      # each child measured, not this process
    assert r["meets_target"] == (r["ratio"] <= 1.5)
