"""Context layers and partner aggregates for the assessments: LSOAs, IMD, harm, PPOs, intelligence.

Same family signature as :mod:`workbench.dashboard_data.crime` where a period applies. LSOA
boundaries come from ``ref_lsoa`` (3.3.1; geometry stored as GeoJSON or WKT text, WGS84),
deprivation from ``ref_imd`` (3.3.7), harm weights from ``ref_harm_weights``
(Cambridge Crime Harm Index or ONS crime severity score), PPO status from ``police_ppo``
(3.2.7, counts only) and partner intelligence categories from ``partner_intelligence``.
"""

from __future__ import annotations

import json
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from workbench.dashboard_data.access import Viewer, disclose
from workbench.dashboard_data.crime import CRIME, _offence_filter
from workbench.dashboard_data.periods import Comparison, Period, month_start
from workbench.dashboard_data.source import Source


def _shapes(texts) -> np.ndarray:
    """Shapely geometries from WKT or GeoJSON text (the form ``ref_lsoa.geometry`` is stored in)."""
    texts = [(t or "").strip() for t in texts]
    if all(not t.startswith("{") for t in texts):
        return shapely.from_wkt(np.array(texts, dtype=object))
    return np.array([shapely.geometry.shape(json.loads(t)) if t.startswith("{") else shapely.from_wkt(t)
                     for t in texts], dtype=object)


