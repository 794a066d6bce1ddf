"""The front sheet every product carries, and the data sources behind it (guidance 3.4, 4.2.3).

A front sheet states: title, commissioning group, the questions, author, date, the data
sources with their supply dates and quality caveats, the protective marking and the handling
conditions. Supply dates come from the hub's ``supplies`` log (one row per supply, with its
3.4 metadata, missing metadata and ingest warnings); caveats are the supplier's own
(metadata ``caveats``), missing 3.4 metadata, and ingest warnings (fitness for purpose,
guidance 4.2.3). The log is the shared tier's ``supplies`` table, the sanitised copy that
publish writes (:mod:`workbench.privacy.provenance`: no staff names or contacts, no example
values); products read the shared tier only and never open the master hub (privacy by
construction). A tier without the table gives an empty log: provenance unknown.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from workbench import catalogue
from workbench.products.marking import Marking


@dataclass
class DataSource:
    """One dataset a product used: who supplied it, when, the period covered and its caveats.

    Examples
    --------
    >>> s = data_sources(_example_source(), ["police_uk_street"])[0]
    >>> s.agency, s.supplies, s.period_start, s.period_end
    ('Notts Police', 1, '2024-01-01', '2024-03-31')
    """

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
    """Everything printed on page 1.

    Examples
    --------
    >>> from workbench.products.marking import decide_marking
    >>> sheet = FrontSheet("problem-profile", "Burglary in Arboretum", "tasking group", ["Why now?"], "ann",
    ...                    "2024-04-10", "2024-03-31", decide_marking(["police_uk_street"]), "Partnership use only",
    ...                    data_sources(_example_source(), ["police_uk_street"]))
    >>> d = sheet.to_dict()
    >>> d["marking"]["banner"], d["sources"][0]["dataset"]
    ('OFFICIAL', 'police_uk_street')
    """

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


def supply_log(source):
    """Rows of the shared tier's ``supplies`` table (the sanitised log publish writes); empty
    when the tier has none. The master hub is never read.

    Examples
    --------
    >>> [row[:2] for row in supply_log(_example_source())]
    [('police_uk_street', 'Notts Police')]
    >>> import duckdb
    >>> supply_log(duckdb.connect())                       # no supplies table: no log
    []
    """
    from workbench.products.issues import tables

    return _read_log(source) if "supplies" in tables(source) else []


LOG_COLUMNS = ("dataset", "agency", "supplied_at", "period_start", "period_end", "rows", "metadata",
               "metadata_missing", "warnings")


def _read_log(con):
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'supplies' "
        "AND table_catalog = current_database()").fetchall()}
    cols = ", ".join(c if c in have else f"NULL AS {c}" for c in LOG_COLUMNS)
    order = "supplied_at" if "supplied_at" in have else "1"
    return con.execute(f"SELECT {cols} FROM supplies ORDER BY {order}").fetchall()


def _ranges(months: list[str]) -> str:
    """'2019-03', '2019-04', '2019-05', '2020-01' -> '2019-03 to 2019-05, 2020-01'."""
    out, start, prev = [], None, None
    for m in months:
        p = dt.date.fromisoformat(m + "-01")
        if prev is not None and (p.year * 12 + p.month) == (prev.year * 12 + prev.month) + 1:
            prev = p
            continue
        if start is not None:
            out.append(start.strftime("%Y-%m") + ("" if prev == start else " to " + prev.strftime("%Y-%m")))
        start = prev = p
    if start is not None:
        out.append(start.strftime("%Y-%m") + ("" if prev == start else " to " + prev.strftime("%Y-%m")))
    return ", ".join(out)


#: fields whose completeness limits analysis (time of day, location)
KEY_FIELDS = ("committed_from_time", "incident_time", "easting", "northing", "postcode", "location")


def data_caveats(source, dataset_id: str) -> list[str]:
    """Caveats read from the data themselves (guidance 4.2.3): months with no records inside the
    covered span, and key fields (time, location) less than 90 % complete.

    Examples
    --------
    >>> data_caveats(_example_source(), "police_uk_street")
    ['No records for 2024-02: months not supplied are missing, not zero.']
    """
    from workbench.products.issues import tables

    if dataset_id not in tables(source) or dataset_id not in catalogue.BY_ID:
        return []
    ds = catalogue.BY_ID[dataset_id]
    have = {r[0] for r in source.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_catalog = current_database()", [dataset_id]).fetchall()}
    out = []
    month_sql = None if ds.klass in ("reference", "aggregate") else (
                 "month" if "month" in have else
                 f"strftime({ds.date_column}, '%Y-%m')" if ds.date_column in have else None)
    if month_sql:
        months = [r[0] for r in source.execute(
            f"SELECT DISTINCT {month_sql} FROM {dataset_id} WHERE {month_sql} IS NOT NULL ORDER BY 1").fetchall()]
        if months:
            y0, m0 = map(int, months[0].split("-"))
            y1, m1 = map(int, months[-1].split("-"))
            every = [f"{(k // 12):04d}-{(k % 12) + 1:02d}" for k in range(y0 * 12 + m0 - 1, y1 * 12 + m1)]
            gaps = [m for m in every if m not in set(months)]
            if gaps:
                out.append(f"No records for {_ranges(gaps)}: months not supplied are missing, not zero.")
    cols = [c for c in KEY_FIELDS if c in have]
    if cols:
        row = source.execute("SELECT count(*), " + ", ".join(f'count("{c}")' for c in cols)
                             + f" FROM {dataset_id}").fetchone()
        n = row[0]
        for c, k in zip(cols, row[1:]):
            if n and k / n < 0.9:
                out.append(f"'{c}' is {k / n:.0%} complete.")
    return out


def data_sources(source, datasets: list[str]) -> list[DataSource]:
    """The data sources a product used, with supply dates and caveats, in ``datasets`` order.

    One entry per dataset, however many analyses named it (hypotheses each list theirs).

    Examples
    --------
    >>> s = data_sources(_example_source(), ["police_uk_street", "police_uk_street", "ref_imd"])
    >>> [x.dataset for x in s], s[1].caveats                     # one entry per dataset
    (['police_uk_street', 'ref_imd'], ['No supply record found for this dataset: provenance unknown.'])
    """
    log = supply_log(source)
    out = []
    for ds_id in dict.fromkeys(datasets):
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
        caveats += [c for c in data_caveats(source, ds_id) if c not in caveats]
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


def _example_source():
    """An in-memory source with police.uk rows for January and March 2024 and one supply record:
    the examples' data."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE police_uk_street AS SELECT * FROM (VALUES ('2024-01', 'x'), ('2024-03', 'y')) "
                "v(month, location)")
    con.execute("CREATE TABLE supplies AS SELECT 'police_uk_street' AS dataset, 'Notts Police' AS agency, "
                "TIMESTAMP '2024-04-02 09:00' AS supplied_at, DATE '2024-01-01' AS period_start, "
                "DATE '2024-03-31' AS period_end, 2 AS rows, '{}' AS metadata, '[]' AS metadata_missing, "
                "'[]' AS warnings")
    return con
