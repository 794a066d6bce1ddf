"""OS Code-Point Open (headerless CSVs + the column-header file) → ``ref_postcode``.

Code-Point Open gives every live unit postcode's centroid in British National Grid metres.
Its data files have **no header row**; ``Code-Point_Open_Column_Headers.csv`` (two lines:
short and long names) gives the column order. Supply the data files, optionally with that
file; without it the published order (``Postcode, Positional_quality_indicator, Eastings,
Northings, …``) is used. Name the files rather than the release folder: the folder's
``licence.txt`` is Latin-1 text and would be refused as a supply file, e.g.
``workbench hub ingest --dataset ref_postcode Doc/Code-Point_Open_Column_Headers.csv Data/CSV/*.csv``.

- ``households``: Code-Point Open has none. A postcode the hub already holds keeps its
  households and flag (from ONS census estimates, :mod:`workbench.hub.adapters.ons_households`,
  or the demo's synthetic supply), so a new Code-Point release does not erase them; a new
  postcode gets NULL, and publish places its records at its postcode sector centroid
  (guidance Appendix 1; :mod:`workbench.privacy.depersonalise`).
- ``lsoa_code``: given by the LSOA polygon (``ref_lsoa`` already in the hub) holding the
  centroid; NULL when the hub has no polygons there.
- Positional quality 90 (no coordinates) → easting/northing NULL.
- longitude/latitude are derived from easting/northing by the ingest core.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pandas as pd

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.geo.boundaries import assign_polygons
from workbench.hub.adapters.csvfiles import csv_error_problem
from workbench.hub.adapters.frames import csv_reader_sql, stage_frame
from workbench.hub.validate import q

NAME = "codepoint_open"
DATASETS = ("ref_postcode",)

HEADER_FILE = re.compile(r"code-?point_open_column_headers", re.I)
#: the published column order (Code-Point Open user guide, table 1)
DEFAULT_COLUMNS = ["Postcode", "Positional_quality_indicator", "Eastings", "Northings",
                   "Country_code", "NHS_regional_HA_code", "NHS_HA_code", "Admin_county_code",
                   "Admin_district_code", "Admin_ward_code"]
_ROW = re.compile(r'^"?[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}"?,[0-9]+,[0-9]+,[0-9]+(,|$)')


def is_header_file(path: Path) -> bool:
    """True for Code-Point's column-header file (by its name).

    Examples
    --------
    >>> is_header_file(Path("Doc/Code-Point_Open_Column_Headers.csv")), is_header_file(Path("Data/CSV/ng.csv"))
    (True, False)
    """
    return bool(HEADER_FILE.search(path.stem))


def detect(path: Path, dataset_id: str) -> bool:
    r"""True for the column-header file or a headerless Code-Point data file (first line ``postcode,quality,easting,northing``).

    Examples
    --------
    >>> _ = Path("ng.csv").write_text('"NG1 1AA",10,457804,340087,"E92000001"\n')
    >>> _ = Path("other.csv").write_text("postcode,easting\n")
    >>> detect(Path("ng.csv"), "ref_postcode"), detect(Path("other.csv"), "ref_postcode")
    (True, False)
    """
    if is_header_file(path):
        return True
    if path.suffix.lower() not in (".csv", ".txt"):
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
    except OSError:
        return False
    return bool(_ROW.match(first.strip()))


def read_columns(path: Path) -> list[str]:
    r"""Column names from the header file (the long-name line, else the only line).

    Examples
    --------
    >>> _ = Path("Code-Point_Open_Column_Headers.csv").write_text(
    ...     "PC,PQ,EA,NO\nPostcode,Positional_quality_indicator,Eastings,Northings\n")
    >>> read_columns(Path("Code-Point_Open_Column_Headers.csv"))      # the long names
    ['Postcode', 'Positional_quality_indicator', 'Eastings', 'Northings']
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.reader(fh) if r]
    if not rows:
        raise SupplyRejected("ref_postcode", [Problem(path.name, 1, None,
                                                      "the Code-Point column names", "an empty file")])
    names = rows[-1]
    if not any(n.strip().lower() == "postcode" for n in names):
        raise SupplyRejected("ref_postcode", [Problem(path.name, len(rows), None,
                                                      "a 'Postcode' column name", ",".join(names))])
    return [n.strip() for n in names]


def _lsoa_polygons(con) -> tuple[list, list]:
    try:
        rows = con.execute("SELECT lsoa_code, geometry FROM main.ref_lsoa "
                           "WHERE geometry IS NOT NULL").fetchall()
    except Exception:  # no hub schema on this connection (adapter used on its own)
        return [], []
    return [r[0] for r in rows], [r[1] for r in rows]


