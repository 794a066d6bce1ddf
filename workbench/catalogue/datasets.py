"""Every dataset of ``DATASETS.md`` in code: ids, canonical columns, class, tier, cadence, keys.

Sources: guidance 3.1 (Tables 1–2: core and peripheral), 3.2.1–3.2.22 (minimum datasets,
field by field), 3.3 (aggregate and context layers); regulations appendix J (the 12
statutory quarterly datasets). ``tests/test_catalogue.py`` keeps this module, the ids
and columns of ``DATASETS.md`` and the hub's real tables in step.
"""

from __future__ import annotations

from dataclasses import replace

from workbench.catalogue.codes import NICL_INCIDENT_TYPES
from workbench.catalogue.model import Column as C
from workbench.catalogue.model import Dataset

FLAG = "flag"
YN = ("Y", "N")


def _geo(location_ident: bool = False, postcode: bool = True, location: bool = True) -> list[C]:
    cols = []
    if location:
        cols.append(C("location", "text", ident=location_ident,
                      description="address or place; ident when it holds a house number or name"))
    if postcode:
        cols.append(C("postcode", "postcode"))
    cols += [C("easting", "easting"), C("northing", "northing")]
    return cols


def _release_columns() -> tuple[C, ...]:
    return (
        C("name", "text", ident=True), C("gender", "code"), C("date_of_birth", "date", ident=True),
        C("sentence_length_months", "number"), C("offence", "text"),
        C("release_date", "date", required=True), C("release_address", "text", ident=True),
        C("postcode", "postcode"), C("easting", "easting"), C("northing", "northing"),
    )


def _treatment_columns() -> tuple[C, ...]:
    return (
        C("client_ref", "ref", required=True), C("age", "age"), C("gender", "code"),
        C("postcode", "postcode"), C("primary_drug", "code"), C("secondary_drug", "code"),
        C("referral_source", "code"), C("treatment_type", "code"),
        C("treatment_start_date", "date", required=True), C("planned_discharge_date", "date"),
    )


def _transport_columns() -> tuple[C, ...]:
    return (
        C("crime_ref", "ref", required=True), C("offence_type", "code"),
        C("incident_date", "date", required=True), C("incident_time", "time"),
        C("location", "text", description="location or route"),
        C("easting", "easting"), C("northing", "northing"),
        C("offender_gender", "code"), C("offender_age", "age"), C("offender_ethnicity", "code"),
        C("victim_gender", "code"), C("victim_age", "age"), C("victim_ethnicity", "code"),
    )


FIRE_TYPES = ("deliberate primary", "deliberate secondary", "deliberate vehicle",
              "malicious false alarm", "assault on staff", "dwelling fire no smoke alarm")
AE_LOCATION_TYPES = ("home", "in licensed premise", "outside licensed premise", "street", "other")
PPO_STATUS = ("custody", "proactive targeting", "basic monitoring", "rehabilitate and resettle",
              "catch and convict", "deregistered")
RISK_LEVELS = ("high", "medium", "low")

_LTO = ("emotional_wellbeing", "thinking_behaviour", "attitudes", "accommodation", "ete",
        "financial", "relationships", "lifestyle", "drug_misuse", "alcohol_misuse")

