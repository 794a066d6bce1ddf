"""The front sheet every product carries, and the data sources behind it (guidance 3.4, 4.2.3).

A front sheet states: title, commissioning group, the questions, author, date, the data
sources with their supply dates and quality caveats, the protective marking and the handling
conditions. Supply dates come from the hub's ``supplies`` log (one row per supply, with its
3.4 metadata, missing metadata and ingest warnings); caveats are the supplier's own
(metadata ``caveats``), missing 3.4 metadata, and ingest warnings (fitness for purpose,
guidance 4.2.3). When the shared tier carries no ``supplies`` table the master hub's log is
read, read-only; it holds no personal data.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from workbench import catalogue
from workbench.products.marking import Marking


@dataclass
class DataSource:
    dataset: str
    title: str
    agency: str | None
    supplies: int
    last_supplied: str | None
    period_start: str | None
    period_end: str | None
    rows: int | None
    caveats: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FrontSheet:
    """Everything printed on page 1."""

    product: str
    title: str
    commissioning_group: str | None
    questions: list[str]
    author: str
    date: str
    as_of: str
    marking: Marking
    handling: str
    sources: list[DataSource]
    commission_id: int | None = None
    purpose: str | None = None
    periods: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["marking"] = self.marking.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "FrontSheet":
        d = dict(d)
        m = d.pop("marking")
        d["marking"] = Marking(m["label"], m["reason"], m.get("personal", False))
        d["sources"] = [DataSource(**s) for s in d["sources"]]
        return cls(**d)


def _loads(value):
    if value is None:
        return None
    if isinstance(value, dict | list):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return None


def _caveats(metadata, missing, warnings) -> list[str]:
    out = []
    meta = _loads(metadata) or {}
    if isinstance(meta, dict) and meta.get("caveats"):
        out.append(f"Supplier's caveat: {meta['caveats']}")
    miss = _loads(missing) or []
    if miss:
        out.append("Metadata missing (guidance 3.4): " + ", ".join(map(str, miss)))
    for w in _loads(warnings) or []:
        if isinstance(w, dict):
            out.append(f"{w.get('count', '?')} row(s): {w.get('description') or w.get('code')}")
    return out


def supply_log(source, hub: Path | str | None = None):
    """Rows of the ``supplies`` table from the source, else from the master hub (read-only)."""
    from workbench.products.issues import tables

    if "supplies" in tables(source):
        return _read_log(source)
    if hub is None or not Path(hub).exists():
        return []
    from workbench.hub.connect import open_hub

    con = open_hub(hub, read_only=True)
    try:
        return _read_log(con)
    finally:
        con.close()


LOG_COLUMNS = ("dataset", "agency", "supplied_at", "period_start", "period_end", "rows", "metadata",
               "metadata_missing", "warnings")


def _read_log(con):
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'supplies' "
        "AND table_catalog = current_database()").fetchall()}
    cols = ", ".join(c if c in have else f"NULL AS {c}" for c in LOG_COLUMNS)
    order = "supplied_at" if "supplied_at" in have else "1"
    return con.execute(f"SELECT {cols} FROM supplies ORDER BY {order}").fetchall()


def data_sources(source, datasets: list[str], hub: Path | str | None = None) -> list[DataSource]:
    """The data sources a product used, with supply dates and caveats, in ``datasets`` order."""
    log = supply_log(source, hub)
    out = []
    for ds_id in datasets:
        base = ds_id.removesuffix("_counts")
        mine = [r for r in log if r[0] == base]
        title = catalogue.BY_ID[base].title if base in catalogue.BY_ID else base
        caveats: list[str] = []
        for r in mine[-3:]:  # the latest supplies speak for the data in use
            for c in _caveats(r[6], r[7], r[8]):
                if c not in caveats:
                    caveats.append(c)
        if not mine:
            caveats.append("No supply record found for this dataset: provenance unknown.")
        starts = [r[3] for r in mine if r[3]]
        ends = [r[4] for r in mine if r[4]]
        out.append(DataSource(
            dataset=ds_id, title=title,
            agency=", ".join(sorted({r[1] for r in mine if r[1]})) or None,
            supplies=len(mine),
            last_supplied=_text(max((r[2] for r in mine), default=None)),
            period_start=_text(min(starts, default=None)), period_end=_text(max(ends, default=None)),
            rows=sum(int(r[5] or 0) for r in mine) if mine else None, caveats=caveats))
    return out


def _text(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time(0) else "%Y-%m-%d %H:%M")
    return str(value)
