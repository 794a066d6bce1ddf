"""police.uk stop-and-search downloads → ``police_stop_search``.

Header: ``Type, Date, Part of a policing operation, Policing operation, Latitude, Longitude,
Gender, Age range, Self-defined ethnicity, Officer-defined ethnicity, Legislation, Object of
search, Outcome, Outcome linked to object of search, Removal of more than just outer
clothing`` (police.uk API "stops-street").

- ``search_ref``: police.uk publishes no identifier, so the reference is ``SS-`` + the first
  16 hex digits of SHA-256 over the record's fields and its line in the file. It is
  deterministic: the same file gives the same references (a re-published month supersedes
  rather than duplicates), and two identical searches on different lines stay two records.
- ``Date`` is an ISO timestamp in UTC; ``search_date``/``search_time`` are the **local**
  (Europe/London) date and time, so a search at 2019-05-31T23:01+00:00 is 2019-06-01 00:01.
- ``ethnicity``: self-defined, else officer-defined; ``reason``: object of search;
  ``age``: the police.uk band (``18-24``, ``over 34``, ``under 10``).
- Coordinates are WGS84; the ingest core derives easting/northing.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import csv_error_problem, read_header
from workbench.hub.adapters.frames import csv_reader_sql
from workbench.hub.validate import q

NAME = "police_uk_stop_search"
DATASETS = ("police_stop_search",)

HEADER = ["Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
          "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
          "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
          "Removal of more than just outer clothing"]


def detect(path: Path, dataset_id: str) -> bool:
    r"""True when ``path`` is a police.uk stop-and-search CSV (its header).

    Examples
    --------
    >>> _ = Path("stops.csv").write_text(",".join(HEADER) + "\n")
    >>> detect(Path("stops.csv"), "police_stop_search"), detect(Path("stops.xlsx"), "police_stop_search")
    (True, False)
    """
    if path.suffix.lower() != ".csv":
        return False
    try:
        header = [h.strip() for h in read_header(path)]
    except (UnicodeDecodeError, OSError):
        return True  # let stage() report the encoding problem
    return header == HEADER or header == []


def _v(col: str) -> str:
    return f"NULLIF(TRIM({q(col)}), '')"


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage police.uk stop-and-search files as ``table``: a deterministic reference, the local date and time, and the canonical columns.

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> from workbench.hub.staging import Staging
    >>> _ = Path("stops.csv").write_text(",".join(HEADER) + "\nPerson search,2024-07-05T22:30:00+00:00,False,,52.95,"
    ...     "-1.15,Male,18-24,White - English,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,"
    ...     "A no further action disposal,False,False\n")
    >>> con = Staging(duckdb.connect())   # one supply's staging area, as ingest makes
    >>> stage(con, [Path("stops.csv")], catalogue.get("police_stop_search"), "staged")
    >>> con.execute("SELECT search_date, search_time, reason, _line FROM staged").fetchall()   # 22:30 UTC is 23:30 BST
    [('2024-07-05', '23:30', 'Controlled drugs', 2)]
    >>> con.execute("SELECT search_ref FROM staged").fetchone()[0][:3]
    'SS-'
    >>> con.reset()
    """
    problems = []
    for f in files:
        header = [h.strip() for h in read_header(f)]
        if header != HEADER:
            problems.append(Problem(f.name, 1, None, "the police.uk stop-and-search header: "
                                    + ",".join(HEADER), ",".join(header) or "an empty file"))
    if problems:
        raise SupplyRejected(ds.id, problems)
    source = [f"c{i}" for i in range(len(HEADER))]
    c = dict(zip(HEADER, source))
    local = f"timezone('Europe/London', try_cast({_v(c['Date'])} AS TIMESTAMPTZ))"
    fields = " || chr(31) || ".join(f"coalesce({q(s)}, '')" for s in source)
    for n, f in enumerate(files):
        body = f"""
            WITH source AS (SELECT *, {local} AS _local FROM {csv_reader_sql(f, source, header=True)})
            SELECT
                'SS-' || left(sha256({fields} || chr(30) || CAST(_line AS VARCHAR)), 16) AS search_ref,
                CASE WHEN _local IS NULL THEN {_v(c['Date'])}
                     ELSE strftime(_local, '%Y-%m-%d') END AS search_date,
                CASE WHEN _local IS NULL THEN NULL ELSE strftime(_local, '%H:%M') END AS search_time,
                {_v(c['Gender'])} AS gender,
                {_v(c['Age range'])} AS age,
                coalesce({_v(c['Self-defined ethnicity'])}, {_v(c['Officer-defined ethnicity'])}) AS ethnicity,
                {_v(c['Object of search'])} AS reason,
                {_v(c['Outcome'])} AS outcome,
                NULL::VARCHAR AS location,
                NULL::VARCHAR AS postcode,
                NULL::VARCHAR AS easting,
                NULL::VARCHAR AS northing,
                {_v(c['Type'])} AS search_type,
                {_v(c['Legislation'])} AS legislation,
                {_v(c['Longitude'])} AS longitude,
                {_v(c['Latitude'])} AS latitude,
                _file, _line
            FROM source"""
        try:
            con.execute(f"INSERT INTO {table} {body}" if n else f"CREATE TEMP TABLE {table} AS {body}")
        except duckdb.Error as exc:
            raise SupplyRejected(ds.id, [csv_error_problem(f, exc)]) from None
