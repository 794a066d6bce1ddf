"""Ingesting a supply: one call = one supply, validated, appended atomically, recorded.

Pipeline (guidance 4.3 steps 4–6; Box 2): scan files (hash, UTF-8) → stage through an
adapter → normalise → validate against the catalogue → derive coordinates → commit in one
transaction (supply row, archive rows, supersession). A rejected supply raises
:class:`~workbench.errors.SupplyRejected` (exit 2) and leaves the hub exactly as it was; a
killed process leaves it consistent because nothing is visible before COMMIT.

Re-supplying an identical file is a no-op. A corrected record (same reference key) in a
later supply supersedes the current rows of that key; history stays in ``archive.<id>``.
Rows are never de-duplicated by content (police.uk ASB rows repeat legitimately).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from workbench import catalogue
from workbench.catalogue.model import Dataset
from workbench.errors import BadInput, Problem, SupplyRejected
from workbench.hub import adapters as adapter_registry
from workbench.hub import geocoding
from workbench.hub.adapters.csvfiles import csv_error_problem
from workbench.hub import supply_files
from workbench.hub.connect import open_hub
from workbench.hub.schema import archive_table
from workbench.hub.staging import Staging
from workbench.hub.validate import normalise_sql, q, validate

STAGE = "_stage"
NORM = "_norm"


@dataclass
class SupplyResult:
    """What one ingest did (returned by :func:`ingest_files`, printed by ``hub ingest --json``).

    Examples
    --------
    >>> r = SupplyResult("ref_imd", 3, 2, rows_superseded=1, adapter="canonical")
    >>> print(r.to_text())
    Supply 3: 2 row(s) into 'ref_imd' (canonical); 1 earlier row(s) superseded.
    >>> r.to_dict()["rows"]
    2
    """

    dataset: str
    supply_id: int | None
    rows: int
    rows_superseded: int = 0
    skipped: bool = False
    files: list[dict] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    sha256: str = ""
    adapter: str = ""
    warnings: list[dict] = field(default_factory=list)
    metadata_missing: list[str] = field(default_factory=list)
    message: str = ""
    geocoding: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        if self.skipped:
            return self.message
        lines = [f"Supply {self.supply_id}: {self.rows:,} row(s) into '{self.dataset}' "
                 f"({self.adapter}); {self.rows_superseded:,} earlier row(s) superseded."]
        for w in self.warnings:
            lines.append(f"  warning {w['code']}: {w['count']:,} row(s) — {w['description']}")
        if self.metadata_missing:
            lines.append("  metadata (guidance 3.4) missing: " + ", ".join(self.metadata_missing))
        return "\n".join(lines)


class _Progress:
    """A stage-by-stage progress bar on stderr (silent when quiet)."""

    def __init__(self, quiet: bool, total: int, desc: str):
        self.bar = None
        if not quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, file=sys.stderr, unit="step", leave=False)

    def step(self, label: str) -> None:
        if self.bar:
            self.bar.set_postfix_str(label)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar:
            self.bar.close()


def _already_supplied(con, ds: Dataset, agency: str | None, partnership: str | None) -> dict[str, int]:
    """sha256 of every file this agency already ingested for this dataset and partnership → its
    supply id. Another agency's or partnership's supplies are not consulted: "already ingested"
    must not tell a supplier what others hold (issue 11 High 2)."""
    seen: dict[str, int] = {}
    for sid, files in con.execute(
        "SELECT supply_id, files FROM supplies WHERE dataset = ? AND agency IS NOT DISTINCT FROM ? "
        "AND partnership IS NOT DISTINCT FROM ?", [ds.id, agency, partnership]
    ).fetchall():
        for f in json.loads(files or "[]"):
            seen[f["sha256"]] = sid
    return seen


def _cast(col, ref: str) -> str:
    """SQL casting a validated VARCHAR value ``ref`` to the column's storage type."""
    k = col.kind
    if k == "date":  # validated as YYYY-MM-DD, where CAST equals strptime('%Y-%m-%d')
        return f"CAST({ref} AS DATE)"
    if k == "time":
        return f"CAST({ref} AS TIME)"
    if k == "timestamp":
        return f"CAST({ref} AS TIMESTAMP)"
    if k == "integer":
        return f"CAST({ref} AS BIGINT)"
    if k in ("number", "easting", "northing", "longitude", "latitude"):
        return f"CAST({ref} AS DOUBLE)"
    return ref


