"""Depersonalising one dataset for the shared tier: Appendix 1 geography, fields of guidance 3.2.

Appendix 1 (2), as implemented here for every record of a depersonalised dataset:

* the published postcode is the record's postcode when that postcode has at least four
  households (``ref_postcode.households``); otherwise the nearest postcode (by centroid
  distance from the record's postcode centroid) that has at least four; a record whose
  postcode is unknown or missing but which has coordinates gets the qualifying postcode
  nearest to those coordinates; with neither, no postcode;
* a postcode whose household count is **not known** (real Code-Point Open carries none; the
  ONS census estimates, :mod:`workbench.hub.adapters.ons_households`, cover only the census
  day's residential postcodes) is not guessed at: its records go to the centroid of the
  postcode **sector** ("NG1 5") holding it, or failing that the postcode **district** ("NG1"),
  when that area's postcodes sit at :data:`MIN_AREA_POSTCODES` or more distinct points (each
  live postcode has at least one delivery point, and an English sector averages some 2,500
  households, so the area is far above Appendix 1's four) and its centroid is not itself a
  postcode's point. The published postcode is then the sector or
  district itself and the coordinates the area centroid (mean of its postcode centroids,
  whole metres, half up). Only when no area qualifies does the record go to the nearest
  qualifying postcode. The method is chosen per record (:data:`METHODS`) and
  :func:`placement_counts` reports how many records took each;
* the published coordinates are the centroid of the published postcode, except for records
  geocoded to a registered non-addressable place (:mod:`workbench.privacy.nonaddressable`;
  coordinates equal to the place's to the metre), which keep the place's coordinates;
* address strings lose house numbers, names and flat numbers
  (:mod:`workbench.privacy.addresses`), any full postcode in them becoming the published one.

Guidance 3.2 fields: ident columns are dropped (names, addresses, dates of birth); a date of
birth becomes the age in whole years at the event date where no age was supplied; person
references (``patient_ref``, ``client_ref``, ``offender_ref``) become a keyed hash
(HMAC-SHA256, secret kept in the master tier's ``hub_meta``), so repeats can still be counted;
WGS84 longitude/latitude duplicates are dropped (the map edge derives them from BNG).

The nearest qualifying postcode is found with a k-d tree (``scipy.spatial.cKDTree``) over the
qualifying centroids, queried once per distinct coordinate pair; everything else is one
DuckDB ``CREATE TABLE … AS SELECT`` so millions of rows run vectorised.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from workbench.sql import quote_identifier as q
from workbench.sql import quote_literal
from workbench.catalogue.model import Dataset
from workbench.errors import BadInput
from workbench.geo.postcode import OUTWARD_SQL_PATTERN, normalise_postcode_sql
from workbench.privacy import addresses, scrub
from workbench.privacy.nonaddressable import load_places
from workbench.privacy.publication import PERSON_REFS

MIN_HOUSEHOLDS = 4
#: an area (postcode sector or district) stands in for postcodes of unknown households only
#: when it holds at least this many postcodes with coordinates (see the module docstring)
MIN_AREA_POSTCODES = 10
#: how a record's published place was chosen, per record (reported with counts by publish)
METHODS = ("postcode", "nearest_postcode", "sector_centroid", "district_centroid", "place", "none")
REF_KEY_NAME = "privacy_ref_hmac_key"
PC_MAP = "temp.main._wb_pc_map"
PLACES = "temp.main._wb_places"
SNAP = "temp.main._wb_snap"
QUAL = "temp.main._wb_qual"
#: spellings of a postcode the lookup answers to: the normal form ingest stores ("NG1 5AW"),
#: upper case without the space, and lower case; a record is joined on its raw value (no
#: per-row function). Any other spelling misses the lookup and is placed by its coordinates.
PC_KEYS = ("{}", "replace({}, ' ', '')", "lower({})")
#: ident only "when it holds a house number" (DATASETS.md): published once sanitised
SANITISED_IDENT = "location"


@dataclass
class Geography:
    """The postcode geography Appendix 1 needs, loaded once per publish.

    ``postcodes``/``easting``/``northing`` hold the qualifying postcodes (>= ``min_households``)
    and their centroids; ``pc_map`` maps every known postcode to its published postcode and
    centroid; ``places`` the registered non-addressable places.

    Examples
    --------
    >>> import duckdb
    >>> ref = _example_ref()                               # NG1 5AB has 2 households
    >>> geo = geography_from_frame(ref)
    >>> geo.postcodes.tolist()                             # the postcodes a record may be published at
    ['NG1 5AD', 'NG1 6AA']
    >>> geo.pc_map[["postcode", "out_postcode", "out_method"]].values.tolist()[0]
    ['NG1 5AB', 'NG1 5AD', 'nearest_postcode']
    """

    postcodes: np.ndarray
    easting: np.ndarray
    northing: np.ndarray
    pc_map: pd.DataFrame
    places: pd.DataFrame
    min_households: int = MIN_HOUSEHOLDS
    tree: cKDTree | None = None
    #: every place a record may be published at: the qualifying postcodes (first, in the
    #: order of ``postcodes``) then the qualifying sector and district centroids; columns
    #: out_postcode, out_easting, out_northing, method (postcode/sector_centroid/district_centroid)
    targets: pd.DataFrame | None = None
    #: known postcodes with coordinates (for placing coordinate-only records): their target
    #: index, and whether their households are known
    known_tree: cKDTree | None = None
    known_target: np.ndarray | None = None
    known_counted: np.ndarray | None = None

    def nearest(self, easting, northing) -> np.ndarray:
        """Index (into the qualifying arrays) of the nearest qualifying centroid to each point."""
        if self.tree is None:
            self.tree = cKDTree(np.column_stack([self.easting, self.northing]))
        pts = np.column_stack([np.asarray(easting, float), np.asarray(northing, float)])
        if len(pts) == 0:
            return np.zeros(0, dtype=np.int64)
        _, idx = self.tree.query(pts, k=1, workers=-1)
        return np.asarray(idx, dtype=np.int64)

    def place_points(self, easting, northing) -> np.ndarray:
        """Target index (into :attr:`targets`) for records known only by coordinates.

        The nearest known postcode decides: when its households are known, the nearest
        qualifying postcode to the point (Appendix 1); when not, that postcode's area
        fallback, exactly as a record carrying that postcode would get.
        """
        e, n = np.asarray(easting, float), np.asarray(northing, float)
        if len(e) == 0:
            return np.zeros(0, dtype=np.int64)
        _, k = self.known_tree.query(np.column_stack([e, n]), k=1, workers=-1)
        k = np.asarray(k, dtype=np.int64)
        out = self.known_target[k].copy()
        counted = self.known_counted[k]
        if len(self.postcodes) and counted.any():
            out[counted] = self.nearest(e[counted], n[counted])
        return out

    def to_dict(self) -> dict:
        method = self.pc_map["out_method"].value_counts() if len(self.pc_map) else pd.Series(dtype=int)
        return {"qualifying_postcodes": int(len(self.postcodes)),
                "known_postcodes": int(len(self.pc_map)),
                "postcodes_without_households": int(self.pc_map["households_unknown"].sum())
                if len(self.pc_map) else 0,
                "postcodes_by_method": {k: int(v) for k, v in method.items()},
                "min_area_postcodes": MIN_AREA_POSTCODES,
                "places": int(len(self.places)), "min_households": self.min_households}


def area_keys(postcodes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Postcode sector ("NG1 5") and district ("NG1") of normal-form postcodes ("NG1 5AW").

    Examples
    --------
    >>> sector, district = area_keys(pd.Series(["NG1 5AW", "NG10 2BX"]))
    >>> sector.tolist(), district.tolist()
    (['NG1 5', 'NG10 2'], ['NG1', 'NG10'])
    """
    pc = postcodes.astype(str)
    district = pc.str.split(" ").str[0]
    sector = district + " " + pc.str.split(" ").str[1].str[:1]
    return sector, district


