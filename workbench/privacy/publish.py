"""``workbench hub publish``: build the depersonalised shared tier and check it independently.

The shared tier is a separate encrypted file, ``shared.duckdb`` beside the hub, with its own
key (``WORKBENCH_SHARED_KEY`` or ``shared.duckdb.key``): DESIGN.md "Tiers are files";
guidance 4.2.4 (depersonalised data is still managed securely). Each dataset reaches it in the
form :mod:`workbench.privacy.publication` sets out, transformed by
:mod:`workbench.privacy.depersonalise` (Appendix 1, guidance 3.2, regulations J.9–J.10).

The tier is written to a temporary file beside the target; the independent checker
(:mod:`workbench.privacy.checker`, a separate code path) then re-derives every invariant from
that file and the master's ``ref_postcode``. Only a clean file replaces the previous tier, by an
atomic ``os.replace``; a failed check (exit 2), an error or a killed process leaves the previous
shared tier exactly as it was. Every publish is audited in the registry.

Besides the datasets, the tier holds ``supplies`` (the sanitised supply log of the published
datasets, :mod:`workbench.privacy.provenance`; guidance 3.4), ``nonaddressable_place`` and
``publish_meta``. Record-level tables carry ``partnership`` and ``_supply_id`` (guidance 2.2.4).
"""

from __future__ import annotations

import getpass
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from workbench.sql import quote_literal as _lit
from workbench.errors import BadInput
from workbench.hub.connect import create_key, default_hub, open_hub, shared_path
from workbench.privacy import checker, scrub
from workbench.privacy.access import require
from workbench.privacy.addresses import address_sql
from workbench.privacy.counts import install_agency_groups, publish_counts
from workbench.privacy.depersonalise import (MIN_HOUSEHOLDS, depersonalise_dataset, install_geography,
                                             load_geography, placement_counts, q, ref_key)
from workbench.privacy.disclosure import DEFAULT_THRESHOLD
from workbench.privacy.nonaddressable import TABLE as PLACES_TABLE
from workbench.privacy.nonaddressable import load_places
from workbench.privacy.provenance import publish_supplies
from workbench.privacy.publication import Publication, publications
from workbench.privacy.survey import suppress_survey
from workbench.privacy.quasi import DEFAULT_K, DEFAULT_L, protect_table, validate_kl
from workbench.registry import Registry, open_registry

TMP_MARK = ".tmp-"


