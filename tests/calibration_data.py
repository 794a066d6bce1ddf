"""Pattern-free (planted-null) and planted-truth data for calibrating the built-in hypotheses.

:func:`null_data` is a police year-on-year comparison in which everything rises in proportion:
the same places (around licensed premises and in neighbourhoods), the same hours, the same
offence mix, and A&E and ambulance counts rising with police injury violence. No hypothesis is
true. ``plant`` adds one truth: ``"premises"`` (an extra 25% of the baseline at three premises
on Friday and Saturday nights over a 5% general rise: concentration and premises true), ``"minor"`` (assault without
injury × 1.8: seriousness true), ``"reporting"`` (police × 1.4, health flat: reporting true).
Vectorised and small (about 1,400 offences a period) so that many seeds run in seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.demo.scenarios import INJURY, MINOR, OFFENCE_MIX

BASELINE, CURRENT = ("2024-01-01", "2024-03-31"), ("2025-01-01", "2025-03-31")
RATE = 16.0  # police-recorded violence per day
CENTRE = np.array([457200.0, 339800.0])
HOURS = np.array([3, 2, 1, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 6, 7, 8, 7, 5], float)


def _when(rng, n, period, weekend_nights=False):
    start = pd.Timestamp(period[0])
    days = (pd.Timestamp(period[1]) - start).days + 1
    if weekend_nights:  # Friday or Saturday, 22:00-01:59
        fridays = pd.date_range(period[0], period[1], freq="W-FRI")
        fridays = fridays[fridays + pd.Timedelta(days=2) <= pd.Timestamp(period[1])]
        dates = fridays[rng.integers(0, len(fridays), n)] + pd.to_timedelta(rng.integers(0, 2, n), unit="D")
        return dates + pd.to_timedelta(22 * 60 + rng.integers(0, 240, n), unit="m")
    day = rng.integers(0, days, n)
    hour = rng.choice(24, n, p=HOURS / HOURS.sum())
    return start + pd.to_timedelta(day, unit="D") + pd.to_timedelta(hour * 60 + rng.integers(0, 60, n), unit="m")


def _police(rng, n, period, premises, hoods, codes_p=None, at=None):
    codes = rng.choice(list(OFFENCE_MIX), n, p=codes_p if codes_p is not None else
                       np.array(list(OFFENCE_MIX.values())) / sum(OFFENCE_MIX.values()))
    if at is None:
        near = rng.random(n) < 0.35
        xy = np.where(near[:, None], premises[rng.integers(0, len(premises), n)] + rng.normal(0, 25, (n, 2)),
                      hoods[rng.integers(0, len(hoods), n)] + rng.normal(0, 400, (n, 2)))
        t = _when(rng, n, period)
    else:
        xy = at[rng.integers(0, len(at), n)] + rng.normal(0, 15, (n, 2))
        t = _when(rng, n, period, weekend_nights=True)
    return pd.DataFrame({"offence_code": codes, "committed_from_date": t.strftime("%Y-%m-%d"),
                         "committed_from_time": t.strftime("%H:%M"),
                         "easting": xy[:, 0].round(), "northing": xy[:, 1].round()})


def _health(rng, n, period):
    t = _when(rng, n, period)
    return pd.DataFrame({"incident_type": "assault", "incident_date": t.strftime("%Y-%m-%d"),
                         "incident_time": t.strftime("%H:%M")})


def null_data(seed: int, plant: str | None = None, rise: float = 1.3) -> dict:
    """Datasets for one seed: a proportional rise of ``rise`` (no hypothesis true) plus ``plant``."""
    rng = np.random.default_rng([seed, 12])
    premises = CENTRE + rng.uniform(-1000, 1000, (40, 2))
    hoods = CENTRE + rng.uniform(-3000, 3000, (10, 2))
    days = {p: (pd.Timestamp(p[1]) - pd.Timestamp(p[0])).days + 1 for p in (BASELINE, CURRENT)}
    police, ae, amb = [], [], []
    mix = np.array(list(OFFENCE_MIX.values())) / sum(OFFENCE_MIX.values())
    injury_share = sum(v for k, v in zip(OFFENCE_MIX, mix) if k in INJURY)
    for period in (BASELINE, CURRENT):
        cur = period == CURRENT
        m = {"reporting": 1.4, "premises": 1.05}.get(plant, rise) if cur else 1.0
        p = mix
        if cur and plant == "minor":
            w = np.array([1.8 if k in MINOR else 1.0 for k in OFFENCE_MIX]) * mix
            m, p = m * w.sum(), w / w.sum()
        n = rng.poisson(RATE * days[period] * m)
        police.append(_police(rng, n, period, premises, hoods, p))
        health_m = {"reporting": 1.0, "premises": 1.05}.get(plant, rise) if cur else 1.0
        expected = RATE * days[period] * injury_share * health_m
        ae.append(_health(rng, rng.poisson(expected), period))
        amb.append(_health(rng, rng.poisson(0.6 * expected), period))
        if cur and plant == "premises":
            hot = premises[rng.choice(len(premises), 3, replace=False)]
            extra = _police(rng, rng.poisson(0.25 * RATE * days[BASELINE]), period, premises, hoods, at=hot)
            police.append(extra)  # with the health records its injuries bring (no reporting effect)
            hurt = int(extra["offence_code"].isin(INJURY).sum())
            ae.append(_health(rng, rng.poisson(hurt), period))
            amb.append(_health(rng, rng.poisson(0.6 * hurt), period))
    police = pd.concat(police, ignore_index=True)
    police.insert(0, "crime_ref", [f"CR{k}" for k in range(len(police))])
    return {"police_crime_offence": police, "health_ae_assault": pd.concat(ae, ignore_index=True),
            "ambulance_callout": pd.concat(amb, ignore_index=True),
            "ref_licensed_premises": pd.DataFrame({"premises_ref": [f"P{k}" for k in range(len(premises))],
                                                   "premises_name": [f"Premises {k}" for k in range(len(premises))],
                                                   "easting": premises[:, 0].round(),
                                                   "northing": premises[:, 1].round()})}
