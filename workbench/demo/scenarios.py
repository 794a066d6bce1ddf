"""Violence scenarios with planted truth, for validating the built-in hypotheses (issue 4).

Each scenario is a seeded synthetic partnership area (8 × 8 km around Nottingham city centre,
BNG metres) with two comparable periods — baseline 2024-01-01…2024-03-31 (91 days) and current
2025-01-01…2025-03-31 (90 days, so exposures differ) — and four datasets in canonical columns
(``DATASETS.md``): ``police_crime_offence``, ``health_ae_assault``, ``ambulance_callout`` and
``ref_licensed_premises``. Values are strings/numbers as a supplier would send them, so
:func:`workbench.hub.ingest.ingest_frame` accepts them unchanged.

The generating process (same in both periods unless a scenario changes it):

* violence at ``BASE_RATE`` offences a day, offence codes from ``OFFENCE_MIX``; 35% of it in the
  night-time economy (within ~40 m of a licensed premises, mostly Friday/Saturday nights), the
  rest around 12 residential neighbourhoods with an evening peak;
* A&E assault attendances at ``AE_PER_INJURY`` and ambulance call-outs at
  ``AMBULANCE_PER_INJURY`` per police-recorded injury offence (8N, 5D, homicide), same places
  and times as injury violence;
* 60 licensed premises, 40 of them in the centre.

Scenarios and the verdict each built-in hypothesis should reach (``TRUTH``):

=====================  =============================================================
concentrated_premises  +30% extra violence at 3 central premises, Fri/Sat 22:00–03:00
                       (genuine: health sees its injuries too)
diffuse_proportional   every police and health count × 1.3, same places and times
reporting_change       police × 1.35, A&E and ambulance flat (a recording effect)
genuine_all_three      police, A&E and ambulance all × 1.25
minor_only             assault without injury (105A, 105B) × 1.7, everything else flat
serious_only           injury violence (8N, 5D, homicide) × 1.35, health × 1.35
=====================  =============================================================
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

CENTRE = np.array([457200.0, 339800.0])
BASELINE = ("2024-01-01", "2024-03-31")
CURRENT = ("2025-01-01", "2025-03-31")
BASE_RATE = 25.0  # police-recorded violence per day
NTE_SHARE = 0.35
OFFENCE_MIX = {"105A": 0.44, "105B": 0.03, "8N": 0.41, "5D": 0.11, "1": 0.006, "4.1": 0.004}
OFFENCE_TYPES = {"105A": "Assault without injury", "105B": "Racially or religiously aggravated assault without injury",
                 "8N": "Assault with injury", "5D": "Assault with intent to cause serious harm",
                 "1": "Murder", "4.1": "Manslaughter"}
INJURY = ("8N", "5D", "1", "4.1")
MINOR = ("105A", "105B")
AE_PER_INJURY = 1.0
AMBULANCE_PER_INJURY = 0.6
N_PREMISES, N_CENTRAL = 60, 40


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One planted truth for the hypothesis tests: police multipliers per offence code, a health multiplier, and extra events at licensed premises.

    Examples
    --------
    >>> s = SCENARIOS["reporting_change"]
    >>> s.police["105A"], s.health, s.extra_at_premises             # police rise, health flat: a recording change
    (1.35, 1.0, 0.0)
    """

    name: str
    description: str
    police: dict          # multiplier per offence code (missing = 1)
    health: float         # multiplier of A&E and ambulance counts
    extra_at_premises: float = 0.0  # extra events as a share of the baseline total


SCENARIOS = {
    "concentrated_premises": Scenario("concentrated_premises",
                                      "+30% extra violence at 3 premises on Friday/Saturday nights", {}, 1.0, 0.30),
    "diffuse_proportional": Scenario("diffuse_proportional", "everything × 1.3, same places and times",
                                     {c: 1.3 for c in OFFENCE_MIX}, 1.3),
    "reporting_change": Scenario("reporting_change", "police × 1.35, A&E and ambulance flat",
                                 {c: 1.35 for c in OFFENCE_MIX}, 1.0),
    "genuine_all_three": Scenario("genuine_all_three", "police, A&E and ambulance all × 1.25",
                                  {c: 1.25 for c in OFFENCE_MIX}, 1.25),
    "minor_only": Scenario("minor_only", "assault without injury × 1.7, the rest flat",
                           {c: 1.7 for c in MINOR}, 1.0),
    "serious_only": Scenario("serious_only", "injury violence × 1.35, health × 1.35",
                             {c: 1.35 for c in INJURY}, 1.35),
}

S, N = "supported", "not_supported"
#: the verdict each hypothesis should reach in each scenario (the planted truth)
TRUTH = {
    "concentrated_premises": {"concentration": S, "seriousness": N, "premises": S, "reporting": N},
    "diffuse_proportional": {"concentration": N, "seriousness": N, "premises": N, "reporting": N},
    "reporting_change": {"concentration": N, "seriousness": N, "premises": N, "reporting": S},
    "genuine_all_three": {"concentration": N, "seriousness": N, "premises": N, "reporting": N},
    # health services do not see assaults without injury: the reporting hypothesis cannot be tested
    "minor_only": {"concentration": N, "seriousness": S, "premises": N, "reporting": "inconclusive"},
    "serious_only": {"concentration": N, "seriousness": N, "premises": N, "reporting": N},
}


