"""The demo's planted effects: every parameter in one place (documented in ``docs/demo.md``).

The generators read these constants, ``docs/demo.md`` quotes them and ``tests/test_demo*.py``
checks that each effect is detectable in a built hub, so the three cannot drift apart.
Rates are per month for the whole of Nottingham City at ``scale=1`` (calibrated to the
committed police.uk 2018–19 rows: about 3,800 crimes and 1,070 ASB incidents a month).
"""

from __future__ import annotations

SEED = 20240601
DEFAULT_START = "2022-01-01"
DEFAULT_END = "2024-12-31"
DEFAULT_SCALE = 0.5

PARTNERSHIP = "Nottingham and Nottinghamshire"
CITY_PARTNERSHIP = "Nottingham City"

# ---------------------------------------------------------------- geography
#: Old Market Square, Nottingham (BNG metres) and the radius of the "city centre"
CITY_CENTRE = (457_220.0, 339_850.0)
CITY_CENTRE_RADIUS_M = 900.0
HOUSEHOLDS_MEAN = 14.0          # synthetic households per residential postcode (negative binomial)
PERSONS_PER_HOUSEHOLD = 2.3     # synthetic LSOA population = households × this

# ---------------------------------------------------------------- night-time economy (NTE)
#: licensed premises synthesised in the city centre / elsewhere in the city
PREMISES_CENTRE = 140
PREMISES_ELSEWHERE = 60
#: the three late venues at the heart of the planted increase (premises_ref)
PROBLEM_PREMISES = ("LP-0007", "LP-0012", "LP-0019")
#: NTE violence: Home Office codes and shares (105A assault without injury, 8N assault with
#: injury, 5D assault with intent to cause serious harm); rows carry flag_alcohol='Y' and a
#: city-centre (NG1) postcode. No other violence in NG1 carries flag_alcohol='Y'.
NTE_RATE = 170.0
NTE_CODES = {"105A": 0.60, "8N": 0.32, "5D": 0.08}
#: share of NTE violence on Friday and Saturday nights (20:00 to 05:59 the next morning)
NTE_WEEKEND_NIGHT_SHARE = 0.62
#: the planted increase: from the first day of the last CURRENT_MONTHS months of the build,
#: EXTRA 105A offences a month (×scale) at the PROBLEM_PREMISES, all on Fri/Sat nights;
#: none of them produces an A&E attendance or an ambulance call-out (a reporting effect:
#: a new venue-staff reporting scheme)
CURRENT_MONTHS = 6
UPLIFT_EXTRA_PER_MONTH = 120.0
UPLIFT_CODE = "105A"

# ---------------------------------------------------------------- health triangulation
#: probability that a police-recorded violent offence also appears at A&E / as an ambulance call-out
AE_PROBABILITY = {"8N": 0.55, "5D": 0.85, "1": 1.0, "2": 0.9, "105A": 0.08, "105B": 0.05}
AMBULANCE_PROBABILITY = {"8N": 0.30, "5D": 0.70, "1": 1.0, "2": 0.9, "105A": 0.03}
#: share of A&E assault attendances never reported to police (reported_to_police='N')
AE_UNREPORTED_SHARE = 0.40
#: share of ambulance assault call-outs with no matching police record
AMBULANCE_UNREPORTED_SHARE = 0.25

# ---------------------------------------------------------------- ASB seasonality
#: monthly multiplier 1 + ASB_AMPLITUDE·cos(2π(month − ASB_PEAK_MONTH)/12)
ASB_AMPLITUDE = 0.35
ASB_PEAK_MONTH = 7
#: Halloween and Bonfire Night (31 Oct – 5 Nov): daily ASB multiplied by this
BONFIRE_MULTIPLIER = 2.5
POLICE_ASB_RATE = 1070.0
COUNCIL_ASB_RATE = 420.0

# ---------------------------------------------------------------- repeats
#: residential burglary (28E) and criminal damage to a dwelling (58A): share that goes to a
#: small set of repeat addresses, and near-repeat burglaries (within NEAR_REPEAT_M metres and
#: NEAR_REPEAT_DAYS days of an earlier one)
REPEAT_ADDRESSES = 25
REPEAT_ADDRESS_SHARE = 0.06
NEAR_REPEAT_PROBABILITY = 0.15
NEAR_REPEAT_M = 200.0
NEAR_REPEAT_DAYS = 14
#: victims drawn from a pool of repeat victims (same date of birth and address)
REPEAT_VICTIM_POOL = 300
REPEAT_VICTIM_SHARE = 0.05

# ---------------------------------------------------------------- offenders
PPO_COHORT = 60
#: share of acquisitive crime (burglary, robbery, vehicle, theft) with a PPO as offender
PPO_ACQUISITIVE_SHARE = 0.06
OFFENDER_SHARE = 0.32         # offences with at least one identified offender
DETECTION_STATUSES = {"charged/summonsed": 0.45, "caution": 0.12, "community resolution": 0.13,
                      "penalty notice": 0.03, "no further action": 0.27}
DRUG_TEST_POSITIVE = 0.35     # positive share of drug tests on arrest (trigger offences)

# ---------------------------------------------------------------- fire
FIRE_RATE = 55.0
#: deliberate fires choose an LSOA with weight (11 − IMD decile)^FIRE_DEPRIVATION_EXPONENT
FIRE_DEPRIVATION_EXPONENT = 1.5

# ---------------------------------------------------------------- partner intelligence (PIP)
INTELLIGENCE_RATE = 30.0
#: a planted cuckooing cluster: in the last CURRENT_MONTHS months, this many extra
#: 'cuckooing' submissions a month in the 2 most deprived city LSOAs
CUCKOOING_EXTRA_PER_MONTH = 6.0

# ---------------------------------------------------------------- events
#: Goose Fair (Forest Recreation Ground): ASB incidents within 800 m multiplied during the fair
GOOSE_FAIR_SITE = (456_420.0, 341_480.0)
GOOSE_FAIR_ASB_EXTRA_PER_DAY = 6.0
#: Nottingham Forest home matches (City Ground): extra public-order offences near the ground
CITY_GROUND = (458_520.0, 338_180.0)
MATCH_DAY_EXTRA = 6.0
