"""Reading CSV files into a staged VARCHAR table: the shared mechanics of every CSV adapter."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from workbench.sql import quote_identifier as _qi
from workbench.sql import quote_literal as sql_str
from workbench.errors import Problem, SupplyRejected


def read_header(path: Path) -> list[str]:
    r"""The header row of a CSV file (UTF-8, BOM tolerated), as written.

    Examples
    --------
    >>> _ = Path("bom.csv").write_text("\ufeffCrime ID,Month\nx,2024-01\n", encoding="utf-8")
    >>> read_header(Path("bom.csv"))                         # a byte-order mark is tolerated
    ['Crime ID', 'Month']
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return next(csv.reader(fh), [])


#: CSV read buffer (bytes). DuckDB's reader hands each buffer's records on as one ordered
#: batch; with the default buffer the batches are smaller than a row group and keeping the
#: file's order (which gives ``_line``) means merging them: a 5M-row staging took 4.2 s,
#: with 64 MiB buffers 2.9 s, the same as not keeping order at all (bench/ingest_bench.py).
READ_BUFFER = 64 * 1024 * 1024


def stage_csv(con, path: Path, table: str, source_columns: list[str],
              select: str, *, dataset: str, header: bool = True) -> None:
    r"""Append one CSV file to TEMP ``table`` (created on first use).

    ``source_columns`` are the file's columns in order (all read as VARCHAR, quoted with
    '"'); ``select`` is a SELECT list over them producing the staged columns (renames
    only). ``_file`` and ``_line`` are added: ``_line`` is the record's line number in
    the file (header = line 1), exact when no field spans several lines.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = Path("imd.csv").write_text('lsoa_code,imd_score\nE01000001, 12.5 \n"E01000002",3\n')
    >>> stage_csv(con, Path("imd.csv"), "staged", ["c0", "c1"], '"c0" AS "lsoa_code", "c1" AS "imd_score"',
    ...           dataset="ref_imd")
    >>> con.execute("SELECT * FROM staged").fetchall()       # trimmed, with each record's file and line
    [('E01000001', '12.5', 'imd.csv', 2), ('E01000002', '3', 'imd.csv', 3)]
    >>> reset_staging(con)             # as ingest does after each supply (the staging state is per connection)
    """
    cols = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in source_columns) + "}"
    from workbench.hub.supply_files import max_line_bytes

    # the bound on a record (quoted newlines included) is the scan's bound on a line: a record
    # too large for the reader's buffer used to vanish silently (issue 11)
    reader = (f"read_csv({sql_str(str(path))}, columns={cols}, header={'true' if header else 'false'}, "
              f"auto_detect=false, delim=',', quote='\"', escape='\"', strict_mode=true, "
              f"null_padding=false, encoding='utf-8', buffer_size={READ_BUFFER}, "
              f"max_line_size={max_line_bytes()})")
    offset = 1 if header else 0
    parts = _VIEW_PARTS.setdefault((id(con), table), [])
    part = f"{table}__f{len(parts)}"
    # Each file is read in parallel into its own table: DuckDB keeps the file's order in a
    # CREATE TABLE AS (preserve_insertion_order), so a record's line is its rowid + offset.
    # (row_number() OVER () gives the same numbers at twice the cost.)
    body = f"SELECT {select} FROM {reader}"
    if (id(con), table) not in _RAW:
        # Normalise while staging (the table is materialised anyway), so validation and
        # insert read tidy values instead of recomputing them (workbench.hub.validate).
        from workbench import catalogue
        from workbench.hub.validate import tidy_expr, trim_expr

        ds = catalogue.get(dataset)
        outputs = [c.strip().rsplit(" AS ", 1)[-1].strip().strip('"') for c in _split_select(select)]
        cols = {c.name: c for c in ds.columns}
        ascii_only = (id(con), _path_key(path)) in _ASCII
        trimmed = [f"{trim_expr(cols[o], ascii_only=ascii_only)} AS {_qi(o)}" if o in cols else _qi(o)
                   for o in outputs]
        tidied = [f"{tidy_expr(cols[o])} AS {_qi(o)}" if o in cols else _qi(o) for o in outputs]
        body = f"SELECT {', '.join(tidied)} FROM (SELECT {', '.join(trimmed)} FROM ({body}))"
        _NORMALISED.add((id(con), table))
    try:
        con.execute(f"CREATE TEMP TABLE {part} AS {body}")
    except duckdb.Error as exc:
        raise SupplyRejected(dataset, [csv_error_problem(path, exc)]) from None
    lines = _record_lines(con, path, part, header)
    if lines is None:
        parts.append(f"SELECT *, {sql_str(path.name)} AS _file, rowid + {offset + 1} AS _line FROM {part}")
    else:
        parts.append(f"SELECT * EXCLUDE (_wb_line), {sql_str(path.name)} AS _file, _wb_line AS _line "
                     f"FROM {lines}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS " + " UNION ALL ".join(parts))


