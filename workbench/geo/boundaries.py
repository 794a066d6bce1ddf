"""Boundaries: LSOA GeoJSON → BNG WKT, and the partnership-area test.

LSOA polygons (ONS census boundaries, usually published in WGS84/CRS84) are stored in the
hub as WKT in British National Grid metres (``ref_lsoa.geometry``; DESIGN.md "Coordinates are
BNG metres internally"). A partnership's area is the union of its LSOA polygons; with no
polygons it falls back to a bounding box, so points outside the area can still be flagged
(issue 2 §4, guidance 4.2.3 on accuracy: out-of-area points).

Examples
--------
>>> area = PartnershipArea.from_bbox((450000, 330000, 470000, 350000))
>>> area.contains([457804, 500000], [340087, 340087]).tolist()
[True, False]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from workbench.geo.crs import BNG, WGS84, _as_float, transformer

#: GeoJSON property names that may hold the LSOA code / name, in order of preference
CODE_PROPERTIES = ("lsoa_code", "LSOA11CD", "LSOA21CD", "lsoa11cd", "lsoa21cd", "code", "LSOA code")
NAME_PROPERTIES = ("lsoa_name", "LSOA11NM", "LSOA21NM", "lsoa11nm", "lsoa21nm", "name", "LSOA name")

#: decimals kept in stored WKT (0.1 m: finer than any published boundary)
WKT_DECIMALS = 1


def _geojson_crs(doc: dict) -> str:
    name = ((doc.get("crs") or {}).get("properties") or {}).get("name", "")
    if "27700" in name:
        return BNG
    return WGS84  # RFC 7946: GeoJSON without a crs member is WGS84 lon/lat (CRS84)


def to_bng(geometries, source: str = WGS84):
    """Transform shapely geometries (array or one) from ``source`` to BNG metres, vectorised.

    Examples
    --------
    >>> p = to_bng(shapely.Point(-1.141, 52.9551))       # central Nottingham (longitude, latitude)
    >>> round(p.x, -1), round(p.y, -1)
    (457810.0, 340090.0)
    """
    if source == BNG:
        return geometries
    t = transformer(source, BNG)

    def _xy(coords: np.ndarray) -> np.ndarray:
        x, y = t.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometries, _xy)


def read_geojson(path: Path | str) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a GeoJSON FeatureCollection: ``(properties frame, shapely geometries in BNG)``.

    Examples
    --------
    >>> _ = Path("area.geojson").write_text(json.dumps({"type": "FeatureCollection",
    ...     "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
    ...     "features": [{"type": "Feature", "properties": {"name": "A"},
    ...                   "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [100, 0], [100, 50], [0, 0]]]}}]}))
    >>> props, geoms = read_geojson("area.geojson")
    >>> props["name"].tolist(), geoms[0].area          # BNG declared: coordinates kept (square metres)
    (['A'], 2500.0)
    >>> _ = Path("bad.geojson").write_text('{"type": "Feature"}')
    >>> read_geojson("bad.geojson")
    Traceback (most recent call last):
    ...
    ValueError: bad.geojson: expected a GeoJSON FeatureCollection; found type 'Feature'.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: not a UTF-8 GeoJSON document ({exc}).") from None
    if doc.get("type") != "FeatureCollection":
        raise ValueError(f"{path.name}: expected a GeoJSON FeatureCollection; found type "
                         f"{doc.get('type')!r}.")
    feats = doc.get("features") or []
    props = pd.DataFrame([f.get("properties") or {} for f in feats])
    geoms = np.array([shapely.from_geojson(json.dumps(f["geometry"])) if f.get("geometry") else None
                      for f in feats], dtype=object)
    return props, to_bng(geoms, _geojson_crs(doc))


def _pick(props: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    for n in names:
        if n in props.columns:
            return n
    return None


def read_lsoa_geojson(path: Path | str) -> pd.DataFrame:
    """LSOA polygons from a GeoJSON file as ``lsoa_code, lsoa_name, geometry`` (BNG WKT).

    The code comes from the first of :data:`CODE_PROPERTIES` present, the name from
    :data:`NAME_PROPERTIES` (None when the file has no name property).

    Examples
    --------
    >>> _ = Path("lsoa.geojson").write_text(json.dumps({"type": "FeatureCollection",
    ...     "crs": {"type": "name", "properties": {"name": "EPSG:27700"}},
    ...     "features": [{"type": "Feature", "properties": {"LSOA21CD": "E01000001", "LSOA21NM": "Alpha 001A"},
    ...                   "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]}}]}))
    >>> read_lsoa_geojson("lsoa.geojson").values.tolist()
    [['E01000001', 'Alpha 001A', 'POLYGON ((0 0, 10 0, 10 10, 0 0))']]
    """
    props, geoms = read_geojson(path)
    code = _pick(props, CODE_PROPERTIES)
    if code is None:
        raise ValueError(f"{Path(path).name}: no LSOA code property; expected one of "
                         f"{list(CODE_PROPERTIES)}, found {list(props.columns)}.")
    name = _pick(props, NAME_PROPERTIES)
    wkt = shapely.to_wkt(geoms, rounding_precision=WKT_DECIMALS, trim=True)
    return pd.DataFrame({
        "lsoa_code": props[code].astype(str).to_numpy(),
        "lsoa_name": props[name].to_numpy() if name else [None] * len(props),
        "geometry": wkt,
    })


@dataclass
class PartnershipArea:
    """The area a partnership covers: a (multi)polygon in BNG, or a bounding box.

    ``contains`` is vectorised and counts points on the boundary as inside; missing
    coordinates are never inside.

    Examples
    --------
    >>> a = PartnershipArea.from_wkt(["POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0))"], source="boundary")
    >>> a.contains([50, 100, 150, None], [50, 50, 50, 50]).tolist()   # the edge is inside; missing never is
    [True, True, False, False]
    >>> a.bbox
    (0.0, 0.0, 100.0, 100.0)
    """

    geometry: object = None
    bbox: tuple[float, float, float, float] | None = None
    source: str = ""

    def __post_init__(self):
        if self.geometry is None and self.bbox is None:
            raise ValueError("PartnershipArea needs `geometry` (polygons) or `bbox` "
                             "(min_e, min_n, max_e, max_n); neither was given.")
        if self.geometry is not None:
            shapely.prepare(self.geometry)
            self.bbox = tuple(float(v) for v in self.geometry.bounds)

    @classmethod
    def from_wkt(cls, wkts, source: str = "polygons") -> "PartnershipArea":
        """The union of WKT polygons (BNG)."""
        geoms = shapely.from_wkt(np.asarray(list(wkts), dtype=object))
        geoms = geoms[~shapely.is_missing(geoms)]
        if len(geoms) == 0:
            raise ValueError("PartnershipArea.from_wkt: no polygons given.")
        return cls(geometry=shapely.union_all(shapely.make_valid(geoms)), source=source)

    @classmethod
    def from_bbox(cls, bbox, source: str = "bbox") -> "PartnershipArea":
        min_e, min_n, max_e, max_n = (float(v) for v in bbox)
        if not (min_e < max_e and min_n < max_n):
            raise ValueError(f"PartnershipArea.from_bbox: expected (min_e, min_n, max_e, max_n) "
                             f"with min < max; got {tuple(bbox)}.")
        return cls(bbox=(min_e, min_n, max_e, max_n), source=source)

    @classmethod
    def from_hub(cls, con, lsoa_codes=None) -> "PartnershipArea | None":
        """Union of ``ref_lsoa`` polygons (all, or ``lsoa_codes``); else the box round
        ``ref_postcode``; None when the hub has neither."""
        where, params = "WHERE geometry IS NOT NULL", []
        if lsoa_codes is not None:
            codes = list(lsoa_codes)
            where += f" AND lsoa_code IN ({', '.join('?' * len(codes))})" if codes else " AND false"
            params = codes
        wkts = [r[0] for r in con.execute(f"SELECT geometry FROM ref_lsoa {where}", params).fetchall()]
        if wkts:
            return cls.from_wkt(wkts, source=f"{len(wkts)} LSOA polygons")
        box = con.sql("SELECT min(easting), min(northing), max(easting), max(northing) "
                      "FROM ref_postcode").fetchone()
        if box and box[0] is not None and box[0] < box[2] and box[1] < box[3]:
            return cls.from_bbox(box, source="bounding box of ref_postcode")
        return None

    def contains(self, easting, northing) -> np.ndarray:
        """Boolean array: True where the point is inside the area (or on its edge)."""
        e = _as_float(easting)
        n = _as_float(northing)
        ok = np.isfinite(e) & np.isfinite(n)
        out = np.zeros(e.shape, dtype=bool)
        if not ok.any():
            return out
        if self.geometry is not None:
            out[ok] = shapely.intersects_xy(self.geometry, e[ok], n[ok])
        else:
            min_e, min_n, max_e, max_n = self.bbox
            out[ok] = (e[ok] >= min_e) & (e[ok] <= max_e) & (n[ok] >= min_n) & (n[ok] <= max_n)
        return out

    def to_dict(self) -> dict:
        return {"source": self.source, "bbox": list(self.bbox),
                "area_km2": (round(self.geometry.area / 1e6, 3) if self.geometry is not None
                             else round((self.bbox[2] - self.bbox[0]) * (self.bbox[3] - self.bbox[1]) / 1e6, 3))}


_UNION_CACHE: dict = {}


def lsoa_union(texts, source: str = "") -> "PartnershipArea | None":
    """The study area of a hub: the union of its LSOA polygons (issue 12), in BNG metres.

    ``texts`` are ``ref_lsoa.geometry`` values: BNG WKT (the LSOA adapter) or GeoJSON /
    WKT in WGS84 lon/lat (converted). Returns None when there are no polygons, so callers fall
    back to the points' hull and say so. The last union is cached (a county's 700 LSOAs
    take ~0.3 s).

    Examples
    --------
    >>> a = lsoa_union(["POLYGON ((455000 340000, 455010 340000, 455010 340010, 455000 340010, 455000 340000))",
    ...                 "POLYGON ((455010 340000, 455020 340000, 455020 340010, 455010 340010, 455010 340000))"])
    >>> a.source, a.to_dict()["bbox"]
    ('union of 2 LSOA polygons', [455000.0, 340000.0, 455020.0, 340010.0])
    """
    texts = [t.strip() for t in texts if t and str(t).strip()]
    if not texts:
        return None
    key = hash(tuple(texts))
    if key in _UNION_CACHE:
        return _UNION_CACHE[key]
    geoms = np.array([shapely.from_geojson(t) if t.startswith("{") else shapely.from_wkt(t) for t in texts],
                     dtype=object)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    if max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) <= 1000:   # lon/lat degrees
        geoms = to_bng(geoms, WGS84)
    area = PartnershipArea(geometry=shapely.union_all(shapely.make_valid(geoms)),
                           source=source or f"union of {len(texts)} LSOA polygons")
    _UNION_CACHE.clear()
    _UNION_CACHE[key] = area
    return area


def assign_polygons(easting, northing, codes, wkts) -> np.ndarray:
    """The code of the polygon holding each point (first match), None when none does.

    Vectorised with a shapely STRtree; used to give Code-Point postcodes their LSOA.

    Examples
    --------
    >>> assign_polygons([5, 50], [5, 5], ["A"], ["POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"]).tolist()
    ['A', None]
    """
    e = _as_float(easting)
    n = _as_float(northing)
    out = np.full(e.shape, None, dtype=object)
    codes = np.asarray(list(codes), dtype=object)
    if len(codes) == 0:
        return out
    geoms = shapely.from_wkt(np.asarray(list(wkts), dtype=object))
    tree = shapely.STRtree(geoms)
    ok = np.flatnonzero(np.isfinite(e) & np.isfinite(n))
    if len(ok) == 0:
        return out
    pts = shapely.points(e[ok], n[ok])
    point_idx, poly_idx = tree.query(pts, predicate="intersects")
    order = np.lexsort((poly_idx, point_idx))
    point_idx, poly_idx = point_idx[order], poly_idx[order]
    first = np.unique(point_idx, return_index=True)[1]
    out[ok[point_idx[first]]] = codes[poly_idx[first]]
    return out
