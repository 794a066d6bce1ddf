"""Configurable tactical periods (issue 16)."""

from __future__ import annotations


def test_tactical_periods_are_configurable():
    """Issue 16: tactical periods are not fixed at 4/8/12 weeks (WORKBENCH_TACTICAL_WEEKS)."""
    import os
    import subprocess
    import sys

    import pytest

    from workbench.errors import BadInput
    from workbench.dashboard_data.periods import tactical_weeks_from

    assert tactical_weeks_from("6, 2") == (2, 6)
    for bad in ("0,4", "4,27", "four"):
        with pytest.raises(BadInput):
            tactical_weeks_from(bad)
    out = subprocess.run([sys.executable, "-c", "from workbench.dashboard_data.periods import TACTICAL_WEEKS, tactical;"
                          "import datetime as d; print(TACTICAL_WEEKS, tactical(d.date(2026, 1, 31), 6).current.start)"],
                         env={**os.environ, "WORKBENCH_TACTICAL_WEEKS": "2,6"}, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["(2,", "6)", "2025-12-21"]