def _in_bng(geoms: np.ndarray) -> bool:
    """True when coordinates are British National Grid metres rather than lon/lat degrees."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) > 1000


def _to_wgs84(geoms: np.ndarray) -> np.ndarray:
    from workbench.geo.crs import bng_to_wgs84

    def convert(xy):
        lon, lat = bng_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])
    return shapely.transform(geoms, convert)


def _to_bng(geoms: np.ndarray) -> np.ndarray:
    from workbench.geo.crs import wgs84_to_bng

    def convert(xy):
        e, n = wgs84_to_bng(xy[:, 0], xy[:, 1])
        return np.column_stack([e, n])
    return shapely.transform(geoms, convert)


def _lsoa_layer(source: Source) -> tuple[dict, pd.DataFrame]:
    key = (str(source.path), source.version())
    cached = _BOUNDARY_CACHE.get(key)
    if cached is not None:
        return cached
    has_imd = source.has("ref_imd")
    imd = "i.imd_decile, i.imd_rank" if has_imd else "null as imd_decile, null as imd_rank"
    join = "left join ref_imd i using (lsoa_code)" if has_imd else ""
    frame = source.frame(
        f"select l.lsoa_code, l.lsoa_name, l.population, {imd}, l.geometry "
        f"from ref_lsoa l {join} where l.geometry is not null order by 1")
    geoms = _shapes(frame["geometry"])
    if len(geoms) and _in_bng(geoms):
        bng, wgs = geoms, _to_wgs84(geoms)
    else:
        wgs = geoms
        bng = _to_bng(geoms) if len(geoms) else geoms
    wgs = shapely.transform(wgs, lambda xy: np.round(xy, 5)) if len(wgs) else wgs   # ~1 m
    centroids = shapely.centroid(bng) if len(bng) else bng
    features = []
    for row, geom in zip(frame.itertuples(index=False), wgs):
        props = {"lsoa_code": row.lsoa_code, "lsoa_name": row.lsoa_name,
                 "population": None if pd.isna(row.population) else int(row.population),
                 "imd_decile": None if pd.isna(row.imd_decile) else int(row.imd_decile),
                 "imd_rank": None if pd.isna(row.imd_rank) else int(row.imd_rank)}
        features.append({"type": "Feature", "properties": props,
                         "geometry": shapely.geometry.mapping(geom)})
    table = pd.DataFrame({"lsoa_code": frame["lsoa_code"],
                          "easting": shapely.get_x(centroids) if len(bng) else [],
                          "northing": shapely.get_y(centroids) if len(bng) else []})
    result = ({"type": "FeatureCollection", "features": features}, table)
    _BOUNDARY_CACHE.clear()
    _BOUNDARY_CACHE[key] = result
    return result


def lsoa_boundaries(source: Source) -> dict:
    """LSOA polygons as a WGS84 GeoJSON FeatureCollection with name, population and IMD.

    ``ref_lsoa.geometry`` holds BNG WKT (the LSOA adapter) or GeoJSON text; either is
    converted to lon/lat for the map. Cached per shared-tier file version.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> layer = lsoa_boundaries(source)
    >>> layer["type"], len(layer["features"])
    ('FeatureCollection', 679)
    """
    return _lsoa_layer(source)[0]


def study_area(source: Source):
    """The partnership's area for grid methods: the union of the tier's LSOA polygons
    (:func:`workbench.geo.boundaries.lsoa_union`, BNG), or None when it holds none.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> study_area(source).source
    'union of 679 LSOA polygons'
    """
    from workbench.geo.boundaries import lsoa_union

    if not source.has("ref_lsoa"):
        return None
    frame = source.frame("select geometry from ref_lsoa where geometry is not null order by lsoa_code")
    return lsoa_union(frame["geometry"].tolist())


def lsoa_centroids(source: Source) -> pd.DataFrame:
    """``lsoa_code, easting, northing``: LSOA centroids in BNG metres (for Gi* over LSOAs).

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> c = lsoa_centroids(source)
    >>> c.columns.tolist(), len(c)
    (['lsoa_code', 'easting', 'northing'], 679)
    """
    return _lsoa_layer(source)[1]


_BOUNDARY_CACHE: dict = {}


def lsoa_rates(source: Source, period: Period, offences, viewer: Viewer) -> pd.DataFrame:
    """Crimes per LSOA with ``rate_per_1000`` residents and the IMD decile (1 = most deprived).

    Counts recorded crime (``police_crime_offence``, located through ``ref_postcode``) when
    the shared tier holds it for the period, else police.uk street-level crime
    (``police_uk_street``, which carries its LSOA; ``offences`` then match ``crime_type``).
    The ``dataset`` column says which was used. ``inside`` is False for an LSOA in which the
    dataset (in the viewer's scope) places no record at all, in any period: a boundary of the
    county or force layer outside the partnership. Its ``count`` is empty, not 0, so the map
    draws it as outside rather than as an area without crime.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> rates = lsoa_rates(source, last4.current, [], analyst)
    >>> rates[["lsoa_code", "population", "count", "imd_decile", "rate_per_1000"]].head(1).to_dict("records")
    [{'lsoa_code': 'E01013810', 'population': 1019, 'count': 0.0, 'imd_decile': 1, 'rate_per_1000': 0.0}]
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    use_crime = source.has(CRIME) and source.has("ref_postcode") and source.scalar(
        f"select count(*) > 0 from {CRIME} where committed_from_date between ? and ?",
        [period.start, period.end])
    if use_crime:
        dataset = CRIME
        counted = f"""
            select p.lsoa_code, count(*) as count
            from (select postcode from {CRIME} where {where}
                  and committed_from_date between ? and ?) s
            join ref_postcode p using (postcode) group by 1"""
        args = params + [period.start, period.end]
        placed = f"select distinct p.lsoa_code from {CRIME} join ref_postcode p using (postcode)"
    elif source.has("police_uk_street"):
        dataset = "police_uk_street"
        street_where = where.replace("offence_type", "crime_type")
        counted = f"""
            select lsoa_code, count(*) as count from police_uk_street
            where {street_where} and month between ? and ? group by 1"""
        args = params + [f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"]
        placed = "select distinct lsoa_code from police_uk_street"
    else:
        return pd.DataFrame(columns=["lsoa_code", "lsoa_name", "population", "count",
                                     "imd_decile", "imd_rank", "rate_per_1000", "dataset", "inside"])
    frame = source.frame(
        f"""
        with counted as ({counted}), placed as ({placed})
        select l.lsoa_code, l.lsoa_name, l.population, coalesce(c.count, 0) as count,
               i.imd_decile, i.imd_rank, l.lsoa_code in (select lsoa_code from placed) as inside
        from ref_lsoa l left join counted c using (lsoa_code) left join ref_imd i using (lsoa_code)
        order by 1
        """, args)
    frame = disclose(frame, "count", viewer)
    frame["count"] = frame["count"].where(frame["inside"])   # outside: unknown, not zero
    frame["rate_per_1000"] = frame["count"] / frame["population"] * 1000.0
    frame["dataset"] = dataset
    return frame


def harm_weighted(source: Source, comparison: Comparison, offences, viewer: Viewer,
                  weight_name: str = "cchi") -> pd.DataFrame:
    """Counts and harm (count × weight) per offence type, current vs baseline period.

    Weights are looked up by ``offence_code`` in ``ref_harm_weights`` (``weight_name`` e.g.
    ``cchi`` = Cambridge Crime Harm Index days of imprisonment, ``ons_css``); offences
    with no weight are listed with a null harm so the gap is visible, not hidden.

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> harm = harm_weighted(source, last4, [], analyst)      # CCHI days of custody per offence
    >>> harm.head(1).to_dict("records")
    [{'offence_type': 'Assault with injury', 'offence_code': '8N', 'current': 3, 'baseline': 25, 'weight': 365.0, 'harm_current': 1095.0, 'harm_baseline': 9125.0}]
    """
    source = source.for_viewer(viewer)
    where, params = _offence_filter(offences)
    c, b = comparison.current, comparison.baseline
    frame = source.frame(
        f"""
        with weights as (
            select offence_code, max(weight) as weight from ref_harm_weights
            where weight_name = ? and offence_code is not null group by 1
        ), source as (
            select offence_code, offence_type, committed_from_date as d from {CRIME}
            where {where} and committed_from_date between ? and ?
        ), counted as (
            select offence_code, any_value(offence_type) as offence_type,
                   count(*) filter (where d between ? and ?) as current,
                   count(*) filter (where d between ? and ?) as baseline
            from source group by 1
        )
        select c.offence_type, c.offence_code, c.current, c.baseline, w.weight
        from counted c left join weights w using (offence_code)
        order by c.current * coalesce(w.weight, 0) desc, c.offence_type
        """,
        [weight_name] + params + [b.start, c.end, c.start, c.end, b.start, b.end],
    )
    frame = disclose(frame, ["current", "baseline"], viewer)
    frame["harm_current"] = frame["current"] * frame["weight"]
    frame["harm_baseline"] = frame["baseline"] * frame["weight"]
    return frame


def _published_counts(source: Source, dataset: str, wanted: str, viewer: Viewer,
                      period: Period | None = None, date_column: str | None = None) -> pd.DataFrame:
    """Counts of a sensitive dataset by ``wanted`` (or by what the shared tier publishes).

    Sensitive personal datasets reach the shared tier only as ``<id>_counts`` (records per
    quarter and postcode district, small counts already suppressed: :mod:`workbench.privacy.
    publication`). The result has columns ``group, count`` and an attribute-like column
    ``by`` naming the grouping actually used, so the view can say so.
    """
    source = source.for_viewer(viewer)
    empty = pd.DataFrame({"group": [], "count": [], "by": []})
    if source.has(dataset) and wanted in source.columns(dataset):
        where, params = "true", []
        if period is not None and date_column:
            where, params = f"cast({date_column} as date) between ? and ?", [period.start, period.end]
        frame = source.frame(
            f"select coalesce(cast({wanted} as varchar), 'not recorded') as \"group\", count(*) as count "
            f"from {dataset} where {where} group by 1 order by count desc, 1", params)
        frame = disclose(frame, "count", viewer)
        frame["by"] = wanted
        return frame
    table = dataset + "_counts"
    if not source.has(table):
        return empty
    cols = set(source.columns(table))
    by = wanted if wanted in cols else "postcode_district" if "postcode_district" in cols else None
    if by is None:
        return empty
    where, params = "true", []
    if period is not None and "quarter_start" in cols and source.scalar(
            f"select count(quarter_start) > 0 from {table}"):
        where, params = "quarter_start between ? and ?", [month_start(period.start, (period.start.month - 1) % 3),
                                                          period.end]
    frame = source.frame(
        f"select coalesce(cast({by} as varchar), 'not recorded') as \"group\", "
        f"sum(records) as count, bool_or(suppressed) as suppressed "
        f"from {table} where {where} group by 1 order by count desc nulls last, 1", params)
    frame.loc[frame["suppressed"].fillna(False).astype(bool), "count"] = np.nan
    frame = frame.drop(columns="suppressed")
    frame["count"] = frame["count"].astype(float)
    frame["by"] = by
    return frame


def ppo_status(source: Source, viewer: Viewer) -> pd.DataFrame:
    """Prolific and other priority offenders by ``current_status`` (3.2.7): counts only.

    When the shared tier publishes PPOs only as counts per postcode district, those are
    returned instead (``by`` says which).

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> ppo_status(source, analyst).tail(2).to_dict("records")       # 1-4 hidden for everyone here
    [{'group': 'rehabilitate and resettle', 'count': 5.0, 'by': 'current_status'}, {'group': 'deregistered', 'count': nan, 'by': 'current_status'}]
    """
    return _published_counts(source, "police_ppo", "current_status", viewer)


def intelligence_by_category(source: Source, period: Period, viewer: Viewer) -> pd.DataFrame:
    """Partner intelligence submissions per ``category`` received in ``period`` (counts only),
    or per postcode district when that is all the shared tier publishes (``by``).

    Examples
    --------
    >>> from workbench.demo.build import _example_dashboard
    >>> source, analyst, last4 = _example_dashboard()     # the smallest demo (9 s once)
    >>> intelligence_by_category(source, last4.current, analyst).empty   # none submitted in the period
    True
    """
    return _published_counts(source, "partner_intelligence", "category", viewer, period, "submitted_at")
