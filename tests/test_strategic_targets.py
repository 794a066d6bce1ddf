"""Targets without an actual change say why (the strategic dashboard's "Targets" tab and the
strategic assessment's performance table): on the 18-month demo hub the baseline year is only
half covered, a real absence, so every target reads "no data" with that reason, never a bare
"no data"."""

from __future__ import annotations

import re

import pytest

from workbench.privacy.shared import open_shared_tier
from workbench.products.strategic import strategic_summary


@pytest.fixture(scope="module")
def summary(demo_hub):
    con = open_shared_tier(demo_hub)
    try:
        return strategic_summary(con)
    finally:
        con.close()


def test_every_target_without_an_actual_change_says_why(summary):
    frame = summary.performance_frame()
    assert len(frame) and "reason" in frame.columns
    no_data = frame[frame["status"] == "no data"]
    assert len(no_data) == len(frame)  # 18 months of data: no year before the last is complete
    for reason in no_data["reason"]:
        assert reason.startswith("cannot compare: the baseline year ("), reason
        assert "has 6 of 12 months of " in reason and "police_" not in reason, reason  # titles, not ids
        assert not re.search(r"\d{4}-\d{2}-\d{2}", reason), reason                     # British dates, not ISO
    assert (frame.loc[frame["status"] != "no data", "reason"] == "").all()