def _needs(con, condition: str) -> bool:
    return bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM {NORM} WHERE {condition})").fetchone()[0])


def _points_table(con, table: str, x: str, y: str, where: str, convert, digits: int, *,
                  rounding=None) -> None:
    """TEMP ``table`` (x, y, tx, ty): each distinct point of the staged supply matching ``where``,
    converted with pyproj (``workbench.geo.crs``) and rounded to ``digits``.

    Points repeat a great deal (police.uk snaps every record to a fixed set of map points), so
    converting the distinct ones in one vectorised call costs a fraction of a per-row
    ``ST_Transform``, and the ingest needs no spatial extension.

    ``rounding``: a DuckDB connection the rounded table is built on when ``con`` is a
    :class:`~workbench.engine.sparksql.SparkConnection` (``ingest --engine spark``): DuckDB's and
    Spark's ``round`` differ on doubles such as 0.15, so the rounding stays DuckDB's and the
    table is then copied to Spark.
    """
    import pandas as pd

    pts = con.execute(f"SELECT DISTINCT CAST({x} AS DOUBLE) AS x, CAST({y} AS DOUBLE) AS y "
                      f"FROM {NORM} WHERE {where}").fetchnumpy()
    tx, ty = convert(pts["x"], pts["y"])
    on = rounding if rounding is not None else con
    on.register("_wb_points", pd.DataFrame({"x": pts["x"], "y": pts["y"], "tx": tx, "ty": ty}))
    try:
        on.execute(f"CREATE TEMP TABLE {table} AS SELECT x, y, "
                   f"CASE WHEN isfinite(tx) AND isfinite(ty) THEN round(tx, {digits}) END AS tx, "
                   f"CASE WHEN isfinite(tx) AND isfinite(ty) THEN round(ty, {digits}) END AS ty "
                   f"FROM _wb_points")
    finally:
        on.unregister("_wb_points")
    if rounding is not None:
        con.copy_from(rounding, table, table)


#: derived coordinates: (temp table, source columns, target columns, workbench.geo.crs
#: function, decimals kept)
_CONVERSIONS = (
    ("_wb_to_bng", ("longitude", "latitude"), ("easting", "northing"), "wgs84_to_bng", 1),
    ("_wb_to_wgs", ("easting", "northing"), ("longitude", "latitude"), "bng_to_wgs84", 6),
)


def _insert_sql(con, ds: Dataset, supply_id: int, geocoded=None) -> str:
    """INSERT … SELECT with casts and derived coordinates.

    - easting/northing missing but longitude/latitude given → WGS84 → BNG (pyproj's Helmert
      transform, the one available offline; STACK.md), rounded to 0.1 m;
    - easting/northing still missing but a postcode given → that postcode's centroid
      (``ref_postcode``; DATASETS.md conventions);
    - longitude/latitude missing but easting/northing given → BNG → WGS84, rounded to 1e-6°;
    - ``geocoded`` (:func:`workbench.hub.geocoding.stage`): address-only records take the
      gazetteer's postcode and point, before the postcode-centroid step.
    """
    select, joins = _archive_select(con, ds, geocoded)
    cols = ", ".join(q(c) for c in ds.column_names)
    return (f"INSERT INTO {archive_table(ds)} ({cols}, _supply_id, _line, _superseded_by) "
            f"SELECT {select}, {supply_id}, n._line, NULL FROM {NORM} n{joins}")