def _areas(ref: pd.DataFrame, key: pd.Series, method: str) -> pd.DataFrame:
    """Qualifying areas and their whole-metre centroids.

    An area qualifies when its postcodes sit at >= :data:`MIN_AREA_POSTCODES` distinct
    points and its centroid is no postcode's own point: a sector of large-user or PO box
    postcodes all placed at one delivery office (e.g. NG1 9 in Code-Point Open 2025-10)
    would otherwise publish records at that office's postcode.
    """
    pts = pd.DataFrame({"area": key.to_numpy(), "e": ref["easting"].to_numpy(float),
                        "n": ref["northing"].to_numpy(float)})
    a = pts.groupby("area", sort=True).agg(e=("e", "mean"), n=("n", "mean")).reset_index()
    points = pts.drop_duplicates().groupby("area", sort=True).size()
    a = a[a["area"].map(points).to_numpy() >= MIN_AREA_POSTCODES]
    e, n = np.floor(a["e"].to_numpy() + 0.5), np.floor(a["n"].to_numpy() + 0.5)
    unit = pd.MultiIndex.from_arrays([pts["e"], pts["n"]])
    free = ~pd.MultiIndex.from_arrays([e, n]).isin(unit)
    return pd.DataFrame({"out_postcode": a["area"].to_numpy(dtype=object)[free],
                         "out_easting": e[free], "out_northing": n[free], "method": method})


