"""Builders for the depersonalisation, checker, publish and tier tests (built from code).

``synthetic_postcodes`` lays out a grid of valid-looking postcodes with household counts
(about a third below the Appendix 1 threshold of 4); ``hub_parts`` has :func:`hubs.make_hub`
ingest it and a handful of datasets of every publication mode through the real ingest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

INWARD_LETTERS = [c for c in "ABDEFGHJLNPQRSTUWXYZ"]
ORIGIN = (450_000.0, 340_000.0)
PLACE = {"place_id": "park:forest", "name": "Forest Recreation Ground", "kind": "park",
         "easting": 450_555.0, "northing": 340_333.0}


def synthetic_postcodes(n_side: int = 12, spacing: float = 100.0, seed: int = 1,
                        origin=ORIGIN) -> pd.DataFrame:
    """A ``ref_postcode`` frame: an ``n_side`` × ``n_side`` grid of postcodes (BNG metres)."""
    rng = np.random.default_rng(seed)
    rows = []
    k = 0
    for i in range(n_side):
        for j in range(n_side):
            district = 1 + (k // 400)
            sector = (k // 20) % 10
            unit = INWARD_LETTERS[k % 20] + INWARD_LETTERS[(k // 7) % 20]
            pc = f"NG{district} {sector}{unit}"
            k += 1
            rows.append({"postcode": pc, "easting": origin[0] + i * spacing,
                         "northing": origin[1] + j * spacing,
                         "households": int(rng.choice([0, 1, 2, 3, 4, 6, 12, 25]))})
    df = pd.DataFrame(rows).drop_duplicates("postcode")
    return df


def ref_postcode_frame(pcs: pd.DataFrame) -> pd.DataFrame:
    from workbench.geo.crs import bng_to_wgs84

    lon, lat = bng_to_wgs84(pcs["easting"].to_numpy(), pcs["northing"].to_numpy())
    return pcs.assign(latitude=np.round(lat, 6), longitude=np.round(lon, 6), lsoa_code="E01000001")


ADDRESSES = ["{n} Acacia Avenue, Sneinton", "Flat {n}, Riverside House, {n} Canal Street",
             "{n}A High Street", "{n}-{m} Market Street, Bingham", "Rose Cottage, Main Road",
             "Apartment {n}B, {m} Castle Boulevard", "Unit {n}, Radford Road", "Market Square",
             "On or near Trent Bridge", "The Old Vicarage, Church Lane, Gedling"]


def offences(pcs: pd.DataFrame, n: int = 300, seed: int = 2) -> pd.DataFrame:
    """Offence records: qualifying, non-qualifying, unknown and missing postcodes; a park."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        p = pcs.iloc[rng.integers(len(pcs))]
        e = p.easting + rng.uniform(-40, 40)
        nn = p.northing + rng.uniform(-40, 40)
        pc = p.postcode
        kind = i % 6
        if kind == 3:
            pc = "NG99 9ZZ"          # a real-looking postcode the reference layer lacks
        elif kind == 4:
            pc = ""                  # coordinates only
        elif kind == 5 and i % 12 == 5:
            e, nn = PLACE["easting"], PLACE["northing"]
        addr = ADDRESSES[i % len(ADDRESSES)].format(n=1 + i % 40, m=3 + i % 40)
        if i % 7 == 0 and pc:
            addr += f", {pc}"
        rows.append({"crime_ref": f"CR{i:05d}", "offence_code": "105A", "offence_type": "Assault",
                     "committed_from_date": f"2024-0{1 + i % 9}-1{i % 9}", "location": addr,
                     "postcode": pc, "easting": round(e, 1), "northing": round(nn, 1),
                     "method_of_entry": "rear door of 12 Acacia Avenue" if i % 10 == 0 else "front door",
                     "property_stolen": "2 bikes", "flag_alcohol": "Y", "flag_domestic": "N"})
    return pd.DataFrame(rows)


def victims(off: pd.DataFrame) -> pd.DataFrame:
    v = off.iloc[::3][["crime_ref", "postcode", "easting", "northing"]].copy()
    v["gender"] = "F"
    v["age"] = ""
    v["date_of_birth"] = "1990-06-15"
    v["address"] = "12 Acacia Avenue"
    v["ethnicity"] = "W1"
    return v