def _archive_select(con, ds: Dataset, geocoded=None, *, cast=None, rounding=None) -> tuple[str, str]:
    """(SELECT list, joins) of the archive rows over ``{NORM} n`` (:func:`_insert_sql`).

    ``cast`` (default :func:`_cast`) types each column; ``rounding`` is passed to
    :func:`_points_table` (a DuckDB connection when ``con`` is Spark's).
    """
    cast = cast or _cast
    names = ds.column_names
    has_en = "easting" in names and "northing" in names
    has_ll = "longitude" in names and "latitude" in names and has_en
    has_pc = (has_en and "postcode" in names and ds.id != "ref_postcode"
              and _needs(con, "easting IS NULL AND postcode IS NOT NULL"))
    exprs = {c.name: [cast(c, f"n.{q(c.name)}")] for c in ds.columns}
    joins = ""
    for table, (sx, sy), (tx, ty), convert, digits in _CONVERSIONS:
        need = f"{tx} IS NULL AND {sx} IS NOT NULL AND {sy} IS NOT NULL"
        if has_ll and _needs(con, need):
            from workbench.geo import crs  # pyproj, only when a point needs converting

            _points_table(con, table, sx, sy, need, getattr(crs, convert), digits, rounding=rounding)
            # equality only (a hash join); a row with its own value keeps it (coalesce order)
            joins += (f" LEFT JOIN {table} ON {table}.x = CAST(n.{sx} AS DOUBLE) "
                      f"AND {table}.y = CAST(n.{sy} AS DOUBLE)")
            exprs[tx].append(f"{table}.tx")
            exprs[ty].append(f"{table}.ty")
    if geocoded is not None:
        joins += geocoded.join
        exprs["postcode"].append("gc.g_postcode")
        exprs["easting"].append("gc.g_easting")
        exprs["northing"].append("gc.g_northing")
    if has_pc or geocoded is not None:
        joins += (" LEFT JOIN (SELECT postcode, any_value(easting) AS easting, "
                  "any_value(northing) AS northing FROM main.ref_postcode GROUP BY postcode) pc "
                  f"ON pc.postcode = {'coalesce(n.postcode, gc.g_postcode)' if geocoded else 'n.postcode'}")
        exprs["easting"].append("pc.easting")
        exprs["northing"].append("pc.northing")
    select = ", ".join(
        (e[0] if len(e) == 1 else f"coalesce({', '.join(e)})") + f" AS {q(name)}"
        for name, e in exprs.items()
    )
    return select, joins


def _supersede(con, ds: Dataset, supply_id: int, agency: str | None, partnership: str | None) -> int:
    """Mark current rows of earlier supplies that this supply corrects; returns rows superseded.

    Only the supplier's own earlier supplies (same agency AND same partnership) can be
    corrected: the same reference from another agency or partnership is another record, and
    touching it would let one partnership overwrite another's data and learn that it exists
    (issue 11 High 2).
    """
    cols = ds.key or ds.partition
    if not cols:
        return 0
    t = archive_table(ds)
    own = ("SELECT supply_id FROM supplies WHERE dataset = ? AND agency IS NOT DISTINCT FROM ? "
           "AND partnership IS NOT DISTINCT FROM ?")
    args = [ds.id, agency, partnership]
    # the first supply of a dataset (or after every row was superseded) has nothing to correct
    if not con.execute(f"SELECT EXISTS (SELECT 1 FROM {t} WHERE _superseded_by IS NULL "
                       f"AND _supply_id <> {supply_id} AND _supply_id IN ({own}))", args).fetchone()[0]:
        return 0
    match = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in cols)
    sel = ", ".join(q(c) for c in cols)
    notnull = " AND ".join(f"{q(c)} IS NOT NULL" for c in cols)
    res = con.execute(
        f"UPDATE {t} AS t SET _superseded_by = {supply_id} "
        f"FROM (SELECT DISTINCT {sel} FROM {t} WHERE _supply_id = {supply_id} AND {notnull}) s "
        f"WHERE {match} AND t._superseded_by IS NULL AND t._supply_id <> {supply_id} "
        f"AND t._supply_id IN ({own})", args
    ).fetchone()
    return int(res[0]) if res else 0


