"""The commissioned area of a product: LSOAs, wards, postcode districts or a polygon.

A commission names the area its problem profile is about (guidance Box 4, "the area in
scope"); every figure of the product must then use only that area. :class:`CommissionArea`
holds the choice (validated here, stored with the commission as JSON) and
:func:`scope_to_area` shadows the shared-tier tables on the product's own connection so that
every query the product runs reads the area's rows only — the same mechanism as a
partnership scope (:func:`workbench.products.context.scope_to_partnership`):

- a table with coordinates keeps the rows whose point lies in the area (LSOA boundaries or
  the polygon, in British National Grid; for postcode districts, the postcode's district, or
  for rows without a postcode their point being a postcode centroid of the district);
- police victim, offender, detection and drug-test rows follow their crime (``crime_ref`` of
  an offence in the area): a victim's home may lie elsewhere;
- a table with only a postcode keeps the postcodes in the area (``ref_postcode``);
- a table with neither reads as empty (deny by default) and is named in
  :attr:`AreaScope.unplaced`, so the product can say what it could not place;
- reference layers (``ref_*`` other than licensed premises and events, ``publish_meta``,
  ``supplies``) are read whole: they describe, they do not count.

Examples
--------
>>> a = parse_area(lsoas="E01033405, E01033406")
>>> a.kind, a.values, a.describe()
('lsoas', ('E01033405', 'E01033406'), 'LSOAs E01033405, E01033406')
>>> parse_area(districts="ng1,NG7").values
('NG1', 'NG7')
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import BadInput

KINDS = ("lsoas", "wards", "districts", "polygon")
#: tables read whole inside an area: reference layers that describe rather than count
WHOLE = ("publish_meta", "supplies", "ref_postcode", "ref_lsoa", "ref_imd", "ref_harm_weights",
         "ref_ward")
#: tables placed through their crime (``crime_ref``) rather than their own coordinates
BY_CRIME = ("police_crime_victim", "police_crime_offender", "police_detection", "police_drug_test")
_LSOA = re.compile(r"^[EW]0[01]\d{6}$")
_WARD = re.compile(r"^[EW]05\d{6}$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")


@dataclasses.dataclass(frozen=True)
class CommissionArea:
    """The area of a commission: ``kind`` (one of :data:`KINDS`) and its ``values`` (codes,
    or one WKT polygon in BNG metres).

    Examples
    --------
    >>> a = CommissionArea("wards", ("E05000001", "E05000002"))
    >>> a.describe(), a.to_json()
    ('wards E05000001, E05000002', '{"kind": "wards", "values": ["E05000001", "E05000002"]}')
    >>> CommissionArea.from_json(a.to_json()) == a, CommissionArea.from_json(None)
    (True, None)
    """

    kind: str
    values: tuple

    def describe(self) -> str:
        if self.kind == "polygon":
            return "the commissioned polygon"
        names = {"lsoas": "LSOAs", "wards": "wards", "districts": "postcode districts"}[self.kind]
        return f"{names} {', '.join(self.values)}"

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "values": list(self.values)})

    @classmethod
    def from_json(cls, text: str | None) -> "CommissionArea | None":
        if not text:
            return None
        d = json.loads(text)
        return cls(d["kind"], tuple(d["values"]))


def _codes(name: str, text: str, pattern: re.Pattern, example: str) -> tuple:
    codes = tuple(dict.fromkeys(c.strip().upper() for c in str(text).split(",") if c.strip()))
    if not codes:
        raise BadInput(f"`--area-{name}` is empty: give a comma-separated list, e.g. {example}.")
    bad = [c for c in codes if not pattern.match(c)]
    if bad:
        raise BadInput(f"`--area-{name}`: {bad[0]!r} is not a valid code (expected e.g. {example}); "
                       f"found {len(bad)} such value(s).")
    return codes


def _polygon(path) -> str:
    import shapely
    from shapely.geometry import shape

    p = Path(path)
    if not p.exists():
        raise BadInput(f"`--area-polygon`: no file '{p}'. Give a GeoJSON or WKT file.")
    text = p.read_text()
    try:
        if text.lstrip().startswith("{"):
            d = json.loads(text)
            if d.get("type") == "FeatureCollection":
                geoms = [shape(f["geometry"]) for f in d["features"]]
                geom = shapely.union_all(geoms)
            else:
                geom = shape(d.get("geometry", d))
        else:
            geom = shapely.from_wkt(text.strip())
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input, named
        raise BadInput(f"`--area-polygon` {p}: not a GeoJSON or WKT polygon ({exc}).") from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise BadInput(f"`--area-polygon` {p}: expected a Polygon or MultiPolygon; found {geom.geom_type}.")
    x0, y0, x1, y1 = geom.bounds
    if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:      # longitude/latitude: to BNG
        from workbench.geo.crs import wgs84_to_bng

        def to_bng(coords):
            e, n = wgs84_to_bng(coords[:, 0], coords[:, 1])
            return np.column_stack([e, n])
        geom = shapely.transform(geom, to_bng)
    elif not (0 <= x0 and x1 <= 700000 and 0 <= y0 and y1 <= 1300000):
        raise BadInput(f"`--area-polygon` {p}: coordinates are neither longitude/latitude nor British "
                       f"National Grid metres (bounds {geom.bounds}).")
    if not geom.is_valid:
        geom = geom.buffer(0)
    return geom.wkt


def parse_area(*, lsoas: str | None = None, wards: str | None = None, districts: str | None = None,
               polygon: str | Path | None = None) -> CommissionArea | None:
    """The commission's area from the ``--area-*`` options (at most one), or None.

    Examples
    --------
    >>> parse_area(wards="e05000001").values, parse_area() is None
    (('E05000001',), True)
    >>> parse_area(lsoas="E0100000X")
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `--area-lsoas`: 'E0100000X' is not a valid code (expected e.g. E01033405,E01033406); found 1 such value(s).
    """
    given = {k: v for k, v in (("lsoas", lsoas), ("wards", wards), ("districts", districts),
                               ("polygon", polygon)) if v not in (None, "")}
    if not given:
        return None
    if len(given) > 1:
        raise BadInput("Give one of --area-lsoas, --area-wards, --area-districts, --area-polygon; "
                       f"received {', '.join('--area-' + k for k in given)}.")
    kind, value = next(iter(given.items()))
    if kind == "lsoas":
        return CommissionArea(kind, _codes("lsoas", value, _LSOA, "E01033405,E01033406"))
    if kind == "wards":
        return CommissionArea(kind, _codes("wards", value, _WARD, "E05012275"))
    if kind == "districts":
        return CommissionArea(kind, _codes("districts", value, _DISTRICT, "NG1,NG7"))
    return CommissionArea(kind, (_polygon(value),))


@dataclasses.dataclass
class AreaScope:
    """What :func:`scope_to_area` did: the area, the tables restricted, those read as empty.

    Examples
    --------
    >>> s = AreaScope(CommissionArea("districts", ("NG1",)), restricted=["police_crime_offence"],
    ...               unplaced=["council_school_exclusion"], points=12)
    >>> print(s.note())
    Every figure uses only postcode districts NG1. Datasets without a location cannot be placed in the area and are left out: council_school_exclusion.
    """

    area: CommissionArea
    restricted: list
    unplaced: list
    points: int

    def note(self) -> str:
        text = f"Every figure uses only {self.area.describe()}."
        if self.unplaced:
            text += (" Datasets without a location cannot be placed in the area and are left out: "
                     + ", ".join(sorted(self.unplaced)) + ".")
        return text


def _columns(con, catalog: str) -> dict[str, set]:
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_catalog = ? AND table_schema = 'main'", [catalog]).fetchall()
    out: dict[str, set] = {}
    for t, c in rows:
        out.setdefault(t, set()).add(c)
    return out


def _district_sql(col: str) -> str:
    return f"upper(split_part(trim({col}), ' ', 1))"


def _ward_boundaries(con, area: CommissionArea, catalog: str, cols: dict) -> bool:
    """True when ref_ward holds a boundary for every ward of the area."""
    if "ref_ward" not in cols or not {"ward_code", "geometry"} <= cols["ref_ward"]:
        return False
    n = con.execute(f"SELECT count(DISTINCT ward_code) FROM {catalog}.main.ref_ward WHERE geometry IS NOT NULL "
                    "AND ward_code IN (SELECT unnest(?::VARCHAR[]))", [list(area.values)]).fetchone()[0]
    return n == len(set(area.values))


def _area_geometry(con, area: CommissionArea, catalog: str, cols: dict):
    import shapely

    if area.kind == "polygon":
        return shapely.from_wkt(area.values[0])
    if area.kind == "lsoas":
        table, key = "ref_lsoa", "lsoa_code"
    else:
        table, key = "ref_ward", "ward_code"
    if table not in cols or not {key, "geometry"} <= cols[table]:
        raise BadInput(f"The commission's area is {area.describe()}, but the shared tier has no "
                       f"{table} boundaries ({key}, geometry) to place records in it. Supply "
                       f"{table} (guidance 3.3.1) or name the area another way (--area-polygon).")
    got = con.execute(f"SELECT {key}, CAST(geometry AS VARCHAR) FROM {catalog}.main.{table} "
                      f"WHERE {key} IN (SELECT unnest(?::VARCHAR[]))", [list(area.values)]).fetchall()
    missing = sorted(set(area.values) - {r[0] for r in got})
    if missing:
        raise BadInput(f"The commission's area names {len(missing)} code(s) not in {table}: "
                       f"{', '.join(missing[:5])}. Check the codes against the hub's boundaries.")
    geom = shapely.union_all([shapely.from_wkt(w) for _, w in got])
    x0, y0, x1, y1 = geom.bounds
    if -180 <= x0 <= x1 <= 180:
        from workbench.geo.crs import wgs84_to_bng

        geom = shapely.transform(geom, lambda c: np.column_stack(wgs84_to_bng(c[:, 0], c[:, 1])))
    return geom


def scope_to_area(con, area: CommissionArea, *, catalog: str, base_predicate=None) -> AreaScope:
    """Shadow the tables of ``con`` (TEMP views) so every query reads ``area``'s rows only.

    ``base_predicate(table)`` returns an SQL condition already in force on ``table`` (e.g. the
    partnership scope) or None; it is kept inside the area's views.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE police_crime_offence AS SELECT * FROM (VALUES ('C1', 5.0, 5.0), "
    ...                 "('C2', 50.0, 50.0)) v(crime_ref, easting, northing)")
    >>> _ = con.execute("CREATE TABLE council_school_exclusion AS SELECT 1 AS n")
    >>> square = CommissionArea("polygon", ("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",))
    >>> s = scope_to_area(con, square, catalog="memory")
    >>> s.restricted, s.unplaced, s.points
    (['police_crime_offence'], ['council_school_exclusion'], 1)
    >>> con.execute("SELECT crime_ref FROM police_crime_offence").fetchall()     # C2 lies outside
    [('C1',)]
    >>> con.execute("SELECT count(*) FROM council_school_exclusion").fetchone()  # no location: read as empty
    (0,)
    """
    import shapely

    cols = _columns(con, catalog)
    located = [t for t, c in cols.items() if {"easting", "northing"} <= c and t not in WHOLE
               and t not in BY_CRIME]
    base = base_predicate or (lambda table: None)

    def src(t):
        extra = base(t)
        return f"(SELECT * FROM {catalog}.main.{t}" + (f" WHERE {extra}" if extra else "") + ")"

    # the points of every located table, tested once against the area
    if located:
        union = " UNION ".join(f"SELECT DISTINCT easting, northing FROM {catalog}.main.{t} "
                               "WHERE easting IS NOT NULL AND northing IS NOT NULL" for t in located)
        pts = con.execute(union).df()
    else:
        pts = pd.DataFrame({"easting": [], "northing": []})
    by_postcode = area.kind == "districts" or (area.kind == "wards" and not _ward_boundaries(con, area, catalog, cols))
    if by_postcode:
        if area.kind == "districts":
            pc_where = f"{_district_sql('postcode')} IN (SELECT unnest(?::VARCHAR[]))"
        else:
            # wards without boundaries: records reach their ward through their postcode
            # (ref_postcode.ward_code, from Code-Point Open's Admin_ward_code)
            if "ward_code" not in cols.get("ref_postcode", set()):
                raise BadInput(f"The commission's area is {area.describe()}, but the shared tier has neither "
                               "ref_ward boundaries (ward_code, geometry) nor ward codes on ref_postcode to "
                               "place records in it. Supply ref_ward boundaries or Code-Point Open with "
                               "Admin_ward_code (guidance 3.3.1), or name the area another way (--area-polygon).")
            known = {r[0] for r in con.execute(
                f"SELECT DISTINCT ward_code FROM {catalog}.main.ref_postcode WHERE ward_code IN "
                "(SELECT unnest(?::VARCHAR[]))", [list(area.values)]).fetchall()}
            missing = sorted(set(area.values) - known)
            if missing:
                raise BadInput(f"The commission's area names {len(missing)} ward code(s) no postcode of "
                               f"ref_postcode lies in: {', '.join(missing[:5])}. Check the codes.")
            pc_where = "ward_code IN (SELECT unnest(?::VARCHAR[]))"
        inside_pc = con.execute(
            f"SELECT postcode, easting, northing FROM {catalog}.main.ref_postcode WHERE {pc_where}",
            [list(area.values)]).df() if "ref_postcode" in cols else pd.DataFrame(
            columns=["postcode", "easting", "northing"])
        keep = pts.merge(inside_pc[["easting", "northing"]].drop_duplicates(), on=["easting", "northing"])
        postcodes = inside_pc["postcode"]
    else:
        geom = _area_geometry(con, area, catalog, cols)
        mask = shapely.contains_xy(geom, pts["easting"].to_numpy(float), pts["northing"].to_numpy(float)) \
            if len(pts) else np.zeros(0, bool)
        keep = pts[mask]
        if "ref_postcode" in cols:
            pc = con.execute(f"SELECT postcode, easting, northing FROM {catalog}.main.ref_postcode "
                             "WHERE easting IS NOT NULL").df()
            postcodes = pc["postcode"][shapely.contains_xy(geom, pc["easting"].to_numpy(float),
                                                           pc["northing"].to_numpy(float))]
        else:
            postcodes = pd.Series([], dtype=str)
    con.register("_area_points_df", keep.reset_index(drop=True))
    con.execute("CREATE OR REPLACE TEMP TABLE _area_points AS SELECT DISTINCT easting, northing FROM _area_points_df")
    con.unregister("_area_points_df")
    con.register("_area_postcodes_df", pd.DataFrame({"postcode": postcodes.astype(str).unique()}))
    con.execute("CREATE OR REPLACE TEMP TABLE _area_postcodes AS SELECT postcode FROM _area_postcodes_df")
    con.unregister("_area_postcodes_df")
    restricted, unplaced = [], []
    views = {}
    for t, c in cols.items():
        if t in WHOLE:
            continue
        if t in located:
            cond = ("(t.easting, t.northing) IN (SELECT (easting, northing) FROM _area_points)")
            if area.kind == "districts" and "postcode" in c:
                cond = (f"CASE WHEN t.postcode IS NOT NULL THEN {_district_sql('t.postcode')} IN "
                        f"(SELECT unnest(?::VARCHAR[])) ELSE {cond} END")
            elif by_postcode and "postcode" in c:
                cond = (f"CASE WHEN t.postcode IS NOT NULL THEN t.postcode IN (SELECT postcode FROM _area_postcodes) "
                        f"ELSE {cond} END")
            views[t] = (f"SELECT t.* FROM {src(t)} t WHERE {cond}",
                        [list(area.values)] if "?" in cond else [])
            restricted.append(t)
        elif t in BY_CRIME and "crime_ref" in c and "police_crime_offence" in located:
            continue                                   # after the offences (below)
        elif "postcode" in c:
            views[t] = (f"SELECT t.* FROM {src(t)} t WHERE t.postcode IN (SELECT postcode FROM _area_postcodes)", [])
            restricted.append(t)
        else:
            views[t] = (f"SELECT t.* FROM {src(t)} t WHERE FALSE", [])
            unplaced.append(t)
    for t, (sql, params) in views.items():
        if params:    # a view cannot hold parameters: inline the validated codes
            codes = ", ".join(f"'{v}'" for v in area.values)
            sql = sql.replace("(SELECT unnest(?::VARCHAR[]))", f"({codes})")
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{t}" AS {sql}')
    for t in BY_CRIME:
        if t in cols and "crime_ref" in cols[t] and "police_crime_offence" in located:
            con.execute(f'CREATE OR REPLACE TEMP VIEW "{t}" AS SELECT t.* FROM {src(t)} t '
                        "WHERE t.crime_ref IN (SELECT crime_ref FROM police_crime_offence)")
            restricted.append(t)
    return AreaScope(area, sorted(restricted), sorted(unplaced), int(len(keep)))