def _hour_profiles() -> tuple[np.ndarray, np.ndarray]:
    """Hour-of-week probabilities (Mon 00:00 = 0) for night-time-economy and residential violence."""
    hours = np.arange(168)
    dow, hod = hours // 24, hours % 24
    night = np.isin(hod, [20, 21, 22, 23, 0, 1, 2, 3])
    weekend_night = ((dow == 4) & (hod >= 20)) | ((dow == 5) & ((hod <= 3) | (hod >= 20))) | ((dow == 6) & (hod <= 3))
    nte = 0.2 + 2.0 * night + 6.0 * weekend_night
    res = 1.0 + 1.5 * ((hod >= 15) & (hod <= 23)) + 0.5 * (dow >= 5)
    return nte / nte.sum(), res / res.sum()


def _premises(rng) -> pd.DataFrame:
    central = rng.normal(CENTRE, 350, (N_CENTRAL, 2))
    outer = rng.uniform(CENTRE - 4000, CENTRE + 4000, (N_PREMISES - N_CENTRAL, 2))
    xy = np.vstack([central, outer]).round()
    return pd.DataFrame({
        "premises_ref": [f"LP{k:03d}" for k in range(N_PREMISES)],
        "premises_name": [f"Premises {k}" for k in range(N_PREMISES)],
        "easting": xy[:, 0].astype(int), "northing": xy[:, 1].astype(int),
        "licence_type": np.where(np.arange(N_PREMISES) < N_CENTRAL, "on-licence", "off-licence"),
        "latest_closing_time": np.where(np.arange(N_PREMISES) < N_CENTRAL, "03:00", "23:00"),
    })


def _times(rng, n, profile, period) -> pd.Series:
    dates = pd.date_range(*period, freq="D")
    how = rng.choice(168, size=n, p=profile)
    dow, hod = how // 24, how % 24
    out = np.empty(n, dtype="datetime64[m]")
    for d in range(7):
        pick = np.flatnonzero(dow == d)
        if pick.size:
            days = dates[dates.dayofweek == d].to_numpy()
            out[pick] = rng.choice(days, size=pick.size).astype("datetime64[m]")
    out = out + (hod * 60 + rng.integers(0, 60, n)).astype("timedelta64[m]")
    return pd.Series(out)


def _places(rng, n, nte_mask, premises_xy, hoods) -> np.ndarray:
    xy = np.empty((n, 2))
    k = int(nte_mask.sum())
    central = premises_xy[:N_CENTRAL]
    xy[nte_mask] = central[rng.integers(0, len(central), k)] + rng.normal(0, 40, (k, 2))
    m = n - k
    xy[~nte_mask] = hoods[rng.integers(0, len(hoods), m)] + rng.normal(0, 450, (m, 2))
    return xy.round()


def _events(rng, n, period, premises_xy, hoods, profiles) -> tuple[np.ndarray, pd.Series]:
    nte = rng.random(n) < NTE_SHARE
    xy = _places(rng, n, nte, premises_xy, hoods)
    t = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if nte.any():
        t[nte] = _times(rng, int(nte.sum()), profiles[0], period).to_numpy()
    if (~nte).any():
        t[~nte] = _times(rng, int((~nte).sum()), profiles[1], period).to_numpy()
    return xy, t


def _days(period) -> int:
    return (pd.Timestamp(period[1]) - pd.Timestamp(period[0])).days + 1


