"""The tactical dashboard's day × hour picture is gated on the time of day being known (issue 12).

Police records whose times are missing arrive with 00:00 in their place; the heat map used to
draw them all at midnight. Now the view measures the share of known times (midnights beyond
1 in 24 count as unknown) and, under 80%, draws nothing and says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import dashboards_fixture as fx  # noqa: E402
from hubs import make_hub  # noqa: E402
from workbench.dashboard_data import access, crime, periods  # noqa: E402
from workbench.dashboard_data.source import Source  # noqa: E402

ANALYST = access.Viewer("ann.analyst", "Nottinghamshire Police", "analyst", True,
                        frozenset(access.DASHBOARD_DATASETS))


def _source(tmp_path, times) -> Source:
    rows = fx.crimes(4000)
    if times is not None:
        rows["committed_from_time"] = times
    return Source(make_hub(tmp_path, init=False, shared=fx.shared_tables(rows), registry=fx.people))


def test_midnight_stand_ins_are_not_drawn_as_midnight(tmp_path):
    source = _source(tmp_path, "00:00")
    last4 = periods.tactical(crime.latest_date(source), 4)
    frame = crime.day_hour(source, last4.current, [], ANALYST)
    assert frame.empty
    assert "known for 0%" in frame.attrs["unfit"] and "00:00" in frame.attrs["unfit"]


def test_recorded_times_are_drawn(tmp_path):
    source = _source(tmp_path, None)
    last4 = periods.tactical(crime.latest_date(source), 4)
    frame = crime.day_hour(source, last4.current, [], ANALYST)
    assert not frame.empty and "unfit" not in frame.attrs
    assert set(frame["hour"]) == set(range(24))
