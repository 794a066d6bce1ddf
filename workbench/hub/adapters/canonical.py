"""The canonical CSV layout of ``DATASETS.md``: a header row of the dataset's column names.

Header names are matched after trimming and lower-casing. Every canonical column must be
present (an agency without a value leaves the cell empty); adapter extras may be absent;
unknown or repeated columns reject the supply with a hint at the closest name.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import read_header, stage_csv
from workbench.hub.validate import q

NAME = "canonical"
DATASETS: tuple[str, ...] = ()  # every dataset


def detect(path: Path, dataset_id: str) -> bool:
    """Any CSV (or text) file may be canonical; the header is checked when staging.

    Examples
    --------
    >>> detect(Path("supply.csv"), "ref_imd"), detect(Path("supply.xlsx"), "ref_imd")
    (True, False)
    """
    return path.suffix.lower() in (".csv", ".txt", "")


def check_header(path: Path, ds: Dataset, header: list[str]) -> list[Problem]:
    """Problems with a canonical header: unknown or repeated columns (with the closest name) and missing ones.

    Examples
    --------
    >>> from workbench import catalogue
    >>> for p in check_header(Path("imd.csv"), catalogue.get("ref_imd"), ["lsoa_code", "imd_scor", "imd_rank", "imd_decile"]):
    ...     print(p)
    imd.csv, line 1, column 'imd_scor': expected a column of 'ref_imd' (did you mean 'imd_score'?); found "unknown column 'imd_scor'"
    imd.csv, line 1, column 'imd_score': expected column 'imd_score' in the header; found 'header without it'
    """
    problems = []
    seen = set()
    names = ds.column_names
    for i, raw in enumerate(header, start=1):
        h = raw.strip().lower()
        if h in seen:
            problems.append(Problem(path.name, 1, raw, "each column once", f"'{raw}' repeated"))
        seen.add(h)
        if h not in names:
            close = difflib.get_close_matches(h, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            problems.append(Problem(path.name, 1, shown,
                                    f"a column of '{ds.id}'{hint}", f"unknown column '{shown}'"))
    for name in ds.canonical_columns:
        if name not in seen:
            problems.append(Problem(path.name, 1, name, f"column '{name}' in the header",
                                    "header without it"))
    return problems


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage canonical CSV files as ``table`` (header names trimmed and lower-cased); a bad header rejects the supply.

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> from workbench.hub.staging import Staging
    >>> _ = Path("imd.csv").write_text("LSOA_code,imd_score,imd_rank,imd_decile\nE01000001,12.5,20000,7\n")
    >>> con = Staging(duckdb.connect())   # one supply's staging area, as ingest makes
    >>> stage(con, [Path("imd.csv")], catalogue.get("ref_imd"), "staged")
    >>> con.execute("SELECT lsoa_code, imd_decile, _line FROM staged").fetchall()
    [('E01000001', '7', 2)]
    >>> con.reset()
    """
    problems: list[Problem] = []
    headers = {}
    for f in files:
        header = read_header(f)
        if not header:
            problems.append(Problem(f.name, 1, None, "a header row", "an empty file"))
            continue
        headers[f] = header
        problems += check_header(f, ds, header)
    if problems:
        raise SupplyRejected(ds.id, problems)
    for f in files:
        header = headers[f]
        source = [f"c{i}" for i in range(len(header))]
        select = ", ".join(f"{q(s)} AS {q(h.strip().lower())}" for s, h in zip(source, header))
        stage_csv(con, f, table, source, select, dataset=ds.id)
