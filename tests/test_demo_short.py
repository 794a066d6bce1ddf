"""A short, small demo build (a quarter at 1 % scale) generates: rare datasets may draw no
rows at all, and the generator must cope with zero events rather than crash."""

from __future__ import annotations

from workbench.demo.generate import generate
from workbench.demo.timing import fmt_minutes
from workbench.demo.world import World


def test_fmt_minutes_of_no_events_is_empty():
    assert fmt_minutes([]).tolist() == []


def test_a_quarter_at_one_percent_scale_generates():
    generated = generate(World(), "2024-01-01", "2024-03-31", 0.01)
    offences = sum(len(f) for _, f in generated["police_crime_offence"])
    assert offences > 0
    for ds, supplies in generated.items():
        for _, frame in supplies:
            if "incident_time" in frame.columns:
                assert frame["incident_time"].map(lambda t: len(t) == 5 and t[2] == ":").all(), ds
