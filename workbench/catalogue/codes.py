"""Reference code lists checked at ingest: Home Office offence codes and the National Incident
Category List (guidance 3.4 "coding systems"; guidance 3.2.1 offence code, 3.2.2 incident type).

What an unknown code does is chosen per list and documented in ``docs/hub.md``:

- **Home Office offence codes** (``offence_code`` columns). A value that is not shaped like a
  Home Office code (one to three digits, an optional ``.N`` sub-code, an optional letter:
  ``105A``, ``8N``, ``4.10``, ``37.1``) **rejects the supply**: it cannot be an offence code
  (``ZZZ9`` is caught here). A well-formed code missing from the list is only a **quality
  warning**, because the Home Office adds codes between counting-rule years and a newer code
  is still truthful.
- **National Incident Category List** (``police_incident.incident_type``). Forces record the
  incident type at section or category level and spell categories differently, so a value
  outside the list is a **quality warning** (``uncoded:incident_type``), never a rejection.

The offence codes are the Home Office codes (``is_home_office_offence_code = Y``) of the ONS
offence hierarchy 2017/18 (``data/sample/reference/ons_crime_offence_hierarchy_home_office_codes_2017-18.csv``,
Open Government Licence v3.0), with the combined homicide code ``1-4.1-4.10-4.2`` split into
its parts.

Examples
--------
>>> is_offence_code_shape("105A"), is_offence_code_shape("ZZZ9")
(True, False)
>>> "8N" in HOME_OFFICE_OFFENCE_CODES
True
>>> "assault" in [c.lower() for c in NICL_INCIDENT_TYPES]
False
"""

from __future__ import annotations

import re

#: the shape of a Home Office offence code: 105A, 8N, 4.10, 37.1, 802
OFFENCE_CODE_RE = r"^[0-9]{1,3}(\.[0-9]{1,2})?[A-Z]?$"

#: Home Office offence codes of the ONS offence hierarchy 2017/18 (139 codes)
HOME_OFFICE_OFFENCE_CODES: frozenset[str] = frozenset((
    "1", "2", "3A", "3B", "4.1", "4.10", "4.2", "4.3", "4.4", "4.6", "4.7", "4.8", "4.9", "5D",
    "5E", "8L", "8M", "8N", "8P", "8Q", "8R", "8S", "9A", "9B", "10A", "10B", "10C", "10D",
    "11A", "13", "14", "15", "17A", "17B", "19C", "19D", "19E", "19F", "19G", "19H", "20A",
    "20B", "21", "22A", "22B", "23", "24", "26", "27", "28A", "28B", "28C", "28D", "28E", "28F",
    "28G", "28H", "29", "29A", "30A", "30B", "30C", "30D", "31", "31A", "33", "33A", "34A",
    "34B", "35", "36", "37.1", "37.2", "38", "39", "40", "41", "42", "43", "44", "45", "46",
    "47", "48", "49", "49A", "51", "52", "53B", "53C", "53D", "53E", "53F", "54", "55", "56A",
    "56B", "58A", "58B", "58C", "58D", "58J", "59", "60", "61", "61A", "62A", "66", "67", "69",
    "70", "71", "72", "73", "76", "79", "80", "81", "83", "86", "88A", "88C", "88D", "88E",
    "90", "92A", "92C", "92D", "92E", "95", "96", "99", "104", "105A", "105B", "106", "126",
    "802", "814"
))

#: National Incident Category List (Home Office, NSIR/NICL 2011): the five sections and the
#: incident categories within them, as forces record ``incident_type`` (guidance 3.2.2)
NICL_SECTIONS = ("Public Safety", "Transport", "Anti-social Behaviour", "Crime", "Administration")
NICL_INCIDENT_TYPES: tuple[str, ...] = NICL_SECTIONS + (
    # public safety and welfare
    "Absconder/AWOL", "Alarm", "Animals", "Civil Dispute", "Collapse/Illness/Injury/Trapped",
    "Concern for Safety", "Domestic Incident", "Hoax Call", "Industrial Incident/Accident",
    "Insecure Premises", "Missing Person", "Natural Disaster/Incident/Warning",
    "Protest/Demonstration", "Sudden Death", "Suspicious Circumstances", "Suspicious Package/Object",
    "Licensing", "Firearms Incident", "Abandoned Call",
    # transport
    "Road Related Offence", "Road Traffic Collision", "RTC - Damage Only", "RTC - Injury",
    "RTC - Death", "Highway Disruption", "Abandoned Vehicle", "Rail/Air/Marine Incident",
    # anti-social behaviour (NSIR)
    "ASB - Personal", "ASB - Nuisance", "ASB - Environmental",
    # crime and administration
    "Crimed Incident", "Duplicate", "Lost/Found Property", "Pre-planned Event", "Message",
)


def is_offence_code_shape(value: str) -> bool:
    """True when ``value`` is shaped like a Home Office offence code (see module docs).

    Examples
    --------
    >>> [is_offence_code_shape(v) for v in ("105A", " 8n ", "4.10", "37.1", "ZZZ9", "1000")]
    [True, True, True, True, False, False]
    """
    return re.match(OFFENCE_CODE_RE, str(value).strip().upper()) is not None
