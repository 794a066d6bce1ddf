"""What the hub holds, as the shared tier shows it: datasets, supplies, quality, coverage.

Guidance 4.2.3 (fitness for purpose) and 3.4 (metadata of every supply). The fitness-for-
purpose report is :func:`workbench.hub.quality.quality_report` run on the shared tier; the
coverage grid counts records per dataset and month in SQL so gaps (months with no records)
stand out. Everything is read through the source's partnership scope (guidance 2.2.4;
:mod:`workbench.privacy.scope`): a scoped source lists only its partnerships' supplies and
rows, and not the tables whose rows cannot be attributed to a partnership.
"""

from __future__ import annotations

import pandas as pd

from workbench import catalogue
from workbench.errors import WorkbenchError
from workbench.dashboard_data.access import Viewer, require_records
from workbench.dashboard_data.periods import Period
from workbench.dashboard_data.source import Source

COUNTS_SUFFIX = "_counts"
#: the columns :func:`workbench.hub.quality.quality_report` reads from ``supplies``
SUPPLIES_SHAPE = ("select 0::bigint as supply_id, ''::varchar as dataset, ''::varchar as agency, "
                  "0::bigint as rows, 0::bigint as rows_superseded, now()::timestamp as supplied_at, "
                  "null::date as period_start, null::date as period_end, '[]'::varchar as metadata_missing, "
                  "'[]'::varchar as warnings, '{}'::varchar as metadata")


def _dataset_of(table: str):
    name = table[: -len(COUNTS_SUFFIX)] if table.endswith(COUNTS_SUFFIX) else table
    try:
        return catalogue.get(name)
    except Exception:   # a system table such as ``supplies``
        return None


def datasets(source: Source) -> pd.DataFrame:
    """One row per published dataset table: ``table, dataset, class, form, rows, tiers``.

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> datasets(_example_source())[["table", "form", "rows"]].values.tolist()
    [['council_asb', 'records', 8], ['police_crime_offence', 'records', 60], ['ref_lsoa', 'records', 0]]
    """
    rows = []
    for table in source.tables():
        ds = _dataset_of(table)
        if ds is None:
            continue
        n = source.scalar(f'select count(*) from "{table}"')
        rows.append({"table": table, "dataset": ds.id, "class": ds.klass,
                     "form": "counts" if table.endswith(COUNTS_SUFFIX) else "records",
                     "rows": int(n), "tiers": ", ".join(ds.tiers)})
    return pd.DataFrame(rows, columns=["table", "dataset", "class", "form", "rows", "tiers"])


def supplies(source: Source) -> pd.DataFrame:
    """The supply log as published (no file paths): who supplied what, when, for which period.

    Only the columns the tier holds are read (the example tier's log has two of them).

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> supplies(_example_source()).to_dict("records")
    [{'supply_id': 1, 'dataset': 'council_asb'}]
    """
    if not source.has("supplies"):
        return pd.DataFrame(columns=["supply_id", "dataset", "agency", "rows", "supplied_at",
                                     "period_start", "period_end"])
    cols = set(source.columns("supplies"))
    wanted = [c for c in ("supply_id", "dataset", "agency", "rows", "rows_superseded",
                          "supplied_at", "period_start", "period_end") if c in cols]
    return source.frame(f"select {', '.join(wanted)} from supplies order by supply_id desc")


def published(source: Source) -> pd.DataFrame:
    """When and how the shared tier was published (``publish_meta``: time, thresholds, by whom).

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> published(_example_source()).columns.tolist(), len(published(_example_source()))  # none recorded
    (['key', 'value'], 0)
    """
    if not source.has("publish_meta"):
        return pd.DataFrame(columns=["key", "value"])
    return source.frame("select key, value from publish_meta order by key")


def status(source: Source) -> str:
    """One line on the shared tier: when it was published and how much it holds.

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> status(_example_source())
    'Shared tier published at an unknown time: 3 datasets, 68 rows.'
    >>> status(Source("nowhere/hub.duckdb")).startswith("Shared tier: No shared tier at")
    True
    """
    try:
        frame = datasets(source)
        meta = dict(published(source).itertuples(index=False))
    except WorkbenchError as exc:      # no tier yet: say so rather than fail the index
        return f"Shared tier: {exc}"
    from workbench.dashboard_data.labels import british

    when = british(str(meta["published_at"])[:16]) if meta.get("published_at") else "at an unknown time"
    return (f"Shared tier published {when}: {len(frame)} datasets, "
            f"{int(frame['rows'].sum()) if len(frame) else 0:,} rows.")


ANOMALY_COLUMNS = ["month", "category", "rows", "median", "robust_z", "direction", "edge"]