DATASETS: tuple[Dataset, ...] = (
    # ------------------------------------------------------------------ police
    Dataset(
        "police_crime_offence", "Recorded crime: offences", "3.2.1, J.1", "police", "D",
        ("core", "statutory"), "monthly",
        (
            C("crime_ref", "ref", required=True),
            C("offence_code", "offence_code", required=True,
              description="Home Office classification code, e.g. 105A, 8N, 28E"),
            C("offence_type", "text"),
            C("committed_from_date", "date", required=True), C("committed_from_time", "time"),
            C("committed_to_date", "date"), C("committed_to_time", "time"),
            *_geo(location_ident=True),
            C("method_of_entry", "text"), C("property_stolen", "text"), C("weapon", "text"),
            C("flag_distraction_burglary", FLAG, allowed=YN, strict=True),
            C("flag_drugs", FLAG, allowed=YN, strict=True),
            C("flag_alcohol", FLAG, allowed=YN, strict=True),
            C("flag_racial", FLAG, allowed=YN, strict=True),
            C("flag_domestic", FLAG, allowed=YN, strict=True),
        ),
        key=("crime_ref",), date_column="committed_from_date",
    ),
    Dataset(
        "police_crime_offender", "Recorded crime: offenders", "3.2.1", "police", "D", ("core",),
        "monthly",
        (
            C("crime_ref", "ref", required=True), C("offender_ref", "ref", required=True),
            C("gender", "code"), C("age", "age"), C("date_of_birth", "date", ident=True),
            C("ethnicity", "code"), C("occupation", "text"), C("address", "text", ident=True),
            C("postcode", "postcode"), C("easting", "easting"), C("northing", "northing"),
        ),
        key=("crime_ref", "offender_ref"),
    ),
    Dataset(
        "police_crime_victim", "Recorded crime: victims", "3.2.1", "police", "D", ("core",),
        "monthly",
        (
            C("crime_ref", "ref", required=True), C("gender", "code"), C("age", "age"),
            C("date_of_birth", "date", ident=True), C("ethnicity", "code"),
            C("relationship_to_offender", "code"), C("occupation", "text"),
            C("address", "text", ident=True), C("postcode", "postcode"),
            C("easting", "easting"), C("northing", "northing"),
        ),
        key=("crime_ref",),
        description="a crime may have several victims: a correction for a crime_ref replaces all its victim rows",
    ),
    Dataset(
        "police_incident", "Police incidents (calls for service)", "3.2.2, J.1", "police", "D",
        ("core", "statutory"), "monthly",
        (
            C("incident_ref", "ref", required=True),
            C("incident_type", "code", allowed=NICL_INCIDENT_TYPES,
              description="National Incident Category List (outside it: a quality warning)"),
            C("flag_domestic", FLAG, allowed=YN, strict=True),
            C("incident_date", "date", required=True), C("incident_time", "time"), *_geo(),
        ),
        key=("incident_ref",), date_column="incident_date",
    ),
    Dataset(
        "police_ppo", "Prolific and other priority offenders", "3.2.7", "police", "SP", ("core",),
        "monthly",
        (
            C("offender_ref", "ref", required=True), C("name", "text", ident=True),
            C("gender", "code"), C("age", "age"), C("date_of_birth", "date", ident=True),
            C("ethnicity", "code"), C("occupation", "text"), C("offences", "text"),
            C("current_status", "code", allowed=PPO_STATUS),
            C("address", "text", ident=True), C("postcode", "postcode"),
            C("easting", "easting"), C("northing", "northing"),
        ),
        key=("offender_ref",),
    ),
    Dataset(
        "police_stop_search", "Stop and search", "3.2.20", "police", "D", ("peripheral",),
        "monthly",
        (
            C("search_ref", "ref", required=True), C("search_date", "date", required=True),
            C("search_time", "time"), C("gender", "code"), C("age", "age"), C("ethnicity", "code"),
            C("reason", "text"), C("outcome", "text"), *_geo(),
            C("search_type", "code", extra=True, description="police.uk 'Type'"),
            C("legislation", "text", extra=True, description="police.uk 'Legislation'"),
            C("longitude", "longitude", extra=True), C("latitude", "latitude", extra=True),
        ),
        key=("search_ref",), date_column="search_date",
    ),
    Dataset(
        "police_drug_test", "Drug tests on arrest (trigger offences)", "3.2.21", "police", "D",
        ("peripheral",), "monthly",
        (C("crime_ref", "ref", required=True), C("offence_code", "offence_code"),
         C("test_result", "code", allowed=("positive", "negative", "refused"), ),
         C("drug_type", "code")),
        key=("crime_ref",),
    ),
    Dataset(
        "police_detection", "Detections", "3.2.22", "police", "D", ("peripheral",), "monthly",
        (C("crime_ref", "ref", required=True), C("offence_code", "offence_code"),
         C("detection_status", "code")),
        key=("crime_ref",),
    ),
    Dataset(
        "police_uk_street", "police.uk street-level crime (open data)", "police.uk open data",
        "police", "D", ("reference",), "monthly",
        (
            C("crime_id", "ref", description="empty for anti-social behaviour; may repeat"),
            C("month", "month", required=True), C("reported_by", "text"),
            C("falls_within", "text", required=True),
            C("longitude", "longitude"), C("latitude", "latitude"), C("location", "text"),
            C("lsoa_code", "code"), C("lsoa_name", "text"), C("crime_type", "code", required=True),
            C("last_outcome_category", "text"), C("context", "text"),
            C("easting", "easting", extra=True, description="derived from longitude/latitude (pyproj)"),
            C("northing", "northing", extra=True, description="derived from longitude/latitude (pyproj)"),
        ),
        partition=("falls_within", "month"),
        description="already anonymised by police.uk to map points; month precision only; "
                    "identical rows are separate incidents and are all kept",
    ),
    # ------------------------------------------------------------ local authority
    Dataset(
        "council_asb", "Council-recorded anti-social behaviour", "3.2.3, J.8", "local_authority",
        "D", ("core", "statutory"), "monthly",
        (
            C("incident_ref", "ref", required=True), C("incident_type", "code"),
            C("incident_date", "date", required=True), C("incident_time", "time"),
            C("damage_value", "number"), C("waste_size", "code"), C("vehicle_make", "text"),
            C("vehicle_model", "text"), C("vehicle_age", "number"),
            C("vehicle_registered_address", "text", ident=True), *_geo(),
        ),
        key=("incident_ref",), date_column="incident_date",
    ),
    Dataset(
        "council_racial_incident", "Racial incidents reported to the council", "J.7",
        "local_authority", "D", ("statutory",), "quarterly",
        (C("incident_ref", "ref", required=True), C("incident_date", "date", required=True),
         C("incident_time", "time"), *_geo()),
        key=("incident_ref",), date_column="incident_date",
    ),
    Dataset(
        "council_rtc", "Road traffic collisions", "J.5", "local_authority", "D", ("statutory",),
        "quarterly",
        (
            C("collision_ref", "ref", required=True), C("collision_date", "date", required=True),
            C("collision_time", "time"), *_geo(),
            C("adults_killed", "integer"), C("adults_seriously_injured", "integer"),
            C("adults_slightly_injured", "integer"), C("children_killed", "integer"),
            C("children_seriously_injured", "integer"), C("children_slightly_injured", "integer"),
        ),
        key=("collision_ref",), date_column="collision_date",
    ),
    Dataset(
        "council_school_exclusion", "School exclusions", "3.2.18, J.6", "local_authority", "D",
        ("peripheral", "statutory"), "quarterly",
        (
            C("gender", "code"), C("age", "age"), C("ethnicity", "code"), C("school_name", "text"),
            C("school_address", "text"), C("easting", "easting"), C("northing", "northing"),
            C("exclusion_type", "code", allowed=("fixed-term", "permanent")),
            C("exclusion_reason", "text"),
            C("exclusion_date", "date", extra=True,
              description="added so quarterly supplies can be placed in time; may be empty"),
        ),
        date_column="exclusion_date",
    ),
    # ------------------------------------------------------------ fire and rescue
    Dataset(
        "fire_incident", "Fire and rescue incidents", "3.2.4, J.3–J.4", "fire_and_rescue", "D",
        ("core", "statutory"), "monthly",
        (
            C("incident_ref", "ref", required=True),
            C("incident_type", "code", allowed=FIRE_TYPES),
            C("incident_date", "date", required=True), C("incident_time", "time"),
            C("casualties", "integer"), *_geo(),
        ),
        key=("incident_ref",), date_column="incident_date",
    ),
    # ------------------------------------------------- probation, youth justice, prisons
    Dataset(
        "probation_oasys", "Probation OASys assessments", "3.2.5", "probation", "D", ("core",),
        "quarterly",
        (
            C("client_ref", "ref", required=True), C("age", "age"), C("gender", "code"),
            C("postcode", "postcode"), C("offence_description", "text"),
            *[C(f"lto_{n}", FLAG, allowed=YN, strict=True,
                description="link to offending identified") for n in _LTO],
            C("assessment_date", "date", required=True),
            C("reconviction_risk", "code", allowed=RISK_LEVELS),
            C("harm_risk", "code"), C("supervision_months", "number"),
        ),
        key=("client_ref", "assessment_date"), date_column="assessment_date",
    ),
    Dataset(
        "yos_assessment", "Youth offending service (ASSET) assessments", "3.2.6",
        "youth_offending_service", "D", ("core",), "quarterly",
        (
            C("client_ref", "ref", required=True), C("age", "age"), C("gender", "code"),
            C("postcode", "postcode"), C("offence_description", "text"),
            C("flag_persistent", FLAG, allowed=YN, strict=True),
            C("assessment_date", "date", required=True),
            *[C(f"risk_{i}", "integer",
                description=("risk of harm" if i == 13 else "vulnerability" if i == 14
                             else f"ASSET rating category {i} (0–4)")) for i in range(1, 15)],
        ),
        key=("client_ref", "assessment_date"), date_column="assessment_date",
    ),
    Dataset(
        "prison_release", "Prison releases", "3.2.8", "prison_service", "P", ("peripheral",),
        "monthly", _release_columns(), date_column="release_date",
    ),
    Dataset(
        "yoi_release", "Young offender institution releases", "3.2.9", "prison_service", "P",
        ("peripheral",), "monthly", _release_columns(), date_column="release_date",
    ),
    # ------------------------------------------------------ health, drugs and alcohol
    Dataset(
        "drug_treatment_adult", "Adult drug treatment", "3.2.10", "drug_action_team", "D",
        ("peripheral",), "quarterly", _treatment_columns(),
        key=("client_ref", "treatment_start_date"), date_column="treatment_start_date",
    ),
    Dataset(
        "drug_treatment_young", "Young people's drug treatment", "3.2.11", "drug_action_team",
        "D", ("peripheral",), "quarterly", _treatment_columns(),
        key=("client_ref", "treatment_start_date"), date_column="treatment_start_date",
    ),
    Dataset(
        "health_ae_assault", "A&E attendances for assault", "3.2.12", "health_ae", "D",
        ("peripheral", "core"), "monthly",
        (
            C("patient_ref", "ref", required=True), C("age", "age"), C("gender", "code"),
            C("ethnicity", "code"), C("patient_address", "text", ident=True),
            C("postcode", "postcode"), C("incident_type", "code"),
            C("incident_date", "date", required=True), C("incident_time", "time"),
            C("location_type", "code", allowed=AE_LOCATION_TYPES),
            C("location", "text"), C("easting", "easting"), C("northing", "northing"),
            C("reported_to_police", FLAG, allowed=YN, strict=True),
        ),
        key=("patient_ref", "incident_date"), date_column="incident_date",
    ),
    Dataset(
        "health_admission_drug_alcohol", "Hospital admissions: drugs and alcohol", "3.2.13",
        "health_trust", "D", ("peripheral",), "quarterly",
        (C("patient_ref", "ref", required=True), C("age", "age"), C("gender", "code"),
         C("ethnicity", "code"), C("postcode", "postcode"), C("admission_reason", "text"),
         C("admission_date", "date", extra=True,
           description="added so supplies can be placed in time; may be empty")),
        date_column="admission_date",
    ),
    Dataset(
        "health_admission_icd", "Hospital admissions by ICD-10 block", "J.9", "health_trust", "D",
        ("statutory",), "quarterly",
        (C("admission_date", "date", required=True), C("icd10_code", "icd10", required=True),
         C("postcode_outward", "postcode_outward")),
        date_column="admission_date",
    ),
    Dataset(
        "health_admission_domestic_abuse", "Hospital admissions: domestic abuse", "J.10",
        "health_trust", "D", ("statutory",), "quarterly",
        (C("admission_date", "date", required=True), C("postcode_outward", "postcode_outward")),
        date_column="admission_date",
    ),
    Dataset(
        "health_activity_counts", "Health activity counts", "J.11", "health_trust", "aggregate",
        ("statutory",), "quarterly",
        (C("period_start", "date", required=True), C("period_end", "date", required=True),
         C("area_code", "code", required=True),
         C("measure", "code", required=True, strict=True,
           allowed=("mental_illness_outpatient_first_attendances", "persons_in_drug_treatment")),
         C("count", "integer", required=True)),
        key=("period_start", "period_end", "area_code", "measure"), date_column="period_start",
    ),
    Dataset(
        "ambulance_callout", "Ambulance call-outs", "3.2.14, J.12", "ambulance", "D",
        ("peripheral", "statutory"), "monthly",
        (
            C("patient_ref", "ref", required=True), C("age", "age"), C("gender", "code"),
            C("ethnicity", "code"), C("patient_address", "text", ident=True),
            C("incident_type", "code"), C("incident_date", "date", required=True),
            C("incident_time", "time"), *_geo(),
        ),
        key=("patient_ref", "incident_date"), date_column="incident_date",
    ),
    # ------------------------------------------------------ transport and environment
    Dataset("transport_btp_crime", "British Transport Police crime", "3.2.15",
            "british_transport_police", "D", ("peripheral",), "monthly", _transport_columns(),
            key=("crime_ref",), date_column="incident_date"),
    Dataset("transport_tram_incident", "Tram incidents", "3.2.16", "tram_operator", "D",
            ("peripheral",), "monthly", _transport_columns(), key=("crime_ref",),
            date_column="incident_date"),
    Dataset("transport_bus_incident", "Bus incidents", "3.2.17", "bus_operator", "D",
            ("peripheral",), "monthly", _transport_columns(), key=("crime_ref",),
            date_column="incident_date"),
    Dataset(
        "ea_illegal_dumping", "Illegal dumping (fly-tipping)", "3.2.19 A", "environment_agency",
        "P", ("peripheral",), "quarterly",
        (
            C("incident_ref", "ref", required=True), C("incident_type", "code"),
            C("committed_from_date", "date", required=True), C("committed_from_time", "time"),
            C("committed_to_date", "date"), C("committed_to_time", "time"), *_geo(),
        ),
        key=("incident_ref",), date_column="committed_from_date",
    ),
    Dataset(
        "ea_waste_site", "Illegal waste sites", "3.2.19 B", "environment_agency", "P",
        ("peripheral",), "quarterly",
        (
            C("site_ref", "ref", required=True), C("site_name", "text"),
            C("site_owner", "text", ident=True), C("waste_type", "code"),
            C("date_identified", "date"), C("site_address", "text"), C("postcode", "postcode"),
            C("easting", "easting"), C("northing", "northing"),
        ),
        key=("site_ref",), date_column="date_identified",
    ),
    # ------------------------------------------------------- partner intelligence
    Dataset(
        "partner_intelligence", "Partner intelligence (portal submissions)", "reference 000/001",
        "portal", "SP", ("core",), "as_needed",
        (
            C("submission_ref", "ref", required=True), C("submitted_at", "timestamp", required=True),
            C("partner_agency", "text"), C("submitter", "text", ident=True),
            C("source_type", "code"),
            C("source_details", "text", ident=True,
              description="sanitised: visible only to vetted reviewers"),
            C("anonymity_requested", FLAG, allowed=YN, strict=True),
            C("category", "code"), C("intelligence_text", "text"),
            C("subjects", "text", ident=True), C("location", "text"), C("postcode", "postcode"),
            C("easting", "easting"), C("northing", "northing"),
            C("source_evaluation", "code", allowed=("1", "2", "3"), strict=True),
            C("intelligence_assessment", "code", allowed=("A", "B", "C", "D", "E"), strict=True),
            C("handling_code", "code", allowed=("P", "C"), strict=True),
            C("status", "code"), C("triage_notes", "text"),
        ),
        key=("submission_ref",),
    ),
    # ------------------------------------------------------------ reference layers
    Dataset(
        "ref_postcode", "Postcode centroids and households", "3.3, Appendix 1", "reference",
        "reference", ("reference",), "as_needed",
        (
            C("postcode", "postcode", required=True), C("easting", "easting"),
            C("northing", "northing"), C("latitude", "latitude"), C("longitude", "longitude"),
            C("households", "integer",
              description="drives the >=4-household rule of Appendix 1"),
            C("lsoa_code", "code"),
            C("households_synthetic", FLAG, allowed=YN, strict=True, extra=True,
              description="Y when households were synthesised (demo area), not supplied"),
            C("ward_code", "code", extra=True,
              description="electoral ward (ONS code, Code-Point Open Admin_ward_code): wards as reporting units"),
        ),
        key=("postcode",),
    ),
    Dataset(
        "ref_lsoa", "LSOA boundaries and population", "3.3", "reference", "reference",
        ("reference",), "as_needed",
        (C("lsoa_code", "code", required=True), C("lsoa_name", "text"),
         C("geometry", "geometry"), C("population", "integer")),
        key=("lsoa_code",),
    ),
    Dataset(
        "ref_imd", "Index of Multiple Deprivation 2019", "3.3", "reference", "reference",
        ("reference",), "as_needed",
        (C("lsoa_code", "code", required=True), C("imd_score", "number"),
         C("imd_rank", "integer"), C("imd_decile", "integer")),
        key=("lsoa_code",),
    ),
    Dataset(
        "ref_gazetteer", "Local land and property gazetteer (address points)", "3.3, Appendix 1",
        "reference", "reference", ("reference",), "as_needed",
        (C("uprn", "ref", required=True, description="Unique Property Reference Number"),
         C("address", "text", required=True, description="full address as the gazetteer writes it"),
         C("street", "text", description="street descriptor, when the extract has it"),
         C("town", "text", description="locality or town, when the extract has it"),
         C("postcode", "postcode"), C("easting", "easting", required=True),
         C("northing", "northing", required=True)),
        key=("uprn",),
        description="the council's LLPG or an AddressBase-style extract; address-only records are "
                    "geocoded against it at ingest (workbench.hub.geocoding). Master tier only: "
                    "never published (licensed data, and a list of every address).",
    ),
    Dataset(
        "ref_ward", "Electoral wards (codes, names, optional boundaries)", "3.3.1", "reference",
        "reference", ("reference",), "as_needed",
        (C("ward_code", "code", required=True, description="ONS ward code, e.g. E05012275"),
         C("ward_name", "text"), C("geometry", "geometry", description="BNG WKT, when boundaries are supplied")),
        key=("ward_code",),
        description="ward names from an ONS lookup (WDyyCD, WDyyNM) and, optionally, ward boundaries; "
                    "records reach their ward through their postcode (ref_postcode.ward_code)",
    ),
    Dataset(
        "ref_area", "User-defined areas (neighbourhood policing areas, beats, project areas)", "3.3.1",
        "reference", "reference", ("reference",), "as_needed",
        (C("area_set", "code", required=True, description="the family of areas, e.g. npa, beat, project"),
         C("area_code", "code", required=True), C("area_name", "text"),
         C("geometry", "geometry", required=True, description="BNG WKT")),
        key=("area_set", "area_code"),
        description="polygons from GeoJSON, GeoPackage or shapefile: reporting units across analysis "
                    "and products (workbench.analysis.units)",
    ),
    Dataset(
        "ref_licensed_premises", "Licensed premises register", "3.3, 3.1.2", "reference",
        "reference", ("reference",), "as_needed",
        (C("premises_ref", "ref", required=True), C("premises_name", "text"), C("address", "text"),
         C("postcode", "postcode"), C("easting", "easting"), C("northing", "northing"),
         C("licence_type", "code"), C("latest_closing_time", "time")),
        key=("premises_ref",),
    ),
    Dataset(
        "ref_harm_weights", "Crime harm weights", "3.3", "reference", "reference", ("reference",),
        "as_needed",
        (C("offence_code", "code"), C("crime_type", "code"),
         C("weight_name", "code", required=True, allowed=("cchi", "ons_css")),
         C("weight", "number", required=True),
         C("source", "text", extra=True, description="provenance of the weight")),
        key=("offence_code", "crime_type", "weight_name"),
    ),
    Dataset(
        "ref_events", "Events calendar", "3.3.16", "reference", "reference", ("reference",),
        "as_needed",
        (C("event_date", "date", required=True), C("event_name", "text", required=True),
         C("location", "text"), C("easting", "easting"), C("northing", "northing")),
        key=("event_date", "event_name"), date_column="event_date",
    ),
    Dataset(
        "survey_response", "Survey responses", "3.3.3–3.3.6", "reference", "aggregate",
        ("reference",), "as_needed",
        (C("survey", "code", required=True,
           allowed=("place", "tellus", "face_the_people", "neighbourhood")),
         C("period", "text", required=True), C("area_code", "code"), C("question", "text"),
         C("response", "text"), C("count", "integer")),
        key=("survey", "period", "area_code", "question", "response"),
    ),
)


