"""Maps for the dashboards: folium (Leaflet) served from this machine, LSOAs as the background.

Pure functions: they take already-aggregated data (a GeoJSON FeatureCollection of LSOA
polygons and per-LSOA values) and return a folium map; they read nothing.

Offline (STACK.md): folium normally pulls Leaflet, jQuery, Bootstrap and Font Awesome from
CDNs. :class:`OfflineMap` loads only Leaflet, from ``/vendor/leaflet/`` (the
``xstatic-leaflet`` package served by the dashboard server), draws no tile layer unless a
``tile_url`` is configured for a deployment that has a tile server, and uses the LSOA
boundaries as the background. Colour legends are drawn as plain HTML by the caller
(branca's legends would fetch d3 from a CDN).
"""

from __future__ import annotations

import functools
import html
import math
import os
import re

import branca.element
import folium
import jinja2

from workbench.viz.numbers import plain_number

#: where the dashboard server publishes Leaflet (see dashboards/server.py ``static_dirs``)
LEAFLET_PREFIX = "/vendor/leaflet"
#: a deployment's tile server, e.g. ``http://tiles.local/{z}/{x}/{y}.png``; none by default
TILE_URL_ENV = "WORKBENCH_TILE_URL"

#: sequential colours (light → dark), ColorBrewer YlOrRd 7 and a diverging Gi* scheme
SEQUENTIAL = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")
GISTAR = {"hot (99%)": "#b2182b", "hot (95%)": "#ef8a62", "hot (90%)": "#fddbc7",
          "not significant": "#f7f7f7", "cold (90%)": "#d1e5f0", "cold (95%)": "#67a9cf",
          "cold (99%)": "#2166ac"}
#: colours of the tactical hotspot cells (Gi* class after false-discovery control)
GISTAR_CELLS = {"hot": "#b2182b", "cold": "#2166ac"}
NO_DATA = "#d9d9d9"
#: LSOAs outside the partnership (no records in scope): white, dashed outline, labelled
OUTSIDE = "#ffffff"
_LSOA_SUFFIX = re.compile(r"\s+\d{3}[A-Z]$")


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> jinja2.Template:
    return jinja2.Template(source)


def _template(source, *args, **kwargs):
    return _compiled(source) if not args and not kwargs else jinja2.Template(source, *args, **kwargs)


# branca compiles a Jinja template for every element it creates (~50 ms each, so ~1 s per
# map); compiled templates are immutable, so they are cached and shared.
branca.element.Template = _template


class OfflineMap(folium.Map):
    """A folium map that loads Leaflet from this server and nothing from the internet.

    Examples
    --------
    >>> page = OfflineMap(location=[52.95, -1.15], zoom_start=11, tiles=None).get_root().render()
    >>> "/vendor/leaflet/leaflet.js" in page, "unpkg.com" in page or "cdn.jsdelivr.net" in page
    (True, False)
    """

    default_js = [("leaflet", f"{LEAFLET_PREFIX}/leaflet.js")]
    default_css = [("leaflet_css", f"{LEAFLET_PREFIX}/leaflet.css")]


def base_map(boundaries: dict, *, tile_url: str | None = None, height: int = 520,
             fit: list | None = None) -> OfflineMap:
    """An :class:`OfflineMap` fitted to ``fit`` (``[[south, west], [north, east]]``) or else to
    the LSOA boundaries (WGS84 GeoJSON).

    Examples
    --------
    >>> b = _example_boundaries()
    >>> page = base_map(b).get_root().render()
    >>> "fitBounds" in page, "tile" in page.lower()                # fitted to the LSOAs; no tile layer configured
    (True, False)
    """
    tile_url = tile_url if tile_url is not None else os.environ.get(TILE_URL_ENV) or None
    fmap = OfflineMap(location=_centre(boundaries), zoom_start=11, tiles=None,
                      control_scale=True, height=height, prefer_canvas=True)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="local tile server", name="tiles").add_to(fmap)
    bounds = fit or _bounds(boundaries)
    if bounds:
        fmap.fit_bounds(bounds)
    return fmap


