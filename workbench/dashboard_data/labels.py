"""Plain-language names and number formats for what a dashboard shows (issue 18).

Partnership group members read the dashboards, not analysts: a table must never show a raw
column name (``percent_change``), a true/false flag, a number in scientific notation or an
ISO timestamp. Every table the dashboards draw passes through :func:`plain_table`; a term
that has to stay technical keeps a glossary line (:data:`GLOSSARY`, shown as the column's
tooltip; the terms are those of ``docs/glossary.md``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd

from workbench.viz import numbers

#: column → the words a partnership group member reads (units in brackets)
LABELS = {
    "offence_type": "Offence type", "offence_code": "Offence code", "label": "Issue",
    "current": "Count this period", "expected": "Expected count", "baseline": "Baseline count",
    "percent_change": "Change on expected (%)", "rate_ratio": "Times the expected rate",
    "p_value": "Chance of a rise this size by luck", "emerging": "Emerging?",
    "significant": "Statistically significant?", "trend": "Trend", "trend_p": "Chance the trend is luck",
    "% a year": "Change a year (%)", "annual_change": "Change a year (%)", "months_covered": "Months of data",
    "rank": "Rank", "band": "Priority", "score": "Priority score (0–100)", "confidence": "Confidence",
    "coverage": "Data coverage", "sources": "Measured from", "likelihood": "Likelihood score",
    "impact": "Impact score", "target": "Target change (%)", "actual": "Actual change (%)",
    "status": "Status", "count": "Count", "crimes": "Crimes", "records": "Records",
    "rows": "Rows", "supplies": "Supplies", "dataset": "Dataset", "title": "Title",
    "last_supplied": "Last supplied", "kind": "Kind", "marking": "Protective marking",
    "created": "Created", "partnerships": "Partnerships", "location": "Location",
    "postcode_sector": "Postcode sector", "postcode_district": "Postcode district",
    "postcode": "Postcode", "lsoa_code": "Area code (LSOA)", "lsoa_name": "Area (LSOA)",
    "rate_per_1000": "Rate per 1,000 residents", "population": "Residents", "imd_decile": "Deprivation decile (1 = most deprived)",
    "harm_current": "Harm, last 12 months", "harm_previous": "Harm, 12 months before",
    "category": "Category", "group": "Group", "month": "Month", "week": "Week", "day": "Day",
    "hour": "Hour", "first": "First", "last": "Last", "share": "Share (%)",
    "robust_z": "Distance from usual (robust z)", "median": "Usual month (median)",
    "direction": "Direction", "edge": "At the series' edge?", "category_column": "Category field",
    # the shared tier's publication record (hub explorer, Supplies)
    "count_threshold": "Smallest count shown", "k_anonymity": "Fewest people alike (k-anonymity)",
    "l_diversity": "Fewest different sensitive values (l-diversity)",
    "min_households": "Fewest households for a map point", "published_at": "Published",
    "published_by": "Published by", "supply_id": "Supply", "agency": "Agency",
    "rows_superseded": "Records replaced later", "supplied_at": "Supplied on",
    "period_start": "Covering from", "period_end": "Covering to", "class": "Class", "form": "Form",
    "tiers": "Tiers",
}
#: a technical term that has to stay, explained in a sentence (column tooltips)
GLOSSARY = {
    "p_value": "How likely a rise at least this large would be if nothing had changed: below 0.05 "
               "is usually taken as a real change.",
    "trend_p": "How likely a trend this steep would be by chance alone: below 0.05 is usually taken as real.",
    "rate_ratio": "The count this period divided by the count expected from the baseline: 2 means twice as many.",
    "expected": "What the baseline rate predicts for a period of this length.",
    "emerging": "Yes when the rise on the expected count is both large and unlikely to be chance.",
    "score": "The priority matrix's combined score of volume, trend, harm and vulnerability.",
    "band": "High, medium or low priority, from the score.",
    "confidence": "How far the data can carry the score (coverage and quality of the sources).",
    "robust_z": "How far the month is from the series' median, in robust standard deviations: "
                "beyond 3.5 is flagged.",
    "lsoa_code": "Lower Layer Super Output Area: a census area of about 1,500 residents.",
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?$")


def label(column) -> str:
    """The plain name of a column; an unknown ``snake_case`` name is written out in words.

    >>> label("percent_change"), label("rate_per_1000"), label("days_since_last")
    ('Change on expected (%)', 'Rate per 1,000 residents', 'Days since last')
    """
    column = str(column)
    if column in LABELS:
        return LABELS[column]
    if "_" in column or column.islower():
        text = column.replace("_", " ").strip()
        return text[:1].upper() + text[1:]
    return column


def british(value) -> str:
    """A date or date-time as people in the UK read it (``2 Dec 2026``, ``2 Dec 2026, 15:30``).

    >>> british("2026-12-02T15:30:00"), british(date(2026, 1, 9)), british("2026-12")
    ('2 Dec 2026, 15:30', '9 Jan 2026', '2026-12')
    """
    if isinstance(value, str):
        text = value.strip()
        if not _ISO.match(text):
            return value
        try:
            value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return f"{value.day} {value:%b %Y}"
        return f"{value.day} {value:%b %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    return value


def number(value, decimals: int = 1) -> str:
    """A number in ordinary notation with thousands separators (never ``2.000e+05``).

    >>> number(200000.0), number(0.00012, 4), number(3.0), number(None)
    ('200,000', '0.0001', '3', '')
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    v = float(value)
    if v.is_integer():
        return f"{int(v):,}"
    return f"{v:,.{decimals}f}"