def health_ae(pcs: pd.DataFrame, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        p = pcs.iloc[rng.integers(len(pcs))]
        rows.append({"patient_ref": f"NHS{i % 20:06d}", "age": str(18 + i % 40), "gender": "M",
                     "patient_address": f"{i} Some Street", "postcode": p.postcode,
                     "incident_type": "assault", "incident_date": "2024-03-0" + str(1 + i % 9),
                     "location_type": "street", "location": f"outside {i + 1} Goose Gate",
                     "easting": p.easting + 5, "northing": p.northing - 5, "reported_to_police": "N"})
    return pd.DataFrame(rows)


def admissions_icd(n: int = 30) -> pd.DataFrame:
    return pd.DataFrame({"admission_date": ["2024-02-01"] * n, "icd10_code": ["X99"] * n,
                         "postcode_outward": [f"NG{1 + i % 3}" for i in range(n)]})


def ppo(pcs: pd.DataFrame, n: int = 25) -> pd.DataFrame:
    return pd.DataFrame({"offender_ref": [f"P{i}" for i in range(n)], "name": ["John Smith"] * n,
                         "gender": "M", "date_of_birth": "1985-01-01", "current_status": "custody",
                         "address": "3 Elm Close", "postcode": pcs.postcode.iloc[:n].to_numpy(),
                         "easting": pcs.easting.iloc[:n].to_numpy(),
                         "northing": pcs.northing.iloc[:n].to_numpy()})


def btp(pcs: pd.DataFrame, n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return pd.DataFrame({"crime_ref": [f"BTP{i}" for i in range(n)], "offence_type": "theft",
                         "incident_date": "2024-01-02", "location": "Platform 3, Nottingham Station",
                         "easting": ORIGIN[0] + rng.uniform(0, 1100, n),
                         "northing": ORIGIN[1] + rng.uniform(0, 1100, n)})


def oasys(pcs: pd.DataFrame, n: int = 30) -> pd.DataFrame:
    return pd.DataFrame({"client_ref": [f"C{i % 10}" for i in range(n)], "age": "30", "gender": "M",
                         "postcode": pcs.postcode.iloc[:n].to_numpy(),
                         "offence_description": "burglary at 5 Elm Close",
                         "assessment_date": [f"2024-01-{1 + i:02d}" for i in range(n)]})


def premises(pcs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"premises_ref": ["L1", "L2"], "premises_name": ["The Trip", "Coach House"],
                         "address": ["1 Brewhouse Yard", "Flat 2, 14 Castle Road"],
                         "postcode": pcs.postcode.iloc[:2].to_numpy(),
                         "easting": pcs.easting.iloc[:2].to_numpy(),
                         "northing": pcs.northing.iloc[:2].to_numpy(), "licence_type": "premises"})


def hub_parts(*, with_place: bool = True) -> dict:
    """:func:`hubs.make_hub` switches for an encrypted master hub with a synthetic geography and
    one dataset of every publication mode, ingested through the real ingest."""
    pcs = synthetic_postcodes()
    off = offences(pcs)
    ingest = {"ref_postcode": ref_postcode_frame(pcs), "police_crime_offence": off,
              "police_crime_victim": victims(off), "health_ae_assault": health_ae(pcs),
              "health_admission_icd": admissions_icd(), "police_ppo": ppo(pcs),
              "transport_btp_crime": btp(pcs), "probation_oasys": oasys(pcs),
              "ref_licensed_premises": premises(pcs)}
    return {"ingest": ingest, "then": _register_place if with_place else None}


def _register_place(hub: Path) -> None:
    from workbench.privacy.nonaddressable import register_place

    register_place(hub, PLACE["name"], PLACE["kind"], PLACE["easting"], PLACE["northing"],
                   place_id=PLACE["place_id"], approved_for=("police_crime_offence",))


__all__ = ["hub_parts", "synthetic_postcodes", "ref_postcode_frame", "PLACE"]
