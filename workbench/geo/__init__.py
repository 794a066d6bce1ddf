"""Geography: BNG↔WGS84, postcodes and their centroids, grids, boundaries and the partnership area.

Coordinates are British National Grid metres inside the workbench; WGS84 only at the edge
(DESIGN.md "Choices").

>>> from workbench.geo import normalise_postcode, outward
>>> normalise_postcode("ng1 5aw"), outward("NG1 5AW")
('NG1 5AW', 'NG1')
"""

from workbench.geo.boundaries import (
    PartnershipArea, assign_polygons, read_geojson, read_lsoa_geojson, to_bng,
)
from workbench.geo.centroids import PostcodeCentroids
from workbench.geo.crs import BNG, WGS84, bng_to_wgs84, in_bng_extent, transformer, wgs84_to_bng
from workbench.geo.grid import bounding_box, cell_centres, cell_ids, grid_over, snap
from workbench.geo.postcode import (
    POSTCODE_RE,
    is_valid_postcode,
    normalise_postcode,
    normalise_postcode_sql,
    normalise_postcodes,
    outward,
    outwards,
    sector,
)

__all__ = [
    "BNG", "WGS84", "POSTCODE_RE", "PartnershipArea", "assign_polygons", "PostcodeCentroids", "bng_to_wgs84",
    "bounding_box", "cell_centres", "cell_ids", "grid_over", "in_bng_extent", "is_valid_postcode",
    "normalise_postcode", "normalise_postcode_sql", "normalise_postcodes", "outward", "outwards",
    "read_geojson", "read_lsoa_geojson", "sector", "snap", "to_bng", "transformer", "wgs84_to_bng",
]
