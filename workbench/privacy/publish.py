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
    """The independent checker found disclosive content; the previous tier was kept (exit 2)."""

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
    """What a publish wrote: the file, each table and its rows, and the checker's report."""

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
            if qd and qd["rows"]:
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


def publish(hub_path: Path | str | None = None, user=None, *, min_households: int = MIN_HOUSEHOLDS,
            count_threshold: int = DEFAULT_THRESHOLD, k_anonymity: int = DEFAULT_K,
            l_diversity: int = DEFAULT_L, quiet: bool = True, engine: str = "duckdb",
            spark_master: str = "local[2]") -> PublishResult:
    """Rebuild the shared (depersonalised) tier of ``hub_path`` and check it (Appendix 1).

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
    >>> from workbench.privacy.publish import publish   # doctest: +SKIP
    >>> publish("data/restricted/hub.duckdb").rows      # doctest: +SKIP
    """
    if min_households < MIN_HOUSEHOLDS:
        raise BadInput(f"`min_households` may be raised but not lowered below Appendix 1's "
                       f"{MIN_HOUSEHOLDS}; got {min_households}.")
    if count_threshold < DEFAULT_THRESHOLD:
        raise BadInput(f"`count_threshold` may be raised but not lowered below {DEFAULT_THRESHOLD} "
                       f"(counts 1–{DEFAULT_THRESHOLD - 1} hidden); got {count_threshold}.")
    validate_kl(k_anonymity, l_diversity)
    if engine not in ("duckdb", "spark"):
        raise BadInput(f"`engine` must be duckdb or spark; found {engine!r}.")
    hub = Path(hub_path) if hub_path else default_hub()
    actor = ((user if isinstance(user, str) else getattr(user, "name", None))
             or os.environ.get("WORKBENCH_USER") or getpass.getuser())
    with open_registry(hub) as reg:  # opened once: the grant, the agencies' groups, the audit
        if user is not None:
            require(reg, user, "publish", None)
        return _build(hub, reg, actor, min_households, count_threshold, quiet,
                      k_anonymity=k_anonymity, l_diversity=l_diversity,
                      spark_master=spark_master if engine == "spark" else None)


