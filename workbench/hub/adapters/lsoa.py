"""LSOA boundaries (GeoJSON, usually CRS84 lon/lat) → ``ref_lsoa`` with geometry as BNG WKT.

The ONS census boundary files (e.g. ``england_lsoa_2011_gen_clipped``) publish each LSOA as a
(Multi)Polygon feature. The code is read from ``LSOA11CD``/``LSOA21CD``/``code``…, the name
from ``LSOA11NM``/``LSOA21NM``/``name``… (NULL when absent) and the population from a
``population``/``usual_residents`` property when the file has one (NULL otherwise: boundary
files carry no population). Geometry is transformed to British National Grid and stored as
WKT rounded to 0.1 m (:func:`workbench.geo.read_lsoa_geojson`).
"""

from __future__ import annotations

import json
from pathlib import Path


from workbench.catalogue.model import Dataset
from workbench.errors import Problem, SupplyRejected
from workbench.geo.boundaries import read_lsoa_geojson
from workbench.hub.adapters.frames import stage_frame

NAME = "lsoa_geojson"
DATASETS = ("ref_lsoa",)
SUFFIXES = (".geojson", ".json")
POPULATION_PROPERTIES = ("population", "Population", "POPULATION", "usual_residents", "pop")


def detect(path: Path, dataset_id: str) -> bool:
    """True for a GeoJSON file offered as ``ref_lsoa``.

    Examples
    --------
    >>> detect(Path("lsoa.geojson"), "ref_lsoa"), detect(Path("lsoa.csv"), "ref_lsoa")
    (True, False)
    """
    return path.suffix.lower() in SUFFIXES


def _population(path: Path) -> list | None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    feats = doc.get("features") or []
    props = [f.get("properties") or {} for f in feats]
    for name in POPULATION_PROPERTIES:
        if any(name in p for p in props):
            return [p.get(name) for p in props]
    return None


def stage(con, files: list[Path], ds: Dataset, table: str) -> None:
    """Stage LSOA boundary files as ``table``: code, name, BNG WKT geometry and any population property.

    Examples
    --------
    >>> import duckdb
    >>> from workbench import catalogue
    >>> from workbench.hub.staging import Staging
    >>> _ = Path("lsoa.geojson").write_text(json.dumps({"type": "FeatureCollection",
    ...     "crs": {"type": "name", "properties": {"name": "EPSG:27700"}},
    ...     "features": [{"type": "Feature", "properties": {"LSOA11CD": "E01000001", "LSOA11NM": "City 001A", "population": 1500},
    ...                   "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]}}]}))
    >>> con = Staging(duckdb.connect())   # one supply's staging area, as ingest makes
    >>> stage(con, [Path("lsoa.geojson")], catalogue.get("ref_lsoa"), "staged")
    >>> con.execute("SELECT * FROM staged").fetchall()
    [('E01000001', 'City 001A', 'POLYGON ((0 0, 10 0, 10 10, 0 0))', '1500', 'lsoa.geojson', 1)]
    >>> con.reset()
    """
    for f in files:
        try:
            frame = read_lsoa_geojson(f)
            population = _population(f)
        except (ValueError, KeyError, TypeError) as exc:
            raise SupplyRejected(ds.id, [Problem(f.name, None, None,
                                                 "a GeoJSON FeatureCollection of LSOA polygons",
                                                 str(exc)[:200])]) from None
        frame["population"] = population
        # a feature has no line of its own: _line is the feature's position (1-based)
        stage_frame(con, frame[["lsoa_code", "lsoa_name", "geometry", "population"]],
                    table, file=f.name, first_line=1)