class DisclosureCheckFailed(BadInput):
    """The independent checker found disclosive content; the previous tier was kept (exit 2).

    Examples
    --------
    >>> report = checker.CheckReport([checker.Finding("k-anonymity", "health_ae_assault", "age,gender", 3)])
    >>> err = DisclosureCheckFailed(report)
    >>> print(str(err).splitlines()[1].strip())
    [k-anonymity] health_ae_assault.age,gender: 3 value(s)
    >>> err.to_dict()["check"]["ok"]
    False
    """

    def __init__(self, report: checker.CheckReport):
        self.report = report
        lines = "\n  ".join(str(f) for f in report.findings[:10])
        super().__init__(
            f"Publish refused: the independent disclosure check found {len(report.findings)} "
            f"problem(s); the previous shared tier was left in place.\n  {lines}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "check": self.report.to_dict()}


@dataclass
class PublishResult:
    """What a publish wrote: the file, each table and its rows, and the checker's report.

    Examples
    --------
    >>> r = PublishResult("hub.duckdb", "shared.duckdb", "2025-01-01T00:00:00+00:00",
    ...                   tables=[{"table": "police_crime_offence", "mode": "record", "rows": 12,
    ...                            "removed": {"phone": 1}}])
    >>> r.rows, r.to_dict()["rows"]
    (12, 12)
    >>> print(r.to_text())
    Published 1 table(s), 12 row(s) to shared.duckdb in 0.0 s; independent check: clean.
      police_crime_offence record 12
    Personal details removed from free text (values, by kind): phone 1
    """

    hub: str
    shared: str
    published_at: str
    tables: list[dict] = field(default_factory=list)
    geography: dict = field(default_factory=dict)
    check: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables)

    def to_dict(self) -> dict:
        return {"hub": self.hub, "shared": self.shared, "published_at": self.published_at,
                "tables": self.tables, "rows": self.rows, "geography": self.geography,
                "check": self.check, "seconds": round(self.seconds, 3)}

    def to_text(self) -> str:
        lines = [f"Published {len(self.tables)} table(s), {self.rows} row(s) to {self.shared} "
                 f"in {self.seconds:.1f} s; independent check: clean."]
        lines += [f"  {t['table']:<36} {t['mode']:<12} {t['rows']:>9}" for t in self.tables]
        geo = self.geography
        if geo.get("postcodes_without_households"):
            lines.append(f"Households unknown for {geo['postcodes_without_households']} of "
                         f"{geo['known_postcodes']} postcode(s): their records go to the postcode "
                         f"sector or district centroid (areas of >= {geo['min_area_postcodes']} "
                         "postcodes; Appendix 1 fallback, docs/privacy.md).")
        placed = {}
        for t in self.tables:
            for m, n in t.get("placement", {}).items():
                placed[m] = placed.get(m, 0) + n
        if placed:
            lines.append("Records placed by: " + ", ".join(f"{m} {n}" for m, n in sorted(placed.items())))
        gone: dict[str, int] = {}
        for t in self.tables:
            for kind, n in t.get("removed", {}).items():
                gone[kind] = gone.get(kind, 0) + n
        if gone:
            lines.append("Personal details removed from free text (values, by kind): "
                         + ", ".join(f"{k} {n}" for k, n in sorted(gone.items())))
        for t in self.tables:
            qd = t.get("quasi")
            if qd and qd.get("withheld"):
                lines.append(f"  {t['table']}: all {qd['withheld']} record(s) withheld (fewer than k={qd['k']}: "
                             "no group of k can be formed; counts elsewhere are unaffected)")
            elif qd and qd["rows"]:
                lines.append(f"  {t['table']}: quasi-identifiers at level {qd['level']} (k={qd['k']}, "
                             f"l={qd['l']}); {qd['suppressed']} record(s) with them suppressed")
        return "\n".join(lines)


def _present(con) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'hub' AND "
                       "schema_name = 'main' UNION SELECT view_name FROM duckdb_views() WHERE "
                       "database_name = 'hub' AND schema_name = 'main'").fetchall()
    return {r[0] for r in rows}


def _event_date(con, pub: Publication, present: set[str]) -> tuple[str | None, str]:
    """Event date for turning a date of birth into an age, and the joins it needs."""
    d = pub.dataset
    if "date_of_birth" not in d.column_names:
        return None, ""
    if d.date_column:
        return f"s.{q(d.date_column)}", ""
    parts, joins = [], ""
    if "crime_ref" in d.column_names and "police_crime_offence" in present:
        joins += (" LEFT JOIN (SELECT crime_ref AS _ev_ref, min(committed_from_date) AS _ev_date "
                  "FROM hub.main.police_crime_offence GROUP BY 1) ev ON s.crime_ref = ev._ev_ref")
        parts.append("ev._ev_date")
    if "supplies" in present:
        joins += " LEFT JOIN hub.main.supplies sup ON s._supply_id = sup.supply_id"
        parts.append("sup.period_end")
    parts.append("current_date")
    return f"coalesce({', '.join(parts)})", joins


def _provenance(pub: Publication, present: set[str]) -> tuple[tuple[str, ...], str]:
    """Select items and join giving a record-level table its supply's partnership and id."""
    if not pub.record_level:
        return (), ""
    if "supplies" not in present:
        return ("CAST(NULL AS VARCHAR) AS partnership", "s._supply_id AS _supply_id"), ""
    return (("_prov.partnership AS partnership", "s._supply_id AS _supply_id"),
            " LEFT JOIN (SELECT supply_id, CAST(partnership AS VARCHAR) AS partnership FROM "
            "hub.main.supplies) _prov ON s._supply_id = _prov.supply_id")