def generate(name: str, seed: int, strength: float = 1.0) -> dict[str, pd.DataFrame]:
    """The four datasets of scenario ``name`` for ``seed`` (both periods in each frame).

    ``strength`` scales the planted change (a multiplier m becomes 1 + (m − 1)·strength; the
    extra share at premises is multiplied by it): 1 is the scenario as documented, 0.5 a
    change half as large (used to show the power of the tests in ``docs/analysis.md``).

    Examples
    --------
    >>> data = generate("reporting_change", 1)
    >>> sorted(data)
    ['ambulance_callout', 'health_ae_assault', 'police_crime_offence', 'ref_licensed_premises']
    """
    if name not in SCENARIOS:
        from workbench.analysis._validate import one_of
        one_of(name, SCENARIOS, "scenario")
    sc = SCENARIOS[name]
    if strength != 1.0:
        sc = dataclasses.replace(sc, police={c: 1 + (m - 1) * strength for c, m in sc.police.items()},
                                 health=1 + (sc.health - 1) * strength,
                                 extra_at_premises=sc.extra_at_premises * strength)
    rng = np.random.default_rng([seed, list(SCENARIOS).index(name)])
    premises = _premises(rng)
    pxy = premises[["easting", "northing"]].to_numpy(float)
    hoods = rng.uniform(CENTRE - 3500, CENTRE + 3500, (12, 2))
    profiles = _hour_profiles()
    police, ae, amb = [], [], []
    hot = pxy[rng.choice(N_CENTRAL, 3, replace=False)]
    for label, period in (("baseline", BASELINE), ("current", CURRENT)):
        days = _days(period)
        cur = label == "current"
        injury_expected = 0.0
        for code, share in OFFENCE_MIX.items():
            mult = sc.police.get(code, 1.0) if cur else 1.0
            n = rng.poisson(BASE_RATE * share * days * mult)
            xy, t = _events(rng, n, period, pxy, hoods, profiles)
            police.append(_police_rows(code, xy, t, rng))
            if code in INJURY:
                genuine = (sc.health if cur else 1.0)
                injury_expected += BASE_RATE * share * days * genuine
        if cur and sc.extra_at_premises:
            n_extra = rng.poisson(sc.extra_at_premises * BASE_RATE * _days(BASELINE))
            codes = rng.choice(list(OFFENCE_MIX), size=n_extra, p=list(OFFENCE_MIX.values()))
            xy = hot[rng.integers(0, 3, n_extra)] + rng.normal(0, 15, (n_extra, 2))
            t = _times(rng, n_extra, _weekend_late_profile(), period)
            for code in np.unique(codes):
                m = codes == code
                police.append(_police_rows(code, xy[m].round(), t[m].reset_index(drop=True), rng))
            n_inj = int(np.isin(codes, INJURY).sum())
            ae.append(_health_rows(rng, rng.poisson(n_inj * AE_PER_INJURY), xy, t, "AE", ae_extra=True))
            amb.append(_health_rows(rng, rng.poisson(n_inj * AMBULANCE_PER_INJURY), xy, t, "AM"))
        for rows, per in ((ae, AE_PER_INJURY), (amb, AMBULANCE_PER_INJURY)):
            n = rng.poisson(injury_expected * per)
            xy, t = _events(rng, n, period, pxy, hoods, profiles)
            rows.append(_health_rows(rng, n, xy, t, "AE" if rows is ae else "AM"))
    police_f = pd.concat(police, ignore_index=True)
    police_f.insert(0, "crime_ref", [f"CR{seed:04d}{k:07d}" for k in range(len(police_f))])
    ae_f = pd.concat(ae, ignore_index=True)
    ae_f.insert(0, "patient_ref", [f"AE{seed:04d}{k:07d}" for k in range(len(ae_f))])
    amb_f = pd.concat(amb, ignore_index=True).drop(columns=["location_type", "reported_to_police"])
    amb_f.insert(0, "patient_ref", [f"AM{seed:04d}{k:07d}" for k in range(len(amb_f))])
    return {"police_crime_offence": police_f, "health_ae_assault": ae_f,
            "ambulance_callout": amb_f, "ref_licensed_premises": premises}


def _weekend_late_profile() -> np.ndarray:
    p = np.zeros(168)
    for d in (4, 5):  # Friday and Saturday nights, 22:00–02:59
        p[d * 24 + 22: d * 24 + 24] = 1
        p[(d + 1) * 24: (d + 1) * 24 + 3] = 1
    return p / p.sum()


def _police_rows(code, xy, t, rng) -> pd.DataFrame:
    n = len(t)
    t = pd.to_datetime(pd.Series(t).reset_index(drop=True))
    window = np.where(rng.random(n) < 0.3, rng.integers(10, 180, n), 0)
    to = t + pd.to_timedelta(window, unit="m")
    return pd.DataFrame({
        "offence_code": code, "offence_type": OFFENCE_TYPES[code],
        "committed_from_date": t.dt.strftime("%Y-%m-%d"), "committed_from_time": t.dt.strftime("%H:%M"),
        "committed_to_date": to.dt.strftime("%Y-%m-%d"), "committed_to_time": to.dt.strftime("%H:%M"),
        "easting": xy[:, 0].astype(int) if n else [], "northing": xy[:, 1].astype(int) if n else [],
    })


def _health_rows(rng, n, xy, t, prefix, ae_extra: bool = False) -> pd.DataFrame:
    n = int(n)
    if n and len(t):
        pick = rng.integers(0, len(t), n) if ae_extra or n != len(t) else np.arange(n)
        xy, t = np.asarray(xy)[pick], pd.to_datetime(pd.Series(t).reset_index(drop=True)).iloc[pick].reset_index(drop=True)
    else:
        xy, t, n = np.zeros((0, 2)), pd.Series([], dtype="datetime64[ns]"), 0
    return pd.DataFrame({
        "age": rng.integers(16, 70, n), "gender": rng.choice(["M", "F"], n, p=[0.7, 0.3]),
        "incident_type": "assault", "incident_date": t.dt.strftime("%Y-%m-%d"),
        "incident_time": t.dt.strftime("%H:%M"),
        "location_type": rng.choice(["in licensed premise", "outside licensed premise", "street", "home", "other"], n),
        "easting": xy[:, 0].round().astype(int), "northing": xy[:, 1].round().astype(int),
        "reported_to_police": rng.choice(["Y", "N"], n, p=[0.5, 0.5]),
    })
