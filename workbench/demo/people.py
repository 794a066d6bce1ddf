"""Synthetic people and premises for the demo: offenders (with the PPO cohort), victims,
patients, and the licensed premises of the night-time economy.

Names are drawn from short lists of common English first names and surnames; nobody is real.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from workbench.demo import effects as fx
from workbench.demo.timing import fmt_day

FIRST_M = ["James", "Jack", "Oliver", "Harry", "Charlie", "Thomas", "George", "Daniel", "Ryan",
           "Liam", "Connor", "Kyle", "Jordan", "Lewis", "Mohammed", "Adam", "Callum", "Dean",
           "Craig", "Lee", "Mark", "Paul", "Wayne", "Jamal", "Tyler", "Reece", "Kieran"]
FIRST_F = ["Emma", "Olivia", "Sophie", "Jessica", "Chloe", "Lauren", "Amy", "Hannah", "Megan",
           "Sarah", "Rebecca", "Amira", "Gemma", "Kelly", "Stacey", "Leanne", "Natalie", "Zara"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Walker",
            "Wright", "Thompson", "Robinson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood",
            "Harris", "Clarke", "Jackson", "Turner", "Hill", "Moore", "Ahmed", "Khan", "Patel",
            "Campbell", "Bell", "Morris", "Cooper", "Ward", "Cox", "Richardson", "Mills", "Atkinson"]
#: 2011 Census-style ethnicity codes (18+1 categories shortened), weights roughly Nottingham's
ETHNICITY = {"White - British": 0.62, "White - Other": 0.06, "Asian - Pakistani": 0.06,
             "Asian - Indian": 0.03, "Black - Caribbean": 0.04, "Black - African": 0.04,
             "Mixed - White and Black Caribbean": 0.04, "Other": 0.03, "Not stated": 0.08}
OCCUPATIONS = ["unemployed", "student", "labourer", "retail worker", "driver", "care worker",
               "warehouse operative", "chef", "self-employed", "not known"]
PPO_STATUS = ("custody", "proactive targeting", "basic monitoring", "rehabilitate and resettle",
              "catch and convict", "deregistered")
PREMISES_WORDS_A = ["Red", "Old", "Royal", "Golden", "Black", "White", "Kings", "Trip", "Market",
                    "Castle", "Lace", "Robin", "Sherwood", "Canal", "Hockley", "Bridge", "Forest"]
PREMISES_WORDS_B = ["Lion", "Tavern", "Arms", "Vaults", "Lounge", "Bar", "Club", "Rooms", "Inn",
                    "Social", "Cellar", "Yard", "House", "Exchange", "Works", "Tap"]


def choice_weighted(rng, options: dict, n: int) -> np.ndarray:
    """``n`` draws from the keys of ``options`` with probabilities proportional to its values.

    Examples
    --------
    >>> choice_weighted(np.random.default_rng(0), {"a": 3, "b": 1}, 8).tolist()
    ['a', 'a', 'a', 'a', 'b', 'b', 'a', 'a']
    """
    keys = list(options)
    p = np.array([options[k] for k in keys], float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


class People:
    """Pools of synthetic people tied to a :class:`~workbench.demo.world.World`.

    Examples
    --------
    >>> from workbench.demo.partners import _example_inputs
    >>> world, period, people = _example_inputs()
    >>> p = people.persons(3, "T")
    >>> p["ref"].tolist(), list(p.columns[:4])
    (['T000001', 'T000002', 'T000003'], ['ref', 'name', 'gender', 'dob'])
    """

    def __init__(self, world, period):
        self.world = world
        self.period = period
        self.rng = np.random.default_rng(world.seed + 202)

    def persons(self, n: int, prefix: str, *, age_range=(16, 70), male_share=0.5,
                deprivation: float = 1.0, ref_digits: int = 6) -> pd.DataFrame:
        """``n`` people: ref, name, gender, date_of_birth, ethnicity, occupation, address,
        postcode index into ``world.city``."""
        rng = self.rng
        male = rng.random(n) < male_share
        first = np.where(male, np.array(FIRST_M, dtype=object)[rng.integers(0, len(FIRST_M), n)],
                         np.array(FIRST_F, dtype=object)[rng.integers(0, len(FIRST_F), n)])
        last = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
        # ages at the middle of the period
        mid = self.period.start + (self.period.end - self.period.start) // 2
        age_days = rng.integers(age_range[0] * 365, age_range[1] * 365, size=n)
        dob = mid - age_days.astype("timedelta64[D]")
        idx = self.world.postcodes_by_deprivation(n, exponent=deprivation)
        return pd.DataFrame({
            "ref": [f"{prefix}{i:0{ref_digits}d}" for i in range(1, n + 1)],
            "name": [f"{a} {b}" for a, b in zip(first, last)],
            "gender": np.where(male, "male", "female"),
            "dob": dob,
            "ethnicity": choice_weighted(rng, ETHNICITY, n),
            "occupation": np.array(OCCUPATIONS, dtype=object)[rng.integers(0, len(OCCUPATIONS), n)],
            "address": self.world.addresses(idx),
            "pc": idx,
        })

    @cached_property
    def offenders(self) -> pd.DataFrame:
        """About 9,000 offenders (× scale is applied by how often they are drawn); the first
        ``fx.PPO_COHORT`` are the PPO cohort."""
        p = self.persons(9000, "OF", age_range=(14, 60), male_share=0.82, deprivation=1.8)
        p["ppo"] = False
        p.loc[: fx.PPO_COHORT - 1, "ppo"] = True
        return p

    @cached_property
    def repeat_victims(self) -> pd.DataFrame:
        return self.persons(fx.REPEAT_VICTIM_POOL, "RV", age_range=(18, 85), male_share=0.4,
                            deprivation=1.5)

    def age_at(self, dob: np.ndarray, days: np.ndarray) -> np.ndarray:
        years = ((days.astype("datetime64[D]") - dob.astype("datetime64[D]")).astype(int) / 365.25)
        return np.clip(np.floor(years).astype(int), 0, 120)

    def draw_offenders(self, n: int, acquisitive: np.ndarray) -> np.ndarray:
        """Offender row indices: a heavy-tailed pool; acquisitive offences go to a PPO with
        probability ``fx.PPO_ACQUISITIVE_SHARE``."""
        rng = self.rng
        pool = len(self.offenders)
        # Zipf-like: a few offenders commit many offences
        ranks = np.minimum((rng.pareto(1.1, size=n) * 400).astype(int), pool - 1 - fx.PPO_COHORT)
        idx = fx.PPO_COHORT + ranks
        ppo = acquisitive & (rng.random(n) < fx.PPO_ACQUISITIVE_SHARE / max(fx.OFFENDER_SHARE, 1e-9))
        idx[ppo] = rng.integers(0, fx.PPO_COHORT, size=int(ppo.sum()))
        return idx

    def premises(self) -> pd.DataFrame:
        """Synthetic licensed premises: city-centre venues and suburban pubs/off-licences.

        ``premises_ref`` LP-0001…; the ``fx.PROBLEM_PREMISES`` are late-night venues
        (closing 03:00) in the centre.
        """
        w = self.world
        rng = np.random.default_rng(w.seed + 303)
        centre = w.centre_idx
        c_idx = centre[rng.integers(0, len(centre), size=fx.PREMISES_CENTRE)]
        others = w.residential_idx
        o_idx = others[rng.integers(0, len(others), size=fx.PREMISES_ELSEWHERE)]
        idx = np.concatenate([c_idx, o_idx])
        n = len(idx)
        names = [f"The {rng.choice(PREMISES_WORDS_A)} {rng.choice(PREMISES_WORDS_B)}" for _ in range(n)]
        refs = [f"LP-{i:04d}" for i in range(1, n + 1)]
        in_centre = np.arange(n) < fx.PREMISES_CENTRE
        closing = np.where(in_centre, rng.choice(["23:00", "00:00", "01:00", "02:00", "03:00"], size=n,
                                                 p=[0.2, 0.25, 0.25, 0.15, 0.15]),
                           rng.choice(["22:30", "23:00", "23:30", "00:00"], size=n))
        kind = np.where(rng.random(n) < 0.93, "Premises Licence", "Club Premises Certificate")
        e, nn = w.jitter(idx, sd=10.0)
        frame = pd.DataFrame({
            "premises_ref": refs, "premises_name": names,
            "address": w.addresses(idx), "postcode": w.city["postcode"].to_numpy()[idx],
            "easting": e, "northing": nn, "licence_type": kind, "latest_closing_time": closing,
            "_pc": idx, "_centre": in_centre,
        })
        problem = frame["premises_ref"].isin(fx.PROBLEM_PREMISES)
        frame.loc[problem, "latest_closing_time"] = "03:00"
        frame.loc[problem, "licence_type"] = "Premises Licence"
        # late centre venues attract most night-time violence
        late = frame["latest_closing_time"].isin(["02:00", "03:00"])
        frame["_weight"] = np.where(frame["_centre"], np.where(late, 4.0, 1.0), 0.15)
        frame.loc[problem, "_weight"] = 4.0
        return frame


def ppo_frames(people: People, period) -> list[tuple[str, pd.DataFrame]]:
    """Two PPO snapshots: one at the start, one at the current window (statuses change).

    Examples
    --------
    >>> from workbench.demo.partners import _canonical, _example_inputs
    >>> world, period, people = _example_inputs()
    >>> [(name, len(frame), _canonical(frame, "police_ppo")) for name, frame in ppo_frames(people, period)]
    [('ppo_start', 60, True), ('ppo_current', 60, True)]
    """
    rng = np.random.default_rng(people.world.seed + 404)
    cohort = people.offenders.iloc[: fx.PPO_COHORT]
    w = people.world
    offences = ["burglary", "theft from vehicle", "shoplifting", "robbery", "vehicle theft"]
    status1 = rng.choice(PPO_STATUS[:5], size=len(cohort), p=[0.25, 0.3, 0.2, 0.15, 0.1])
    status2 = status1.copy()
    change = rng.random(len(cohort)) < 0.3
    status2[change] = rng.choice(PPO_STATUS, size=int(change.sum()))
    out = []
    for label, day, status in (("start", period.start, status1), ("current", period.current_start(), status2)):
        e, n = w.jitter(cohort["pc"].to_numpy(), sd=10)
        frame = pd.DataFrame({
            "offender_ref": cohort["ref"].to_numpy(), "name": cohort["name"].to_numpy(),
            "gender": cohort["gender"].to_numpy(),
            "age": people.age_at(cohort["dob"].to_numpy(), np.full(len(cohort), day)).astype(str),
            "date_of_birth": fmt_day(cohort["dob"].to_numpy()),
            "ethnicity": cohort["ethnicity"].to_numpy(), "occupation": cohort["occupation"].to_numpy(),
            "offences": ["; ".join(rng.choice(offences, size=2, replace=False)) for _ in range(len(cohort))],
            "current_status": status, "address": cohort["address"].to_numpy(),
            "postcode": w.city["postcode"].to_numpy()[cohort["pc"].to_numpy()],
            "easting": e, "northing": n,
        })
        out.append((f"ppo_{label}", frame))
    return out