def _known_households(con) -> pd.DataFrame:
    """Households (and their flag) the hub already holds, indexed by postcode."""
    try:
        frame = con.execute("SELECT postcode, CAST(households AS VARCHAR) AS households, "
                            "CAST(households_synthetic AS VARCHAR) AS households_synthetic "
                            "FROM main.ref_postcode WHERE households IS NOT NULL").df()
    except duckdb.Error:  # no hub schema on this connection (adapter used on its own)
        return pd.DataFrame(columns=["households", "households_synthetic"])
    return frame.drop_duplicates("postcode").set_index("postcode")


def read_codepoint(con, path: Path, columns: list[str]) -> pd.DataFrame:
    r"""One headerless Code-Point file as strings (DuckDB's strict CSV reader: a record with
    the wrong number of fields rejects the supply naming its line).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = Path("ng.csv").write_text('"NG1 1AA",10,457804,340087\n"NG1 9ZZ",90,0,0\n')
    >>> read_codepoint(con, Path("ng.csv"), DEFAULT_COLUMNS[:4])[["Postcode", "Eastings", "_line"]].values.tolist()
    [['NG1 1AA', '457804', 1], ['NG1 9ZZ', '0', 2]]
    """
    source = [f"c{i}" for i in range(len(columns))]
    select = ", ".join(f"{q(s)} AS {q(c)}" for s, c in zip(source, columns))
    try:
        return con.sql(f"SELECT {select}, _file, _line FROM "
                       f"{csv_reader_sql(path, source, header=False)} ORDER BY _line").df()
    except duckdb.Error as exc:
        raise SupplyRejected("ref_postcode", [csv_error_problem(path, exc)]) from None


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage Code-Point data files (with their column-header file, or the published order) as ``ref_postcode`` rows.

    Examples
    --------
    >>> from workbench import catalogue
    >>> con = duckdb.connect()
    >>> _ = Path("ng.csv").write_text('"NG1 1AA",10,457804,340087,"E92000001","","","","E06000018","E05012277"\n'
    ...                               '"NG1 9ZZ",90,0,0,"E92000001","","","","E06000018",""\n')
    >>> stage(con, [Path("ng.csv")], catalogue.get("ref_postcode"), "staged")
    >>> con.execute("SELECT postcode, easting, northing, ward_code, _line FROM staged").fetchall()   # quality 90: no point
    [('NG1 1AA', '457804', '340087', 'E05012277', 1), ('NG1 9ZZ', None, None, None, 2)]
    """
    header_files = [f for f in files if is_header_file(f)]
    columns = read_columns(header_files[0]) if header_files else DEFAULT_COLUMNS
    lower = {c.lower(): c for c in columns}
    need = {"postcode": "postcode", "eastings": "easting", "northings": "northing"}
    missing = [k for k in need if k not in lower]
    if missing:
        raise SupplyRejected(ds.id, [Problem(header_files[0].name if header_files else "(default)",
                                             None, None, "columns Postcode, Eastings, Northings",
                                             ", ".join(columns))])
    pq = lower.get("positional_quality_indicator")
    codes, wkts = _lsoa_polygons(con)
    data_files = [f for f in files if not is_header_file(f)]
    if not data_files:
        raise SupplyRejected(ds.id, [Problem(header_files[0].name, None, None,
                                             "Code-Point data files beside the column-header file",
                                             "only the column-header file")])
    known = _known_households(con)
    for f in data_files:
        raw = read_codepoint(con, f, columns)
        e = raw[lower["eastings"]].astype(object)
        n = raw[lower["northings"]].astype(object)
        if pq:
            no_coords = (raw[pq].fillna("").str.strip() == "90").to_numpy()
            e = e.where(~no_coords, None)
            n = n.where(~no_coords, None)
        frame = pd.DataFrame({
            "postcode": raw[lower["postcode"]],
            "easting": e, "northing": n,
            "households": raw[lower["postcode"]].map(known["households"]) if len(known) else None,
            "households_synthetic": raw[lower["postcode"]].map(known["households_synthetic"])
            if len(known) else None,
            "lsoa_code": assign_polygons(e, n, codes, wkts) if codes else None,
            "ward_code": raw[lower["admin_ward_code"]] if "admin_ward_code" in lower else None,
            "_line": raw["_line"],
        })
        stage_frame(con, frame, table, file=f.name)
