"""A shared tier holding two partnerships' data, for the scoping tests of the dashboards.

Laid out as ``workbench hub publish`` does for a hub of several partnerships (guidance
2.2.4, reference 003): every record table and the sanitised ``supplies`` log carry the
``partnership`` of the supply each row came from. Built from :mod:`dashboards_fixture`'s
generator (:func:`truth` gives the frames, :func:`hub_parts` the switches for
:func:`hubs.make_hub`):

- Ashfield (``A``): 16,000 crimes with the planted vehicle-damage surge in ``E01000015``;
- Bassetlaw (``B``): 10,000 crimes of another seed with that surge removed, so anything of
  Ashfield's that leaks into Bassetlaw's figures shows as a hotspot or an emerging issue;
- 300 crimes whose supply named no partnership (cannot be attributed: shown only to a
  user who may see every partnership of the hub);
- ``police_uk_street`` without a partnership column (cannot be separated: deny by default).

Registry: partnerships Ashfield, Bassetlaw and Derby (which holds no data); users
``a_ana`` (Ashfield analyst), ``a_vic`` (Ashfield viewer), ``b_ana`` (Bassetlaw analyst),
``both`` (a force analyst in Ashfield and Bassetlaw), ``county`` (in all three: sees
everything) and ``derby`` (Derby analyst: sees no partnership the tier holds).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

import dashboards_fixture as fx

A, B = "Ashfield", "Bassetlaw"
PASSWORD = fx.PASSWORD
USERS = (("a_ana", "Ashfield DC", "analyst"), ("a_vic", "Ashfield DC", "viewer"),
         ("b_ana", "Bassetlaw DC", "analyst"), ("both", "Notts Police", "analyst"),
         ("county", "County Council", "analyst"), ("derby", "Derby CC", "analyst"))
AGENCIES = {"Ashfield DC": (A,), "Bassetlaw DC": (B,), "Notts Police": (A, B),
            "County Council": (A, B, "Derby"), "Derby CC": ("Derby",)}


def crimes() -> pd.DataFrame:
    """Every crime of the tier with its ``partnership`` (None: the supply named none)."""
    a = fx.crimes(16_000, seed=7).assign(partnership=A)
    b = fx.crimes(10_000, seed=11)
    square = fx.lsoa_grid().set_index("lsoa_code").loc[fx.SURGE_LSOA]
    in_square = (b["easting"].between(square["x0"], square["x0"] + 1000)
                 & b["northing"].between(square["y0"], square["y0"] + 1000))
    recent = pd.to_datetime(b["committed_from_date"]) > pd.Timestamp(fx.END - timedelta(days=28))
    b = b[~(in_square & recent & (b["offence_code"] == "58C"))].assign(partnership=B)
    b["crime_ref"] = "B" + b["crime_ref"]
    loose = fx.crimes(300, seed=5).assign(partnership=None)
    loose["crime_ref"] = "X" + loose["crime_ref"]
    frame = pd.concat([a, b, loose], ignore_index=True)
    frame["committed_from_date"] = pd.to_datetime(frame["committed_from_date"]).dt.date
    return frame


def ppo() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = [(A, 40), (B, 25), (None, 7)]
    parts = [pd.DataFrame({"offender_ref": [f"{p or 'X'}{i:03d}" for i in range(n)],
                           "current_status": rng.choice(["custody", "proactive targeting",
                                                         "basic monitoring"], size=n),
                           "partnership": p}) for p, n in rows]
    return pd.concat(parts, ignore_index=True)


def supplies(crime: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for i, (p, agency) in enumerate([(A, "Ashfield DC"), (B, "Bassetlaw DC"), (None, "Unknown")]):
        part = crime[crime["partnership"].isna()] if p is None else crime[crime["partnership"] == p]
        rows.append({"supply_id": i + 1, "dataset": "police_crime_offence", "agency": agency,
                     "partnership": p, "rows": len(part), "rows_superseded": 0,
                     "supplied_at": pd.Timestamp("2026-11-01 09:00") + pd.Timedelta(hours=i),
                     "period_start": min(part["committed_from_date"]),
                     "period_end": max(part["committed_from_date"]),
                     "metadata_missing": "[]", "warnings": "[]", "metadata": "{}"})
    return pd.DataFrame(rows)


def shared_tables(frames: dict) -> dict:
    """The tier's tables (for :func:`hubs.make_hub`'s ``shared``) from :func:`truth`'s frames."""
    grid = fx.lsoa_grid()
    harm = pd.DataFrame({"offence_code": [o[0] for o in fx.OFFENCES], "crime_type": None,
                         "weight_name": "cchi", "weight": [o[3] for o in fx.OFFENCES], "source": "test"})
    street = pd.DataFrame({"crime_type": ["Burglary", "Drugs"], "month": ["2026-09", "2026-10"],
                           "lsoa_code": ["E01000001", "E01000002"]})
    return {
        "police_crime_offence": (frames["crime"], """
            select crime_ref, offence_code, offence_type, cast(committed_from_date as date) as committed_from_date,
                   cast(committed_from_time as time) as committed_from_time, postcode, easting, northing,
                   flag_alcohol, flag_domestic, cast(partnership as varchar) as partnership,
                   case partnership when 'Ashfield' then 1 when 'Bassetlaw' then 2 else 3 end::bigint as _supply_id
            from frame"""),
        "ref_lsoa": (grid, "select lsoa_code, lsoa_name, geometry, population from frame"),
        "ref_imd": (grid, "select lsoa_code, imd_score, imd_rank, imd_decile from frame"),
        "ref_postcode": (frames["postcodes"],
                         "select postcode, easting, northing, households, lsoa_code from frame"),
        "ref_harm_weights": harm,
        "police_ppo": (frames["ppo"], """select offender_ref, current_status,
                       cast(partnership as varchar) as partnership from frame"""),
        "supplies": (frames["supplies"], """
            select supply_id, dataset, agency, cast(partnership as varchar) as partnership,
                   rows, rows_superseded, supplied_at, period_start, period_end, metadata_missing, warnings,
                   metadata from frame"""),
        "police_uk_street": street,
        "publish_meta": (pd.DataFrame({"key": ["published_at"], "value": ["2026-11-02T10:00:00+00:00"]}),
                         "select cast(key as varchar) as key, cast(value as varchar) as value from frame"),
    }


def truth() -> dict:
    """The frames the tier holds (the tests' ground truth)."""
    crime = crimes()
    return {"crime": crime, "ppo": ppo(), "supplies": supplies(crime), "postcodes": fx.postcodes(crime)}


def people(reg) -> None:
    """Fill the registry: partnerships Ashfield, Bassetlaw and Derby, :data:`AGENCIES`, :data:`USERS`."""
    for p in (A, B, "Derby"):
        reg.add_partnership(p)
    for agency, parts in AGENCIES.items():
        reg.add_agency(agency, "central", partnerships=parts)
    for name, agency, role in USERS:
        reg.add_user(name, agency, role, PASSWORD)


def hub_parts(frames: dict) -> dict:
    """:func:`hubs.make_hub` switches: the two-partnership shared tier of ``frames`` (from
    :func:`truth`) and its registry (no master hub)."""
    return {"init": False, "shared": shared_tables(frames), "registry": people}
