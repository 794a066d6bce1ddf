"""The independent disclosure checker of the shared tier (guidance Appendix 1, 3.2; J.9–J.10).

A separate code path from the transformer: this module imports nothing from
``depersonalise``, ``addresses`` or ``publication``; it re-derives every invariant from the
published file itself, the master's ``ref_postcode`` and register of non-addressable places,
and the dataset contract (``catalogue``: which columns are ident, which class a dataset is).
Its own patterns and word lists are written out here on purpose; ``tests/test_checker.py``
checks they never flag less than the transformer removes. For the same reason it keeps its
own SQL quoting (``_lit``, ``_qi``) rather than :mod:`workbench.sql`, which product code
shares: a fault in the shared helper cannot then hide the fault it would cause in the tier
(a deliberate duplicate, listed in ``docs/duplicates.md``).

Rules (each finding names rule, table, column, count and up to three examples):

``unknown-table``      every table is a depersonalised (D), aggregate or reference dataset, a
                       ``<id>_counts`` table of a personal dataset, or a tier system table
                       (deny by default): a personal (P/SP) dataset never appears record-level.
``ident-column``       no ident column of the dataset (names, dates of birth, addresses of
                       persons, submitter, source details, subjects).
``person-ref``         ``patient_ref``/``client_ref``/``offender_ref`` hold 32-hex-digit keyed
                       hashes, none equal to a reference in the master tier.
``postcode-households`` every postcode column value, and every full postcode written in any
                       text column, is a postcode with >= 4 households, or a postcode sector
                       or district whose postcodes in the master's ``ref_postcode`` sit at
                       >= 10 distinct points and whose centroid is no postcode's own point
                       (the fallback for postcodes of unknown households).
``coordinates``        every (easting, northing) is both empty or equal to the centroid of a
                       qualifying postcode, of a qualifying sector or district (whole metres,
                       half up, recomputed here from ``ref_postcode``) or to a registered
                       non-addressable place.
``place-approval``     a record sits at a registered non-addressable place's coordinates only
                       when the CSP coordinator approved that place for the record's dataset
                       (``approved_for``); a place registered on a record's own point (an A&E
                       patient's address registered as a "park") is refused.
``area-centroid``      a record published under a sector or district sits at that area's
                       centroid (or a registered place), never at a postcode's own point.
``wgs84-column``       no longitude/latitude beside sanitised BNG coordinates.
``house-number``       address columns hold no number token, no flat/unit designation, and
                       no segment ending in a dwelling word (Cottage, House, …).
``address-in-text``    no text column holds "<number> <street name>" or a flat number.
``outward-only``       J.9–J.10 datasets hold only outward postcodes and no full postcode.
``small-count``        count tables (and survey responses) hold no count below the threshold,
                       and only the columns a count table may have (partnership, quarter, postcode district, agency
                       group, the dataset's non-ident code columns, records, suppressed).
``k-anonymity``        every combination of a person table's quasi-identifiers (declared in
                       the catalogue) holds >= k records (rows with every quasi-identifier
                       NULL, i.e. suppressed, cannot be looked up and are left out).
``l-diversity``        ... and >= l distinct values of its sensitive attributes.
``personal-detail``    no text column (other than police.uk's own) holds an e-mail address,
                       telephone number, National Insurance number, written date (of birth),
                       vehicle registration, or a name (title + surname, common forename +
                       capitalised word, "named X"); names are not looked for in address
                       columns, whose streets are often named after people.
``provenance``         a record-level table's ``partnership`` and ``_supply_id`` name a supply
                       of that dataset in the master's supply log, with its partnership.
``supplies``           the ``supplies`` table has only the sanitised columns (no supplier name,
                       contact or ``supplied_by``), warnings of code and count only, metadata
                       of the allowed 3.4 fields only, rows only for published datasets, no
                       row count or warning count for a personal (P/SP) dataset's supply (a
                       total or a cell of its suppressed count table), and
                       no e-mail address, telephone number, numbered street, flat number or
                       small-postcode in its text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from workbench import catalogue

SYSTEM_TABLES = ("publish_meta", "nonaddressable_place")
SUPPLIES = "supplies"
#: the columns the shared supply log may have (written out here, not imported)
SUPPLIES_COLUMNS = ("supply_id", "dataset", "agency", "partnership", "rows", "rows_superseded",
                    "supplied_at", "period_start", "period_end", "metadata_missing", "warnings",
                    "file_format", "date_supplied", "fields", "field_notes", "caveats",
                    "coding_systems", "geocoding_method", "metadata")
SUPPLIES_METADATA = ("file_format", "date_supplied", "fields", "field_notes", "caveats",
                     "coding_systems", "geocoding_method")
SUPPLIES_TEXT = ("agency", "partnership") + SUPPLIES_METADATA
WARNING_KEYS = ("code", "count")
#: columns a record-level table may carry besides its dataset's own
PROVENANCE_COLUMNS = ("partnership", "_supply_id")
#: columns a ``<id>_counts`` table may have besides the dataset's non-ident code columns
COUNT_COLUMNS = ("partnership", "quarter_start", "postcode_district", "partner_agency_group",
                 "records", "suppressed")
#: an area stands in for postcodes of unknown households when it holds this many postcodes
#: (the transformer's rule, written out here independently)
MIN_AREA_POSTCODES = 10
RE_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
RE_PHONE = r"(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,9}\b"
J9_J10 = ("health_admission_icd", "health_admission_domestic_abuse")
KEPT_AS_PUBLISHED = ("police_uk_street",)  # anonymised by police.uk before we receive it
HASHED_REFS = ("patient_ref", "client_ref", "offender_ref")
IDENT_NAMES = ("name", "date_of_birth", "patient_address", "release_address",
               "vehicle_registered_address", "site_owner", "submitter", "source_details",
               "subjects")

_STREET = ("street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|gardens|grove|"
           "place|terrace|walk|hill|row|square|rise|view|mews|court|parade|green|boulevard|gate|"
           "wharf|yard|path|croft|fields|meadow|vale|approach|chase|embankment|passage|circus|"
           "bank|end")
_DWELLING = "cottage|cottages|house|lodge|villa|bungalow|farmhouse|barn|manor|grange|vicarage|rectory"
RE_FULL_POSTCODE = r"(?i)\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b"
RE_NUMBER_TOKEN = r"(?i)\b\d+[a-z]?\b"
RE_FLAT = r"(?i)\b(flat|apartment|apt|unit|room|suite|maisonette|studio|plot)\.?\s*(\d+[a-z]?|[a-z])\b"
RE_FLAT_TEXT = r"(?i)\b(flat|apartment|apt|unit|maisonette)\.?\s*\d+[a-z]?\b"
RE_DWELLING_SEGMENT = r"(?i)\b(" + _DWELLING + r")$"
RE_NUMBERED_STREET = (r"(?i)\b\d+[a-z]?(\s*[-/]\s*\d+[a-z]?)?\s+([a-z']+\s+){0,3}(" + _STREET
                      + r")\b")
RE_OUTWARD = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"
#: the checker's own detector of personal details in free text (written out here on purpose,
#: not imported from the scrubber; its forename list is shorter, so it never flags a name the
#: scrubber would have kept)
_CHK_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_CHK_FORENAMES = ("john|david|michael|paul|andrew|mark|james|peter|richard|robert|stephen|"
                  "christopher|daniel|matthew|thomas|william|george|jack|harry|mohammed|muhammad|"
                  "sarah|emma|laura|claire|lisa|karen|susan|julie|nicola|rachel|helen|michelle|"
                  "amy|jessica|hannah|sophie|emily|olivia|charlotte|jane|mary|elizabeth")
PERSONAL_DETAILS = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "phone": r"(\+44|\b0)[\s()0-]*\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b",
    "ni-number": r"(?i)\b[a-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d]\b",
    "date": (r"(?i)\b(\d{1,2}[/.-]\d{1,2}[/.-](19|20)?\d{2}|(19|20)\d{2}-\d{1,2}-\d{1,2}|"
             r"\d{1,2}(st|nd|rd|th)?\s+" + _CHK_MONTH + r"\.?,?\s+(19|20)\d{2}|"
             + _CHK_MONTH + r"\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+(19|20)\d{2})\b"),
    "vehicle": r"\b((?i:[a-z]{2}\d{2}\s?[a-z]{3})|[A-Z]\d{1,3}\s?[A-Z]{3}|[A-Z]{3}\s?\d{1,3}[A-Z])\b",
    "name": (r"(?i:\b(mr|mrs|ms|miss|dr)\.?\s+([a-z]\.?\s+)?)[A-Z][A-Za-z'-]+|\b(?i:" + _CHK_FORENAMES
             + r")\s+[A-Z][A-Za-z'-]+|\b(?i:named|called)\s+[A-Z][A-Za-z]+"),
}
RE_HASH = r"^[0-9a-f]{32}$"
STREET_WORDS = tuple(_STREET.split("|"))
DWELLING_WORDS = tuple(_DWELLING.split("|"))


@dataclass
class Finding:
    """One disclosive problem found in the shared tier.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> from workbench.hub.connect import shared_path
    >>> f = check_files(shared_path(hub), hub, k_anonymity=50).findings[0]   # a stricter k than published
    >>> print(f)
    [k-anonymity] ambulance_callout.age,gender,ethnicity,postcode,incident_date: 5 value(s) e.g. ['35-64/male/White - British/NG1/2023-01-01']
    """

    rule: str
    table: str
    column: str | None
    count: int
    examples: list = field(default_factory=list)

    def __str__(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        ex = f" e.g. {self.examples[:3]}" if self.examples else ""
        return f"[{self.rule}] {where}: {self.count} value(s){ex}"

    def to_dict(self) -> dict:
        return {"rule": self.rule, "table": self.table, "column": self.column,
                "count": self.count, "examples": [str(e) for e in self.examples[:3]]}


@dataclass
class CheckReport:
    """The checker's verdict: ``ok`` when there are no findings.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> from workbench.hub.connect import shared_path
    >>> report = check_files(shared_path(hub), hub)
    >>> report.ok, report.tables, report.rows
    (True, 44, 74192)
    """

    findings: list[Finding] = field(default_factory=list)
    tables: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        return {"ok": self.ok, "tables": self.tables, "rows": self.rows,
                "findings": [f.to_dict() for f in self.findings]}


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Check:
    def __init__(self, con, shared: str, master: str, min_households: int, count_threshold: int,
                 k_anonymity: int = 5, l_diversity: int = 2):
        self.con, self.s, self.m = con, shared, master
        self.min_households, self.count_threshold = min_households, count_threshold
        self.k, self.l = int(k_anonymity), int(l_diversity)
        self.report = CheckReport()

    def add(self, rule, table, column, sql_count_examples: str) -> None:
        n, ex = self.con.execute(sql_count_examples).fetchone()
        if n:
            self.report.findings.append(Finding(rule, table, column, int(n), list(ex or [])))

    def bad_values(self, rule, table, column, where: str, value: str | None = None) -> None:
        value = value or f"CAST({_qi(column)} AS VARCHAR)"
        self.add(rule, table, column,
                 f"SELECT count(*), list({value}) FILTER (WHERE {value} IS NOT NULL)[1:3] "
                 f"FROM {self.s}.main.{_qi(table)} WHERE {where}")

    # -- reference data the checker derives for itself --------------------------------------
    def prepare(self) -> None:
        compact = "upper(replace(replace(CAST(postcode AS VARCHAR), ' ', ''), chr(9), ''))"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _chk_pc AS SELECT DISTINCT {compact} AS pc, easting AS e, "
            f"northing AS n FROM {self.m}.main.ref_postcode WHERE households >= {int(self.min_households)} "
            "AND postcode IS NOT NULL")
        # sectors ("NG1 5") and districts ("NG1") of every postcode with coordinates
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE _chk_area AS WITH pcs AS (SELECT DISTINCT "
            f"{compact} AS c, easting AS e, northing AS n FROM {self.m}.main.ref_postcode "
            "WHERE postcode IS NOT NULL AND easting IS NOT NULL AND northing IS NOT NULL), "
            "keyed AS (SELECT left(c, length(c) - 3) AS district, left(c, length(c) - 3) || ' ' || "
            "substr(c, length(c) - 2, 1) AS sector, e, n FROM pcs WHERE length(c) BETWEEN 5 AND 7), "
            "areas AS (SELECT area, floor(avg(e) + 0.5) AS e, floor(avg(n) + 0.5) AS n FROM ("
            "SELECT sector AS area, e, n FROM keyed UNION ALL SELECT district, e, n FROM keyed) "
            f"GROUP BY area HAVING count(DISTINCT (e, n)) >= {MIN_AREA_POSTCODES}) "
            "SELECT a.* FROM areas a ANTI JOIN (SELECT DISTINCT e, n FROM pcs) u ON a.e = u.e AND a.n = u.n")
        has_places = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = "
            "'nonaddressable_place'", [self.m]).fetchone()[0]
        approved = "''"
        if has_places and self.con.execute(
                "SELECT count(*) FROM duckdb_columns() WHERE database_name = ? AND table_name = "
                "'nonaddressable_place' AND column_name = 'approved_for'", [self.m]).fetchone()[0]:
            approved = "coalesce(approved_for, '')"
        places = (f" UNION ALL SELECT easting, northing, {approved} FROM {self.m}.main.nonaddressable_place"
                  if has_places else "")
        # every registered point, with the datasets the coordinator approved it for ('*': all)
        self.con.execute("CREATE OR REPLACE TEMP TABLE _chk_places AS SELECT e, n, "
                         "flatten(list(string_split(a, ','))) AS ok FROM "
                         f"(SELECT NULL::DOUBLE AS e, NULL::DOUBLE AS n, NULL::VARCHAR AS a{places}) "
                         "WHERE e IS NOT NULL GROUP BY e, n")
        self.con.execute("CREATE OR REPLACE TEMP TABLE _chk_xy AS SELECT DISTINCT e, n FROM "
                         "(SELECT e, n FROM _chk_pc UNION SELECT e, n FROM _chk_area) "
                         "WHERE e IS NOT NULL AND n IS NOT NULL")

    def tables(self) -> dict[str, list[tuple[str, str]]]:
        rows = self.con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = 'main' ORDER BY table_name, column_index", [self.s]).fetchall()
        out: dict[str, list[tuple[str, str]]] = {}
        for t, c, ty in rows:
            out.setdefault(t, []).append((c, ty))
        return out

    # -- rules ---------------------------------------------------------------------------
    def run(self) -> CheckReport:
        self.prepare()
        for table, cols in self.tables().items():
            self.report.tables += 1
            self.report.rows += self.con.execute(
                f"SELECT count(*) FROM {self.s}.main.{_qi(table)}").fetchone()[0]
            if table in SYSTEM_TABLES:
                continue
            if table == SUPPLIES:
                self.supplies(cols)
                continue
            if table.endswith("_counts") and table[:-7] in catalogue.BY_ID \
                    and catalogue.BY_ID[table[:-7]].klass in ("P", "SP"):
                self.counts(table, cols)
                continue
            ds = catalogue.BY_ID.get(table)
            if ds is None or ds.klass in ("P", "SP"):
                self.report.findings.append(Finding("unknown-table", table, None, 1,
                                                    ["not a publishable dataset"]))
                continue
            self.dataset(ds, cols)
        return self.report

    def counts(self, table, cols) -> None:
        names = [c for c, _ in cols]
        if "records" not in names or any(n in names for n in ("postcode", "easting", "northing")):
            self.report.findings.append(Finding("small-count", table, None, 1, ["unexpected layout"]))
            return
        ds = catalogue.BY_ID[table[:-7]]
        codes = {c.name for c in ds.columns if c.kind == "code" and not c.ident}
        odd = [n for n in names if n not in COUNT_COLUMNS and n not in codes]
        if odd:
            self.report.findings.append(Finding("small-count", table, ",".join(odd), len(odd),
                                                ["unexpected column"]))
        self.bad_values("small-count", table, "records",
                        f"records IS NOT NULL AND records < {int(self.count_threshold)}")

    def dataset(self, ds, cols) -> None:
        names = [c for c, _ in cols]
        text_cols = [c for c, ty in cols if ty == "VARCHAR"]
        # location is ident only "when it holds a house number" (DATASETS.md); the
        # house-number rule below checks that it no longer does
        idents = (set(ds.ident_columns) | set(IDENT_NAMES)) - {"location"}
        for c in names:
            if c in idents:
                self.report.findings.append(Finding("ident-column", ds.id, c, 1, ["column present"]))
        self.provenance(ds, names)
        if ds.id not in KEPT_AS_PUBLISHED:
            self.personal_details(ds, text_cols)
        if ds.id == "survey_response" and "count" in names:
            # survey cells of 1 … threshold-1 respondents are never shown (guidance 2.4.1.2)
            self.bad_values("small-count", ds.id, "count",
                            f"TRY_CAST(count AS BIGINT) BETWEEN 1 AND {int(self.count_threshold) - 1}")
        if ds.id in KEPT_AS_PUBLISHED:
            self.free_text(ds, text_cols)
            return
        if ds.id in J9_J10:
            self.outward(ds, names, text_cols)
            return
        if ds.klass == "D":
            self.quasi_identifiers(ds, names)
            self.person_refs(ds, names)
            self.postcodes(ds, names, text_cols)
            self.coordinates(ds, names)
            self.free_text(ds, text_cols)
            for c in ("longitude", "latitude"):
                if c in names:
                    self.report.findings.append(Finding("wgs84-column", ds.id, c, 1, ["column present"]))
        self.addresses(ds, text_cols)

    def _master_has_supplies(self) -> bool:
        return bool(self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
            "AND table_name = 'supplies'", [self.m]).fetchone()[0])

    def provenance(self, ds, names) -> None:
        present = [c for c in PROVENANCE_COLUMNS if c in names]
        if not present:
            return
        if ds.klass == "reference" or not self._master_has_supplies():
            self.report.findings.append(Finding("provenance", ds.id, ",".join(present), 1,
                                                ["no supply log to check against"]))
            return
        t = f"{self.s}.main.{_qi(ds.id)}"
        log = (f"(SELECT supply_id, CAST(partnership AS VARCHAR) AS partnership FROM {self.m}.main.supplies "
               f"WHERE dataset = {_lit(ds.id)})")
        if "_supply_id" in names:
            self.add("provenance", ds.id, "_supply_id",
                     f"SELECT count(*), list(CAST(t._supply_id AS VARCHAR))[1:3] FROM {t} t LEFT JOIN {log} l "
                     "ON t._supply_id = l.supply_id WHERE l.supply_id IS NULL")
        if "partnership" in names and "_supply_id" in names:
            self.add("provenance", ds.id, "partnership",
                     f"SELECT count(*), list(t.partnership)[1:3] FROM {t} t JOIN {log} l "
                     "ON t._supply_id = l.supply_id WHERE t.partnership IS DISTINCT FROM l.partnership")
        elif "partnership" in names:
            self.add("provenance", ds.id, "partnership",
                     f"SELECT count(*), list(partnership)[1:3] FROM {t} WHERE partnership IS NOT NULL "
                     f"AND partnership NOT IN (SELECT partnership FROM {log} WHERE partnership IS NOT NULL)")

    def supplies(self, cols) -> None:
        names = [c for c, _ in cols]
        odd = [n for n in names if n not in SUPPLIES_COLUMNS]
        if odd:
            self.report.findings.append(Finding("supplies", SUPPLIES, ",".join(odd), len(odd),
                                                ["column not allowed"]))
        tables = set(self.tables())
        t = f"{self.s}.main.{_qi(SUPPLIES)}"
        if "dataset" in names:
            bad = [r[0] for r in self.con.execute(f"SELECT DISTINCT dataset FROM {t}").fetchall()
                   if r[0] not in tables and f"{r[0]}_counts" not in tables]
            if bad:
                self.report.findings.append(Finding("supplies", SUPPLIES, "dataset", len(bad), bad))
        personal = [d.id for d in catalogue.DATASETS if d.klass in ("P", "SP")]
        for col in ("rows", "rows_superseded"):
            if col in names and "dataset" in names:
                # a personal supply's row count is a total of its suppressed count table
                self.bad_values("supplies", SUPPLIES, col,
                                f"{col} IS NOT NULL AND dataset IN ({', '.join(_lit(d) for d in personal)})",
                                "dataset")
        if "warnings" in names and "dataset" in names:
            self.add("supplies", SUPPLIES, "warnings",
                     f"SELECT count(*), list(dataset)[1:3] FROM {t} WHERE dataset IN "
                     f"({', '.join(_lit(d) for d in personal)}) AND len(list_filter("
                     "CAST(json_extract(warnings, '$[*].count') AS VARCHAR[]), x -> x IS NOT NULL "
                     "AND x <> 'null')) > 0")
        for col, allowed in (("warnings", WARNING_KEYS), ("metadata", SUPPLIES_METADATA)):
            if col not in names:
                continue
            bad = []
            for (text,) in self.con.execute(f"SELECT CAST({col} AS VARCHAR) FROM {t}").fetchall():
                try:
                    doc = json.loads(text) if text else None
                except ValueError:
                    doc = ["not JSON"]
                items = doc if isinstance(doc, list) else [doc] if doc is not None else []
                for item in items:
                    if not isinstance(item, dict) or set(item) - set(allowed):
                        bad.append(sorted(set(item) - set(allowed)) if isinstance(item, dict) else item)
            if bad:
                self.report.findings.append(Finding("supplies", SUPPLIES, col, len(bad), bad))
        patterns = (RE_EMAIL, RE_PHONE, RE_NUMBERED_STREET, RE_FLAT_TEXT)
        qualifying = {r[0] for r in self.con.execute("SELECT pc FROM _chk_pc").fetchall()}
        for col in [c for c in SUPPLIES_TEXT if c in names] + [c for c in ("metadata",) if c in names]:
            bad = []
            for (text,) in self.con.execute(f"SELECT CAST({_qi(col)} AS VARCHAR) FROM {t} "
                                            f"WHERE {_qi(col)} IS NOT NULL").fetchall():
                if any(re.search(p, text) for p in patterns) or any(
                        re.sub(r"\s", "", pc).upper() not in qualifying
                        for pc in re.findall(RE_FULL_POSTCODE, text)):
                    bad.append(text[:60])
            if bad:
                self.report.findings.append(Finding("supplies", SUPPLIES, col, len(bad), bad))

    def _text_kind(self, ds, col: str) -> bool:
        try:
            return ds.column(col).kind == "text"
        except KeyError:
            return True  # an unknown column is checked as text (deny by default)

    def personal_details(self, ds, text_cols) -> None:
        for c in text_cols:
            if not self._text_kind(ds, c):
                continue
            address = c == "location" or c.endswith("address")
            col = _qi(c)
            kinds = [k for k in PERSONAL_DETAILS if not (address and k == "name")]
            found = " OR ".join(f"regexp_matches({col}, {_lit(PERSONAL_DETAILS[k])})" for k in kinds)
            which = " || ".join(f"CASE WHEN regexp_matches({col}, {_lit(PERSONAL_DETAILS[k])}) THEN "
                                f"'{k} ' ELSE '' END" for k in kinds)
            # the kinds found are the examples: a finding never repeats the detail itself
            self.add("personal-detail", ds.id, c,
                     f"SELECT count(*), list(DISTINCT trim({which}))[1:3] FROM {self.s}.main.{_qi(ds.id)} "
                     f"WHERE {found}")

    def quasi_identifiers(self, ds, names) -> None:
        qcols = [c for c in ds.quasi_identifiers if c in names]
        if "easting" in qcols and "northing" in names:
            qcols.append("northing")
        if not qcols:
            return
        keys = ", ".join(_qi(c) for c in qcols)
        shown = " || '/' || ".join(f"coalesce(CAST({_qi(c)} AS VARCHAR), '*')" for c in qcols)
        rows = f"{self.s}.main.{_qi(ds.id)}"
        where = "NOT (" + " AND ".join(f"{_qi(c)} IS NULL" for c in qcols) + ")"
        self.add("k-anonymity", ds.id, ",".join(qcols),
                 f"SELECT coalesce(sum(n), 0), list(ex)[1:3] FROM (SELECT count(*) AS n, any_value({shown}) AS ex "
                 f"FROM {rows} WHERE {where} GROUP BY {keys} HAVING count(*) < {self.k})")
        # the suppressed records form a group of their own: it must meet k (and l) too
        self.add("k-anonymity", ds.id, ",".join(qcols),
                 f"SELECT CASE WHEN n BETWEEN 1 AND {self.k - 1} THEN n ELSE 0 END, ['suppressed group'] "
                 f"FROM (SELECT count(*) AS n FROM {rows} WHERE NOT ({where}))")
        sens = [c for c in ds.sensitive if c in names]
        l_eff = self.l
        if sens and self.l > 1:
            value = " || chr(31) || ".join(f"coalesce(CAST({_qi(c)} AS VARCHAR), chr(0))" for c in sens)
            # l is at most the number of sensitive values the table holds at all
            l_eff = min(self.l, self.con.execute(f"SELECT count(DISTINCT {value}) FROM {rows}").fetchone()[0])
            self.add("l-diversity", ds.id, ",".join(sens),
                     f"SELECT CASE WHEN n > 0 AND d < {l_eff} THEN n ELSE 0 END, ['suppressed group'] "
                     f"FROM (SELECT count(*) AS n, count(DISTINCT {value}) AS d FROM {rows} WHERE NOT ({where}))")
        if sens and l_eff > 1:
            value = " || chr(31) || ".join(f"coalesce(CAST({_qi(c)} AS VARCHAR), chr(0))" for c in sens)
            self.add("l-diversity", ds.id, ",".join(sens),
                     f"SELECT coalesce(sum(n), 0), list(ex)[1:3] FROM (SELECT count(*) AS n, any_value({shown}) AS ex "
                     f"FROM {rows} WHERE {where} GROUP BY {keys} HAVING count(DISTINCT {value}) < {l_eff})")

    def person_refs(self, ds, names) -> None:
        for c in HASHED_REFS:
            if c not in names:
                continue
            col = _qi(c)
            self.bad_values("person-ref", ds.id, c,
                            f"{col} IS NOT NULL AND NOT regexp_full_match(CAST({col} AS VARCHAR), {_lit(RE_HASH)})")
            self.add("person-ref", ds.id, c,
                     f"SELECT count(*), list(x)[1:3] FROM (SELECT DISTINCT CAST(p.{col} AS VARCHAR) AS x "
                     f"FROM {self.s}.main.{_qi(ds.id)} p JOIN {self.m}.main.{_qi(ds.id)} r "
                     f"ON CAST(p.{col} AS VARCHAR) = CAST(r.{col} AS VARCHAR))")

    def postcodes(self, ds, names, text_cols) -> None:
        compact = "upper(replace(CAST({} AS VARCHAR), ' ', ''))"
        if "postcode" in names:
            self.bad_values("postcode-households", ds.id, "postcode",
                            f"postcode IS NOT NULL AND {compact.format('postcode')} NOT IN "
                            "(SELECT pc FROM _chk_pc) AND CAST(postcode AS VARCHAR) NOT IN "
                            "(SELECT area FROM _chk_area)")
            if {"easting", "northing"} <= set(names):
                self.add("area-centroid", ds.id, "postcode,easting,northing",
                         f"SELECT count(*), list(t.postcode)[1:3] FROM {self.s}.main.{_qi(ds.id)} t "
                         "JOIN _chk_area a ON CAST(t.postcode AS VARCHAR) = a.area "
                         "LEFT JOIN _chk_places p ON t.easting = p.e AND t.northing = p.n AND "
                         f"{self._approved_place(ds.id)} "
                         "WHERE p.e IS NULL AND t.easting IS DISTINCT FROM a.e OR "
                         "p.e IS NULL AND t.northing IS DISTINCT FROM a.n")
        for c in text_cols:
            if c == "postcode" or not self._text_kind(ds, c):
                continue
            col = _qi(c)
            self.add("postcode-households", ds.id, c,
                     f"SELECT count(*), list(x)[1:3] FROM (SELECT unnest(regexp_extract_all({col}, "
                     f"{_lit(RE_FULL_POSTCODE)})) AS x FROM {self.s}.main.{_qi(ds.id)}) "
                     f"WHERE upper(regexp_replace(x, '\\s', '', 'g')) NOT IN (SELECT pc FROM _chk_pc)")

    def coordinates(self, ds, names) -> None:
        if not {"easting", "northing"} <= set(names):
            for c in ("easting", "northing"):
                if c in names:
                    self.report.findings.append(Finding("coordinates", ds.id, c, 1, ["unpaired"]))
            return
        ok = self._approved_place(ds.id)
        self.add("coordinates", ds.id, "easting,northing",
                 f"SELECT count(*), list(t.easting || ',' || t.northing)[1:3] FROM {self.s}.main.{_qi(ds.id)} t "
                 "LEFT JOIN _chk_xy a ON t.easting = a.e AND t.northing = a.n "
                 "LEFT JOIN _chk_places p ON t.easting = p.e AND t.northing = p.n "
                 "WHERE NOT (t.easting IS NULL AND t.northing IS NULL) AND a.e IS NULL AND p.e IS NULL")
        self.add("place-approval", ds.id, "easting,northing",
                 f"SELECT count(*), list(t.easting || ',' || t.northing)[1:3] FROM {self.s}.main.{_qi(ds.id)} t "
                 "LEFT JOIN _chk_xy a ON t.easting = a.e AND t.northing = a.n "
                 "JOIN _chk_places p ON t.easting = p.e AND t.northing = p.n "
                 f"WHERE a.e IS NULL AND NOT {ok}")

    @staticmethod
    def _approved_place(dataset_id: str, alias: str = "p") -> str:
        return f"(list_contains({alias}.ok, '*') OR list_contains({alias}.ok, {_lit(dataset_id)}))"

    def free_text(self, ds, text_cols) -> None:
        for c in text_cols:
            if not self._text_kind(ds, c):
                continue
            col = _qi(c)
            self.bad_values("address-in-text", ds.id, c,
                            f"regexp_matches({col}, {_lit(RE_NUMBERED_STREET)}) OR "
                            f"regexp_matches({col}, {_lit(RE_FLAT_TEXT)})")

    def addresses(self, ds, text_cols) -> None:
        for c in text_cols:
            if not (c == "location" or c.endswith("address")):
                continue
            col = _qi(c)
            no_pc = f"regexp_replace({col}, {_lit(RE_FULL_POSTCODE)}, '', 'g')"
            self.bad_values("house-number", ds.id, c,
                            f"regexp_matches({no_pc}, {_lit(RE_NUMBER_TOKEN)}) OR "
                            f"regexp_matches({col}, {_lit(RE_FLAT)}) OR "
                            f"len(list_filter(string_split({col}, ','), lambda s: "
                            f"regexp_matches(trim(s), {_lit(RE_DWELLING_SEGMENT)}))) > 0")

    def outward(self, ds, names, text_cols) -> None:
        for c in ("postcode", "easting", "northing", "longitude", "latitude"):
            if c in names:
                self.report.findings.append(Finding("outward-only", ds.id, c, 1, ["column present"]))
        if "postcode_outward" in names:
            self.bad_values("outward-only", ds.id, "postcode_outward",
                            f"postcode_outward IS NOT NULL AND NOT regexp_full_match(postcode_outward, "
                            f"{_lit(RE_OUTWARD)})")
        for c in text_cols:
            col = _qi(c)
            self.bad_values("outward-only", ds.id, c,
                            f"regexp_matches({col}, {_lit(RE_FULL_POSTCODE)})")


def check_tier(con, shared: str = "shared", master: str = "hub", *, min_households: int = 4,
               count_threshold: int = 5, k_anonymity: int = 5, l_diversity: int = 2) -> CheckReport:
    """Check the shared tier attached to ``con`` as ``shared`` against the master ``master``.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> from workbench.privacy.reidentify import _example_tiers
    >>> hub, con = _example_tiers(_example_demo())         # master and shared tiers of the smallest demo
    >>> check_tier(con).ok, check_tier(con, k_anonymity=50).ok
    (True, False)
    """
    return _Check(con, shared, master, min_households, count_threshold, k_anonymity, l_diversity).run()


def check_files(shared_file: Path | str, hub: Path | str, *, shared_key: str | None = None,
                min_households: int = 4, count_threshold: int = 5, k_anonymity: int = 5,
                l_diversity: int = 2) -> CheckReport:
    """Open a shared-tier file and the master hub read-only in a fresh connection and check.

    Examples
    --------
    >>> from workbench.demo.build import _example_demo
    >>> hub = _example_demo()                              # the smallest demo, built once (about 9 s)
    >>> from workbench.hub.connect import shared_path
    >>> check_files(shared_path(hub), hub).to_dict()["findings"]
    []
    """
    from workbench.hub.connect import new_connection, read_key, shared_path

    shared_file, hub = Path(shared_file), Path(hub)
    key = shared_key or read_key(shared_path(hub))
    con = new_connection()
    try:
        con.execute(f"ATTACH {_lit(str(hub))} AS hub (ENCRYPTION_KEY {_lit(read_key(hub))}, READ_ONLY)")
        con.execute(f"ATTACH {_lit(str(shared_file))} AS shared (ENCRYPTION_KEY {_lit(key)}, READ_ONLY)")
        return check_tier(con, "shared", "hub", min_households=min_households,
                          count_threshold=count_threshold, k_anonymity=k_anonymity,
                          l_diversity=l_diversity)
    finally:
        con.close()
