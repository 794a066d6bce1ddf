"""Column types of the dataset contract and how each is stored in DuckDB.

A column *kind* names what a value means (a BNG easting, a flag, a unit postcode);
its storage type is what DuckDB holds. Validation rules for each kind live in
:mod:`workbench.hub.validate` (one place, STYLE rule 3); this module only names them.
"""

from __future__ import annotations

#: kind -> DuckDB storage type
STORAGE = {
    "text": "VARCHAR",
    "code": "VARCHAR",        # a coded value (incident type, category)
    "offence_code": "VARCHAR",  # a Home Office offence code (105A, 8N, 4.10): catalogue.codes
    "ref": "VARCHAR",         # a reference key (crime_ref, incident_ref, …)
    "date": "DATE",           # YYYY-MM-DD
    "time": "TIME",           # HH:MM (24h); HH:MM:SS also accepted
    "timestamp": "TIMESTAMP", # ISO 8601
    "month": "VARCHAR",       # YYYY-MM (police.uk month precision)
    "integer": "BIGINT",
    "number": "DOUBLE",
    "age": "VARCHAR",         # single years (0–120) or a band such as "18-24", "over 34"
    "flag": "ENUM('Y', 'N')",  # Y / N / empty (NULL); one byte a value, same text as VARCHAR
    "postcode": "VARCHAR",    # full unit postcode, normalised "NG1 5AW"
    "postcode_outward": "VARCHAR",  # outward part only, e.g. "NG1" (regulations J.9–J.10)
    "easting": "DOUBLE",      # BNG metres
    "northing": "DOUBLE",     # BNG metres
    "longitude": "DOUBLE",    # WGS84 degrees
    "latitude": "DOUBLE",     # WGS84 degrees
    "icd10": "VARCHAR",       # ICD-10 code within the blocks of regulations J.9
    "geometry": "VARCHAR",    # WKT in BNG (EPSG:27700)
}

KINDS = tuple(STORAGE)
