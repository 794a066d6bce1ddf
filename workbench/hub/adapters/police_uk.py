"""police.uk street-level crime downloads → ``police_uk_street``.

The files keep police.uk's header ``Crime ID, Month, Reported by, Falls within, Longitude,
Latitude, Location, LSOA code, LSOA name, Crime type, Last outcome category, Context`` and
may have LF or CRLF line endings. Anti-social behaviour rows have no Crime ID and identical
rows are separate incidents: every row is kept, none is de-duplicated. A force-month is the
unit of re-publication: supplying a force-month again replaces the earlier copy of that
slice (``Dataset.partition``), while an identical file is a no-op.
"""

from __future__ import annotations

from pathlib import Path

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import read_header, stage_csv
from workbench.hub.validate import q

NAME = "police_uk"
DATASETS = ("police_uk_street",)

HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
          "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
CANONICAL = ["crime_id", "month", "reported_by", "falls_within", "longitude", "latitude",
             "location", "lsoa_code", "lsoa_name", "crime_type", "last_outcome_category", "context"]


def detect(path: Path, dataset_id: str) -> bool:
    r"""True when ``path`` is a police.uk street-level CSV (its header, exactly).

    Examples
    --------
    >>> _ = Path("street.csv").write_text(",".join(HEADER) + "\n")
    >>> _ = Path("other.csv").write_text("crime_id,month\n")
    >>> detect(Path("street.csv"), "police_uk_street"), detect(Path("other.csv"), "police_uk_street")
    (True, False)
    """
    if path.suffix.lower() != ".csv":
        return False
    try:
        header = read_header(path)
    except (UnicodeDecodeError, OSError):
        return True  # let stage() report the encoding problem with its line
    return [h.strip() for h in header] == HEADER or header == []


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage police.uk files as ``table`` with the canonical column names; a file with another header rejects the supply.

    Examples
    --------
    >>> _ = Path("street.csv").write_text(",".join(HEADER) + "\n,2024-01,Notts,Notts,-1.15,52.95,On or near "
    ...                                   "High St,E01000001,Nottingham 001A,Anti-social behaviour,,\n")
    >>> import duckdb
    >>> from workbench import catalogue
    >>> from workbench.hub.staging import Staging
    >>> con = Staging(duckdb.connect())   # one supply's staging area, as ingest makes
    >>> stage(con, [Path("street.csv")], catalogue.get("police_uk_street"), "staged")
    >>> con.execute("SELECT month, crime_type, _line FROM staged").fetchall()
    [('2024-01', 'Anti-social behaviour', 2)]
    >>> con.reset()
    """
    problems = []
    for f in files:
        header = [h.strip() for h in read_header(f)]
        if header != HEADER:
            problems.append(Problem(f.name, 1, None, "the police.uk street header: " + ",".join(HEADER),
                                    ",".join(header) or "an empty file"))
    if problems:
        raise SupplyRejected(ds.id, problems)
    source = [f"c{i}" for i in range(len(HEADER))]
    select = ", ".join(f"{q(s)} AS {q(c)}" for s, c in zip(source, CANONICAL))
    for f in files:
        stage_csv(con, f, table, source, select, dataset=ds.id)