def _period_sql(ds: Dataset, meta: dict) -> dict[str, str]:
    """Aggregates giving the period a supply covers, unless its metadata states it (3.4).

    They ride on the validation pass (``validate(profile=…)``) rather than a scan of their own.
    """
    if meta.get("period_start") or meta.get("period_end"):
        return {}
    if ds.date_column:
        c = q(ds.date_column)
        return {"period_start": f"min(try_cast({c} AS DATE))", "period_end": f"max(try_cast({c} AS DATE))"}
    if "month" in ds.column_names:
        # try_: this runs in the same pass as the checks, before a bad month has rejected it
        return {"period_start": "min(try_strptime(month || '-01', '%Y-%m-%d'))::DATE",
                "period_end": "last_day(max(try_strptime(month || '-01', '%Y-%m-%d')))::DATE"}
    return {}


@dataclass
class _Supply:
    """One supply on its way in: what was handed over, and what each step learnt of it."""

    ds: Dataset
    paths: list[Path]
    meta: dict
    agency: str | None
    partnership: str | None = None
    scans: list = field(default_factory=list)
    seen: dict = field(default_factory=dict)        # sha256 → the supply that already holds it
    fresh: list = field(default_factory=list)       # files to ingest (with their column mapping)
    skipped_files: list[str] = field(default_factory=list)
    adapter: object = None
    outcome: object = None
    period: tuple = (None, None)
    partition_values: list | None = None
    missing: list[str] = field(default_factory=list)
    file_info: list[dict] = field(default_factory=list)
    geocoded: object = None
    supply_id: int | None = None
    superseded: int = 0


def ingest_files(hub, dataset_id: str, files, *, agency: str | None = None, metadata=None,
                 user: str | None = None, partnership: str | None = None, quiet: bool = False,
                 adapter: str | None = None, con=None, engine: str = "duckdb",
                 spark_master: str = "local[2]") -> SupplyResult:
    """Validate and append one supply of ``dataset_id`` from ``files`` (files or folders).

    The recipe (guidance 4.3 steps 4–6): receive (dataset, metadata, agency) → scan the
    files → sort out those already ingested → stage through an adapter → check → describe
    (period, partitions, rows per file, geocoding) → commit in one transaction. Each step is
    a function of this module working on one supply and its :class:`~workbench.hub.staging.Staging`.

    Parameters
    ----------
    hub : path of the master hub (ignored when ``con`` is given).
    dataset_id : a dataset id of ``DATASETS.md``.
    files : CSV files (canonical, or an adapter's layout such as police.uk) or folders of them.
    agency, partnership : who supplied it and for which partnership area (guidance 3.4).
    metadata : guidance 3.4 metadata as a dict or a YAML/JSON file; optional, flagged when missing.
    user : who ran the ingest (audit; default: the OS user).
    quiet : no progress bar on stderr.
    adapter : force an adapter by name instead of detecting it.
    engine : ``"duckdb"`` (default) or ``"spark"``: staging, validation and the archive rows
        on Apache Spark (``spark_master``, e.g. ``local[2]`` or ``spark://host:7077``), then the
        same one-transaction commit on the hub (:mod:`workbench.hub.ingest_spark`; issue 17).

    Returns
    -------
    SupplyResult

    Raises
    ------
    SupplyRejected
        naming file, line, column, expected and found; the hub is unchanged.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from workbench.hub.schema import init_hub
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> hub = init_hub(folder / "hub.duckdb")
    >>> _ = (folder / "imd.csv").write_text("lsoa_code,imd_score,imd_rank,imd_decile\\n"
    ...                                     "E01000001,12.5,20000,7\\n")
    >>> r = ingest_files(hub, "ref_imd", [folder / "imd.csv"], quiet=True)
    >>> r.supply_id, r.rows, r.adapter
    (1, 1, 'canonical')
    >>> ingest_files(hub, "ref_imd", [folder / "imd.csv"], quiet=True).message
    'Already ingested as supply 1; nothing changed.'
    """
    if engine not in ("duckdb", "spark"):
        raise BadInput(f"Unknown engine {engine!r}: expected 'duckdb' or 'spark'.")
    supply = _receive(dataset_id, files, metadata, agency)
    progress = _Progress(quiet, 5, f"ingest {supply.ds.id}")
    try:
        _scan(supply)
        progress.step("scanned")
        with _hub_connection(hub, con) as hub_con:
            _sort_out_ingested(hub_con, supply, partnership)
            if not supply.fresh:
                return _already_ingested(supply)
            if engine == "spark":
                from workbench.hub.ingest_spark import ingest_on_spark

                ingest_on_spark(hub_con, supply, adapter, user, spark_master, progress)
                return _result(supply)
            with Staging(hub_con, supply.ds) as staging:
                _stage(staging, supply, adapter)
                progress.step("staged")
                _check(staging, supply)
                progress.step("validated")
                _describe(staging, supply)
                _commit(staging, supply, user)
                progress.step("committed")
            return _result(supply)
    finally:
        progress.close()


