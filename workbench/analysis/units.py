"""Reporting units: count a table's records by LSOA, ward, postcode district or user area.

Partnerships report by the units their groups work in (guidance 3.3.1): LSOAs for statistics,
electoral wards for councillors, neighbourhood policing areas and beats for the police, and
project areas of their own. :func:`counts_by_unit` places each record of a depersonalised table:

- ``lsoa`` and ``ward``: through the record's postcode (``ref_postcode.lsoa_code`` /
  ``ward_code``); a record without a postcode but sitting on a postcode centroid (Appendix 1
  places shared records there) takes that postcode's unit. Names come from ``ref_lsoa`` /
  ``ref_ward`` when present.
- ``district``: the postcode's outward code.
- ``area:<set>``: the polygon of ``ref_area`` (``area_set = <set>``) that contains the point.

Records that cannot be placed are counted, never dropped silently (``unplaced``).

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('NG1 1AA', 1.0, 1.0), ('NG1 1AB', 5.0, 5.0), "
...                 "(NULL, 9.0, 9.0)) v(postcode, easting, northing)")
>>> _ = con.execute("CREATE TABLE ref_postcode AS SELECT * FROM (VALUES ('NG1 1AA', 'E05000001', 'E01000001', 1.0, 1.0), "
...                 "('NG1 1AB', 'E05000001', 'E01000002', 5.0, 5.0)) v(postcode, ward_code, lsoa_code, easting, northing)")
>>> r = counts_by_unit(con, "t", "ward")
>>> r.frame[["unit_code", "count"]].values.tolist(), r.unplaced
([['E05000001', 2]], 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import BadInput

UNITS = ("lsoa", "ward", "district", "area:<set>")


@dataclass
class UnitCounts:
    """Counts of one table by reporting unit, with what could not be placed.

    Examples
    --------
    >>> u = UnitCounts("district", pd.DataFrame({"unit_code": ["NG1"], "unit_name": [None], "count": [2]}), unplaced=1)
    >>> u.to_dict()
    {'unit': 'district', 'rows': [{'unit_code': 'NG1', 'unit_name': None, 'count': 2}], 'unplaced': 1, 'notes': []}
    """

    unit: str
    frame: pd.DataFrame                  # unit_code, unit_name, count (largest first)
    unplaced: int
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"unit": self.unit, "rows": self.frame.to_dict("records"), "unplaced": self.unplaced,
                "notes": self.notes}


def _has(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                            "AND table_catalog = current_database()", [table]).fetchone()[0])


def _cols(con, table: str) -> set[str]:
    return {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def counts_by_unit(con, table: str, unit: str, *, where: str = "TRUE", args=()) -> UnitCounts:
    """Count ``table``'s records (matching ``where`` with ``args``) by reporting ``unit``.

    Parameters
    ----------
    con : a connection on the shared tier (or any catalog holding the table and reference layers).
    table : the table to count.
    unit : ``'lsoa'``, ``'ward'``, ``'district'`` or ``'area:<set>'`` (:data:`UNITS`).
    where, args : an SQL filter on the table and its parameters.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('NG1 1AA'), ('ng1 2bb'), ('NG7 1AA'), (NULL)) v(postcode)")
    >>> r = counts_by_unit(con, "t", "district")
    >>> r.frame[["unit_code", "count"]].values.tolist(), r.unplaced
    ([['NG1', 2], ['NG7', 1]], 1)
    """
    cols = _cols(con, table)
    base = f"SELECT * FROM {table} WHERE {where}"
    if unit in ("lsoa", "ward"):
        key = f"{unit}_code"
        if not _has(con, "ref_postcode") or key not in _cols(con, "ref_postcode"):
            raise BadInput(f"Counting by {unit} needs ref_postcode with {key} (Code-Point Open carries "
                           f"Admin_ward_code; LSOAs are assigned from ref_lsoa).")
        pc_join = "LEFT JOIN (SELECT postcode, any_value({k}) AS k FROM ref_postcode GROUP BY 1) p ON p.postcode = r.postcode" \
            if "postcode" in cols else "LEFT JOIN (SELECT NULL AS postcode, NULL AS k) p ON FALSE"
        xy_join = ("LEFT JOIN (SELECT easting, northing, any_value({k}) AS k FROM ref_postcode GROUP BY 1, 2) c "
                   "ON c.easting = r.easting AND c.northing = r.northing") if {"easting", "northing"} <= cols \
            else "LEFT JOIN (SELECT NULL AS k) c ON FALSE"
        sql = (f"SELECT coalesce(p.k, c.k) AS unit_code, count(*) AS count FROM ({base}) r "
               f"{pc_join.format(k=key)} {xy_join.format(k=key)} GROUP BY 1")
        got = con.execute(sql, list(args)).df()
        names = _names(con, unit)
    elif unit == "district":
        if "postcode" not in cols:
            raise BadInput(f"{table} has no postcode: it cannot be counted by postcode district.")
        got = con.execute(f"SELECT upper(split_part(trim(postcode), ' ', 1)) AS unit_code, count(*) AS count "
                          f"FROM ({base}) r GROUP BY 1", list(args)).df()
        got.loc[got["unit_code"] == "", "unit_code"] = None
        names = {}
    elif unit.startswith("area:"):
        got, names = _by_area(con, base, args, unit.split(":", 1)[1], cols, table)
    else:
        raise BadInput(f"`unit` must be one of {', '.join(UNITS)}; found {unit!r}.")
    placed = got[got["unit_code"].notna()].copy()
    unplaced = int(got.loc[got["unit_code"].isna(), "count"].sum())
    placed["unit_name"] = placed["unit_code"].map(names) if names else None
    frame = placed[["unit_code", "unit_name", "count"]].sort_values(["count", "unit_code"], ascending=[False, True])
    notes = [f"{unplaced:,} record(s) could not be placed in a {unit}"] if unplaced else []
    return UnitCounts(unit, frame.reset_index(drop=True), unplaced, notes)


def _names(con, unit: str) -> dict:
    table, key, name = {"lsoa": ("ref_lsoa", "lsoa_code", "lsoa_name"),
                        "ward": ("ref_ward", "ward_code", "ward_name")}[unit]
    if not _has(con, table):
        return {}
    return dict(con.execute(f"SELECT {key}, any_value({name}) FROM {table} GROUP BY 1").fetchall())


def _by_area(con, base, args, area_set: str, cols: set[str], table: str):
    import shapely

    if not _has(con, "ref_area"):
        raise BadInput("Counting by area needs ref_area (user polygons: `workbench hub ingest --dataset ref_area FILE`).")
    if not {"easting", "northing"} <= cols:
        raise BadInput(f"{table} has no coordinates: it cannot be placed in areas.")
    areas = con.execute("SELECT area_code, area_name, geometry FROM ref_area WHERE area_set = ?", [area_set]).df()
    if areas.empty:
        known = [r[0] for r in con.execute("SELECT DISTINCT area_set FROM ref_area ORDER BY 1").fetchall()]
        raise BadInput(f"No areas in set '{area_set}'; the hub has: {', '.join(known) or 'none'}.")
    pts = con.execute(f"SELECT easting, northing, count(*) AS count FROM ({base}) r GROUP BY 1, 2",
                      list(args)).df()
    geoms = shapely.from_wkt(areas["geometry"].to_numpy())
    tree = shapely.STRtree(geoms)
    ok = pts["easting"].notna() & pts["northing"].notna()
    code = np.full(len(pts), None, dtype=object)
    if ok.any():
        xy = shapely.points(pts.loc[ok, "easting"].to_numpy(float), pts.loc[ok, "northing"].to_numpy(float))
        idx_pt, idx_area = tree.query(xy, predicate="within")
        first = pd.Series(idx_area, index=idx_pt).groupby(level=0).first()   # overlapping areas: the first
        sub = np.full(ok.sum(), None, dtype=object)
        sub[first.index.to_numpy()] = areas["area_code"].to_numpy()[first.to_numpy()]
        code[np.flatnonzero(ok.to_numpy())] = sub
    pts["unit_code"] = code
    got = pts.groupby("unit_code", dropna=False)["count"].sum().reset_index()
    return got, dict(zip(areas["area_code"], areas["area_name"]))