def geography_from_frame(ref: pd.DataFrame, places: pd.DataFrame | None = None, *,
                         min_households: int = MIN_HOUSEHOLDS) -> Geography:
    """Build a :class:`Geography` from a ``ref_postcode`` frame (postcode normalised, BNG).

    Postcodes without coordinates cannot anchor a record and are left out. A postcode with
    known households below ``min_households`` goes to the nearest qualifying postcode; one
    with unknown households to its sector or district centroid (module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"postcode": [f"NG1 5A{c}" for c in "ABDEFGHJLN"] + ["NG1 6AA"],
    ...                     "easting": [100.0 * i for i in range(11)], "northing": [0.0] * 11,
    ...                     "households": [None] * 10 + [8]})
    >>> m = geography_from_frame(ref).pc_map.set_index("postcode")
    >>> r = m.loc["NG1 5AB"]
    >>> (r.out_postcode, float(r.out_easting), r.out_method)
    ('NG1 5', 450.0, 'sector_centroid')
    >>> m.loc["NG1 6AA", ["out_postcode", "out_method"]].tolist()
    ['NG1 6AA', 'postcode']
    """
    if min_households < 1:
        raise BadInput(f"`min_households` must be at least 1; got {min_households}.")
    ref = ref.dropna(subset=["postcode", "easting", "northing"]).drop_duplicates("postcode")
    ref = ref.reset_index(drop=True)
    hh = pd.to_numeric(ref["households"], errors="coerce")
    unknown = hh.isna().to_numpy()
    ok = (hh.fillna(0) >= min_households).to_numpy()
    qual = ref[ok]
    sector, district = area_keys(ref["postcode"])
    targets = pd.concat([
        pd.DataFrame({"out_postcode": qual["postcode"].to_numpy(dtype=object),
                      "out_easting": qual["easting"].to_numpy(float),
                      "out_northing": qual["northing"].to_numpy(float), "method": "postcode"}),
        _areas(ref, sector, "sector_centroid"), _areas(ref, district, "district_centroid")],
        ignore_index=True)
    if targets.empty:
        raise BadInput(
            f"`ref_postcode` has no postcode with at least {min_households} households and no "
            f"postcode sector or district with at least {MIN_AREA_POSTCODES} postcodes, so no "
            "record can be depersonalised (Appendix 1). Load Code-Point Open "
            "(`workbench hub ingest --dataset ref_postcode …`), and household counts if you "
            "have them (ONS census postcode estimates), then publish again.")
    geo = Geography(qual["postcode"].to_numpy(dtype=object), qual["easting"].to_numpy(float),
                    qual["northing"].to_numpy(float), pd.DataFrame(),
                    places if places is not None else pd.DataFrame(
                        columns=["place_id", "name", "kind", "easting", "northing"]),
                    min_households, targets=targets)
    n_qual = len(qual)
    index = {pc: i for i, pc in enumerate(targets["out_postcode"].to_numpy())}
    e, n = ref["easting"].to_numpy(float), ref["northing"].to_numpy(float)
    near = geo.nearest(e, n) if n_qual else np.full(len(ref), -1, dtype=np.int64)
    own = np.flatnonzero(ok)
    target = near.copy()
    target[own] = np.arange(n_qual)
    sec = np.array([index.get(x, -1) for x in sector.to_numpy()], dtype=np.int64)
    dis = np.array([index.get(x, -1) for x in district.to_numpy()], dtype=np.int64)
    area = np.where(sec >= 0, sec, dis)
    use_area = unknown & (area >= 0)
    target[use_area] = area[use_area]
    stranded = target < 0  # unknown households, no area and no qualifying postcode at all
    if stranded.any():
        areas = targets.iloc[n_qual:]
        _, k = cKDTree(areas[["out_easting", "out_northing"]].to_numpy(float)).query(
            np.column_stack([e[stranded], n[stranded]]), k=1)
        target[stranded] = n_qual + np.asarray(k, dtype=np.int64)
    method = targets["method"].to_numpy(dtype=object)[target]
    method = np.where((method == "postcode") & ~ok, "nearest_postcode", method)
    t = targets.iloc[target]
    geo.pc_map = pd.DataFrame({"postcode": ref["postcode"].to_numpy(dtype=object),
                               "out_postcode": t["out_postcode"].to_numpy(dtype=object),
                               "out_easting": t["out_easting"].to_numpy(float),
                               "out_northing": t["out_northing"].to_numpy(float),
                               "out_target": target, "out_method": method,
                               "households_unknown": unknown})
    geo.known_tree = cKDTree(np.column_stack([e, n]))
    geo.known_target = target
    geo.known_counted = ~unknown
    return geo