def _receive(dataset_id: str, files, metadata, agency: str | None) -> _Supply:
    """The dataset (looked up once), the files named, the metadata; the agency agreed."""
    ds = catalogue.get(dataset_id)
    paths = supply_files.expand(files if isinstance(files, (list, tuple)) else [files])
    meta = supply_files.load_metadata(metadata, ds.id)
    if agency and meta.get("agency") and meta["agency"] != agency:
        raise BadInput(f"--agency '{agency}' differs from the metadata's agency '{meta['agency']}'.")
    return _Supply(ds, paths, meta, agency or meta.get("agency"))


def _scan(supply: _Supply) -> None:
    """Hash and check each file's text; a problem rejects the supply before the hub is opened."""
    # XLSX is a zip (binary): its text is checked by the spreadsheet adapter, not here
    supply.scans = [supply_files.scan(p, check_text=p.suffix.lower() != ".xlsx") for p in supply.paths]
    problems = [pr for s in supply.scans for pr in s.problems]
    if problems:
        raise SupplyRejected(supply.ds.id, problems)


@contextmanager
def _hub_connection(hub, con):
    """``con`` when the caller holds one (left open), else the hub opened for this supply."""
    if con is not None:
        yield con
        return
    own = open_hub(hub)
    try:
        yield own
    finally:
        own.close()


def _sort_out_ingested(con, supply: _Supply, partnership: str | None) -> None:
    """The partnership recorded, and which files this supplier has not ingested before."""
    supply.partnership = partnership or _default_partnership(con)
    supply.seen = _already_supplied(con, supply.ds, supply.agency, supply.partnership)
    # a column mapping (.yaml) is configuration, not data: it goes with every supply it maps
    config = [s for s in supply.scans if s.path.suffix.lower() in (".yaml", ".yml")]
    fresh = [s for s in supply.scans if s.sha256 not in supply.seen and s not in config]
    supply.skipped_files = [s.path.name for s in supply.scans if s.sha256 in supply.seen and s not in config]
    supply.fresh = fresh + config if fresh else []


def _already_ingested(supply: _Supply) -> SupplyResult:
    sids = sorted({supply.seen[s.sha256] for s in supply.scans if s.sha256 in supply.seen})
    return SupplyResult(supply.ds.id, None, 0, skipped=True, skipped_files=supply.skipped_files,
                        sha256=supply_files.combined_hash(supply.scans),
                        message=f"Already ingested as supply {', '.join(map(str, sids))}; nothing changed.")


def _stage(staging: Staging, supply: _Supply, adapter: str | None) -> None:
    """The adapter's staged table, then the normalised view of it that the checks read."""
    ds, fresh = supply.ds, supply.fresh
    supply.adapter = adapter_registry.by_name(adapter) if adapter else \
        adapter_registry.choose([s.path for s in fresh], ds.id)
    staging.declare_files(fresh)
    try:
        supply.adapter.stage(staging, [s.path for s in fresh], ds, STAGE)
        present = [r[0] for r in staging.execute(f"DESCRIBE {STAGE}").fetchall()]
        # a view: normalising twice (validate, insert) is cheaper than a second copy in memory
        staging.execute(f"CREATE TEMP VIEW {NORM} AS "
                        f"{normalise_sql(ds, STAGE, present, already=STAGE in staging.normalised)}")
    except duckdb.Error as exc:  # the CSV reader's own complaint, e.g. a truncated record
        only = fresh[0].path if len(fresh) == 1 else None
        raise SupplyRejected(ds.id, [csv_error_problem(only, exc)]) from None


