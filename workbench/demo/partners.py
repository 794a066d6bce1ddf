"""Synthetic supplies of the other partner agencies: council (ASB, racial incidents, road
collisions, school exclusions), fire and rescue, probation (OASys), youth offending (ASSET),
prisons and YOIs, transport operators, the Environment Agency and portal intelligence (PIP).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.demo import effects as fx
from workbench.demo import timing as tm
from workbench.demo.people import choice_weighted

COUNCIL_ASB = {"noise": 0.3, "rowdy behaviour": 0.2, "graffiti": 0.12, "fly-tipping": 0.18,
               "abandoned vehicle": 0.08, "neighbour dispute": 0.12}
WASTE = ["single bag", "car boot load", "small van load", "transit van load", "tipper lorry load"]
MAKES = {"Ford": ["Focus", "Fiesta", "Transit"], "Vauxhall": ["Corsa", "Astra"],
         "Volkswagen": ["Golf", "Polo"], "Peugeot": ["206", "308"], "BMW": ["3 Series"]}


def _refs(prefix: str, days: np.ndarray) -> list[str]:
    years = pd.DatetimeIndex(days).year.to_numpy()
    order = np.argsort(days, kind="stable")
    seq = np.empty(len(days), int)
    seq[order] = pd.Series(years[order]).groupby(years[order]).cumcount().to_numpy() + 1
    return [f"{prefix}{y}{s:06d}" for y, s in zip(years, seq)]


def _located(world, idx, sd=25.0):
    e, n = world.jitter(idx, sd)
    return {"location": world.street_for(idx), "postcode": world.city["postcode"].to_numpy()[idx],
            "easting": e, "northing": n}


def council_asb(world, period, scale) -> pd.DataFrame:
    """Synthetic supply of ``council_asb`` (Council-recorded anti-social behaviour) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = council_asb(world, period, 0.05)
    >>> len(frame) > 0, _canonical(frame, "council_asb")       # the columns of council_asb
    (True, True)
    """
    rng = world.rng
    n, days = tm.seasonal_asb(rng, period, fx.COUNCIL_ASB_RATE, scale)
    idx = world.postcodes_for_crime_type("Anti-social behaviour", n)
    t = rng.choice(list(COUNCIL_ASB), size=n, p=list(COUNCIL_ASB.values()))
    makes = rng.choice(list(MAKES), size=n)
    veh = t == "abandoned vehicle"
    return pd.DataFrame({
        "incident_ref": _refs("ASB", days), "incident_type": t, "incident_date": tm.fmt_day(days),
        "incident_time": tm.fmt_minutes(tm.sample_minutes(rng, n, tm.HOURS_EVENING)),
        "damage_value": np.where(t == "graffiti", np.round(rng.gamma(2.0, 120.0, n), 2), None),
        "waste_size": np.where(t == "fly-tipping", rng.choice(WASTE, size=n, p=[0.3, 0.3, 0.2, 0.15, 0.05]), None),
        "vehicle_make": np.where(veh, makes, None),
        "vehicle_model": np.where(veh, [rng.choice(MAKES[m]) for m in makes], None),
        "vehicle_age": np.where(veh, rng.integers(3, 22, n), None),
        "vehicle_registered_address": np.where(veh, world.addresses(world.postcodes_by_deprivation(n, 1.0)), None),
        **_located(world, idx),
    })


def council_racial(world, period, scale) -> pd.DataFrame:
    """Synthetic supply of ``council_racial_incident`` (Racial incidents reported to the council) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = council_racial(world, period, 0.05)
    >>> len(frame) > 0, _canonical(frame, "council_racial_incident")       # the columns of council_racial_incident
    (True, True)
    """
    rng = world.rng
    n = tm.count_for(rng, period, 15, scale)
    days = tm.sample_days(rng, period, n)
    idx = world.postcodes_for_crime_type("Public order", n)
    return pd.DataFrame({"incident_ref": _refs("RI", days), "incident_date": tm.fmt_day(days),
                         "incident_time": tm.fmt_minutes(tm.sample_minutes(rng, n)), **_located(world, idx)})


def council_rtc(world, period, scale) -> pd.DataFrame:
    """Synthetic supply of ``council_rtc`` (Road traffic collisions) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = council_rtc(world, period, 0.05)
    >>> len(frame) > 0, _canonical(frame, "council_rtc")       # the columns of council_rtc
    (True, True)
    """
    rng = world.rng
    n = tm.count_for(rng, period, 45, scale)
    days = tm.sample_days(rng, period, n)
    idx = world.postcodes_for_crime_type("Vehicle crime", n)
    slight = rng.poisson(1.1, n)
    return pd.DataFrame({
        "collision_ref": _refs("RTC", days), "collision_date": tm.fmt_day(days),
        "collision_time": tm.fmt_minutes(tm.sample_minutes(rng, n, tm.HOURS_RUSH)), **_located(world, idx, 40),
        "adults_killed": (rng.random(n) < 0.004).astype(int), "adults_seriously_injured": rng.poisson(0.15, n),
        "adults_slightly_injured": np.maximum(slight, 1), "children_killed": np.zeros(n, int),
        "children_seriously_injured": rng.poisson(0.02, n), "children_slightly_injured": rng.poisson(0.12, n),
    })


def school_exclusions(world, period, scale, people) -> pd.DataFrame:
    """Synthetic supply of ``council_school_exclusion`` (School exclusions) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = school_exclusions(world, period, 0.05, people)
    >>> len(frame) > 0, _canonical(frame, "council_school_exclusion")       # the columns of council_school_exclusion
    (True, True)
    """
    rng = world.rng
    schools_idx = world.postcodes_by_deprivation(24, 0.8)
    names = [f"{s.split(' ')[-2] if len(s.split(' ')) > 2 else s} Academy" for s in world.street_for(schools_idx)]
    n = tm.count_for(rng, period, 60, scale)
    days = tm.sample_days(rng, period, n * 2)
    term = (tm.month_of(days) != 8) & (tm.weekday_of(days) < 5)
    days = days[term][:n]
    n = len(days)
    school = rng.integers(0, len(schools_idx), n)
    p = people.persons(n, "SX", age_range=(11, 16), male_share=0.7, deprivation=1.4)
    sidx = schools_idx[school]
    return pd.DataFrame({
        "gender": p["gender"].to_numpy(), "age": people.age_at(p["dob"].to_numpy(), days).astype(str),
        "ethnicity": p["ethnicity"].to_numpy(), "school_name": np.array(names, dtype=object)[school],
        "school_address": world.addresses(sidx),
        "easting": world.city["easting"].to_numpy()[sidx], "northing": world.city["northing"].to_numpy()[sidx],
        "exclusion_type": np.where(rng.random(n) < 0.96, "fixed-term", "permanent"),
        "exclusion_reason": rng.choice(["persistent disruptive behaviour", "physical assault against a pupil",
                                        "verbal abuse against an adult", "drug and alcohol related",
                                        "physical assault against an adult"], size=n, p=[0.45, 0.2, 0.15, 0.1, 0.1]),
        "exclusion_date": tm.fmt_day(days),
    })


FIRE_TYPES = {"deliberate secondary": 0.55, "deliberate primary": 0.12, "deliberate vehicle": 0.15,
              "malicious false alarm": 0.1, "assault on staff": 0.02, "dwelling fire no smoke alarm": 0.06}


def fires(world, period, scale) -> pd.DataFrame:
    """Deliberate fires weighted to deprived LSOAs; secondary fires peak in spring and around
    Bonfire Night (``effects.FIRE_DEPRIVATION_EXPONENT``).

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = fires(world, period, 0.05)
    >>> len(frame) > 0, _canonical(frame, "fire_incident")       # the columns of fire_incident
    (True, True)
    """
    rng = world.rng
    m = tm.month_of(period.days)
    season = np.where(np.isin(m, [3, 4, 5]), 1.5, 1.0) * tm.asb_season(period.days) ** 0.5
    n = tm.count_for(rng, period, fx.FIRE_RATE, scale, season.mean())
    days = tm.sample_days(rng, period, n, season)
    idx = world.postcodes_by_deprivation(n, fx.FIRE_DEPRIVATION_EXPONENT)
    t = rng.choice(list(FIRE_TYPES), size=n, p=list(FIRE_TYPES.values()))
    return pd.DataFrame({
        "incident_ref": _refs("FR", days), "incident_type": t, "incident_date": tm.fmt_day(days),
        "incident_time": tm.fmt_minutes(tm.sample_minutes(rng, n, tm.HOURS_EVENING)),
        "casualties": np.where(np.isin(t, ["deliberate primary", "dwelling fire no smoke alarm"]),
                               rng.poisson(0.15, n), 0),
        **_located(world, idx),
    })


LTO = ("emotional_wellbeing", "thinking_behaviour", "attitudes", "accommodation", "ete", "financial",
       "relationships", "lifestyle", "drug_misuse", "alcohol_misuse")
OFFENCE_DESCRIPTIONS = ["burglary", "theft", "assault", "drug supply", "possession of a weapon",
                        "criminal damage", "robbery", "driving offences"]


def oasys(world, period, scale, people) -> pd.DataFrame:
    """Synthetic supply of ``probation_oasys`` (Probation OASys assessments) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = oasys(world, period, 0.05, people)
    >>> len(frame) > 0, _canonical(frame, "probation_oasys")       # the columns of probation_oasys
    (True, True)
    """
    rng = world.rng
    n_clients = max(int(600 * scale), 20)
    clients = people.offenders.iloc[rng.choice(len(people.offenders), n_clients, replace=False)]
    rows = []
    for _, c in clients.iterrows():
        first = period.start + int(rng.integers(0, max(period.n_days - 1, 1)))
        d = first
        while d <= period.end:
            rows.append((c["ref"], c["dob"], c["gender"], c["pc"], d))
            d = d + int(rng.integers(150, 240))
    f = pd.DataFrame(rows, columns=["ref", "dob", "gender", "pc", "day"])
    n = len(f)
    days = f["day"].to_numpy().astype("datetime64[D]")
    lto = {f"lto_{k}": np.where(rng.random(n) < p, "Y", "N")
           for k, p in zip(LTO, (0.4, 0.6, 0.5, 0.35, 0.55, 0.45, 0.4, 0.6, 0.45, 0.35))}
    return pd.DataFrame({
        "client_ref": f["ref"], "age": people.age_at(f["dob"].to_numpy().astype("datetime64[D]"), days).astype(str),
        "gender": f["gender"], "postcode": world.city["postcode"].to_numpy()[f["pc"].to_numpy().astype(int)],
        "offence_description": rng.choice(OFFENCE_DESCRIPTIONS, size=n), **lto,
        "assessment_date": tm.fmt_day(days),
        "reconviction_risk": rng.choice(["high", "medium", "low"], size=n, p=[0.25, 0.45, 0.3]),
        "harm_risk": rng.choice(["very high", "high", "medium", "low"], size=n, p=[0.03, 0.17, 0.5, 0.3]),
        "supervision_months": rng.choice([6, 12, 18, 24, 36], size=n),
    })


def yos(world, period, scale, people) -> pd.DataFrame:
    """Synthetic supply of ``yos_assessment`` (Youth offending service (ASSET) assessments) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = yos(world, period, 0.05, people)
    >>> len(frame) > 0, _canonical(frame, "yos_assessment")       # the columns of yos_assessment
    (True, True)
    """
    rng = world.rng
    n = max(tm.count_for(rng, period, 25, scale), 5)
    p = people.persons(n, "YOS", age_range=(10, 17), male_share=0.8, deprivation=1.6)
    days = tm.sample_days(rng, period, n)
    risks = {f"risk_{i}": rng.integers(0, 5, n) for i in range(1, 15)}
    return pd.DataFrame({
        "client_ref": p["ref"].to_numpy(), "age": people.age_at(p["dob"].to_numpy(), days).astype(str),
        "gender": p["gender"].to_numpy(), "postcode": world.city["postcode"].to_numpy()[p["pc"].to_numpy()],
        "offence_description": rng.choice(OFFENCE_DESCRIPTIONS, size=n),
        "flag_persistent": np.where(rng.random(n) < 0.2, "Y", "N"), "assessment_date": tm.fmt_day(days),
        **risks,
    })


def releases(world, period, scale, people, young: bool) -> pd.DataFrame:
    """Synthetic prison or young offender institution releases (``young``) for the build period at ``scale``: the columns of ``prison_release``/``yoi_release``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = releases(world, period, 0.05, people, young=True)
    >>> len(frame) > 0, _canonical(frame, "yoi_release")       # the columns of yoi_release
    (True, True)
    """
    rng = world.rng
    n = tm.count_for(rng, period, 6 if young else 28, scale)
    p = people.persons(n, "YR" if young else "PR", age_range=(15, 21) if young else (21, 60),
                       male_share=0.93, deprivation=1.7)
    days = tm.sample_days(rng, period, n)
    e, nn = world.jitter(p["pc"].to_numpy(), 10)
    return pd.DataFrame({
        "name": p["name"].to_numpy(), "gender": p["gender"].to_numpy(),
        "date_of_birth": tm.fmt_day(p["dob"].to_numpy()),
        "sentence_length_months": rng.choice([3, 6, 9, 12, 18, 24, 36, 48], size=n),
        "offence": rng.choice(OFFENCE_DESCRIPTIONS, size=n), "release_date": tm.fmt_day(days),
        "release_address": p["address"].to_numpy(),
        "postcode": world.city["postcode"].to_numpy()[p["pc"].to_numpy()], "easting": e, "northing": nn,
    })


#: transport hubs (BNG): Nottingham station, Victoria bus station, Broadmarsh bus station
STATION = (457_590.0, 339_260.0)
BUS_STATIONS = [(457_330.0, 340_400.0), (457_150.0, 339_450.0)]
#: the NET tram: Hucknall (north) → Old Market Square → Clifton (south), as straight segments
TRAM_LINE = [(454_300.0, 348_300.0), (456_300.0, 342_300.0), (457_220.0, 339_850.0),
             (457_400.0, 338_600.0), (455_400.0, 334_000.0)]
TRANSPORT_OFFENCES = ["assault", "theft", "criminal damage", "public order", "robbery", "fare evasion"]


def _points_near(rng, centres, n, sd):
    c = np.array(centres)[rng.integers(0, len(centres), n)]
    return np.round(c[:, 0] + rng.normal(0, sd, n)), np.round(c[:, 1] + rng.normal(0, sd, n))


def _points_on_line(rng, line, n):
    seg = rng.integers(0, len(line) - 1, n)
    t = rng.random(n)
    a = np.array(line)[seg]
    b = np.array(line)[seg + 1]
    return np.round(a[:, 0] + t * (b[:, 0] - a[:, 0])), np.round(a[:, 1] + t * (b[:, 1] - a[:, 1]))


def transport(world, period, scale, people, which: str) -> pd.DataFrame:
    """Synthetic transport crime or incidents (``which``: ``btp``, ``tram`` or ``bus``) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = transport(world, period, 0.05, people, "tram")
    >>> len(frame) > 0, _canonical(frame, "transport_tram_incident")       # the columns of transport_tram_incident
    (True, True)
    """
    rng = world.rng
    rate, prefix = {"btp": (20, "BTP"), "tram": (15, "TRM"), "bus": (25, "BUS")}[which]
    n = tm.count_for(rng, period, rate, scale)
    days = tm.sample_days(rng, period, n)
    if which == "btp":
        e, nn = _points_near(rng, [STATION], n, 80)
        loc = "Nottingham station"
    elif which == "tram":
        e, nn = _points_on_line(rng, TRAM_LINE, n)
        loc = "NET tram route"
    else:
        e, nn = _points_near(rng, BUS_STATIONS, n, 120)
        loc = "bus route (city centre)"
    off = people.persons(n, "TX", age_range=(14, 55), male_share=0.8)
    vic = people.persons(n, "TV", age_range=(14, 80), male_share=0.5)
    return pd.DataFrame({
        "crime_ref": _refs(prefix, days), "offence_type": rng.choice(TRANSPORT_OFFENCES, size=n),
        "incident_date": tm.fmt_day(days), "incident_time": tm.fmt_minutes(tm.sample_minutes(rng, n, tm.HOURS_RUSH)),
        "location": loc, "easting": e, "northing": nn,
        "offender_gender": np.where(rng.random(n) < 0.7, off["gender"].to_numpy(), None),
        "offender_age": np.where(rng.random(n) < 0.6, people.age_at(off["dob"].to_numpy(), days).astype(str), None),
        "offender_ethnicity": off["ethnicity"].to_numpy(),
        "victim_gender": vic["gender"].to_numpy(),
        "victim_age": people.age_at(vic["dob"].to_numpy(), days).astype(str),
        "victim_ethnicity": vic["ethnicity"].to_numpy(),
    })


def dumping(world, period, scale) -> pd.DataFrame:
    """Synthetic supply of ``ea_illegal_dumping`` (Illegal dumping (fly-tipping)) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = dumping(world, period, 0.05)
    >>> len(frame) > 0, _canonical(frame, "ea_illegal_dumping")       # the columns of ea_illegal_dumping
    (True, True)
    """
    rng = world.rng
    n = tm.count_for(rng, period, 40, scale)
    days = tm.sample_days(rng, period, n)
    idx = world.postcodes_by_deprivation(n, 1.3)
    return pd.DataFrame({
        "incident_ref": _refs("EA", days),
        "incident_type": rng.choice(["household waste", "construction waste", "tyres", "green waste",
                                     "commercial waste"], size=n),
        "committed_from_date": tm.fmt_day(days), "committed_from_time": None,
        "committed_to_date": tm.fmt_day(days + rng.integers(0, 3, n).astype("timedelta64[D]")),
        "committed_to_time": None, **_located(world, idx, 60),
    })


def waste_sites(world, period, scale, people) -> pd.DataFrame:
    """Synthetic supply of ``ea_waste_site`` (Illegal waste sites) for the build period at ``scale``.

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = waste_sites(world, period, 0.05, people)
    >>> len(frame) > 0, _canonical(frame, "ea_waste_site")       # the columns of ea_waste_site
    (True, True)
    """
    rng = world.rng
    n = max(int(25 * max(scale, 0.2)), 5)
    idx = world.postcodes_by_deprivation(n, 1.0)
    owners = people.persons(n, "WO", age_range=(25, 70), male_share=0.8)
    days = tm.sample_days(rng, period, n)
    e, nn = world.jitter(idx, 50)
    return pd.DataFrame({
        "site_ref": [f"WS{i:04d}" for i in range(1, n + 1)],
        "site_name": [f"Yard off {s}" for s in world.street_for(idx)],
        "site_owner": owners["name"].to_numpy(),
        "waste_type": rng.choice(["end-of-life vehicles", "tyres", "construction and demolition",
                                  "mixed household", "metals"], size=n),
        "date_identified": tm.fmt_day(days), "site_address": world.addresses(idx),
        "postcode": world.city["postcode"].to_numpy()[idx], "easting": e, "northing": nn,
    })


INTEL_CATEGORIES = {"drugs supply": 0.3, "anti-social behaviour": 0.2, "cuckooing": 0.08,
                    "child sexual exploitation": 0.07, "knife crime": 0.1, "modern slavery": 0.05,
                    "organised crime": 0.1, "domestic abuse": 0.1}
SOURCE_TYPES = {"housing officer": 0.3, "school staff": 0.15, "health worker": 0.15, "youth worker": 0.1,
                "council officer": 0.15, "third sector": 0.15}
STATUSES = {"new": 0.1, "triaged": 0.3, "transferred": 0.45, "no further action": 0.15}
AGENCIES = ["Nottingham City Homes", "Nottingham City Council", "Nottinghamshire Fire and Rescue",
            "NHS Nottingham", "Framework Housing", "Nottingham schools"]


def intelligence(world, period, scale, people) -> pd.DataFrame:
    """PIP-style partner intelligence with a planted cuckooing cluster (``effects``).

    Examples
    --------
    >>> world, period, people = _example_inputs()
    >>> frame = intelligence(world, period, 0.05, people)
    >>> len(frame) > 0, _canonical(frame, "partner_intelligence")       # the columns of partner_intelligence
    (True, True)
    """
    rng = world.rng
    n = tm.count_for(rng, period, fx.INTELLIGENCE_RATE, scale)
    days = tm.sample_days(rng, period, n)
    cat = rng.choice(list(INTEL_CATEGORIES), size=n, p=list(INTEL_CATEGORIES.values()))
    idx = world.postcodes_by_deprivation(n, 1.5)
    cur = tm.BuildPeriod(period.current_start(), period.end)
    k = tm.count_for(rng, cur, fx.CUCKOOING_EXTRA_PER_MONTH, scale)
    worst = world.city_lsoas.sort_values("imd_rank")["lsoa_code"].to_numpy()[:2]
    idx = np.concatenate([idx, world.postcodes_in_lsoas(rng.choice(worst, size=k))])
    days = np.concatenate([days, tm.sample_days(rng, cur, k)])
    cat = np.concatenate([cat, np.full(k, "cuckooing", dtype=object)])
    m = len(days)
    minutes = tm.sample_minutes(rng, m, tm.HOURS_DAYTIME)
    submitted = [f"{d}T{t}:00" for d, t in zip(tm.fmt_day(days), tm.fmt_minutes(minutes))]
    subjects = people.persons(m, "SU", age_range=(16, 50), male_share=0.75)
    staff = people.persons(m, "ST", age_range=(22, 64))
    street = world.street_for(idx)
    text = [f"Report of {c} activity around {s}; visitors at all hours." for c, s in zip(cat, street)]
    order = np.argsort(days, kind="stable")
    f = pd.DataFrame({
        "submission_ref": _refs("PIP", days), "submitted_at": submitted,
        "partner_agency": np.array(AGENCIES, dtype=object)[rng.integers(0, len(AGENCIES), m)],
        "submitter": staff["name"].to_numpy(),
        "source_type": choice_weighted(rng, SOURCE_TYPES, m),
        "source_details": [f"resident at {a}" for a in world.addresses(idx)],
        "anonymity_requested": np.where(rng.random(m) < 0.3, "Y", "N"), "category": cat,
        "intelligence_text": text, "subjects": subjects["name"].to_numpy(),
        "location": street, "postcode": world.city["postcode"].to_numpy()[idx],
        "easting": world.city["easting"].to_numpy()[idx], "northing": world.city["northing"].to_numpy()[idx],
        "source_evaluation": rng.choice(["1", "2", "3"], size=m, p=[0.2, 0.5, 0.3]),
        "intelligence_assessment": rng.choice(list("ABCDE"), size=m, p=[0.1, 0.3, 0.35, 0.15, 0.1]),
        "handling_code": rng.choice(["P", "C"], size=m, p=[0.8, 0.2]),
        "status": choice_weighted(rng, STATUSES, m), "triage_notes": None,
    })
    return f.iloc[order].reset_index(drop=True)


def _example_inputs():
    """The demo world, a two-year build period (2023–2024) and its people: the examples' inputs."""
    from workbench.demo.people import People
    from workbench.demo.timing import BuildPeriod
    from workbench.demo.world import World

    world = World()
    period = BuildPeriod.of("2023-01-01", "2024-12-31")
    return world, period, People(world, period)


def _canonical(frame: pd.DataFrame, dataset_id: str) -> bool:
    """True when every column of ``frame`` is a column of the catalogue's ``dataset_id``."""
    from workbench import catalogue

    return set(frame.columns) <= set(catalogue.get(dataset_id).column_names)