#: Quasi-identifiers and sensitive attributes of each person table of the shared tier (issue 13;
#: guidance 4.2 "depersonalised" must mean nobody can be picked out). The place of a person
#: (``postcode``, with its coordinates) is declared by ``postcode`` (or ``easting`` where the
#: table has no postcode); ``workbench.privacy.quasi`` generalises them, the checker measures
#: k and l on the built tier. Tables about places or events (offences, incidents, collisions,
#: fires) declare none: their people are not in them.
QUASI_IDENTIFIERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "police_crime_offender": (("age", "gender", "ethnicity", "postcode"), ()),
    "police_crime_victim": (("age", "gender", "ethnicity", "postcode"), ()),
    "police_stop_search": (("age", "gender", "ethnicity", "postcode", "search_date"), ("outcome",)),
    "council_school_exclusion": (("age", "gender", "ethnicity", "exclusion_date"), ("exclusion_type",)),
    "probation_oasys": (("age", "gender", "postcode", "assessment_date"), ("reconviction_risk",)),
    "yos_assessment": (("age", "gender", "postcode", "assessment_date"), ()),
    "drug_treatment_adult": (("age", "gender", "postcode", "treatment_start_date"), ("primary_drug",)),
    "drug_treatment_young": (("age", "gender", "postcode", "treatment_start_date"), ("primary_drug",)),
    "health_ae_assault": (("age", "gender", "ethnicity", "postcode", "incident_date"), ("incident_type",)),
    "health_admission_drug_alcohol": (("age", "gender", "ethnicity", "postcode", "admission_date"), ()),
    "ambulance_callout": (("age", "gender", "ethnicity", "postcode", "incident_date"), ("incident_type",)),
    **{t: (("victim_age", "victim_gender", "victim_ethnicity", "offender_age", "offender_gender",
            "offender_ethnicity", "easting", "incident_date"), ("offence_type",))
       for t in ("transport_btp_crime", "transport_tram_incident", "transport_bus_incident")},
}

DATASETS = tuple(replace(d, quasi_identifiers=QUASI_IDENTIFIERS[d.id][0], sensitive=QUASI_IDENTIFIERS[d.id][1])
                 if d.id in QUASI_IDENTIFIERS else d for d in DATASETS)