def _build(hub: Path, reg: Registry, actor: str, min_households: int, count_threshold: int,
           quiet: bool, *, k_anonymity: int = DEFAULT_K, l_diversity: int = DEFAULT_L,
           spark_master: str | None = None) -> PublishResult:
    """Build the tier into a temporary file, check it, replace the old tier, audit (reg open)."""
    import sys

    t0 = time.perf_counter()
    target = shared_path(hub)
    _clean_stale(target)
    tmp = target.with_name(f"{target.name}{TMP_MARK}{os.getpid()}-{time.time_ns()}")
    shared_key = create_key(target)
    result = PublishResult(str(hub), str(target), datetime.now(timezone.utc).isoformat(timespec="seconds"))
    con = open_hub(hub)
    sc = None   # the Spark connection, with --engine spark
    try:
        con.execute("SET preserve_insertion_order = false")  # row order carries no meaning
        key = ref_key(con)
        geo = load_geography(con, min_households=min_households)
        result.geography = geo.to_dict()
        install_geography(con, geo)
        present = _present(con)
        install_agency_groups(con, _agency_groups(reg))
        published: list[str] = []
        con.execute(f"ATTACH {_lit(str(tmp))} AS shared (ENCRYPTION_KEY {_lit(shared_key)})")
        if spark_master:
            from workbench.privacy import publish_spark
            sc = publish_spark.open_spark(con, spark_master)
        for pub in publications():
            if pub.dataset.id not in present or pub.mode == "master":
                continue
            target_table = f"shared.main.{pub.table}"
            on_spark = sc is not None and publish_spark.on_spark(con, pub)
            placement: dict[str, int] = {}
            removed: dict[str, int] = {}
            cells_hidden = None
            quasi = None
            if pub.mode in ("record", "outward"):
                ev, joins = _event_date(con, pub, present)
                extra, prov_join = _provenance(pub, present)
                if on_spark:
                    placement, quasi = publish_spark.record_table(
                        sc, con, pub, target_table, geo, key, event_date_sql=ev, extra_from=joins + prov_join,
                        extra_columns=extra, removed=removed, k=k_anonymity, l=l_diversity)
                else:
                    depersonalise_dataset(con, pub.dataset, f"hub.main.{pub.dataset.id}", target_table,
                                          geo, key, event_date_sql=ev, extra_from=joins + prov_join,
                                          extra_columns=extra, removed=removed)
                    placement = placement_counts(con, pub.dataset, f"hub.main.{pub.dataset.id}", geo)
                    if pub.dataset.quasi_identifiers:
                        quasi = protect_table(con, target_table, pub.dataset, k=k_anonymity, l=l_diversity)
            elif pub.mode == "counts":
                publish_counts(con, pub, f"hub.main.{pub.dataset.id}", target_table,
                               threshold=count_threshold,
                               supplies="hub.main.supplies" if "supplies" in present else None)
            elif on_spark and pub.mode == "as_published":
                _copy(sc, pub, target_table, present)
                publish_spark.load(sc, con, target_table)
            else:
                removed = _copy(con, pub, target_table, present)
                if pub.dataset.id == "survey_response":
                    # the dashboards' primary and secondary suppression (guidance 2.4.1.2)
                    cells_hidden = suppress_survey(con, target_table, count_threshold)
            published.append(pub.dataset.id)
            rows = con.execute(f"SELECT count(*) FROM {target_table}").fetchone()[0]
            result.tables.append({**pub.to_dict(), "rows": rows, **({"placement": placement} if placement else {}),
                                  **({"quasi": quasi.to_dict()} if quasi else {}),
                                  **({"removed": removed} if removed else {}),
                                  **({"cells_suppressed": cells_hidden} if cells_hidden is not None else {})})
            if not quiet:
                print(f"publish: {pub.table}: {rows} rows ({pub.mode})", file=sys.stderr)
        if "supplies" in present:
            counts_only = [p.dataset.id for p in publications() if p.mode == "counts"]
            rows = publish_supplies(con, published, "shared.main.supplies", counts_only=counts_only)
            result.tables.append({"dataset": None, "class": None, "mode": "provenance",
                                  "table": "supplies", "rows": rows})
        con.register("_wb_places_out", load_places(con))
        con.execute(f"CREATE TABLE shared.main.{PLACES_TABLE} AS SELECT * FROM _wb_places_out")
        con.execute("CREATE TABLE shared.main.publish_meta (key VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO shared.main.publish_meta VALUES (?, ?)",
                        [("published_at", result.published_at), ("min_households", str(min_households)),
                         ("count_threshold", str(count_threshold)), ("published_by", actor),
                         ("k_anonymity", str(k_anonymity)), ("l_diversity", str(l_diversity))])
        con.execute("CHECKPOINT shared")
        con.execute("DETACH shared")
        con.close()
        con = None
        report = checker.check_files(tmp, hub, shared_key=shared_key, min_households=min_households,
                                     count_threshold=count_threshold, k_anonymity=k_anonymity,
                                     l_diversity=l_diversity)
        result.check = report.to_dict()
        if not report.ok:
            reg.audit(actor, "publish", "shared", {"findings": len(report.findings),
                                                        "rules": sorted({f.rule for f in report.findings})},
                      outcome="failed")
            raise DisclosureCheckFailed(report)
        os.chmod(tmp, 0o600)
        if target.exists() and target.stat().st_mode & 0o040:    # shared with a group (hub.share): keep it
            previous = target.stat()
            os.chown(tmp, -1, previous.st_gid)
            os.chmod(tmp, 0o640)
        Path(str(target) + ".wal").unlink(missing_ok=True)
        os.replace(tmp, target)
    finally:
        if sc is not None:
            sc.close()
        if con is not None:
            con.close()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    result.seconds = time.perf_counter() - t0
    reg.audit(actor, "publish", "shared", {"tables": len(result.tables), "rows": result.rows,
                                           "shared": str(target)}, outcome="ok")
    return result