def load_geography(con, catalog: str = "hub", *, min_households: int = MIN_HOUSEHOLDS) -> Geography:
    """Load ``ref_postcode`` and the non-addressable places of the hub attached as ``catalog``.

    Examples
    --------
    >>> import duckdb
    >>> ref = _example_ref()                               # NG1 5AB has 2 households
    >>> geo = geography_from_frame(ref)
    >>> con = duckdb.connect()
    >>> _ = con.execute("ATTACH ':memory:' AS hub")
    >>> _ = con.execute("CREATE TABLE hub.main.ref_postcode AS SELECT * FROM ref")
    >>> g = load_geography(con)
    >>> g.postcodes.tolist(), len(g.places)                # no registered non-addressable places
    (['NG1 5AD', 'NG1 6AA'], 0)
    """
    ref = con.execute(
        f"SELECT {normalise_postcode_sql('postcode')} AS postcode, easting, northing, households "
        f"FROM {catalog}.main.ref_postcode").df()
    return geography_from_frame(ref, load_places(con, catalog), min_households=min_households)


def place_approved_sql(alias: str, dataset_id: str) -> str:
    """SQL: the registered place ``alias`` is approved for records of ``dataset_id``.

    Examples
    --------
    >>> place_approved_sql("p", "police_crime_offence")
    "(list_contains(p.approved, '*') OR list_contains(p.approved, 'police_crime_offence'))"
    """
    return (f"(list_contains({alias}.approved, '*') OR "
            f"list_contains({alias}.approved, {quote_literal(dataset_id)}))")


def install_geography(con, geo: Geography) -> None:
    """Create the temporary lookup tables the SQL of :func:`depersonalise_dataset` joins.

    Examples
    --------
    >>> import duckdb
    >>> ref = _example_ref()                               # NG1 5AB has 2 households
    >>> geo = geography_from_frame(ref)
    >>> con = duckdb.connect()
    >>> install_geography(con, geo)
    >>> con.execute("SELECT pc_key, out_postcode, out_method FROM _wb_pc_map WHERE postcode = 'NG1 5AB' "
    ...             "ORDER BY pc_key").fetchall()[0]
    ('NG1 5AB', 'NG1 5AD', 'nearest_postcode')
    """
    con.register("_wb_pc_map_df", geo.pc_map)
    keys = " UNION ".join(f"SELECT {k.format('postcode')} AS pc_key, postcode, out_postcode, out_easting, "
                          "out_northing, out_method FROM _wb_pc_map_df" for k in PC_KEYS)
    con.execute("CREATE OR REPLACE TEMP TABLE _wb_pc_map AS SELECT DISTINCT ON (pc_key) "
                "CAST(pc_key AS VARCHAR) AS pc_key, CAST(postcode AS VARCHAR) AS postcode, "
                "CAST(out_postcode AS VARCHAR) AS out_postcode, CAST(out_easting AS DOUBLE) AS out_easting, "
                "CAST(out_northing AS DOUBLE) AS out_northing, CAST(out_method AS VARCHAR) AS out_method "
                f"FROM ({keys})")
    con.unregister("_wb_pc_map_df")
    places = geo.places[["easting", "northing"]].astype(float).round().rename(
        columns={"easting": "e", "northing": "n"})
    approved = (geo.places["approved_for"] if "approved_for" in geo.places else pd.Series("*", index=geo.places.index))
    places = places.assign(approved_for=approved.fillna("").astype(str).to_numpy())
    con.register("_wb_places_df", places)
    # one row per point; the datasets approved at it, as a list ('*' = all)
    con.execute("CREATE OR REPLACE TEMP TABLE _wb_places AS SELECT CAST(e AS DOUBLE) AS e, "
                "CAST(n AS DOUBLE) AS n, list_distinct(flatten(list(string_split(approved_for, ',')))) "
                "AS approved FROM _wb_places_df GROUP BY 1, 2")
    con.unregister("_wb_places_df")
    qual = geo.targets.assign(q=np.arange(len(geo.targets), dtype=np.int64))
    con.register("_wb_qual_df", qual)
    con.execute("CREATE OR REPLACE TEMP TABLE _wb_qual AS SELECT CAST(q AS BIGINT) AS q, "
                "CAST(out_postcode AS VARCHAR) AS out_postcode, CAST(out_easting AS DOUBLE) AS out_easting, "
                "CAST(out_northing AS DOUBLE) AS out_northing, CAST(method AS VARCHAR) AS method "
                "FROM _wb_qual_df")
    con.unregister("_wb_qual_df")