#: columns whose values name datasets: shown by the dataset's title, not its id
DATASET_COLUMNS = ("sources", "dataset", "source", "coverage")


def dataset_titles(value):
    """Dataset ids in a text replaced by the datasets' titles.

    >>> dataset_titles("police_crime_offence; council_asb")
    'Recorded crime: offences; Council-recorded anti-social behaviour'
    >>> dataset_titles("police_crime_offence: 12 of 12 months"), dataset_titles("no such thing")
    ('Recorded crime: offences: 12 of 12 months', 'no such thing')
    """
    from workbench import catalogue

    if not isinstance(value, str):
        return value
    titles = {d: catalogue.get(d).title for d in catalogue.ids()}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, titles), key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: titles[m.group(1)], value)


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as a partnership group member reads it: plain column names, Yes/No for
    true/false, whole numbers as whole numbers, other numbers rounded (never scientific
    notation; numbers stay numbers so the table still sorts), p-values as ``<0.001`` or three
    decimals, dates in the British form.

    >>> plain_table(pd.DataFrame({"actual": [2.5, float("nan")]}))["Actual change (%)"].tolist()  # empty, not NaN
    [2.5, None]
    >>> plain_table(pd.DataFrame({"offence_type": ["Burglary"], "emerging": [True],
    ...                           "p_value": [0.000012], "harm_current": [200000.0]})).iloc[0].to_dict()
    {'Offence type': 'Burglary', 'Emerging?': 'Yes', 'Chance of a rise this size by luck': '<0.001', 'Harm, last 12 months': 200000}
    """
    shown = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if values.dtype == bool or values.dtype.name == "boolean":
            out = values.map({True: "Yes", False: "No"}).astype(object)
        elif str(col) in ("p_value", "trend_p"):
            out = values.map(lambda v: "" if pd.isna(v) else numbers.p_value(v))
        elif values.dtype.kind in "iuf":
            numeric = pd.to_numeric(values, errors="coerce")
            if numeric.dropna().map(lambda v: float(v).is_integer()).all():
                out = numeric.round().astype("Int64")
            else:
                out = numeric.round(2 if str(col) == "rate_ratio" else 1)
            if out.isna().any():
                # the browser table receives a missing number (NaN, or a nullable integer's NA)
                # as NaN and prints "NaN": send None, an empty cell
                out = pd.Series([None if pd.isna(v) else (int(v) if isinstance(v, (int, np.integer)) else float(v))
                                 for v in out], index=out.index, dtype=object)
        elif values.dtype.kind == "M":
            out = values.map(lambda v: "" if pd.isna(v) else british(v))
        elif str(col) in DATASET_COLUMNS and (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
            out = values.astype(object).map(dataset_titles)
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out = values.astype(object).map(lambda v: british(v) if isinstance(v, (str, date)) else
                                            ({True: "Yes", False: "No"}.get(v, v) if isinstance(v, bool) else
                                             None if v is None or (isinstance(v, float) and v != v) else v))
        else:
            out = values
        shown[label(col)] = out
    return shown


def number_formats(frame: pd.DataFrame) -> dict:
    """Tabulator formatters that print a plain table's numbers with thousands separators.

    Whole-number columns get no decimals; other numbers keep the decimals they have.

    >>> f = number_formats(pd.DataFrame({"Count": [1200], "Rate": [1.25], "Area": ["A"]}))
    >>> sorted(f), f["Count"]["precision"], f["Rate"]["precision"], f["Count"]["thousand"]
    (['Count', 'Rate'], 0, False, ',')
    >>> number_formats(plain_table(pd.DataFrame({"actual": [2.5, None]})))["Actual change (%)"]["precision"]
    False
    """
    out = {}
    for col in frame.columns:
        kind = frame[col].dtype.kind
        if kind == "O":           # numbers with empty cells (see plain_table): numbers all the same
            values = frame[col].dropna()
            if len(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                kind = "i" if all(isinstance(v, int) for v in values) else "f"
        if kind in "iuf" or frame[col].dtype.name == "Int64":
            precision = 0 if (kind in "iu" or frame[col].dtype.name == "Int64") else False
            out[col] = {"type": "money", "thousand": ",", "decimal": ".", "symbol": "", "precision": precision}
    return out


def tooltips(frame: pd.DataFrame) -> dict:
    """Column tooltips (by plain label) for the technical terms a table keeps.

    >>> tips = tooltips(pd.DataFrame(columns=["offence_type", "p_value"]))
    >>> list(tips), tips["Chance of a rise this size by luck"][:40]
    (['Chance of a rise this size by luck'], 'How likely a rise at least this large wo')
    """
    return {label(c): GLOSSARY[str(c)] for c in frame.columns if str(c) in GLOSSARY}
