"""A small, seeded hub for the dashboard tests: an encrypted shared tier and a registry.

The shared tier is written the way ``workbench hub publish`` lays it out (one table per
dataset id, canonical columns, identifying columns dropped, locations at postcode
centroids, LSOA geometry as BNG WKT) so the dashboards' data layer can be tested before the demo hub exists.
Planted effects the tests look for:

- "Criminal damage to a vehicle" (58C) surges in LSOA ``E01000015`` in the last 4 weeks
  (an emerging issue and a hotspot: nine postcodes on a 3 × 3 block of 150 m cells);
- violence (105A) peaks on Friday and Saturday nights between 22:00 and 02:00;
- postcode ``NG1 1AB`` is a repeat location.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

END = date(2026, 10, 31)
OFFENCES = [
    ("105A", "Assault without injury", 0.30, 2.0),
    ("8N", "Assault with injury", 0.12, 15.0),
    ("28E", "Burglary residential", 0.10, 40.0),
    ("58C", "Criminal damage to a vehicle", 0.15, 5.0),
    ("45", "Theft from vehicle", 0.18, 8.0),
    ("92D", "Possession of cannabis", 0.15, 1.0),
]
SURGE_LSOA = "E01000015"
GRID = 6            # 6 x 6 one-kilometre squares standing in for LSOAs
ORIGIN = (454000.0, 337000.0)


def lsoa_grid() -> pd.DataFrame:
    rows = []
    for i in range(GRID):
        for j in range(GRID):
            k = i * GRID + j
            x0, y0 = ORIGIN[0] + i * 1000, ORIGIN[1] + j * 1000
            ring = [(x0, y0), (x0 + 1000, y0), (x0 + 1000, y0 + 1000), (x0, y0 + 1000), (x0, y0)]
            rows.append({
                "lsoa_code": f"E0100{k:04d}", "lsoa_name": f"Testshire {k:03d}",
                "geometry": "POLYGON ((" + ", ".join(f"{x:.0f} {y:.0f}" for x, y in ring) + "))",
                "population": 1500 + 37 * k, "x0": x0, "y0": y0,
                "imd_rank": 1000 + 900 * k, "imd_decile": 1 + (k * 10) // (GRID * GRID),
                "imd_score": 60.0 - k,
            })
    return pd.DataFrame(rows)


def crimes(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` synthetic ``police_crime_offence`` rows over three years ending :data:`END`."""
    rng = np.random.default_rng(seed)
    grid = lsoa_grid()
    codes = np.array([o[0] for o in OFFENCES])
    names = dict((o[0], o[1]) for o in OFFENCES)
    p = np.array([o[2] for o in OFFENCES])
    days = 3 * 365
    code = rng.choice(codes, size=n, p=p / p.sum())
    day_offset = rng.integers(0, days, size=n)
    k = rng.integers(0, GRID * GRID, size=n)
    hour = rng.integers(0, 24, size=n)
    minute = rng.integers(0, 60, size=n)
    start = END - timedelta(days=days - 1)
    dates = pd.to_datetime(start) + pd.to_timedelta(day_offset, unit="D")
    # violence on Friday/Saturday nights
    viol = code == "105A"
    weekend = np.isin(dates.dayofweek, [4, 5])
    hour = np.where(viol & weekend & (rng.random(n) < 0.6), rng.choice([22, 23, 0, 1], size=n), hour)
    # surge of vehicle damage in one square during the last 4 weeks
    surge = rng.random(n) < 0.02
    code = np.where(surge, "58C", code)
    k = np.where(surge, int(SURGE_LSOA[-4:]), k)
    day_offset = np.where(surge, rng.integers(days - 28, days, size=n), day_offset)
    dates = pd.to_datetime(start) + pd.to_timedelta(day_offset, unit="D")
    x0 = grid["x0"].to_numpy()[k]
    y0 = grid["y0"].to_numpy()[k]
    pc_index = rng.integers(0, 4, size=n)
    postcode = np.array([f"NG{kk % 9 + 1} {pi}{chr(65 + kk % 26)}{chr(66 + pi)}" for kk, pi in zip(k, pc_index)])
    repeat = rng.random(n) < 0.01
    postcode = np.where(repeat, "NG1 1AB", postcode)
    easting = x0 + 250 + 500 * (pc_index % 2)
    northing = y0 + 250 + 500 * (pc_index // 2)
    easting = np.where(repeat, grid["x0"][0] + 250, easting)
    northing = np.where(repeat, grid["y0"][0] + 250, northing)
    # the surge covers a block of streets: nine postcodes 150 m apart in the middle of its
    # square (one hotspot cell and its eight neighbours), not one point: a single cell with
    # many events is not spatial clustering, and Gi*'s permutation test rightly says so
    spot = surge & ~repeat
    d = rng.integers(0, 9, size=n)
    easting = np.where(spot, x0 + 500 + 150 * (d % 3 - 1), easting)
    northing = np.where(spot, y0 + 500 + 150 * (d // 3 - 1), northing)
    postcode = np.where(spot, np.array([f"NG7 {dd}SX" for dd in d]), postcode)
    return pd.DataFrame({
        "crime_ref": [f"CR{i:08d}" for i in range(n)],
        "offence_code": code,
        "offence_type": [names[c] for c in code],
        "committed_from_date": dates.date,
        "committed_from_time": [f"{h:02d}:{m:02d}" for h, m in zip(hour, minute)],
        "postcode": postcode,
        "easting": easting,
        "northing": northing,
        "flag_alcohol": np.where(viol & weekend, "Y", "N"),
        "flag_domestic": np.where(rng.random(n) < 0.1, "Y", "N"),
    })


def postcodes(frame: pd.DataFrame) -> pd.DataFrame:
    grid = lsoa_grid()
    pcs = frame.groupby("postcode", as_index=False).agg(easting=("easting", "first"),
                                                         northing=("northing", "first"))
    i = ((pcs["easting"] - ORIGIN[0]) // 1000).astype(int)
    j = ((pcs["northing"] - ORIGIN[1]) // 1000).astype(int)
    pcs["lsoa_code"] = grid["lsoa_code"].to_numpy()[i * GRID + j]
    pcs["households"] = 12
    return pcs


def shared_tables(crime: pd.DataFrame) -> dict:
    """The shared tier's tables (for :func:`hubs.make_hub`'s ``shared``) holding ``crime`` and
    its context layers."""
    grid = lsoa_grid()
    harm = pd.DataFrame({"offence_code": [o[0] for o in OFFENCES], "crime_type": None,
                         "weight_name": "cchi", "weight": [o[3] for o in OFFENCES],
                         "source": "test"})
    rng = np.random.default_rng(3)
    ppo = pd.DataFrame({"offender_ref": [f"PPO{i:03d}" for i in range(40)],
                        "current_status": rng.choice(["custody", "proactive targeting",
                                                      "basic monitoring"], size=40, p=[.5, .35, .15])})
    intel = pd.DataFrame({
        "submission_ref": [f"PIP{i:05d}" for i in range(120)],
        "submitted_at": pd.Timestamp(END) - pd.to_timedelta(rng.integers(0, 200, 120), unit="D"),
        "category": rng.choice(["drugs", "anti-social behaviour", "exploitation", "weapons"],
                               size=120, p=[.45, .35, .17, .03]),
        "status": "accepted",
    })
    return {
        "police_crime_offence": (crime, """
            select crime_ref, offence_code, offence_type, cast(committed_from_date as date) as committed_from_date,
                   cast(committed_from_time as time) as committed_from_time, postcode, easting, northing,
                   flag_alcohol, flag_domestic from frame"""),
        "ref_lsoa": (grid, "select lsoa_code, lsoa_name, geometry, population from frame"),
        "ref_imd": (grid, "select lsoa_code, imd_score, imd_rank, imd_decile from frame"),
        "ref_postcode": (postcodes(crime),
                         "select postcode, easting, northing, households, lsoa_code from frame"),
        "ref_harm_weights": harm, "police_ppo": ppo, "partner_intelligence": intel}


#: the test users: (name, agency, group, role); every password is PASSWORD
USERS = (("ann.analyst", "Nottinghamshire Police", "central", "analyst"),
         ("vic.viewer", "Nottingham City Council", "second", "viewer"),
         ("pat.partner", "Nottingham City Council", "second", "partner"))
PASSWORD = "correct horse battery staple"


def people(reg) -> None:
    """Fill the registry with a partnership, two agencies and :data:`USERS`."""
    reg.add_partnership("Nottingham CSP")
    for agency, group in {(u[1], u[2]) for u in USERS}:
        reg.add_agency(agency, group, partnerships=("Nottingham CSP",))
    for name, agency, _, role in USERS:
        reg.add_user(name, agency, role, PASSWORD)


def hub_parts(rows: int = 60_000, seed: int = 7) -> dict:
    """:func:`hubs.make_hub` switches: an encrypted shared tier of ``rows`` crimes and a registry
    (no master hub: the dashboards read only the shared tier)."""
    return {"init": False, "shared": shared_tables(crimes(rows, seed)), "registry": people}
