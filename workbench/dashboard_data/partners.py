"""Partner datasets on the tactical dashboard: council ASB, fires, ambulance, A&E and more (issue 16).

The tactical assessment counts partner issues as well as recorded crime (regulations appendix
H 1.8–1.10; :mod:`workbench.products.issues` says how each is counted). The dashboard shows the
same figures, computed by the same library functions the written tactical assessment calls:

- counts and emerging issues: :func:`workbench.products.issues.count_events` and
  :func:`workbench.products.emerging.exceedance` (the product's rule);
- hotspots: :func:`workbench.products.tactical.issue_hotspots` (Gi* on the product's grid);
- which partner supplies are dated to the day (weekly comparisons and maps need it): the
  product's fitness measurement (guidance 4.2.3).

This module only scopes (the viewer's partnerships, guidance 2.2.4), caches (per shared-tier
version and scope) and suppresses (counts of 1–4 hidden from roles that do not see records,
guidance 2.4.1.2). Record points are drawn only for roles the access matrix grants the
dataset's depersonalised records (:meth:`workbench.dashboard_data.access.Viewer.sees_records_of`).

The geocoding match report of an address-only supply (how many records were placed by exact
address, corrected address, street, postcode or a named place, and how many could not be) is
worked out once at ingest (:mod:`workbench.hub.geocoding`) and published with the supply log as
warning counts (``geocoded:<method>``); :func:`geocoding_report` adds them up per dataset.

Examples
--------
>>> [i.key for i in PARTNER_ISSUES][:3]
['police_incidents', 'council_asb', 'deliberate_fires']
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd

from workbench.products import issues as iss
from workbench.dashboard_data.access import Viewer, disclose
from workbench.dashboard_data.periods import Comparison
from workbench.dashboard_data.source import Source

#: the police's own crime datasets: the dashboard's crime layer, not a partner layer
POLICE_CRIME = ("police_crime_offence", "police_uk_street")
#: partner issues the dashboard can show: every issue of the tactical product not drawn
#: from police crime records (one issue per dataset and filter, e.g. deliberate fires)
PARTNER_ISSUES = tuple(i for i in iss.ISSUES if i.dataset not in POLICE_CRIME)
#: geocoding methods in the order the matcher tries them (:mod:`workbench.geo.geocode`)
GEOCODE_METHODS = ("exact", "fuzzy", "street", "place", "postcode", "unmatched")
GEOCODE_WORDS = {
    "exact": "address found in the gazetteer",
    "fuzzy": "address found after correcting one letter of the street",
    "street": "street found, house not: placed at the street's middle",
    "place": "a named place (licensed premises) in the location text",
    "postcode": "address not found: placed at its postcode's centre",
    "unmatched": "not placed: address not found and no postcode",
}
CACHE_SIZE = 64
_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def _cached(source: Source, what: tuple, compute):
    """``compute()`` once per shared-tier version, scope and question (``what``)."""
    key = (str(source.path), source.version(), source.partnerships, what)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = compute()
    with _LOCK:
        _CACHE[key] = value
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value


def _with_cursor(source: Source, fn):
    cur = source._cursor()          # every table narrowed to the source's partnerships
    try:
        return fn(cur)
    finally:
        cur.close()


def partner_issues(source: Source, viewer: Viewer | None = None, *, located: bool = False) -> list:
    """The partner issues the (scoped) shared tier holds records of, dated to the day;
    with ``located=True`` only those whose dataset carries points (map layers).

    A partner dataset published with month- or year-precision dates (health data after
    k-anonymity) cannot be compared week by week or drawn on the tactical map; the product's
    own fitness measurement (guidance 4.2.3) leaves it out, as the written assessment does.

    Examples
    --------
    >>> src = _example_source()
    >>> [i.key for i in partner_issues(src)], [i.key for i in partner_issues(src, located=True)]
    (['council_asb'], ['council_asb'])
    """
    source = source.for_viewer(viewer)

    def compute():
        from workbench.products import tactical

        def run(cur):
            found = [i for i in iss.available_issues(cur) if i.dataset not in POLICE_CRIME]
            # the written assessment's measurement of date precision (one computation)
            measured, _ = tactical._measured_precision(cur, found)
            return [i.key for i in measured if not i.monthly_only]
        return tuple(_with_cursor(source, run))

    found = [iss.BY_KEY[k] for k in _cached(source, ("issues",), compute)]
    if located:
        from workbench import catalogue

        found = [i for i in found if {"easting", "northing"} <= set(catalogue.get(i.dataset).column_names)]
    return found


def partner_counts(source: Source, comparison: Comparison, viewer: Viewer,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Per partner issue: this period's count, the count expected from the baseline and the
    tactical product's emerging-issue test (:func:`workbench.products.emerging.exceedance`).

    Columns: ``label, dataset, current, expected, percent_change, rate_ratio, p_value,
    emerging``. For roles that do not see records, counts of 1–4 are hidden and not tested.

    Examples
    --------
    >>> from workbench.dashboard_data import periods
    >>> src, viewer = _example_source(), Viewer("val", "Council", "viewer")
    >>> c = periods.tactical(pd.Timestamp("2024-06-30").date(), 4)
    >>> partner_counts(src, c, viewer)[["label", "current", "emerging"]].to_dict("records")
    [{'label': 'ASB reported to the council', 'current': 6.0, 'emerging': True}]
    """
    source = source.for_viewer(viewer)
    from workbench.products.emerging import emerging_in_family, exceedance

    c, b = comparison.current, comparison.baseline

    def compute():
        def run(cur):
            rows = []
            for issue in partner_issues(source):
                now = iss.count_events(cur, issue, c.start, c.end)
                before = iss.count_events(cur, issue, b.start, b.end)
                e = exceedance(now, before, c.days, b.days, alpha)
                rows.append((issue.label, issue.dataset, now, e.expected, e.percent_change,
                             e.rate_ratio, e.p_value, e.emerging))
            return pd.DataFrame(rows, columns=["label", "dataset", "current", "expected", "percent_change",
                                               "rate_ratio", "p_value", "emerging"])
        return _with_cursor(source, run)

    frame = _cached(source, ("counts", c.start, c.end, b.start, b.end, alpha), compute).copy()
    shown = disclose(frame, "current", viewer)
    hidden = shown["current"].isna() & frame["current"].notna()
    shown.loc[hidden, ["percent_change", "rate_ratio", "p_value"]] = None
    shown.loc[hidden, "emerging"] = False
    # the partner issues tested together form one family (the hidden ones are not tested)
    shown["emerging"] = emerging_in_family(shown["p_value"].tolist(), shown["emerging"].tolist(), alpha)
    return shown.sort_values(["emerging", "p_value"], ascending=[False, True],
                             na_position="last").reset_index(drop=True)