def classify(values, n_classes: int = len(SEQUENTIAL)) -> list[float]:
    """Class breaks: zero is a class of its own, the positive values are split into
    ``n_classes - 1`` equal-count (quantile) classes.

    Examples
    --------
    >>> classify([0, 1, 2, 3, 4, 5, 6, 7, None])                   # 0 is its own class; 6 classes of positives
    [1, 2, 3, 4, 5, 6]
    >>> classify([0, 0])
    []
    """
    clean = sorted(v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v)))
    positive = [v for v in clean if v > 0]
    if not positive:
        return []
    breaks = [min(positive)]
    k_max = n_classes - 1
    for k in range(1, k_max):
        breaks.append(positive[min(len(positive) - 1, int(k * len(positive) / k_max))])
    return sorted(set(breaks))


def colour_for(value, breaks: list[float], colours=SEQUENTIAL) -> str:
    """The colour of ``value`` among class ``breaks`` (:func:`classify`); grey for a missing value.

    Examples
    --------
    >>> colour_for(0, [1, 3]), colour_for(2, [1, 3]), colour_for(5, [1, 3]), colour_for(None, [1, 3])
    ('#ffffb2', '#fed976', '#feb24c', '#d9d9d9')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    k = sum(1 for b in breaks if value >= b)
    return colours[min(k, len(colours) - 1)]


def place_labels(boundaries: dict) -> list[tuple[str, float, float]]:
    """Town or area names for the map, offline, from the LSOA names already in the hub.

    An LSOA is named ``'<local authority> 001A'`` (ONS); the name without its code is the
    place. Each place is labelled once, at the mean of its LSOAs' bounding-box centres
    (``(name, latitude, longitude)``); a single-LSOA area is labelled by its full name.

    >>> sq = lambda x: {"type": "Polygon", "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 0]]]}
    >>> b = {"features": [{"properties": {"lsoa_name": "Ashfield 001A"}, "geometry": sq(0)},
    ...                   {"properties": {"lsoa_name": "Ashfield 002B"}, "geometry": sq(2)}]}
    >>> place_labels(b)
    [('Ashfield', 0.5, 1.5)]
    """
    places: dict[str, list] = {}
    for feat in boundaries.get("features", []):
        name = feat["properties"].get("lsoa_name")
        if not name:
            continue
        xs, ys = zip(*_coords(feat["geometry"])) if feat.get("geometry") else ((), ())
        if not xs:
            continue
        place = _LSOA_SUFFIX.sub("", str(name)).strip() or str(name)
        places.setdefault(place, []).append(((min(ys) + max(ys)) / 2, (min(xs) + max(xs)) / 2))
    return [(name, round(sum(p[0] for p in pts) / len(pts), 6), round(sum(p[1] for p in pts) / len(pts), 6))
            for name, pts in sorted(places.items())]


def _add_labels(fmap, boundaries: dict) -> None:
    for name, lat, lon in place_labels(boundaries):
        folium.Marker([lat, lon], icon=folium.DivIcon(
            html=f"<div class='wb-place' style='font:600 11px sans-serif;color:#222;"
                 f"text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap'>{html.escape(name)}</div>",
            icon_size=(0, 0))).add_to(fmap)


def choropleth(boundaries: dict, values: dict, *, title: str, fields: dict | None = None,
               tile_url: str | None = None, height: int = 520, outside=frozenset(),
               labels: bool = True) -> OfflineMap:
    """LSOAs shaded by ``values`` (``{lsoa_code: number}``), with a tooltip per LSOA.

    Parameters
    ----------
    boundaries : GeoJSON FeatureCollection with ``lsoa_code`` and ``lsoa_name`` properties.
    values : the number to shade by, per LSOA code (missing → grey).
    title : what the number is (shown in the tooltip).
    fields : extra tooltip values ``{label: {lsoa_code: value}}`` (e.g. count, IMD decile).
    outside : LSOA codes outside the partnership: drawn white with a dashed outline and
        labelled "outside the partnership", never shaded as zero.
    labels : write place names (from the LSOA names, :func:`place_labels`) on the map.

    Examples
    --------
    >>> b = _example_boundaries()
    >>> page = choropleth(b, {"E01000001": 5}, title="Crimes", outside={"E01000002"}).get_root().render()
    >>> "outside the partnership" in page, colour_for(5, classify([5])) in page   # E01000001 shaded
    (True, True)
    """
    with_data = {"type": "FeatureCollection", "features": [
        f for f in boundaries["features"] if (values.get(f["properties"].get("lsoa_code")) or 0) > 0]}
    fmap = base_map(with_data if with_data["features"] else boundaries, tile_url=tile_url, height=height)
    breaks = classify(list(values.values()))
    features = []
    for feat in boundaries["features"]:
        props = dict(feat["properties"])
        code = props.get("lsoa_code")
        value = values.get(code)
        props["_out"] = code in outside
        props["_fill"] = OUTSIDE if props["_out"] else colour_for(value, breaks)
        props["_tip"] = (_tooltip(props, "outside the partnership (no records in scope)", None, {})
                         if props["_out"] else _tooltip(props, title, value, fields or {}))
        features.append({"type": "Feature", "properties": props, "geometry": feat["geometry"]})
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name=title,
        style_function=lambda f: ({"fillColor": OUTSIDE, "color": "#888888", "weight": 0.8,
                                   "dashArray": "4 3", "fillOpacity": 0.35}
                                  if f["properties"]["_out"] else
                                  {"fillColor": f["properties"]["_fill"], "color": "#555555",
                                   "weight": 0.6, "fillOpacity": 0.75}),
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
    ).add_to(fmap)
    if labels:
        _add_labels(fmap, boundaries)
    return fmap


def hotspot_map(boundaries: dict, classes: dict, *, title: str, surface=None,
                tile_url: str | None = None, height: int = 520, points=None,
                point_colour: str = "#6a3d9a") -> OfflineMap:
    """LSOAs coloured by Gi* class (``{lsoa_code: class label}`` from :data:`GISTAR`), with an
    optional kernel density surface drawn on top as cells, and optional record points.

    ``surface`` is an iterable of ``(lon_west, lat_south, lon_east, lat_north, tooltip, colour)``
    rectangles (already chosen by the caller); a colour that is a key of :data:`GISTAR_CELLS`
    ('hot', 'cold') is drawn in that class's colour. ``points`` are ``(lon, lat, tooltip)``
    records (e.g. geocoded partner records), drawn as small circles in ``point_colour``.

    Examples
    --------
    >>> square = {"type": "Feature", "properties": {"lsoa_code": "E01000001", "lsoa_name": "A 001A"},
    ...           "geometry": {"type": "Polygon", "coordinates": [[[-1.2, 52.9], [-1.1, 52.9],
    ...                        [-1.1, 53.0], [-1.2, 53.0], [-1.2, 52.9]]]}}
    >>> fmap = hotspot_map({"type": "FeatureCollection", "features": [square]}, {}, title="Gi*",
    ...                    points=[(-1.15, 52.95, "ASB <3 June>")])
    >>> page = fmap.get_root().render()
    >>> "circleMarker" in page or "circle_marker" in page, "ASB &lt;3 June&gt;" in page
    (True, True)
    """
    fit = None
    corners = [(c[0], c[1]) for c in surface or []] + [(c[2], c[3]) for c in surface or []]
    corners += [(p[0], p[1]) for p in points or []]
    if corners:                                   # zoom to the events, with a margin around them
        s_, w_ = min(c[1] for c in corners), min(c[0] for c in corners)
        n_, e_ = max(c[1] for c in corners), max(c[0] for c in corners)
        dy, dx = max((n_ - s_) * 0.6, 0.005), max((e_ - w_) * 0.6, 0.008)
        fit = [[s_ - dy, w_ - dx], [n_ + dy, e_ + dx]]
    fmap = base_map(boundaries, tile_url=tile_url, height=height, fit=fit)
    features = []
    for feat in boundaries["features"]:
        props = dict(feat["properties"])
        label = classes.get(props.get("lsoa_code"), "not significant")
        props["_fill"] = GISTAR.get(label, NO_DATA)
        props["_tip"] = _tooltip(props, title, label, {})
        features.append({"type": "Feature", "properties": props, "geometry": feat["geometry"]})
    if features:                                  # a tier without LSOA boundaries: no background
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, name="Gi* by LSOA",
            style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#666666",
                                      "weight": 0.5, "fillOpacity": 0.7},
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
        ).add_to(fmap)
    if surface:
        cells = [{"type": "Feature",
                  "properties": {"_fill": GISTAR_CELLS.get(colour, colour),
                                 "_tip": html.escape(str(tip))},
                  "geometry": {"type": "Polygon", "coordinates": [[
                      [west, south], [east, south], [east, north], [west, north], [west, south]]]}}
                 for west, south, east, north, tip, colour in surface]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": cells}, name="hotspot cells",
            style_function=lambda f: {"fillColor": f["properties"]["_fill"], "stroke": False,
                                      "fillOpacity": 0.75},
            tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
        ).add_to(fmap)
    if points:
        layer = folium.FeatureGroup(name="records")
        for lon, lat, tip in points:
            folium.CircleMarker([lat, lon], radius=4, color=point_colour, weight=1, fill=True,
                                fill_color=point_colour, fill_opacity=0.8,
                                tooltip=html.escape(str(tip))).add_to(layer)
        layer.add_to(fmap)
    _add_labels(fmap, boundaries)
    return fmap


def points_legend_html(label: str, colour: str = "#6a3d9a") -> str:
    """Legend entry for the record points of :func:`hotspot_map` (escaped).

    >>> "council &amp; fire" in points_legend_html("council & fire")
    True
    """
    return (f"<div class='wb-legend'><span class='wb-swatch' style='background:{colour};"
            f"border-radius:50%'></span>{html.escape(label)}</div>")


def outside_legend_html() -> str:
    """Legend entry for LSOAs outside the partnership (see :func:`choropleth`).

    Examples
    --------
    >>> "outside the partnership" in outside_legend_html()
    True
    """
    return ("<div class='wb-legend'><span class='wb-swatch' style='background:#fff;"
            "border:1px dashed #888'></span>outside the partnership (no records in scope; not zero)</div>")


def legend_html(breaks: list[float], title: str, colours=SEQUENTIAL) -> str:
    """A small HTML legend for :func:`choropleth` (escaped; no external assets).

    Examples
    --------
    >>> print(legend_html([1, 3], "Crimes <per 1,000>"))         # the title is escaped
    <div class='wb-legend'><b>Crimes &lt;per 1,000&gt;</b> <span style='background:#d9d9d9' class='wb-swatch'></span>no data <span style='background:#ffffb2' class='wb-swatch'></span>0 <span style='background:#fed976' class='wb-swatch'></span>1.00 – 3.00 <span style='background:#feb24c' class='wb-swatch'></span>≥ 3.00</div>
    """
    items = [f"<span style='background:{NO_DATA}' class='wb-swatch'></span>no data"]
    edges = [None] + list(breaks)
    for k, lo in enumerate(edges):
        hi = edges[k + 1] if k + 1 < len(edges) else None
        text = ("0" if lo is None and breaks and breaks[0] > 0 else f"< {plain_number(hi)}" if lo is None
                else f"≥ {plain_number(lo)}" if hi is None else f"{plain_number(lo)} – {plain_number(hi)}")
        items.append(f"<span style='background:{colours[min(k, len(colours) - 1)]}' "
                     f"class='wb-swatch'></span>{html.escape(text)}")
    return (f"<div class='wb-legend'><b>{html.escape(title)}</b> " + " ".join(items) + "</div>")


def gistar_legend_html(classes: dict | None = None) -> str:
    """Legend of Gi* classes (default the LSOA classes of :data:`GISTAR`).

    Examples
    --------
    >>> print(gistar_legend_html({"hot": "#b2182b", "<cold>": "#2166ac"}))
    <div class='wb-legend'><b>Gi* hot and cold spots</b> <span style='background:#b2182b' class='wb-swatch'></span>hot <span style='background:#2166ac' class='wb-swatch'></span>&lt;cold&gt;</div>
    """
    classes = GISTAR if classes is None else classes
    return ("<div class='wb-legend'><b>Gi* hot and cold spots</b> " + " ".join(
        f"<span style='background:{c}' class='wb-swatch'></span>{html.escape(k)}"
        for k, c in classes.items()) + "</div>")


def _tooltip(props: dict, title: str, value, fields: dict) -> str:
    parts = [f"<b>{html.escape(str(props.get('lsoa_name') or props.get('lsoa_code')))}</b>",
             html.escape(str(props.get("lsoa_code", ""))),
             f"{html.escape(title)}: {html.escape(_fmt(value))}"]
    for label, mapping in fields.items():
        parts.append(f"{html.escape(label)}: {html.escape(_fmt(mapping.get(props.get('lsoa_code'))))}")
    return "<br>".join(parts)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return plain_number(value)
    return str(value)


def _coords(geometry):
    kind = geometry["type"]
    coords = geometry["coordinates"]
    if kind == "Polygon":
        for ring in coords:
            yield from ring
    elif kind == "MultiPolygon":
        for poly in coords:
            for ring in poly:
                yield from ring


def _bounds(boundaries: dict):
    xs, ys = [], []
    for feat in boundaries.get("features", []):
        for x, y in _coords(feat["geometry"]):
            xs.append(x)
            ys.append(y)
    if not xs:
        return None
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def _centre(boundaries: dict):
    b = _bounds(boundaries)
    if not b:
        return [52.95, -1.15]   # Nottingham, when no boundaries are published yet
    return [(b[0][0] + b[1][0]) / 2, (b[0][1] + b[1][1]) / 2]


def to_iframe(fmap: folium.Map, height: int = 520) -> str:
    """The map as a self-contained ``<iframe srcdoc>`` of ``height`` pixels (for an HTML pane).

    Relative asset URLs (``/vendor/leaflet/…``) resolve against the page that embeds it.

    Examples
    --------
    >>> frame = to_iframe(base_map(_example_boundaries()), height=300)
    >>> frame.startswith('<iframe class="wb-map" title="map" srcdoc="&lt;!DOCTYPE html'), "height:300px" in frame
    (True, True)
    """
    document = fmap.get_root().render()
    return (f'<iframe class="wb-map" title="map" srcdoc="{html.escape(document, quote=True)}" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
            f'></iframe>')


def _example_boundaries() -> dict:
    """Two small LSOA squares near Nottingham (WGS84 GeoJSON): the examples' boundaries."""
    def square(west: float, code: str, name: str) -> dict:
        ring = [[west, 52.90], [west + 0.01, 52.90], [west + 0.01, 52.91], [west, 52.91], [west, 52.90]]
        return {"type": "Feature", "properties": {"lsoa_code": code, "lsoa_name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    return {"type": "FeatureCollection", "features": [square(-1.20, "E01000001", "Ashfield 001A"),
                                                      square(-1.18, "E01000002", "Ashfield 002B")]}
