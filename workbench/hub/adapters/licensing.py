"""Premises licence register (esd / opendatacommunities schema) → ``ref_licensed_premises``.

Councils publish their Licensing Act 2003 register in the esd "premises licences" schema
(``CASEREFERENCE, PREMISESNAME, LOCATIONTEXT, POSTCODE, SERVICETYPELABEL, OPENINGHOURS,
STATUSLABEL, …``; e.g. Manchester's extract of 10/10/2014). Mapping:

==========================  ==========================================================
``premises_ref``            ``CASEREFERENCE`` (prefixed ``ORGANISATIONLABEL:`` when given,
                            so two councils' case numbers cannot collide)
``premises_name``           ``PREMISESNAME``
``address``                 ``LOCATIONTEXT``
``postcode``                ``POSTCODE`` when it is a full unit postcode; a partial or
                            malformed one (Manchester 2014 has ``M1``, ``M14 999``) is kept
                            in ``address`` as "(postcode as registered: …)" and ``postcode``
                            left empty, so the premises still loads (it is a reference layer;
                            the ingest core then warns of its missing location)
``licence_type``            ``SERVICETYPELABEL`` (``Premises Licence`` / ``Club Premises Certificate``)
``latest_closing_time``     the latest closing time found in ``OPENINGHOURS`` (times after
                            midnight count as late), NULL when the register gives none
``easting``/``northing``    ``GEOX``/``GEOY`` when present, else the postcode centroid (core)
==========================  ==========================================================

Only the premises are read; licence-holder and supervisor columns (personal data) are
ignored even when present.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.geo.postcode import normalise_postcode_sql
from workbench.hub.adapters.csvfiles import read_header, stage_csv
from workbench.hub.validate import q

NAME = "esd_premises_licences"
DATASETS = ("ref_licensed_premises",)
REQUIRED = ("CASEREFERENCE", "PREMISESNAME", "POSTCODE")

_RANGE = re.compile(r"(\d{1,2})[:.]?(\d{2})\s*(?:-|–|to)\s*(\d{1,2})[:.]?(\d{2})")


def latest_closing_time(text) -> str | None:
    """Latest closing time ``HH:MM`` in free-text opening hours; None when none is found.

    A closing time earlier than its opening time is after midnight and counts as later
    than any evening time.

    Examples
    --------
    >>> latest_closing_time("Mon-Thu 10:00-23:00; Fri-Sat 10:00-02:30")
    '02:30'
    >>> latest_closing_time("") is None
    True
    """
    if not text:
        return None
    best, best_key = None, -1
    for h1, m1, h2, m2 in _RANGE.findall(str(text)):
        open_min = int(h1) % 24 * 60 + int(m1)
        close_min = int(h2) % 24 * 60 + int(m2)
        if int(m1) > 59 or int(m2) > 59 or int(h1) > 24 or int(h2) > 24:
            continue
        key = close_min + (24 * 60 if close_min <= open_min else 0)
        if key > best_key:
            best_key, best = key, f"{close_min // 60:02d}:{close_min % 60:02d}"
    return best


def _upper_header(path: Path) -> list[str]:
    return [h.strip().upper() for h in read_header(path)]


def detect(path: Path, dataset_id: str) -> bool:
    r"""True when ``path`` is a CSV with the esd premises-licence columns (case-blind).

    Examples
    --------
    >>> _ = Path("licences.csv").write_text("CaseReference,PremisesName,Postcode\n")
    >>> _ = Path("other.csv").write_text("premises_ref,premises_name\n")
    >>> detect(Path("licences.csv"), "ref_licensed_premises"), detect(Path("other.csv"), "ref_licensed_premises")
    (True, False)
    """
    if path.suffix.lower() != ".csv":
        return False
    try:
        header = _upper_header(path)
    except (UnicodeDecodeError, OSError):
        return False
    return all(r in header for r in REQUIRED)


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage esd premises-licence files as ``ref_licensed_premises`` rows: postcodes normalised, the latest closing time read from the opening hours.

    Examples
    --------
    >>> from workbench import catalogue
    >>> from workbench.hub.staging import Staging
    >>> _ = Path("licences.csv").write_text("CASEREFERENCE,PREMISESNAME,POSTCODE,LOCATIONTEXT,OPENINGHOURS\n"
    ...                                     "L1,The Bell Inn,ng1 6ad,18 Angel Row,Mon-Sat 10:00-01:00\n")
    >>> con = Staging(duckdb.connect())   # one supply's staging area, as ingest makes
    >>> stage(con, [Path("licences.csv")], catalogue.get("ref_licensed_premises"), "staged")
    >>> con.execute("SELECT premises_ref, premises_name, postcode, latest_closing_time, _line FROM staged").fetchall()
    [('L1', 'The Bell Inn', 'NG1 6AD', '01:00', 2)]
    >>> con.reset()
    """
    plans = []
    for f in files:
        raw = read_header(f)
        header = [h.strip().upper() for h in raw]
        missing = [r for r in REQUIRED if r not in header]
        if missing:
            raise SupplyRejected(ds.id, [Problem(f.name, 1, None,
                                                 "the esd premises-licence columns " + ", ".join(REQUIRED),
                                                 "a header without " + ", ".join(missing))])
        plans.append((f, header))
    # registered for the life of the connection: the staged rows may be read lazily later
    try:
        con.create_function("wb_latest_closing_time", latest_closing_time, ["VARCHAR"], "VARCHAR",
                            null_handling="special", side_effects=False)
    except duckdb.Error:
        pass  # already registered on this connection by an earlier supply
    for f, header in plans:
        source = [f"c{i}" for i in range(len(header))]
        col = dict(zip(header, source))

        def pick(name: str) -> str:
            return f"NULLIF(TRIM({q(col[name])}), '')" if name in col else "NULL::VARCHAR"

        pc = pick("POSTCODE")
        valid = normalise_postcode_sql(pc)
        ref = pick("CASEREFERENCE")
        if "ORGANISATIONLABEL" in col:
            ref = (f"CASE WHEN {pick('ORGANISATIONLABEL')} IS NULL THEN {ref} "
                   f"ELSE {pick('ORGANISATIONLABEL')} || ':' || {ref} END")
        select = ", ".join([
            f"{ref} AS premises_ref",
            f"{pick('PREMISESNAME')} AS premises_name",
            f"CASE WHEN {pc} IS NOT NULL AND {valid} IS NULL "
            f"THEN concat_ws(' ', {pick('LOCATIONTEXT')}, '(postcode as registered: ' || {pc} || ')') "
            f"ELSE {pick('LOCATIONTEXT')} END AS address",
            f"{valid} AS postcode",
            f"{pick('GEOX')} AS easting",
            f"{pick('GEOY')} AS northing",
            f"{pick('SERVICETYPELABEL')} AS licence_type",
            f"wb_latest_closing_time({pick('OPENINGHOURS')}) AS latest_closing_time",
        ])
        stage_csv(con, f, table, source, select, dataset=ds.id)