def anomalous_months(report: dict) -> pd.DataFrame:
    """The quality report's anomalous supply months as a table (guidance 4.2.3).

    The scores are computed once, by :func:`workbench.hub.quality.anomalous_months`; this only
    reshapes them for display: one row per month and category ("all rows" for the whole
    dataset), largest departure first.

    Examples
    --------
    >>> rep = {"coverage": {"anomalous_months": [{"category_column": "crime_type",
    ...        "category": "Anti-social behaviour", "month": "2024-06", "rows": 100, "median": 2000.0,
    ...        "robust_z": -25.1, "direction": "low", "edge": False}]}}
    >>> anomalous_months(rep)[["month", "category", "rows"]].to_dict("records")
    [{'month': '2024-06', 'category': 'crime_type = Anti-social behaviour', 'rows': 100}]
    """
    rows = []
    for a in (report.get("coverage") or {}).get("anomalous_months") or []:
        what = f"{a['category_column']} = {a['category']}" if a.get("category_column") else "all rows"
        rows.append({**{k: a[k] for k in ANOMALY_COLUMNS if k in a}, "category": what})
    frame = pd.DataFrame(rows, columns=ANOMALY_COLUMNS)
    if len(frame):
        frame = frame.reindex(frame["robust_z"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    return frame


def quality(source: Source, dataset_id: str, viewer: Viewer) -> dict:
    """The fitness-for-purpose report of ``dataset_id`` on the shared tier (guidance 4.2.3).

    Analysts, DLOs and administrators only: the report names individual supplies.

    Examples
    --------
    >>> from workbench.dashboard_data.partners import _example_source
    >>> quality(_example_source(), "council_asb", Viewer("vic", "Council", "viewer"))
    Traceback (most recent call last):
    ...
    workbench.errors.AccessDenied: The fitness-for-purpose report is record-level data; role 'viewer' sees aggregates only ...
    """
    source = source.for_viewer(viewer)
    require_records(viewer, "The fitness-for-purpose report")
    from workbench.hub.quality import quality_report

    cur = source._cursor()
    try:
        if not source.has("supplies"):
            # the supply log stays in the master hub; an empty one (this cursor only) lets the
            # report run on the shared tier, and the caveat says what is missing
            cur.execute(f"create temp table if not exists supplies as select * from ({SUPPLIES_SHAPE}) "
                        "where false")
        report = quality_report(cur, dataset_id).to_dict()
    finally:
        cur.close()
    if not source.has("supplies"):
        report["caveats"] = list(report.get("caveats", [])) + [
            "The supply log is kept in the master hub and is not published to the shared tier: "
            "run `workbench hub quality` there for per-supply currency and metadata."]
    return report


def coverage(source: Source, period: Period) -> pd.DataFrame:
    """Records per ``dataset`` and ``month`` ('YYYY-MM') in ``period``, with zero-record months.

    Every month of the period appears for every dataset that has a date column, so a
    missing supply shows as a zero (a coverage gap), not as an absent row.

    Examples
    --------
    The example tier's council ASB: one report in January 2024, six in June, none between.

    >>> from datetime import date
    >>> from workbench.dashboard_data.partners import _example_source
    >>> frame = coverage(_example_source(), Period(date(2024, 1, 1), date(2024, 6, 30)))
    >>> frame[frame["dataset"] == "council_asb"]["records"].tolist()
    [1, 0, 0, 0, 0, 6]
    """
    parts, params = [], []
    for table in source.tables():
        ds = _dataset_of(table)
        if ds is None or table.endswith(COUNTS_SUFFIX):
            continue
        cols = set(source.columns(table))
        if "month" in cols and ds.id == "police_uk_street":
            month = "month"
        elif ds.date_column and ds.date_column in cols:
            month = f"strftime(cast(\"{ds.date_column}\" as date), '%Y-%m')"
        else:
            continue
        parts.append(f"select '{ds.id}' as dataset, {month} as month, count(*) as n "
                     f"from \"{table}\" group by 1, 2")
    months = pd.period_range(period.start, period.end, freq="M").strftime("%Y-%m")
    if not parts:
        return pd.DataFrame(columns=["dataset", "month", "records"])
    counted = source.frame(" union all ".join(parts))
    counted = counted[counted["month"].isin(months)]
    grid = pd.MultiIndex.from_product([sorted(counted["dataset"].unique()), list(months)],
                                      names=["dataset", "month"]).to_frame(index=False)
    out = grid.merge(counted, on=["dataset", "month"], how="left").fillna({"n": 0})
    return out.rename(columns={"n": "records"}).astype({"records": int})


def gaps(coverage_frame: pd.DataFrame) -> pd.DataFrame:
    """The zero-record months inside each dataset's span (first to last month with records).

    Examples
    --------
    >>> frame = pd.DataFrame({"dataset": ["asb"] * 4 + ["fires"] * 2,
    ...                       "month": ["2024-01", "2024-02", "2024-03", "2024-04", "2024-01", "2024-02"],
    ...                       "records": [0, 5, 0, 2, 3, 0]})
    >>> gaps(frame).values.tolist()               # before the first and after the last are not gaps
    [['asb', '2024-03']]
    """
    rows = []
    for name, part in coverage_frame.groupby("dataset"):
        present = part[part["records"] > 0]["month"]
        if present.empty:
            continue
        inside = part[(part["month"] >= present.min()) & (part["month"] <= present.max())]
        for m in inside[inside["records"] == 0]["month"]:
            rows.append({"dataset": name, "month": m})
    return pd.DataFrame(rows, columns=["dataset", "month"])
