"""The fitness-for-purpose report in plain words, as tables (guidance 4.2.3; issue 18).

:func:`workbench.hub.quality.quality_report` measures a dataset and returns a nested dict keyed
by its contract field names (``committed_from_date_day_known_share``), with ISO dates and
shares between 0 and 1: right for ``workbench hub quality --json``, wrong for a page. This
module only rewrites it for the hub explorer: the dataset by its title, each field by its plain
name, each measure as a sentence-like label with its unit, shares as percentages, dates in the
British form, supplies as a table. Nothing is measured here.

Examples
--------
>>> check_label("committed_from_date_day_known_share")
'Committed from date: share with the day known (%)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from workbench.dashboard_data.labels import british, label

#: measures whose key is fixed, in plain words with their units
FIXED = {
    "coordinates": "Records with a map point",
    "coordinates_rounded_1km": "Map points rounded to the nearest 1 km",
    "coordinates_rounded_100m": "Map points rounded to the nearest 100 m",
    "coordinates_rounded_10m": "Map points rounded to the nearest 10 m",
    "coordinates_known_share": "Records with a map point (%)",
    "date_precision": "Dates recorded to the",
    "to_before_from": "Records ending before they start",
    "out_of_area": "Map points outside the area",
    "out_of_area_method": "How 'outside the area' was decided",
    "last_record_date": "Latest record",
    "duplicate_references": "Duplicated references",
    "keys": "references",
    "rows": "records",
    "lag_days_by_supply": "Days from the latest record to its supply",
}
#: endings of measures named after a field (``<field><ending>``)
ENDINGS = (
    ("_day_known_share", "share with the day known (%)"),
    ("_known_share", "share known (%)"),
    ("_on_first_of_month", "records dated the 1st of a month"),
    ("_at_midnight", "records at exactly midnight (often a stand-in for 'unknown')"),
)
SECTIONS = {"precision": "Precision", "accuracy": "Accuracy", "currency": "Currency"}


def check_label(key: str) -> str:
    """The plain label of one measure of the quality report.

    >>> check_label("future_committed_from_date"), check_label("coordinates_rounded_100m")
    ('Committed from date in the future', 'Map points rounded to the nearest 100 m')
    >>> check_label("incident_time_at_midnight")
    "Incident time: records at exactly midnight (often a stand-in for 'unknown')"
    """
    if key in FIXED:
        return FIXED[key]
    if key.startswith("future_"):
        return f"{label(key.removeprefix('future_'))} in the future"
    for ending, words in ENDINGS:
        if key.endswith(ending) and len(key) > len(ending):
            return f"{label(key[: -len(ending)])}: {words}"
    return label(key)


def check_value(key: str, value) -> str:
    """A measure's value as people read it: shares as percentages, dates British, numbers
    with thousands separators.

    >>> check_value("coordinates_known_share", 0.9986), check_value("last_record_date", "2024-06-30")
    ('99.9%', '30 Jun 2024')
    >>> check_value("coordinates", 9571), check_value("date_precision", "day"), check_value("last_record_month", "2024-03")
    ('9,571', 'day', 'Mar 2024')
    """
    from workbench.dashboard_data.labels import number

    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float)):
        if key.endswith("share"):
            return f"{100 * float(value):.1f}%"
        return number(value)
    if isinstance(value, str) and key.endswith("month") and len(value) == 7:
        try:
            return pd.Period(value, freq="M").strftime("%b %Y")
        except ValueError:
            return value
    if isinstance(value, (list, tuple)):
        return ", ".join(check_value(key, v) for v in value) or "none"
    return british(value) if isinstance(value, str) else str(value)


@dataclass
class QualityTables:
    """The quality report of one dataset as the hub explorer shows it.

    ``title`` names the dataset by its catalogue title; ``fields`` gives each field's plain
    name and the share of records with a value; ``checks`` one row per measure (section,
    what, result); ``supplies`` one row per supply; ``caveats`` the suppliers' and the
    workbench's warnings, in words.

    Examples
    --------
    >>> t = quality_tables({"dataset": "council_asb", "rows": 12, "scope": "current rows",
    ...                     "completeness": {"incident_date": 1.0}, "precision": {"date_precision": "day"}})
    >>> t.title, t.fields.to_dict("records"), t.checks["What"].tolist()
    ('Council-recorded anti-social behaviour: 12 records (current rows)', [{'Field': 'Incident date', 'Share with a value (%)': 100.0}], ['Dates recorded to the'])
    """

    title: str
    fields: pd.DataFrame
    checks: pd.DataFrame
    supplies: pd.DataFrame
    caveats: list = field(default_factory=list)


def quality_tables(report: dict) -> QualityTables:
    """Rewrite :func:`workbench.hub.quality.quality_report`'s dict (``to_dict()``) as plain tables.

    Examples
    --------
    >>> rep = {"dataset": "police_crime_offence", "rows": 9571, "scope": "current rows",
    ...        "completeness": {"offence_type": 1.0, "committed_from_time": 0.985},
    ...        "supplies": [{"supply_id": 9, "agency": "Notts Police", "rows": 6272,
    ...                      "supplied_at": "2026-12-06T04:51:31", "period": ["2023-01-01", "2023-12-31"],
    ...                      "metadata_missing": ["field_notes"], "warnings": [{"code": "x", "count": 2}]}],
    ...        "accuracy": {"duplicate_references": {"keys": 0, "rows": 0}},
    ...        "currency": {"last_record_date": "2024-06-30", "lag_days_by_supply": {"9": 1071}}}
    >>> t = quality_tables(rep)
    >>> t.fields["Field"].tolist()
    ['Offence type', 'Committed from time']
    >>> t.checks[["What", "Result"]].values.tolist()
    [['Duplicated references: references', '0'], ['Duplicated references: records', '0'], ['Latest record', '30 Jun 2024'], ['Days from the latest record to its supply: supply 9', '1,071']]
    >>> t.supplies.iloc[0].to_dict()
    {'Supply': 9, 'Supplied by': 'Notts Police', 'Records': 6272, 'Supplied on': '6 Dec 2026, 04:51', 'Covering': '1 Jan 2023 to 31 Dec 2023', 'Warnings': 2, 'Details missing': 'Field notes'}
    """
    from workbench import catalogue
    from workbench.dashboard_data.labels import dataset_titles

    dataset = str(report.get("dataset", ""))
    name = catalogue.get(dataset).title if dataset in catalogue.ids() else dataset_titles(dataset)
    rows = report.get("rows")
    title = f"{name}: {rows:,} records ({report.get('scope', '')})" if isinstance(rows, int) else name
    fields = pd.DataFrame([(label(k), round(100 * float(v), 1)) for k, v in (report.get("completeness") or {}).items()
                           if v is not None], columns=["Field", "Share with a value (%)"])
    checks = []
    for section, heading in SECTIONS.items():
        for key, value in (report.get(section) or {}).items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    sub = str(sub)
                    what = f"supply {sub}" if key == "lag_days_by_supply" else check_label(sub)
                    checks.append((heading, f"{check_label(key)}: {what}", check_value(sub, v)))
            else:
                checks.append((heading, check_label(key), check_value(key, value)))
    supplies = []
    for s in report.get("supplies") or []:
        period = s.get("period") or [None, None]
        covering = (f"{british(period[0])} to {british(period[1])}" if period[0] and period[1] else "not stated")
        supplies.append((s.get("supply_id"), s.get("agency"), s.get("rows"),
                         british(str(s.get("supplied_at") or ""))[:40] or "not recorded", covering,
                         sum(int(w.get("count") or 1) for w in s.get("warnings") or []),
                         ", ".join(label(m) for m in s.get("metadata_missing") or []) or "none"))
    return QualityTables(
        title, fields, pd.DataFrame(checks, columns=["Section", "What", "Result"]),
        pd.DataFrame(supplies, columns=["Supply", "Supplied by", "Records", "Supplied on", "Covering",
                                        "Warnings", "Details missing"]),
        # an anomalous month's caveat repeats a row of :func:`anomaly_table` in field names
        [caveat_words(c) for c in report.get("caveats") or [] if not str(c).startswith("anomalous month ")])


_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def caveat_words(text) -> str:
    """A caveat with dataset ids as titles and field names in words.

    >>> caveat_words("supply 3: guidance 3.4 metadata missing (period_start, date_supplied)")
    'supply 3: guidance 3.4 metadata missing (covering from, date supplied)'
    """
    from workbench.dashboard_data.labels import dataset_titles

    def words(match):
        plain = label(match.group(0))
        return plain[:1].lower() + plain[1:]
    return _SNAKE.sub(words, dataset_titles(str(text)))


def anomaly_table(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`workbench.dashboard_data.hubinfo.anomalous_months` in plain words: the month as
    ``Jun 2024``, the category as ``Crime type: Anti-social behaviour``, the direction and
    whether the month is at the edge of the series (possibly a part-month).

    Examples
    --------
    >>> f = pd.DataFrame({"month": ["2024-06"], "category": ["crime_type = Anti-social behaviour"],
    ...                   "rows": [100], "median": [2000.0], "robust_z": [-25.1], "direction": ["low"],
    ...                   "edge": [False]})
    >>> anomaly_table(f).iloc[0].to_dict()
    {'Month': 'Jun 2024', 'Records of': 'Crime type: Anti-social behaviour', 'Records': 100, 'Usual month (median)': 2000.0, 'Distance from usual (robust z)': -25.1, 'Higher or lower': 'lower', 'At the series edge (maybe a part-month)?': 'No'}
    """
    def month(text):
        try:
            return pd.Period(str(text), freq="M").strftime("%b %Y")
        except (ValueError, TypeError):
            return text

    def category(text):
        if not isinstance(text, str) or " = " not in text:
            return "all records" if text == "all rows" else text
        column, value = text.split(" = ", 1)
        return f"{label(column)}: {value}"

    return pd.DataFrame({
        "Month": frame["month"].map(month), "Records of": frame["category"].map(category),
        "Records": frame["rows"], "Usual month (median)": frame["median"],
        "Distance from usual (robust z)": frame["robust_z"],
        "Higher or lower": frame["direction"].map({"low": "lower", "high": "higher"}).fillna(frame["direction"]),
        "At the series edge (maybe a part-month)?": frame["edge"].map({True: "Yes", False: "No"})})