#: the SELECTs making up each staged view, per connection and table
_VIEW_PARTS: dict[tuple[int, str], list[str]] = {}
#: staged views whose columns are already normalised / staged tables an adapter will transform
_NORMALISED: set[tuple[int, str]] = set()
_RAW: set[tuple[int, str]] = set()


#: files this connection's scan found to be pure ASCII (cheaper trimming while staging)
_ASCII: set[tuple[int, str]] = set()
#: (physical lines, holds '"') of each scanned file, per connection
_LAYOUT: dict[tuple[int, str], tuple[int, bool]] = {}


def _record_lines(con, path: Path, part: str, header: bool) -> str | None:
    """When quoted fields span lines, a record's line is not its row number plus the header:
    number the records of ``part`` by the physical line each starts on (issue 11: line numbers
    were wrong after quoted newlines) and return the numbered table; None when row numbers are
    already exact (no '"' in the file, or as many records as lines: the usual case, free).
    """
    import pandas as pd

    from workbench.hub.supply_files import max_line_bytes

    layout = _LAYOUT.get((id(con), _path_key(path)))
    if layout is None or not layout[1]:
        return None
    rows = con.execute(f"SELECT count(*) FROM {part}").fetchone()[0]
    if layout[0] == rows + (1 if header else 0):
        return None
    csv.field_size_limit(max(csv.field_size_limit(), max_line_bytes()))
    starts, prev = [], 0
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        for i, record in enumerate(reader):
            start, prev = prev + 1, reader.line_num
            if (header and i == 0) or not record:
                continue
            starts.append(start)
    if len(starts) != rows:      # the two readers disagree: keep row numbers rather than guess
        return None
    con.register("_wb_lines", pd.DataFrame({"_wb_line": starts}))
    try:
        con.execute(f"CREATE TEMP TABLE {part}_lines AS SELECT p.*, l._wb_line FROM {part} p "
                    f"POSITIONAL JOIN _wb_lines l")
    finally:
        con.unregister("_wb_lines")
    con.execute(f"DROP TABLE {part}")
    return f"{part}_lines"


def declare_layout(con, scans) -> None:
    r"""Record each scanned file's physical line count and whether it holds '"'
    (``supply_files.FileScan``), so staging can number records exactly.

    Examples
    --------
    >>> from workbench.hub.supply_files import scan
    >>> con = duckdb.connect()
    >>> _ = Path("quoted.csv").write_text('lsoa_code,imd_score\n"E0100\n0001",1\nE01000002,2\n')
    >>> declare_layout(con, [scan(Path("quoted.csv"))])     # 4 physical lines, quotes present
    >>> stage_csv(con, Path("quoted.csv"), "staged", ["c0", "c1"], '"c0" AS "lsoa_code", "c1" AS "imd_score"',
    ...           dataset="ref_imd")
    >>> con.execute("SELECT _line FROM staged").fetchall()   # the second record starts on line 4
    [(2,), (4,)]
    >>> reset_staging(con)             # as ingest does after each supply (the staging state is per connection)
    """
    for s in scans:
        _LAYOUT[(id(con), _path_key(s.path))] = (s.lines, s.quotes)


def _path_key(path: Path) -> str:
    return str(Path(path).resolve())


def declare_ascii(con, paths) -> None:
    r"""Record that ``paths`` hold no byte above 0x7F (``supply_files.FileScan.ascii``).

    Staging then trims with the ASCII form of ``validate.trim_expr``; a file not declared
    is trimmed the general way, so forgetting to declare costs time, never correctness.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = Path("ascii.csv").write_text("lsoa_code,imd_score\n E01000001 ,1\n")
    >>> declare_ascii(con, [Path("ascii.csv")])             # the cheaper trim: same result
    >>> stage_csv(con, Path("ascii.csv"), "staged", ["c0", "c1"], '"c0" AS "lsoa_code", "c1" AS "imd_score"',
    ...           dataset="ref_imd")
    >>> con.execute("SELECT lsoa_code FROM staged").fetchall()
    [('E01000001',)]
    >>> reset_staging(con)             # as ingest does after each supply (the staging state is per connection)
    """
    _ASCII.update((id(con), _path_key(p)) for p in paths)


