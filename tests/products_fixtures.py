"""A small synthetic partnership for product tests, built from code (STYLE rule 8).

:func:`frames` makes canonical frames with a planted problem: violence around a cluster of
late-opening licensed premises in the city centre rises sharply in the last three months,
mostly on Friday and Saturday nights. :func:`hub_parts` has :func:`hubs.make_hub` ingest them
into a master hub (so the ``supplies`` log is real) and write the same tables to an encrypted
shared tier beside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

END = dt.date(2025, 6, 30)
START = dt.date(2022, 1, 1)
CENTRE = (457300.0, 340000.0)
UK_TYPES = [("Violence and sexual offences", 60), ("Anti-social behaviour", 90), ("Burglary", 20),
            ("Vehicle crime", 25), ("Criminal damage and arson", 30), ("Drugs", 8),
            ("Shoplifting", 35), ("Public order", 15)]


def _dates(rng, n, start=START, end=END):
    days = (end - start).days + 1
    return [start + dt.timedelta(days=int(d)) for d in rng.integers(0, days, n)]


def _pc(i: int) -> str:
    return f"NG{1 + i % 9} {1 + i % 9}{'ABDEFGHJ'[i % 8]}{'LNPQRSTU'[(i // 8) % 8]}"


def frames(seed: int = 11) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    out: dict[str, pd.DataFrame] = {}
    # police.uk street-level crime: monthly, rising violence
    rows = []
    months = pd.period_range(START, END, freq="M")
    for k, month in enumerate(months):
        for crime_type, rate in UK_TYPES:
            lam = rate * (1.6 if crime_type.startswith("Violence") and k >= len(months) - 3 else 1.0)
            lam *= (1 + 0.01 * k) if crime_type.startswith("Violence") else 1.0
            for j in range(rng.poisson(lam)):
                e = CENTRE[0] + rng.normal(0, 900)
                n = CENTRE[1] + rng.normal(0, 900)
                rows.append({"crime_id": f"uk{k}-{crime_type[:3]}-{j}", "month": str(month),
                             "falls_within": "Nottinghamshire Police", "longitude": -1.15 + (e - CENTRE[0]) / 70000,
                             "latitude": 52.95 + (n - CENTRE[1]) / 111000, "location": "On or near High Street",
                             "lsoa_code": f"E0100{int(e // 1000) % 10}{int(n // 1000) % 10}",
                             "lsoa_name": "Nottingham 001A", "crime_type": crime_type,
                             "last_outcome_category": "Under investigation",
                             "easting": round(e, 1), "northing": round(n, 1)})
    out["police_uk_street"] = pd.DataFrame(rows)
    # recorded violence with times, near premises; a surge in the last 3 months at weekends
    base = _dates(rng, 1400)
    surge = [d for d in _dates(rng, 2600, END - dt.timedelta(days=90), END) if d.weekday() >= 4][:500]
    dates = base + surge
    n = len(dates)
    premises = np.array([[CENTRE[0] + 120 * i, CENTRE[1] + 60 * (i % 3)] for i in range(6)])
    near = np.array([i >= len(base) or rng.random() < 0.3 for i in range(n)])
    pick = premises[rng.integers(0, 6, n)]
    e = np.where(near, pick[:, 0] + rng.normal(0, 40, n), CENTRE[0] + rng.normal(0, 1500, n))
    no = np.where(near, pick[:, 1] + rng.normal(0, 40, n), CENTRE[1] + rng.normal(0, 1500, n))
    hours = np.where(near, rng.choice([22, 23, 0, 1, 2], n), rng.integers(0, 24, n))
    codes = rng.choice(["105A", "8N", "105B", "5D"], n, p=[0.45, 0.35, 0.12, 0.08])
    names = {"105A": "Assault without injury", "8N": "Assault with injury",
             "105B": "Assault without injury on a constable", "5D": "Assault with intent to cause serious harm"}
    refs = [f"CR{i:06d}" for i in range(n)]
    out["police_crime_offence"] = pd.DataFrame({
        "crime_ref": refs, "offence_code": codes, "offence_type": [names[c] for c in codes],
        "committed_from_date": [d.isoformat() for d in dates],
        "committed_from_time": [f"{h:02d}:{int(m):02d}" for h, m in zip(hours, rng.integers(0, 60, n))],
        "location": np.where(near, "Market Street", "Other street"),
        "postcode": [_pc(i % 40) for i in range(n)], "easting": e.round(1), "northing": no.round(1),
        "flag_alcohol": np.where(near, "Y", "N"), "flag_domestic": np.where(near, "N", "Y"),
        "flag_drugs": "N", "flag_racial": "N", "flag_distraction_burglary": "N"})
    out["police_crime_victim"] = pd.DataFrame({
        "crime_ref": refs, "gender": rng.choice(["M", "F"], n, p=[0.6, 0.4]),
        "age": rng.integers(16, 70, n).astype(str), "postcode": [_pc(i % 40) for i in range(n)]})
    out["police_crime_offender"] = pd.DataFrame({
        "crime_ref": refs, "offender_ref": [f"OF{int(x):05d}" for x in rng.integers(0, 900, n)],
        "gender": rng.choice(["M", "F"], n, p=[0.8, 0.2]), "age": rng.integers(15, 55, n).astype(str)})
    k = 2500
    out["council_asb"] = pd.DataFrame({
        "incident_ref": [f"ASB{i:05d}" for i in range(k)], "incident_type": rng.choice(["noise", "rowdy"], k),
        "incident_date": [d.isoformat() for d in _dates(rng, k)], "location": "Park Road",
        "postcode": [_pc(i % 30) for i in range(k)],
        "easting": (CENTRE[0] + rng.normal(0, 800, k)).round(1), "northing": (CENTRE[1] + rng.normal(0, 800, k)).round(1)})
    k = 400
    out["fire_incident"] = pd.DataFrame({
        "incident_ref": [f"F{i:05d}" for i in range(k)],
        "incident_type": rng.choice(["deliberate secondary", "deliberate vehicle", "malicious false alarm"], k),
        "incident_date": [d.isoformat() for d in _dates(rng, k)], "postcode": [_pc(i % 30) for i in range(k)],
        "easting": (CENTRE[0] + rng.normal(0, 2000, k)).round(1), "northing": (CENTRE[1] + rng.normal(0, 2000, k)).round(1)})
    k = 900
    ae_dates = _dates(rng, 700) + _dates(rng, 200, END - dt.timedelta(days=90), END)
    out["health_ae_assault"] = pd.DataFrame({
        "patient_ref": [f"P{int(x):05d}" for x in rng.integers(0, 600, k)], "age": rng.integers(16, 60, k).astype(str),
        "gender": rng.choice(["M", "F"], k), "incident_date": [d.isoformat() for d in ae_dates],
        "incident_time": [f"{h:02d}:15" for h in rng.choice([22, 23, 0, 1, 14], k)],
        "location_type": rng.choice(["in licensed premise", "outside licensed premise", "street", "home"], k),
        "postcode": [_pc(i % 40) for i in range(k)]})
    out["survey_response"] = pd.DataFrame({
        "survey": "neighbourhood", "period": "2025-Q1", "area_code": "E07000000",
        "question": ["How much of a problem is violence in the city centre?"] * 3
        + ["How much of a problem is anti-social behaviour?"] * 3,
        "response": ["A very big problem", "A fairly big problem", "Not a problem"] * 2,
        "count": [120, 90, 60, 40, 60, 170]})
    out["ref_licensed_premises"] = pd.DataFrame({
        "premises_ref": [f"LP{i}" for i in range(6)], "premises_name": [f"Bar {i}" for i in range(6)],
        "postcode": [_pc(i) for i in range(6)], "easting": premises[:, 0], "northing": premises[:, 1],
        "licence_type": "premises", "latest_closing_time": "03:00"})
    return out


AGENCIES = {"police_uk_street": "police.uk", "council_asb": "City Council", "fire_incident": "Fire and Rescue",
            "health_ae_assault": "NHS Trust", "survey_response": "City Council",
            "ref_licensed_premises": "City Council"}


def hub_parts(datasets=None) -> dict:
    """:func:`hubs.make_hub` switches: the frames ingested into a master hub (each from its
    agency) and their current rows copied to an encrypted shared tier beside it (the
    synthetic frames carry no identifying columns)."""
    fr = frames()
    if datasets is not None:
        fr = {k: v for k, v in fr.items() if k in datasets}
    ingest = {}
    for ds, frame in fr.items():
        agency = AGENCIES.get(ds, "Police")
        meta = {"agency": agency, "caveats": "Test data: synthetic"} if ds == "health_ae_assault" else None
        ingest[ds] = (frame, {"source_name": f"{ds}.csv", "agency": agency, "metadata": meta})
    return {"ingest": ingest, "shared": "copy"}