def _copy(con, pub: Publication, target: str, present: set[str]) -> dict[str, int]:
    """Copy an aggregate, reference or as-published dataset; free text of the first two is
    scrubbed (:mod:`workbench.privacy.scrub`). Returns the rows per kind of detail removed."""
    d = pub.dataset
    cols, flags = [], []
    for c in d.columns:
        col = "s." + q(c.name)
        address = c.name == "location" or c.name.endswith("address")
        if pub.mode == "reference" and c.kind == "text" and address:
            pc = "s.postcode" if "postcode" in d.column_names else "NULL"
            cols.append(f"{scrub.scrub_sql(address_sql(col, pc), address=True)} AS {q(c.name)}")
            flags.append(scrub.kind_flags_sql(col, address=True))
        elif pub.mode in ("reference", "aggregate") and c.kind == "text":
            cols.append(f"{scrub.scrub_sql(col)} AS {q(c.name)}")
            flags.append(scrub.kind_flags_sql(col))
        else:
            cols.append(col)
    extra, join = _provenance(pub, present)
    con.execute(f"CREATE TABLE {target} AS SELECT {', '.join(cols + list(extra))} FROM hub.main.{d.id} s{join}")
    if not flags:
        return {}
    sums = ", ".join(f"count(*) FILTER (WHERE {' OR '.join(f[i] for f in flags)})"
                     for i in range(len(scrub.KINDS)))
    row = con.execute(f"SELECT {sums} FROM hub.main.{d.id} s").fetchone()
    return {k: int(n) for k, n in zip(scrub.KINDS, row) if n}