def mark_raw(con, table: str) -> None:
    """Declare ``table`` an adapter's intermediate (source columns, not normalised).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> mark_raw(con, "raw_rows")
    >>> is_normalised(con, "raw_rows")
    False
    >>> reset_staging(con)             # as ingest does after each supply (the staging state is per connection)
    """
    _RAW.add((id(con), table))


def is_normalised(con, table: str) -> bool:
    r"""True when every part of a staged view was normalised while staging.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = Path("norm.csv").write_text("lsoa_code,imd_score\nE01000001,1\n")
    >>> stage_csv(con, Path("norm.csv"), "staged", ["c0", "c1"], '"c0" AS "lsoa_code", "c1" AS "imd_score"',
    ...           dataset="ref_imd")
    >>> is_normalised(con, "staged"), is_normalised(con, "other")
    (True, False)
    >>> reset_staging(con)             # as ingest does after each supply (the staging state is per connection)
    """
    return (id(con), table) in _NORMALISED


def _split_select(select: str) -> list[str]:
    """Split a SELECT list of simple renames ("c0" AS "crime_ref", …) on top-level commas."""
    parts, depth, cur, quoted = [], 0, "", False
    for ch in select:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([":
            depth += 1
        elif not quoted and ch in ")]":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p for p in parts if p.strip()]


def reset_staging(con) -> None:
    r"""Drop every staged view and table of this connection (before and after each supply).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = Path("reset.csv").write_text("lsoa_code,imd_score\nE01000001,1\n")
    >>> stage_csv(con, Path("reset.csv"), "staged", ["c0", "c1"], '"c0" AS "lsoa_code", "c1" AS "imd_score"',
    ...           dataset="ref_imd")
    >>> reset_staging(con)
    >>> is_normalised(con, "staged"), con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchone()
    (False, (0,))
    """
    for key in [k for k in _VIEW_PARTS if k[0] == id(con)]:
        _VIEW_PARTS.pop(key, None)
    for registry in (_NORMALISED, _RAW, _ASCII):
        for key in [k for k in registry if k[0] == id(con)]:
            registry.discard(key)
    for key in [k for k in _LAYOUT if k[0] == id(con)]:
        _LAYOUT.pop(key, None)
    for name, kind in con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall():
        con.execute(f'DROP {kind} IF EXISTS temp."{name}"')


def csv_error_problem(path: Path | None, exc: Exception) -> Problem:
    """Turn a DuckDB CSV reader error into a Problem naming the file and line.

    Examples
    --------
    >>> print(csv_error_problem(None, Exception('Error in file "bad.csv" on line: 7 Expected Number of Columns: 3 Found: 2')))
    bad.csv, line 7: expected 3 fields in every record; found '2 fields (a truncated or malformed record)'
    """
    msg = str(exc)
    if path is None:
        m = re.search(r"[Ff]ile:? ['\"]?([^'\"\n]+?\.(?:csv|txt))", msg)
        path = Path(m.group(1)) if m else Path("supply")
    m = re.search(r"[Ll]ine:? (\d+)", msg)
    line = int(m.group(1)) if m else None
    size = re.search(r"[Mm]aximum line size of (\d+) bytes", msg)
    if size:
        return Problem(path.name, line, None,
                       f"records of at most {int(size.group(1)):,} bytes (WORKBENCH_MAX_LINE_BYTES)",
                       "a larger record (a quoted field running over many lines: is a quote unclosed?)")
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg)
    if found:
        return Problem(path.name, line, None, f"{found.group(1)} fields in every record",
                       f"{found.group(2)} fields (a truncated or malformed record)")
    if "unicode" in msg.lower() or "utf" in msg.lower():
        return Problem(path.name, line, None, "UTF-8 text", "bytes that are not valid UTF-8")
    if "quote" in msg.lower():
        return Problem(path.name, line, None, "balanced double quotes", "an unterminated quoted field")
    first = msg.strip().splitlines()[0][:200]
    return Problem(path.name, line, None, "a well-formed CSV record", first)