@dataclass
class PartnerLayer:
    """One partner issue on the tactical map: its Gi* hotspot cells, its points (for roles
    that see its records) and the geocoding match report of its supplies.

    ``hotspots`` is :class:`workbench.dashboard_data.assess.Hotspots` (the product's
    :func:`~workbench.products.tactical.issue_hotspots`); ``points`` are ``(lon, lat, tip)``
    for this period's located records, empty for roles that see aggregates only;
    ``located``/``records`` count this period's records with and without a point.

    Examples
    --------
    >>> layer = PartnerLayer(iss.BY_KEY["deliberate_fires"], None, records=4, located=3)
    >>> layer.issue.label, layer.records - layer.located
    ('Deliberate fires', 1)
    """

    issue: object
    hotspots: object
    points: list = field(default_factory=list)
    records: int = 0
    located: int = 0
    geocoding: pd.DataFrame | None = None

    def to_dict(self) -> dict:
        """The layer as plain data.

        >>> PartnerLayer(iss.BY_KEY["council_asb"], None, records=3, located=2).to_dict()["located"]
        2
        """
        return {"issue": self.issue.key, "records": self.records, "located": self.located,
                "points": len(self.points),
                "hotspots": None if self.hotspots is None else self.hotspots.to_dict(),
                "geocoding": None if self.geocoding is None else self.geocoding.to_dict("records")}


def partner_layer(source: Source, comparison: Comparison, key: str, viewer: Viewer) -> PartnerLayer:
    """The map layer of partner issue ``key`` for ``viewer`` (see :class:`PartnerLayer`).

    Hotspot cells are a classification (hot, cold), never a count, so every role sees them;
    record points only roles granted the dataset's depersonalised records.

    Examples
    --------
    >>> from workbench.dashboard_data import periods
    >>> src = _example_source()
    >>> c = periods.tactical(pd.Timestamp("2024-06-30").date(), 4)
    >>> analyst = Viewer("ann", "Police", "analyst", True)
    >>> layer = partner_layer(src, c, "council_asb", analyst)
    >>> layer.records, layer.located, len(layer.points)
    (6, 6, 6)
    >>> len(partner_layer(src, c, "council_asb", Viewer("val", "Council", "viewer")).points)
    0
    """
    source = source.for_viewer(viewer)
    issue = iss.BY_KEY[key]
    if issue not in partner_issues(source, located=True):
        raise ValueError(f"`key` must be a partner issue the shared tier holds with dates and points: one "
                         f"of {[i.key for i in partner_issues(source, located=True)]}; received {key!r}.")
    c, b = comparison.current, comparison.baseline

    def compute():
        from workbench.products.tactical import issue_hotspots
        from workbench.dashboard_data.assess import Hotspots, _surface_cells

        def run(cur):
            spots = issue_hotspots(cur, issue, (c.start, c.end), (b.start, b.end))
            events = iss.events(cur, issue, c.start, c.end)
            return Hotspots(spots, _surface_cells(spots), list(spots.notes)), events
        return _with_cursor(source, run)

    hotspots, events = _cached(source, ("layer", key, c.start, c.end, b.start, b.end), compute)
    located = events.dropna(subset=["easting", "northing"])
    points = []
    if viewer.sees_records_of(issue.dataset) and len(located):
        from workbench.geo.crs import bng_to_wgs84
        from workbench.dashboard_data.labels import british

        lon, lat = bng_to_wgs84(located["easting"].to_numpy(), located["northing"].to_numpy())
        points = [(round(float(x), 6), round(float(y), 6), f"{issue.label}, {british(pd.Timestamp(d).date())}")
                  for x, y, d in zip(lon, lat, located["date"])]
    return PartnerLayer(issue, hotspots, points, int(len(events)), int(len(located)),
                        geocoding_report(source, issue.dataset))


