"""User polygons (GeoJSON, GeoPackage, shapefile) → ``ref_area``; ONS ward lookups → ``ref_ward``.

``ref_area`` holds any family of areas a partnership reports by: neighbourhood policing areas,
beats, a regeneration project's streets (guidance 3.3.1 "geographical boundaries"). Each file is
one ``area_set``, named by the file (``npa.geojson`` → ``npa``) unless its features carry an
``area_set`` property. The area's code is read from ``area_code``/``code``/``id`` or a property
ending ``CD`` (ONS style); its name from ``area_name``/``name`` or a property ending ``NM``.
Geometry is read with geopandas (pyogrio, offline), transformed to British National Grid
(a file without a CRS is taken as WGS84 lon/lat when its coordinates fit, else BNG) and stored
as WKT rounded to 0.1 m.

``ref_ward`` from an ONS ward lookup CSV (``WDyyCD``, ``WDyyNM``, e.g. ``WD24CD,WD24NM``; other
columns ignored) or, with boundaries, from a polygon file with those properties.

Examples
--------
>>> pick_property(["OBJECTID", "NPA_CODE", "NPA_NAME"], CODE_NAMES, "CODE")
'NPA_CODE'
>>> pick_property(["WD24CD", "WD24NM"], NAME_NAMES, "NM")
'WD24NM'
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.hub.adapters.csvfiles import read_header
from workbench.hub.adapters.frames import stage_frame

NAME = "area_polygons"
DATASETS = ("ref_area", "ref_ward")
POLYGON_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
CODE_NAMES = ("area_code", "code", "id", "ward_code")
NAME_NAMES = ("area_name", "name", "ward_name")
_WARD_CD = re.compile(r"^WD\d{2}CD$", re.I)
_WARD_NM = re.compile(r"^WD\d{2}NM$", re.I)


def pick_property(names, preferred, suffix: str) -> str | None:
    """The property to read: a preferred name (any case), else one ending in ``suffix``.

    Examples
    --------
    >>> pick_property(["OBJECTID", "Code", "NPA_NAME"], CODE_NAMES, "CODE")     # a preferred name, any case
    'Code'
    >>> pick_property(["OBJECTID", "NPA_NAME"], NAME_NAMES, "NAME"), pick_property(["OBJECTID"], CODE_NAMES, "CD")
    ('NPA_NAME', None)
    """
    lower = {n.lower(): n for n in names}
    for p in preferred:
        if p in lower:
            return lower[p]
    ends = [n for n in names if n.upper().endswith(suffix)]
    return ends[0] if ends else None


def detect(path: Path, dataset_id: str) -> bool:
    r"""True for a polygon file offered as ``ref_area`` or ``ref_ward``, or an ONS ward lookup CSV offered as ``ref_ward``.

    Examples
    --------
    >>> _ = Path("wards.csv").write_text("LSOA21CD,WD24CD,WD24NM\n")
    >>> detect(Path("wards.csv"), "ref_ward"), detect(Path("npa.geojson"), "ref_area"), detect(Path("npa.csv"), "ref_area")
    (True, True, False)
    """
    if dataset_id not in DATASETS:
        return False
    if path.suffix.lower() in POLYGON_SUFFIXES:
        return True
    if dataset_id == "ref_ward" and path.suffix.lower() == ".csv":
        try:
            header = read_header(path)
        except (OSError, UnicodeDecodeError):
            return False
        return any(_WARD_CD.match(h) for h in header) and "ward_code" not in header
    return False


def _to_bng(gdf):
    import geopandas  # noqa: F401  (reader)

    if gdf.crs is None:
        x0, y0, x1, y1 = gdf.total_bounds
        gdf = gdf.set_crs(4326 if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90 else 27700)
    return gdf.to_crs(27700)


def _polygons(path: Path, ds: Dataset) -> pd.DataFrame:
    import geopandas as gpd
    import shapely

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # the reader's own message names what is wrong with the file
        raise SupplyRejected(ds.id, [Problem(path.name, None, None, "a readable GeoJSON, GeoPackage or shapefile",
                                             f"{type(exc).__name__}: {str(exc)[:200]}")]) from None
    props = [c for c in gdf.columns if c != "geometry"]
    code = pick_property(props, CODE_NAMES, "CD" if ds.id == "ref_ward" else "CODE") or pick_property(props, (), "CD")
    name = pick_property(props, NAME_NAMES, "NM" if ds.id == "ref_ward" else "NAME") or pick_property(props, (), "NM")
    if code is None:
        raise SupplyRejected(ds.id, [Problem(path.name, None, None, "a code property (area_code, code, id or *CD)",
                                             "properties " + ", ".join(props[:12]))])
    bad = [i for i, g in enumerate(gdf.geometry) if g is None or g.geom_type not in ("Polygon", "MultiPolygon")]
    if bad:
        raise SupplyRejected(ds.id, [Problem(path.name, None, "geometry", "Polygon or MultiPolygon features",
                                             f"{len(bad)} feature(s) without one (first: feature {bad[0] + 1})")])
    gdf = _to_bng(gdf)
    wkt = [shapely.to_wkt(g, rounding_precision=1) for g in gdf.geometry]
    frame = pd.DataFrame({"code": gdf[code].astype(str), "name": gdf[name].astype(str) if name else None,
                          "geometry": wkt})
    if ds.id == "ref_ward":
        return pd.DataFrame({"ward_code": frame["code"], "ward_name": frame["name"], "geometry": frame["geometry"]})
    area_set = gdf["area_set"].astype(str) if "area_set" in gdf.columns else path.stem.lower()
    return pd.DataFrame({"area_set": area_set, "area_code": frame["code"], "area_name": frame["name"],
                         "geometry": frame["geometry"]})


def _ward_lookup(path: Path, ds: Dataset) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cd = next((c for c in raw.columns if _WARD_CD.match(c)), None)
    nm = next((c for c in raw.columns if _WARD_NM.match(c)), None)
    out = pd.DataFrame({"ward_code": raw[cd].str.strip(), "ward_name": raw[nm].str.strip() if nm else None,
                        "geometry": None})
    return out.drop_duplicates("ward_code")     # lookups repeat a ward once per LSOA or postcode


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    r"""Stage ward lookups (one row per ward) or area polygons (BNG WKT, ``area_set`` from the file name) as ``table``.

    Examples
    --------
    >>> import duckdb, json
    >>> from workbench import catalogue
    >>> con = duckdb.connect()
    >>> _ = Path("wards.csv").write_text("LSOA21CD,WD24CD,WD24NM\nE01000001,E05000001,Arboretum\nE01000002,E05000001,Arboretum\n")
    >>> stage(con, [Path("wards.csv")], catalogue.get("ref_ward"), "wards")
    >>> con.execute("SELECT * FROM wards").fetchall()           # the lookup repeats the ward: one row kept
    [('E05000001', 'Arboretum', None, 'wards.csv', 2)]
    >>> _ = Path("npa.geojson").write_text(json.dumps({"type": "FeatureCollection",
    ...     "crs": {"type": "name", "properties": {"name": "EPSG:27700"}},
    ...     "features": [{"type": "Feature", "properties": {"NPA_CODE": "N1", "NPA_NAME": "City Centre"},
    ...                   "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]}}]}))
    >>> stage(con, [Path("npa.geojson")], catalogue.get("ref_area"), "areas")
    >>> con.execute("SELECT area_set, area_code, area_name, geometry FROM areas").fetchall()
    [('npa', 'N1', 'City Centre', 'POLYGON ((0 0, 10 0, 10 10, 0 0))')]
    """
    for f in files:
        frame = _ward_lookup(f, ds) if f.suffix.lower() == ".csv" else _polygons(f, ds)
        stage_frame(con, frame, table, file=f.name, first_line=2)