# ----------------------------------------------------------------------------- secrets, hashes
def ref_key(con, catalog: str = "hub") -> bytes:
    """The secret that keys person-reference hashes, created on first use in ``hub_meta``.

    It never leaves the master tier, so the shared tier's hashes cannot be reversed by
    hashing guessed reference numbers.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("ATTACH ':memory:' AS hub")
    >>> key = ref_key(con)
    >>> len(key), ref_key(con) == key
    (32, True)
    """
    con.execute(f"CREATE TABLE IF NOT EXISTS {catalog}.main.hub_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    row = con.execute(f"SELECT value FROM {catalog}.main.hub_meta WHERE key = ?", [REF_KEY_NAME]).fetchone()
    if row:
        return bytes.fromhex(row[0])
    key = secrets.token_bytes(32)
    con.execute(f"INSERT INTO {catalog}.main.hub_meta VALUES (?, ?)", [REF_KEY_NAME, key.hex()])
    return key


def _blob(b: bytes) -> str:
    return "'" + "".join(f"\\x{x:02X}" for x in b) + "'::BLOB"


def hmac_sql(expr: str, key: bytes) -> str:
    """SQL for the HMAC-SHA256 of ``expr`` under ``key`` (RFC 2104), first 32 hex digits.

    Examples
    --------
    >>> import duckdb, hmac, hashlib
    >>> got = duckdb.sql("SELECT " + hmac_sql("'P123'", b"secret")).fetchone()[0]
    >>> got == hmac.new(b"secret", b"P123", hashlib.sha256).hexdigest()[:32]
    True
    """
    k = key.ljust(64, b"\0") if len(key) <= 64 else key
    ipad = bytes(b ^ 0x36 for b in k)
    opad = bytes(b ^ 0x5C for b in k)
    return (f"left(sha256({_blob(opad)} || unhex(sha256({_blob(ipad)} || "
            f"encode(CAST({expr} AS VARCHAR))))), 32)")


def outward_sql(expr: str) -> str:
    """SQL reducing a postcode or outward code to the outward code (regulations J.9–J.10).

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql("SELECT " + outward_sql("'NG1 5AB'")).fetchone()[0]
    'NG1'
    """
    full = normalise_postcode_sql(expr)
    bare = f"upper(trim(CAST({expr} AS VARCHAR)))"
    return (f"(CASE WHEN {full} IS NOT NULL THEN split_part({full}, ' ', 1) "
            f"WHEN regexp_full_match({bare}, '{OUTWARD_SQL_PATTERN}') THEN {bare} END)")


def age_sql(dob: str, event: str) -> str:
    """Age in whole years at ``event`` of someone born on ``dob`` (guidance 3.2.1 "age").

    Examples
    --------
    >>> import duckdb
    >>> int(duckdb.sql("SELECT " + age_sql("DATE '2000-06-15'", "DATE '2024-06-14'")).fetchone()[0])
    23
    """
    return (f"CAST(date_diff('year', {dob}, {event}) - CASE WHEN strftime({event}, '%m%d') < "
            f"strftime({dob}, '%m%d') THEN 1 ELSE 0 END AS VARCHAR)")


# ----------------------------------------------------------------------------- one dataset
def _snap_table(con, source: str, has_pc: bool, geo: Geography) -> None:
    """Nearest qualifying postcode for every distinct coordinate pair not settled by postcode.

    Only the k-d tree's answer (an index into the qualifying postcodes) crosses from Python;
    DuckDB joins it to ``temp._wb_qual`` for the postcode and centroid.
    """
    join = (f"LEFT JOIN {PC_MAP} m ON CAST(s.postcode AS VARCHAR) = m.pc_key"
            if has_pc else "")
    miss = "AND m.postcode IS NULL" if has_pc else ""
    pts = con.execute(
        f"SELECT DISTINCT s.easting AS e, s.northing AS n FROM {source} s {join} "
        f"WHERE s.easting IS NOT NULL AND s.northing IS NOT NULL {miss}").fetchnumpy()
    e, n = np.asarray(pts["e"], float), np.asarray(pts["n"], float)
    frame = pd.DataFrame({"easting": e, "northing": n, "q": geo.place_points(e, n)})
    con.register("_wb_snap_df", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _wb_snap AS SELECT CAST(f.easting AS DOUBLE) AS easting, "
                "CAST(f.northing AS DOUBLE) AS northing, g.out_postcode, g.out_easting, g.out_northing, "
                "CASE WHEN g.method = 'postcode' THEN 'nearest_postcode' ELSE g.method END AS out_method "
                f"FROM _wb_snap_df f JOIN {QUAL} g ON f.q = g.q")
    con.unregister("_wb_snap_df")


#: stands for the published postcode inside a depersonalised address until it is known per row
MARK = "chr(31)"


def _dictionary(con, i: int, source: str, column: str, expr_of) -> str:
    """Transform each distinct value of ``column`` once (values repeat: streets, refs).

    Creates ``temp._wb_dict_<i>`` (``_a`` value, ``_v`` transformed) and returns its name.
    """
    name = f"_wb_dict_{i}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT _a, {expr_of('_a')} AS _v FROM "
                f"(SELECT DISTINCT s.{q(column)} AS _a FROM {source} s WHERE s.{q(column)} IS NOT NULL)")
    return f"temp.main.{name}"


