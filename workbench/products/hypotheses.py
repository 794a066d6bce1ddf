"""Posing and testing the problem profile's hypotheses with the analysis library.

The 3i model asks the analyst to identify "what hypotheses need to be tested" (guidance
Appendix 2 (1)). The tests themselves belong to :mod:`workbench.analysis.hypotheses`; this
module calls them through their public contract (``workbench hypothesis NAME --hub PATH
--current FROM:TO --baseline FROM:TO --offences SPEC --json``, CONTRACTS.md "Analysis"), so a
product depends only on the published JSON: hypothesis, verdict, p_value, statistic, effect,
evidence, datasets, caveats. A test that cannot run is reported with verdict ``not run`` and
the reason, and becomes a knowledge gap in the product — never a silent omission.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

#: the hypotheses of CONTRACTS.md, with the question each poses
HYPOTHESES = {
    "concentration": "Is the increase concentrated in particular places, days and times?",
    "seriousness": "Is the increase in less-serious rather than serious violence?",
    "premises": "Is the increase tied to a few licensed premises?",
    "reporting": "Is the increase a reporting effect (police against A&E and ambulance data)?",
}
VERDICTS = ("supported", "not_supported", "inconclusive")


def _period(p) -> str:
    return f"{p[0]}:{p[1]}"


def run_hypothesis(name: str, hub: Path | str, current: tuple[dt.date, dt.date],
                   baseline: tuple[dt.date, dt.date], offences: str | None = None,
                   *, timeout: float = 300) -> dict:
    """Run one hypothesis test and return its JSON result (with ``question`` added)."""
    cmd = [sys.executable, "-m", "workbench", "hypothesis", name, "--hub", str(hub),
           "--current", _period(current), "--baseline", _period(baseline), "--json"]
    if offences:
        cmd += ["--offences", str(offences)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return _not_run(name, f"the test did not finish within {timeout:.0f} s")
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    except json.JSONDecodeError:
        result = {}
    if proc.returncode != 0 or result.get("verdict") not in VERDICTS:
        reason = result.get("message") or (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return _not_run(name, reason)
    result["question"] = HYPOTHESES.get(name, name)
    return result


def _not_run(name: str, reason: str) -> dict:
    return {"hypothesis": name, "question": HYPOTHESES.get(name, name), "verdict": "not run",
            "p_value": None, "statistic": None, "effect": {}, "evidence": [],
            "datasets": [], "caveats": [f"Not tested: {reason}"]}


def run_hypotheses(hub: Path | str, current, baseline, offences: str | None = None,
                   names=tuple(HYPOTHESES)) -> list[dict]:
    """Run every hypothesis in ``names`` (default all four of the contract)."""
    return [run_hypothesis(n, hub, current, baseline, offences) for n in names]
