"""ONS census postcode household estimates → the ``households`` of ``ref_postcode``.

The Office for National Statistics publishes, for each census, postcode headcounts and
household estimates for England and Wales: the 2011 Census "Postcode Estimates" Table 1
(``Postcode_Estimates_Table_1.csv``) has one line per census-day residential postcode::

    Postcode,Total,Males,Females,Occupied_Households
    NG1 1AA,23,12,11,9

``Occupied_Households`` is the household count Appendix 1 needs (at least four households
per published postcode); Code-Point Open has none. Column names are matched case-blind and
``Households`` is accepted for ``Occupied_Households``; postcodes in any spacing
(``NG1  1AA``, ``NG11AA``) are normalised by the ingest core.

A ``ref_postcode`` row is one postcode with its centroid and households, so this adapter
completes the rows the hub already holds: each postcode of the file is staged with the
centroid, LSOA and flags of its current ``ref_postcode`` row (Code-Point Open, ingested
first) and the census households (``households_synthetic`` 'N'). A census postcode the hub
does not know (terminated since census day) is staged without coordinates: it cannot anchor a
record, but keeps its count. Postcodes of the hub that the file does not list keep their
rows; their households stay unknown, and publish gives their records the postcode sector or
district centroid (:mod:`workbench.privacy.depersonalise`).

Examples
--------
``workbench hub ingest --dataset ref_postcode Postcode_Estimates_Table_1.csv`` (after
Code-Point Open).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import csv_error_problem, read_header
from workbench.hub.adapters.frames import csv_reader_sql
from workbench.hub.validate import q

NAME = "ons_postcode_households"
DATASETS = ("ref_postcode",)

#: the published header of 2011 Census Postcode Estimates Table 1
PUBLISHED = ("Postcode", "Total", "Males", "Females", "Occupied_Households")
HOUSEHOLD_NAMES = ("occupied_households", "households")


def _columns(header: list[str]) -> dict[str, str] | None:
    lower = {h.strip().lower(): h for h in header}
    hh = next((lower[n] for n in HOUSEHOLD_NAMES if n in lower), None)
    # a canonical ref_postcode CSV (postcode, easting, …, households) is not this layout
    if "postcode" not in lower or hh is None or {"easting", "northing", "latitude", "longitude"} & set(lower):
        return None
    return {"postcode": lower["postcode"], "households": hh}


def detect(path: Path, dataset_id: str) -> bool:
    r"""True when ``path`` is an ONS postcode estimates CSV (a postcode and a household column).

    Examples
    --------
    >>> _ = Path("estimates.csv").write_text("Postcode,Total,Males,Females,Occupied_Households\n")
    >>> _ = Path("other.csv").write_text("postcode,easting\n")
    >>> detect(Path("estimates.csv"), "ref_postcode"), detect(Path("other.csv"), "ref_postcode")
    (True, False)
    """
    if path.suffix.lower() != ".csv":
        return False
    try:
        return _columns(read_header(path)) is not None
    except (UnicodeDecodeError, OSError):
        return False


def _hub_rows(con) -> str | None:
    """The hub's current ``ref_postcode`` rows (None when this connection has no hub)."""
    try:
        con.execute("SELECT postcode FROM main.ref_postcode LIMIT 0")
    except duckdb.Error:
        return None
    return "main.ref_postcode"


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage ONS household estimates as ``ref_postcode`` rows carrying ``households`` (other columns from the hub's current rows when it has them).

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> from workbench.hub.staging import Staging
    >>> _ = Path("estimates.csv").write_text("Postcode,Total,Males,Females,Occupied_Households\nNG1 1AA,23,12,11,9\n")
    >>> con = Staging(duckdb.connect())   # one supply's staging area, as ingest makes
    >>> stage(con, [Path("estimates.csv")], catalogue.get("ref_postcode"), "staged")
    >>> con.execute("SELECT postcode, households, households_synthetic, _line FROM staged").fetchall()
    [('NG1 1AA', '9', 'N', 2)]
    >>> con.reset()
    """
    from workbench.geo.postcode import normalise_postcode_sql

    parts = []
    for f in files:
        header = read_header(f)
        cols = _columns(header)
        if cols is None:
            raise SupplyRejected(ds.id, [Problem(
                f.name, 1, None, "the ONS postcode estimates header "
                f"({','.join(PUBLISHED)})", ",".join(header))])
        reader = csv_reader_sql(f, [h.strip() for h in header], header=True)
        parts.append(f"SELECT {q(cols['postcode'].strip())} AS postcode, "
                     f"{q(cols['households'].strip())} AS households, _file, _line FROM {reader}")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _wb_ons_raw AS {' UNION ALL '.join(parts)}")
    except duckdb.Error as exc:
        raise SupplyRejected(ds.id, [csv_error_problem(files[0], exc)]) from None
    hub = _hub_rows(con)
    norm = normalise_postcode_sql("o.postcode")
    if hub:
        join = (f"LEFT JOIN (SELECT postcode AS _pc, CAST(easting AS VARCHAR) AS easting, "
                f"CAST(northing AS VARCHAR) AS northing, CAST(lsoa_code AS VARCHAR) AS lsoa_code "
                f"FROM {hub}) h ON {norm} = h._pc")
        geo = "h.easting, h.northing, h.lsoa_code"
    else:
        join, geo = "", "NULL AS easting, NULL AS northing, NULL AS lsoa_code"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT o.postcode, {geo}, "
                "CAST(o.households AS VARCHAR) AS households, 'N' AS households_synthetic, "
                f"o._file, CAST(o._line AS BIGINT) AS _line FROM _wb_ons_raw o {join}")
    con.execute("DROP TABLE IF EXISTS _wb_ons_raw")