def _address_dictionary(con, i: int, source: str, column: str) -> str:
    """Like :func:`_dictionary` for an address column, each regex stage computed once."""
    x, y, z = addresses.address_stages("_a", MARK)
    name = f"_wb_dict_{i}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT _a, {scrub.scrub_sql(z, address=True)} AS _v FROM "
                f"(SELECT _a, {y} AS y FROM (SELECT _a, {x} AS x FROM "
                f"(SELECT DISTINCT s.{q(column)} AS _a FROM {source} s WHERE s.{q(column)} IS NOT NULL)))")
    return f"temp.main.{name}"


def _put_postcode(v: str, out_pc: str) -> str:
    """Replace the postcode mark left by the address dictionary with the row's postcode."""
    drop = f"nullif(regexp_replace(regexp_replace({v}, '(,\\s*)?\\x1f', '', 'g'), '^[,\\s]+', ''), '')"
    return (f"CASE WHEN NOT contains({v}, {MARK}) THEN {v} WHEN {out_pc} IS NULL THEN {drop} "
            f"ELSE replace({v}, {MARK}, {out_pc}) END")


def select_sql(dataset: Dataset, source: str, key: bytes, *, event_date_sql: str | None = None,
               extra_from: str = "", con=None, places: bool = True,
               extra_columns: tuple[str, ...] = (), scrubbed: list | None = None,
               scrub_free_text: bool = True) -> tuple[str, bool]:
    """The SELECT that depersonalises ``dataset`` read from ``source`` (aliased ``s``).

    Returns the SQL and whether it needs the snap table. The caller has run
    :func:`install_geography` (and :func:`_snap_table` when needed). With ``con``, text
    columns and person references are transformed once per distinct value (dictionary
    tables); without, row by row (same result, slower). ``places=False`` leaves out the
    join to registered non-addressable places (there are none). ``extra_columns`` are SQL
    select items appended unchanged (publish adds the supply's ``partnership`` and
    ``_supply_id`` this way, from a join in ``extra_from``).

    Examples
    --------
    >>> con, geo, racial = _example_incidents()           # two racial incidents, three postcodes
    >>> sql, needs_snap = select_sql(racial, "ri", b"k" * 32)
    >>> sql.startswith('SELECT s."incident_ref" AS "incident_ref"'), needs_snap   # coordinates snap to places
    (True, True)
    """
    names = set(dataset.column_names)
    has_pc = "postcode" in names
    has_xy = {"easting", "northing"} <= names
    out_pc = ("coalesce(m.out_postcode, n.out_postcode)" if has_pc and has_xy
              else "m.out_postcode" if has_pc else "n.out_postcode" if has_xy else "NULL")
    cols: list[str] = []
    joins: list[str] = []

    def via_dictionary(c, expr_of, address: bool = False) -> str:
        if con is None:
            return expr_of(f"s.{q(c.name)}")
        table = (_address_dictionary(con, len(joins), source, c.name) if address
                 else _dictionary(con, len(joins), source, c.name, expr_of))
        alias = f"d{len(joins)}"
        joins.append(f"LEFT JOIN {table} {alias} ON s.{q(c.name)} = {alias}._a")
        return f"{alias}._v"

    for c in dataset.columns:
        src = f"s.{q(c.name)}"
        if c.ident and c.name != SANITISED_IDENT:
            continue
        if c.name in PERSON_REFS:
            cols.append(f"{via_dictionary(c, lambda x: hmac_sql(x, key))} AS {q(c.name)}")
        elif c.kind == "postcode":
            cols.append(f"{out_pc} AS {q(c.name)}")
        elif c.kind in ("easting", "northing"):
            which = "e" if c.kind == "easting" else "n"
            fallback = (f"coalesce(m.out_{c.kind}, n.out_{c.kind})" if has_pc
                        else f"n.out_{c.kind}")
            cols.append(f"CASE WHEN p.e IS NOT NULL THEN p.{which} ELSE {fallback} END AS {q(c.name)}"
                        if places else f"{fallback} AS {q(c.name)}")
        elif c.kind in ("longitude", "latitude"):
            continue
        elif c.kind == "postcode_outward":
            cols.append(f"{outward_sql(src)} AS {q(c.name)}")
        elif c.kind == "text" and addresses.is_address_column(c.name):
            v = via_dictionary(c, lambda x: addresses.address_sql(x, MARK), address=True)
            cols.append(f"{_put_postcode(v, out_pc)} AS {q(c.name)}")
        elif c.kind == "text" and not scrub_free_text:
            # the depersonalisation before issue 13 (address detail only): kept as the
            # benchmark's baseline (bench/depersonalise_bench.py), never used by publish
            text = f"CAST({src} AS VARCHAR)"
            cols.append(f"CASE WHEN regexp_matches({text}, '[0-9]') THEN "
                        f"{addresses.free_text_sql(text)} ELSE {text} END AS {q(c.name)}")
        elif c.kind == "text":
            # free text is scrubbed of personal details (workbench.privacy.scrub), once per
            # distinct value; the dictionary also counts what was removed, by kind
            if con is None:
                cols.append(f"{scrub.scrub_sql(src)} AS {q(c.name)}")
            else:
                alias = f"d{len(joins)}"
                table = scrub.scrub_dictionary(con, f"_wb_dict_{len(joins)}", source, c.name)
                joins.append(f"LEFT JOIN {table} {alias} ON s.{q(c.name)} = {alias}._a")
                if scrubbed is not None:
                    scrubbed.append(table)
                cols.append(f"{alias}._v AS {q(c.name)}")
        elif c.name == "age" and "date_of_birth" in names and event_date_sql:
            cols.append(f"coalesce(nullif(trim(s.age), ''), {age_sql('s.date_of_birth', event_date_sql)}) AS age")
        else:
            cols.append(f"{src} AS {q(c.name)}")
    cols.extend(extra_columns)
    if has_pc:
        joins.append(f"LEFT JOIN {PC_MAP} m ON CAST(s.postcode AS VARCHAR) = m.pc_key")
    if has_xy:
        joins.append(f"LEFT JOIN {SNAP} n ON s.easting = n.easting AND s.northing = n.northing")
        if places:
            joins.append(f"LEFT JOIN {PLACES} p ON round(s.easting) = p.e AND round(s.northing) = p.n "
                         f"AND {place_approved_sql('p', dataset.id)}")
    sql = f"SELECT {', '.join(cols)} FROM {source} s {extra_from} {' '.join(joins)}"
    return sql, has_xy


