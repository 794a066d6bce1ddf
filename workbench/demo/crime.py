"""Synthetic police recorded crime for the demo: offences, offenders, victims, detections,
drug tests, incidents (incl. ASB), stop and search.

Offences use Home Office codes and are placed like police.uk's real 2018–19 Nottingham City
crime of the same type (:meth:`World.postcodes_for_crime_type`). The planted effects
(``workbench.demo.effects``, ``docs/demo.md``): night-time-economy violence near licensed
premises peaking on Friday/Saturday nights; an increase in less-serious violence at three
premises in the current window; repeat and near-repeat burglary; repeat victims; a PPO
cohort; seasonal ASB with a Halloween/Bonfire peak; Goose Fair ASB; match-day disorder.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.demo import effects as fx
from workbench.demo import timing as tm

#: code, offence type, police.uk crime type (for geography), monthly rate (scale 1), hours, place
OFFENCES = [
    ("105A", "Assault without injury", "Violence and sexual offences", 260, "everyday", "street"),
    ("8N", "Assault with injury", "Violence and sexual offences", 170, "evening", "street"),
    ("5D", "Assault with intent to cause serious harm", "Violence and sexual offences", 12, "evening", "street"),
    ("1", "Homicide", "Violence and sexual offences", 0.3, "evening", "residential"),
    ("2", "Attempted murder", "Violence and sexual offences", 0.5, "evening", "street"),
    ("104", "Assault without injury on a constable", "Violence and sexual offences", 18, "evening", "street"),
    ("8S", "Assault with injury on a constable", "Violence and sexual offences", 4, "evening", "street"),
    ("105B", "Racially or religiously aggravated assault without injury", "Violence and sexual offences", 8, "everyday", "street"),
    ("8L", "Harassment", "Violence and sexual offences", 120, "everyday", "residential"),
    ("8R", "Malicious Communications", "Violence and sexual offences", 110, "everyday", "residential"),
    ("8Q", "Stalking", "Violence and sexual offences", 25, "everyday", "residential"),
    ("3B", "Threats to kill", "Violence and sexual offences", 10, "everyday", "residential"),
    ("20A", "Sexual assault on a female aged 13 and over", "Violence and sexual offences", 22, "evening", "street"),
    ("19C", "Rape of a female aged 16 and over", "Violence and sexual offences", 18, "evening", "residential"),
    ("28E", "Burglary Residential", "Burglary", 150, "everyday", "residential"),
    ("28F", "Attempted Burglary Residential", "Burglary", 20, "everyday", "residential"),
    ("30C", "Burglary Business and Community", "Burglary", 55, "everyday", "street"),
    ("34B", "Robbery of personal property", "Robbery", 52, "evening", "street"),
    ("34A", "Robbery of business property", "Robbery", 6, "evening", "street"),
    ("45", "Theft from vehicle", "Vehicle crime", 170, "everyday", "street"),
    ("48", "Theft or unauthorised taking of motor vehicle", "Vehicle crime", 80, "everyday", "street"),
    ("126", "Interfering with a motor vehicle", "Vehicle crime", 29, "everyday", "street"),
    ("46", "Shoplifting", "Shoplifting", 366, "daytime", "street"),
    ("39", "Theft from the person", "Theft from the person", 156, "evening", "street"),
    ("49", "Other theft", "Other theft", 385, "everyday", "street"),
    ("44", "Theft or unauthorised taking of a pedal cycle", "Bicycle theft", 84, "daytime", "street"),
    ("58A", "Criminal damage to a dwelling", "Criminal damage and arson", 110, "evening", "residential"),
    ("58C", "Criminal damage to a vehicle", "Criminal damage and arson", 120, "evening", "street"),
    ("58B", "Criminal damage to a building other than a dwelling", "Criminal damage and arson", 45, "evening", "street"),
    ("58D", "Other criminal damage", "Criminal damage and arson", 60, "evening", "street"),
    ("56B", "Arson not endangering life", "Criminal damage and arson", 20, "evening", "street"),
    ("9A", "Public fear, alarm or distress", "Public order", 230, "evening", "street"),
    ("9B", "Racially or religiously aggravated public fear, alarm or distress", "Public order", 33, "evening", "street"),
    ("92D", "Possession of controlled drugs (excl. Cannabis)", "Drugs", 60, "evening", "street"),
    ("92E", "Possession of controlled drugs (Cannabis)", "Drugs", 120, "evening", "street"),
    ("92A", "Trafficking in controlled drugs", "Drugs", 36, "evening", "street"),
    ("10D", "Possession of article with blade or point", "Possession of weapons", 40, "evening", "street"),
    ("10C", "Possession of other weapons", "Possession of weapons", 16, "evening", "street"),
    ("99", "Other notifiable offences", "Other crime", 40, "daytime", "street"),
    ("54", "Handling stolen goods", "Other crime", 20, "daytime", "street"),
    ("83", "Bail offences", "Other crime", 38, "daytime", "street"),
]
LABEL = {o[0]: o[1] for o in OFFENCES}
HOURS = {"everyday": tm.HOURS_EVERYDAY, "evening": tm.HOURS_EVENING, "daytime": tm.HOURS_DAYTIME}
DOMESTIC_CODES = {"105A": 0.30, "8N": 0.30, "8L": 0.45, "8Q": 0.6, "3B": 0.5, "19C": 0.45, "1": 0.4}
ACQUISITIVE = {"28E", "28F", "30C", "34B", "34A", "45", "48", "126", "46", "39", "49", "44", "54"}
NO_VICTIM = {"46", "30C", "34A", "92D", "92E", "92A", "10D", "10C", "99", "83", "54", "9A", "9B", "104", "8S"}
TRIGGER = {"28E", "28F", "30C", "34B", "34A", "45", "48", "46", "39", "49", "92A", "92D"}
ENTRY = ["rear door forced", "front door forced", "window smashed", "insecure door", "lock snapped",
         "insecure window"]
PROPERTY = ["cash", "jewellery", "laptop", "mobile phone", "car keys", "bicycle", "tools", "handbag"]
OFFENCE_COLUMNS = ["crime_ref", "offence_code", "offence_type", "committed_from_date", "committed_from_time",
                   "committed_to_date", "committed_to_time", "location", "postcode", "easting", "northing",
                   "method_of_entry", "property_stolen", "weapon", "flag_distraction_burglary", "flag_drugs",
                   "flag_alcohol", "flag_racial", "flag_domestic"]


def _base(world, period, scale):
    """Everyday offences of every code in :data:`OFFENCES` (the NTE violence comes separately)."""
    rng = world.rng
    parts = []
    for code, _label, ptype, rate, hours, place in OFFENCES:
        n = tm.count_for(rng, period, rate, scale)
        if n == 0:
            continue
        if code in ("8N", "9A", "105A", "39", "34B", "58C"):
            weight = 1 + 0.15 * np.cos(2 * np.pi * (tm.month_of(period.days) - 7) / 12)
        elif code in ("28E", "28F"):
            weight = 1 + 0.25 * np.cos(2 * np.pi * (tm.month_of(period.days) - 12) / 12)  # dark evenings
        else:
            weight = None
        days = tm.sample_days(rng, period, n, weight)
        minutes = tm.sample_minutes(rng, n, HOURS[hours])
        idx = world.postcodes_for_crime_type(ptype, n)
        dom_p = DOMESTIC_CODES.get(code, 0.0)
        domestic = rng.random(n) < dom_p
        parts.append(pd.DataFrame({"code": code, "day": days, "minute": minutes, "pc": idx,
                                   "place": np.where(domestic, "residential", place),
                                   "domestic": domestic, "kind": "everyday"}))
    return pd.concat(parts, ignore_index=True)


def _repeats(world, period, frame):
    """Repeat addresses for 28E/58A and near-repeat burglaries (``effects``)."""
    rng = world.rng
    res = world.residential_idx
    repeat_pc = res[rng.integers(0, len(res), size=fx.REPEAT_ADDRESSES)]
    repeat_addr = world.addresses(repeat_pc)
    is_target = frame["code"].isin(["28E", "58A"]).to_numpy()
    move = is_target & (rng.random(len(frame)) < fx.REPEAT_ADDRESS_SHARE)
    which = rng.integers(0, fx.REPEAT_ADDRESSES, size=int(move.sum()))
    frame.loc[move, "pc"] = repeat_pc[which]
    frame["address"] = None
    frame.loc[move, "address"] = repeat_addr[which]
    # near repeats: a later burglary within NEAR_REPEAT_M metres and NEAR_REPEAT_DAYS days
    burg = frame[(frame["code"] == "28E")]
    spawn = burg[rng.random(len(burg)) < fx.NEAR_REPEAT_PROBABILITY]
    if len(spawn):
        c = world.city
        pts = c[["easting", "northing"]].to_numpy()[spawn["pc"].to_numpy()]
        near = world.tree.query_ball_point(pts, fx.NEAR_REPEAT_M)
        new_pc = np.array([nb[rng.integers(0, len(nb))] for nb in near])
        lag = rng.integers(1, fx.NEAR_REPEAT_DAYS + 1, size=len(spawn)).astype("timedelta64[D]")
        days = spawn["day"].to_numpy() + lag
        keep = days <= period.end
        extra = pd.DataFrame({"code": "28E", "day": days[keep],
                              "minute": tm.sample_minutes(rng, int(keep.sum())), "pc": new_pc[keep],
                              "place": "residential", "domestic": False, "kind": "near_repeat",
                              "address": None})
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame


def _nte(world, period, scale, premises):
    """Night-time-economy violence near licensed premises, and the planted uplift."""
    rng = world.rng
    n = tm.count_for(rng, period, fx.NTE_RATE, scale)
    days, minutes = tm.nights(rng, period, n, fx.NTE_WEEKEND_NIGHT_SHARE)
    codes = rng.choice(list(fx.NTE_CODES), size=n, p=list(fx.NTE_CODES.values()))
    centre = premises[premises["_centre"]]
    w = centre["_weight"].to_numpy()
    prem = centre.index.to_numpy()[rng.choice(len(centre), size=n, p=w / w.sum())]
    frame = pd.DataFrame({"code": codes, "day": days, "minute": minutes, "premises": prem,
                          "kind": "nte"})
    # the uplift: extra 105A at the problem premises, Fri/Sat nights, in the current window
    cur = period.current_start()
    cur_period = tm.BuildPeriod(cur, period.end)
    m = tm.count_for(rng, cur_period, fx.UPLIFT_EXTRA_PER_MONTH, scale)
    if m:
        d2, m2 = tm.nights(rng, cur_period, m, 1.0)
        probs = premises.index[premises["premises_ref"].isin(fx.PROBLEM_PREMISES)].to_numpy()
        frame = pd.concat([frame, pd.DataFrame({
            "code": fx.UPLIFT_CODE, "day": d2, "minute": m2,
            "premises": probs[rng.integers(0, len(probs), size=m)], "kind": "uplift"})],
            ignore_index=True)
    p = premises.loc[frame["premises"].to_numpy()]
    frame["pc"] = p["_pc"].to_numpy()
    frame["location"] = ("outside " + p["premises_name"].to_numpy().astype(str))
    e = p["easting"].to_numpy() + rng.normal(0, 25, len(frame))
    nn = p["northing"].to_numpy() + rng.normal(0, 25, len(frame))
    frame["easting"], frame["northing"] = np.round(e), np.round(nn)
    frame["premises_ref"] = p["premises_ref"].to_numpy()
    frame["place"] = "nte"
    frame["domestic"] = False
    frame["address"] = None
    return frame


def _events(world, period, scale, events):
    """Match-day disorder near the City Ground (extra 9A/105A on home-match days)."""
    rng = world.rng
    matches = events[events["event_name"].str.startswith("Nottingham Forest")]
    rows = []
    for day in matches["event_date"].to_numpy():
        k = rng.poisson(fx.MATCH_DAY_EXTRA * scale)
        if not k:
            continue
        rows.append(pd.DataFrame({"code": rng.choice(["9A", "105A"], size=k, p=[0.7, 0.3]),
                                  "day": np.datetime64(day, "D"), "minute": rng.integers(13 * 60, 19 * 60, size=k)}))
    if not rows:
        return None
    f = pd.concat(rows, ignore_index=True)
    near = np.array(world.tree.query_ball_point(fx.CITY_GROUND, 700.0), dtype=int)
    f["pc"] = near[rng.integers(0, len(near), size=len(f))]
    f["place"], f["domestic"], f["kind"], f["address"] = "street", False, "match_day", None
    return f


def offences(world, period, scale, premises, events) -> pd.DataFrame:
    """Every synthetic offence with internal columns (``_`` prefixed) for linked datasets.

    Examples
    --------
    >>> from workbench.demo import context
    >>> from workbench.demo.partners import _example_inputs
    >>> world, period, people = _example_inputs()
    >>> o = offences(world, period, 0.05, people.premises(), context.events(world, period))
    >>> len(o) > 1000, list(o.columns[:3])                   # internal form: code, day, minute of day
    (True, ['code', 'day', 'minute'])
    """
    rng = world.rng
    base = _repeats(world, period, _base(world, period, scale))
    parts = [base, _nte(world, period, scale, premises)]
    md = _events(world, period, scale, events)
    if md is not None:
        parts.append(md)
    f = pd.concat(parts, ignore_index=True)
    f = f.sort_values(["day", "minute"], kind="stable").reset_index(drop=True)
    n = len(f)
    c = world.city
    need_xy = f["easting"].isna().to_numpy() if "easting" in f else np.ones(n, bool)
    e, nn = world.jitter(f["pc"].to_numpy(), sd=20.0)
    f["easting"] = np.where(need_xy, e, f.get("easting", e))
    f["northing"] = np.where(need_xy, nn, f.get("northing", nn))
    street = world.street_for(f["pc"].to_numpy())
    house = world.addresses(f["pc"].to_numpy())
    residential = (f["place"] == "residential").to_numpy()
    loc = np.where(residential, house, street)
    loc = np.where(f["address"].notna().to_numpy(), f["address"].to_numpy(), loc)
    if "location" in f:
        loc = np.where(f["location"].notna().to_numpy(), f["location"].to_numpy(), loc)
    f["location"] = loc
    f["postcode"] = c["postcode"].to_numpy()[f["pc"].to_numpy()]
    years = pd.DatetimeIndex(f["day"].to_numpy()).year.to_numpy()
    seq = f.groupby(years).cumcount().to_numpy() + 1
    f["crime_ref"] = [f"CR{y}{s:06d}" for y, s in zip(years, seq)]
    # unwitnessed offences get a committed-to window (aoristic analysis)
    window = f["code"].isin(["28E", "28F", "30C", "45", "48", "126", "58A", "58C", "58B", "44"]).to_numpy()
    length = rng.integers(60, 14 * 60, size=n)
    end_min = f["minute"].to_numpy() + np.where(window, length, 0)
    f["to_day"] = f["day"].to_numpy() + (end_min // 1440).astype("timedelta64[D]")
    f["to_minute"] = end_min % 1440
    f["window"] = window
    return f


def offence_frame(f: pd.DataFrame, world) -> pd.DataFrame:
    """``police_crime_offence`` rows from :func:`offences`.

    Examples
    --------
    >>> from workbench.demo.partners import _canonical
    >>> world, people, o = _example_offences()
    >>> f = offence_frame(o, world)
    >>> len(f) == len(o), _canonical(f, "police_crime_offence")
    (True, True)
    """
    rng = world.rng
    n = len(f)
    code = f["code"].to_numpy()
    centre = f["postcode"].str.startswith("NG1 ").to_numpy()
    nte = (f["kind"].isin(["nte", "uplift"])).to_numpy()
    alcohol = np.where(nte, rng.random(n) < 0.999,
                       (~centre) & np.isin(code, ["105A", "8N", "5D", "9A", "104"]) & (rng.random(n) < 0.2))
    weapon = np.where(code == "5D", np.where(rng.random(n) < 0.35, "knife", "blunt instrument"),
                      np.where(nte & (rng.random(n) < 0.08), "glass or bottle",
                               np.where(np.isin(code, ["10D", "34B"]) & (rng.random(n) < 0.5), "knife", None)))
    burg = np.isin(code, ["28E", "28F", "30C"])
    stolen = np.isin(code, ["28E", "30C", "34B", "39", "45", "48", "49", "44"])
    return pd.DataFrame({
        "crime_ref": f["crime_ref"], "offence_code": code, "offence_type": [LABEL.get(c, c) for c in code],
        "committed_from_date": tm.fmt_day(f["day"].to_numpy()),
        "committed_from_time": tm.fmt_minutes(f["minute"].to_numpy()),
        "committed_to_date": np.where(f["window"], tm.fmt_day(f["to_day"].to_numpy()), None),
        "committed_to_time": np.where(f["window"], tm.fmt_minutes(f["to_minute"].to_numpy()), None),
        "location": f["location"], "postcode": f["postcode"],
        "easting": f["easting"], "northing": f["northing"],
        "method_of_entry": np.where(burg, np.array(ENTRY, dtype=object)[rng.integers(0, len(ENTRY), n)], None),
        "property_stolen": np.where(stolen, np.array(PROPERTY, dtype=object)[rng.integers(0, len(PROPERTY), n)], None),
        "weapon": weapon,
        "flag_distraction_burglary": np.where(code == "28E", np.where(rng.random(n) < 0.03, "Y", "N"), None),
        "flag_drugs": np.where(np.char.startswith(code.astype(str), "92"), "Y", "N"),
        "flag_alcohol": np.where(alcohol, "Y", "N"),
        "flag_racial": np.where(np.isin(code, ["105B", "9B", "8P"]), "Y", "N"),
        "flag_domestic": np.where(f["domestic"].to_numpy(dtype=bool), "Y", "N"),
    })


def offenders_victims(f: pd.DataFrame, world, people) -> dict[str, pd.DataFrame]:
    """Offenders, victims, detections and drug tests linked to offences by ``crime_ref``.

    Examples
    --------
    >>> from workbench.demo.partners import _canonical
    >>> world, people, o = _example_offences()
    >>> {name: _canonical(frame, name) for name, frame in offenders_victims(o, world, people).items()}
    {'police_crime_offender': True, 'police_crime_victim': True, 'police_detection': True, 'police_drug_test': True}
    """
    rng = people.rng
    n = len(f)
    code = f["code"].to_numpy()
    c = world.city
    has_off = rng.random(n) < fx.OFFENDER_SHARE
    has_off |= np.isin(code, ["92A", "92D", "92E", "10D", "10C", "83", "54", "104", "8S"])  # found on arrest
    off_rows = np.flatnonzero(has_off)
    second = off_rows[rng.random(len(off_rows)) < 0.15]
    rows = np.concatenate([off_rows, second])
    acq = np.isin(code[rows], list(ACQUISITIVE))
    who = people.draw_offenders(len(rows), acq)
    o = people.offenders.iloc[who]
    days = f["day"].to_numpy()[rows]
    off_frame = pd.DataFrame({
        "crime_ref": f["crime_ref"].to_numpy()[rows], "offender_ref": o["ref"].to_numpy(),
        "gender": o["gender"].to_numpy(), "age": people.age_at(o["dob"].to_numpy(), days).astype(str),
        "date_of_birth": tm.fmt_day(o["dob"].to_numpy()), "ethnicity": o["ethnicity"].to_numpy(),
        "occupation": o["occupation"].to_numpy(), "address": o["address"].to_numpy(),
        "postcode": c["postcode"].to_numpy()[o["pc"].to_numpy()],
        "easting": c["easting"].to_numpy()[o["pc"].to_numpy()],
        "northing": c["northing"].to_numpy()[o["pc"].to_numpy()],
    }).drop_duplicates(["crime_ref", "offender_ref"])
    # victims
    vrows = np.flatnonzero(~np.isin(code, list(NO_VICTIM)))
    nv = len(vrows)
    fresh = people.persons(nv, "V", age_range=(10, 90), male_share=0.5, deprivation=1.2)
    residential = (f["place"].to_numpy()[vrows] == "residential")
    # a victim of a residential offence lives at the offence address
    fresh.loc[residential, "pc"] = f["pc"].to_numpy()[vrows][residential]
    fresh.loc[residential, "address"] = f["location"].to_numpy()[vrows][residential]
    rep = rng.random(nv) < fx.REPEAT_VICTIM_SHARE
    pool = people.repeat_victims.iloc[rng.integers(0, fx.REPEAT_VICTIM_POOL, size=int(rep.sum()))]
    for col in ("gender", "dob", "ethnicity", "occupation", "address", "pc"):
        fresh.loc[rep, col] = pool[col].to_numpy()
    domestic = f["domestic"].to_numpy(dtype=bool)[vrows]
    rel = np.where(domestic, rng.choice(["partner or ex-partner", "family member"], size=nv, p=[0.75, 0.25]),
                   rng.choice(["stranger", "acquaintance", "not known"], size=nv, p=[0.5, 0.3, 0.2]))
    vdays = f["day"].to_numpy()[vrows]
    pcs = fresh["pc"].to_numpy().astype(int)
    victims = pd.DataFrame({
        "crime_ref": f["crime_ref"].to_numpy()[vrows], "gender": fresh["gender"].to_numpy(),
        "age": people.age_at(fresh["dob"].to_numpy().astype("datetime64[D]"), vdays).astype(str),
        "date_of_birth": tm.fmt_day(fresh["dob"].to_numpy().astype("datetime64[D]")),
        "ethnicity": fresh["ethnicity"].to_numpy(), "relationship_to_offender": rel,
        "occupation": fresh["occupation"].to_numpy(), "address": fresh["address"].to_numpy(),
        "postcode": c["postcode"].to_numpy()[pcs], "easting": c["easting"].to_numpy()[pcs],
        "northing": c["northing"].to_numpy()[pcs],
    })
    # detections for offences with an identified offender
    st = list(fx.DETECTION_STATUSES)
    det = pd.DataFrame({"crime_ref": f["crime_ref"].to_numpy()[off_rows], "offence_code": code[off_rows],
                        "detection_status": rng.choice(st, size=len(off_rows),
                                                       p=list(fx.DETECTION_STATUSES.values()))})
    # drug tests on arrest for trigger offences (60 % of those with an offender)
    trig = off_rows[np.isin(code[off_rows], list(TRIGGER)) & (rng.random(len(off_rows)) < 0.6)]
    res = rng.random(len(trig))
    result = np.where(res < 0.05, "refused", np.where(res < 0.05 + fx.DRUG_TEST_POSITIVE, "positive", "negative"))
    drug = np.where(result == "positive", rng.choice(["opiates", "cocaine", "opiates and cocaine"], size=len(trig),
                                                     p=[0.3, 0.45, 0.25]), None)
    tests = pd.DataFrame({"crime_ref": f["crime_ref"].to_numpy()[trig], "offence_code": code[trig],
                          "test_result": result, "drug_type": drug})
    return {"police_crime_offender": off_frame, "police_crime_victim": victims,
            "police_detection": det, "police_drug_test": tests}


#: calls for service by National Incident Category List category (guidance 3.2.2)
INCIDENT_TYPES = {"Public Safety": 280, "Domestic Incident": 150, "Suspicious Circumstances": 120,
                  "Road Related Offence": 90, "Concern for Safety": 110}
ASB_TYPES = {"ASB - Nuisance": 0.7, "ASB - Personal": 0.2, "ASB - Environmental": 0.1}


def incidents(world, period, scale, events) -> pd.DataFrame:
    """``police_incident``: seasonal ASB (with Goose Fair extra) and other calls for service.

    Examples
    --------
    >>> from workbench.demo import context
    >>> from workbench.demo.partners import _canonical, _example_inputs
    >>> world, period, people = _example_inputs()
    >>> i = incidents(world, period, 0.05, context.events(world, period))
    >>> len(i) > 0, _canonical(i, "police_incident")
    (True, True)
    """
    rng = world.rng
    n, days = tm.seasonal_asb(rng, period, fx.POLICE_ASB_RATE, scale)
    idx = world.postcodes_for_crime_type("Anti-social behaviour", n)
    types = rng.choice(list(ASB_TYPES), size=n, p=list(ASB_TYPES.values()))
    parts = [pd.DataFrame({"type": types, "day": days, "minute": tm.sample_minutes(rng, n, tm.HOURS_EVENING),
                           "pc": idx, "dom": "N"})]
    fair = events[events["event_name"].str.startswith("Goose Fair")]
    near = np.array(world.tree.query_ball_point(fx.GOOSE_FAIR_SITE, 800.0), dtype=int)
    for day in fair["event_date"].to_numpy():
        k = rng.poisson(fx.GOOSE_FAIR_ASB_EXTRA_PER_DAY * scale)
        if k:
            parts.append(pd.DataFrame({"type": "ASB - Nuisance", "day": np.datetime64(day, "D"),
                                       "minute": rng.integers(17 * 60, 23 * 60, size=k),
                                       "pc": near[rng.integers(0, len(near), size=k)], "dom": "N"}))
    for t, rate in INCIDENT_TYPES.items():
        k = tm.count_for(rng, period, rate, scale)
        pc = world.postcodes_by_deprivation(k, 1.0) if t == "Domestic Incident" else \
            world.postcodes_for_crime_type("Other crime", k)
        parts.append(pd.DataFrame({"type": t, "day": tm.sample_days(rng, period, k),
                                   "minute": tm.sample_minutes(rng, k), "pc": pc,
                                   "dom": "Y" if t == "Domestic Incident" else "N"}))
    f = pd.concat(parts, ignore_index=True).sort_values(["day", "minute"], kind="stable").reset_index(drop=True)
    years = pd.DatetimeIndex(f["day"].to_numpy()).year.to_numpy()
    seq = f.groupby(years).cumcount().to_numpy() + 1
    e, nn = world.jitter(f["pc"].to_numpy(), sd=30.0)
    return pd.DataFrame({
        "incident_ref": [f"IN{y}{s:06d}" for y, s in zip(years, seq)], "incident_type": f["type"],
        "flag_domestic": f["dom"], "incident_date": tm.fmt_day(f["day"].to_numpy()),
        "incident_time": tm.fmt_minutes(f["minute"].to_numpy()),
        "location": world.street_for(f["pc"].to_numpy()),
        "postcode": world.city["postcode"].to_numpy()[f["pc"].to_numpy()], "easting": e, "northing": nn,
    })


def stop_search(world, period, scale, people) -> pd.DataFrame:
    """``police_stop_search``: drugs-led searches in the centre and deprived areas.

    Examples
    --------
    >>> from workbench.demo.partners import _canonical, _example_inputs
    >>> world, period, people = _example_inputs()
    >>> s = stop_search(world, period, 0.05, people)
    >>> len(s) > 0, _canonical(s, "police_stop_search")
    (True, True)
    """
    rng = world.rng
    n = tm.count_for(rng, period, 150, scale)
    days = tm.sample_days(rng, period, n)
    idx = world.postcodes_for_crime_type("Drugs", n)
    p = people.persons(n, "S", age_range=(12, 60), male_share=0.88, deprivation=1.5)
    ages = people.age_at(p["dob"].to_numpy(), days)
    band = np.select([ages < 10, ages < 18, ages < 25, ages < 35], ["under 10", "10-17", "18-24", "25-34"], "over 34")
    reason = rng.choice(["Controlled drugs", "Offensive weapons", "Stolen goods", "Article for use in theft",
                         "Firearms"], size=n, p=[0.6, 0.2, 0.1, 0.08, 0.02])
    outcome = rng.choice(["A no further action disposal", "Arrest", "Community resolution",
                          "Khat or Cannabis warning", "Summons / charged by post"], size=n,
                         p=[0.7, 0.13, 0.06, 0.08, 0.03])
    e, nn = world.jitter(idx, sd=40.0)
    years = pd.DatetimeIndex(days).year.to_numpy()
    order = np.argsort(days, kind="stable")
    seq = np.empty(n, int)
    seq[order] = pd.Series(years[order]).groupby(years[order]).cumcount().to_numpy() + 1
    return pd.DataFrame({
        "search_ref": [f"SS{y}{s:06d}" for y, s in zip(years, seq)], "search_date": tm.fmt_day(days),
        "search_time": tm.fmt_minutes(tm.sample_minutes(rng, n, tm.HOURS_EVENING)),
        "gender": p["gender"].to_numpy(), "age": band, "ethnicity": p["ethnicity"].to_numpy(),
        "reason": reason, "outcome": outcome, "location": world.street_for(idx),
        "postcode": world.city["postcode"].to_numpy()[idx], "easting": e, "northing": nn,
        "search_type": rng.choice(["Person search", "Person and Vehicle search", "Vehicle search"], size=n,
                                  p=[0.8, 0.15, 0.05]),
        "legislation": np.where(reason == "Controlled drugs", "Misuse of Drugs Act 1971 (section 23)",
                                "Police and Criminal Evidence Act 1984 (section 1)"),
    })


def _example_offences():
    """The demo world, its people and the offences of 2023–2024 at a twentieth of the volumes:
    the examples' inputs."""
    from workbench.demo import context
    from workbench.demo.partners import _example_inputs

    world, period, people = _example_inputs()
    return world, people, offences(world, period, 0.05, people.premises(), context.events(world, period))
