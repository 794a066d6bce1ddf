"""Geocoding at ingest: address-only records placed against the hub's gazetteer (``ref_gazetteer``).

When a supply of a dataset with ``location``, ``postcode`` and ``easting``/``northing`` has
records with an address but no coordinates, and the hub holds a gazetteer (the council's LLPG
or an AddressBase-style extract, ingested as the reference dataset ``ref_gazetteer``), each such
record is matched with :class:`workbench.geo.geocode.Gazetteer`: its postcode and coordinates
are filled from the matched address (``exact``/``fuzzy``), the street (``street``) or left to
the postcode centroid (``postcode``). A record's own values always win (``coalesce`` order), and
the geocoded records then go through Appendix 1 at publish like any other.

Free-text locations without an address ("outside the Rose and Crown") are then looked up
among named places: the licensed premises register (``ref_licensed_premises``), method
``place``.

The match report (records by method, the address match rate, unmatched examples with numbers
and postcodes removed) is stored with the supply as quality warnings (``geocoded:<method>``,
``geocode_unmatched``) and returned as ``SupplyResult.geocoding`` (guidance 4.2.3, fitness for
purpose: the partnership sees how many records could be placed and how).

Examples
--------
>>> GAZETTEER
'ref_gazetteer'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from workbench.catalogue.model import Dataset

GAZETTEER = "ref_gazetteer"
#: named places looked for in free-text locations (ISTV: "outside the Rose and Crown")
PLACES = "ref_licensed_premises"
#: place names are looked for record by record: only in supplies with at most this many
#: records left unplaced by the gazetteer (ISTV extracts are thousands a month)
MAX_PLACE_RECORDS = 200_000
TEMP = "_wb_geocoded"


@dataclass
class Staged:
    """A geocoded temp table ready to join to the staged supply, and its report.

    Examples
    --------
    >>> con = _example_staged()
    >>> from workbench import catalogue
    >>> s = stage(con, catalogue.get("council_asb"), "staged")
    >>> s.join
    ' LEFT JOIN _wb_geocoded gc ON gc._file = n._file AND gc._line = n._line'
    >>> [w["code"] for w in s.warnings]
    ['geocoded:exact', 'geocode_unmatched']
    """

    join: str
    report: dict
    warnings: list[dict] = field(default_factory=list)


def applies(ds: Dataset) -> bool:
    """Datasets whose records may be geocoded: an address, a postcode and coordinates.

    Examples
    --------
    >>> from workbench import catalogue
    >>> applies(catalogue.get("council_asb")), applies(catalogue.get("police_uk_street")), applies(catalogue.get(GAZETTEER))
    (True, False, False)
    """
    names = set(ds.column_names)
    return ds.id != GAZETTEER and ds.klass != "reference" and {"location", "postcode", "easting", "northing"} <= names


def _has_rows(con, table: str) -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                        "AND schema_name = 'main' AND table_name = ?", [table]).fetchone()[0]
    found += con.execute("SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
                         "AND schema_name = 'main' AND view_name = ?", [table]).fetchone()[0]
    return bool(found) and bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM main.{table})").fetchone()[0])


def stage(con, ds: Dataset, staged: str) -> Staged | None:
    """Geocode the staged records that have an address but no coordinates; None when none do.

    Parameters
    ----------
    con : the hub connection holding ``staged`` (the normalised supply, with ``_file``/``_line``).
    ds : the dataset being ingested.
    staged : the normalised staged table or view.

    Examples
    --------
    >>> from workbench import catalogue
    >>> con = _example_staged()                # one gazetteer address; two records without coordinates
    >>> s = stage(con, catalogue.get("council_asb"), "staged")
    >>> s.report["by_method"]["exact"], s.report["by_method"]["unmatched"]
    (1, 1)
    >>> con.execute(f"SELECT _line, g_postcode, g_easting FROM {TEMP} ORDER BY _line").fetchall()
    [(2, 'NG2 4AB', 457000.0), (3, None, None)]
    """
    if not applies(ds):
        return None
    has_gaz, has_places = _has_rows(con, GAZETTEER), _has_rows(con, PLACES)
    if not (has_gaz or has_places):
        return None
    need = "easting IS NULL AND location IS NOT NULL"
    if "longitude" in ds.column_names:
        need += " AND longitude IS NULL"
    todo = con.execute(f"SELECT _file, _line, location, postcode FROM {staged} WHERE {need}").df()
    if todo.empty:
        return None
    from workbench.geo.geocode import Gazetteer, PlaceNames, match_report

    gaz = Gazetteer(con.execute(f"SELECT uprn, address, street, town, postcode, easting, northing "
                                f"FROM main.{GAZETTEER} WHERE easting IS NOT NULL").df()
                    if has_gaz else _EMPTY_GAZETTEER.copy())
    res = gaz.match(todo["location"], todo["postcode"])
    open_ = res["method"].isin(["postcode", "unmatched"]).to_numpy()
    if has_places and open_.any() and open_.sum() <= MAX_PLACE_RECORDS:
        places = PlaceNames(con.execute(f"SELECT premises_name AS name, postcode, easting, northing "
                                        f"FROM main.{PLACES} WHERE easting IS NOT NULL").df())
        hit = places.match(todo.loc[open_, "location"])
        hit = hit[hit["method"] == "place"]
        if len(hit):
            res.loc[hit.index, ["method", "easting", "northing"]] = hit[["method", "easting", "northing"]].to_numpy()
            own = todo.loc[hit.index, "postcode"]
            res.loc[hit.index, "postcode"] = own.where(own.notna(), hit["postcode"]).to_numpy()
    report = match_report(res, todo["location"])
    frame = todo[["_file", "_line"]].assign(
        g_postcode=res["postcode"].to_numpy(), g_easting=res["easting"].to_numpy(),
        g_northing=res["northing"].to_numpy())
    con.execute(f"DROP TABLE IF EXISTS {TEMP}")
    con.register("_wb_geo_frame", frame)
    try:
        con.execute(f"CREATE TEMP TABLE {TEMP} AS SELECT _file, CAST(_line AS BIGINT) AS _line, "
                    f"CAST(g_postcode AS VARCHAR) AS g_postcode, CAST(g_easting AS DOUBLE) AS g_easting, "
                    f"CAST(g_northing AS DOUBLE) AS g_northing FROM _wb_geo_frame")
    finally:
        con.unregister("_wb_geo_frame")
    warnings = [{"code": f"geocoded:{m}", "count": n,
                 "description": _DESCRIPTIONS[m]} for m, n in report["by_method"].items() if n and m != "unmatched"]
    if report["by_method"]["unmatched"]:
        examples = "; ".join(report["unmatched_examples"])
        warnings.append({"code": "geocode_unmatched", "count": report["by_method"]["unmatched"],
                         "description": "address not found in the gazetteer and no postcode: no location"
                                        + (f" (e.g. {examples})" if examples else "")})
    join = f" LEFT JOIN {TEMP} gc ON gc._file = n._file AND gc._line = n._line"
    return Staged(join, report, warnings)


_EMPTY_GAZETTEER = pd.DataFrame({"uprn": pd.Series(dtype=object), "address": pd.Series(dtype=object),
                                 "postcode": pd.Series(dtype=object), "easting": pd.Series(dtype=float),
                                 "northing": pd.Series(dtype=float)})

_DESCRIPTIONS = {
    "place": "a named place (licensed premises) found in the location text: placed at its point",
    "exact": "address found in the gazetteer (postcode and point from the matched address)",
    "fuzzy": "address found in the gazetteer after a one-letter correction of the street",
    "street": "street found in the gazetteer, house not: placed at the street's mean point",
    "postcode": "address not found; placed by its postcode's centroid",
}


def _example_staged():
    """An in-memory connection with a one-address ``ref_gazetteer`` and a ``staged`` supply of two
    address-only records (one in the gazetteer): the examples' data."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE {GAZETTEER} AS SELECT * FROM (VALUES ('1', '14 Acacia Avenue', 'Acacia Avenue', "
                "'Nottingham', 'NG2 4AB', 457000.0, 339000.0)) v(uprn, address, street, town, postcode, easting, northing)")
    con.execute("CREATE TABLE staged AS SELECT * FROM (VALUES ('a.csv', 2, '14 acacia ave', NULL, NULL::DOUBLE), "
                "('a.csv', 3, '9 Nowhere Lane', NULL, NULL)) v(_file, _line, location, postcode, easting)")
    return con