def depersonalise_dataset(con, dataset: Dataset, source: str, target: str, geo: Geography,
                          key: bytes, *, event_date_sql: str | None = None,
                          extra_from: str = "", extra_columns: tuple[str, ...] = (),
                          removed: dict | None = None, scrub_free_text: bool = True) -> int:
    """Write the depersonalised ``dataset`` from relation ``source`` into table ``target``.

    Parameters
    ----------
    con : DuckDB connection where ``source`` is readable and ``target`` writable; the
        lookup tables of :func:`install_geography` must be installed.
    dataset : the catalogue dataset (decides each column's treatment).
    source : a table or view name, read as alias ``s``.
    target : the table to create (replaced if present).
    geo, key : the geography and the person-reference secret.
    event_date_sql : SQL for the event date used to turn a date of birth into an age.
    extra_from : extra joins (e.g. to the offence table for the event date).
    extra_columns : SQL select items appended unchanged (e.g. the supply's partnership).
    removed : when given, receives the rows per kind of personal detail scrubbed from free
        text (:mod:`workbench.privacy.scrub`), added to what it holds.
    scrub_free_text : False reproduces the depersonalisation before issue 13 (free text loses
        address detail only); the benchmark's baseline, never publish.

    Returns the number of rows written.

    :func:`workbench.privacy.publish.publish` is the usual entry point; more cases in
    ``tests/test_depersonalise.py``.

    Examples
    --------
    >>> con, geo, racial = _example_incidents()           # two racial incidents, three postcodes
    >>> depersonalise_dataset(con, racial, "ri", "ri_shared", geo, b"k" * 32)
    2
    >>> con.execute("SELECT incident_ref, location, postcode, easting FROM ri_shared ORDER BY 1").fetchall()
    [('R1', 'Low Pavement', 'NG1 5AD', 200.0), ('R2', 'Market Square', 'NG1 6AA', 900.0)]
    """
    scrubbed: list[str] = []
    sql, needs_snap = select_sql(dataset, source, key, event_date_sql=event_date_sql,
                                 extra_from=extra_from, con=con, places=len(geo.places) > 0,
                                 extra_columns=tuple(extra_columns), scrubbed=scrubbed,
                                 scrub_free_text=scrub_free_text)
    if needs_snap:
        _snap_table(con, source, "postcode" in dataset.column_names, geo)
    con.execute(f"CREATE OR REPLACE TABLE {target} AS {sql}")
    if removed is not None:
        for kind, n in scrub.removed_counts(con, scrubbed).items():
            removed[kind] = removed.get(kind, 0) + n
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]


