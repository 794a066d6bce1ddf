"""Synthetic health data that tracks police violence but also holds injuries never reported
to police: A&E assault attendances, ambulance call-outs, admissions (ICD-10 blocks of
regulations J.9, domestic abuse J.10, drugs/alcohol 3.2.13), activity counts (J.11) and drug
treatment (3.2.10–3.2.11).

Linkage (``workbench.demo.effects``): each police-recorded violent offence reaches A&E with
``AE_PROBABILITY[code]`` (``reported_to_police='Y'``), never for the planted uplift rows; then
unreported attendances are added so that ``AE_UNREPORTED_SHARE`` of all attendances have
``reported_to_police='N'`` — most of them city-centre Friday/Saturday nights or at home.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.demo import effects as fx
from workbench.demo import timing as tm

ICD_ASSAULT = ["X99", "Y00", "Y04", "Y08", "X85", "Y09"]
ICD_OTHER = {"F10": 90, "F11": 14, "F12": 8, "F14": 10, "F19": 8, "T51": 12, "Y90": 5, "Y91": 4}
ADMISSION_REASONS = {"alcohol poisoning": 0.35, "alcohol-related injury": 0.2, "opiate overdose": 0.15,
                     "cocaine toxicity": 0.1, "alcohol withdrawal": 0.12, "cannabis psychosis": 0.08}


def _patients(people, n, prefix, male_share=0.6, age_range=(16, 70)):
    return people.persons(n, prefix, age_range=age_range, male_share=male_share, deprivation=1.3)


def _linked(offences: pd.DataFrame, probability: dict, rng) -> pd.DataFrame:
    p = offences["code"].map(probability).fillna(0.0).to_numpy()
    p = np.where(offences["kind"].to_numpy() == "uplift", 0.0, p)
    return offences[rng.random(len(offences)) < p]


def _unreported(world, period, n, rng, premises):
    """Unreported assaults: 65 % city-centre NTE nights near premises, 35 % at home."""
    nte = rng.random(n) < 0.65
    k = int(nte.sum())
    d1, m1 = tm.nights(rng, period, k, fx.NTE_WEEKEND_NIGHT_SHARE)
    centre = premises[premises["_centre"]]
    w = centre["_weight"].to_numpy()
    prem = centre.iloc[rng.choice(len(centre), size=k, p=w / w.sum())]
    home_n = n - k
    home_pc = world.postcodes_by_deprivation(home_n, 1.2)
    d2 = tm.sample_days(rng, period, home_n)
    m2 = tm.sample_minutes(rng, home_n, tm.HOURS_EVENING)
    e_home, n_home = world.jitter(home_pc, 15)
    return pd.DataFrame({
        "day": np.concatenate([d1, d2]), "minute": np.concatenate([m1, m2]),
        "place": np.concatenate([np.where(rng.random(k) < 0.6, "outside licensed premise", "in licensed premise"),
                                 np.full(home_n, "home")]),
        "location": np.concatenate(["outside " + prem["premises_name"].to_numpy().astype(object),
                                    world.street_for(home_pc)]),
        "easting": np.concatenate([np.round(prem["easting"].to_numpy() + rng.normal(0, 25, k)), e_home]),
        "northing": np.concatenate([np.round(prem["northing"].to_numpy() + rng.normal(0, 25, k)), n_home]),
        "reported": "N",
    })


def _from_offences(linked: pd.DataFrame, rng) -> pd.DataFrame:
    kind = linked["kind"].to_numpy()
    place = np.where(np.isin(kind, ["nte", "uplift"]),
                     np.where(rng.random(len(linked)) < 0.6, "outside licensed premise", "in licensed premise"),
                     np.where(linked["place"].to_numpy() == "residential", "home",
                              np.where(rng.random(len(linked)) < 0.7, "street", "other")))
    return pd.DataFrame({"day": linked["day"].to_numpy(), "minute": linked["minute"].to_numpy(),
                         "place": place, "location": linked["location"].to_numpy(),
                         "easting": linked["easting"].to_numpy(), "northing": linked["northing"].to_numpy(),
                         "reported": "Y"})


def _attendances(events: pd.DataFrame, world, people, prefix, rng, delay_max_min):
    events = events.sort_values(["day", "minute"], kind="stable").reset_index(drop=True)
    n = len(events)
    pts = _patients(people, n, prefix, male_share=0.7, age_range=(16, 60))
    delay = rng.integers(10, delay_max_min, size=n)
    total = events["minute"].to_numpy() + delay
    day = events["day"].to_numpy() + (total // 1440).astype("timedelta64[D]")
    c = world.city
    return events, pts, day, total % 1440, c


def ae_and_ambulance(world, period, scale, offences, people, premises) -> dict[str, pd.DataFrame]:
    """The A&E assault (ISTV) and ambulance call-out supplies: assaults linked to offences, plus those never reported to the police.

    Examples
    --------
    >>> from workbench.demo import context, crime
    >>> from workbench.demo.partners import _canonical, _example_inputs
    >>> world, period, people = _example_inputs()
    >>> premises = people.premises()
    >>> o = crime.offences(world, period, 0.05, premises, context.events(world, period))
    >>> {name: _canonical(frame, name) for name, frame in ae_and_ambulance(world, period, 0.05, o, people, premises).items()}
    {'health_ae_assault': True, 'ambulance_callout': True}
    """
    rng = np.random.default_rng(world.seed + 505)
    out = {}
    for ds, prob, share, prefix, delay in (
        ("health_ae_assault", fx.AE_PROBABILITY, fx.AE_UNREPORTED_SHARE, "AE", 240),
        ("ambulance_callout", fx.AMBULANCE_PROBABILITY, fx.AMBULANCE_UNREPORTED_SHARE, "AM", 25),
    ):
        linked = _from_offences(_linked(offences, prob, rng), rng)
        n_unrep = int(round(len(linked) * share / (1 - share)))
        ev = pd.concat([linked, _unreported(world, period, n_unrep, rng, premises)], ignore_index=True)
        ev, pts, day, minute, c = _attendances(ev, world, people, prefix, rng, delay)
        keep = day <= period.end
        pcs = pts["pc"].to_numpy()
        base = {
            "patient_ref": pts["ref"].to_numpy(), "age": people.age_at(pts["dob"].to_numpy(), day).astype(str),
            "gender": pts["gender"].to_numpy(), "ethnicity": pts["ethnicity"].to_numpy(),
            "patient_address": pts["address"].to_numpy(), "postcode": c["postcode"].to_numpy()[pcs],
            "incident_type": "assault", "incident_date": tm.fmt_day(day), "incident_time": tm.fmt_minutes(minute),
            "location": ev["location"].to_numpy(), "easting": ev["easting"].to_numpy(),
            "northing": ev["northing"].to_numpy(),
        }
        if ds == "health_ae_assault":
            base["location_type"] = ev["place"].to_numpy()
            base["reported_to_police"] = ev["reported"].to_numpy()
        else:
            # the call-out is recorded where the ambulance attended (the incident), not the home
            base["postcode"] = c["postcode"].to_numpy()[world.nearest_postcode(ev["easting"].to_numpy(),
                                                                               ev["northing"].to_numpy())]
        out[ds] = pd.DataFrame(base)[keep].reset_index(drop=True)
    return out


def admissions(world, period, scale, offences, people) -> dict[str, pd.DataFrame]:
    """Admissions: ICD-10 (J.9), domestic abuse (J.10), drugs/alcohol (3.2.13).

    Examples
    --------
    >>> from workbench.demo import context, crime
    >>> from workbench.demo.partners import _canonical, _example_inputs
    >>> world, period, people = _example_inputs()
    >>> o = crime.offences(world, period, 0.05, people.premises(), context.events(world, period))
    >>> sorted(name for name, frame in admissions(world, period, 0.05, o, people).items() if _canonical(frame, name))
    ['health_admission_domestic_abuse', 'health_admission_drug_alcohol', 'health_admission_icd']
    """
    rng = np.random.default_rng(world.seed + 606)
    c = world.city
    outward = c["outward"].to_numpy()
    # ICD-10 assault admissions follow serious violence; other blocks at steady rates
    serious = offences[offences["code"].isin(["5D", "8N", "1", "2"]).to_numpy()]
    serious = serious[rng.random(len(serious)) < np.where(serious["code"] == "8N", 0.06, 0.5)]
    assault_pc = world.postcodes_by_deprivation(len(serious), 1.2)
    rows = [pd.DataFrame({"admission_date": tm.fmt_day(serious["day"].to_numpy()),
                          "icd10_code": rng.choice(ICD_ASSAULT, size=len(serious)),
                          "postcode_outward": outward[assault_pc]})]
    for code, rate in ICD_OTHER.items():
        k = tm.count_for(rng, period, rate, scale)
        pc = world.postcodes_by_deprivation(k, 1.3)
        rows.append(pd.DataFrame({"admission_date": tm.fmt_day(tm.sample_days(rng, period, k)),
                                  "icd10_code": code, "postcode_outward": outward[pc]}))
    icd = pd.concat(rows, ignore_index=True).sort_values("admission_date", kind="stable").reset_index(drop=True)
    dom = offences[(offences["domestic"].to_numpy(dtype=bool)) & offences["code"].isin(["8N", "5D"]).to_numpy()]
    dom = dom[rng.random(len(dom)) < 0.12]
    extra = tm.count_for(rng, period, 4, scale)
    dpc = world.postcodes_by_deprivation(len(dom) + extra, 1.3)
    da = pd.DataFrame({"admission_date": tm.fmt_day(np.concatenate([dom["day"].to_numpy(),
                                                                    tm.sample_days(rng, period, extra)])),
                       "postcode_outward": outward[dpc]}).sort_values("admission_date").reset_index(drop=True)
    k = tm.count_for(rng, period, 80, scale)
    pts = _patients(people, k, "HA", male_share=0.6)
    days = tm.sample_days(rng, period, k, tm.asb_season(period.days))
    reasons = rng.choice(list(ADMISSION_REASONS), size=k, p=list(ADMISSION_REASONS.values()))
    da_frame = pd.DataFrame({"patient_ref": pts["ref"].to_numpy(),
                             "age": people.age_at(pts["dob"].to_numpy(), days).astype(str),
                             "gender": pts["gender"].to_numpy(), "ethnicity": pts["ethnicity"].to_numpy(),
                             "postcode": c["postcode"].to_numpy()[pts["pc"].to_numpy()],
                             "admission_reason": reasons, "admission_date": tm.fmt_day(days)})
    return {"health_admission_icd": icd, "health_admission_domestic_abuse": da,
            "health_admission_drug_alcohol": da_frame}


def activity_counts(world, period, scale) -> pd.DataFrame:
    """J.11 quarterly counts per outward postcode district of the city.

    Examples
    --------
    >>> from workbench.demo.partners import _canonical, _example_inputs
    >>> world, period, people = _example_inputs()
    >>> a = activity_counts(world, period, 0.05)
    >>> len(a) > 0, _canonical(a, "health_activity_counts")
    (True, True)
    """
    rng = np.random.default_rng(world.seed + 707)
    q_starts = pd.date_range(pd.Timestamp(str(period.start)).to_period("Q").start_time,
                             pd.Timestamp(str(period.end)), freq="QS")
    areas = sorted(world.city["outward"].unique())
    rows = []
    for qs in q_starts:
        qe = (qs + pd.offsets.QuarterEnd(0)).normalize()
        for a in areas:
            for measure, mean in (("mental_illness_outpatient_first_attendances", 60),
                                  ("persons_in_drug_treatment", 35)):
                rows.append({"period_start": qs.strftime("%Y-%m-%d"), "period_end": qe.strftime("%Y-%m-%d"),
                             "area_code": a, "measure": measure,
                             "count": int(rng.poisson(mean * max(scale, 0.05)))})
    return pd.DataFrame(rows)


DRUGS_ADULT = {"heroin": 0.4, "crack cocaine": 0.2, "cocaine": 0.12, "alcohol": 0.15, "cannabis": 0.08,
               "benzodiazepines": 0.05}
DRUGS_YOUNG = {"cannabis": 0.7, "alcohol": 0.15, "cocaine": 0.1, "ecstasy": 0.05}
REFERRALS = {"self": 0.4, "criminal justice (DIP)": 0.25, "GP": 0.15, "probation": 0.1, "other": 0.1}
TREATMENTS = ["structured psychosocial", "opioid substitution", "inpatient detox", "community support"]


def drug_treatment(world, period, scale, people, young: bool) -> pd.DataFrame:
    """The adult or young people's (``young``) drug treatment supply.

    Examples
    --------
    >>> from workbench.demo.partners import _canonical, _example_inputs
    >>> world, period, people = _example_inputs()
    >>> d = drug_treatment(world, period, 0.05, people, young=False)
    >>> len(d) > 0, _canonical(d, "drug_treatment_adult")
    (True, True)
    """
    rng = np.random.default_rng(world.seed + (808 if young else 909))
    k = tm.count_for(rng, period, 12 if young else 60, scale)
    pts = people.persons(k, "DY" if young else "DA", age_range=(12, 18) if young else (18, 65),
                         male_share=0.7, deprivation=1.6)
    start = tm.sample_days(rng, period, k)
    drugs = DRUGS_YOUNG if young else DRUGS_ADULT
    primary = rng.choice(list(drugs), size=k, p=list(drugs.values()))
    secondary = np.where(rng.random(k) < 0.5, rng.choice(list(drugs), size=k), None)
    secondary = np.where(secondary == primary, None, secondary)
    return pd.DataFrame({
        "client_ref": pts["ref"].to_numpy(), "age": people.age_at(pts["dob"].to_numpy(), start).astype(str),
        "gender": pts["gender"].to_numpy(), "postcode": world.city["postcode"].to_numpy()[pts["pc"].to_numpy()],
        "primary_drug": primary, "secondary_drug": secondary,
        "referral_source": rng.choice(list(REFERRALS), size=k, p=list(REFERRALS.values())),
        "treatment_type": rng.choice(TREATMENTS, size=k),
        "treatment_start_date": tm.fmt_day(start),
        "planned_discharge_date": tm.fmt_day(start + rng.integers(60, 365, size=k).astype("timedelta64[D]")),
    })