def _check(staging: Staging, supply: _Supply) -> None:
    """Validate against the catalogue (and the metadata's record count); refuse an empty supply."""
    ds, meta, fresh = supply.ds, supply.meta, supply.fresh
    outcome = validate(staging.con, ds, NORM, profile=_period_sql(ds, meta))
    if meta.get("record_count") is not None and meta["record_count"] != outcome.rows:
        outcome.problems.insert(0, Problem(", ".join(s.path.name for s in fresh), None, None,
                                           f"{meta['record_count']} records (metadata record_count)",
                                           f"{outcome.rows} records"))
        outcome.problem_count += 1
    if not outcome.ok:
        raise SupplyRejected(ds.id, outcome.problems, outcome.problem_count)
    if outcome.rows == 0:   # nothing to record: a supply that holds no record is refused
        config = [s for s in fresh if s.path.suffix.lower() in (".yaml", ".yml")]
        raise SupplyRejected(ds.id, [Problem(", ".join(s.path.name for s in fresh if s not in config),
                                             2, None, "a header row and at least one record",
                                             "no records (a header row only)")])
    supply.outcome = outcome


def _describe(staging: Staging, supply: _Supply) -> None:
    """What the supply record states: period, partitions, metadata gaps, rows per file, geocoding."""
    ds, meta, outcome, con = supply.ds, supply.meta, supply.outcome, staging.con
    supply.period = (meta.get("period_start"), meta.get("period_end")) if not outcome.profile else \
        (outcome.profile["period_start"], outcome.profile["period_end"])
    if ds.partition:
        cols = ", ".join(q(c) for c in ds.partition)
        supply.partition_values = [list(r) for r in con.execute(
            f"SELECT DISTINCT {cols} FROM {NORM} ORDER BY ALL").fetchall()]
    supply.missing = supply_files.missing_metadata({**meta, "agency": supply.agency, "dataset": ds.id})
    supply.file_info = []
    for s in supply.fresh:
        d = s.to_dict()
        d["rows"] = con.execute(f"SELECT count(*) FROM {NORM} WHERE _file = ?", [s.path.name]).fetchone()[0]
        supply.file_info.append(d)
    supply.geocoded = geocoding.stage(con, ds, NORM)
    if supply.geocoded is not None:
        outcome.warnings.extend(supply.geocoded.warnings)


def _commit(staging: Staging, supply: _Supply, user: str | None, insert=None) -> None:
    """Archive rows, supersession and the supply record in one transaction (all or nothing).

    ``insert(supply_id)``: the archive rows' INSERT (default :func:`_insert_sql`; the Spark
    ingest inserts the rows Spark built, :mod:`workbench.hub.ingest_spark`).
    """
    ds, con, outcome = supply.ds, staging.con, supply.outcome
    con.execute("BEGIN TRANSACTION")
    try:
        supply_id = con.execute("SELECT nextval('supply_seq')").fetchone()[0]
        con.execute(insert(supply_id) if insert else _insert_sql(con, ds, supply_id, supply.geocoded))
        superseded = _supersede(con, ds, supply_id, supply.agency, supply.partnership)
        meta_json = json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                for k, v in supply.meta.items()})
        con.execute(
            "INSERT INTO supplies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [supply_id, ds.id, supply.agency, supply.partnership,
             json.dumps(supply.file_info), supply_files.combined_hash(supply.fresh), outcome.rows, superseded,
             user or _os_user(), datetime.now(timezone.utc).replace(tzinfo=None),
             supply.period[0], supply.period[1],
             json.dumps(supply.partition_values) if supply.partition_values else None,
             meta_json, json.dumps(supply.missing), json.dumps(outcome.warnings), supply.adapter.NAME],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    supply.supply_id, supply.superseded = int(supply_id), superseded


