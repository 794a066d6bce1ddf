"""Generate every synthetic dataset of the demo, in a fixed order (so a seed fixes the output).

:func:`generate` returns ``{dataset_id: [(supply_name, frame), …]}`` for every catalogue
dataset that the open sample data does not already provide. Frames have canonical column
names (``DATASETS.md``) and are ingested by :mod:`workbench.demo.build` through the hub's
validation like any other supply.
"""

from __future__ import annotations

import pandas as pd

from workbench import catalogue
from workbench.demo import context, crime, health, partners
from workbench.demo.people import People, ppo_frames
from workbench.demo.timing import BuildPeriod

#: datasets that come from the committed open data (and its synthetic households/population)
FROM_SAMPLE = ("police_uk_street", "ref_postcode", "ref_lsoa", "ref_imd")


def _by_year(frame: pd.DataFrame, ds_id: str) -> list[tuple[str, pd.DataFrame]]:
    """Split a frame into one supply per calendar year of its event date (or crime_ref year)."""
    ds = catalogue.get(ds_id)
    col = ds.date_column if ds.date_column in frame.columns else None
    if col is not None:
        years = frame[col].astype(str).str[:4]
    elif "crime_ref" in frame.columns and frame["crime_ref"].astype(str).str.match(r"^[A-Z]+\d{4}").all():
        years = frame["crime_ref"].astype(str).str.extract(r"^[A-Z]+(\d{4})")[0]
    elif ds_id == "partner_intelligence":
        years = frame["submitted_at"].astype(str).str[:4]
    else:
        return [(f"{ds_id}", frame)]
    return [(f"{ds_id}_{y}", g.reset_index(drop=True)) for y, g in frame.groupby(years, sort=True)]


def generate(world, start, end, scale: float) -> dict[str, list[tuple[str, pd.DataFrame]]]:
    """Every synthetic supply of the demo (see ``docs/demo.md`` for the planted effects).

    Examples
    --------
    >>> from workbench.demo.world import World
    >>> supplies = generate(World(), "2023-01-01", "2024-12-31", scale=0.05)     # a twentieth of the volumes
    >>> len(supplies), empty_frames(supplies), "police_crime_offence" in supplies
    (38, [], True)
    """
    period = BuildPeriod.of(start, end)
    people = People(world, period)
    out: dict[str, list[tuple[str, pd.DataFrame]]] = {}

    def add(ds_id, frame, split=True):
        out[ds_id] = _by_year(frame, ds_id) if split else [(ds_id, frame)]

    premises = people.premises()
    ev = context.events(world, period)
    add("ref_licensed_premises", premises[[c for c in premises.columns if not c.startswith("_")]], split=False)
    add("ref_events", ev, split=False)
    offences = crime.offences(world, period, scale, premises, ev)
    add("police_crime_offence", crime.offence_frame(offences, world))
    for ds_id, frame in crime.offenders_victims(offences, world, people).items():
        add(ds_id, frame)
    add("police_incident", crime.incidents(world, period, scale, ev))
    add("police_stop_search", crime.stop_search(world, period, scale, people))
    out["police_ppo"] = ppo_frames(people, period)
    for ds_id, frame in health.ae_and_ambulance(world, period, scale, offences, people, premises).items():
        add(ds_id, frame)
    for ds_id, frame in health.admissions(world, period, scale, offences, people).items():
        add(ds_id, frame)
    add("health_activity_counts", health.activity_counts(world, period, scale), split=False)
    add("drug_treatment_adult", health.drug_treatment(world, period, scale, people, young=False))
    add("drug_treatment_young", health.drug_treatment(world, period, scale, people, young=True))
    add("council_asb", partners.council_asb(world, period, scale))
    add("council_racial_incident", partners.council_racial(world, period, scale))
    add("council_rtc", partners.council_rtc(world, period, scale))
    add("council_school_exclusion", partners.school_exclusions(world, period, scale, people))
    add("fire_incident", partners.fires(world, period, scale))
    add("probation_oasys", partners.oasys(world, period, scale, people))
    add("yos_assessment", partners.yos(world, period, scale, people))
    add("prison_release", partners.releases(world, period, scale, people, young=False))
    add("yoi_release", partners.releases(world, period, scale, people, young=True))
    add("transport_btp_crime", partners.transport(world, period, scale, people, "btp"))
    add("transport_tram_incident", partners.transport(world, period, scale, people, "tram"))
    add("transport_bus_incident", partners.transport(world, period, scale, people, "bus"))
    add("ea_illegal_dumping", partners.dumping(world, period, scale))
    add("ea_waste_site", partners.waste_sites(world, period, scale, people), split=False)
    add("partner_intelligence", partners.intelligence(world, period, scale, people))
    add("survey_response", context.surveys(world, period, scale), split=False)
    weights = context.harm_weights()
    if len(weights):
        add("ref_harm_weights", weights, split=False)
    # last, and without the world's random generator: adding them changes no other dataset
    add("ref_gazetteer", context.gazetteer(world), split=False)
    add("ref_ward", context.wards(world), split=False)
    add("ref_area", context.policing_areas(world), split=False)
    return out


def missing_datasets(generated: dict) -> list[str]:
    """Catalogue datasets that neither the sample data nor the generator provides.

    Examples
    --------
    >>> "police_crime_victim" in missing_datasets({"police_crime_offence": []}), missing_datasets({}) == [
    ...     d for d in catalogue.ids() if d not in FROM_SAMPLE]
    (True, True)
    """
    have = set(generated) | set(FROM_SAMPLE)
    return [d for d in catalogue.ids() if d not in have]


def empty_frames(generated: dict) -> list[str]:
    """Generated datasets whose supplies hold no rows (a generator that produced nothing).

    Examples
    --------
    >>> empty_frames({"a": [("a", pd.DataFrame())], "b": [("b", pd.DataFrame({"x": [1]}))]})
    ['a']
    """
    return [d for d, supplies in generated.items() if sum(len(f) for _, f in supplies) == 0]


__all__ = ["FROM_SAMPLE", "generate", "missing_datasets", "empty_frames"]
