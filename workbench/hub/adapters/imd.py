"""English Indices of Deprivation 2019 (MHCLG) CSV → ``ref_imd``.

Reads File 1 ("Index of Multiple Deprivation": rank and decile) or the files that also carry
the score (File 5 / File 7). Columns are found by their published names, e.g.
``LSOA code (2011)``, ``Index of Multiple Deprivation (IMD) Rank`` (or ``… Rank (where 1 is
most deprived)``), ``… Decile``, ``… Score``. Rank 1 is the most deprived LSOA in England.
"""

from __future__ import annotations

import re
from pathlib import Path

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import read_header, stage_csv
from workbench.hub.validate import q

NAME = "imd2019"
DATASETS = ("ref_imd",)

#: canonical column → pattern matched against the lower-cased published header
PATTERNS = {
    "lsoa_code": re.compile(r"^lsoa code"),
    "imd_score": re.compile(r"^index of multiple deprivation \(imd\) score"),
    "imd_rank": re.compile(r"^index of multiple deprivation \(imd\) rank"),
    "imd_decile": re.compile(r"^index of multiple deprivation \(imd\) decile"),
}


def match_columns(header: list[str]) -> dict[str, str]:
    """canonical name → the header cell that holds it (first match).

    Examples
    --------
    >>> match_columns("LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile".split(","))
    {'lsoa_code': 'LSOA code (2011)', 'imd_rank': 'Index of Multiple Deprivation (IMD) Rank', 'imd_decile': 'Index of Multiple Deprivation (IMD) Decile'}
    """
    out: dict[str, str] = {}
    for canonical, pattern in PATTERNS.items():
        for h in header:
            if pattern.match(h.strip().lower()):
                out[canonical] = h
                break
    return out


def detect(path: Path, dataset_id: str) -> bool:
    r"""True when ``path`` is a CSV with the published IMD 2019 columns.

    Examples
    --------
    >>> _ = Path("imd2019.csv").write_text("LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\n")
    >>> detect(Path("imd2019.csv"), "ref_imd"), detect(Path("imd2019.xlsx"), "ref_imd")
    (True, False)
    """
    if path.suffix.lower() != ".csv":
        return False
    try:
        found = match_columns(read_header(path))
    except (UnicodeDecodeError, OSError):
        return False
    return "lsoa_code" in found and ("imd_rank" in found or "imd_score" in found)


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage IMD 2019 files as ``table`` with the canonical columns (the score is NULL in File 1).

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> from workbench.hub.staging import Staging
    >>> _ = Path("imd2019.csv").write_text("LSOA code (2011),LSOA name (2011),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\nE01000001,City of London 001A,29199,10\n")
    >>> con = Staging(duckdb.connect())   # one supply's staging area, as ingest makes
    >>> stage(con, [Path("imd2019.csv")], catalogue.get("ref_imd"), "staged")
    >>> con.execute("SELECT * FROM staged").fetchall()
    [('E01000001', None, '29199', '10', 'imd2019.csv', 2)]
    >>> con.reset()
    """
    plans = []
    for f in files:
        header = read_header(f)
        found = match_columns(header)
        if "lsoa_code" not in found or not ({"imd_rank", "imd_score"} & set(found)):
            raise SupplyRejected(ds.id, [Problem(
                f.name, 1, None,
                "an IMD 2019 header with 'LSOA code (2011)' and 'Index of Multiple Deprivation "
                "(IMD) Rank' or '… Score'", ",".join(header)[:200])])
        plans.append((f, header, found))
    for f, header, found in plans:
        source = [f"c{i}" for i in range(len(header))]
        by_header = dict(zip(header, source))
        select = ", ".join(
            (f"{q(by_header[found[c]])} AS {q(c)}" if c in found else f"NULL::VARCHAR AS {q(c)}")
            for c in PATTERNS)
        stage_csv(con, f, table, source, select, dataset=ds.id)