def _clean_stale(target: Path) -> None:
    """Remove temporary tiers left by killed publishes (their process is gone)."""
    for p in target.parent.glob(target.name + TMP_MARK + "*"):
        try:
            pid = int(p.name.split(TMP_MARK)[1].split("-")[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            p.unlink(missing_ok=True)
        except (ValueError, PermissionError):
            continue


def _agency_groups(reg: Registry) -> dict[str, str]:
    """Registered agencies and their group (for ``partner_intelligence_counts``)."""
    return {a.name: a.group for a in reg.list_agencies()}


@dataclass
class Settings:
    """A publish's thresholds, checked once (each may be raised, never lowered).

    Examples
    --------
    >>> Settings().k_anonymity, Settings(min_households=3).check()
    Traceback (most recent call last):
    ...
    workbench.errors.BadInput: `min_households` may be raised but not lowered below Appendix 1's 4; got 3.
    """

    min_households: int = MIN_HOUSEHOLDS
    count_threshold: int = DEFAULT_THRESHOLD
    k_anonymity: int = DEFAULT_K
    l_diversity: int = DEFAULT_L
    #: ``'duckdb'`` or ``'spark'`` (record-level tables built by the same SQL on Spark)
    engine: str = "duckdb"
    spark_master: str = "local[2]"

    def check(self) -> "Settings":
        """Refuse a threshold below its floor (Appendix 1's 4, counts 1–4, k >= 2, l >= 1)
        and an unknown engine."""
        if self.min_households < MIN_HOUSEHOLDS:
            raise BadInput(f"`min_households` may be raised but not lowered below Appendix 1's "
                           f"{MIN_HOUSEHOLDS}; got {self.min_households}.")
        if self.count_threshold < DEFAULT_THRESHOLD:
            raise BadInput(f"`count_threshold` may be raised but not lowered below {DEFAULT_THRESHOLD} "
                           f"(counts 1–{DEFAULT_THRESHOLD - 1} hidden); got {self.count_threshold}.")
        validate_kl(self.k_anonymity, self.l_diversity)
        if self.engine not in ("duckdb", "spark"):
            raise BadInput(f"`engine` must be duckdb or spark; found {self.engine!r}.")
        return self

    def meta(self, published_at: str, actor: str) -> list[tuple[str, str]]:
        """The ``publish_meta`` rows of a publish (the checker and readers find the settings there)."""
        return [("published_at", published_at), ("min_households", str(self.min_households)),
                ("count_threshold", str(self.count_threshold)), ("published_by", actor),
                ("k_anonymity", str(self.k_anonymity)), ("l_diversity", str(self.l_diversity))]


@dataclass
class Staging:
    """One publish in progress: what each step of :data:`STEPS` reads and adds to.

    The new tier is built in ``tmp`` (a temporary file beside ``target``, encrypted with
    ``shared_key``) through ``con``, the master hub's connection with the tier attached as
    ``shared``; nothing outside this object carries state between steps (DESIGN.md "Tiers
    are files"; the staging → final shape of dbt models).

    Examples
    --------
    >>> from pathlib import Path
    >>> s = Staging(Path("hub.duckdb"), None, "analyst", Settings(), quiet=True)
    >>> s.target.name, s.tmp.name.startswith("shared.duckdb" + TMP_MARK)
    ('shared.duckdb', True)
    """

    hub: Path
    reg: Registry | None
    actor: str
    settings: Settings
    quiet: bool = True
    target: Path = field(init=False)
    tmp: Path = field(init=False)
    result: PublishResult = field(init=False)
    shared_key: str | None = None
    con: object = None
    #: the Spark connection, with ``engine='spark'`` (:mod:`workbench.privacy.publish_spark`)
    sc: object = None
    #: the Parquet store's staged versions, with ``engine='spark'`` (publish_spark.StoreStaging)
    store: object = None
    geo: object = None
    ref_key: bytes = b""
    present: set = field(default_factory=set)
    published: list = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def __post_init__(self):
        self.target = shared_path(self.hub)
        self.tmp = self.target.with_name(f"{self.target.name}{TMP_MARK}{os.getpid()}-{time.time_ns()}")
        self.result = PublishResult(str(self.hub), str(self.target),
                                    datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def say(self, message: str) -> None:
        """Progress on stderr unless quiet."""
        if not self.quiet:
            print(f"publish: {message}", file=sys.stderr)

    def close(self) -> None:
        """Close the Spark and hub connections (once)."""
        if self.sc is not None:
            self.sc.close()
            self.sc = None
        if self.con is not None:
            self.con.close()
            self.con = None

    def discard(self) -> None:
        """Remove the temporary tier (after a switch it is already gone)."""
        if self.store is not None:
            self.store.discard()
        self.close()
        self.tmp.unlink(missing_ok=True)
        Path(str(self.tmp) + ".wal").unlink(missing_ok=True)

    # ------------------------------------------------------------------------- the steps
    def stage(self) -> None:
        """Open the hub, load the geography and the agencies' groups, attach an empty tier."""
        _clean_stale(self.target)
        self.shared_key = create_key(self.target)
        self.con = open_hub(self.hub)
        self.con.execute("SET preserve_insertion_order = false")  # row order carries no meaning
        self.ref_key = ref_key(self.con)
        self.geo = load_geography(self.con, min_households=self.settings.min_households)
        self.result.geography = self.geo.to_dict()
        install_geography(self.con, self.geo)
        self.present = _present(self.con)
        install_agency_groups(self.con, _agency_groups(self.reg))
        self.con.execute(f"ATTACH {_lit(str(self.tmp))} AS shared (ENCRYPTION_KEY {_lit(self.shared_key)})")
        if self.settings.engine == "spark":
            from workbench.privacy import publish_spark
            self.sc = publish_spark.open_spark(self.con, self.settings.spark_master)
            self.store = publish_spark.StoreStaging(self.target.parent / "store", self.shared_key)
    def build_datasets(self) -> None:
        """Each dataset present in the hub, in the form its publication sets out."""
        for pub in publications():
            if pub.dataset.id not in self.present or pub.mode == "master":
                continue
            table = f"shared.main.{pub.table}"
            facts = _BUILDERS.get(pub.mode, _copied)(self, pub, table)
            self.published.append(pub.dataset.id)
            rows = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            self.result.tables.append({**pub.to_dict(), "rows": rows, **facts})
            self.say(f"{pub.table}: {rows} rows ({pub.mode})")

    def build_provenance(self) -> None:
        """The sanitised supply log, the registered places and ``publish_meta``."""
        if "supplies" in self.present:
            counts_only = [p.dataset.id for p in publications() if p.mode == "counts"]
            rows = publish_supplies(self.con, self.published, "shared.main.supplies", counts_only=counts_only)
            self.result.tables.append({"dataset": None, "class": None, "mode": "provenance",
                                       "table": "supplies", "rows": rows})
        self.con.register("_wb_places_out", load_places(self.con))
        self.con.execute(f"CREATE TABLE shared.main.{PLACES_TABLE} AS SELECT * FROM _wb_places_out")
        self.con.execute("CREATE TABLE shared.main.publish_meta (key VARCHAR, value VARCHAR)")
        self.con.executemany("INSERT INTO shared.main.publish_meta VALUES (?, ?)",
                             self.settings.meta(self.result.published_at, self.actor))

    def on_spark(self, pub: Publication) -> bool:
        """Whether ``pub``'s table is built on Spark (``engine='spark'``; a record-level, as-published
        or counts table whose master table holds records: :func:`publish_spark.on_spark`)."""
        if self.sc is None:
            return False
        from workbench.privacy import publish_spark
        return publish_spark.on_spark(self.con, pub)

    def seal(self) -> None:
        """Write the new tier to disk and let go of it and the hub."""
        self.con.execute("CHECKPOINT shared")
        self.con.execute("DETACH shared")
        self.close()

    def check(self) -> None:
        """The independent checker re-derives every invariant from the sealed file (exit 2)."""
        st = self.settings
        report = checker.check_files(self.tmp, self.hub, shared_key=self.shared_key,
                                     min_households=st.min_households, count_threshold=st.count_threshold,
                                     k_anonymity=st.k_anonymity, l_diversity=st.l_diversity)
        self.result.check = report.to_dict()
        if not report.ok:
            self.reg.audit(self.actor, "publish", "shared", {"findings": len(report.findings),
                                                             "rules": sorted({f.rule for f in report.findings})},
                           outcome="failed")
            raise DisclosureCheckFailed(report)

    def switch(self) -> None:
        """Replace the previous tier with the checked one, atomically, keeping its sharing."""
        os.chmod(self.tmp, 0o600)
        if self.target.exists() and self.target.stat().st_mode & 0o040:  # shared with a group (hub.share): keep it
            os.chown(self.tmp, -1, self.target.stat().st_gid)
            os.chmod(self.tmp, 0o640)
        Path(str(self.target) + ".wal").unlink(missing_ok=True)
        os.replace(self.tmp, self.target)
        if self.store is not None:
            self.store.switch()

#: the recipe: each step reads and adds to the :class:`Staging`; a failure at any step leaves
#: the previous tier as it was (the temporary file is discarded)
STEPS = (Staging.stage, Staging.build_datasets, Staging.build_provenance, Staging.seal, Staging.check,
         Staging.switch)


# ----------------------------------------------------------------------------- one dataset, by mode
def _record(s: Staging, pub: Publication, table: str) -> dict:
    """A record-level table: depersonalised (Appendix 1, guidance 3.2), then k and l."""
    source = f"hub.main.{pub.dataset.id}"
    ev, joins = _event_date(s.con, pub, s.present)
    extra, prov_join = _provenance(pub, s.present)
    removed: dict[str, int] = {}
    k, l = s.settings.k_anonymity, s.settings.l_diversity
    if s.on_spark(pub):
        from workbench.privacy import publish_spark
        placement, quasi = publish_spark.record_table(
            s.sc, s.con, pub, table, s.geo, s.ref_key, event_date_sql=ev, extra_from=joins + prov_join,
            extra_columns=extra, removed=removed, k=k, l=l, store=s.store)
    else:
        depersonalise_dataset(s.con, pub.dataset, source, table, s.geo, s.ref_key, event_date_sql=ev,
                              extra_from=joins + prov_join, extra_columns=extra, removed=removed)
        placement = placement_counts(s.con, pub.dataset, source, s.geo)
        quasi = protect_table(s.con, table, pub.dataset, k=k, l=l) if pub.dataset.quasi_identifiers else None
    facts: dict = {}
    if placement:
        facts["placement"] = placement
    if quasi:
        facts["quasi"] = quasi.to_dict()
    if removed:
        facts["removed"] = removed
    return facts


def _counts(s: Staging, pub: Publication, table: str) -> dict:
    """A personal-data table published as suppressed counts only."""
    supplies = "hub.main.supplies" if "supplies" in s.present else None
    if s.on_spark(pub):
        from workbench.privacy import publish_spark
        publish_spark.counts_table(s.sc, s.con, pub, table, threshold=s.settings.count_threshold,
                                   supplies=supplies, store=s.store)
        return {}
    publish_counts(s.con, pub, f"hub.main.{pub.dataset.id}", table, threshold=s.settings.count_threshold,
                   supplies=supplies)
    return {}


def _copied(s: Staging, pub: Publication, table: str) -> dict:
    """An aggregate, reference or as-published table: copied, free text scrubbed."""
    if pub.mode == "as_published" and s.on_spark(pub):
        from workbench.privacy import publish_spark
        _copy(s.sc, pub, table, s.present)
        publish_spark.load(s.sc, s.con, table, s.store)
        return {}
    removed = _copy(s.con, pub, table, s.present)
    facts: dict = {"removed": removed} if removed else {}
    if pub.dataset.id == "survey_response":
        # the dashboards' primary and secondary suppression (guidance 2.4.1.2)
        facts["cells_suppressed"] = suppress_survey(s.con, table, s.settings.count_threshold)
    return facts


_BUILDERS = {"record": _record, "outward": _record, "counts": _counts}


def publish(hub_path: Path | str | None = None, user=None, *, min_households: int = MIN_HOUSEHOLDS,
            count_threshold: int = DEFAULT_THRESHOLD, k_anonymity: int = DEFAULT_K,
            l_diversity: int = DEFAULT_L, quiet: bool = True, engine: str = "duckdb",
            spark_master: str = "local[2]") -> PublishResult:
    """Rebuild the shared (depersonalised) tier of ``hub_path`` and check it (Appendix 1).

    The recipe :data:`STEPS` over one :class:`Staging`: stage the inputs, build each
    dataset, add provenance, seal the file, check it independently, switch it in. The
    registry is opened once (the grant, the agencies' groups, the audit).

    Parameters
    ----------
    hub_path : the master hub (default :func:`workbench.hub.connect.default_hub`).
    user : the user publishing (name or User); checked for the ``publish`` operation and
        audited. ``None`` means an operator holding the master key (audited as the OS user).
    min_households : the Appendix 1 threshold (4; may be raised, never lowered).
    count_threshold : counts below this are suppressed in ``<id>_counts`` tables (5; may
        be raised, never lowered).
    k_anonymity, l_diversity : every combination of a person table's quasi-identifiers holds
        at least k records and l distinct sensitive values (5 and 2; an ISP may set its own,
        k at least 2; :mod:`workbench.privacy.quasi`).
    quiet : no progress on stderr.
    engine : ``'duckdb'`` (default) or ``'spark'``: the record-level tables are built by the same
        SQL run on Spark (:mod:`workbench.privacy.publish_spark`); the tier, its check and the
        atomic switch are the same.
    spark_master : the Spark master URL (``local[2]``, ``spark://host:7077``).

    Raises
    ------
    DisclosureCheckFailed
        The independent checker found something; nothing was replaced (exit 2).

    Examples
    --------
    A hub holding only Code-Point-style postcodes publishes a tier of reference tables:

    >>> import pandas as pd
    >>> from workbench.hub.ingest import ingest_frame
    >>> from workbench.hub.schema import init_hub
    >>> hub = init_hub("hub.duckdb")
    >>> pcs = pd.DataFrame({"postcode": [f"NG1 5A{c}" for c in "ABDEFGHJLN"],
    ...                     "easting": [457000.0 + 50 * i for i in range(10)], "northing": [340000.0] * 10,
    ...                     "latitude": [52.95] * 10, "longitude": [-1.15] * 10, "households": [8] * 10})
    >>> _ = ingest_frame(hub, "ref_postcode", pcs, source_name="codepoint")
    >>> res = publish(hub)
    >>> res.check["ok"], res.shared.endswith("shared.duckdb")
    (True, True)
    """
    settings = Settings(min_households, count_threshold, k_anonymity, l_diversity, engine, spark_master).check()
    hub = Path(hub_path) if hub_path else default_hub()
    actor = ((user if isinstance(user, str) else getattr(user, "name", None))
             or os.environ.get("WORKBENCH_USER") or getpass.getuser())
    with open_registry(hub) as reg:  # opened once: the grant, the agencies' groups, the audit
        if user is not None:
            require(reg, user, "publish", None)
        staging = Staging(hub, reg, actor, settings, quiet=quiet)
        try:
            for step in STEPS:
                step(staging)
        finally:
            staging.discard()
        result = staging.result
        result.seconds = time.perf_counter() - staging.started
        reg.audit(actor, "publish", "shared", {"tables": len(result.tables), "rows": result.rows,
                                               "shared": str(staging.target)}, outcome="ok")
        return result