def geocoding_report(source: Source, dataset: str) -> pd.DataFrame:
    """How the address-only records of ``dataset``'s supplies were placed, added up over its
    supplies in the (scoped) shared tier: ``method``, ``how``, ``records``, ``share`` (% of the
    records geocoded). Empty when no supply needed geocoding.

    The counts are those of the match report made at ingest (:mod:`workbench.hub.geocoding`,
    published as the supply log's ``geocoded:<method>`` and ``geocode_unmatched`` warnings);
    this only adds them up.

    Examples
    --------
    >>> rep = geocoding_report(_example_source(), "council_asb")
    >>> rep[["method", "records", "share"]].to_dict("records")
    [{'method': 'exact', 'records': 3, 'share': 75.0}, {'method': 'unmatched', 'records': 1, 'share': 25.0}]
    """
    empty = pd.DataFrame(columns=["method", "how", "records", "share"])
    if not source.has("supplies") or "warnings" not in source.columns("supplies"):
        return empty
    texts = source.frame("select cast(warnings as varchar) as w from supplies where dataset = ?",
                         [dataset])["w"]
    totals = dict.fromkeys(GEOCODE_METHODS, 0)
    for text in texts.dropna():
        for w in json.loads(text) or []:
            code, n = str(w.get("code", "")), w.get("count")
            method = "unmatched" if code == "geocode_unmatched" else code.removeprefix("geocoded:")
            if (code.startswith("geocoded:") or code == "geocode_unmatched") and method in totals and n:
                totals[method] += int(n)
    everything = sum(totals.values())
    if not everything:
        return empty
    rows = [(m, GEOCODE_WORDS[m], n, round(100 * n / everything, 1)) for m, n in totals.items() if n]
    return pd.DataFrame(rows, columns=["method", "how", "records", "share"])


def _example_source() -> Source:
    """A tiny shared tier for the examples: four council ASB records geocoded at ingest
    (three by exact address, one not placed) and two with their own coordinates, plus two
    in the baseline, and 60 assaults recorded by the police, written to
    ``examples/shared.duckdb`` in the working folder.

    >>> int(_example_source().frame("select count(*) as n from council_asb")["n"].iloc[0])
    8
    """
    import duckdb
    from pathlib import Path

    folder = Path("examples")
    folder.mkdir(exist_ok=True)
    hub = folder / "hub.duckdb"
    path = folder / "shared.duckdb"
    path.unlink(missing_ok=True)
    from workbench.hub.connect import create_key

    key = create_key(path)
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS s (ENCRYPTION_KEY '{key}')")
    con.execute("USE s")
    try:
        con.execute("create table council_asb as select * from (values "
                    + ", ".join(f"(date '2024-06-{d:02d}', {440000 + 50 * k}.0, {340000 + 40 * k}.0, 'ASB', 'P')"
                                for k, d in enumerate((3, 7, 11, 15, 19, 23)))
                    + ", (date '2024-01-10', 440000.0, 340000.0, 'ASB', 'P'), (date '2023-09-10', 440100.0, 340100.0, 'ASB', 'P')"
                    ") t(incident_date, easting, northing, location, partnership)")
        con.execute("create table police_crime_offence as select 'C' || k as crime_ref, '105A' as offence_code, "
                    "'Assault' as offence_type, date '2024-06-30' - cast(k * 9 as integer) as committed_from_date, "
                    "time '21:00' as committed_from_time, 'NG1 1AA' as postcode, 440000.0 + k as easting, "
                    "340000.0 as northing, 'P' as partnership from range(60) t(k)")
        con.execute("create table ref_lsoa (lsoa_code varchar, lsoa_name varchar, population integer, "
                    "geometry varchar)")
        con.execute("create table supplies as select * from (values (1, 'council_asb', 'P', "
                    "'[{\"code\": \"geocoded:exact\", \"count\": 3}, {\"code\": \"geocode_unmatched\", \"count\": 1}]')"
                    ") t(supply_id, dataset, partnership, warnings)")
    finally:
        con.close()
    return Source(hub)