def placement_counts(con, dataset: Dataset, source: str, geo: Geography) -> dict[str, int]:
    """How many records of ``source`` took each placement method (:data:`METHODS`).

    Run after :func:`depersonalise_dataset` (its lookup tables are installed). Reported by
    publish with counts, never values: a record goes to a registered place, its own postcode
    (>= ``min_households``), the nearest qualifying postcode, its sector or district centroid
    (households unknown), or nowhere (no postcode and no coordinates).

    Examples
    --------
    >>> con, geo, racial = _example_incidents()           # two racial incidents, three postcodes
    >>> _ = depersonalise_dataset(con, racial, "ri", "ri_shared", geo, b"k" * 32)
    >>> placement_counts(con, racial, "ri", geo)           # counts only, never values
    {'nearest_postcode': 1, 'postcode': 1}
    """
    names = set(dataset.column_names)
    has_pc, has_xy = "postcode" in names, {"easting", "northing"} <= names
    if not has_pc and not has_xy:
        return {}
    parts, joins = [], []
    if has_xy and len(geo.places):
        parts.append("CASE WHEN p.e IS NOT NULL THEN 'place' END")
        joins.append(f"LEFT JOIN {PLACES} p ON round(s.easting) = p.e AND round(s.northing) = p.n "
                     f"AND {place_approved_sql('p', dataset.id)}")
    if has_pc:
        parts.append("m.out_method")
        joins.append(f"LEFT JOIN {PC_MAP} m ON CAST(s.postcode AS VARCHAR) = m.pc_key")
    if has_xy:
        parts.append("n.out_method")
        joins.append(f"LEFT JOIN {SNAP} n ON s.easting = n.easting AND s.northing = n.northing")
    rows = con.execute(f"SELECT coalesce({', '.join(parts)}, 'none') AS method, count(*) "
                       f"FROM {source} s {' '.join(joins)} GROUP BY 1 ORDER BY 1").fetchall()
    return {m: int(c) for m, c in rows}


def _example_ref():
    """Three postcodes, one of only two households (NG1 5AB): the examples' ``ref_postcode``."""
    return pd.DataFrame({"postcode": ["NG1 5AB", "NG1 5AD", "NG1 6AA"], "easting": [100.0, 200.0, 900.0],
                         "northing": [0.0, 0.0, 0.0], "households": [2, 30, 12]})


def _example_incidents():
    """``(con, geo, dataset)``: two council racial incidents in table ``ri`` of an in-memory
    connection with the geography of :func:`_example_ref` installed: the examples' fixture."""
    import duckdb

    from workbench import catalogue

    geo = geography_from_frame(_example_ref())
    con = duckdb.connect()
    install_geography(con, geo)
    con.execute("CREATE TABLE ri AS SELECT * FROM (VALUES "
                "('R1', DATE '2024-03-01', TIME '21:10', '12 Low Pavement', 'NG1 5AB', 101.0, 2.0), "
                "('R2', DATE '2024-03-02', NULL, 'Market Square', 'NG1 6AA', 905.0, 1.0)) "
                "t(incident_ref, incident_date, incident_time, location, postcode, easting, northing)")
    return con, geo, catalogue.get("council_racial_incident")
