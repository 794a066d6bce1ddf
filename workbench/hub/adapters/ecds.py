"""ECDS / ISTV A&E extract → ``health_ae_assault`` (guidance 3.2.12; ISTV in the Emergency Care Data Set).

Information Sharing to Tackle Violence (ISTV) is the minimum dataset emergency departments share
with community safety partnerships about assault attendances; since ECDS v3 it is carried by the
Emergency Care Data Set itself. An ECDS extract has one row per attendance and names its columns
after the ECDS data elements; this adapter keeps the **assault** attendances (``INJURY INTENT``
says assault) and maps the ISTV fields:

=================================  =========================================================
``patient_ref``                    ``EMERGENCY CARE ATTENDANCE IDENTIFIER`` (or ``LOCAL
                                   PATIENT IDENTIFIER``); pseudonymised at publish
``incident_date``/``incident_time`` ``INJURY DATE``/``INJURY TIME``, else the arrival's
                                   (``EMERGENCY CARE ARRIVAL DATE``/``…TIME``)
``incident_type``                  ``assault``, with the means when given (``INJURY
                                   MECHANISM``: ``assault - knife or blade``)
``location``                       ``ASSAULT LOCATION DESCRIPTION`` (free text: geocoded at
                                   ingest against the gazetteer and the named places,
                                   :mod:`workbench.hub.geocoding`)
``location_type``                  ``INJURY PLACE TYPE`` mapped to guidance 3.2.12's list
                                   (home / in or outside licensed premise / street / other)
``age``, ``gender``, ``ethnicity`` ``AGE AT CDS ACTIVITY DATE``, ``PERSON STATED GENDER CODE``,
                                   ``ETHNIC CATEGORY`` (the demographic fields ISTV allows)
=================================  =========================================================

Never read, even when present: NHS number, names, dates of birth, the patient's home address
and postcode (an ISTV extract places the assault, not the patient's home). Column names are
matched without case, spaces or punctuation (``Injury_Date``, ``INJURY DATE``). Non-assault
attendances are not staged; the ingest result counts the assaults kept.

``INJURY INTENT`` is recognised by its label (any value containing "assault", e.g. "Alleged
assault"); an extract that exports only codes needs its assault codes listed in
:data:`ASSAULT_INTENT_CODES` (none are assumed here).

Examples
--------
>>> place_type("Licensed premises - outside"), place_type("Own home"), place_type("Park")
('outside licensed premise', 'home', 'other')
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import read_header
from workbench.hub.adapters.frames import stage_frame

NAME = "ecds_istv"
DATASETS = ("health_ae_assault",)

#: injury-intent codes a trust's extract uses for assault where it exports codes without their
#: labels (empty: intent is recognised by its label; add your extract's codes here)
ASSAULT_INTENT_CODES: frozenset[str] = frozenset()
#: normalised ECDS column names → what they feed
COLUMNS = {
    "ref": ("EMERGENCYCAREATTENDANCEIDENTIFIER", "ATTENDANCEIDENTIFIER", "LOCALPATIENTIDENTIFIER"),
    "arrival_date": ("EMERGENCYCAREARRIVALDATE", "ARRIVALDATE"),
    "arrival_time": ("EMERGENCYCAREARRIVALTIME", "ARRIVALTIME"),
    "injury_date": ("INJURYDATE",),
    "injury_time": ("INJURYTIME",),
    "intent": ("INJURYINTENT",),
    "mechanism": ("INJURYMECHANISM",),
    "place_type": ("INJURYPLACETYPE",),
    "location": ("ASSAULTLOCATIONDESCRIPTION", "ASSAULTLOCATION"),
    "age": ("AGEATCDSACTIVITYDATE", "AGE"),
    "gender": ("PERSONSTATEDGENDERCODE", "GENDER"),
    "ethnicity": ("ETHNICCATEGORY",),
}
REQUIRED = ("ref", "intent", "location")


def _norm(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper())


def _columns(header: list[str]) -> dict[str, str]:
    by_norm = {_norm(h): h for h in header}
    out = {}
    for key, names in COLUMNS.items():
        for n in names:
            if n in by_norm:
                out[key] = by_norm[n]
                break
    return out


def detect(path: Path, dataset_id: str) -> bool:
    r"""True when ``path`` is an ECDS extract CSV with the ISTV fields (reference, intent, location and a date).

    Examples
    --------
    >>> _ = Path("ecds.csv").write_text("Emergency_Care_Attendance_Identifier,Injury_Date,Injury_Intent,Assault_Location_Description\n")
    >>> _ = Path("other.csv").write_text("patient_ref,incident_date\n")
    >>> detect(Path("ecds.csv"), "health_ae_assault"), detect(Path("other.csv"), "health_ae_assault")
    (True, False)
    """
    if dataset_id not in DATASETS or path.suffix.lower() != ".csv":
        return False
    try:
        found = _columns(read_header(path))
    except (UnicodeDecodeError, OSError):
        return False
    return all(k in found for k in REQUIRED) and ("injury_date" in found or "arrival_date" in found)


def place_type(text) -> str | None:
    """Guidance 3.2.12's location type from an ECDS injury place description.

    Examples
    --------
    >>> place_type("Public house - inside"), place_type("Street or highway"), place_type(""), place_type(None)
    ('in licensed premise', 'street', None, None)
    """
    if text is None or (isinstance(text, float) and text != text) or not str(text).strip():
        return None
    t = str(text).lower()
    if any(w in t for w in ("licensed", "pub", "bar", "club", "nightclub")):
        return "outside licensed premise" if "outside" in t else "in licensed premise"
    if any(w in t for w in ("home", "dwelling", "residential", "house")):
        return "home"
    if any(w in t for w in ("street", "road", "highway", "pavement", "public place")):
        return "street"
    return "other"


def _date(s: pd.Series) -> pd.Series:
    """ECDS dates as YYYY-MM-DD (ISO, or the CCYYMMDD / DD/MM/YYYY forms trusts export)."""
    s = s.astype(str).str.strip()
    compact = s.str.fullmatch(r"\d{8}")
    out = s.copy()
    out[compact] = s[compact].str[:4] + "-" + s[compact].str[4:6] + "-" + s[compact].str[6:]
    uk = s.str.fullmatch(r"\d{2}/\d{2}/\d{4}")
    out[uk] = s[uk].str[6:] + "-" + s[uk].str[3:5] + "-" + s[uk].str[:2]
    return out.where(s != "", None)


def _time(s: pd.Series) -> pd.Series:
    s = s.astype(str).str.strip()
    out = s.str.replace(r"^(\d{2}):?(\d{2})(?::?\d{2})?$", r"\1:\2", regex=True)
    return out.where(s != "", None)


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage the assault attendances of ECDS extracts as ``health_ae_assault`` rows (other attendances and the NHS number, names and home address are never read).

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> _ = Path("ecds.csv").write_text(
    ...     "EMERGENCY CARE ATTENDANCE IDENTIFIER,INJURY DATE,INJURY TIME,INJURY INTENT,INJURY MECHANISM,"
    ...     "INJURY PLACE TYPE,ASSAULT LOCATION DESCRIPTION,NHS NUMBER\n"
    ...     "A1,20240105,2230,Alleged assault,Knife or blade,Licensed premises - outside,Outside the Bell Inn,9990001112\n"
    ...     "A2,06/01/2024,0915,Accidental,Fall,Home,,9990001113\n")
    >>> con = duckdb.connect()
    >>> stage(con, [Path("ecds.csv")], catalogue.get("health_ae_assault"), "staged")
    >>> con.execute("SELECT patient_ref, incident_type, incident_date, incident_time, location_type, _line FROM staged").fetchall()
    [('A1', 'assault - knife or blade', '2024-01-05', '22:30', 'outside licensed premise', 2)]
    >>> "nhs_number" in [d[0] for d in con.execute("SELECT * FROM staged").description]
    False
    """
    for f in files:
        header = read_header(f)
        cols = _columns(header)
        missing = [k for k in REQUIRED if k not in cols]
        if missing:
            raise SupplyRejected(ds.id, [Problem(f.name, 1, None, "the ECDS columns " + ", ".join(
                COLUMNS[k][0] for k in REQUIRED), "a header without " + ", ".join(COLUMNS[k][0] for k in missing))])
        raw = pd.read_csv(f, dtype=str, keep_default_na=False, usecols=list(dict.fromkeys(cols.values())),
                          encoding="utf-8-sig")
        raw["_line"] = range(2, len(raw) + 2)
        intent = raw[cols["intent"]].str.strip()
        keep = intent.str.lower().str.contains("assault") | intent.isin(ASSAULT_INTENT_CODES)
        a = raw[keep.to_numpy()]

        def col(key):
            return a[cols[key]] if key in cols else pd.Series([""] * len(a), index=a.index)

        inj_date, arr_date = _date(col("injury_date")), _date(col("arrival_date"))
        inj_time, arr_time = _time(col("injury_time")), _time(col("arrival_time"))
        mech = col("mechanism").str.strip()
        frame = pd.DataFrame({
            "patient_ref": col("ref").str.strip().replace("", None),
            "age": col("age").str.strip().replace("", None),
            "gender": col("gender").str.strip().replace("", None),
            "ethnicity": col("ethnicity").str.strip().replace("", None),
            "incident_type": ("assault" + (" - " + mech.str.lower()).where(mech != "", "")),
            "incident_date": inj_date.where(inj_date.notna(), arr_date),
            "incident_time": inj_time.where(inj_date.notna(), arr_time),
            "location_type": col("place_type").map(place_type),
            "location": col("location").str.strip().replace("", None),
            "_line": a["_line"],
        })
        stage_frame(con, frame, table, file=f.name)