def _result(supply: _Supply) -> SupplyResult:
    outcome = supply.outcome
    return SupplyResult(supply.ds.id, supply.supply_id, outcome.rows, supply.superseded,
                        files=supply.file_info, skipped_files=supply.skipped_files,
                        sha256=supply_files.combined_hash(supply.fresh), adapter=supply.adapter.NAME,
                        warnings=outcome.warnings, metadata_missing=supply.missing,
                        geocoding=supply.geocoded.report if supply.geocoded is not None else None)


def _default_partnership(con) -> str | None:
    row = con.execute("SELECT value FROM hub_meta WHERE key = 'partnership'").fetchone()
    return row[0] if row else None


def _os_user() -> str:
    import getpass

    return os.environ.get("WORKBENCH_USER") or getpass.getuser()


def frame_to_csv(frame, ds: Dataset, path: Path) -> None:
    """Write a DataFrame with canonical column names as a canonical CSV supply file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "imd.csv"
    >>> frame_to_csv(pd.DataFrame({"lsoa_code": ["E01000001"], "imd_decile": [7]}),
    ...              catalogue.get("ref_imd"), out)
    >>> out.read_text().splitlines()[1]
    'E01000001,,,7'
    """
    import pandas as pd

    unknown = [c for c in frame.columns if c not in ds.column_names]
    if unknown:
        raise BadInput(f"Frame for '{ds.id}' has unknown column(s) {unknown}; expected columns "
                       f"of DATASETS.md: {', '.join(ds.column_names)}.")
    out = pd.DataFrame(index=frame.index)
    for col in ds.columns:
        if col.name not in frame.columns:
            if col.extra:
                continue
            out[col.name] = ""
            continue
        s = frame[col.name]
        if col.kind == "date":
            s = pd.to_datetime(s, errors="coerce").dt.strftime("%Y-%m-%d")
        elif col.kind == "time":
            s = s.map(lambda v: v.strftime("%H:%M") if hasattr(v, "strftime") else v)
        elif col.kind == "timestamp":
            s = pd.to_datetime(s, errors="coerce").dt.strftime("%Y-%m-%d %H:%M:%S")
        elif col.kind == "integer":
            s = pd.to_numeric(s, errors="coerce").astype("Int64")
        out[col.name] = s
    out.to_csv(path, index=False, lineterminator="\n")


def ingest_frame(hub, dataset_id: str, frame, *, source_name: str, agency: str | None = None,
                 metadata=None, user: str | None = None, partnership: str | None = None,
                 quiet: bool = True, con=None, engine: str = "duckdb",
                 spark_master: str = "local[2]") -> SupplyResult:
    """Ingest a pandas DataFrame with canonical column names as one supply.

    The frame is written to a private temporary CSV named ``source_name`` (mode 0700
    folder, removed afterwards) and ingested with :func:`ingest_files`, so every check
    applies and an identical frame re-supplied is a no-op. ``engine``, ``spark_master``: as for
    :func:`ingest_files`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from workbench.hub.schema import init_hub
    >>> hub = init_hub(pathlib.Path(tempfile.mkdtemp()) / "hub.duckdb")
    >>> imd = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "imd_score": [12.5, 40.1],
    ...                     "imd_rank": [20000, 1500], "imd_decile": [7, 1]})
    >>> r = ingest_frame(hub, "ref_imd", imd, source_name="imd.csv")
    >>> r.supply_id, r.rows, r.adapter
    (1, 2, 'canonical')
    >>> "caveats" in r.metadata_missing     # guidance 3.4 metadata not given: reported, not invented
    True
    """
    ds = catalogue.get(dataset_id)
    tmp = Path(tempfile.mkdtemp(prefix="wb-supply-"))
    os.chmod(tmp, 0o700)
    try:
        name = source_name if source_name.endswith(".csv") else source_name + ".csv"
        path = tmp / Path(name).name
        frame_to_csv(frame, ds, path)
        return ingest_files(hub, ds.id, [path], agency=agency, metadata=metadata, user=user,
                            partnership=partnership, quiet=quiet, adapter="canonical", con=con,
                            engine=engine, spark_master=spark_master)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
