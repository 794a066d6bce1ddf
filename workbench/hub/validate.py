"""Validation of a staged supply against the catalogue — the one place the rules live.

A staged supply is a DuckDB table of VARCHAR columns named as the dataset's canonical
columns, plus ``_file`` and ``_line``. :func:`normalise_sql` tidies it (trim, empty→NULL,
postcode case and spacing, flag case, ``H:MM``→``HH:MM``); :func:`validate` then checks
every value against its column kind in one SQL pass and returns *rejections* and
*warnings*.

What rejects a supply and what is only a quality warning (guidance 4.2.3 "fitness for
purpose", 4.3 step 5; documented in ``docs/hub.md``):

Rejected (exit 2, nothing changed) — the value cannot be stored truthfully:
  unparseable date/time/timestamp/number; easting/northing outside the British National
  Grid (0–700 000 E, 0–1 300 000 N); longitude/latitude outside ±180/±90; a postcode that
  is not a UK postcode; a full postcode where only the outward part may be shared
  (regulations J.9–J.10); an ICD-10 code outside the blocks of J.9; a flag other than Y/N;
  a value outside a *strict* coded list; an offence code not shaped like a Home Office code
  (``ZZZ9``; :mod:`workbench.catalogue.codes`); an empty required field (reference keys, the
  event date); an age that is neither single years (0–120) nor a band.

Warnings (ingested, shown in the quality report):
  no location at all (no coordinates and no postcode); a value outside a non-strict coded
  list (agencies code things differently, guidance 3.4 "coding systems"), incident types
  outside the National Incident Category List among them; a well-formed offence code missing
  from the Home Office list; a date in the
  future; a text cell that looks like a spreadsheet formula (``=HYPERLINK(…)``: stored
  verbatim, neutralised on export); a reference key repeated within the supply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.sql import quote_identifier as q  # noqa: F401 (callers use validate.q)
from workbench.sql import quote_literal as lit  # noqa: F401
from workbench.catalogue.codes import HOME_OFFICE_OFFENCE_CODES, OFFENCE_CODE_RE
from workbench.catalogue.model import Column, Dataset
from workbench.errors import Problem

#: UK postcode (normalised form "AA9A 9AA"), incl. GIR 0AA
POSTCODE_RE = r"^([A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|GIR 0AA)$"
OUTWARD_RE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"
TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
AGE_RE = r"^([0-9]{1,3}|[0-9]{1,3} ?- ?[0-9]{1,3}|[0-9]{1,3}\+|(under|over) [0-9]{1,3})$"
#: ICD-10 blocks of regulations J.9: X85–Y09 (assault), F10–F19 (mental and behavioural
#: disorders due to psychoactive substance use), T51 (toxic effect of alcohol), Y90, Y91
ICD10_RE = r"^(X8[5-9]|X9[0-9]|Y0[0-9]|F1[0-9]|T51|Y90|Y91)(\.?[0-9A-Z]{0,2})?$"
FORMULA_RE = r"^[=+@\t\r]|^-[^0-9. ]"
#: DATE_RE and the HH:MM part of TIME_RE as GLOB patterns (GLOB matches the whole value)
DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
TIME_GLOB = "[0-2][0-9]:[0-5][0-9]"

BNG_EASTING = (0, 700_000)
BNG_NORTHING = (0, 1_300_000)


def masked(value) -> str:
    """What a rejection shows for a bad value of an identifying column: its shape only.

    Letters become ``A``/``a``, digits ``9``; punctuation and spaces stay, so the supplier
    can still see *what kind* of value is wrong (``'99/99/9999'`` where a date was expected)
    while the message, the audit log and the portal never carry a name, date of birth or
    address (DPA principle 6 "integrity and confidentiality"; guidance 4.2.4 on security).

    Examples
    --------
    >>> masked("Jo Smith 12/03/1980")
    'Aa Aaaaa 99/99/9999 (value withheld: identifying field)'
    """
    shape = "".join("9" if ch.isdigit() else ("A" if ch.isupper() else "a") if ch.isalpha() else ch
                    for ch in str(value)[:40])
    return f"{shape} (value withheld: identifying field)"


def trim_expr(col: Column, *, ascii_only: bool = False) -> str:
    """First tidying step for every column: trim, and an empty cell becomes NULL.

    ``ascii_only``: the file holds no byte above 0x7F (``supply_files.scan`` says so). DuckDB's
    ``TRIM`` removes the space and the Unicode space separators (U+00A0, U+2000–U+200A,
    U+3000, …) but not tabs, so on ASCII text a value needs trimming only when it begins or
    ends with ``' '``; testing that first is five times cheaper than trimming every value
    and gives the same result (checked by ``tests/test_validate_equivalence.py``).

    Examples
    --------
    >>> import duckdb
    >>> pc = Column("postcode", kind="postcode")
    >>> duckdb.sql(f"SELECT {trim_expr(pc)} FROM (VALUES (' NG1 5AW '), ('')) t(postcode)").fetchall()
    [('NG1 5AW',), (None,)]
    """
    c = q(col.name)
    if ascii_only:
        return (f"CASE WHEN {c} LIKE ' %' OR {c} LIKE '% ' OR {c} = '' "
                f"THEN NULLIF(TRIM({c}), '') ELSE {c} END")
    return f"NULLIF(TRIM({c}), '')"


def tidy_expr(col: Column, v: str | None = None) -> str:
    """Second step, by kind, on an already trimmed value ``v`` (default: the column itself).

    Postcodes: upper case, re-spaced before the inward code (``ng15aw`` → ``NG1 5AW``);
    flags and ICD-10 codes: upper case; times ``H:MM`` → ``HH:MM``; ages and outward
    postcodes: runs of white space folded. Regexes are avoided on the hot path.

    Examples
    --------
    >>> import duckdb
    >>> t = Column("t", kind="time")
    >>> duckdb.sql(f"SELECT {tidy_expr(t)} FROM (VALUES ('9:30'), ('10:05')) v(t)").fetchall()
    [('09:30',), ('10:05',)]
    """
    v = v or q(col.name)
    if col.kind == "postcode":
        # a value already in the normal form is kept as it is (the usual case, and one
        # regex instead of four string functions); anything else is re-spaced
        x = f"upper(replace({v}, ' ', ''))"
        return (f"CASE WHEN regexp_matches({v}, '{POSTCODE_RE}') THEN {v} "
                f"WHEN length({x}) BETWEEN 5 AND 7 "
                f"THEN left({x}, length({x}) - 3) || ' ' || right({x}, 3) ELSE {x} END")
    if col.kind == "postcode_outward":
        return f"upper(regexp_replace({v}, '\\s+', ' ', 'g'))"
    if col.kind == "flag":
        return f"CASE WHEN {v} IN ('Y', 'N') THEN {v} ELSE upper({v}) END"
    if col.kind in ("icd10", "offence_code"):
        return f"upper({v})"
    if col.kind == "time":
        return f"CASE WHEN length({v}) = 4 AND substr({v}, 2, 1) = ':' THEN '0' || {v} ELSE {v} END"
    if col.kind == "age":
        return f"lower(regexp_replace({v}, '\\s+', ' ', 'g'))"
    return v


def normalise_expr(col: Column) -> str:
    """SQL expression tidying one staged VARCHAR column (applied before validation).

    Examples
    --------
    >>> import duckdb
    >>> pc = Column("postcode", kind="postcode")
    >>> duckdb.sql(f"SELECT {normalise_expr(pc)} FROM (VALUES (' ng15aw '), (''), ('NG1 5AW')) t(postcode)").fetchall()
    [('NG1 5AW',), (None,), ('NG1 5AW',)]
    """
    return tidy_expr(col, trim_expr(col))


def normalise_sql(ds: Dataset, staged: str, present: list[str], *, already: bool = False) -> str:
    """SELECT producing the normalised table; columns absent from the file become NULL.

    ``already``: the staged columns were normalised while staging; only select them.

    Examples
    --------
    >>> ds = Dataset(id="demo_events", title="Demo", source="local", agency="council", klass="D",
    ...              tiers=("peripheral",), cadence="monthly",
    ...              columns=(Column("event_date", kind="date"), Column("postcode", kind="postcode")))
    >>> print(normalise_sql(ds, "staged", ["event_date"]))        # postcode is not in the file
    SELECT NULLIF(TRIM("event_date"), '') AS "event_date", NULL::VARCHAR AS "postcode", _file, _line FROM staged
    """
    parts = []
    for col in ds.columns:
        expr = (q(col.name) if already else normalise_expr(col)) if col.name in present else "NULL::VARCHAR"
        parts.append(f"{expr} AS {q(col.name)}")
    return f"SELECT {', '.join(parts)}, _file, _line FROM {staged}"


def _allowed_list(col: Column) -> str:
    return "(" + ", ".join(lit(a) for a in col.allowed) + ")"


def reject_rule(col: Column) -> tuple[str, str] | None:
    """(SQL predicate that is TRUE for a bad non-NULL value, what was expected) or None.

    Examples
    --------
    >>> import duckdb
    >>> predicate, expected = reject_rule(Column("d", kind="date"))
    >>> expected
    'a date YYYY-MM-DD (from 1900)'
    >>> duckdb.sql(f"SELECT {predicate} FROM (VALUES ('2024-02-30'), ('2024-02-29'), ('29/02/2024')) v(d)").fetchall()
    [(True,), (False,), (True,)]
    >>> reject_rule(Column("note")) is None                    # free text: anything goes
    True
    """
    c = q(col.name)
    k = col.kind
    if k == "date":
        # GLOB matches the whole value, so this is DATE_RE; on that shape CAST AS DATE is
        # strptime('%Y-%m-%d') at a third of the cost (a non-existent day gives NULL)
        # (on that shape, text order is date order: '< 1900' is a year before 1900)
        return (f"NOT ({c} GLOB '{DATE_GLOB}') OR {c} < '1900' OR try_cast({c} AS DATE) IS NULL",
                "a date YYYY-MM-DD (from 1900)")
    if k == "time":
        # TIME_RE as two GLOBs: hours [0-2][0-9] below '24' is ([01][0-9]|2[0-3])
        return (f"NOT ({c} GLOB '{TIME_GLOB}' OR {c} GLOB '{TIME_GLOB}:[0-5][0-9]') OR {c} >= '24'",
                "a time HH:MM (24h)")
    if k == "timestamp":
        return f"try_cast({c} AS TIMESTAMP) IS NULL", "an ISO 8601 timestamp"
    if k == "month":
        return f"NOT regexp_matches({c}, '{MONTH_RE}')", "a month YYYY-MM"
    if k == "integer":
        return f"try_cast({c} AS BIGINT) IS NULL", "a whole number"
    if k == "number":
        return f"try_cast({c} AS DOUBLE) IS NULL OR isnan(try_cast({c} AS DOUBLE))", "a number"
    if k == "easting":
        lo, hi = BNG_EASTING
        return (f"coalesce(try_cast({c} AS DOUBLE) NOT BETWEEN {lo} AND {hi}, true)",
                f"a BNG easting in metres ({lo}–{hi})")
    if k == "northing":
        lo, hi = BNG_NORTHING
        return (f"coalesce(try_cast({c} AS DOUBLE) NOT BETWEEN {lo} AND {hi}, true)",
                f"a BNG northing in metres ({lo}–{hi})")
    if k == "longitude":
        return (f"coalesce(try_cast({c} AS DOUBLE) NOT BETWEEN -180 AND 180, true)",
                "a longitude in degrees (-180–180)")
    if k == "latitude":
        return (f"coalesce(try_cast({c} AS DOUBLE) NOT BETWEEN -90 AND 90, true)",
                "a latitude in degrees (-90–90)")
    if k == "postcode":
        return f"NOT regexp_matches({c}, '{POSTCODE_RE}')", "a UK unit postcode such as 'NG1 5AW'"
    if k == "postcode_outward":
        return (f"NOT regexp_matches({c}, '{OUTWARD_RE}')",
                "an outward postcode only, such as 'NG1' (regulations J.9–J.10)")
    if k == "icd10":
        return (f"NOT regexp_matches({c}, '{ICD10_RE}')",
                "an ICD-10 code in blocks X85–Y09, F10–F19, T51, Y90 or Y91 (regulations J.9)")
    if k == "age":
        return (f"NOT regexp_matches({c}, '{AGE_RE}') OR "
                f"coalesce(try_cast({c} AS INTEGER) > 120, false)",
                "an age in years (0–120) or a band such as '18-24'")
    if k == "offence_code":
        return (f"NOT regexp_matches({c}, '{OFFENCE_CODE_RE}')",
                "a Home Office offence code such as 105A, 8N or 4.10 (guidance 3.2.1)")
    if col.allowed and col.strict:
        return f"{c} NOT IN {_allowed_list(col)}", "one of " + ", ".join(col.allowed)
    return None


def warning_rules(ds: Dataset) -> list[tuple[str, str, str]]:
    """(code, SQL predicate TRUE for a row to warn about, description) for a dataset.

    Examples
    --------
    >>> ds = Dataset(id="demo_events", title="Demo", source="local", agency="council", klass="D",
    ...              tiers=("peripheral",), cadence="monthly",
    ...              columns=(Column("event_date", kind="date"), Column("postcode", kind="postcode")))
    >>> [code for code, _, _ in warning_rules(ds)]
    ['missing_location', 'future_date:event_date']
    """
    rules: list[tuple[str, str, str]] = []
    names = ds.column_names
    geo = [n for n in ("easting", "postcode", "longitude", "postcode_outward") if n in names]
    if geo:
        rules.append(("missing_location", " AND ".join(f"{q(n)} IS NULL" for n in geo),
                      "no location: no coordinates and no postcode"))
    for col in ds.columns:
        c = q(col.name)
        if col.allowed and not col.strict:
            rules.append((f"uncoded:{col.name}",
                          f"{c} IS NOT NULL AND lower({c}) NOT IN "
                          + "(" + ", ".join(lit(a.lower()) for a in col.allowed) + ")",
                          f"'{col.name}' outside the guidance's list ({', '.join(col.allowed)})"))
        if col.kind == "offence_code":
            known = "(" + ", ".join(lit(x) for x in sorted(HOME_OFFICE_OFFENCE_CODES)) + ")"
            rules.append((f"unknown_offence_code:{col.name}",
                          f"{c} IS NOT NULL AND {c} NOT IN {known}",
                          f"'{col.name}' is shaped like a Home Office code but not in the "
                          "Home Office list of 2017/18 (a newer code, or a typing error)"))
        if col.kind == "date":
            rules.append((f"future_date:{col.name}",
                          # on a valid YYYY-MM-DD (anything else rejects the supply) text
                          # order is date order, and comparing text is three times cheaper
                          f"{c} > strftime(current_date, '%Y-%m-%d')",
                          f"'{col.name}' is in the future"))
        if col.kind == "text":
            rules.append((f"formula_like:{col.name}",
                          # every character FORMULA_RE starts with sorts before 'A', so a
                          # text comparison first spares the regex most values
                          f"{c} < 'A' AND regexp_matches({c}, '{FORMULA_RE}')",
                          f"'{col.name}' looks like a spreadsheet formula (kept verbatim; "
                          f"neutralised on export)"))
    return rules


@dataclass
class ValidationOutcome:
    """What :func:`validate` found: rows checked, the rejections (the first few and the total) and the quality warnings; ``ok`` when nothing rejects the supply.

    Examples
    --------
    >>> ValidationOutcome(rows=2).ok, ValidationOutcome(rows=2, problem_count=1).ok
    (True, False)
    """

    rows: int
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[dict] = field(default_factory=list)
    #: the extra aggregates asked for with ``validate(profile=…)``, by name
    profile: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


def validate(con, ds: Dataset, table: str, *, sample: int = 3,
             profile: dict[str, str] | None = None) -> ValidationOutcome:
    """Check every value of a normalised staged table in one SQL pass.

    Returns the rejections (first ``sample`` per rule, with file, line, column, expected,
    found) and the total count, plus quality warnings with counts and example lines.
    ``profile`` maps names to further aggregate expressions (e.g. the period a supply
    covers) computed in the same pass; their values come back in ``outcome.profile``.

    Examples
    --------
    >>> import duckdb
    >>> ds = Dataset(id="demo_events", title="Demo", source="local", agency="council", klass="D",
    ...              tiers=("peripheral",), cadence="monthly",
    ...              columns=(Column("event_date", kind="date"), Column("postcode", kind="postcode")))
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE staged AS SELECT * FROM (VALUES ('2024-01-05', 'NG1 5AW', 'a.csv', 2), "
    ...                 "('05/01/2024', NULL, 'a.csv', 3)) v(event_date, postcode, _file, _line)")
    >>> out = validate(con, ds, "staged")
    >>> out.ok, out.rows, out.problem_count
    (False, 2, 1)
    >>> print(out.problems[0])
    a.csv, line 3, column 'event_date': expected a date YYYY-MM-DD (from 1900); found '05/01/2024'
    >>> [(w["code"], w["count"], w["example_lines"]) for w in out.warnings]
    [('missing_location', 1, [3])]
    """
    from workbench.hub.supply_files import max_field_bytes

    checks: list[tuple[str, str, str, str]] = []  # (kind, column, predicate, expected)
    bound = max_field_bytes()
    present = {d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description}
    for col in ds.columns:
        c = q(col.name)
        if col.name in present:
            # a field larger than any real value (issue 11: a 65 MB field) is refused, naming its size
            checks.append(("size", col.name, f"strlen(CAST({c} AS VARCHAR)) > {bound}",
                           f"a value of at most {bound:,} bytes "
                           f"(WORKBENCH_MAX_FIELD_BYTES; split or shorten the field)"))
        rule = reject_rule(col)
        if rule:
            pred, expected = rule
            checks.append(("reject", col.name, f"{c} IS NOT NULL AND ({pred})", expected))
        if col.required:
            checks.append(("reject", col.name, f"{c} IS NULL", "a value (this field is required)"))
    warns = warning_rules(ds)
    # Pass 1 counts every rule; pass 2 (only for rules that fired, so rarely) fetches examples.
    selects = ["count(*) AS n"]
    selects += [f"count(*) FILTER (WHERE {pred}) AS r{i}" for i, (_, _, pred, _) in enumerate(checks)]
    selects += [f"count(*) FILTER (WHERE {pred}) AS w{i}" for i, (_, pred, _) in enumerate(warns)]
    extra = list((profile or {}).items())
    selects += [f"{expr} AS p{i}" for i, (_, expr) in enumerate(extra)]
    row = con.execute(f"SELECT {', '.join(selects)} FROM {table}").fetchone()
    names = [d[0] for d in con.description]
    res = dict(zip(names, row))
    fired = [i for i in range(len(checks)) if res[f"r{i}"]]
    wfired = [i for i in range(len(warns)) if res[f"w{i}"]]
    examples = {}
    if fired or wfired:
        value = {i: (f"strlen(CAST({q(checks[i][1])} AS VARCHAR))" if checks[i][0] == "size"
                     else q(checks[i][1])) for i in fired}
        ex = [f"arg_min({{'file': _file, 'line': _line, 'value': {value[i]}}}, _line, {sample}) "
              f"FILTER (WHERE {checks[i][2]}) AS e{i}" for i in fired]
        ex += [f"arg_min(_line, _line, {sample}) FILTER (WHERE {warns[i][1]}) AS wl{i}" for i in wfired]
        row = con.execute(f"SELECT {', '.join(ex)} FROM {table}").fetchone()
        examples = dict(zip([d[0] for d in con.description], row))
    out = ValidationOutcome(rows=res["n"], profile={name: res[f"p{i}"] for i, (name, _) in enumerate(extra)})
    ident = set(ds.ident_columns)   # identifying values are never echoed (security review)
    for i in fired:
        column, expected = checks[i][1], checks[i][3]
        out.problem_count += res[f"r{i}"]
        for e in examples.get(f"e{i}") or []:
            found = "(empty)" if e["value"] is None else \
                f"a value of {e['value']:,} bytes" if checks[i][0] == "size" else \
                masked(e["value"]) if column in ident else e["value"]
            out.problems.append(Problem(e["file"], e["line"], column, expected, found))
    out.problems.sort(key=lambda p: (p.file, p.line or 0))
    for i in wfired:
        code, _, desc = warns[i]
        out.warnings.append({"code": code, "count": res[f"w{i}"], "description": desc,
                             "example_lines": list(examples.get(f"wl{i}") or [])})
    for col in ds.key[:1] if ds.key else ():
        keys = ", ".join(q(k) for k in ds.key)
        dup = con.execute(
            f"SELECT count(*), sum(n) FROM (SELECT count(*) n FROM {table} "
            f"WHERE {q(col)} IS NOT NULL GROUP BY {keys} HAVING count(*) > 1)"
        ).fetchone()
        if dup[0]:
            out.warnings.append({"code": "repeated_key", "count": int(dup[1]),
                                 "description": f"{dup[0]} reference key(s) repeated within the supply "
                                                f"({', '.join(ds.key)}); all rows kept"})
    return out
